//! How a [`Member`] is made and changed inside the crate (the owner, a
//! pending invitation, the roster's transitions) and taken apart.

use crate::membership::digest::TokenDigest;
use crate::membership::member::{Account, Member, MemberParts, MemberStatus, Timestamp, Username};
use crate::rules::custom_role::CustomRole;
use crate::rules::role::Role;

impl Member {
    pub(crate) fn owner(account: Account, at: Timestamp) -> Self {
        Self {
            id: account.id,
            email: account.email,
            username: account.username,
            status: MemberStatus::Owner,
            role: Role::Owner,
            custom_role: None,
            invited_at: at,
            expires_at: None,
            token_digest: None,
        }
    }

    pub(crate) fn pending(
        account: Account,
        role: Role,
        custom_role: Option<CustomRole>,
        at: Timestamp,
        expires_at: Option<Timestamp>,
        token_digest: TokenDigest,
    ) -> Self {
        Self {
            id: account.id,
            email: account.email,
            username: account.username,
            status: MemberStatus::Pending,
            role,
            custom_role,
            invited_at: at,
            expires_at,
            token_digest: Some(token_digest),
        }
    }

    /// The member's parts, for rebuilding it changed: the custom role
    /// included, so that `Member::new(member.into_parts())` gives back the
    /// same member, never a wider one.
    #[must_use]
    pub fn into_parts(self) -> MemberParts {
        MemberParts {
            id: self.id,
            email: self.email,
            username: self.username,
            status: self.status,
            role: self.role,
            custom_role: self.custom_role,
            invited_at: self.invited_at,
            expires_at: self.expires_at,
            token: self.token_digest,
        }
    }

    pub(crate) fn set_role(&mut self, role: Role, custom_role: Option<CustomRole>) {
        self.role = role;
        self.custom_role = custom_role;
    }

    pub(crate) fn set_status(&mut self, status: MemberStatus) {
        self.status = status;
    }

    pub(crate) fn accept(&mut self, username: Option<Username>) {
        self.status = MemberStatus::Accepted;
        self.username = username;
        self.token_digest = None;
    }
}
