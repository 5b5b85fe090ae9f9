//! Accepting an invitation: the token, the email, expiry and the refusals.
#![expect(clippy::unwrap_used, reason = "tests")]

use super::fixture::*;
use crate::common::{at, email, token};
use collab_authz::Role;
use collab_authz::membership::{AcceptError, EventKind, MemberStatus, Username};

#[test]
fn accept_records_the_username_and_grants_the_role() {
    let mut f = db();
    assert_eq!(f.roster.effective_role(&email(PENDING_COLLAB)), None);
    let ev = f
        .roster
        .accept(
            &email("Pending-Collab@example.com"),
            &token("tok-pc"),
            Username::new("pat").unwrap(),
            at(30),
        )
        .unwrap();
    assert_eq!(ev.kind(), EventKind::Accepted);
    assert_eq!(ev.role(), Some(Role::Collaborator));
    assert_eq!(
        ev.member().username.as_ref().map(Username::as_str),
        Some("pat")
    );
    assert_eq!(ev.actor(), &email(PENDING_COLLAB));
    let m = f.roster.get(&email(PENDING_COLLAB)).unwrap();
    assert_eq!(m.status(), MemberStatus::Accepted);
    assert_eq!(m.username().map(Username::as_str), Some("pat"));
    assert_eq!(
        f.roster.effective_role(&email(PENDING_COLLAB)),
        Some(Role::Collaborator)
    );
    // Accepted, the collaborator may now invite.
    f.events.push(ev);
    let ev = f
        .roster
        .invite(
            &email(PENDING_COLLAB),
            inv("m-new", "new@example.com"),
            at(31),
        )
        .unwrap();
    f.events.push(ev);
    f.assert_replays();
}

#[test]
fn accept_before_the_expiry() {
    let mut f = app();
    f.roster
        .accept(
            &email(PENDING),
            &token("tok-pending"),
            Username::new("p").unwrap(),
            at(999),
        )
        .unwrap();
}

#[test]
fn accept_refusals() {
    let f = app();
    let r = &f.roster;
    let u = || Username::new("x").unwrap();
    refused(
        r,
        |r| r.accept(&email(PENDING), &token("wrong"), u(), at(30)),
        AcceptError::WrongToken,
    );
    refused(
        r,
        |r| r.accept(&email(PENDING), &token("tok-pending"), u(), at(1000)),
        AcceptError::Expired {
            expires_at: at(1000),
        },
    );
    refused(
        r,
        |r| r.accept(&email(PENDING), &token("tok-pending"), u(), at(5000)),
        AcceptError::Expired {
            expires_at: at(1000),
        },
    );
    refused(
        r,
        |r| r.accept(&email(COLLAB), &token("tok-collab"), u(), at(30)),
        AcceptError::NotPending {
            status: MemberStatus::Accepted,
        },
    );
    refused(
        r,
        |r| r.accept(&email(OWNER), &token("tok-pending"), u(), at(30)),
        AcceptError::NotPending {
            status: MemberStatus::Owner,
        },
    );
    refused(
        r,
        |r| r.accept(&email(STRANGER), &token("tok-pending"), u(), at(30)),
        AcceptError::NoInvitation,
    );
    // Someone else's token does not work for the stranger either.
    refused(
        r,
        |r| r.accept(&email(STRANGER), &token("tok-pc"), u(), at(30)),
        AcceptError::NoInvitation,
    );
}
