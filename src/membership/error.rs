//! The errors of the roster's operations: one small enum per operation.

use alloc::boxed::Box;

use crate::membership::email::Email;
use crate::membership::member::{IdentifierError, MemberError, MemberId, MemberStatus, Timestamp};
use crate::rules::action::Action;
use crate::rules::resource_kind::ResourceKind;
use crate::rules::role::Role;

/// Why the acting account may not perform a managing operation.
///
/// "May manage" is answered by the permission matrix alone: the actor's
/// role must hold the action ([`allows`](crate::allows)), and only an
/// accepted membership or the owner's holds its role's rights.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum NotPermitted {
    /// The actor has no membership on the resource.
    #[error("the actor has no membership on this resource")]
    Stranger,
    /// The actor's membership grants nothing (pending invitation or
    /// deleted account).
    #[error("the actor's membership is {status}, which grants nothing")]
    Inactive {
        /// The actor's status.
        status: MemberStatus,
    },
    /// The actor's role does not hold the action on this kind.
    #[error(
        "{role} may not {action} on this {} ({})",
        kind_words(*kind),
        match lowest {
            Some(lowest) => alloc::format!("it needs the {lowest} role or higher"),
            None => alloc::format!("no role may do that on a {}", kind_words(*kind)),
        }
    )]
    RoleLacks {
        /// The actor's role.
        role: Role,
        /// The resource kind.
        kind: ResourceKind,
        /// The action needed.
        action: Action,
        /// The least privileged role that holds the action on this kind.
        lowest: Option<Role>,
    },
}

/// Why no operation may be decided on a roster right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gate {
    Closed,
    TransferIncomplete,
}

macro_rules! from_gate {
    ($($error:ident),*) => {$(
        impl From<Gate> for $error {
            fn from(gate: Gate) -> Self {
                match gate {
                    Gate::Closed => $error::Closed,
                    Gate::TransferIncomplete => $error::TransferIncomplete,
                }
            }
        }
    )*};
}

from_gate!(
    InviteError,
    AcceptError,
    ChangeRoleError,
    RevokeError,
    LeaveError,
    TransferError,
    AccountDeletedError,
    RenameError,
    DeleteError
);

/// Why [`Roster::rename`](crate::Roster::rename) was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RenameError {
    /// The resource was deleted: the roster is closed
    /// ([`Roster::is_deleted`](crate::Roster::is_deleted)).
    #[error("the resource was deleted")]
    Closed,
    /// The roster holds the first event of a completed ownership transfer
    /// without its second: apply that one first.
    #[error("an ownership transfer is half applied; apply its second event first")]
    TransferIncomplete,
    /// The actor may not rename (matrix: `rename`, owner only).
    #[error("not permitted: {0}")]
    NotPermitted(#[from] NotPermitted),
    /// The new name is not a valid identifier.
    #[error("invalid name: {0}")]
    InvalidName(IdentifierError),
    /// The resource has that name already.
    #[error("the resource has that name already")]
    Unchanged,
}

/// Why [`Roster::delete`](crate::Roster::delete) was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeleteError {
    /// The resource was deleted: the roster is closed
    /// ([`Roster::is_deleted`](crate::Roster::is_deleted)).
    #[error("the resource was deleted")]
    Closed,
    /// The roster holds the first event of a completed ownership transfer
    /// without its second: apply that one first.
    #[error("an ownership transfer is half applied; apply its second event first")]
    TransferIncomplete,
    /// The actor may not delete (matrix: `delete`, owner only).
    #[error("not permitted: {0}")]
    NotPermitted(#[from] NotPermitted),
}

/// The kind in words, as the core denials write it.
const fn kind_words(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::App => "app",
        ResourceKind::DedicatedDatabase => "dedicated database",
    }
}

