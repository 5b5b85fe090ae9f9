//! Criterion benchmarks of the permission check.
//!
//! One group, `check`, so the figures of one run compare directly:
//!
//! - `floor`: a bare `[u64; 6]` bitset written here, indexed by
//!   `kind * 3 + role` and shifted by the action: the least any bitset check
//!   can cost;
//! - `allows`: the crate's hot check;
//! - `custom_role`: [`CustomRole::allows`], a user-defined role's check;
//! - `decide`: the full decision, with a context.
//!
//! Each is measured on one request (`single/*`; `single/decide_conditional`
//! is a `limited(...)` cell evaluated against the context) and on a mixed
//! workload of 1024 requests over every role, kind and action, each with its
//! own context, pre-generated with a seeded PRNG (`mixed_1024/*`, reported
//! per request). `mixed_1024/decide` hands every full decision to
//! `black_box`; `mixed_1024/decide_is_allowed` only counts the allowed ones.
//!
//! `custom_role` runs on the same requests against six custom roles, one
//! per (kind, role) and looked up as the floor looks up its bitsets: each
//! holds the `yes` cells of that built-in role minus the owner-only
//! actions (which a custom role cannot hold); the limited collaborator's
//! slot on a dedicated database, which would be empty, holds
//! `view_database_metrics`. Its answers therefore differ from the floor's
//! on those actions; the work per request is the same.
//!
//! Run: `cargo bench --bench check`.
#![expect(
    clippy::indexing_slicing,
    reason = "the floor is a bare array lookup on purpose; indices are in range by construction"
)]
#![expect(
    clippy::expect_used,
    reason = "set-up of the benchmark's custom roles, valid by construction"
)]

use std::hint::black_box;
use std::time::Duration;

use collab_authz::{
    Action, Context, CustomRole, Permissions, ResourceKind, ReviewAppSettings, ReviewAppTrigger,
    Role, allows, custom_role, decide, grants,
};
use criterion::{Criterion, Throughput};

/// The number of requests in the mixed workload.
const REQUESTS: usize = 1024;

/// SplitMix64: a small deterministic PRNG, so every run measures the same
/// workload.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// An element of `items`, uniformly.
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        let n = items.len() as u64;
        items[(self.next() % n) as usize]
    }

    fn maybe<T: Copy>(&mut self, items: &[T]) -> Option<T> {
        if self.next() % 4 == 0 {
            None
        } else {
            Some(self.pick(items))
        }
    }
}

/// The floor: one `u64` per (kind, role), in a plain array. Only the data
/// comes from the crate; the lookup is written here.
struct Floor([u64; 6]);

impl Floor {
    fn new() -> Self {
        let mut table = [0u64; 6];
        for kind in ResourceKind::ALL {
            for role in Role::ALL {
                table[kind as usize * 3 + role as usize] = grants(role, kind).allowed().bits();
            }
        }
        Floor(table)
    }

    #[inline]
    fn allows(&self, role: Role, kind: ResourceKind, action: Action) -> bool {
        self.0[kind as usize * 3 + role as usize] >> (action as u8) & 1 != 0
    }
}

type Request = (Role, ResourceKind, Action);

/// The single-request custom role: what a collaborator reading environment
/// variable values would need.
const ENV_READER: CustomRole = custom_role!(
    "env_reader",
    ResourceKind::App,
    Permissions::VIEW_ENV_VAR_NAMES.union(Permissions::VIEW_ENV_VAR_VALUES),
);

/// Six custom roles indexed as [`Floor`] (`kind * 3 + role`): see the
/// module docs.
fn custom_roles() -> Vec<CustomRole> {
    let owner_only = Permissions::DELETE | Permissions::RENAME | Permissions::TRANSFER_OWNERSHIP;
    let mut table = Vec::with_capacity(6);
    for kind in ResourceKind::ALL {
        for role in Role::ALL {
            let mut held = grants(role, kind).allowed() - owner_only;
            if held.is_empty() {
                held = Permissions::VIEW_DATABASE_METRICS;
            }
            let name = format!("{}_{}", kind.id(), role.id());
            let custom = CustomRole::from_name(&name, kind, held).expect("a valid custom role");
            assert_eq!(table.len(), kind as usize * 3 + role as usize);
            table.push(custom);
        }
    }
    table
}

