//! Property tests: the bitset matrix against a naive reference model written
//! here, role monotonicity, owner-only actions, `decide` against `cell` with
//! arbitrary contexts, and round-trips through serde, `FromStr` and
//! `Display`.
#![expect(clippy::unwrap_used, reason = "test code")]

use core::time::Duration;

use collab_authz::decision::{check_condition, evaluate};
use collab_authz::matrix::{Cell, Condition, Limit, Obligation, cell};
use collab_authz::{
    Action, Category, Context, Decision, DenialReason, MissingFact, ParseIdError, Permissions,
    ResourceKind, ReviewAppSettings, ReviewAppTrigger, Role, Scope, Unmet, allows, decide, grants,
};
use proptest::prelude::*;
#[cfg(feature = "serde")]
use serde::Deserialize as _;
#[cfg(feature = "serde")]
use serde::de::IntoDeserializer as _;
#[cfg(feature = "serde")]
use serde::de::value::{Error as ValueError, U64Deserializer};

// ---------------------------------------------------------------------------
// The reference model: a plain lookup, independent of the bitsets.
// ---------------------------------------------------------------------------

/// The actions a limited collaborator may do on an app without condition.
const REF_LIMITED_YES: &[Action] = &[
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
];

/// The owner-only actions.
const REF_OWNER_ONLY: &[Action] = &[Action::Delete, Action::Rename, Action::TransferOwnership];

/// The 15 actions of the `database` scope.
const REF_DATABASE: &[Action] = &[
    Action::AccessDatabaseDashboard,
    Action::CreateManualBackup,
    Action::ManageScheduledBackups,
    Action::DownloadBackups,
    Action::RestoreBackup,
    Action::RestorePitr,
    Action::ViewConnectionDetails,
    Action::ViewDatabaseLogs,
    Action::ViewDatabaseMetrics,
    Action::ManageInternetAccess,
    Action::ManageDatabaseConfig,
    Action::ManageDatabaseUsers,
    Action::ManageMaintenanceWindows,
    Action::MajorUpgrade,
    Action::MinorUpgrade,
];

/// The naive reference: the spec's cell for (role, kind, action).
fn reference(role: Role, kind: ResourceKind, action: Action) -> Cell {
    match kind {
        ResourceKind::App => match role {
            Role::Owner => Cell::Yes,
            Role::Collaborator if REF_OWNER_ONLY.contains(&action) => Cell::No,
            Role::Collaborator => Cell::Yes,
            Role::LimitedCollaborator => match action {
                Action::ViewActivityDetails => {
                    Cell::Limited(Limit::Obligation(Obligation::RedactEnvVarValues))
                }
                Action::ViewDeploymentLogs => {
                    Cell::Limited(Limit::Condition(Condition::DeploymentYoungerThan7Days))
                }
                Action::CreateReviewApp => {
                    Cell::Limited(Limit::Condition(Condition::ReviewAppViaScmWhenAllowed))
                }
                a if REF_LIMITED_YES.contains(&a) => Cell::Yes,
                _ => Cell::No,
            },
        },
        ResourceKind::DedicatedDatabase => {
            let applies = REF_DATABASE.contains(&action)
                || REF_OWNER_ONLY.contains(&action)
                || matches!(
                    action,
                    Action::InviteCollaborator | Action::RevokeCollaborator
                );
            match role {
                Role::LimitedCollaborator => Cell::NotApplicable,
                _ if !applies => Cell::NotApplicable,
                Role::Owner => Cell::Yes,
                Role::Collaborator if REF_OWNER_ONLY.contains(&action) => Cell::No,
                Role::Collaborator => Cell::Yes,
            }
        }
    }
}

/// A privilege rank for a role, independent of the crate's `Ord`.
fn rank(role: Role) -> u8 {
    match role {
        Role::LimitedCollaborator => 0,
        Role::Collaborator => 1,
        Role::Owner => 2,
    }
}