/// Why [`Roster::invite`](crate::Roster::invite) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InviteError {
    /// The resource was deleted: the roster is closed
    /// ([`Roster::is_deleted`](crate::Roster::is_deleted)).
    #[error("the resource was deleted")]
    Closed,
    /// The roster holds the first event of a completed ownership transfer
    /// without its second: apply that one first.
    #[error("an ownership transfer is half applied; apply its second event first")]
    TransferIncomplete,
    /// The actor may not invite.
    #[error("not permitted: {0}")]
    NotPermitted(#[from] NotPermitted),
    /// Nobody is invited as owner; ownership moves by transfer only.
    #[error("cannot invite as owner; ownership moves only by transfer")]
    OwnerRole,
    /// The role does not exist on this kind of resource.
    #[error("role {role} does not exist on a {kind}")]
    RoleNotOnKind {
        /// The role asked for.
        role: Role,
        /// The resource kind.
        kind: ResourceKind,
    },
    /// The email already has a membership (any status) on the resource.
    #[error("{email} already has a membership on this resource ({status})")]
    AlreadyMember {
        /// The email, as the existing membership spells it.
        email: Email,
        /// The existing membership's status.
        status: MemberStatus,
    },
    /// The member id is already used on the resource.
    #[error("member id is already in use on this resource")]
    DuplicateId,
    /// The expiry is not after the caller's "now": the invitation could
    /// never be accepted.
    #[error("the invitation would expire at {expires_at}, not after now ({now})")]
    AlreadyExpired {
        /// The expiry asked for.
        expires_at: Timestamp,
        /// The caller's "now".
        now: Timestamp,
    },
}

/// Why [`Roster::accept`](crate::Roster::accept) was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AcceptError {
    /// The resource was deleted: the roster is closed
    /// ([`Roster::is_deleted`](crate::Roster::is_deleted)).
    #[error("the resource was deleted")]
    Closed,
    /// The roster holds the first event of a completed ownership transfer
    /// without its second: apply that one first.
    #[error("an ownership transfer is half applied; apply its second event first")]
    TransferIncomplete,
    /// No membership for the actor's email on this resource.
    #[error("no invitation for this email on this resource")]
    NoInvitation,
    /// The membership is not pending.
    #[error("only a pending invitation can be accepted, this membership is {status}")]
    NotPending {
        /// The membership's status.
        status: MemberStatus,
    },
    /// The token is not the invitation's.
    #[error("the invitation token does not match")]
    WrongToken,
    /// The invitation expired before `now`.
    #[error("the invitation expired at {expires_at}")]
    Expired {
        /// When it expired.
        expires_at: Timestamp,
    },
}

/// Why [`Roster::change_role`](crate::Roster::change_role) was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChangeRoleError {
    /// The resource was deleted: the roster is closed
    /// ([`Roster::is_deleted`](crate::Roster::is_deleted)).
    #[error("the resource was deleted")]
    Closed,
    /// The roster holds the first event of a completed ownership transfer
    /// without its second: apply that one first.
    #[error("an ownership transfer is half applied; apply its second event first")]
    TransferIncomplete,
    /// The actor may not change roles.
    #[error("not permitted: {0}")]
    NotPermitted(#[from] NotPermitted),
    /// No membership with that email.
    #[error("no such member on this resource")]
    NoSuchMember,
    /// The owner's role changes only by transfer.
    #[error("the owner's role cannot be changed; ownership moves only by transfer")]
    TargetIsOwner,
    /// Nobody is made owner except by transfer.
    #[error("cannot make anyone owner; ownership moves only by transfer")]
    ToOwner,
    /// The role does not exist on this kind of resource.
    #[error("role {role} does not exist on a {kind}")]
    RoleNotOnKind {
        /// The role asked for.
        role: Role,
        /// The resource kind.
        kind: ResourceKind,
    },
    /// The member already has that role.
    #[error("the member already has role {role}")]
    Unchanged {
        /// The unchanged role.
        role: Role,
    },
}

/// Why [`Roster::revoke`](crate::Roster::revoke) was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RevokeError {
    /// The resource was deleted: the roster is closed
    /// ([`Roster::is_deleted`](crate::Roster::is_deleted)).
    #[error("the resource was deleted")]
    Closed,
    /// The roster holds the first event of a completed ownership transfer
    /// without its second: apply that one first.
    #[error("an ownership transfer is half applied; apply its second event first")]
    TransferIncomplete,
    /// The actor may not revoke.
    #[error("not permitted: {0}")]
    NotPermitted(#[from] NotPermitted),
    /// No membership with that email.
    #[error("no such member on this resource")]
    NoSuchMember,
    /// The owner is never removed.
    #[error("the owner cannot be removed")]
    TargetIsOwner,
}

