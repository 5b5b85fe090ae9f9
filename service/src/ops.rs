//! The operator's routes: liveness, readiness and metrics. Neither logged
//! nor counted per request (probes and scrapes would drown the access
//! log), and open to anyone but `/metrics` when a token is configured.
//!
//! | route | answer |
//! | --- | --- |
//! | `GET /healthz` | 200 `{"status":"ok"}` while the process serves HTTP; touches nothing else |
//! | `GET /readyz` | 200 `{"status":"ready"}` when the database answers and accepts writes; else 503 `{"status":"unavailable","reason":"unreachable"\|"in_recovery"\|"read_only"}` |
//! | `GET /metrics` | the Prometheus text format ([`telemetry`](crate::telemetry)); with `--metrics-token`, only for `Authorization: Bearer TOKEN` (else 401) |

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use subtle::ConstantTimeEq;

use crate::store::db::Readiness;
use crate::{AppState, telemetry};

/// The Prometheus text format's content type.
pub const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The operator's routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// `GET /healthz`: the process is up. No database work, so that a
/// database outage does not get every replica restarted.
async fn healthz() -> Json<serde_json::Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /readyz`: 200 when the database answers and accepts writes, else
/// 503 with the reason (logged, with the detail, at `warn`).
async fn readyz(State(state): State<AppState>) -> Response {
    let readiness = state.store.readiness().await;
    let Some(reason) = readiness.reason() else {
        return Json(json!({ "status": "ready" })).into_response();
    };
    match &readiness {
        Readiness::Unreachable(detail) => {
            tracing::warn!(reason, error = %detail, "not ready: the database is unreachable");
        }
        _ => tracing::warn!(reason, "not ready: the database does not accept writes"),
    }
    let mut response = (
        StatusCode::SERVICE_UNAVAILABLE,
        Json(json!({ "status": "unavailable", "reason": reason })),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// `GET /metrics`: the Prometheus text format, after reading the pool and
/// the store; 401 without the configured token.
async fn metrics(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(token) = &state.config.metrics_token {
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !bool::from(given.as_bytes().ct_eq(token.expose().as_bytes())) {
            let mut response = (
                StatusCode::UNAUTHORIZED,
                Json(json!({ "error": "the metrics token is missing or wrong" })),
            )
                .into_response();
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return response;
        }
    }
    telemetry::record_state(&state);
    let handle = telemetry::metrics();
    handle.run_upkeep();
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(METRICS_CONTENT_TYPE),
        )],
        handle.render(),
    )
        .into_response()
}
