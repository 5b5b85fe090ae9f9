//! The errors of a stored roster (a snapshot, or a roster built from
//! parts) and of its event stream: replaying it, or applying one event.

use alloc::boxed::Box;

use super::{
    AcceptError, AccountDeletedError, ChangeRoleError, DeleteError, InviteError, LeaveError,
    RenameError, RevokeError, TransferError,
};
use crate::membership::chain::{LogDigest, LogHead};
use crate::membership::email::Email;
use crate::membership::event::EventKind;
use crate::membership::member::{MemberError, MemberId};
use crate::rules::resource_kind::ResourceKind;
use crate::rules::role::Role;

/// Why a roster snapshot (or a roster built from parts) breaks an
/// invariant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RosterError {
    /// The owner's membership does not have status and role owner.
    #[error("the owner's membership must have status owner and role owner")]
    OwnerNotOwner,
    /// A second membership has status or role owner.
    #[error("{0} is a second owner; a resource has exactly one")]
    SecondOwner(Email),
    /// A membership's role does not exist on the resource kind.
    #[error("{email} has role {role}, which does not exist on a {kind}")]
    RoleNotOnKind {
        /// The member.
        email: Email,
        /// The role.
        role: Role,
        /// The resource kind.
        kind: ResourceKind,
    },
    /// Two memberships share an email (compared case-insensitively).
    #[error("{0} has more than one membership")]
    DuplicateEmail(Email),
    /// Two memberships share an id.
    #[error("member id of {0} is used by another membership")]
    DuplicateId(Email),
    /// The pending ownership transfer could not be completed on this
    /// roster.
    #[error("pending transfer: {0}")]
    Transfer(TransferError),
    /// An id in the secret-access history is not an accepted or deleted
    /// non-owner membership of the roster.
    #[error(
        "member id {0} in the secret-access history is not an accepted collaborator or deleted account"
    )]
    SecretAccessHistory(MemberId),
    /// An accepted member whose role reads data or secrets is missing from
    /// the secret-access history.
    #[error(
        "{0} holds a role that reads data or secrets but is missing from the secret-access history"
    )]
    SecretAccessMissing(Email),
    /// A snapshot's awaiting transfer event is not the second event of a
    /// transfer whose first event the snapshot holds.
    #[error("the awaiting event is not the second event of the last ownership transfer")]
    AwaitingEvent,
    /// A membership holds a custom role defined for another resource
    /// kind than the roster's.
    #[error("{0} holds a custom role of another resource kind")]
    CustomRoleKind(Email),
    /// A snapshot's `version` is 0 (a roster counts its creation) or past
    /// [`Event::MAX_SEQ`](crate::Event::MAX_SEQ) (`i64::MAX`).
    #[error(
        "snapshot version {found} is out of range: a roster's version is 1 to {}",
        crate::Event::MAX_SEQ
    )]
    VersionOutOfRange {
        /// The version found.
        found: u64,
    },
    /// A membership's fields contradict each other.
    #[error("membership of {email}: {error}")]
    Member {
        /// The member.
        email: Email,
        /// What is wrong.
        error: MemberError,
    },
}

/// Why an event stream cannot be replayed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("event {index}: {reason}")]
pub struct ReplayError {
    index: usize,
    reason: Box<ApplyEventError>,
}

impl ReplayError {
    pub(crate) fn new(index: usize, reason: ApplyEventError) -> Self {
        Self {
            index,
            reason: Box::new(reason),
        }
    }

    /// The position of the offending event in the stream (0-based; the
    /// stream's length when it ended too early).
    #[must_use]
    pub fn index(&self) -> usize {
        self.index
    }

    /// What is wrong with it.
    #[must_use]
    pub fn reason(&self) -> &ApplyEventError {
        &self.reason
    }
}

/// The former name of [`ApplyEventError`], kept for existing matches.
pub type ReplayErrorKind = ApplyEventError;

