//! The desired-state plan: order, minimality, refusals, and (property
//! tests) that applying it through the roster either reaches exactly the
//! desired state or stops at the first refusal with the roster as the steps
//! before it left it.
#![expect(clippy::unwrap_used, clippy::indexing_slicing, reason = "tests")]

use std::collections::BTreeMap;

use crate::common::{at, email, roster};
use collab_authz::org::plan::{PlanError, Step, StepError};
use collab_authz::{
    Email, InvitationToken, MemberId, MemberStatus as S, ResourceKind, Role as R, Roster, plan,
};
use proptest::prelude::*;

fn ids() -> impl FnMut(&Email) -> (MemberId, InvitationToken) {
    let mut n = 0;
    move |_| {
        n += 1;
        (
            MemberId::new(format!("new-{n}")).unwrap(),
            InvitationToken::new(format!("tok-new-{n}")).unwrap(),
        )
    }
}

/// The non-owner state of a roster: normalized email -> (role, status).
fn state(roster: &Roster) -> BTreeMap<String, (R, S)> {
    roster
        .members()
        .map(|m| (m.email().normalized().to_owned(), (m.role(), m.status())))
        .collect()
}

/// Whether a status is a live membership (what a desired entry asks for).
fn live(status: S) -> bool {
    matches!(status, S::Pending | S::Accepted)
}

/// The state a roster must reach for `desired` (owner entries dropped):
/// every desired email with its role, keeping a live membership's status
/// and pending for everyone invited (anew, or again after a deleted
/// account was revoked).
fn expected_state(roster: &Roster, desired: &[(Email, R)]) -> BTreeMap<String, (R, S)> {
    let current = state(roster);
    desired
        .iter()
        .filter(|(_, r)| *r != R::Owner)
        .map(|(e, r)| {
            let key = e.normalized().to_owned();
            let status = match current.get(&key) {
                Some((_, s)) if live(*s) => *s,
                _ => S::Pending,
            };
            (key, (*r, status))
        })
        .collect()
}

fn app() -> Roster {
    roster(
        ResourceKind::App,
        "app",
        "app",
        "owner@x.io",
        &[
            ("keep@x.io", R::Collaborator, S::Accepted, 0),
            ("down@x.io", R::Collaborator, S::Accepted, 0),
            ("up@x.io", R::LimitedCollaborator, S::Pending, 0),
            (
                "gone@x.io",
                R::LimitedCollaborator,
                S::UserAccountDeleted,
                0,
            ),
            ("lead@x.io", R::Collaborator, S::Accepted, 0),
        ],
    )
}

#[test]
fn plan_is_ordered_and_minimal() {
    let r = app();
    let desired = [
        (email("Keep@x.io"), R::Collaborator),
        (email("down@x.io"), R::LimitedCollaborator),
        (email("up@x.io"), R::Collaborator),
        (email("new@x.io"), R::LimitedCollaborator),
        (email("lead@x.io"), R::LimitedCollaborator),
        (email("owner@x.io"), R::Owner),
    ];
    let p = plan(&r, desired.clone(), &email("lead@x.io")).unwrap();
    assert_eq!(
        p.to_string(),
        "1. revoke gone@x.io (limited collaborator, user account deleted)\n\
         2. change down@x.io from collaborator to limited collaborator\n\
         3. change up@x.io from limited collaborator to collaborator\n\
         4. invite new@x.io as limited collaborator\n\
         5. change lead@x.io from collaborator to limited collaborator\n"
    );
    // Lead lowers their own role last, so every step is allowed.
    let mut applied = r.clone();
    let events = p
        .apply(&mut applied, &email("lead@x.io"), at(1), ids())
        .unwrap();
    assert_eq!(events.len(), 5);
    assert_eq!(state(&applied), expected_state(&r, &desired));
    assert_eq!(
        state(&applied)["new@x.io"],
        (R::LimitedCollaborator, S::Pending)
    );
    assert_eq!(
        state(&applied)["down@x.io"],
        (R::LimitedCollaborator, S::Accepted)
    );
    // Planning again from the result changes nothing.
    let again = plan(&applied, desired, &email("owner@x.io")).unwrap();
    assert!(again.is_empty());
    assert_eq!(again.to_string(), "no changes\n");
}

