//! The stored-format corpus: event streams and snapshots written by schema
//! version 1 (`tests/corpus/v1`), committed as they were written. Every
//! run reads them back to the same rosters (facts asserted here by hand)
//! and re-serializes them byte for byte: a change to the stored format
//! that breaks the README's compatibility promise fails here.
//!
//! The files were written by `write_corpus` below (ignored; run it with
//! `CORPUS_WRITE=1 cargo test --test it membership::corpus::write_corpus -- --ignored` only
//! when adding a file to a new corpus directory, never to rewrite v1).
#![expect(clippy::unwrap_used, reason = "tests")]
#![expect(
    clippy::indexing_slicing,
    reason = "tests index a committed corpus of known length"
)]

use crate::common::{at, email};
use collab_authz::membership::{Advisory, ApplyEventError, EventKind};
use collab_authz::{
    Account, Email, Event, Invitation, InvitationToken, MemberId, MemberStatus, Resource,
    ResourceId, ResourceKind, Role, Roster, Username,
};

const APP_EVENTS: &str = include_str!("../../corpus/v1/app.events.json");
const APP_SNAPSHOT_MID: &str = include_str!("../../corpus/v1/app.snapshot-at-9.json");
const APP_SNAPSHOT_AWAITING: &str = include_str!("../../corpus/v1/app.snapshot-awaiting.json");
const APP_SNAPSHOT_END: &str = include_str!("../../corpus/v1/app.snapshot-end.json");
const DB_EVENTS: &str = include_str!("../../corpus/v1/db.events.json");
const DB_SNAPSHOT: &str = include_str!("../../corpus/v1/db.snapshot.json");

/// The text serde writes for `value`, as the corpus stores it.
fn pretty<T: serde::Serialize>(value: &T) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap();
    s.push('\n');
    s
}

/// The app stream: every event type, a transfer, a rename, a deletion.
fn app_stream() -> (Vec<Event>, Vec<Roster>) {
    let olivia = email("olivia@example.com");
    let ada = email("Ada@Example.com");
    let bob = email("bob@example.com");
    let cy = email("cy@example.com");
    let app = Resource::new(
        ResourceKind::App,
        ResourceId::new("app-7").unwrap(),
        "billing",
    )
    .unwrap();
    let owner = Account {
        id: MemberId::new("m-olivia").unwrap(),
        email: olivia.clone(),
        username: Some(Username::new("olivia").unwrap()),
    };
    let (mut r, created) = Roster::create(app, owner, at(1_000));
    let mut events = vec![created];
    let mut snapshots = Vec::new();
    let inv = |id: &str, who: &Email, tok: &str| {
        Invitation::new(
            MemberId::new(id).unwrap(),
            who.clone(),
            InvitationToken::new(tok).unwrap(),
        )
    };
    events.push(
        r.invite(
            &olivia,
            inv("m-ada", &ada, "tok-ada").with_role(Role::Collaborator),
            at(1_010),
        )
        .unwrap(),
    );
    events.push(
        r.invite(
            &olivia,
            inv("m-bob", &bob, "tok-bob").expiring_at(at(9_000)),
            at(1_020),
        )
        .unwrap(),
    );
    events.push(
        r.invite(
            &olivia,
            inv("m-cy", &cy, "tok-cy").with_role(Role::Collaborator),
            at(1_030),
        )
        .unwrap(),
    );
    events.push(
        r.accept(
            &ada,
            &InvitationToken::new("tok-ada").unwrap(),
            Username::new("ada").unwrap(),
            at(1_040),
        )
        .unwrap(),
    );
    events.push(
        r.accept(
            &bob,
            &InvitationToken::new("tok-bob").unwrap(),
            None,
            at(1_050),
        )
        .unwrap(),
    );
    events.push(
        r.change_role(&olivia, &bob, Role::Collaborator, at(1_060))
            .unwrap(),
    );
    events.push(
        r.change_role(
            &olivia,
            &MemberId::new("m-bob").unwrap(),
            Role::LimitedCollaborator,
            at(1_070),
        )
        .unwrap(),
    );
    events.push(r.request_transfer(&olivia, &ada, at(1_080)).unwrap());
    snapshots.push(r.clone()); // version 9: a pending transfer
    let request = r.pending_transfer().cloned().unwrap();
    let pair = r.accept_transfer(&ada, &request, at(1_090)).unwrap();
    let mut awaiting = snapshots[0].clone();
    awaiting.apply(&pair[0]).unwrap();
    snapshots.push(awaiting); // between the two events of the transfer
    events.extend(pair);
    events.push(r.revoke(&ada, &bob, at(1_100)).unwrap());
    events.push(r.rename(&ada, "billing-eu", at(1_110)).unwrap());
    events.push(r.leave(&cy, at(1_120)).unwrap());
    events.push(r.request_transfer(&ada, &olivia, at(1_130)).unwrap());
    events.push(r.cancel_transfer(&olivia, at(1_140)).unwrap());
    events.push(r.account_deleted(&olivia, at(1_150)).unwrap());
    events.push(r.delete(&ada, at(1_160)).unwrap());
    snapshots.push(r);
    (events, snapshots)
}