/// Why [`Roster::leave`](crate::Roster::leave) was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LeaveError {
    /// The resource was deleted: the roster is closed
    /// ([`Roster::is_deleted`](crate::Roster::is_deleted)).
    #[error("the resource was deleted")]
    Closed,
    /// The roster holds the first event of a completed ownership transfer
    /// without its second: apply that one first.
    #[error("an ownership transfer is half applied; apply its second event first")]
    TransferIncomplete,
    /// The actor has no membership to leave.
    #[error("the actor has no membership on this resource")]
    NotAMember,
    /// The owner cannot leave.
    #[error("the owner cannot leave; transfer ownership first")]
    Owner,
}

/// Why an ownership transfer step was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TransferError {
    /// The resource was deleted: the roster is closed
    /// ([`Roster::is_deleted`](crate::Roster::is_deleted)).
    #[error("the resource was deleted")]
    Closed,
    /// The roster holds the first event of a completed ownership transfer
    /// without its second: apply that one first.
    #[error("an ownership transfer is half applied; apply its second event first")]
    TransferIncomplete,
    /// The actor may not transfer (matrix: `transfer_ownership`, which
    /// only the owner holds).
    #[error("not permitted: {0}")]
    NotPermitted(#[from] NotPermitted),
    /// No membership with the target's email.
    #[error("no such member on this resource")]
    NoSuchMember,
    /// The target must be an accepted collaborator (not limited, not
    /// pending, not a deleted account, not the owner).
    #[error("the target must be an accepted collaborator; {}", target_state(*status, *role))]
    NotAcceptedCollaborator {
        /// The target's status.
        status: MemberStatus,
        /// The target's role.
        role: Role,
    },
    /// The request is for another resource.
    #[error("the transfer request is for another resource")]
    WrongResource,
    /// The request was not made by the current owner.
    #[error("the transfer request was not made by the current owner")]
    NotFromOwner,
    /// No ownership transfer is pending.
    #[error("no ownership transfer is pending")]
    NoPending,
    /// A transfer is pending already
    /// ([`Roster::pending_transfer`](crate::Roster::pending_transfer)
    /// names its target). A second request is refused rather than
    /// replacing it, so that every request ends visibly: accepted,
    /// cancelled, or dropped by a change that invalidates it.
    #[error("an ownership transfer is pending already; cancel it first")]
    AlreadyPending,
    /// The request presented is not the pending one: it was cancelled,
    /// dropped by a later change, or never made.
    #[error("the transfer request is not the pending one (cancelled, stale or never made)")]
    NotPending,
    /// Only the target accepts a transfer.
    #[error("only the target of the transfer may accept it")]
    NotTarget,
    /// Only the owner or the target may cancel a transfer.
    #[error("only the owner or the target may cancel a transfer")]
    NotParty,
}

/// Why a membership cannot be an ownership transfer's target, in words.
fn target_state(status: MemberStatus, role: Role) -> alloc::string::String {
    match status {
        MemberStatus::Owner => "they are the owner already".into(),
        MemberStatus::Pending => "their invitation is still pending".into(),
        MemberStatus::UserAccountDeleted => "their account was deleted".into(),
        MemberStatus::Accepted => alloc::format!("they hold the {role} role"),
    }
}

/// Why [`Roster::account_deleted`](crate::Roster::account_deleted) was
/// refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AccountDeletedError {
    /// The resource was deleted: the roster is closed
    /// ([`Roster::is_deleted`](crate::Roster::is_deleted)).
    #[error("the resource was deleted")]
    Closed,
    /// The roster holds the first event of a completed ownership transfer
    /// without its second: apply that one first.
    #[error("an ownership transfer is half applied; apply its second event first")]
    TransferIncomplete,
    /// No membership with that email.
    #[error("no such member on this resource")]
    NoSuchMember,
    /// The owner's account is not deleted while it owns the resource.
    #[error("the owner's account cannot be marked deleted; transfer or delete the resource first")]
    Owner,
    /// Only an accepted membership has an account behind it to delete.
    #[error("only an accepted membership's account can be deleted, this membership is {status}")]
    NotAccepted {
        /// The membership's status.
        status: MemberStatus,
    },
}

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
    NotCreatedFirst(crate::membership::event::EventKind),
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
    /// Re-applying the change produced a different event (other role,
    /// username, advisory, ...).
    #[error("the event does not match the change it records")]
    Mismatch,
}

