//! Every kind of denial explains itself in words: who, what, on which kind,
//! why, and what would allow it.

use core::time::Duration;

use collab_authz::{
    Action, Context, Decision, ResourceKind, ReviewAppSettings, ReviewAppTrigger, Role, decide,
};

fn denial_text(role: Role, kind: ResourceKind, action: Action, ctx: &Context) -> String {
    match decide(role, kind, action, ctx) {
        Decision::Denied(denial) => denial.to_string(),
        other => format!("not denied: {other:?}"),
    }
}

#[test]
fn each_reason_reads_as_a_sentence() {
    let app = ResourceKind::App;
    let db = ResourceKind::DedicatedDatabase;
    let limited = Role::LimitedCollaborator;
    let none = Context::new();
    let old = Context::new().with_deployment_age(Duration::from_secs(8 * 24 * 3600));
    let manual = Context::new()
        .with_review_app_trigger(ReviewAppTrigger::Manual)
        .with_review_app_settings(ReviewAppSettings::AllowCreation);

    let cases = [
        (
            denial_text(Role::Collaborator, app, Action::Delete, &none),
            "collaborator may not delete on an app: it needs the owner role or higher",
        ),
        (
            denial_text(limited, db, Action::ViewConnectionDetails, &none),
            "the limited_collaborator role is not available on a dedicated database",
        ),
        (
            denial_text(Role::Owner, db, Action::Restart, &none),
            "restart does not apply to a dedicated database, for any role",
        ),
        (
            denial_text(limited, app, Action::ViewDeploymentLogs, &old),
            "limited_collaborator may view_deployment_logs on an app only under a condition \
             (only deployments younger than 7 days), and this request does not meet it",
        ),
        (
            denial_text(limited, app, Action::CreateReviewApp, &manual),
            "limited_collaborator may create_review_app on an app only under a condition \
             (only through the SCM integration, and only when the app's review-app settings \
             allow it), and this request does not meet it",
        ),
        (
            denial_text(limited, app, Action::ViewDeploymentLogs, &none),
            "limited_collaborator may view_deployment_logs on an app only under a condition \
             (only deployments younger than 7 days), and the context does not say whether \
             this request meets it",
        ),
    ];
    for (got, want) in cases {
        assert_eq!(got, want);
    }
}
