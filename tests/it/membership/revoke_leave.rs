//! Revoking a member and leaving a resource.
#![expect(clippy::unwrap_used, reason = "tests")]

use super::fixture::*;
use crate::common::{at, email};
use collab_authz::membership::{
    Advisory, EventKind, LeaveError, MemberStatus, NotPermitted, RevokeError,
};
use collab_authz::{Action, ResourceKind, Role};

#[test]
fn revoke_rows_with_their_advisory() {
    // (kind, actor, member, previous role, advisory)
    let rows = [
        (
            ResourceKind::App,
            OWNER,
            COLLAB,
            Role::Collaborator,
            Some(Advisory::RotateSecrets),
        ),
        (
            ResourceKind::App,
            OWNER,
            LIMITED,
            Role::LimitedCollaborator,
            None,
        ),
        (
            ResourceKind::App,
            COLLAB,
            LIMITED,
            Role::LimitedCollaborator,
            None,
        ),
        (
            ResourceKind::App,
            COLLAB,
            COLLAB,
            Role::Collaborator,
            Some(Advisory::RotateSecrets),
        ),
        (
            ResourceKind::App,
            OWNER,
            PENDING,
            Role::LimitedCollaborator,
            None,
        ),
        // A pending invitation never held its rights: nothing to rotate.
        (
            ResourceKind::App,
            OWNER,
            PENDING_COLLAB,
            Role::Collaborator,
            None,
        ),
        (
            ResourceKind::DedicatedDatabase,
            OWNER,
            COLLAB,
            Role::Collaborator,
            Some(Advisory::RotateSecrets),
        ),
        (
            ResourceKind::DedicatedDatabase,
            COLLAB,
            PENDING_COLLAB,
            Role::Collaborator,
            None,
        ),
    ];
    for (kind, actor, member, previous, advisory) in rows {
        let mut f = Fixture::new(kind);
        let id = f.roster.get(&email(member)).unwrap().id().clone();
        let ev = f
            .roster
            .revoke(&email(actor), &email(member), at(60))
            .unwrap();
        assert_eq!(ev.kind(), EventKind::Removed);
        assert_eq!(
            (ev.previous_role(), ev.role()),
            (Some(previous), None),
            "{kind} {member}"
        );
        assert_eq!(ev.advisory(), advisory, "{kind} {member}");
        assert_eq!(ev.actor(), &email(actor));
        assert!(f.roster.get(&email(member)).is_none());
        assert!(f.roster.get_by_id(&id).is_none());
        f.events.push(ev);
        f.assert_replays();
    }
}

#[test]
fn revoke_refusals() {
    use RevokeError as E;
    let f = app();
    // (actor, member, refusal)
    let rows = [
        (
            LIMITED,
            PENDING,
            E::NotPermitted(NotPermitted::RoleLacks {
                role: Role::LimitedCollaborator,
                kind: ResourceKind::App,
                action: Action::RevokeCollaborator,
                lowest: Some(Role::Collaborator),
            }),
        ),
        (STRANGER, LIMITED, E::NotPermitted(NotPermitted::Stranger)),
        (
            PENDING_COLLAB,
            LIMITED,
            E::NotPermitted(NotPermitted::Inactive {
                status: MemberStatus::Pending,
            }),
        ),
        (OWNER, OWNER, E::TargetIsOwner),
        (COLLAB, OWNER, E::TargetIsOwner),
        (OWNER, STRANGER, E::NoSuchMember),
    ];
    for (actor, member, expected) in rows {
        refused(
            &f.roster,
            |r| r.revoke(&email(actor), &email(member), at(60)),
            expected,
        );
    }
}

#[test]
fn leave_rows() {
    // (kind, member, advisory)
    let rows = [
        (ResourceKind::App, LIMITED, None),
        (ResourceKind::App, COLLAB, Some(Advisory::RotateSecrets)),
        (ResourceKind::App, PENDING, None),
        (
            ResourceKind::DedicatedDatabase,
            COLLAB,
            Some(Advisory::RotateSecrets),
        ),
        (ResourceKind::DedicatedDatabase, PENDING_COLLAB, None),
    ];
    for (kind, member, advisory) in rows {
        let mut f = Fixture::new(kind);
        let ev = f.roster.leave(&email(member), at(70)).unwrap();
        assert_eq!(ev.kind(), EventKind::Removed);
        assert_eq!(ev.actor(), &email(member));
        assert_eq!(ev.advisory(), advisory);
        assert!(f.roster.get(&email(member)).is_none());
        f.events.push(ev);
        f.assert_replays();
    }
}

#[test]
fn leave_refusals() {
    let f = app();
    refused(
        &f.roster,
        |r| r.leave(&email(OWNER), at(70)),
        LeaveError::Owner,
    );
    refused(
        &f.roster,
        |r| r.leave(&email(STRANGER), at(70)),
        LeaveError::NotAMember,
    );
}