// ---------------------------------------------------------------------------
// Error classes: what a service answers, without guessing.
// ---------------------------------------------------------------------------

/// What kind of failure an error is: the one thing a service needs to
/// answer it (an HTTP status, a gRPC code, a CLI exit code).
///
/// Every error of the membership lifecycle, the identifiers and the
/// public API's objects has a class ([`Classify`]), decided by an
/// exhaustive `match` on its variants: a variant added later does not
/// compile until it is classified, so a service never maps it by a
/// catch-all.
///
/// | class | HTTP status | meaning |
/// | --- | --- | --- |
/// | [`NotPermitted`](Self::NotPermitted) | 403 Forbidden | the actor may not do this (see [`Classify::not_permitted`] for why) |
/// | [`NotFound`](Self::NotFound) | 404 Not Found | the membership, invitation or pending transfer named does not exist (a wrong invitation token too, so that a guess learns nothing) |
/// | [`Conflict`](Self::Conflict) | 409 Conflict | the request is valid but the current state refuses it (already a member, the target is the owner, the role is unchanged, a transfer is pending already, ...) |
/// | [`Gone`](Self::Gone) | 410 Gone | the thing existed and can no longer be used (an expired invitation) |
/// | [`Invalid`](Self::Invalid) | 422 Unprocessable Content | the input is malformed or asks for what the rules never allow (an invalid email or name, role owner, a role the resource kind lacks, an expiry in the past, a roster or event stream that breaks an invariant) |
///
/// A body that is not valid JSON at all is the service's own 400; a
/// roster snapshot or event stream that the service loads from its own
/// storage and that fails ([`RosterError`], [`ReplayError`]) is its own
/// 500, although the class says [`Invalid`](Self::Invalid) (the data is).
///
/// The enum is exhaustive on purpose: a new class is a breaking change,
/// so a `match` on it needs no catch-all either.
///
/// ```
/// use collab_authz::{Classify, ErrorClass, NotPermitted};
/// use collab_authz::membership::InviteError;
///
/// let err = InviteError::NotPermitted(NotPermitted::Stranger);
/// assert_eq!(err.class(), ErrorClass::NotPermitted);
/// assert_eq!(err.http_status(), 403);
/// assert_eq!(err.not_permitted(), Some(&NotPermitted::Stranger));
/// assert_eq!(InviteError::OwnerRole.class().http_status(), 422);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorClass {
    /// The actor may not perform the operation: HTTP 403.
    NotPermitted,
    /// What the request names does not exist: HTTP 404.
    NotFound,
    /// The current state refuses a valid request: HTTP 409.
    Conflict,
    /// What the request names existed and can no longer be used: HTTP
    /// 410.
    Gone,
    /// The input is malformed or asks for what the rules never allow:
    /// HTTP 422.
    Invalid,
}

impl ErrorClass {
    /// Every class, in declaration order.
    pub const ALL: [ErrorClass; 5] = [
        ErrorClass::NotPermitted,
        ErrorClass::NotFound,
        ErrorClass::Conflict,
        ErrorClass::Gone,
        ErrorClass::Invalid,
    ];

    /// The HTTP status a service answers: 403, 404, 409, 410 or 422 (see
    /// the table on [`ErrorClass`]).
    #[must_use]
    pub const fn http_status(self) -> u16 {
        match self {
            ErrorClass::NotPermitted => 403,
            ErrorClass::NotFound => 404,
            ErrorClass::Conflict => 409,
            ErrorClass::Gone => 410,
            ErrorClass::Invalid => 422,
        }
    }

    /// A stable snake_case id for an error body: `not_permitted`,
    /// `not_found`, `conflict`, `gone`, `invalid`.
    #[must_use]
    pub const fn id(self) -> &'static str {
        match self {
            ErrorClass::NotPermitted => "not_permitted",
            ErrorClass::NotFound => "not_found",
            ErrorClass::Conflict => "conflict",
            ErrorClass::Gone => "gone",
            ErrorClass::Invalid => "invalid",
        }
    }
}

impl core::fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.pad(self.id())
    }
}