/// The reference answer of a condition in a context.
fn reference_condition(condition: Condition, ctx: &Context) -> Option<bool> {
    match condition {
        Condition::DeploymentYoungerThan7Days => ctx
            .deployment_age()
            .map(|age| age < Duration::from_secs(604_800)),
        Condition::ReviewAppViaScmWhenAllowed => {
            let manual = ctx.review_app_trigger() == Some(ReviewAppTrigger::Manual);
            let forbidden = ctx.review_app_settings() == Some(ReviewAppSettings::ForbidCreation);
            if manual || forbidden {
                Some(false)
            } else if ctx.review_app_trigger() == Some(ReviewAppTrigger::ScmIntegration)
                && ctx.review_app_settings() == Some(ReviewAppSettings::AllowCreation)
            {
                Some(true)
            } else {
                None
            }
        }
    }
}

/// Why the reference condition does not hold (`None` when it holds), typed:
/// the part that fails, or the facts that are missing.
fn reference_failure(condition: Condition, ctx: &Context) -> Option<DenialReason> {
    use DenialReason::{ConditionNotMet, ConditionUnknown};
    match condition {
        Condition::DeploymentYoungerThan7Days => match ctx.deployment_age() {
            None => Some(ConditionUnknown(MissingFact::DeploymentAge)),
            Some(age) if age >= Duration::from_secs(604_800) => {
                Some(ConditionNotMet(Unmet::DeploymentTooOld))
            }
            Some(_) => None,
        },
        Condition::ReviewAppViaScmWhenAllowed => {
            let (trigger, settings) = (ctx.review_app_trigger(), ctx.review_app_settings());
            let manual = trigger == Some(ReviewAppTrigger::Manual);
            let forbidden = settings == Some(ReviewAppSettings::ForbidCreation);
            match (manual, forbidden, trigger.is_none(), settings.is_none()) {
                (true, true, ..) => Some(ConditionNotMet(
                    Unmet::NotThroughScmIntegrationAndForbiddenBySettings,
                )),
                (true, false, ..) => Some(ConditionNotMet(Unmet::NotThroughScmIntegration)),
                (false, true, ..) => Some(ConditionNotMet(Unmet::ForbiddenBySettings)),
                (false, false, true, true) => {
                    Some(ConditionUnknown(MissingFact::ReviewAppTriggerAndSettings))
                }
                (false, false, true, false) => {
                    Some(ConditionUnknown(MissingFact::ReviewAppTrigger))
                }
                (false, false, false, true) => {
                    Some(ConditionUnknown(MissingFact::ReviewAppSettings))
                }
                (false, false, false, false) => None,
            }
        }
    }
}

#[test]
fn permissions_debug_names_the_constants() {
    assert_eq!(
        format!("{:?}", Permissions::STOP | Permissions::RESTART),
        "Permissions(RESTART | STOP)"
    );
    assert_eq!(format!("{:?}", Permissions::empty()), "Permissions(empty)");
    assert_eq!(
        format!("{:?}", Permissions::MINOR_UPGRADE),
        "Permissions(MINOR_UPGRADE)"
    );
    assert_eq!(format!("{:#x}", Permissions::STOP), "0x2");
}

#[test]
fn parse_errors_quote_the_input() {
    let cases = [
        (
            "Owner".parse::<Role>().unwrap_err().to_string(),
            r#"unknown role "Owner", expected one of: limited_collaborator, collaborator, owner"#,
        ),
        (
            "app ".parse::<ResourceKind>().unwrap_err().to_string(),
            r#"unknown resource kind "app ", expected one of: app, dedicated_database"#,
        ),
        (
            "".parse::<Role>().unwrap_err().to_string(),
            r#"unknown role "", expected one of: limited_collaborator, collaborator, owner"#,
        ),
        (
            "a\"b\nc".parse::<Role>().unwrap_err().to_string(),
            r#"unknown role "a\"b\nc", expected one of: limited_collaborator, collaborator, owner"#,
        ),
        (
            // 39 ASCII bytes, then a 2-byte 'é' that does not fit in 40.
            format!("{}é", "r".repeat(39))
                .parse::<Role>()
                .unwrap_err()
                .to_string(),
            &format!(
                "unknown role \"{}…\", expected one of: limited_collaborator, collaborator, owner",
                "r".repeat(39)
            ),
        ),
    ];
    for (got, want) in cases {
        assert_eq!(got, want);
    }
    assert_eq!(
        format!("{:?}", "Owner".parse::<Role>().unwrap_err()),
        r#"ParseIdError { kind: Role, input: "Owner", truncated: false }"#
    );
    let err = "view_logs, sudo".parse::<Permissions>().unwrap_err();
    assert_eq!(
        (err.kind(), err.input()),
        (collab_authz::IdKind::Action, "sudo")
    );
}

