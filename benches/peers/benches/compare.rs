//! One criterion run comparing, on the same pre-generated mixed workload of
//! 1024 requests: a bare `[u64; 6]` bitset (the floor), the crate's
//! `allows`, `decide` and batch API, Cedar (four encodings, request
//! prebuilt and request built per call) and casbin.
//!
//! Run with `flock /work/bench.lock cargo bench -p collab-authz-peers --bench
//! compare`; every figure is ns per decision (`Throughput::Elements`).
#![expect(clippy::unwrap_used, reason = "benchmark setup")]
#![expect(clippy::expect_used, reason = "benchmark setup")]
#![expect(
    missing_docs,
    reason = "criterion's macros generate undocumented functions"
)]

use std::hint::black_box;
use std::time::Duration;

use collab_authz::batch::{Request, allowed_among, allows_bits, allows_each, words_for};
use collab_authz::{Permissions, ResourceKind, Role, allows, decide, grants};
use collab_authz_peers::cedar::{CedarMatrix, Encoding};
use collab_authz_peers::rbac::CasbinMatrix;
use collab_authz_peers::workload::{self, SplitMix64};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// The workload's size and seed.
const N: usize = 1024;
const SEED: u64 = 0x00C0_11AB_A17A_0001;

/// The floor: one `u64` per (kind, role) row, indexed by `kind * 3 + role`,
/// and one shift and AND per request.
fn bitset_table() -> [u64; 6] {
    let mut table = [0; 6];
    for (slot, (kind, role)) in table.iter_mut().zip(
        ResourceKind::ALL
            .into_iter()
            .flat_map(|k| Role::ALL.into_iter().map(move |r| (k, r))),
    ) {
        *slot = grants(role, kind).allowed().bits();
    }
    table
}

fn compare(c: &mut Criterion) {
    let work = workload::mixed(N, SEED);
    assert_eq!(work.len(), N);
    let triples: Vec<_> = work.iter().map(|s| (s.role, s.kind, s.action)).collect();
    let table = bitset_table();
    let packed: Vec<(u8, u8)> = work
        .iter()
        .map(|s| (s.kind as u8 * 3 + s.role as u8, s.action as u8))
        .collect();
    let requests: Vec<Request> = work
        .iter()
        .map(|s| Request::new(s.role, s.kind, s.action))
        .collect();
    let cedars: Vec<CedarMatrix> = Encoding::ALL
        .into_iter()
        .map(|e| CedarMatrix::new(e).unwrap())
        .collect();
    let casbin = CasbinMatrix::new().unwrap();

    // Sanity, outside the timings: every engine decides this workload as
    // the crate does.
    let hot = triples.iter().filter(|&&(r, k, a)| allows(r, k, a)).count();
    let floor = packed
        .iter()
        .filter(|&&(row, a)| table.get(usize::from(row)).unwrap() >> a & 1 == 1)
        .count();
    assert_eq!(hot, floor);
    let full = work
        .iter()
        .filter(|s| decide(s.role, s.kind, s.action, &s.context).is_allowed())
        .count();
    for cedar in &cedars {
        let n = work
            .iter()
            .filter(|s| {
                cedar
                    .decide(s.role, s.kind, s.action, &s.context)
                    .unwrap()
                    .is_allowed()
            })
            .count();
        assert_eq!(n, full, "cedar {}", cedar.encoding().name());
    }
    let n = work
        .iter()
        .filter(|s| {
            casbin
                .is_allowed(s.role, s.kind, s.action, &s.context)
                .unwrap()
        })
        .count();
    assert_eq!(n, full, "casbin");
    println!("workload: {N} requests, {hot} allowed by `allows`, {full} by `decide`");

    let mut g = c.benchmark_group("peers");
    g.throughput(Throughput::Elements(N as u64));

    g.bench_function("bitset_floor", |b| {
        b.iter(|| {
            black_box(&packed)
                .iter()
                .filter(|&&(row, a)| {
                    table.get(usize::from(row)).map_or(0, |bits| bits >> a & 1) == 1
                })
                .count()
        });
    });
    g.bench_function("crate_allows", |b| {
        b.iter(|| {
            black_box(&triples)
                .iter()
                .filter(|&&(r, k, a)| allows(r, k, a))
                .count()
        });
    });
    g.bench_function("crate_decide", |b| {
        b.iter(|| {
            black_box(&work)
                .iter()
                .filter(|s| decide(s.role, s.kind, s.action, &s.context).is_allowed())
                .count()
        });
    });
    let mut out = vec![false; N];
    g.bench_function("batch_allows_each", |b| {
        b.iter(|| {
            allows_each(black_box(&requests), &mut out).unwrap();
            black_box(&out);
        });
    });
    let mut words = vec![0u64; words_for(N)];
    g.bench_function("batch_allows_bits", |b| {
        b.iter(|| {
            allows_bits(black_box(&requests), &mut words).unwrap();
            black_box(&words);
        });
    });
    for cedar in &cedars {
        let prebuilt: Vec<_> = work
            .iter()
            .map(|s| cedar.request(s.role, s.kind, s.action, &s.context).unwrap())
            .collect();
        g.bench_function(format!("cedar_prebuilt_{}", cedar.encoding().name()), |b| {
            b.iter(|| {
                black_box(&prebuilt)
                    .iter()
                    .filter(|r| cedar.is_allowed(r))
                    .count()
            });
        });
    }
    for cedar in &cedars {
        g.bench_function(format!("cedar_per_call_{}", cedar.encoding().name()), |b| {
            b.iter(|| {
                black_box(&work)
                    .iter()
                    .filter(|s| {
                        let r = cedar.request(s.role, s.kind, s.action, &s.context).unwrap();
                        cedar.is_allowed(&r)
                    })
                    .count()
            });
        });
    }
    g.bench_function("casbin", |b| {
        b.iter(|| {
            black_box(&work)
                .iter()
                .filter(|s| {
                    casbin
                        .is_allowed(s.role, s.kind, s.action, &s.context)
                        .unwrap()
                })
                .count()
        });
    });
    g.finish();

    // Many actions of one (role, kind) in one AND: 1024 (role, kind, all 59
    // actions) sets, 59 decisions each.
    let mut rng = SplitMix64::new(SEED);
    let sets: Vec<(Role, ResourceKind, Permissions)> = (0..N)
        .map(|_| {
            (
                rng.pick(&Role::ALL).expect("non-empty"),
                rng.pick(&ResourceKind::ALL).expect("non-empty"),
                Permissions::all(),
            )
        })
        .collect();
    let mut g = c.benchmark_group("peers_sets");
    g.throughput(Throughput::Elements(
        (N * collab_authz::Action::COUNT) as u64,
    ));
    g.bench_function("batch_allowed_among", |b| {
        b.iter(|| {
            black_box(&sets)
                .iter()
                .map(|&(r, k, asked)| allowed_among(r, k, asked).count())
                .sum::<usize>()
        });
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = compare
}
criterion_main!(benches);
