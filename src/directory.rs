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

        // Memberships in email order, then resource order. The sort reads
        // only its keys (no pointer into the rosters); the runs of keys that
        // share their first 16 bytes of email are then checked, and sorted
        // by the full emails where they differ.
        let mut keys: Vec<SortKey<'a>> = rows
            .iter()
            .enumerate()
            .filter_map(|(i, (index, member))| {
                let email = member.email().normalized();
                let key = member.email().prefix();
                Some(SortKey {
                    // The high and the low half: the casts keep 64 bits
                    // each on purpose.
                    high: (key >> 64) as u64,
                    low: key as u64,
                    email,
                    rank: rank.get(*index as usize).copied()?,
                    row: u32::try_from(i).ok()?,
                })
            })
            .collect();
        keys.sort_unstable_by_key(|k| (k.high, k.low, k.email.len(), k.rank));
        sort_long_runs(&mut keys);
        let mut rows: Vec<Row<'a>> = keys
            .iter()
            .filter_map(|k| {
                let (index, member) = *rows.get(k.row as usize)?;
                let resource = resources.get(index as usize).copied()?;
                Some(Row {
                    rank: k.rank,
                    person: 0,
                    role: member.role(),
                    status: member.status(),
                    own_email: false,
                    own_username: false,
                    kind: resource.kind(),
                    invited_at: member.invited_at().as_unix_seconds(),
                    resource,
                    member,
                })
            })
            .collect();

        // One person per distinct email.
        let mut people: Vec<Person<'a>> = Vec::new();
        let mut person_start: Vec<u32> = Vec::new();
        let mut previous: Option<&SortKey<'a>> = None;
        for (i, (row, key)) in rows.iter_mut().zip(&keys).enumerate() {
            let same_person = previous.is_some_and(|p| p.same_email(key));
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
                let own = row
                    .member
                    .username()
                    .filter(|_| username_is_known(row.status));
                match (person.username, own) {
                    (None, own) => person.username = own,
                    (Some(known), Some(own)) => row.own_username = known != own,
                    (Some(_), None) => {}
                }
            }
            previous = Some(key);
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

/// How many leading bytes of an email a [`SortKey`] holds: those of
/// the prefix an [`Email`] stores.
const KEY_BYTES: usize = 16;

/// A membership as the build sorts it: the first [`KEY_BYTES`] bytes of
/// the normalized email (big-endian, zero-padded: ordered as the emails
/// are, an email holding no NUL byte), the email, the resource's rank and
/// the membership's position in the builder.
#[derive(Debug, Clone, Copy)]
struct SortKey<'a> {
    high: u64,
    low: u64,
    email: &'a str,
    rank: u32,
    row: u32,
}

impl SortKey<'_> {
    /// Whether the two normalized emails are the same: the key settles it
    /// for an email of at most [`KEY_BYTES`] bytes.
    fn same_email(&self, other: &Self) -> bool {
        self.high == other.high
            && self.low == other.low
            && self.email.len() == other.email.len()
            && (self.email.len() <= KEY_BYTES || self.email == other.email)
    }
}

