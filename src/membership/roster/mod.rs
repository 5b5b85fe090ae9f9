//! [`Roster`]: one resource's owner and members, and the operations that
//! change them.
//!
//! Split in four: this file holds the state and its reads; `stored` its
//! stored form (serde); `decide` the pure decisions (`&self` in, events out); `apply`
//! the one place that changes the state from an event, the mutating
//! operations (decide, then apply) and replay.

mod apply;
mod decide;
mod door;
#[cfg(feature = "serde")]
mod stored;

use alloc::boxed::Box;
use alloc::collections::BTreeSet;

use crate::membership::chain::{LogDigest, LogHead};
use crate::membership::email::Email;
use crate::membership::error::{Gate, NotPermitted, RosterError, TransferError};
use crate::membership::event::{Event, EventKind, reads_secrets};
use crate::membership::index::{Index, Members};
use crate::membership::member::{
    Account, InvitationToken, Member, MemberId, MemberRef, MemberStatus, Resource, Timestamp,
};
use crate::membership::transfer::TransferRequest;
use crate::rules::action::Action;
use crate::rules::matrix::{allows, lowest_role};
use crate::rules::resource_kind::ResourceKind;
use crate::rules::role::Role;

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
/// # Decide, store, apply
///
/// Every operation is a pure decision on `&self` (`decide_invite`,
/// `decide_accept`, ..., `decide_delete`) that returns the event(s)
/// without changing the roster, and [`Roster::apply`] validates and
/// applies one event. The mutating methods (`invite`, `accept`, ...) are
/// exactly a decision followed by its application. A service decides
/// against a shared snapshot, appends the events at their
/// [`seq`](Event::seq) under a unique `(resource, seq)` key (optimistic
/// concurrency: the event decided at [version](Roster::version) `v` is
/// stored at seq `v + 1`), then applies them.
///
/// A roster counts the events applied: its [version](Roster::version)
/// (`roster_created` is event 1, so a new roster is at version 1). A
/// snapshot (serde) carries the version, and [`Roster::resume`] continues
/// it with the events after it, refusing a gap or an overlap.
///
/// A [deleted](Roster::delete) roster is closed: every later decision and
/// application is refused (`Closed`).
///
/// Lookups by email and by member id are `O(log n)` (`BTreeMap`s);
/// [`Roster::iter`] lists the owner first, then the members in the order
/// they joined.
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
/// // Decide first (pure), then apply: what a service does around its store.
/// let accepted = roster.decide_accept(&ada, &token, Username::new("ada")?, Timestamp::from_unix_seconds(20))?;
/// assert_eq!(accepted.seq(), roster.version() + 1);
/// roster.apply(&accepted)?;
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
    /// owner's id too), in the order they joined.
    members: Index,
    /// The ownership transfer the owner asked for and nobody accepted or
    /// cancelled yet; dropped when it can no longer be completed.
    pending_transfer: Option<TransferRequest>,
    /// The ids of the non-owner members who held, while accepted (or as
    /// owner), a role that could read data or secrets.
    secret_access: BTreeSet<MemberId>,
    /// How many events were applied (`roster_created` included).
    version: u64,
    /// The digest of the stream up to its last chained event
    /// ([`LogDigest::GENESIS`] before any).
    head: LogDigest,
    /// Whether `resource_deleted` was applied: the roster is closed.
    deleted: bool,
    /// The second event of a completed ownership transfer whose first
    /// event was applied alone: the only event [`Roster::apply`] takes
    /// next.
    awaiting: Option<Box<Event>>,
}

impl Roster {
    /// A roster with only its owner, and the `roster_created` event that
    /// starts its event stream (the owner is the actor).
    #[must_use]
    pub fn create(resource: Resource, owner: Account, at: Timestamp) -> (Self, Event) {
        let event = Event::record(
            1,
            EventKind::RosterCreated,
            resource.to_ref(),
            owner.clone(),
            owner.email.clone(),
            at,
        )
        .with_roles(Some(Role::Owner), None)
        .with_name(resource.name_arc().clone())
        .with_prev(Some(LogDigest::GENESIS));
        let head = event.digest().unwrap_or(LogDigest::GENESIS);
        let members = Index::new(owner.id.clone());
        let roster = Self {
            resource,
            owner: Member::owner(owner, at),
            members,
            pending_transfer: None,
            secret_access: BTreeSet::new(),
            version: 1,
            head,
            deleted: false,
            awaiting: None,
        };
        (roster, event)
    }

