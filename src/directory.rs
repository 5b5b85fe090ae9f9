//! [`Directory`]: the rosters of many apps and dedicated databases in one
//! place, every member with the two-factor-authentication status the caller
//! supplies, grouped by collaborator or by resource and exported as text,
//! CSV (feature `csv`) or JSON (feature `json`).
//!
//! The directory borrows the rosters it was built from. Building sorts the
//! memberships once (by email, then by resource) and copies each person's
//! email and username and each resource's id and name, once, into one text
//! buffer in listing order, so that the listings and exports read their
//! cells sequentially instead of following pointers into the rosters.
//! Grouping by collaborator is then a scan, and grouping by resource a
//! counting sort, both linear in the number of memberships.

use alloc::vec::Vec;
use core::fmt;

use alloc::string::String;

use crate::{
    Email, Member, MemberStatus, Resource, ResourceId, ResourceKind, Role, Roster, Username,
};

/// A person's two-factor-authentication status, as the caller knows it.
///
/// The crate does no I/O, so it cannot ask the platform: the caller passes
/// this in when building a [`Directory`]. A status the caller does not know
/// is [`Unknown`](TwoFactor::Unknown), which an access review treats with
/// suspicion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum TwoFactor {
    /// Two-factor authentication is on.
    Enabled,
    /// Two-factor authentication is off.
    Disabled,
    /// The caller does not know.
    Unknown,
}

impl TwoFactor {
    /// `enabled`, `disabled` or `unknown`, as the exports write it.
    #[must_use]
    pub const fn id(self) -> &'static str {
        match self {
            TwoFactor::Enabled => "enabled",
            TwoFactor::Disabled => "disabled",
            TwoFactor::Unknown => "unknown",
        }
    }
}

impl fmt::Display for TwoFactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.id())
    }
}

/// How a directory's memberships are grouped in a listing or an export.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Grouping {
    /// One entry per person, with every resource and role they hold,
    /// people in email order (case-insensitive), their resources in
    /// resource order. Every membership appears, the owners' included.
    ByCollaborator,
    /// One entry per resource that has collaborators (a resource whose
    /// roster is only its owner is left out, as the platform's dashboard
    /// does), resources in name order, members owner first and then in
    /// email order.
    ByResource,
}

/// Why a [`Directory`] cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DirectoryError {
    /// Two rosters for the same resource id.
    #[error("resource {id} was added twice")]
    DuplicateResource {
        /// The repeated id.
        id: ResourceId,
    },
    /// Two memberships of one email on one resource.
    #[error("{email} has two memberships on resource {resource}")]
    DuplicateMembership {
        /// The resource.
        resource: ResourceId,
        /// The email.
        email: Email,
    },
    /// More than `u32::MAX` resources or memberships.
    #[error("a directory holds at most 4294967295 resources and as many memberships")]
    TooLarge,
}

/// Collects rosters (or a resource and its members) for a [`Directory`].
///
/// ```
/// use collab_authz::{Account, DirectoryBuilder, Email, MemberId, Resource, ResourceId, ResourceKind, Roster, Timestamp, TwoFactor};
///
/// let owner = Account { id: MemberId::new("m1")?, email: Email::parse("ada@example.com")?, username: None };
/// let app = Resource::new(ResourceKind::App, ResourceId::new("app-1")?, "billing")?;
/// let (roster, _event) = Roster::create(app, owner, Timestamp::from_unix_seconds(0));
///
/// let mut builder = DirectoryBuilder::new();
/// builder.add_roster(&roster);
/// let directory = builder.build(|_| TwoFactor::Enabled)?;
/// assert_eq!(directory.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default, Clone)]
pub struct DirectoryBuilder<'a> {
    resources: Vec<&'a Resource>,
    rows: Vec<(u32, &'a Member)>,
    too_large: bool,
}

impl<'a> DirectoryBuilder<'a> {
    /// An empty builder.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty builder with room for `resources` resources and
    /// `memberships` memberships.
    #[must_use]
    pub fn with_capacity(resources: usize, memberships: usize) -> Self {
        Self {
            resources: Vec::with_capacity(resources),
            rows: Vec::with_capacity(memberships),
            too_large: false,
        }
    }

    /// Adds a roster: its resource and every member, the owner included.
    pub fn add_roster(&mut self, roster: &'a Roster) -> &mut Self {
        self.add(roster.resource(), roster.iter())
    }

    /// Adds a resource and its members, for callers that hold memberships
    /// outside a [`Roster`]. The members are taken as they are; a roster is
    /// what guarantees one owner per resource.
    pub fn add(
        &mut self,
        resource: &'a Resource,
        members: impl IntoIterator<Item = &'a Member>,
    ) -> &mut Self {
        let Ok(index) = u32::try_from(self.resources.len()) else {
            self.too_large = true;
            return self;
        };
        self.resources.push(resource);
        self.rows.extend(members.into_iter().map(|m| (index, m)));
        self
    }

    /// Builds the directory, asking `two_factor` once per person (per
    /// distinct email, compared case-insensitively).
    ///
    /// # Errors
    /// [`DirectoryError::DuplicateResource`] when two rosters share a
    /// resource id, [`DirectoryError::DuplicateMembership`] when an email
    /// has two memberships on one resource, [`DirectoryError::TooLarge`]
    /// past `u32::MAX` resources or memberships.
    pub fn build(
        self,
        mut two_factor: impl FnMut(&Email) -> TwoFactor,
    ) -> Result<Directory<'a>, DirectoryError> {
        let DirectoryBuilder {
            resources,
            rows,
            too_large,
        } = self;
        if too_large || u32::try_from(rows.len()).is_err() {
            return Err(DirectoryError::TooLarge);
        }

