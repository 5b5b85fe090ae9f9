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
//! - widths are terminal display widths, not `char` or byte counts:
//!   East Asian wide characters and most emoji take two columns,
//!   combining marks and other zero-width characters none (Unicode's
//!   East Asian Width and the terminal conventions that build on it, as
//!   the [`unicode-width`](https://docs.rs/unicode-width) crate
//!   implements them; ambiguous-width characters take one column).
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

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt::{self, Write};

use unicode_width::UnicodeWidthStr;

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
    let mut widths = headers.map(|h| h.width);
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

/// A cell's text and its display width, measured once.
#[derive(Debug, Clone, Copy)]
struct Cell<'a> {
    text: &'a str,
    width: usize,
}

impl<'a> Cell<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            width: text.width(),
        }
    }
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
        out.write_str(cell.text)?;
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
