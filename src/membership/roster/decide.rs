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
use crate::membership::event::{Advisory, Event, EventKind, demotion_advisory};
use crate::membership::member::{
    InvitationToken, Member, MemberId, MemberRef, MemberStatus, Timestamp, Username,
    check_identifier,
};
use crate::membership::roster::{Invitation, Roster};
use crate::membership::transfer::TransferRequest;
use crate::rules::action::Action;
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
        self.invite_event(actor, id, email, role, token.digest(), expires_at, now)
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
        token_digest: TokenDigest,
        expires_at: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<Event, InviteError> {
        self.gate()?;
        self.may(actor, Action::InviteCollaborator)?;
        let kind = self.kind();
        let role = role.unwrap_or(kind.default_invitation_role());
        if role == Role::Owner {
            return Err(InviteError::OwnerRole);
        }
        if !kind.has_role(role) {
            return Err(InviteError::RoleNotOnKind { role, kind });
        }
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
        self.gate()?;
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
            .with_roles(Some(member.role()), None))
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
        self.gate()?;
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
        let previous = target.role();
        if previous == role {
            return Err(ChangeRoleError::Unchanged { role });
        }
        let advisory = if target.status() == MemberStatus::Accepted {
            demotion_advisory(kind, previous, role)
        } else {
            None
        };
        Ok(self
            .next_event(EventKind::RoleChanged, target.account(), actor, now)
            .with_roles(Some(role), Some(previous))
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
        self.gate()?;
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
        self.gate()?;
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
        self.gate()?;
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
        self.gate()?;
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
        self.gate()?;
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
        demoted.set_seq(self.version + 2);
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
        self.gate()?;
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
        self.gate()?;
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
        self.gate()?;
        self.may(actor, Action::Delete)?;
        Ok(self.next_event(EventKind::Deleted, self.owner.account(), actor, now))
    }
}
