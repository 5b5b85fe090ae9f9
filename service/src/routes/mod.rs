//! The HTTP API, `/v1/...`.
//!
//! | route | who |
//! | --- | --- |
//! | `POST /v1/tokens/exchange` | HTTP Basic, API token as password |
//! | `DELETE /v1/tokens/self` | revokes the API token behind the bearer (and its page sessions) |
//! | `GET /v1/users/self` | any caller |
//! | `GET /v1/sessions`, `DELETE /v1/sessions/{id}` | the caller's own page sessions |
//! | `GET /v1/regions` | anyone |
//! | `POST /v1/apps`, `GET /v1/apps` | any caller |
//! | `GET /v1/apps/{app}` | active members |
//! | `PATCH /v1/apps/{app}` (rename; `owner`: the platform's transfer, a transfer request), `DELETE /v1/apps/{app}` | owner (the crate decides) |
//! | `POST/DELETE /v1/apps/{app}/transfer`, `POST .../transfer/accept` | owner; target |
//! | `GET/POST /v1/apps/{app}/collaborators` | members; managers |
//! | `PATCH/DELETE /v1/apps/{app}/collaborators/{id}` | managers; a member leaving |
//! | `POST /v1/invitations/{resource}/{member}/{secret}` | the invitee |
//! | `GET /v1/apps/{app}/events` (`?after=&limit=`: the service's log; `?page=&per_page=`: the platform's timeline) | `view_activity` |
//! | `POST /v1/apps/{app}/restart` | `restart` |
//! | `GET/PUT /v1/apps/{app}/variables`, `DELETE .../variables/{id}` | `view_env_var_names` (values: `view_env_var_values`); `manage_env_vars` |
//! | `GET/POST /v1/apps/{app}/deployments`, `GET .../deployments/{id}` | `view_deployments`; `deploy_any_branch` |
//! | `GET /v1/apps/{app}/deployments/{id}/output` (JSON), `.../output.txt` (text) | `view_deployment_logs` (a limited collaborator: younger than 7 days) |
//! | `GET /v1/apps/{app}/logs`, then its signed `.../logs/raw?token=&timestamp=` | `view_logs` (decided again when the URL is read) |
//! | `POST /v1/apps/{app}/rename` | the platform's rename: owner (the crate decides) |
//! | `GET /v1/apps/{app}/activity` | `view_activity` (details: `view_activity_details`, values redacted for a limited collaborator) |
//! | `/v1/databases/...` | the same resource and collaborator routes |
//! | `GET /v1/directory` | the caller's owned resources, JSON or CSV |
//!
//! Every membership write (collaborators, the invitation link, rename,
//! delete, transfers) takes an `Idempotency-Key` header ([`idempotent`]).

pub mod actions;
mod collaborators;
pub mod directory;
pub mod idempotent;
pub mod json;
pub mod logs;
pub mod resources;
mod session;

use axum::Router;
use axum::routing::{delete, get, patch, post};

use crate::error::ApiError;
use crate::kind::{App, Database, Kind, plural};
use crate::state::AppState;

/// The API's routes, on an [`AppState`] still to be given.
pub fn api() -> Router<AppState> {
    Router::new()
        .route("/v1/tokens/exchange", post(session::exchange))
        .route("/v1/tokens/self", delete(session::revoke_self))
        .route("/v1/users/self", get(session::user_self))
        .route("/v1/sessions", get(session::sessions))
        .route("/v1/sessions/{id}", delete(session::revoke_session))
        .route("/v1/regions", get(session::regions))
        .merge(resource_routes::<App>())
        .merge(resource_routes::<Database>())
        .route("/v1/apps/{key}/restart", post(actions::restart))
        .route(
            "/v1/apps/{key}/variables",
            get(actions::variables).put(actions::set_variables),
        )
        .route(
            "/v1/apps/{key}/variables/{id}",
            delete(actions::unset_variable),
        )
        .route(
            "/v1/apps/{key}/deployments",
            get(actions::deployments).post(actions::deploy),
        )
        .route("/v1/apps/{key}/deployments/{id}", get(actions::deployment))
        .route(
            "/v1/apps/{key}/deployments/{id}/output",
            get(actions::deployment_output),
        )
        .route(
            "/v1/apps/{key}/deployments/{id}/output.txt",
            get(actions::deployment_output_text),
        )
        .route("/v1/apps/{key}/logs", get(logs::logs_url))
        .route("/v1/apps/{key}/logs/raw", get(logs::logs_raw))
        .route("/v1/apps/{key}/rename", post(resources::rename_app))
        .route("/v1/apps/{key}/activity", get(actions::activity))
        .route(
            "/v1/invitations/{resource}/{member}/{secret}",
            post(collaborators::accept_invitation),
        )
        .route("/v1/directory", get(directory::directory))
        // Runs once a route matched (its template is known).
        .route_layer(axum::middleware::from_fn(idempotent::prepare))
}

/// The routes every resource kind has, under `/v1/apps` or
/// `/v1/databases`.
fn resource_routes<K: Kind>() -> Router<AppState> {
    let base = format!("/v1/{}", plural(K::KIND));
    Router::new()
        .route(
            &base,
            post(resources::create::<K>).get(resources::list::<K>),
        )
        .route(
            &format!("{base}/{{key}}"),
            get(resources::show::<K>)
                .patch(resources::rename::<K>)
                .delete(resources::destroy::<K>),
        )
        .route(
            &format!("{base}/{{key}}/transfer"),
            post(resources::request_transfer::<K>).delete(resources::cancel_transfer::<K>),
        )
        .route(
            &format!("{base}/{{key}}/transfer/accept"),
            post(resources::accept_transfer::<K>),
        )
        .route(
            &format!("{base}/{{key}}/collaborators"),
            get(collaborators::list::<K>).post(collaborators::invite::<K>),
        )
        .route(
            &format!("{base}/{{key}}/collaborators/{{id}}"),
            patch(collaborators::update::<K>).delete(collaborators::remove::<K>),
        )
        .route(
            &format!("{base}/{{key}}/events"),
            get(resources::events::<K>),
        )
}

/// The JSON 404 of an unknown route.
pub async fn not_found() -> ApiError {
    ApiError::NotFound("no such route".into())
}

/// The JSON 405 of a known route with another method.
pub async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}
