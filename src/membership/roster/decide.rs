//! The decisions: every operation as a pure function of `&self` that
//! returns the event(s) recording the change, or the typed reason it is
//! refused. Nothing here changes a roster; `apply` does.

use alloc::sync::Arc;

use crate::membership::digest::TokenDigest;
use crate::membership::email::Email;
use crate::membership::error::{
    AcceptError, AccountDeletedError, ChangeRoleError, DeleteError, InviteError, LeaveError,
    RenameError, RevokeError, TransferError,
};
use crate::membership::event::{
    Advisory, Event, EventKind, demotion_advisory, demotion_advisory_sets,
};
use crate::membership::member::{
    InvitationToken, Member, MemberId, MemberRef, MemberStatus, Timestamp, Username,
    check_identifier, custom_base,
};
use crate::membership::roster::{Invitation, Roster};
use crate::membership::transfer::TransferRequest;
use crate::rules::action::{Action, Category};
use crate::rules::custom_role::{CustomRole, GrantError};
use crate::rules::matrix::grants;
use crate::rules::permissions::Permissions;
use crate::rules::role::Role;

impl Roster {
    /// Decides [`Roster::invite`] without changing the roster: the
    /// `collaborator_invited` event, at [`seq`](Event::seq)
    /// `version() + 1`.
    ///
    /// # Errors
    /// As [`Roster::invite`].
    pub fn decide_invite(
        &self,
        actor: &Email,
        invitation: Invitation,
        now: Timestamp,
    ) -> Result<Event, InviteError> {
        let Invitation {
            id,
            email,
            role,
            token,
            expires_at,
        } = invitation;
        self.invite_event(
            actor,
            id,
            email,
            role,
            None,
            token.digest(),
            expires_at,
            now,
        )
    }

    /// Decides an invitation with the custom role `custom` (instead of a
    /// built-in role) without changing the roster: the
    /// `collaborator_invited` event, carrying the custom role
    /// ([`Event::custom_role`]) and its base as [`Event::role`].
    ///
    /// The rules of [`Roster::invite`], and: the custom role is of the
    /// roster's kind; the actor holds every action of it (no escalation);
    /// `invitation.role` is `None`.
    ///
    /// ```
    /// use collab_authz::membership::InviteError;
    /// use collab_authz::{
    ///     Account, CustomRole, Email, GrantError, Invitation, InvitationToken, MemberId, Permissions,
    ///     Resource, ResourceId, ResourceKind, Role, Roster, Timestamp, custom_role,
    /// };
    ///
    /// const DEPLOYER: CustomRole = custom_role!(
    ///     "deployer",
    ///     ResourceKind::App,
    ///     Permissions::DEPLOY_ANY_BRANCH.union(Permissions::VIEW_DEPLOYMENTS),
    /// );
    /// let t = Timestamp::from_unix_seconds(0);
    /// let owner = Email::parse("owner@example.com")?;
    /// let app = Resource::new(ResourceKind::App, ResourceId::new("app-1")?, "billing")?;
    /// let account = Account { id: MemberId::new("m0")?, email: owner.clone(), username: None };
    /// let (mut roster, _) = Roster::create(app, account, t);
    /// let ada = Email::parse("ada@example.com")?;
    /// let invite = Invitation::new(MemberId::new("m1")?, ada.clone(), InvitationToken::new("t1")?);
    /// let event = roster.invite_custom(&owner, invite, DEPLOYER, t)?;
    /// assert_eq!(event.custom_role().map(CustomRole::name), Some("deployer"));
    /// assert_eq!(roster.get(&ada).map(|m| m.role_name()), Some("deployer"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`Roster::invite`], and [`InviteError::Grant`] for a custom role
    /// of another kind ([`GrantError::WrongKind`]) or one that holds an
    /// action the actor lacks ([`GrantError::Escalation`]);
    /// [`InviteError::RoleAndCustomRole`] when `invitation.role` is set.
    pub fn decide_invite_custom(
        &self,
        actor: &Email,
        invitation: Invitation,
        custom: CustomRole,
        now: Timestamp,
    ) -> Result<Event, InviteError> {
        let Invitation {
            id,
            email,
            role,
            token,
            expires_at,
        } = invitation;
        if role.is_some() {
            return Err(InviteError::RoleAndCustomRole);
        }
        self.invite_event(
            actor,
            id,
            email,
            None,
            Some(custom),
            token.digest(),
            expires_at,
            now,
        )
    }

