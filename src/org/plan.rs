//! [`plan`]: the ordered, minimal list of invitations, role changes and
//! revocations that takes a roster to a desired set of (email, role), the
//! way infrastructure-as-code tools manage collaborators; and
//! [`Plan::apply`], which runs it through the roster's own state machine.
//!
//! The plan never touches the owner: the owner is not part of the desired
//! set (naming them with role `owner` is allowed and changes nothing), and
//! ownership moves only by transfer.

use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use crate::membership::{
    ChangeRoleError, Email, Event, Invitation, InvitationToken, InviteError, MemberId,
    MemberStatus, ResourceId, RevokeError, Roster, Timestamp,
};
use crate::rules::custom_role::CustomRole;
use crate::rules::resource_kind::ResourceKind;
use crate::rules::role::Role;

/// One operation of a [`Plan`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Step {
    /// Revoke a membership (pending, accepted or of a deleted account) that
    /// the desired set does not hold, or the membership of a deleted
    /// account that the desired set holds (it is then invited again).
    Revoke {
        /// The member.
        email: Email,
        /// Their current built-in role (a custom role's base when
        /// `custom_role` is set: never what they hold).
        role: Role,
        /// The custom role they hold, if any: what the step prints as
        /// their role.
        custom_role: Option<CustomRole>,
        /// Their current status.
        status: MemberStatus,
    },
    /// Change a member's role to the desired one.
    ChangeRole {
        /// The member.
        email: Email,
        /// Their current built-in role (a custom role's base when
        /// `from_custom` is set: never what they hold).
        from: Role,
        /// The custom role they hold, if any: what the step prints as
        /// their current role.
        from_custom: Option<CustomRole>,
        /// The desired role.
        to: Role,
    },
    /// Invite someone the roster does not hold (or holds only as a
    /// deleted account, revoked first), with the desired role.
    Invite {
        /// Who to invite.
        email: Email,
        /// The desired role.
        role: Role,
    },
}

impl Step {
    /// The member the step is about.
    #[must_use]
    pub fn email(&self) -> &Email {
        match self {
            Step::Revoke { email, .. }
            | Step::ChangeRole { email, .. }
            | Step::Invite { email, .. } => email,
        }
    }
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Revoke {
                email,
                role,
                custom_role,
                status,
            } => {
                let role = custom_role.as_ref().map_or(role.label(), CustomRole::name);
                write!(f, "revoke {email} ({role}, {})", status.label())
            }
            Step::ChangeRole {
                email,
                from,
                from_custom,
                to,
            } => {
                let from = from_custom.as_ref().map_or(from.label(), CustomRole::name);
                write!(f, "change {email} from {from} to {}", to.label())
            }
            Step::Invite { email, role } => write!(f, "invite {email} as {}", role.label()),
        }
    }
}

/// Why a desired set cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PlanError {
    /// The desired role does not exist on the resource's kind
    /// (`limited_collaborator` on a dedicated database).
    #[error("{email}: role {role} does not exist on a {kind}")]
    RoleNotOnKind {
        /// The member.
        email: Email,
        /// The desired role.
        role: Role,
        /// The resource's kind.
        kind: ResourceKind,
    },
    /// A desired role `owner` for someone who is not the owner: ownership
    /// moves only by transfer.
    #[error("{email}: the desired role cannot be owner; ownership moves only by transfer")]
    OwnerRole {
        /// The member.
        email: Email,
    },
    /// The owner is given another role: a plan never touches the owner.
    #[error("{email} is the owner; a plan never changes the owner")]
    TouchesOwner {
        /// The owner's email.
        email: Email,
    },
    /// One email is desired with two different roles.
    #[error("{email} is desired with two roles: {first} and {second}")]
    Conflict {
        /// The member.
        email: Email,
        /// One role.
        first: Role,
        /// The other.
        second: Role,
    },
}

/// The ordered steps that take a roster to a desired state.
///
/// A desired (email, role) means "this email holds this role with a live
/// membership": pending or accepted. Per email, against the roster:
///
/// | roster holds | desired | steps |
/// | --- | --- | --- |
/// | nothing | a role | invite |
/// | any membership | nothing | revoke |
/// | pending or accepted, same role | that role | none (a pending invitation is already as desired: only the person can accept it) |
/// | pending or accepted, another role | a role | change role |
/// | a deleted account (`user_account_deleted`), any role | a role | revoke, then invite |
///
/// A deleted account's membership grants nothing and cannot be revived,
/// so it never counts as meeting the desired state, even with the desired
/// role.
///
/// Order: revocations, then role changes that lower a role, then role
/// changes that raise one, then invitations (privilege is removed before
/// any is added); each group in email order; the acting account's own step,
/// if any, last (so that lowering one's own role does not stop the rest).
/// Minimal: the steps of the table above and no others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    resource: ResourceId,
    steps: Vec<Step>,
}