        // Resource order: name, then kind, then id. `rank[i]` is the
        // position of the i-th added resource in that order.
        let mut order: Vec<u32> = (0..resources.len())
            .filter_map(|i| u32::try_from(i).ok())
            .collect();
        let key = |i: &u32| resources.get(*i as usize).copied();
        order.sort_unstable_by(|a, b| {
            let (a, b) = (key(a), key(b));
            a.map(|r| (r.name(), r.kind(), r.id()))
                .cmp(&b.map(|r| (r.name(), r.kind(), r.id())))
        });
        let mut rank = alloc::vec![0u32; resources.len()];
        for (position, &original) in order.iter().enumerate() {
            if let (Some(slot), Ok(position)) =
                (rank.get_mut(original as usize), u32::try_from(position))
            {
                *slot = position;
            }
        }
        let sorted_resources: Vec<&'a Resource> = order.iter().filter_map(|&i| key(&i)).collect();
        check_unique_ids(&sorted_resources)?;

        // Memberships in email order, then resource order.
        let mut rows: Vec<Row<'a>> = rows
            .into_iter()
            .filter_map(|(index, member)| {
                Some(Row {
                    prefix: email_prefix(member.email()),
                    rank: rank.get(index as usize).copied()?,
                    person: 0,
                    role: member.role(),
                    status: member.status(),
                    own_email: false,
                    own_username: false,
                    kind: resources.get(index as usize)?.kind(),
                    invited_at: member.invited_at().as_unix_seconds(),
                    resource: resources.get(index as usize).copied()?,
                    member,
                })
            })
            .collect();
        // The prefix settles most comparisons without reading the emails.
        rows.sort_unstable_by(|a, b| {
            a.prefix
                .cmp(&b.prefix)
                .then_with(|| a.member.email().cmp(b.member.email()))
                .then(a.rank.cmp(&b.rank))
        });

        // One person per distinct email.
        let mut people: Vec<Person<'a>> = Vec::new();
        let mut person_start: Vec<u32> = Vec::new();
        let mut previous: Option<&Row<'a>> = None;
        for (i, row) in rows.iter_mut().enumerate() {
            let same_person = previous
                .is_some_and(|p| p.prefix == row.prefix && p.member.email() == row.member.email());
            if same_person && previous.is_some_and(|p| p.rank == row.rank) {
                return Err(DirectoryError::DuplicateMembership {
                    resource: row.resource.id().clone(),
                    email: row.member.email().clone(),
                });
            }
            if !same_person {
                let email = row.member.email();
                people.push(Person {
                    email,
                    username: None,
                    two_factor: two_factor(email),
                });
                person_start.push(u32::try_from(i).map_err(|_| DirectoryError::TooLarge)?);
            }
            let index = people.len().saturating_sub(1);
            row.person = u32::try_from(index).map_err(|_| DirectoryError::TooLarge)?;
            if let Some(person) = people.last_mut() {
                row.own_email = person.email.as_str() != row.member.email().as_str();
                // A pending membership's username is unknown (LIFECYCLE.md),
                // even when the member record carries one.
                let own = row
                    .member
                    .username()
                    .filter(|_| row.status != MemberStatus::Pending);
                match (person.username, own) {
                    (None, own) => person.username = own,
                    (Some(known), Some(own)) => row.own_username = known != own,
                    (Some(_), None) => {}
                }
            }
            previous = Some(row);
        }
        person_start.push(u32::try_from(rows.len()).map_err(|_| DirectoryError::TooLarge)?);

        let mut arena = Arena::default();
        let mut person_text = Vec::with_capacity(people.len());
        for person in &people {
            let email = arena.push(person.email.as_str())?;
            let username = match person.username {
                Some(u) => Some(arena.push(u.as_str())?),
                None => None,
            };
            person_text.push((email, username));
        }
        let mut resource_text = Vec::with_capacity(sorted_resources.len());
        for resource in &sorted_resources {
            resource_text.push((
                arena.push(resource.id().as_str())?,
                arena.push(resource.name())?,
            ));
        }

        Ok(Directory {
            resources: sorted_resources,
            people,
            person_start,
            rows,
            arena,
            person_text,
            resource_text,
        })
    }
}

fn check_unique_ids(resources: &[&Resource]) -> Result<(), DirectoryError> {
    let mut ids: Vec<&ResourceId> = resources.iter().map(|r| r.id()).collect();
    ids.sort_unstable();
    match ids.windows(2).find(|w| w.first() == w.get(1)) {
        Some([id, ..]) => Err(DirectoryError::DuplicateResource { id: (*id).clone() }),
        _ => Ok(()),
    }
}

/// The first 8 bytes of the normalized email, big-endian, zero-padded:
/// ordered as the emails are (an email holds no NUL byte).
fn email_prefix(email: &Email) -> u64 {
    let mut bytes = [0u8; 8];
    for (slot, b) in bytes.iter_mut().zip(email.normalized().bytes()) {
        *slot = b;
    }
    u64::from_be_bytes(bytes)
}

