//! The words the pages show for the crate's values: kinds, roles,
//! statuses, actions and denials. One place, so that no page prints an
//! identifier (`limited_collaborator`, `invite_collaborator`) to a person.
//!
//! Roles, actions and denials are the crate's own words
//! ([`Role::label`], [`Action::label`], [`Denial::explain`]); this module
//! only capitalizes them and joins several denials into one sentence.

use collab_authz::membership::MemberStatus;
use collab_authz::org::directory::TwoFactor;
use collab_authz::{Action, Capitalized, Denial, DenialReason, ResourceKind, Role};

/// `App` or `Database`: a kind as a column or heading shows it.
#[must_use]
pub fn kind_label(kind: ResourceKind) -> &'static str {
    crate::kind::label(kind)
}

/// `app` or `database`, inside a sentence.
#[must_use]
pub fn kind_word(kind: ResourceKind) -> &'static str {
    crate::kind::singular(kind)
}

/// The crate's label of `role`, capitalized: `Limited collaborator`.
#[must_use]
pub fn role_label(role: Role) -> String {
    Capitalized(role.label()).to_string()
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

/// The crate's explanation of `denial`, in people's words: "A limited
/// collaborator cannot invite collaborators on an app; collaborators and
/// the owner can."
#[must_use]
pub fn explain(denial: &Denial) -> String {
    denial.explain().to_string()
}

/// One short sentence for several denials of one person on one resource.
/// Denials because the role is too low for the same lowest role are
/// named together, with the crate's action labels ("A limited
/// collaborator cannot invite collaborators, change collaborators' roles
/// or remove collaborators here; collaborators and the owner can."); any
/// other denial is the crate's own sentence.
#[must_use]
pub fn explain_all(denials: &[Denial]) -> String {
    let mut groups: Vec<(Role, Role, Vec<Action>)> = Vec::new();
    let mut others: Vec<String> = Vec::new();
    for denial in denials {
        let (DenialReason::RoleTooLow { lowest }, Some(role)) = (denial.reason(), denial.role())
        else {
            others.push(explain(denial));
            continue;
        };
        match groups
            .iter_mut()
            .find(|(r, l, _)| *r == role && *l == lowest)
        {
            Some((_, _, actions)) => actions.push(denial.action()),
            None => groups.push((role, lowest, vec![denial.action()])),
        }
    }
    let mut out: Vec<String> = Vec::new();
    for (role, lowest, actions) in groups {
        match (
            actions.as_slice(),
            denials.iter().find(|d| d.role() == Some(role)),
        ) {
            ([_], Some(one)) => out.push(explain(one)),
            _ => out.push(format!(
                "{} cannot {} here; {} can.",
                Capitalized(&role_phrase(role)),
                joined(&actions),
                who_can(lowest)
            )),
        }
    }
    out.append(&mut others);
    out.join(" ")
}

/// `invite collaborators, change collaborators' roles or remove
/// collaborators`.
fn joined(actions: &[Action]) -> String {
    let labels: Vec<&str> = actions.iter().map(|a| a.label()).collect();
    match labels.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => labels.concat(),
    }
}

/// Who holds `lowest` or a higher role: `collaborators and the owner`.
fn who_can(lowest: Role) -> String {
    match lowest {
        Role::Owner => "only the owner".into(),
        Role::Collaborator => "collaborators and the owner".into(),
        Role::LimitedCollaborator => "limited collaborators, collaborators and the owner".into(),
    }
}

