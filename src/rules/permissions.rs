//! [`Permissions`]: a set of actions as one `u64`.

use core::fmt;
use core::ops;

use crate::rules::action::{Action, Category, Scope};

/// A set of [`Action`]s, one bit each.
///
/// A `bitflags` set over one `u64`: every operation is a `const fn`, so sets
/// can be built and compared at compile time. The constants are the action
/// ids in upper case; the operations are `bitflags`' (`union`,
/// `intersection`, `difference`, `contains`, `is_empty`, ...) with the
/// operators `|`, `&`, `^`, `-` and `!`.
///
/// # Only the 59 action bits
///
/// A `Permissions` can only hold the bits of the 59 actions (the low 59
/// bits of [`bits`](Self::bits)). The `bitflags` type inside is private, so
/// its `from_bits_retain` is out of reach and there is no way to build a set
/// with another bit: [`from_bits`](Self::from_bits) refuses an unknown bit,
/// [`from_bits_truncate`](Self::from_bits_truncate) drops it, and
/// [`complement`](Self::complement) and `!` stay within
/// [`all`](Self::all). So every query (`==`, [`is_empty`](Self::is_empty),
/// [`count`](Self::count), [`actions`](Self::actions), `Display`, serde)
/// agrees on what the set holds.
///
/// With the `serde` feature, human-readable formats write the set as a
/// list of action ids and other formats as the bits; reading rejects an
/// unknown id or an unknown bit.
///
/// Sets are not ordered: `a <= b` would compare the raw `u64`s, which is not
/// the subset relation. Ask [`contains`](Self::contains) instead.
///
/// ```
/// use collab_authz::{Action, Permissions};
///
/// const READ_ONLY: Permissions = Permissions::VIEW_LOGS.union(Permissions::VIEW_METRICS);
/// assert!(READ_ONLY.has(Action::ViewLogs));
/// assert!(!READ_ONLY.has(Action::Stop));
/// assert_eq!(READ_ONLY.actions().collect::<Vec<_>>(), [Action::ViewLogs, Action::ViewMetrics]);
///
/// // Bit 63 is no action: it cannot get into a set.
/// assert_eq!(Permissions::from_bits(1 << 63), None);
/// assert_eq!(Permissions::from_bits_truncate(1 << 63 | 1), Permissions::RESTART);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Permissions(Flags);

