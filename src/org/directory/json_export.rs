//! The JSON export (feature `json`): [`Directory::to_json`](super::Directory::to_json) and
//! [`Directory::write_json`](super::Directory::write_json) with `serde_json`.

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
    out.extend_from_slice(p.role_id.as_bytes());
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
