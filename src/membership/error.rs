//! The errors of the roster's operations: one small enum per operation.

use alloc::boxed::Box;

use crate::membership::{Email, MemberError, MemberStatus, Timestamp};
use crate::{Action, ResourceKind, Role};

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
        "role {role} may not {action} on this {kind}{}",
        match lowest {
            Some(lowest) => alloc::format!(" (needs at least {lowest})"),
            None => alloc::string::String::from(" (no role may)"),
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

/// Why [`Roster::invite`](crate::Roster::invite) was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InviteError {
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
}

/// Why [`Roster::accept`](crate::Roster::accept) was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AcceptError {
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
    /// The actor may not transfer (matrix: `transfer_ownership`, which
    /// only the owner holds).
    #[error("not permitted: {0}")]
    NotPermitted(#[from] NotPermitted),
    /// No membership with the target's email.
    #[error("no such member on this resource")]
    NoSuchMember,
    /// The target must be an accepted collaborator (not limited, not
    /// pending, not the owner).
    #[error("the target must be an accepted collaborator, not {status} {role}")]
    NotAcceptedCollaborator {
        /// The target's status.
        status: MemberStatus,
        /// The target's role.
        role: Role,
    },
    /// The request is for another resource.
    #[error("the transfer request is for another resource")]
    WrongResource,
    /// The owner changed since the request was made.
    #[error("the transfer request is stale: the owner changed since it was made")]
    Stale,
    /// Only the target accepts a transfer.
    #[error("only the target of the transfer may accept it")]
    NotTarget,
    /// Only the owner or the target may cancel a transfer.
    #[error("only the owner or the target may cancel a transfer")]
    NotParty,
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
    reason: Box<ReplayErrorKind>,
}

impl ReplayError {
    pub(crate) fn new(index: usize, reason: ReplayErrorKind) -> Self {
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
    pub fn reason(&self) -> &ReplayErrorKind {
        &self.reason
    }
}

/// What is wrong with an event of a stream.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReplayErrorKind {
    /// The stream is empty: there is no owner.
    #[error("the stream is empty: no roster_created event")]
    Empty,
    /// The first event is not `roster_created`.
    #[error("the first event must be roster_created, found {0}")]
    NotCreatedFirst(crate::membership::EventKind),
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
    /// The transfer cannot be applied.
    #[error("transfer refused: {0}")]
    Transfer(TransferError),
    /// Re-applying the change produced a different event (other role,
    /// username, advisory, ...).
    #[error("the event does not match the change it records")]
    Mismatch,
}
