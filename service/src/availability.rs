//! The request's guard: one deadline per request and the outage log.
//!
//! Every API and page request runs within [`Config::request_timeout`]
//! (`--request-timeout-ms`): waiting for a database connection, the
//! statements and the per-resource write lock together. Past it the request
//! is dropped where it stands (an open transaction rolls back with its
//! connection, which the pool checks before handing it out again) and
//! answers 503 with `Retry-After: 1`, logged once with the step it was at
//! ([`crate::deadline::Stage`]); a request that had not reached the
//! database yet (its body still arriving) answers 408 instead. Each answer then tells the store's
//! [`Health`](crate::store::health::Health): a 503 is a failure of the
//! kind of its cause, a request that reached the database and did not
//! fail ends the outage in progress.
//!
//! [`Config::request_timeout`]: crate::config::Config::request_timeout

use axum::Json;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::deadline::{self, Stage, Tracker};
use crate::error::{ApiError, UnavailableCause};
use crate::state::AppState;
use serde_json::json;

/// The middleware: runs the request within its deadline and records the
/// outcome on the store's health.
pub async fn guard(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let timeout = state.config.request_timeout;
    let write = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let tracker = Tracker::default();
    let run = deadline::track(tracker.clone(), next.run(request));
    let response = match tokio::time::timeout(timeout, run).await {
        Ok(response) => response,
        // Nothing reached the database: the request itself was late.
        Err(_) if tracker.stage() == Stage::Request => {
            tracing::info!(
                timeout_ms = timeout.as_millis(),
                "request timeout: not read in time"
            );
            let body = json!({ "error": "the request was not received in time" });
            return (StatusCode::REQUEST_TIMEOUT, Json(body)).into_response();
        }
        Err(_) => ApiError::deadline(timeout, tracker.stage()).into_response(),
    };
    let health = &state.store.health;
    if let Some(cause) = response.extensions().get::<UnavailableCause>() {
        health.failed(cause.outage(), &cause.0);
    } else if tracker.stage() != Stage::Request && !response.status().is_server_error() {
        health.succeeded(write);
    }
    response
}
