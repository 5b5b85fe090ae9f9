//! The membership lifecycle of one resource: a [`Roster`] of its owner and
//! members, the operations that change it (invite, accept, change role,
//! revoke, leave, ownership transfer, account deletion, rename, deletion of
//! the resource), the [`Event`] each records, the application of one event
//! ([`Roster::apply`]), and the rebuilding of a roster from its events
//! (from nothing, or from a snapshot).
//!
//! Everything here is pure: the caller passes the acting account, the
//! ids, the invitation tokens and "now"; nothing reads a clock or draws a
//! random number. Who "may manage" is asked of the permission matrix.

mod chain;
mod command;
mod custom_grant;
mod digest;
mod email;
mod error;
mod event;
mod index;
mod member;
mod roster;
mod text;
mod transfer;

pub use chain::{LogDigest, LogDigestError, LogHead};
pub use command::{AnyRole, Command, MemberKey, Outcome};
pub use digest::{TokenDigest, TokenDigestError};
pub use email::{Email, EmailError, MAX_EMAIL_LEN};
pub use error::{
    AcceptError, AccountDeletedError, ApplyEventError, ChangeRoleError, CommandError, DeleteError,
    InviteError, LeaveError, NotPermitted, RenameError, ReplayError, ReplayErrorKind, RevokeError,
    RosterError, TransferError,
};
pub use error::{Classify, ErrorClass};
pub use event::{Advisory, Event, EventError, EventKind, EventParts};
pub use index::Members;
pub use member::{
    Account, IdentifierError, InvitationToken, MAX_IDENTIFIER_LEN, Member, MemberError, MemberId,
    MemberParts, MemberRef, MemberStatus, Resource, ResourceId, ResourceRef, SCHEMA_VERSION,
    Timestamp, UNKNOWN_USERNAME, Username,
};
pub use roster::{Invitation, Roster};
pub use text::InvisibleCharacter;
pub use transfer::TransferRequest;
