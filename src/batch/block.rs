//! Bit-sliced blocks: 1024 mixed requests per call, decided by
//! straight-line AND/OR over the block's bit planes, which the compiler
//! vectorizes.
//!
//! A [`Block`] stores each lane's (kind, role) row code and action as bit
//! planes: plane `i` holds bit `i` of every lane's code. Deciding a word of
//! 64 lanes is then a function of 9 planes (3 for the row code, 6 for the
//! action) evaluated with word-wide boolean operations, never a per-lane
//! branch or table load.

use core::fmt;

use super::{LengthMismatch, Request, Row};
use crate::rules::action::Action;

/// How many `u64` words of 64 lanes a [`Block`] has: 16 (1024 lanes, two
/// AVX-512 registers per plane).
const WORDS: usize = 16;

/// The row code of a lane: `Row as u8 + 1` (1..=6); 0 is an empty lane, so
/// a zeroed block decides `false` everywhere.
const fn row_code(row: Row) -> u8 {
    row as u8 + 1
}

/// For each action bit, the row codes allowed to do it: bit `c` set when the
/// row with code `c` may.
const COLUMNS: [u8; 64] = {
    let mut columns = [0u8; 64];
    let mut r = 0;
    while r < Row::ALL.len() {
        #[expect(clippy::indexing_slicing, reason = "r < 6, checked at compile time")]
        let row = Row::ALL[r];
        let allowed = row.allowed_bits();
        let mut bit = 0;
        while bit < 64 {
            if allowed >> bit & 1 == 1 {
                #[expect(clippy::indexing_slicing, reason = "bit < 64, checked at compile time")]
                {
                    columns[bit] |= 1 << row_code(row);
                }
            }
            bit += 1;
        }
        r += 1;
    }
    columns
};

/// The distinct non-empty columns (each a set of row codes), and how many
/// there are. Actions with the same column share one row mask per block.
const CLASSES: ([u8; 64], usize) = {
    let mut classes = [0u8; 64];
    let mut count = 0;
    let mut bit = 0;
    while bit < 64 {
        #[expect(clippy::indexing_slicing, reason = "bit < 64, checked at compile time")]
        let column = COLUMNS[bit];
        let mut seen = column == 0;
        let mut k = 0;
        while k < count {
            #[expect(clippy::indexing_slicing, reason = "k < count <= 64")]
            if classes[k] == column {
                seen = true;
            }
            k += 1;
        }
        if !seen {
            #[expect(clippy::indexing_slicing, reason = "count < 64: at most one per bit")]
            {
                classes[count] = column;
            }
            count += 1;
        }
        bit += 1;
    }
    (classes, count)
};

/// The number of distinct non-empty columns (4 for the matrix: app only
/// for every role; app and dedicated database for collaborators and
/// owners; app for collaborators and owners; owners only).
const CLASS_COUNT: usize = CLASSES.1;

/// For each action bit, the index in [`CLASSES`] of its column (0 for an
/// empty column, which no term reads).
const CLASS_OF: [u8; 64] = {
    let mut class_of = [0u8; 64];
    let mut bit = 0;
    while bit < 64 {
        #[expect(clippy::indexing_slicing, reason = "bit < 64, checked at compile time")]
        let column = COLUMNS[bit];
        if column != 0 {
            let mut k = 0;
            #[expect(clippy::indexing_slicing, reason = "the column is one of the classes")]
            while CLASSES.0[k] != column {
                k += 1;
            }
            #[expect(clippy::indexing_slicing, reason = "bit < 64, checked at compile time")]
            {
                class_of[bit] = k as u8;
            }
        }
        bit += 1;
    }
    class_of
};

