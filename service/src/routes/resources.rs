//! Apps and dedicated databases: create, list, show, rename, delete,
//! transfer ownership, collaborators, invitations and events. One
//! generic handler per route, instantiated for each kind.

use std::collections::HashMap;

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use collab_authz::api::{ApiStatus, InviteBody, UpdateBody};
use collab_authz::membership::{Account, Member, MemberId, MemberStatus, Username};
use collab_authz::{Action, Context, Event, ResourceKind, Role, Roster};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{PathParams, QueryParams, UNKNOWN_USERNAME, plural, singular, validate_name};
use crate::AppState;
use crate::auth::Caller;
use crate::body::{JsonBody, StrictBody};
use crate::error::{ApiError, ApiResult};
use crate::shared::{invitation_link, parse_email};
use crate::store::{Change, Op, ResourceRow, active_role, event_name, refused};
use crate::time::iso8601;

/// The const parameter of the app routes.
pub const APP: u8 = 0;
/// The const parameter of the dedicated-database routes.
pub const DB: u8 = 1;

/// The kind a const parameter stands for.
#[must_use]
pub const fn kind_of<const K: u8>() -> ResourceKind {
    if K == APP {
        ResourceKind::App
    } else {
        ResourceKind::DedicatedDatabase
    }
}

// ---------------------------------------------------------------------------
// Bodies. Unknown fields are refused (422).
// ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Named {
    name: String,
}

/// `{"app":{...}}` on the app routes, `{"database":{...}}` on the
/// database routes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ResourceBody {
    #[serde(default)]
    app: Option<Named>,
    #[serde(default)]
    database: Option<Named>,
}

impl ResourceBody {
    /// The name, under the key of `kind` and no other.
    fn name(self, kind: ResourceKind) -> ApiResult<String> {
        let (mine, other) = match kind {
            ResourceKind::App => (self.app, self.database),
            ResourceKind::DedicatedDatabase => (self.database, self.app),
        };
        match (mine, other) {
            (Some(named), None) => Ok(named.name),
            _ => Err(ApiError::Unprocessable(format!(
                "invalid body: expected {{\"{}\":{{\"name\":...}}}}",
                singular(kind)
            ))),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TransferFields {
    email: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TransferBody {
    transfer: TransferFields,
}

// ---------------------------------------------------------------------------
// Output.
// ---------------------------------------------------------------------------

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

fn role_id(role: Role) -> &'static str {
    match role {
        Role::Owner => "owner",
        Role::Collaborator => "collaborator",
        Role::LimitedCollaborator => "limited_collaborator",
    }
}

fn collaborator_out<'a>(
    state: &AppState,
    resource: &'a ResourceRow,
    member: &'a Member,
    user_ids: &'a HashMap<String, String>,
    show_link: bool,
) -> Option<CollaboratorOut<'a>> {
    let status = ApiStatus::from_status(member.status())?;
    let pending = status == ApiStatus::Pending;
    Some(CollaboratorOut {
        id: member.id().as_str(),
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
        role: role_id(member.role()),
        invitation_link: (pending && show_link)
            .then(|| invitation_link(state, &resource.id, member.id().as_str())),
    })
}

/// `{"collaborators": [...]}`.
#[derive(Debug, Serialize)]
struct CollaboratorList<'a> {
    collaborators: Vec<CollaboratorOut<'a>>,
}

/// The user ids of the roster's accepted (or deleted-account) members and
/// owner, by normalized email.
async fn user_ids(state: &AppState, roster: &Roster) -> ApiResult<HashMap<String, String>> {
    let emails: Vec<&str> = roster
        .iter()
        .filter(|m| m.status() != MemberStatus::Pending)
        .map(|m| m.email().normalized())
        .collect();
    state.user_ids.ids(&state.pool, &emails).await
}

