//! Changing a member's role: the spec's rows and refusals.
#![expect(clippy::unwrap_used, reason = "tests")]

use super::fixture::*;
use crate::common::{at, email};
use collab_authz::membership::{ChangeRoleError, EventKind, MemberStatus, NotPermitted};
use collab_authz::{Action, ResourceKind, Role};

#[test]
fn change_role_by_those_who_may_manage() {
    // (actor, member, new role)
    let rows = [
        (OWNER, LIMITED, Role::Collaborator),
        (OWNER, COLLAB, Role::LimitedCollaborator),
        (COLLAB, LIMITED, Role::Collaborator),
        (COLLAB, COLLAB, Role::LimitedCollaborator),
        (OWNER, PENDING, Role::Collaborator),
    ];
    for (actor, member, role) in rows {
        let mut f = app();
        let before = f.roster.get(&email(member)).unwrap().role();
        let ev = f
            .roster
            .change_role(&email(actor), &email(member), role, at(40))
            .unwrap();
        assert_eq!(ev.kind(), EventKind::RoleChanged);
        assert_eq!((ev.previous_role(), ev.role()), (Some(before), Some(role)));
        assert_eq!(ev.actor(), &email(actor));
        assert_eq!(f.roster.get(&email(member)).unwrap().role(), role);
        f.events.push(ev);
        f.assert_replays();
    }
}

#[test]
fn change_role_refusals() {
    use ChangeRoleError as E;
    let f = app();
    // (actor, member, new role, refusal)
    let rows = [
        (
            LIMITED,
            LIMITED,
            Role::Collaborator,
            E::NotPermitted(NotPermitted::RoleLacks {
                role: Role::LimitedCollaborator,
                kind: ResourceKind::App,
                action: Action::ChangeCollaboratorRole,
                lowest: Some(Role::Collaborator),
            }),
        ),
        (
            STRANGER,
            LIMITED,
            Role::Collaborator,
            E::NotPermitted(NotPermitted::Stranger),
        ),
        (
            PENDING_COLLAB,
            LIMITED,
            Role::Collaborator,
            E::NotPermitted(NotPermitted::Inactive {
                status: MemberStatus::Pending,
            }),
        ),
        (OWNER, OWNER, Role::Collaborator, E::TargetIsOwner),
        (COLLAB, OWNER, Role::Collaborator, E::TargetIsOwner),
        (OWNER, COLLAB, Role::Owner, E::ToOwner),
        (COLLAB, LIMITED, Role::Owner, E::ToOwner),
        (COLLAB, COLLAB, Role::Owner, E::ToOwner),
        (
            OWNER,
            COLLAB,
            Role::Collaborator,
            E::Unchanged {
                role: Role::Collaborator,
            },
        ),
        (OWNER, STRANGER, Role::Collaborator, E::NoSuchMember),
    ];
    for (actor, member, role, expected) in rows {
        refused(
            &f.roster,
            |r| r.change_role(&email(actor), &email(member), role, at(40)),
            expected,
        );
    }
}

#[test]
fn change_role_to_a_role_the_kind_lacks_is_refused() {
    // On a dedicated database only owner and collaborator exist, and the
    // matrix gives no role `change_collaborator_role` there: every change
    // is refused, the move to limited_collaborator included.
    let f = db();
    for actor in [OWNER, COLLAB] {
        let role = f.roster.effective_role(&email(actor)).unwrap();
        refused(
            &f.roster,
            |r| {
                r.change_role(
                    &email(actor),
                    &email(COLLAB),
                    Role::LimitedCollaborator,
                    at(40),
                )
            },
            ChangeRoleError::NotPermitted(NotPermitted::RoleLacks {
                role,
                kind: ResourceKind::DedicatedDatabase,
                action: Action::ChangeCollaboratorRole,
                lowest: None,
            }),
        );
    }
}
