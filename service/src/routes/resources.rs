//! Apps and dedicated databases: create, list, show, rename, delete,
//! transfer ownership and the events. One generic handler per route,
//! mounted for each [`Kind`].

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use collab_authz::membership::{Account, MemberId, Username};
use collab_authz::{Action, Context, Email, ResourceKind};
use serde::Deserialize;
use serde_json::{Value, json};

use super::idempotent::{Writer, json_answer, no_content};
use super::json;
use crate::auth::{BearerAt, BearerWith, Caller};
use crate::body::JsonBody;
use crate::error::{ApiError, ApiResult};
use crate::ids::new_id;
use crate::kind::{Kind, plural, singular};
use crate::shared::{PathParams, QueryParams, parse_email, validate_name};
use crate::state::AppState;
use crate::store::Holding;
use crate::store::{Change, Committed, Locator, Recorded, Seen, StoreError};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use collab_authz::Role;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Named {
    #[serde(default)]
    name: Option<String>,
    /// The platform's transfer (`PATCH` only): the new owner's email.
    #[serde(default)]
    owner: Option<String>,
}

/// `{"app":{"name":...}}` on the app routes, `{"database":{...}}` on the
/// database routes; `PATCH` also takes the platform's transfer,
/// `{"app":{"owner":EMAIL}}`. Unknown fields are refused (422).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceBody {
    #[serde(default)]
    app: Option<Named>,
    #[serde(default)]
    database: Option<Named>,
}

/// What a `PATCH` asks.
enum Patch {
    /// A new name, checked.
    Rename(String),
    /// The platform's transfer to this email.
    Transfer(String),
}

/// The 422 of a body without `{"<kind>":{"name":...}}`.
fn expected_name(kind: ResourceKind) -> ApiError {
    ApiError::Unprocessable(format!(
        "invalid body: expected {{\"{}\":{{\"name\":...}}}}",
        singular(kind)
    ))
}

impl ResourceBody {
    /// The fields under the key of `kind` and no other.
    fn fields(self, kind: ResourceKind) -> ApiResult<Named> {
        let (mine, other) = match kind {
            ResourceKind::App => (self.app, self.database),
            ResourceKind::DedicatedDatabase => (self.database, self.app),
        };
        match (mine, other) {
            (Some(named), None) => Ok(named),
            _ => Err(expected_name(kind)),
        }
    }

    /// The name, under the key of `kind` and no other, checked (no
    /// `owner`: only a `PATCH` transfers).
    fn name(self, kind: ResourceKind) -> ApiResult<String> {
        match self.fields(kind)? {
            Named {
                name: Some(name),
                owner: None,
            } => {
                validate_name(&name)?;
                Ok(name)
            }
            Named { owner: Some(_), .. } => Err(ApiError::Unprocessable(
                "owner: only a PATCH transfers; this route takes a name".into(),
            )),
            Named { .. } => Err(expected_name(kind)),
        }
    }

    /// A rename (`name`) or the platform's transfer (`owner`), not both.
    fn patch(self, kind: ResourceKind) -> ApiResult<Patch> {
        match self.fields(kind)? {
            Named {
                name: Some(name),
                owner: None,
            } => {
                validate_name(&name)?;
                Ok(Patch::Rename(name))
            }
            Named {
                name: None,
                owner: Some(email),
            } => Ok(Patch::Transfer(email)),
            _ => Err(ApiError::Unprocessable(format!(
                "invalid body: expected {{\"{0}\":{{\"name\":...}}}} or {{\"{0}\":{{\"owner\":...}}}}",
                singular(kind)
            ))),
        }
    }
}

/// The platform's rename: `{"current_name":...,"new_name":...}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RenameBody {
    current_name: String,
    new_name: String,
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
///
/// The answer depends only on the roster's version and on the caller's
/// role in it, so it is serialized once per version and role and kept
/// ([`Store::view`](crate::store::Store::view)), as the collaborator
/// listing is. One database round trip when the roster is cached and the
/// answer kept: the bearer's token row and the resource's version in one
/// statement ([`Store::open_as`](crate::store::Store::open_as)); a
/// revoked token is refused there (401 before anything else, a malformed
/// path included).
pub async fn show<K: Kind>(State(state): State<AppState>, at: BearerAt) -> ApiResult<Response> {
    let opened = at.open(&state, K::KIND).await?;
    let (resource, roster) = (opened.resource(), opened.roster());
    let view = match roster.effective_role(opened.caller()) {
        Some(Role::Owner) => "resource:owner",
        Some(Role::Collaborator) => "resource:collaborator",
        Some(Role::LimitedCollaborator) => "resource:limited_collaborator",
        None => "resource:none",
    };
    if let Some(body) = state.store.view(resource, view) {
        return Ok(json_bytes(body));
    }
    let owners = [roster.owner().email().normalized()];
    let users = state.store.users_by_email(&owners).await?;
    let value = json::resource_with_owner(resource, roster, users.get(owners[0]), opened.caller());
    let body =
        serde_json::to_vec(&json!({ singular(K::KIND): value })).map_err(ApiError::internal)?;
    let body = Bytes::from(body);
    // Kept only when the owner's account was found: a missing one (shown
    // with a null id) is asked again next time.
    if !users.is_empty() {
        state.store.keep_view(resource, view, body.clone());
    }
    Ok(json_bytes(body))
}

