//! Listings: one resource's roster as the platform's command-line tool
//! prints it, a box-drawing table with the columns `EMAIL`, `USERNAME`,
//! `STATUS`, `ROLE`.
//!
//! No I/O: the table is written into any [`core::fmt::Write`] (or
//! returned as a `String`). The bytes are the tool's:
//!
//! - the owner comes first, then the other members in the order given
//!   (a roster's own order, or the API's for [`write_members`]); the
//!   listing never sorts;
//! - an unknown username prints as `n/a`; statuses and roles print with
//!   their labels (`user account deleted`, `limited collaborator`);
//! - a column is as wide as its widest cell, header included, plus one
//!   space of margin on each side;
//! - header cells are centered (the left gets half the spare width,
//!   rounded down, the right the rest); data cells are left-aligned;
//! - widths are display widths as the tool counts them ([`width()`]): the
//!   sum of each code point's width, never grapheme clusters, so a flag
//!   (two regional indicators) takes four columns, an emoji with a
//!   skin-tone modifier four, a Hangul syllable spelled with conjoining
//!   jamo one column per vowel and final consonant on top of the initial's
//!   two; East Asian wide characters and most emoji take two columns,
//!   combining marks none, ambiguous-width characters one (the tool's
//!   default outside CJK locales). [`width()`] says where each figure
//!   comes from;
//! - a cell's leading and trailing whitespace is dropped, as the tool
//!   trims its cells (a username `" ada "` prints as `ada`).
//!
//! ```
//! use collab_authz::{
//!     listing, Account, Email, Invitation, InvitationToken, MemberId, Resource, ResourceId,
//!     ResourceKind, Roster, Timestamp, Username,
//! };
//!
//! let owner: Email = "owner@example.com".parse()?;
//! let app = Resource::new(ResourceKind::App, ResourceId::new("app-1")?, "billing")?;
//! let account = Account {
//!     id: MemberId::new("m-0")?,
//!     email: owner.clone(),
//!     username: Some(Username::new("olivia")?),
//! };
//! let (mut roster, _) = Roster::create(app, account, Timestamp::from_unix_seconds(0));
//! let invite = Invitation::new(
//!     MemberId::new("m-1")?,
//!     "ada@example.com".parse()?,
//!     InvitationToken::new("t")?,
//! );
//! roster.invite(&owner, invite, Timestamp::from_unix_seconds(1))?;
//!
//! assert_eq!(
//!     listing::to_string(&roster),
//!     "\
//! ┌───────────────────┬──────────┬─────────┬──────────────────────┐
//! │       EMAIL       │ USERNAME │ STATUS  │         ROLE         │
//! ├───────────────────┼──────────┼─────────┼──────────────────────┤
//! │ owner@example.com │ olivia   │ owner   │ owner                │
//! │ ada@example.com   │ n/a      │ pending │ limited collaborator │
//! └───────────────────┴──────────┴─────────┴──────────────────────┘
//! "
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Text a user chooses cannot draw the table
//!
//! Emails and usernames are chosen by users, and an email may hold almost
//! any visible character. So that no cell can forge a column, a row or a
//! border, the listing **escapes** every character that could: the box
//! drawing characters U+2500 to U+257F (the table's borders, `│` and `─`
//! among them), control characters (line feed, carriage return, tab,
//! escape, ...) and the line and paragraph separators U+2028 and U+2029
//! print as `\u{...}` (`a│b` prints as `a\u{2502}b`), and a backslash
//! prints as `\\`, so that two different texts never print alike. The
//! table is then exactly three rules, one header line and one line per
//! member, and each of those lines holds exactly five `│` around its four
//! cells. (`|`, `+` and `-` draw nothing in this table and print as they
//! are.) Here the listing departs from the tool on purpose, which prints
//! such text as is (and breaks a cell at a line feed into several lines);
//! text without these characters prints byte for byte as the tool prints
//! it.
//!
//! Escaping rather than refusing: such characters are valid in an email
//! address (RFC 5322 allows them in a quoted local part), and refusing
//! them at construction would make stored members unreadable. Controls
//! and the characters that hide text are refused at construction already
//! ([`InvisibleCharacter`](crate::membership::InvisibleCharacter)); the
//! listing escapes controls as well, so that its guarantee does not rest
//! on that.
//!
//! ```
//! use collab_authz::membership::MemberParts;
//! use collab_authz::{listing, Email, Member, MemberId, MemberStatus, Role, Timestamp, Username};
//!
//! let forged = Member::new(MemberParts {
//!     id: MemberId::new("m-1")?,
//!     email: "ada@example.com".parse()?,
//!     // Tries to draw a fifth column.
//!     username: Some(Username::new("ada │ owner")?),
//!     status: MemberStatus::Accepted,
//!     role: Role::LimitedCollaborator,
//!     custom_role: None,
//!     invited_at: Timestamp::from_unix_seconds(0),
//!     expires_at: None,
//!     token: None,
//! })?;
//! let table = listing::members_to_string([&forged]);
//! assert!(table.contains("│ ada \\u{2502} owner │"));
//! assert!(table.lines().all(|line| line.matches('│').count() == 5 || !line.contains('│')));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::{self, Write};