/// Declares the private `bitflags` type, one flag per action at the bit of
/// its discriminant, and the public constant of each action.
macro_rules! action_constants {
    ($( $(#[doc = $doc:literal])* $name:ident = $action:ident; )*) => {
        bitflags::bitflags! {
            /// The 59 action bits. Private: its `from_bits_retain` would
            /// let a set hold a bit that is no action.
            #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
            struct Flags: u64 {
                $( const $name = 1 << Action::$action as u8; )*
            }
        }

        impl Permissions {
            $(
                $(#[doc = $doc])*
                pub const $name: Self = Self(Flags::$name);
            )*

            /// Every constant with its name, in bit order (for `Debug`).
            const NAMED: [(&'static str, Permissions); Action::COUNT] =
                [ $( (stringify!($name), Self::$name), )* ];
        }
    };
}

action_constants! {
    /// [`Action::Restart`].
    RESTART = Restart;
    /// [`Action::Stop`].
    STOP = Stop;
    /// [`Action::ScaleVertically`].
    SCALE_VERTICALLY = ScaleVertically;
    /// [`Action::ScaleHorizontally`].
    SCALE_HORIZONTALLY = ScaleHorizontally;
    /// [`Action::CreateAutoscaler`].
    CREATE_AUTOSCALER = CreateAutoscaler;
    /// [`Action::UpdateAutoscaler`].
    UPDATE_AUTOSCALER = UpdateAutoscaler;
    /// [`Action::GrantSupportAccess`].
    GRANT_SUPPORT_ACCESS = GrantSupportAccess;
    /// [`Action::ManageLogDrains`].
    MANAGE_LOG_DRAINS = ManageLogDrains;
    /// [`Action::CreateChildApp`].
    CREATE_CHILD_APP = CreateChildApp;
    /// [`Action::ViewActivity`].
    VIEW_ACTIVITY = ViewActivity;
    /// [`Action::ViewActivityDetails`].
    VIEW_ACTIVITY_DETAILS = ViewActivityDetails;
    /// [`Action::ViewLogs`].
    VIEW_LOGS = ViewLogs;
    /// [`Action::DownloadLogArchives`].
    DOWNLOAD_LOG_ARCHIVES = DownloadLogArchives;
    /// [`Action::ViewMetrics`].
    VIEW_METRICS = ViewMetrics;
    /// [`Action::Delete`].
    DELETE = Delete;
    /// [`Action::Rename`].
    RENAME = Rename;
    /// [`Action::TransferOwnership`].
    TRANSFER_OWNERSHIP = TransferOwnership;
    /// [`Action::ChangeStack`].
    CHANGE_STACK = ChangeStack;
    /// [`Action::InviteCollaborator`].
    INVITE_COLLABORATOR = InviteCollaborator;
    /// [`Action::RevokeCollaborator`].
    REVOKE_COLLABORATOR = RevokeCollaborator;
    /// [`Action::ChangeCollaboratorRole`].
    CHANGE_COLLABORATOR_ROLE = ChangeCollaboratorRole;
    /// [`Action::ConfigureScm`].
    CONFIGURE_SCM = ConfigureScm;
    /// [`Action::ManageAutoDeploy`].
    MANAGE_AUTO_DEPLOY = ManageAutoDeploy;
    /// [`Action::DeployAnyBranch`].
    DEPLOY_ANY_BRANCH = DeployAnyBranch;
    /// [`Action::DeployDefaultBranch`].
    DEPLOY_DEFAULT_BRANCH = DeployDefaultBranch;
    /// [`Action::ViewDeployments`].
    VIEW_DEPLOYMENTS = ViewDeployments;
    /// [`Action::ViewDeploymentLogs`].
    VIEW_DEPLOYMENT_LOGS = ViewDeploymentLogs;
    /// [`Action::ResetDeploymentCache`].
    RESET_DEPLOYMENT_CACHE = ResetDeploymentCache;
    /// [`Action::ListOneOffs`].
    LIST_ONE_OFFS = ListOneOffs;
    /// [`Action::CreateOneOff`].
    CREATE_ONE_OFF = CreateOneOff;
    /// [`Action::AttachOneOff`].
    ATTACH_ONE_OFF = AttachOneOff;
    /// [`Action::ListCronJobs`].
    LIST_CRON_JOBS = ListCronJobs;
    /// [`Action::ManageEnvVars`].
    MANAGE_ENV_VARS = ManageEnvVars;
    /// [`Action::ViewEnvVarNames`].
    VIEW_ENV_VAR_NAMES = ViewEnvVarNames;
    /// [`Action::ViewEnvVarValues`].
    VIEW_ENV_VAR_VALUES = ViewEnvVarValues;
    /// [`Action::ConfigureReviewApps`].
    CONFIGURE_REVIEW_APPS = ConfigureReviewApps;
    /// [`Action::ListReviewApps`].
    LIST_REVIEW_APPS = ListReviewApps;
    /// [`Action::CreateReviewApp`].
    CREATE_REVIEW_APP = CreateReviewApp;
    /// [`Action::CloseReviewApp`].
    CLOSE_REVIEW_APP = CloseReviewApp;
    /// [`Action::RedeployReviewApp`].
    REDEPLOY_REVIEW_APP = RedeployReviewApp;
    /// [`Action::ProvisionAddon`].
    PROVISION_ADDON = ProvisionAddon;
    /// [`Action::AccessAddonDashboard`].
    ACCESS_ADDON_DASHBOARD = AccessAddonDashboard;
    /// [`Action::ChangeAddonPlan`].
    CHANGE_ADDON_PLAN = ChangeAddonPlan;
    /// [`Action::RemoveAddon`].
    REMOVE_ADDON = RemoveAddon;
    /// [`Action::AccessDatabaseDashboard`].
    ACCESS_DATABASE_DASHBOARD = AccessDatabaseDashboard;
    /// [`Action::CreateManualBackup`].
    CREATE_MANUAL_BACKUP = CreateManualBackup;
    /// [`Action::ManageScheduledBackups`].
    MANAGE_SCHEDULED_BACKUPS = ManageScheduledBackups;
    /// [`Action::DownloadBackups`].
    DOWNLOAD_BACKUPS = DownloadBackups;
    /// [`Action::RestoreBackup`].
    RESTORE_BACKUP = RestoreBackup;
    /// [`Action::RestorePitr`].
    RESTORE_PITR = RestorePitr;
    /// [`Action::ViewConnectionDetails`].
    VIEW_CONNECTION_DETAILS = ViewConnectionDetails;
    /// [`Action::ViewDatabaseLogs`].
    VIEW_DATABASE_LOGS = ViewDatabaseLogs;
    /// [`Action::ViewDatabaseMetrics`].
    VIEW_DATABASE_METRICS = ViewDatabaseMetrics;
    /// [`Action::ManageInternetAccess`].
    MANAGE_INTERNET_ACCESS = ManageInternetAccess;
    /// [`Action::ManageDatabaseConfig`].
    MANAGE_DATABASE_CONFIG = ManageDatabaseConfig;
    /// [`Action::ManageDatabaseUsers`].
    MANAGE_DATABASE_USERS = ManageDatabaseUsers;
    /// [`Action::ManageMaintenanceWindows`].
    MANAGE_MAINTENANCE_WINDOWS = ManageMaintenanceWindows;
    /// [`Action::MajorUpgrade`].
    MAJOR_UPGRADE = MajorUpgrade;
    /// [`Action::MinorUpgrade`].
    MINOR_UPGRADE = MinorUpgrade;
}

/// The bits of the 59 actions.
const ALL_BITS: u64 = (1u64 << Action::COUNT) - 1;

// One constant per action, no constant outside the 59 action bits, in bit
// order.
const _: () = {
    let mut union = 0u64;
    let mut i = 0;
    while i < Action::COUNT {
        #[expect(clippy::indexing_slicing, reason = "i < COUNT, the arrays' length")]
        let ((_, set), action) = (Permissions::NAMED[i], Action::ALL[i]);
        assert!(set.bits() == action.permission().bits() && set.bits() == 1 << i);
        union |= set.bits();
        i += 1;
    }
    assert!(union == ALL_BITS && Flags::all().bits() == ALL_BITS);
};

impl Permissions {
    /// The set of one action: its discriminant (< 59, checked above) is its
    /// bit. No mask, so [`has`](Self::has) stays one AND.
    #[inline]
    pub(crate) const fn of_action(action: Action) -> Self {
        Self(Flags::from_bits_retain(1u64 << action as u8))
    }

    /// The empty set.
    #[must_use]
    #[inline]
    pub const fn empty() -> Self {
        Self(Flags::empty())
    }

    /// The set of all 59 actions.
    #[must_use]
    #[inline]
    pub const fn all() -> Self {
        Self(Flags::all())
    }

    /// The set as bits: bit `n` is the action whose discriminant is `n`.
    /// Bits 59 to 63 are always zero.
    #[must_use]
    #[inline]
    pub const fn bits(&self) -> u64 {
        self.0.bits()
    }

    /// The set of `bits`, or `None` when a bit outside the 59 action bits is
    /// set.
    #[must_use]
    #[inline]
    pub const fn from_bits(bits: u64) -> Option<Self> {
        match Flags::from_bits(bits) {
            Some(flags) => Some(Self(flags)),
            None => None,
        }
    }

    /// The set of `bits`, ignoring any bit outside the 59 action bits.
    #[must_use]
    #[inline]
    pub const fn from_bits_truncate(bits: u64) -> Self {
        Self(Flags::from_bits_truncate(bits))
    }

    /// Whether the set holds no action.
    #[must_use]
    #[inline]
    pub const fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether the set holds all 59 actions.
    #[must_use]
    #[inline]
    pub const fn is_all(&self) -> bool {
        self.0.is_all()
    }

    /// Whether the two sets share an action.
    #[must_use]
    #[inline]
    pub const fn intersects(&self, other: Self) -> bool {
        self.0.intersects(other.0)
    }

    /// Whether every action of `other` is in this set (`other ⊆ self`).
    #[must_use]
    #[inline]
    pub const fn contains(&self, other: Self) -> bool {
        self.0.contains(other.0)
    }

    /// Adds the actions of `other`.
    #[inline]
    pub fn insert(&mut self, other: Self) {
        *self = self.union(other);
    }

    /// Removes the actions of `other`.
    #[inline]
    pub fn remove(&mut self, other: Self) {
        *self = self.difference(other);
    }

    /// Adds the actions of `other` that are missing and removes those that
    /// are present.
    #[inline]
    pub fn toggle(&mut self, other: Self) {
        *self = self.symmetric_difference(other);
    }

    /// Adds (`value` true) or removes (`value` false) the actions of `other`.
    #[inline]
    pub fn set(&mut self, other: Self, value: bool) {
        if value {
            self.insert(other);
        } else {
            self.remove(other);
        }
    }

    /// The actions in both sets.
    #[must_use]
    #[inline]
    pub const fn intersection(self, other: Self) -> Self {
        Self(self.0.intersection(other.0))
    }

    /// The actions in either set.
    #[must_use]
    #[inline]
    pub const fn union(self, other: Self) -> Self {
        Self(self.0.union(other.0))
    }

    /// The actions of this set that are not in `other`.
    #[must_use]
    #[inline]
    pub const fn difference(self, other: Self) -> Self {
        Self(self.0.difference(other.0))
    }

    /// The actions in exactly one of the sets.
    #[must_use]
    #[inline]
    pub const fn symmetric_difference(self, other: Self) -> Self {
        Self(self.0.symmetric_difference(other.0))
    }

    /// The actions not in this set, among the 59.
    #[must_use]
    #[inline]
    pub const fn complement(self) -> Self {
        Self(self.0.complement())
    }

    /// Whether the set holds `action`: one AND on a `u64`.
    #[must_use]
    #[inline]
    pub const fn has(self, action: Action) -> bool {
        self.bits() & action.permission().bits() != 0
    }

    /// The set holding exactly `actions`.
    #[must_use]
    pub const fn of(actions: &[Action]) -> Self {
        let mut set = Self::empty();
        let mut rest = actions;
        while let [first, tail @ ..] = rest {
            set = set.union(first.permission());
            rest = tail;
        }
        set
    }

    /// The actions in the set, in bit order, without allocating.
    pub fn actions(self) -> Actions {
        Actions { bits: self.bits() }
    }

    /// How many actions the set holds.
    #[must_use]
    pub const fn count(self) -> usize {
        self.bits().count_ones() as usize
    }
}

macro_rules! operator {
    ($trait:ident $method:ident $assign:ident $assign_method:ident => $op:ident, $doc:literal) => {
        impl ops::$trait for Permissions {
            type Output = Self;
            #[doc = $doc]
            #[inline]
            fn $method(self, other: Self) -> Self {
                self.$op(other)
            }
        }
        impl ops::$assign for Permissions {
            #[doc = $doc]
            #[inline]
            fn $assign_method(&mut self, other: Self) {
                *self = self.$op(other);
            }
        }
    };
}

operator!(BitOr bitor BitOrAssign bitor_assign => union, "The [`union`](Permissions::union).");
operator!(BitAnd bitand BitAndAssign bitand_assign => intersection, "The [`intersection`](Permissions::intersection).");
operator!(BitXor bitxor BitXorAssign bitxor_assign => symmetric_difference, "The [`symmetric_difference`](Permissions::symmetric_difference).");
operator!(Sub sub SubAssign sub_assign => difference, "The [`difference`](Permissions::difference).");

impl ops::Not for Permissions {
    type Output = Self;
    /// The [`complement`](Permissions::complement), within the 59 actions.
    #[inline]
    fn not(self) -> Self {
        self.complement()
    }
}

impl Extend<Permissions> for Permissions {
    fn extend<I: IntoIterator<Item = Permissions>>(&mut self, iter: I) {
        for set in iter {
            self.insert(set);
        }
    }
}

impl FromIterator<Permissions> for Permissions {
    fn from_iter<I: IntoIterator<Item = Permissions>>(iter: I) -> Self {
        iter.into_iter().fold(Self::empty(), Self::union)
    }
}

impl Extend<Action> for Permissions {
    fn extend<I: IntoIterator<Item = Action>>(&mut self, iter: I) {
        for action in iter {
            self.insert(action.permission());
        }
    }
}

impl fmt::Debug for Permissions {
    /// The constants' names joined by ` | `, as `bitflags` writes them:
    /// `Permissions(RESTART | STOP)`, `Permissions(empty)` for the empty set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Permissions(")?;
        if self.is_empty() {
            f.write_str("empty")?;
        }
        let mut first = true;
        for (name, set) in Self::NAMED {
            if self.contains(set) {
                if !first {
                    f.write_str(" | ")?;
                }
                f.write_str(name)?;
                first = false;
            }
        }
        f.write_str(")")
    }
}

impl fmt::Binary for Permissions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Binary::fmt(&self.bits(), f)
    }
}

impl fmt::LowerHex for Permissions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::LowerHex::fmt(&self.bits(), f)
    }
}

