//! What a route asks the store to write ([`Change`]): data only. The
//! write path (`write.rs`) turns it into the crate's command and asks the
//! crate to decide it.

use collab_authz::api::{InviteBody, UpdateBody};
use collab_authz::membership::Username;
use collab_authz::{Email, Role};

/// A write asked by the caller of a route: a membership operation, a
/// rename or a deletion. The crate decides each.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Change {
    /// Invite `email` with `role` (`None`: the kind's default).
    Invite {
        /// Who is invited.
        email: Email,
        /// The role, or the kind's default.
        role: Option<Role>,
    },
    /// The API's invitation (`{"collaborator":{"email":...,"is_limited":...}}`):
    /// the crate decides whether the caller may invite at all before
    /// whether the role exists on the kind.
    InviteBody {
        /// The request body.
        body: InviteBody,
    },
    /// The caller accepts the invitation of membership `member_id` with
    /// the link's `secret`.
    Accept {
        /// The membership the link names.
        member_id: String,
        /// The secret the link carries.
        secret: String,
        /// The caller's username, if their account has one.
        username: Option<Username>,
    },
    /// Change the role of membership `member_id` to `role`.
    ChangeRole {
        /// The membership.
        member_id: String,
        /// Its new role.
        role: Role,
    },
    /// The API's role update of membership `member_id`
    /// (`{"collaborator":{"is_limited":...}}`): `collaborator` or
    /// `limited_collaborator`, whatever the kind; the crate decides whether
    /// the caller may change roles at all before whether the role exists on
    /// the kind.
    Update {
        /// The membership.
        member_id: String,
        /// The request body.
        body: UpdateBody,
    },
    /// Remove membership `member_id` (the caller's own: leave, or decline
    /// a pending invitation).
    Remove {
        /// The membership.
        member_id: String,
    },
    /// The owner asks to hand the resource to `email`, an accepted
    /// collaborator.
    RequestTransfer {
        /// The target.
        email: Email,
    },
    /// The target of the pending transfer accepts it.
    AcceptTransfer,
    /// The owner or the target cancels the pending transfer.
    CancelTransfer,
    /// Rename the resource.
    Rename {
        /// The new name.
        name: String,
    },
    /// Delete the resource.
    Delete,
}
