//! The CSV export (feature `csv`): [`Directory::to_csv`](super::Directory::to_csv) and
//! [`Directory::write_csv`](super::Directory::write_csv) with the `csv` crate.

use alloc::string::String;
use alloc::vec::Vec;
use core::cell::RefCell;

use super::cells::{CHUNK, Cell, Cells, Prepared, TooLong, decimal};
use super::{ByCollaborator, ByResource, CSV_HEADER, Directory, Grouping, Row, needs_neutralizing};

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
    out.extend_from_slice(p.role_id.as_bytes());
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