// ---------------------------------------------------------------------------
// Strategies.
// ---------------------------------------------------------------------------

// Roles, kinds and actions are not drawn: every test loops over all of
// them (3 x 2 x 59), which is stronger than any sample.

#[cfg(feature = "serde")]
fn permissions() -> impl Strategy<Value = Permissions> {
    any::<u64>().prop_map(Permissions::from_bits_truncate)
}

/// Deployment ages that hit the 7-day boundary often.
fn age() -> impl Strategy<Value = Duration> {
    const WEEK: u64 = 604_800;
    prop_oneof![
        (0u64..4 * WEEK, 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
        (
            WEEK - 1..=WEEK + 1,
            prop_oneof![Just(0u32), Just(1), Just(999_999_999)]
        )
            .prop_map(|(s, n)| Duration::new(s, n)),
        Just(Duration::ZERO),
        Just(Duration::MAX),
    ]
}

fn context() -> impl Strategy<Value = Context> {
    (
        prop::option::of(age()),
        prop::option::of(prop_oneof![
            Just(ReviewAppTrigger::ScmIntegration),
            Just(ReviewAppTrigger::Manual)
        ]),
        prop::option::of(prop_oneof![
            Just(ReviewAppSettings::AllowCreation),
            Just(ReviewAppSettings::ForbidCreation)
        ]),
    )
        .prop_map(|(age, trigger, settings)| {
            let mut ctx = Context::new();
            if let Some(age) = age {
                ctx = ctx.with_deployment_age(age);
            }
            if let Some(trigger) = trigger {
                ctx = ctx.with_review_app_trigger(trigger);
            }
            if let Some(settings) = settings {
                ctx = ctx.with_review_app_settings(settings);
            }
            ctx
        })
}

/// A string that is no id of any closed set (lower-case, close to the ids'
/// alphabet, plus a few near misses).
fn unknown_id() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_]{0,30}",
        Just("Owner".to_owned()),
        Just("owner ".to_owned()),
        Just("limited-collaborator".to_owned()),
        Just("VIEW_LOGS".to_owned()),
        Just("".to_owned()),
    ]
}

fn is_any_id(s: &str) -> bool {
    Role::ALL.iter().any(|v| v.id() == s)
        || ResourceKind::ALL.iter().any(|v| v.id() == s)
        || Action::ALL.iter().any(|v| v.id() == s)
        || Scope::ALL.iter().any(|v| v.id() == s)
        || Category::ALL.iter().any(|v| v.id() == s)
}

// ---------------------------------------------------------------------------
// Properties.
// ---------------------------------------------------------------------------

/// Every (role, kind, action), for the exhaustive checks.
fn all_requests() -> impl Iterator<Item = (Role, ResourceKind, Action)> {
    Role::ALL.into_iter().flat_map(|r| {
        ResourceKind::ALL
            .into_iter()
            .flat_map(move |k| Action::ALL.into_iter().map(move |a| (r, k, a)))
    })
}

#[test]
fn bitset_agrees_with_the_reference_on_every_input() {
    for (r, k, a) in all_requests() {
        assert_eq!(cell(r, k, a), reference(r, k, a), "cell({r}, {k}, {a})");
        assert_eq!(
            allows(r, k, a),
            reference(r, k, a) == Cell::Yes,
            "allows({r}, {k}, {a})"
        );
        let expected = reference(r, k, a);
        assert_eq!(
            grants(r, k).allowed().has(a),
            expected == Cell::Yes,
            "grants({r}, {k}).allowed() has {a}"
        );
        assert_eq!(
            grants(r, k).limited().has(a),
            matches!(expected, Cell::Limited(_)),
            "grants({r}, {k}).limited() has {a}"
        );
    }
}

/// Every pair of roles (low, high) in privilege order, `low <= high`.
fn ordered_role_pairs() -> impl Iterator<Item = (Role, Role)> {
    Role::ALL.into_iter().flat_map(|x| {
        Role::ALL
            .into_iter()
            .filter(move |&y| rank(x) <= rank(y))
            .map(move |y| (x, y))
    })
}