/// 1024 mixed requests in a bit-sliced (structure-of-arrays) layout, for
/// [`allows_block`] and [`allows_blocks`].
///
/// Lane `i` (0..1024) is bit `i % 64` of word `i / 64` of nine bit planes:
/// six for the action's bit and three for the (kind, role) pair. Deciding a
/// block is a fixed sequence of AND and OR over whole words, one operation
/// deciding 64 lanes, with no table lookup and no branch; the sequence is
/// unrolled from the matrix at compile time and the loop over words is
/// vectorized by the compiler (SSE2 at the default x86-64 target, AVX2 or
/// AVX-512 with a `target-cpu` that has them). A lane without a request
/// decides `false`.
///
/// Building a block from [`Request`]s ([`Block::from_requests`]) costs more
/// than deciding it: keep blocks when the same requests are decided again,
/// or fill them where the requests are produced ([`Block::set`]).
///
/// ```
/// use collab_authz::batch::{allows_block, Block, Request};
/// use collab_authz::{Action, ResourceKind, Role};
///
/// let block = Block::from_requests(&[
///     Request::new(Role::LimitedCollaborator, ResourceKind::App, Action::Restart),
///     Request::new(Role::LimitedCollaborator, ResourceKind::App, Action::Stop),
///     Request::new(Role::Owner, ResourceKind::DedicatedDatabase, Action::Delete),
/// ])?;
/// let mask = allows_block(&block);
/// assert_eq!(mask[0], 0b101);
/// assert_eq!(block.get(1).map(|r| r.action()), Some(Action::Stop));
/// assert_eq!(block.get(3), None); // an empty lane
/// # Ok::<(), collab_authz::batch::BlockOverflow>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Block {
    /// Planes 0..6: the action's bit; planes 6..9: the row code.
    planes: [[u64; WORDS]; 9],
}

impl fmt::Debug for Block {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Block")
            .field("requests", &self.requests().count())
            .finish_non_exhaustive()
    }
}

impl Default for Block {
    fn default() -> Self {
        Self::new()
    }
}

/// More requests than a [`Block`] holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{requests} requests do not fit in a block of {}", Block::LANES)]
pub struct BlockOverflow {
    requests: usize,
}

/// A lane index past the end of a [`Block`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("lane {lane} is out of range: a block has {} lanes", Block::LANES)]
pub struct LaneOutOfRange {
    lane: usize,
}

impl LaneOutOfRange {
    /// The rejected lane.
    #[must_use]
    pub const fn lane(&self) -> usize {
        self.lane
    }
}

impl BlockOverflow {
    /// How many requests were given.
    #[must_use]
    pub const fn requests(&self) -> usize {
        self.requests
    }
}

impl Block {
    /// How many requests a block holds: 1024.
    pub const LANES: usize = WORDS * 64;

    /// How many `u64` words a block's decision fills: 16.
    pub const WORDS: usize = WORDS;

