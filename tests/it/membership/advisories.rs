//! The rotate-secrets advisory.
#![expect(clippy::unwrap_used, reason = "tests")]

use super::fixture::*;
use crate::common::{at, email, token};
use collab_authz::Role;
use collab_authz::membership::{Advisory, Username};

#[test]
fn demoting_then_removing_still_advises_rotation() {
    // The dodge: demote a collaborator to limited, then revoke (or let
    // them leave).
    for leave in [false, true] {
        let mut f = app();
        assert!(f.roster.held_secret_access(&email(COLLAB)));
        let demoted = f
            .roster
            .change_role(
                &email(OWNER),
                &email(COLLAB),
                Role::LimitedCollaborator,
                at(50),
            )
            .unwrap();
        // The demotion itself takes data_and_secrets actions away.
        assert_eq!(demoted.advisory(), Some(Advisory::RotateSecrets));
        f.events.push(demoted);
        assert!(f.roster.held_secret_access(&email(COLLAB)));
        f.assert_replays();
        let removed = if leave {
            f.roster.leave(&email(COLLAB), at(60)).unwrap()
        } else {
            f.roster
                .revoke(&email(OWNER), &email(COLLAB), at(60))
                .unwrap()
        };
        assert_eq!(removed.advisory(), Some(Advisory::RotateSecrets));
        f.events.push(removed);
        f.assert_replays();
        assert!(!f.roster.held_secret_access(&email(COLLAB)));
    }
}

#[test]
fn role_change_advisories_follow_the_matrix() {
    // (from, to, advisory) on an app, written from the spec: a collaborator
    // can read environment variable values, backups, connection details
    // (data_and_secrets); a limited collaborator cannot.
    for (from, to, expected) in [
        (
            Role::Collaborator,
            Role::LimitedCollaborator,
            Some(Advisory::RotateSecrets),
        ),
        (Role::LimitedCollaborator, Role::Collaborator, None),
    ] {
        let mut f = app();
        let (accepted, pending) = match from {
            Role::Collaborator => (COLLAB, PENDING_COLLAB),
            _ => (LIMITED, PENDING),
        };
        let ev = f
            .roster
            .change_role(&email(OWNER), &email(accepted), to, at(50))
            .unwrap();
        assert_eq!(ev.advisory(), expected, "{from} -> {to}, accepted");
        // A pending invitation granted nothing: no advisory.
        let ev = f
            .roster
            .change_role(&email(OWNER), &email(pending), to, at(51))
            .unwrap();
        assert_eq!(ev.advisory(), None, "{from} -> {to}, pending");
    }
}

#[test]
fn a_never_accepted_invitation_carries_no_advisory() {
    let mut f = app();
    // Invited as collaborator, demoted and promoted while pending,
    // then removed: it never granted anything.
    for (role, when) in [(Role::LimitedCollaborator, 50), (Role::Collaborator, 51)] {
        let ev = f
            .roster
            .change_role(&email(OWNER), &email(PENDING_COLLAB), role, at(when))
            .unwrap();
        assert_eq!(ev.advisory(), None);
        f.events.push(ev);
    }
    assert!(!f.roster.held_secret_access(&email(PENDING_COLLAB)));
    let ev = f
        .roster
        .revoke(&email(OWNER), &email(PENDING_COLLAB), at(60))
        .unwrap();
    assert_eq!(ev.advisory(), None);
    f.events.push(ev);
    // Declining (leaving while pending) neither.
    let ev = f.roster.leave(&email(PENDING), at(61)).unwrap();
    assert_eq!(ev.advisory(), None);
    f.events.push(ev);
    f.assert_replays();
}

#[test]
fn a_member_promoted_while_pending_holds_access_once_accepted() {
    let mut f = app();
    let ev = f
        .roster
        .change_role(&email(OWNER), &email(PENDING), Role::Collaborator, at(50))
        .unwrap();
    f.events.push(ev);
    let ev = f
        .roster
        .accept(
            &email(PENDING),
            &token("tok-pending"),
            Username::new("pat").unwrap(),
            at(60),
        )
        .unwrap();
    f.events.push(ev);
    assert!(f.roster.held_secret_access(&email(PENDING)));
    // An accepted limited collaborator, never more, held none.
    assert!(!f.roster.held_secret_access(&email(LIMITED)));
    assert!(f.roster.held_secret_access(&email(OWNER)));
    assert!(!f.roster.held_secret_access(&email(STRANGER)));
    f.assert_replays();
}

#[test]
fn a_previous_owner_removed_after_a_transfer_advises_rotation() {
    let mut f = app();
    let request = f.request(COLLAB, 80);
    let [promoted, demoted] = f
        .roster
        .accept_transfer(&email(COLLAB), &request, at(90))
        .unwrap();
    // Owner to collaborator loses no data_and_secrets action (the spec
    // gives a collaborator every one of them): no advisory yet.
    assert_eq!(demoted.advisory(), None);
    f.events.extend([promoted, demoted]);
    // Demote the previous owner to limited, then remove: still advised.
    f.push(|r| {
        r.change_role(
            &email(COLLAB),
            &email(OWNER),
            Role::LimitedCollaborator,
            at(95),
        )
        .unwrap()
    });
    let ev = f.roster.leave(&email(OWNER), at(96)).unwrap();
    assert_eq!(ev.advisory(), Some(Advisory::RotateSecrets));
    f.events.push(ev);
    f.assert_replays();
}
