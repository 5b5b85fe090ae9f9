//! Words for people: a [`Denial`] explained as a sentence
//! ([`Denial::explain`]), and [`Capitalized`] to start a sentence or a
//! button with a label.
//!
//! The labels themselves sit beside their ids: [`Role::label`],
//! [`ResourceKind::label`] and [`Action::label`]. Pages, messages and
//! menus take their words from here, so that no user interface shows an
//! identifier (`limited_collaborator`, `invite_collaborator`) and no two
//! pages word a rule differently. The `Display` of a [`Denial`] stays the
//! precise, identifier-based text for logs and audit trails.
//!
//! `no_std`, no allocation: an [`Explanation`] writes itself into any
//! [`fmt::Write`].

use core::fmt;

use crate::rules::action::Action;
use crate::rules::decision::{Denial, DenialReason, MissingFact, Unmet};
use crate::rules::matrix::{Condition, grants};
use crate::rules::resource_kind::ResourceKind;
use crate::rules::role::Role;

/// A label with its first letter in upper case, to start a sentence, a
/// heading or a button (`Invite collaborators`).
///
/// ```
/// use collab_authz::{Action, Capitalized, Role};
///
/// assert_eq!(Capitalized(Action::InviteCollaborator.label()).to_string(), "Invite collaborators");
/// assert_eq!(Capitalized(Role::LimitedCollaborator.label()).to_string(), "Limited collaborator");
/// assert_eq!(Capitalized("").to_string(), "");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Capitalized<'a>(pub &'a str);

impl fmt::Display for Capitalized<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut chars = self.0.chars();
        if let Some(first) = chars.next() {
            for upper in first.to_uppercase() {
                fmt::Write::write_char(f, upper)?;
            }
        }
        f.write_str(chars.as_str())
    }
}

/// A [`Denial`] as one or two plain sentences for the person who was
/// refused: who cannot do what, and who can, in words, without
/// identifiers. Made by [`Denial::explain`]; `Display` writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[must_use]
pub struct Explanation {
    denial: Denial,
}

impl Explanation {
    /// The denial being explained.
    #[must_use]
    pub const fn denial(&self) -> &Denial {
        &self.denial
    }
}