/// One membership row: indices into the directory's tables, and the facts
/// that grouping and review read, copied so they need not follow the
/// pointer to the member.
#[derive(Debug, Clone, Copy)]
struct Row<'a> {
    /// See [`email_prefix`].
    prefix: u64,
    role: Role,
    status: MemberStatus,
    kind: ResourceKind,
    /// The resource's position in resource order.
    rank: u32,
    person: u32,
    /// The member's email is spelled differently from the person's.
    own_email: bool,
    /// The member's username differs from the person's.
    own_username: bool,
    invited_at: u64,
    resource: &'a Resource,
    member: &'a Member,
}

/// A piece of a directory's text arena.
#[derive(Debug, Clone, Copy, Default)]
struct Span {
    start: u32,
    len: u32,
}

/// The strings the exports read, copied once at build time into one buffer
/// in people order and resource order, so that an export reads them
/// sequentially instead of following a pointer per cell.
#[derive(Debug, Clone, Default)]
struct Arena {
    text: String,
}

impl Arena {
    fn push(&mut self, s: &str) -> Result<Span, DirectoryError> {
        let start = u32::try_from(self.text.len()).map_err(|_| DirectoryError::TooLarge)?;
        let len = u32::try_from(s.len()).map_err(|_| DirectoryError::TooLarge)?;
        start.checked_add(len).ok_or(DirectoryError::TooLarge)?;
        self.text.push_str(s);
        Ok(Span { start, len })
    }

    fn get(&self, span: Span) -> &str {
        let start = span.start as usize;
        self.text
            .get(start..start + span.len as usize)
            .unwrap_or("")
    }
}

/// One person of a [`Directory`]: an email (compared case-insensitively),
/// the first username known from any of their non-pending memberships, and
/// the two-factor status the caller supplied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Person<'a> {
    email: &'a Email,
    username: Option<&'a Username>,
    two_factor: TwoFactor,
}

impl<'a> Person<'a> {
    /// The email, as the first membership (in resource order) spells it.
    #[must_use]
    pub fn email(&self) -> &'a Email {
        self.email
    }

    /// The username, when any of their accepted, owner or deleted-account
    /// memberships knows it (a pending membership's username is unknown).
    #[must_use]
    pub fn username(&self) -> Option<&'a Username> {
        self.username
    }

    /// The two-factor status the caller supplied.
    #[must_use]
    pub fn two_factor(&self) -> TwoFactor {
        self.two_factor
    }
}

/// The memberships of many rosters, with every person's two-factor status.
///
/// ```
/// use collab_authz::{Account, DirectoryBuilder, Email, Grouping, Invitation, InvitationToken, MemberId, Resource, ResourceId, ResourceKind, Role, Roster, Timestamp, TwoFactor};
///
/// let t0 = Timestamp::from_unix_seconds(1_700_000_000);
/// let ada = Email::parse("ada@example.com")?;
/// let owner = Account { id: MemberId::new("m1")?, email: ada.clone(), username: None };
/// let app = Resource::new(ResourceKind::App, ResourceId::new("app-1")?, "billing")?;
/// let (mut billing, _) = Roster::create(app, owner.clone(), t0);
/// let db = Resource::new(ResourceKind::DedicatedDatabase, ResourceId::new("db-1")?, "ledger")?;
/// let (ledger, _) = Roster::create(db, owner, t0);
/// let bob = Email::parse("bob@example.com")?;
/// billing.invite(&ada, Invitation::new(MemberId::new("m2")?, bob.clone(), InvitationToken::new("t")?), t0)?;
///
/// let mut builder = DirectoryBuilder::new();
/// builder.add_roster(&billing).add_roster(&ledger);
/// let directory = builder.build(|email| if email == &ada { TwoFactor::Enabled } else { TwoFactor::Unknown })?;
///
/// // Ada owns both resources, Bob is invited to one.
/// let people: Vec<_> = directory.by_collaborator().iter().map(|g| (g.person().email().as_str(), g.len())).collect();
/// assert_eq!(people, [("ada@example.com", 2), ("bob@example.com", 1)]);
/// // Only billing has collaborators.
/// let by_resource = directory.by_resource();
/// assert_eq!(by_resource.iter().map(|g| g.resource().name()).collect::<Vec<_>>(), ["billing"]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Directory<'a> {
    /// Sorted by name, kind, id.
    resources: Vec<&'a Resource>,
    /// Sorted by email.
    people: Vec<Person<'a>>,
    /// `person_start[p]..person_start[p + 1]` are person `p`'s rows.
    person_start: Vec<u32>,
    /// Sorted by person, then resource.
    rows: Vec<Row<'a>>,
    /// The people's and resources' strings, for the exports.
    arena: Arena,
    /// Per person: email and username in `arena`.
    person_text: Vec<(Span, Option<Span>)>,
    /// Per resource, in resource order: id and name in `arena`.
    resource_text: Vec<(Span, Span)>,
}

impl<'a> Directory<'a> {
    /// How many memberships the directory holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether it holds no membership.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Every resource, those without collaborators included, in name
    /// order.
    pub fn resources(&self) -> impl ExactSizeIterator<Item = &'a Resource> + '_ {
        self.resources.iter().copied()
    }

    /// Every person, in email order.
    pub fn people(&self) -> impl ExactSizeIterator<Item = &Person<'a>> + '_ {
        self.people.iter()
    }

    /// Every membership, in collaborator order (email, then resource).
    pub fn memberships(&self) -> impl Iterator<Item = Membership<'_>> + '_ {
        self.rows.iter().filter_map(|row| self.view(row))
    }

