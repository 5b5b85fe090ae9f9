//! The ownership transfer protocol: request, accept, cancel.
#![expect(clippy::unwrap_used, reason = "tests")]

use super::fixture::*;
use crate::common::{at, email, token};
use collab_authz::membership::{
    EventKind, Invitation, MemberId, MemberStatus, NotPermitted, Resource, ResourceId, Roster,
    TransferError, TransferRequest, Username,
};
use collab_authz::{Action, ResourceKind, Role};

#[test]
fn transfer_request_accept() {
    for kind in [ResourceKind::App, ResourceKind::DedicatedDatabase] {
        let mut f = Fixture::new(kind);
        let before = f.roster.clone();
        let ev = f
            .roster
            .request_transfer(&email(OWNER), &email(COLLAB), at(80))
            .unwrap();
        assert_eq!(ev.kind(), EventKind::TransferRequested);
        assert_eq!(
            (ev.member().email.clone(), ev.actor().clone()),
            (email(COLLAB), email(OWNER))
        );
        assert_eq!(
            (ev.role(), ev.previous_role(), ev.advisory()),
            (None, None, None)
        );
        f.events.push(ev);
        f.assert_replays();
        // Only the pending transfer changed.
        assert_ne!(f.roster, before);
        assert!(f.roster.iter().eq(before.iter()));
        let request = f.roster.pending_transfer().unwrap().clone();
        assert_eq!(
            (request.from(), request.to(), request.requested_at()),
            (&email(OWNER), &email(COLLAB), at(80))
        );
        let [promoted, demoted] = f
            .roster
            .accept_transfer(&email(COLLAB), &request, at(90))
            .unwrap();
        assert_eq!(f.roster.pending_transfer(), None);
        assert_eq!(promoted.kind(), EventKind::RoleChanged);
        assert_eq!(promoted.member().email, email(COLLAB));
        assert_eq!(
            (promoted.previous_role(), promoted.role()),
            (Some(Role::Collaborator), Some(Role::Owner))
        );
        assert_eq!(demoted.member().email, email(OWNER));
        assert_eq!(
            (demoted.previous_role(), demoted.role()),
            (Some(Role::Owner), Some(Role::Collaborator))
        );
        assert_eq!(promoted.actor(), &email(COLLAB));
        assert_eq!(f.roster.owner().email(), &email(COLLAB));
        assert_eq!(f.roster.owner().status(), MemberStatus::Owner);
        let old = f.roster.get(&email(OWNER)).unwrap();
        assert_eq!(
            (old.status(), old.role()),
            (MemberStatus::Accepted, Role::Collaborator)
        );
        assert_eq!(
            f.roster.iter().filter(|m| m.role() == Role::Owner).count(),
            1
        );
        // The ids still resolve.
        assert_eq!(
            f.roster
                .get_by_id(&MemberId::new("m-owner").unwrap())
                .unwrap()
                .email(),
            &email(OWNER)
        );
        assert_eq!(
            f.roster.get_by_id(&MemberId::new("m-collab").unwrap()),
            Some(f.roster.owner())
        );
        f.events.extend([promoted, demoted]);
        f.assert_replays();
        // The previous owner may no longer transfer; the new one may.
        assert!(
            f.roster
                .clone()
                .request_transfer(&email(OWNER), &email(COLLAB), at(95))
                .is_err()
        );
        assert!(
            f.roster
                .clone()
                .request_transfer(&email(COLLAB), &email(OWNER), at(95))
                .is_ok()
        );
    }
}

#[test]
fn transfer_request_refusals() {
    let f = app();
    let r = &f.roster;
    let lacks = |role| {
        TransferError::NotPermitted(NotPermitted::RoleLacks {
            role,
            kind: ResourceKind::App,
            action: Action::TransferOwnership,
            lowest: Some(Role::Owner),
        })
    };
    refused(
        r,
        |r| r.request_transfer(&email(COLLAB), &email(COLLAB), at(80)),
        lacks(Role::Collaborator),
    );
    refused(
        r,
        |r| r.request_transfer(&email(LIMITED), &email(COLLAB), at(80)),
        lacks(Role::LimitedCollaborator),
    );
    refused(
        r,
        |r| r.request_transfer(&email(STRANGER), &email(COLLAB), at(80)),
        TransferError::NotPermitted(NotPermitted::Stranger),
    );
    for (to, status, role) in [
        (LIMITED, MemberStatus::Accepted, Role::LimitedCollaborator),
        (PENDING_COLLAB, MemberStatus::Pending, Role::Collaborator),
        (OWNER, MemberStatus::Owner, Role::Owner),
    ] {
        refused(
            r,
            |r| r.request_transfer(&email(OWNER), &email(to), at(80)),
            TransferError::NotAcceptedCollaborator { status, role },
        );
    }
    refused(
        r,
        |r| r.request_transfer(&email(OWNER), &email(STRANGER), at(80)),
        TransferError::NoSuchMember,
    );
    // A second request while one is pending is refused, not a replacement,
    // to the same target or another.
    let mut f = app();
    f.invite_accept("second@example.com", Some(Role::Collaborator), "second");
    let pending = f.request(COLLAB, 80);
    for to in [COLLAB, "second@example.com"] {
        refused(
            &f.roster,
            |r| r.request_transfer(&email(OWNER), &email(to), at(81)),
            TransferError::AlreadyPending,
        );
    }
    assert_eq!(f.roster.pending_transfer(), Some(&pending));
}

