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

use alloc::string::String;
use alloc::vec::Vec;

use crate::id::id_enum;
use crate::membership::{Email, Member, MemberStatus, Resource, ResourceId, Username};
use crate::rules::resource_kind::ResourceKind;
use crate::rules::role::Role;

mod build;
mod view;

pub use build::DirectoryBuilder;
pub use view::{ByCollaborator, ByResource, CollaboratorGroup, Entry, ResourceGroup};

id_enum! {
    kind: TwoFactor,
    /// A person's two-factor-authentication status, as the caller knows it.
    ///
    /// The crate does no I/O, so it cannot ask the platform: the caller
    /// passes this in when building a [`Directory`]. A status the caller
    /// does not know is [`Unknown`](TwoFactor::Unknown), which an access
    /// review treats with suspicion. Its id (`Display`, `FromStr`, the
    /// exports) is `enabled`, `disabled` or `unknown`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize))]
    #[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
    pub enum TwoFactor {
        /// Two-factor authentication is on.
        Enabled => "enabled",
        /// Two-factor authentication is off.
        Disabled => "disabled",
        /// The caller does not know.
        Unknown => "unknown",
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
    /// The build found one of its own indices out of range: a bug in this
    /// crate, reported instead of leaving a membership out (a debug build
    /// stops with an assertion instead).
    #[error("the directory build found an index out of range (a bug in collab-authz)")]
    Internal,
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
        in_range(self.text.get(start..start + span.len as usize)).unwrap_or("")
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
    pub fn memberships(&self) -> impl Iterator<Item = Entry<'_>> + '_ {
        self.rows.iter().filter_map(|row| in_range(self.view(row)))
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
    /// from the build): callers pass it through [`in_range`].
    fn view<'d>(&'d self, row: &'d Row<'a>) -> Option<Entry<'d>> {
        Some(Entry {
            directory: self,
            person: self.people.get(row.person as usize)?,
            row,
        })
    }

    fn person_rows(&self, person: usize) -> &[Row<'a>] {
        let start = in_range(self.person_start.get(person).copied()).unwrap_or(0) as usize;
        let end = in_range(self.person_start.get(person + 1).copied()).unwrap_or(0) as usize;
        in_range(self.rows.get(start..end)).unwrap_or(&[])
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
/// use collab_authz::org::directory::neutralize_cell;
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

/// `found`, asserted to be `Some` in a debug build. Every index a
/// directory follows (row to person, resource or text) was computed by its
/// build, so a `None` is a bug in this module: the debug assertion makes it
/// fail the tests rather than leave a membership out of a listing, an
/// export or a review. (`indexing_slicing` is denied, so the lookups return
/// `Option`s.)
#[track_caller]
fn in_range<T>(found: Option<T>) -> Option<T> {
    debug_assert!(found.is_some(), "directory: an index out of range");
    found
}

#[cfg(any(feature = "csv", feature = "json"))]
mod cells;
#[cfg(feature = "csv")]
mod csv_export;
#[cfg(feature = "json")]
mod json_export;
#[cfg(feature = "serde")]
mod serialize;

#[cfg(feature = "csv")]
pub use csv_export::CsvExportError;
#[cfg(feature = "json")]
pub use json_export::JsonExportError;

#[cfg(all(test, feature = "csv", feature = "json"))]
#[expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "tests: a failure is a test failure"
)]
mod tests;

#[cfg(feature = "serde")]
crate::id::serde_id::deserialize_by_id!(TwoFactor);