    /// Finds a person by email.
    #[must_use]
    pub fn person(&self, email: &Email) -> Option<&Person<'a>> {
        self.people
            .binary_search_by(|p| p.email.cmp(email))
            .ok()
            .and_then(|i| self.people.get(i))
    }

    /// The resources with no non-owner membership in any status (the ones
    /// [`Grouping::ByResource`] leaves out), in resource order. Linear in
    /// the number of memberships.
    pub(crate) fn resources_with_only_owner(&self) -> Vec<&'a Resource> {
        let mut others = alloc::vec![false; self.resources.len()];
        for row in &self.rows {
            if row.role != Role::Owner {
                if let Some(flag) = others.get_mut(row.rank as usize) {
                    *flag = true;
                }
            }
        }
        self.resources
            .iter()
            .zip(others)
            .filter(|(_, others)| !others)
            .map(|(r, _)| *r)
            .collect()
    }

    /// Grouped by collaborator: see [`Grouping::ByCollaborator`].
    #[must_use]
    pub fn by_collaborator(&self) -> ByCollaborator<'_> {
        ByCollaborator { directory: self }
    }

    /// Grouped by resource: see [`Grouping::ByResource`]. Computes the
    /// grouping (a counting sort, linear in the number of memberships).
    #[must_use]
    pub fn by_resource(&self) -> ByResource<'_> {
        ByResource::new(self)
    }

    /// The view of one row; `None` never happens (the person index comes
    /// from the build), and keeps the lookup free of panics.
    fn view<'d>(&'d self, row: &'d Row<'a>) -> Option<Membership<'d>> {
        Some(Membership {
            directory: self,
            person: self.people.get(row.person as usize)?,
            row,
        })
    }

    fn person_rows(&self, person: usize) -> &[Row<'a>] {
        let start = self.person_start.get(person).copied().unwrap_or(0) as usize;
        let end = self.person_start.get(person + 1).copied().unwrap_or(0) as usize;
        self.rows.get(start..end).unwrap_or(&[])
    }
}

/// One membership of a [`Directory`]: a person's role on a resource.
#[derive(Debug, Clone, Copy)]
pub struct Membership<'d> {
    directory: &'d Directory<'d>,
    person: &'d Person<'d>,
    row: &'d Row<'d>,
}

impl<'d> Membership<'d> {
    /// The person (email, username, two-factor status).
    #[must_use]
    pub fn person(&self) -> &'d Person<'d> {
        self.person
    }

    /// The resource.
    #[must_use]
    pub fn resource(&self) -> &'d Resource {
        self.row.resource
    }

    /// The membership itself, as the roster holds it.
    #[must_use]
    pub fn member(&self) -> &'d Member {
        self.row.member
    }

    /// The member's email, as this membership spells it.
    #[must_use]
    pub fn email(&self) -> &'d Email {
        self.row.member.email()
    }

    /// The role.
    #[must_use]
    pub fn role(&self) -> Role {
        self.row.role
    }

    /// The status.
    #[must_use]
    pub fn status(&self) -> MemberStatus {
        self.row.status
    }

    /// [`email`](Self::email) as text, from the arena unless this
    /// membership spells it differently from the person.
    fn email_text(&self) -> &'d str {
        if self.row.own_email {
            return self.row.member.email().as_str();
        }
        let span = self.directory.person_text.get(self.row.person as usize);
        span.map_or_else(
            || self.row.member.email().as_str(),
            |(email, _)| self.directory.arena.get(*email),
        )
    }

    /// [`username`](Self::username) as text, read as `email_text` is:
    /// `None` for a pending membership.
    fn username_text(&self) -> Option<&'d str> {
        if self.row.status == MemberStatus::Pending {
            return None;
        }
        if self.row.own_username {
            return self.row.member.username().map(Username::as_str);
        }
        match self.directory.person_text.get(self.row.person as usize) {
            Some((_, username)) => username.map(|u| self.directory.arena.get(u)),
            None => self.username().map(Username::as_str),
        }
    }

    /// The resource's id and name as text, from the arena.
    fn resource_text(&self) -> (&'d str, &'d str) {
        match self.directory.resource_text.get(self.row.rank as usize) {
            Some((id, name)) => (
                self.directory.arena.get(*id),
                self.directory.arena.get(*name),
            ),
            None => (self.row.resource.id().as_str(), self.row.resource.name()),
        }
    }

    /// The kind of the resource.
    #[must_use]
    pub fn resource_kind(&self) -> ResourceKind {
        self.row.kind
    }

    /// When the invitation was made (for the owner: when the roster was
    /// created).
    #[must_use]
    pub fn invited_at(&self) -> crate::Timestamp {
        crate::Timestamp::from_unix_seconds(self.row.invited_at)
    }

    /// The person's two-factor status.
    #[must_use]
    pub fn two_factor(&self) -> TwoFactor {
        self.person.two_factor
    }

    /// The username as this membership knows it: `None` for a pending
    /// membership (the invitation is not accepted yet, so the username is
    /// unknown and listings print `n/a`, even when the same person has a
    /// username on another resource); otherwise the membership's own
    /// (for a deleted account, the last known), else the person's.
    #[must_use]
    pub fn username(&self) -> Option<&'d Username> {
        if self.row.status == MemberStatus::Pending {
            return None;
        }
        self.row.member.username().or(self.person.username)
    }
}

