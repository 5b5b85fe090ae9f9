//! The permission matrix: one [`Grants`] per (resource kind, role), built at
//! compile time from `const fn` unions, with its invariants proven by
//! `const` assertions.
//!
//! Everything here is a `const fn` over `u64`s: no allocation, no string,
//! no lookup table built at run time.

use core::fmt;

use crate::rules::action::{Action, Category, Scope};
use crate::rules::permissions::Permissions;
use crate::rules::resource_kind::ResourceKind;
use crate::rules::role::Role;

mod invariants;
mod role_change;

pub use role_change::{RoleChange, RoleChangeError, role_change};

/// The actions that only the owner holds, on every kind.
pub const OWNER_ONLY: Permissions = Permissions::DELETE
    .union(Permissions::RENAME)
    .union(Permissions::TRANSFER_OWNERSHIP);

/// The actions that apply to an app: all 59.
const APP_APPLICABLE: Permissions = Permissions::all();

/// The actions that apply to a dedicated database: the `database` scope,
/// the owner-only actions, and inviting and revoking collaborators.
const DEDICATED_DATABASE_APPLICABLE: Permissions = Scope::Database
    .actions()
    .union(OWNER_ONLY)
    .union(Permissions::INVITE_COLLABORATOR)
    .union(Permissions::REVOKE_COLLABORATOR);

/// What a limited collaborator may do on an app without condition.
const APP_LIMITED_ALLOWED: Permissions = Permissions::of(&[
    Action::Restart,
    Action::GrantSupportAccess,
    Action::ViewActivity,
    Action::ViewLogs,
    Action::ViewMetrics,
    Action::DeployDefaultBranch,
    Action::ViewDeployments,
    Action::ResetDeploymentCache,
    Action::ListOneOffs,
    Action::ListCronJobs,
    Action::ViewEnvVarNames,
    Action::ListReviewApps,
    Action::CloseReviewApp,
    Action::RedeployReviewApp,
]);

/// The `limited(...)` cells of a limited collaborator on an app.
const APP_LIMITED_CONDITIONAL: Permissions = Permissions::of(&[
    Action::ViewActivityDetails,
    Action::ViewDeploymentLogs,
    Action::CreateReviewApp,
]);

/// What a role holds on a resource kind: the `yes` cells and the
/// `limited(...)` cells, as two disjoint sets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Grants {
    allowed: Permissions,
    limited: Permissions,
}

impl Grants {
    const NONE: Grants = Grants::new(Permissions::empty(), Permissions::empty());

    /// The grants with `allowed` as the `yes` cells and `limited` as the
    /// `limited(...)` cells. Crate-private: checks ([`allows`],
    /// [`decide`](crate::rules::decision::decide)) read the crate's own
    /// matrix only, and the invariant tests build broken rows with it.
    #[must_use]
    pub(crate) const fn new(allowed: Permissions, limited: Permissions) -> Self {
        Self { allowed, limited }
    }

    /// The `yes` cells: allowed with no condition and no obligation.
    #[must_use]
    #[inline]
    pub const fn allowed(self) -> Permissions {
        self.allowed
    }

    /// The `limited(...)` cells: allowed only under the action's [`Limit`].
    #[must_use]
    #[inline]
    pub const fn limited(self) -> Permissions {
        self.limited
    }

    /// Every action the role may do in some circumstance (`yes` or
    /// `limited`).
    #[must_use]
    #[inline]
    pub const fn any(self) -> Permissions {
        self.allowed.union(self.limited)
    }

    /// The actions of [`Category::DataAndSecrets`] among [`any`](Self::any):
    /// what the role could use to read stored data or credentials.
    ///
    /// ```
    /// use collab_authz::{grants, Permissions, ResourceKind, Role};
    ///
    /// let collaborator = grants(Role::Collaborator, ResourceKind::App);
    /// assert!(collaborator.data_and_secrets().contains(Permissions::VIEW_ENV_VAR_VALUES));
    /// assert!(grants(Role::LimitedCollaborator, ResourceKind::App).data_and_secrets().is_empty());
    /// ```
    #[must_use]
    #[inline]
    pub const fn data_and_secrets(self) -> Permissions {
        self.any().intersection(Category::DataAndSecrets.actions())
    }

