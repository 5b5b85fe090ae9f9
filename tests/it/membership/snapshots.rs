//! Snapshots: a stored roster read back, and replay resumed from one.
#![expect(clippy::unwrap_used, reason = "tests")]

use super::fixture::*;
use crate::common::{at, email, token};
use collab_authz::membership::{
    Event, Member, MemberId, MemberParts, MemberStatus, Resource, ResourceId, Roster, RosterError,
};
use collab_authz::{ResourceKind, Role};

#[test]
fn roster_snapshots_round_trip() {
    for f in [app(), db()] {
        let json = serde_json::to_string(&f.roster).unwrap();
        let back: Roster = serde_json::from_str(&json).unwrap();
        assert_eq!(back, f.roster);
    }
}

#[test]
fn from_parts_checks_every_invariant() {
    let f = app();
    let owner = f.roster.owner().clone();
    let resource = f.roster.resource().clone();
    let members: Vec<Member> = f.roster.members().cloned().collect();
    let collab = f.roster.get(&email(COLLAB)).unwrap().clone();

    // Owner not an owner.
    assert_eq!(
        Roster::from_parts(resource.clone(), collab.clone(), Vec::new()),
        Err(RosterError::OwnerNotOwner)
    );
    // A second owner.
    let mut second = owner.clone().into_parts();
    second.email = email("second@example.com");
    second.id = MemberId::new("m-second").unwrap();
    let second = Member::new(second).unwrap();
    assert_eq!(
        Roster::from_parts(resource.clone(), owner.clone(), [second]),
        Err(RosterError::SecondOwner(email("second@example.com")))
    );
    // A duplicate email, compared case-insensitively, owner's included.
    let mut dup = collab.clone().into_parts();
    dup.email = email("COLLAB@example.com");
    dup.id = MemberId::new("m-dup").unwrap();
    let dup = Member::new(dup).unwrap();
    let mut with_dup = members.clone();
    with_dup.push(dup);
    assert!(matches!(
        Roster::from_parts(resource.clone(), owner.clone(), with_dup),
        Err(RosterError::DuplicateEmail(_))
    ));
    let mut owner_dup = collab.clone().into_parts();
    owner_dup.email = email("Owner@Example.com");
    assert!(matches!(
        Roster::from_parts(
            resource.clone(),
            owner.clone(),
            [Member::new(owner_dup).unwrap()]
        ),
        Err(RosterError::DuplicateEmail(_))
    ));
    // A duplicate id.
    let mut dup_id = collab.clone().into_parts();
    dup_id.email = email("other@example.com");
    let mut with_dup_id = members.clone();
    with_dup_id.push(Member::new(dup_id).unwrap());
    assert!(matches!(
        Roster::from_parts(resource.clone(), owner.clone(), with_dup_id),
        Err(RosterError::DuplicateId(_))
    ));
    // A limited collaborator on a dedicated database.
    let db_resource = Resource::new(
        ResourceKind::DedicatedDatabase,
        ResourceId::new("db").unwrap(),
        "db",
    )
    .unwrap();
    let limited = f.roster.get(&email(LIMITED)).unwrap().clone();
    assert_eq!(
        Roster::from_parts(db_resource, owner.clone(), [limited]),
        Err(RosterError::RoleNotOnKind {
            email: email(LIMITED),
            role: Role::LimitedCollaborator,
            kind: ResourceKind::DedicatedDatabase
        })
    );
    // And the valid parts build the same roster (at version 1, as if just
    // created; placed at the live roster's version, equal).
    let rebuilt = Roster::from_parts(resource, owner, members).unwrap();
    assert_eq!(rebuilt.version(), 1);
    assert_eq!(rebuilt.clone().with_version(0).version(), 1);
    assert_eq!(rebuilt.clone().with_head(f.roster.head()), f.roster);
    // At the live roster's version but not its head: another roster (the
    // chain's digest differs), which the live stream's next event does not
    // follow.
    assert_ne!(rebuilt.with_version(f.roster.version()), f.roster);
}