/// Whether `caller` may invite (and so see invitation links).
fn manages(state: &AppState, roster: &Roster, caller: &Caller) -> bool {
    state
        .store
        .decide_action(
            roster,
            &caller.email,
            Action::InviteCollaborator,
            &Context::new(),
        )
        .is_ok_and(|d| d.is_allowed())
}

fn resource_json(
    resource: &ResourceRow,
    roster: &Roster,
    owner_user: Option<&crate::users::User>,
    caller: &Caller,
) -> Value {
    let owner = roster.owner();
    json!({
        "id": resource.id,
        "name": resource.name,
        "kind": resource.kind.to_string(),
        "created_at": iso8601(resource.created_at),
        "owner": {
            "id": owner_user.map(|u| u.id.as_str()),
            "username": owner_user.and_then(|u| u.username.as_deref())
                .or(owner.username().map(Username::as_str)),
            "email": owner.email().as_str(),
        },
        "role": roster.effective_role(&caller.email).map(role_id),
        "members": roster.len(),
        "pending_transfer": roster.pending_transfer().map(|t| json!({
            "to": t.to().as_str(),
            "requested_at": iso8601(i64::try_from(t.requested_at().as_unix_seconds()).unwrap_or(i64::MAX)),
        })),
    })
}

async fn resources_json(
    state: &AppState,
    caller: &Caller,
    items: &[(ResourceRow, std::sync::Arc<Roster>)],
) -> ApiResult<Vec<Value>> {
    let owners: Vec<&str> = items
        .iter()
        .map(|(_, r)| r.owner().email().normalized())
        .collect();
    let users = crate::users::by_emails(&state.pool, &owners).await?;
    Ok(items
        .iter()
        .map(|(resource, roster)| {
            resource_json(
                resource,
                roster,
                users.get(roster.owner().email().normalized()),
                caller,
            )
        })
        .collect())
}

/// The resource `key` (id or name) and its roster, if the caller may see
/// it (else 404).
async fn visible<const K: u8>(
    state: &AppState,
    caller: &Caller,
    key: &str,
) -> ApiResult<(ResourceRow, std::sync::Arc<Roster>)> {
    let kind = kind_of::<K>();
    let resource = state.store.resource(kind, key).await?;
    let roster = state.store.roster(&resource).await?;
    if roster.may_view(&caller.email).is_err() {
        return Err(ApiError::not_found(singular(kind)));
    }
    Ok((resource, roster))
}

/// The caller as the crate's account, for a resource they create.
fn account(caller: &Caller) -> ApiResult<Account> {
    Ok(Account {
        id: MemberId::new(crate::auth::new_id("mem_")?).map_err(ApiError::internal)?,
        email: caller.email.clone(),
        username: caller
            .username
            .as_deref()
            .map(Username::new)
            .transpose()
            .map_err(ApiError::internal)?,
    })
}

// ---------------------------------------------------------------------------
// Resource routes.
// ---------------------------------------------------------------------------

/// `POST /v1/apps` (`/v1/databases`): `{"app":{"name":...}}` creates a
/// resource owned by the caller; 201 `{"app":{...}}`.
pub async fn create<const K: u8>(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<ResourceBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let kind = kind_of::<K>();
    let name = body.name(kind)?;
    validate_name(&name)?;
    let (resource, roster) = state.store.create(kind, &name, &account(&caller)?).await?;
    let value = resources_json(&state, &caller, &[(resource, roster)]).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ singular(kind): value.into_iter().next() })),
    ))
}

