//! [`CustomRole`]: a named permission set, checked with the same one-AND
//! speed as the built-in roles, that can never hold an owner-only action nor
//! an action its resource kind does not have.
//!
//! A custom role defined as a `const` with [`custom_role!`](crate::custom_role!) is checked when
//! the crate that defines it compiles: a violation fails the build. One built
//! at run time ([`CustomRole::new`], [`CustomRole::from_name`], or
//! deserialized) is checked then, with a [`CustomRoleError`].
//!
//! Granting one is subject to [`CustomRole::check_grant`]: nobody may grant a
//! custom role that holds an action they do not hold themselves. With a
//! roster at hand (feature `alloc`), `Roster::check_custom_grant` in the
//! membership layer reads the granter's role from it: the rules layer
//! knows nothing of rosters.

use core::fmt;

use crate::rules::action::Action;
use crate::rules::matrix::{OWNER_ONLY, grants};
use crate::rules::permissions::Permissions;
use crate::rules::resource_kind::ResourceKind;
use crate::rules::role::Role;

/// The longest name a custom role may have, in bytes:
/// [`CustomRole::MAX_NAME_LEN`].
const MAX_NAME_LEN: usize = 64;

/// Why a name is not a valid custom role name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NameError {
    /// The name is empty.
    Empty,
    /// The name is longer than [`CustomRole::MAX_NAME_LEN`] bytes.
    TooLong,
    /// The name does not start with an ASCII lower-case letter.
    BadStart,
    /// The name holds a byte other than `a`-`z`, `0`-`9`, `_` or `-`.
    BadCharacter,
    /// The name is the id of a built-in role (`owner`, `collaborator`,
    /// `limited_collaborator`).
    Reserved,
}

impl NameError {
    /// The error as a static message (usable in `const` panics).
    #[must_use]
    pub const fn message(self) -> &'static str {
        match self {
            NameError::Empty => "custom role name is empty",
            NameError::TooLong => "custom role name is longer than 64 bytes",
            NameError::BadStart => "custom role name must start with a lower-case ascii letter",
            NameError::BadCharacter => {
                "custom role name may only hold lower-case ascii letters, digits, `_` and `-`"
            }
            NameError::Reserved => "custom role name is the id of a built-in role",
        }
    }
}

impl fmt::Display for NameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// Why a custom role cannot be defined.
///
/// The `const` checks of [`custom_role!`](crate::custom_role!) fail with
/// [`message`](Self::message); `Display` also lists the offending actions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum CustomRoleError {
    /// The name breaks the naming rules.
    #[error("invalid custom role name: {0}")]
    Name(NameError),
    /// The role holds no action at all.
    #[error("a custom role must hold at least one action")]
    Empty,
    /// The role holds actions that do not apply to its resource kind.
    #[error("a custom role on {kind} cannot hold actions that do not apply to it: {actions}")]
    NotApplicable {
        /// The role's resource kind.
        kind: ResourceKind,
        /// The actions that do not apply to it.
        actions: Permissions,
    },
    /// The role holds owner-only actions (`delete`, `rename`,
    /// `transfer_ownership`).
    #[error("a custom role cannot hold owner-only actions: {actions}")]
    OwnerOnly {
        /// The owner-only actions it holds.
        actions: Permissions,
    },
}

impl CustomRoleError {
    /// The error as a static message, without the list of actions (usable
    /// in `const` panics, where nothing can be formatted).
    #[must_use]
    pub const fn message(&self) -> &'static str {
        match self {
            CustomRoleError::Name(e) => e.message(),
            CustomRoleError::Empty => "a custom role must hold at least one action",
            CustomRoleError::NotApplicable { .. } => {
                "a custom role cannot hold actions that do not apply to its resource kind"
            }
            CustomRoleError::OwnerOnly { .. } => "a custom role cannot hold owner-only actions",
        }
    }
}

const fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    let (mut a, mut b) = (a, b);
    loop {
        match (a, b) {
            ([], []) => return true,
            ([x, a_tail @ ..], [y, b_tail @ ..]) if *x == *y => {
                a = a_tail;
                b = b_tail;
            }
            _ => return false,
        }
    }
}

