//! Criterion benchmarks of the organization directory: building a directory
//! of 1,000,000 memberships over 100,000 resources, grouping it both ways,
//! exporting it as CSV and JSON (both groupings), and reviewing it (with
//! usage known for most accepted memberships, so that the usage-based
//! findings are timed). A tenth of that size runs alongside to check that
//! the cost per membership stays flat (linear).
//!
//! About 1 % of the resource names and of the usernames start with a
//! character a spreadsheet reads as a formula (`=`, `+`, `-`, `@`), so the
//! CSV export's neutralization is exercised.
//!
//! Run with `flock /tmp/bench.lock cargo bench --bench directory`.
#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "benchmark setup"
)]

use std::hint::black_box;
use std::time::Duration;

use collab_authz::membership::MemberParts;
use collab_authz::org::review::Usage;
use collab_authz::{
    DirectoryBuilder, Email, Grouping, InvitationToken, Member, MemberId, MemberStatus,
    Permissions, Resource, ResourceId, ResourceKind, ReviewPolicy, Role, Timestamp, TwoFactor,
    Username, review,
};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_main};

/// A small deterministic generator (no randomness in the data set from run
/// to run).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }
}

/// `resources` resources of 10 memberships each (the owner and nine
/// others), people drawn from a pool of `resources` accounts.
fn organization(resources: usize) -> Vec<(Resource, Vec<Member>)> {
    let mut rng = Lcg(42);
    let people = resources as u64;
    (0..resources)
        .map(|r| {
            let kind = if r % 5 == 0 {
                ResourceKind::DedicatedDatabase
            } else {
                ResourceKind::App
            };
            let resource = Resource::new(
                kind,
                ResourceId::new(format!("res-{r}")).unwrap(),
                name(rng.next()),
            )
            .unwrap();
            let mut seen = std::collections::BTreeSet::new();
            let mut members = Vec::with_capacity(10);
            while members.len() < 10 {
                let person = rng.next() % people;
                if !seen.insert(person) {
                    continue;
                }
                let i = members.len();
                let (role, status) = if i == 0 {
                    (Role::Owner, MemberStatus::Owner)
                } else {
                    let status = match rng.next() % 20 {
                        0..=15 => MemberStatus::Accepted,
                        16..=18 => MemberStatus::Pending,
                        _ => MemberStatus::UserAccountDeleted,
                    };
                    let limited = kind == ResourceKind::App && rng.next() % 2 == 0;
                    (
                        if limited {
                            Role::LimitedCollaborator
                        } else {
                            Role::Collaborator
                        },
                        status,
                    )
                };
                let pending = status == MemberStatus::Pending;
                members.push(
                    Member::new(MemberParts {
                        id: MemberId::new(format!("m-{r}-{i}")).unwrap(),
                        email: Email::parse(&format!("user{person}@example.com")).unwrap(),
                        username: (!pending).then(|| username(person)),
                        status,
                        role,
                        custom_role: None,
                        invited_at: Timestamp::from_unix_seconds(rng.next() % 10_000_000),
                        expires_at: None,
                        token: pending
                            .then(|| InvitationToken::new(format!("t-{r}-{i}")).unwrap().digest()),
                    })
                    .unwrap(),
                );
            }
            (resource, members)
        })
        .collect()
}

/// A resource name; about one in a hundred starts with a formula
/// character.
fn name(n: u64) -> String {
    let n = n % 1_000_000;
    match n % 400 {
        0 => format!("={n}"),
        1 => format!("-name-{n}"),
        2 => format!("+name-{n}"),
        3 => format!("@name-{n}"),
        _ => format!("name-{n}"),
    }
}

/// A person's username; about one in a hundred starts with `-`.
fn username(person: u64) -> Username {
    if person % 100 == 7 {
        Username::new(format!("-user{person}")).unwrap()
    } else {
        Username::new(format!("user{person}")).unwrap()
    }
}

/// Usage for about three accepted memberships in four: what a role uses
/// (some of it only what a limited collaborator could do), so that the
/// review's usage-based findings run.
fn usage(org: &[(Resource, Vec<Member>)]) -> Usage {
    let mut usage = Usage::new();
    let mut rng = Lcg(7);
    for (resource, members) in org {
        for m in members {
            if m.status() != MemberStatus::Accepted {
                continue;
            }
            let actions = match rng.next() % 4 {
                0 => continue,
                1 => Permissions::empty(),
                2 => Permissions::RESTART | Permissions::VIEW_LOGS,
                _ => Permissions::DEPLOY_DEFAULT_BRANCH | Permissions::VIEW_LOGS,
            };
            usage.record(m.email(), resource.id(), actions);
        }
    }
    usage
}

fn two_factor(email: &Email) -> TwoFactor {
    match email.normalized().len() % 3 {
        0 => TwoFactor::Enabled,
        1 => TwoFactor::Disabled,
        _ => TwoFactor::Unknown,
    }
}

