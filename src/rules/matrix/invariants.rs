//! The matrix's invariants, proven when the crate compiles: breaking the
//! matrix breaks the build, with a message naming the invariant and the
//! kind.
//!
//! [`KindRows`] and the six predicates are crate-private: they exist for
//! the `const` assertions below and for the unit tests at the end, which
//! show that each predicate rejects a matrix that breaks it.

use crate::rules::action::{Action, Category};
use crate::rules::matrix::{
    APP_APPLICABLE, APP_LIMITED_CONDITIONAL, Grants, Limit, OWNER_ONLY, grants,
};
use crate::rules::permissions::Permissions;
use crate::rules::resource_kind::ResourceKind;
use crate::rules::role::Role;

/// The three rows of one resource kind, as the invariant checks read them.
///
/// [`KindRows::of`] reads the crate's matrix; the checks
/// ([`owner_holds_every_applicable_action`] and the others below) are
/// `const fn`s over any `KindRows`, so the crate proves each of them with
/// its own `const` assertion, and a matrix that breaks one fails the build
/// with a message that names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) struct KindRows {
    /// The actions that apply to the kind.
    pub(crate) applicable: Permissions,
    /// The owner's row.
    pub(crate) owner: Grants,
    /// The collaborator's row.
    pub(crate) collaborator: Grants,
    /// The limited collaborator's row, `None` when the kind does not have
    /// the role.
    pub(crate) limited: Option<Grants>,
}

impl KindRows {
    /// The rows of `kind` in the crate's matrix.
    #[must_use]
    pub(crate) const fn of(kind: ResourceKind) -> Self {
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
pub(crate) const fn owner_holds_every_applicable_action(rows: &KindRows) -> bool {
    rows.owner.allowed.bits() == rows.applicable.bits() && rows.owner.limited.is_empty()
}

/// Only the owner holds `delete`, `rename` and `transfer_ownership`
/// ([`OWNER_ONLY`]).
#[must_use]
pub(crate) const fn only_owner_holds_owner_only_actions(rows: &KindRows) -> bool {
    !rows.collaborator.any().intersects(OWNER_ONLY)
        && !rows.limited_or_none().any().intersects(OWNER_ONLY)
}

/// The privilege order is strict: limited ⊊ collaborator ⊊ owner, and a
/// higher role holds unconditionally whatever a lower role holds at all.
#[must_use]
pub(crate) const fn privilege_order_is_strict(rows: &KindRows) -> bool {
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
pub(crate) const fn limited_holds_no_data_and_secrets_action(rows: &KindRows) -> bool {
    !rows.limited_or_none().reads_data_or_secrets()
}

/// No role holds an action outside the kind's applicable actions.
#[must_use]
pub(crate) const fn nothing_outside_applicable_actions(rows: &KindRows) -> bool {
    rows.applicable.contains(rows.owner.any())
        && rows.applicable.contains(rows.collaborator.any())
        && rows.applicable.contains(rows.limited_or_none().any())
}

/// `limited(...)` cells only where the spec has them: only in the limited
/// collaborator's row, only on actions with a [`Limit`], and never on an
/// action the row also holds as `yes`.
#[must_use]
pub(crate) const fn conditional_cells_only_where_spec_has_them(rows: &KindRows) -> bool {
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

/// Each predicate holds on the crate's matrix and fails on a matrix broken
/// against it (what a `compile_fail` doctest showed while the predicates
/// were public).
#[cfg(test)]
mod tests {
    use super::{
        KindRows, conditional_cells_only_where_spec_has_them,
        limited_holds_no_data_and_secrets_action, nothing_outside_applicable_actions,
        only_owner_holds_owner_only_actions, owner_holds_every_applicable_action,
        privilege_order_is_strict,
    };
    use crate::rules::matrix::Grants;
    use crate::rules::permissions::Permissions;
    use crate::rules::resource_kind::ResourceKind;

    type Predicate = fn(&KindRows) -> bool;

    const PREDICATES: [(&str, Predicate); 6] = [
        ("owner", owner_holds_every_applicable_action),
        ("owner only", only_owner_holds_owner_only_actions),
        ("order", privilege_order_is_strict),
        ("data", limited_holds_no_data_and_secrets_action),
        ("applicable", nothing_outside_applicable_actions),
        ("conditional", conditional_cells_only_where_spec_has_them),
    ];

    #[test]
    fn every_predicate_holds_on_the_crates_matrix() {
        for kind in ResourceKind::ALL {
            let rows = KindRows::of(kind);
            for (name, holds) in PREDICATES {
                assert!(holds(&rows), "{name} on {kind}");
            }
        }
    }

    /// A broken copy of the app's rows, and the one predicate it breaks.
    fn broken() -> [(KindRows, Predicate); 6] {
        let app = KindRows::of(ResourceKind::App);
        let db = KindRows::of(ResourceKind::DedicatedDatabase);
        let limited = app.limited.unwrap_or_default();
        [
            (
                KindRows {
                    owner: Grants::new(
                        app.owner.allowed().difference(Permissions::RESTART),
                        Permissions::empty(),
                    ),
                    ..app
                },
                owner_holds_every_applicable_action,
            ),
            (
                KindRows {
                    collaborator: Grants::new(
                        app.collaborator.allowed().union(Permissions::DELETE),
                        Permissions::empty(),
                    ),
                    ..app
                },
                only_owner_holds_owner_only_actions,
            ),
            (
                KindRows {
                    collaborator: app.owner,
                    ..app
                },
                privilege_order_is_strict,
            ),
            (
                KindRows {
                    limited: Some(Grants::new(
                        limited.allowed().union(Permissions::VIEW_ENV_VAR_VALUES),
                        limited.limited(),
                    )),
                    ..app
                },
                limited_holds_no_data_and_secrets_action,
            ),
            (
                KindRows {
                    collaborator: Grants::new(
                        db.collaborator.allowed().union(Permissions::RESTART),
                        Permissions::empty(),
                    ),
                    ..db
                },
                nothing_outside_applicable_actions,
            ),
            (
                KindRows {
                    collaborator: Grants::new(
                        app.collaborator
                            .allowed()
                            .difference(Permissions::VIEW_DEPLOYMENT_LOGS),
                        Permissions::VIEW_DEPLOYMENT_LOGS,
                    ),
                    ..app
                },
                conditional_cells_only_where_spec_has_them,
            ),
        ]
    }

    #[test]
    fn each_predicate_rejects_a_matrix_that_breaks_it() {
        for (i, (rows, holds)) in broken().into_iter().enumerate() {
            assert!(!holds(&rows), "broken matrix {i} passed its check");
        }
    }
}
