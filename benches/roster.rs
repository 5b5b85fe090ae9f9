//! Roster operations at 10, 1,000 and 10,000 members: invite, accept,
//! change role, revoke, and lookups by email and by member id. And the
//! event log (group `log`): applying one event and decoding one event at
//! 10 and 10,000 members, and rebuilding a roster of 10,000 events from a
//! snapshot and the 10 events after it against replaying all of them.
//! And the stored snapshot (groups `snapshot` and `snapshot_cpu_time`):
//! decoding a roster of 100, 1,000 and 10,000 members from its serde form,
//! which is what a service resuming a roster from its latest snapshot pays.
//!
//! Each mutating operation is measured on one prebuilt roster, with its
//! setup and undo outside the measurement: rounds of up to 100 operations
//! are timed together (`iter_custom`), then undone untimed (invitations
//! revoked, removals re-invited), so no roster is cloned inside the
//! measurement and the roster stays within 100 members of its nominal
//! size (10 members: within 10). The timed part includes building and
//! dropping the returned event. Inputs (emails, ids, tokens) are built
//! before the timed part.
#![expect(clippy::unwrap_used, reason = "benchmark setup on valid input")]
#![expect(clippy::indexing_slicing, reason = "indices stay below the round size")]

use std::hint::black_box;
use std::time::{Duration, Instant};

use collab_authz::membership::MemberParts;
use collab_authz::{
    Account, Email, Event, Invitation, InvitationToken, Member, MemberId, MemberStatus, Resource,
    ResourceId, ResourceKind, Role, Roster, Timestamp, Username,
};
use criterion::{BatchSize, BenchmarkId, Criterion, criterion_main};

const SIZES: [usize; 3] = [10, 1_000, 10_000];

fn t() -> Timestamp {
    Timestamp::from_unix_seconds(1_000)
}

fn owner_email() -> Email {
    "owner@example.com".parse().unwrap()
}

/// An app roster with the owner and `n - 1` accepted limited collaborators
/// `member{i}@example.com`.
fn roster(n: usize) -> Roster {
    let resource = Resource::new(
        ResourceKind::App,
        ResourceId::new("app-1").unwrap(),
        "bench",
    )
    .unwrap();
    let owner = Member::new(MemberParts {
        id: MemberId::new("m-owner").unwrap(),
        email: owner_email(),
        username: Some(Username::new("owner").unwrap()),
        status: MemberStatus::Owner,
        role: Role::Owner,
        custom_role: None,
        invited_at: t(),
        expires_at: None,
        token: None,
    })
    .unwrap();
    let members = (1..n).map(|i| {
        Member::new(MemberParts {
            id: MemberId::new(format!("m-{i}")).unwrap(),
            email: format!("member{i}@example.com").parse().unwrap(),
            username: Some(Username::new(format!("member{i}")).unwrap()),
            status: MemberStatus::Accepted,
            role: Role::LimitedCollaborator,
            custom_role: None,
            invited_at: t(),
            expires_at: None,
            token: None,
        })
        .unwrap()
    });
    Roster::from_parts(resource, owner, members).unwrap()
}

/// Invitations for `k` newcomers `new{i}@example.com`.
fn invitations(k: usize) -> Vec<Invitation> {
    (0..k)
        .map(|i| {
            Invitation::new(
                MemberId::new(format!("new-{i}")).unwrap(),
                format!("new{i}@example.com").parse().unwrap(),
                InvitationToken::new(format!("tok-{i}")).unwrap(),
            )
        })
        .collect()
}

fn round_size(n: usize) -> usize {
    n.min(100)
}

/// Runs `iters` operations in timed rounds of up to `k`: `setup` (untimed)
/// prepares a round, `op(i)` is timed, `undo` (untimed) restores the roster.
fn rounds(
    iters: u64,
    k: usize,
    roster: &mut Roster,
    mut setup: impl FnMut(&mut Roster, usize),
    mut op: impl FnMut(&mut Roster, usize),
    mut undo: impl FnMut(&mut Roster, usize),
) -> Duration {
    let mut total = Duration::ZERO;
    let mut left = iters;
    while left > 0 {
        let this = usize::try_from(left).unwrap_or(usize::MAX).min(k);
        setup(roster, this);
        let start = Instant::now();
        for i in 0..this {
            op(roster, i);
        }
        total += start.elapsed();
        undo(roster, this);
        left -= this as u64;
    }
    total
}

