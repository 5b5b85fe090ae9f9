//! What a route asks the store to write ([`Change`]), and `decide`, the
//! one function that turns it into the crate's command and asks the crate
//! to decide it (the only place the service calls the crate's membership
//! operations), then holds the result to the [`GrowthLimits`].

use std::time::Duration;

use collab_authz::api::{InviteBody, UpdateBody};
use collab_authz::membership::{
    AcceptError, Command, Invitation, InvitationToken, MemberId, MemberStatus, Timestamp, Username,
};
use collab_authz::{Email, Event, ResourceKind, Role, Roster};

use super::rosters::timed;
use super::{Refusal, ResourceRow, Stats, StoreError, WriteError};
use crate::keys::Keys;

/// A write asked by the caller of a route: a membership operation, a
/// rename or a deletion. The crate decides each.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Change {
    /// Invite `email` with `role` (`None`: the kind's default).
    Invite {
        /// Who is invited.
        email: Email,
        /// The role, or the kind's default.
        role: Option<Role>,
    },
    /// The API's invitation (`{"collaborator":{"email":...,"is_limited":...}}`):
    /// the crate decides whether the caller may invite at all before
    /// whether the role exists on the kind.
    InviteBody {
        /// The request body.
        body: InviteBody,
    },
    /// The caller accepts the invitation of membership `member_id` with
    /// the link's `secret`.
    Accept {
        /// The membership the link names.
        member_id: String,
        /// The secret the link carries.
        secret: String,
        /// The caller's username, if their account has one.
        username: Option<Username>,
    },
    /// Change the role of membership `member_id` to `role`.
    ChangeRole {
        /// The membership.
        member_id: String,
        /// Its new role.
        role: Role,
    },
    /// The API's role update of membership `member_id`
    /// (`{"collaborator":{"is_limited":...}}`): `collaborator` or
    /// `limited_collaborator`, whatever the kind; the crate decides whether
    /// the caller may change roles at all before whether the role exists on
    /// the kind.
    Update {
        /// The membership.
        member_id: String,
        /// The request body.
        body: UpdateBody,
    },
    /// Remove membership `member_id` (the caller's own: leave, or decline
    /// a pending invitation).
    Remove {
        /// The membership.
        member_id: String,
    },
    /// The owner asks to hand the resource to `email`, an accepted
    /// collaborator.
    RequestTransfer {
        /// The target.
        email: Email,
    },
    /// The target of the pending transfer accepts it.
    AcceptTransfer,
    /// The owner or the target cancels the pending transfer.
    CancelTransfer,
    /// Rename the resource.
    Rename {
        /// The new name.
        name: String,
        /// The name the caller states it has now (the platform's rename
        /// states it): a refusal of class invalid, naming the
        /// `current_name` field, when it has another.
        current: Option<String>,
    },
    /// Delete the resource.
    Delete,
}

impl Change {
    /// Whether it is an invitation (held to the
    /// [`InvitationRate`] and the [`GrowthLimits`]).
    #[must_use]
    pub fn is_invitation(&self) -> bool {
        matches!(self, Change::Invite { .. } | Change::InviteBody { .. })
    }
}

/// What a write decided: the events, the membership concerned (the
/// invited one for an invitation) and, for an invitation, its link's
/// secret.
#[derive(Debug)]
pub(super) struct Decided {
    pub(super) events: Vec<Event>,
    pub(super) member_id: Option<String>,
    pub(super) secret: Option<String>,
}

/// The inputs of a decision besides the change.
pub(super) struct Facts<'a> {
    pub(super) resource: &'a ResourceRow,
    pub(super) actor: &'a Email,
    /// The id chosen for an invited membership (once per write, so that a
    /// retried invitation keeps it).
    pub(super) invite_id: Option<&'a str>,
    pub(super) now: u64,
    pub(super) keys: &'a Keys,
    pub(super) stats: &'a Stats,
    pub(super) limits: &'a GrowthLimits,
}

/// How large a roster may grow: a service policy (the platform's storage
/// and page sizes), not a membership rule, so it is checked here, on the
/// roster at the version the write is decided at, after the crate has
/// decided the invitation: the compare-and-set that appends it fails if
/// the roster moved, and the write decides again, so two replicas cannot
/// both take the last place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GrowthLimits {
    /// At most this many people on a roster, owner and pending invitees
    /// included.
    pub max_members: usize,
    /// At most this many pending invitations on a roster.
    pub max_pending: usize,
    /// At most this many invitations by one person in a window, on every
    /// roster together (`None`: no limit).
    pub invitations: Option<InvitationRate>,
}

/// At most [`limit`](Self::limit) invitations by one person in any
/// [`window`](Self::window), counted from the log (so every replica
/// counts the same): a service policy against invitation spam, checked
/// by the write path before the crate decides an invitation; past it the
/// write is refused with
/// [`WriteError::TooManyInvitations`]
/// and how long to wait. A keyed retry of an invitation already written
/// replays its answer first. The count is read before the write's
/// statement, not in it: two invitations sent by one person at the same
/// instant (on two resources) may both take the last place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InvitationRate {
    /// The most invitations in a window (the count reads at most this
    /// many rows of an index).
    pub limit: u32,
    /// The window.
    pub window: Duration,
}

impl GrowthLimits {
    /// No limit (a store built without settings).
    pub const NONE: Self = Self {
        max_members: usize::MAX,
        max_pending: usize::MAX,
        invitations: None,
    };