/// Monotonicity on every (low, high, kind, action) in `ctx`: a higher role
/// may do everything a lower one may.
fn check_monotonic(ctx: &Context) -> Result<(), TestCaseError> {
    for (low, high) in ordered_role_pairs() {
        prop_assert!(low <= high, "Ord follows privilege");
        for k in ResourceKind::ALL {
            if !(k.has_role(low) && k.has_role(high)) {
                // A role the kind lacks holds nothing (checked in `check_decision`).
                prop_assert!(grants(Role::LimitedCollaborator, k).any().is_empty());
                continue;
            }
            prop_assert!(grants(high, k).any().contains(grants(low, k).any()));
            for a in Action::ALL {
                if allows(low, k, a) {
                    prop_assert!(allows(high, k, a), "allows({high}, {k}, {a})");
                }
                if decide(low, k, a, ctx).is_allowed() {
                    prop_assert!(
                        decide(high, k, a, ctx).is_allowed(),
                        "decide({high}, {k}, {a})"
                    );
                }
            }
        }
    }
    Ok(())
}

/// Only the owner may do an owner-only action, on every kind, in `ctx`.
fn check_owner_only(ctx: &Context) -> Result<(), TestCaseError> {
    for r in Role::ALL {
        for k in ResourceKind::ALL {
            for &a in REF_OWNER_ONLY {
                prop_assert_eq!(decide(r, k, a, ctx).is_allowed(), r == Role::Owner);
                prop_assert_eq!(allows(r, k, a), r == Role::Owner);
                prop_assert_eq!(grants(r, k).any().has(a), r == Role::Owner);
            }
        }
    }
    Ok(())
}

/// The three `limited(...)` cells of a limited collaborator on an app
/// follow `ctx` as the reference says.
fn check_conditional_cells(ctx: &Context) -> Result<(), TestCaseError> {
    for a in [
        Action::ViewActivityDetails,
        Action::ViewDeploymentLogs,
        Action::CreateReviewApp,
    ] {
        let decision = decide(Role::LimitedCollaborator, ResourceKind::App, a, ctx);
        match reference(Role::LimitedCollaborator, ResourceKind::App, a) {
            Cell::Limited(Limit::Obligation(o)) => {
                prop_assert_eq!(decision, Decision::AllowedWithObligation(o));
            }
            Cell::Limited(Limit::Condition(c)) => {
                prop_assert_eq!(
                    decision.is_allowed(),
                    reference_condition(c, ctx) == Some(true)
                );
                let reason = decision.denial().map(|d| d.reason());
                prop_assert_eq!(reason, reference_failure(c, ctx));
                prop_assert_eq!(check_condition(c, ctx).err(), reference_failure(c, ctx));
                prop_assert_eq!(evaluate(c, ctx), reference_condition(c, ctx));
            }
            other => prop_assert!(false, "{a} is not a limited cell: {other:?}"),
        }
    }
    Ok(())
}

#[test]
fn a_higher_role_may_do_everything_a_lower_one_may_in_every_sample_context() {
    for ctx in sample_contexts() {
        check_monotonic(&ctx).unwrap();
    }
}

#[test]
fn only_the_owner_may_delete_rename_or_transfer_in_every_sample_context() {
    for ctx in sample_contexts() {
        check_owner_only(&ctx).unwrap();
    }
}

#[test]
fn conditional_cells_follow_every_sample_context() {
    for ctx in sample_contexts() {
        check_conditional_cells(&ctx).unwrap();
    }
}

#[test]
fn an_unknown_context_never_allows_a_condition() {
    for (r, k, a) in all_requests() {
        let decision = decide(r, k, a, &Context::new());
        assert!(
            !matches!(decision, Decision::AllowedUnderCondition(_)),
            "decide({r}, {k}, {a})"
        );
        assert_eq!(
            decision.is_allowed(),
            matches!(
                reference(r, k, a),
                Cell::Yes | Cell::Limited(Limit::Obligation(_))
            ),
            "decide({r}, {k}, {a})"
        );
    }
}