impl fmt::UpperHex for Permissions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::UpperHex::fmt(&self.bits(), f)
    }
}

impl From<Action> for Permissions {
    fn from(action: Action) -> Self {
        action.permission()
    }
}

impl FromIterator<Action> for Permissions {
    fn from_iter<I: IntoIterator<Item = Action>>(iter: I) -> Self {
        iter.into_iter()
            .fold(Self::empty(), |set, a| set | a.permission())
    }
}

/// Iterator over the actions of a [`Permissions`] set, in bit order.
#[derive(Debug, Clone)]
pub struct Actions {
    bits: u64,
}

impl Iterator for Actions {
    type Item = Action;

    fn next(&mut self) -> Option<Action> {
        let bit = self.bits.trailing_zeros();
        let action = Action::ALL.get(bit as usize).copied()?;
        self.bits &= self.bits - 1;
        Some(action)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.bits.count_ones() as usize;
        (n, Some(n))
    }
}

impl ExactSizeIterator for Actions {}
impl core::iter::FusedIterator for Actions {}

impl fmt::Display for Permissions {
    /// The action ids joined by `, `; `(none)` for the empty set.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_empty() {
            return f.write_str("(none)");
        }
        for (i, action) in self.actions().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(action.id())?;
        }
        Ok(())
    }
}

