//! The API's JSON shapes of a resource, a collaborator and a log event.

use std::collections::HashMap;
use std::sync::Arc;

use collab_authz::api::{ApiStatus, UNKNOWN_USERNAME};
use collab_authz::membership::{EventKind, Member, Username};
use collab_authz::{Email, Event, ResourceKind, Role, Roster};
use serde::Serialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::ApiResult;
use crate::shared::invitation_link;
use crate::store::ResourceRow;
use crate::store::accounts::User;
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
) -> ApiResult<Vec<Value>> {
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
) -> ApiResult<Value> {
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

/// One collaborator in the API's shape.
#[derive(Debug, Serialize)]
pub struct CollaboratorOut<'a> {
    id: &'a str,
    app_id: &'a str,
    app_name: &'a str,
    email: &'a str,
    username: &'a str,
    status: &'static str,
    user_id: Option<&'a str>,
    is_limited: bool,
    role: &'static str,
    invitation_link: Option<String>,
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

/// `member` of `resource` as the API's collaborator object (`None` for
/// the owner, whom the API leaves out); `user_ids` by normalized email.
#[must_use]
pub fn collaborator<'a>(
    resource: &'a ResourceRow,
    member: &'a Member,
    user_ids: &'a HashMap<String, String>,
    link: Link<'_>,
) -> Option<CollaboratorOut<'a>> {
    let status = ApiStatus::from_status(member.status())?;
    let pending = status == ApiStatus::Pending;
    let member_id = member.id().as_str();
    let invitation_link = match (pending, link) {
        (false, _) | (true, Link::Hidden) => None,
        (true, Link::Derived(state)) => Some(invitation_link(state, &resource.id, member_id)),
        (true, Link::Known(link)) => Some(link.to_string()),
    };
    Some(CollaboratorOut {
        id: member_id,
        app_id: &resource.id,
        app_name: &resource.name,
        email: member.email().as_str(),
        username: member.username().map_or(UNKNOWN_USERNAME, Username::as_str),
        status: status.as_str(),
        user_id: if pending {
            None
        } else {
            user_ids
                .get(member.email().normalized())
                .map(String::as_str)
        },
        is_limited: member.role() == Role::LimitedCollaborator,
        role: member.role().id(),
        invitation_link,
    })
}

/// The normalized emails of the roster's accepted (or deleted-account)
/// members and owner: those whose user ids the API shows.
#[must_use]
pub fn account_emails(roster: &Roster) -> Vec<&str> {
    roster
        .iter()
        .filter(|m| m.status() != collab_authz::membership::MemberStatus::Pending)
        .map(|m| m.email().normalized())
        .collect()
}
