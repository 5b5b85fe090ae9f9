//! Replaying a stream of events, and applying one event.
#![expect(clippy::unwrap_used, reason = "tests")]
#![expect(clippy::indexing_slicing, reason = "tests index small known vectors")]

use super::fixture::*;
use crate::common::{at, email};
use collab_authz::membership::{
    AcceptError, Event, EventKind, MemberStatus, ReplayErrorKind, RevokeError, Roster,
};
use collab_authz::{ResourceKind, Role};

#[test]
fn replay_rebuilds_the_fixtures() {
    app().assert_replays();
    db().assert_replays();
}

#[test]
fn replay_rejects_inconsistent_streams() {
    let f = app();
    let kind_of = |events: &[Event]| Roster::replay(events).unwrap_err();

    let err = kind_of(&[]);
    assert_eq!((err.index(), err.reason()), (0, &ReplayErrorKind::Empty));

    // Not starting with roster_created.
    let err = kind_of(&f.events[1..]);
    assert_eq!(
        err.reason(),
        &ReplayErrorKind::NotCreatedFirst(EventKind::Invited)
    );

    // Two owners: a second roster_created. It is event 1 by definition,
    // so after event 1 it is an overlap; with any other seq it is not an
    // event at all.
    let mut two = f.events.clone();
    two.push(f.events[0].clone());
    let err = kind_of(&two);
    assert_eq!(
        (err.index(), err.reason()),
        (
            two.len() - 1,
            &ReplayErrorKind::Overlap {
                expected: two.len() as u64,
                found: 1
            }
        )
    );
    let mut value = serde_json::to_value(&f.events[0]).unwrap();
    value["seq"] = (two.len() as u64).into();
    assert!(serde_json::from_value::<Event>(value).is_err());
    // A roster_created offered to a live roster: event 1 is always behind
    // it, so an overlap, and nothing changes.
    let mut g = app();
    let created_again = Event::new(collab_authz::membership::EventParts {
        seq: 1,
        kind: EventKind::RosterCreated,
        resource: g.roster.resource().to_ref(),
        name: Some("billing".into()),
        member: g.roster.owner().account(),
        role: Some(Role::Owner),
        previous_role: None,
        actor: email(OWNER),
        at: at(0),
        expires_at: None,
        token_digest: None,
        advisory: None,
    })
    .unwrap();
    let before = g.roster.clone();
    assert_eq!(
        g.roster.apply(&created_again),
        Err(ReplayErrorKind::Overlap {
            expected: before.version() + 1,
            found: 1
        })
    );
    assert_eq!(g.roster, before);

    // Accept without invite: drop the collaborator's invitation.
    let mut no_invite = f.events.clone();
    assert_eq!(no_invite[1].kind(), EventKind::Invited);
    no_invite.remove(1);
    let no_invite = renumber(&no_invite);
    let err = kind_of(&no_invite);
    assert_eq!(
        (err.index(), err.reason()),
        (1, &ReplayErrorKind::Accept(AcceptError::NoInvitation))
    );

    // Accept twice.
    let mut twice = f.events.clone();
    twice.push(reseq(&f.events[2], twice.len() as u64 + 1));
    let err = kind_of(&unchained(&twice));
    assert_eq!(
        err.reason(),
        &ReplayErrorKind::Accept(AcceptError::NotPending {
            status: MemberStatus::Accepted
        })
    );

    // A transfer cut in half: two owners.
    let mut g = app();
    let request = g.request(COLLAB, 80);
    let [promoted, demoted] = g
        .roster
        .accept_transfer(&email(COLLAB), &request, at(90))
        .unwrap();
    let mut half = g.events.clone();
    half.push(promoted.clone());
    let err = kind_of(&half);
    assert_eq!(err.reason(), &ReplayErrorKind::UnpairedTransfer);
    let mut other_half = g.events.clone();
    other_half.push(reseq(&demoted, other_half.len() as u64 + 1));
    assert_eq!(
        kind_of(&unchained(&other_half)).reason(),
        &ReplayErrorKind::UnpairedTransfer
    );
    let mut full = g.events.clone();
    full.extend([promoted, demoted]);
    assert_eq!(Roster::replay(&full).unwrap(), g.roster);

    // An event about another resource.
    let other = Fixture::new(ResourceKind::DedicatedDatabase);
    let mut mixed = f.events.clone();
    mixed.push(reseq(&other.events[1], mixed.len() as u64 + 1));
    assert_eq!(kind_of(&mixed).reason(), &ReplayErrorKind::OtherResource);

    // An event whose actor could not have done it: the limited
    // collaborator "revoking" the collaborator.
    let ev = app()
        .roster
        .clone()
        .revoke(&email(OWNER), &email(COLLAB), at(60))
        .unwrap();
    let json = serde_json::to_string(&ev).unwrap().replace(OWNER, LIMITED);
    let mut forged2 = f.events.clone();
    forged2.push(serde_json::from_str(&json).unwrap());
    assert!(matches!(
        kind_of(&forged2).reason(),
        ReplayErrorKind::Revoke(RevokeError::NotPermitted(_))
    ));

    // A mismatching event: the advisory was dropped.
    let mut g = app();
    let ev = g
        .roster
        .revoke(&email(OWNER), &email(COLLAB), at(60))
        .unwrap();
    let json = serde_json::to_string(&ev)
        .unwrap()
        .replace(",\"advisory\":\"rotate_secrets\"", "");
    assert_ne!(json, serde_json::to_string(&ev).unwrap());
    let mut tampered = g.events.clone();
    tampered.push(serde_json::from_str(&json).unwrap());
    assert_eq!(kind_of(&tampered).reason(), &ReplayErrorKind::Mismatch);
}
