//! Batch checks: many hot checks at once, into a caller's slice or a
//! bitmask, with no allocation, no branch per request and no panic.
//!
//! Three shapes, for three kinds of workload:
//!
//! - **Mixed requests, bit-sliced** (the fastest for any role, kind and
//!   action per request): put up to 1024 requests in a [`Block`] and decide
//!   it with [`allows_block`] or [`allows_blocks`] (one bit per request).
//!   The decision is straight-line AND/OR over the block's bit planes,
//!   vectorized by the compiler; building the block from [`Request`]s costs
//!   more than deciding it.
//! - **Mixed requests, one by one**: pack each request in a 2-byte
//!   [`Request`] and decide a slice of them with [`allows_each`] (one `bool`
//!   per request) or [`allows_bits`] (one bit per request, 64 per `u64`).
//!   Each request costs one load from a 384-byte table built at compile time
//!   from [`grants`]; this loop does not vectorize (a table lookup per
//!   request).
//! - **One (role, kind), many actions**: put the actions in a
//!   [`Permissions`] set and ask [`allowed_among`]: up to 59 decisions in
//!   one AND on a `u64`.
//!
//! All agree with [`allows`](crate::rules::matrix::allows) on every input (tested
//! exhaustively and by property): a `limited(...)` cell is `false` here too;
//! use [`decide`](crate::rules::decision::decide) for it.

use core::fmt;

use crate::rules::action::Action;
use crate::rules::matrix::grants;
use crate::rules::permissions::Permissions;
use crate::rules::resource_kind::ResourceKind;
use crate::rules::role::Role;

mod block;

pub use block::{Block, BlockOverflow, LaneOutOfRange, allows_block, allows_blocks};

/// The (kind, role) pair of a [`Request`], as one byte in `0..6`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[repr(u8)]
enum Row {
    AppLimited = 0,
    AppCollaborator = 1,
    AppOwner = 2,
    DbLimited = 3,
    DbCollaborator = 4,
    DbOwner = 5,
}

impl Row {
    /// The actions this row may do unconditionally, as bits (the hot
    /// check's answer for every action).
    const fn allowed_bits(self) -> u64 {
        grants(self.role(), self.kind()).allowed().bits()
    }

    const ALL: [Row; 6] = [
        Row::AppLimited,
        Row::AppCollaborator,
        Row::AppOwner,
        Row::DbLimited,
        Row::DbCollaborator,
        Row::DbOwner,
    ];

    const fn new(role: Role, kind: ResourceKind) -> Self {
        match (kind, role) {
            (ResourceKind::App, Role::LimitedCollaborator) => Row::AppLimited,
            (ResourceKind::App, Role::Collaborator) => Row::AppCollaborator,
            (ResourceKind::App, Role::Owner) => Row::AppOwner,
            (ResourceKind::DedicatedDatabase, Role::LimitedCollaborator) => Row::DbLimited,
            (ResourceKind::DedicatedDatabase, Role::Collaborator) => Row::DbCollaborator,
            (ResourceKind::DedicatedDatabase, Role::Owner) => Row::DbOwner,
        }
    }

    const fn role(self) -> Role {
        match self {
            Row::AppLimited | Row::DbLimited => Role::LimitedCollaborator,
            Row::AppCollaborator | Row::DbCollaborator => Role::Collaborator,
            Row::AppOwner | Row::DbOwner => Role::Owner,
        }
    }

    const fn kind(self) -> ResourceKind {
        match self {
            Row::AppLimited | Row::AppCollaborator | Row::AppOwner => ResourceKind::App,
            Row::DbLimited | Row::DbCollaborator | Row::DbOwner => ResourceKind::DedicatedDatabase,
        }
    }
}

/// The decision table: one `bool` per (row, action bit), read from the
/// matrix at compile time. 6 × 64 bytes; bits 59..64 are `false`.
static TABLE: [[bool; 64]; 6] = {
    let mut table = [[false; 64]; 6];
    let mut r = 0;
    while r < Row::ALL.len() {
        #[expect(clippy::indexing_slicing, reason = "r < 6, checked at compile time")]
        let row = Row::ALL[r];
        let allowed = row.allowed_bits();
        let mut bit = 0;
        while bit < 64 {
            #[expect(
                clippy::indexing_slicing,
                reason = "r < 6, bit < 64, checked at compile time"
            )]
            {
                table[r][bit] = allowed >> bit & 1 == 1;
            }
            bit += 1;
        }
        r += 1;
    }
    table
};

