//! The API's JSON shapes of a resource, a collaborator and a log event.

use std::collections::HashMap;
use std::sync::Arc;

use collab_authz::api::ApiCollaborator;
use collab_authz::membership::{Account, EventKind, Member, MemberStatus, Resource, Username};
use collab_authz::{Email, Event, ResourceKind, Role, Roster};
use serde::Serialize;
use serde_json::{Value, json};

use crate::shared::invitation_link;
use crate::state::AppState;
use crate::store::accounts::User;
use crate::store::{ResourceRow, StoreError};
use crate::time::{iso8601, iso8601_unsigned};

/// The name the events route gives `event` on a resource of `kind`: the
/// crate's notification name, except for a rename or a deletion, which
/// the API names after the kind (`app_renamed`, `database_deleted`, ...).
#[must_use]
pub fn event_name(event: &Event, kind: ResourceKind) -> &'static str {
    match (event.kind(), kind) {
        (EventKind::Renamed, ResourceKind::App) => "app_renamed",
        (EventKind::Renamed, ResourceKind::DedicatedDatabase) => "database_renamed",
        (EventKind::Deleted, ResourceKind::App) => "app_deleted",
        (EventKind::Deleted, ResourceKind::DedicatedDatabase) => "database_deleted",
        (other, _) => other.notification_name(),
    }
}

/// One resource in the API's shape, for `caller`, with its owner's
/// account `owner_user` (`None`: not found, shown with a null id).
#[must_use]
pub fn resource_with_owner(
    resource: &ResourceRow,
    roster: &Roster,
    owner_user: Option<&User>,
    caller: &Email,
) -> Value {
    resource_json(resource, roster, owner_user, caller)
}

fn resource_json(
    resource: &ResourceRow,
    roster: &Roster,
    owner_user: Option<&User>,
    caller: &Email,
) -> Value {
    let owner = roster.owner();
    json!({
        "id": resource.id,
        "name": resource.name,
        "kind": resource.kind.id(),
        "created_at": iso8601(resource.created_at),
        "owner": {
            "id": owner_user.map(|u| u.id.as_str()),
            "username": owner_user.and_then(|u| u.username.as_deref())
                .or(owner.username().map(Username::as_str)),
            "email": owner.email().as_str(),
        },
        "role": roster.effective_role(caller).map(collab_authz::Role::id),
        "members": roster.len(),
        "pending_transfer": roster.pending_transfer().map(|t| json!({
            "to": t.to().as_str(),
            "requested_at": iso8601_unsigned(t.requested_at().as_unix_seconds()),
        })),
    })
}

/// The resources `items` in the API's shape, for `caller`, their owners'
/// accounts read in one query.
///
/// # Errors
/// 503 when the database is unreachable.
pub async fn resources(
    state: &AppState,
    caller: &Email,
    items: &[(ResourceRow, Arc<Roster>)],
) -> Result<Vec<Value>, StoreError> {
    let owners: Vec<&str> = items
        .iter()
        .map(|(_, r)| r.owner().email().normalized())
        .collect();
    let users = state.store.users_by_email(&owners).await?;
    Ok(items
        .iter()
        .map(|(resource, roster)| {
            let owner = users.get(roster.owner().email().normalized());
            resource_json(resource, roster, owner, caller)
        })
        .collect())
}

/// One resource in the API's shape.
///
/// # Errors
/// 503 when the database is unreachable.
pub async fn resource(
    state: &AppState,
    caller: &Email,
    resource: ResourceRow,
    roster: Arc<Roster>,
) -> Result<Value, StoreError> {
    let mut values = resources(state, caller, &[(resource, roster)]).await?;
    Ok(values.pop().unwrap_or(Value::Null))
}

/// One event of the log in the events route's shape: the crate's event,
/// named by [`event_name`]; a rename carries the new `name`.
#[must_use]
pub fn event(event: &Event, kind: ResourceKind) -> Value {
    let mut value = json!({
        "seq": event.seq(),
        "type": event_name(event, kind),
        "api_type": event.kind().api_name(),
        "at": iso8601_unsigned(event.at().as_unix_seconds()),
        "actor": event.actor().as_str(),
        "member": {
            "id": event.member().id.as_str(),
            "email": event.member().email.as_str(),
            "username": event.member().username.as_ref().map(Username::as_str),
        },
        "role": event.role().map(collab_authz::Role::id),
        "previous_role": event.previous_role().map(collab_authz::Role::id),
        "advisory": event.advisory().map(|a| a.to_string()),
    });
    if let (Some(name), Some(object)) = (event.name(), value.as_object_mut()) {
        object.insert("name".into(), Value::from(name));
    }
    value
}

/// The platform's event type of `event` on a resource of `kind`: the
/// crate's public API name for a collaborator event
/// ([`EventKind::api_name`]: `new_collaborator`, `accept_collaborator`,
/// `delete_collaborator`, `change_collaborator_role`); on an app, the
/// platform's `new_app`, `rename_app`, `delete_app` and `transfer_app`
/// (the role change that makes the target owner) for the crate's
/// `roster_created`, `resource_renamed`, `resource_deleted`; any other
/// event keeps its name of [`event_name`] (the platform has none).
#[must_use]
pub fn platform_type(event: &Event, kind: ResourceKind) -> &'static str {
    let app = kind == ResourceKind::App;
    match event.kind() {
        EventKind::RoleChanged if app && event.role() == Some(Role::Owner) => "transfer_app",
        EventKind::RosterCreated if app => "new_app",
        EventKind::Renamed if app => "rename_app",
        EventKind::Deleted if app => "delete_app",
        other => other.api_name().unwrap_or_else(|| event_name(event, kind)),
    }
}

