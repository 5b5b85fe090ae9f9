//! Human labels: every role, kind and action has words for people, and
//! every kind of denial explains itself in them. The expected sentences
//! are written here from the spec (docs/permissions.md), one per reason and
//! per part of a condition.

use std::collections::HashSet;
use std::time::Duration;

use collab_authz::{
    Action, Capitalized, Context, Decision, ResourceKind, ReviewAppSettings, ReviewAppTrigger,
    Role, decide,
};

fn explained(role: Role, kind: ResourceKind, action: Action, ctx: &Context) -> String {
    match decide(role, kind, action, ctx) {
        Decision::Denied(denial) => denial.explain().to_string(),
        other => format!("not denied: {other:?}"),
    }
}

/// A label people can read: non-empty, lowercase start, no identifier
/// spelling (underscores), no stray spaces.
fn assert_readable(label: &str, what: &str) {
    assert!(!label.is_empty(), "{what}: empty label");
    assert!(!label.contains('_'), "{what}: {label:?} has an underscore");
    assert_eq!(label.trim(), label, "{what}: {label:?} has outer spaces");
    assert!(
        !label.contains("  "),
        "{what}: {label:?} has a double space"
    );
    assert!(
        label.starts_with(|c: char| c.is_ascii_lowercase()),
        "{what}: {label:?} does not start with a lowercase letter"
    );
}

#[test]
fn every_action_has_a_unique_readable_label() {
    let mut seen = HashSet::new();
    for action in Action::ALL {
        let label = action.label();
        assert_readable(label, action.id());
        assert!(
            seen.insert(label),
            "{action}: label {label:?} is shared with another action"
        );
    }
    assert_eq!(seen.len(), Action::COUNT);
}

#[test]
fn every_role_and_kind_has_a_unique_readable_label() {
    let roles: HashSet<_> = Role::ALL.into_iter().map(Role::label).collect();
    assert_eq!(roles.len(), Role::ALL.len());
    for role in Role::ALL {
        assert_readable(role.label(), role.id());
    }
    let kinds: HashSet<_> = ResourceKind::ALL
        .into_iter()
        .map(ResourceKind::label)
        .collect();
    assert_eq!(kinds.len(), ResourceKind::ALL.len());
    for kind in ResourceKind::ALL {
        assert_readable(kind.label(), kind.id());
        let with_article = kind.label_with_article();
        assert!(
            with_article == format!("a {}", kind.label())
                || with_article == format!("an {}", kind.label()),
            "{kind}: {with_article:?}"
        );
    }
    assert_eq!(ResourceKind::App.label_with_article(), "an app");
    assert_eq!(
        ResourceKind::DedicatedDatabase.label_with_article(),
        "a dedicated database"
    );
}

#[test]
fn capitalized_upper_cases_the_first_letter_only() {
    let cases = [
        ("invite collaborators", "Invite collaborators"),
        ("limited collaborator", "Limited collaborator"),
        ("Already", "Already"),
        ("é", "É"),
        ("ß", "SS"),
        ("", ""),
    ];
    for (input, expected) in cases {
        assert_eq!(Capitalized(input).to_string(), expected, "{input:?}");
    }
}