mod width;
mod width_table;

pub use width::{char_width, width};

pub use crate::membership::UNKNOWN_USERNAME;
use crate::membership::{Member, MemberStatus, Roster, Username};

/// The column headers.
pub const HEADERS: [&str; 4] = ["EMAIL", "USERNAME", "STATUS", "ROLE"];

/// Writes `roster`'s table into `out`: the owner first, then the other
/// members in the order [`Roster::iter`] yields them.
///
/// # Errors
/// Only the errors of `out`.
pub fn write<W: Write>(out: &mut W, roster: &Roster) -> fmt::Result {
    write_members(out, roster.iter())
}

/// `roster`'s table as a `String` (see [`write()`]).
#[must_use]
pub fn to_string(roster: &Roster) -> String {
    let mut out = String::new();
    // Writing into a `String` cannot fail.
    let _ = write(&mut out, roster);
    out
}

/// Writes a table of `members` into `out`: the owner (if among them)
/// first, the others in the given order, never sorted. Useful when the
/// owner is not known, as with the public API's collaborator lists:
/// pass the API's members in the API's order and the table keeps it.
///
/// ```
/// # #[cfg(feature = "serde")]
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use collab_authz::api::CollaboratorList;
/// use collab_authz::{listing, Timestamp};
///
/// let json = r#"{"collaborators": [
///     {"id": "c9", "email": "zoe@example.com", "username": "zoe", "status": "accepted", "is_limited": true},
///     {"id": "c3", "email": "al@example.com", "username": "n/a", "status": "pending", "is_limited": false}
/// ]}"#;
/// let list: CollaboratorList = serde_json::from_str(json)?;
/// let members = list.to_members(Timestamp::from_unix_seconds(0))?;
/// let mut table = String::new();
/// listing::write_members(&mut table, &members)?;
/// assert_eq!(
///     table,
///     "\
/// ┌─────────────────┬──────────┬──────────┬──────────────────────┐
/// │      EMAIL      │ USERNAME │  STATUS  │         ROLE         │
/// ├─────────────────┼──────────┼──────────┼──────────────────────┤
/// │ zoe@example.com │ zoe      │ accepted │ limited collaborator │
/// │ al@example.com  │ n/a      │ pending  │ collaborator         │
/// └─────────────────┴──────────┴──────────┴──────────────────────┘
/// "
/// );
/// # Ok(())
/// # }
/// # #[cfg(not(feature = "serde"))]
/// # fn main() {}
/// ```
///
/// # Errors
/// Only the errors of `out`.
pub fn write_members<'a, W: Write>(
    out: &mut W,
    members: impl IntoIterator<Item = &'a Member>,
) -> fmt::Result {
    // The owner first, the others in the given order: a stable partition,
    // not a sort.
    let (owners, others): (Vec<&Member>, Vec<&Member>) = members
        .into_iter()
        .partition(|m| m.status() == MemberStatus::Owner);
    let rows: Vec<[Cell<'_>; 4]> = owners
        .into_iter()
        .chain(others)
        .map(|m| {
            [
                Cell::new(m.email().as_str()),
                Cell::new(m.username().map_or(UNKNOWN_USERNAME, Username::as_str)),
                Cell::new(m.status().label()),
                Cell::new(m.role_name()),
            ]
        })
        .collect();
    let headers = HEADERS.map(Cell::new);
    let mut widths = headers.each_ref().map(|h| h.width);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.width);
        }
    }
    rule(out, &widths, ['┌', '┬', '┐'])?;
    line(out, &widths, &headers, Align::Center)?;
    rule(out, &widths, ['├', '┼', '┤'])?;
    for row in &rows {
        line(out, &widths, row, Align::Left)?;
    }
    rule(out, &widths, ['└', '┴', '┘'])
}