/// Keys sorted by (key bytes, email length, rank) are in email order
/// except where emails longer than the key share it: sorts those runs by
/// the full email, then rank. A run of one person's memberships, the usual
/// case, is only checked.
fn sort_long_runs(keys: &mut [SortKey<'_>]) {
    let mut rest = keys;
    while let Some(first) = rest.first().copied() {
        let run = rest
            .iter()
            .take_while(|k| k.high == first.high && k.low == first.low)
            .count();
        let Some((head, tail)) = core::mem::take(&mut rest).split_at_mut_checked(run) else {
            return;
        };
        if head.iter().any(|k| k.email.len() > KEY_BYTES)
            && head.iter().any(|k| k.email != first.email)
        {
            head.sort_unstable_by(|a, b| a.email.cmp(b.email).then(a.rank.cmp(&b.rank)));
        }
        rest = tail;
    }
}

/// One membership row: indices into the directory's tables, and the facts
/// that grouping and review read, copied so they need not follow the
/// pointer to the member.
#[derive(Debug, Clone, Copy)]
struct Row<'a> {
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

/// Where a membership's email or username text comes from.
#[derive(Debug, Clone, Copy)]
enum Text<'d> {
    /// The person's (copied once in the arena; a username may be unknown).
    Person,
    /// No username.
    Absent,
    /// This membership's own spelling.
    Own(&'d str),
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

    /// Where [`email_text`](Self::email_text) comes from: the person's
    /// text unless this membership spells the email differently.
    fn email_source(&self) -> Text<'d> {
        if self.row.own_email {
            Text::Own(self.row.member.email().as_str())
        } else {
            Text::Person
        }
    }

    /// Where [`username_text`](Self::username_text) comes from: the
    /// person's username (which may be unknown) unless this membership
    /// knows a different one. The exports follow this rule, row by row,
    /// without reading the person's text.
    fn username_source(&self) -> Text<'d> {
        // Listings and both exports read the username from here.
        if !username_is_known(self.row.status) {
            Text::Absent
        } else if self.row.own_username {
            self.row
                .member
                .username()
                .map_or(Text::Absent, |u| Text::Own(u.as_str()))
        } else {
            Text::Person
        }
    }

    /// [`email`](Self::email) as text, from the arena unless this
    /// membership spells it differently from the person.
    fn email_text(&self) -> &'d str {
        if let Text::Own(own) = self.email_source() {
            return own;
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
        match self.username_source() {
            Text::Own(own) => Some(own),
            Text::Absent => None,
            Text::Person => match self.directory.person_text.get(self.row.person as usize) {
                Some((_, username)) => username.map(|u| self.directory.arena.get(u)),
                None => self.username().map(Username::as_str),
            },
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
        if !username_is_known(self.row.status) {
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
        // Counting sort by resource, owners first: per resource, how many
        // rows and how many owners.
        let mut counts = alloc::vec![[0u32; 2]; resources];
        for row in &directory.rows {
            if let Some([rows, owners]) = counts.get_mut(row.rank as usize) {
                *rows += 1;
                *owners += u32::from(row.role == Role::Owner);
            }
        }
        // `next[r]`: where resource `r`'s next owner and next other member
        // go; `groups`: the resources with a member other than an owner.
        let mut next = Vec::with_capacity(resources);
        let mut groups = Vec::new();
        let mut start = 0u32;
        for (r, &[rows, owners]) in counts.iter().enumerate() {
            next.push([start, start + owners]);
            if rows > owners {
                if let Ok(r) = u32::try_from(r) {
                    groups.push((r, start, start + rows));
                }
            }
            start += rows;
        }
        // One pass in row order keeps owners, and the others, in email
        // order.
        let mut order = alloc::vec![0u32; directory.rows.len()];
        for (i, row) in directory.rows.iter().enumerate() {
            // 0: an owner, 1: any other member.
            let class = usize::from(row.role != Role::Owner);
            if let Some(slot) = next
                .get_mut(row.rank as usize)
                .and_then(|n: &mut [u32; 2]| n.get_mut(class))
            {
                if let (Some(target), Ok(i)) = (order.get_mut(*slot as usize), u32::try_from(i)) {
                    *target = i;
                }
                *slot += 1;
            }
        }
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

    /// The rows of the listed resources, in this grouping's order.
    #[cfg(any(feature = "csv", feature = "json"))]
    fn rows(&self) -> impl Iterator<Item = &'d Row<'d>> + '_ {
        let rows = &self.directory.rows;
        self.groups
            .iter()
            .filter_map(|&(_, start, end)| self.order.get(start as usize..end as usize))
            .flatten()
            .filter_map(move |&i| rows.get(i as usize))
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

/// Whether a membership in `status` has a known username: not while it is
/// pending (LIFECYCLE.md), even when the member record or the same person's
/// other memberships carry one.
const fn username_is_known(status: MemberStatus) -> bool {
    !matches!(status, MemberStatus::Pending)
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
/// - A cell that starts with `'` itself is prefixed too, so that the rule
///   can be undone exactly (and a spreadsheet, which hides one leading
///   `'`, shows the value as it is).
/// - Every other cell, the empty cell included, is returned as it is
///   (borrowed, no allocation).
/// - In the export, the cells that come from users are neutralized:
///   email, username, resource id and resource name. The crate's own ids
///   (`two_factor`, `resource_kind`, `role`, `status`) and the decimal
///   `invited_at` never start with a trigger character and are written
///   as they are.
///
/// A consumer that wants the original value back (a program, not a
/// spreadsheet) strips one leading `'` from every user cell that has one.
/// This is exact for every value: a value that itself starts with `'` was
/// written with a second one. The JSON export is never neutralized.
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
/// // A leading quote is doubled, so undoing the rule is exact.
/// assert_eq!(neutralize_cell("'quoted"), "''quoted");
///
/// // Getting the original back: strip the one `'` the export added.
/// let original = |cell: &str| cell.strip_prefix('\'').unwrap_or(cell).to_owned();
/// assert_eq!(original(&neutralize_cell("-staging")), "-staging");
/// assert_eq!(original(&neutralize_cell("'=x")), "'=x");
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
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r' | b'\'')
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

/// What the exports share: the text cells of every person and resource,
/// encoded once per export (by the `csv` crate or by `serde_json`), and the
/// loop that reads the memberships in batches.
///
/// An export used to write every cell of every row through the encoder,
/// following the row's indices to the person's and the resource's text at
/// random places in memory. It now encodes each person's email and
/// username and each resource's cells once, in listing order, and writes a
/// row by joining the encoded cells with the row's own ASCII cells (role,
/// status, timestamp). A membership that spells its email or username
/// differently from its person has its cells encoded on the spot.
#[cfg(any(feature = "csv", feature = "json"))]
mod cells {
    use alloc::vec::Vec;

    use super::{Directory, MemberStatus, Membership, Role, Row, Text, TwoFactor};

    /// How many rows a batch gathers before writing them: the loads of a
    /// batch's rows, people and resources are independent of each other,
    /// so the processor overlaps their cache misses instead of waiting for
    /// each in turn.
    const BATCH: usize = 32;

    /// The exports collect their bytes in a buffer and hand them to the
    /// caller's writer once the buffer holds this much.
    pub(super) const CHUNK: usize = 64 * 1024;

    /// A person's encoded cells: the email at `start`, the username right
    /// after it. 16 bytes, so that a row's person is one cache line.
    #[derive(Debug, Clone, Copy)]
    struct PersonCells {
        start: usize,
        email: u16,
        username: u16,
        two_factor: TwoFactor,
    }

    /// A cell longer than any email or identifier can be once encoded.
    #[derive(Debug, Clone, Copy)]
    pub(super) struct TooLong;

    /// Encoded text: per person an email cell and a username cell, per
    /// resource one fragment, all in one buffer.
    #[derive(Debug, Default)]
    pub(super) struct Cells {
        text: Vec<u8>,
        people: Vec<PersonCells>,
        /// Resource `r` (in resource order): `resources[r]..resources[r + 1]`.
        resources: Vec<usize>,
    }

    /// One cell of a row, ready to write.
    #[derive(Debug, Clone, Copy)]
    pub(super) enum Cell<'c> {
        /// Already encoded.
        Encoded(&'c [u8]),
        /// No username.
        Absent,
        /// To encode on the spot.
        Own(&'c str),
    }

    /// One membership with its lookups done.
    #[derive(Debug, Clone, Copy)]
    pub(super) struct Prepared<'c> {
        /// The person's index (the JSON export opens a person's group when
        /// it changes).
        #[cfg_attr(
            not(feature = "json"),
            expect(dead_code, reason = "read by the JSON export")
        )]
        pub(super) person: u32,
        /// The resource's rank (the JSON export opens a resource's group
        /// when it changes).
        #[cfg_attr(
            not(feature = "json"),
            expect(dead_code, reason = "read by the JSON export")
        )]
        pub(super) rank: u32,
        pub(super) email: Cell<'c>,
        pub(super) username: Cell<'c>,
        pub(super) two_factor: TwoFactor,
        pub(super) resource: &'c [u8],
        pub(super) role: Role,
        pub(super) status: MemberStatus,
        pub(super) invited_at: u64,
    }

    impl Cells {
        /// Encodes every person's email and username with `encode(text,
        /// out)`, which appends the encoded `text` to `out`; `absent` is the
        /// username cell of a person with none.
        pub(super) fn encode_people<E: From<TooLong>>(
            &mut self,
            directory: &Directory<'_>,
            absent: &[u8],
            mut encode: impl FnMut(&str, &mut Vec<u8>) -> Result<(), E>,
        ) -> Result<(), E> {
            self.people.reserve(directory.person_text.len());
            for (person, (email, username)) in directory.people.iter().zip(&directory.person_text) {
                let start = self.text.len();
                encode(directory.arena.get(*email), &mut self.text)?;
                let middle = self.text.len();
                match username {
                    Some(u) => encode(directory.arena.get(*u), &mut self.text)?,
                    None => self.text.extend_from_slice(absent),
                }
                self.people.push(PersonCells {
                    start,
                    email: u16::try_from(middle - start).map_err(|_| TooLong)?,
                    username: u16::try_from(self.text.len() - middle).map_err(|_| TooLong)?,
                    two_factor: person.two_factor,
                });
            }
            Ok(())
        }

        /// Encodes every resource's fragment with `encode(kind, id, name,
        /// out)`.
        pub(super) fn encode_resources<E>(
            &mut self,
            directory: &Directory<'_>,
            mut encode: impl FnMut(&'static str, &str, &str, &mut Vec<u8>) -> Result<(), E>,
        ) -> Result<(), E> {
            self.resources.reserve(directory.resource_text.len() + 1);
            for (resource, (id, name)) in directory.resources.iter().zip(&directory.resource_text) {
                self.resources.push(self.text.len());
                encode(
                    resource.kind().id(),
                    directory.arena.get(*id),
                    directory.arena.get(*name),
                    &mut self.text,
                )?;
            }
            self.resources.push(self.text.len());
            Ok(())
        }

        /// Person `person`'s email and username cells.
        pub(super) fn person(&self, person: u32) -> (&[u8], &[u8]) {
            let Some(p) = self.people.get(person as usize) else {
                return (&[], &[]);
            };
            let middle = p.start + usize::from(p.email);
            let end = middle + usize::from(p.username);
            (
                self.text.get(p.start..middle).unwrap_or(&[]),
                self.text.get(middle..end).unwrap_or(&[]),
            )
        }

        /// Resource `rank`'s fragment.
        pub(super) fn resource(&self, rank: u32) -> &[u8] {
            let range = self
                .resources
                .get(rank as usize)
                .zip(self.resources.get(rank as usize + 1));
            range
                .and_then(|(start, end)| self.text.get(*start..*end))
                .unwrap_or(&[])
        }

        /// The row's cells, following [`Membership::email_source`] and
        /// [`Membership::username_source`].
        fn prepare<'c>(&'c self, m: &Membership<'c>) -> Prepared<'c> {
            let row = m.row;
            let (email, username) = self.person(row.person);
            Prepared {
                person: row.person,
                rank: row.rank,
                email: match m.email_source() {
                    Text::Own(own) => Cell::Own(own),
                    Text::Person | Text::Absent => Cell::Encoded(email),
                },
                username: match m.username_source() {
                    Text::Own(own) => Cell::Own(own),
                    Text::Absent => Cell::Absent,
                    Text::Person => Cell::Encoded(username),
                },
                two_factor: self
                    .people
                    .get(row.person as usize)
                    .map_or(m.person.two_factor, |p| p.two_factor),
                resource: self.resource(row.rank),
                role: row.role,
                status: row.status,
                invited_at: row.invited_at,
            }
        }

        /// Calls `each` on every row that `rows` names, a batch at a time:
        /// the batch's rows are read first, then their people's and
        /// resources' cells, then the first byte of each cell's text, each
        /// step a short loop of independent loads whose cache misses
        /// overlap; `each` then finds everything in cache.
        pub(super) fn for_each_batch<'c, 'r: 'c, E>(
            &'c self,
            directory: &'c Directory<'c>,
            mut rows: impl Iterator<Item = &'r Row<'r>>,
            mut each: impl FnMut(&[Prepared<'c>]) -> Result<(), E>,
        ) -> Result<(), E> {
            let mut views: Vec<Membership<'c>> = Vec::with_capacity(BATCH);
            let mut batch: Vec<Prepared<'c>> = Vec::with_capacity(BATCH);
            loop {
                views.clear();
                views.extend(
                    rows.by_ref()
                        .take(BATCH)
                        .filter_map(|row| directory.view(row)),
                );
                if views.is_empty() {
                    return Ok(());
                }
                batch.clear();
                batch.extend(views.iter().map(|m| self.prepare(m)));
                for p in &batch {
                    // Only to start the loads early (a prefetch); the
                    // values are read again when the row is written.
                    if let Cell::Encoded(email) = p.email {
                        core::hint::black_box(email.first().copied());
                    }
                    core::hint::black_box(p.resource.first().copied());
                }
                each(&batch)?;
            }
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
}

#[cfg(feature = "csv")]
mod csv_export {
    use alloc::string::String;
    use alloc::vec::Vec;
    use core::cell::RefCell;

    use super::cells::{CHUNK, Cell, Cells, Prepared, TooLong, decimal};
    use super::{
        ByCollaborator, ByResource, CSV_HEADER, Directory, Grouping, Row, needs_neutralizing,
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

    impl From<TooLong> for CsvExportError {
        fn from(_: TooLong) -> Self {
            CsvExportError::Io(std::io::Error::other("a cell is too long to export"))
        }
    }

    /// The bytes a `csv::Writer` produced, taken out after each flush.
    struct Shared<'b>(&'b RefCell<Vec<u8>>);

    impl std::io::Write for Shared<'_> {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// Encodes one cell at a time with the `csv` crate (RFC 4180: quoted
    /// when it holds a comma, a quote or a line break, quotes doubled),
    /// after neutralizing it, so that the export can join encoded cells.
    struct CellEncoder<'b> {
        writer: csv::Writer<Shared<'b>>,
        encoded: &'b RefCell<Vec<u8>>,
        scratch: String,
    }

    impl<'b> CellEncoder<'b> {
        fn new(encoded: &'b RefCell<Vec<u8>>) -> Self {
            Self {
                writer: csv::WriterBuilder::new()
                    .terminator(csv::Terminator::CRLF)
                    .quote_style(csv::QuoteStyle::Necessary)
                    // The header has nine fields, a cell is one.
                    .flexible(true)
                    .buffer_capacity(1024)
                    .from_writer(Shared(encoded)),
                encoded,
                scratch: String::new(),
            }
        }

        /// Appends the encoded `cell` to `out`. An empty cell is no bytes,
        /// as inside a record of several fields.
        fn encode(&mut self, cell: &str, out: &mut Vec<u8>) -> Result<(), CsvExportError> {
            if cell.is_empty() {
                return Ok(());
            }
            if needs_neutralizing(cell) {
                self.scratch.clear();
                self.scratch.push('\'');
                self.scratch.push_str(cell);
                self.writer.write_record([self.scratch.as_str()])?;
            } else {
                self.writer.write_record([cell])?;
            }
            self.writer.flush()?;
            let mut encoded = self.encoded.borrow_mut();
            // A one-field record: the cell, then the CRLF terminator.
            let cell = encoded.len().saturating_sub(2);
            out.extend_from_slice(encoded.get(..cell).unwrap_or(&[]));
            encoded.clear();
            Ok(())
        }

        /// The header line.
        fn header(&mut self, out: &mut Vec<u8>) -> Result<(), CsvExportError> {
            self.writer.write_record(CSV_HEADER)?;
            self.writer.flush()?;
            let mut encoded = self.encoded.borrow_mut();
            out.extend_from_slice(&encoded);
            encoded.clear();
            Ok(())
        }
    }

    /// Writes the header and `rows` to `out`, calling `spill(out)` whenever
    /// `out` holds [`CHUNK`] bytes or more.
    fn write_rows<'d>(
        directory: &'d Directory<'d>,
        rows: impl Iterator<Item = &'d Row<'d>>,
        out: &mut Vec<u8>,
        mut spill: impl FnMut(&mut Vec<u8>) -> Result<(), CsvExportError>,
    ) -> Result<(), CsvExportError> {
        let encoded = RefCell::new(Vec::new());
        let mut encoder = CellEncoder::new(&encoded);
        encoder.header(out)?;
        let mut cells = Cells::default();
        cells.encode_people(directory, b"", |text, out| encoder.encode(text, out))?;
        cells.encode_resources(directory, |kind, id, name, out| {
            out.extend_from_slice(kind.as_bytes());
            out.push(b',');
            encoder.encode(id, out)?;
            out.push(b',');
            encoder.encode(name, out)?;
            out.push(b',');
            Ok::<(), CsvExportError>(())
        })?;
        cells.for_each_batch(directory, rows, |batch| {
            for p in batch {
                row(&mut encoder, p, out)?;
            }
            if out.len() >= CHUNK {
                spill(out)?;
            }
            Ok(())
        })
    }

    /// One row: `email,username,two_factor,kind,id,name,role,status,invited_at`.
    fn row(
        encoder: &mut CellEncoder<'_>,
        p: &Prepared<'_>,
        out: &mut Vec<u8>,
    ) -> Result<(), CsvExportError> {
        for cell in [p.email, p.username] {
            match cell {
                Cell::Encoded(encoded) => out.extend_from_slice(encoded),
                Cell::Own(own) => encoder.encode(own, out)?,
                Cell::Absent => {}
            }
            out.push(b',');
        }
        out.extend_from_slice(p.two_factor.id().as_bytes());
        out.push(b',');
        out.extend_from_slice(p.resource);
        out.extend_from_slice(p.role.id().as_bytes());
        out.push(b',');
        out.extend_from_slice(p.status.id().as_bytes());
        out.push(b',');
        let mut digits = [0u8; 20];
        out.extend_from_slice(decimal(&mut digits, p.invited_at));
        out.extend_from_slice(b"\r\n");
        Ok(())
    }

    /// Writes `rows` to `writer` a chunk at a time.
    fn write_to<'d, W: std::io::Write>(
        directory: &'d Directory<'d>,
        rows: impl Iterator<Item = &'d Row<'d>>,
        mut writer: W,
    ) -> Result<(), CsvExportError> {
        let mut out = Vec::with_capacity(CHUNK + 4096);
        write_rows(directory, rows, &mut out, |out| {
            writer.write_all(out).map_err(csv::Error::from)?;
            out.clear();
            Ok(())
        })?;
        writer.write_all(&out).map_err(csv::Error::from)?;
        writer.flush()?;
        Ok(())
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
            write_to(self.directory, self.directory.rows.iter(), writer)
        }
    }

    impl ByResource<'_> {
        /// Writes the grouping as CSV: as
        /// [`ByCollaborator::write_csv`], in this grouping's order.
        ///
        /// # Errors
        /// [`CsvExportError`] when the writer fails.
        pub fn write_csv<W: std::io::Write>(&self, writer: W) -> Result<(), CsvExportError> {
            write_to(self.directory, self.rows(), writer)
        }
    }

    impl Directory<'_> {
        /// Writes the directory as CSV in the given grouping's order: see
        /// [`ByCollaborator::write_csv`]. Pass `&mut writer` to keep the
        /// writer.
        ///
        /// The writer receives 64 KiB at a time. While it runs, the export
        /// also holds every person's and resource's encoded cells (about
        /// the size of their text); its time is linear in the number of
        /// memberships.
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
            let mut out = Vec::with_capacity(self.len() * 96 + 128);
            let keep = |_: &mut Vec<u8>| Ok(());
            match grouping {
                Grouping::ByCollaborator => write_rows(self, self.rows.iter(), &mut out, keep)?,
                Grouping::ByResource => {
                    let grouped = self.by_resource();
                    write_rows(self, grouped.rows(), &mut out, keep)?;
                }
            }
            // Every cell is valid UTF-8 and csv only adds ASCII.
            String::from_utf8(out).map_err(|e| {
                CsvExportError::Io(std::io::Error::new(std::io::ErrorKind::InvalidData, e))
            })
        }
    }
}
#[cfg(feature = "csv")]
pub use csv_export::CsvExportError;

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
    use alloc::vec::Vec;

    use super::cells::{CHUNK, Cell, Cells, Prepared, TooLong, decimal};
    use super::{Directory, Grouping, Row};

    /// Why a JSON export failed: only the writer can fail.
    #[derive(Debug, thiserror::Error)]
    #[non_exhaustive]
    pub enum JsonExportError {
        /// Writing failed.
        #[error("json export failed: {0}")]
        Json(#[from] serde_json::Error),
    }

    impl From<TooLong> for JsonExportError {
        fn from(_: TooLong) -> Self {
            JsonExportError::Json(serde_json::Error::io(std::io::Error::other(
                "a cell is too long to export",
            )))
        }
    }

    /// Appends `text` as a JSON string, escaped by `serde_json`.
    fn string(text: &str, out: &mut Vec<u8>) -> Result<(), JsonExportError> {
        serde_json::to_writer(&mut *out, text)?;
        Ok(())
    }

    /// A prepared cell as a JSON value: copied if encoded already, encoded
    /// on the spot if the membership spells it its own way, `null` if absent.
    fn json_cell(cell: Cell<'_>, out: &mut Vec<u8>) -> Result<(), JsonExportError> {
        match cell {
            Cell::Encoded(encoded) => out.extend_from_slice(encoded),
            Cell::Own(own) => string(own, out)?,
            Cell::Absent => out.extend_from_slice(b"null"),
        }
        Ok(())
    }

    /// The people's email and username strings (`null` for no username),
    /// and every resource's `{"kind":…,"id":…,"name":…` without its closing
    /// brace.
    fn cells(directory: &Directory<'_>) -> Result<Cells, JsonExportError> {
        let mut cells = Cells::default();
        cells.encode_people(directory, b"null", string)?;
        cells.encode_resources(directory, |kind, id, name, out| {
            out.extend_from_slice(b"{\"kind\":\"");
            out.extend_from_slice(kind.as_bytes());
            out.extend_from_slice(b"\",\"id\":");
            string(id, out)?;
            out.extend_from_slice(b",\"name\":");
            string(name, out)?;
            Ok::<(), JsonExportError>(())
        })?;
        Ok(cells)
    }

    /// `"role":…,"status":…,"invited_at":…}`, the end of every membership.
    fn tail(p: &Prepared<'_>, out: &mut Vec<u8>) {
        out.extend_from_slice(b"\"role\":\"");
        out.extend_from_slice(p.role.id().as_bytes());
        out.extend_from_slice(b"\",\"status\":\"");
        out.extend_from_slice(p.status.id().as_bytes());
        out.extend_from_slice(b"\",\"invited_at\":");
        let mut digits = [0u8; 20];
        out.extend_from_slice(decimal(&mut digits, p.invited_at));
        out.push(b'}');
    }

    /// `{"<name>":[…]}` (`open` is `{"<name>":[`): one object per run of
    /// rows with the same `key`, begun by `group`, holding each row as
    /// written by `member`. Calls `spill(out)` whenever `out` holds
    /// [`CHUNK`] bytes or more.
    #[expect(
        clippy::too_many_arguments,
        reason = "the two groupings differ in exactly these four parts"
    )]
    fn grouped<'d>(
        directory: &'d Directory<'d>,
        rows: impl Iterator<Item = &'d Row<'d>>,
        open: &[u8],
        key: impl Fn(&Prepared<'_>) -> u32,
        mut group: impl FnMut(&Cells, &Prepared<'_>, &mut Vec<u8>) -> Result<(), JsonExportError>,
        mut member: impl FnMut(&Prepared<'_>, &mut Vec<u8>) -> Result<(), JsonExportError>,
        out: &mut Vec<u8>,
        mut spill: impl FnMut(&mut Vec<u8>) -> Result<(), JsonExportError>,
    ) -> Result<(), JsonExportError> {
        let cells = cells(directory)?;
        out.extend_from_slice(open);
        let mut current: Option<u32> = None;
        cells.for_each_batch(directory, rows, |batch| {
            for p in batch {
                if current == Some(key(p)) {
                    out.push(b',');
                } else {
                    if current.is_some() {
                        out.extend_from_slice(b"]},");
                    }
                    current = Some(key(p));
                    group(&cells, p, out)?;
                }
                member(p, out)?;
                tail(p, out);
            }
            if out.len() >= CHUNK {
                spill(out)?;
            }
            Ok::<(), JsonExportError>(())
        })?;
        if current.is_some() {
            out.extend_from_slice(b"]}");
        }
        out.extend_from_slice(b"]}");
        Ok(())
    }

    /// `{"collaborators":[…]}`: one object per person, with their
    /// memberships (see [`ByCollaborator`](super::ByCollaborator)).
    fn by_collaborator<'d>(
        directory: &'d Directory<'d>,
        out: &mut Vec<u8>,
        spill: impl FnMut(&mut Vec<u8>) -> Result<(), JsonExportError>,
    ) -> Result<(), JsonExportError> {
        grouped(
            directory,
            directory.rows.iter(),
            b"{\"collaborators\":[",
            |p| p.person,
            |cells, p, out| {
                let (email, username) = cells.person(p.person);
                out.extend_from_slice(b"{\"email\":");
                out.extend_from_slice(email);
                out.extend_from_slice(b",\"username\":");
                out.extend_from_slice(username);
                out.extend_from_slice(b",\"two_factor\":\"");
                out.extend_from_slice(p.two_factor.id().as_bytes());
                out.extend_from_slice(b"\",\"memberships\":[");
                Ok(())
            },
            |p, out| {
                out.extend_from_slice(b"{\"resource\":");
                out.extend_from_slice(p.resource);
                out.extend_from_slice(b"},");
                Ok(())
            },
            out,
            spill,
        )
    }

    /// `{"resources":[…]}`: one object per listed resource, with its
    /// members (see [`ByResource`](super::ByResource)).
    fn by_resource<'d>(
        directory: &'d Directory<'d>,
        rows: impl Iterator<Item = &'d Row<'d>>,
        out: &mut Vec<u8>,
        spill: impl FnMut(&mut Vec<u8>) -> Result<(), JsonExportError>,
    ) -> Result<(), JsonExportError> {
        grouped(
            directory,
            rows,
            b"{\"resources\":[",
            |p| p.rank,
            |_, p, out| {
                out.extend_from_slice(p.resource);
                out.extend_from_slice(b",\"members\":[");
                Ok(())
            },
            |p, out| {
                out.extend_from_slice(b"{\"email\":");
                json_cell(p.email, out)?;
                out.extend_from_slice(b",\"username\":");
                json_cell(p.username, out)?;
                out.extend_from_slice(b",\"two_factor\":\"");
                out.extend_from_slice(p.two_factor.id().as_bytes());
                out.extend_from_slice(b"\",");
                Ok(())
            },
            out,
            spill,
        )
    }

    /// Writes the grouping to `out`, calling `spill(out)` whenever `out`
    /// holds [`CHUNK`] bytes or more.
    fn write(
        directory: &Directory<'_>,
        grouping: Grouping,
        out: &mut Vec<u8>,
        spill: impl FnMut(&mut Vec<u8>) -> Result<(), JsonExportError>,
    ) -> Result<(), JsonExportError> {
        match grouping {
            Grouping::ByCollaborator => by_collaborator(directory, out, spill),
            Grouping::ByResource => {
                let grouped = directory.by_resource();
                by_resource(directory, grouped.rows(), out, spill)
            }
        }
    }

    impl Directory<'_> {
        /// Writes the directory as JSON in the given grouping, 2FA status
        /// included: `{"collaborators": [...]}` or `{"resources": [...]}`
        /// (see [`ByCollaborator`](super::ByCollaborator) and
        /// [`ByResource`](super::ByResource) for the shapes). Roles,
        /// statuses and kinds are the spec's ids; an unknown username is
        /// `null`. The bytes are those `serde_json` writes for the
        /// grouping's `Serialize` implementation (compact).
        ///
        /// The writer receives 64 KiB at a time. While it runs, the export
        /// also holds every person's and resource's encoded strings (about
        /// the size of their text); its time is linear in the number of
        /// memberships.
        ///
        /// # Errors
        /// [`JsonExportError`] when the writer fails.
        pub fn write_json<W: std::io::Write>(
            &self,
            grouping: Grouping,
            mut writer: W,
        ) -> Result<(), JsonExportError> {
            let mut out = Vec::with_capacity(CHUNK + 4096);
            write(self, grouping, &mut out, |out| {
                writer.write_all(out).map_err(serde_json::Error::io)?;
                out.clear();
                Ok(())
            })?;
            writer.write_all(&out).map_err(serde_json::Error::io)?;
            writer.flush().map_err(serde_json::Error::io)?;
            Ok(())
        }

        /// The directory as a JSON string: see [`Directory::write_json`].
        ///
        /// # Errors
        /// [`JsonExportError`] (which a string never produces in practice).
        pub fn to_json(&self, grouping: Grouping) -> Result<String, JsonExportError> {
            let mut out = Vec::with_capacity(self.len() * 112 + 64);
            write(self, grouping, &mut out, |_| Ok(()))?;
            // serde_json writes valid UTF-8 and the rest is ASCII.
            String::from_utf8(out).map_err(|e| {
                JsonExportError::Json(serde_json::Error::io(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    e,
                )))
            })
        }
    }
}
#[cfg(feature = "json")]
pub use json_export::JsonExportError;

