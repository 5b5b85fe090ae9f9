//! The batch API agrees with the hot check `allows` on every input.
#![expect(clippy::unwrap_used, reason = "tests")]
#![expect(clippy::indexing_slicing, reason = "tests")]

use collab_authz::batch::{
    Block, BlockOverflow, Request, allowed_among, allows_bits, allows_block, allows_blocks,
    allows_each, words_for,
};
use collab_authz::{Action, Permissions, ResourceKind, Role, allows};
use proptest::prelude::*;

/// Every (role, kind, action): 3 × 2 × 59 = 354 requests.
fn every_request() -> Vec<(Role, ResourceKind, Action)> {
    let mut all = Vec::new();
    for role in Role::ALL {
        for kind in ResourceKind::ALL {
            for action in Action::ALL {
                all.push((role, kind, action));
            }
        }
    }
    all
}

#[test]
fn exhaustive_over_all_354_combinations() {
    let all = every_request();
    assert_eq!(all.len(), 354);
    let requests: Vec<Request> = all.iter().map(|&(r, k, a)| Request::new(r, k, a)).collect();

    let mut each = vec![false; requests.len()];
    allows_each(&requests, &mut each).unwrap();
    let mut bits = vec![u64::MAX; words_for(requests.len())];
    allows_bits(&requests, &mut bits).unwrap();

    let mut allowed = 0;
    for (i, (&(role, kind, action), request)) in all.iter().zip(&requests).enumerate() {
        let expected = allows(role, kind, action);
        let cell = format!("({role}, {kind}, {action})");
        assert_eq!(request.allows(), expected, "Request::allows {cell}");
        assert_eq!(each[i], expected, "allows_each {cell}");
        assert_eq!(
            bits[i / 64] >> (i % 64) & 1 == 1,
            expected,
            "allows_bits {cell}"
        );
        let among = allowed_among(role, kind, action.permission());
        assert_eq!(among.has(action), expected, "allowed_among {cell}");
        assert_eq!(
            (request.role(), request.kind(), request.action()),
            (role, kind, action)
        );
        assert_eq!(Request::from_bits(request.bits()), Ok(*request));
        allowed += usize::from(expected);
    }
    // Padding bits past the last request are cleared.
    assert_eq!(bits.last().unwrap() >> (354 % 64), 0);
    // Owner: 59 on an app + 20 on a dedicated database; collaborator: 56 +
    // 17; limited collaborator: 14 unconditional cells on an app, 0 on a
    // dedicated database (counts from the spec's tables).
    assert_eq!(allowed, 59 + 20 + 56 + 17 + 14);
}

#[test]
fn every_u16_round_trips_or_is_rejected() {
    let mut valid = 0;
    for bits in 0..=u16::MAX {
        match Request::from_bits(bits) {
            Ok(request) => {
                assert_eq!(request.bits(), bits);
                assert_eq!(u16::from(request), bits);
                valid += 1;
            }
            Err(err) => {
                assert_eq!(err.bits(), bits);
                assert!(bits & 0xff >= 59 || bits >> 8 >= 6, "{bits:#x} rejected");
                assert_eq!(Request::try_from(bits), Err(err));
                assert!(!err.to_string().ends_with('.'));
            }
        }
    }
    assert_eq!(valid, 354);
}

#[test]
fn length_mismatches_are_typed_errors_and_write_nothing() {
    let requests = [Request::new(Role::Owner, ResourceKind::App, Action::Delete); 65];
    let mut short = [false; 64];
    let err = allows_each(&requests, &mut short).unwrap_err();
    assert_eq!((err.requests(), err.expected(), err.got()), (65, 65, 64));
    assert_eq!(
        err.to_string(),
        "65 requests need an output of length 65, got 64"
    );
    assert!(short.iter().all(|&b| !b));

    let mut one = [0u64; 1];
    let err = allows_bits(&requests, &mut one).unwrap_err();
    assert_eq!((err.expected(), err.got()), (2, 1));
    assert_eq!(one, [0]);
    let mut three = [0u64; 3];
    assert!(allows_bits(&requests, &mut three).is_err());

    // Empty input, empty output.
    allows_each(&[], &mut []).unwrap();
    allows_bits(&[], &mut []).unwrap();
    assert_eq!(words_for(0), 0);
    assert_eq!(words_for(64), 1);
    assert_eq!(words_for(65), 2);
}

