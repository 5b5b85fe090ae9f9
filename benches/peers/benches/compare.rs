//! One criterion run comparing, on the same pre-generated mixed workload of
//! 1024 requests: a bare `[u64; 6]` bitset (the floor), the crate's
//! `allows`, `decide` and batch API, Cedar (four encodings, request
//! prebuilt and request built per call) and casbin.
//!
//! Run with `flock /tmp/bench.lock cargo bench -p collab-authz-peers --bench
//! compare`; every figure is ns per decision (`Throughput::Elements`).
#![expect(clippy::unwrap_used, reason = "benchmark setup")]
#![expect(clippy::expect_used, reason = "benchmark setup")]
#![expect(clippy::indexing_slicing, reason = "benchmark setup")]
#![expect(
    missing_docs,
    reason = "criterion's macros generate undocumented functions"
)]

use std::hint::black_box;
use std::time::Duration;

use collab_authz::batch::{
    Block, Request, allowed_among, allows_bits, allows_block, allows_blocks, allows_each, words_for,
};
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

    // Sanity, outside the timings: every engine decides every request of
    // this workload as the crate does (request by request, not counts).
    let expect_hot: Vec<bool> = triples.iter().map(|&(r, k, a)| allows(r, k, a)).collect();
    let expect_full: Vec<bool> = work
        .iter()
        .map(|s| decide(s.role, s.kind, s.action, &s.context).is_allowed())
        .collect();
    let same = |what: &str, expect: &[bool], got: &dyn Fn(usize) -> bool| {
        for (i, (s, &want)) in work.iter().zip(expect).enumerate() {
            assert_eq!(
                got(i),
                want,
                "{what} on request {i}: ({}, {}, {}) in {:?}",
                s.kind,
                s.role,
                s.action,
                s.context
            );
        }
    };
    same("bitset floor", &expect_hot, &|i| {
        let (row, a) = packed[i];
        table.get(usize::from(row)).unwrap() >> a & 1 == 1
    });
    same("Request::allows", &expect_hot, &|i| requests[i].allows());
    let blocks: Vec<Block> = requests
        .chunks(Block::LANES)
        .map(|c| Block::from_requests(c).unwrap())
        .collect();
    let mut each = vec![false; N];
    allows_each(&requests, &mut each).unwrap();
    same("allows_each", &expect_hot, &|i| each[i]);
    let mut bits = vec![0u64; words_for(N)];
    allows_bits(&requests, &mut bits).unwrap();
    same("allows_bits", &expect_hot, &|i| {
        bits[i / 64] >> (i % 64) & 1 == 1
    });
    let mut block_bits = vec![0u64; Block::WORDS * blocks.len()];
    allows_blocks(&blocks, &mut block_bits).unwrap();
    same("allows_blocks", &expect_hot, &|i| {
        block_bits[i / 64] >> (i % 64) & 1 == 1
    });
    for cedar in &cedars {
        let what = format!("cedar ({})", cedar.name());
        same(&what, &expect_full, &|i| {
            let s = &work[i];
            let request = cedar.request(s.role, s.kind, s.action, &s.context).unwrap();
            cedar.is_allowed(&request)
                && cedar
                    .decide(s.role, s.kind, s.action, &s.context)
                    .unwrap()
                    .is_allowed()
        });
    }
    same("casbin", &expect_full, &|i| {
        let s = &work[i];
        casbin
            .is_allowed(s.role, s.kind, s.action, &s.context)
            .unwrap()
    });
    let hot = expect_hot.iter().filter(|&&b| b).count();
    let full = expect_full.iter().filter(|&&b| b).count();
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
    g.bench_function("batch_allows_blocks", |b| {
        b.iter(|| {
            allows_blocks(black_box(&blocks), &mut block_bits).unwrap();
            black_box(&block_bits);
        });
    });
    // The block's build from `Request`s (the transposition) with the
    // decision, per request.
    g.bench_function("batch_blocks_built_per_call", |b| {
        b.iter(|| {
            for (words, chunk) in block_bits
                .chunks_exact_mut(Block::WORDS)
                .zip(black_box(&requests).chunks(Block::LANES))
            {
                let block = Block::from_requests(chunk).unwrap();
                words.copy_from_slice(&allows_block(&block));
            }
            black_box(&block_bits);
        });
    });
    g.finish();

    // Cedar with more samples than the rest: at sample size 10 its rows
    // moved by more than the gap between encodings.
    let mut g = c.benchmark_group("peers");
    g.throughput(Throughput::Elements(N as u64));
    g.sample_size(20).measurement_time(Duration::from_secs(6));
    for cedar in &cedars {
        let prebuilt: Vec<_> = work
            .iter()
            .map(|s| cedar.request(s.role, s.kind, s.action, &s.context).unwrap())
            .collect();
        g.bench_function(format!("cedar_prebuilt_{}", cedar.name()), |b| {
            b.iter(|| {
                black_box(&prebuilt)
                    .iter()
                    .filter(|r| cedar.is_allowed(r))
                    .count()
            });
        });
    }
    for cedar in &cedars {
        g.bench_function(format!("cedar_per_call_{}", cedar.name()), |b| {
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
    g.finish();

    let mut g = c.benchmark_group("peers");
    g.throughput(Throughput::Elements(N as u64));
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