#[cfg(all(test, feature = "csv", feature = "json"))]
#[expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests: a failure is a test failure"
)]
mod tests {
    use alloc::string::String;
    use alloc::vec::Vec;

    use proptest::prelude::*;

    use super::{CSV_HEADER, Directory, DirectoryBuilder, Grouping, Membership, TwoFactor};
    use crate::{
        Email, InvitationToken, Member, MemberId, MemberParts, MemberStatus, Resource, ResourceId,
        ResourceKind, Role, Roster, Timestamp, Username,
    };

    #[test]
    fn decimal_matches_display() {
        for n in [0, 7, 10, 99, 1_700_000_000, u64::MAX] {
            let mut buf = [0u8; 20];
            assert_eq!(
                super::cells::decimal(&mut buf, n),
                alloc::format!("{n}").as_bytes()
            );
        }
    }

    /// The CSV export as it was written before the encoded cells: every
    /// cell of every row through one `csv::Writer`.
    fn reference_csv<'d>(rows: impl Iterator<Item = Membership<'d>>) -> Vec<u8> {
        let mut writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .quote_style(csv::QuoteStyle::Necessary)
            .from_writer(Vec::new());
        writer.write_record(CSV_HEADER).unwrap();
        for m in rows {
            let (id, name) = m.resource_text();
            let cells = [
                m.email_text(),
                m.username_text().unwrap_or(""),
                m.two_factor().id(),
                m.resource_kind().id(),
                id,
                name,
                m.role().id(),
                m.status().id(),
                &alloc::format!("{}", m.row.invited_at),
            ];
            for (i, cell) in cells.into_iter().enumerate() {
                let neutralize = matches!(i, 0 | 1 | 4 | 5);
                if neutralize {
                    writer
                        .write_field(super::neutralize_cell(cell).as_bytes())
                        .unwrap();
                } else {
                    writer.write_field(cell).unwrap();
                }
            }
            writer.write_record(None::<&[u8]>).unwrap();
        }
        writer.into_inner().unwrap()
    }

    fn check_exports(dir: &Directory<'_>) {
        let by_resource = dir.by_resource();
        for (grouping, reference, json) in [
            (
                Grouping::ByCollaborator,
                reference_csv(dir.by_collaborator().memberships()),
                serde_json::to_string(&dir.by_collaborator()).unwrap(),
            ),
            (
                Grouping::ByResource,
                reference_csv(by_resource.memberships()),
                serde_json::to_string(&by_resource).unwrap(),
            ),
        ] {
            let reference = String::from_utf8(reference).unwrap();
            assert_eq!(dir.to_csv(grouping).unwrap(), reference);
            let mut out = Vec::new();
            dir.write_csv(grouping, &mut out).unwrap();
            assert_eq!(out, reference.as_bytes());
            assert_eq!(dir.to_json(grouping).unwrap(), json);
            out.clear();
            dir.write_json(grouping, &mut out).unwrap();
            assert_eq!(out, json.as_bytes());
        }
    }

    /// Spellings that CSV must quote or neutralize and JSON must escape.
    const EMAILS: [&str; 9] = [
        "ada@x.io",
        "ADA@X.io",
        "=b@x.io",
        "c,\"q\"@x.io",
        "-d@x.io",
        "e\\f@x.io",
        "\u{e9}l\u{e8}ve@x.io",
        "+g@x.io",
        "'h@x.io",
    ];
    const NAMES: [&str; 9] = [
        "billing",
        "=SUM(A1)",
        "a,b",
        "say \"hi\"",
        "@cmd",
        "back\\slash",
        "caf\u{e9} \u{1f600}",
        "x=1",
        "'=quoted",
    ];

    /// A generated membership: person, status, username choice, invited at.
    type MemberSpec = (u8, u8, u8, u64);

    /// A generated resource: app or database, its owner, its members.
    type ResourceSpec = (bool, u8, Vec<MemberSpec>);

    fn build(specs: &[ResourceSpec]) -> Vec<Roster> {
        build_with(specs, &EMAILS)
    }

    fn build_with(specs: &[ResourceSpec], emails: &[&str]) -> Vec<Roster> {
        specs
            .iter()
            .enumerate()
            .map(|(i, (app, owner, others))| {
                let kind = if *app {
                    ResourceKind::App
                } else {
                    ResourceKind::DedicatedDatabase
                };
                let name = NAMES.get(i % NAMES.len()).copied().unwrap();
                let resource = Resource::new(
                    kind,
                    ResourceId::new(alloc::format!("{name}-{i}")).unwrap(),
                    name,
                )
                .unwrap();
                let member = |j: usize, person: u8, status: MemberStatus, user: u8, at: u64| {
                    let email = emails.get(usize::from(person) % emails.len()).unwrap();
                    let role = match status {
                        MemberStatus::Owner => Role::Owner,
                        _ if *app && at % 2 == 0 => Role::LimitedCollaborator,
                        _ => Role::Collaborator,
                    };
                    let username = match user % 5 {
                        0 => None,
                        1 => Some(alloc::format!("u{person}")),
                        2 => Some(alloc::format!("=u,\"{person}\"")),
                        3 => Some(alloc::format!("'u{person}")),
                        _ => Some(alloc::format!("other{j}")),
                    };
                    Member::new(MemberParts {
                        id: MemberId::new(alloc::format!("m{i}-{j}")).unwrap(),
                        email: Email::parse(email).unwrap(),
                        username: username.map(|u| Username::new(u).unwrap()),
                        status,
                        role,
                        invited_at: Timestamp::from_unix_seconds(at),
                        expires_at: None,
                        token: (status == MemberStatus::Pending)
                            .then(|| InvitationToken::new("t").unwrap().digest()),
                    })
                    .unwrap()
                };
                let owner = member(0, *owner, MemberStatus::Owner, 1, 0);
                let mut seen = alloc::vec![owner.email().clone()];
                let members: Vec<Member> = others
                    .iter()
                    .enumerate()
                    .filter_map(|(j, &(person, status, user, at))| {
                        let status = [
                            MemberStatus::Pending,
                            MemberStatus::Accepted,
                            MemberStatus::UserAccountDeleted,
                        ][usize::from(status % 3)];
                        let m = member(j + 1, person, status, user, at);
                        if seen.contains(m.email()) {
                            return None;
                        }
                        seen.push(m.email().clone());
                        Some(m)
                    })
                    .collect();
                Roster::from_parts(resource, owner, members).unwrap()
            })
            .collect()
    }

    fn directory(rosters: &[Roster]) -> Directory<'_> {
        let mut builder = DirectoryBuilder::new();
        for roster in rosters {
            builder.add_roster(roster);
        }
        builder
            .build(|e| match e.normalized().len() % 3 {
                0 => TwoFactor::Enabled,
                1 => TwoFactor::Disabled,
                _ => TwoFactor::Unknown,
            })
            .unwrap()
    }

    /// Accepts `room` bytes, a few at a time, then fails; `flush` fails
    /// when `fail_flush`.
    struct Failing {
        room: usize,
        fail_flush: bool,
        out: Vec<u8>,
    }

    impl std::io::Write for Failing {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            if self.room == 0 {
                return Err(std::io::Error::other("full"));
            }
            let n = bytes.len().min(self.room).min(7);
            self.out.extend_from_slice(&bytes[..n]);
            self.room -= n;
            Ok(n)
        }

        fn flush(&mut self) -> std::io::Result<()> {
            if self.fail_flush {
                Err(std::io::Error::other("flush"))
            } else {
                Ok(())
            }
        }
    }

    #[test]
    fn writer_errors_are_reported_and_short_writes_are_completed() {
        // Over 64 KiB of output, so that the export hands it over in chunks.
        let specs: Vec<ResourceSpec> = (0..250u8)
            .map(|i| {
                (
                    i % 2 == 0,
                    i,
                    (0..6u8)
                        .map(|j| (i.wrapping_add(j), j, j, u64::from(i)))
                        .collect(),
                )
            })
            .collect();
        let rosters = build(&specs);
        let dir = directory(&rosters);
        for grouping in [Grouping::ByCollaborator, Grouping::ByResource] {
            let csv = dir.to_csv(grouping).unwrap();
            let json = dir.to_json(grouping).unwrap();
            assert!(csv.len() > super::cells::CHUNK && json.len() > super::cells::CHUNK);
            // Short writes: everything arrives.
            let mut w = Failing {
                room: usize::MAX,
                fail_flush: false,
                out: Vec::new(),
            };
            dir.write_csv(grouping, &mut w).unwrap();
            assert_eq!(w.out, csv.as_bytes());
            let mut w = Failing {
                room: usize::MAX,
                fail_flush: false,
                out: Vec::new(),
            };
            dir.write_json(grouping, &mut w).unwrap();
            assert_eq!(w.out, json.as_bytes());
            // A write that fails, early or late.
            for room in [0, 10, csv.len() / 2] {
                let mut w = Failing {
                    room,
                    fail_flush: false,
                    out: Vec::new(),
                };
                let e = dir.write_csv(grouping, &mut w).unwrap_err();
                assert!(matches!(e, super::CsvExportError::Csv(_)), "{e:?}");
                let mut w = Failing {
                    room,
                    fail_flush: false,
                    out: Vec::new(),
                };
                assert!(dir.write_json(grouping, &mut w).is_err());
            }
            // A flush that fails.
            let mut w = Failing {
                room: usize::MAX,
                fail_flush: true,
                out: Vec::new(),
            };
            let e = dir.write_csv(grouping, &mut w).unwrap_err();
            assert!(matches!(e, super::CsvExportError::Io(_)), "{e:?}");
            let mut w = Failing {
                room: usize::MAX,
                fail_flush: true,
                out: Vec::new(),
            };
            assert!(dir.write_json(grouping, &mut w).is_err());
        }
    }

    #[test]
    fn empty_directory_exports_as_before() {
        check_exports(&directory(&[]));
    }

    proptest! {
        /// The exports write exactly what one `csv::Writer` per row and
        /// `serde_json` over the `Serialize` implementations write.
        #[test]
        fn exports_match_the_reference_encoders(
            specs in prop::collection::vec(
                (any::<bool>(), any::<u8>(), prop::collection::vec((any::<u8>(), any::<u8>(), any::<u8>(), any::<u64>()), 0..6)),
                0..12,
            )
        ) {
            let rosters = build(&specs);
            check_exports(&directory(&rosters));
        }

        /// Emails longer than the build's 16-byte sort key that share it
        /// (or part of it) still come out in email order, one person per
        /// email, each person's memberships in resource order.
        #[test]
        fn build_orders_emails_that_share_the_sort_key(
            specs in prop::collection::vec(
                (any::<bool>(), any::<u8>(), prop::collection::vec((any::<u8>(), any::<u8>(), any::<u8>(), any::<u64>()), 0..8)),
                0..12,
            )
        ) {
            let rosters = build_with(&specs, &LONG_EMAILS);
            let dir = directory(&rosters);
            let mut expected: Vec<(String, String)> = Vec::new();
            let ranks: Vec<&Resource> = dir.resources().collect();
            for roster in &rosters {
                for m in roster.iter() {
                    expected.push((String::from(m.email().normalized()), String::from(roster.resource().id().as_str())));
                }
            }
            let rank = |id: &str| ranks.iter().position(|r| r.id().as_str() == id).unwrap();
            expected.sort_by(|a, b| a.0.cmp(&b.0).then(rank(&a.1).cmp(&rank(&b.1))));
            let got: Vec<(String, String)> = dir
                .memberships()
                .map(|m| (String::from(m.email().normalized()), String::from(m.resource().id().as_str())))
                .collect();
            prop_assert_eq!(&got, &expected);
            let people: Vec<&str> = dir.people().map(|p| p.email().normalized()).collect();
            let mut distinct: Vec<&str> = expected.iter().map(|(e, _)| e.as_str()).collect();
            distinct.dedup();
            prop_assert_eq!(people, distinct);
            for m in dir.memberships() {
                prop_assert_eq!(m.person().email().normalized(), m.email().normalized());
            }
        }
    }

    /// Emails around the build's 16-byte sort key: sharing it, one a
    /// prefix of another, exactly 16 bytes, spelled in upper case.
    const LONG_EMAILS: [&str; 10] = [
        "averylongprefix-b@x.io",
        "averylongprefix-a@x.io",
        "AVERYLONGPREFIX-A@X.IO",
        "averylongprefix@x.io",
        "averylongprefi@x.io",
        "averylongprefix-a@x.iox",
        "abcdefghij@x.io1",
        "abcdefghij@x.io",
        "abcdefghij@x.io12",
        "averylongprefix-@x.io",
    ];
}
