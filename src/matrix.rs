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

    /// The grants with `allowed` as the `yes` cells and `limited` as the
    /// `limited(...)` cells, for checking a matrix with the invariant checks
    /// (see [`KindRows`]). Checks ([`allows`], [`decide`](crate::decide))
    /// always read the crate's own matrix, never a value built here.
    #[must_use]
    pub const fn new(allowed: Permissions, limited: Permissions) -> Self {
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

/// `an app`, `a dedicated database`.
pub(crate) const fn article(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::App => "an app",
        ResourceKind::DedicatedDatabase => "a dedicated database",
    }
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

// ---------------------------------------------------------------------------
// Invariants, proven when the crate compiles. Breaking the matrix breaks the
// build, with a message naming the invariant and the kind.
// ---------------------------------------------------------------------------

/// The three rows of one resource kind, as the invariant checks read them.
///
/// [`KindRows::of`] reads the crate's matrix; the checks ([`owner_holds_every_applicable_action`]
/// and the others below) are `const fn`s over any `KindRows`, so the crate
/// proves each of them with its own `const` assertion, and a matrix that
/// breaks one fails the build with a message that names it:
///
/// ```
/// use collab_authz::matrix::{only_owner_holds_owner_only_actions, KindRows};
/// use collab_authz::ResourceKind;
///
/// const APP: KindRows = KindRows::of(ResourceKind::App);
/// const _: () = assert!(only_owner_holds_owner_only_actions(&APP), "only the owner may delete");
/// ```
///
/// A collaborator row that holds `delete` does not compile:
///
/// ```compile_fail
/// use collab_authz::matrix::{only_owner_holds_owner_only_actions, Grants, KindRows};
/// use collab_authz::{Permissions, ResourceKind};
///
/// const APP: KindRows = KindRows::of(ResourceKind::App);
/// const BROKEN: KindRows = KindRows {
///     collaborator: Grants::new(APP.collaborator.allowed().union(Permissions::DELETE), Permissions::empty()),
///     ..APP
/// };
/// const _: () = assert!(only_owner_holds_owner_only_actions(&BROKEN), "only the owner may delete");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct KindRows {
    /// The actions that apply to the kind.
    pub applicable: Permissions,
    /// The owner's row.
    pub owner: Grants,
    /// The collaborator's row.
    pub collaborator: Grants,
    /// The limited collaborator's row, `None` when the kind does not have
    /// the role.
    pub limited: Option<Grants>,
}

impl KindRows {
    /// The rows of `kind` in the crate's matrix.
    #[must_use]
    pub const fn of(kind: ResourceKind) -> Self {
        Self {
            applicable: kind.applicable_actions(),
            owner: grants(Role::Owner, kind),
            collaborator: grants(Role::Collaborator, kind),
            limited: if kind.has_role(Role::LimitedCollaborator) {
                Some(grants(Role::LimitedCollaborator, kind))
            } else {
                None
            },
        }
    }

    /// The limited collaborator's row, or no cell at all.
    const fn limited_or_none(&self) -> Grants {
        match self.limited {
            Some(g) => g,
            None => Grants::NONE,
        }
    }
}

/// The owner holds every action that applies to the kind, unconditionally,
/// and nothing else.
#[must_use]
pub const fn owner_holds_every_applicable_action(rows: &KindRows) -> bool {
    rows.owner.allowed.bits() == rows.applicable.bits() && rows.owner.limited.is_empty()
}

/// Only the owner holds `delete`, `rename` and `transfer_ownership`
/// ([`OWNER_ONLY`]).
#[must_use]
pub const fn only_owner_holds_owner_only_actions(rows: &KindRows) -> bool {
    !rows.collaborator.any().intersects(OWNER_ONLY)
        && !rows.limited_or_none().any().intersects(OWNER_ONLY)
}

