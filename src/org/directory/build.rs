//! [`DirectoryBuilder`]: collects rosters and builds a
//! [`Directory`](super::Directory) in named steps (resource order,
//! membership order, people, text arena).

use alloc::vec::Vec;

use super::view::username_is_known;
use super::{Arena, Directory, DirectoryError, Person, Row, Span, TwoFactor};
use crate::membership::{Email, Member, Resource, ResourceId, Roster};

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
        two_factor: impl FnMut(&Email) -> TwoFactor,
    ) -> Result<Directory<'a>, DirectoryError> {
        let DirectoryBuilder {
            resources,
            rows: added,
            too_large,
        } = self;
        if too_large || u32::try_from(added.len()).is_err() {
            return Err(DirectoryError::TooLarge);
        }
        let (sorted_resources, rank) = resource_order(&resources)?;
        check_unique_ids(&sorted_resources)?;
        let keys = membership_order(&added, &rank)?;
        let mut rows = membership_rows(&keys, &added, &resources)?;
        let (people, person_start) = people(&mut rows, &keys, two_factor)?;
        let (arena, person_text, resource_text) = text_arena(&people, &sorted_resources)?;
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

/// An index the build computed itself is out of range: a bug in this
/// module. A debug build stops here; a release build fails the build with
/// [`DirectoryError::Internal`] rather than leave a membership out.
fn internal() -> DirectoryError {
    debug_assert!(false, "directory build: an index out of range");
    DirectoryError::Internal
}

/// Step 1, resource order: name, then kind, then id. Returns the resources
/// in that order and `rank`, where `rank[i]` is the position of the i-th
/// added resource in it.
fn resource_order<'a>(
    resources: &[&'a Resource],
) -> Result<(Vec<&'a Resource>, Vec<u32>), DirectoryError> {
    let mut order: Vec<(u32, &'a Resource)> = (0..).zip(resources.iter().copied()).collect();
    order.sort_unstable_by(|(_, a), (_, b)| {
        (a.name(), a.kind(), a.id()).cmp(&(b.name(), b.kind(), b.id()))
    });
    let mut rank = alloc::vec![0u32; resources.len()];
    for (position, &(original, _)) in (0..).zip(&order) {
        *rank.get_mut(original as usize).ok_or_else(internal)? = position;
    }
    Ok((order.into_iter().map(|(_, r)| r).collect(), rank))
}

/// Step 2, membership order: email, then resource. The sort reads only its
/// keys (no pointer into the rosters); the runs of keys that share their
/// first [`KEY_BYTES`] bytes of email are then checked, and sorted by the
/// full emails where they differ.
fn membership_order<'a>(
    added: &[(u32, &'a Member)],
    rank: &[u32],
) -> Result<Vec<SortKey<'a>>, DirectoryError> {
    let mut keys = Vec::with_capacity(added.len());
    for (row, (index, member)) in (0..).zip(added) {
        let key = member.email().prefix();
        keys.push(SortKey {
            // The high and the low half: the casts keep 64 bits each on
            // purpose.
            high: (key >> 64) as u64,
            low: key as u64,
            email: member.email().normalized(),
            rank: rank.get(*index as usize).copied().ok_or_else(internal)?,
            row,
        });
    }
    keys.sort_unstable_by_key(|k| (k.high, k.low, k.email.len(), k.rank));
    sort_long_runs(&mut keys);
    Ok(keys)
}

/// Step 3, one [`Row`] per membership in `keys` order, with the facts the
/// groupings and the review read copied out of the member. The person
/// index and the two `own_*` flags are set by [`people`].
fn membership_rows<'a>(
    keys: &[SortKey<'a>],
    added: &[(u32, &'a Member)],
    resources: &[&'a Resource],
) -> Result<Vec<Row<'a>>, DirectoryError> {
    let mut rows = Vec::with_capacity(keys.len());
    for k in keys {
        let &(index, member) = added.get(k.row as usize).ok_or_else(internal)?;
        let resource = *resources.get(index as usize).ok_or_else(internal)?;
        rows.push(Row {
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
        });
    }
    Ok(rows)
}

/// Step 4, one [`Person`] per distinct email (the rows are in email
/// order, so a person's rows are one run), asking `two_factor` once per
/// person. Sets each row's person index and whether it spells the email or
/// knows the username differently from its person. Returns the people and
/// `person_start` (person `p`'s rows are `person_start[p]..person_start[p +
/// 1]`).
fn people<'a>(
    rows: &mut [Row<'a>],
    keys: &[SortKey<'a>],
    mut two_factor: impl FnMut(&Email) -> TwoFactor,
) -> Result<(Vec<Person<'a>>, Vec<u32>), DirectoryError> {
    let mut people: Vec<Person<'a>> = Vec::new();
    let mut person_start: Vec<u32> = Vec::new();
    let mut previous: Option<&SortKey<'a>> = None;
    for (i, (row, key)) in rows.iter_mut().zip(keys).enumerate() {
        let same_person = previous.is_some_and(|p| p.same_email(key));
        // Same email and same resource rank: a second membership.
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
        let index = people.len().checked_sub(1).ok_or_else(internal)?;
        row.person = u32::try_from(index).map_err(|_| DirectoryError::TooLarge)?;
        let person = people.last_mut().ok_or_else(internal)?;
        row.own_email = person.email.as_str() != row.member.email().as_str();
        // The person's username is the first known one; a row that knows
        // another is marked so the exports print its own.
        let own = row
            .member
            .username()
            .filter(|_| username_is_known(row.status));
        match (person.username, own) {
            (None, own) => person.username = own,
            (Some(known), Some(own)) => row.own_username = known != own,
            (Some(_), None) => {}
        }
        previous = Some(key);
    }
    person_start.push(u32::try_from(rows.len()).map_err(|_| DirectoryError::TooLarge)?);
    Ok((people, person_start))
}

/// The arena and the spans of every person's email and username and of
/// every resource's id and name.
type TextTables = (Arena, Vec<(Span, Option<Span>)>, Vec<(Span, Span)>);

/// Step 5, the text arena: every person's email and username, then every
/// resource's id and name, copied once in listing order so that the
/// exports read them sequentially.
fn text_arena(
    people: &[Person<'_>],
    resources: &[&Resource],
) -> Result<TextTables, DirectoryError> {
    let mut arena = Arena::default();
    let mut person_text = Vec::with_capacity(people.len());
    for person in people {
        let email = arena.push(person.email.as_str())?;
        let username = match person.username {
            Some(u) => Some(arena.push(u.as_str())?),
            None => None,
        };
        person_text.push((email, username));
    }
    let mut resource_text = Vec::with_capacity(resources.len());
    for resource in resources {
        resource_text.push((
            arena.push(resource.id().as_str())?,
            arena.push(resource.name())?,
        ));
    }
    Ok((arena, person_text, resource_text))
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