/// A directory grouped by collaborator: see [`Grouping::ByCollaborator`].
///
/// `Display` renders it as indented text; with `serde`, it serializes as
/// `{"collaborators": [{"email", "username", "two_factor", "memberships":
/// [{"resource": {"kind", "id", "name"}, "role", "status", "invited_at"}]}]}`.
#[derive(Debug, Clone, Copy)]
pub struct ByCollaborator<'d> {
    directory: &'d Directory<'d>,
}

impl<'d> ByCollaborator<'d> {
    /// One group per person, in email order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = CollaboratorGroup<'d>> + 'd {
        let directory = self.directory;
        directory
            .people
            .iter()
            .enumerate()
            .map(move |(i, person)| CollaboratorGroup {
                directory,
                person,
                rows: directory.person_rows(i),
            })
    }

    /// Every membership, in this grouping's order.
    pub fn memberships(&self) -> impl Iterator<Item = Membership<'d>> + 'd {
        self.directory.memberships()
    }
}

/// One person and every membership they hold.
#[derive(Debug, Clone, Copy)]
pub struct CollaboratorGroup<'d> {
    directory: &'d Directory<'d>,
    person: &'d Person<'d>,
    rows: &'d [Row<'d>],
}

impl<'d> CollaboratorGroup<'d> {
    /// The person.
    #[must_use]
    pub fn person(&self) -> &'d Person<'d> {
        self.person
    }

    /// How many memberships the person holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the person holds none (never the case in a directory).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The person's memberships, in resource order.
    pub fn memberships(&self) -> impl Iterator<Item = Membership<'d>> + 'd {
        let person = self.person;
        let directory = self.directory;
        self.rows.iter().map(move |row| Membership {
            directory,
            person,
            row,
        })
    }
}

/// A directory grouped by resource: see [`Grouping::ByResource`].
///
/// `Display` renders it as indented text; with `serde`, it serializes as
/// `{"resources": [{"kind", "id", "name", "members": [{"email", "username",
/// "two_factor", "role", "status", "invited_at"}]}]}`.
#[derive(Debug, Clone)]
pub struct ByResource<'d> {
    directory: &'d Directory<'d>,
    /// Row indices, grouped by resource, owner first then email order.
    order: Vec<u32>,
    /// `(resource, start, end)` into `order`, for the resources listed.
    groups: Vec<(u32, u32, u32)>,
}

impl<'d> ByResource<'d> {
    fn new(directory: &'d Directory<'d>) -> Self {
        let resources = directory.resources.len();
        // Counting sort by resource; owners are placed first.
        let mut counts = alloc::vec![0u32; resources + 1];
        let mut collaborators = alloc::vec![false; resources];
        for row in &directory.rows {
            if let Some(c) = counts.get_mut(row.rank as usize + 1) {
                *c += 1;
            }
            if row.role != Role::Owner {
                if let Some(flag) = collaborators.get_mut(row.rank as usize) {
                    *flag = true;
                }
            }
        }
        for i in 1..counts.len() {
            let previous = counts.get(i - 1).copied().unwrap_or(0);
            if let Some(c) = counts.get_mut(i) {
                *c += previous;
            }
        }
        let starts = counts.clone();
        let mut next = counts;
        let mut order = alloc::vec![0u32; directory.rows.len()];
        for owners_pass in [true, false] {
            for (i, row) in directory.rows.iter().enumerate() {
                if (row.role == Role::Owner) != owners_pass {
                    continue;
                }
                if let Some(slot) = next.get_mut(row.rank as usize) {
                    if let (Some(target), Ok(i)) = (order.get_mut(*slot as usize), u32::try_from(i))
                    {
                        *target = i;
                    }
                    *slot += 1;
                }
            }
        }
        let groups = (0..resources)
            .filter(|&r| collaborators.get(r).copied().unwrap_or(false))
            .filter_map(|r| {
                let start = starts.get(r).copied()?;
                let end = starts.get(r + 1).copied()?;
                Some((u32::try_from(r).ok()?, start, end))
            })
            .collect();
        Self {
            directory,
            order,
            groups,
        }
    }

    /// One group per resource listed, in resource order.
    pub fn iter(&self) -> impl Iterator<Item = ResourceGroup<'_>> + '_ {
        self.groups
            .iter()
            .filter_map(move |&(resource, start, end)| {
                Some(ResourceGroup {
                    directory: self.directory,
                    resource: self.directory.resources.get(resource as usize).copied()?,
                    rows: self.order.get(start as usize..end as usize)?,
                })
            })
    }

    /// How many resources are listed.
    #[must_use]
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Whether no resource is listed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Every membership of the listed resources, in this grouping's order.
    pub fn memberships(&self) -> impl Iterator<Item = Membership<'_>> + '_ {
        self.iter().flat_map(|group| group.into_memberships())
    }
}

/// One resource and its members.
#[derive(Debug, Clone, Copy)]
pub struct ResourceGroup<'g> {
    directory: &'g Directory<'g>,
    resource: &'g Resource,
    rows: &'g [u32],
}

impl<'g> ResourceGroup<'g> {
    /// The resource.
    #[must_use]
    pub fn resource(&self) -> &'g Resource {
        self.resource
    }

    /// How many members the resource has.
    #[must_use]
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether it has none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The members: owner first, then in email order.
    pub fn memberships(&self) -> impl Iterator<Item = Membership<'g>> + 'g {
        self.into_memberships()
    }

    fn into_memberships(self) -> impl Iterator<Item = Membership<'g>> + 'g {
        let directory = self.directory;
        self.rows
            .iter()
            .filter_map(move |&i| directory.rows.get(i as usize))
            .filter_map(move |row| directory.view(row))
    }
}