    /// A roster from an owner and members already known (a snapshot, the
    /// public API), checking every invariant. The members keep the given
    /// order ([`Roster::iter`]).
    ///
    /// Its [version](Roster::version) is 1, as if just created (a roster
    /// always counts its `roster_created`): the next event decided on it
    /// is event 2. A roster imported from elsewhere at a known point of a
    /// stream takes that point with [`Roster::with_version`].
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
        Self::from_members(resource, owner, members.into_iter().collect(), true)
    }

    /// [`Roster::from_parts`] on a list of members, the secret-access
    /// history presumed (`presume_history`) or left empty for the caller
    /// to give.
    ///
    /// Linear checks first: each member's own rules in one pass, then the
    /// uniqueness of emails and ids through sorted keys
    /// ([`Index::build`]). Only when one of them fails are the members
    /// checked again one by one ([`Roster::index_one_by_one`]), which
    /// names the first broken invariant in the members' order: the error
    /// is the same either way.
    fn from_members(
        resource: Resource,
        owner: Member,
        members: alloc::vec::Vec<Member>,
        presume_history: bool,
    ) -> Result<Self, RosterError> {
        if owner.status() != MemberStatus::Owner || owner.role() != Role::Owner {
            return Err(RosterError::OwnerNotOwner);
        }
        let kind = resource.kind();
        let fits = members.iter().all(|m| fits_kind(m, kind));
        let built = match fits {
            true => Index::build(owner.id(), owner.email(), members),
            false => Err(members),
        };
        let map = match built {
            Ok(map) => map,
            Err(members) => Self::index_one_by_one(&owner, kind, members)?,
        };
        let secret_access = match presume_history {
            true => map
                .members()
                .filter(|m| {
                    m.status() != MemberStatus::Pending && !m.secret_actions(kind).is_empty()
                })
                .map(|m| m.id().clone())
                .collect(),
            false => BTreeSet::new(),
        };
        Ok(Self {
            resource,
            owner,
            members: map,
            pending_transfer: None,
            secret_access,
            version: 1,
            head: LogDigest::GENESIS,
            deleted: false,
            awaiting: None,
        })
    }

    /// The index of `members`, checked and inserted one by one: the
    /// first member (in their order) that breaks an invariant names the
    /// error.
    fn index_one_by_one(
        owner: &Member,
        kind: ResourceKind,
        members: alloc::vec::Vec<Member>,
    ) -> Result<Index, RosterError> {
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
            if member.custom_role().is_some_and(|c| c.kind() != kind) {
                return Err(RosterError::CustomRoleKind(email));
            }
            if email == *owner.email() || map.contains_email(&email) {
                return Err(RosterError::DuplicateEmail(email));
            }
            if map.contains_id(member.id()) {
                return Err(RosterError::DuplicateId(email));
            }
            map.insert(member);
        }
        Ok(map)
    }

    /// The same roster at `version`: for importing a roster built by
    /// [`Roster::from_parts`] (from the public API, say) as the state of a
    /// stream after `version` events, so that the events after it apply
    /// ([`Roster::apply`] takes seq `version + 1` next). A roster always
    /// counts its creation: 0 is taken as 1. No stream is longer than
    /// [`Event::MAX_SEQ`] events: a larger version is taken as
    /// `Event::MAX_SEQ`, where every operation is refused
    /// (`VersionExhausted`) and the snapshot reads back.
    #[must_use]
    pub fn with_version(mut self, version: u64) -> Self {
        self.version = version.clamp(1, Event::MAX_SEQ);
        self
    }

    /// The same roster at `head`: [`Roster::with_version`] at `head.seq`,
    /// and the digest of the stream up to it, so that the events after it
    /// apply ([`Roster::apply`] takes seq `head.seq + 1` stating
    /// `head.digest` next). A roster imported at a point of a chained
    /// stream needs its head; [`Roster::with_version`] alone keeps the
    /// roster's digest ([`LogDigest::GENESIS`] after
    /// [`Roster::from_parts`]), which only an unchained stream or a new
    /// chain follows.
    #[must_use]
    pub fn with_head(self, head: LogHead) -> Self {
        let mut roster = self.with_version(head.seq);
        roster.head = head.digest;
        roster
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
                && !m.secret_actions(kind).is_empty()
                && !history.contains(m.id())
        }) {
            return Err(RosterError::SecretAccessMissing(missing.email().clone()));
        }
        self.secret_access = history;
        Ok(self)
    }

    /// [`Roster::with_secret_access_history`] for a stored history: when
    /// `ids` are strictly ascending (as a snapshot writes them), checked
    /// in one merge with the ids of the roster; otherwise, or when that
    /// check fails, one by one, which names the first fault.
    #[cfg(feature = "serde")]
    fn with_stored_history(mut self, ids: alloc::vec::Vec<MemberId>) -> Result<Self, RosterError> {
        if self.history_fits(&ids) {
            // Sorted and unique: built in one linear pass.
            self.secret_access = ids.into_iter().collect();
            Ok(self)
        } else {
            self.with_secret_access_history(ids)
        }
    }

    /// Whether `ids`, strictly ascending, is a history that
    /// [`Roster::with_secret_access_history`] takes: each an accepted or
    /// deleted non-owner member, and every accepted member whose role
    /// reads data or secrets listed. One pass over `ids` and the roster's
    /// ids, both in order. `false` for ids out of order.
    #[cfg(feature = "serde")]
    fn history_fits(&self, ids: &[MemberId]) -> bool {
        if !ids.windows(2).all(|w| matches!(w, [a, b] if a < b)) {
            return false;
        }
        let kind = self.kind();
        let mut listed = ids.iter().peekable();
        for (id, member) in self.members.ids() {
            let is_listed = match listed.peek() {
                // An id no member has.
                Some(&next) if next < id => return false,
                Some(&next) if next == id => listed.next().is_some(),
                _ => false,
            };
            let refused = match member {
                // The owner's id, listed.
                None => is_listed,
                Some(None) => true,
                // A pending invitation, listed.
                Some(Some(m)) if is_listed => m.status() == MemberStatus::Pending,
                // An accepted member who reads data or secrets, missing.
                Some(Some(m)) => {
                    m.status() == MemberStatus::Accepted && !m.secret_actions(kind).is_empty()
                }
            };
            if refused {
                return false;
            }
        }
        listed.next().is_none()
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

    /// Every member but the owner, in the order they joined the roster
    /// (invitation order; a previous owner joins when the transfer
    /// completes; [`Roster::from_parts`] and snapshots keep their order).
    pub fn members(&self) -> Members<'_> {
        self.members.members()
    }

    /// Every membership: the owner first, then the others in the order
    /// they joined ([`Roster::members`]).
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

    /// The membership addressed by email or by id
    /// ([`MemberRef`]), the owner's included. `O(log n)`.
    #[must_use]
    pub fn find<'m>(&self, member: impl Into<MemberRef<'m>>) -> Option<&Member> {
        match member.into() {
            MemberRef::Email(email) => self.get(email),
            MemberRef::Id(id) => self.get_by_id(id),
        }
    }

    /// How many events were applied to this roster: 1 for a new roster
    /// (its `roster_created`, and for a roster built by
    /// [`Roster::from_parts`]), one more for every event since. The next
    /// event decided has [`seq`](Event::seq) `version() + 1`. Never 0.
    #[must_use]
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The head of the stream this roster rebuilds: its
    /// [version](Roster::version) and the digest of the stream up to its
    /// last chained event ([`LogDigest::GENESIS`] for a roster built by
    /// [`Roster::from_parts`], or resumed from a snapshot written before
    /// the chain existed, until a chained event is applied). The next
    /// event decided states this digest as its [`prev`](Event::prev), and
    /// [`Roster::apply`] takes only an event that does. A store keeps it
    /// beside the stream and moves both with one compare-and-set.
    #[must_use]
    pub fn head(&self) -> LogHead {
        LogHead {
            seq: self.version,
            digest: self.head,
        }
    }

    /// Whether the resource was deleted ([`Roster::delete`]): a deleted
    /// roster refuses every operation (`Closed`) and every further event
    /// ([`ApplyEventError::Closed`](crate::membership::ApplyEventError::Closed)).
    #[must_use]
    pub fn is_deleted(&self) -> bool {
        self.deleted
    }

    /// The second event of a completed ownership transfer whose first
    /// event was applied alone, if any: [`Roster::apply`] takes only it
    /// next, and every decision is refused (`TransferIncomplete`) until
    /// it is applied.
    #[must_use]
    pub fn awaiting_event(&self) -> Option<&Event> {
        self.awaiting.as_deref()
    }

    /// Whether `actor` may view the collaborators (the roster, its
    /// listing): the owner and accepted members may. Returns their role.
    ///
    /// Viewing is the one question that is not an action of the matrix;
    /// every action is asked of [`Roster::decide`]. The role returned is
    /// the built-in one, a custom role's *base* for a member who holds one:
    /// an upper bound of their rights, never a role to pass to the free
    /// [`decide`](crate::decide) (that would widen a custom role).
    ///
    /// # Errors
    /// [`NotPermitted::Stranger`] for an email with no membership;
    /// [`NotPermitted::Inactive`] for a pending invitation or a deleted
    /// account. A deleted resource is the caller's to check
    /// ([`Roster::is_deleted`]).
    pub fn may_view(&self, actor: &Email) -> Result<Role, NotPermitted> {
        let member = self.get(actor).ok_or(NotPermitted::Stranger)?;
        member.active_role().ok_or(NotPermitted::Inactive {
            status: member.status(),
        })
    }

    /// The membership with id `id`, the owner's included. `O(log n)`.
    #[must_use]
    pub fn get_by_id(&self, id: &MemberId) -> Option<&Member> {
        match self.members.get_by_id(id)? {
            None => Some(&self.owner),
            Some(member) => Some(member),
        }
    }

    /// The built-in role whose rights `email` holds on the resource:
    /// `None` for a stranger, a pending invitation or a deleted account,
    /// and `None` for a member who holds a custom role, whose rights no
    /// built-in role names ([`Member::effective_role`]). Ask
    /// [`Roster::effective_permissions`] or [`Roster::decide`] for the
    /// rights of any member.
    #[must_use]
    pub fn effective_role(&self, email: &Email) -> Option<Role> {
        self.get(email).and_then(Member::effective_role)
    }

    /// The actions `email` may perform on the resource now, as one
    /// [`Permissions`](crate::Permissions) value
    /// ([`Member::effective_permissions`]): the built-in role's row or the
    /// custom role's set for the owner and an accepted member; nothing for
    /// a stranger, a pending invitation or a deleted account.
    #[must_use]
    pub fn effective_permissions(&self, email: &Email) -> crate::Permissions {
        self.get(email).map_or(crate::Permissions::empty(), |m| {
            m.effective_permissions(self.kind())
        })
    }

    /// Whether `actor` may perform the collaborator-management `action`
    /// here, asked of the permission matrix: the actor's effective role
    /// must hold it ([`allows`]), or, for a member who holds a custom
    /// role, the custom role's set (one AND either way). Returns the
    /// actor's built-in role (a custom role's base).
    ///
    /// # Errors
    /// [`NotPermitted`] saying why: stranger, inactive membership, a
    /// role that lacks the action (with the least role that has it), or
    /// a custom role that lacks it.
    pub fn may(&self, actor: &Email, action: Action) -> Result<Role, NotPermitted> {
        let member = self.get(actor).ok_or(NotPermitted::Stranger)?;
        let role = member.active_role().ok_or(NotPermitted::Inactive {
            status: member.status(),
        })?;
        let kind = self.kind();
        if let Some(custom) = member.custom_role() {
            return if custom.kind() == kind && custom.allows(action) {
                Ok(role)
            } else {
                Err(NotPermitted::CustomRoleLacks { kind, action })
            };
        }
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

    /// Whether an operation that records `events` events may be decided
    /// now: the roster is open, holds no half-applied transfer, and has a
    /// seq left for each event (at most [`Event::MAX_SEQ`]).
    fn gate(&self, events: u64) -> Result<(), Gate> {
        if self.deleted {
            Err(Gate::Closed)
        } else if self.awaiting.is_some() {
            Err(Gate::TransferIncomplete)
        } else if self
            .version
            .checked_add(events)
            .is_none_or(|last| last > Event::MAX_SEQ)
        {
            Err(Gate::VersionExhausted {
                version: self.version,
            })
        } else {
            Ok(())
        }
    }

    /// The next event of this roster's stream, with no role.
    fn next_event(&self, kind: EventKind, member: Account, actor: &Email, at: Timestamp) -> Event {
        // Every operation passed `gate`, which refuses a roster with no
        // seq left for its events: at most `Event::MAX_SEQ`, no overflow.
        // Saturating rather than wrapping all the same.
        Event::record(
            self.version.saturating_add(1),
            kind,
            self.resource.to_ref(),
            member,
            actor.clone(),
            at,
        )
        .with_prev(Some(self.head))
    }

    fn check_transfer_target(&self, to: &Email) -> Result<&Member, TransferError> {
        let target = self.get(to).ok_or(TransferError::NoSuchMember)?;
        if target.status() != MemberStatus::Accepted || target.role() != Role::Collaborator {
            return Err(TransferError::NotAcceptedCollaborator {
                status: target.status(),
                role: target.role(),
            });
        }
        if target.custom_role().is_some() {
            return Err(TransferError::TargetHoldsCustomRole);
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
}

/// Whether `member` may be a non-owner member of a roster of `kind`: no
/// owner's status or role, a role the kind has, a custom role of that
/// kind.
fn fits_kind(member: &Member, kind: ResourceKind) -> bool {
    member.status() != MemberStatus::Owner
        && member.role() != Role::Owner
        && kind.has_role(member.role())
        && member.custom_role().is_none_or(|c| c.kind() == kind)
}

impl<'a> IntoIterator for &'a Roster {
    type Item = &'a Member;
    type IntoIter = core::iter::Chain<core::iter::Once<&'a Member>, Members<'a>>;
    fn into_iter(self) -> Self::IntoIter {
        core::iter::once(&self.owner).chain(self.members.members())
    }
}

#[cfg(all(test, feature = "serde"))]
mod tests;