/// The privilege order is strict: limited ⊊ collaborator ⊊ owner, and a
/// higher role holds unconditionally whatever a lower role holds at all.
#[must_use]
pub const fn privilege_order_is_strict(rows: &KindRows) -> bool {
    let limited = rows.limited_or_none().any();
    let collaborator = rows.collaborator.any();
    rows.collaborator.allowed.contains(limited)
        && rows.owner.allowed.contains(collaborator)
        && rows.owner.allowed.bits() != collaborator.bits()
        && (rows.limited.is_none() || collaborator.bits() != limited.bits())
}

/// A limited collaborator holds no `data_and_secrets` action, not even
/// under a condition.
#[must_use]
pub const fn limited_holds_no_data_and_secrets_action(rows: &KindRows) -> bool {
    !rows.limited_or_none().reads_data_or_secrets()
}

/// No role holds an action outside the kind's applicable actions.
#[must_use]
pub const fn nothing_outside_applicable_actions(rows: &KindRows) -> bool {
    rows.applicable.contains(rows.owner.any())
        && rows.applicable.contains(rows.collaborator.any())
        && rows.applicable.contains(rows.limited_or_none().any())
}

/// `limited(...)` cells only where the spec has them: only in the limited
/// collaborator's row, only on actions with a [`Limit`], and never on an
/// action the row also holds as `yes`.
#[must_use]
pub const fn conditional_cells_only_where_spec_has_them(rows: &KindRows) -> bool {
    let limited = rows.limited_or_none();
    rows.owner.limited.is_empty()
        && rows.collaborator.limited.is_empty()
        && LIMITED_CELLS.contains(limited.limited)
        && !limited.allowed.intersects(limited.limited)
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

/// Asserts every invariant of one kind, each with its own message.
macro_rules! assert_invariants {
    ($kind:ident, $name:literal) => {
        const _: () = {
            const ROWS: KindRows = KindRows::of(ResourceKind::$kind);
            assert!(
                owner_holds_every_applicable_action(&ROWS),
                concat!(
                    $name,
                    " matrix: the owner must hold every applicable action, unconditionally"
                )
            );
            assert!(
                only_owner_holds_owner_only_actions(&ROWS),
                concat!(
                    $name,
                    " matrix: only the owner may hold delete, rename and transfer_ownership"
                )
            );
            assert!(
                privilege_order_is_strict(&ROWS),
                concat!(
                    $name,
                    " matrix: limited_collaborator ⊊ collaborator ⊊ owner must hold"
                )
            );
            assert!(
                limited_holds_no_data_and_secrets_action(&ROWS),
                concat!(
                    $name,
                    " matrix: a limited collaborator may hold no data_and_secrets action"
                )
            );
            assert!(
                nothing_outside_applicable_actions(&ROWS),
                concat!(
                    $name,
                    " matrix: a role holds an action that does not apply to the kind"
                )
            );
            assert!(
                conditional_cells_only_where_spec_has_them(&ROWS),
                concat!(
                    $name,
                    " matrix: a limited(...) cell where the spec has none"
                )
            );
        };
    };
}

assert_invariants!(App, "app");
assert_invariants!(DedicatedDatabase, "dedicated-database");

// The matrix as the spec writes it: every action applies to an app; a
// dedicated database has no limited collaborator, and `grants` gives a role
// a kind does not have nothing at all.
const _: () = assert!(
    APP_APPLICABLE.is_all() && KindRows::of(ResourceKind::App).limited.is_some(),
    "app matrix: every action applies and all three roles exist"
);
const _: () = assert!(
    grants(Role::LimitedCollaborator, ResourceKind::DedicatedDatabase)
        .any()
        .is_empty(),
    "dedicated-database matrix: the unavailable limited_collaborator role must hold nothing"
);
// The only conditional cells are the three of a limited collaborator on an
// app, as the spec has them.
const _: () = assert!(
    APP_LIMITED_CONDITIONAL.bits() == LIMITED_CELLS.bits(),
    "app matrix: a limited collaborator's limited(...) cells must be the spec's three"
);
// Each category is disjoint from the others by construction (one
// `Option<Category>` per action); the destructive row is exactly the
// owner-only actions.
const _: () = assert!(
    Category::DestructiveActions.actions().bits() == OWNER_ONLY.bits(),
    "the destructive_actions category must be exactly the owner-only actions"
);