/// A deleted account's membership never meets the desired state, whether
/// its role is the desired one or not: it is revoked and the address is
/// invited again (revocations first, invitations last, the actor's own
/// steps after everything else). A pending membership with the desired
/// role already meets it.
#[test]
fn deleted_account_is_revoked_and_invited_again() {
    let r = app();
    let owner = email("owner@x.io");
    for role in [R::LimitedCollaborator, R::Collaborator] {
        let desired = [
            (email("keep@x.io"), R::Collaborator),
            (email("down@x.io"), R::Collaborator),
            (email("up@x.io"), R::LimitedCollaborator),
            (email("lead@x.io"), R::Collaborator),
            (email("Gone@x.io"), role),
            (email("new@x.io"), R::Collaborator),
        ];
        let p = plan(&r, desired.clone(), &owner).unwrap();
        assert_eq!(
            p.steps(),
            [
                Step::Revoke {
                    email: email("gone@x.io"),
                    role: R::LimitedCollaborator,
                    custom_role: None,
                    status: S::UserAccountDeleted
                },
                Step::Invite {
                    email: email("gone@x.io"),
                    role
                },
                Step::Invite {
                    email: email("new@x.io"),
                    role: R::Collaborator
                },
            ],
            "desired gone@ as {role}"
        );
        let mut applied = r.clone();
        let events = p.apply(&mut applied, &owner, at(1), ids()).unwrap();
        assert_eq!(events.len(), 3);
        assert_eq!(state(&applied)["gone@x.io"], (role, S::Pending));
        assert_eq!(state(&applied), expected_state(&r, &desired));
        assert!(plan(&applied, desired, &owner).unwrap().is_empty());
    }

    // The deleted account is also the actor (it can apply nothing, but the
    // plan still puts its own steps last, in order).
    let desired = [
        (email("gone@x.io"), R::Collaborator),
        (email("z@x.io"), R::Collaborator),
    ];
    let p = plan(&r, desired, &email("gone@x.io")).unwrap();
    let tail: Vec<String> = p
        .steps()
        .iter()
        .rev()
        .take(2)
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        tail,
        [
            "invite gone@x.io as collaborator",
            "revoke gone@x.io (limited collaborator, user account deleted)"
        ]
    );
}

#[test]
fn refusals() {
    let db = roster(
        ResourceKind::DedicatedDatabase,
        "db",
        "db",
        "owner@x.io",
        &[],
    );
    let owner = email("owner@x.io");
    assert_eq!(
        plan(&db, [(email("a@x.io"), R::LimitedCollaborator)], &owner).unwrap_err(),
        PlanError::RoleNotOnKind {
            email: email("a@x.io"),
            role: R::LimitedCollaborator,
            kind: ResourceKind::DedicatedDatabase
        }
    );
    assert_eq!(
        plan(&db, [(email("a@x.io"), R::Owner)], &owner).unwrap_err(),
        PlanError::OwnerRole {
            email: email("a@x.io")
        }
    );
    assert_eq!(
        plan(&db, [(email("OWNER@x.io"), R::Collaborator)], &owner).unwrap_err(),
        PlanError::TouchesOwner {
            email: email("owner@x.io")
        }
    );
    let err = plan(
        &app(),
        [
            (email("a@x.io"), R::Collaborator),
            (email("A@x.io"), R::LimitedCollaborator),
        ],
        &owner,
    )
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "A@x.io is desired with two roles: collaborator and limited_collaborator"
    );
    // The same pair twice is one.
    let p = plan(
        &db,
        [
            (email("a@x.io"), R::Collaborator),
            (email("A@x.io"), R::Collaborator),
        ],
        &owner,
    )
    .unwrap();
    assert_eq!(p.steps().len(), 1);
    // The owner omitted from the desired set is not revoked.
    let p = plan(&app(), [], &owner).unwrap();
    assert_eq!(p.steps().len(), 5);
    assert!(
        p.steps()
            .iter()
            .all(|s| matches!(s, Step::Revoke { .. }) && s.email() != &owner)
    );
}

#[test]
fn apply_refuses_another_roster_and_unpermitted_actors() {
    let r = app();
    let p = plan(&r, [], &email("owner@x.io")).unwrap();
    let mut other = roster(ResourceKind::App, "other", "other", "owner@x.io", &[]);
    let before = other.clone();
    let err = p
        .apply(&mut other, &email("owner@x.io"), at(1), ids())
        .unwrap_err();
    assert!(matches!(err.error(), StepError::WrongResource { .. }));
    assert_eq!(other, before);

    // A pending member may do nothing: refused at the first step, unchanged.
    let mut same = r.clone();
    let err = p
        .apply(&mut same, &email("up@x.io"), at(1), ids())
        .unwrap_err();
    assert_eq!(err.step(), 0);
    assert!(err.applied().is_empty());
    assert!(matches!(err.error(), StepError::Revoke(_)));
    assert_eq!(same, r);
}

