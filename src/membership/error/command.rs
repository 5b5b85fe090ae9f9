//! [`CommandError`]: the refusal of a [`Command`](crate::membership::Command),
//! keeping the refused operation's own error.

use super::{
    AcceptError, AccountDeletedError, ChangeRoleError, DeleteError, InviteError, LeaveError,
    RenameError, RevokeError, TransferError,
};

/// Why [`Roster::decide_command`](crate::Roster::decide_command) refused a
/// [`Command`](crate::membership::Command): the error of the operation the
/// command was decided as, unchanged, so that its variants, its message
/// ([`Display`](core::fmt::Display) is the operation error's) and its
/// [`ErrorClass`](crate::ErrorClass) ([`Classify`](crate::Classify)) are
/// exactly the per-operation method's.
///
/// Which operation a command is decided as: `Remove` of the actor's own
/// membership is a [`Leave`](Self::Leave), anyone else's a
/// [`Revoke`](Self::Revoke); the three transfer steps are
/// [`Transfer`](Self::Transfer).
///
/// ```
/// use collab_authz::membership::{AcceptError, Command, CommandError};
/// use collab_authz::{Classify, ErrorClass};
///
/// let err = CommandError::from(AcceptError::WrongToken);
/// assert_eq!(err.class(), ErrorClass::NotFound);
/// assert_eq!(err.to_string(), AcceptError::NoInvitation.to_string());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CommandError {
    /// An invitation was refused.
    #[error(transparent)]
    Invite(#[from] InviteError),
    /// An acceptance was refused.
    #[error(transparent)]
    Accept(#[from] AcceptError),
    /// A role change was refused.
    #[error(transparent)]
    ChangeRole(#[from] ChangeRoleError),
    /// A removal of someone else was refused.
    #[error(transparent)]
    Revoke(#[from] RevokeError),
    /// A leave (or a removal of the actor's own membership) was refused.
    #[error(transparent)]
    Leave(#[from] LeaveError),
    /// A transfer step was refused.
    #[error(transparent)]
    Transfer(#[from] TransferError),
    /// An account deletion was refused.
    #[error(transparent)]
    AccountDeleted(#[from] AccountDeletedError),
    /// A rename was refused.
    #[error(transparent)]
    Rename(#[from] RenameError),
    /// A deletion was refused.
    #[error(transparent)]
    Delete(#[from] DeleteError),
}