/// The name of a custom role: borrowed for `const` roles, owned for roles
/// built at run time. Compared and hashed by its text, whatever the storage.
#[derive(Debug, Clone)]
enum Name {
    Static(&'static str),
    #[cfg(feature = "alloc")]
    Owned(alloc::boxed::Box<str>),
}

impl PartialEq for Name {
    fn eq(&self, other: &Self) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Eq for Name {}

impl core::hash::Hash for Name {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.as_str().hash(state);
    }
}

impl Name {
    fn as_str(&self) -> &str {
        match self {
            Name::Static(s) => s,
            #[cfg(feature = "alloc")]
            Name::Owned(s) => s,
        }
    }
}

/// A named set of actions on one resource kind, defined by a user.
///
/// Its grants are unconditional (`yes` cells): a custom role that holds
/// `view_deployment_logs` may read every deployment's logs, as a
/// collaborator may. It never holds an owner-only action and never an
/// action its kind does not have: both are checked by every constructor and
/// by `Deserialize`.
///
/// Define one as a `const` with [`custom_role!`](crate::custom_role!) so a violation fails the
/// build:
///
/// ```
/// use collab_authz::{custom_role, Action, CustomRole, Permissions, ResourceKind};
///
/// const DEPLOYER: CustomRole = custom_role!(
///     "deployer",
///     ResourceKind::App,
///     Permissions::DEPLOY_ANY_BRANCH
///         .union(Permissions::DEPLOY_DEFAULT_BRANCH)
///         .union(Permissions::VIEW_DEPLOYMENTS)
///         .union(Permissions::VIEW_DEPLOYMENT_LOGS),
/// );
/// assert!(DEPLOYER.allows(Action::DeployAnyBranch));
/// assert!(!DEPLOYER.allows(Action::ViewEnvVarValues));
/// assert_eq!(DEPLOYER.name(), "deployer");
/// ```
///
/// A `const` that holds an owner-only action does not compile:
///
/// ```compile_fail
/// use collab_authz::{custom_role, CustomRole, Permissions, ResourceKind};
///
/// const JANITOR: CustomRole =
///     custom_role!("janitor", ResourceKind::App, Permissions::RESTART.union(Permissions::DELETE));
/// ```
///
/// nor does one that holds an action its kind does not have (`stop` does not
/// apply to a dedicated database):
///
/// ```compile_fail
/// use collab_authz::{custom_role, CustomRole, Permissions, ResourceKind};
///
/// const OPS: CustomRole =
///     custom_role!("ops", ResourceKind::DedicatedDatabase, Permissions::STOP);
/// ```
///
/// nor one with an invalid name:
///
/// ```compile_fail
/// use collab_authz::{custom_role, CustomRole, Permissions, ResourceKind};
///
/// const BAD: CustomRole = custom_role!("Deploy Team", ResourceKind::App, Permissions::RESTART);
/// ```
///
/// At run time the same rules are a typed error:
///
/// ```
/// use collab_authz::{CustomRole, CustomRoleError, Permissions, ResourceKind};
///
/// let err = CustomRole::new("janitor", ResourceKind::App, Permissions::RESTART | Permissions::DELETE)
///     .unwrap_err();
/// assert_eq!(err, CustomRoleError::OwnerOnly { actions: Permissions::DELETE });
/// assert_eq!(err.to_string(), "a custom role cannot hold owner-only actions: delete");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CustomRole {
    name: Name,
    kind: ResourceKind,
    permissions: Permissions,
}

impl CustomRole {
    /// A custom role named `name` holding `permissions` on `kind`.
    ///
    /// A `const fn`: use it through [`custom_role!`](crate::custom_role!) to check a `const`
    /// definition at compile time.
    ///
    /// # Errors
    /// [`CustomRoleError::Name`] for a name that breaks the naming rules
    /// (see [`validate_name`](Self::validate_name)), [`CustomRoleError::Empty`] for an empty set,
    /// [`CustomRoleError::NotApplicable`] for actions the kind does not
    /// have, [`CustomRoleError::OwnerOnly`] for owner-only actions.
    pub const fn new(
        name: &'static str,
        kind: ResourceKind,
        permissions: Permissions,
    ) -> Result<Self, CustomRoleError> {
        if let Err(e) = Self::validate_name(name) {
            return Err(CustomRoleError::Name(e));
        }
        if let Err(e) = Self::validate_permissions(kind, permissions) {
            return Err(e);
        }
        Ok(Self {
            name: Name::Static(name),
            kind,
            permissions,
        })
    }