/// An error that knows its [`ErrorClass`], so that a service maps every
/// error of the crate with one generic function:
///
/// ```
/// use collab_authz::{Classify, Timestamp};
/// use collab_authz::membership::AcceptError;
///
/// fn status_and_message<E: Classify + core::fmt::Display>(err: &E) -> (u16, String) {
///     (err.http_status(), err.to_string())
/// }
///
/// let expired = AcceptError::Expired { expires_at: Timestamp::from_unix_seconds(9) };
/// assert_eq!(status_and_message(&expired), (410, "the invitation expired at 9".to_owned()));
/// ```
pub trait Classify {
    /// The class of this error (see the table on [`ErrorClass`]).
    fn class(&self) -> ErrorClass;

    /// Why the actor is not permitted, when the error is a
    /// [`NotPermitted`] refusal of the permission matrix. `None` for every
    /// other error, and for the refusals that are not the matrix's (only
    /// the target of a transfer accepts it: class
    /// [`ErrorClass::NotPermitted`], no [`NotPermitted`] explanation).
    fn not_permitted(&self) -> Option<&NotPermitted> {
        None
    }

    /// The HTTP status of [`class`](Self::class).
    fn http_status(&self) -> u16 {
        self.class().http_status()
    }
}

impl Classify for NotPermitted {
    fn class(&self) -> ErrorClass {
        match self {
            NotPermitted::Stranger
            | NotPermitted::Inactive { .. }
            | NotPermitted::RoleLacks { .. } => ErrorClass::NotPermitted,
        }
    }

    fn not_permitted(&self) -> Option<&NotPermitted> {
        Some(self)
    }
}

impl Classify for InviteError {
    fn class(&self) -> ErrorClass {
        match self {
            InviteError::Closed => ErrorClass::Gone,
            InviteError::TransferIncomplete => ErrorClass::Conflict,
            InviteError::NotPermitted(_) => ErrorClass::NotPermitted,
            InviteError::OwnerRole
            | InviteError::RoleNotOnKind { .. }
            | InviteError::AlreadyExpired { .. } => ErrorClass::Invalid,
            InviteError::AlreadyMember { .. } | InviteError::DuplicateId => ErrorClass::Conflict,
        }
    }

    fn not_permitted(&self) -> Option<&NotPermitted> {
        match self {
            InviteError::NotPermitted(why) => Some(why),
            InviteError::OwnerRole
            | InviteError::RoleNotOnKind { .. }
            | InviteError::AlreadyMember { .. }
            | InviteError::DuplicateId
            | InviteError::AlreadyExpired { .. }
            | InviteError::Closed
            | InviteError::TransferIncomplete => None,
        }
    }
}

impl Classify for AcceptError {
    /// A wrong token is [`NotFound`](ErrorClass::NotFound), like a missing
    /// invitation: a guessed token learns nothing.
    fn class(&self) -> ErrorClass {
        match self {
            AcceptError::Closed => ErrorClass::Gone,
            AcceptError::TransferIncomplete => ErrorClass::Conflict,
            AcceptError::NoInvitation | AcceptError::WrongToken => ErrorClass::NotFound,
            AcceptError::NotPending { .. } => ErrorClass::Conflict,
            AcceptError::Expired { .. } => ErrorClass::Gone,
        }
    }
}

impl Classify for ChangeRoleError {
    fn class(&self) -> ErrorClass {
        match self {
            ChangeRoleError::Closed => ErrorClass::Gone,
            ChangeRoleError::TransferIncomplete => ErrorClass::Conflict,
            ChangeRoleError::NotPermitted(_) => ErrorClass::NotPermitted,
            ChangeRoleError::NoSuchMember => ErrorClass::NotFound,
            ChangeRoleError::TargetIsOwner | ChangeRoleError::Unchanged { .. } => {
                ErrorClass::Conflict
            }
            ChangeRoleError::ToOwner | ChangeRoleError::RoleNotOnKind { .. } => ErrorClass::Invalid,
        }
    }

    fn not_permitted(&self) -> Option<&NotPermitted> {
        match self {
            ChangeRoleError::NotPermitted(why) => Some(why),
            ChangeRoleError::NoSuchMember
            | ChangeRoleError::TargetIsOwner
            | ChangeRoleError::ToOwner
            | ChangeRoleError::RoleNotOnKind { .. }
            | ChangeRoleError::Unchanged { .. }
            | ChangeRoleError::Closed
            | ChangeRoleError::TransferIncomplete => None,
        }
    }
}

