//! [`Roster`]: one resource's owner and members, and the operations that
//! change them.

use alloc::collections::BTreeSet;

use crate::membership::event::{demotion_advisory, reads_secrets};
use crate::membership::index::{Index, Members};
use crate::membership::{
    AcceptError, Account, AccountDeletedError, Advisory, ChangeRoleError, Email, Event, EventKind,
    EventParts, InvitationToken, InviteError, LeaveError, Member, MemberId, MemberStatus,
    NotPermitted, ReplayError, ReplayErrorKind, Resource, RevokeError, RosterError, Timestamp,
    TransferError, TransferRequest, Username,
};
use crate::{Action, ResourceKind, Role, allows, lowest_role};

/// What [`Roster::invite`] needs: the new membership's id, the invited
/// email, the role (or `None` for the kind's default), the invitation's
/// secret and an optional expiry — all chosen by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    /// The new membership's id (unique in the roster).
    pub id: MemberId,
    /// Who is invited.
    pub email: Email,
    /// The role; `None` means
    /// [`ResourceKind::default_invitation_role`].
    pub role: Option<Role>,
    /// The secret the invitation link carries.
    pub token: InvitationToken,
    /// When the invitation stops being acceptable, if ever.
    pub expires_at: Option<Timestamp>,
}

impl Invitation {
    /// An invitation with the kind's default role and no expiry.
    #[must_use]
    pub fn new(id: MemberId, email: Email, token: InvitationToken) -> Self {
        Self {
            id,
            email,
            role: None,
            token,
            expires_at: None,
        }
    }

    /// The same invitation with an explicit role.
    #[must_use]
    pub fn with_role(mut self, role: Role) -> Self {
        self.role = Some(role);
        self
    }

    /// The same invitation, expiring at `at` (an acceptance at or after
    /// `at` is refused).
    #[must_use]
    pub fn expiring_at(mut self, at: Timestamp) -> Self {
        self.expires_at = Some(at);
        self
    }
}

/// The owner and the members of one app or dedicated database.
///
/// Invariants, kept by every operation and checked again by
/// [`Roster::from_parts`] and deserialization: exactly one owner; every
/// role exists on the resource kind (no limited collaborator on a
/// dedicated database); emails (case-insensitive) and member ids unique;
/// the pending ownership transfer, if any, can be completed as it stands.
///
/// Besides the memberships, a roster holds two pieces of state that
/// replay rebuilds and snapshots keep:
/// - the pending ownership transfer ([`Roster::pending_transfer`]), at
///   most one;
/// - which members held access to data or secrets while accepted
///   ([`Roster::held_secret_access`]), so that removing them later advises
///   rotating secrets even if they were demoted first.
///
/// Every operation takes the acting account (by email, so that the owner,
/// a member, the member themself and a stranger are all expressible) and
/// the caller's "now"; it returns the event(s) recording the change, or a
/// typed error and leaves the roster exactly as it was. Who "may manage"
/// is answered by the permission matrix ([`allows`]); a pending
/// invitation grants nothing.
///
/// Lookups by email and by member id are `O(log n)` (`BTreeMap`s).
///
/// ```
/// use collab_authz::{
///     Account, Email, Invitation, InvitationToken, MemberId, MemberStatus, Resource,
///     ResourceId, ResourceKind, Role, Roster, Timestamp, Username,
/// };
///
/// let owner: Email = "owner@example.com".parse()?;
/// let app = Resource::new(ResourceKind::App, ResourceId::new("app-1")?, "billing")?;
/// let account = Account {
///     id: MemberId::new("m-0")?,
///     email: owner.clone(),
///     username: Some(Username::new("olivia")?),
/// };
/// let (mut roster, _created) = Roster::create(app, account, Timestamp::from_unix_seconds(0));
///
/// let ada: Email = "ada@example.com".parse()?;
/// let token = InvitationToken::new("secret-1")?;
/// let invite = Invitation::new(MemberId::new("m-1")?, ada.clone(), token.clone());
/// let event = roster.invite(&owner, invite, Timestamp::from_unix_seconds(10))?;
/// assert_eq!(event.role(), Some(Role::LimitedCollaborator)); // the app default
///
/// roster.accept(&ada, &token, Username::new("ada")?, Timestamp::from_unix_seconds(20))?;
/// assert_eq!(roster.get(&ada).map(|m| m.status()), Some(MemberStatus::Accepted));
///
/// // A limited collaborator may not manage collaborators:
/// let err = roster.change_role(&ada, &ada, Role::Collaborator, Timestamp::from_unix_seconds(30));
/// assert!(err.is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roster {
    resource: Resource,
    owner: Member,
    /// Every member but the owner, indexed by email and by id (the
    /// owner's id too).
    members: Index,
    /// The ownership transfer the owner asked for and nobody accepted or
    /// cancelled yet; dropped when it can no longer be completed.
    pending_transfer: Option<TransferRequest>,
    /// The ids of the non-owner members who held, while accepted (or as
    /// owner), a role that could read data or secrets.
    secret_access: BTreeSet<MemberId>,
}

