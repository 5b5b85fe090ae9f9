//! [`Overview`]: the platform's six-row summary, derived from the matrix.

use crate::id::id_enum;
use crate::rules::action::Category;
use crate::rules::matrix::grants;
use crate::rules::resource_kind::ResourceKind;
use crate::rules::role::Role;

id_enum! {
    kind: Coverage,
    /// One cell of the overview: how much of a category a role holds.
    ///
    /// Its id (`Display`, `FromStr`) is the spec's `yes`, `limited`, `no`
    /// or `n/a`.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
    #[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
    pub enum Coverage {
        /// Every action of the category, unconditionally.
        Yes => "yes",
        /// Some of them, or some only under a condition.
        Limited => "limited",
        /// None of them.
        No => "no",
        /// The role does not exist on the kind, or no action of the category
        /// applies to it.
        #[cfg_attr(feature = "serde", serde(rename = "n/a"))]
        NotApplicable => "n/a",
    }
}

impl Coverage {
    /// `yes`, `limited`, `no` or `n/a`, as the spec writes it: the same as
    /// [`id`](Self::id).
    #[must_use]
    pub const fn label(self) -> &'static str {
        self.id()
    }
}

/// The overview of one resource kind: a [`Coverage`] per (category, role),
/// derived from the detailed matrix.
///
/// ```
/// use collab_authz::{Category, Coverage, Overview, ResourceKind, Role};
///
/// let app = Overview::of(ResourceKind::App);
/// assert_eq!(app.coverage(Category::Deployment, Role::LimitedCollaborator), Coverage::Limited);
/// assert_eq!(app.coverage(Category::DestructiveActions, Role::Collaborator), Coverage::No);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Overview {
    kind: ResourceKind,
}

impl Overview {
    /// The overview of `kind`.
    #[must_use]
    pub const fn of(kind: ResourceKind) -> Self {
        Self { kind }
    }

    /// How much of `category` `role` holds.
    #[must_use]
    pub const fn coverage(self, category: Category, role: Role) -> Coverage {
        let actions = category
            .actions()
            .intersection(self.kind.applicable_actions());
        if !self.kind.has_role(role) || actions.is_empty() {
            return Coverage::NotApplicable;
        }
        let g = grants(role, self.kind);
        if g.allowed().contains(actions) {
            Coverage::Yes
        } else if g.any().intersects(actions) {
            Coverage::Limited
        } else {
            Coverage::No
        }
    }

    /// The rows, one per category in [`Category::ALL`] order, each with the
    /// coverage of every role in [`Role::ALL`] order.
    pub fn rows(self) -> impl Iterator<Item = (Category, [Coverage; 3])> {
        Category::ALL
            .into_iter()
            .map(move |c| (c, Role::ALL.map(|r| self.coverage(c, r))))
    }
}