    /// The longest name a custom role may have, in bytes.
    pub const MAX_NAME_LEN: usize = MAX_NAME_LEN;

    /// Checks a custom role name: 1 to 64 bytes of `a`-`z`, `0`-`9`, `_`, `-`,
    /// starting with a letter, and not a built-in role id.
    ///
    /// # Errors
    /// The [`NameError`] that says which rule the name breaks.
    #[inline]
    pub const fn validate_name(name: &str) -> Result<(), NameError> {
        let bytes = name.as_bytes();
        match bytes {
            [] => return Err(NameError::Empty),
            [first, ..] if !first.is_ascii_lowercase() => return Err(NameError::BadStart),
            _ => {}
        }
        if bytes.len() > MAX_NAME_LEN {
            return Err(NameError::TooLong);
        }
        let mut rest = bytes;
        while let [b, tail @ ..] = rest {
            if !(b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_' || *b == b'-') {
                return Err(NameError::BadCharacter);
            }
            rest = tail;
        }
        let mut i = 0;
        while i < Role::ALL.len() {
            #[expect(clippy::indexing_slicing, reason = "i < ALL.len()")]
            let role = Role::ALL[i];
            if bytes_eq(bytes, role.id().as_bytes()) {
                return Err(NameError::Reserved);
            }
            i += 1;
        }
        Ok(())
    }

    /// Checks a permission set for a custom role on `kind`.
    ///
    /// # Errors
    /// [`CustomRoleError::Empty`], [`CustomRoleError::NotApplicable`] or
    /// [`CustomRoleError::OwnerOnly`].
    pub const fn validate_permissions(
        kind: ResourceKind,
        permissions: Permissions,
    ) -> Result<(), CustomRoleError> {
        if permissions.is_empty() {
            return Err(CustomRoleError::Empty);
        }
        let not_applicable = permissions.difference(kind.applicable_actions());
        if !not_applicable.is_empty() {
            return Err(CustomRoleError::NotApplicable {
                kind,
                actions: not_applicable,
            });
        }
        let owner_only = permissions.intersection(OWNER_ONLY);
        if !owner_only.is_empty() {
            return Err(CustomRoleError::OwnerOnly {
                actions: owner_only,
            });
        }
        Ok(())
    }

    /// Like [`new`](Self::new), but `None` instead of the error.
    ///
    /// `const` code can unwrap an `Option` of a type with a destructor
    /// (`Option::expect` is a `const fn`) but not a `Result`; this is what
    /// [`custom_role!`](crate::custom_role!) builds on. It never panics.
    ///
    /// Hidden from the docs: public only because the macro expands in the
    /// caller's crate; [`new`](Self::new) is the function to call.
    #[doc(hidden)]
    #[must_use]
    pub const fn checked(
        name: &'static str,
        kind: ResourceKind,
        permissions: Permissions,
    ) -> Option<Self> {
        if Self::validate_name(name).is_err()
            || Self::validate_permissions(kind, permissions).is_err()
        {
            return None;
        }
        Some(Self {
            name: Name::Static(name),
            kind,
            permissions,
        })
    }

    /// Like [`new`](Self::new), with a name known only at run time.
    ///
    /// # Errors
    /// As [`new`](Self::new).
    #[cfg(feature = "alloc")]
    pub fn from_name(
        name: &str,
        kind: ResourceKind,
        permissions: Permissions,
    ) -> Result<Self, CustomRoleError> {
        Self::validate_name(name).map_err(CustomRoleError::Name)?;
        Self::validate_permissions(kind, permissions)?;
        Ok(Self {
            name: Name::Owned(name.into()),
            kind,
            permissions,
        })
    }