impl Roster {
    /// A roster with only its owner, and the `roster_created` event that
    /// starts its event stream (the owner is the actor).
    #[must_use]
    pub fn create(resource: Resource, owner: Account, at: Timestamp) -> (Self, Event) {
        let event = Event::record(EventParts {
            kind: EventKind::RosterCreated,
            resource: resource.clone(),
            member: owner.clone(),
            role: Some(Role::Owner),
            previous_role: None,
            actor: owner.email.clone(),
            at,
            expires_at: None,
            invitation_token: None,
            advisory: None,
        });
        let members = Index::new(owner.id.clone());
        let roster = Self {
            resource,
            owner: Member::owner(owner, at),
            members,
            pending_transfer: None,
            secret_access: BTreeSet::new(),
        };
        (roster, event)
    }

    /// A roster from an owner and members already known (a snapshot, the
    /// public API), checking every invariant.
    ///
    /// It has no pending transfer (see [`Roster::with_pending_transfer`]).
    /// Without a history, every accepted member and every deleted account
    /// is taken to have held its current role while accepted: removing
    /// one whose role reads data or secrets advises rotating them (see
    /// [`Roster::with_secret_access_history`] to give the history).
    ///
    /// # Errors
    /// [`RosterError`] naming the first broken invariant.
    pub fn from_parts(
        resource: Resource,
        owner: Member,
        members: impl IntoIterator<Item = Member>,
    ) -> Result<Self, RosterError> {
        if owner.status() != MemberStatus::Owner || owner.role() != Role::Owner {
            return Err(RosterError::OwnerNotOwner);
        }
        let kind = resource.kind();
        let mut map = Index::new(owner.id().clone());
        for member in members {
            let email = member.email().clone();
            if member.status() == MemberStatus::Owner || member.role() == Role::Owner {
                return Err(RosterError::SecondOwner(email));
            }
            if !kind.has_role(member.role()) {
                return Err(RosterError::RoleNotOnKind {
                    email,
                    role: member.role(),
                    kind,
                });
            }
            if email == *owner.email() || map.contains_email(&email) {
                return Err(RosterError::DuplicateEmail(email));
            }
            if map.contains_id(member.id()) {
                return Err(RosterError::DuplicateId(email));
            }
            map.insert(member);
        }
        let secret_access = map
            .members()
            .filter(|m| m.status() != MemberStatus::Pending && reads_secrets(kind, m.role()))
            .map(|m| m.id().clone())
            .collect();
        Ok(Self {
            resource,
            owner,
            members: map,
            pending_transfer: None,
            secret_access,
        })
    }

    /// The same roster with `request` as its pending ownership transfer,
    /// checked as [`Roster::accept_transfer`] would: same resource, made
    /// by the current owner, target an accepted collaborator.
    ///
    /// # Errors
    /// [`RosterError::Transfer`] saying why the request could not be
    /// completed.
    pub fn with_pending_transfer(mut self, request: TransferRequest) -> Result<Self, RosterError> {
        self.check_request(&request)
            .map_err(RosterError::Transfer)?;
        self.pending_transfer = Some(request);
        Ok(self)
    }

