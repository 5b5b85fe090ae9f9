//! The words the pages show for the crate's values: kinds, roles,
//! statuses, actions and denials. One place, so that no page prints an
//! identifier (`limited_collaborator`, `invite_collaborator`) to a person.
//!
//! Roles are the crate's [`Role::label`]; the action nouns and the
//! sentence explaining a denial are written here until the crate says
//! them itself ([`action_noun`] and [`explain`] are the two lines to switch).

use collab_authz::membership::MemberStatus;
use collab_authz::org::directory::TwoFactor;
use collab_authz::{Action, Denial, DenialReason, ResourceKind, Role};

/// `App` or `Database`: a kind as a column or heading shows it.
#[must_use]
pub fn kind_label(kind: ResourceKind) -> &'static str {
    crate::kind::label(kind)
}

/// `app` or `database`, inside a sentence: the service's one word for a
/// kind.
pub use crate::kind::singular as kind_word;

/// The crate's label of `role`, capitalized: `Limited collaborator`.
#[must_use]
pub fn role_label(role: Role) -> String {
    capitalized(role.label())
}

/// The crate's label of `role` with its article, inside a sentence:
/// `a limited collaborator`, `the owner`.
#[must_use]
pub fn role_phrase(role: Role) -> String {
    match role {
        Role::Owner => format!("the {}", role.label()),
        _ => format!("a {}", role.label()),
    }
}

/// A membership's status as the collaborators page shows it.
#[must_use]
pub fn status_label(status: MemberStatus) -> &'static str {
    match status {
        MemberStatus::Owner => "Owner",
        MemberStatus::Accepted => "Active",
        MemberStatus::Pending => "Invitation pending",
        MemberStatus::UserAccountDeleted => "Account deleted",
    }
}

/// An account's two-factor status.
#[must_use]
pub fn two_factor_label(two_factor: TwoFactor) -> &'static str {
    match two_factor {
        TwoFactor::Enabled => "Enabled",
        TwoFactor::Disabled => "Disabled",
        TwoFactor::Unknown => "Unknown",
    }
}

/// The roles a collaborator can hold on `kind` (every role but owner),
/// least privileged first.
pub fn collaborator_roles(kind: ResourceKind) -> impl Iterator<Item = Role> {
    [Role::LimitedCollaborator, Role::Collaborator]
        .into_iter()
        .filter(move |r| kind.has_role(*r))
}

/// What doing `action` is called at the start of a sentence: `Adding
/// collaborators`.
#[must_use]
pub fn action_noun(action: Action) -> &'static str {
    match action {
        Action::InviteCollaborator => "Adding collaborators",
        Action::ChangeCollaboratorRole => "Changing roles",
        Action::RevokeCollaborator => "Revoking access",
        _ => "This",
    }
}

/// One sentence saying why `denial` holds, in people's words and about
/// the resource when the kind (not the person) is the reason:
/// "Adding collaborators needs the collaborator role; you are a limited
/// collaborator."
#[must_use]
pub fn explain(denial: &Denial) -> String {
    explain_all(std::slice::from_ref(denial))
}

/// One short sentence for several denials of one person on one resource:
/// the actions that need the same role are named together ("Adding
/// collaborators, changing roles and revoking access need the
/// collaborator role; you are a limited collaborator.").
#[must_use]
pub fn explain_all(denials: &[Denial]) -> String {
    let mut sentences: Vec<String> = Vec::new();
    let mut by_role: Vec<(Role, Role, Vec<Action>)> = Vec::new();
    for denial in denials {
        match denial.reason() {
            DenialReason::RoleTooLow { lowest } => {
                match by_role
                    .iter_mut()
                    .find(|(l, r, _)| *l == lowest && *r == denial.role())
                {
                    Some((_, _, actions)) => actions.push(denial.action()),
                    None => by_role.push((lowest, denial.role(), vec![denial.action()])),
                }
            }
            _ => sentences.push(about_kind(denial)),
        }
    }
    let mut out: Vec<String> = by_role
        .into_iter()
        .map(|(lowest, role, actions)| {
            let verb = if actions.len() == 1 { "needs" } else { "need" };
            format!(
                "{} {verb} the {} role; you are {}.",
                joined(&actions),
                lowest.label(),
                role_phrase(role)
            )
        })
        .collect();
    out.append(&mut sentences);
    out.join(" ")
}

/// A denial that is about the kind or the request, not the person's role.
fn about_kind(denial: &Denial) -> String {
    let kind = kind_word(denial.kind());
    match denial.reason() {
        DenialReason::NotApplicable | DenialReason::RoleNotAvailable { .. }
            if denial.action() == Action::ChangeCollaboratorRole =>
        {
            format!("A {kind} has only one collaborator role.")
        }
        DenialReason::NotApplicable => {
            format!(
                "{} does not apply to a {kind}.",
                action_noun(denial.action())
            )
        }
        DenialReason::RoleNotAvailable { .. } => format!(
            "The {} role does not exist on a {kind}.",
            denial.role().label()
        ),
        _ => format!(
            "{} is allowed only under a condition this request does not meet.",
            action_noun(denial.action())
        ),
    }
}

/// `Adding collaborators, changing roles and revoking access`.
fn joined(actions: &[Action]) -> String {
    let nouns: Vec<String> = actions
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let noun = action_noun(*a);
            if i == 0 {
                noun.to_string()
            } else {
                noun.to_lowercase()
            }
        })
        .collect();
    match nouns.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => nouns.concat(),
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

#[cfg(test)]
mod tests {
    use collab_authz::{Action, Context, Denial, ResourceKind, Role, decide};

    use super::{explain, explain_all, role_label};

    fn denial(role: Role, kind: ResourceKind, action: Action) -> Option<Denial> {
        decide(role, kind, action, &Context::new())
            .denial()
            .copied()
    }

    #[test]
    fn no_identifier_reaches_a_sentence() {
        let limited: Option<Vec<Denial>> = [
            Action::InviteCollaborator,
            Action::ChangeCollaboratorRole,
            Action::RevokeCollaborator,
        ]
        .into_iter()
        .map(|a| denial(Role::LimitedCollaborator, ResourceKind::App, a))
        .collect();
        assert_eq!(
            limited.as_deref().map(explain_all).as_deref(),
            Some(
                "Adding collaborators, changing roles and revoking access need the \
                 collaborator role; you are a limited collaborator."
            )
        );
        let one = denial(
            Role::LimitedCollaborator,
            ResourceKind::App,
            Action::InviteCollaborator,
        );
        assert_eq!(
            one.as_ref().map(explain).as_deref(),
            Some(
                "Adding collaborators needs the collaborator role; you are a limited collaborator."
            )
        );
        assert_eq!(
            role_label(Role::LimitedCollaborator),
            "Limited collaborator"
        );
    }

    #[test]
    fn a_database_denial_speaks_of_the_database() {
        let d = denial(
            Role::Owner,
            ResourceKind::DedicatedDatabase,
            Action::ChangeCollaboratorRole,
        );
        assert_eq!(
            d.as_ref().map(explain).as_deref(),
            Some("A database has only one collaborator role.")
        );
    }
}