/// A dedicated database: the default role, a pending invitation kept.
fn db_stream() -> (Vec<Event>, Roster) {
    let dan = email("dan@example.com");
    let eve = email("eve@example.com");
    let fay = email("fay@example.com");
    let db = Resource::new(
        ResourceKind::DedicatedDatabase,
        ResourceId::new("db-3").unwrap(),
        "ledger",
    )
    .unwrap();
    let owner = Account {
        id: MemberId::new("m-dan").unwrap(),
        email: dan.clone(),
        username: None,
    };
    let (mut r, created) = Roster::create(db, owner, at(50));
    let mut events = vec![created];
    events.push(
        r.invite(
            &dan,
            Invitation::new(
                MemberId::new("m-eve").unwrap(),
                eve.clone(),
                InvitationToken::new("tok-eve").unwrap(),
            ),
            at(60),
        )
        .unwrap(),
    );
    events.push(
        r.invite(
            &dan,
            Invitation::new(
                MemberId::new("m-fay").unwrap(),
                fay,
                InvitationToken::new("tok-fay").unwrap(),
            )
            .expiring_at(at(500)),
            at(70),
        )
        .unwrap(),
    );
    events.push(
        r.accept(
            &eve,
            &InvitationToken::new("tok-eve").unwrap(),
            Username::new("eve").unwrap(),
            at(80),
        )
        .unwrap(),
    );
    (events, r)
}