    /// Checks that `actor` may grant `role` (or the custom role `custom`,
    /// whose base `role` is) on this roster: nobody grants an action they
    /// do not hold. A custom role must be of the roster's kind, and the
    /// actor's effective permissions must hold its every action. An actor
    /// with a built-in role who may manage (owner, collaborator) holds
    /// every action of every non-owner built-in role (the matrix proves
    /// it); an actor with a custom role must hold every action, granted
    /// or conditional, of the built-in role they grant.
    fn check_grant(
        &self,
        actor: &Email,
        role: Role,
        custom: Option<&CustomRole>,
    ) -> Result<(), GrantError> {
        let kind = self.kind();
        let actor_custom = self.get(actor).and_then(Member::custom_role);
        let granted = match custom {
            Some(custom) if custom.kind() != kind => {
                return Err(GrantError::WrongKind {
                    role: custom.kind(),
                    resource: kind,
                });
            }
            Some(custom) => custom.permissions(),
            None if actor_custom.is_none() => return Ok(()),
            None => grants(role, kind).any(),
        };
        let missing = granted.difference(self.effective_permissions(actor));
        if missing.is_empty() {
            Ok(())
        } else {
            Err(GrantError::Escalation { missing })
        }
    }

    /// The invitation, with the token already hashed (applying a recorded
    /// invitation has the digest only).
    #[expect(clippy::too_many_arguments, reason = "the invitation's fields, once")]
    pub(super) fn invite_event(
        &self,
        actor: &Email,
        id: MemberId,
        email: Email,
        role: Option<Role>,
        custom: Option<CustomRole>,
        token_digest: TokenDigest,
        expires_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<Event, InviteError> {
        self.gate(1)?;
        self.may(actor, Action::InviteCollaborator)?;
        let kind = self.kind();
        let role = match &custom {
            Some(custom) => custom_base(custom),
            None => role.unwrap_or(kind.default_invitation_role()),
        };
        if role == Role::Owner {
            return Err(InviteError::OwnerRole);
        }
        if !kind.has_role(role) {
            return Err(InviteError::RoleNotOnKind { role, kind });
        }
        self.check_grant(actor, role, custom.as_ref())
            .map_err(InviteError::Grant)?;
        if let Some(existing) = self.get(&email) {
            return Err(InviteError::AlreadyMember {
                email: existing.email().clone(),
                status: existing.status(),
            });
        }
        if self.members.contains_id(&id) {
            return Err(InviteError::DuplicateId);
        }
        if let Some(expires_at) = expires_at {
            if expires_at <= now {
                return Err(InviteError::AlreadyExpired { expires_at, now });
            }
        }
        let account = crate::membership::member::Account {
            id,
            email,
            username: None,
        };
        Ok(self
            .next_event(EventKind::Invited, account, actor, now)
            .with_roles(Some(role), None)
            .with_custom(custom, None)
            .with_invitation(expires_at, token_digest))
    }

    /// Decides [`Roster::accept`] without changing the roster.
    ///
    /// # Errors
    /// As [`Roster::accept`].
    pub fn decide_accept(
        &self,
        actor: &Email,
        token: &InvitationToken,
        username: impl Into<Option<Username>>,
        now: Timestamp,
    ) -> Result<Event, AcceptError> {
        self.accept_event(actor, Some(token), username.into(), now)
    }

    /// The acceptance; `token` `None` skips the token check (applying a
    /// recorded acceptance, whose token was checked when it was decided).
    pub(super) fn accept_event(
        &self,
        actor: &Email,
        token: Option<&InvitationToken>,
        username: Option<Username>,
        now: Timestamp,
    ) -> Result<Event, AcceptError> {
        self.gate(1)?;
        if self.is_owner(actor) {
            return Err(AcceptError::NotPending {
                status: MemberStatus::Owner,
            });
        }
        let member = self.members.get(actor).ok_or(AcceptError::NoInvitation)?;
        if member.status() != MemberStatus::Pending {
            return Err(AcceptError::NotPending {
                status: member.status(),
            });
        }
        // Applying a recorded acceptance (no token presented) still needs
        // an invitation that could have been accepted.
        let matches = match (member.token_digest(), token) {
            (Some(expected), Some(presented)) => expected.verify(presented),
            (Some(_), None) => true,
            (None, _) => false,
        };
        if !matches {
            return Err(AcceptError::WrongToken);
        }
        if let Some(expires_at) = member.expires_at() {
            if now >= expires_at {
                return Err(AcceptError::Expired { expires_at });
            }
        }
        let mut account = member.account();
        account.username = username;
        Ok(self
            .next_event(EventKind::Accepted, account, actor, now)
            .with_roles(Some(member.role()), None)
            .with_custom(member.custom_role().cloned(), None))
    }

    /// Decides [`Roster::change_role`] without changing the roster.
    ///
    /// # Errors
    /// As [`Roster::change_role`].
    pub fn decide_change_role<'m>(
        &self,
        actor: &Email,
        member: impl Into<MemberRef<'m>>,
        role: Role,
        now: Timestamp,
    ) -> Result<Event, ChangeRoleError> {
        self.change_role_event(actor, member.into(), role, None, now)
    }

