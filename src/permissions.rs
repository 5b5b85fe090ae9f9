//! [`Permissions`]: a set of actions as one `u64`.

use core::fmt;

use crate::Action;

bitflags::bitflags! {
    /// A set of [`Action`]s, one bit each.
    ///
    /// Every operation is a `const fn` on a `u64`, so sets can be built and
    /// compared at compile time. Flag names are the action ids in upper case.
    ///
    /// With the `serde` feature, human-readable formats write the set as a
    /// list of action ids and other formats as the bits; reading rejects an
    /// unknown id or an unknown bit.
    ///
    /// ```
    /// use collab_authz::{Action, Permissions};
    ///
    /// const READ_ONLY: Permissions = Permissions::VIEW_LOGS.union(Permissions::VIEW_METRICS);
    /// assert!(READ_ONLY.has(Action::ViewLogs));
    /// assert!(!READ_ONLY.has(Action::Stop));
    /// assert_eq!(READ_ONLY.actions().collect::<Vec<_>>(), [Action::ViewLogs, Action::ViewMetrics]);
    /// ```
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
    pub struct Permissions: u64 {
        /// [`Action::Restart`].
        const RESTART = Action::Restart.permission().bits();
        /// [`Action::Stop`].
        const STOP = Action::Stop.permission().bits();
        /// [`Action::ScaleVertically`].
        const SCALE_VERTICALLY = Action::ScaleVertically.permission().bits();
        /// [`Action::ScaleHorizontally`].
        const SCALE_HORIZONTALLY = Action::ScaleHorizontally.permission().bits();
        /// [`Action::CreateAutoscaler`].
        const CREATE_AUTOSCALER = Action::CreateAutoscaler.permission().bits();
        /// [`Action::UpdateAutoscaler`].
        const UPDATE_AUTOSCALER = Action::UpdateAutoscaler.permission().bits();
        /// [`Action::GrantSupportAccess`].
        const GRANT_SUPPORT_ACCESS = Action::GrantSupportAccess.permission().bits();
        /// [`Action::ManageLogDrains`].
        const MANAGE_LOG_DRAINS = Action::ManageLogDrains.permission().bits();
        /// [`Action::CreateChildApp`].
        const CREATE_CHILD_APP = Action::CreateChildApp.permission().bits();
        /// [`Action::ViewActivity`].
        const VIEW_ACTIVITY = Action::ViewActivity.permission().bits();
        /// [`Action::ViewActivityDetails`].
        const VIEW_ACTIVITY_DETAILS = Action::ViewActivityDetails.permission().bits();
        /// [`Action::ViewLogs`].
        const VIEW_LOGS = Action::ViewLogs.permission().bits();
        /// [`Action::DownloadLogArchives`].
        const DOWNLOAD_LOG_ARCHIVES = Action::DownloadLogArchives.permission().bits();
        /// [`Action::ViewMetrics`].
        const VIEW_METRICS = Action::ViewMetrics.permission().bits();
        /// [`Action::Delete`].
        const DELETE = Action::Delete.permission().bits();
        /// [`Action::Rename`].
        const RENAME = Action::Rename.permission().bits();
        /// [`Action::TransferOwnership`].
        const TRANSFER_OWNERSHIP = Action::TransferOwnership.permission().bits();
        /// [`Action::ChangeStack`].
        const CHANGE_STACK = Action::ChangeStack.permission().bits();
        /// [`Action::InviteCollaborator`].
        const INVITE_COLLABORATOR = Action::InviteCollaborator.permission().bits();
        /// [`Action::RevokeCollaborator`].
        const REVOKE_COLLABORATOR = Action::RevokeCollaborator.permission().bits();
        /// [`Action::ChangeCollaboratorRole`].
        const CHANGE_COLLABORATOR_ROLE = Action::ChangeCollaboratorRole.permission().bits();
        /// [`Action::ConfigureScm`].
        const CONFIGURE_SCM = Action::ConfigureScm.permission().bits();
        /// [`Action::ManageAutoDeploy`].
        const MANAGE_AUTO_DEPLOY = Action::ManageAutoDeploy.permission().bits();
        /// [`Action::DeployAnyBranch`].
        const DEPLOY_ANY_BRANCH = Action::DeployAnyBranch.permission().bits();
        /// [`Action::DeployDefaultBranch`].
        const DEPLOY_DEFAULT_BRANCH = Action::DeployDefaultBranch.permission().bits();
        /// [`Action::ViewDeployments`].
        const VIEW_DEPLOYMENTS = Action::ViewDeployments.permission().bits();
        /// [`Action::ViewDeploymentLogs`].
        const VIEW_DEPLOYMENT_LOGS = Action::ViewDeploymentLogs.permission().bits();
        /// [`Action::ResetDeploymentCache`].
        const RESET_DEPLOYMENT_CACHE = Action::ResetDeploymentCache.permission().bits();
        /// [`Action::ListOneOffs`].
        const LIST_ONE_OFFS = Action::ListOneOffs.permission().bits();
        /// [`Action::CreateOneOff`].
        const CREATE_ONE_OFF = Action::CreateOneOff.permission().bits();
        /// [`Action::AttachOneOff`].
        const ATTACH_ONE_OFF = Action::AttachOneOff.permission().bits();
        /// [`Action::ListCronJobs`].
        const LIST_CRON_JOBS = Action::ListCronJobs.permission().bits();
        /// [`Action::ManageEnvVars`].
        const MANAGE_ENV_VARS = Action::ManageEnvVars.permission().bits();
        /// [`Action::ViewEnvVarNames`].
        const VIEW_ENV_VAR_NAMES = Action::ViewEnvVarNames.permission().bits();
        /// [`Action::ViewEnvVarValues`].
        const VIEW_ENV_VAR_VALUES = Action::ViewEnvVarValues.permission().bits();
        /// [`Action::ConfigureReviewApps`].
        const CONFIGURE_REVIEW_APPS = Action::ConfigureReviewApps.permission().bits();
        /// [`Action::ListReviewApps`].
        const LIST_REVIEW_APPS = Action::ListReviewApps.permission().bits();
        /// [`Action::CreateReviewApp`].
        const CREATE_REVIEW_APP = Action::CreateReviewApp.permission().bits();
        /// [`Action::CloseReviewApp`].
        const CLOSE_REVIEW_APP = Action::CloseReviewApp.permission().bits();
        /// [`Action::RedeployReviewApp`].
        const REDEPLOY_REVIEW_APP = Action::RedeployReviewApp.permission().bits();
        /// [`Action::ProvisionAddon`].
        const PROVISION_ADDON = Action::ProvisionAddon.permission().bits();
        /// [`Action::AccessAddonDashboard`].
        const ACCESS_ADDON_DASHBOARD = Action::AccessAddonDashboard.permission().bits();
        /// [`Action::ChangeAddonPlan`].
        const CHANGE_ADDON_PLAN = Action::ChangeAddonPlan.permission().bits();
        /// [`Action::RemoveAddon`].
        const REMOVE_ADDON = Action::RemoveAddon.permission().bits();
        /// [`Action::AccessDatabaseDashboard`].
        const ACCESS_DATABASE_DASHBOARD = Action::AccessDatabaseDashboard.permission().bits();
        /// [`Action::CreateManualBackup`].
        const CREATE_MANUAL_BACKUP = Action::CreateManualBackup.permission().bits();
        /// [`Action::ManageScheduledBackups`].
        const MANAGE_SCHEDULED_BACKUPS = Action::ManageScheduledBackups.permission().bits();
        /// [`Action::DownloadBackups`].
        const DOWNLOAD_BACKUPS = Action::DownloadBackups.permission().bits();
        /// [`Action::RestoreBackup`].
        const RESTORE_BACKUP = Action::RestoreBackup.permission().bits();
        /// [`Action::RestorePitr`].
        const RESTORE_PITR = Action::RestorePitr.permission().bits();
        /// [`Action::ViewConnectionDetails`].
        const VIEW_CONNECTION_DETAILS = Action::ViewConnectionDetails.permission().bits();
        /// [`Action::ViewDatabaseLogs`].
        const VIEW_DATABASE_LOGS = Action::ViewDatabaseLogs.permission().bits();
        /// [`Action::ViewDatabaseMetrics`].
        const VIEW_DATABASE_METRICS = Action::ViewDatabaseMetrics.permission().bits();
        /// [`Action::ManageInternetAccess`].
        const MANAGE_INTERNET_ACCESS = Action::ManageInternetAccess.permission().bits();
        /// [`Action::ManageDatabaseConfig`].
        const MANAGE_DATABASE_CONFIG = Action::ManageDatabaseConfig.permission().bits();
        /// [`Action::ManageDatabaseUsers`].
        const MANAGE_DATABASE_USERS = Action::ManageDatabaseUsers.permission().bits();
        /// [`Action::ManageMaintenanceWindows`].
        const MANAGE_MAINTENANCE_WINDOWS = Action::ManageMaintenanceWindows.permission().bits();
        /// [`Action::MajorUpgrade`].
        const MAJOR_UPGRADE = Action::MajorUpgrade.permission().bits();
        /// [`Action::MinorUpgrade`].
        const MINOR_UPGRADE = Action::MinorUpgrade.permission().bits();
    }
}

// One flag per action, no flag outside the 59 action bits.
const _: () = assert!(Permissions::all().bits().count_ones() as usize == Action::COUNT);
const _: () = assert!(Permissions::all().bits() == (1u64 << Action::COUNT) - 1);

impl Permissions {
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

#[cfg(feature = "serde")]
mod serde_impl {
    use core::fmt;

    use serde::de::{self, SeqAccess, Visitor};
    use serde::ser::SerializeSeq;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    use super::Permissions;
    use crate::Action;

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
                deserializer.deserialize_seq(PermissionsVisitor)
            } else {
                deserializer.deserialize_u64(PermissionsVisitor)
            }
        }
    }
}
