//! The 59 actions, their [`Scope`] and their overview [`Category`].

use crate::id::{ParseIdError, id_enum};

/// Declares [`Action`] and its per-action tables from one list, so an
/// action's id, bit and scope can never disagree.
macro_rules! actions {
    ($( $scope:ident { $( $(#[doc = $doc:literal])* $variant:ident = $bit:literal => $id:literal, )* } )*) => {
        /// Something an account may do on a resource.
        ///
        /// The discriminant is the action's bit in [`Permissions`](crate::Permissions); the id
        /// (`Display`, `FromStr`, serde) is the platform's snake_case name.
        ///
        /// ```
        /// use collab_authz::{Action, Scope};
        ///
        /// let action: Action = "view_env_var_values".parse()?;
        /// assert_eq!(action, Action::ViewEnvVarValues);
        /// assert_eq!(action.scope(), Scope::Environment);
        /// assert_eq!(action.to_string(), "view_env_var_values");
        /// # Ok::<(), collab_authz::ParseIdError>(())
        /// ```
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[derive(strum::Display, strum::EnumString)]
        #[strum(parse_err_ty = ParseIdError, parse_err_fn = Self::parse_error)]
        #[cfg_attr(feature = "serde", derive(serde::Serialize))]
        #[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
        #[repr(u8)]
        pub enum Action {
            $( $( $(#[doc = $doc])* #[strum(serialize = $id)] $variant = $bit, )* )*
        }

        impl Action {
            /// Every action, in bit order.
            pub const ALL: [Action; 59] = [ $( $( Action::$variant, )* )* ];

            /// The scope (menu) the action belongs to.
            #[must_use]
            pub const fn scope(self) -> Scope {
                match self { $( $( Action::$variant => Scope::$scope, )* )* }
            }

            /// The action's id, as the spec and the public API write it.
            #[must_use]
            pub const fn id(self) -> &'static str {
                match self { $( $( Action::$variant => $id, )* )* }
            }

            /// The error for a string that is none of the ids.
            fn parse_error(rejected: &str) -> ParseIdError {
                ParseIdError::new(
                    crate::id::IdKind::Action,
                    &[ $( $( $id, )* )* ],
                    rejected,
                )
            }
        }
    };
}

actions! {
    Lifecycle {
        /// Restart the app's containers.
        Restart = 0 => "restart",
        /// Stop the app.
        Stop = 1 => "stop",
        /// Change the container size.
        ScaleVertically = 2 => "scale_vertically",
        /// Change the number of containers.
        ScaleHorizontally = 3 => "scale_horizontally",
        /// Create an autoscaler.
        CreateAutoscaler = 4 => "create_autoscaler",
        /// Change an autoscaler.
        UpdateAutoscaler = 5 => "update_autoscaler",
        /// Let the platform's support team access the app.
        GrantSupportAccess = 6 => "grant_support_access",
        /// Add, change or remove log drains.
        ManageLogDrains = 7 => "manage_log_drains",
        /// Create a child app.
        CreateChildApp = 8 => "create_child_app",
    }
    Monitoring {
        /// See the activity timeline.
        ViewActivity = 9 => "view_activity",
        /// See an activity's details (for a limited collaborator, with
        /// environment variable values redacted).
        ViewActivityDetails = 10 => "view_activity_details",
        /// Read the app's logs.
        ViewLogs = 11 => "view_logs",
        /// Download archived logs.
        DownloadLogArchives = 12 => "download_log_archives",
        /// See the app's metrics.
        ViewMetrics = 13 => "view_metrics",
    }
    Administration {
        /// Delete the resource.
        Delete = 14 => "delete",
        /// Rename the resource.
        Rename = 15 => "rename",
        /// Hand the resource to another account.
        TransferOwnership = 16 => "transfer_ownership",
        /// Change the app's stack.
        ChangeStack = 17 => "change_stack",
    }
    Collaborators {
        /// Invite someone to collaborate.
        InviteCollaborator = 18 => "invite_collaborator",
        /// Remove a collaborator or a pending invitation.
        RevokeCollaborator = 19 => "revoke_collaborator",
        /// Change a collaborator's role.
        ChangeCollaboratorRole = 20 => "change_collaborator_role",
    }
    Deployment {
        /// Link or unlink the source-code repository.
        ConfigureScm = 21 => "configure_scm",
        /// Turn automatic deployments on or off.
        ManageAutoDeploy = 22 => "manage_auto_deploy",
        /// Deploy any branch.
        DeployAnyBranch = 23 => "deploy_any_branch",
        /// Deploy the default branch.
        DeployDefaultBranch = 24 => "deploy_default_branch",
        /// List deployments.
        ViewDeployments = 25 => "view_deployments",
        /// Read a deployment's logs (for a limited collaborator, only
        /// deployments younger than 7 days).
        ViewDeploymentLogs = 26 => "view_deployment_logs",
        /// Reset the deployment cache.
        ResetDeploymentCache = 27 => "reset_deployment_cache",
    }
    OneOff {
        /// List running one-off containers.
        ListOneOffs = 28 => "list_one_offs",
        /// Start a one-off container.
        CreateOneOff = 29 => "create_one_off",
        /// Attach to a one-off container.
        AttachOneOff = 30 => "attach_one_off",
        /// List cron jobs.
        ListCronJobs = 31 => "list_cron_jobs",
    }
    Environment {
        /// Add, change or remove environment variables.
        ManageEnvVars = 32 => "manage_env_vars",
        /// See environment variable names.
        ViewEnvVarNames = 33 => "view_env_var_names",
        /// See environment variable values.
        ViewEnvVarValues = 34 => "view_env_var_values",
    }
    ReviewApps {
        /// Change the review-app settings.
        ConfigureReviewApps = 35 => "configure_review_apps",
        /// List review apps.
        ListReviewApps = 36 => "list_review_apps",
        /// Create a review app (for a limited collaborator, only through the
        /// SCM integration and only when the app's settings allow it).
        CreateReviewApp = 37 => "create_review_app",
        /// Close a review app.
        CloseReviewApp = 38 => "close_review_app",
        /// Redeploy a review app.
        RedeployReviewApp = 39 => "redeploy_review_app",
    }
    Addons {
        /// Provision an add-on.
        ProvisionAddon = 40 => "provision_addon",
        /// Open an add-on's dashboard.
        AccessAddonDashboard = 41 => "access_addon_dashboard",
        /// Change an add-on's plan.
        ChangeAddonPlan = 42 => "change_addon_plan",
        /// Remove an add-on.
        RemoveAddon = 43 => "remove_addon",
    }
    Database {
        /// Open the database dashboard.
        AccessDatabaseDashboard = 44 => "access_database_dashboard",
        /// Take a manual backup.
        CreateManualBackup = 45 => "create_manual_backup",
        /// Configure scheduled backups.
        ManageScheduledBackups = 46 => "manage_scheduled_backups",
        /// Download backups.
        DownloadBackups = 47 => "download_backups",
        /// Restore a backup.
        RestoreBackup = 48 => "restore_backup",
        /// Restore to a point in time.
        RestorePitr = 49 => "restore_pitr",
        /// See the connection details (credentials).
        ViewConnectionDetails = 50 => "view_connection_details",
        /// Read the database logs.
        ViewDatabaseLogs = 51 => "view_database_logs",
        /// See the database metrics.
        ViewDatabaseMetrics = 52 => "view_database_metrics",
        /// Open or close access from the internet.
        ManageInternetAccess = 53 => "manage_internet_access",
        /// Change the database configuration.
        ManageDatabaseConfig = 54 => "manage_database_config",
        /// Manage database users.
        ManageDatabaseUsers = 55 => "manage_database_users",
        /// Set maintenance windows.
        ManageMaintenanceWindows = 56 => "manage_maintenance_windows",
        /// Upgrade to a new major version.
        MajorUpgrade = 57 => "major_upgrade",
        /// Upgrade to a new minor version.
        MinorUpgrade = 58 => "minor_upgrade",
    }
}

// The discriminants are the bit positions 0..59, in list order, so that
// `ALL[i] as u8 == i` and one `u64` holds every action.
const _: () = {
    let mut i = 0;
    while i < Action::ALL.len() {
        #[expect(
            clippy::indexing_slicing,
            reason = "i < ALL.len(), checked at compile time"
        )]
        let action = Action::ALL[i];
        assert!(action as usize == i);
        i += 1;
    }
    assert!(Action::ALL.len() == Action::COUNT);
};

impl Action {
    /// The number of actions.
    pub const COUNT: usize = 59;

    /// The overview category the action counts towards, if any.
    ///
    /// Each action belongs to at most one category. `data_and_secrets`
    /// holds every action that reveals stored data or credentials.
    #[must_use]
    pub const fn category(self) -> Option<Category> {
        use Action as A;
        match self {
            A::Delete | A::Rename | A::TransferOwnership => Some(Category::DestructiveActions),
            A::Stop
            | A::ScaleVertically
            | A::ScaleHorizontally
            | A::CreateAutoscaler
            | A::UpdateAutoscaler
            | A::ManageLogDrains
            | A::CreateChildApp
            | A::ChangeStack
            | A::ManageEnvVars
            | A::ConfigureReviewApps
            | A::CreateManualBackup
            | A::ManageScheduledBackups
            | A::RestoreBackup
            | A::RestorePitr
            | A::ManageInternetAccess
            | A::ManageDatabaseConfig
            | A::ManageMaintenanceWindows
            | A::MajorUpgrade
            | A::MinorUpgrade => Some(Category::AppConfiguration),
            A::ConfigureScm
            | A::ManageAutoDeploy
            | A::DeployAnyBranch
            | A::DeployDefaultBranch
            | A::ViewDeployments
            | A::ViewDeploymentLogs
            | A::ResetDeploymentCache
            | A::ListReviewApps
            | A::CreateReviewApp
            | A::CloseReviewApp
            | A::RedeployReviewApp => Some(Category::Deployment),
            A::ProvisionAddon | A::ChangeAddonPlan | A::RemoveAddon => {
                Some(Category::AddonsManagement)
            }
            A::InviteCollaborator | A::RevokeCollaborator | A::ChangeCollaboratorRole => {
                Some(Category::CollaboratorManagement)
            }
            A::DownloadLogArchives
            | A::CreateOneOff
            | A::AttachOneOff
            | A::ViewEnvVarValues
            | A::AccessAddonDashboard
            | A::AccessDatabaseDashboard
            | A::DownloadBackups
            | A::ViewConnectionDetails
            | A::ViewDatabaseLogs
            | A::ManageDatabaseUsers => Some(Category::DataAndSecrets),
            A::Restart
            | A::GrantSupportAccess
            | A::ViewActivity
            | A::ViewActivityDetails
            | A::ViewLogs
            | A::ViewMetrics
            | A::ListOneOffs
            | A::ListCronJobs
            | A::ViewEnvVarNames
            | A::ViewDatabaseMetrics => None,
        }
    }

    /// The action as people read it: a short lowercase verb phrase, with
    /// no identifiers (`invite_collaborator` reads "invite collaborators").
    ///
    /// Each label names what the action lets someone do, so it reads after
    /// "may" or "cannot" and, capitalized ([`Capitalized`]), as a menu item
    /// or a button. The actions whose object is the resource itself read
    /// without it (`restart`, `stop`, `delete`, `rename`, `transfer
    /// ownership`); [`Denial::explain`] names the resource for them. No two
    /// actions share a label, and none contains an underscore.
    ///
    /// ```
    /// use collab_authz::{Action, Capitalized};
    ///
    /// assert_eq!(Action::InviteCollaborator.label(), "invite collaborators");
    /// assert_eq!(Action::ViewEnvVarValues.label(), "view environment variable values");
    /// assert_eq!(Capitalized(Action::TransferOwnership.label()).to_string(), "Transfer ownership");
    /// ```
    ///
    /// [`Capitalized`]: crate::Capitalized
    /// [`Denial::explain`]: crate::Denial::explain
    #[must_use]
    pub const fn label(self) -> &'static str {
        use Action as A;
        match self {
            A::Restart => "restart",
            A::Stop => "stop",
            A::ScaleVertically => "change the container size",
            A::ScaleHorizontally => "change the number of containers",
            A::CreateAutoscaler => "create autoscalers",
            A::UpdateAutoscaler => "change autoscalers",
            A::GrantSupportAccess => "grant support access",
            A::ManageLogDrains => "manage log drains",
            A::CreateChildApp => "create child apps",
            A::ViewActivity => "view the activity timeline",
            A::ViewActivityDetails => "view activity details",
            A::ViewLogs => "view logs",
            A::DownloadLogArchives => "download log archives",
            A::ViewMetrics => "view metrics",
            A::Delete => "delete",
            A::Rename => "rename",
            A::TransferOwnership => "transfer ownership",
            A::ChangeStack => "change the stack",
            A::InviteCollaborator => "invite collaborators",
            A::RevokeCollaborator => "remove collaborators",
            A::ChangeCollaboratorRole => "change collaborators' roles",
            A::ConfigureScm => "link or unlink the repository",
            A::ManageAutoDeploy => "turn automatic deployments on or off",
            A::DeployAnyBranch => "deploy any branch",
            A::DeployDefaultBranch => "deploy the default branch",
            A::ViewDeployments => "view deployments",
            A::ViewDeploymentLogs => "view deployment logs",
            A::ResetDeploymentCache => "reset the deployment cache",
            A::ListOneOffs => "list one-off containers",
            A::CreateOneOff => "start one-off containers",
            A::AttachOneOff => "attach to one-off containers",
            A::ListCronJobs => "list cron jobs",
            A::ManageEnvVars => "manage environment variables",
            A::ViewEnvVarNames => "view environment variable names",
            A::ViewEnvVarValues => "view environment variable values",
            A::ConfigureReviewApps => "configure review apps",
            A::ListReviewApps => "list review apps",
            A::CreateReviewApp => "create review apps",
            A::CloseReviewApp => "close review apps",
            A::RedeployReviewApp => "redeploy review apps",
            A::ProvisionAddon => "provision add-ons",
            A::AccessAddonDashboard => "open add-on dashboards",
            A::ChangeAddonPlan => "change add-on plans",
            A::RemoveAddon => "remove add-ons",
            A::AccessDatabaseDashboard => "open the database dashboard",
            A::CreateManualBackup => "take manual backups",
            A::ManageScheduledBackups => "manage scheduled backups",
            A::DownloadBackups => "download backups",
            A::RestoreBackup => "restore backups",
            A::RestorePitr => "restore to a point in time",
            A::ViewConnectionDetails => "view connection details",
            A::ViewDatabaseLogs => "view database logs",
            A::ViewDatabaseMetrics => "view database metrics",
            A::ManageInternetAccess => "manage internet access",
            A::ManageDatabaseConfig => "change the database configuration",
            A::ManageDatabaseUsers => "manage database users",
            A::ManageMaintenanceWindows => "set maintenance windows",
            A::MajorUpgrade => "upgrade to a new major version",
            A::MinorUpgrade => "upgrade to a new minor version",
        }
    }

    /// Looks an action up by its id.
    ///
    /// # Errors
    /// [`ParseIdError`] when `id` is not one of the 59 action ids.
    pub fn from_id(id: &str) -> Result<Self, ParseIdError> {
        id.parse()
    }
}

id_enum! {
    kind: Scope,
    /// The menu an action sits in, as the spec groups them.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize))]
    #[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
    pub enum Scope {
        /// Running the app: restart, stop, scale, support access, log drains.
        Lifecycle => "lifecycle",
        /// Activity, logs and metrics.
        Monitoring => "monitoring",
        /// Delete, rename, transfer, stack.
        Administration => "administration",
        /// Managing the resource's collaborators.
        Collaborators => "collaborators",
        /// Source control and deployments.
        Deployment => "deployment",
        /// One-off containers and cron jobs.
        OneOff => "one_off",
        /// Environment variables.
        Environment => "environment",
        /// Review apps.
        ReviewApps => "review_apps",
        /// Add-ons.
        Addons => "addons",
        /// The database (on an app, its add-on database).
        Database => "database",
    }
}

id_enum! {
    kind: Category,
    /// The six rows of the platform's overview table.
    ///
    /// See [`Overview`](crate::rules::overview::Overview) for the summary
    /// derived from the matrix.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
    #[cfg_attr(feature = "serde", derive(serde::Serialize))]
    #[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
    pub enum Category {
        /// Delete, rename, transfer ownership: owner only.
        DestructiveActions => "destructive_actions",
        /// Changing how the app or database runs.
        AppConfiguration => "app_configuration",
        /// Source control, deployments and review apps.
        Deployment => "deployment",
        /// Provisioning, re-planning and removing add-ons.
        AddonsManagement => "addons_management",
        /// Inviting, removing and re-roling collaborators.
        CollaboratorManagement => "collaborator_management",
        /// Anything that reveals stored data or credentials.
        DataAndSecrets => "data_and_secrets",
    }
}

#[cfg(feature = "serde")]
crate::id::serde_id::deserialize_by_id!(Action, Scope, Category);
