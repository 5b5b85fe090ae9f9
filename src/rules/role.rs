//! The three collaborator roles.

use crate::id::id_enum;

id_enum! {
    kind: Role,
    /// A collaborator's role on one resource.
    ///
    /// The derived order is the privilege order, strict on every resource
    /// kind: `LimitedCollaborator < Collaborator < Owner` (the permission set
    /// of a lower role is a subset of every higher role's set; the crate
    /// proves it at compile time).
    ///
    /// ```
    /// use collab_authz::Role;
    ///
    /// assert!(Role::LimitedCollaborator < Role::Collaborator);
    /// assert_eq!("owner".parse::<Role>()?, Role::Owner);
    /// assert_eq!(Role::LimitedCollaborator.to_string(), "limited_collaborator");
    /// assert_eq!(Role::LimitedCollaborator.label(), "limited collaborator");
    /// # Ok::<(), collab_authz::ParseIdError>(())
    /// ```
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize))]
    #[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
    pub enum Role {
        /// Day-to-day operations only (contractor, junior, support); the
        /// default role of a new invitation on an app. Not available on a
        /// dedicated database.
        LimitedCollaborator => "limited_collaborator",
        /// Everything except the owner-only actions (trusted lead, DevOps).
        Collaborator => "collaborator",
        /// The one account that owns and is billed for the resource.
        Owner => "owner",
    }
}

impl Role {
    /// The role as people read it, and as the platform's listings print it
    /// (`limited collaborator`): lowercase, no identifier. Capitalize it
    /// with [`Capitalized`](crate::Capitalized) to start a sentence.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Role::LimitedCollaborator => "limited collaborator",
            Role::Collaborator => "collaborator",
            Role::Owner => "owner",
        }
    }
}

#[cfg(feature = "serde")]
crate::id::serde_id::deserialize_by_id!(Role);
