//! The one door: [`Roster::decide`] answers every question of a member's
//! rights on the resource, and [`Roster::decide_command`] decides every
//! change ([`Command`]); [`Roster::execute`] decides and applies.

use alloc::vec;

use crate::membership::command::{AnyRole, Command, Outcome};
use crate::membership::email::Email;
use crate::membership::error::TransferError;
use crate::membership::error::{AcceptError, ChangeRoleError, CommandError, RenameError};
use crate::membership::member::{MemberRef, MemberStatus, Timestamp};
use crate::membership::roster::Roster;
use crate::rules::action::Action;
use crate::rules::context::Context;
use crate::rules::decision::{Decision, Denial, DenialReason, decide};

impl Roster {
    /// The full decision for `actor` (by email or member id) doing
    /// `action` on this resource: the one authorization call of a
    /// service. It reads the actor's membership here, so a caller never
    /// derives a role to ask the free [`decide`] with.
    ///
    /// In order:
    /// 1. no membership: denied, [`DenialReason::NotAMember`] (the denial
    ///    names no role);
    /// 2. the resource was deleted ([`Roster::is_deleted`]): denied,
    ///    [`DenialReason::ResourceDeleted`];
    /// 3. a pending invitation: denied, [`DenialReason::InvitationPending`];
    ///    a deleted account: denied, [`DenialReason::AccountDeleted`];
    /// 4. a member who holds a custom role: allowed
    ///    ([`Decision::Allowed`]: a custom role's grants are unconditional)
    ///    exactly when the custom set holds the action, else denied,
    ///    [`DenialReason::CustomRoleLacks`] ([`DenialReason::NotApplicable`]
    ///    for an action the kind does not have). The base role never adds
    ///    anything: a custom role is all its holder holds, on every action,
    ///    and the denials of a custom role's holder name no role
    ///    ([`Denial::role`](crate::Denial::role) is `None`);
    /// 5. the owner and an accepted member with a built-in role: exactly
    ///    [`decide`]`(role, kind, action, ctx)`: `limited(...)` cells
    ///    evaluated against `ctx`, obligations carried, denials with the
    ///    least role that would do.
    ///
    /// Viewing the collaborators is not an action of the matrix: ask
    /// [`Roster::may_view`]. The free [`decide`] stays the hot check for
    /// a caller who already holds a role (a token that carries one, say).
    ///
    /// `O(log n)` for the lookup; no allocation.
    ///
    /// ```
    /// use core::time::Duration;
    /// use collab_authz::matrix::Condition;
    /// use collab_authz::{
    ///     Account, Action, Context, CustomRole, Decision, DenialReason, Email, Invitation,
    ///     InvitationToken, MemberId, Permissions, Resource, ResourceId, ResourceKind, Role,
    ///     Roster, Timestamp, custom_role,
    /// };
    ///
    /// const DEPLOYER: CustomRole = custom_role!("deployer", ResourceKind::App, Permissions::DEPLOY_ANY_BRANCH);
    /// let t = Timestamp::from_unix_seconds(0);
    /// let owner = Email::parse("owner@example.com")?;
    /// let app = Resource::new(ResourceKind::App, ResourceId::new("app-1")?, "billing")?;
    /// let account = Account { id: MemberId::new("m0")?, email: owner.clone(), username: None };
    /// let (mut roster, _) = Roster::create(app, account, t);
    /// let (ada, bob) = (Email::parse("ada@example.com")?, Email::parse("bob@example.com")?);
    /// let (t1, t2) = (InvitationToken::new("t1")?, InvitationToken::new("t2")?);
    /// roster.invite(&owner, Invitation::new(MemberId::new("m1")?, ada.clone(), t1.clone()), t)?;
    /// roster.invite_custom(&owner, Invitation::new(MemberId::new("m2")?, bob.clone(), t2.clone()), DEPLOYER, t)?;
    ///
    /// // Pending: nothing yet.
    /// let d = roster.decide(&ada, Action::ViewDeploymentLogs, &Context::new());
    /// assert_eq!(d.denial().map(|d| d.reason()), Some(DenialReason::InvitationPending));
    ///
    /// roster.accept(&ada, &t1, None, t)?;
    /// roster.accept(&bob, &t2, None, t)?;
    /// // A limited collaborator: the condition is evaluated.
    /// let fresh = Context::new().with_deployment_age(Duration::from_secs(60));
    /// assert_eq!(
    ///     roster.decide(&ada, Action::ViewDeploymentLogs, &fresh),
    ///     Decision::AllowedUnderCondition(Condition::DeploymentYoungerThan7Days),
    /// );
    /// // A custom role: its set, never its base role's (collaborator) row.
    /// assert_eq!(roster.decide(&bob, Action::DeployAnyBranch, &fresh), Decision::Allowed);
    /// let d = roster.decide(&bob, Action::Restart, &fresh);
    /// // Denied by the custom set; no role is named (the base holds more).
    /// assert_eq!(d.denial().map(|d| (d.reason(), d.role())), Some((DenialReason::CustomRoleLacks, None)));
    /// // A stranger: no role to name.
    /// let eve = Email::parse("eve@example.com")?;
    /// let d = roster.decide(&eve, Action::ViewLogs, &fresh);
    /// assert_eq!(d.denial().map(|d| (d.reason(), d.role())), Some((DenialReason::NotAMember, None)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn decide<'m>(
        &self,
        actor: impl Into<MemberRef<'m>>,
        action: Action,
        ctx: &Context,
    ) -> Decision {
        let kind = self.kind();
        let Some(member) = self.find(actor) else {
            return Decision::Denied(Denial::new(None, kind, action, DenialReason::NotAMember));
        };
        // A custom role's holder is denied without a role: their base role
        // holds more than they do and is never named as theirs.
        let named = member.custom_role().is_none().then(|| member.role());
        let denied = |reason| Decision::Denied(Denial::new(named, kind, action, reason));
        if self.is_deleted() {
            return denied(DenialReason::ResourceDeleted);
        }
        match member.status() {
            MemberStatus::Pending => return denied(DenialReason::InvitationPending),
            MemberStatus::UserAccountDeleted => return denied(DenialReason::AccountDeleted),
            MemberStatus::Owner | MemberStatus::Accepted => {}
        }
        match member.custom_role() {
            None => decide(member.role(), kind, action, ctx),
            Some(_) if !kind.applicable_actions().has(action) => {
                denied(DenialReason::NotApplicable)
            }
            Some(custom) if custom.kind() == kind && custom.allows(action) => Decision::Allowed,
            Some(_) => denied(DenialReason::CustomRoleLacks),
        }
    }

    /// Decides `command` by `actor` at `now` without changing the roster:
    /// the events to append ([`Outcome::Append`]), nothing when the state
    /// asked for holds already ([`Outcome::Unchanged`]), or the refused
    /// operation's own error ([`CommandError`]). The one write call of a
    /// service: the rules of which operation a command is (a removal of
    /// oneself is a leave, an acceptance names the actor's own
    /// membership, a transfer is accepted as the roster holds it) and
    /// which repeats are no-ops are stated on [`Command`].
    ///
    /// Every [`Outcome::Append`] is exactly what the per-operation
    /// `decide_*` returns; every error is that method's error, wrapped.
    ///
    /// # Errors
    /// [`CommandError`] wrapping the operation's error: see each
    /// `decide_*` method named on [`Command`]'s variants.
    pub fn decide_command(
        &self,
        actor: &Email,
        command: &Command,
        now: Timestamp,
    ) -> Result<Outcome, CommandError> {
        let one = |event| Ok(Outcome::Append(vec![event]));
        match command {
            Command::Invite {
                invitation,
                custom_role: None,
            } => one(self.decide_invite(actor, invitation.clone(), now)?),
            Command::Invite {
                invitation,
                custom_role: Some(custom),
            } => one(self.decide_invite_custom(actor, invitation.clone(), custom.clone(), now)?),
            Command::Accept {
                member,
                token,
                username,
            } => {
                // The roster's state first, as every operation checks it.
                self.gate(1).map_err(AcceptError::from)?;
                // The link names the membership: only the actor's own.
                // Any other id answers as no invitation does.
                let own = self.get_by_id(member).is_some_and(|m| m.email() == actor);
                if !own {
                    return Err(AcceptError::NoInvitation.into());
                }
                one(self.decide_accept(actor, token, username.clone(), now)?)
            }
            Command::ChangeRole { member, role } => {
                let decided = match role {
                    AnyRole::BuiltIn(role) => self.decide_change_role(actor, member, *role, now),
                    AnyRole::Custom(custom) => {
                        self.decide_change_role_custom(actor, member, custom.clone(), now)
                    }
                };
                match decided {
                    Ok(event) => one(event),
                    Err(ChangeRoleError::Unchanged { .. } | ChangeRoleError::UnchangedCustom) => {
                        Ok(Outcome::Unchanged)
                    }
                    Err(e) => Err(e.into()),
                }
            }
            Command::Remove { member } => {
                let own = self.find(member).is_some_and(|m| m.email() == actor);
                if own {
                    one(self.decide_leave(actor, now)?)
                } else {
                    one(self.decide_revoke(actor, member, now)?)
                }
            }
            Command::Leave => one(self.decide_leave(actor, now)?),
            Command::RequestTransfer { to } => match self.decide_request_transfer(actor, to, now) {
                Ok(event) => one(event),
                // Only after the actor was found to hold
                // `transfer_ownership`: a request to the pending
                // request's own target holds already.
                Err(TransferError::AlreadyPending)
                    if self.pending_transfer().is_some_and(|pending| {
                        self.find(to).is_some_and(|m| m.email() == pending.to())
                    }) =>
                {
                    Ok(Outcome::Unchanged)
                }
                Err(e) => Err(e.into()),
            },
            Command::AcceptTransfer => {
                let events = match self.pending_transfer() {
                    Some(request) => self.decide_accept_transfer(actor, request, now)?,
                    // Checked in the same order as with a request: the
                    // actor first, so a stranger learns nothing.
                    None => {
                        // Two seqs, as an acceptance needs: the answer
                        // does not tell whether a transfer is pending.
                        self.gate(2).map_err(TransferError::from)?;
                        self.transfer_party(actor)?;
                        return Err(TransferError::NoPending.into());
                    }
                };
                Ok(Outcome::Append(events.into()))
            }
            Command::CancelTransfer => one(self.decide_cancel_transfer(actor, now)?),
            Command::Rename { name } => match self.decide_rename(actor, name, now) {
                Ok(event) => one(event),
                Err(RenameError::Unchanged) => Ok(Outcome::Unchanged),
                Err(e) => Err(e.into()),
            },
            Command::Delete => one(self.decide_delete(actor, now)?),
            Command::AccountDeleted => one(self.decide_account_deleted(actor, now)?),
        }
    }

    /// Decides `command` ([`Roster::decide_command`]) and applies its
    /// events: what the mutating per-operation methods are for one
    /// operation. On [`Outcome::Unchanged`] and on error the roster is
    /// unchanged.
    ///
    /// # Errors
    /// As [`Roster::decide_command`].
    pub fn execute(
        &mut self,
        actor: &Email,
        command: &Command,
        now: Timestamp,
    ) -> Result<Outcome, CommandError> {
        let outcome = self.decide_command(actor, command, now)?;
        for event in outcome.events() {
            self.commit(event);
        }
        Ok(outcome)
    }
}