    /// The same roster with `ids` as the members who held access to data
    /// or secrets while accepted (replacing the history
    /// [`Roster::from_parts`] presumes).
    ///
    /// # Errors
    /// [`RosterError::SecretAccessHistory`] for an id that is not an
    /// accepted or deleted non-owner member;
    /// [`RosterError::SecretAccessMissing`] for an accepted member whose
    /// current role reads data or secrets and is not listed.
    pub fn with_secret_access_history(
        mut self,
        ids: impl IntoIterator<Item = MemberId>,
    ) -> Result<Self, RosterError> {
        let mut history = BTreeSet::new();
        for id in ids {
            match self.members.get_by_id(&id) {
                Some(Some(m)) if m.status() != MemberStatus::Pending => {}
                _ => return Err(RosterError::SecretAccessHistory(id)),
            }
            history.insert(id);
        }
        let kind = self.kind();
        if let Some(missing) = self.members.members().find(|m| {
            m.status() == MemberStatus::Accepted
                && reads_secrets(kind, m.role())
                && !history.contains(m.id())
        }) {
            return Err(RosterError::SecretAccessMissing(missing.email().clone()));
        }
        self.secret_access = history;
        Ok(self)
    }

    /// The ownership transfer the owner asked for and nobody has accepted
    /// or cancelled yet, if any.
    #[must_use]
    pub fn pending_transfer(&self) -> Option<&TransferRequest> {
        self.pending_transfer.as_ref()
    }

    /// Whether `email`'s membership held, while accepted (or as owner), a
    /// role that could read data or secrets (an action of
    /// [`Category::DataAndSecrets`](crate::Category::DataAndSecrets)).
    /// Always `true` for the owner; `false` for a stranger and for an
    /// invitation never accepted.
    #[must_use]
    pub fn held_secret_access(&self, email: &Email) -> bool {
        if self.is_owner(email) {
            return reads_secrets(self.kind(), Role::Owner);
        }
        self.members
            .get(email)
            .is_some_and(|m| self.secret_access.contains(m.id()))
    }

    /// The resource.
    #[must_use]
    pub fn resource(&self) -> &Resource {
        &self.resource
    }

    /// The resource's kind.
    #[must_use]
    pub fn kind(&self) -> ResourceKind {
        self.resource.kind()
    }

    /// The owner.
    #[must_use]
    pub fn owner(&self) -> &Member {
        &self.owner
    }