fn bench(c: &mut Criterion) {
    let owner = owner_email();
    let mut group = c.benchmark_group("roster");
    for n in SIZES {
        let k = round_size(n);
        let base = roster(n);
        let invites = invitations(k);
        let new_emails: Vec<Email> = invites.iter().map(|i| i.email.clone()).collect();
        let tokens: Vec<InvitationToken> = invites.iter().map(|i| i.token.clone()).collect();
        let username = Username::new("newcomer").unwrap();
        let members: Vec<Email> = (1..n)
            .map(|i| format!("member{i}@example.com").parse().unwrap())
            .collect();
        let ids: Vec<MemberId> = (1..n)
            .map(|i| MemberId::new(format!("m-{i}")).unwrap())
            .collect();

        let invite_all = |r: &mut Roster, m: usize| {
            for inv in invites.iter().take(m) {
                r.invite(&owner, inv.clone(), t()).unwrap();
            }
        };
        let revoke_all = |r: &mut Roster, m: usize| {
            for e in new_emails.iter().take(m) {
                r.revoke(&owner, e, t()).unwrap();
            }
        };

        group.bench_function(BenchmarkId::new("invite", n), |b| {
            let mut r = base.clone();
            let round = std::cell::RefCell::new(Vec::<Invitation>::with_capacity(k));
            b.iter_custom(|iters| {
                rounds(
                    iters,
                    k,
                    &mut r,
                    |_, m| round.borrow_mut().extend(invites.iter().take(m).cloned()),
                    |r, _| {
                        let inv = round.borrow_mut().pop().unwrap();
                        black_box(r.invite(&owner, inv, t()).unwrap());
                    },
                    |r, m| revoke_all(r, m),
                )
            });
        });

        group.bench_function(BenchmarkId::new("accept", n), |b| {
            let mut r = base.clone();
            b.iter_custom(|iters| {
                rounds(
                    iters,
                    k,
                    &mut r,
                    |r, m| invite_all(r, m),
                    |r, i| {
                        let (e, tok) = (&new_emails[i], &tokens[i]);
                        black_box(r.accept(e, tok, username.clone(), t()).unwrap());
                    },
                    |r, m| revoke_all(r, m),
                )
            });
        });

        group.bench_function(BenchmarkId::new("change_role", n), |b| {
            let mut r = base.clone();
            // Each member's next role: the other one (decided untimed).
            let next = std::cell::RefCell::new(Vec::<Role>::with_capacity(k));
            b.iter_custom(|iters| {
                rounds(
                    iters,
                    k.min(members.len()),
                    &mut r,
                    |r, m| {
                        let mut next = next.borrow_mut();
                        next.clear();
                        next.extend(members.iter().take(m).map(
                            |e| match r.get(e).unwrap().role() {
                                Role::LimitedCollaborator => Role::Collaborator,
                                _ => Role::LimitedCollaborator,
                            },
                        ));
                    },
                    |r, i| {
                        let role = next.borrow()[i];
                        black_box(r.change_role(&owner, &members[i], role, t()).unwrap());
                    },
                    |_, _| {},
                )
            });
        });

        group.bench_function(BenchmarkId::new("revoke", n), |b| {
            let mut r = base.clone();
            b.iter_custom(|iters| {
                rounds(
                    iters,
                    k,
                    &mut r,
                    |r, m| invite_all(r, m),
                    |r, i| {
                        black_box(r.revoke(&owner, &new_emails[i], t()).unwrap());
                    },
                    |_, _| {},
                )
            });
        });

        group.bench_function(BenchmarkId::new("get_by_email", n), |b| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 7919) % members.len();
                black_box(base.get(black_box(&members[i])))
            });
        });

        group.bench_function(BenchmarkId::new("get_by_id", n), |b| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 7919) % ids.len();
                black_box(base.get_by_id(black_box(&ids[i])))
            });
        });
    }
    group.finish();
}

