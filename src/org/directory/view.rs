//! The views of a [`Directory`](super::Directory): one [`Entry`] per
//! membership, the two groupings ([`ByCollaborator`], [`ByResource`]) and
//! their text rendering.

use alloc::vec::Vec;
use core::fmt::{self, Write as _};

use super::{Directory, Person, Row, Text, TwoFactor, in_range};
use crate::membership::{
    Email, Member, MemberStatus, Resource, Timestamp, UNKNOWN_USERNAME, Username,
};
use crate::rules::resource_kind::ResourceKind;
use crate::rules::role::Role;

/// One membership of a [`Directory`]: a person's role on a resource.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'d> {
    pub(super) directory: &'d Directory<'d>,
    pub(super) person: &'d Person<'d>,
    pub(super) row: &'d Row<'d>,
}

impl<'d> Entry<'d> {
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

    /// The built-in role (a custom role's base, for a member who holds
    /// one: see [`Member::role`]).
    #[must_use]
    pub fn role(&self) -> Role {
        self.row.role
    }

    /// The role's id as the exports write it: the custom role's name for
    /// a member who holds one, else the built-in role's id
    /// (`limited_collaborator`). See [`Member::role_id`].
    #[must_use]
    pub fn role_id(&self) -> &'d str {
        self.row.member.role_id()
    }

    /// The role as the text views print it: the custom role's name for a
    /// member who holds one, else the built-in role's label
    /// (`limited collaborator`). See [`Member::role_name`].
    #[must_use]
    pub fn role_name(&self) -> &'d str {
        self.row.member.role_name()
    }

    /// The status.
    #[must_use]
    pub fn status(&self) -> MemberStatus {
        self.row.status
    }

    /// Where [`email_text`](Self::email_text) comes from: the person's
    /// text unless this membership spells the email differently.
    pub(super) fn email_source(&self) -> Text<'d> {
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
    pub(super) fn username_source(&self) -> Text<'d> {
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
    pub(super) fn email_text(&self) -> &'d str {
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
    pub(super) fn username_text(&self) -> Option<&'d str> {
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
    pub(super) fn resource_text(&self) -> (&'d str, &'d str) {
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
    pub fn invited_at(&self) -> Timestamp {
        Timestamp::from_unix_seconds(self.row.invited_at)
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

/// A directory grouped by collaborator: see [`Grouping::ByCollaborator`](super::Grouping::ByCollaborator).
///
/// `Display` renders it as indented text; with `serde`, it serializes as
/// `{"collaborators": [{"email", "username", "two_factor", "memberships":
/// [{"resource": {"kind", "id", "name"}, "role", "status", "invited_at"}]}]}`.
#[derive(Debug, Clone, Copy)]
pub struct ByCollaborator<'d> {
    pub(super) directory: &'d Directory<'d>,
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
    pub fn memberships(&self) -> impl Iterator<Item = Entry<'d>> + 'd {
        self.directory.memberships()
    }
}

/// One person and every membership they hold.
#[derive(Debug, Clone, Copy)]
pub struct CollaboratorGroup<'d> {
    pub(super) directory: &'d Directory<'d>,
    pub(super) person: &'d Person<'d>,
    pub(super) rows: &'d [Row<'d>],
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
    pub fn memberships(&self) -> impl Iterator<Item = Entry<'d>> + 'd {
        let person = self.person;
        let directory = self.directory;
        self.rows.iter().map(move |row| Entry {
            directory,
            person,
            row,
        })
    }
}

/// A directory grouped by resource: see [`Grouping::ByResource`](super::Grouping::ByResource).
///
/// `Display` renders it as indented text; with `serde`, it serializes as
/// `{"resources": [{"kind", "id", "name", "members": [{"email", "username",
/// "two_factor", "role", "status", "invited_at"}]}]}`.
#[derive(Debug, Clone)]
pub struct ByResource<'d> {
    pub(super) directory: &'d Directory<'d>,
    /// Row indices, grouped by resource, owner first then email order.
    pub(super) order: Vec<u32>,
    /// `(resource, start, end)` into `order`, for the resources listed.
    pub(super) groups: Vec<(u32, u32, u32)>,
}

impl<'d> ByResource<'d> {
    pub(super) fn new(directory: &'d Directory<'d>) -> Self {
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
                    resource: in_range(self.directory.resources.get(resource as usize).copied())?,
                    rows: in_range(self.order.get(start as usize..end as usize))?,
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
    pub fn memberships(&self) -> impl Iterator<Item = Entry<'_>> + '_ {
        self.iter().flat_map(|group| group.into_memberships())
    }

    /// The rows of the listed resources, in this grouping's order.
    #[cfg(any(feature = "csv", feature = "json"))]
    pub(super) fn rows(&self) -> impl Iterator<Item = &'d Row<'d>> + '_ {
        let rows = &self.directory.rows;
        self.groups
            .iter()
            .filter_map(|&(_, start, end)| in_range(self.order.get(start as usize..end as usize)))
            .flatten()
            .filter_map(move |&i| in_range(rows.get(i as usize)))
    }
}

/// One resource and its members.
#[derive(Debug, Clone, Copy)]
pub struct ResourceGroup<'g> {
    pub(super) directory: &'g Directory<'g>,
    pub(super) resource: &'g Resource,
    pub(super) rows: &'g [u32],
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
    pub fn memberships(&self) -> impl Iterator<Item = Entry<'g>> + 'g {
        self.into_memberships()
    }

    pub(super) fn into_memberships(self) -> impl Iterator<Item = Entry<'g>> + 'g {
        let directory = self.directory;
        self.rows
            .iter()
            .filter_map(move |&i| in_range(directory.rows.get(i as usize)))
            .filter_map(move |row| in_range(directory.view(row)))
    }
}

