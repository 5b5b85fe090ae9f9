//! Applying events: the one place that changes a roster's state
//! (`commit`), the validation of an event before it is committed
//! ([`Roster::apply`]), the mutating operations (a decision, then its
//! commit) and replay.

use alloc::boxed::Box;

use crate::membership::chain::{LogDigest, LogHead};
use crate::membership::email::Email;
use crate::membership::error::{
    AcceptError, AccountDeletedError, ApplyEventError, ChangeRoleError, DeleteError,
};
use crate::membership::error::{
    InviteError, LeaveError, RenameError, ReplayError, RevokeError, TransferError,
};
use crate::membership::event::{Event, EventKind, reads_secrets};
use crate::membership::member::{
    InvitationToken, Member, MemberRef, MemberStatus, Resource, Timestamp, Username,
};
use crate::membership::roster::{Invitation, Roster};
use crate::membership::transfer::TransferRequest;
use crate::rules::custom_role::CustomRole;
use crate::rules::role::Role;

impl Roster {
    /// Invites `invitation.email` with `invitation.role`, or the kind's
    /// default role (`limited_collaborator` on an app, `collaborator` on
    /// a dedicated database). The new membership is pending and grants
    /// nothing until accepted. Same as [`Roster::decide_invite`] followed
    /// by [`Roster::apply`].
    ///
    /// # Errors
    /// [`InviteError`]: the roster is closed, a transfer is half applied,
    /// or no seq is left for the event (`VersionExhausted`); the actor may
    /// not invite (matrix: `invite_collaborator`); the role is owner or
    /// does not exist on the kind; the email already has a membership in
    /// any status; the id is taken; the expiry is not after `now`.
    pub fn invite(
        &mut self,
        actor: &Email,
        invitation: Invitation,
        now: Timestamp,
    ) -> Result<Event, InviteError> {
        let event = self.decide_invite(actor, invitation, now)?;
        self.commit(&event);
        Ok(event)
    }

    /// The invited person (`actor`, the invited email) accepts with the
    /// invitation's `token`, recording their `username` when the caller
    /// knows it (`Username` or `None`).
    ///
    /// # Errors
    /// [`AcceptError`]: the roster is closed, a transfer is half applied,
    /// or no seq is left for the event (`VersionExhausted`); no membership
    /// for the actor; not pending; wrong token; expired (`now` at or after
    /// the expiry the inviter set).
    pub fn accept(
        &mut self,
        actor: &Email,
        token: &InvitationToken,
        username: impl Into<Option<Username>>,
        now: Timestamp,
    ) -> Result<Event, AcceptError> {
        let event = self.decide_accept(actor, token, username, now)?;
        self.commit(&event);
        Ok(event)
    }