#[test]
fn each_reason_explains_itself_in_words() {
    use ReviewAppSettings::{AllowCreation, ForbidCreation};
    use ReviewAppTrigger::{Manual, ScmIntegration};

    let app = ResourceKind::App;
    let db = ResourceKind::DedicatedDatabase;
    let limited = Role::LimitedCollaborator;
    let none = Context::new();
    let old = Context::new().with_deployment_age(Duration::from_secs(8 * 24 * 3600));
    let review = |trigger: Option<ReviewAppTrigger>, settings: Option<ReviewAppSettings>| {
        let mut ctx = Context::new();
        if let Some(trigger) = trigger {
            ctx = ctx.with_review_app_trigger(trigger);
        }
        if let Some(settings) = settings {
            ctx = ctx.with_review_app_settings(settings);
        }
        explained(limited, app, Action::CreateReviewApp, &ctx)
    };
    const REVIEW: &str = "A limited collaborator can create review apps on an app only through \
                          the SCM integration when the app's review-app settings allow it";
    const NO_LIMIT: &str = "collaborators and the owner have no such limit.";

    let cases = [
        // The role is too low: who can, from the spec's columns.
        (
            explained(limited, app, Action::InviteCollaborator, &none),
            "A limited collaborator cannot invite collaborators on an app; collaborators and the \
             owner can."
                .to_owned(),
        ),
        (
            explained(limited, app, Action::Stop, &none),
            "A limited collaborator cannot stop an app; collaborators and the owner can."
                .to_owned(),
        ),
        (
            explained(Role::Collaborator, app, Action::Delete, &none),
            "A collaborator cannot delete an app; only the owner can.".to_owned(),
        ),
        (
            explained(Role::Collaborator, db, Action::TransferOwnership, &none),
            "A collaborator cannot transfer ownership of a dedicated database; only the owner \
             can."
                .to_owned(),
        ),
        // A role the kind does not have.
        (
            explained(limited, db, Action::ViewConnectionDetails, &none),
            "There are no limited collaborators on a dedicated database; collaborators and the \
             owner can view connection details there."
                .to_owned(),
        ),
        (
            explained(limited, db, Action::Rename, &none),
            "There are no limited collaborators on a dedicated database; only the owner can \
             rename it."
                .to_owned(),
        ),
        (
            explained(limited, db, Action::Restart, &none),
            "There are no limited collaborators on a dedicated database, and nobody can restart \
             it."
            .to_owned(),
        ),
        // An action the kind does not have, for anyone: about the kind,
        // not the person.
        (
            explained(Role::Owner, db, Action::ChangeCollaboratorRole, &none),
            "Nobody can change collaborators' roles on a dedicated database.".to_owned(),
        ),
        (
            explained(Role::Owner, db, Action::Stop, &none),
            "Nobody can stop a dedicated database.".to_owned(),
        ),
        // A condition that fails, part by part.
        (
            explained(limited, app, Action::ViewDeploymentLogs, &old),
            format!(
                "A limited collaborator can view deployment logs on an app only for deployments \
                 younger than 7 days, but this deployment is 7 days old or older; {NO_LIMIT}"
            ),
        ),
        (
            review(Some(Manual), Some(AllowCreation)),
            format!(
                "{REVIEW}, but this review app is not being created through the SCM \
                 integration; {NO_LIMIT}"
            ),
        ),
        (
            review(Some(ScmIntegration), Some(ForbidCreation)),
            format!("{REVIEW}, but the app's settings forbid creating review apps; {NO_LIMIT}"),
        ),
        (
            review(Some(Manual), Some(ForbidCreation)),
            format!(
                "{REVIEW}, but this review app is not being created through the SCM \
                 integration, and the app's settings forbid creating review apps; {NO_LIMIT}"
            ),
        ),
        // A condition the request cannot be checked against.
        (
            explained(limited, app, Action::ViewDeploymentLogs, &none),
            format!(
                "A limited collaborator can view deployment logs on an app only for deployments \
                 younger than 7 days, and the request does not say how old this deployment is; \
                 {NO_LIMIT}"
            ),
        ),
        (
            review(None, Some(AllowCreation)),
            format!(
                "{REVIEW}, and the request does not say how this review app is being created; \
                 {NO_LIMIT}"
            ),
        ),
        (
            review(Some(ScmIntegration), None),
            format!(
                "{REVIEW}, and the request does not say whether the app's settings allow \
                 creating review apps; {NO_LIMIT}"
            ),
        ),
        (
            review(None, None),
            format!(
                "{REVIEW}, and the request does not say how this review app is being created, \
                 nor whether the app's settings allow it; {NO_LIMIT}"
            ),
        ),
    ];
    for (got, expected) in cases {
        assert_eq!(got, expected);
    }
}

/// Every denial of the matrix, in every reason it can take, reads as a
/// sentence in people's words: a capital letter, a full stop, the action's
/// label, and no identifier.
#[test]
fn every_denial_is_a_sentence_without_identifiers() {
    let contexts = [
        Context::new(),
        Context::new()
            .with_deployment_age(Duration::from_secs(8 * 24 * 3600))
            .with_review_app_trigger(ReviewAppTrigger::Manual)
            .with_review_app_settings(ReviewAppSettings::ForbidCreation),
    ];
    let mut denials = 0;
    for kind in ResourceKind::ALL {
        for role in Role::ALL {
            for action in Action::ALL {
                for ctx in &contexts {
                    let Decision::Denied(denial) = decide(role, kind, action, ctx) else {
                        continue;
                    };
                    denials += 1;
                    let text = denial.explain().to_string();
                    assert!(
                        text.starts_with(|c: char| c.is_ascii_uppercase()) && text.ends_with('.'),
                        "{denial}: {text:?}"
                    );
                    assert!(
                        !text.contains('_'),
                        "{denial}: {text:?} shows an identifier"
                    );
                    let label = match action {
                        // Read with its object: "transfer ownership of ...".
                        Action::TransferOwnership => "transfer",
                        other => other.label(),
                    };
                    assert!(text.contains(label), "{denial}: {text:?} lacks {label:?}");
                    assert!(!text.contains("  "), "{denial}: {text:?}");
                    assert_eq!(denial.explain().denial(), &denial);
                }
            }
        }
    }
    assert!(denials > 100, "only {denials} denials walked");
}