    /// Whether the role could read stored data or credentials: whether
    /// [`data_and_secrets`](Self::data_and_secrets) is not empty. Removing
    /// such a member does not change those secrets (see the
    /// `rotate_secrets` advisory of the membership events).
    #[must_use]
    #[inline]
    pub const fn reads_data_or_secrets(self) -> bool {
        !self.data_and_secrets().is_empty()
    }
}

/// The grants of `role` on `kind`: the matrix row, read from constants.
///
/// A role the kind does not have (a limited collaborator on a dedicated
/// database) holds nothing.
#[must_use]
#[inline]
pub const fn grants(role: Role, kind: ResourceKind) -> Grants {
    match (kind, role) {
        (ResourceKind::App, Role::Owner) => Grants::new(APP_APPLICABLE, Permissions::empty()),
        (ResourceKind::App, Role::Collaborator) => {
            Grants::new(APP_APPLICABLE.difference(OWNER_ONLY), Permissions::empty())
        }
        (ResourceKind::App, Role::LimitedCollaborator) => {
            Grants::new(APP_LIMITED_ALLOWED, APP_LIMITED_CONDITIONAL)
        }
        (ResourceKind::DedicatedDatabase, Role::Owner) => {
            Grants::new(DEDICATED_DATABASE_APPLICABLE, Permissions::empty())
        }
        (ResourceKind::DedicatedDatabase, Role::Collaborator) => Grants::new(
            DEDICATED_DATABASE_APPLICABLE.difference(OWNER_ONLY),
            Permissions::empty(),
        ),
        (ResourceKind::DedicatedDatabase, Role::LimitedCollaborator) => Grants::NONE,
    }
}

impl ResourceKind {
    /// The actions that apply to this kind; every other action is `n/a`.
    #[must_use]
    #[inline]
    pub const fn applicable_actions(self) -> Permissions {
        match self {
            ResourceKind::App => APP_APPLICABLE,
            ResourceKind::DedicatedDatabase => DEDICATED_DATABASE_APPLICABLE,
        }
    }
}

/// The hot check: may `role` do `action` on `kind` with no condition and no
/// obligation? One match on two small enums and one AND on a `u64`.
///
/// `false` does not always mean the cell is `no`: the `limited(...)` cells
/// answer `false` here because they need a context (or carry an
/// obligation). Use [`cell`] to tell them apart, or
/// [`decide`](crate::rules::decision::decide) for the full, explained decision.
///
/// ```
/// use collab_authz::{allows, Action, ResourceKind, Role};
///
/// assert!(allows(Role::LimitedCollaborator, ResourceKind::App, Action::Restart));
/// assert!(!allows(Role::LimitedCollaborator, ResourceKind::App, Action::Stop));
/// assert!(!allows(Role::Collaborator, ResourceKind::App, Action::Delete));
/// const OWNER_CAN_DELETE: bool = allows(Role::Owner, ResourceKind::DedicatedDatabase, Action::Delete);
/// assert!(OWNER_CAN_DELETE);
/// ```
#[must_use]
#[inline]
pub const fn allows(role: Role, kind: ResourceKind, action: Action) -> bool {
    grants(role, kind).allowed.has(action)
}

/// What a `limited(...)` cell requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Limit {
    /// Allowed, but the caller must honour the obligation.
    Obligation(Obligation),
    /// Allowed only when the condition holds in the request's context.
    Condition(Condition),
}

/// Something the caller must do when it performs an action that was
/// allowed with an obligation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Obligation {
    /// Show activity details with environment variable values redacted.
    RedactEnvVarValues,
}

/// A condition under which a `limited(...)` cell allows the action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Condition {
    /// Only deployments younger than 7 days.
    ///
    /// Its serde id is `deployment_younger_than_7_days` (the spelling
    /// `deployment_younger_than7_days` of earlier versions still reads).
    #[cfg_attr(
        feature = "serde",
        serde(
            rename = "deployment_younger_than_7_days",
            alias = "deployment_younger_than7_days"
        )
    )]
    DeploymentYoungerThan7Days,
    /// Only through the SCM integration, and only when the app's review-app
    /// settings allow it.
    ReviewAppViaScmWhenAllowed,
}

