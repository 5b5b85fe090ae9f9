//! Model-based property test of the membership lifecycle.
//!
//! Random sequences of operations by random actors (the owner, accepted
//! collaborators and limited collaborators, pending invitees, strangers,
//! the member themself) are applied both to [`Roster`] and to a plain
//! reference model written here from the spec's table. The model tracks
//! the pending ownership transfer and who held access to data or secrets;
//! the generator requests, cancels and accepts transfers, and presents
//! stale (earlier) and forged (deserialized) requests. After every step:
//! both agree on the outcome, the state and every event's advisory;
//! exactly one owner; no escalation; a refused operation changed nothing;
//! every accepted operation emitted exactly one event (two for a
//! completed transfer); the events so far replay to the same roster, and
//! a snapshot taken halfway resumes with the rest to it (a gap and an
//! overlap are refused).
//!
//! Every operation is also decided on the roster before it runs
//! (`decide_*`, pure): the decision equals the mutating operation's result
//! (the same events, or the same refusal), and applying the decided events
//! one at a time ([`Roster::apply`]) reaches the same roster. Renames and
//! deletions are generated too: after a deletion every operation is
//! refused. Targets are addressed by email or by member id, and some
//! acceptances carry no username.
//!
//! Custom roles are drawn too (a palette of both kinds, some holding the
//! collaborator-management actions): invitations with a custom role and
//! role changes to and from one, by actors who may themselves hold one.
//! The model checks rights by the member's permission set (the custom
//! role's, or the built-in role's row) and refuses every grant of an
//! action the actor does not hold.
//!
//! Every operation is also asked as a [`Command`] of the roster before it
//! runs (`decide_command`): the same events as the operation's decision,
//! or the same refusal (message and all), or, for a repeat of a state
//! that holds (the role held, the name held, the pending transfer's own
//! target), no event where the operation refuses; `execute` equals
//! deciding then applying, and a no-op or a refusal leaves the roster as
//! it was. A removal of one's own membership is decided as a leave.
//!
//! After every step, `Roster::decide` is asked for every account and
//! every action: a stranger, a deleted resource, a pending invitation and
//! a deleted account are denied with their reason; a member who holds a
//! custom role gets exactly its set, never what only its base role holds;
//! everyone else gets exactly the free `decide` of their role.
//!
//! 2,000 cases by default; set `PROPTEST_CASES` for more.
#![expect(clippy::unwrap_used, reason = "tests")]

use crate::common::cases;
use collab_authz::matrix::Limit;
use collab_authz::membership::{
    Advisory, AnyRole, ApplyEventError, ChangeRoleError, Command, MemberKey, MemberRef, Outcome,
    RenameError, TransferError, TransferRequest,
};
use collab_authz::{
    Account, Action, Category, CustomRole, Email, Event, Invitation, InvitationToken, MemberId,
    MemberStatus, NotPermitted, Permissions, Resource, ResourceId, ResourceKind, Role, Roster,
    Timestamp, Username, custom_role, grants,
};
use collab_authz::{Context, Decision, DenialReason, ReviewAppSettings, ReviewAppTrigger, decide};
use core::time::Duration;
use proptest::prelude::*;

const ACCOUNTS: usize = 6;

/// The custom roles drawn: four on apps, two on dedicated databases (an
/// operation on a roster of the other kind is refused).
static PALETTE: [CustomRole; 6] = [
    custom_role!(
        "deployer",
        ResourceKind::App,
        Permissions::DEPLOY_ANY_BRANCH
            .union(Permissions::VIEW_DEPLOYMENTS)
            .union(Permissions::VIEW_DEPLOYMENT_LOGS),
    ),
    // Manages collaborators, holds little else: most of its grants are
    // escalations.
    custom_role!(
        "recruiter",
        ResourceKind::App,
        Permissions::INVITE_COLLABORATOR
            .union(Permissions::REVOKE_COLLABORATOR)
            .union(Permissions::CHANGE_COLLABORATOR_ROLE)
            .union(Permissions::VIEW_DEPLOYMENTS),
    ),
    custom_role!(
        "auditor",
        ResourceKind::App,
        Permissions::VIEW_ENV_VAR_VALUES.union(Permissions::VIEW_LOGS),
    ),
    custom_role!("viewer", ResourceKind::App, Permissions::VIEW_DEPLOYMENTS),
    custom_role!(
        "backups",
        ResourceKind::DedicatedDatabase,
        Permissions::CREATE_MANUAL_BACKUP,
    ),
    custom_role!(
        "db_recruiter",
        ResourceKind::DedicatedDatabase,
        Permissions::INVITE_COLLABORATOR
            .union(Permissions::REVOKE_COLLABORATOR)
            .union(Permissions::CREATE_MANUAL_BACKUP),
    ),
];

/// The palette's custom role `which`.
fn palette(which: usize) -> &'static CustomRole {
    PALETTE.get(which % PALETTE.len()).unwrap()
}

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
    /// The custom role held (an index into [`PALETTE`]); `role` is then
    /// its base.
    custom: Option<usize>,
    status: MemberStatus,
    username: Option<String>,
    token: String,
    expires: Option<u64>,
    /// Held, while accepted, a role that could read data or secrets.
    held_secrets: bool,
}

/// A pending transfer: (from, to, requested at).
type Pending = (usize, usize, u64);

#[derive(Debug, Clone)]
struct Model {
    kind: ResourceKind,
    owner: usize,
    owner_id: String,
    owner_username: Option<String>,
    members: Vec<ModelMember>,
    pending: Option<Pending>,
    /// The resource's current name.
    name: String,
    /// Whether the owner deleted the resource.
    deleted: bool,
}

/// The `data_and_secrets` actions `role` holds on `kind`, from the matrix.
fn secrets(kind: ResourceKind, role: Role) -> collab_authz::Permissions {
    grants(role, kind)
        .any()
        .intersection(Category::DataAndSecrets.actions())
}

/// The `data_and_secrets` actions of a built-in role or a custom role.
fn held_secrets(kind: ResourceKind, role: Role, custom: Option<usize>) -> Permissions {
    match custom {
        Some(c) => palette(c)
            .permissions()
            .intersection(Category::DataAndSecrets.actions()),
        None => secrets(kind, role),
    }
}

/// The advisory a demotion of an accepted member calls for.
fn demotion(kind: ResourceKind, from: Role, to: Role) -> Option<Advisory> {
    demotion_custom(kind, (from, None), (to, None))
}

/// [`demotion`] between built-in or custom roles.
fn demotion_custom(
    kind: ResourceKind,
    from: (Role, Option<usize>),
    to: (Role, Option<usize>),
) -> Option<Advisory> {
    (!held_secrets(kind, from.0, from.1)
        .difference(held_secrets(kind, to.0, to.1))
        .is_empty())
    .then_some(Advisory::RotateSecrets)
}

