//! The linear checks of a stored roster ([`Index::build`],
//! [`Roster::history_fits`]) against the checks one by one: on rosters
//! drawn from small pools of emails and ids (so that repeats are common),
//! with roles and statuses that a kind may or may not have, both take and
//! refuse exactly the same inputs.

use super::*;
use alloc::format;
use alloc::vec::Vec;
use proptest::prelude::*;

use crate::membership::member::{MemberParts, ResourceId};

fn email(i: u8) -> Email {
    Email::parse(&format!("p{i}@example.com")).unwrap_or_else(|e| unreachable!("{e}"))
}

fn id(i: u8) -> MemberId {
    MemberId::new(format!("mem_{i}")).unwrap_or_else(|e| unreachable!("{e}"))
}

/// A member with email and id from the pools; `shape` picks status and
/// role (limited ones not on a dedicated database, one an owner's).
fn member(email_at: u8, id_at: u8, shape: u8) -> Member {
    let (status, role) = match shape % 7 {
        0 => (MemberStatus::Pending, Role::Collaborator),
        1 => (MemberStatus::Pending, Role::LimitedCollaborator),
        2 => (MemberStatus::Accepted, Role::Collaborator),
        3 => (MemberStatus::Accepted, Role::LimitedCollaborator),
        4 => (MemberStatus::UserAccountDeleted, Role::Collaborator),
        5 => (MemberStatus::UserAccountDeleted, Role::LimitedCollaborator),
        _ => (MemberStatus::Owner, Role::Owner),
    };
    Member::new(MemberParts {
        id: id(id_at),
        email: email(email_at),
        username: None,
        status,
        role,
        custom_role: None,
        invited_at: Timestamp::from_unix_seconds(1),
        expires_at: None,
        token: None,
    })
    .unwrap_or_else(|e| unreachable!("{e}"))
}

fn owner() -> Member {
    member(0, 0, 6)
}

fn resource(database: bool) -> Resource {
    let kind = match database {
        true => ResourceKind::DedicatedDatabase,
        false => ResourceKind::App,
    };
    Resource::new(
        kind,
        ResourceId::new("r").unwrap_or_else(|e| unreachable!("{e}")),
        "r",
    )
    .unwrap_or_else(|e| unreachable!("{e}"))
}

fn members() -> impl Strategy<Value = Vec<(u8, u8, u8)>> {
    proptest::collection::vec((0u8..24, 0u8..24, 0u8..7), 0..16)
}

proptest! {
    /// `from_parts` (sorted keys) answers what inserting one member after
    /// the other answers: the same roster, or the same first error.
    #[test]
    fn linear_checks_refuse_what_the_checks_one_by_one_refuse(
        database in any::<bool>(),
        drawn in members(),
    ) {
        let list: Vec<Member> = drawn.iter().map(|&(e, i, s)| member(e, i, s)).collect();
        let resource = resource(database);
        let kind = resource.kind();
        let one_by_one = Roster::index_one_by_one(&owner(), kind, list.clone());
        let fits = list.iter().all(|m| fits_kind(m, kind));
        let built = Index::build(owner().id(), owner().email(), list.clone());
        // The bulk build succeeds exactly when the members all fit the
        // kind and every key is unique.
        prop_assert_eq!(fits && built.is_ok(), one_by_one.is_ok());
        if let (true, Ok(bulk), Ok(single)) = (fits, &built, &one_by_one) {
            prop_assert!(bulk == single);
            prop_assert!(bulk.ids().map(|(id, _)| id).eq(single.ids().map(|(id, _)| id)));
            for m in &list {
                prop_assert_eq!(bulk.get(m.email()), Some(m));
                prop_assert_eq!(bulk.get_by_id(m.id()), Some(Some(m)));
            }
        }
        let roster = Roster::from_parts(resource, owner(), list);
        prop_assert_eq!(roster.as_ref().err(), one_by_one.as_ref().err());
    }

    /// The merge over a sorted history takes what
    /// `with_secret_access_history` takes; out of order it defers.
    #[test]
    fn the_history_merge_takes_what_the_checks_one_by_one_take(
        drawn in members(),
        history in proptest::collection::vec(0u8..24, 0..12),
    ) {
        let list: Vec<Member> = drawn.iter().map(|&(e, i, s)| member(e, i, s % 5)).collect();
        let Ok(roster) = Roster::from_members(resource(false), owner(), list, false) else {
            return Ok(());
        };
        let ids: Vec<MemberId> = history.iter().map(|&i| id(i)).collect();
        let one_by_one = roster.clone().with_secret_access_history(ids.clone());
        let ascending = ids.windows(2).all(|w| matches!(w, [a, b] if a < b));
        let fits = roster.history_fits(&ids);
        prop_assert!(!fits || ascending);
        if ascending {
            prop_assert_eq!(fits, one_by_one.is_ok());
        }
        prop_assert_eq!(roster.with_stored_history(ids), one_by_one);
    }
}
