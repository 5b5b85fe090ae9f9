//! A deterministic mixed workload: the same requests for every engine.

use core::time::Duration;

use collab_authz::{Action, Context, ResourceKind, ReviewAppSettings, ReviewAppTrigger, Role};

/// One request of the workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sample {
    /// The role that asks.
    pub role: Role,
    /// The kind of resource.
    pub kind: ResourceKind,
    /// The action.
    pub action: Action,
    /// The request's facts.
    pub context: Context,
}

/// The contexts the workload draws from: none known, a fresh deployment
/// created through the SCM with creation allowed, an old deployment created
/// by hand, and a fresh deployment with creation forbidden.
pub fn contexts() -> [Context; 4] {
    let hour = Duration::from_secs(3600);
    [
        Context::new(),
        Context::new()
            .with_deployment_age(hour)
            .with_review_app_trigger(ReviewAppTrigger::ScmIntegration)
            .with_review_app_settings(ReviewAppSettings::AllowCreation),
        Context::new()
            .with_deployment_age(hour * 24 * 30)
            .with_review_app_trigger(ReviewAppTrigger::Manual)
            .with_review_app_settings(ReviewAppSettings::AllowCreation),
        Context::new()
            .with_deployment_age(hour * 24)
            .with_review_app_trigger(ReviewAppTrigger::ScmIntegration)
            .with_review_app_settings(ReviewAppSettings::ForbidCreation),
    ]
}

/// SplitMix64: a tiny deterministic generator, so every run and every
/// engine sees the same requests.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// A generator from a seed.
    pub const fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value of `items`, uniformly (`None` only when `items` is empty).
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> Option<T> {
        let len = u64::try_from(items.len()).ok()?;
        let i = usize::try_from(self.next_u64().checked_rem(len)?).ok()?;
        items.get(i).copied()
    }
}

/// `n` requests: uniform role, kind, action and context, from `seed`.
pub fn mixed(n: usize, seed: u64) -> Vec<Sample> {
    let mut rng = SplitMix64::new(seed);
    let contexts = contexts();
    (0..n)
        .filter_map(|_| {
            Some(Sample {
                role: rng.pick(&Role::ALL)?,
                kind: rng.pick(&ResourceKind::ALL)?,
                action: rng.pick(&Action::ALL)?,
                context: rng.pick(&contexts)?,
            })
        })
        .collect()
}
