//! Errors of the rule types.

use core::fmt;

use crate::{Action, Category, ResourceKind, Role, Scope};

/// Which closed id set a [`ParseIdError`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdKind {
    /// A [`Role`] id.
    Role,
    /// A [`ResourceKind`] id.
    ResourceKind,
    /// An [`Action`] id.
    Action,
    /// A [`Scope`] id.
    Scope,
    /// A [`Category`] id.
    Category,
}

impl IdKind {
    /// What the id names, in words.
    #[must_use]
    pub const fn noun(self) -> &'static str {
        match self {
            IdKind::Role => "role",
            IdKind::ResourceKind => "resource kind",
            IdKind::Action => "action",
            IdKind::Scope => "scope",
            IdKind::Category => "category",
        }
    }
}

/// A string that is not one of the spec's ids for a closed set.
///
/// Its message names every valid id:
///
/// ```
/// use collab_authz::Role;
///
/// let err = "admin".parse::<Role>().unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "unknown role, expected one of: limited_collaborator, collaborator, owner"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub struct ParseIdError {
    kind: IdKind,
}

impl ParseIdError {
    pub(crate) const fn new(kind: IdKind) -> Self {
        Self { kind }
    }

    /// Which id set the string was parsed as.
    #[must_use]
    pub const fn kind(&self) -> IdKind {
        self.kind
    }
}

impl fmt::Display for ParseIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn list<T: Copy, const N: usize>(
            f: &mut fmt::Formatter<'_>,
            all: [T; N],
            id: fn(T) -> &'static str,
        ) -> fmt::Result {
            for (i, v) in all.into_iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                f.write_str(id(v))?;
            }
            Ok(())
        }
        write!(f, "unknown {}, expected one of: ", self.kind.noun())?;
        match self.kind {
            IdKind::Role => list(f, Role::ALL, Role::id),
            IdKind::ResourceKind => list(f, ResourceKind::ALL, ResourceKind::id),
            IdKind::Action => list(f, Action::ALL, Action::id),
            IdKind::Scope => list(f, Scope::ALL, Scope::id),
            IdKind::Category => list(f, Category::ALL, Category::id),
        }
    }
}

/// Finds the value of a closed set whose id is `s`.
pub(crate) fn parse_id<T: Copy, const N: usize>(
    all: [T; N],
    id: fn(T) -> &'static str,
    s: &str,
    kind: IdKind,
) -> Result<T, ParseIdError> {
    all.into_iter()
        .find(|v| id(*v) == s)
        .ok_or(ParseIdError::new(kind))
}
