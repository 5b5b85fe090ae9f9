//! The errors of the roster's operations: one small enum per operation
//! (here), the errors of a stored roster and of its event stream
//! (`stored`), and the class of every error, what a service answers
//! (`classify`).

mod classify;
mod command;
mod stored;

pub use classify::{Classify, ErrorClass};
pub use command::CommandError;
pub use stored::{ApplyEventError, ReplayError, ReplayErrorKind, RosterError};

use crate::membership::email::Email;
use crate::membership::member::{IdentifierError, MemberStatus, Timestamp};
use crate::rules::action::Action;
use crate::rules::custom_role::GrantError;
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
    /// The actor holds a custom role that does not hold the action.
    #[error("the actor's custom role may not {action} on this {}", kind_words(*kind))]
    CustomRoleLacks {
        /// The resource kind.
        kind: ResourceKind,
        /// The action needed.
        action: Action,
    },
}

/// Why no operation may be decided on a roster right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gate {
    Closed,
    TransferIncomplete,
    VersionExhausted { version: u64 },
}

macro_rules! from_gate {
    ($($error:ident),*) => {$(
        impl From<Gate> for $error {
            fn from(gate: Gate) -> Self {
                match gate {
                    Gate::Closed => $error::Closed,
                    Gate::TransferIncomplete => $error::TransferIncomplete,
                    Gate::VersionExhausted { version } => $error::VersionExhausted { version },
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
    /// The roster's version is too close to
    /// [`Event::MAX_SEQ`](crate::Event::MAX_SEQ) for the operation's event
    /// (its two events, for an accepted transfer) to get a seq: no event
    /// is recorded past it, so nothing more can change on this roster.
    #[error(
        "the roster is at version {version}; the operation's events would pass the last seq, {}",
        crate::Event::MAX_SEQ
    )]
    VersionExhausted {
        /// The roster's version.
        version: u64,
    },
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
    /// The roster's version is too close to
    /// [`Event::MAX_SEQ`](crate::Event::MAX_SEQ) for the operation's event
    /// (its two events, for an accepted transfer) to get a seq: no event
    /// is recorded past it, so nothing more can change on this roster.
    #[error(
        "the roster is at version {version}; the operation's events would pass the last seq, {}",
        crate::Event::MAX_SEQ
    )]
    VersionExhausted {
        /// The roster's version.
        version: u64,
    },
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
    /// The roster's version is too close to
    /// [`Event::MAX_SEQ`](crate::Event::MAX_SEQ) for the operation's event
    /// (its two events, for an accepted transfer) to get a seq: no event
    /// is recorded past it, so nothing more can change on this roster.
    #[error(
        "the roster is at version {version}; the operation's events would pass the last seq, {}",
        crate::Event::MAX_SEQ
    )]
    VersionExhausted {
        /// The roster's version.
        version: u64,
    },
    /// The actor may not invite.
    #[error("not permitted: {0}")]
    NotPermitted(#[from] NotPermitted),
    /// Nobody is invited as owner; ownership moves by transfer only.
    #[error("cannot invite as owner; ownership moves only by transfer")]
    OwnerRole,
    /// The role to grant holds actions the actor does not hold (no
    /// escalation), or the custom role is of another resource kind.
    #[error("the actor may not grant this role: {0}")]
    Grant(GrantError),
    /// An invitation with a custom role also names a built-in role: the
    /// custom role is the role.
    #[error("an invitation with a custom role cannot also name a built-in role")]
    RoleAndCustomRole,
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
    /// The roster's version is too close to
    /// [`Event::MAX_SEQ`](crate::Event::MAX_SEQ) for the operation's event
    /// (its two events, for an accepted transfer) to get a seq: no event
    /// is recorded past it, so nothing more can change on this roster.
    #[error(
        "the roster is at version {version}; the operation's events would pass the last seq, {}",
        crate::Event::MAX_SEQ
    )]
    VersionExhausted {
        /// The roster's version.
        version: u64,
    },
    /// No membership for the actor's email on this resource (or, through
    /// [`Command::Accept`](crate::membership::Command::Accept), the
    /// member id named is not the actor's).
    ///
    /// Its message and its class ([`NotFound`](crate::ErrorClass::NotFound))
    /// are [`WrongToken`](Self::WrongToken)'s: whoever guesses learns
    /// nothing from the answer.
    #[error("no invitation matches this email and token on this resource")]
    NoInvitation,
    /// The membership is not pending.
    #[error("only a pending invitation can be accepted, this membership is {status}")]
    NotPending {
        /// The membership's status.
        status: MemberStatus,
    },
    /// The token is not the invitation's.
    ///
    /// Indistinguishable from [`NoInvitation`](Self::NoInvitation) to the
    /// caller: the same message and the same class
    /// ([`NotFound`](crate::ErrorClass::NotFound)), so that a guessed
    /// token does not learn that an invitation exists. The variant differs
    /// for the service's own audit log only (`Debug`, a `match`); never
    /// show it.
    #[error("no invitation matches this email and token on this resource")]
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
    /// The roster's version is too close to
    /// [`Event::MAX_SEQ`](crate::Event::MAX_SEQ) for the operation's event
    /// (its two events, for an accepted transfer) to get a seq: no event
    /// is recorded past it, so nothing more can change on this roster.
    #[error(
        "the roster is at version {version}; the operation's events would pass the last seq, {}",
        crate::Event::MAX_SEQ
    )]
    VersionExhausted {
        /// The roster's version.
        version: u64,
    },
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
    /// The role to grant holds actions the actor does not hold (no
    /// escalation), or the custom role is of another resource kind.
    #[error("the actor may not grant this role: {0}")]
    Grant(GrantError),
    /// The member already holds that custom role.
    #[error("the member already holds that custom role")]
    UnchangedCustom,
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
    /// The roster's version is too close to
    /// [`Event::MAX_SEQ`](crate::Event::MAX_SEQ) for the operation's event
    /// (its two events, for an accepted transfer) to get a seq: no event
    /// is recorded past it, so nothing more can change on this roster.
    #[error(
        "the roster is at version {version}; the operation's events would pass the last seq, {}",
        crate::Event::MAX_SEQ
    )]
    VersionExhausted {
        /// The roster's version.
        version: u64,
    },
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
    /// The roster's version is too close to
    /// [`Event::MAX_SEQ`](crate::Event::MAX_SEQ) for the operation's event
    /// (its two events, for an accepted transfer) to get a seq: no event
    /// is recorded past it, so nothing more can change on this roster.
    #[error(
        "the roster is at version {version}; the operation's events would pass the last seq, {}",
        crate::Event::MAX_SEQ
    )]
    VersionExhausted {
        /// The roster's version.
        version: u64,
    },
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
    /// The roster's version is too close to
    /// [`Event::MAX_SEQ`](crate::Event::MAX_SEQ) for the operation's event
    /// (its two events, for an accepted transfer) to get a seq: no event
    /// is recorded past it, so nothing more can change on this roster.
    #[error(
        "the roster is at version {version}; the operation's events would pass the last seq, {}",
        crate::Event::MAX_SEQ
    )]
    VersionExhausted {
        /// The roster's version.
        version: u64,
    },
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
    /// The target holds a custom role: only a member with the built-in
    /// collaborator role can become owner.
    #[error("the target must be an accepted collaborator; they hold a custom role")]
    TargetHoldsCustomRole,
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
    /// The roster's version is too close to
    /// [`Event::MAX_SEQ`](crate::Event::MAX_SEQ) for the operation's event
    /// (its two events, for an accepted transfer) to get a seq: no event
    /// is recorded past it, so nothing more can change on this roster.
    #[error(
        "the roster is at version {version}; the operation's events would pass the last seq, {}",
        crate::Event::MAX_SEQ
    )]
    VersionExhausted {
        /// The roster's version.
        version: u64,
    },
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
