//! The membership lifecycle of one resource: a [`Roster`] of its owner and
//! members, the operations that change it (invite, accept, change role,
//! revoke, leave, ownership transfer, account deletion), the [`Event`] each records, and
//! the rebuilding of a roster from its events.
//!
//! Everything here is pure: the caller passes the acting account, the
//! ids, the invitation tokens and "now"; nothing reads a clock or draws a
//! random number. Who "may manage" is asked of the permission matrix.

mod custom_grant;
mod email;
mod error;
mod event;
mod index;
mod member;
mod roster;
mod transfer;

pub use email::{Email, EmailError, MAX_EMAIL_LEN};
pub use error::{
    AcceptError, AccountDeletedError, ChangeRoleError, InviteError, LeaveError, NotPermitted,
    ReplayError, ReplayErrorKind, RevokeError, RosterError, TransferError,
};
pub use event::{Advisory, Event, EventError, EventKind, EventParts};
pub use index::Members;
pub use member::{
    Account, IdentifierError, InvitationToken, MAX_IDENTIFIER_LEN, Member, MemberError, MemberId,
    MemberParts, MemberStatus, Resource, ResourceId, Timestamp, Username,
};
pub use roster::{Invitation, Roster};
pub use transfer::TransferRequest;