/// One request for the hot check, packed in two bytes: the action and the
/// (kind, role) pair.
///
/// Every value is a valid request (the fields are enums), so the batch
/// functions need no validation per request. [`Request::bits`] and
/// [`Request::from_bits`] give a stable `u16` wire form: the action's bit in
/// bits 0..6 and `kind * 3 + role` in bits 8..11 (kind: app 0, dedicated
/// database 1; role: limited collaborator 0, collaborator 1, owner 2).
///
/// ```
/// use collab_authz::batch::Request;
/// use collab_authz::{Action, ResourceKind, Role};
///
/// let req = Request::new(Role::Collaborator, ResourceKind::App, Action::Stop);
/// assert!(req.allows());
/// assert_eq!(req.bits(), 1 << 8 | 1);
/// assert_eq!(Request::from_bits(req.bits()), Ok(req));
/// assert_eq!((req.role(), req.kind(), req.action()), (Role::Collaborator, ResourceKind::App, Action::Stop));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(C)]
pub struct Request {
    action: Action,
    row: Row,
}

impl Request {
    /// The request of `role` to do `action` on `kind`.
    #[must_use]
    #[inline]
    pub const fn new(role: Role, kind: ResourceKind, action: Action) -> Self {
        Self {
            action,
            row: Row::new(role, kind),
        }
    }

    /// The role that asks.
    #[must_use]
    #[inline]
    pub const fn role(self) -> Role {
        self.row.role()
    }

    /// The kind of resource asked about.
    #[must_use]
    #[inline]
    pub const fn kind(self) -> ResourceKind {
        self.row.kind()
    }

    /// The action asked for.
    #[must_use]
    #[inline]
    pub const fn action(self) -> Action {
        self.action
    }

    /// The `u16` wire form: `(kind * 3 + role) << 8 | action bit`.
    #[must_use]
    #[inline]
    pub const fn bits(self) -> u16 {
        (self.row as u16) << 8 | self.action as u16
    }

    /// The request whose wire form is `bits`.
    ///
    /// # Errors
    /// [`InvalidRequestBits`] when the low byte is not an action bit (0..59)
    /// or the high byte is not a (kind, role) pair (0..6).
    pub fn from_bits(bits: u16) -> Result<Self, InvalidRequestBits> {
        let [action, row] = bits.to_le_bytes();
        match (
            Action::ALL.get(usize::from(action)),
            Row::ALL.get(usize::from(row)),
        ) {
            (Some(&action), Some(&row)) => Ok(Self { action, row }),
            _ => Err(InvalidRequestBits { bits }),
        }
    }

    /// The hot check for this request: the same answer as
    /// [`allows`](crate::rules::matrix::allows), from one table load.
    #[must_use]
    #[inline]
    pub fn allows(self) -> bool {
        // Both indices are enums whose every value is in range, so the
        // compiler drops the bound checks and `false` is never used.
        TABLE
            .get(self.row as usize)
            .and_then(|row| row.get(self.action as usize))
            .copied()
            .unwrap_or(false)
    }
}

impl From<Request> for u16 {
    fn from(request: Request) -> u16 {
        request.bits()
    }
}

impl TryFrom<u16> for Request {
    type Error = InvalidRequestBits;
    fn try_from(bits: u16) -> Result<Self, Self::Error> {
        Self::from_bits(bits)
    }
}

/// A `u16` that is not the wire form of a [`Request`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error(
    "{bits:#06x} is not a request: expected an action bit below 59 and a (kind, role) pair below 6"
)]
pub struct InvalidRequestBits {
    bits: u16,
}

impl InvalidRequestBits {
    /// The rejected bits.
    #[must_use]
    pub const fn bits(&self) -> u16 {
        self.bits
    }
}

/// The output slice of a batch call does not have the length the requests
/// need.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub struct LengthMismatch {
    requests: usize,
    expected: usize,
    got: usize,
}

impl LengthMismatch {
    /// How many requests were given.
    #[must_use]
    pub const fn requests(&self) -> usize {
        self.requests
    }
    /// The output length those requests need.
    #[must_use]
    pub const fn expected(&self) -> usize {
        self.expected
    }
    /// The output length given.
    #[must_use]
    pub const fn got(&self) -> usize {
        self.got
    }
}

impl fmt::Display for LengthMismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} requests need an output of length {}, got {}",
            self.requests, self.expected, self.got
        )
    }
}