    /// The role's name.
    #[must_use]
    pub fn name(&self) -> &str {
        self.name.as_str()
    }

    /// The resource kind the role is defined for.
    #[must_use]
    #[inline]
    pub const fn kind(&self) -> ResourceKind {
        self.kind
    }

    /// The actions the role holds.
    #[must_use]
    #[inline]
    pub const fn permissions(&self) -> Permissions {
        self.permissions
    }

    /// The hot check: does the role hold `action`? One AND on a `u64`, as
    /// [`allows`](crate::rules::matrix::allows) for the built-in roles. An action the
    /// role's kind does not have is never held.
    #[must_use]
    #[inline]
    pub const fn allows(&self, action: Action) -> bool {
        self.permissions.has(action)
    }

    /// The least privileged built-in role that holds, unconditionally, every
    /// action of this role on its kind. Always `Some`: a collaborator holds
    /// every action a custom role may hold.
    #[must_use]
    pub fn covering_role(&self) -> Option<Role> {
        Role::ALL.into_iter().find(|&role| {
            self.kind.has_role(role) && grants(role, self.kind).allowed().contains(self.permissions)
        })
    }

    /// Checks that `granter` may hand this role to someone on a resource of
    /// kind `kind`.
    ///
    /// The rules, in order:
    /// 1. `kind` is the role's kind;
    /// 2. the granter holds `invite_collaborator` on `kind` (the action that
    ///    hands out a role; the membership state machine also checks the
    ///    operation's own action);
    /// 3. the granter holds, unconditionally, every action of this role:
    ///    nobody may grant what they do not hold themselves.
    ///
    /// ```
    /// use collab_authz::{custom_role, CustomRole, Granter, GrantError, Permissions, ResourceKind, Role};
    ///
    /// const RELEASE: CustomRole = custom_role!(
    ///     "release_manager",
    ///     ResourceKind::App,
    ///     Permissions::DEPLOY_ANY_BRANCH
    ///         .union(Permissions::INVITE_COLLABORATOR)
    ///         .union(Permissions::VIEW_DEPLOYMENTS),
    /// );
    /// const AUDITOR: CustomRole = custom_role!(
    ///     "auditor",
    ///     ResourceKind::App,
    ///     Permissions::VIEW_LOGS.union(Permissions::VIEW_ENV_VAR_VALUES),
    /// );
    /// // A collaborator holds both.
    /// assert!(AUDITOR.check_grant(Granter::Role(Role::Collaborator), ResourceKind::App).is_ok());
    /// // A release manager may invite, but does not hold view_env_var_values nor view_logs.
    /// let err = AUDITOR.check_grant(Granter::Custom(&RELEASE), ResourceKind::App).unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "the granter does not hold every action of the custom role; it lacks: view_logs, view_env_var_values",
    /// );
    /// assert_eq!(
    ///     err,
    ///     GrantError::Escalation { missing: Permissions::VIEW_LOGS | Permissions::VIEW_ENV_VAR_VALUES },
    /// );
    /// ```
    ///
    /// # Errors
    /// [`GrantError::WrongKind`], [`GrantError::MayNotGrant`] or
    /// [`GrantError::Escalation`] (naming the actions the granter lacks).
    pub fn check_grant(&self, granter: Granter<'_>, kind: ResourceKind) -> Result<(), GrantError> {
        if kind != self.kind {
            return Err(GrantError::WrongKind {
                role: self.kind,
                resource: kind,
            });
        }
        let held = granter.held(kind);
        if !held.has(Action::InviteCollaborator) {
            return Err(GrantError::MayNotGrant);
        }
        let missing = self.permissions.difference(held);
        if !missing.is_empty() {
            return Err(GrantError::Escalation { missing });
        }
        Ok(())
    }
}