    /// Every member but the owner, ordered by normalized email.
    pub fn members(&self) -> Members<'_> {
        self.members.members()
    }

    /// Every membership: the owner first, then the others by normalized
    /// email.
    pub fn iter(&self) -> impl Iterator<Item = &Member> + Clone {
        core::iter::once(&self.owner).chain(self.members.members())
    }

    /// How many memberships, the owner's included (never zero).
    #[must_use]
    pub fn len(&self) -> usize {
        self.members.len() + 1
    }

    /// Always `false`: a roster has its owner.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The membership of `email` (compared case-insensitively), the
    /// owner's included. `O(log n)`.
    #[must_use]
    pub fn get(&self, email: &Email) -> Option<&Member> {
        self.get_key(email)
    }

    /// The membership with id `id`, the owner's included. `O(log n)`.
    #[must_use]
    pub fn get_by_id(&self, id: &MemberId) -> Option<&Member> {
        match self.members.get_by_id(id)? {
            None => Some(&self.owner),
            Some(member) => Some(member),
        }
    }

    /// The role whose rights `email` holds on the resource: `None` for a
    /// stranger, a pending invitation or a deleted account.
    #[must_use]
    pub fn effective_role(&self, email: &Email) -> Option<Role> {
        self.get(email).and_then(Member::effective_role)
    }

    /// Whether `actor` may perform the collaborator-management `action`
    /// here, asked of the permission matrix: the actor's effective role
    /// must hold it ([`allows`]). Returns that role.
    ///
    /// # Errors
    /// [`NotPermitted`] saying why: stranger, inactive membership, or a
    /// role that lacks the action (with the least role that has it).
    pub fn may(&self, actor: &Email, action: Action) -> Result<Role, NotPermitted> {
        let member = self.get(actor).ok_or(NotPermitted::Stranger)?;
        let role = member.effective_role().ok_or(NotPermitted::Inactive {
            status: member.status(),
        })?;
        let kind = self.kind();
        if allows(role, kind, action) {
            Ok(role)
        } else {
            Err(NotPermitted::RoleLacks {
                role,
                kind,
                action,
                lowest: lowest_role(kind, action),
            })
        }
    }

    fn get_key(&self, key: &Email) -> Option<&Member> {
        if self.owner.email() == key {
            Some(&self.owner)
        } else {
            self.members.get(key)
        }
    }

    fn is_owner(&self, email: &Email) -> bool {
        self.owner.email() == email
    }

    fn event(
        &self,
        kind: EventKind,
        member: Account,
        role: Option<Role>,
        previous_role: Option<Role>,
        actor: &Email,
        at: Timestamp,
    ) -> Event {
        Event::record(EventParts {
            kind,
            resource: self.resource.clone(),
            member,
            role,
            previous_role,
            actor: actor.clone(),
            at,
            expires_at: None,
            invitation_token: None,
            advisory: None,
        })
    }

    /// Invites `invitation.email` with `invitation.role`, or the kind's
    /// default role (`limited_collaborator` on an app, `collaborator` on
    /// a dedicated database). The new membership is pending and grants
    /// nothing until accepted.
    ///
    /// # Errors
    /// [`InviteError`]: the actor may not invite (matrix:
    /// `invite_collaborator`); the role is owner or does not exist on the
    /// kind; the email already has a membership in any status; the id is
    /// taken; the expiry is not after `now`.
    pub fn invite(
        &mut self,
        actor: &Email,
        invitation: Invitation,
        now: Timestamp,
    ) -> Result<Event, InviteError> {
        self.may(actor, Action::InviteCollaborator)?;
        let kind = self.kind();
        let role = invitation.role.unwrap_or(kind.default_invitation_role());
        if role == Role::Owner {
            return Err(InviteError::OwnerRole);
        }
        if !kind.has_role(role) {
            return Err(InviteError::RoleNotOnKind { role, kind });
        }
        if let Some(existing) = self.get(&invitation.email) {
            return Err(InviteError::AlreadyMember {
                email: existing.email().clone(),
                status: existing.status(),
            });
        }
        if self.members.contains_id(&invitation.id) {
            return Err(InviteError::DuplicateId);
        }
        if let Some(expires_at) = invitation.expires_at {
            if expires_at <= now {
                return Err(InviteError::AlreadyExpired { expires_at, now });
            }
        }
        let Invitation {
            id,
            email,
            token,
            expires_at,
            ..
        } = invitation;
        let account = Account {
            id,
            email,
            username: None,
        };
        let mut event = self.event(
            EventKind::Invited,
            account.clone(),
            Some(role),
            None,
            actor,
            now,
        );
        event.set_invitation(expires_at, token.clone());
        self.members
            .insert(Member::pending(account, role, now, expires_at, token));
        Ok(event)
    }

    /// The invited person (`actor`, the invited email) accepts with the
    /// invitation's `token`, recording their `username`.
    ///
    /// # Errors
    /// [`AcceptError`]: no membership for the actor; not pending; wrong
    /// token; expired (`now` at or after the expiry the inviter set).
    pub fn accept(
        &mut self,
        actor: &Email,
        token: &InvitationToken,
        username: Username,
        now: Timestamp,
    ) -> Result<Event, AcceptError> {
        if self.is_owner(actor) {
            return Err(AcceptError::NotPending {
                status: MemberStatus::Owner,
            });
        }
        let member = self
            .members
            .get_mut(actor)
            .ok_or(AcceptError::NoInvitation)?;
        if member.status() != MemberStatus::Pending {
            return Err(AcceptError::NotPending {
                status: member.status(),
            });
        }
        if !member
            .token()
            .is_some_and(|expected| expected.verify(token))
        {
            return Err(AcceptError::WrongToken);
        }
        if let Some(expires_at) = member.expires_at() {
            if now >= expires_at {
                return Err(AcceptError::Expired { expires_at });
            }
        }
        member.accept(username);
        let (account, role) = (member.account(), member.role());
        if reads_secrets(self.resource.kind(), role) {
            self.secret_access.insert(account.id.clone());
        }
        Ok(self.event(EventKind::Accepted, account, Some(role), None, actor, now))
    }

    /// Changes `member`'s role to `role`.
    ///
    /// Demoting an accepted member to a role without some `data_and_secrets`
    /// action they held carries
    /// [`Advisory::RotateSecrets`](crate::Advisory::RotateSecrets). A role
    /// change of a pending transfer's target drops the transfer.
    ///
    /// # Errors
    /// [`ChangeRoleError`]: the actor may not change roles (matrix:
    /// `change_collaborator_role`); the member is the owner or unknown;
    /// `role` is owner, does not exist on the kind, or is the member's
    /// role already.
    pub fn change_role(
        &mut self,
        actor: &Email,
        member: &Email,
        role: Role,
        now: Timestamp,
    ) -> Result<Event, ChangeRoleError> {
        self.may(actor, Action::ChangeCollaboratorRole)?;
        if self.is_owner(member) {
            return Err(ChangeRoleError::TargetIsOwner);
        }
        let kind = self.kind();
        let target = self
            .members
            .get(member)
            .ok_or(ChangeRoleError::NoSuchMember)?;
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
        let accepted = target.status() == MemberStatus::Accepted;
        let id = target.id().clone();
        let mut event = self.event(
            EventKind::RoleChanged,
            target.account(),
            Some(role),
            Some(previous),
            actor,
            now,
        );
        if accepted {
            event.set_advisory(demotion_advisory(kind, previous, role));
            if reads_secrets(kind, role) {
                self.secret_access.insert(id);
            }
        }
        if let Some(target) = self.members.get_mut(member) {
            target.set_role(role);
        }
        self.drop_stale_transfer();
        Ok(event)
    }

    /// Removes `member` (pending, accepted or deleted account). The event
    /// carries [`Advisory::RotateSecrets`](crate::Advisory::RotateSecrets)
    /// when the member ever held, while accepted, a role that could read
    /// data or secrets ([`Roster::held_secret_access`]); an invitation
    /// never accepted granted nothing and carries none.
    ///
    /// # Errors
    /// [`RevokeError`]: the actor may not revoke (matrix:
    /// `revoke_collaborator`); the member is the owner or unknown.
    pub fn revoke(
        &mut self,
        actor: &Email,
        member: &Email,
        now: Timestamp,
    ) -> Result<Event, RevokeError> {
        self.may(actor, Action::RevokeCollaborator)?;
        if self.is_owner(member) {
            return Err(RevokeError::TargetIsOwner);
        }
        self.remove(actor, member, now)
            .ok_or(RevokeError::NoSuchMember)
    }

    /// The actor stops collaborating (or declines a pending invitation):
    /// any non-owner membership, limited included. Carries the same
    /// advisory as [`Roster::revoke`].
    ///
    /// # Errors
    /// [`LeaveError`]: the actor is the owner or has no membership.
    pub fn leave(&mut self, actor: &Email, now: Timestamp) -> Result<Event, LeaveError> {
        if self.is_owner(actor) {
            return Err(LeaveError::Owner);
        }
        self.remove(actor, actor, now).ok_or(LeaveError::NotAMember)
    }

    /// Removes a non-owner member, if present; `None` changes nothing.
    fn remove(&mut self, actor: &Email, member: &Email, now: Timestamp) -> Option<Event> {
        let removed = self.members.remove(member)?;
        let advisory = self
            .secret_access
            .remove(removed.id())
            .then_some(Advisory::RotateSecrets);
        let mut event = self.event(
            EventKind::Removed,
            removed.account(),
            None,
            Some(removed.role()),
            actor,
            now,
        );
        event.set_advisory(advisory);
        self.drop_stale_transfer();
        Some(event)
    }

    /// The platform reports that the account behind `member`'s accepted
    /// membership was deleted: the membership stays, with status
    /// `user_account_deleted`, its role and no rights, until revoked.
    ///
    /// The actor recorded is the member: the account holder deleted their
    /// own account, and the platform only reports it (the crate has no
    /// account for the platform itself). Carries
    /// [`Advisory::RotateSecrets`](crate::Advisory::RotateSecrets) when the
    /// member held access to data or secrets. A pending transfer to the
    /// member is dropped.
    ///
    /// # Errors
    /// [`AccountDeletedError`]: the member is unknown, the owner, or not
    /// accepted (a pending invitation has no account behind it yet; a
    /// deleted account is deleted already).
    pub fn account_deleted(
        &mut self,
        member: &Email,
        now: Timestamp,
    ) -> Result<Event, AccountDeletedError> {
        if self.is_owner(member) {
            return Err(AccountDeletedError::Owner);
        }
        let target = self
            .members
            .get(member)
            .ok_or(AccountDeletedError::NoSuchMember)?;
        if target.status() != MemberStatus::Accepted {
            return Err(AccountDeletedError::NotAccepted {
                status: target.status(),
            });
        }
        let advisory = self
            .secret_access
            .contains(target.id())
            .then_some(Advisory::RotateSecrets);
        let mut event = self.event(
            EventKind::AccountDeleted,
            target.account(),
            Some(target.role()),
            None,
            target.email(),
            now,
        );
        event.set_advisory(advisory);
        if let Some(target) = self.members.get_mut(member) {
            target.set_status(MemberStatus::UserAccountDeleted);
        }
        self.drop_stale_transfer();
        Ok(event)
    }

    /// The owner asks to hand the resource to `to`, an accepted
    /// collaborator. The roster records the request as its pending
    /// transfer ([`Roster::pending_transfer`]) until the target accepts
    /// ([`Roster::accept_transfer`]), the owner or the target cancels
    /// ([`Roster::cancel_transfer`]), or a change makes it impossible (the
    /// target revoked, leaving, changing role or losing their account).
    ///
    /// A second request while one is pending is refused, not a
    /// replacement: cancel the pending one first. Returns the
    /// `ownership_transfer_requested` event (member: the target; no role).
    ///
    /// # Errors
    /// [`TransferError`]: the actor may not transfer (matrix:
    /// `transfer_ownership`, owner only); a transfer is pending already;
    /// the target is unknown or not an accepted collaborator.
    pub fn request_transfer(
        &mut self,
        actor: &Email,
        to: &Email,
        now: Timestamp,
    ) -> Result<Event, TransferError> {
        self.may(actor, Action::TransferOwnership)?;
        if self.pending_transfer.is_some() {
            return Err(TransferError::AlreadyPending);
        }
        let target = self.check_transfer_target(to)?;
        let request = TransferRequest::new(
            self.resource.id().clone(),
            self.owner.email().clone(),
            target.email().clone(),
            now,
        );
        let event = self.event(
            EventKind::TransferRequested,
            target.account(),
            None,
            None,
            actor,
            now,
        );
        self.pending_transfer = Some(request);
        Ok(event)
    }

    fn check_transfer_target(&self, to: &Email) -> Result<&Member, TransferError> {
        let target = self.get(to).ok_or(TransferError::NoSuchMember)?;
        if target.status() != MemberStatus::Accepted || target.role() != Role::Collaborator {
            return Err(TransferError::NotAcceptedCollaborator {
                status: target.status(),
                role: target.role(),
            });
        }
        Ok(target)
    }

    /// Whether `request` could be completed on the roster as it is: same
    /// resource, made by the current owner, target an accepted
    /// collaborator.
    fn check_request(&self, request: &TransferRequest) -> Result<(), TransferError> {
        if request.resource() != self.resource.id() {
            return Err(TransferError::WrongResource);
        }
        if request.from() != self.owner.email() {
            return Err(TransferError::NotFromOwner);
        }
        self.check_transfer_target(request.to()).map(|_| ())
    }

    /// Drops the pending transfer if it can no longer be completed. Every
    /// operation that could invalidate it calls this, live and in replay
    /// alike, so a replay drops it at the same point.
    fn drop_stale_transfer(&mut self) {
        if let Some(request) = &self.pending_transfer {
            if self.check_request(request).is_err() {
                self.pending_transfer = None;
            }
        }
    }

    /// The target (`actor`) accepts the pending transfer, presented as
    /// `request`: they become owner and the previous owner becomes an
    /// accepted `collaborator`. Returns the two `collaborator_role_changed`
    /// events: the new owner's, then the previous owner's (which carries
    /// [`Advisory::RotateSecrets`](crate::Advisory::RotateSecrets) if the
    /// owner role held `data_and_secrets` actions that collaborator lacks).
    ///
    /// `request` must equal the roster's pending transfer: a request never
    /// made (a forged value), cancelled, or dropped by a later change is
    /// refused.
    ///
    /// # Errors
    /// [`TransferError`]: no transfer is pending; the request is for
    /// another resource or is not the pending one; the actor is not its
    /// target.
    pub fn accept_transfer(
        &mut self,
        actor: &Email,
        request: &TransferRequest,
        now: Timestamp,
    ) -> Result<[Event; 2], TransferError> {
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
        // again anyway, before changing anything.
        self.check_request(pending)?;
        let Some(mut new_owner) = self.members.remove(pending.to()) else {
            return Err(TransferError::NoSuchMember);
        };
        self.pending_transfer = None;
        let kind = self.kind();
        self.secret_access.remove(new_owner.id());
        new_owner.set_role(Role::Owner);
        new_owner.set_status(MemberStatus::Owner);
        let mut old_owner = core::mem::replace(&mut self.owner, new_owner);
        old_owner.set_role(Role::Collaborator);
        old_owner.set_status(MemberStatus::Accepted);
        if reads_secrets(kind, Role::Owner) {
            self.secret_access.insert(old_owner.id().clone());
        }
        let promoted = self.event(
            EventKind::RoleChanged,
            self.owner.account(),
            Some(Role::Owner),
            Some(Role::Collaborator),
            actor,
            now,
        );
        let mut demoted = self.event(
            EventKind::RoleChanged,
            old_owner.account(),
            Some(Role::Collaborator),
            Some(Role::Owner),
            actor,
            now,
        );
        demoted.set_advisory(demotion_advisory(kind, Role::Owner, Role::Collaborator));
        self.members.set_owner_id(self.owner.id().clone());
        self.members.insert(old_owner);
        Ok([promoted, demoted])
    }

    /// The owner or the target cancels the pending transfer. Returns the
    /// `ownership_transfer_cancelled` event (member: the target; no role).
    ///
    /// # Errors
    /// [`TransferError`]: no transfer is pending, or the actor is neither
    /// the owner nor the target.
    pub fn cancel_transfer(
        &mut self,
        actor: &Email,
        now: Timestamp,
    ) -> Result<Event, TransferError> {
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
        let event = self.event(EventKind::TransferCancelled, target, None, None, actor, now);
        self.pending_transfer = None;
        Ok(event)
    }

    /// Rebuilds a roster from its event stream, from nothing: the first
    /// event must be `roster_created`, and every later event is applied
    /// with the same operation, actor and time, and must come out
    /// identical. A completed transfer is its two events in a row, after
    /// the `ownership_transfer_requested` event that made it pending; the
    /// pending transfer is dropped by the same rule as live, so the
    /// rebuilt roster holds the same pending transfer and secret-access
    /// history.
    ///
    /// Timestamps are taken as given, like the operations take them: a
    /// stream whose times go backwards replays (the crate keeps no clock
    /// of its own to refuse it with).
    ///
    /// # Errors
    /// [`ReplayError`] with the offending event's index: an empty stream,
    /// a second `roster_created` (two owners), an event about another
    /// resource, an operation the roster refuses (accept without invite,
    /// ...), an unpaired ownership change, or an event that does not
    /// match the change it records.
    pub fn replay<'a>(events: impl IntoIterator<Item = &'a Event>) -> Result<Self, ReplayError> {
        let mut events = events.into_iter().enumerate();
        let Some((_, first)) = events.next() else {
            return Err(ReplayError::new(0, ReplayErrorKind::Empty));
        };
        if first.kind() != EventKind::RosterCreated {
            return Err(ReplayError::new(
                0,
                ReplayErrorKind::NotCreatedFirst(first.kind()),
            ));
        }
        let (mut roster, created) =
            Roster::create(first.resource().clone(), first.member().clone(), first.at());
        if created != *first {
            return Err(ReplayError::new(0, ReplayErrorKind::Mismatch));
        }
        while let Some((i, event)) = events.next() {
            let fail = |kind| ReplayError::new(i, kind);
            if event.resource() != roster.resource() {
                return Err(fail(ReplayErrorKind::OtherResource));
            }
            let actor = event.actor();
            let email = &event.member().email;
            let at = event.at();
            let produced = match event.kind() {
                EventKind::RosterCreated => return Err(fail(ReplayErrorKind::SecondOwner)),
                EventKind::Invited => {
                    let (Some(token), Some(role)) = (event.invitation_token(), event.role()) else {
                        return Err(fail(ReplayErrorKind::Mismatch));
                    };
                    let invitation = Invitation {
                        id: event.member().id.clone(),
                        email: email.clone(),
                        role: Some(role),
                        token: token.clone(),
                        expires_at: event.expires_at(),
                    };
                    roster
                        .invite(actor, invitation, at)
                        .map_err(|e| fail(ReplayErrorKind::Invite(e)))?
                }
                EventKind::Accepted => {
                    let token = match roster.get(email) {
                        None => Err(AcceptError::NoInvitation),
                        Some(m) if m.status() != MemberStatus::Pending => {
                            Err(AcceptError::NotPending { status: m.status() })
                        }
                        Some(m) => m.token().cloned().ok_or(AcceptError::WrongToken),
                    }
                    .map_err(|e| fail(ReplayErrorKind::Accept(e)))?;
                    let Some(username) = event.member().username.clone() else {
                        return Err(fail(ReplayErrorKind::Mismatch));
                    };
                    roster
                        .accept(actor, &token, username, at)
                        .map_err(|e| fail(ReplayErrorKind::Accept(e)))?
                }
                EventKind::Removed if actor == email => roster
                    .leave(actor, at)
                    .map_err(|e| fail(ReplayErrorKind::Leave(e)))?,
                EventKind::Removed => roster
                    .revoke(actor, email, at)
                    .map_err(|e| fail(ReplayErrorKind::Revoke(e)))?,
                EventKind::RoleChanged if event.role() == Some(Role::Owner) => {
                    let Some((j, second)) = events.next() else {
                        return Err(fail(ReplayErrorKind::UnpairedTransfer));
                    };
                    let request = roster
                        .pending_transfer
                        .clone()
                        .ok_or_else(|| fail(ReplayErrorKind::Transfer(TransferError::NoPending)))?;
                    let [promoted, demoted] = roster
                        .accept_transfer(actor, &request, at)
                        .map_err(|e| fail(ReplayErrorKind::Transfer(e)))?;
                    if demoted != *second {
                        return Err(ReplayError::new(j, ReplayErrorKind::UnpairedTransfer));
                    }
                    promoted
                }
                EventKind::RoleChanged if event.previous_role() == Some(Role::Owner) => {
                    return Err(fail(ReplayErrorKind::UnpairedTransfer));
                }
                EventKind::RoleChanged => {
                    let Some(role) = event.role() else {
                        return Err(fail(ReplayErrorKind::Mismatch));
                    };
                    roster
                        .change_role(actor, email, role, at)
                        .map_err(|e| fail(ReplayErrorKind::ChangeRole(e)))?
                }
                EventKind::TransferRequested => roster
                    .request_transfer(actor, email, at)
                    .map_err(|e| fail(ReplayErrorKind::Transfer(e)))?,
                EventKind::TransferCancelled => roster
                    .cancel_transfer(actor, at)
                    .map_err(|e| fail(ReplayErrorKind::Transfer(e)))?,
                EventKind::AccountDeleted => roster
                    .account_deleted(email, at)
                    .map_err(|e| fail(ReplayErrorKind::AccountDeleted(e)))?,
            };
            if produced != *event {
                return Err(fail(ReplayErrorKind::Mismatch));
            }
        }
        Ok(roster)
    }
}

