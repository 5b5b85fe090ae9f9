//! Inviting: who may invite, whom, with which role, and the refusals.
#![expect(clippy::unwrap_used, reason = "tests")]

use super::fixture::*;
use crate::common::{at, email};
use collab_authz::membership::{
    Advisory, EventKind, InviteError, Member, MemberId, MemberStatus, NotPermitted, Roster,
};
use collab_authz::{Action, ResourceKind, Role};

#[test]
fn invite_defaults_the_role_per_kind() {
    for (kind, expected) in [
        (ResourceKind::App, Role::LimitedCollaborator),
        (ResourceKind::DedicatedDatabase, Role::Collaborator),
    ] {
        let mut f = Fixture::new(kind);
        let ev = f
            .roster
            .invite(&email(OWNER), inv("m-new", "new@example.com"), at(50))
            .unwrap();
        assert_eq!(ev.kind(), EventKind::Invited);
        assert_eq!(ev.role(), Some(expected));
        assert_eq!(ev.previous_role(), None);
        assert_eq!(ev.actor(), &email(OWNER));
        assert_eq!(ev.at(), at(50));
        assert_eq!(ev.member().email.as_str(), "new@example.com");
        assert_eq!(ev.member().username, None);
        assert_eq!(ev.resource(), &f.roster.resource().to_ref());
        let m = f.roster.get(&email("new@example.com")).unwrap();
        assert_eq!(
            (m.status(), m.role(), m.effective_role()),
            (MemberStatus::Pending, expected, None)
        );
        f.events.push(ev);
        f.assert_replays();
    }
}

#[test]
fn invite_allowed_actors() {
    // (kind, actor, role asked)
    let rows = [
        (ResourceKind::App, OWNER, Some(Role::Collaborator)),
        (ResourceKind::App, OWNER, Some(Role::LimitedCollaborator)),
        (ResourceKind::App, COLLAB, Some(Role::Collaborator)),
        (ResourceKind::App, COLLAB, None),
        (ResourceKind::DedicatedDatabase, OWNER, None),
        (
            ResourceKind::DedicatedDatabase,
            COLLAB,
            Some(Role::Collaborator),
        ),
    ];
    for (kind, actor, role) in rows {
        let mut f = Fixture::new(kind);
        let mut i = inv("m-new", "New@Example.com");
        if let Some(r) = role {
            i = i.with_role(r);
        }
        let ev = f.roster.invite(&email(actor), i, at(50)).unwrap();
        assert_eq!(
            ev.role(),
            Some(role.unwrap_or(kind.default_invitation_role())),
            "{kind} {actor}"
        );
        assert_eq!(ev.actor(), &email(actor));
        // Lookup is case-insensitive; the spelling is kept.
        let m = f.roster.get(&email("new@example.COM")).unwrap();
        assert_eq!(m.email().as_str(), "New@Example.com");
        assert_eq!(
            f.roster.get_by_id(&MemberId::new("m-new").unwrap()),
            Some(m)
        );
    }
}

#[test]
fn invite_refusals() {
    let f = app();
    let r = &f.roster;
    let lacks = |role| {
        InviteError::NotPermitted(NotPermitted::RoleLacks {
            role,
            kind: ResourceKind::App,
            action: Action::InviteCollaborator,
            lowest: Some(Role::Collaborator),
        })
    };
    // Who may not invite, and which role may not be asked:
    // (actor, invitation, refusal).
    let rows = [
        (
            LIMITED,
            inv("m-new", "new@example.com"),
            lacks(Role::LimitedCollaborator),
        ),
        (
            PENDING_COLLAB,
            inv("m-new", "new@example.com"),
            InviteError::NotPermitted(NotPermitted::Inactive {
                status: MemberStatus::Pending,
            }),
        ),
        (
            STRANGER,
            inv("m-new", "new@example.com"),
            InviteError::NotPermitted(NotPermitted::Stranger),
        ),
        (
            OWNER,
            inv("m-new", "new@example.com").with_role(Role::Owner),
            InviteError::OwnerRole,
        ),
        (
            COLLAB,
            inv("m-new", "new@example.com").with_role(Role::Owner),
            InviteError::OwnerRole,
        ),
        // A member id already in use.
        (
            OWNER,
            inv("m-collab", "new@example.com"),
            InviteError::DuplicateId,
        ),
        (
            OWNER,
            inv("m-owner", "new@example.com"),
            InviteError::DuplicateId,
        ),
    ];
    for (actor, invitation, expected) in rows {
        refused(r, |r| r.invite(&email(actor), invitation, at(50)), expected);
    }
    // An email that already has a membership, in any status, any case.
    for (who, status) in [
        ("OWNER@example.com", MemberStatus::Owner),
        (COLLAB, MemberStatus::Accepted),
        ("Limited@Example.Com", MemberStatus::Accepted),
        (PENDING, MemberStatus::Pending),
    ] {
        let existing = r.get(&email(who)).unwrap().email().clone();
        refused(
            r,
            |r| r.invite(&email(OWNER), inv("m-new", who), at(50)),
            InviteError::AlreadyMember {
                email: existing,
                status,
            },
        );
    }
}

#[test]
fn invite_refusals_on_a_dedicated_database() {
    let f = db();
    refused(
        &f.roster,
        |r| {
            r.invite(
                &email(OWNER),
                inv("m-new", "new@example.com").with_role(Role::LimitedCollaborator),
                at(50),
            )
        },
        InviteError::RoleNotOnKind {
            role: Role::LimitedCollaborator,
            kind: ResourceKind::DedicatedDatabase,
        },
    );
    // A pending collaborator grants nothing, even on a database.
    refused(
        &f.roster,
        |r| {
            r.invite(
                &email(PENDING_COLLAB),
                inv("m-new", "new@example.com"),
                at(50),
            )
        },
        InviteError::NotPermitted(NotPermitted::Inactive {
            status: MemberStatus::Pending,
        }),
    );
}

#[test]
fn a_deleted_account_grants_nothing() {
    let f = app();
    let mut members: Vec<Member> = f.roster.members().cloned().collect();
    for m in &mut members {
        if m.email() == &email(COLLAB) {
            let mut parts = m.clone().into_parts();
            parts.status = MemberStatus::UserAccountDeleted;
            *m = Member::new(parts).unwrap();
        }
    }
    let roster = Roster::from_parts(
        f.roster.resource().clone(),
        f.roster.owner().clone(),
        members,
    )
    .unwrap();
    assert_eq!(roster.effective_role(&email(COLLAB)), None);
    refused(
        &roster,
        |r| r.invite(&email(COLLAB), inv("m-new", "new@example.com"), at(50)),
        InviteError::NotPermitted(NotPermitted::Inactive {
            status: MemberStatus::UserAccountDeleted,
        }),
    );
    // It can still be removed, and had rights once: rotate secrets.
    let mut roster = roster;
    let ev = roster
        .revoke(&email(OWNER), &email(COLLAB), at(60))
        .unwrap();
    assert_eq!(ev.advisory(), Some(Advisory::RotateSecrets));
}
