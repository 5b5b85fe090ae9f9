//! What the exports share: the text cells of every person and resource,
//! encoded once per export (by the `csv` crate or by `serde_json`), and the
//! loop that reads the memberships in batches.
//!
//! Each person's email and username and each resource's cells are encoded
//! once, in listing order; a row is written by joining the encoded cells
//! with the row's own ASCII cells (role, status, timestamp). A membership
//! that spells its email or username differently from its person has its
//! cells encoded on the spot.

use alloc::vec::Vec;

use super::{Directory, Entry, MemberStatus, Row, Text, TwoFactor, in_range};

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
    /// The role's id as the exports write it ([`Entry::role_id`]): the
    /// custom role's name (`a`-`z`, `0`-`9`, `_`, `-`: nothing to escape
    /// in CSV or JSON) or the built-in role's id.
    pub(super) role_id: &'c str,
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
        let Some(p) = in_range(self.people.get(person as usize)) else {
            return (&[], &[]);
        };
        let middle = p.start + usize::from(p.email);
        let end = middle + usize::from(p.username);
        (
            in_range(self.text.get(p.start..middle)).unwrap_or(&[]),
            in_range(self.text.get(middle..end)).unwrap_or(&[]),
        )
    }

    /// Resource `rank`'s fragment.
    pub(super) fn resource(&self, rank: u32) -> &[u8] {
        let range = self
            .resources
            .get(rank as usize)
            .zip(self.resources.get(rank as usize + 1));
        in_range(range.and_then(|(start, end)| self.text.get(*start..*end))).unwrap_or(&[])
    }

    /// The row's cells, following [`Entry::email_source`] and
    /// [`Entry::username_source`].
    fn prepare<'c>(&'c self, m: &Entry<'c>) -> Prepared<'c> {
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
            role_id: m.role_id(),
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
        let mut views: Vec<Entry<'c>> = Vec::with_capacity(BATCH);
        let mut batch: Vec<Prepared<'c>> = Vec::with_capacity(BATCH);
        loop {
            views.clear();
            views.extend(
                rows.by_ref()
                    .take(BATCH)
                    .filter_map(|row| in_range(directory.view(row))),
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