#[test]
#[ignore = "writes the corpus; run by hand for a new schema version only"]
fn write_corpus() {
    if std::env::var_os("CORPUS_WRITE").is_none() {
        return;
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/v1");
    let (events, snapshots) = app_stream();
    std::fs::write(dir.join("app.events.json"), pretty(&events)).unwrap();
    std::fs::write(dir.join("app.snapshot-at-9.json"), pretty(&snapshots[0])).unwrap();
    std::fs::write(
        dir.join("app.snapshot-awaiting.json"),
        pretty(&snapshots[1]),
    )
    .unwrap();
    std::fs::write(dir.join("app.snapshot-end.json"), pretty(&snapshots[2])).unwrap();
    let (events, roster) = db_stream();
    std::fs::write(dir.join("db.events.json"), pretty(&events)).unwrap();
    std::fs::write(dir.join("db.snapshot.json"), pretty(&roster)).unwrap();
}

#[test]
fn every_corpus_file_writes_back_byte_for_byte() {
    for text in [APP_EVENTS, DB_EVENTS] {
        let events: Vec<Event> = serde_json::from_str(text).unwrap();
        assert_eq!(pretty(&events), text);
    }
    for text in [
        APP_SNAPSHOT_MID,
        APP_SNAPSHOT_AWAITING,
        APP_SNAPSHOT_END,
        DB_SNAPSHOT,
    ] {
        let roster: Roster = serde_json::from_str(text).unwrap();
        assert_eq!(pretty(&roster), text);
    }
    // Every file says its schema version; none holds a token.
    for text in [
        APP_EVENTS,
        DB_EVENTS,
        APP_SNAPSHOT_MID,
        APP_SNAPSHOT_AWAITING,
        APP_SNAPSHOT_END,
        DB_SNAPSHOT,
    ] {
        assert!(text.contains("\"v\": 1"));
        assert!(!text.contains("tok-"), "a token in the corpus");
    }
}

#[test]
fn the_app_stream_replays_to_the_recorded_roster() {
    let events: Vec<Event> = serde_json::from_str(APP_EVENTS).unwrap();
    assert_eq!(events.len(), 18);
    let seqs: Vec<u64> = events.iter().map(Event::seq).collect();
    assert_eq!(seqs, (1..=18).collect::<Vec<u64>>());
    let kinds: Vec<EventKind> = events.iter().map(Event::kind).collect();
    for kind in EventKind::ALL {
        assert!(kinds.contains(&kind), "{kind} missing from the corpus");
    }
    let roster = Roster::replay(&events).unwrap();
    // Facts, written by hand.
    assert_eq!(roster.version(), 18);
    assert!(roster.is_deleted());
    assert_eq!(roster.resource().name(), "billing-eu");
    assert_eq!(roster.resource().id().as_str(), "app-7");
    assert_eq!(roster.owner().email(), &email("ada@example.com"));
    assert_eq!(roster.owner().id().as_str(), "m-ada");
    let members: Vec<(&str, MemberStatus, Role)> = roster
        .members()
        .map(|m| (m.email().as_str(), m.status(), m.role()))
        .collect();
    assert_eq!(
        members,
        [(
            "olivia@example.com",
            MemberStatus::UserAccountDeleted,
            Role::Collaborator
        )]
    );
    assert!(roster.held_secret_access(&email("olivia@example.com")));
    assert!(roster.pending_transfer().is_none());
    // The revocation of bob advised rotating secrets (he was a
    // collaborator once); the invitation kept its expiry.
    let revoked = events
        .iter()
        .find(|e| e.kind() == EventKind::Removed && e.actor() != &e.member().email)
        .unwrap();
    assert_eq!(revoked.member().email, email("bob@example.com"));
    assert_eq!(revoked.advisory(), Some(Advisory::RotateSecrets));
    assert_eq!(events[2].expires_at(), Some(at(9_000)));
    assert_eq!(
        events[5].member().username,
        None,
        "bob accepted without a username"
    );
    // The roster is closed: nothing more applies.
    assert!(
        roster
            .decide_leave(&email("olivia@example.com"), at(2_000))
            .is_err()
    );
    // The end snapshot is the same roster.
    let end: Roster = serde_json::from_str(APP_SNAPSHOT_END).unwrap();
    assert_eq!(end, roster);
}

#[test]
fn the_app_snapshots_resume_to_the_same_roster() {
    let events: Vec<Event> = serde_json::from_str(APP_EVENTS).unwrap();
    let whole = Roster::replay(&events).unwrap();
    let mid: Roster = serde_json::from_str(APP_SNAPSHOT_MID).unwrap();
    assert_eq!(mid.version(), 9);
    assert_eq!(mid.resource().name(), "billing");
    assert_eq!(mid.owner().email(), &email("olivia@example.com"));
    assert_eq!(
        mid.pending_transfer().map(|p| p.to()),
        Some(&email("ada@example.com"))
    );
    let order: Vec<&str> = mid.members().map(|m| m.id().as_str()).collect();
    assert_eq!(order, ["m-ada", "m-bob", "m-cy"], "join order");
    let cy = mid.get(&email("cy@example.com")).unwrap();
    assert_eq!(cy.status(), MemberStatus::Pending);
    assert_eq!(
        cy.token_digest(),
        Some(&InvitationToken::new("tok-cy").unwrap().digest())
    );
    assert_eq!(mid.clone().resume(&events[9..]).unwrap(), whole);
    assert_eq!(
        mid.clone().resume(&events[10..]).unwrap_err().reason(),
        &ApplyEventError::Gap {
            expected: 10,
            found: 11
        }
    );
    assert_eq!(
        mid.resume(&events[8..]).unwrap_err().reason(),
        &ApplyEventError::Overlap {
            expected: 10,
            found: 9
        }
    );
    let awaiting: Roster = serde_json::from_str(APP_SNAPSHOT_AWAITING).unwrap();
    assert_eq!(awaiting.version(), 10);
    assert_eq!(awaiting.owner().email(), &email("ada@example.com"));
    assert_eq!(awaiting.awaiting_event(), Some(&events[10]));
    assert_eq!(awaiting.resume(&events[10..]).unwrap(), whole);
}

#[test]
fn the_db_stream_replays_to_its_snapshot() {
    let events: Vec<Event> = serde_json::from_str(DB_EVENTS).unwrap();
    let roster = Roster::replay(&events).unwrap();
    assert_eq!(roster.version(), 4);
    assert_eq!(roster.kind(), ResourceKind::DedicatedDatabase);
    assert_eq!(roster.resource().name(), "ledger");
    assert_eq!(roster.owner().username(), None);
    let eve = roster.get(&email("eve@example.com")).unwrap();
    assert_eq!(
        (eve.status(), eve.role()),
        (MemberStatus::Accepted, Role::Collaborator)
    );
    let fay = roster.get(&email("fay@example.com")).unwrap();
    assert_eq!(
        (fay.status(), fay.expires_at()),
        (MemberStatus::Pending, Some(at(500)))
    );
    let snapshot: Roster = serde_json::from_str(DB_SNAPSHOT).unwrap();
    assert_eq!(snapshot, roster);
    // Fay can still accept with her token, from the snapshot.
    let mut from_snapshot = snapshot;
    assert!(
        from_snapshot
            .accept(
                &email("fay@example.com"),
                &InvitationToken::new("tok-fay").unwrap(),
                None,
                at(100)
            )
            .is_ok()
    );
}
