//! The batch API agrees with the hot check `allows` on every input.
#![expect(clippy::unwrap_used, reason = "tests")]
#![expect(clippy::indexing_slicing, reason = "tests")]

use collab_authz::batch::{Request, allowed_among, allows_bits, allows_each, words_for};
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