#[test]
fn transfer_accept_refusals() {
    let mut f = app();
    // Nothing pending yet: any request, even one built by deserializing,
    // is refused.
    let forged: TransferRequest = serde_json::from_str(
        r#"{"resource":"res-1","from":"owner@example.com","to":"collab@example.com","requested_at":80}"#,
    )
    .unwrap();
    refused(
        &f.roster,
        |r| r.accept_transfer(&email(COLLAB), &forged, at(90)),
        TransferError::NoPending,
    );
    let request = f.request(COLLAB, 80);
    assert_eq!(request, forged, "the forged value names the real request");
    // Only the target accepts. A stranger and a pending invitee are
    // refused as such, before the transfer is looked at.
    for (actor, why) in [
        (OWNER, TransferError::NotTarget),
        (LIMITED, TransferError::NotTarget),
        (
            STRANGER,
            TransferError::NotPermitted(NotPermitted::Stranger),
        ),
        (
            PENDING,
            TransferError::NotPermitted(NotPermitted::Inactive {
                status: MemberStatus::Pending,
            }),
        ),
    ] {
        refused(
            &f.roster,
            |r| r.accept_transfer(&email(actor), &request, at(90)),
            why,
        );
    }
    // A request that is not the pending one: another time, another
    // target, another owner.
    let other = |json: &str| serde_json::from_str::<TransferRequest>(json).unwrap();
    for json in [
        r#"{"resource":"res-1","from":"owner@example.com","to":"collab@example.com","requested_at":79}"#,
        r#"{"resource":"res-1","from":"owner@example.com","to":"limited@example.com","requested_at":80}"#,
        r#"{"resource":"res-1","from":"collab@example.com","to":"collab@example.com","requested_at":80}"#,
    ] {
        refused(
            &f.roster,
            |r| r.accept_transfer(&email(COLLAB), &other(json), at(90)),
            TransferError::NotPending,
        );
    }
    // The request is for another resource.
    let other_resource = Resource::new(
        ResourceKind::App,
        ResourceId::new("res-2").unwrap(),
        "other",
    )
    .unwrap();
    let (elsewhere, _) = Roster::create(other_resource, f.roster.owner().account(), at(0));
    // (Asked by a member of that other roster: a stranger there is
    // refused as such first.)
    refused(
        &elsewhere,
        |x| x.accept_transfer(&email(OWNER), &request, at(90)),
        TransferError::WrongResource,
    );
    refused(
        &elsewhere,
        |x| x.accept_transfer(&email(COLLAB), &request, at(90)),
        TransferError::NotPermitted(NotPermitted::Stranger),
    );
    // Accepted once; the same request again is refused.
    let mut moved = f.roster.clone();
    moved
        .accept_transfer(&email(COLLAB), &request, at(90))
        .unwrap();
    refused(
        &moved,
        |x| x.accept_transfer(&email(COLLAB), &request, at(91)),
        TransferError::NoPending,
    );
}

#[test]
fn a_cancelled_transfer_cannot_be_accepted() {
    for canceller in [OWNER, COLLAB] {
        let mut f = app();
        let request = f.request(COLLAB, 80);
        for (actor, why) in [
            (LIMITED, TransferError::NotParty),
            (
                STRANGER,
                TransferError::NotPermitted(NotPermitted::Stranger),
            ),
            (
                PENDING,
                TransferError::NotPermitted(NotPermitted::Inactive {
                    status: MemberStatus::Pending,
                }),
            ),
        ] {
            refused(&f.roster, |r| r.cancel_transfer(&email(actor), at(85)), why);
        }
        let ev = f.roster.cancel_transfer(&email(canceller), at(85)).unwrap();
        assert_eq!(ev.kind(), EventKind::TransferCancelled);
        assert_eq!(
            (ev.member().email.clone(), ev.actor().clone()),
            (email(COLLAB), email(canceller))
        );
        f.events.push(ev);
        f.assert_replays();
        assert_eq!(f.roster.pending_transfer(), None);
        refused(
            &f.roster,
            |r| r.accept_transfer(&email(COLLAB), &request, at(90)),
            TransferError::NoPending,
        );
        refused(
            &f.roster,
            |r| r.cancel_transfer(&email(OWNER), at(90)),
            TransferError::NoPending,
        );
        // Asking again makes a new pending request, which does work.
        let again = f.request(COLLAB, 95);
        assert_ne!(again, request);
        refused(
            &f.roster,
            |r| r.accept_transfer(&email(COLLAB), &request, at(96)),
            TransferError::NotPending,
        );
        f.push(|r| {
            let [a, b] = r.accept_transfer(&email(COLLAB), &again, at(96)).unwrap();
            assert_eq!(a.member().email, email(COLLAB));
            b
        });
        assert_eq!(f.roster.owner().email(), &email(COLLAB));
    }
}