impl fmt::Display for CustomRole {
    /// The role's name.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// Who grants a custom role: an account holding a built-in role or a custom
/// role on the resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Granter<'a> {
    /// The granter holds a built-in role.
    Role(Role),
    /// The granter holds a custom role.
    Custom(&'a CustomRole),
}

impl Granter<'_> {
    /// What the granter holds unconditionally on `kind`: a custom role
    /// defined for another kind holds nothing there.
    #[must_use]
    pub const fn held(self, kind: ResourceKind) -> Permissions {
        match self {
            Granter::Role(role) => grants(role, kind).allowed(),
            Granter::Custom(custom) => {
                if custom.kind as u8 == kind as u8 {
                    custom.permissions
                } else {
                    Permissions::empty()
                }
            }
        }
    }
}

impl From<Role> for Granter<'_> {
    fn from(role: Role) -> Self {
        Granter::Role(role)
    }
}

impl<'a> From<&'a CustomRole> for Granter<'a> {
    fn from(role: &'a CustomRole) -> Self {
        Granter::Custom(role)
    }
}

/// Why a granter may not grant a custom role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum GrantError {
    /// The custom role is defined for another kind of resource.
    #[error("the custom role is defined for {role} and cannot be granted on {resource}")]
    WrongKind {
        /// The role's kind.
        role: ResourceKind,
        /// The kind of the resource it was to be granted on.
        resource: ResourceKind,
    },
    /// The granter may not invite collaborators at all.
    #[error("the granter may not grant roles: it does not hold invite_collaborator")]
    MayNotGrant,
    /// The granter has no membership on the resource
    /// (reported by `Roster::check_custom_grant`, feature `alloc`).
    #[error("the granter has no membership on the resource")]
    NotAMember,
    /// The granter's membership grants no rights: a pending invitation or
    /// a deleted account (reported by `Roster::check_custom_grant`).
    #[error("the granter's membership is not active (pending invitation or deleted account)")]
    NotActive,
    /// The custom role holds actions the granter does not hold.
    #[error("the granter does not hold every action of the custom role; it lacks: {missing}")]
    Escalation {
        /// The actions of the role that the granter lacks.
        missing: Permissions,
    },
}

#[cfg(feature = "serde")]
mod serde_impl {
    use serde::ser::SerializeStruct;
    use serde::{Serialize, Serializer};

    use super::CustomRole;