    /// A block with every lane empty.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            planes: [[0; WORDS]; 9],
        }
    }

    /// A block holding `requests` in lanes `0..requests.len()`, the other
    /// lanes empty.
    ///
    /// # Errors
    /// [`BlockOverflow`] when there are more than [`Block::LANES`] requests.
    pub fn from_requests(requests: &[Request]) -> Result<Self, BlockOverflow> {
        if requests.len() > Self::LANES {
            return Err(BlockOverflow {
                requests: requests.len(),
            });
        }
        let mut block = Self::new();
        for (w, chunk) in requests.chunks(64).enumerate() {
            // Eight requests at a time: their action bytes and row codes as
            // two `u64`s, then bit `k` of the eight bytes gathered into one
            // byte of plane `k` with a multiply (no loop over bits).
            let mut words = [0u64; 9];
            for (shift, eight) in (0..64).step_by(8).zip(chunk.chunks(8)) {
                let (mut actions, mut rows) = ([0u8; 8], [0u8; 8]);
                for ((a, r), request) in actions.iter_mut().zip(&mut rows).zip(eight) {
                    *a = request.action as u8;
                    *r = row_code(request.row);
                }
                let (actions, rows) = (u64::from_le_bytes(actions), u64::from_le_bytes(rows));
                for (plane, word) in words.iter_mut().enumerate() {
                    let bytes = if plane < 6 {
                        actions >> plane
                    } else {
                        rows >> (plane - 6)
                    };
                    *word |= gather_low_bits(bytes) << shift;
                }
            }
            for (plane, word) in block.planes.iter_mut().zip(words) {
                if let Some(slot) = plane.get_mut(w) {
                    *slot = word;
                }
            }
        }
        Ok(block)
    }

    /// Puts `request` in lane `lane` (`None` empties it).
    ///
    /// # Errors
    /// [`LaneOutOfRange`] when `lane >= Block::LANES`; the block is
    /// unchanged.
    pub fn set(&mut self, lane: usize, request: Option<Request>) -> Result<(), LaneOutOfRange> {
        if lane >= Self::LANES {
            return Err(LaneOutOfRange { lane });
        }
        let value = request.map_or(0, |r| {
            u64::from(r.action as u8) | u64::from(row_code(r.row)) << 6
        });
        let (w, bit) = (lane / 64, lane % 64);
        for (plane, words) in self.planes.iter_mut().enumerate() {
            if let Some(word) = words.get_mut(w) {
                *word = *word & !(1 << bit) | (value >> plane & 1) << bit;
            }
        }
        Ok(())
    }

    /// The request in lane `lane`, if any.
    #[must_use]
    pub fn get(&self, lane: usize) -> Option<Request> {
        let (w, bit) = (lane / 64, lane % 64);
        let mut value = 0u16;
        for (plane, words) in self.planes.iter().enumerate() {
            value |= u16::from(words.get(w)? >> bit & 1 == 1) << plane;
        }
        let row = Row::ALL.get(usize::from(value >> 6).checked_sub(1)?)?;
        let action = Action::ALL.get(usize::from(value & 63))?;
        Some(Request::new(row.role(), row.kind(), *action))
    }

    /// The requests in the block with their lanes, in lane order.
    pub fn requests(&self) -> impl Iterator<Item = (usize, Request)> + '_ {
        (0..Self::LANES).filter_map(|lane| Some((lane, self.get(lane)?)))
    }
}

/// Bit 0 of each of the eight bytes of `bytes`, byte `i` into bit `i`.
#[inline(always)]
const fn gather_low_bits(bytes: u64) -> u64 {
    // Each byte is 0 or 1 after the mask; the multiply moves byte `i` into
    // bit 56 + i, with no carry between them.
    (bytes & 0x0101_0101_0101_0101).wrapping_mul(0x0102_0408_1020_4080) >> 56
}

/// The 8 minterms of three words: `out[c]` has a lane set when the lane's
/// three bits spell `c` (`x0` the lowest).
#[inline(always)]
const fn minterms(x0: u64, x1: u64, x2: u64) -> [u64; 8] {
    let (n0, n1, n2) = (!x0, !x1, !x2);
    [
        n0 & n1 & n2,
        x0 & n1 & n2,
        n0 & x1 & n2,
        x0 & x1 & n2,
        n0 & n1 & x2,
        x0 & n1 & x2,
        n0 & x1 & x2,
        x0 & x1 & x2,
    ]
}

/// Repeats `$body` with `$bit` bound to each literal 0..64, so that every
/// table read in the body has a constant index and folds away.
macro_rules! for_each_bit {
    ($bit:ident => $body:block) => {
        for_each_bit!(@ $bit $body
            0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31
            32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50 51 52 53 54 55 56 57 58 59 60
            61 62 63)
    };
    (@ $bit:ident $body:block $($n:literal)*) => {
        $({
            const $bit: usize = $n;
            $body
        })*
    };
}

