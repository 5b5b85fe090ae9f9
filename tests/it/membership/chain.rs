//! The hash chain of a stream (property tests over random streams of
//! invitations, removals and renames):
//!
//! - every event states the digest of the stream before it, the roster's
//!   head is the digest up to its last event, a replay rebuilds the same
//!   roster and head, and a snapshot taken at any point, written and read
//!   back, resumes with the rest to the same roster (head included);
//! - [`Roster::apply`] refuses every event that does not follow the
//!   roster's head: one decided on a stream that forked from it (same
//!   length, any difference), one stating any other digest, one stating
//!   none; the roster is unchanged.
#![expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]

use crate::common::cases;
use collab_authz::membership::{ApplyEventError, LogDigest, LogHead};
use collab_authz::{
    Account, Email, Event, Invitation, InvitationToken, MemberId, Resource, ResourceId,
    ResourceKind, Roster, Timestamp,
};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Invite(u8),
    Revoke(u8),
    Rename(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0u8..6).prop_map(Op::Invite),
        2 => (0u8..6).prop_map(Op::Revoke),
        1 => (0u8..3).prop_map(Op::Rename),
    ]
}

fn owner() -> Email {
    "owner@example.com".parse().unwrap()
}

fn created() -> (Roster, Event) {
    let app = Resource::new(ResourceKind::App, ResourceId::new("app-1").unwrap(), "app").unwrap();
    let account = Account {
        id: MemberId::new("m-owner").unwrap(),
        email: owner(),
        username: None,
    };
    Roster::create(app, account, Timestamp::from_unix_seconds(0))
}

fn invitation(email: &str, tag: u64, i: usize) -> Invitation {
    Invitation::new(
        MemberId::new(format!("m-{tag}-{i}")).unwrap(),
        email.parse().unwrap(),
        InvitationToken::new(format!("t-{tag}-{i}")).unwrap(),
    )
}