impl core::str::FromStr for Permissions {
    type Err = crate::id::ParseIdError;

    /// Parses what [`Display`](fmt::Display) writes: action ids separated by
    /// commas (spaces around them are ignored), or `(none)` for the empty
    /// set.
    ///
    /// ```
    /// use collab_authz::Permissions;
    ///
    /// let set: Permissions = "view_logs, view_metrics".parse()?;
    /// assert_eq!(set, Permissions::VIEW_LOGS | Permissions::VIEW_METRICS);
    /// assert_eq!(set.to_string().parse::<Permissions>()?, set);
    /// assert_eq!("(none)".parse::<Permissions>()?, Permissions::empty());
    /// assert!("view_logs, sudo".parse::<Permissions>().is_err());
    /// # Ok::<(), collab_authz::ParseIdError>(())
    /// ```
    ///
    /// # Errors
    /// [`ParseIdError`](crate::id::ParseIdError) (about an action) when a piece
    /// is not an action id, including an empty piece.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim() == "(none)" {
            return Ok(Self::empty());
        }
        s.split(',')
            .map(|id| Action::from_id(id.trim()).map(Action::permission))
            .try_fold(Self::empty(), |set, action| Ok(set | action?))
    }
}

#[cfg(feature = "serde")]
mod serde_impl {
    use core::fmt;