/// Computes the plan that takes `roster` to `desired`, a set of (email,
/// role) for every non-owner member wanted with a live (pending or
/// accepted) membership (emails compared case-insensitively; the same pair
/// twice is one). `actor` is the account that will apply it: its own step,
/// if any, is placed last. See [`Plan`] for the steps each case gets: a
/// deleted account that is desired is revoked and invited again.
///
/// ```
/// use collab_authz::org::plan::Step;
/// use collab_authz::{plan, Account, Email, Invitation, InvitationToken, MemberId, Resource, ResourceId, ResourceKind, Role, Roster, Timestamp};
///
/// let t = Timestamp::from_unix_seconds(0);
/// let ada = Email::parse("ada@example.com")?;
/// let owner = Account { id: MemberId::new("m0")?, email: ada.clone(), username: None };
/// let app = Resource::new(ResourceKind::App, ResourceId::new("app-1")?, "billing")?;
/// let (mut roster, _) = Roster::create(app, owner, t);
/// let bob = Email::parse("bob@example.com")?;
/// let carol = Email::parse("carol@example.com")?;
/// roster.invite(&ada, Invitation::new(MemberId::new("m1")?, bob.clone(), InvitationToken::new("t1")?), t)?;
///
/// // Desired: Bob as collaborator (he is limited), Carol as limited.
/// let desired = [(bob.clone(), Role::Collaborator), (carol.clone(), Role::LimitedCollaborator)];
/// let plan = plan(&roster, desired, &ada)?;
/// assert_eq!(plan.steps(), [
///     Step::ChangeRole { email: bob.clone(), from: Role::LimitedCollaborator, from_custom: None, to: Role::Collaborator },
///     Step::Invite { email: carol.clone(), role: Role::LimitedCollaborator },
/// ]);
///
/// let mut n = 1;
/// let events = plan.apply(&mut roster, &ada, t, |_| {
///     n += 1;
///     (MemberId::new(format!("m{n}")).unwrap(), InvitationToken::new(format!("t{n}")).unwrap())
/// })?;
/// assert_eq!(events.len(), 2);
/// assert_eq!(roster.get(&carol).map(|m| m.role()), Some(Role::LimitedCollaborator));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`PlanError`]: a desired role the kind does not have, a desired role
/// `owner`, a different role for the owner, or one email with two roles.
pub fn plan(
    roster: &Roster,
    desired: impl IntoIterator<Item = (Email, Role)>,
    actor: &Email,
) -> Result<Plan, PlanError> {
    let kind = roster.kind();
    let owner = roster.owner().email();
    let mut wanted: BTreeMap<String, (Email, Role)> = BTreeMap::new();
    for (email, role) in desired {
        if &email == owner {
            if role == Role::Owner {
                continue;
            }
            return Err(PlanError::TouchesOwner { email });
        }
        if role == Role::Owner {
            return Err(PlanError::OwnerRole { email });
        }
        if !kind.has_role(role) {
            return Err(PlanError::RoleNotOnKind { email, role, kind });
        }
        match wanted.get(email.normalized()) {
            Some((_, first)) if *first != role => {
                return Err(PlanError::Conflict {
                    email,
                    first: *first,
                    second: role,
                });
            }
            Some(_) => {}
            None => {
                wanted.insert(String::from(email.normalized()), (email, role));
            }
        }
    }

    let mut revokes = Vec::new();
    let mut lowers = Vec::new();
    let mut raises = Vec::new();
    let mut reinvites = Vec::new();
    // `members()` is every member but the owner, in normalized-email order.
    for member in roster.members() {
        let email = member.email();
        let revoke = || Step::Revoke {
            email: email.clone(),
            role: member.role(),
            custom_role: member.custom_role().cloned(),
            status: member.status(),
        };
        match wanted.remove(email.normalized()) {
            None => revokes.push(revoke()),
            // A deleted account's membership is dead whatever its role:
            // remove it, then invite the address again.
            Some((desired_email, role)) if member.status() == MemberStatus::UserAccountDeleted => {
                revokes.push(revoke());
                reinvites.push((desired_email, role));
            }
            // A member who holds a custom role holds its base built-in
            // role in name only: a desired built-in role is a change.
            Some((_, to)) if to != member.role() || member.custom_role().is_some() => {
                let step = Step::ChangeRole {
                    email: email.clone(),
                    from: member.role(),
                    from_custom: member.custom_role().cloned(),
                    to,
                };
                if to < member.role() {
                    lowers.push(step);
                } else {
                    raises.push(step);
                }
            }
            Some(_) => {}
        }
    }
    // Re-invitations and new invitations together, in email order.
    let mut invites: Vec<Step> = wanted
        .into_values()
        .chain(reinvites)
        .map(|(email, role)| Step::Invite { email, role })
        .collect();
    invites.sort_by(|a, b| a.email().normalized().cmp(b.email().normalized()));

    let mut steps: Vec<Step> = revokes
        .into_iter()
        .chain(lowers)
        .chain(raises)
        .chain(invites)
        .collect();
    // The actor's own step last (stable: everything else keeps its order).
    steps.sort_by_key(|step| step.email() == actor);
    Ok(Plan {
        resource: roster.resource().id().clone(),
        steps,
    })
}

