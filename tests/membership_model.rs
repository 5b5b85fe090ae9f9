//! Model-based property test of the membership lifecycle.
//!
//! Random sequences of operations by random actors (the owner, accepted
//! collaborators and limited collaborators, pending invitees, strangers,
//! the member themself) are applied both to [`Roster`] and to a plain
//! reference model written here from the spec's table. After every step:
//! both agree on the outcome and the state; exactly one owner; no
//! escalation; a refused operation changed nothing; the events so far
//! replay to the same roster.
//!
//! 2,000 cases by default; set `PROPTEST_CASES` for more.
#![expect(clippy::unwrap_used, reason = "tests")]

use collab_authz::{
    Account, Action, Email, Event, Invitation, InvitationToken, MemberId, MemberStatus, Resource,
    ResourceId, ResourceKind, Role, Roster, Timestamp, TransferRequest, Username,
};
use proptest::prelude::*;

const ACCOUNTS: usize = 6;

fn account_email(i: usize, upper: bool) -> Email {
    let s = format!("user{i}@example.com");
    if upper { s.to_uppercase() } else { s }.parse().unwrap()
}

// ---------------------------------------------------------------------------
// The reference model: the spec's table, written plainly.
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
struct ModelMember {
    account: usize,
    id: String,
    role: Role,
    status: MemberStatus,
    username: Option<String>,
    token: String,
    expires: Option<u64>,
}

#[derive(Debug, Clone)]
struct Model {
    kind: ResourceKind,
    owner: usize,
    owner_id: String,
    owner_username: Option<String>,
    members: Vec<ModelMember>,
}

impl Model {
    fn member(&self, account: usize) -> Option<&ModelMember> {
        self.members.iter().find(|m| m.account == account)
    }

    /// The role whose rights `account` holds: the owner, or an accepted
    /// member.
    fn active_role(&self, account: usize) -> Option<Role> {
        if account == self.owner {
            return Some(Role::Owner);
        }
        self.member(account)
            .filter(|m| m.status == MemberStatus::Accepted)
            .map(|m| m.role)
    }

    /// "May manage": owner and collaborator, never limited; on a dedicated
    /// database nobody changes roles (the action does not apply there).
    fn may_manage(&self, account: usize, changing_roles: bool) -> bool {
        if changing_roles && self.kind == ResourceKind::DedicatedDatabase {
            return false;
        }
        matches!(
            self.active_role(account),
            Some(Role::Owner | Role::Collaborator)
        )
    }

    fn has_role(&self, role: Role) -> bool {
        !(self.kind == ResourceKind::DedicatedDatabase && role == Role::LimitedCollaborator)
    }

    fn id_taken(&self, id: &str) -> bool {
        self.owner_id == id || self.members.iter().any(|m| m.id == id)
    }

    fn is_accepted_collaborator(&self, account: usize) -> bool {
        self.member(account)
            .is_some_and(|m| m.status == MemberStatus::Accepted && m.role == Role::Collaborator)
    }
}

// ---------------------------------------------------------------------------
// Operations.
// ---------------------------------------------------------------------------

/// An actor: one of the accounts, or (for `ACCOUNTS..`) the current owner.
type Who = usize;

#[derive(Debug, Clone)]
enum Op {
    Invite {
        actor: Who,
        target: usize,
        upper: bool,
        role: Option<Role>,
        id: u8,
        expiry: Option<u8>,
    },
    Accept {
        actor: Who,
        to_pending: bool,
        good_token: bool,
        name: u8,
    },
    ChangeRole {
        actor: Who,
        target: usize,
        role: Role,
    },
    Revoke {
        actor: Who,
        target: usize,
    },
    Leave {
        actor: Who,
    },
    RequestTransfer {
        actor: Who,
        target: usize,
        to_collaborator: bool,
    },
    AcceptTransfer {
        actor: Who,
        to_target: bool,
        request: usize,
    },
    CancelTransfer {
        actor: Who,
        request: usize,
    },
    Wait {
        seconds: u8,
    },
    /// The owner asks an accepted collaborator, who accepts at once.
    Transfer {
        target: usize,
    },
}

