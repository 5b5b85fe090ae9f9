//! The permission matrix: one [`Grants`] per (resource kind, role), built at
//! compile time from `const fn` unions, with its invariants proven by
//! `const` assertions.
//!
//! Everything here is a `const fn` over `u64`s: no allocation, no string,
//! no lookup table built at run time.

use crate::{Action, Category, Permissions, ResourceKind, Role, Scope};

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

    const fn new(allowed: Permissions, limited: Permissions) -> Self {
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
/// [`decide`](crate::decide) for the full, explained decision.
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

/// One cell of the matrix, as the spec writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
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
/// use collab_authz::{cell, Action, Cell, Condition, Limit, ResourceKind, Role};
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

/// What moving a member from one role to another changes on a kind.
///
/// ```
/// use collab_authz::{role_change, Action, ResourceKind, Role};
///
/// let change = role_change(ResourceKind::App, Role::LimitedCollaborator, Role::Collaborator);
/// assert!(change.added().has(Action::ViewEnvVarValues));
/// assert!(change.removed().is_empty());
/// // A conditional cell becomes unconditional:
/// assert!(change.conditions_lifted().has(Action::ViewDeploymentLogs));
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

/// What moving a member from `from` to `to` on `kind` adds and removes.
#[must_use]
pub const fn role_change(kind: ResourceKind, from: Role, to: Role) -> RoleChange {
    let old = grants(from, kind);
    let new = grants(to, kind);
    RoleChange {
        added: new.any().difference(old.any()),
        removed: old.any().difference(new.any()),
        conditions_lifted: old.limited.intersection(new.allowed),
        conditions_imposed: old.allowed.intersection(new.limited),
    }
}

// ---------------------------------------------------------------------------
// Invariants, proven when the crate compiles. Breaking the matrix breaks the
// build.
// ---------------------------------------------------------------------------

/// Checks every invariant of the matrix for one kind.
const fn kind_is_sound(kind: ResourceKind) -> bool {
    let applicable = kind.applicable_actions();
    let owner = grants(Role::Owner, kind);
    let collaborator = grants(Role::Collaborator, kind);
    let limited = grants(Role::LimitedCollaborator, kind);
    let mut sound = true;
    let mut i = 0;
    while i < Role::ALL.len() {
        #[expect(clippy::indexing_slicing, reason = "i < ALL.len()")]
        let g = grants(Role::ALL[i], kind);
        // `yes` and `limited` cells are disjoint and every `limited` cell
        // states its limit.
        sound &= g.allowed.intersection(g.limited).is_empty();
        sound &= g.limited.bits() & !LIMITED_CELLS.bits() == 0;
        // Nothing is granted outside the kind's applicable actions.
        sound &= applicable.contains(g.any());
        i += 1;
    }
    // The owner holds every applicable action, unconditionally.
    sound &= owner.allowed.bits() == applicable.bits();
    // Only the owner holds delete, rename, transfer_ownership.
    sound &= collaborator.any().intersection(OWNER_ONLY).is_empty();
    sound &= limited.any().intersection(OWNER_ONLY).is_empty();
    // Strict privilege order: limited ⊂ collaborator ⊂ owner, and a
    // higher role never holds under condition what a lower one holds freely.
    sound &= collaborator.allowed.contains(limited.any());
    sound &= owner.allowed.contains(collaborator.any());
    sound &= owner.allowed.bits() != collaborator.any().bits();
    sound &= !kind.has_role(Role::LimitedCollaborator)
        || collaborator.any().bits() != limited.any().bits();
    // A limited collaborator never holds a data_and_secrets action.
    sound &= limited
        .any()
        .intersection(Category::DataAndSecrets.actions())
        .is_empty();
    // A role the kind does not have holds nothing.
    sound &= kind.has_role(Role::LimitedCollaborator) || limited.any().is_empty();
    sound
}

/// Every action with a `limited(...)` cell somewhere.
const LIMITED_CELLS: Permissions = {
    let mut set = Permissions::empty();
    let mut i = 0;
    while i < Action::COUNT {
        #[expect(clippy::indexing_slicing, reason = "i < COUNT")]
        let action = Action::ALL[i];
        if Limit::of(action).is_some() {
            set = set.union(action.permission());
        }
        i += 1;
    }
    set
};

const _: () = assert!(
    kind_is_sound(ResourceKind::App),
    "the app matrix breaks an invariant"
);
const _: () = assert!(
    kind_is_sound(ResourceKind::DedicatedDatabase),
    "the dedicated-database matrix breaks an invariant"
);
// Each category is disjoint from the others by construction (one
// `Option<Category>` per action); the destructive row is exactly the
// owner-only actions.
const _: () = assert!(Category::DestructiveActions.actions().bits() == OWNER_ONLY.bits());
