//! The HTTP API, `/v1/...`.
//!
//! | route | who |
//! | --- | --- |
//! | `POST /v1/tokens/exchange` | HTTP Basic, API token as password |
//! | `DELETE /v1/tokens/self` | revokes the API token behind the bearer |
//! | `GET /v1/users/self` | any caller |
//! | `GET /v1/regions` | anyone |
//! | `POST /v1/apps`, `GET /v1/apps` | any caller |
//! | `GET /v1/apps/{app}` | active members |
//! | `PATCH /v1/apps/{app}` (rename), `DELETE /v1/apps/{app}` | owner (the crate decides) |
//! | `POST/DELETE /v1/apps/{app}/transfer`, `POST .../transfer/accept` | owner; target |
//! | `GET/POST /v1/apps/{app}/collaborators` | members; managers |
//! | `PATCH/DELETE /v1/apps/{app}/collaborators/{id}` | managers; a member leaving |
//! | `POST /v1/invitations/{resource}/{member}/{secret}` | the invitee |
//! | `GET /v1/apps/{app}/events` | `view_activity` |
//! | `POST /v1/apps/{app}/restart` | `restart` |
//! | `GET/PUT /v1/apps/{app}/variables` | `view_env_var_names` (values: `view_env_var_values`); `manage_env_vars` |
//! | `GET/POST /v1/apps/{app}/deployments` | `view_deployments`; `deploy_any_branch` |
//! | `GET /v1/apps/{app}/deployments/{id}/output` | `view_deployment_logs` (a limited collaborator: younger than 7 days) |
//! | `GET /v1/apps/{app}/activity` | `view_activity` (details: `view_activity_details`, values redacted for a limited collaborator) |
//! | `/v1/databases/...` | the same resource and collaborator routes |
//! | `GET /v1/directory` | the caller's owned resources, JSON or CSV |

mod actions;
pub mod directory;
pub(crate) mod resources;
mod session;

use axum::Router;
use axum::extract::{FromRequestParts, RawQuery};
use axum::http::request::Parts;
use axum::routing::{delete, get, patch, post};
use collab_authz::ResourceKind;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::error::ApiError;

pub use crate::shared::PathParams;
pub use collab_authz::api::UNKNOWN_USERNAME;

/// The API's routes, on an [`AppState`] still to be given.
pub fn api() -> Router<AppState> {
    use resources::{APP, DB};
    Router::new()
        .route("/v1/tokens/exchange", post(session::exchange))
        .route("/v1/tokens/self", delete(session::revoke_self))
        .route("/v1/users/self", get(session::user_self))
        .route("/v1/regions", get(session::regions))
        .route(
            "/v1/apps",
            post(resources::create::<APP>).get(resources::list::<APP>),
        )
        .route(
            "/v1/apps/{key}",
            get(resources::show::<APP>)
                .patch(resources::rename::<APP>)
                .delete(resources::destroy::<APP>),
        )
        .route(
            "/v1/apps/{key}/transfer",
            post(resources::request_transfer::<APP>).delete(resources::cancel_transfer::<APP>),
        )
        .route(
            "/v1/apps/{key}/transfer/accept",
            post(resources::accept_transfer::<APP>),
        )
        .route(
            "/v1/apps/{key}/collaborators",
            get(resources::collaborators::<APP>).post(resources::invite::<APP>),
        )
        .route(
            "/v1/apps/{key}/collaborators/{id}",
            patch(resources::update_collaborator::<APP>)
                .delete(resources::remove_collaborator::<APP>),
        )
        .route("/v1/apps/{key}/events", get(resources::events::<APP>))
        .route("/v1/apps/{key}/restart", post(actions::restart))
        .route(
            "/v1/apps/{key}/variables",
            get(actions::variables).put(actions::set_variables),
        )
        .route(
            "/v1/apps/{key}/deployments",
            get(actions::deployments).post(actions::deploy),
        )
        .route(
            "/v1/apps/{key}/deployments/{id}/output",
            get(actions::deployment_output),
        )
        .route("/v1/apps/{key}/activity", get(actions::activity))
        .route(
            "/v1/databases",
            post(resources::create::<DB>).get(resources::list::<DB>),
        )
        .route(
            "/v1/databases/{key}",
            get(resources::show::<DB>)
                .patch(resources::rename::<DB>)
                .delete(resources::destroy::<DB>),
        )
        .route(
            "/v1/databases/{key}/transfer",
            post(resources::request_transfer::<DB>).delete(resources::cancel_transfer::<DB>),
        )
        .route(
            "/v1/databases/{key}/transfer/accept",
            post(resources::accept_transfer::<DB>),
        )
        .route(
            "/v1/databases/{key}/collaborators",
            get(resources::collaborators::<DB>).post(resources::invite::<DB>),
        )
        .route(
            "/v1/databases/{key}/collaborators/{id}",
            patch(resources::update_collaborator::<DB>)
                .delete(resources::remove_collaborator::<DB>),
        )
        .route("/v1/databases/{key}/events", get(resources::events::<DB>))
        .route(
            "/v1/invitations/{resource}/{member}/{secret}",
            post(resources::accept_invitation),
        )
        .route("/v1/directory", get(directory::directory))
}

/// The JSON 404 of an unknown route.
pub async fn not_found() -> ApiError {
    ApiError::NotFound("no such route".into())
}

/// The JSON 405 of a known route with another method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// Query parameters, whose rejection is a JSON 400; unknown parameters
/// are refused when `T` denies them.
#[derive(Debug)]
pub struct QueryParams<T>(pub T);

impl<T> FromRequestParts<AppState> for QueryParams<T>
where
    T: DeserializeOwned + Send,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let RawQuery(query) = RawQuery::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::BadRequest(format!("query: {e}")))?;
        serde_urlencoded::from_str(query.as_deref().unwrap_or(""))
            .map(QueryParams)
            .map_err(|e| ApiError::BadRequest(format!("query: {e}")))
    }
}

/// `app` or `database`: the JSON key of one resource of `kind`.
#[must_use]
pub fn singular(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::App => "app",
        ResourceKind::DedicatedDatabase => "database",
    }
}

/// `apps` or `databases`: the JSON key and path segment of a list.
#[must_use]
pub fn plural(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::App => "apps",
        ResourceKind::DedicatedDatabase => "databases",
    }
}

/// A resource name: 3 to 48 bytes of lower-case ASCII letters, digits and
/// `-`, starting with a letter and not ending with `-` (a DNS label, so
/// hostile text never reaches a listing).
///
/// # Errors
/// 422 naming the rule.
pub fn validate_name(name: &str) -> Result<(), ApiError> {
    let bytes = name.as_bytes();
    let ok = (3..=48).contains(&bytes.len())
        && bytes.first().is_some_and(u8::is_ascii_lowercase)
        && bytes.last().is_some_and(|b| *b != b'-')
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-');
    if ok {
        Ok(())
    } else {
        Err(ApiError::Unprocessable(
            "name: 3 to 48 lower-case letters, digits or '-', starting with a letter, not ending with '-'"
                .into(),
        ))
    }
}
