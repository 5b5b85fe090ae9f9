//! The kinds of resource that have collaborators.

use crate::Role;
use crate::action::id_enum;

id_enum! {
    /// What a set of collaborators is attached to.
    ///
    /// ```
    /// use collab_authz::{ResourceKind, Role};
    ///
    /// let kind: ResourceKind = "dedicated_database".parse()?;
    /// assert!(!kind.has_role(Role::LimitedCollaborator));
    /// assert_eq!(kind.default_invitation_role(), Role::Collaborator);
    /// # Ok::<(), collab_authz::ParseIdError>(())
    /// ```
    pub enum ResourceKind as ResourceKind {
        /// An application; all three roles exist.
        App => "app",
        /// A top-level database with its own collaborators; only owner and
        /// collaborator exist.
        DedicatedDatabase => "dedicated_database",
    }
}

impl ResourceKind {
    /// Whether `role` exists on this kind of resource.
    #[must_use]
    #[inline]
    pub const fn has_role(self, role: Role) -> bool {
        !matches!(
            (self, role),
            (ResourceKind::DedicatedDatabase, Role::LimitedCollaborator)
        )
    }

    /// The role a new invitation gets when the inviter names none:
    /// `limited_collaborator` on an app, `collaborator` on a dedicated
    /// database.
    #[must_use]
    pub const fn default_invitation_role(self) -> Role {
        match self {
            ResourceKind::App => Role::LimitedCollaborator,
            ResourceKind::DedicatedDatabase => Role::Collaborator,
        }
    }
}