fn role() -> impl Strategy<Value = Role> {
    prop_oneof![
        2 => Just(Role::LimitedCollaborator),
        3 => Just(Role::Collaborator),
        1 => Just(Role::Owner),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let who = 0..ACCOUNTS + 4;
    let account = 0..ACCOUNTS;
    prop_oneof![
        4 => (who.clone(), account.clone(), any::<bool>(), proptest::option::of(role()), 0u8..12, proptest::option::of(any::<u8>()))
            .prop_map(|(actor, target, upper, role, id, expiry)| Op::Invite { actor, target, upper, role, id, expiry }),
        4 => (who.clone(), prop::bool::weighted(0.8), prop::bool::weighted(0.8), 0u8..4)
            .prop_map(|(actor, to_pending, good_token, name)| Op::Accept { actor, to_pending, good_token, name }),
        3 => (who.clone(), account.clone(), role()).prop_map(|(actor, target, role)| Op::ChangeRole { actor, target, role }),
        2 => (who.clone(), account.clone()).prop_map(|(actor, target)| Op::Revoke { actor, target }),
        1 => who.clone().prop_map(|actor| Op::Leave { actor }),
        3 => (who.clone(), account.clone(), any::<bool>())
            .prop_map(|(actor, target, to_collaborator)| Op::RequestTransfer { actor, target, to_collaborator }),
        3 => (who.clone(), prop::bool::weighted(0.7), prop_oneof![3 => Just(0usize), 1 => 0usize..4])
            .prop_map(|(actor, to_target, request)| Op::AcceptTransfer { actor, to_target, request }),
        1 => (who, 0usize..4).prop_map(|(actor, request)| Op::CancelTransfer { actor, request }),
        1 => any::<u8>().prop_map(|seconds| Op::Wait { seconds }),
        1 => (0..ACCOUNTS).prop_map(|target| Op::Transfer { target }),
    ]
}

fn kind() -> impl Strategy<Value = ResourceKind> {
    prop_oneof![
        Just(ResourceKind::App),
        Just(ResourceKind::DedicatedDatabase)
    ]
}

// ---------------------------------------------------------------------------
// The harness.
// ---------------------------------------------------------------------------

struct Harness {
    model: Model,
    roster: Roster,
    events: Vec<Event>,
    /// Transfer requests made and not cancelled: (roster's request, model's
    /// from, model's to).
    requests: Vec<(TransferRequest, usize, usize)>,
    now: u64,
}

impl Harness {
    fn new(kind: ResourceKind) -> Self {
        let resource = Resource::new(kind, ResourceId::new("res").unwrap(), "res").unwrap();
        let owner = Account {
            id: MemberId::new("owner-id").unwrap(),
            email: account_email(0, false),
            username: Some(Username::new("user0").unwrap()),
        };
        let (roster, created) = Roster::create(resource, owner, Timestamp::from_unix_seconds(0));
        Harness {
            model: Model {
                kind,
                owner: 0,
                owner_id: "owner-id".into(),
                owner_username: Some("user0".into()),
                members: Vec::new(),
            },
            roster,
            events: vec![created],
            requests: Vec::new(),
            now: 1,
        }
    }

    fn who(&self, who: Who) -> usize {
        if who >= ACCOUNTS {
            self.model.owner
        } else {
            who
        }
    }

    /// Applies `op` to both; returns whether they agreed it succeeded.
    fn step(&mut self, op: &Op) -> Result<(), TestCaseError> {
        if let Op::Transfer { target } = *op {
            self.step(&Op::RequestTransfer {
                actor: ACCOUNTS,
                target,
                to_collaborator: true,
            })?;
            return self.step(&Op::AcceptTransfer {
                actor: 0,
                to_target: true,
                request: 0,
            });
        }
        self.now += 1;
        let now = Timestamp::from_unix_seconds(self.now);
        let before = self.roster.clone();
        let model_before = self.model.clone();
        let (outcome, model_ok): (Result<Vec<Event>, String>, bool) = match *op {
            Op::Invite {
                actor,
                target,
                upper,
                role,
                id,
                expiry,
            } => {
                let actor = self.who(actor);
                let id = format!("id-{id}");
                let token = format!("tok-{target}-{}", self.now);
                let expires = expiry.map(|e| self.now + u64::from(e));
                let m = &self.model;
                let granted = role.unwrap_or(m.kind.default_invitation_role());
                let ok = m.may_manage(actor, false)
                    && granted != Role::Owner
                    && m.has_role(granted)
                    && target != m.owner
                    && m.member(target).is_none()
                    && !m.id_taken(&id);
                let mut invitation = Invitation::new(
                    MemberId::new(id.clone()).unwrap(),
                    account_email(target, upper),
                    InvitationToken::new(token.clone()).unwrap(),
                );
                invitation.role = role;
                invitation.expires_at = expires.map(Timestamp::from_unix_seconds);
                let outcome = self
                    .roster
                    .invite(&account_email(actor, false), invitation, now)
                    .map(|e| vec![e])
                    .map_err(|e| e.to_string());
                if ok {
                    // No escalation: the inviter holds at least the role given.
                    let actor_role = self.model.active_role(actor).unwrap();
                    prop_assert!(granted < Role::Owner && granted <= actor_role);
                    self.model.members.push(ModelMember {
                        account: target,
                        id,
                        role: granted,
                        status: MemberStatus::Pending,
                        username: None,
                        token,
                        expires,
                    });
                }
                (outcome, ok)
            }
            Op::Accept {
                actor,
                to_pending,
                good_token,
                name,
            } => {
                let pending: Vec<usize> = self
                    .model
                    .members
                    .iter()
                    .filter(|m| m.status == MemberStatus::Pending)
                    .map(|m| m.account)
                    .collect();
                let actor = match (to_pending, pending.get(actor % pending.len().max(1))) {
                    (true, Some(&p)) => p,
                    _ => self.who(actor),
                };
                let member = self.model.member(actor).cloned();
                let token = match (&member, good_token) {
                    (Some(m), true) => m.token.clone(),
                    _ => "not-the-token".to_owned(),
                };
                let username = format!("name{name}");
                let ok = actor != self.model.owner
                    && member.as_ref().is_some_and(|m| {
                        m.status == MemberStatus::Pending
                            && m.token == token
                            && m.expires.is_none_or(|e| self.now < e)
                    });
                let outcome = self
                    .roster
                    .accept(
                        &account_email(actor, true),
                        &InvitationToken::new(token).unwrap(),
                        Username::new(username.clone()).unwrap(),
                        now,
                    )
                    .map(|e| vec![e])
                    .map_err(|e| e.to_string());
                if ok {
                    let m = self
                        .model
                        .members
                        .iter_mut()
                        .find(|m| m.account == actor)
                        .unwrap();
                    m.status = MemberStatus::Accepted;
                    m.username = Some(username);
                }
                (outcome, ok)
            }
            Op::ChangeRole {
                actor,
                target,
                role,
            } => {
                let actor = self.who(actor);
                let m = &self.model;
                let ok = m.may_manage(actor, true)
                    && target != m.owner
                    && m.member(target).is_some_and(|t| t.role != role)
                    && role != Role::Owner
                    && m.has_role(role);
                let outcome = self
                    .roster
                    .change_role(
                        &account_email(actor, false),
                        &account_email(target, true),
                        role,
                        now,
                    )
                    .map(|e| vec![e])
                    .map_err(|e| e.to_string());
                if ok {
                    let actor_role = self.model.active_role(actor).unwrap();
                    prop_assert!(role < Role::Owner && role <= actor_role, "escalation");
                    self.model
                        .members
                        .iter_mut()
                        .find(|m| m.account == target)
                        .unwrap()
                        .role = role;
                }
                (outcome, ok)
            }
            Op::Revoke { actor, target } => {
                let actor = self.who(actor);
                let m = &self.model;
                let ok =
                    m.may_manage(actor, false) && target != m.owner && m.member(target).is_some();
                let outcome = self
                    .roster
                    .revoke(
                        &account_email(actor, false),
                        &account_email(target, false),
                        now,
                    )
                    .map(|e| vec![e])
                    .map_err(|e| e.to_string());
                if ok {
                    self.model.members.retain(|m| m.account != target);
                }
                (outcome, ok)
            }
            Op::Leave { actor } => {
                let actor = self.who(actor);
                let ok = actor != self.model.owner && self.model.member(actor).is_some();
                let outcome = self
                    .roster
                    .leave(&account_email(actor, true), now)
                    .map(|e| vec![e])
                    .map_err(|e| e.to_string());
                if ok {
                    self.model.members.retain(|m| m.account != actor);
                }
                (outcome, ok)
            }
            Op::RequestTransfer {
                actor,
                target,
                to_collaborator,
            } => {
                let actor = self.who(actor);
                let collaborators: Vec<usize> = (0..ACCOUNTS)
                    .filter(|&a| self.model.is_accepted_collaborator(a))
                    .collect();
                let target = match (
                    to_collaborator,
                    collaborators.get(target % collaborators.len().max(1)),
                ) {
                    (true, Some(&c)) => c,
                    _ => target,
                };
                let ok = actor == self.model.owner && self.model.is_accepted_collaborator(target);
                let outcome = self.roster.request_transfer(
                    &account_email(actor, false),
                    &account_email(target, false),
                    now,
                );
                prop_assert_eq!(outcome.is_ok(), ok, "request_transfer {:?}", outcome);
                if let Ok(request) = outcome {
                    self.requests.push((request, actor, target));
                }
                (Ok(Vec::new()), true)
            }
            Op::AcceptTransfer {
                actor,
                to_target,
                request,
            } => {
                // Mostly the latest request, sometimes a stale one.
                let Some((req, from, to)) = self
                    .requests
                    .iter()
                    .rev()
                    .nth(request % self.requests.len().max(1))
                    .cloned()
                else {
                    return Ok(());
                };
                let actor = if to_target { to } else { self.who(actor) };
                let ok = from == self.model.owner
                    && actor == to
                    && self.model.is_accepted_collaborator(to);
                let outcome = self
                    .roster
                    .accept_transfer(&account_email(actor, false), &req, now)
                    .map(Vec::from)
                    .map_err(|e| e.to_string());
                if ok {
                    let old_owner = self.model.owner;
                    let target = self
                        .model
                        .members
                        .iter()
                        .position(|m| m.account == to)
                        .unwrap();
                    let new_owner = self.model.members.remove(target);
                    self.model.members.push(ModelMember {
                        account: old_owner,
                        id: std::mem::replace(&mut self.model.owner_id, new_owner.id),
                        role: Role::Collaborator,
                        status: MemberStatus::Accepted,
                        username: std::mem::replace(
                            &mut self.model.owner_username,
                            new_owner.username.clone(),
                        ),
                        token: "no-token".to_owned(),
                        expires: None,
                    });
                    self.model.owner = to;
                }
                (outcome, ok)
            }
            Op::CancelTransfer { actor, request } => {
                let index = request % self.requests.len().max(1);
                let Some((req, from, to)) = self.requests.get(index).cloned() else {
                    return Ok(());
                };
                let actor = self.who(actor);
                let ok = actor == from || actor == to;
                let outcome = self
                    .roster
                    .cancel_transfer(&account_email(actor, false), req);
                prop_assert_eq!(outcome.is_ok(), ok);
                if ok {
                    self.requests.remove(index);
                }
                (Ok(Vec::new()), true)
            }
            Op::Transfer { .. } => return Ok(()),
            Op::Wait { seconds } => {
                self.now += u64::from(seconds);
                (Ok(Vec::new()), true)
            }
        };

        match outcome {
            Ok(events) => {
                prop_assert!(model_ok, "roster accepted what the model refuses: {:?}", op);
                self.events.extend(events);
            }
            Err(reason) => {
                prop_assert!(
                    !model_ok,
                    "roster refused what the model accepts: {:?}: {}",
                    op,
                    reason
                );
                prop_assert_eq!(
                    &self.roster,
                    &before,
                    "a refused operation changed the roster"
                );
                self.model = model_before;
            }
        }
        self.check()
    }

    fn check(&self) -> Result<(), TestCaseError> {
        let r = &self.roster;
        let m = &self.model;
        // Exactly one owner.
        prop_assert_eq!(r.iter().filter(|x| x.role() == Role::Owner).count(), 1);
        prop_assert_eq!(
            r.iter()
                .filter(|x| x.status() == MemberStatus::Owner)
                .count(),
            1
        );
        prop_assert_eq!(r.owner().email(), &account_email(m.owner, false));
        prop_assert_eq!(r.owner().id().as_str(), m.owner_id.as_str());
        prop_assert_eq!(
            r.owner().username().map(Username::as_str),
            m.owner_username.as_deref()
        );
        // The same members, with the same state; every role exists here.
        prop_assert_eq!(r.members().len(), m.members.len());
        for mm in &m.members {
            let x = r.get(&account_email(mm.account, true)).unwrap();
            prop_assert_eq!(x.role(), mm.role);
            prop_assert_eq!(x.status(), mm.status);
            prop_assert_eq!(x.id().as_str(), mm.id.as_str());
            prop_assert_eq!(x.username().map(Username::as_str), mm.username.as_deref());
            prop_assert!(r.kind().has_role(x.role()));
            prop_assert_eq!(r.get_by_id(x.id()), Some(x));
            // A pending invitation grants nothing.
            prop_assert_eq!(
                x.effective_role().is_some(),
                mm.status == MemberStatus::Accepted
            );
        }
        // Rights, asked of the roster, match the model for every account:
        // only the owner may delete, rename or transfer; only the owner
        // and accepted collaborators manage collaborators.
        for account in 0..ACCOUNTS {
            let who = account_email(account, account % 2 == 0);
            let owner = account == m.owner;
            for action in [Action::Delete, Action::Rename, Action::TransferOwnership] {
                prop_assert_eq!(r.may(&who, action).is_ok(), owner);
            }
            prop_assert_eq!(
                r.may(&who, Action::InviteCollaborator).is_ok(),
                m.may_manage(account, false)
            );
            prop_assert_eq!(
                r.may(&who, Action::RevokeCollaborator).is_ok(),
                m.may_manage(account, false)
            );
            prop_assert_eq!(
                r.may(&who, Action::ChangeCollaboratorRole).is_ok(),
                m.may_manage(account, true)
            );
        }
        // The events replay to the same roster.
        prop_assert_eq!(&Roster::replay(&self.events).unwrap(), r);
        Ok(())
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn roster_agrees_with_the_model(kind in kind(), ops in prop::collection::vec(op(), 1..40)) {
        let mut h = Harness::new(kind);
        for op in &ops {
            h.step(op)?;
        }
    }
}

/// The generator does reach the interesting states: a sanity check that
/// the property above is not vacuous.
#[test]
fn the_generator_reaches_transfers_and_acceptances() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut transfers, mut accepts, mut limited_refusals) = (0, 0, 0);
    for _ in 0..300 {
        let ops = prop::collection::vec(op(), 1..40)
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let mut h = Harness::new(ResourceKind::App);
        for op in &ops {
            let owner = h.model.owner;
            let events = h.events.len();
            let limited_actor = match op {
                Op::ChangeRole { actor, .. } => {
                    h.model.active_role(h.who(*actor)) == Some(Role::LimitedCollaborator)
                }
                _ => false,
            };
            h.step(op).unwrap();
            transfers += usize::from(h.model.owner != owner);
            accepts += usize::from(matches!(op, Op::Accept { .. }) && h.events.len() > events);
            limited_refusals += usize::from(limited_actor);
        }
    }
    println!("{transfers} transfers, {accepts} acceptances, {limited_refusals} limited actors");
    assert!(transfers > 5, "only {transfers} transfers");
    assert!(accepts > 50, "only {accepts} acceptances");
    assert!(
        limited_refusals > 5,
        "only {limited_refusals} limited actors"
    );
}