    use serde::de::{self, SeqAccess, Visitor};
    use serde::ser::SerializeSeq;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::Permissions;
    use crate::rules::action::Action;

    impl Serialize for Permissions {
        fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
            if serializer.is_human_readable() {
                let mut seq = serializer.serialize_seq(Some(self.count()))?;
                for action in self.actions() {
                    seq.serialize_element(&action)?;
                }
                seq.end()
            } else {
                serializer.serialize_u64(self.bits())
            }
        }
    }

    /// Reads a list of action ids or the bits.
    struct PermissionsVisitor;

    impl<'de> Visitor<'de> for PermissionsVisitor {
        type Value = Permissions;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of action ids or the permission bits")
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Permissions, A::Error> {
            let mut set = Permissions::empty();
            while let Some(action) = seq.next_element::<Action>()? {
                set |= action.permission();
            }
            Ok(set)
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<Permissions, E> {
            Err(crate::id::serde_id::unexpected_str(v, &self))
        }

        fn visit_u64<E: de::Error>(self, bits: u64) -> Result<Permissions, E> {
            Permissions::from_bits(bits).ok_or_else(|| {
                E::invalid_value(
                    de::Unexpected::Unsigned(bits),
                    &"bits of the 59 actions only",
                )
            })
        }
    }

    impl<'de> Deserialize<'de> for Permissions {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            if deserializer.is_human_readable() {
                // `deserialize_any`: a string given instead reaches
                // `visit_str`, which quotes it as an excerpt. The bits
                // read too (as they did through a value deserializer).
                deserializer.deserialize_any(PermissionsVisitor)
            } else {
                deserializer.deserialize_u64(PermissionsVisitor)
            }
        }
    }
}