/// A 200 with a JSON `body`.
fn json_bytes(body: Bytes) -> Response {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

/// How a write on a resource answers: `status` with the resource after
/// it (under its kind's key), or 204.
#[derive(Debug, Clone, Copy)]
enum Answer {
    /// The resource after the write, with this status.
    Resource(StatusCode),
    /// 204, no body.
    NoContent,
}

/// The answer `how` to the write `done`, for `caller`.
async fn answer(
    state: AppState,
    caller: Email,
    how: Answer,
    done: Committed,
) -> Result<Recorded, StoreError> {
    let Answer::Resource(status) = how else {
        return Ok(no_content());
    };
    let kind = done.resource.kind;
    let value = json::resource(&state, &caller, done.resource, done.roster).await?;
    json_answer(status, &json!({ singular(kind): value }))
}

/// Submits `change` on the resource `key` of kind `K` as the writer (an
/// active member; the crate decides) and answers `how`
/// ([`Writer::submit`]: a recorded answer for the request's key is
/// replayed).
async fn write_resource<K: Kind>(
    state: &AppState,
    writer: Writer,
    key: &str,
    change: Change,
    how: Answer,
) -> ApiResult<Response> {
    let caller = writer.caller.email.clone();
    let build = |done| answer(state.clone(), caller.clone(), how, done);
    let at = Locator::Key(K::KIND, key);
    writer.submit(state, at, Seen::Active, change, build).await
}

/// `PATCH /v1/apps/{app}`: `{"app":{"name":...}}` renames (the crate
/// decides `rename`: owner only); the platform's transfer,
/// `{"app":{"owner":EMAIL}}`, is the crate's ownership transfer request
/// (`Command::RequestTransfer`, as `POST .../transfer`), answered 200
/// with the resource, its `pending_transfer` set: the target accepts with
/// `POST .../transfer/accept`.
pub async fn rename<K: Kind>(
    State(state): State<AppState>,
    writer: Writer,
    PathParams(key): PathParams<String>,
    JsonBody(body): JsonBody<ResourceBody>,
) -> ApiResult<Response> {
    let change = match body.patch(K::KIND)? {
        Patch::Rename(name) => Change::Rename {
            name,
            current: None,
        },
        Patch::Transfer(email) => Change::RequestTransfer {
            email: parse_email(&email)?,
        },
    };
    let how = Answer::Resource(StatusCode::OK);
    write_resource::<K>(&state, writer, &key, change, how).await
}

/// `POST /v1/apps/{app}/rename`: the platform's rename,
/// `{"current_name":...,"new_name":...}` (the crate decides `rename`:
/// owner only); `current_name` must be the app's name. 200 with the app.
pub async fn rename_app(
    State(state): State<AppState>,
    writer: Writer,
    PathParams(key): PathParams<String>,
    JsonBody(body): JsonBody<RenameBody>,
) -> ApiResult<Response> {
    validate_name(&body.new_name)
        .map_err(|e| ApiError::Unprocessable(format!("new_name: {}", strip_field(&e))))?;
    let change = Change::Rename {
        name: body.new_name,
        current: Some(body.current_name),
    };
    let how = Answer::Resource(StatusCode::OK);
    write_resource::<crate::kind::App>(&state, writer, &key, change, how).await
}

/// The reason of a 422 naming a field (`name: reason`), without the field.
fn strip_field(e: &ApiError) -> String {
    let message = e.to_string();
    match message.split_once(": ") {
        Some((_, reason)) => reason.to_string(),
        None => message,
    }
}

/// `DELETE /v1/apps/{app}`: deletes (the crate decides `delete`: owner
/// only); 204.
pub async fn destroy<K: Kind>(
    State(state): State<AppState>,
    writer: Writer,
    PathParams(key): PathParams<String>,
) -> ApiResult<Response> {
    write_resource::<K>(&state, writer, &key, Change::Delete, Answer::NoContent).await
}

/// `POST /v1/apps/{app}/transfer`: `{"transfer":{"email":...}}`, the owner
/// asks to hand the resource to an accepted collaborator; 202 with the
/// resource (its `pending_transfer` set).
pub async fn request_transfer<K: Kind>(
    State(state): State<AppState>,
    writer: Writer,
    PathParams(key): PathParams<String>,
    JsonBody(body): JsonBody<TransferBody>,
) -> ApiResult<Response> {
    let email = parse_email(&body.transfer.email)?;
    let change = Change::RequestTransfer { email };
    let how = Answer::Resource(StatusCode::ACCEPTED);
    write_resource::<K>(&state, writer, &key, change, how).await
}

/// `POST /v1/apps/{app}/transfer/accept`: the target accepts; they become
/// owner and the previous owner a collaborator.
pub async fn accept_transfer<K: Kind>(
    State(state): State<AppState>,
    writer: Writer,
    PathParams(key): PathParams<String>,
) -> ApiResult<Response> {
    let how = Answer::Resource(StatusCode::OK);
    write_resource::<K>(&state, writer, &key, Change::AcceptTransfer, how).await
}

/// `DELETE /v1/apps/{app}/transfer`: the owner or the target cancels the
/// pending transfer; 204.
pub async fn cancel_transfer<K: Kind>(
    State(state): State<AppState>,
    writer: Writer,
    PathParams(key): PathParams<String>,
) -> ApiResult<Response> {
    let (change, how) = (Change::CancelTransfer, Answer::NoContent);
    write_resource::<K>(&state, writer, &key, change, how).await
}

/// The query of the events route: the service's `after`/`limit`, or the
/// platform's `page`/`per_page` (not both).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    #[serde(default)]
    after: Option<i64>,
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    page: Option<i64>,
    #[serde(default)]
    per_page: Option<i64>,
}