impl Model {
    fn member_mut(&mut self, account: usize) -> &mut ModelMember {
        self.members
            .iter_mut()
            .find(|m| m.account == account)
            .unwrap()
    }

    /// Drops the pending transfer if it can no longer be completed.
    fn drop_stale(&mut self) {
        if let Some((from, to, _)) = self.pending {
            if from != self.owner || !self.is_accepted_collaborator(to) {
                self.pending = None;
            }
        }
    }

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

    /// The custom role `account` holds with its rights (accepted), if any.
    fn active_custom(&self, account: usize) -> Option<&'static CustomRole> {
        self.member(account)
            .filter(|m| m.status == MemberStatus::Accepted)
            .and_then(|m| m.custom)
            .map(palette)
    }

    /// Whether `account` may perform the management `action`: the custom
    /// role's set for a member who holds one, the spec's table otherwise.
    fn may_act(&self, account: usize, action: Action) -> bool {
        match self.active_custom(account) {
            Some(custom) => custom.allows(action),
            None => self.may_manage(account, action == Action::ChangeCollaboratorRole),
        }
    }

    /// Whether `actor` (who may manage) may hand out `granted` (a built-in
    /// role, or a custom role of the palette): a custom role of this
    /// kind only; nothing the actor does not hold. A built-in manager
    /// (owner, collaborator) holds every action of every non-owner role.
    fn may_grant(&self, actor: usize, role: Role, custom: Option<usize>) -> bool {
        let granted = match custom {
            Some(c) if palette(c).kind() != self.kind => return false,
            Some(c) => palette(c).permissions(),
            None => grants(role, self.kind).any(),
        };
        match self.active_custom(actor) {
            Some(held) => held.permissions().contains(granted),
            None => {
                custom.is_none()
                    || grants(self.active_role(actor).unwrap(), self.kind)
                        .allowed()
                        .contains(granted)
            }
        }
    }

    fn has_role(&self, role: Role) -> bool {
        !(self.kind == ResourceKind::DedicatedDatabase && role == Role::LimitedCollaborator)
    }

    fn id_taken(&self, id: &str) -> bool {
        self.owner_id == id || self.members.iter().any(|m| m.id == id)
    }

    fn is_accepted_collaborator(&self, account: usize) -> bool {
        self.member(account).is_some_and(|m| {
            m.status == MemberStatus::Accepted && m.role == Role::Collaborator && m.custom.is_none()
        })
    }
}

// ---------------------------------------------------------------------------
// Operations.
// ---------------------------------------------------------------------------

/// An actor: one of the accounts, or (for `ACCOUNTS..`) the current owner.
type Who = usize;