/// Why an event cannot be applied to a roster
/// ([`Roster::apply`](crate::Roster::apply)), and what is wrong with an
/// event of a stream ([`ReplayError::reason`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ApplyEventError {
    /// The event's `seq` is past the roster's next: events are missing
    /// in between.
    #[error("gap in the stream: expected event {expected}, found {found}")]
    Gap {
        /// The seq the roster takes next (its version plus one).
        expected: u64,
        /// The event's seq.
        found: u64,
    },
    /// The event's `seq` is at or before the roster's version: it is
    /// applied already (or another event holds its place).
    #[error("overlap in the stream: expected event {expected}, found {found}")]
    Overlap {
        /// The seq the roster takes next (its version plus one).
        expected: u64,
        /// The event's seq.
        found: u64,
    },
    /// The resource was deleted: no event applies after
    /// `resource_deleted`.
    #[error("the resource was deleted; no event applies after resource_deleted")]
    Closed,
    /// The stream is empty: there is no owner.
    #[error("the stream is empty: no roster_created event")]
    Empty,
    /// The first event is not `roster_created`.
    #[error("the first event must be roster_created, found {0}")]
    NotCreatedFirst(EventKind),
    /// A second `roster_created`: two owners.
    #[error("a second roster_created event: two owners")]
    SecondOwner,
    /// An event about another resource.
    #[error("the event is about another resource")]
    OtherResource,
    /// A role change to owner not followed by the previous owner's change
    /// to collaborator: two owners, or none.
    #[error("an ownership change without its pair: two owners")]
    UnpairedTransfer,
    /// The invitation cannot be applied.
    #[error("invitation refused: {0}")]
    Invite(InviteError),
    /// The acceptance cannot be applied (for instance: accept without
    /// invite).
    #[error("acceptance refused: {0}")]
    Accept(AcceptError),
    /// The role change cannot be applied.
    #[error("role change refused: {0}")]
    ChangeRole(ChangeRoleError),
    /// The revocation cannot be applied.
    #[error("removal refused: {0}")]
    Revoke(RevokeError),
    /// The leave cannot be applied.
    #[error("leave refused: {0}")]
    Leave(LeaveError),
    /// The transfer step (request, cancellation, acceptance) cannot be
    /// applied.
    #[error("transfer refused: {0}")]
    Transfer(TransferError),
    /// The account deletion cannot be applied.
    #[error("account deletion refused: {0}")]
    AccountDeleted(AccountDeletedError),
    /// The rename cannot be applied.
    #[error("rename refused: {0}")]
    Rename(RenameError),
    /// The deletion cannot be applied.
    #[error("deletion refused: {0}")]
    Delete(DeleteError),
    /// The roster's version is [`Event::MAX_SEQ`](crate::Event::MAX_SEQ)
    /// (or past it): no event applies after it, since its seq would not
    /// fit the stored forms.
    #[error(
        "the roster is at version {version}; no event applies past seq {}",
        crate::Event::MAX_SEQ
    )]
    VersionExhausted {
        /// The roster's version.
        version: u64,
    },
    /// The event states a [`prev`](crate::Event::prev) that is not the
    /// roster's head digest: it was decided on another stream, one that
    /// differs from the roster's in some event (a store that lost events
    /// the deciding process had seen, say). Reload the stream and decide
    /// again.
    #[error(
        "the event follows another stream: the roster's head is {head}, the event states prev {prev}"
    )]
    Diverged {
        /// The roster's head.
        head: LogHead,
        /// The digest the event states as its predecessor's.
        prev: LogDigest,
    },
    /// The event states no `prev` (it was written before the hash chain
    /// existed) but follows a chained event: a chained stream never goes
    /// back to unchained events.
    #[error("the event states no prev, but the stream is chained up to {head}")]
    Unchained {
        /// The roster's head.
        head: LogHead,
    },
    /// Re-applying the change produced a different event (other role,
    /// username, advisory, ...).
    #[error("the event does not match the change it records")]
    Mismatch,
}