/// The other role of an app collaborator.
fn toggled(role: Role) -> Role {
    match role {
        Role::LimitedCollaborator => Role::Collaborator,
        _ => Role::LimitedCollaborator,
    }
}

/// A stream of `n` events: created, then invitations and acceptances
/// alternating, then role changes to fill it up.
fn stream(n: usize) -> (Vec<Event>, Roster) {
    let owner = owner_email();
    let resource = Resource::new(
        ResourceKind::App,
        ResourceId::new("app-1").unwrap(),
        "bench",
    )
    .unwrap();
    let account = Account {
        id: MemberId::new("m-owner").unwrap(),
        email: owner.clone(),
        username: Some(Username::new("owner").unwrap()),
    };
    let (mut r, created) = Roster::create(resource, account, t());
    let mut events = vec![created];
    let mut i = 0;
    while events.len() + 2 <= n {
        let email: Email = format!("member{i}@example.com").parse().unwrap();
        let token = InvitationToken::new(format!("tok-{i}")).unwrap();
        let inv = Invitation::new(
            MemberId::new(format!("m-{i}")).unwrap(),
            email.clone(),
            token.clone(),
        );
        events.push(r.invite(&owner, inv, t()).unwrap());
        events.push(
            r.accept(
                &email,
                &token,
                Username::new(format!("member{i}")).unwrap(),
                t(),
            )
            .unwrap(),
        );
        i += 1;
    }
    let first: Email = "member0@example.com".parse().unwrap();
    while events.len() < n {
        let role = toggled(r.get(&first).unwrap().role());
        events.push(r.change_role(&owner, &first, role, t()).unwrap());
    }
    (events, r)
}

fn bench_log(c: &mut Criterion) {
    let owner = owner_email();
    let mut group = c.benchmark_group("log");
    for n in [10, 10_000] {
        let k = round_size(n);
        let base = roster(n);
        let members: Vec<Email> = (1..n)
            .map(|i| format!("member{i}@example.com").parse().unwrap())
            .collect();

        // Apply one role change: the events of a round are decided
        // (untimed) on a twin that moves in step with the roster.
        group.bench_function(BenchmarkId::new("apply", n), |b| {
            let mut r = base.clone();
            let mut twin = base.clone();
            let round = std::cell::RefCell::new(Vec::<Event>::with_capacity(k));
            b.iter_custom(|iters| {
                rounds(
                    iters,
                    k.min(members.len()),
                    &mut r,
                    |_, m| {
                        let mut round = round.borrow_mut();
                        round.clear();
                        for e in members.iter().take(m) {
                            let role = toggled(twin.get(e).unwrap().role());
                            round.push(twin.change_role(&owner, e, role, t()).unwrap());
                        }
                    },
                    |r, i| {
                        r.apply(black_box(&round.borrow()[i])).unwrap();
                    },
                    |_, _| {},
                )
            });
        });

        // Decode one event from its JSON (a role change and an
        // invitation, as a store returns them).
        let mut twin = base.clone();
        let role = toggled(twin.get(&members[0]).unwrap().role());
        let changed =
            serde_json::to_string(&twin.change_role(&owner, &members[0], role, t()).unwrap())
                .unwrap();
        let invited = serde_json::to_string(
            &twin
                .invite(&owner, invitations(1).pop().unwrap(), t())
                .unwrap(),
        )
        .unwrap();
        group.bench_function(BenchmarkId::new("decode_role_change", n), |b| {
            b.iter(|| black_box(serde_json::from_str::<Event>(black_box(&changed)).unwrap()));
        });
        group.bench_function(BenchmarkId::new("decode_invitation", n), |b| {
            b.iter(|| black_box(serde_json::from_str::<Event>(black_box(&invited)).unwrap()));
        });
    }

    // A stream of 10,000 events (about 5,000 members): replay it all, or
    // resume the snapshot at event 9,990 with the last 10.
    let (events, whole) = stream(10_000);
    let (head, tail) = events.split_at(events.len() - 10);
    let snapshot = Roster::replay(head).unwrap();
    let snapshot_json = serde_json::to_string(&snapshot).unwrap();
    let tail_json: Vec<String> = tail
        .iter()
        .map(|e| serde_json::to_string(e).unwrap())
        .collect();
    assert_eq!(snapshot.clone().resume(tail).unwrap(), whole);
    let events_json: Vec<String> = events
        .iter()
        .map(|e| serde_json::to_string(e).unwrap())
        .collect();
    group.bench_function("replay_10000", |b| {
        b.iter(|| black_box(Roster::replay(black_box(&events)).unwrap()));
    });
    group.bench_function("replay_10000_from_json", |b| {
        b.iter(|| {
            let events: Vec<Event> = events_json
                .iter()
                .map(|j| serde_json::from_str(j).unwrap())
                .collect();
            black_box(Roster::replay(&events).unwrap())
        });
    });
    group.bench_function("resume_snapshot_plus_10", |b| {
        b.iter_batched(
            || snapshot.clone(),
            |s| black_box(s.resume(black_box(tail)).unwrap()),
            BatchSize::PerIteration,
        );
    });
    group.bench_function("resume_snapshot_plus_10_from_json", |b| {
        b.iter(|| {
            let s: Roster = serde_json::from_str(black_box(&snapshot_json)).unwrap();
            let tail: Vec<Event> = tail_json
                .iter()
                .map(|j| serde_json::from_str(j).unwrap())
                .collect();
            black_box(s.resume(&tail).unwrap())
        });
    });
    group.finish();
}