/// Changes after which a pending owner -> collab request can no longer be
/// completed drop it, live and in replay alike.
#[test]
fn stale_transfers_are_dropped() {
    type Change = fn(&mut Fixture);
    let rows: [(&str, Change); 6] = [
        ("target revoked", |f| {
            f.push(|r| r.revoke(&email(OWNER), &email(COLLAB), at(85)).unwrap());
        }),
        ("target left", |f| {
            f.push(|r| r.leave(&email(COLLAB), at(85)).unwrap());
        }),
        ("target left and was invited again", |f| {
            f.push(|r| r.leave(&email(COLLAB), at(85)).unwrap());
            f.push(|r| {
                let inv = Invitation::new(
                    MemberId::new("m-again").unwrap(),
                    email(COLLAB),
                    token("tok-again"),
                )
                .with_role(Role::Collaborator);
                r.invite(&email(OWNER), inv, at(86)).unwrap()
            });
            f.push(|r| {
                r.accept(
                    &email(COLLAB),
                    &token("tok-again"),
                    Username::new("collab").unwrap(),
                    at(87),
                )
                .unwrap()
            });
        }),
        ("target demoted and promoted again", |f| {
            for (role, when) in [(Role::LimitedCollaborator, 85), (Role::Collaborator, 86)] {
                f.push(|r| {
                    r.change_role(&email(OWNER), &email(COLLAB), role, at(when))
                        .unwrap()
                });
            }
        }),
        ("target's account deleted", |f| {
            f.push(|r| r.account_deleted(&email(COLLAB), at(85)).unwrap());
        }),
        ("ownership went to another and came back", |f| {
            f.push(|r| r.cancel_transfer(&email(OWNER), at(84)).unwrap());
            f.invite_accept("second@example.com", Some(Role::Collaborator), "second");
            for (from, to, when) in [
                (OWNER, "second@example.com", 85),
                ("second@example.com", OWNER, 87),
            ] {
                f.push(|r| {
                    r.request_transfer(&email(from), &email(to), at(when))
                        .unwrap()
                });
                let req = f.roster.pending_transfer().unwrap().clone();
                let [a, b] = f
                    .roster
                    .accept_transfer(&email(to), &req, at(when + 1))
                    .unwrap();
                f.events.extend([a, b]);
            }
        }),
    ];
    for (what, change) in rows {
        let mut f = app();
        let request = f.request(COLLAB, 80);
        change(&mut f);
        assert_eq!(f.roster.owner().email(), &email(OWNER), "{what}");
        assert_eq!(f.roster.pending_transfer(), None, "{what}");
        let got = f
            .roster
            .clone()
            .accept_transfer(&email(COLLAB), &request, at(100))
            .unwrap_err();
        // The target, if no longer an active member, is refused as such
        // before the transfer is looked at.
        let expected = match f.roster.may_view(&email(COLLAB)) {
            Ok(_) => TransferError::NoPending,
            Err(why) => TransferError::NotPermitted(why),
        };
        assert_eq!(
            got, expected,
            "{what}: the stale request was accepted or refused oddly"
        );
        f.assert_replays();
        // The owner may ask again.
        if f.roster
            .get(&email(COLLAB))
            .is_some_and(|m| m.status() == MemberStatus::Accepted && m.role() == Role::Collaborator)
        {
            f.request(COLLAB, 101);
            f.assert_replays();
        }
    }
    // A change that leaves the request valid keeps it.
    let mut f = app();
    let request = f.request(COLLAB, 80);
    f.push(|r| r.revoke(&email(OWNER), &email(LIMITED), at(85)).unwrap());
    assert_eq!(f.roster.pending_transfer(), Some(&request));
    f.assert_replays();
}

#[test]
fn transfer_refusal_messages_read_well() {
    for (status, role, says) in [
        (
            MemberStatus::Owner,
            Role::Owner,
            "they are the owner already",
        ),
        (
            MemberStatus::Pending,
            Role::Collaborator,
            "their invitation is still pending",
        ),
        (
            MemberStatus::Accepted,
            Role::LimitedCollaborator,
            "they hold the limited_collaborator role",
        ),
        (
            MemberStatus::UserAccountDeleted,
            Role::Collaborator,
            "their account was deleted",
        ),
    ] {
        let msg = TransferError::NotAcceptedCollaborator { status, role }.to_string();
        assert_eq!(
            msg,
            format!("the target must be an accepted collaborator; {says}")
        );
    }
}