/// The username as listings print it: `n/a` when unknown.
fn username_label(username: Option<&Username>) -> &str {
    username.map_or("n/a", Username::as_str)
}

impl fmt::Display for ByCollaborator<'_> {
    /// One block per person:
    ///
    /// ```text
    /// ada@example.com (ada), 2FA enabled
    ///   app billing (app-1): owner, owner
    /// ```
    ///
    /// Each membership line gives the resource kind, name and id, then the
    /// role and the status.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for group in self.iter() {
            let person = group.person();
            writeln!(
                f,
                "{} ({}), 2FA {}",
                person.email(),
                username_label(person.username()),
                person.two_factor()
            )?;
            for m in group.memberships() {
                let (id, name) = m.resource_text();
                writeln!(
                    f,
                    "  {} {} ({}): {}, {}",
                    m.resource_kind(),
                    name,
                    id,
                    m.role().label(),
                    m.status().label()
                )?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for ByResource<'_> {
    /// One block per resource:
    ///
    /// ```text
    /// app billing (app-1)
    ///   ada@example.com (ada): owner, owner, 2FA enabled
    ///   bob@example.com (n/a): limited collaborator, pending, 2FA unknown
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for group in self.iter() {
            let r = group.resource();
            writeln!(f, "{} {} ({})", r.kind(), r.name(), r.id())?;
            for m in group.memberships() {
                writeln!(
                    f,
                    "  {} ({}): {}, {}, 2FA {}",
                    m.email_text(),
                    m.username_text().unwrap_or("n/a"),
                    m.role().label(),
                    m.status().label(),
                    m.two_factor()
                )?;
            }
        }
        Ok(())
    }
}

/// Makes a CSV cell safe to open in a spreadsheet (against CSV or
/// "formula" injection). This is the policy of the CSV export.
///
/// # Policy
///
/// - A cell whose **first character** is one of `=`, `+`, `-`, `@`, a tab
///   (U+0009) or a carriage return (U+000D) could be read as a formula, so
///   it is returned with a single quote (`'`) prepended, which spreadsheets
///   show as text. Only the first character is looked at: `x=1` and ` =x`
///   (leading space) are left alone.
/// - The rule is blind to meaning: legitimate values that start with one
///   of those characters are prefixed too, for example a resource named
///   `-staging` or `+1 app` becomes `'-staging` and `'+1 app`.
/// - Every other cell, the empty cell and a cell that already starts with
///   `'` included, is returned as it is (borrowed, no allocation).
/// - In the export, the cells that come from users are neutralized:
///   email, username, resource id and resource name. The crate's own ids
///   (`two_factor`, `resource_kind`, `role`, `status`) and the decimal
///   `invited_at` never start with a trigger character and are written
///   as they are.
///
/// A consumer that wants the original value back (a program, not a
/// spreadsheet) must strip one leading `'` from a cell whose second
/// character is one of the trigger characters above. This is exact for
/// every value except one that itself starts with `'` and a trigger
/// character (say a resource named `'=x`): the export writes it as it is,
/// and stripping would shorten it. A consumer that must tell the two apart
/// should read the JSON export, which is never neutralized.
///
/// ```
/// use collab_authz::neutralize_cell;
///
/// assert_eq!(neutralize_cell("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
/// assert_eq!(neutralize_cell("-1+2"), "'-1+2");
/// // Legitimate values are prefixed too.
/// assert_eq!(neutralize_cell("-staging"), "'-staging");
/// assert_eq!(neutralize_cell("billing"), "billing");
///
/// // Getting the original back: strip the one `'` the export added.
/// let original = |cell: &str| -> String {
///     match cell.strip_prefix('\'') {
///         Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest.to_owned(),
///         _ => cell.to_owned(),
///     }
/// };
/// assert_eq!(original(&neutralize_cell("-staging")), "-staging");
/// assert_eq!(original(&neutralize_cell("billing")), "billing");
/// ```
#[must_use]
pub fn neutralize_cell(cell: &str) -> alloc::borrow::Cow<'_, str> {
    if needs_neutralizing(cell) {
        let mut out = alloc::string::String::with_capacity(cell.len() + 1);
        out.push('\'');
        out.push_str(cell);
        alloc::borrow::Cow::Owned(out)
    } else {
        alloc::borrow::Cow::Borrowed(cell)
    }
}

fn needs_neutralizing(cell: &str) -> bool {
    matches!(
        cell.as_bytes().first(),
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
    )
}

/// The columns of the CSV export, in order.
pub const CSV_HEADER: [&str; 9] = [
    "email",
    "username",
    "two_factor",
    "resource_kind",
    "resource_id",
    "resource_name",
    "role",
    "status",
    "invited_at",
];

#[cfg(feature = "csv")]
mod csv_export {
    use alloc::string::String;

    use super::{
        ByCollaborator, ByResource, CSV_HEADER, Directory, Grouping, Membership, needs_neutralizing,
    };