/// Runs `ops` on `roster` (refusals skipped), appending the events to
/// `events`; `tag` makes the ids and times of this run its own.
fn run(roster: &mut Roster, events: &mut Vec<Event>, ops: &[Op], tag: u64) {
    for (i, op) in ops.iter().enumerate() {
        let now = Timestamp::from_unix_seconds(tag * 1000 + i as u64 + 1);
        let event = match op {
            Op::Invite(n) => roster
                .invite(
                    &owner(),
                    invitation(&format!("user{n}@example.com"), tag, i),
                    now,
                )
                .ok(),
            Op::Revoke(n) => {
                let email: Email = format!("user{n}@example.com").parse().unwrap();
                roster.revoke(&owner(), &email, now).ok()
            }
            Op::Rename(n) => roster.rename(&owner(), &format!("app-{n}"), now).ok(),
        };
        events.extend(event);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn the_chain_links_every_event_and_resume_equals_replay(
        ops in prop::collection::vec(op(), 0..24),
    ) {
        let (mut roster, first) = created();
        let mut events = vec![first];
        run(&mut roster, &mut events, &ops, 1);
        // Each event states the digest of the stream before it.
        let mut prev = LogDigest::GENESIS;
        for event in &events {
            prop_assert_eq!(event.prev(), Some(prev));
            prev = event.digest().unwrap();
            prop_assert_ne!(prev, LogDigest::GENESIS);
        }
        let head = LogHead { seq: events.len() as u64, digest: prev };
        prop_assert_eq!(roster.head(), head);
        let replayed = Roster::replay(&events).unwrap();
        prop_assert_eq!(replayed.head(), head);
        prop_assert_eq!(&replayed, &roster);
        // A snapshot at every point, through its stored form, resumes with
        // the rest of the stream (read back through theirs) to the same
        // roster.
        let stored: Vec<Event> = events
            .iter()
            .map(|e| serde_json::from_str(&serde_json::to_string(e).unwrap()).unwrap())
            .collect();
        prop_assert_eq!(&stored, &events);
        for k in 1..=events.len() {
            let at_k = Roster::replay(&events[..k]).unwrap();
            let snapshot: Roster =
                serde_json::from_str(&serde_json::to_string(&at_k).unwrap()).unwrap();
            prop_assert_eq!(snapshot.head(), at_k.head());
            prop_assert_eq!(&snapshot.resume(&stored[k..]).unwrap(), &roster);
        }
    }

    #[test]
    fn apply_refuses_an_event_that_does_not_follow_the_head(
        common in prop::collection::vec(op(), 0..12),
        left in prop::sample::subsequence((0u8..8).collect::<Vec<_>>(), 1..5),
        right_order in any::<prop::sample::Index>(),
        other in any::<[u8; 32]>(),
    ) {
        // One stream, then two forks of the same length: `left` invites
        // some people, `right` as many (the same ones, or others, in
        // another order), at other times and with other ids. Every fork
        // event is valid on both forks.
        let (mut base, first) = created();
        let mut events = vec![first];
        run(&mut base, &mut events, &common, 1);
        let (mut a, mut b) = (base.clone(), base.clone());
        let mut right = left.clone();
        let len = right.len();
        right.rotate_left(right_order.index(len));
        for (i, n) in left.iter().enumerate() {
            let email = format!("x{n}@example.com");
            a.invite(&owner(), invitation(&email, 2, i), Timestamp::from_unix_seconds(2000 + i as u64)).unwrap();
        }
        for (i, n) in right.iter().enumerate() {
            let email = format!("x{n}@example.com");
            b.invite(&owner(), invitation(&email, 3, i), Timestamp::from_unix_seconds(3000 + i as u64)).unwrap();
        }
        prop_assert_eq!(a.version(), b.version());
        prop_assert_ne!(a.head(), b.head());
        // The next event decided on `b`, an invitation `a` would take from
        // itself: refused, since it follows another stream.
        let now = Timestamp::from_unix_seconds(9000);
        let next = b
            .decide_invite(&owner(), invitation("fresh@example.com", 4, 0), now)
            .unwrap();
        let before = a.clone();
        prop_assert_eq!(
            a.apply(&next),
            Err(ApplyEventError::Diverged { head: a.head(), prev: b.head().digest })
        );
        prop_assert_eq!(&a, &before);
        // The same change decided on `a` applies.
        let own = a
            .decide_invite(&owner(), invitation("fresh@example.com", 4, 0), now)
            .unwrap();
        prop_assert_eq!(own.prev(), Some(a.head().digest));
        let mut applied = a.clone();
        prop_assert_eq!(applied.apply(&own), Ok(()));
        // Any other stated digest is refused; so is none on a chained
        // stream.
        let forged = LogDigest::from_bytes(other);
        if forged != a.head().digest {
            prop_assert_eq!(
                a.apply(&own.clone().with_prev(Some(forged))),
                Err(ApplyEventError::Diverged { head: a.head(), prev: forged })
            );
        }
        prop_assert_eq!(
            a.apply(&own.clone().with_prev(None)),
            Err(ApplyEventError::Unchained { head: a.head() })
        );
        prop_assert_eq!(&a, &before);
        // A fork's events do not apply to the other fork either, from the
        // first one that differs; the stored forms give the same answer.
        let b_events: Vec<Event> = {
            let mut r = base.clone();
            let mut ev = Vec::new();
            for (i, n) in right.iter().enumerate() {
                let email = format!("x{n}@example.com");
                ev.push(r.invite(&owner(), invitation(&email, 3, i), Timestamp::from_unix_seconds(3000 + i as u64)).unwrap());
            }
            ev
        };
        let mut fork = base.clone();
        fork.apply(&a_first(&base, &left)).unwrap();
        let err = fork.apply(&b_events[1.min(b_events.len() - 1)]);
        if b_events.len() > 1 {
            prop_assert!(matches!(err, Err(ApplyEventError::Diverged { .. })), "{:?}", err);
        } else {
            prop_assert!(matches!(err, Err(ApplyEventError::Overlap { .. })), "{:?}", err);
        }
    }
}

/// The first event of the `left` fork, decided on `base`.
fn a_first(base: &Roster, left: &[u8]) -> Event {
    let email = format!("x{}@example.com", left[0]);
    base.decide_invite(
        &owner(),
        invitation(&email, 2, 0),
        Timestamp::from_unix_seconds(2000),
    )
    .unwrap()
}

/// A stream stored before the chain existed (no `prev`) replays and
/// resumes, with a head of [`LogDigest::GENESIS`]; the first chained event
/// after it states that digest, and from then on no unchained event
/// applies.
#[test]
fn a_stream_from_before_the_chain_reads_and_continues_chained() {
    let (mut roster, first) = created();
    let mut events = vec![first];
    run(
        &mut roster,
        &mut events,
        &[Op::Invite(1), Op::Invite(2), Op::Revoke(1), Op::Rename(1)],
        1,
    );
    let legacy: Vec<Event> = events.iter().map(|e| e.clone().with_prev(None)).collect();
    let mut old = Roster::replay(&legacy).unwrap();
    assert_eq!(
        old.head(),
        LogHead {
            seq: 5,
            digest: LogDigest::GENESIS
        }
    );
    // The same memberships as the chained stream's roster, another head.
    assert_eq!(old.clone().with_head(roster.head()), roster);
    // A legacy snapshot (no `head` field) reads back at the genesis digest.
    let json = serde_json::to_string(&old).unwrap();
    assert!(!json.contains("\"head\""));
    let snapshot: Roster = serde_json::from_str(&json).unwrap();
    assert_eq!(snapshot, old);
    // The next event is chained from the genesis digest.
    let next = old
        .invite(
            &owner(),
            invitation("user3@example.com", 5, 0),
            Timestamp::from_unix_seconds(5000),
        )
        .unwrap();
    assert_eq!(next.prev(), Some(LogDigest::GENESIS));
    assert_eq!(old.head().digest, next.digest().unwrap());
    let mut all = legacy.clone();
    all.push(next.clone());
    assert_eq!(Roster::replay(&all).unwrap(), old);
    assert_eq!(snapshot.clone().resume([&next]).unwrap(), old);
    // After it, an unchained event is refused.
    let after = old
        .decide_invite(
            &owner(),
            invitation("user4@example.com", 6, 0),
            Timestamp::from_unix_seconds(6000),
        )
        .unwrap()
        .with_prev(None);
    assert_eq!(
        old.clone().apply(&after),
        Err(ApplyEventError::Unchained { head: old.head() })
    );
    // A first event stating a digest other than genesis is refused.
    let forged = events[0]
        .clone()
        .with_prev(Some(LogDigest::from_bytes([7; 32])));
    assert!(matches!(
        Roster::replay([&forged]).unwrap_err().reason(),
        ApplyEventError::Diverged { .. }
    ));
}