impl Limit {
    /// The limit that the `limited(...)` cell of `action` states, if the
    /// action has such a cell.
    #[must_use]
    pub const fn of(action: Action) -> Option<Limit> {
        match action {
            Action::ViewActivityDetails => Some(Limit::Obligation(Obligation::RedactEnvVarValues)),
            Action::ViewDeploymentLogs => {
                Some(Limit::Condition(Condition::DeploymentYoungerThan7Days))
            }
            Action::CreateReviewApp => {
                Some(Limit::Condition(Condition::ReviewAppViaScmWhenAllowed))
            }
            _ => None,
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Condition::DeploymentYoungerThan7Days => "only deployments younger than 7 days",
            Condition::ReviewAppViaScmWhenAllowed => {
                "only through the SCM integration, and only when the app's review-app settings allow it"
            }
        })
    }
}

impl fmt::Display for Obligation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Obligation::RedactEnvVarValues => "environment variable values are redacted",
        })
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Limit::Obligation(o) => o.fmt(f),
            Limit::Condition(c) => c.fmt(f),
        }
    }
}

/// One cell of the matrix, as the spec writes it.
///
/// With the `serde` feature: `"yes"`, `"no"`, `"not_applicable"`, or
/// `{"limited":{"condition":"..."}}` / `{"limited":{"obligation":"..."}}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum Cell {
    /// `yes`: allowed.
    Yes,
    /// `limited(...)`: allowed only under the limit.
    Limited(Limit),
    /// `no`: denied.
    No,
    /// `n/a`: the action does not apply to the kind, or the role does not
    /// exist on it.
    NotApplicable,
}

impl Cell {
    /// The cell as the spec and the exports write it: `yes`, `limited`,
    /// `no` or `n/a`.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            Cell::Yes => "yes",
            Cell::Limited(_) => "limited",
            Cell::No => "no",
            Cell::NotApplicable => "n/a",
        }
    }
}

/// The cell of the matrix for (`role`, `kind`, `action`), never collapsing
/// a `limited(...)` cell into yes or no.
///
/// ```
/// use collab_authz::matrix::{cell, Cell, Condition, Limit};
/// use collab_authz::{Action, ResourceKind, Role};
///
/// assert_eq!(
///     cell(Role::LimitedCollaborator, ResourceKind::App, Action::ViewDeploymentLogs),
///     Cell::Limited(Limit::Condition(Condition::DeploymentYoungerThan7Days)),
/// );
/// assert_eq!(cell(Role::Owner, ResourceKind::DedicatedDatabase, Action::Stop), Cell::NotApplicable);
/// ```
#[must_use]
#[inline]
pub const fn cell(role: Role, kind: ResourceKind, action: Action) -> Cell {
    if !kind.has_role(role) || !kind.applicable_actions().has(action) {
        return Cell::NotApplicable;
    }
    let grants = grants(role, kind);
    if grants.allowed.has(action) {
        return Cell::Yes;
    }
    if grants.limited.has(action) {
        if let Some(limit) = Limit::of(action) {
            return Cell::Limited(limit);
        }
    }
    Cell::No
}

/// The least privileged role that may do `action` on `kind` (`yes` or
/// `limited`), or `None` when the action does not apply to the kind.
#[must_use]
pub const fn lowest_role(kind: ResourceKind, action: Action) -> Option<Role> {
    let mut i = 0;
    while i < Role::ALL.len() {
        #[expect(clippy::indexing_slicing, reason = "i < ALL.len()")]
        let role = Role::ALL[i];
        if grants(role, kind).any().has(action) {
            return Some(role);
        }
        i += 1;
    }
    None
}

/// Every role that may do `action` on `kind` (`yes` or `limited`), least
/// privileged first.
pub fn roles_for(kind: ResourceKind, action: Action) -> impl Iterator<Item = Role> {
    Role::ALL
        .into_iter()
        .filter(move |&role| grants(role, kind).any().has(action))
}

/// `an app`, `a dedicated database`.
pub(crate) const fn article(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::App => "an app",
        ResourceKind::DedicatedDatabase => "a dedicated database",
    }
}
