//! Apps and dedicated databases: create, list, show, rename, delete,
//! transfer ownership and the events. One generic handler per route,
//! mounted for each [`Kind`].

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use collab_authz::membership::{Account, MemberId, Username};
use collab_authz::{Action, Context, ResourceKind};
use serde::Deserialize;
use serde_json::{Value, json};

use super::json;
use crate::AppState;
use crate::auth::Caller;
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::ids::new_id;
use crate::kind::{Kind, plural, singular};
use crate::shared::{PathParams, QueryParams, parse_email, validate_name};
use crate::store::Holding;
use crate::store::{Change, Locator, Seen};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Named {
    name: String,
}

/// `{"app":{"name":...}}` on the app routes, `{"database":{...}}` on the
/// database routes. Unknown fields are refused (422).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceBody {
    #[serde(default)]
    app: Option<Named>,
    #[serde(default)]
    database: Option<Named>,
}

impl ResourceBody {
    /// The name, under the key of `kind` and no other, checked.
    fn name(self, kind: ResourceKind) -> ApiResult<String> {
        let (mine, other) = match kind {
            ResourceKind::App => (self.app, self.database),
            ResourceKind::DedicatedDatabase => (self.database, self.app),
        };
        let (Some(named), None) = (mine, other) else {
            return Err(ApiError::Unprocessable(format!(
                "invalid body: expected {{\"{}\":{{\"name\":...}}}}",
                singular(kind)
            )));
        };
        validate_name(&named.name)?;
        Ok(named.name)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TransferFields {
    email: String,
}

/// `{"transfer":{"email":...}}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferBody {
    transfer: TransferFields,
}

/// The caller as the crate's account, for a resource they create.
fn account(caller: &Caller) -> ApiResult<Account> {
    Ok(Account {
        id: MemberId::new(new_id("mem_")?).map_err(ApiError::internal)?,
        email: caller.email.clone(),
        username: caller
            .username
            .as_deref()
            .map(Username::new)
            .transpose()
            .map_err(ApiError::internal)?,
    })
}

/// `POST /v1/apps` (`/v1/databases`): `{"app":{"name":...}}` creates a
/// resource owned by the caller; 201 `{"app":{...}}`.
pub async fn create<K: Kind>(
    State(state): State<AppState>,
    caller: Caller,
    JsonBody(body): JsonBody<ResourceBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let name = body.name(K::KIND)?;
    let (resource, roster) = state
        .store
        .create(K::KIND, &name, &account(&caller)?)
        .await?;
    let value = json::resource(&state, &caller.email, resource, roster).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ singular(K::KIND): value })),
    ))
}

/// `GET /v1/apps`: what the caller owns or collaborates on.
pub async fn list<K: Kind>(
    State(state): State<AppState>,
    caller: Caller,
) -> ApiResult<Json<Value>> {
    let items = state
        .store
        .resources_of(K::KIND, &caller.email, Holding::OwnerOrAccepted)
        .await?;
    let values = json::resources(&state, &caller.email, &items).await?;
    Ok(Json(json!({ plural(K::KIND): values })))
}

/// `GET /v1/apps/{app}`: by id or name, to its active members.
pub async fn show<K: Kind>(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(key): PathParams<String>,
) -> ApiResult<Json<Value>> {
    let at = Locator::Key(K::KIND, &key);
    let opened = state.store.open(at, &caller.email, Seen::Active).await?;
    let (resource, roster) = (opened.resource().clone(), opened.roster().clone());
    let value = json::resource(&state, &caller.email, resource, roster).await?;
    Ok(Json(json!({ singular(K::KIND): value })))
}

/// Writes `change` on the resource `key` as the caller (an active member;
/// the crate decides) and answers with the resource after it.
async fn write_resource<K: Kind>(
    state: &AppState,
    caller: &Caller,
    key: &str,
    change: Change,
) -> ApiResult<Value> {
    let at = Locator::Key(K::KIND, key);
    let opened = state.store.open(at, &caller.email, Seen::Active).await?;
    let done = state.store.write(opened, change).await?;
    json::resource(state, &caller.email, done.resource, done.roster).await
}

/// `PATCH /v1/apps/{app}`: `{"app":{"name":...}}` renames (the crate
/// decides `rename`: owner only).
pub async fn rename<K: Kind>(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(key): PathParams<String>,
    JsonBody(body): JsonBody<ResourceBody>,
) -> ApiResult<Json<Value>> {
    let at = Locator::Key(K::KIND, &key);
    let opened = state.store.open(at, &caller.email, Seen::Active).await?;
    let name = body.name(K::KIND)?;
    let done = state.store.write(opened, Change::Rename { name }).await?;
    let value = json::resource(&state, &caller.email, done.resource, done.roster).await?;
    Ok(Json(json!({ singular(K::KIND): value })))
}

/// `DELETE /v1/apps/{app}`: deletes (the crate decides `delete`: owner
/// only); 204.
pub async fn destroy<K: Kind>(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(key): PathParams<String>,
) -> ApiResult<StatusCode> {
    write_resource::<K>(&state, &caller, &key, Change::Delete).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/apps/{app}/transfer`: `{"transfer":{"email":...}}`, the owner
/// asks to hand the resource to an accepted collaborator; 202 with the
/// resource (its `pending_transfer` set).
pub async fn request_transfer<K: Kind>(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(key): PathParams<String>,
    JsonBody(body): JsonBody<TransferBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let at = Locator::Key(K::KIND, &key);
    let opened = state.store.open(at, &caller.email, Seen::Active).await?;
    let email = parse_email(&body.transfer.email)?;
    let change = Change::RequestTransfer { email };
    let done = state.store.write(opened, change).await?;
    let value = json::resource(&state, &caller.email, done.resource, done.roster).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ singular(K::KIND): value })),
    ))
}

/// `POST /v1/apps/{app}/transfer/accept`: the target accepts; they become
/// owner and the previous owner a collaborator.
pub async fn accept_transfer<K: Kind>(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(key): PathParams<String>,
) -> ApiResult<Json<Value>> {
    let value = write_resource::<K>(&state, &caller, &key, Change::AcceptTransfer).await?;
    Ok(Json(json!({ singular(K::KIND): value })))
}

/// `DELETE /v1/apps/{app}/transfer`: the owner or the target cancels the
/// pending transfer; 204.
pub async fn cancel_transfer<K: Kind>(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(key): PathParams<String>,
) -> ApiResult<StatusCode> {
    write_resource::<K>(&state, &caller, &key, Change::CancelTransfer).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The query of the events route.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
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
pub async fn events<K: Kind>(
    State(state): State<AppState>,
    caller: Caller,
    PathParams(key): PathParams<String>,
    QueryParams(query): QueryParams<EventsQuery>,
) -> ApiResult<Json<Value>> {
    let at = Locator::Key(K::KIND, &key);
    let mut opened = state.store.open(at, &caller.email, Seen::Active).await?;
    if K::KIND == ResourceKind::App {
        let ctx = Context::new();
        opened = opened.grant(Action::ViewActivity, &ctx)?.into_opened();
    }
    if !(1..=1000).contains(&query.limit) || query.after < 0 {
        return Err(ApiError::Unprocessable(
            "limit: 1 to 1000; after: not negative".into(),
        ));
    }
    let events = state
        .store
        .events(&opened, query.after, query.limit)
        .await?;
    let events: Vec<Value> = events.iter().map(|e| json::event(e, K::KIND)).collect();
    Ok(Json(json!({ "events": events })))
}