/// `GET /v1/apps/{app}/events?after=SEQ&limit=N`: the resource's log with
/// the notification names (`collaborator_invited`, ...), to members the
/// crate lets `view_activity` (any active member of a database).
///
/// The bearer's token row and the resource in one statement
/// ([`Store::open_as`](crate::store::Store::open_as)), then the log: two
/// database round trips when the roster is cached. A revoked token is
/// refused there (401 before anything else, a malformed path or query
/// included).
pub async fn events<K: Kind>(
    State(state): State<AppState>,
    BearerWith {
        bearer,
        with: (PathParams(key), QueryParams(query)),
    }: BearerWith<(PathParams<String>, QueryParams<EventsQuery>)>,
) -> ApiResult<Json<Value>> {
    let mut opened = bearer.open(&state, K::KIND, &key).await?;
    if K::KIND == ResourceKind::App {
        let ctx = Context::new();
        opened = opened.grant(Action::ViewActivity, &ctx)?.into_opened();
    }
    if query.page.is_some() || query.per_page.is_some() {
        if query.after.is_some() || query.limit.is_some() {
            return Err(ApiError::Unprocessable(
                "page: either page and per_page or after and limit".into(),
            ));
        }
        return platform_events(&state, &opened, query.page, query.per_page).await;
    }
    let (after, limit) = (query.after.unwrap_or(0), query.limit.unwrap_or(100));
    if !(1..=1000).contains(&limit) || after < 0 {
        return Err(ApiError::Unprocessable(
            "limit: 1 to 1000; after: not negative".into(),
        ));
    }
    let events = state.store.events(&opened, after, limit).await?;
    let events: Vec<Value> = events.iter().map(|e| json::event(e, K::KIND)).collect();
    Ok(Json(json!({ "events": events })))
}

/// The platform's timeline (`?page=&per_page=`, what its client's
/// `timeline` asks): the log as the platform's events
/// ([`json::platform_events`]), newest first, `per_page` (1 to 100,
/// default 20) a page, with `meta.pagination`. The whole log is read:
/// a rename's old name and a transfer's old owner come from the events
/// before it.
async fn platform_events(
    state: &AppState,
    opened: &crate::store::Opened,
    page: Option<i64>,
    per_page: Option<i64>,
) -> ApiResult<Json<Value>> {
    let (page, per_page) = (page.unwrap_or(1), per_page.unwrap_or(20));
    if !(1..=1_000_000).contains(&page) {
        return Err(ApiError::Unprocessable("page: from 1 to 1000000".into()));
    }
    if !(1..=100).contains(&per_page) {
        return Err(ApiError::Unprocessable("per_page: from 1 to 100".into()));
    }
    let log = state.store.events(opened, 0, i64::MAX).await?;
    let mut emails: Vec<&str> = log.iter().map(|e| e.actor().normalized()).collect();
    emails.extend(log.iter().map(|e| e.member().email.normalized()));
    emails.sort_unstable();
    emails.dedup();
    let users = state.store.users_by_email(&emails).await?;
    let mut events = json::platform_events(opened.resource(), &log, &users);
    events.reverse();
    let total = i64::try_from(events.len()).unwrap_or(i64::MAX);
    let skip = usize::try_from((page - 1) * per_page).unwrap_or(usize::MAX);
    let take = usize::try_from(per_page).unwrap_or(0);
    let shown: Vec<Value> = events.into_iter().skip(skip).take(take).collect();
    let meta = json!({ "pagination": super::actions::pagination(page, per_page, total) });
    Ok(Json(json!({ "events": shown, "meta": meta })))
}