impl Denial {
    /// The denial in people's words, for a page or a message: the role,
    /// the action and the kind by their labels ([`Role::label`],
    /// [`Action::label`], [`ResourceKind::label`]), and who may do it
    /// instead. It starts with a capital letter and ends with a full stop.
    ///
    /// The `Display` of a `Denial` stays the exact text for logs (with the
    /// ids); this is the one to show to people.
    ///
    /// ```
    /// use collab_authz::{decide, Action, Context, ResourceKind, Role};
    ///
    /// let ctx = Context::new();
    /// let refused = |role, kind, action| decide(role, kind, action, &ctx).denial().unwrap().explain().to_string();
    ///
    /// assert_eq!(
    ///     refused(Role::LimitedCollaborator, ResourceKind::App, Action::InviteCollaborator),
    ///     "A limited collaborator cannot invite collaborators on an app; collaborators and the owner can.",
    /// );
    /// assert_eq!(
    ///     refused(Role::Collaborator, ResourceKind::DedicatedDatabase, Action::Delete),
    ///     "A collaborator cannot delete a dedicated database; only the owner can.",
    /// );
    /// // About the kind, not the person: the owner is refused too.
    /// assert_eq!(
    ///     refused(Role::Owner, ResourceKind::DedicatedDatabase, Action::ChangeCollaboratorRole),
    ///     "Nobody can change collaborators' roles on a dedicated database.",
    /// );
    /// ```
    pub const fn explain(&self) -> Explanation {
        Explanation { denial: *self }
    }
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.denial;
        let (kind, action) = (d.kind(), d.action());
        let this = kind.label();
        // One arm per reason: a new reason needs its own sentence. A
        // stranger's denial and a custom role holder's (a roster's) name
        // no role: the sentences of the roster's reasons use none.
        match (d.reason(), d.role()) {
            (DenialReason::NotAMember, _) => write!(
                f,
                "You are not a collaborator on this {this}, so you cannot {}.",
                Phrase::there(action)
            ),
            (DenialReason::InvitationPending, _) => write!(
                f,
                "Your invitation to this {this} is still pending, and a pending invitation grants nothing: you cannot {} yet.",
                Phrase::there(action)
            ),
            (DenialReason::AccountDeleted, _) => write!(
                f,
                "The account behind this membership of the {this} was deleted, so the membership grants nothing, not even to {}.",
                Phrase::there(action)
            ),
            (DenialReason::CustomRoleLacks, _) => write!(
                f,
                "Your custom role does not let you {}.",
                Phrase::general(action, kind)
            ),
            (DenialReason::ResourceDeleted, _) => write!(
                f,
                "This {this} was deleted: nobody can {} any more.",
                Phrase::there(action)
            ),
            // The role-specific reasons always name a role ([`decide`]
            // gives them); without one, say only what is refused.
            (
                DenialReason::RoleTooLow { .. }
                | DenialReason::RoleNotAvailable { .. }
                | DenialReason::ConditionNotMet(_)
                | DenialReason::ConditionUnknown(_),
                None,
            ) => write!(f, "You cannot {}.", Phrase::general(action, kind)),
            (DenialReason::RoleTooLow { lowest }, Some(role)) => {
                write!(
                    f,
                    "{} cannot {}; ",
                    Capitalized(with_article(role)),
                    Phrase::general(action, kind)
                )?;
                if lowest == Role::Owner {
                    f.write_str("only the owner can.")
                } else {
                    write!(f, "{} can.", Who::from(lowest, kind))
                }
            }
            (DenialReason::RoleNotAvailable { lowest }, Some(role)) => {
                write!(
                    f,
                    "There are no {} on {}",
                    plural(role),
                    kind.label_with_article()
                )?;
                match lowest {
                    Some(Role::Owner) => {
                        write!(f, "; only the owner can {}.", Phrase::there(action))
                    }
                    Some(lowest) => write!(
                        f,
                        "; {} can {}.",
                        Who::from(lowest, kind),
                        Phrase::there(action)
                    ),
                    None => write!(f, ", and nobody can {}.", Phrase::there(action)),
                }
            }
            (DenialReason::NotApplicable, _) => {
                write!(f, "Nobody can {}.", Phrase::general(action, kind))
            }
            (DenialReason::ConditionNotMet(unmet), Some(role)) => {
                write!(
                    f,
                    "{} can {} only {}, but {}",
                    Capitalized(with_article(role)),
                    Phrase::general(action, kind),
                    condition(unmet.condition()),
                    unmet_words(unmet)
                )?;
                no_such_limit(f, role, kind, action)
            }
            (DenialReason::ConditionUnknown(missing), Some(role)) => {
                write!(
                    f,
                    "{} can {} only {}, and the request does not say {}",
                    Capitalized(with_article(role)),
                    Phrase::general(action, kind),
                    condition(missing.condition()),
                    missing_words(missing)
                )?;
                no_such_limit(f, role, kind, action)
            }
        }
    }
}

/// `a limited collaborator`, `a collaborator`, `the owner` (one per
/// resource).
const fn with_article(role: Role) -> &'static str {
    match role {
        Role::LimitedCollaborator => "a limited collaborator",
        Role::Collaborator => "a collaborator",
        Role::Owner => "the owner",
    }
}

/// `limited collaborators`, `collaborators`, `owners`.
const fn plural(role: Role) -> &'static str {
    match role {
        Role::LimitedCollaborator => "limited collaborators",
        Role::Collaborator => "collaborators",
        Role::Owner => "owners",
    }
}

/// The roles of `kind` from `from` up, as a list: `collaborators and the
/// owner`, `limited collaborators, collaborators and the owner`.
struct Who {
    from: Role,
    kind: ResourceKind,
}

impl Who {
    const fn from(from: Role, kind: ResourceKind) -> Self {
        Who { from, kind }
    }
}

