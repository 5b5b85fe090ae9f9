//! Every kind of denial explains itself in words: who, what, on which kind,
//! why, and what would allow it. Each reason, and each part of a condition
//! that can fail or be unknown, has its sentence written out here.

use core::time::Duration;

use collab_authz::{
    Action, Context, Decision, DenialReason, MissingFact, ResourceKind, ReviewAppSettings,
    ReviewAppTrigger, Role, Unmet, decide,
};

fn denial_text(role: Role, kind: ResourceKind, action: Action, ctx: &Context) -> String {
    match decide(role, kind, action, ctx) {
        Decision::Denied(denial) => denial.to_string(),
        other => format!("not denied: {other:?}"),
    }
}

fn review_ctx(trigger: Option<ReviewAppTrigger>, settings: Option<ReviewAppSettings>) -> Context {
    let mut ctx = Context::new();
    if let Some(trigger) = trigger {
        ctx = ctx.with_review_app_trigger(trigger);
    }
    if let Some(settings) = settings {
        ctx = ctx.with_review_app_settings(settings);
    }
    ctx
}

#[test]
fn each_reason_reads_as_a_sentence() {
    use ReviewAppSettings::{AllowCreation, ForbidCreation};
    use ReviewAppTrigger::{Manual, ScmIntegration};

    let app = ResourceKind::App;
    let db = ResourceKind::DedicatedDatabase;
    let limited = Role::LimitedCollaborator;
    let none = Context::new();
    let old = Context::new().with_deployment_age(Duration::from_secs(8 * 24 * 3600));
    const CONDITION: &str = "(only through the SCM integration, and only when the app's \
                             review-app settings allow it)";
    let review = |trigger, settings| {
        denial_text(
            limited,
            app,
            Action::CreateReviewApp,
            &review_ctx(trigger, settings),
        )
    };

    let cases = [
        (
            denial_text(Role::Collaborator, app, Action::Delete, &none),
            "collaborator may not delete on an app: it needs the owner role".to_owned(),
        ),
        (
            denial_text(Role::Collaborator, db, Action::TransferOwnership, &none),
            "collaborator may not transfer_ownership on a dedicated database: it needs the owner \
             role"
                .to_owned(),
        ),
        (
            denial_text(limited, app, Action::Stop, &none),
            "limited_collaborator may not stop on an app: it needs the collaborator role or higher"
                .to_owned(),
        ),
        (
            denial_text(limited, db, Action::ViewConnectionDetails, &none),
            "the limited_collaborator role is not available on a dedicated database: \
             view_connection_details needs the collaborator role or higher"
                .to_owned(),
        ),
        (
            denial_text(limited, db, Action::Delete, &none),
            "the limited_collaborator role is not available on a dedicated database: delete needs \
             the owner role"
                .to_owned(),
        ),
        (
            denial_text(limited, db, Action::Restart, &none),
            "the limited_collaborator role is not available on a dedicated database, and restart \
             does not apply to it for any role"
                .to_owned(),
        ),
        (
            denial_text(Role::Owner, db, Action::Restart, &none),
            "restart does not apply to a dedicated database, for any role".to_owned(),
        ),
        (
            denial_text(limited, app, Action::ViewDeploymentLogs, &old),
            "limited_collaborator may view_deployment_logs on an app only under a condition \
             (only deployments younger than 7 days), and this request does not meet it: the \
             deployment is 7 days old or older"
                .to_owned(),
        ),
        (
            review(Some(Manual), Some(AllowCreation)),
            format!(
                "limited_collaborator may create_review_app on an app only under a condition \
                 {CONDITION}, and this request does not meet it: the review app is not being \
                 created through the SCM integration"
            ),
        ),
        (
            review(Some(Manual), None),
            format!(
                "limited_collaborator may create_review_app on an app only under a condition \
                 {CONDITION}, and this request does not meet it: the review app is not being \
                 created through the SCM integration"
            ),
        ),
        (
            review(Some(ScmIntegration), Some(ForbidCreation)),
            format!(
                "limited_collaborator may create_review_app on an app only under a condition \
                 {CONDITION}, and this request does not meet it: the app's review-app settings \
                 forbid creating review apps"
            ),
        ),
        (
            review(None, Some(ForbidCreation)),
            format!(
                "limited_collaborator may create_review_app on an app only under a condition \
                 {CONDITION}, and this request does not meet it: the app's review-app settings \
                 forbid creating review apps"
            ),
        ),
        (
            review(Some(Manual), Some(ForbidCreation)),
            format!(
                "limited_collaborator may create_review_app on an app only under a condition \
                 {CONDITION}, and this request does not meet it: the review app is not being \
                 created through the SCM integration, and the app's review-app settings forbid \
                 creating review apps"
            ),
        ),
        (
            denial_text(limited, app, Action::ViewDeploymentLogs, &none),
            "limited_collaborator may view_deployment_logs on an app only under a condition \
             (only deployments younger than 7 days), and the context does not say whether this \
             request meets it: it lacks the deployment's age"
                .to_owned(),
        ),
        (
            review(None, Some(AllowCreation)),
            format!(
                "limited_collaborator may create_review_app on an app only under a condition \
                 {CONDITION}, and the context does not say whether this request meets it: it \
                 lacks how the review app is being created"
            ),
        ),
        (
            review(Some(ScmIntegration), None),
            format!(
                "limited_collaborator may create_review_app on an app only under a condition \
                 {CONDITION}, and the context does not say whether this request meets it: it \
                 lacks the app's review-app settings"
            ),
        ),
        (
            review(None, None),
            format!(
                "limited_collaborator may create_review_app on an app only under a condition \
                 {CONDITION}, and the context does not say whether this request meets it: it \
                 lacks how the review app is being created and the app's review-app settings"
            ),
        ),
    ];
    for (got, want) in cases {
        assert_eq!(got, want);
    }
}