#[test]
fn stops_mid_plan_when_the_actor_loses_the_right() {
    let r = app();
    let desired = [
        (email("keep@x.io"), R::Collaborator),
        (email("down@x.io"), R::LimitedCollaborator),
        (email("up@x.io"), R::Collaborator),
        (email("lead@x.io"), R::Collaborator),
    ];
    // Planned for the owner, applied by down@x.io, who loses the right to
    // manage at step 1 (revoke gone, lower down, raise up).
    let p = plan(&r, desired, &email("owner@x.io")).unwrap();
    assert_eq!(p.steps().len(), 3);
    let mut applied = r.clone();
    let err = p
        .apply(&mut applied, &email("down@x.io"), at(1), ids())
        .unwrap_err();
    assert_eq!(err.step(), 2);
    assert_eq!(err.applied().len(), 2);
    assert!(matches!(err.error(), StepError::ChangeRole(_)));
    // Steps 0 and 1 applied, step 2 not.
    let mut want = state(&r);
    want.remove("gone@x.io");
    want.insert("down@x.io".into(), (R::LimitedCollaborator, S::Accepted));
    assert_eq!(state(&applied), want);
}

// ---------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------

const POOL: [&str; 7] = [
    "owner@x.io",
    "a@x.io",
    "B@x.io",
    "c@x.io",
    "d@x.io",
    "e@x.io",
    "f@x.io",
];
const STATUSES: [S; 3] = [S::Pending, S::Accepted, S::UserAccountDeleted];

fn role_for(kind: ResourceKind, limited: bool) -> R {
    if limited && kind == ResourceKind::App {
        R::LimitedCollaborator
    } else {
        R::Collaborator
    }
}

/// A random roster (owner `owner@x.io`), a random actor from the pool and a
/// random desired set whose roles exist on the kind.
fn any_case() -> impl Strategy<Value = (Roster, Email, Vec<(Email, R)>)> {
    (
        any::<bool>(),
        prop::collection::btree_map(1..POOL.len(), (any::<bool>(), 0..STATUSES.len()), 0..6),
        0..POOL.len(),
        prop::collection::vec((1..POOL.len(), any::<bool>(), any::<bool>()), 0..8),
        any::<bool>(),
    )
        .prop_map(|(is_app, members, actor, desired, with_owner)| {
            let kind = if is_app {
                ResourceKind::App
            } else {
                ResourceKind::DedicatedDatabase
            };
            let specs: Vec<_> = members
                .into_iter()
                .map(|(p, (limited, s))| (POOL[p], role_for(kind, limited), STATUSES[s], 0))
                .collect();
            let r = roster(kind, "res", "res", POOL[0], &specs);
            // Unique emails (random case), so no conflicting pair.
            let mut seen = BTreeMap::new();
            for (p, limited, upper) in desired {
                let address = if upper {
                    POOL[p].to_uppercase()
                } else {
                    POOL[p].to_owned()
                };
                seen.entry(p)
                    .or_insert((email(&address), role_for(kind, limited)));
            }
            let mut desired: Vec<_> = seen.into_values().collect();
            if with_owner {
                desired.push((email(POOL[0]), R::Owner));
            }
            (r, email(POOL[actor]), desired)
        })
}

/// What a step does, without its details: the reference model's alphabet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Op {
    Revoke,
    Change,
    Invite,
}

/// The reference plan, per normalized email: the steps a naive reading of
/// "desired = this role with a live membership" needs.
fn reference_ops(roster: &Roster, desired: &[(Email, R)]) -> Vec<(String, Op)> {
    let current = state(roster);
    let wanted: BTreeMap<String, R> = desired
        .iter()
        .filter(|(_, r)| *r != R::Owner)
        .map(|(e, r)| (e.normalized().to_owned(), *r))
        .collect();
    let mut ops = Vec::new();
    for key in current.keys().chain(wanted.keys()) {
        match (current.get(key), wanted.get(key)) {
            (Some(_), None) => ops.push((key.clone(), Op::Revoke)),
            (None, Some(_)) => ops.push((key.clone(), Op::Invite)),
            (Some((_, s)), Some(_)) if !live(*s) => {
                ops.push((key.clone(), Op::Revoke));
                ops.push((key.clone(), Op::Invite));
            }
            (Some((have, _)), Some(want)) if have != want => ops.push((key.clone(), Op::Change)),
            _ => {}
        }
    }
    ops.sort();
    ops.dedup();
    ops
}