/// Whether lane `i` of a block's (or blocks') mask is set.
fn lane(mask: &[u64], i: usize) -> bool {
    mask[i / 64] >> (i % 64) & 1 == 1
}

#[test]
fn blocks_decide_all_354_combinations_in_every_word_and_bit() {
    let all = every_request();
    let requests: Vec<Request> = all.iter().map(|&(r, k, a)| Request::new(r, k, a)).collect();
    // Each request at several lanes (a stride coprime with 512 spreads the
    // 354 requests over every word and bit position), the rest empty.
    for offset in [0, 1, 63, 158, 700] {
        let mut block = Block::new();
        let mut at = Vec::new();
        for (i, request) in requests.iter().enumerate() {
            let l = (offset + i * 37) % Block::LANES;
            block.set(l, Some(*request)).unwrap();
            at.push(l);
        }
        let mask = allows_block(&block);
        for (&l, (&(role, kind, action), request)) in at.iter().zip(all.iter().zip(&requests)) {
            let expected = allows(role, kind, action);
            assert_eq!(
                lane(&mask, l),
                expected,
                "allows_block ({role}, {kind}, {action}) at lane {l}"
            );
            assert_eq!(block.get(l), Some(*request));
        }
        // Empty lanes decide false and hold nothing.
        for l in (0..Block::LANES).filter(|l| !at.contains(l)) {
            assert!(!lane(&mask, l), "empty lane {l}");
            assert_eq!(block.get(l), None);
        }
        assert_eq!(block.requests().count(), 354);
    }
    // In order, from a slice: the same answers as `allows_each`.
    let block = Block::from_requests(&requests).unwrap();
    let mut each = vec![false; requests.len()];
    allows_each(&requests, &mut each).unwrap();
    let mask = allows_block(&block);
    for (i, &e) in each.iter().enumerate() {
        assert_eq!(lane(&mask, i), e);
    }
    assert_eq!(
        mask.iter().map(|w| w.count_ones() as usize).sum::<usize>(),
        59 + 20 + 56 + 17 + 14
    );
}

#[test]
fn every_wire_value_in_a_block_decides_as_allows() {
    // Every valid u16 wire form, set into a lane of its own.
    let valid: Vec<Request> = (0..=u16::MAX)
        .filter_map(|b| Request::from_bits(b).ok())
        .collect();
    assert_eq!(valid.len(), 354);
    let mut block = Block::new();
    for (l, request) in valid.iter().enumerate() {
        block.set(l, Some(*request)).unwrap();
    }
    let mask = allows_block(&block);
    for (l, request) in valid.iter().enumerate() {
        let expected = allows(request.role(), request.kind(), request.action());
        assert_eq!(lane(&mask, l), expected, "{:#06x}", request.bits());
    }
}

#[test]
fn block_errors_and_edges() {
    let owner = Request::new(Role::Owner, ResourceKind::App, Action::Delete);
    let too_many = vec![owner; Block::LANES + 1];
    assert_eq!(
        Block::from_requests(&too_many).unwrap_err().requests(),
        Block::LANES + 1
    );
    let err: BlockOverflow = Block::from_requests(&too_many).unwrap_err();
    assert_eq!(
        err.to_string(),
        "1025 requests do not fit in a block of 1024"
    );
    let full = Block::from_requests(&too_many[1..]).unwrap();
    assert_eq!(allows_block(&full), [u64::MAX; Block::WORDS]);

    // A lane past the end is refused and changes nothing.
    let mut block = Block::new();
    let err = block.set(Block::LANES, Some(owner)).unwrap_err();
    assert_eq!(err.lane(), Block::LANES);
    assert_eq!(
        err.to_string(),
        "lane 1024 is out of range: a block has 1024 lanes"
    );
    assert_eq!(block, Block::new());
    assert_eq!(block.get(Block::LANES), None);
    assert_eq!(allows_block(&block), [0; Block::WORDS]);
    // Overwrite, then empty a lane.
    block.set(5, Some(owner)).unwrap();
    block
        .set(
            5,
            Some(Request::new(
                Role::Collaborator,
                ResourceKind::App,
                Action::Delete,
            )),
        )
        .unwrap();
    assert_eq!(allows_block(&block), [0; Block::WORDS]);
    block.set(5, Some(owner)).unwrap();
    assert_eq!(allows_block(&block)[0], 1 << 5);
    block.set(5, None).unwrap();
    assert_eq!(block, Block::new());

    let blocks = [full, block];
    let words = 2 * Block::WORDS;
    let mut short = vec![7u64; words - 1];
    let err = allows_blocks(&blocks, &mut short).unwrap_err();
    assert_eq!(
        (err.requests(), err.expected(), err.got()),
        (2 * Block::LANES, words, words - 1)
    );
    assert!(short.iter().all(|&w| w == 7));
    let mut out = vec![0u64; words];
    allows_blocks(&blocks, &mut out).unwrap();
    assert!(out[..Block::WORDS].iter().all(|&w| w == u64::MAX));
    assert!(out[Block::WORDS..].iter().all(|&w| w == 0));
    allows_blocks(&[], &mut []).unwrap();
}