/// The part of the review-app condition that failed is typed, not only in
/// the text.
#[test]
fn the_failed_part_of_a_condition_is_typed() {
    use ReviewAppSettings::{AllowCreation, ForbidCreation};
    use ReviewAppTrigger::{Manual, ScmIntegration};

    let cases = [
        (
            Some(Manual),
            Some(AllowCreation),
            DenialReason::ConditionNotMet(Unmet::NotThroughScmIntegration),
        ),
        (
            Some(ScmIntegration),
            Some(ForbidCreation),
            DenialReason::ConditionNotMet(Unmet::ForbiddenBySettings),
        ),
        (
            Some(Manual),
            Some(ForbidCreation),
            DenialReason::ConditionNotMet(Unmet::NotThroughScmIntegrationAndForbiddenBySettings),
        ),
        (
            None,
            Some(AllowCreation),
            DenialReason::ConditionUnknown(MissingFact::ReviewAppTrigger),
        ),
        (
            Some(ScmIntegration),
            None,
            DenialReason::ConditionUnknown(MissingFact::ReviewAppSettings),
        ),
        (
            None,
            None,
            DenialReason::ConditionUnknown(MissingFact::ReviewAppTriggerAndSettings),
        ),
    ];
    for (trigger, settings, want) in cases {
        let decision = decide(
            Role::LimitedCollaborator,
            ResourceKind::App,
            Action::CreateReviewApp,
            &review_ctx(trigger, settings),
        );
        assert_eq!(
            decision.denial().map(|d| d.reason()),
            Some(want),
            "{trigger:?}, {settings:?}"
        );
    }
}

/// Over every request and a spread of contexts: each denial names the role,
/// the action and the kind, names the role that would be allowed whenever
/// there is one, and never says "owner role or higher".
#[test]
fn every_denial_names_who_what_where_and_what_would_allow_it() {
    let contexts = [
        Context::new(),
        Context::new().with_deployment_age(Duration::from_secs(30 * 24 * 3600)),
        review_ctx(
            Some(ReviewAppTrigger::Manual),
            Some(ReviewAppSettings::ForbidCreation),
        ),
    ];
    let mut denials = 0;
    for role in Role::ALL {
        for kind in ResourceKind::ALL {
            for action in Action::ALL {
                for ctx in &contexts {
                    let Decision::Denied(denial) = decide(role, kind, action, ctx) else {
                        continue;
                    };
                    denials += 1;
                    let text = denial.to_string();
                    let on = match kind {
                        ResourceKind::App => "an app",
                        ResourceKind::DedicatedDatabase => "a dedicated database",
                    };
                    assert!(text.contains(action.id()), "{text}");
                    assert!(text.contains(on), "{text}");
                    assert!(!text.contains("owner role or higher"), "{text}");
                    if denial.reason() != DenialReason::NotApplicable {
                        assert!(text.contains(role.id()), "{text}");
                    }
                    if let Some(needed) = denial.required_role() {
                        assert!(text.contains(&format!("the {needed} role")), "{text}");
                    }
                    if let Some(condition) = denial.reason().condition() {
                        assert!(text.contains(&format!("({condition})")), "{text}");
                    }
                }
            }
        }
    }
    assert!(denials > 100, "only {denials} denials");
}