/// A username as the text views print it: [`UNKNOWN_USERNAME`] (`n/a`)
/// when unknown, bare; a known username [quoted](Quoted) like any user
/// text, and always quoted when it is spelled `n/a`.
struct UsernameText<'a>(Option<&'a str>);

impl fmt::Display for UsernameText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            None => f.write_str(UNKNOWN_USERNAME),
            Some(name) if name == UNKNOWN_USERNAME => write!(f, "\"{name}\""),
            Some(name) => Quoted(name).fmt(f),
        }
    }
}

/// Text a user chose (an email, a username, a resource's name or id), as
/// the text views print it: as is when it holds nothing that could draw
/// the view's structure, else in double quotes, with `"` and `\` escaped
/// by a backslash and every control and white space other than the space
/// written as `\u{...}`.
///
/// The characters that make a text quoted are the views' separators
/// (white space, `(`, `)`, `,`, `:`), the quote, the backslash and the
/// controls; the empty text is quoted too. A bare text therefore never
/// starts with `"` and holds no separator, and a quoted one ends at its
/// first unescaped `"`: a reader splits every line back into the same
/// fields, whatever the text.
struct Quoted<'a>(&'a str);

impl Quoted<'_> {
    /// Whether `c` makes a text quoted.
    fn needs_quotes(c: char) -> bool {
        matches!(c, '(' | ')' | ',' | ':' | '"' | '\\') || c.is_whitespace() || c.is_control()
    }
}

impl fmt::Display for Quoted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0;
        if !text.is_empty() && !text.chars().any(Self::needs_quotes) {
            return f.write_str(text);
        }
        f.write_char('"')?;
        for c in text.chars() {
            match c {
                '"' | '\\' => {
                    f.write_char('\\')?;
                    f.write_char(c)?;
                }
                ' ' => f.write_char(' ')?,
                c if c.is_whitespace() || c.is_control() => {
                    for e in c.escape_unicode() {
                        f.write_char(e)?;
                    }
                }
                c => f.write_char(c)?,
            }
        }
        f.write_char('"')
    }
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
    ///
    /// Text a user chose (emails, usernames, resource names and ids) is
    /// printed as is when it holds no separator, else quoted and escaped,
    /// as in [`ByResource`]'s text view: no text can forge a column or a
    /// line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for group in self.iter() {
            let person = group.person();
            writeln!(
                f,
                "{} ({}), 2FA {}",
                Quoted(person.email().as_str()),
                UsernameText(person.username().map(Username::as_str)),
                person.two_factor()
            )?;
            for m in group.memberships() {
                let (id, name) = m.resource_text();
                writeln!(
                    f,
                    "  {} {} ({}): {}, {}",
                    m.resource_kind(),
                    Quoted(name),
                    Quoted(id),
                    m.role_name(),
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
    ///
    /// Text a user chose (emails, usernames, resource names and ids) is
    /// printed as is when it holds no separator (white space, `(`, `)`,
    /// `,`, `:`), no `"`, no `\` and no control; else in double quotes,
    /// with `"` and `\` escaped by a backslash and controls and white
    /// space other than the space as `\u{...}`. A username such as
    /// `ada): owner, owner, 2FA enabled` then forges no column, and a
    /// username spelled `n/a` prints `"n/a"`, an unknown one `n/a`. Roles
    /// (custom role names included) and statuses are never user text.
    ///
    /// ```
    /// use collab_authz::{
    ///     Account, DirectoryBuilder, Email, Invitation, InvitationToken, MemberId, Resource,
    ///     ResourceId, ResourceKind, Roster, Timestamp, TwoFactor, Username,
    /// };
    ///
    /// let t = Timestamp::from_unix_seconds(0);
    /// let app = Resource::new(ResourceKind::App, ResourceId::new("app-1")?, "billing, prod")?;
    /// let ada = Email::parse("ada@example.com")?;
    /// let owner = Account {
    ///     id: MemberId::new("m0")?,
    ///     email: ada.clone(),
    ///     username: Some(Username::new("ada): owner, owner, 2FA enabled")?),
    /// };
    /// let (mut roster, _) = Roster::create(app, owner, t);
    /// let bob = Email::parse("bob@example.com")?;
    /// roster.invite(&ada, Invitation::new(MemberId::new("m1")?, bob, InvitationToken::new("t")?), t)?;
    /// let mut builder = DirectoryBuilder::new();
    /// builder.add_roster(&roster);
    /// let directory = builder.build(|_| TwoFactor::Disabled)?;
    /// assert_eq!(
    ///     directory.by_resource().to_string(),
    ///     "app \"billing, prod\" (app-1)\n  \
    ///      ada@example.com (\"ada): owner, owner, 2FA enabled\"): owner, owner, 2FA disabled\n  \
    ///      bob@example.com (n/a): limited collaborator, pending, 2FA disabled\n",
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for group in self.iter() {
            let r = group.resource();
            writeln!(
                f,
                "{} {} ({})",
                r.kind(),
                Quoted(r.name()),
                Quoted(r.id().as_str())
            )?;
            for m in group.memberships() {
                writeln!(
                    f,
                    "  {} ({}): {}, {}, 2FA {}",
                    Quoted(m.email_text()),
                    UsernameText(m.username_text()),
                    m.role_name(),
                    m.status().label(),
                    m.two_factor()
                )?;
            }
        }
        Ok(())
    }
}

/// Whether a membership in `status` has a known username: not while it is
/// pending (`docs/lifecycle.md`), even when the member record or the same person's
/// other memberships carry one.
pub(super) const fn username_is_known(status: MemberStatus) -> bool {
    !matches!(status, MemberStatus::Pending)
}