fn request() -> impl Strategy<Value = (Role, ResourceKind, Action)> {
    (
        prop::sample::select(Role::ALL.to_vec()),
        prop::sample::select(ResourceKind::ALL.to_vec()),
        prop::sample::select(Action::ALL.to_vec()),
    )
}

proptest! {
    #[test]
    fn batches_agree_with_allows(reqs in prop::collection::vec(request(), 0..300)) {
        let requests: Vec<Request> = reqs.iter().map(|&(r, k, a)| Request::new(r, k, a)).collect();
        let mut each = vec![false; requests.len()];
        allows_each(&requests, &mut each).unwrap();
        let mut bits = vec![u64::MAX; words_for(requests.len())];
        allows_bits(&requests, &mut bits).unwrap();
        for (i, &(role, kind, action)) in reqs.iter().enumerate() {
            let expected = allows(role, kind, action);
            prop_assert_eq!(each[i], expected);
            prop_assert_eq!(bits[i / 64] >> (i % 64) & 1 == 1, expected);
        }
        if requests.len() % 64 != 0 {
            prop_assert_eq!(bits.last().unwrap() >> (requests.len() % 64), 0);
        }
    }

    #[test]
    fn blocks_agree_with_allows(reqs in prop::collection::vec(request(), 0..1200)) {
        let requests: Vec<Request> = reqs.iter().map(|&(r, k, a)| Request::new(r, k, a)).collect();
        let blocks: Vec<Block> = requests
            .chunks(Block::LANES)
            .map(|c| Block::from_requests(c).unwrap())
            .collect();
        let mut out = vec![u64::MAX; Block::WORDS * blocks.len()];
        allows_blocks(&blocks, &mut out).unwrap();
        for (i, &(role, kind, action)) in reqs.iter().enumerate() {
            prop_assert_eq!(lane(&out, i), allows(role, kind, action));
            prop_assert_eq!(blocks[i / Block::LANES].get(i % Block::LANES), Some(requests[i]));
        }
        // Lanes past the last request are empty and decide false.
        for i in reqs.len()..out.len() * 64 {
            prop_assert!(!lane(&out, i));
        }
    }

    #[test]
    fn block_set_get_agree_with_a_model(
        ops in prop::collection::vec((0..Block::LANES + 2, prop::option::of(request())), 0..200),
    ) {
        let mut block = Block::new();
        let mut model = vec![None; Block::LANES];
        for (l, req) in ops {
            let req = req.map(|(r, k, a)| Request::new(r, k, a));
            let before = block.clone();
            let set = block.set(l, req);
            prop_assert_eq!(set.is_ok(), l < Block::LANES);
            if set.is_err() {
                prop_assert_eq!(&block, &before);
            }
            if let Some(slot) = model.get_mut(l) {
                *slot = req;
            }
        }
        let mask = allows_block(&block);
        for (l, want) in model.iter().enumerate() {
            prop_assert_eq!(block.get(l), *want);
            prop_assert_eq!(lane(&mask, l), want.is_some_and(Request::allows));
        }
    }

    #[test]
    fn allowed_among_agrees_with_allows(
        role in prop::sample::select(Role::ALL.to_vec()),
        kind in prop::sample::select(ResourceKind::ALL.to_vec()),
        bits in any::<u64>(),
    ) {
        let asked = Permissions::from_bits_truncate(bits);
        let ok = allowed_among(role, kind, asked);
        for action in Action::ALL {
            prop_assert_eq!(ok.has(action), asked.has(action) && allows(role, kind, action));
        }
    }
}