impl Classify for RevokeError {
    fn class(&self) -> ErrorClass {
        match self {
            RevokeError::Closed => ErrorClass::Gone,
            RevokeError::TransferIncomplete => ErrorClass::Conflict,
            RevokeError::NotPermitted(_) => ErrorClass::NotPermitted,
            RevokeError::NoSuchMember => ErrorClass::NotFound,
            RevokeError::TargetIsOwner => ErrorClass::Conflict,
        }
    }

    fn not_permitted(&self) -> Option<&NotPermitted> {
        match self {
            RevokeError::NotPermitted(why) => Some(why),
            RevokeError::NoSuchMember
            | RevokeError::TargetIsOwner
            | RevokeError::Closed
            | RevokeError::TransferIncomplete => None,
        }
    }
}

impl Classify for LeaveError {
    fn class(&self) -> ErrorClass {
        match self {
            LeaveError::Closed => ErrorClass::Gone,
            LeaveError::TransferIncomplete => ErrorClass::Conflict,
            LeaveError::NotAMember => ErrorClass::NotFound,
            LeaveError::Owner => ErrorClass::Conflict,
        }
    }
}

impl Classify for TransferError {
    /// Only the target accepting, and only the owner or the target
    /// cancelling, are [`NotPermitted`](ErrorClass::NotPermitted) without a
    /// [`NotPermitted`] explanation (the rule is the transfer's, not the
    /// matrix's).
    fn class(&self) -> ErrorClass {
        match self {
            TransferError::Closed => ErrorClass::Gone,
            TransferError::TransferIncomplete => ErrorClass::Conflict,
            TransferError::NotPermitted(_) | TransferError::NotTarget | TransferError::NotParty => {
                ErrorClass::NotPermitted
            }
            TransferError::NoSuchMember | TransferError::NoPending => ErrorClass::NotFound,
            TransferError::NotAcceptedCollaborator { .. }
            | TransferError::NotFromOwner
            | TransferError::AlreadyPending
            | TransferError::NotPending => ErrorClass::Conflict,
            TransferError::WrongResource => ErrorClass::Invalid,
        }
    }

    fn not_permitted(&self) -> Option<&NotPermitted> {
        match self {
            TransferError::NotPermitted(why) => Some(why),
            TransferError::NoSuchMember
            | TransferError::NotAcceptedCollaborator { .. }
            | TransferError::WrongResource
            | TransferError::NotFromOwner
            | TransferError::NoPending
            | TransferError::AlreadyPending
            | TransferError::NotPending
            | TransferError::NotTarget
            | TransferError::NotParty
            | TransferError::Closed
            | TransferError::TransferIncomplete => None,
        }
    }
}

impl Classify for AccountDeletedError {
    fn class(&self) -> ErrorClass {
        match self {
            AccountDeletedError::Closed => ErrorClass::Gone,
            AccountDeletedError::TransferIncomplete => ErrorClass::Conflict,
            AccountDeletedError::NoSuchMember => ErrorClass::NotFound,
            AccountDeletedError::Owner | AccountDeletedError::NotAccepted { .. } => {
                ErrorClass::Conflict
            }
        }
    }
}

impl Classify for RosterError {
    /// Always [`Invalid`](ErrorClass::Invalid): the parts break an
    /// invariant (a service loading its own snapshot answers 500).
    fn class(&self) -> ErrorClass {
        match self {
            RosterError::OwnerNotOwner
            | RosterError::SecondOwner(_)
            | RosterError::RoleNotOnKind { .. }
            | RosterError::DuplicateEmail(_)
            | RosterError::DuplicateId(_)
            | RosterError::Transfer(_)
            | RosterError::SecretAccessHistory(_)
            | RosterError::SecretAccessMissing(_)
            | RosterError::Member { .. }
            | RosterError::AwaitingEvent => ErrorClass::Invalid,
        }
    }
}