    /// Whether one more invitation fits `roster` (of `kind`); a 422
    /// refusal saying which limit it would pass and what to do.
    ///
    /// # Errors
    /// [`Refusal`] of class invalid.
    pub fn check(&self, roster: &Roster, kind: ResourceKind) -> Result<(), Refusal> {
        let word = crate::kind::singular(kind);
        let members = roster.iter().count();
        if members >= self.max_members {
            return Err(Refusal::limit(
                kind,
                format!(
                    "this {word} has {members} members and invitations, the most this service \
                     allows (MAX_MEMBERS = {}): remove someone or withdraw an invitation first",
                    self.max_members
                ),
            ));
        }
        let pending = roster
            .iter()
            .filter(|m| m.status() == MemberStatus::Pending)
            .count();
        if pending >= self.max_pending {
            return Err(Refusal::limit(
                kind,
                format!(
                    "this {word} has {pending} pending invitations, the most this service allows \
                     (MAX_PENDING_INVITATIONS = {}): withdraw one, or wait until one is accepted",
                    self.max_pending
                ),
            ));
        }
        Ok(())
    }
}

fn member_id(kind: ResourceKind, id: &str) -> Result<MemberId, Refusal> {
    MemberId::new(id).map_err(|_| Refusal::not_found(kind, "collaborator"))
}

/// Decides `change` against `roster` (the roster at the resource's
/// version): the events to append, none when the state asked for already
/// holds. The one command call of the service: every membership rule is
/// the crate's ([`Roster::decide_command`]).
pub(super) fn decide(
    roster: &Roster,
    change: &Change,
    facts: &Facts<'_>,
) -> Result<Decided, WriteError> {
    let kind = facts.resource.kind;
    let (command, secret) = command(change, facts)?;
    let at = Timestamp::from_unix_seconds(facts.now);
    let outcome = timed(facts.stats, || {
        roster.decide_command(facts.actor, &command, at)
    })
    .map_err(|e| Refusal::new(kind, &e))?;
    if change.is_invitation() && !outcome.events().is_empty() {
        // After the crate: whoever may not invite gets the crate's answer,
        // never a word about the roster's size.
        facts.limits.check(roster, kind)?;
    }
    let member_id = match change {
        Change::Invite { .. } | Change::InviteBody { .. } => facts.invite_id.map(str::to_string),
        Change::Accept { member_id, .. }
        | Change::ChangeRole { member_id, .. }
        | Change::Update { member_id, .. }
        | Change::Remove { member_id } => Some(member_id.clone()),
        _ => None,
    };
    Ok(Decided {
        events: outcome.into_events(),
        member_id,
        secret,
    })
}

/// The crate's command for `change`, and for an invitation the link's
/// secret (derived once, here).
fn command(change: &Change, facts: &Facts<'_>) -> Result<(Command, Option<String>), WriteError> {
    let kind = facts.resource.kind;
    let member = |id: &str| member_id(kind, id);
    Ok(match change {
        Change::Invite { email, role } => {
            let id = facts
                .invite_id
                .ok_or_else(|| StoreError::corrupt("invite id"))?;
            let secret = facts.keys.invitation_secret(&facts.resource.id, id);
            let token = InvitationToken::new(secret.as_str()).map_err(StoreError::corrupt)?;
            let mut invitation = Invitation::new(member(id)?, email.clone(), token);
            if let Some(role) = role {
                invitation = invitation.with_role(*role);
            }
            (Command::invite(invitation), Some(secret))
        }
        Change::InviteBody { body } => {
            let id = facts
                .invite_id
                .ok_or_else(|| StoreError::corrupt("invite id"))?;
            let secret = facts.keys.invitation_secret(&facts.resource.id, id);
            let token = InvitationToken::new(secret.as_str()).map_err(StoreError::corrupt)?;
            (body.to_command(member(id)?, token), Some(secret))
        }
        Change::Accept {
            member_id: id,
            secret,
            username,
        } => {
            // An id or a secret that cannot be one is no invitation.
            let none = || Refusal::new(kind, &AcceptError::NoInvitation);
            let member = MemberId::new(id.as_str()).map_err(|_| none())?;
            let token = InvitationToken::new(secret.as_str()).map_err(|_| none())?;
            let username = username.clone();
            (
                Command::Accept {
                    member,
                    token,
                    username,
                },
                None,
            )
        }
        Change::ChangeRole {
            member_id: id,
            role,
        } => (Command::change_role(member(id)?, *role), None),
        Change::Update {
            member_id: id,
            body,
        } => (body.to_command(member(id)?), None),
        Change::Remove { member_id: id } => (
            Command::Remove {
                member: member(id)?.into(),
            },
            None,
        ),
        Change::RequestTransfer { email } => (
            Command::RequestTransfer {
                to: email.clone().into(),
            },
            None,
        ),
        Change::AcceptTransfer => (Command::AcceptTransfer, None),
        Change::CancelTransfer => (Command::CancelTransfer, None),
        Change::Rename { name, current } => {
            if current.as_ref().is_some_and(|c| *c != facts.resource.name) {
                let why = "current_name: not the app's current name".to_string();
                return Err(Refusal::invalid(kind, why).into());
            }
            (Command::Rename { name: name.clone() }, None)
        }
        Change::Delete => (Command::Delete, None),
    })
}