/// Why applying a [`Plan`] stopped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StepError {
    /// The plan was made for another resource; nothing was applied.
    #[error("the plan is for resource {plan}, not {roster}")]
    WrongResource {
        /// The plan's resource.
        plan: ResourceId,
        /// The roster's resource.
        roster: ResourceId,
    },
    /// The roster refused an invitation.
    #[error(transparent)]
    Invite(#[from] InviteError),
    /// The roster refused a role change.
    #[error(transparent)]
    ChangeRole(#[from] ChangeRoleError),
    /// The roster refused a revocation.
    #[error(transparent)]
    Revoke(#[from] RevokeError),
}

/// A [`Plan::apply`] that stopped at a refused step. The roster holds the
/// steps before it, and nothing of it or of any later step.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("step {step} of the plan was refused: {error}")]
pub struct ApplyError {
    step: usize,
    error: StepError,
    applied: Vec<Event>,
}

impl ApplyError {
    /// The index of the refused step (the number of steps applied).
    #[must_use]
    pub fn step(&self) -> usize {
        self.step
    }

    /// Why the roster refused it.
    #[must_use]
    pub fn error(&self) -> &StepError {
        &self.error
    }

    /// The events of the steps applied before it.
    #[must_use]
    pub fn applied(&self) -> &[Event] {
        &self.applied
    }
}

impl Plan {
    /// The steps, in the order they are applied.
    #[must_use]
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// Whether the roster already is in the desired state.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The resource the plan is for.
    #[must_use]
    pub fn resource(&self) -> &ResourceId {
        &self.resource
    }

    /// Applies the steps in order through the roster's operations
    /// ([`Roster::invite`], [`Roster::change_role`], [`Roster::revoke`]) on
    /// behalf of `actor`, at `now`. `invitation` gives the member id and
    /// the token of each new invitation.
    ///
    /// Every check is the roster's: the plan grants nothing by itself.
    /// Either every step is applied and the roster holds exactly the
    /// desired set (returning one event per step), or application stops at
    /// the first refused step, with the roster as the steps before it left
    /// it.
    ///
    /// # Errors
    /// [`ApplyError`] with the refused step, the roster's reason and the
    /// events of the steps applied before it.
    pub fn apply(
        &self,
        roster: &mut Roster,
        actor: &Email,
        now: Timestamp,
        mut invitation: impl FnMut(&Email) -> (MemberId, InvitationToken),
    ) -> Result<Vec<Event>, ApplyError> {
        let mut applied = Vec::with_capacity(self.steps.len());
        if roster.resource().id() != &self.resource {
            return Err(ApplyError {
                step: 0,
                error: StepError::WrongResource {
                    plan: self.resource.clone(),
                    roster: roster.resource().id().clone(),
                },
                applied,
            });
        }
        for (i, step) in self.steps.iter().enumerate() {
            let result = match step {
                Step::Revoke { email, .. } => {
                    roster.revoke(actor, email, now).map_err(StepError::from)
                }
                Step::ChangeRole { email, to, .. } => roster
                    .change_role(actor, email, *to, now)
                    .map_err(StepError::from),
                Step::Invite { email, role } => {
                    let (id, token) = invitation(email);
                    let invite = Invitation::new(id, email.clone(), token).with_role(*role);
                    roster.invite(actor, invite, now).map_err(StepError::from)
                }
            };
            match result {
                Ok(event) => applied.push(event),
                Err(error) => {
                    return Err(ApplyError {
                        step: i,
                        error,
                        applied,
                    });
                }
            }
        }
        Ok(applied)
    }
}

impl fmt::Display for Plan {
    /// One numbered line per step, or `no changes`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.steps.is_empty() {
            return writeln!(f, "no changes");
        }
        for (i, step) in self.steps.iter().enumerate() {
            writeln!(f, "{}. {step}", i + 1)?;
        }
        Ok(())
    }
}