/// `text` (a message of the crate or the store shown as is) with every
/// identifier of the crate that a person would not write replaced by its
/// label: `role limited_collaborator does not exist on a
/// dedicated_database` reads "role limited collaborator does not exist on
/// a dedicated database". The page's safety net for messages it has no
/// sentence of its own for.
#[must_use]
pub fn in_words(text: &str) -> String {
    let roles = Role::ALL.iter().map(|r| (r.id(), r.label()));
    let actions = Action::ALL.iter().map(|a| (a.id(), a.label()));
    let kinds = ResourceKind::ALL.iter().map(|k| (k.id(), k.label()));
    let statuses = MemberStatus::ALL.iter().map(|s| (s.id(), s.label()));
    let mut ids: Vec<(&str, &str)> = roles
        .chain(actions)
        .chain(kinds)
        .chain(statuses)
        .filter(|(id, _)| id.contains('_'))
        .collect();
    // Longer ids first, so that no id is replaced inside a longer one.
    ids.sort_by_key(|(id, _)| std::cmp::Reverse(id.len()));
    let mut out = String::with_capacity(text.len());
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        // An address is quoted as written, whatever it contains.
        if word.contains('@') {
            out.push_str(word);
        } else {
            let replaced = ids.iter().fold(word.to_string(), |w, (id, label)| {
                replace_whole(&w, id, label)
            });
            out.push_str(&replaced);
        }
    }
    out
}

/// `word` with `id` replaced by `label` where it is not part of a longer
/// name (no letter, digit or `_` on either side).
fn replace_whole(word: &str, id: &str, label: &str) -> String {
    let part_of_name = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut out = String::with_capacity(word.len());
    let mut rest = word;
    while let Some(at) = rest.find(id) {
        let (before, after) = rest.split_at(at);
        let tail = after.get(id.len()..).unwrap_or("");
        out.push_str(before);
        let whole = !part_of_name(out.chars().next_back()) && !part_of_name(tail.chars().next());
        out.push_str(if whole { label } else { id });
        rest = tail;
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use collab_authz::{Action, Context, Denial, ResourceKind, Role, decide};

    use super::{explain, explain_all, in_words, role_label};

    fn denial(role: Role, kind: ResourceKind, action: Action) -> Option<Denial> {
        decide(role, kind, action, &Context::new())
            .denial()
            .copied()
    }

    #[test]
    fn several_denials_make_one_sentence_without_identifiers() {
        let limited: Option<Vec<Denial>> = [
            Action::InviteCollaborator,
            Action::ChangeCollaboratorRole,
            Action::RevokeCollaborator,
        ]
        .into_iter()
        .map(|a| denial(Role::LimitedCollaborator, ResourceKind::App, a))
        .collect();
        let text = limited.as_deref().map(explain_all).unwrap_or_default();
        assert_eq!(
            text,
            format!(
                "A limited collaborator cannot {}, {} or {} here; collaborators and the owner can.",
                Action::InviteCollaborator.label(),
                Action::ChangeCollaboratorRole.label(),
                Action::RevokeCollaborator.label()
            )
        );
        assert!(!text.contains('_'), "{text}");
        assert_eq!(
            role_label(Role::LimitedCollaborator),
            "Limited collaborator"
        );
    }

    #[test]
    fn identifiers_read_as_labels() {
        let text = in_words("role limited_collaborator does not exist on a dedicated_database");
        assert_eq!(
            text,
            "role limited collaborator does not exist on a dedicated database"
        );
        assert_eq!(in_words("user_account_deleted"), "user account deleted");
        assert_eq!(in_words("no identifier here"), "no identifier here");
        assert_eq!(
            in_words("limited_collaborator@example.com is a limited_collaborator."),
            "limited_collaborator@example.com is a limited collaborator."
        );
        assert_eq!(
            in_words("x_owner_y collaborator_z"),
            "x_owner_y collaborator_z"
        );
    }

    #[test]
    fn one_denial_is_the_crate_explanation() {
        for (role, kind, action) in [
            (
                Role::LimitedCollaborator,
                ResourceKind::App,
                Action::InviteCollaborator,
            ),
            (
                Role::Owner,
                ResourceKind::DedicatedDatabase,
                Action::ChangeCollaboratorRole,
            ),
        ] {
            let d = denial(role, kind, action);
            let one = d.as_ref().map(explain);
            assert_eq!(one, d.map(|d| d.explain().to_string()));
            assert_eq!(d.map(|d| explain_all(&[d])), one);
        }
    }
}