/// A members table as a `String` (see [`write_members`]).
#[must_use]
pub fn members_to_string<'a>(members: impl IntoIterator<Item = &'a Member>) -> String {
    let mut out = String::new();
    // Writing into a `String` cannot fail.
    let _ = write_members(&mut out, members);
    out
}

/// A cell's text as printed (trimmed, escaped) and its display width,
/// measured once.
#[derive(Debug, Clone)]
struct Cell<'a> {
    text: Cow<'a, str>,
    width: usize,
}

impl<'a> Cell<'a> {
    fn new(text: &'a str) -> Self {
        // The tool trims each cell (Go's `strings.TrimSpace`: Unicode
        // White_Space, as `str::trim`).
        let text = text.trim();
        let text = if text.chars().any(is_escaped) {
            Cow::Owned(escape(text))
        } else {
            Cow::Borrowed(text)
        };
        Self {
            width: width(&text),
            text,
        }
    }
}

/// Whether the listing prints `c` escaped: the characters that could draw
/// a column, a row or a border (see the [module docs](self)), and the
/// escape character itself.
fn is_escaped(c: char) -> bool {
    matches!(c, '\\' | '\u{2500}'..='\u{257F}' | '\u{2028}' | '\u{2029}') || c.is_control()
}

/// `text` with each [escaped](is_escaped) character written as
/// `\u{...}` and a backslash as `\\`: the escapes are printable ASCII,
/// and distinct texts stay distinct.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c == '\\' {
            out.push_str("\\\\");
        } else if is_escaped(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    out
}

/// Where a cell's text sits in its column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Align {
    /// Text first, padding after (data cells).
    Left,
    /// Half the padding (rounded down) before, the rest after (headers).
    Center,
}

fn rule<W: Write>(out: &mut W, widths: &[usize; 4], [left, mid, right]: [char; 3]) -> fmt::Result {
    out.write_char(left)?;
    for (i, width) in widths.iter().enumerate() {
        if i > 0 {
            out.write_char(mid)?;
        }
        repeat(out, '─', width + 2)?;
    }
    out.write_char(right)?;
    out.write_char('\n')
}

fn line<W: Write>(
    out: &mut W,
    widths: &[usize; 4],
    cells: &[Cell<'_>; 4],
    align: Align,
) -> fmt::Result {
    out.write_char('│')?;
    for (width, cell) in widths.iter().zip(cells) {
        let spare = width.saturating_sub(cell.width);
        let before = match align {
            Align::Left => 0,
            Align::Center => spare / 2,
        };
        out.write_char(' ')?;
        repeat(out, ' ', before)?;
        out.write_str(&cell.text)?;
        repeat(out, ' ', spare - before)?;
        out.write_str(" │")?;
    }
    out.write_char('\n')
}

fn repeat<W: Write>(out: &mut W, c: char, n: usize) -> fmt::Result {
    for _ in 0..n {
        out.write_char(c)?;
    }
    Ok(())
}

impl fmt::Display for Roster {
    /// The listing table ([`crate::listing`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write(f, self)
    }
}