/// Decides every request: `out[i]` becomes `requests[i].allows()`.
///
/// The loop is a zip of two slices with one table load per request and no
/// branch, so the compiler unrolls it; nothing is written on error.
///
/// # Errors
/// [`LengthMismatch`] when `out.len() != requests.len()`.
///
/// ```
/// use collab_authz::batch::{allows_each, Request};
/// use collab_authz::{Action, ResourceKind, Role};
///
/// let requests = [
///     Request::new(Role::LimitedCollaborator, ResourceKind::App, Action::Restart),
///     Request::new(Role::LimitedCollaborator, ResourceKind::App, Action::Stop),
///     Request::new(Role::Owner, ResourceKind::DedicatedDatabase, Action::Delete),
/// ];
/// let mut out = [false; 3];
/// allows_each(&requests, &mut out)?;
/// assert_eq!(out, [true, false, true]);
/// assert!(allows_each(&requests, &mut [false; 2]).is_err());
/// # Ok::<(), collab_authz::batch::LengthMismatch>(())
/// ```
pub fn allows_each(requests: &[Request], out: &mut [bool]) -> Result<(), LengthMismatch> {
    if out.len() != requests.len() {
        return Err(LengthMismatch {
            requests: requests.len(),
            expected: requests.len(),
            got: out.len(),
        });
    }
    for (slot, request) in out.iter_mut().zip(requests) {
        *slot = request.allows();
    }
    Ok(())
}

/// The number of `u64` words [`allows_bits`] needs for `requests` requests.
#[must_use]
#[inline]
pub const fn words_for(requests: usize) -> usize {
    requests.div_ceil(64)
}

/// Decides every request into a bitmask: bit `i % 64` of `out[i / 64]` is
/// `requests[i].allows()`; the bits past the last request are 0.
///
/// Eight requests at a time are looked up into bytes and packed into one
/// byte with a multiply (no branch, no per-bit shift loop).
///
/// # Errors
/// [`LengthMismatch`] when `out.len() != words_for(requests.len())`.
///
/// ```
/// use collab_authz::batch::{allows_bits, words_for, Request};
/// use collab_authz::{Action, ResourceKind, Role};
///
/// let requests: Vec<Request> = Action::ALL
///     .iter()
///     .map(|&a| Request::new(Role::Collaborator, ResourceKind::App, a))
///     .collect();
/// let mut out = vec![0u64; words_for(requests.len())];
/// allows_bits(&requests, &mut out)?;
/// // A collaborator may do everything on an app but the three owner-only actions.
/// assert_eq!(out[0].count_ones(), 56);
/// # Ok::<(), collab_authz::batch::LengthMismatch>(())
/// ```
pub fn allows_bits(requests: &[Request], out: &mut [u64]) -> Result<(), LengthMismatch> {
    let expected = words_for(requests.len());
    if out.len() != expected {
        return Err(LengthMismatch {
            requests: requests.len(),
            expected,
            got: out.len(),
        });
    }
    for (word, chunk) in out.iter_mut().zip(requests.chunks(64)) {
        let mut bits = 0u64;
        for (shift, eight) in (0..64).step_by(8).zip(chunk.chunks(8)) {
            bits |= u64::from(pack8(eight)) << shift;
        }
        *word = bits;
    }
    Ok(())
}

/// Decides up to 8 requests into the low bits of a byte, request `i` in
/// bit `i`.
#[inline]
fn pack8(requests: &[Request]) -> u8 {
    let mut bytes = [0u8; 8];
    for (byte, request) in bytes.iter_mut().zip(requests) {
        *byte = u8::from(request.allows());
    }
    // Each byte is 0 or 1; the multiply gathers byte `i` into bit 56 + i.
    let spread = u64::from_le_bytes(bytes);
    (spread.wrapping_mul(0x0102_0408_1020_4080) >> 56) as u8
}

/// The actions among `actions` that `role` may do on `kind`, as
/// [`allows`](crate::rules::matrix::allows) decides each: up to 59 decisions in one AND.
///
/// ```
/// use collab_authz::batch::allowed_among;
/// use collab_authz::{Action, Permissions, ResourceKind, Role};
///
/// let asked = Permissions::RESTART | Permissions::STOP | Permissions::VIEW_LOGS;
/// let ok = allowed_among(Role::LimitedCollaborator, ResourceKind::App, asked);
/// assert_eq!(ok, Permissions::RESTART | Permissions::VIEW_LOGS);
/// assert!(!ok.has(Action::Stop));
/// ```
#[must_use]
#[inline]
pub const fn allowed_among(role: Role, kind: ResourceKind, actions: Permissions) -> Permissions {
    grants(role, kind).allowed().intersection(actions)
}