/// 1024 requests over every role, kind and action, and a context for each.
fn workload() -> (Vec<Request>, Vec<Context>) {
    let mut rng = SplitMix64(0x00C0_11AB_A0A7_4242);
    let requests: Vec<Request> = (0..REQUESTS)
        .map(|_| {
            (
                rng.pick(&Role::ALL),
                rng.pick(&ResourceKind::ALL),
                rng.pick(&Action::ALL),
            )
        })
        .collect();
    let contexts = (0..REQUESTS)
        .map(|_| {
            let mut ctx = Context::new();
            if rng.next() % 4 != 0 {
                ctx = ctx.with_deployment_age(Duration::from_secs(rng.next() % (14 * 24 * 3600)));
            }
            if let Some(t) =
                rng.maybe(&[ReviewAppTrigger::ScmIntegration, ReviewAppTrigger::Manual])
            {
                ctx = ctx.with_review_app_trigger(t);
            }
            if let Some(s) = rng.maybe(&[
                ReviewAppSettings::AllowCreation,
                ReviewAppSettings::ForbidCreation,
            ]) {
                ctx = ctx.with_review_app_settings(s);
            }
            ctx
        })
        .collect();
    (requests, contexts)
}

fn bench_check(c: &mut Criterion) {
    let floor = Floor::new();
    let (requests, contexts) = workload();

    // The floor and the crate agree on every request, so they do the same
    // work.
    for &(r, k, a) in &requests {
        assert_eq!(floor.allows(r, k, a), allows(r, k, a));
    }

    let customs = custom_roles();
    let custom = |r: Role, k: ResourceKind| &customs[k as usize * 3 + r as usize];
    // The custom roles answer as their permission sets say.
    for &(r, k, a) in &requests {
        assert_eq!(
            custom(r, k).allows(a),
            custom(r, k).permissions().actions().any(|b| b == a)
        );
    }

    let mut group = c.benchmark_group("check");

    // One request with an unconditional cell: a collaborator reading
    // environment variable values.
    let single: Request = (
        Role::Collaborator,
        ResourceKind::App,
        Action::ViewEnvVarValues,
    );
    let ctx = Context::new().with_deployment_age(Duration::from_secs(3600));
    group.throughput(Throughput::Elements(1));
    group.bench_function("single/floor", |b| {
        b.iter(|| {
            let (r, k, a) = black_box(single);
            floor.allows(r, k, a)
        });
    });
    group.bench_function("single/allows", |b| {
        b.iter(|| {
            let (r, k, a) = black_box(single);
            allows(r, k, a)
        });
    });
    group.bench_function("single/custom_role", |b| {
        b.iter(|| {
            let (_, _, a) = black_box(single);
            black_box(&ENV_READER).allows(a)
        });
    });
    group.bench_function("single/decide", |b| {
        b.iter(|| {
            let (r, k, a) = black_box(single);
            decide(r, k, a, black_box(&ctx))
        });
    });
    // One request with a conditional cell, evaluated against the context:
    // a limited collaborator reading a fresh deployment's logs.
    let conditional: Request = (
        Role::LimitedCollaborator,
        ResourceKind::App,
        Action::ViewDeploymentLogs,
    );
    group.bench_function("single/decide_conditional", |b| {
        b.iter(|| {
            let (r, k, a) = black_box(conditional);
            decide(r, k, a, black_box(&ctx))
        });
    });

    // The mixed workload, reported per request.
    group.throughput(Throughput::Elements(REQUESTS as u64));
    group.bench_function("mixed_1024/floor", |b| {
        b.iter(|| {
            black_box(&requests)
                .iter()
                .filter(|&&(r, k, a)| floor.allows(r, k, a))
                .count()
        });
    });
    group.bench_function("mixed_1024/allows", |b| {
        b.iter(|| {
            black_box(&requests)
                .iter()
                .filter(|&&(r, k, a)| allows(r, k, a))
                .count()
        });
    });
    group.bench_function("mixed_1024/custom_role", |b| {
        b.iter(|| {
            black_box(&requests)
                .iter()
                .filter(|&&(r, k, a)| custom(r, k).allows(a))
                .count()
        });
    });
    // Every decision is handed to `black_box` whole, so the denial's reason
    // (lowest role, condition) is computed, not optimised away.
    group.bench_function("mixed_1024/decide", |b| {
        b.iter(|| {
            for (&(r, k, a), ctx) in black_box(&requests).iter().zip(black_box(&contexts)) {
                let _ = black_box(decide(r, k, a, ctx));
            }
        });
    });
    // What a caller that only branches on the answer pays.
    group.bench_function("mixed_1024/decide_is_allowed", |b| {
        b.iter(|| {
            black_box(&requests)
                .iter()
                .zip(black_box(&contexts))
                .filter(|&(&(r, k, a), ctx)| decide(r, k, a, ctx).is_allowed())
                .count()
        });
    });
    group.finish();
}

// `criterion_group!` would generate an undocumented `pub fn`; this is what
// it and `criterion_main!` expand to.
fn main() {
    let mut criterion = Criterion::default().configure_from_args();
    bench_check(&mut criterion);
    criterion.final_summary();
}