impl<'a> IntoIterator for &'a Roster {
    type Item = &'a Member;
    type IntoIter = core::iter::Chain<core::iter::Once<&'a Member>, Members<'a>>;
    fn into_iter(self) -> Self::IntoIter {
        core::iter::once(&self.owner).chain(self.members.members())
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Roster {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;

        struct All<'a>(&'a Roster);
        impl serde::Serialize for All<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_seq(self.0.members())
            }
        }

        let mut s = serializer.serialize_struct("Roster", 5)?;
        s.serialize_field("resource", &self.resource)?;
        s.serialize_field("owner", &self.owner)?;
        s.serialize_field("members", &All(self))?;
        if let Some(request) = &self.pending_transfer {
            s.serialize_field("pending_transfer", request)?;
        } else {
            s.skip_field("pending_transfer")?;
        }
        s.serialize_field("secret_access", &self.secret_access)?;
        s.end()
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Roster {
    /// Reads a snapshot written by `Serialize` and checks every invariant
    /// again ([`Roster::from_parts`]), the pending transfer
    /// ([`Roster::with_pending_transfer`]) and the secret-access history
    /// ([`Roster::with_secret_access_history`]; when missing, presumed as
    /// `from_parts` does) included.
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Raw {
            resource: Resource,
            owner: Member,
            #[serde(default)]
            members: alloc::vec::Vec<Member>,
            #[serde(default)]
            pending_transfer: Option<TransferRequest>,
            #[serde(default)]
            secret_access: Option<alloc::vec::Vec<MemberId>>,
        }
        let raw = Raw::deserialize(deserializer)?;
        let mut roster = Roster::from_parts(raw.resource, raw.owner, raw.members)
            .map_err(serde::de::Error::custom)?;
        if let Some(history) = raw.secret_access {
            roster = roster
                .with_secret_access_history(history)
                .map_err(serde::de::Error::custom)?;
        }
        if let Some(request) = raw.pending_transfer {
            roster = roster
                .with_pending_transfer(request)
                .map_err(serde::de::Error::custom)?;
        }
        Ok(roster)
    }
}
