//! Listings: one resource's roster as the platform's command-line tool
//! prints it, a box-drawing table with the columns `EMAIL`, `USERNAME`,
//! `STATUS`, `ROLE`.
//!
//! No I/O: the table is written into any [`core::fmt::Write`] (or
//! returned as a `String`). The owner comes first, then the other
//! members in the order given; an unknown username prints as `n/a`;
//! statuses and roles print with their labels (`user account deleted`,
//! `limited collaborator`). Column widths count `char`s, so text in
//! scripts whose characters are wider than one terminal cell may not
//! line up.
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
//! │ EMAIL             │ USERNAME │ STATUS  │ ROLE                 │
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

use crate::membership::{Member, MemberStatus, Roster, Username};

/// The column headers.
pub const HEADERS: [&str; 4] = ["EMAIL", "USERNAME", "STATUS", "ROLE"];

/// What an unknown username prints as.
pub const UNKNOWN_USERNAME: &str = "n/a";

/// Writes `roster`'s table into `out`.
///
/// # Errors
/// Only the errors of `out`.
pub fn write<W: Write>(out: &mut W, roster: &Roster) -> fmt::Result {
    write_members(out, roster.iter())
}

/// `roster`'s table as a `String`.
#[must_use]
pub fn to_string(roster: &Roster) -> String {
    let mut out = String::new();
    // Writing into a `String` cannot fail.
    let _ = write(&mut out, roster);
    out
}

/// Writes a table of `members` into `out`: the owner (if among them)
/// first, the others in the given order. Useful when the owner is not
/// known, as with the public API's collaborator lists.
///
/// # Errors
/// Only the errors of `out`.
pub fn write_members<'a, W: Write>(
    out: &mut W,
    members: impl IntoIterator<Item = &'a Member>,
) -> fmt::Result {
    let mut rows: Vec<[&str; 4]> = members
        .into_iter()
        .map(|m| {
            [
                m.email().as_str(),
                m.username().map_or(UNKNOWN_USERNAME, Username::as_str),
                m.status().label(),
                m.role().label(),
            ]
        })
        .collect();
    // Stable: the owner first, the rest keep their order.
    rows.sort_by_key(|row| row.get(2) != Some(&MemberStatus::Owner.label()));
    let mut widths = HEADERS.map(|h| h.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    rule(out, &widths, ['┌', '┬', '┐'])?;
    line(out, &widths, &HEADERS)?;
    rule(out, &widths, ['├', '┼', '┤'])?;
    for row in &rows {
        line(out, &widths, row)?;
    }
    rule(out, &widths, ['└', '┴', '┘'])
}

/// A members table as a `String`.
#[must_use]
pub fn members_to_string<'a>(members: impl IntoIterator<Item = &'a Member>) -> String {
    let mut out = String::new();
    let _ = write_members(&mut out, members);
    out
}

fn rule<W: Write>(out: &mut W, widths: &[usize; 4], [left, mid, right]: [char; 3]) -> fmt::Result {
    out.write_char(left)?;
    for (i, width) in widths.iter().enumerate() {
        if i > 0 {
            out.write_char(mid)?;
        }
        for _ in 0..width + 2 {
            out.write_char('─')?;
        }
    }
    out.write_char(right)?;
    out.write_char('\n')
}

fn line<W: Write>(out: &mut W, widths: &[usize; 4], cells: &[&str; 4]) -> fmt::Result {
    out.write_char('│')?;
    for (width, cell) in widths.iter().zip(cells) {
        out.write_char(' ')?;
        out.write_str(cell)?;
        for _ in cell.chars().count()..*width {
            out.write_char(' ')?;
        }
        out.write_str(" │")?;
    }
    out.write_char('\n')
}

impl fmt::Display for Roster {
    /// The listing table ([`crate::listing`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write(f, self)
    }
}