impl Classify for ApplyEventError {
    /// A [`Gap`](ApplyEventError::Gap) or an
    /// [`Overlap`](ApplyEventError::Overlap) is a
    /// [`Conflict`](ErrorClass::Conflict): the event was decided at
    /// another version (reload and decide again); an event after the
    /// resource's deletion is [`Gone`](ErrorClass::Gone); every other
    /// reason is [`Invalid`](ErrorClass::Invalid): the stream does not
    /// rebuild a roster, whichever operation it records was refused.
    fn class(&self) -> ErrorClass {
        match self {
            ApplyEventError::Gap { .. } | ApplyEventError::Overlap { .. } => ErrorClass::Conflict,
            ApplyEventError::Closed => ErrorClass::Gone,
            ApplyEventError::Empty
            | ApplyEventError::NotCreatedFirst(_)
            | ApplyEventError::SecondOwner
            | ApplyEventError::OtherResource
            | ApplyEventError::UnpairedTransfer
            | ApplyEventError::Invite(_)
            | ApplyEventError::Accept(_)
            | ApplyEventError::ChangeRole(_)
            | ApplyEventError::Revoke(_)
            | ApplyEventError::Leave(_)
            | ApplyEventError::Transfer(_)
            | ApplyEventError::AccountDeleted(_)
            | ApplyEventError::Rename(_)
            | ApplyEventError::Delete(_)
            | ApplyEventError::Mismatch => ErrorClass::Invalid,
        }
    }
}

impl Classify for RenameError {
    fn class(&self) -> ErrorClass {
        match self {
            RenameError::Closed => ErrorClass::Gone,
            RenameError::TransferIncomplete | RenameError::Unchanged => ErrorClass::Conflict,
            RenameError::NotPermitted(_) => ErrorClass::NotPermitted,
            RenameError::InvalidName(_) => ErrorClass::Invalid,
        }
    }

    fn not_permitted(&self) -> Option<&NotPermitted> {
        match self {
            RenameError::NotPermitted(why) => Some(why),
            RenameError::Closed
            | RenameError::TransferIncomplete
            | RenameError::InvalidName(_)
            | RenameError::Unchanged => None,
        }
    }
}

impl Classify for DeleteError {
    fn class(&self) -> ErrorClass {
        match self {
            DeleteError::Closed => ErrorClass::Gone,
            DeleteError::TransferIncomplete => ErrorClass::Conflict,
            DeleteError::NotPermitted(_) => ErrorClass::NotPermitted,
        }
    }

    fn not_permitted(&self) -> Option<&NotPermitted> {
        match self {
            DeleteError::NotPermitted(why) => Some(why),
            DeleteError::Closed | DeleteError::TransferIncomplete => None,
        }
    }
}

impl Classify for ReplayError {
    /// The class of its [`reason`](ReplayError::reason).
    fn class(&self) -> ErrorClass {
        self.reason().class()
    }
}

impl Classify for crate::membership::event::EventError {
    /// Always [`Invalid`](ErrorClass::Invalid): the fields do not fit the
    /// event's kind.
    fn class(&self) -> ErrorClass {
        use crate::membership::event::EventError as E;
        match self {
            E::Role { .. }
            | E::PreviousRole { .. }
            | E::Token { .. }
            | E::Unchanged
            | E::RoleNotOnKind { .. }
            | E::CreatedNotOwner
            | E::Advisory { .. }
            | E::Name { .. }
            | E::InvalidName(_)
            | E::Seq { .. }
            | E::UnknownType
            | E::UnsupportedVersion { .. } => ErrorClass::Invalid,
        }
    }
}

impl Classify for crate::membership::member::IdentifierError {
    /// Always [`Invalid`](ErrorClass::Invalid).
    fn class(&self) -> ErrorClass {
        use crate::membership::member::IdentifierError as E;
        match self {
            E::Empty | E::TooLong | E::ControlCharacter | E::Invisible(_) => ErrorClass::Invalid,
        }
    }
}

impl Classify for crate::membership::email::EmailError {
    /// Always [`Invalid`](ErrorClass::Invalid).
    fn class(&self) -> ErrorClass {
        use crate::membership::email::EmailError as E;
        match self {
            E::Empty
            | E::TooLong
            | E::InvalidCharacter
            | E::Invisible(_)
            | E::At
            | E::EmptyLocalPart
            | E::InvalidDomain => ErrorClass::Invalid,
        }
    }
}

impl Classify for MemberError {
    /// Always [`Invalid`](ErrorClass::Invalid).
    fn class(&self) -> ErrorClass {
        match self {
            MemberError::OwnerMismatch | MemberError::TokenMismatch => ErrorClass::Invalid,
        }
    }
}

impl Classify for crate::id::ParseIdError {
    /// Always [`Invalid`](ErrorClass::Invalid): not one of the spec's ids.
    fn class(&self) -> ErrorClass {
        ErrorClass::Invalid
    }
}