    /// Decides [`Roster::change_role_custom`] without changing the roster:
    /// the `collaborator_role_changed` event, carrying the custom role
    /// ([`Event::custom_role`]) and its base as [`Event::role`] (and the
    /// member's previous custom role, if any, as
    /// [`Event::previous_custom_role`]).
    ///
    /// # Errors
    /// As [`Roster::change_role_custom`].
    pub fn decide_change_role_custom<'m>(
        &self,
        actor: &Email,
        member: impl Into<MemberRef<'m>>,
        custom: CustomRole,
        now: Timestamp,
    ) -> Result<Event, ChangeRoleError> {
        let role = custom_base(&custom);
        self.change_role_event(actor, member.into(), role, Some(custom), now)
    }

    /// A role change to `role`, or to the custom role `custom` whose base
    /// `role` is.
    pub(super) fn change_role_event(
        &self,
        actor: &Email,
        member: MemberRef<'_>,
        role: Role,
        custom: Option<CustomRole>,
        now: Timestamp,
    ) -> Result<Event, ChangeRoleError> {
        self.gate(1)?;
        self.may(actor, Action::ChangeCollaboratorRole)?;
        let target = self.find(member).ok_or(ChangeRoleError::NoSuchMember)?;
        if target.status() == MemberStatus::Owner {
            return Err(ChangeRoleError::TargetIsOwner);
        }
        let kind = self.kind();
        if role == Role::Owner {
            return Err(ChangeRoleError::ToOwner);
        }
        if !kind.has_role(role) {
            return Err(ChangeRoleError::RoleNotOnKind { role, kind });
        }
        self.check_grant(actor, role, custom.as_ref())
            .map_err(ChangeRoleError::Grant)?;
        let previous = target.role();
        let previous_custom = target.custom_role();
        match (&custom, previous_custom) {
            (None, None) if previous == role => return Err(ChangeRoleError::Unchanged { role }),
            (Some(to), Some(from)) if to == from => return Err(ChangeRoleError::UnchangedCustom),
            _ => {}
        }
        let advisory = if target.status() == MemberStatus::Accepted {
            match (&custom, previous_custom) {
                (None, None) => demotion_advisory(kind, previous, role),
                _ => demotion_advisory_sets(
                    target.secret_actions(kind),
                    custom.as_ref().map_or_else(
                        || grants(role, kind).data_and_secrets(),
                        |c| c.permissions().intersection(secret_category()),
                    ),
                ),
            }
        } else {
            None
        };
        Ok(self
            .next_event(EventKind::RoleChanged, target.account(), actor, now)
            .with_roles(Some(role), Some(previous))
            .with_custom(custom, previous_custom.cloned())
            .with_advisory(advisory))
    }

    /// Decides [`Roster::revoke`] without changing the roster.
    ///
    /// # Errors
    /// As [`Roster::revoke`].
    pub fn decide_revoke<'m>(
        &self,
        actor: &Email,
        member: impl Into<MemberRef<'m>>,
        now: Timestamp,
    ) -> Result<Event, RevokeError> {
        self.gate(1)?;
        self.may(actor, Action::RevokeCollaborator)?;
        let target = self.find(member).ok_or(RevokeError::NoSuchMember)?;
        if target.status() == MemberStatus::Owner {
            return Err(RevokeError::TargetIsOwner);
        }
        Ok(self.removal(actor, target, now))
    }

    /// Decides [`Roster::leave`] without changing the roster.
    ///
    /// # Errors
    /// As [`Roster::leave`].
    pub fn decide_leave(&self, actor: &Email, now: Timestamp) -> Result<Event, LeaveError> {
        self.gate(1)?;
        if self.is_owner(actor) {
            return Err(LeaveError::Owner);
        }
        let member = self.members.get(actor).ok_or(LeaveError::NotAMember)?;
        Ok(self.removal(actor, member, now))
    }

    /// The removal of a non-owner `member`.
    fn removal(&self, actor: &Email, member: &Member, now: Timestamp) -> Event {
        let advisory = self
            .secret_access
            .contains(member.id())
            .then_some(Advisory::RotateSecrets);
        self.next_event(EventKind::Removed, member.account(), actor, now)
            .with_roles(None, Some(member.role()))
            .with_custom(None, member.custom_role().cloned())
            .with_advisory(advisory)
    }

    /// Decides [`Roster::account_deleted`] without changing the roster.
    ///
    /// # Errors
    /// As [`Roster::account_deleted`].
    pub fn decide_account_deleted<'m>(
        &self,
        member: impl Into<MemberRef<'m>>,
        now: Timestamp,
    ) -> Result<Event, AccountDeletedError> {
        self.gate(1)?;
        let target = self.find(member).ok_or(AccountDeletedError::NoSuchMember)?;
        if target.status() == MemberStatus::Owner {
            return Err(AccountDeletedError::Owner);
        }
        if target.status() != MemberStatus::Accepted {
            return Err(AccountDeletedError::NotAccepted {
                status: target.status(),
            });
        }
        let advisory = self
            .secret_access
            .contains(target.id())
            .then_some(Advisory::RotateSecrets);
        Ok(self
            .next_event(
                EventKind::AccountDeleted,
                target.account(),
                target.email(),
                now,
            )
            .with_roles(Some(target.role()), None)
            .with_custom(target.custom_role().cloned(), None)
            .with_advisory(advisory))
    }

    /// Decides [`Roster::request_transfer`] without changing the roster.
    ///
    /// # Errors
    /// As [`Roster::request_transfer`].
    pub fn decide_request_transfer<'m>(
        &self,
        actor: &Email,
        to: impl Into<MemberRef<'m>>,
        now: Timestamp,
    ) -> Result<Event, TransferError> {
        self.gate(1)?;
        self.may(actor, Action::TransferOwnership)?;
        if self.pending_transfer.is_some() {
            return Err(TransferError::AlreadyPending);
        }
        let to = self.find(to).ok_or(TransferError::NoSuchMember)?;
        let target = self.check_transfer_target(to.email())?;
        Ok(self.next_event(EventKind::TransferRequested, target.account(), actor, now))
    }

    /// Decides [`Roster::accept_transfer`] without changing the roster:
    /// the two `collaborator_role_changed` events, at `version() + 1` and
    /// `version() + 2`.
    ///
    /// # Errors
    /// As [`Roster::accept_transfer`].
    pub fn decide_accept_transfer(
        &self,
        actor: &Email,
        request: &TransferRequest,
        now: Timestamp,
    ) -> Result<[Event; 2], TransferError> {
        // Two events: two seqs left.
        self.gate(2)?;
        // The actor before the transfer: a stranger learns nothing of it.
        self.transfer_party(actor)?;
        if request.resource() != self.resource.id() {
            return Err(TransferError::WrongResource);
        }
        let pending = self
            .pending_transfer
            .as_ref()
            .ok_or(TransferError::NoPending)?;
        if pending != request {
            return Err(TransferError::NotPending);
        }
        if actor != pending.to() {
            return Err(TransferError::NotTarget);
        }
        // The pending request is kept valid by every operation; check
        // again anyway.
        self.check_request(pending)?;
        let new_owner = self
            .members
            .get(pending.to())
            .ok_or(TransferError::NoSuchMember)?;
        let promoted = self
            .next_event(EventKind::RoleChanged, new_owner.account(), actor, now)
            .with_roles(Some(Role::Owner), Some(Role::Collaborator));
        let mut demoted = self
            .next_event(EventKind::RoleChanged, self.owner.account(), actor, now)
            .with_roles(Some(Role::Collaborator), Some(Role::Owner))
            .with_advisory(demotion_advisory(
                self.kind(),
                Role::Owner,
                Role::Collaborator,
            ));
        demoted.set_seq(self.version.saturating_add(2));
        // The second event follows the first in the chain.
        let demoted = demoted.with_prev(promoted.digest());
        Ok([promoted, demoted])
    }

    /// Decides [`Roster::cancel_transfer`] without changing the roster.
    ///
    /// # Errors
    /// As [`Roster::cancel_transfer`].
    pub fn decide_cancel_transfer(
        &self,
        actor: &Email,
        now: Timestamp,
    ) -> Result<Event, TransferError> {
        self.gate(1)?;
        // The actor before the transfer: a stranger learns nothing of it.
        self.transfer_party(actor)?;
        let pending = self
            .pending_transfer
            .as_ref()
            .ok_or(TransferError::NoPending)?;
        if actor != pending.from() && actor != pending.to() {
            return Err(TransferError::NotParty);
        }
        let target = self
            .get(pending.to())
            .ok_or(TransferError::NoSuchMember)?
            .account();
        Ok(self.next_event(EventKind::TransferCancelled, target, actor, now))
    }

    /// Checks that `actor` could be a party to a transfer (the owner or an
    /// accepted member) before anything about the pending transfer is
    /// read: a stranger, a pending invitee and a deleted account are
    /// refused as [`TransferError::NotPermitted`] whether or not a
    /// transfer is pending, and to whomever.
    pub(super) fn transfer_party(&self, actor: &Email) -> Result<(), TransferError> {
        self.may_view(actor)?;
        Ok(())
    }

    /// Decides [`Roster::rename`] without changing the roster.
    ///
    /// # Errors
    /// As [`Roster::rename`].
    pub fn decide_rename(
        &self,
        actor: &Email,
        name: &str,
        now: Timestamp,
    ) -> Result<Event, RenameError> {
        self.gate(1)?;
        self.may(actor, Action::Rename)?;
        check_identifier(name).map_err(RenameError::InvalidName)?;
        if name == self.resource.name() {
            return Err(RenameError::Unchanged);
        }
        Ok(self
            .next_event(EventKind::Renamed, self.owner.account(), actor, now)
            .with_name(Arc::from(name)))
    }

    /// Decides [`Roster::delete`] without changing the roster.
    ///
    /// # Errors
    /// As [`Roster::delete`].
    pub fn decide_delete(&self, actor: &Email, now: Timestamp) -> Result<Event, DeleteError> {
        self.gate(1)?;
        self.may(actor, Action::Delete)?;
        Ok(self.next_event(EventKind::Deleted, self.owner.account(), actor, now))
    }
}

/// The matrix's data-and-secrets actions.
fn secret_category() -> Permissions {
    Category::DataAndSecrets.actions()
}
