//! [`RoleChange`]: what moving a member from one role to another adds,
//! removes, lifts and imposes, read off the matrix.

use crate::rules::matrix::{article, grants};
use crate::rules::permissions::Permissions;
use crate::rules::resource_kind::ResourceKind;
use crate::rules::role::Role;

/// What moving a member from one role to another changes on a kind.
///
/// ```
/// use collab_authz::{role_change, Action, ResourceKind, Role};
///
/// let change = role_change(ResourceKind::App, Role::LimitedCollaborator, Role::Collaborator)?;
/// assert!(change.added().has(Action::ViewEnvVarValues));
/// assert!(change.removed().is_empty());
/// // A conditional cell becomes unconditional:
/// assert!(change.conditions_lifted().has(Action::ViewDeploymentLogs));
/// # Ok::<(), collab_authz::RoleChangeError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RoleChange {
    added: Permissions,
    removed: Permissions,
    conditions_lifted: Permissions,
    conditions_imposed: Permissions,
}

impl RoleChange {
    /// Actions the new role may do that the old one could not at all.
    #[must_use]
    pub const fn added(self) -> Permissions {
        self.added
    }
    /// Actions the old role could do that the new one cannot at all.
    #[must_use]
    pub const fn removed(self) -> Permissions {
        self.removed
    }
    /// Actions that were `limited(...)` and become `yes`.
    #[must_use]
    pub const fn conditions_lifted(self) -> Permissions {
        self.conditions_lifted
    }
    /// Actions that were `yes` and become `limited(...)`.
    #[must_use]
    pub const fn conditions_imposed(self) -> Permissions {
        self.conditions_imposed
    }
}

/// Why [`role_change`] has no answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum RoleChangeError {
    /// One of the two roles does not exist on the kind (a limited
    /// collaborator on a dedicated database).
    #[error("the {role} role is not available on {}", article(*.kind))]
    RoleNotAvailable {
        /// The kind asked about.
        kind: ResourceKind,
        /// The role the kind does not have (`from` when both are missing).
        role: Role,
    },
}

/// What moving a member from `from` to `to` on `kind` adds and removes.
///
/// ```
/// use collab_authz::{role_change, ResourceKind, Role, RoleChangeError};
///
/// let db = ResourceKind::DedicatedDatabase;
/// assert_eq!(
///     role_change(db, Role::LimitedCollaborator, Role::Collaborator),
///     Err(RoleChangeError::RoleNotAvailable { kind: db, role: Role::LimitedCollaborator }),
/// );
/// ```
///
/// # Errors
/// [`RoleChangeError::RoleNotAvailable`] when `from` or `to` does not exist
/// on `kind`: there is no such member to move, and no such role to move to.
pub const fn role_change(
    kind: ResourceKind,
    from: Role,
    to: Role,
) -> Result<RoleChange, RoleChangeError> {
    let missing = if !kind.has_role(from) {
        from
    } else if !kind.has_role(to) {
        to
    } else {
        let old = grants(from, kind);
        let new = grants(to, kind);
        return Ok(RoleChange {
            added: new.any().difference(old.any()),
            removed: old.any().difference(new.any()),
            conditions_lifted: old.limited.intersection(new.allowed),
            conditions_imposed: old.allowed.intersection(new.limited),
        });
    };
    Err(RoleChangeError::RoleNotAvailable {
        kind,
        role: missing,
    })
}