fn op(step: &Step) -> Op {
    match step {
        Step::Revoke { .. } => Op::Revoke,
        Step::ChangeRole { .. } => Op::Change,
        Step::Invite { .. } => Op::Invite,
    }
}

proptest! {
    /// Exactly the reference model's steps: one role change per live
    /// member whose role differs, a revocation per member not desired, an
    /// invitation per desired email the roster lacks, a revocation and an
    /// invitation per desired deleted account, none for the others, and
    /// never the owner. Revocations come before role changes, role changes
    /// before invitations, except for the actor's own steps, which are last.
    #[test]
    fn plan_is_minimal_and_spares_the_owner((r, actor, desired) in any_case()) {
        let p = plan(&r, desired.clone(), &actor).unwrap();
        let mut stepped: Vec<(String, Op)> = p
            .steps()
            .iter()
            .map(|s| (s.email().normalized().to_owned(), op(s)))
            .collect();
        stepped.sort();
        prop_assert_eq!(stepped, reference_ops(&r, &desired));
        prop_assert!(p.steps().iter().all(|s| s.email() != r.owner().email()));
        let others: Vec<Op> = p.steps().iter().filter(|s| s.email() != &actor).map(op).collect();
        prop_assert!(others.is_sorted());
        let own_from = p.steps().iter().position(|s| s.email() == &actor).unwrap_or(p.steps().len());
        prop_assert!(p.steps()[own_from..].iter().all(|s| s.email() == &actor));
    }

    /// Applied by the owner, the plan always reaches exactly the desired
    /// state, with one event per step.
    #[test]
    fn owner_reaches_the_desired_state((r, _actor, desired) in any_case()) {
        let owner = r.owner().email().clone();
        let p = plan(&r, desired.clone(), &owner).unwrap();
        let mut applied = r.clone();
        let events = p.apply(&mut applied, &owner, at(1), ids()).unwrap();
        prop_assert_eq!(events.len(), p.steps().len());
        prop_assert_eq!(state(&applied), expected_state(&r, &desired));
        prop_assert_eq!(applied.owner(), r.owner());
    }

    /// Applied by any account: either exactly the desired state, or a stop
    /// at the first refused step with the roster equal to the original with
    /// only the steps before it applied.
    #[test]
    fn any_actor_reaches_the_state_or_stops_cleanly((r, actor, desired) in any_case()) {
        // Planned for the actor, and planned for the owner but applied by
        // the actor (which can lose its rights mid-plan).
        for planner in [actor.clone(), r.owner().email().clone()] {
        let p = plan(&r, desired.clone(), &planner).unwrap();
        let mut applied = r.clone();
        match p.apply(&mut applied, &actor, at(1), ids()) {
            Ok(events) => {
                prop_assert_eq!(events.len(), p.steps().len());
                prop_assert_eq!(state(&applied), expected_state(&r, &desired));
            }
            Err(err) => {
                let k = err.step();
                prop_assert_eq!(err.applied().len(), k);
                // Reference: a plan of only the first k steps, applied alone.
                let mut reference = r.clone();
                let mut id_gen = ids();
                for step in &p.steps()[..k] {
                    match step {
                        Step::Revoke { email, .. } => { reference.revoke(&actor, email, at(1)).unwrap(); }
                        Step::ChangeRole { email, to, .. } => { reference.change_role(&actor, email, *to, at(1)).unwrap(); }
                        Step::Invite { email, role } => {
                            let (id, token) = id_gen(email);
                            let inv = collab_authz::Invitation::new(id, email.clone(), token).with_role(*role);
                            reference.invite(&actor, inv, at(1)).unwrap();
                        }
                    }
                }
                prop_assert_eq!(&applied, &reference);
                prop_assert_eq!(applied.owner(), r.owner());
            }
        }
            }
    }

    /// A desired role the kind lacks is refused before anything is planned.
    #[test]
    fn role_not_on_kind_is_refused((r, actor, mut desired) in any_case(), p in 1..POOL.len()) {
        desired.retain(|(e, _)| e.normalized() != POOL[p].to_lowercase());
        desired.push((email(POOL[p]), R::LimitedCollaborator));
        let result = plan(&r, desired, &actor);
        if r.kind() == ResourceKind::DedicatedDatabase {
            let refused = matches!(result, Err(PlanError::RoleNotOnKind { .. }));
            prop_assert!(refused);
        } else {
            prop_assert!(result.is_ok());
        }
    }
}
