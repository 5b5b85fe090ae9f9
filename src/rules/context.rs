//! [`Context`]: the facts about a request that conditional cells need.

use core::time::Duration;

/// How a review app is being created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ReviewAppTrigger {
    /// By the SCM integration (a pull or merge request).
    ScmIntegration,
    /// By hand, from the dashboard, the CLI or the API.
    Manual,
}

/// What the app's review-app settings say about creating review apps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum ReviewAppSettings {
    /// The settings allow review apps to be created.
    AllowCreation,
    /// The settings forbid it.
    ForbidCreation,
}

/// The facts about one request that a `limited(...)` cell is evaluated
/// against. Every fact is optional: a fact the caller did not supply is
/// unknown, and an unknown fact never allows anything.
///
/// The crate reads no clock: the caller computes the deployment's age.
///
/// ```
/// use core::time::Duration;
/// use collab_authz::{Context, ReviewAppSettings, ReviewAppTrigger};
///
/// let ctx = Context::new()
///     .with_deployment_age(Duration::from_secs(3 * 24 * 3600))
///     .with_review_app_trigger(ReviewAppTrigger::ScmIntegration)
///     .with_review_app_settings(ReviewAppSettings::AllowCreation);
/// assert_eq!(ctx.deployment_age(), Some(Duration::from_secs(3 * 24 * 3600)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(default, deny_unknown_fields))]
pub struct Context {
    deployment_age: Option<Duration>,
    review_app_trigger: Option<ReviewAppTrigger>,
    review_app_settings: Option<ReviewAppSettings>,
}

impl Context {
    /// A context in which every fact is unknown.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            deployment_age: None,
            review_app_trigger: None,
            review_app_settings: None,
        }
    }

    /// The age of the deployment whose logs are requested.
    #[must_use]
    pub const fn with_deployment_age(mut self, age: Duration) -> Self {
        self.deployment_age = Some(age);
        self
    }

    /// How the review app is being created.
    #[must_use]
    pub const fn with_review_app_trigger(mut self, trigger: ReviewAppTrigger) -> Self {
        self.review_app_trigger = Some(trigger);
        self
    }

    /// What the app's review-app settings say.
    #[must_use]
    pub const fn with_review_app_settings(mut self, settings: ReviewAppSettings) -> Self {
        self.review_app_settings = Some(settings);
        self
    }

    /// The deployment's age, if known.
    #[must_use]
    pub const fn deployment_age(&self) -> Option<Duration> {
        self.deployment_age
    }

    /// How the review app is being created, if known.
    #[must_use]
    pub const fn review_app_trigger(&self) -> Option<ReviewAppTrigger> {
        self.review_app_trigger
    }

    /// The app's review-app settings, if known.
    #[must_use]
    pub const fn review_app_settings(&self) -> Option<ReviewAppSettings> {
        self.review_app_settings
    }
}