/// An account as the platform's events name it (`{"username","email",
/// "id"}`), its id and username from `users` (by normalized email) when
/// it has an account here.
fn event_user(account: &Account, users: &HashMap<String, User>) -> Value {
    let user = users.get(account.email.normalized());
    json!({
        "id": user.map(|u| u.id.as_str()),
        "username": user
            .and_then(|u| u.username.as_deref())
            .or(account.username.as_ref().map(Username::as_str)),
        "email": account.email.as_str(),
    })
}

/// The resource's whole log (`events`, in order) as the platform's
/// events, oldest first: `id` (the `seq`), `app_id`, `app_name`,
/// `created_at`, `user` (the actor), `type` ([`platform_type`]) and the
/// platform's `type_data` (`collaborator` with `is_limited` and
/// `inviter`; `old_name`/`new_name`; `old_owner`/`new_owner`). The
/// names and owners before each event are followed through the log.
/// `users` by normalized email: the accounts the events name.
#[must_use]
pub fn platform_events(
    resource: &ResourceRow,
    events: &[Event],
    users: &HashMap<String, User>,
) -> Vec<Value> {
    let mut name: Option<&str> = None;
    let mut owner: Option<&Account> = None;
    let mut out = Vec::with_capacity(events.len());
    for event in events {
        let member = event.member();
        let actor = users.get(event.actor().normalized());
        let actor = json!({
            "id": actor.map(|u| u.id.as_str()),
            "username": actor.and_then(|u| u.username.as_deref()),
            "email": event.actor().as_str(),
        });
        let kind = platform_type(event, resource.kind);
        let type_data = match kind {
            "rename_app" => json!({ "old_name": name, "new_name": event.name() }),
            "transfer_app" => json!({
                "old_owner": owner.map(|o| event_user(o, users)),
                "new_owner": event_user(member, users),
            }),
            "new_collaborator"
            | "accept_collaborator"
            | "delete_collaborator"
            | "change_collaborator_role" => {
                let role = event.role().or(event.previous_role());
                let mut collaborator = event_user(member, users);
                if let Some(object) = collaborator.as_object_mut() {
                    object.insert("id".into(), Value::from(member.id.as_str()));
                    object.insert(
                        "is_limited".into(),
                        Value::from(role == Some(Role::LimitedCollaborator)),
                    );
                    object.insert("inviter".into(), actor.clone());
                }
                json!({ "collaborator": collaborator })
            }
            _ => json!({}),
        };
        out.push(json!({
            "id": event.seq().to_string(),
            "app_id": resource.id,
            "app_name": resource.name,
            "created_at": iso8601_unsigned(event.at().as_unix_seconds()),
            "user": actor,
            "type": kind,
            "type_data": type_data,
        }));
        match event.kind() {
            EventKind::RosterCreated => {
                name = event.name();
                owner = Some(member);
            }
            EventKind::Renamed => name = event.name(),
            EventKind::RoleChanged if event.role() == Some(Role::Owner) => owner = Some(member),
            _ => {}
        }
    }
    out
}

/// One collaborator in the API's shape: the crate's platform object
/// ([`ApiCollaborator::from_member`]) with the service's `role` beside it
/// (the built-in role's id).
#[derive(Debug, Serialize)]
pub struct CollaboratorOut {
    #[serde(flatten)]
    object: ApiCollaborator,
    role: &'static str,
}

/// How a collaborator's invitation link is shown.
#[derive(Debug, Clone, Copy)]
pub enum Link<'a> {
    /// Not shown (the viewer may not invite).
    Hidden,
    /// Derived again from the shared key.
    Derived(&'a AppState),
    /// This one (an invitation just made, its secret in hand).
    Known(&'a str),
}

/// `member` of `resource` (its id and current name from the roster) as the
/// API's collaborator object; `user_ids` by normalized email. `None` for
/// the owner, whom the API leaves out, and for a member who holds a custom
/// role, which the platform's object cannot carry (a client reading it
/// would see the base role, which holds more: fail closed; the service
/// never grants one today).
#[must_use]
pub fn collaborator(
    resource: &Resource,
    member: &Member,
    user_ids: &HashMap<String, String>,
    link: Link<'_>,
) -> Option<CollaboratorOut> {
    let mut object = ApiCollaborator::from_member(member, resource).ok()?;
    if member.status() == MemberStatus::Pending {
        let (resource_id, member_id) = (resource.id().as_str(), member.id().as_str());
        match link {
            Link::Hidden => {}
            Link::Derived(state) => {
                object =
                    object.with_invitation_link(invitation_link(state, resource_id, member_id));
            }
            Link::Known(link) => object = object.with_invitation_link(link),
        }
    } else if let Some(id) = user_ids.get(member.email().normalized()) {
        object = object.with_user_id(id.as_str());
    }
    let role = member.role().id();
    Some(CollaboratorOut { object, role })
}

/// The normalized emails of the roster's accepted (or deleted-account)
/// members and owner: those whose user ids the API shows.
#[must_use]
pub fn account_emails(roster: &Roster) -> Vec<&str> {
    roster
        .iter()
        .filter(|m| m.status() != MemberStatus::Pending)
        .map(|m| m.email().normalized())
        .collect()
}