/// Decides the 64 lanes of one word of each plane (`x`: six action planes,
/// then three row-code planes), as straight-line AND and OR: the terms are
/// unrolled at compile time, so the caller's loop over words is a loop of
/// whole-word operations that the compiler vectorizes across words.
#[inline(always)]
fn decide_word(x: [u64; 9]) -> u64 {
    let [a0, a1, a2, a3, a4, a5, r0, r1, r2] = x;
    let low = minterms(a0, a1, a2);
    let high = minterms(a3, a4, a5);
    let rows = minterms(r0, r1, r2);
    // One lane mask per class of column: the lanes whose row may do the
    // class's actions.
    let classes: [u64; CLASS_COUNT] = core::array::from_fn(|k| {
        let column = CLASSES.0.get(k).copied().unwrap_or(0);
        let mut mask = 0;
        for (code, row) in rows.iter().enumerate() {
            if column >> code & 1 == 1 {
                mask |= row;
            }
        }
        mask
    });
    // A lane is allowed when one term's low bits match it and its row and
    // high bits match the term's (class, high bits).
    let mut out = 0;
    for_each_bit!(BIT => {
        if COLUMNS.get(BIT).is_some_and(|&c| c != 0) {
            let class = CLASS_OF.get(BIT).copied().unwrap_or(0);
            if let (Some(l), Some(h), Some(c)) = (
                low.get(BIT & 7),
                high.get(BIT >> 3),
                classes.get(usize::from(class)),
            ) {
                out |= l & h & c;
            }
        }
    });
    out
}

/// Decides every lane of `block`: bit `i % 64` of word `i / 64` is whether
/// the request in lane `i` is allowed, as [`allows`](crate::rules::matrix::allows) decides
/// it; an empty lane is `false`.
///
/// ```
/// use collab_authz::batch::{allows_block, Block, Request};
/// use collab_authz::{Action, ResourceKind, Role};
///
/// let mut block = Block::new();
/// block.set(70, Some(Request::new(Role::Collaborator, ResourceKind::App, Action::Stop)))?;
/// let mask = allows_block(&block);
/// assert_eq!(mask[1], 1 << 6);
/// assert_eq!(mask.iter().map(|w| w.count_ones()).sum::<u32>(), 1);
/// # Ok::<(), collab_authz::batch::LaneOutOfRange>(())
/// ```
#[must_use]
pub fn allows_block(block: &Block) -> [u64; WORDS] {
    let [a0, a1, a2, a3, a4, a5, r0, r1, r2] = &block.planes;
    let mut out = [0u64; WORDS];
    for (w, o) in out.iter_mut().enumerate() {
        let at = |plane: &[u64; WORDS]| plane.get(w).copied().unwrap_or(0);
        *o = decide_word([
            at(a0),
            at(a1),
            at(a2),
            at(a3),
            at(a4),
            at(a5),
            at(r0),
            at(r1),
            at(r2),
        ]);
    }
    out
}

/// Decides every lane of every block into `out`: words `16 * b .. 16 * b +
/// 16` are [`allows_block`] of `blocks[b]`.
///
/// # Errors
/// [`LengthMismatch`] when `out.len() != Block::WORDS * blocks.len()` (its
/// request counts are in lanes, 1024 per block).
///
/// ```
/// use collab_authz::batch::{allows_blocks, Block, Request};
/// use collab_authz::{Action, ResourceKind, Role};
///
/// let requests = vec![Request::new(Role::Owner, ResourceKind::App, Action::Delete); 1500];
/// let blocks: Vec<Block> = requests
///     .chunks(Block::LANES)
///     .map(Block::from_requests)
///     .collect::<Result<_, _>>()?;
/// let mut out = vec![0u64; Block::WORDS * blocks.len()];
/// allows_blocks(&blocks, &mut out)?;
/// assert_eq!(out.iter().map(|w| w.count_ones()).sum::<u32>(), 1500);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn allows_blocks(blocks: &[Block], out: &mut [u64]) -> Result<(), LengthMismatch> {
    let expected = blocks.len() * WORDS;
    if out.len() != expected {
        return Err(LengthMismatch {
            requests: blocks.len() * Block::LANES,
            expected,
            got: out.len(),
        });
    }
    for (words, block) in out.chunks_exact_mut(WORDS).zip(blocks) {
        words.copy_from_slice(&allows_block(block));
    }
    Ok(())
}
