//! What a route asks the store to write ([`Change`]), and the one
//! function that asks the crate to decide it ([`decide`]): the only place
//! the service calls the crate's membership operations.

use collab_authz::api::UpdateBody;
use collab_authz::membership::{
    ChangeRoleError, Classify, Invitation, InvitationToken, MemberId, Timestamp, TransferError,
    Username,
};
use collab_authz::{Action, Email, Event, ResourceKind, Role, Roster};

use super::{Refusal, ResourceRow, Stats, StoreError, WriteError, timed};
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
    /// (`{"collaborator":{"is_limited":...}}`): whether the caller may
    /// change roles at all is decided before whether the role exists on
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
    },
    /// Delete the resource.
    Delete,
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

impl Decided {
    /// Nothing to write: the state asked for already holds.
    fn unchanged(member_id: Option<&str>) -> Self {
        Self {
            events: Vec::new(),
            member_id: member_id.map(str::to_string),
            secret: None,
        }
    }

    fn one(event: Event, member_id: Option<&str>) -> Self {
        Self {
            events: vec![event],
            member_id: member_id.map(str::to_string),
            secret: None,
        }
    }
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
}

fn member_id(kind: ResourceKind, id: &str) -> Result<MemberId, Refusal> {
    MemberId::new(id).map_err(|_| Refusal::not_found(kind, "collaborator"))
}

/// Runs one of the crate's decisions, timed into `stats`; its refusal
/// becomes a [`Refusal`] on a resource of `kind`.
fn ask<T, E: Classify + core::fmt::Display>(
    stats: &Stats,
    kind: ResourceKind,
    f: impl FnOnce() -> Result<T, E>,
) -> Result<T, Refusal> {
    timed(stats, f).map_err(|e| Refusal::new(kind, &e))
}

/// Decides `change` against `roster` (the roster at the resource's
/// version): the events to append. The one command call of the service.
pub(super) fn decide(
    roster: &Roster,
    change: &Change,
    facts: &Facts<'_>,
) -> Result<Decided, WriteError> {
    let (kind, actor, stats) = (facts.resource.kind, facts.actor, facts.stats);
    let at = Timestamp::from_unix_seconds(facts.now);
    Ok(match change {
        Change::Invite { email, role } => {
            let id = facts
                .invite_id
                .ok_or_else(|| StoreError::corrupt("invite id"))?;
            let secret = facts.keys.invitation_secret(&facts.resource.id, id);
            let token = InvitationToken::new(secret.as_str()).map_err(StoreError::corrupt)?;
            let mut invitation = Invitation::new(member_id(kind, id)?, email.clone(), token);
            if let Some(role) = role {
                invitation = invitation.with_role(*role);
            }
            let event = ask(stats, kind, || roster.decide_invite(actor, invitation, at))?;
            let mut decided = Decided::one(event, Some(id));
            decided.secret = Some(secret);
            decided
        }
        Change::Accept {
            member_id: id,
            secret,
            username,
        } => {
            // The link names the membership: it must be the caller's own;
            // a wrong token is the same answer as no invitation.
            let mine = roster.get(actor).is_some_and(|m| m.id().as_str() == id);
            let (true, Ok(token)) = (mine, InvitationToken::new(secret.as_str())) else {
                return Err(Refusal::not_found(kind, "invitation").into());
            };
            let event = ask(stats, kind, || {
                roster.decide_accept(actor, &token, username.clone(), at)
            })?;
            Decided::one(event, Some(id))
        }
        Change::ChangeRole {
            member_id: id,
            role,
        } => {
            let mid = member_id(kind, id)?;
            match timed(stats, || roster.decide_change_role(actor, &mid, *role, at)) {
                Ok(event) => Decided::one(event, Some(id)),
                // The role it already has: an idempotent no-op, decided
                // after every check of the actor and the member.
                Err(ChangeRoleError::Unchanged { .. }) => Decided::unchanged(Some(id)),
                Err(e) => return Err(Refusal::new(kind, &e).into()),
            }
        }
        Change::Update {
            member_id: id,
            body,
        } => {
            let role = match body.role_on(kind) {
                Ok(role) => role,
                Err(e) => {
                    // Whether the caller may change roles at all comes
                    // first (no role change exists on a database).
                    ask(stats, kind, || {
                        roster.may(actor, Action::ChangeCollaboratorRole)
                    })?;
                    return Err(Refusal::new(kind, &e).into());
                }
            };
            let change = Change::ChangeRole {
                member_id: id.clone(),
                role,
            };
            return decide(roster, &change, facts);
        }
        Change::Remove { member_id: id } => {
            let mid = member_id(kind, id)?;
            // The caller's own membership: leave (or decline).
            let event = if roster.find(&mid).is_some_and(|m| m.email() == actor) {
                ask(stats, kind, || roster.decide_leave(actor, at))?
            } else {
                ask(stats, kind, || roster.decide_revoke(actor, &mid, at))?
            };
            Decided::one(event, Some(id))
        }
        Change::RequestTransfer { email } => {
            let event = ask(stats, kind, || {
                roster.decide_request_transfer(actor, email, at)
            })?;
            let target = event.member().id.as_str().to_string();
            Decided::one(event, Some(&target))
        }
        Change::AcceptTransfer => {
            let Some(request) = roster.pending_transfer() else {
                return Err(Refusal::new(kind, &TransferError::NoPending).into());
            };
            let events = ask(stats, kind, || {
                roster.decide_accept_transfer(actor, request, at)
            })?;
            Decided {
                events: events.to_vec(),
                member_id: None,
                secret: None,
            }
        }
        Change::CancelTransfer => Decided::one(
            ask(stats, kind, || roster.decide_cancel_transfer(actor, at))?,
            None,
        ),
        Change::Rename { name } => Decided::one(
            ask(stats, kind, || roster.decide_rename(actor, name, at))?,
            None,
        ),
        Change::Delete => Decided::one(ask(stats, kind, || roster.decide_delete(actor, at))?, None),
    })
}