/// The request presented to `accept_transfer`.
#[derive(Debug, Clone)]
enum Presented {
    /// The roster's pending request, as the target saw it.
    Pending,
    /// An earlier request (counted back from the latest), perhaps stale.
    Earlier(usize),
    /// A request read from JSON that the owner may never have made: from
    /// the current owner to `to`, requested `ago` seconds before now.
    Forged { to: usize, ago: u8 },
}

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
    /// An invitation with the palette's custom role `which`.
    InviteCustom {
        actor: Who,
        target: usize,
        which: usize,
        id: u8,
    },
    /// A role change to the palette's custom role `which`.
    ChangeRoleCustom {
        actor: Who,
        target: usize,
        which: usize,
        by_id: bool,
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
        by_id: bool,
    },
    Revoke {
        actor: Who,
        target: usize,
        by_id: bool,
    },
    Leave {
        actor: Who,
    },
    AccountDeleted {
        target: usize,
    },
    RequestTransfer {
        actor: Who,
        target: usize,
        to_collaborator: bool,
        by_id: bool,
    },
    Rename {
        actor: Who,
        name: u8,
    },
    Delete {
        actor: Who,
    },
    AcceptTransfer {
        actor: Who,
        to_target: bool,
        presented: Presented,
    },
    CancelTransfer {
        actor: Who,
        party: bool,
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

fn presented() -> impl Strategy<Value = Presented> {
    prop_oneof![
        4 => Just(Presented::Pending),
        2 => (0usize..4).prop_map(Presented::Earlier),
        2 => (0..ACCOUNTS, 0u8..4).prop_map(|(to, ago)| Presented::Forged { to, ago }),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    let who = 0..ACCOUNTS + 4;
    let account = 0..ACCOUNTS;
    prop_oneof![
        4 => (who.clone(), account.clone(), any::<bool>(), proptest::option::of(role()), 0u8..12, proptest::option::of(any::<u8>()))
            .prop_map(|(actor, target, upper, role, id, expiry)| Op::Invite { actor, target, upper, role, id, expiry }),
        3 => (who.clone(), account.clone(), 0..PALETTE.len(), 0u8..12)
            .prop_map(|(actor, target, which, id)| Op::InviteCustom { actor, target, which, id }),
        3 => (prop_oneof![1 => Just(ACCOUNTS), 2 => who.clone()], account.clone(), 0..PALETTE.len(), any::<bool>())
            .prop_map(|(actor, target, which, by_id)| Op::ChangeRoleCustom { actor, target, which, by_id }),
        4 => (who.clone(), prop::bool::weighted(0.8), prop::bool::weighted(0.8), 0u8..4)
            .prop_map(|(actor, to_pending, good_token, name)| Op::Accept { actor, to_pending, good_token, name }),
        3 => (prop_oneof![1 => Just(ACCOUNTS), 2 => who.clone()], account.clone(), role(), any::<bool>())
            .prop_map(|(actor, target, role, by_id)| Op::ChangeRole { actor, target, role, by_id }),
        2 => (who.clone(), account.clone(), any::<bool>()).prop_map(|(actor, target, by_id)| Op::Revoke { actor, target, by_id }),
        1 => who.clone().prop_map(|actor| Op::Leave { actor }),
        1 => account.clone().prop_map(|target| Op::AccountDeleted { target }),
        // Mostly the owner asks, so that a transfer is often pending.
        4 => (prop_oneof![3 => Just(ACCOUNTS), 1 => who.clone()], account.clone(), prop::bool::weighted(0.8), any::<bool>())
            .prop_map(|(actor, target, to_collaborator, by_id)| Op::RequestTransfer { actor, target, to_collaborator, by_id }),
        2 => (prop_oneof![1 => Just(ACCOUNTS), 1 => who.clone()], 0u8..4)
            .prop_map(|(actor, name)| Op::Rename { actor, name }),
        1 => who.clone().prop_map(|actor| Op::Delete { actor }),
        4 => (who.clone(), prop::bool::weighted(0.7), presented())
            .prop_map(|(actor, to_target, presented)| Op::AcceptTransfer { actor, to_target, presented }),
        2 => (who, prop::bool::weighted(0.7)).prop_map(|(actor, party)| Op::CancelTransfer { actor, party }),
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
    /// Every transfer request the roster recorded, oldest first.
    requests: Vec<TransferRequest>,
    now: u64,
    /// Commands decided as [`Outcome::Unchanged`] (a repeat that holds).
    noops: std::cell::Cell<usize>,
    /// Removals of one's own membership decided as a leave, accepted.
    own_removals: std::cell::Cell<usize>,
}

/// What the model says an operation does: refused, or accepted with the
/// advisory of each event it emits.
type Expected = Option<Vec<Option<Advisory>>>;

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
                pending: None,
                name: "res".into(),
                deleted: false,
            },
            roster,
            events: vec![created],
            requests: Vec::new(),
            now: 1,
            noops: std::cell::Cell::new(0),
            own_removals: std::cell::Cell::new(0),
        }
    }

    fn who(&self, who: Who) -> usize {
        if who >= ACCOUNTS {
            self.model.owner
        } else {
            who
        }
    }

    /// A common start, through the same checked steps: accounts 1 and 2
    /// invited as collaborators, 3 and 4 with the kind's default role,
    /// and 5 with the kind's custom role that manages collaborators; 1,
    /// 2, 3 and 5 accept. Random operations follow.
    fn setup(&mut self) -> Result<(), TestCaseError> {
        for (target, role) in [
            (1, Some(Role::Collaborator)),
            (2, Some(Role::Collaborator)),
            (3, None),
            (4, None),
        ] {
            self.step(&Op::Invite {
                actor: ACCOUNTS,
                target,
                upper: target % 2 == 0,
                role,
                id: u8::try_from(target).unwrap(),
                expiry: None,
            })?;
        }
        self.step(&Op::InviteCustom {
            actor: ACCOUNTS,
            target: 5,
            which: if self.model.kind == ResourceKind::App {
                1
            } else {
                5
            },
            id: 5,
        })?;
        for account in [1, 2, 3, 5] {
            self.step(&Op::Accept {
                actor: account,
                to_pending: false,
                good_token: true,
                name: u8::try_from(account).unwrap(),
            })?;
        }
        Ok(())
    }

    /// A request value as JSON would give it.
    fn forged(&self, from: usize, to: usize, at: u64) -> TransferRequest {
        let json = format!(
            r#"{{"resource":"res","from":"{}","to":"{}","requested_at":{at}}}"#,
            account_email(from, false),
            account_email(to, true),
        );
        serde_json::from_str(&json).unwrap()
    }

    /// Applies `op` to both and checks that they agree.
    fn step(&mut self, op: &Op) -> Result<(), TestCaseError> {
        if let Op::Transfer { target } = *op {
            self.step(&Op::RequestTransfer {
                actor: ACCOUNTS,
                target,
                to_collaborator: true,
                by_id: false,
            })?;
            return self.step(&Op::AcceptTransfer {
                actor: 0,
                to_target: true,
                presented: Presented::Pending,
            });
        }
        self.now += 1;
        let now = Timestamp::from_unix_seconds(self.now);
        let before = self.roster.clone();
        let model_before = self.model.clone();
        let kind = self.model.kind;
        let decided: Result<Vec<Event>, String>;
        let (outcome, expected): (Result<Vec<Event>, String>, Expected) = match *op {
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
                // Sometimes already expired (an offset of 0).
                let expires = expiry.map(|e| self.now + u64::from(e % 4) * u64::from(e));
                let m = &self.model;
                let granted = role.unwrap_or(m.kind.default_invitation_role());
                let ok = !model_before.deleted
                    && m.may_act(actor, Action::InviteCollaborator)
                    && granted != Role::Owner
                    && m.has_role(granted)
                    && m.may_grant(actor, granted, None)
                    && target != m.owner
                    && m.member(target).is_none()
                    && !m.id_taken(&id)
                    && expires.is_none_or(|e| e > self.now);
                let mut invitation = Invitation::new(
                    MemberId::new(id.clone()).unwrap(),
                    account_email(target, upper),
                    InvitationToken::new(token.clone()).unwrap(),
                );
                invitation.role = role;
                invitation.expires_at = expires.map(Timestamp::from_unix_seconds);
                decided = one(self.roster.decide_invite(
                    &account_email(actor, false),
                    invitation.clone(),
                    now,
                ));
                self.check_command(
                    &account_email(actor, false),
                    &Command::invite(invitation.clone()),
                    &decided,
                    now,
                )?;
                let outcome = self
                    .roster
                    .invite(&account_email(actor, false), invitation, now)
                    .map(|e| vec![e])
                    .map_err(|e| e.to_string());
                if ok {
                    // No escalation: the inviter holds at least the role given.
                    let actor_role = self.model.active_role(actor).unwrap();
                    prop_assert!(granted < Role::Owner && granted <= actor_role);
                    if let Some(held) = self.model.active_custom(actor) {
                        prop_assert!(held.permissions().contains(grants(granted, kind).any()));
                    }
                    self.model.members.push(ModelMember {
                        account: target,
                        id,
                        role: granted,
                        custom: None,
                        status: MemberStatus::Pending,
                        username: None,
                        token,
                        expires,
                        held_secrets: false,
                    });
                }
                (outcome, ok.then(|| vec![None]))
            }
            Op::InviteCustom {
                actor,
                target,
                which,
                id,
            } => {
                let actor = self.who(actor);
                let id = format!("id-{id}");
                let token = format!("tok-{target}-{}", self.now);
                let custom = palette(which);
                let m = &self.model;
                let ok = !model_before.deleted
                    && m.may_act(actor, Action::InviteCollaborator)
                    && m.may_grant(actor, Role::Collaborator, Some(which))
                    && target != m.owner
                    && m.member(target).is_none()
                    && !m.id_taken(&id);
                let invitation = Invitation::new(
                    MemberId::new(id.clone()).unwrap(),
                    account_email(target, false),
                    InvitationToken::new(token.clone()).unwrap(),
                );
                decided = one(self.roster.decide_invite_custom(
                    &account_email(actor, false),
                    invitation.clone(),
                    custom.clone(),
                    now,
                ));
                self.check_command(
                    &account_email(actor, false),
                    &Command::invite_custom(invitation.clone(), custom.clone()),
                    &decided,
                    now,
                )?;
                let outcome = self
                    .roster
                    .invite_custom(
                        &account_email(actor, false),
                        invitation,
                        custom.clone(),
                        now,
                    )
                    .map(|e| vec![e])
                    .map_err(|e| e.to_string());
                if ok {
                    // No escalation: the inviter holds every action given.
                    let held = self
                        .roster
                        .effective_permissions(&account_email(actor, false));
                    prop_assert!(held.contains(custom.permissions()), "escalation");
                    prop_assert_eq!(custom.kind(), kind);
                    self.model.members.push(ModelMember {
                        account: target,
                        id,
                        role: custom.covering_role().unwrap(),
                        custom: Some(which % PALETTE.len()),
                        status: MemberStatus::Pending,
                        username: None,
                        token,
                        expires: None,
                        held_secrets: false,
                    });
                }
                (outcome, ok.then(|| vec![None]))
            }
            Op::ChangeRoleCustom {
                actor,
                target,
                which,
                by_id,
            } => {
                let actor = self.who(actor);
                let (email, id) = self.address(target);
                let member = |by_id: bool| -> MemberRef<'_> {
                    if by_id {
                        MemberRef::Id(&id)
                    } else {
                        MemberRef::Email(&email)
                    }
                };
                let which = which % PALETTE.len();
                let custom = palette(which);
                let m = &self.model;
                let ok = !model_before.deleted
                    && m.may_act(actor, Action::ChangeCollaboratorRole)
                    && target != m.owner
                    && m.member(target).is_some_and(|t| t.custom != Some(which))
                    && m.may_grant(actor, Role::Collaborator, Some(which));
                decided = one(self.roster.decide_change_role_custom(
                    &account_email(actor, false),
                    member(by_id),
                    custom.clone(),
                    now,
                ));
                self.check_command(
                    &account_email(actor, false),
                    &Command::change_role(key(by_id, &email, &id), custom.clone()),
                    &decided,
                    now,
                )?;
                let outcome = self
                    .roster
                    .change_role_custom(
                        &account_email(actor, false),
                        member(by_id),
                        custom.clone(),
                        now,
                    )
                    .map(|e| vec![e])
                    .map_err(|e| e.to_string());
                let mut expected = None;
                if ok {
                    let held = self
                        .roster
                        .effective_permissions(&account_email(actor, false));
                    prop_assert!(held.contains(custom.permissions()), "escalation");
                    let t = self.model.member_mut(target);
                    let accepted = t.status == MemberStatus::Accepted;
                    let base = custom.covering_role().unwrap();
                    let advisory = if accepted {
                        demotion_custom(kind, (t.role, t.custom), (base, Some(which)))
                    } else {
                        None
                    };
                    t.role = base;
                    t.custom = Some(which);
                    t.held_secrets |= accepted && !held_secrets(kind, base, Some(which)).is_empty();
                    expected = Some(vec![advisory]);
                }
                (outcome, expected)
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
                // Name 0: the service knows no username.
                let username = (name > 0).then(|| format!("name{name}"));
                let ok = !model_before.deleted
                    && actor != self.model.owner
                    && member.as_ref().is_some_and(|m| {
                        m.status == MemberStatus::Pending
                            && m.token == token
                            && m.expires.is_none_or(|e| self.now < e)
                    });
                let presented = InvitationToken::new(token).unwrap();
                let given = username.clone().map(|u| Username::new(u).unwrap());
                decided = one(self.roster.decide_accept(
                    &account_email(actor, true),
                    &presented,
                    given.clone(),
                    now,
                ));
                self.check_command(
                    &account_email(actor, true),
                    &Command::Accept {
                        member: self.address(actor).1,
                        token: presented.clone(),
                        username: given.clone(),
                    },
                    &decided,
                    now,
                )?;
                let outcome = self
                    .roster
                    .accept(&account_email(actor, true), &presented, given, now)
                    .map(|e| vec![e])
                    .map_err(|e| e.to_string());
                if ok {
                    let m = self.model.member_mut(actor);
                    m.status = MemberStatus::Accepted;
                    m.username = username;
                    m.held_secrets |= !held_secrets(kind, m.role, m.custom).is_empty();
                }
                (outcome, ok.then(|| vec![None]))
            }
            Op::ChangeRole {
                actor,
                target,
                role,
                by_id,
            } => {
                let actor = self.who(actor);
                let (email, id) = self.address(target);
                let member = |by_id: bool| -> MemberRef<'_> {
                    if by_id {
                        MemberRef::Id(&id)
                    } else {
                        MemberRef::Email(&email)
                    }
                };
                let m = &self.model;
                let ok = !model_before.deleted
                    && m.may_act(actor, Action::ChangeCollaboratorRole)
                    && target != m.owner
                    && m.member(target)
                        .is_some_and(|t| t.role != role || t.custom.is_some())
                    && role != Role::Owner
                    && m.has_role(role)
                    && m.may_grant(actor, role, None);
                decided = one(self.roster.decide_change_role(
                    &account_email(actor, false),
                    member(by_id),
                    role,
                    now,
                ));
                self.check_command(
                    &account_email(actor, false),
                    &Command::change_role(key(by_id, &email, &id), role),
                    &decided,
                    now,
                )?;
                let outcome = self
                    .roster
                    .change_role(&account_email(actor, false), member(by_id), role, now)
                    .map(|e| vec![e])
                    .map_err(|e| e.to_string());
                let mut expected = None;
                if ok {
                    let actor_role = self.model.active_role(actor).unwrap();
                    prop_assert!(role < Role::Owner && role <= actor_role, "escalation");
                    if let Some(held) = self.model.active_custom(actor) {
                        prop_assert!(held.permissions().contains(grants(role, kind).any()));
                    }
                    let t = self.model.member_mut(target);
                    let accepted = t.status == MemberStatus::Accepted;
                    let advisory = if accepted {
                        demotion_custom(kind, (t.role, t.custom), (role, None))
                    } else {
                        None
                    };
                    t.role = role;
                    t.custom = None;
                    t.held_secrets |= accepted && !secrets(kind, role).is_empty();
                    expected = Some(vec![advisory]);
                }
                (outcome, expected)
            }
            Op::Revoke {
                actor,
                target,
                by_id,
            } => {
                let actor = self.who(actor);
                let (email, id) = self.address(target);
                let member = |by_id: bool| -> MemberRef<'_> {
                    if by_id {
                        MemberRef::Id(&id)
                    } else {
                        MemberRef::Email(&email)
                    }
                };
                let m = &self.model;
                let ok = !model_before.deleted
                    && m.may_act(actor, Action::RevokeCollaborator)
                    && target != m.owner
                    && m.member(target).is_some();
                decided = one(self.roster.decide_revoke(
                    &account_email(actor, false),
                    member(by_id),
                    now,
                ));
                // Removing one's own membership is a leave (or a decline).
                let own = target == actor && (actor == m.owner || m.member(actor).is_some());
                let per_op = if own {
                    let leave = one(self.roster.decide_leave(&account_email(actor, false), now));
                    self.own_removals
                        .set(self.own_removals.get() + usize::from(leave.is_ok()));
                    leave
                } else {
                    decided.clone()
                };
                self.check_command(
                    &account_email(actor, false),
                    &Command::Remove {
                        member: key(by_id, &email, &id),
                    },
                    &per_op,
                    now,
                )?;
                let outcome = self
                    .roster
                    .revoke(&account_email(actor, false), member(by_id), now)
                    .map(|e| vec![e])
                    .map_err(|e| e.to_string());
                (outcome, ok.then(|| vec![self.model_remove(target)]))
            }
            Op::Leave { actor } => {
                let actor = self.who(actor);
                let ok = !model_before.deleted
                    && actor != self.model.owner
                    && self.model.member(actor).is_some();
                decided = one(self.roster.decide_leave(&account_email(actor, true), now));
                self.check_command(&account_email(actor, true), &Command::Leave, &decided, now)?;
                let outcome = self
                    .roster
                    .leave(&account_email(actor, true), now)
                    .map(|e| vec![e])
                    .map_err(|e| e.to_string());
                (outcome, ok.then(|| vec![self.model_remove(actor)]))
            }
            Op::AccountDeleted { target } => {
                let ok = !model_before.deleted
                    && target != self.model.owner
                    && self
                        .model
                        .member(target)
                        .is_some_and(|m| m.status == MemberStatus::Accepted);
                decided = one(self
                    .roster
                    .decide_account_deleted(&account_email(target, true), now));
                self.check_command(
                    &account_email(target, true),
                    &Command::AccountDeleted,
                    &decided,
                    now,
                )?;
                let outcome = self
                    .roster
                    .account_deleted(&account_email(target, true), now)
                    .map(|e| vec![e])
                    .map_err(|e| e.to_string());
                let mut expected = None;
                if ok {
                    let m = self.model.member_mut(target);
                    m.status = MemberStatus::UserAccountDeleted;
                    expected = Some(vec![m.held_secrets.then_some(Advisory::RotateSecrets)]);
                }
                (outcome, expected)
            }
            Op::RequestTransfer {
                actor,
                target,
                to_collaborator,
                by_id,
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
                let ok = !model_before.deleted
                    && actor == self.model.owner
                    && self.model.pending.is_none()
                    && self.model.is_accepted_collaborator(target);
                let (email, id) = self.address(target);
                let member = |by_id: bool| -> MemberRef<'_> {
                    if by_id {
                        MemberRef::Id(&id)
                    } else {
                        MemberRef::Email(&email)
                    }
                };
                decided = one(self.roster.decide_request_transfer(
                    &account_email(actor, false),
                    member(by_id),
                    now,
                ));
                self.check_command(
                    &account_email(actor, false),
                    &Command::RequestTransfer {
                        to: key(by_id, &email, &id),
                    },
                    &decided,
                    now,
                )?;
                let outcome = self
                    .roster
                    .request_transfer(&account_email(actor, false), member(by_id), now)
                    .map(|e| vec![e])
                    .map_err(|e| e.to_string());
                if ok {
                    self.model.pending = Some((actor, target, self.now));
                    self.requests
                        .push(self.roster.pending_transfer().unwrap().clone());
                }
                (outcome, ok.then(|| vec![None]))
            }
            Op::AcceptTransfer {
                actor,
                to_target,
                ref presented,
            } => {
                let request = match *presented {
                    Presented::Pending => self.roster.pending_transfer().cloned(),
                    Presented::Earlier(back) => self
                        .requests
                        .iter()
                        .rev()
                        .nth(back % self.requests.len().max(1))
                        .cloned(),
                    Presented::Forged { to, ago } => Some(self.forged(
                        self.model.owner,
                        to,
                        self.now.saturating_sub(u64::from(ago)),
                    )),
                };
                let Some(request) = request else {
                    return Ok(());
                };
                if model_before.deleted {
                    // Whatever is presented, a deleted roster refuses.
                    prop_assert!(
                        self.roster
                            .decide_accept_transfer(&request.to().clone(), &request, now)
                            .is_err()
                    );
                }
                // The model's view of the presented request.
                let parts = (
                    self.account_of(request.from()),
                    self.account_of(request.to()),
                    request.requested_at().as_unix_seconds(),
                );
                let to = parts.1;
                let actor = if to_target { to } else { self.who(actor) };
                let ok = !model_before.deleted && self.model.pending == Some(parts) && actor == to;
                decided = self
                    .roster
                    .decide_accept_transfer(&account_email(actor, false), &request, now)
                    .map(Vec::from)
                    .map_err(|e| e.to_string());
                // The command accepts the roster's own pending request: the
                // same decision when that is the one presented, or when none
                // is pending.
                if self.roster.pending_transfer().is_none_or(|p| *p == request) {
                    self.check_command(
                        &account_email(actor, false),
                        &Command::AcceptTransfer,
                        &decided,
                        now,
                    )?;
                }
                let outcome = self
                    .roster
                    .accept_transfer(&account_email(actor, false), &request, now)
                    .map(Vec::from)
                    .map_err(|e| e.to_string());
                let mut expected = None;
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
                        custom: None,
                        status: MemberStatus::Accepted,
                        username: std::mem::replace(
                            &mut self.model.owner_username,
                            new_owner.username.clone(),
                        ),
                        token: "no-token".to_owned(),
                        expires: None,
                        held_secrets: !secrets(kind, Role::Owner).is_empty(),
                    });
                    self.model.owner = to;
                    self.model.pending = None;
                    expected = Some(vec![None, demotion(kind, Role::Owner, Role::Collaborator)]);
                }
                (outcome, expected)
            }
            Op::CancelTransfer { actor, party } => {
                let actor = match (party, self.model.pending) {
                    (true, Some((from, to, _))) => {
                        if actor % 2 == 0 {
                            from
                        } else {
                            to
                        }
                    }
                    _ => self.who(actor),
                };
                let ok = !model_before.deleted
                    && self
                        .model
                        .pending
                        .is_some_and(|(from, to, _)| actor == from || actor == to);
                decided = one(self
                    .roster
                    .decide_cancel_transfer(&account_email(actor, true), now));
                self.check_command(
                    &account_email(actor, true),
                    &Command::CancelTransfer,
                    &decided,
                    now,
                )?;
                let outcome = self
                    .roster
                    .cancel_transfer(&account_email(actor, true), now)
                    .map(|e| vec![e])
                    .map_err(|e| e.to_string());
                if ok {
                    self.model.pending = None;
                }
                (outcome, ok.then(|| vec![None]))
            }
            Op::Rename { actor, name } => {
                let actor = self.who(actor);
                let name = format!("name-{name}");
                let ok =
                    !model_before.deleted && actor == self.model.owner && name != self.model.name;
                decided = one(self
                    .roster
                    .decide_rename(&account_email(actor, true), &name, now));
                self.check_command(
                    &account_email(actor, true),
                    &Command::Rename { name: name.clone() },
                    &decided,
                    now,
                )?;
                let outcome = self
                    .roster
                    .rename(&account_email(actor, true), &name, now)
                    .map(|e| vec![e])
                    .map_err(|e| e.to_string());
                if ok {
                    self.model.name = name;
                }
                (outcome, ok.then(|| vec![None]))
            }
            Op::Delete { actor } => {
                let actor = self.who(actor);
                let ok = !model_before.deleted && actor == self.model.owner;
                decided = one(self.roster.decide_delete(&account_email(actor, false), now));
                self.check_command(
                    &account_email(actor, false),
                    &Command::Delete,
                    &decided,
                    now,
                )?;
                let outcome = self
                    .roster
                    .delete(&account_email(actor, false), now)
                    .map(|e| vec![e])
                    .map_err(|e| e.to_string());
                if ok {
                    self.model.deleted = true;
                }
                (outcome, ok.then(|| vec![None]))
            }
            Op::Transfer { .. } => return Ok(()),
            Op::Wait { seconds } => {
                self.now += u64::from(seconds);
                decided = Ok(Vec::new());
                (Ok(Vec::new()), Some(Vec::new()))
            }
        };
        self.model.drop_stale();

        // After a deletion, every operation is refused.
        let (outcome, expected) = if model_before.deleted && !matches!(op, Op::Wait { .. }) {
            self.model = model_before.clone();
            (outcome, None)
        } else {
            (outcome, expected)
        };
        // The decision made before the operation is its result, and its
        // events, applied one at a time, reach the same roster.
        prop_assert_eq!(&decided, &outcome, "decision of {:?}", op);
        if let Ok(events) = &outcome {
            let mut applied = before.clone();
            for (i, event) in events.iter().enumerate() {
                prop_assert_eq!(event.seq(), before.version() + 1 + i as u64);
                applied.apply(event).unwrap();
                if i == 0 && events.len() == 2 {
                    // Between the two events of a transfer: a snapshot
                    // keeps the awaiting event, decisions wait for it.
                    prop_assert_eq!(applied.awaiting_event(), events.get(1));
                    let json = serde_json::to_string(&applied).unwrap();
                    let read: Roster = serde_json::from_str(&json).unwrap();
                    prop_assert_eq!(&read, &applied);
                    prop_assert!(applied.decide_leave(&account_email(0, false), now).is_err());
                }
            }
            prop_assert_eq!(&applied, &self.roster, "decide then apply of {:?}", op);
        }

        match (outcome, expected) {
            (Ok(events), Some(advisories)) => {
                // Exactly one event per accepted operation (two for a
                // completed transfer), with the advisories the model says.
                let got: Vec<Option<Advisory>> = events.iter().map(Event::advisory).collect();
                prop_assert_eq!(got, advisories, "advisories of {:?}", op);
                self.events.extend(events);
            }
            (Ok(_), None) => {
                prop_assert!(false, "roster accepted what the model refuses: {:?}", op);
            }
            (Err(reason), Some(_)) => {
                prop_assert!(
                    false,
                    "roster refused what the model accepts: {:?}: {}",
                    op,
                    reason
                );
            }
            (Err(_), None) => {
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

    /// `Roster::decide` for every account and every action, against the
    /// model: a stranger, a deleted resource, a pending invitation and a
    /// deleted account are denied with their reason; a member who holds
    /// a custom role gets exactly its set (never more, whatever its base
    /// role holds); the owner and a member with a built-in role get
    /// exactly the free `decide` of their role. By email and by id alike.
    fn check_door(&self) -> Result<(), TestCaseError> {
        let (r, m) = (&self.roster, &self.model);
        let favourable = Context::new()
            .with_deployment_age(Duration::from_secs(60))
            .with_review_app_trigger(ReviewAppTrigger::ScmIntegration)
            .with_review_app_settings(ReviewAppSettings::AllowCreation);
        for account in 0..ACCOUNTS {
            let (email, id) = self.address(account);
            let member = m.member(account);
            for action in Action::ALL {
                // The favourable context for the conditional cells only:
                // the empty one covers the rest.
                let ctx = if Limit::of(action).is_some() && account % 2 == 0 {
                    favourable
                } else {
                    Context::new()
                };
                let got = r.decide(&email, action, &ctx);
                let reason = got.denial().map(|d| d.reason());
                let by_id = r.decide(&id, action, &ctx);
                prop_assert_eq!(&by_id, &got, "{} by id", action);
                if account != m.owner && member.is_none() {
                    prop_assert_eq!(reason, Some(DenialReason::NotAMember));
                    prop_assert_eq!(got.denial().and_then(|d| d.role()), None);
                    continue;
                }
                if m.deleted {
                    prop_assert_eq!(reason, Some(DenialReason::ResourceDeleted));
                    continue;
                }
                match member.map(|x| x.status) {
                    Some(MemberStatus::Pending) => {
                        prop_assert_eq!(reason, Some(DenialReason::InvitationPending));
                        continue;
                    }
                    Some(MemberStatus::UserAccountDeleted) => {
                        prop_assert_eq!(reason, Some(DenialReason::AccountDeleted));
                        continue;
                    }
                    _ => {}
                }
                match (m.active_custom(account), m.active_role(account)) {
                    (Some(custom), _) => {
                        prop_assert_eq!(got.is_allowed(), custom.allows(action), "{}", action);
                        if got.is_allowed() {
                            prop_assert_eq!(got, Decision::Allowed);
                        } else if m.kind.applicable_actions().has(action) {
                            prop_assert_eq!(reason, Some(DenialReason::CustomRoleLacks));
                        } else {
                            prop_assert_eq!(reason, Some(DenialReason::NotApplicable));
                        }
                    }
                    (None, Some(role)) => {
                        prop_assert_eq!(got, decide(role, m.kind, action, &ctx), "{}", action);
                    }
                    (None, None) => prop_assert!(false, "an active member without a role"),
                }
            }
        }
        Ok(())
    }

    /// Decides `command` by `actor` on the roster as it stands (before
    /// the operation runs) and checks it against `per_op`, the decision of
    /// the operation the command is: the same events; or the operation's
    /// own refusal (same message), the roster unchanged; or, for a state
    /// that holds already, no event and the roster unchanged where the
    /// operation refuses the repeat. `execute` does what deciding, then
    /// applying, does.
    fn check_command(
        &self,
        actor: &Email,
        command: &Command,
        per_op: &Result<Vec<Event>, String>,
        now: Timestamp,
    ) -> Result<(), TestCaseError> {
        let before = &self.roster;
        let got = before.decide_command(actor, command, now);
        let mut executed = before.clone();
        let exec = executed.execute(actor, command, now);
        prop_assert_eq!(&exec, &got, "execute of {:?}", command);
        match got {
            Ok(Outcome::Append(events)) => {
                prop_assert_eq!(&Ok(events.clone()), per_op, "command {:?}", command);
                let mut applied = before.clone();
                for event in &events {
                    applied.apply(event).unwrap();
                }
                prop_assert_eq!(&executed, &applied, "execute of {:?}", command);
            }
            Ok(Outcome::Unchanged) => {
                let repeat = matches!(per_op, Err(why) if unchanged_messages().contains(why));
                prop_assert!(repeat, "no-op {:?}, the operation: {:?}", command, per_op);
                let holds = match command {
                    Command::ChangeRole { member, role } => {
                        let m = before.find(member).unwrap();
                        match role {
                            AnyRole::BuiltIn(role) => {
                                m.role() == *role && m.custom_role().is_none()
                            }
                            AnyRole::Custom(custom) => m.custom_role() == Some(custom),
                        }
                    }
                    Command::Rename { name } => before.resource().name() == name,
                    Command::RequestTransfer { to } => before
                        .pending_transfer()
                        .is_some_and(|p| before.find(to).is_some_and(|m| m.email() == p.to())),
                    _ => false,
                };
                prop_assert!(holds, "no-op {:?} of a state that does not hold", command);
                self.noops.set(self.noops.get() + 1);
                prop_assert_eq!(&executed, before, "a no-op changed the roster");
            }
            Err(why) => {
                prop_assert_eq!(&Err(why.to_string()), per_op, "command {:?}", command);
                prop_assert_eq!(&executed, before, "a refused command changed the roster");
            }
        }
        Ok(())
    }

    /// How the roster addresses `account`: its email, and its member id
    /// (an id no membership has, for a stranger).
    fn address(&self, account: usize) -> (Email, MemberId) {
        let id = if account == self.model.owner {
            self.model.owner_id.clone()
        } else {
            self.model
                .member(account)
                .map_or_else(|| "id-nobody".to_owned(), |m| m.id.clone())
        };
        (account_email(account, true), MemberId::new(id).unwrap())
    }

    /// Removes `account` from the model; the advisory its removal carries.
    fn model_remove(&mut self, account: usize) -> Option<Advisory> {
        let held = self.model.member(account).is_some_and(|m| m.held_secrets);
        self.model.members.retain(|m| m.account != account);
        held.then_some(Advisory::RotateSecrets)
    }

    /// The account index behind an email of the harness.
    fn account_of(&self, email: &Email) -> usize {
        (0..ACCOUNTS)
            .find(|&a| account_email(a, false) == *email)
            .unwrap()
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
            prop_assert_eq!(x.custom_role(), mm.custom.map(palette));
            prop_assert_eq!(x.status(), mm.status);
            prop_assert_eq!(x.id().as_str(), mm.id.as_str());
            prop_assert_eq!(x.username().map(Username::as_str), mm.username.as_deref());
            prop_assert!(r.kind().has_role(x.role()));
            prop_assert_eq!(r.get_by_id(x.id()), Some(x));
            prop_assert_eq!(
                r.held_secret_access(&account_email(mm.account, false)),
                mm.held_secrets
            );
            // A pending invitation grants nothing; a custom role's holder
            // holds no built-in role's rights (fail closed).
            prop_assert_eq!(
                x.effective_role(),
                (mm.status == MemberStatus::Accepted && mm.custom.is_none()).then_some(mm.role)
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
            for action in [
                Action::InviteCollaborator,
                Action::RevokeCollaborator,
                Action::ChangeCollaboratorRole,
            ] {
                prop_assert_eq!(r.may(&who, action).is_ok(), m.may_act(account, action));
            }
            // One permission set per member: the custom role's, or the
            // built-in role's row; nothing without an active membership.
            let expected = match (m.active_role(account), m.active_custom(account)) {
                (_, Some(custom)) => custom.permissions(),
                (Some(role), None) => grants(role, m.kind).allowed(),
                (None, None) => Permissions::empty(),
            };
            prop_assert_eq!(r.effective_permissions(&who), expected);
        }
        // The door: every action, asked of the roster, for every account.
        self.check_door()?;
        // Who may view the collaborators: the owner and accepted members;
        // pending invitees, deleted accounts and strangers are refused.
        for account in 0..ACCOUNTS {
            let view = r.may_view(&account_email(account, true));
            match m.active_role(account) {
                Some(role) => prop_assert_eq!(view, Ok(role)),
                None if m.member(account).is_some() => {
                    let inactive = matches!(view, Err(NotPermitted::Inactive { .. }));
                    prop_assert!(inactive, "{:?}", view);
                }
                None => prop_assert_eq!(view, Err(NotPermitted::Stranger)),
            }
        }
        // The name follows renames; the deletion closes the roster.
        prop_assert_eq!(r.resource().name(), m.name.as_str());
        prop_assert_eq!(r.resource().to_string(), m.name.clone());
        prop_assert_eq!(r.is_deleted(), m.deleted);
        // The version counts the events.
        prop_assert_eq!(r.version(), self.events.len() as u64);
        // The same pending transfer.
        let pending = r.pending_transfer().map(|p| {
            (
                self.account_of(p.from()),
                self.account_of(p.to()),
                p.requested_at().as_unix_seconds(),
            )
        });
        prop_assert_eq!(pending, m.pending);
        // The events replay to the same roster.
        prop_assert_eq!(&Roster::replay(&self.events).unwrap(), r);
        // A snapshot from halfway resumes with the rest to the same
        // roster; resuming it with a gap or an overlap is refused.
        let half = self.events.len() / 2;
        if half >= 1 {
            let prefix = self.events.get(..half).unwrap();
            let rest = self.events.get(half..).unwrap();
            // Not between the two events of a transfer.
            if let Ok(snapshot) = Roster::replay(prefix) {
                let json = serde_json::to_string(&snapshot).unwrap();
                let snapshot: Roster = serde_json::from_str(&json).unwrap();
                prop_assert_eq!(snapshot.version(), half as u64);
                prop_assert_eq!(&snapshot.clone().resume(rest).unwrap(), r);
                if rest.len() >= 2 {
                    let gap = snapshot.clone().resume(rest.get(1..).unwrap()).unwrap_err();
                    prop_assert_eq!(
                        gap.reason(),
                        &ApplyEventError::Gap {
                            expected: half as u64 + 1,
                            found: half as u64 + 2
                        }
                    );
                }
                let overlap = snapshot
                    .resume(self.events.get(half - 1..).unwrap())
                    .unwrap_err();
                prop_assert_eq!(
                    overlap.reason(),
                    &ApplyEventError::Overlap {
                        expected: half as u64 + 1,
                        found: half as u64
                    }
                );
            }
        }
        Ok(())
    }
}

/// The member `by_id` or by email, as a command names it.
fn key(by_id: bool, email: &Email, id: &MemberId) -> MemberKey {
    if by_id {
        MemberKey::Id(id.clone())
    } else {
        MemberKey::Email(email.clone())
    }
}

/// The messages of the refusals a command turns into
/// [`Outcome::Unchanged`]: the role held, the name held, the transfer
/// pending already.
fn unchanged_messages() -> Vec<String> {
    Role::ALL
        .into_iter()
        .map(|role| ChangeRoleError::Unchanged { role }.to_string())
        .chain([
            ChangeRoleError::UnchangedCustom.to_string(),
            RenameError::Unchanged.to_string(),
            TransferError::AlreadyPending.to_string(),
        ])
        .collect()
}

/// A decision's result in the shape the harness compares.
fn one<E: std::fmt::Display>(decision: Result<Event, E>) -> Result<Vec<Event>, String> {
    decision.map(|e| vec![e]).map_err(|e| e.to_string())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn roster_agrees_with_the_model(
        kind in kind(),
        setup in prop::bool::weighted(0.7),
        ops in prop::collection::vec(op(), 1..40),
    ) {
        let mut h = Harness::new(kind);
        if setup {
            h.setup()?;
        }
        for op in &ops {
            h.step(op)?;
        }
        // A snapshot reads back equal (pending transfer and history too).
        let snapshot: Roster = serde_json::from_str(&serde_json::to_string(&h.roster).unwrap()).unwrap();
        prop_assert_eq!(&snapshot, &h.roster);
    }
}

/// The generator does reach the interesting states: a sanity check that
/// the property above is not vacuous.
#[test]
fn the_generator_reaches_transfers_and_acceptances() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let mut n = std::collections::BTreeMap::<&str, usize>::new();
    for _ in 0..400 {
        let ops = prop::collection::vec(op(), 1..40)
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let mut h = Harness::new(ResourceKind::App);
        h.setup().unwrap();
        assert_eq!(h.events.len(), 10, "the setup steps all succeed");
        for op in &ops {
            let owner = h.model.owner;
            let events = h.events.len();
            let pending = h.model.pending;
            let deleted = h.model.deleted;
            let limited_actor = match op {
                Op::ChangeRole { actor, .. } => {
                    h.model.active_role(h.who(*actor)) == Some(Role::LimitedCollaborator)
                }
                _ => false,
            };
            let custom_actor = match op {
                Op::Invite { actor, .. }
                | Op::InviteCustom { actor, .. }
                | Op::ChangeRole { actor, .. }
                | Op::ChangeRoleCustom { actor, .. }
                | Op::Revoke { actor, .. } => h.model.active_custom(h.who(*actor)).is_some(),
                _ => false,
            };
            let custom_op = matches!(op, Op::InviteCustom { .. } | Op::ChangeRoleCustom { .. });
            let from_custom = match op {
                Op::ChangeRole { target, .. } => {
                    h.model.member(*target).is_some_and(|m| m.custom.is_some())
                }
                _ => false,
            };
            h.step(op).unwrap();
            let emitted = h.events.get(events..).unwrap();
            let mut count = |what, yes: bool| *n.entry(what).or_default() += usize::from(yes);
            count("transfers", h.model.owner != owner);
            count(
                "acceptances",
                matches!(op, Op::Accept { .. }) && !emitted.is_empty(),
            );
            count("limited actors", limited_actor);
            count("custom roles granted", custom_op && !emitted.is_empty());
            count(
                "custom-role actors, accepted",
                custom_actor && !emitted.is_empty(),
            );
            count(
                "custom-role actors, refused",
                custom_actor && emitted.is_empty(),
            );
            count(
                "changes from a custom role to a built-in one",
                from_custom && !emitted.is_empty(),
            );
            count(
                "cancellations",
                matches!(op, Op::CancelTransfer { .. }) && !emitted.is_empty(),
            );
            count(
                "stale requests dropped",
                pending.is_some()
                    && h.model.pending.is_none()
                    && h.model.owner == owner
                    && !matches!(op, Op::CancelTransfer { .. }),
            );
            let other_request = matches!(
                op,
                Op::AcceptTransfer {
                    presented: Presented::Forged { .. } | Presented::Earlier(_),
                    ..
                }
            );
            count(
                "forged or earlier requests refused",
                other_request && emitted.is_empty(),
            );
            count(
                "forged or earlier requests refused while one is pending",
                other_request && pending.is_some() && emitted.is_empty(),
            );
            count(
                "demotions advising rotation",
                matches!(op, Op::ChangeRole { .. })
                    && emitted.iter().any(|e| e.advisory().is_some()),
            );
            count(
                "account deletions",
                matches!(op, Op::AccountDeleted { .. }) && !emitted.is_empty(),
            );
            count(
                "renames",
                matches!(op, Op::Rename { .. }) && !emitted.is_empty(),
            );
            count(
                "deletions",
                matches!(op, Op::Delete { .. }) && !emitted.is_empty(),
            );
            count(
                "refused after a deletion",
                deleted && !matches!(op, Op::Wait { .. }),
            );
            count(
                "targets addressed by id, accepted",
                matches!(
                    op,
                    Op::ChangeRole { by_id: true, .. }
                        | Op::Revoke { by_id: true, .. }
                        | Op::RequestTransfer { by_id: true, .. }
                ) && !emitted.is_empty(),
            );
            count(
                "acceptances without a username",
                matches!(op, Op::Accept { name: 0, .. }) && !emitted.is_empty(),
            );
        }
        *n.entry("commands that hold already (no-ops)").or_default() += h.noops.get();
        *n.entry("removals of oneself decided as a leave")
            .or_default() += h.own_removals.get();
    }
    println!("{n:#?}");
    for (what, at_least) in [
        ("transfers", 5),
        ("acceptances", 50),
        ("limited actors", 5),
        ("custom roles granted", 50),
        ("custom-role actors, accepted", 20),
        ("custom-role actors, refused", 20),
        ("changes from a custom role to a built-in one", 10),
        ("cancellations", 10),
        ("stale requests dropped", 10),
        ("forged or earlier requests refused", 20),
        (
            "forged or earlier requests refused while one is pending",
            10,
        ),
        ("demotions advising rotation", 10),
        ("account deletions", 5),
        ("renames", 20),
        ("deletions", 20),
        ("refused after a deletion", 50),
        ("targets addressed by id, accepted", 20),
        ("acceptances without a username", 10),
        ("commands that hold already (no-ops)", 20),
        ("removals of oneself decided as a leave", 5),
    ] {
        let got = n.get(what).copied().unwrap_or(0);
        assert!(got >= at_least, "only {got} {what}");
    }
}