    /// Why a CSV export failed: only the writer can fail.
    #[derive(Debug, thiserror::Error)]
    #[non_exhaustive]
    pub enum CsvExportError {
        /// The CSV writer or the underlying writer failed.
        #[error("csv export failed: {0}")]
        Csv(#[from] csv::Error),
        /// Flushing the underlying writer failed.
        #[error("csv export failed to flush: {0}")]
        Io(#[from] std::io::Error),
    }

    struct CsvRows<W: std::io::Write> {
        writer: csv::Writer<W>,
        scratch: String,
    }

    impl<W: std::io::Write> CsvRows<W> {
        fn new(writer: W) -> Result<Self, CsvExportError> {
            let mut writer = csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .quote_style(csv::QuoteStyle::Necessary)
                .buffer_capacity(64 * 1024)
                .from_writer(writer);
            writer.write_record(CSV_HEADER)?;
            Ok(Self {
                writer,
                scratch: String::new(),
            })
        }

        fn cell(&mut self, value: &str) -> Result<(), CsvExportError> {
            if needs_neutralizing(value) {
                self.scratch.clear();
                self.scratch.push('\'');
                self.scratch.push_str(value);
                self.writer.write_field(&self.scratch)?;
            } else {
                self.writer.write_field(value)?;
            }
            Ok(())
        }

        fn row(&mut self, m: &Membership<'_>) -> Result<(), CsvExportError> {
            let (id, name) = m.resource_text();
            self.cell(m.email_text())?;
            self.cell(m.username_text().unwrap_or(""))?;
            self.writer.write_field(m.two_factor().id())?;
            self.writer.write_field(m.row.kind.id())?;
            self.cell(id)?;
            self.cell(name)?;
            self.writer.write_field(m.role().id())?;
            self.writer.write_field(m.status().id())?;
            let mut digits = [0u8; 20];
            self.writer
                .write_field(decimal(&mut digits, m.row.invited_at))?;
            self.writer.write_record(None::<&[u8]>)?;
            Ok(())
        }

        fn finish(mut self) -> Result<(), CsvExportError> {
            self.writer.flush()?;
            Ok(())
        }
    }

    /// `n` in decimal, written at the end of `buf` (20 bytes hold any
    /// `u64`).
    pub(super) fn decimal(buf: &mut [u8; 20], mut n: u64) -> &[u8] {
        let mut start = buf.len();
        for slot in buf.iter_mut().rev() {
            // `n % 10 < 10`: the cast keeps the value.
            *slot = b'0' + (n % 10) as u8;
            n /= 10;
            start -= 1;
            if n == 0 {
                break;
            }
        }
        buf.get(start..).unwrap_or(&[])
    }

    fn write_rows<'m, W: std::io::Write>(
        rows: impl Iterator<Item = Membership<'m>>,
        writer: W,
    ) -> Result<(), CsvExportError> {
        let mut out = CsvRows::new(writer)?;
        for m in rows {
            out.row(&m)?;
        }
        out.finish()
    }

    impl ByCollaborator<'_> {
        /// Writes the grouping as CSV (RFC 4180: comma-separated, CRLF line
        /// ends, quotes only where needed), one row per membership under
        /// [`CSV_HEADER`]. Cells that a spreadsheet could read as a formula
        /// are neutralized (see [`neutralize_cell`](super::neutralize_cell)).
        /// An unknown username is an empty cell.
        ///
        /// # Errors
        /// [`CsvExportError`] when the writer fails.
        pub fn write_csv<W: std::io::Write>(&self, writer: W) -> Result<(), CsvExportError> {
            write_rows(self.memberships(), writer)
        }
    }

    impl ByResource<'_> {
        /// Writes the grouping as CSV: as
        /// [`ByCollaborator::write_csv`], in this grouping's order.
        ///
        /// # Errors
        /// [`CsvExportError`] when the writer fails.
        pub fn write_csv<W: std::io::Write>(&self, writer: W) -> Result<(), CsvExportError> {
            write_rows(self.memberships(), writer)
        }
    }

    impl Directory<'_> {
        /// Writes the directory as CSV in the given grouping's order: see
        /// [`ByCollaborator::write_csv`]. Pass `&mut writer` to keep the
        /// writer.
        ///
        /// # Errors
        /// [`CsvExportError`] when the writer fails.
        pub fn write_csv<W: std::io::Write>(
            &self,
            grouping: Grouping,
            writer: W,
        ) -> Result<(), CsvExportError> {
            match grouping {
                Grouping::ByCollaborator => self.by_collaborator().write_csv(writer),
                Grouping::ByResource => self.by_resource().write_csv(writer),
            }
        }

        /// The directory as a CSV string: see [`Directory::write_csv`].
        ///
        /// # Errors
        /// [`CsvExportError`] (which a `Vec<u8>` writer never produces in
        /// practice).
        pub fn to_csv(&self, grouping: Grouping) -> Result<String, CsvExportError> {
            let mut out = alloc::vec::Vec::with_capacity(self.len() * 96 + 128);
            self.write_csv(grouping, &mut out)?;
            // Every cell is valid UTF-8 and csv only adds ASCII.
            String::from_utf8(out).map_err(|e| {
                CsvExportError::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, e))
            })
        }
    }
}
#[cfg(feature = "csv")]
pub use csv_export::CsvExportError;

#[cfg(all(test, feature = "csv"))]
mod tests {
    #[test]
    fn decimal_matches_display() {
        for n in [0, 7, 10, 99, 1_700_000_000, u64::MAX] {
            let mut buf = [0u8; 20];
            assert_eq!(
                super::csv_export::decimal(&mut buf, n),
                alloc::format!("{n}").as_bytes()
            );
        }
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct};
    use serde::{Serialize, Serializer};