/// The time this thread has run on a CPU, from the clock
/// `CLOCK_THREAD_CPUTIME_ID`. On a shared 2-core VM the wall clock also
/// counts the time other processes hold the CPU; this counts only ours.
/// Unlike the run time in `/proc/thread-self/schedstat`, which is brought
/// up to date only at the scheduler's ticks and switches (so that a short
/// sample could read zero, and criterion refused it), the clock counts
/// the running thread's time up to the call, to the nanosecond.
fn thread_cpu_time() -> Duration {
    let now = rustix::time::clock_gettime(rustix::time::ClockId::ThreadCPUTime);
    Duration::new(
        u64::try_from(now.tv_sec).unwrap(),
        u32::try_from(now.tv_nsec).unwrap(),
    )
}

/// Apply and decode in thread CPU time: rounds of up to 10,000 events,
/// decided untimed on a twin, then applied (timed) in one go.
fn bench_log_cpu(c: &mut Criterion) {
    let owner = owner_email();
    let mut group = c.benchmark_group("log_cpu_time");
    group.sample_size(20);
    for n in [10, 10_000] {
        let base = roster(n);
        let members: Vec<Email> = (1..n)
            .map(|i| format!("member{i}@example.com").parse().unwrap())
            .collect();
        group.bench_function(BenchmarkId::new("apply", n), |b| {
            let mut r = base.clone();
            let mut twin = base.clone();
            let mut round = Vec::<Event>::with_capacity(10_000);
            let mut next = 0;
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                let mut left = iters;
                while left > 0 {
                    let m = usize::try_from(left).unwrap_or(usize::MAX).min(10_000);
                    round.clear();
                    for _ in 0..m {
                        let e = &members[next % members.len()];
                        next += 1;
                        let role = toggled(twin.get(e).unwrap().role());
                        round.push(twin.change_role(&owner, e, role, t()).unwrap());
                    }
                    let start = thread_cpu_time();
                    for event in &round {
                        r.apply(black_box(event)).unwrap();
                    }
                    total += thread_cpu_time() - start;
                    left -= m as u64;
                }
                total
            });
        });
        let mut twin = base.clone();
        let role = toggled(twin.get(&members[0]).unwrap().role());
        let changed =
            serde_json::to_string(&twin.change_role(&owner, &members[0], role, t()).unwrap())
                .unwrap();
        let invited = serde_json::to_string(
            &twin
                .invite(&owner, invitations(1).pop().unwrap(), t())
                .unwrap(),
        )
        .unwrap();
        for (name, json) in [
            ("decode_role_change", &changed),
            ("decode_invitation", &invited),
        ] {
            group.bench_function(BenchmarkId::new(name, n), |b| {
                b.iter_custom(|iters| {
                    let start = thread_cpu_time();
                    for _ in 0..iters {
                        black_box(serde_json::from_str::<Event>(black_box(json)).unwrap());
                    }
                    thread_cpu_time() - start
                });
            });
        }
    }
    group.finish();
}

