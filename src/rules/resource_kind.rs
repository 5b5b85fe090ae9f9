//! The kinds of resource that have collaborators.

use crate::id::id_enum;
use crate::rules::role::Role;

id_enum! {
    kind: ResourceKind,
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
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize))]
    #[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
    pub enum ResourceKind {
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

    /// The kind as people read it: `app`, `dedicated database` (no
    /// identifiers; [`label_with_article`](Self::label_with_article) for
    /// use in a sentence).
    ///
    /// ```
    /// use collab_authz::ResourceKind;
    ///
    /// assert_eq!(ResourceKind::DedicatedDatabase.label(), "dedicated database");
    /// assert_eq!(ResourceKind::App.label_with_article(), "an app");
    /// ```
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            ResourceKind::App => "app",
            ResourceKind::DedicatedDatabase => "dedicated database",
        }
    }

    /// The [`label`](Self::label) with its indefinite article: `an app`, `a
    /// dedicated database`.
    #[must_use]
    pub const fn label_with_article(self) -> &'static str {
        match self {
            ResourceKind::App => "an app",
            ResourceKind::DedicatedDatabase => "a dedicated database",
        }
    }
}

#[cfg(feature = "serde")]
crate::id::serde_id::deserialize_by_id!(ResourceKind);