impl Action {
    /// The action's bit in a [`Permissions`] set.
    #[must_use]
    #[inline]
    pub const fn permission(self) -> Permissions {
        Permissions::of_action(self)
    }
}

impl Scope {
    /// Every action in this scope.
    #[must_use]
    pub const fn actions(self) -> Permissions {
        Group::Scope(self).actions()
    }
}

impl Category {
    /// Every action in this category.
    #[must_use]
    pub const fn actions(self) -> Permissions {
        Group::Category(self).actions()
    }
}

/// A group of actions: a scope or an overview category.
#[derive(Clone, Copy)]
enum Group {
    Scope(Scope),
    Category(Category),
}

impl Group {
    /// Whether `action` is in the group.
    const fn has(self, action: Action) -> bool {
        match (self, action.category()) {
            (Group::Scope(scope), _) => action.scope() as u8 == scope as u8,
            (Group::Category(category), Some(c)) => c as u8 == category as u8,
            (Group::Category(_), None) => false,
        }
    }

    /// Every action in the group.
    const fn actions(self) -> Permissions {
        let mut set = Permissions::empty();
        let mut i = 0;
        while i < Action::COUNT {
            #[expect(clippy::indexing_slicing, reason = "i < COUNT, the array's length")]
            let action = Action::ALL[i];
            if self.has(action) {
                set = set.union(action.permission());
            }
            i += 1;
        }
        set
    }
}