    /// Changes `member`'s role (by email or id, see [`MemberRef`]) to
    /// `role`.
    ///
    /// Demoting an accepted member to a role without some `data_and_secrets`
    /// action they held carries
    /// [`Advisory::RotateSecrets`](crate::membership::Advisory::RotateSecrets). A role
    /// change of a pending transfer's target drops the transfer.
    ///
    /// # Errors
    /// [`ChangeRoleError`]: the roster is closed, a transfer is half
    /// applied, or no seq is left for the event (`VersionExhausted`); the
    /// actor may not change roles (matrix: `change_collaborator_role`); the
    /// member is the owner or unknown; `role` is owner, does not exist on
    /// the kind, or is the member's role already (a member who holds a
    /// custom role may be changed to its base built-in role: that drops the
    /// custom role); the actor holds a custom role that lacks an action of
    /// `role` ([`ChangeRoleError::Grant`]).
    pub fn change_role<'m>(
        &mut self,
        actor: &Email,
        member: impl Into<MemberRef<'m>>,
        role: Role,
        now: Timestamp,
    ) -> Result<Event, ChangeRoleError> {
        let event = self.decide_change_role(actor, member, role, now)?;
        self.commit(&event);
        Ok(event)
    }

    /// Changes `member`'s role (by email or id) to the custom role
    /// `custom`: the member's rights become exactly its set, and its
    /// built-in [`role`](Member::role) its base. Same as
    /// [`Roster::decide_change_role_custom`] followed by
    /// [`Roster::apply`].
    ///
    /// # Errors
    /// As [`Roster::change_role`], and [`ChangeRoleError::Grant`] for a
    /// custom role of another kind or one that holds an action the actor
    /// lacks (no escalation); [`ChangeRoleError::UnchangedCustom`] when
    /// the member holds that custom role already.
    pub fn change_role_custom<'m>(
        &mut self,
        actor: &Email,
        member: impl Into<MemberRef<'m>>,
        custom: CustomRole,
        now: Timestamp,
    ) -> Result<Event, ChangeRoleError> {
        let event = self.decide_change_role_custom(actor, member, custom, now)?;
        self.commit(&event);
        Ok(event)
    }

    /// Invites `invitation.email` with the custom role `custom`. Same as
    /// [`Roster::decide_invite_custom`] followed by [`Roster::apply`].
    ///
    /// # Errors
    /// As [`Roster::decide_invite_custom`].
    pub fn invite_custom(
        &mut self,
        actor: &Email,
        invitation: Invitation,
        custom: CustomRole,
        now: Timestamp,
    ) -> Result<Event, InviteError> {
        let event = self.decide_invite_custom(actor, invitation, custom, now)?;
        self.commit(&event);
        Ok(event)
    }

    /// Removes `member` (by email or id; pending, accepted or deleted
    /// account). The event carries
    /// [`Advisory::RotateSecrets`](crate::membership::Advisory::RotateSecrets) when
    /// the member ever held, while accepted, a role that could read data
    /// or secrets ([`Roster::held_secret_access`]); an invitation never
    /// accepted granted nothing and carries none.
    ///
    /// # Errors
    /// [`RevokeError`]: the roster is closed, a transfer is half applied,
    /// or no seq is left for the event (`VersionExhausted`); the actor may
    /// not revoke (matrix: `revoke_collaborator`); the member is the owner
    /// or unknown.
    pub fn revoke<'m>(
        &mut self,
        actor: &Email,
        member: impl Into<MemberRef<'m>>,
        now: Timestamp,
    ) -> Result<Event, RevokeError> {
        let event = self.decide_revoke(actor, member, now)?;
        self.commit(&event);
        Ok(event)
    }

    /// The actor stops collaborating (or declines a pending invitation):
    /// any non-owner membership, limited included. Carries the same
    /// advisory as [`Roster::revoke`].
    ///
    /// # Errors
    /// [`LeaveError`]: the roster is closed, a transfer is half applied, or
    /// no seq is left for the event (`VersionExhausted`); the actor is the
    /// owner or has no membership.
    pub fn leave(&mut self, actor: &Email, now: Timestamp) -> Result<Event, LeaveError> {
        let event = self.decide_leave(actor, now)?;
        self.commit(&event);
        Ok(event)
    }

    /// The platform reports that the account behind `member`'s accepted
    /// membership was deleted: the membership stays, with status
    /// `user_account_deleted`, its role and no rights, until revoked.
    ///
    /// The actor recorded is the member: the account holder deleted their
    /// own account, and the platform only reports it (the crate has no
    /// account for the platform itself). Carries
    /// [`Advisory::RotateSecrets`](crate::membership::Advisory::RotateSecrets) when the
    /// member held access to data or secrets. A pending transfer to the
    /// member is dropped.
    ///
    /// # Errors
    /// [`AccountDeletedError`]: the roster is closed, a transfer is half
    /// applied, or no seq is left for the event (`VersionExhausted`); the
    /// member is unknown, the owner, or not accepted (a pending invitation
    /// has no account behind it yet; a deleted account is deleted already).
    pub fn account_deleted<'m>(
        &mut self,
        member: impl Into<MemberRef<'m>>,
        now: Timestamp,
    ) -> Result<Event, AccountDeletedError> {
        let event = self.decide_account_deleted(member, now)?;
        self.commit(&event);
        Ok(event)
    }

    /// The owner asks to hand the resource to `to` (by email or id), an
    /// accepted collaborator. The roster records the request as its
    /// pending transfer ([`Roster::pending_transfer`]) until the target
    /// accepts ([`Roster::accept_transfer`]), the owner or the target
    /// cancels ([`Roster::cancel_transfer`]), or a change makes it
    /// impossible (the target revoked, leaving, changing role or losing
    /// their account).
    ///
    /// A second request while one is pending is refused, not a
    /// replacement: cancel the pending one first. Returns the
    /// `ownership_transfer_requested` event (member: the target; no role).
    ///
    /// # Errors
    /// [`TransferError`]: the roster is closed, a transfer is half applied,
    /// or no seq is left for the event (`VersionExhausted`); the actor may
    /// not transfer (matrix: `transfer_ownership`, owner only); a transfer
    /// is pending already; the target is unknown or not an accepted
    /// collaborator.
    pub fn request_transfer<'m>(
        &mut self,
        actor: &Email,
        to: impl Into<MemberRef<'m>>,
        now: Timestamp,
    ) -> Result<Event, TransferError> {
        let event = self.decide_request_transfer(actor, to, now)?;
        self.commit(&event);
        Ok(event)
    }

    /// The target (`actor`) accepts the pending transfer, presented as
    /// `request`: they become owner and the previous owner becomes an
    /// accepted `collaborator`. Returns the two `collaborator_role_changed`
    /// events, at `version() + 1` and `version() + 2`: the new owner's,
    /// then the previous owner's (which carries
    /// [`Advisory::RotateSecrets`](crate::membership::Advisory::RotateSecrets) if the
    /// owner role held `data_and_secrets` actions that collaborator lacks).
    /// An array: no allocation, and `for event in &events` iterates it.
    ///
    /// `request` must equal the roster's pending transfer: a request never
    /// made (a forged value), cancelled, or dropped by a later change is
    /// refused.
    ///
    /// # Errors
    /// [`TransferError`]: the roster is closed, a transfer is half applied,
    /// or no seq is left for its two events (`VersionExhausted`); the actor
    /// is a stranger, a pending invitee or a deleted account
    /// ([`TransferError::NotPermitted`], checked before anything about the
    /// transfer, so that they learn nothing of it); no transfer is pending;
    /// the request is for another resource or is not the pending one; the
    /// actor is not its target.
    pub fn accept_transfer(
        &mut self,
        actor: &Email,
        request: &TransferRequest,
        now: Timestamp,
    ) -> Result<[Event; 2], TransferError> {
        let events = self.decide_accept_transfer(actor, request, now)?;
        for event in &events {
            self.commit(event);
        }
        Ok(events)
    }

    /// The owner or the target cancels the pending transfer. Returns the
    /// `ownership_transfer_cancelled` event (member: the target; no role).
    ///
    /// # Errors
    /// [`TransferError`]: the roster is closed, a transfer is half applied,
    /// or no seq is left for the event (`VersionExhausted`); the actor is a
    /// stranger, a pending invitee or a deleted account
    /// ([`TransferError::NotPermitted`], checked before anything about the
    /// transfer); no transfer is pending, or the actor is neither the owner
    /// nor the target.
    pub fn cancel_transfer(
        &mut self,
        actor: &Email,
        now: Timestamp,
    ) -> Result<Event, TransferError> {
        let event = self.decide_cancel_transfer(actor, now)?;
        self.commit(&event);
        Ok(event)
    }

    /// The owner renames the resource to `name`. The resource keeps its
    /// kind and id, so every event before and after the rename still
    /// applies; the listing ([`Display`](core::fmt::Display)) shows the
    /// new name. Returns the `resource_renamed` event (member: the owner;
    /// it carries the new name).
    ///
    /// # Errors
    /// [`RenameError`]: the roster is closed, a transfer is half applied,
    /// or no seq is left for the event (`VersionExhausted`); the actor may
    /// not rename (matrix: `rename`, owner only); the name is not a valid
    /// identifier, or is the current name.
    pub fn rename(
        &mut self,
        actor: &Email,
        name: &str,
        now: Timestamp,
    ) -> Result<Event, RenameError> {
        let event = self.decide_rename(actor, name, now)?;
        self.commit(&event);
        Ok(event)
    }

    /// The owner deletes the resource: the roster is closed
    /// ([`Roster::is_deleted`]), and every later operation is refused with
    /// a `Closed` reason (a service answers 410 Gone), every later event
    /// with [`ApplyEventError::Closed`]. The memberships stay readable. Returns
    /// the `resource_deleted` event (member: the owner).
    ///
    /// # Errors
    /// [`DeleteError`]: the roster is closed already or a transfer is half
    /// applied; the actor may not delete (matrix: `delete`, owner only).
    pub fn delete(&mut self, actor: &Email, now: Timestamp) -> Result<Event, DeleteError> {
        let event = self.decide_delete(actor, now)?;
        self.commit(&event);
        Ok(event)
    }

    /// Validates `event` against the roster and applies it: the event
    /// must be the roster's next ([`seq`](Event::seq) `version() + 1`),
    /// about this resource, and exactly what deciding its operation (same
    /// actor, member, role and time) produces now. Then the roster changes
    /// as the live operation would have changed it, and its version grows
    /// by one. On error the roster is unchanged.
    ///
    /// The two events of a completed ownership transfer apply one at a
    /// time: after the first, the roster has its new owner and takes only
    /// the second ([`Roster::awaiting_event`]).
    ///
    /// Costs one decision: `O(log n)` lookups and a comparison, no
    /// allocation beyond the new state.
    ///
    /// # Errors
    /// [`ApplyEventError`]: a gap or an overlap (with the seq expected and
    /// found); another resource; the roster is closed; a second
    /// `roster_created`; a transfer event out of its pair; the operation
    /// refused (with its reason); an event that does not match the
    /// change it records; or a roster at
    /// [`Event::MAX_SEQ`](crate::Event::MAX_SEQ) already
    /// ([`ApplyEventError::VersionExhausted`]).
    pub fn apply(&mut self, event: &Event) -> Result<(), ApplyEventError> {
        let expected = match self.version.checked_add(1) {
            Some(next) if next <= Event::MAX_SEQ => next,
            _ => {
                return Err(ApplyEventError::VersionExhausted {
                    version: self.version,
                });
            }
        };
        let found = event.seq();
        if found < expected {
            return Err(ApplyEventError::Overlap { expected, found });
        }
        if found > expected {
            return Err(ApplyEventError::Gap { expected, found });
        }
        if !self.resource.is(event.resource()) {
            return Err(ApplyEventError::OtherResource);
        }
        match event.prev() {
            Some(prev) if prev != self.head => {
                return Err(ApplyEventError::Diverged {
                    head: self.head(),
                    prev,
                });
            }
            None if !self.head.is_genesis() => {
                return Err(ApplyEventError::Unchained { head: self.head() });
            }
            _ => {}
        }
        if let Some(second) = &self.awaiting {
            if **second != *event {
                return Err(ApplyEventError::UnpairedTransfer);
            }
            self.awaiting = None;
            self.commit(event);
            return Ok(());
        }
        if self.deleted {
            return Err(ApplyEventError::Closed);
        }
        let actor = event.actor();
        let email = &event.member().email;
        let at = event.at();
        let produced = match event.kind() {
            EventKind::RosterCreated => return Err(ApplyEventError::SecondOwner),
            EventKind::Invited => {
                let (Some(digest), Some(role)) = (event.token_digest(), event.role()) else {
                    return Err(ApplyEventError::Mismatch);
                };
                let custom = event.custom_role().cloned();
                self.invite_event(
                    actor,
                    event.member().id.clone(),
                    email.clone(),
                    custom.is_none().then_some(role),
                    custom,
                    *digest,
                    event.expires_at(),
                    at,
                )
                .map_err(ApplyEventError::Invite)?
            }
            EventKind::Accepted => self
                .accept_event(actor, None, event.member().username.clone(), at)
                .map_err(ApplyEventError::Accept)?,
            EventKind::Removed if actor == email => self
                .decide_leave(actor, at)
                .map_err(ApplyEventError::Leave)?,
            EventKind::Removed => self
                .decide_revoke(actor, email, at)
                .map_err(ApplyEventError::Revoke)?,
            EventKind::RoleChanged if event.role() == Some(Role::Owner) => {
                let request = self
                    .pending_transfer
                    .clone()
                    .ok_or(ApplyEventError::Transfer(TransferError::NoPending))?;
                let [mut promoted, mut demoted] = self
                    .decide_accept_transfer(actor, &request, at)
                    .map_err(ApplyEventError::Transfer)?;
                if event.prev().is_none() {
                    // A pair stored before the chain existed.
                    promoted = promoted.with_prev(None);
                    demoted = demoted.with_prev(None);
                }
                if promoted != *event {
                    return Err(ApplyEventError::Mismatch);
                }
                self.commit(&promoted);
                self.awaiting = Some(Box::new(demoted));
                return Ok(());
            }
            EventKind::RoleChanged if event.previous_role() == Some(Role::Owner) => {
                return Err(ApplyEventError::UnpairedTransfer);
            }
            EventKind::RoleChanged => {
                let Some(role) = event.role() else {
                    return Err(ApplyEventError::Mismatch);
                };
                self.change_role_event(actor, email.into(), role, event.custom_role().cloned(), at)
                    .map_err(ApplyEventError::ChangeRole)?
            }
            EventKind::TransferRequested => self
                .decide_request_transfer(actor, email, at)
                .map_err(ApplyEventError::Transfer)?,
            EventKind::TransferCancelled => self
                .decide_cancel_transfer(actor, at)
                .map_err(ApplyEventError::Transfer)?,
            EventKind::AccountDeleted => self
                .decide_account_deleted(email, at)
                .map_err(ApplyEventError::AccountDeleted)?,
            EventKind::Renamed => {
                let Some(name) = event.name() else {
                    return Err(ApplyEventError::Mismatch);
                };
                self.decide_rename(actor, name, at)
                    .map_err(ApplyEventError::Rename)?
            }
            EventKind::Deleted => self
                .decide_delete(actor, at)
                .map_err(ApplyEventError::Delete)?,
        };
        // The chain was checked above: `prev` is the head, or absent on
        // an unchained stream.
        if produced.with_prev(event.prev()) != *event {
            return Err(ApplyEventError::Mismatch);
        }
        self.commit(event);
        Ok(())
    }

    /// Applies a decided event: the only code that changes the state of a
    /// roster built by its events. `event` is the roster's next and fits
    /// it (decided on it, or checked by [`Roster::apply`]).
    pub(super) fn commit(&mut self, event: &Event) {
        let kind = self.kind();
        let email = &event.member().email;
        match event.kind() {
            EventKind::RosterCreated => {}
            EventKind::Invited => {
                if let (Some(role), Some(digest)) = (event.role(), event.token_digest()) {
                    self.members.insert(Member::pending(
                        event.member().clone(),
                        role,
                        event.custom_role().cloned(),
                        event.at(),
                        event.expires_at(),
                        *digest,
                    ));
                }
            }
            EventKind::Accepted => {
                if let Some(member) = self.members.get_mut(email) {
                    member.accept(event.member().username.clone());
                    if !member.secret_actions(kind).is_empty() {
                        self.secret_access.insert(member.id().clone());
                    }
                }
            }
            EventKind::RoleChanged if event.role() == Some(Role::Owner) => {
                self.commit_promotion(email);
            }
            // The second event of a transfer: the promotion changed both.
            EventKind::RoleChanged if event.previous_role() == Some(Role::Owner) => {}
            EventKind::RoleChanged => {
                if let (Some(role), Some(member)) = (event.role(), self.members.get_mut(email)) {
                    member.set_role(role, event.custom_role().cloned());
                    if member.status() == MemberStatus::Accepted
                        && !member.secret_actions(kind).is_empty()
                    {
                        self.secret_access.insert(member.id().clone());
                    }
                }
                self.drop_stale_transfer();
            }
            EventKind::Removed => {
                if let Some(removed) = self.members.remove(email) {
                    self.secret_access.remove(removed.id());
                }
                self.drop_stale_transfer();
            }
            EventKind::AccountDeleted => {
                if let Some(member) = self.members.get_mut(email) {
                    member.set_status(MemberStatus::UserAccountDeleted);
                }
                self.drop_stale_transfer();
            }
            EventKind::TransferRequested => {
                self.pending_transfer = Some(TransferRequest::new(
                    self.resource.id().clone(),
                    self.owner.email().clone(),
                    email.clone(),
                    event.at(),
                ));
            }
            EventKind::TransferCancelled => self.pending_transfer = None,
            EventKind::Renamed => {
                if let Some(name) = event.name_arc() {
                    self.resource.set_name(name.clone());
                }
            }
            EventKind::Deleted => self.deleted = true,
        }
        self.version = self.version.saturating_add(1);
        if let Some(digest) = event.digest() {
            self.head = digest;
        }
    }

    /// The pending transfer's target (`new_owner`) becomes owner; the
    /// owner becomes an accepted collaborator, last in the listing order.
    fn commit_promotion(&mut self, new_owner: &Email) {
        let Some(mut promoted) = self.members.remove(new_owner) else {
            return;
        };
        self.pending_transfer = None;
        let kind = self.kind();
        self.secret_access.remove(promoted.id());
        promoted.set_role(Role::Owner, None);
        promoted.set_status(MemberStatus::Owner);
        let mut previous = core::mem::replace(&mut self.owner, promoted);
        previous.set_role(Role::Collaborator, None);
        previous.set_status(MemberStatus::Accepted);
        if reads_secrets(kind, Role::Owner) {
            self.secret_access.insert(previous.id().clone());
        }
        self.members.set_owner_id(self.owner.id().clone());
        self.members.insert(previous);
    }

    /// Drops the pending transfer if it can no longer be completed. Every
    /// commit that could invalidate it calls this, live and in replay
    /// alike, so a replay drops it at the same point.
    fn drop_stale_transfer(&mut self) {
        if let Some(request) = &self.pending_transfer {
            if self.check_request(request).is_err() {
                self.pending_transfer = None;
            }
        }
    }

    /// Whether `event` can be the second event of the transfer whose
    /// first event the roster applied last (a snapshot's
    /// `awaiting_event`): the next seq, this resource, the previous
    /// owner's change from owner to collaborator made by the new owner.
    #[cfg(feature = "serde")]
    pub(super) fn check_awaiting(
        &self,
        event: &Event,
    ) -> Result<(), crate::membership::error::RosterError> {
        let previous = self.get(&event.member().email);
        let fits = event.seq() == self.version.saturating_add(1)
            && self.resource.is(event.resource())
            && event
                .prev()
                .map_or(self.head.is_genesis(), |prev| prev == self.head)
            && event.kind() == EventKind::RoleChanged
            && event.role() == Some(Role::Collaborator)
            && event.previous_role() == Some(Role::Owner)
            && event.actor() == self.owner.email()
            && previous.is_some_and(|m| {
                m.status() == MemberStatus::Accepted
                    && m.role() == Role::Collaborator
                    && *m.id() == event.member().id
            });
        if fits {
            Ok(())
        } else {
            Err(crate::membership::error::RosterError::AwaitingEvent)
        }
    }

    /// Rebuilds a roster from its event stream, from nothing: the first
    /// event must be `roster_created` (seq 1), and every later event is
    /// [applied](Roster::apply) in turn: a fold of `apply`. A completed
    /// transfer is its two events in a row; a stream that ends between
    /// them is refused.
    ///
    /// Timestamps are taken as given, like the operations take them: a
    /// stream whose times go backwards replays (the crate keeps no clock
    /// of its own to refuse it with).
    ///
    /// # Errors
    /// [`ReplayError`] with the offending event's index: an empty stream,
    /// a first event that is not `roster_created`, or any
    /// [`ApplyEventError`] of a later event (a gap or an overlap in `seq`,
    /// a second `roster_created`, another resource, an operation the
    /// roster refuses, an unpaired ownership change, an event that does
    /// not match the change it records).
    pub fn replay<'a>(events: impl IntoIterator<Item = &'a Event>) -> Result<Self, ReplayError> {
        let mut events = events.into_iter();
        let Some(first) = events.next() else {
            return Err(ReplayError::new(0, ApplyEventError::Empty));
        };
        let roster = Roster::from_created(first).map_err(|e| ReplayError::new(0, e))?;
        roster.apply_all(events, 1)
    }

    /// The roster a `roster_created` event starts.
    fn from_created(first: &Event) -> Result<Self, ApplyEventError> {
        if first.kind() != EventKind::RosterCreated {
            return Err(ApplyEventError::NotCreatedFirst(first.kind()));
        }
        let Some(name) = first.name() else {
            return Err(ApplyEventError::Mismatch);
        };
        let resource = Resource::new(first.resource().kind(), first.resource().id().clone(), name)
            .map_err(|_| ApplyEventError::Mismatch)?;
        let (mut roster, created) = Roster::create(resource, first.member().clone(), first.at());
        match first.prev() {
            // A stream stored before the chain existed.
            None => roster.head = LogDigest::GENESIS,
            Some(prev) if !prev.is_genesis() => {
                return Err(ApplyEventError::Diverged {
                    head: LogHead {
                        seq: 0,
                        digest: LogDigest::GENESIS,
                    },
                    prev,
                });
            }
            Some(_) => {}
        }
        if created.with_prev(first.prev()) != *first {
            return Err(ApplyEventError::Mismatch);
        }
        Ok(roster)
    }

    /// Continues this roster (typically a snapshot) with the events after
    /// it: the first must have seq `version() + 1`, and each is
    /// [applied](Roster::apply) in turn. Resuming a snapshot with the
    /// rest of its stream rebuilds the same roster as replaying the whole
    /// stream.
    ///
    /// ```
    /// use collab_authz::{
    ///     Account, Email, Invitation, InvitationToken, MemberId, Resource, ResourceId,
    ///     ResourceKind, Roster, Timestamp,
    /// };
    /// use collab_authz::membership::ApplyEventError;
    ///
    /// let owner: Email = "owner@example.com".parse()?;
    /// let app = Resource::new(ResourceKind::App, ResourceId::new("app-1")?, "billing")?;
    /// let account = Account { id: MemberId::new("m-0")?, email: owner.clone(), username: None };
    /// let (mut live, created) = Roster::create(app, account, Timestamp::from_unix_seconds(0));
    /// let snapshot = live.clone(); // at version 1
    /// let mut later = Vec::new();
    /// for (i, who) in ["ada@example.com", "bob@example.com"].into_iter().enumerate() {
    ///     let invite = Invitation::new(
    ///         MemberId::new(format!("m-{}", i + 1))?,
    ///         who.parse()?,
    ///         InvitationToken::new(format!("t-{i}"))?,
    ///     );
    ///     later.push(live.invite(&owner, invite, Timestamp::from_unix_seconds(10))?);
    /// }
    /// assert_eq!(snapshot.clone().resume(&later)?, live);
    ///
    /// // A gap (the first event after the snapshot is missing) is refused.
    /// let err = snapshot.resume(&later[1..]).unwrap_err();
    /// assert_eq!(err.reason(), &ApplyEventError::Gap { expected: 2, found: 3 });
    /// # let _ = created;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`ReplayError`] with the index (in `events`) of the first event
    /// that does not apply ([`ApplyEventError`]: a gap, an overlap, ...), or
    /// [`ApplyEventError::UnpairedTransfer`] at `events`' length when they end
    /// between the two events of a transfer.
    pub fn resume<'a>(
        self,
        events: impl IntoIterator<Item = &'a Event>,
    ) -> Result<Self, ReplayError> {
        self.apply_all(events.into_iter(), 0)
    }

    /// Applies `events` in turn; errors carry their index plus `offset`.
    fn apply_all<'a>(
        mut self,
        events: impl Iterator<Item = &'a Event>,
        offset: usize,
    ) -> Result<Self, ReplayError> {
        let mut index = offset;
        for event in events {
            self.apply(event).map_err(|e| ReplayError::new(index, e))?;
            index += 1;
        }
        if self.awaiting.is_some() {
            return Err(ReplayError::new(index, ApplyEventError::UnpairedTransfer));
        }
        Ok(self)
    }
}