/// The CPU time this thread has used (user + system), read from
/// `/proc/thread-self/stat` in clock ticks of 10 ms (`getconf CLK_TCK` is
/// 100 on the benchmark machine). Used by the `directory_cpu_time` group:
/// on a shared 2-core VM the wall-clock time also counts the time other
/// processes hold the CPU.
fn thread_cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap();
    // The command name (field 2) may hold spaces: split after its `)`.
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    // utime and stime are fields 14 and 15 of the whole line, so 11 and 12
    // after the name.
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 10)
}

/// Exports at full size, measured in thread CPU time.
fn bench_cpu_time(c: &mut Criterion) {
    let mut group = c.benchmark_group("directory_cpu_time");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    let org = organization(100_000);
    let memberships: usize = org.iter().map(|(_, m)| m.len()).sum();
    group.throughput(Throughput::Elements(memberships as u64));
    let mut b = DirectoryBuilder::with_capacity(org.len(), memberships);
    for (resource, members) in &org {
        b.add(resource, members);
    }
    let dir = b.build(two_factor).unwrap();
    let mut out = Vec::with_capacity(memberships * 128);
    let cases = [
        ("csv_export", false, Grouping::ByCollaborator),
        ("csv_export_by_resource", false, Grouping::ByResource),
        ("json_export", true, Grouping::ByCollaborator),
        ("json_export_by_resource", true, Grouping::ByResource),
    ];
    for (name, json, grouping) in cases {
        group.bench_function(BenchmarkId::new(name, memberships), |b| {
            b.iter_custom(|iters| {
                let start = thread_cpu_time();
                for _ in 0..iters {
                    out.clear();
                    if json {
                        dir.write_json(grouping, &mut out).unwrap();
                    } else {
                        dir.write_csv(grouping, &mut out).unwrap();
                    }
                    black_box(out.len());
                }
                thread_cpu_time() - start
            })
        });
    }
    group.finish();
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("directory");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    for resources in [10_000usize, 100_000] {
        let org = organization(resources);
        let memberships: usize = org.iter().map(|(_, m)| m.len()).sum();
        group.throughput(Throughput::Elements(memberships as u64));
        let build = || {
            let mut b = DirectoryBuilder::with_capacity(org.len(), memberships);
            for (resource, members) in &org {
                b.add(resource, members);
            }
            b.build(two_factor).unwrap()
        };
        group.bench_function(BenchmarkId::new("build", memberships), |b| {
            b.iter(|| black_box(build()))
        });
        let dir = build();
        group.bench_function(
            BenchmarkId::new("group_by_collaborator", memberships),
            |b| {
                b.iter(|| {
                    let mut n = 0usize;
                    for g in dir.by_collaborator().iter() {
                        for m in g.memberships() {
                            n += black_box(m.role()) as usize;
                        }
                    }
                    n
                })
            },
        );
        group.bench_function(BenchmarkId::new("group_by_resource", memberships), |b| {
            b.iter(|| {
                let grouped = dir.by_resource();
                let mut n = 0usize;
                for g in grouped.iter() {
                    for m in g.memberships() {
                        n += black_box(m.role()) as usize;
                    }
                }
                n
            })
        });
        let mut out = Vec::with_capacity(memberships * 128);
        group.bench_function(BenchmarkId::new("csv_export", memberships), |b| {
            b.iter(|| {
                out.clear();
                dir.write_csv(Grouping::ByCollaborator, &mut out).unwrap();
                out.len()
            })
        });
        group.bench_function(
            BenchmarkId::new("csv_export_by_resource", memberships),
            |b| {
                b.iter(|| {
                    out.clear();
                    dir.write_csv(Grouping::ByResource, &mut out).unwrap();
                    out.len()
                })
            },
        );
        group.bench_function(BenchmarkId::new("json_export", memberships), |b| {
            b.iter(|| {
                out.clear();
                dir.write_json(Grouping::ByCollaborator, &mut out).unwrap();
                out.len()
            })
        });
        group.bench_function(
            BenchmarkId::new("json_export_by_resource", memberships),
            |b| {
                b.iter(|| {
                    out.clear();
                    dir.write_json(Grouping::ByResource, &mut out).unwrap();
                    out.len()
                })
            },
        );
        let policy = ReviewPolicy::default();
        let no_usage = Usage::new();
        let usage = usage(&org);
        for (name, usage) in [
            ("access_review", &no_usage),
            ("access_review_with_usage", &usage),
        ] {
            group.bench_function(BenchmarkId::new(name, memberships), |b| {
                b.iter(|| {
                    review(
                        &dir,
                        Timestamp::from_unix_seconds(20_000_000),
                        &policy,
                        usage,
                    )
                    .findings()
                    .len()
                })
            });
        }
    }
    group.finish();
}

/// The criterion group (in a module: the macro's function has no docs).
mod harness {
    criterion::criterion_group!(benches, super::bench, super::bench_cpu_time);
}
criterion_main!(harness::benches);