#[test]
fn the_deployment_log_window_is_strictly_under_7_days() {
    let logs = |age| {
        let ctx = Context::new().with_deployment_age(age);
        decide(
            Role::LimitedCollaborator,
            ResourceKind::App,
            Action::ViewDeploymentLogs,
            &ctx,
        )
    };
    let week = Duration::from_secs(7 * 24 * 60 * 60);
    assert!(logs(week - Duration::from_nanos(1)).is_allowed());
    assert!(!logs(week).is_allowed());
    assert!(!logs(week + Duration::from_nanos(1)).is_allowed());
    assert!(logs(Duration::ZERO).is_allowed());
}

/// `decide` against the reference cell and the reference condition.
fn check_decision(r: Role, k: ResourceKind, a: Action, ctx: &Context) -> Result<(), TestCaseError> {
    let ctx = *ctx;
    let decision = decide(r, k, a, &ctx);
    match reference(r, k, a) {
        Cell::Yes => prop_assert_eq!(decision, Decision::Allowed),
        Cell::Limited(Limit::Obligation(o)) => {
            prop_assert_eq!(decision, Decision::AllowedWithObligation(o));
        }
        Cell::Limited(Limit::Condition(c)) => match reference_condition(c, &ctx) {
            Some(true) => prop_assert_eq!(decision, Decision::AllowedUnderCondition(c)),
            Some(false) | None => {
                let reason = decision.denial().map(|d| d.reason());
                prop_assert_eq!(reason, reference_failure(c, &ctx));
                prop_assert_eq!(reason.and_then(DenialReason::condition), Some(c));
                prop_assert_eq!(
                    matches!(reason, Some(DenialReason::ConditionNotMet(_))),
                    reference_condition(c, &ctx) == Some(false)
                );
            }
        },
        Cell::No => {
            // The least privileged role whose reference cell is not `no`.
            let lowest = [Role::LimitedCollaborator, Role::Collaborator, Role::Owner]
                .into_iter()
                .find(|&higher| matches!(reference(higher, k, a), Cell::Yes | Cell::Limited(_)))
                .unwrap();
            let denial = decision.denial().copied().unwrap();
            prop_assert_eq!(denial.reason(), DenialReason::RoleTooLow { lowest });
            prop_assert_eq!(denial.required_role(), Some(lowest));
            prop_assert!(rank(lowest) > rank(r));
        }
        Cell::NotApplicable => {
            // The least privileged role of the kind that may do the action.
            let lowest = [Role::LimitedCollaborator, Role::Collaborator, Role::Owner]
                .into_iter()
                .find(|&other| matches!(reference(other, k, a), Cell::Yes | Cell::Limited(_)));
            let expected = if k.has_role(r) {
                DenialReason::NotApplicable
            } else {
                DenialReason::RoleNotAvailable { lowest }
            };
            let denial = decision.denial().copied().unwrap();
            prop_assert_eq!(denial.reason(), expected);
            prop_assert_eq!(
                denial.required_role(),
                if k.has_role(r) { None } else { lowest }
            );
        }
    }
    if let Some(denial) = decision.denial() {
        prop_assert_eq!(
            (denial.role(), denial.kind(), denial.action()),
            (Some(r), k, a)
        );
        prop_assert!(!denial.to_string().is_empty());
    }
    Ok(())
}

/// A few contexts covering every answer of every condition.
fn sample_contexts() -> Vec<Context> {
    let ages = [
        None,
        Some(Duration::ZERO),
        Some(Duration::from_secs(604_799)),
        Some(Duration::from_secs(604_800)),
    ];
    let triggers = [
        None,
        Some(ReviewAppTrigger::ScmIntegration),
        Some(ReviewAppTrigger::Manual),
    ];
    let settings = [
        None,
        Some(ReviewAppSettings::AllowCreation),
        Some(ReviewAppSettings::ForbidCreation),
    ];
    let mut out = Vec::new();
    for age in ages {
        for trigger in triggers {
            for setting in settings {
                let mut ctx = Context::new();
                if let Some(age) = age {
                    ctx = ctx.with_deployment_age(age);
                }
                if let Some(trigger) = trigger {
                    ctx = ctx.with_review_app_trigger(trigger);
                }
                if let Some(setting) = setting {
                    ctx = ctx.with_review_app_settings(setting);
                }
                out.push(ctx);
            }
        }
    }
    out
}