/// `GET /v1/apps`: what the caller owns or collaborates on.
pub async fn list<const K: u8>(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Value>> {
    let kind = kind_of::<K>();
    let items = state.store.resources_of(kind, &caller.email, false).await?;
    let values = resources_json(&state, &caller, &items).await?;
    Ok(Json(json!({ plural(kind): values })))
}

/// `GET /v1/apps/{app}`: by id or name, to its active members.
pub async fn show<const K: u8>(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(key): PathParams<String>,
) -> ApiResult<Json<Value>> {
    let kind = kind_of::<K>();
    let item = visible::<K>(&state, &caller, &key).await?;
    let value = resources_json(&state, &caller, &[item]).await?;
    Ok(Json(json!({ singular(kind): value.into_iter().next() })))
}

/// `PATCH /v1/apps/{app}`: `{"app":{"name":...}}` renames (the crate
/// decides `rename`: owner only).
pub async fn rename<const K: u8>(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(key): PathParams<String>,
    JsonBody(body): JsonBody<ResourceBody>,
) -> ApiResult<Json<Value>> {
    let kind = kind_of::<K>();
    let (resource, _) = visible::<K>(&state, &caller, &key).await?;
    let name = body.name(kind)?;
    validate_name(&name)?;
    let committed = state
        .store
        .write(&resource.id, &caller.email, Change::Rename { name })
        .await?;
    let value = resources_json(&state, &caller, &[(committed.resource, committed.roster)]).await?;
    Ok(Json(json!({ singular(kind): value.into_iter().next() })))
}

/// `DELETE /v1/apps/{app}`: deletes (the crate decides `delete`: owner
/// only); 204.
pub async fn destroy<const K: u8>(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(key): PathParams<String>,
) -> ApiResult<StatusCode> {
    let (resource, _) = visible::<K>(&state, &caller, &key).await?;
    state
        .store
        .write(&resource.id, &caller.email, Change::Delete)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/apps/{app}/transfer`: `{"transfer":{"email":...}}`, the owner
/// asks to hand the resource to an accepted collaborator; 202 with the
/// resource (its `pending_transfer` set).
pub async fn request_transfer<const K: u8>(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(key): PathParams<String>,
    JsonBody(body): JsonBody<TransferBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let kind = kind_of::<K>();
    let (resource, _) = visible::<K>(&state, &caller, &key).await?;
    let email = parse_email(&body.transfer.email)?;
    let committed = state
        .store
        .write(
            &resource.id,
            &caller.email,
            Change::Membership(Op::RequestTransfer { email }),
        )
        .await?;
    let value = resources_json(&state, &caller, &[(committed.resource, committed.roster)]).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ singular(kind): value.into_iter().next() })),
    ))
}

/// `POST /v1/apps/{app}/transfer/accept`: the target accepts; they become
/// owner and the previous owner a collaborator.
pub async fn accept_transfer<const K: u8>(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(key): PathParams<String>,
) -> ApiResult<Json<Value>> {
    let kind = kind_of::<K>();
    let (resource, _) = visible::<K>(&state, &caller, &key).await?;
    let committed = state
        .store
        .write(
            &resource.id,
            &caller.email,
            Change::Membership(Op::AcceptTransfer),
        )
        .await?;
    let value = resources_json(&state, &caller, &[(committed.resource, committed.roster)]).await?;
    Ok(Json(json!({ singular(kind): value.into_iter().next() })))
}

/// `DELETE /v1/apps/{app}/transfer`: the owner or the target cancels the
/// pending transfer; 204.
pub async fn cancel_transfer<const K: u8>(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(key): PathParams<String>,
) -> ApiResult<StatusCode> {
    let (resource, _) = visible::<K>(&state, &caller, &key).await?;
    state
        .store
        .write(
            &resource.id,
            &caller.email,
            Change::Membership(Op::CancelTransfer),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------------------------
// Collaborators.
// ---------------------------------------------------------------------------

/// `GET /v1/apps/{app}/collaborators`: `{"collaborators":[...]}`, the
/// owner left out as the API does; invitation links shown to those who
/// may invite.
pub async fn collaborators<const K: u8>(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(key): PathParams<String>,
) -> ApiResult<Response> {
    let (resource, roster) = visible::<K>(&state, &caller, &key).await?;
    let show_link = manages(&state, &roster, &caller);
    let ids = user_ids(&state, &roster).await?;
    let collaborators: Vec<CollaboratorOut<'_>> = roster
        .members()
        .filter_map(|m| collaborator_out(&state, &resource, m, &ids, show_link))
        .collect();
    // Serialized straight from the borrowed rows, without a `Value` tree.
    let body =
        serde_json::to_vec(&CollaboratorList { collaborators }).map_err(ApiError::internal)?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

async fn one_collaborator(
    state: &AppState,
    resource: &ResourceRow,
    roster: &Roster,
    member_id: &str,
    show_link: bool,
) -> ApiResult<Value> {
    let id = MemberId::new(member_id).map_err(|_| ApiError::not_found("collaborator"))?;
    let member = roster
        .get_by_id(&id)
        .ok_or_else(|| ApiError::not_found("collaborator"))?;
    let ids = user_ids(state, roster).await?;
    let out = collaborator_out(state, resource, member, &ids, show_link)
        .ok_or_else(|| ApiError::not_found("collaborator"))?;
    serde_json::to_value(out).map_err(ApiError::internal)
}

/// `POST /v1/apps/{app}/collaborators`:
/// `{"collaborator":{"email":...,"is_limited":...}}` invites; 201
/// `{"collaborator":{...}}` with the invitation link.
pub async fn invite<const K: u8>(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(key): PathParams<String>,
    StrictBody(body): StrictBody<InviteBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let kind = kind_of::<K>();
    let (resource, _) = visible::<K>(&state, &caller, &key).await?;
    let email = body.email().clone();
    let role = Some(body.role_on(kind).map_err(|e| refused(kind, &e))?);
    let committed = state
        .store
        .write(
            &resource.id,
            &caller.email,
            Change::Membership(Op::Invite { email, role }),
        )
        .await?;
    let member_id = committed.member_id.unwrap_or_default();
    let value = one_collaborator(
        &state,
        &committed.resource,
        &committed.roster,
        &member_id,
        true,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(json!({ "collaborator": value }))))
}

/// `PATCH /v1/apps/{app}/collaborators/{id}`:
/// `{"collaborator":{"is_limited":bool}}` changes the role; 200 with the
/// updated collaborator.
pub async fn update_collaborator<const K: u8>(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((key, id)): PathParams<(String, String)>,
    StrictBody(body): StrictBody<UpdateBody>,
) -> ApiResult<Json<Value>> {
    let kind = kind_of::<K>();
    let (resource, roster) = visible::<K>(&state, &caller, &key).await?;
    let role = match body.role_on(kind) {
        Ok(role) => role,
        Err(e) => {
            // Whether the caller may change roles at all comes first (no
            // role change exists on a dedicated database).
            roster
                .may(&caller.email, Action::ChangeCollaboratorRole)
                .map_err(|why| refused(kind, &why))?;
            return Err(refused(kind, &e));
        }
    };
    let committed = state
        .store
        .write(
            &resource.id,
            &caller.email,
            Change::Membership(Op::ChangeRole {
                member_id: id.clone(),
                role,
            }),
        )
        .await?;
    let show_link = manages(&state, &committed.roster, &caller);
    let value = one_collaborator(
        &state,
        &committed.resource,
        &committed.roster,
        &id,
        show_link,
    )
    .await?;
    Ok(Json(json!({ "collaborator": value })))
}

/// `DELETE /v1/apps/{app}/collaborators/{id}`: revokes, or leaves when the
/// id is the caller's own membership; 204.
pub async fn remove_collaborator<const K: u8>(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((key, id)): PathParams<(String, String)>,
) -> ApiResult<StatusCode> {
    let kind = kind_of::<K>();
    let resource = state.store.resource(kind, &key).await?;
    // A pending invitee may decline through this route too; a stranger
    // sees nothing. (The roster is not held across the write, so that the
    // write applies its event in place rather than on a copy.)
    let member = state
        .store
        .roster(&resource)
        .await?
        .get(&caller.email)
        .is_some();
    if !member {
        return Err(ApiError::not_found(singular(kind)));
    }
    state
        .store
        .write(
            &resource.id,
            &caller.email,
            Change::Membership(Op::Remove { member_id: id }),
        )
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/invitations/{resource}/{member}/{secret}`: the invitee (the
/// bearer's email must be the invited one) accepts; 200
/// `{"collaborator":{...}}`.
pub async fn accept_invitation(
    State(state): State<AppState>,
    caller: Caller,
    PathParams((resource_id, member_id, secret)): PathParams<(String, String, String)>,
) -> ApiResult<Json<Value>> {
    let kind = if resource_id.starts_with("db_") {
        ResourceKind::DedicatedDatabase
    } else {
        ResourceKind::App
    };
    let resource = state
        .store
        .resource(kind, &resource_id)
        .await
        .map_err(|_| ApiError::not_found("invitation"))?;
    if resource.id != resource_id {
        return Err(ApiError::not_found("invitation"));
    }
    // An account without a username accepts without one.
    let username = caller
        .username
        .as_deref()
        .map(Username::new)
        .transpose()
        .map_err(ApiError::internal)?;
    let committed = state
        .store
        .write(
            &resource.id,
            &caller.email,
            Change::Membership(Op::Accept {
                member_id: member_id.clone(),
                secret,
                username,
            }),
        )
        .await?;
    let value = one_collaborator(
        &state,
        &committed.resource,
        &committed.roster,
        &member_id,
        false,
    )
    .await?;
    Ok(Json(json!({ "collaborator": value })))
}

// ---------------------------------------------------------------------------
// Events.
// ---------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EventsQuery {
    #[serde(default)]
    after: i64,
    #[serde(default = "default_limit")]
    limit: i64,
}

fn default_limit() -> i64 {
    100
}

/// `GET /v1/apps/{app}/events?after=SEQ&limit=N`: the resource's log with
/// the notification names (`collaborator_invited`, ...), to members the
/// crate lets `view_activity` (any active member of a database).
pub async fn events<const K: u8>(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(key): PathParams<String>,
    QueryParams(query): QueryParams<EventsQuery>,
) -> ApiResult<Json<Value>> {
    let kind = kind_of::<K>();
    let (resource, roster) = visible::<K>(&state, &caller, &key).await?;
    if kind == ResourceKind::App {
        let decision = state.store.decide_action(
            &roster,
            &caller.email,
            Action::ViewActivity,
            &Context::new(),
        )?;
        if let Some(denial) = decision.denial() {
            return Err(ApiError::Forbidden(denial.to_string()));
        }
    } else {
        active_role(&roster, &caller.email)?;
    }
    if !(1..=1000).contains(&query.limit) || query.after < 0 {
        return Err(ApiError::Unprocessable(
            "limit: 1 to 1000; after: not negative".into(),
        ));
    }
    let events = state
        .store
        .log(&resource.id, query.after, query.limit)
        .await?;
    let events: Vec<Value> = events.iter().map(|e| event_json(e, kind)).collect();
    Ok(Json(json!({ "events": events })))
}

/// One event of the log in the events route's shape: the crate's event,
/// named by [`event_name`]; a rename carries the new `name`.
fn event_json(event: &Event, kind: ResourceKind) -> Value {
    let at = i64::try_from(event.at().as_unix_seconds()).unwrap_or(i64::MAX);
    let mut value = json!({
        "seq": event.seq(),
        "type": event_name(event, kind),
        "api_type": event.kind().api_name(),
        "at": iso8601(at),
        "actor": event.actor().as_str(),
        "member": {
            "id": event.member().id.as_str(),
            "email": event.member().email.as_str(),
            "username": event.member().username.as_ref().map(Username::as_str),
        },
        "role": event.role().map(role_id),
        "previous_role": event.previous_role().map(role_id),
        "advisory": event.advisory().map(|a| a.to_string()),
    });
    if let (Some(name), Some(object)) = (event.name(), value.as_object_mut()) {
        object.insert("name".into(), Value::from(name));
    }
    value
}
