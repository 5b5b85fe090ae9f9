//! The matrix export: CSV, Markdown and JSON, generated from the constants.
//!
//! Every cell comes from [`cell`]; nothing is typed by hand.
//! The writers take any [`core::fmt::Write`], so they work without `alloc`
//! (into a fixed buffer, a UART, a `String`, ...).
//!
//! - CSV: the header `resource,action,owner,collaborator,limited_collaborator`
//!   and one row per (resource kind, action): 118 rows, cells `yes`, `no`,
//!   `limited` or `n/a`.
//! - Markdown: one table per resource kind; a `limited` cell states its
//!   limit.
//! - JSON: an array of 118 objects with the CSV's columns as keys.
//!
//! ```
//! use collab_authz::export::{Export, Format};
//!
//! let csv = Export::new(Format::Csv).to_string();
//! let mut lines = csv.lines();
//! assert_eq!(lines.next(), Some("resource,action,owner,collaborator,limited_collaborator"));
//! assert_eq!(lines.next(), Some("app,restart,yes,yes,yes"));
//! assert_eq!(csv.lines().count(), 1 + 2 * 59);
//! ```

use core::fmt::{self, Write};

use crate::id::id_enum;
use crate::rules::action::Action;
use crate::rules::matrix::{Cell, cell};
use crate::rules::resource_kind::ResourceKind;
use crate::rules::role::Role;

/// The columns of the export, most privileged first, as the spec orders
/// them.
const COLUMNS: [Role; 3] = [Role::Owner, Role::Collaborator, Role::LimitedCollaborator];

id_enum! {
    kind: ExportFormat,
    /// An export format.
    ///
    /// Parses from and displays as `csv`, `markdown` or `json`.
    ///
    /// ```
    /// use collab_authz::export::Format;
    ///
    /// assert_eq!("json".parse::<Format>()?, Format::Json);
    /// assert_eq!(Format::Markdown.to_string(), "markdown");
    /// assert!("xml".parse::<Format>().is_err());
    /// # Ok::<(), collab_authz::ParseIdError>(())
    /// ```
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
    pub enum Format {
        /// Comma-separated values with a header row (the default).
        #[default]
        Csv => "csv",
        /// One Markdown table per resource kind.
        Markdown => "markdown",
        /// A JSON array of row objects.
        Json => "json",
    }
}

/// The whole matrix in one format, as a [`Display`](fmt::Display) value.
///
/// With `alloc`, `Export::new(format).to_string()` gives the text; without
/// it, use [`write_matrix`] or `write!` into any [`core::fmt::Write`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Export {
    format: Format,
}

impl Export {
    /// The export in `format`.
    #[must_use]
    pub const fn new(format: Format) -> Self {
        Self { format }
    }

    /// The export's format.
    #[must_use]
    pub const fn format(self) -> Format {
        self.format
    }
}

impl fmt::Display for Export {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_matrix(f, self.format)
    }
}

/// Writes the whole matrix in `format` into `out`.
///
/// ```
/// use collab_authz::export::{write_matrix, Format};
///
/// let mut json = String::new();
/// write_matrix(&mut json, Format::Json)?;
/// assert!(json.starts_with('['));
/// # Ok::<(), core::fmt::Error>(())
/// ```
///
/// # Errors
/// Only the errors `out` returns.
pub fn write_matrix<W: Write + ?Sized>(out: &mut W, format: Format) -> fmt::Result {
    match format {
        Format::Csv => write_csv(out),
        Format::Markdown => write_markdown(out),
        Format::Json => write_json(out),
    }
}

/// Every (kind, action) row, kinds in [`ResourceKind::ALL`] order and
/// actions in [`Action::ALL`] order, with the cells in [`COLUMNS`] order.
fn rows() -> impl Iterator<Item = (ResourceKind, Action, [Cell; 3])> {
    ResourceKind::ALL.into_iter().flat_map(|kind| {
        Action::ALL
            .into_iter()
            .map(move |action| (kind, action, COLUMNS.map(|role| cell(role, kind, action))))
    })
}

fn write_csv<W: Write + ?Sized>(out: &mut W) -> fmt::Result {
    out.write_str("resource,action")?;
    for role in COLUMNS {
        write!(out, ",{role}")?;
    }
    out.write_char('\n')?;
    for (kind, action, cells) in rows() {
        write!(out, "{kind},{action}")?;
        for c in cells {
            write!(out, ",{}", c.label())?;
        }
        out.write_char('\n')?;
    }
    Ok(())
}

fn write_markdown<W: Write + ?Sized>(out: &mut W) -> fmt::Result {
    for (i, kind) in ResourceKind::ALL.into_iter().enumerate() {
        if i > 0 {
            out.write_char('\n')?;
        }
        write!(out, "#### `{kind}`\n\n| action | scope |")?;
        for role in COLUMNS {
            write!(out, " {role} |")?;
        }
        out.write_str("\n| --- | --- |")?;
        for _ in COLUMNS {
            out.write_str(" --- |")?;
        }
        out.write_char('\n')?;
        for (_, action, cells) in rows().filter(|(k, _, _)| *k == kind) {
            write!(out, "| `{action}` | {} |", action.scope())?;
            for c in cells {
                match c {
                    Cell::Limited(limit) => write!(out, " limited ({limit}) |")?,
                    other => write!(out, " {} |", other.label())?,
                }
            }
            out.write_char('\n')?;
        }
    }
    Ok(())
}

/// Whether `s` is printable ASCII with no `"` or `\\`, so it can be
/// written into a JSON string as is.
const fn json_safe(s: &str) -> bool {
    let mut rest = s.as_bytes();
    while let [b, tail @ ..] = rest {
        if (!b.is_ascii_graphic() && *b != b' ') || *b == b'"' || *b == b'\\' {
            return false;
        }
        rest = tail;
    }
    true
}

// Every string the JSON writer puts between quotes is an id or a cell label;
// prove at compile time that none needs escaping.
const _: () = {
    let mut i = 0;
    while i < Action::COUNT {
        #[expect(
            clippy::indexing_slicing,
            reason = "i < COUNT, checked at compile time"
        )]
        let action = Action::ALL[i];
        assert!(json_safe(action.id()));
        i += 1;
    }
    let mut i = 0;
    while i < COLUMNS.len() {
        #[expect(clippy::indexing_slicing, reason = "i < len, checked at compile time")]
        let role = COLUMNS[i];
        assert!(json_safe(role.id()));
        i += 1;
    }
    assert!(json_safe(ResourceKind::App.id()));
    assert!(json_safe(ResourceKind::DedicatedDatabase.id()));
    assert!(json_safe(Cell::Yes.label()));
    assert!(json_safe(Cell::No.label()));
    assert!(json_safe(Cell::NotApplicable.label()));
    assert!(json_safe(
        Cell::Limited(crate::rules::matrix::Limit::Obligation(
            crate::rules::matrix::Obligation::RedactEnvVarValues
        ))
        .label()
    ));
};

fn write_json<W: Write + ?Sized>(out: &mut W) -> fmt::Result {
    out.write_char('[')?;
    for (i, (kind, action, cells)) in rows().enumerate() {
        if i > 0 {
            out.write_char(',')?;
        }
        write!(
            out,
            "\n  {{\"resource\": \"{kind}\", \"action\": \"{action}\""
        )?;
        for (role, c) in COLUMNS.into_iter().zip(cells) {
            write!(out, ", \"{role}\": \"{}\"", c.label())?;
        }
        out.write_char('}')?;
    }
    out.write_str("\n]\n")
}
