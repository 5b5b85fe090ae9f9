//! Deleting an account: its memberships and its owned resources.
#![expect(clippy::unwrap_used, reason = "tests")]

use super::fixture::*;
use crate::common::{at, email};
use collab_authz::ResourceKind;
use collab_authz::membership::{Advisory, EventKind, MemberStatus};

#[test]
fn account_deletion_rows() {
    // (kind, member, advisory)
    let rows = [
        (ResourceKind::App, COLLAB, Some(Advisory::RotateSecrets)),
        (ResourceKind::App, LIMITED, None),
        (
            ResourceKind::DedicatedDatabase,
            COLLAB,
            Some(Advisory::RotateSecrets),
        ),
    ];
    for (kind, member, advisory) in rows {
        let mut f = Fixture::new(kind);
        let ev = f.roster.account_deleted(&email(member), at(70)).unwrap();
        assert_eq!(ev.kind(), EventKind::AccountDeleted);
        assert_eq!(ev.actor(), &email(member));
        assert_eq!(ev.advisory(), advisory);
        let m = f.roster.get(&email(member)).unwrap();
        assert_eq!(m.status(), MemberStatus::UserAccountDeleted);
        assert_eq!(ev.role(), Some(m.role()));
        assert_eq!(f.roster.effective_role(&email(member)), None);
        f.events.push(ev);
        f.assert_replays();
        // The membership can still be revoked, with the same advisory.
        f.push(|r| r.revoke(&email(OWNER), &email(member), at(80)).unwrap());
        assert_eq!(f.events.last().unwrap().advisory(), advisory);
        f.assert_replays();
    }
}

#[test]
fn account_deletion_refusals() {
    let mut f = app();
    f.push(|r| r.account_deleted(&email(COLLAB), at(70)).unwrap());
    let r = &f.roster;
    refused(
        r,
        |r| r.account_deleted(&email(OWNER), at(80)),
        collab_authz::membership::AccountDeletedError::Owner,
    );
    refused(
        r,
        |r| r.account_deleted(&email(STRANGER), at(80)),
        collab_authz::membership::AccountDeletedError::NoSuchMember,
    );
    for (member, status) in [
        (PENDING, MemberStatus::Pending),
        (COLLAB, MemberStatus::UserAccountDeleted),
    ] {
        refused(
            r,
            |r| r.account_deleted(&email(member), at(80)),
            collab_authz::membership::AccountDeletedError::NotAccepted { status },
        );
    }
}