/// A member id shaped as the reference service's: `mem_` and 32 hex
/// digits that look random (SplitMix64 of the index), so that ids differ
/// early, as random ones do.
fn service_like_id(i: u64) -> String {
    let mix = |mut z: u64| {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    };
    format!("mem_{:016x}{:016x}", mix(i), mix(i ^ 0xFFFF_0000))
}

/// An app roster of `n` members built as a service builds one, through the
/// operations: the owner, then newcomers invited in turn, four in five of
/// them accepted (alternately collaborators and limited collaborators, so
/// that the secret-access history is not empty), the fifth left pending
/// with its token digest.
fn lived_roster(n: usize) -> Roster {
    let owner = owner_email();
    let resource = Resource::new(
        ResourceKind::App,
        ResourceId::new("app_0123456789abcdef").unwrap(),
        "bench",
    )
    .unwrap();
    let account = Account {
        id: MemberId::new("mem_owner").unwrap(),
        email: owner.clone(),
        username: Some(Username::new("owner").unwrap()),
    };
    let (mut r, _) = Roster::create(resource, account, t());
    for i in 1..n {
        let email: Email = format!("member{i}@example.com").parse().unwrap();
        let token = InvitationToken::new(format!("secret-{i:032}")).unwrap();
        let role = if i % 2 == 0 {
            Role::Collaborator
        } else {
            Role::LimitedCollaborator
        };
        let inv = Invitation::new(
            MemberId::new(service_like_id(i as u64)).unwrap(),
            email.clone(),
            token.clone(),
        )
        .with_role(role);
        r.invite(&owner, inv, t()).unwrap();
        if i % 5 != 0 {
            let username = Username::new(format!("member{i}")).unwrap();
            r.accept(&email, &token, username, t()).unwrap();
        }
    }
    r
}

/// Decoding a stored snapshot (`serde_json::from_str::<Roster>`) at 100,
/// 1,000 and 10,000 members, in wall clock and in thread CPU time.
fn bench_snapshot(c: &mut Criterion) {
    let sizes = [100, 1_000, 10_000];
    let stored: Vec<(usize, String)> = sizes
        .iter()
        .map(|&n| {
            let r = lived_roster(n);
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(serde_json::from_str::<Roster>(&json).unwrap(), r);
            (n, json)
        })
        .collect();
    let mut group = c.benchmark_group("snapshot");
    group.sample_size(20);
    for (n, json) in &stored {
        group.throughput(criterion::Throughput::Elements(*n as u64));
        group.bench_function(BenchmarkId::new("decode", n), |b| {
            b.iter(|| black_box(serde_json::from_str::<Roster>(black_box(json)).unwrap()));
        });
    }
    group.finish();
    let mut group = c.benchmark_group("snapshot_cpu_time");
    group.sample_size(20);
    for (n, json) in &stored {
        group.throughput(criterion::Throughput::Elements(*n as u64));
        group.bench_function(BenchmarkId::new("decode", n), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let start = thread_cpu_time();
                    let r = serde_json::from_str::<Roster>(black_box(json)).unwrap();
                    total += thread_cpu_time() - start;
                    // Dropped outside the timed part, as a cache keeps it.
                    drop(black_box(r));
                }
                total
            });
        });
    }
    group.finish();
}

// A private module: the function criterion_group! generates needs no docs.
mod group {
    criterion::criterion_group!(
        benches,
        super::bench,
        super::bench_log,
        super::bench_log_cpu,
        super::bench_snapshot
    );
}
criterion_main!(group::benches);
