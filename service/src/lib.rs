//! The reference HTTP service of `collab-authz`: the platform's
//! collaborator API (apps, dedicated databases, their collaborators and a
//! few guarded app actions) on PostgreSQL, where every decision is the
//! crate's.
//!
//! - [`router`] builds the whole HTTP API on an [`AppState`];
//! - [`AppState::connect`] opens the pool, applies the embedded
//!   migrations and reads the key file ([`keys`]);
//! - [`store`] is the one module that drives the crate's membership
//!   operations (an append-only log per resource, snapshots, a cache keyed
//!   by version, optimistic concurrency between replicas);
//! - [`web`] is where server-rendered pages mount;
//! - [`config`] is the command line and the [`Config`] it builds;
//! - [`telemetry`] holds the logs, the request spans and the metrics that
//!   `GET /metrics` renders beside `GET /healthz` and `GET /readyz`;
//! - [`availability`] gives every request one deadline
//!   ([`Config::request_timeout`]) and tells the store's outage log how it
//!   ended; [`deadline`] names the step a late request was at;
//! - [`server`] serves the router with every connection bounded (head,
//!   body, silence, how many) and a shutdown deadline; [`headers`] gives
//!   every answer its security headers (HSTS behind `https://`);
//! - [`keys`] is the key file, kept outside the database, and what it
//!   signs.
//!
//! Any number of processes on one database give the same answers: the
//! database is the only state; the cache is keyed by the log's version.
#![forbid(unsafe_code)]
#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::allow_attributes
)]

pub mod auth;
pub mod availability;
pub mod body;
pub mod config;
pub mod deadline;
pub mod error;
pub mod headers;
pub mod ids;
pub mod keys;
pub mod kind;
mod ops;
pub mod routes;
pub mod server;
pub mod shared;
mod state;
pub mod store;
pub mod telemetry;
pub mod time;
pub mod users;
pub mod web;

pub use store::db;

use axum::Router;

pub use config::Config;
pub use error::{ApiError, ApiResult};
pub use state::AppState;

/// The whole HTTP API (`/v1/...`) plus the pages of [`web`], with JSON
/// errors for unknown routes (404) and methods (405), and the operator's
/// routes: `GET /healthz`, `GET /readyz`, `GET /metrics`.
///
/// Every API and page request runs within its deadline
/// ([`Config::request_timeout`]: 503 with `Retry-After` past it) and in a
/// `request` span, is logged once
/// when answered and counted in the metrics ([`telemetry::requests`]);
/// every response carries an `x-request-id` ([`telemetry::request_ids`]);
/// every API answer and page carries the security headers of
/// [`headers::security_headers`] (HSTS behind `https://`).
/// The first call installs the process's metrics recorder
/// ([`telemetry::metrics`]).
///
/// To add routes, merge another `Router<AppState>` into the one
/// [`routes::api`] returns, or add pages in [`web::routes`].
pub fn router(state: AppState) -> Router {
    let app = Router::new()
        .merge(routes::api())
        .merge(web::routes())
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            headers::security_headers,
        ))
        // Every request body has a deadline, whatever the server.
        .layer(tower_http::timeout::RequestBodyDeadlineLayer::new(
            state.config.body_timeout,
        ))
        .layer(axum::Extension(body::BodyDeadline(
            state.config.body_timeout,
        )))
        // One deadline per request, and the outage log (inside the span).
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            availability::guard,
        ));
    // Layers wrap the routes present when they are added: the probes and
    // the scrape, merged after, are left out of the access log and the
    // request metrics, and every route gets a request id.
    let app = telemetry::requests(app).merge(ops::routes());
    telemetry::request_ids(app).with_state(state)
}