impl fmt::Display for Who {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut roles = Role::ALL
            .into_iter()
            .filter(|&r| r >= self.from && self.kind.has_role(r))
            .peekable();
        let mut first = true;
        while let Some(role) = roles.next() {
            if !first {
                f.write_str(if roles.peek().is_some() {
                    ", "
                } else {
                    " and "
                })?;
            }
            first = false;
            f.write_str(match role {
                Role::Owner => "the owner",
                other => plural(other),
            })?;
        }
        Ok(())
    }
}

/// An action in a sentence. The actions whose object is the resource read
/// with it (`delete an app`); the others say where (`view logs on an app`).
struct Phrase {
    action: Action,
    /// `None`: the resource was named before (`delete it`, `view logs
    /// there`).
    kind: Option<ResourceKind>,
}

impl Phrase {
    /// With the kind: `delete an app`, `invite collaborators on an app`.
    const fn general(action: Action, kind: ResourceKind) -> Self {
        Phrase {
            action,
            kind: Some(kind),
        }
    }

    /// After the kind was named: `delete it`, `invite collaborators there`.
    const fn there(action: Action) -> Self {
        Phrase { action, kind: None }
    }
}

impl fmt::Display for Phrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = self.action.label();
        let resource = match self.kind {
            Some(kind) => kind.label_with_article(),
            None => "it",
        };
        match (self.action, self.kind) {
            (Action::TransferOwnership, Some(kind)) => {
                write!(f, "transfer ownership of {}", kind.label_with_article())
            }
            (Action::TransferOwnership, None) => f.write_str("transfer its ownership"),
            (Action::Restart | Action::Stop | Action::Delete | Action::Rename, _) => {
                write!(f, "{label} {resource}")
            }
            (_, Some(kind)) => write!(f, "{label} on {}", kind.label_with_article()),
            (_, None) => write!(f, "{label} there"),
        }
    }
}

/// A condition after "only".
const fn condition(condition: Condition) -> &'static str {
    match condition {
        Condition::DeploymentYoungerThan7Days => "for deployments younger than 7 days",
        Condition::ReviewAppViaScmWhenAllowed => {
            "through the SCM integration when the app's review-app settings allow it"
        }
    }
}

/// What the request fails, after "but".
const fn unmet_words(unmet: Unmet) -> &'static str {
    match unmet {
        Unmet::DeploymentTooOld => "this deployment is 7 days old or older",
        Unmet::NotThroughScmIntegration => {
            "this review app is not being created through the SCM integration"
        }
        Unmet::ForbiddenBySettings => "the app's settings forbid creating review apps",
        Unmet::NotThroughScmIntegrationAndForbiddenBySettings => {
            "this review app is not being created through the SCM integration, and the app's \
             settings forbid creating review apps"
        }
    }
}

/// What the request leaves out, after "does not say".
const fn missing_words(missing: MissingFact) -> &'static str {
    match missing {
        MissingFact::DeploymentAge => "how old this deployment is",
        MissingFact::ReviewAppTrigger => "how this review app is being created",
        MissingFact::ReviewAppSettings => "whether the app's settings allow creating review apps",
        MissingFact::ReviewAppTriggerAndSettings => {
            "how this review app is being created, nor whether the app's settings allow it"
        }
    }
}

/// Ends a condition sentence: `; collaborators and the owner have no such
/// limit.` when a higher role of the kind holds the action outright, else
/// `.`.
fn no_such_limit(
    f: &mut fmt::Formatter<'_>,
    role: Role,
    kind: ResourceKind,
    action: Action,
) -> fmt::Result {
    let unlimited = Role::ALL
        .into_iter()
        .find(|&r| r > role && kind.has_role(r) && grants(r, kind).allowed().has(action));
    match unlimited {
        Some(Role::Owner) => f.write_str("; the owner has no such limit."),
        Some(from) => write!(f, "; {} have no such limit.", Who::from(from, kind)),
        None => f.write_str("."),
    }
}