#[test]
fn member_rules() {
    let base = MemberParts {
        id: MemberId::new("m").unwrap(),
        email: email("a@example.com"),
        username: None,
        status: MemberStatus::Accepted,
        role: Role::Owner,
        custom_role: None,
        invited_at: at(0),
        expires_at: None,
        token: None,
    };
    assert!(
        Member::new(base.clone()).is_err(),
        "accepted with role owner"
    );
    assert!(
        Member::new(MemberParts {
            status: MemberStatus::Owner,
            role: Role::Collaborator,
            ..base.clone()
        })
        .is_err()
    );
    assert!(
        Member::new(MemberParts {
            role: Role::Collaborator,
            token: Some(token("x").digest()),
            ..base.clone()
        })
        .is_err(),
        "a token on an accepted membership"
    );
    assert!(
        Member::new(MemberParts {
            status: MemberStatus::Owner,
            ..base.clone()
        })
        .is_ok()
    );
    assert!(
        Member::new(MemberParts {
            status: MemberStatus::Pending,
            role: Role::Collaborator,
            token: Some(token("x").digest()),
            ..base
        })
        .is_ok()
    );
}

#[test]
fn snapshots_keep_the_pending_transfer_and_the_history() {
    let mut f = app();
    f.push(|r| {
        r.change_role(
            &email(OWNER),
            &email(COLLAB),
            Role::LimitedCollaborator,
            at(50),
        )
        .unwrap()
    });
    f.invite_accept("second@example.com", Some(Role::Collaborator), "second");
    let request = f.request("second@example.com", 80);
    let json = serde_json::to_string(&f.roster).unwrap();
    assert!(json.contains("\"pending_transfer\""));
    let back: Roster = serde_json::from_str(&json).unwrap();
    assert_eq!(back, f.roster);
    assert_eq!(back.pending_transfer(), Some(&request));
    assert!(back.held_secret_access(&email(COLLAB)));
    // A stale pending transfer in a snapshot is refused on read.
    let stale = json.replace(
        "\"to\":\"second@example.com\"",
        "\"to\":\"limited@example.com\"",
    );
    assert_ne!(stale, json);
    let err = serde_json::from_str::<Roster>(&stale).unwrap_err();
    assert!(err.to_string().contains("pending transfer"), "{err}");
    let not_owner = json.replace(
        "\"from\":\"owner@example.com\"",
        "\"from\":\"collab@example.com\"",
    );
    assert_ne!(not_owner, json);
    let err = serde_json::from_str::<Roster>(&not_owner).unwrap_err();
    assert!(err.to_string().contains("current owner"), "{err}");
    // A history naming a pending invitation, or missing a collaborator.
    let with_pending = json.replace("\"secret_access\":[", "\"secret_access\":[\"m-pending\",");
    assert_ne!(with_pending, json);
    assert!(serde_json::from_str::<Roster>(&with_pending).is_err());
    // Without the history, it is presumed from the current roles.
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    let mut map = value.as_object().unwrap().clone();
    map.remove("secret_access");
    let presumed: Roster = serde_json::from_value(serde_json::Value::Object(map)).unwrap();
    assert!(!presumed.held_secret_access(&email(COLLAB)));
    assert!(presumed.held_secret_access(&email("second@example.com")));
    let err = Roster::from_parts(
        f.roster.resource().clone(),
        f.roster.owner().clone(),
        f.roster.members().cloned(),
    )
    .unwrap()
    .with_secret_access_history([])
    .unwrap_err();
    assert_eq!(
        err,
        RosterError::SecretAccessMissing(email("second@example.com"))
    );
}

#[test]
fn a_roster_from_parts_decides_storable_events() {
    let f = app();
    let parts = Roster::from_parts(
        f.roster.resource().clone(),
        f.roster.owner().clone(),
        f.roster.members().cloned(),
    )
    .unwrap();
    // As if just created: the next event is event 2, and it reads back.
    assert_eq!(parts.version(), 1);
    let event = parts
        .decide_invite(&email(OWNER), inv("m-new", "new@example.com"), at(70))
        .unwrap();
    assert_eq!(event.seq(), 2);
    let read: Event = serde_json::from_str(&serde_json::to_string(&event).unwrap()).unwrap();
    assert_eq!(read, event);
    let mut applied = parts.clone();
    applied.apply(&read).unwrap();
    assert_eq!(applied.version(), 2);
    assert!(applied.get(&email("new@example.com")).is_some());
    // Imported at a known point of a stream, it takes the events after it.
    let imported = parts.with_head(f.roster.head());
    let next = f
        .roster
        .decide_revoke(&email(OWNER), &email(PENDING), at(70))
        .unwrap();
    let mut live = f.roster.clone();
    live.apply(&next).unwrap();
    assert_eq!(imported.resume([&next]).unwrap(), live);
}