    use super::{ByCollaborator, ByResource, CollaboratorGroup, Membership, ResourceGroup};

    /// A membership inside a person's group: no email, the resource.
    struct InPerson<'m>(Membership<'m>);
    /// A membership inside a resource's group: the person, no resource.
    struct InResource<'m>(Membership<'m>);

    impl Serialize for InPerson<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let m = &self.0;
            let mut s = serializer.serialize_struct("Membership", 4)?;
            s.serialize_field("resource", &ResourceText(m))?;
            s.serialize_field("role", &m.role())?;
            s.serialize_field("status", &m.status())?;
            s.serialize_field("invited_at", &m.row.invited_at)?;
            s.end()
        }
    }

    /// A membership's resource, `{"kind", "id", "name"}`, from the arena.
    struct ResourceText<'m, 'd>(&'m Membership<'d>);

    impl Serialize for ResourceText<'_, '_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let (id, name) = self.0.resource_text();
            let mut s = serializer.serialize_struct("Resource", 3)?;
            s.serialize_field("kind", &self.0.row.kind)?;
            s.serialize_field("id", id)?;
            s.serialize_field("name", name)?;
            s.end()
        }
    }

    impl Serialize for InResource<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let m = &self.0;
            let mut s = serializer.serialize_struct("Member", 6)?;
            s.serialize_field("email", m.email_text())?;
            s.serialize_field("username", &m.username_text())?;
            s.serialize_field("two_factor", &m.two_factor())?;
            s.serialize_field("role", &m.role())?;
            s.serialize_field("status", &m.status())?;
            s.serialize_field("invited_at", &m.row.invited_at)?;
            s.end()
        }
    }

    struct Seq<I>(core::cell::Cell<Option<I>>);

    impl<I: Iterator<Item = T>, T: Serialize> Serialize for Seq<I> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut seq = serializer.serialize_seq(None)?;
            if let Some(items) = self.0.take() {
                for item in items {
                    seq.serialize_element(&item)?;
                }
            }
            seq.end()
        }
    }

    fn seq<I>(items: I) -> Seq<I> {
        Seq(core::cell::Cell::new(Some(items)))
    }

    impl Serialize for CollaboratorGroup<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let p = self.person();
            let mut s = serializer.serialize_struct("Collaborator", 4)?;
            s.serialize_field("email", p.email().as_str())?;
            s.serialize_field("username", &p.username().map(|u| u.as_str()))?;
            s.serialize_field("two_factor", &p.two_factor())?;
            s.serialize_field("memberships", &seq(self.memberships().map(InPerson)))?;
            s.end()
        }
    }

    impl Serialize for ResourceGroup<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let r = self.resource();
            let mut s = serializer.serialize_struct("Resource", 4)?;
            s.serialize_field("kind", &r.kind())?;
            s.serialize_field("id", r.id())?;
            s.serialize_field("name", r.name())?;
            s.serialize_field("members", &seq(self.memberships().map(InResource)))?;
            s.end()
        }
    }

    impl Serialize for ByCollaborator<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut map = serializer.serialize_map(Some(1))?;
            map.serialize_entry("collaborators", &seq(self.iter()))?;
            map.end()
        }
    }

    impl Serialize for ByResource<'_> {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut map = serializer.serialize_map(Some(1))?;
            map.serialize_entry("resources", &seq(self.iter()))?;
            map.end()
        }
    }
}

#[cfg(feature = "json")]
mod json_export {
    use alloc::string::String;

    use super::{Directory, Grouping};

    /// Why a JSON export failed: only the writer can fail.
    #[derive(Debug, thiserror::Error)]
    #[non_exhaustive]
    pub enum JsonExportError {
        /// Writing failed.
        #[error("json export failed: {0}")]
        Json(#[from] serde_json::Error),
    }

    impl Directory<'_> {
        /// Writes the directory as JSON in the given grouping, 2FA status
        /// included: `{"collaborators": [...]}` or `{"resources": [...]}`
        /// (see [`ByCollaborator`](super::ByCollaborator) and
        /// [`ByResource`](super::ByResource) for the shapes). Roles,
        /// statuses and kinds are the spec's ids; an unknown username is
        /// `null`.
        ///
        /// # Errors
        /// [`JsonExportError`] when the writer fails.
        pub fn write_json<W: std::io::Write>(
            &self,
            grouping: Grouping,
            writer: W,
        ) -> Result<(), JsonExportError> {
            let mut writer = std::io::BufWriter::with_capacity(64 * 1024, writer);
            match grouping {
                Grouping::ByCollaborator => {
                    serde_json::to_writer(&mut writer, &self.by_collaborator())?;
                }
                Grouping::ByResource => serde_json::to_writer(&mut writer, &self.by_resource())?,
            }
            std::io::Write::flush(&mut writer).map_err(serde_json::Error::io)?;
            Ok(())
        }

        /// The directory as a JSON string: see [`Directory::write_json`].
        ///
        /// # Errors
        /// [`JsonExportError`] (which a string never produces in practice).
        pub fn to_json(&self, grouping: Grouping) -> Result<String, JsonExportError> {
            match grouping {
                Grouping::ByCollaborator => Ok(serde_json::to_string(&self.by_collaborator())?),
                Grouping::ByResource => Ok(serde_json::to_string(&self.by_resource())?),
            }
        }
    }
}
#[cfg(feature = "json")]
pub use json_export::JsonExportError;