    impl Serialize for CustomRole {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            let mut s = serializer.serialize_struct("CustomRole", 3)?;
            s.serialize_field("name", self.name())?;
            s.serialize_field("kind", &self.kind)?;
            s.serialize_field("permissions", &self.permissions)?;
            s.end()
        }
    }

    #[cfg(feature = "alloc")]
    mod de {
        use alloc::borrow::Cow;
        use core::fmt;

        use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
        use serde::{Deserialize, Deserializer};

        use crate::id::Excerpt;
        use crate::id::serde_id::unexpected_str;
        use crate::rules::custom_role::CustomRole;
        use crate::rules::permissions::Permissions;
        use crate::rules::resource_kind::ResourceKind;

        const FIELDS: &[&str] = &["name", "kind", "permissions"];

        #[derive(Clone, Copy)]
        enum Field {
            Name,
            Kind,
            Permissions,
        }

        /// A field name; an unknown one is refused (a custom role is
        /// read strictly), quoted as an [`Excerpt`].
        struct FieldSeed;

        impl<'de> DeserializeSeed<'de> for FieldSeed {
            type Value = Field;
            fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Field, D::Error> {
                d.deserialize_identifier(self)
            }
        }

        impl Visitor<'_> for FieldSeed {
            type Value = Field;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`name`, `kind` or `permissions`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Field, E> {
                match v {
                    "name" => Ok(Field::Name),
                    "kind" => Ok(Field::Kind),
                    "permissions" => Ok(Field::Permissions),
                    _ => Err(E::custom(format_args!(
                        "unknown field {} of a custom role, expected `name`, `kind` or `permissions`",
                        Excerpt::new(v)
                    ))),
                }
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Field, E> {
                match v {
                    0 => Ok(Field::Name),
                    1 => Ok(Field::Kind),
                    2 => Ok(Field::Permissions),
                    _ => Err(E::custom(format_args!(
                        "unknown field index {v} of a custom role"
                    ))),
                }
            }
            fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Field, E> {
                self.visit_str(&alloc::string::String::from_utf8_lossy(v))
            }
        }

        struct RoleVisitor;

        fn build<E: de::Error>(
            name: Option<Cow<'_, str>>,
            kind: Option<ResourceKind>,
            permissions: Option<Permissions>,
        ) -> Result<CustomRole, E> {
            let name = name.ok_or_else(|| E::missing_field("name"))?;
            let kind = kind.ok_or_else(|| E::missing_field("kind"))?;
            let permissions = permissions.ok_or_else(|| E::missing_field("permissions"))?;
            CustomRole::from_name(&name, kind, permissions).map_err(E::custom)
        }

        impl<'de> Visitor<'de> for RoleVisitor {
            type Value = CustomRole;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a custom role {\"name\", \"kind\", \"permissions\"}")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<CustomRole, A::Error> {
                let (mut name, mut kind, mut permissions) = (None, None, None);
                while let Some(field) = map.next_key_seed(FieldSeed)? {
                    match field {
                        Field::Name if name.is_none() => {
                            name = Some(map.next_value::<Cow<'de, str>>()?);
                        }
                        Field::Kind if kind.is_none() => kind = Some(map.next_value()?),
                        Field::Permissions if permissions.is_none() => {
                            permissions = Some(map.next_value()?);
                        }
                        Field::Name => return Err(de::Error::duplicate_field("name")),
                        Field::Kind => return Err(de::Error::duplicate_field("kind")),
                        Field::Permissions => {
                            return Err(de::Error::duplicate_field("permissions"));
                        }
                    }
                }
                build(name, kind, permissions)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<CustomRole, A::Error> {
                let name = seq.next_element::<Cow<'de, str>>()?;
                let kind = seq.next_element()?;
                let permissions = seq.next_element()?;
                build(name, kind, permissions)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<CustomRole, E> {
                Err(unexpected_str(v, &self))
            }
        }

        impl<'de> Deserialize<'de> for CustomRole {
            /// Reads `{"name": ..., "kind": ..., "permissions": [...]}`
            /// (no other field) and checks every rule of
            /// [`CustomRole::new`]. An error quotes what it was given as
            /// an [`Excerpt`] (escaped, bounded).
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                if deserializer.is_human_readable() {
                    // A string given instead reaches `visit_str` (quoted
                    // as an excerpt) only through `deserialize_any`.
                    deserializer.deserialize_any(RoleVisitor)
                } else {
                    deserializer.deserialize_struct("CustomRole", FIELDS, RoleVisitor)
                }
            }
        }
    }
}

/// Defines a [`CustomRole`] whose rules are checked at compile time: a name
/// or a permission set that breaks them fails the build with the
/// [`CustomRoleError`]'s message.
///
/// The expansion is an inline `const` block, so the check runs at compile
/// time wherever the macro is used.
///
/// ```
/// use collab_authz::{custom_role, CustomRole, Permissions, ResourceKind};
///
/// const BACKUP_OPERATOR: CustomRole = custom_role!(
///     "backup_operator",
///     ResourceKind::DedicatedDatabase,
///     Permissions::CREATE_MANUAL_BACKUP.union(Permissions::MANAGE_SCHEDULED_BACKUPS),
/// );
/// assert_eq!(BACKUP_OPERATOR.permissions().count(), 2);
/// ```
#[macro_export]
macro_rules! custom_role {
    ($name:expr, $kind:expr, $permissions:expr $(,)?) => {
        const {
            let (name, kind, permissions) = ($name, $kind, $permissions);
            // In an inline `const` block a panic is a build failure with the
            // rule's message; nothing here can panic at run time.
            if let ::core::result::Result::Err(e) = $crate::CustomRole::validate_name(name) {
                ::core::panic!("{}", e.message());
            }
            if let ::core::result::Result::Err(e) =
                $crate::CustomRole::validate_permissions(kind, permissions)
            {
                ::core::panic!("{}", e.message());
            }
            $crate::CustomRole::checked(name, kind, permissions).expect("validated above")
        }
    };
}