#[test]
fn decide_agrees_with_the_reference_on_every_input() {
    for ctx in sample_contexts() {
        for (r, k, a) in all_requests() {
            check_decision(r, k, a, &ctx).unwrap();
        }
    }
}

/// Every id of every closed set goes through `Display`/`FromStr` and
/// serde and back.
#[cfg(feature = "serde")]
#[test]
fn ids_round_trip() {
    fn check<T>(value: T)
    where
        T: core::fmt::Display
            + core::str::FromStr
            + serde::Serialize
            + serde::de::DeserializeOwned
            + PartialEq
            + core::fmt::Debug
            + Copy,
        <T as core::str::FromStr>::Err: core::fmt::Debug,
    {
        let text = value.to_string();
        assert_eq!(text.parse::<T>().unwrap(), value);
        let json = serde_json::to_string(&value).unwrap();
        assert_eq!(json, format!("\"{text}\""));
        assert_eq!(serde_json::from_str::<T>(&json).unwrap(), value);
    }
    Role::ALL.into_iter().for_each(check);
    ResourceKind::ALL.into_iter().for_each(check);
    Action::ALL.into_iter().for_each(check);
    Scope::ALL.into_iter().for_each(check);
    Category::ALL.into_iter().for_each(check);
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2048,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    // The finite parts (3 roles x 2 kinds x 59 actions) are looped over
    // exhaustively; only the context is drawn.

    #[test]
    fn a_higher_role_may_do_everything_a_lower_one_may(ctx in context()) {
        check_monotonic(&ctx)?;
    }

    #[test]
    fn only_the_owner_may_delete_rename_or_transfer(ctx in context()) {
        check_owner_only(&ctx)?;
    }

    #[test]
    fn decide_agrees_with_cell(ctx in context()) {
        for (r, k, a) in all_requests() {
            check_decision(r, k, a, &ctx)?;
        }
    }

    #[test]
    fn conditional_cells_follow_the_context(ctx in context()) {
        check_conditional_cells(&ctx)?;
    }


    #[cfg(feature = "serde")]
    #[test]
    fn permissions_round_trip(p in permissions()) {
        prop_assert_eq!(p.to_string().parse::<Permissions>().unwrap(), p);
        let json = serde_json::to_string(&p).unwrap();
        prop_assert_eq!(serde_json::from_str::<Permissions>(&json).unwrap(), p);
        let ids: Vec<String> = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(ids.len(), p.count());
        let bits = U64Deserializer::<ValueError>::new(p.bits());
        prop_assert_eq!(Permissions::deserialize(bits).unwrap(), p);
        prop_assert_eq!(p.actions().collect::<Permissions>(), p);
    }

    #[test]
    fn unknown_ids_are_rejected(s in unknown_id()) {
        prop_assume!(!is_any_id(&s));
        prop_assert!(s.parse::<Role>().is_err());
        prop_assert!(s.parse::<ResourceKind>().is_err());
        prop_assert!(s.parse::<Action>().is_err());
        prop_assert!(s.parse::<Scope>().is_err());
        prop_assert!(s.parse::<Category>().is_err());
        #[cfg(feature = "serde")]
        {
        let json = serde_json::to_string(&s).unwrap();
            prop_assert!(serde_json::from_str::<Role>(&json).is_err());
            prop_assert!(serde_json::from_str::<ResourceKind>(&json).is_err());
            prop_assert!(serde_json::from_str::<Action>(&json).is_err());
            prop_assert!(serde_json::from_str::<Scope>(&json).is_err());
            prop_assert!(serde_json::from_str::<Category>(&json).is_err());
            let list = format!("[\"view_logs\", {json}]");
            prop_assert!(serde_json::from_str::<Permissions>(&list).is_err());
        }
        let text = format!("view_logs, {s}");
        prop_assert!(text.parse::<Permissions>().is_err());
    }

    /// A rejected id keeps the input (or its first `ParseIdError::MAX_REJECTED_LEN`
    /// bytes, cut on a character boundary) and quotes it, escaped.
    #[test]
    fn parse_errors_keep_the_rejected_input(s in "\\PC{0,50}|[a-z_\"\n\u{e9}\u{1F600}]{0,60}") {
        prop_assume!(!is_any_id(&s));
        let err = s.parse::<Role>().unwrap_err();
        let kept = err.input();
        prop_assert!(s.starts_with(kept));
        prop_assert!(kept.len() <= ParseIdError::MAX_REJECTED_LEN);
        prop_assert_eq!(err.is_truncated(), kept.len() < s.len());
        if s.len() <= ParseIdError::MAX_REJECTED_LEN {
            prop_assert_eq!(kept, s.as_str());
        } else {
            // The longest char-boundary prefix that fits.
            let longest = (0..=ParseIdError::MAX_REJECTED_LEN).rev().find(|&n| s.is_char_boundary(n)).unwrap();
            prop_assert_eq!(kept.len(), longest);
        }
        let ellipsis = if err.is_truncated() { "…" } else { "" };
        let want = format!(
            "unknown role \"{}{ellipsis}\", expected one of: limited_collaborator, collaborator, owner",
            kept.escape_default()
        );
        prop_assert_eq!(err.to_string(), want);
        prop_assert!(!err.to_string().contains('\n'));
        let action_err = s.parse::<Action>().unwrap_err();
        prop_assert_eq!(action_err.input(), kept);
    }

    #[cfg(feature = "serde")]
    #[test]
    fn unknown_permission_bits_are_rejected(bits in any::<u64>(), high in 59u32..64) {
        let bits = bits | (1u64 << high);
        let de = U64Deserializer::<ValueError>::new(bits);
        prop_assert!(Permissions::deserialize(de).is_err());
    }

    /// Bits outside the 59 actions cannot get into a set, so every query
    /// agrees on what it holds: the length the iterator announces and the
    /// items it yields, `count`, `is_empty`, `==`, `Display` and serde.
    #[test]
    fn every_query_agrees_whatever_the_bits(raw in any::<u64>(), high in 59u32..64) {
        for bits in [raw, raw | (1u64 << high), raw & !((1u64 << 59) - 1)] {
            let known = bits & ((1u64 << 59) - 1);
            prop_assert_eq!(Permissions::from_bits(bits).is_some(), bits == known);
            let p = Permissions::from_bits_truncate(bits);
            prop_assert_eq!(p.bits(), known);
            let actions = p.actions();
            prop_assert_eq!(actions.size_hint(), (p.count(), Some(p.count())));
            prop_assert_eq!(actions.len(), p.count());
            prop_assert_eq!(p.actions().count(), p.count());
            prop_assert_eq!(p.count(), known.count_ones() as usize);
            prop_assert_eq!(p.is_empty(), p.count() == 0);
            prop_assert_eq!(p.is_empty(), p == Permissions::empty());
            prop_assert_eq!(p.is_empty(), p.to_string() == "(none)");
            prop_assert_eq!(p.is_all(), p.count() == Action::COUNT);
            prop_assert!(Permissions::all().contains(p));
            prop_assert!(Permissions::all().contains(!p));
            prop_assert_eq!(!p, p.complement());
            prop_assert_eq!(p | !p, Permissions::all());
            prop_assert!((p & !p).is_empty());
            prop_assert_eq!(p - p, Permissions::empty());
            prop_assert_eq!(p ^ Permissions::all(), !p);
            #[cfg(feature = "serde")]
            {
            let ids: Vec<String> = serde_json::from_str(&serde_json::to_string(&p).unwrap()).unwrap();
                prop_assert_eq!(ids.len(), p.count());
                let de = U64Deserializer::<ValueError>::new(p.bits());
                prop_assert_eq!(Permissions::deserialize(de).unwrap(), p);
            }
            for action in Action::ALL {
                prop_assert_eq!(p.has(action), bits & (1u64 << action as u8) != 0);
            }
        }
    }

    #[cfg(feature = "serde")]
    #[test]
    fn known_permission_bits_are_accepted(bits in 0u64..(1 << 59)) {
        let de: U64Deserializer<ValueError> = bits.into_deserializer();
        prop_assert_eq!(Permissions::deserialize(de).unwrap().bits(), bits);
    }
}
