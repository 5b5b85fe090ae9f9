//! The operator's routes: liveness, readiness and metrics. Neither logged
//! nor counted per request (probes and scrapes would drown the access
//! log), and open to anyone but `/metrics` when a token is configured.
//!
//! | route | answer |
//! | --- | --- |
//! | `GET /healthz` | 200 `{"status":"ok"}` while the process serves HTTP; touches nothing else |
//! | `GET /readyz` | 200 `{"status":"ready"}` when the database answers and accepts writes; else 503 `{"status":"unavailable","reason":"unreachable"\|"in_recovery"\|"read_only"}` |
//! | `GET /metrics` | the Prometheus text format ([`telemetry`](crate::telemetry)); with `--metrics-token`, only for `Authorization: Bearer TOKEN` (else 401) |

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use subtle::ConstantTimeEq;

use crate::state::AppState;
use crate::store::db::Readiness;
use crate::telemetry;

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
    record_state(&state);
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

/// Brings the gauges and counters read from `state` up to date: the pool's
/// status and the roster store's counters. `GET /metrics` calls it before
/// rendering. (A process serving several states, as the tests do, shows
/// the last one read; a deployed process has one.)
fn record_state(state: &AppState) {
    let pool = state.pool.status();
    metrics::gauge!(telemetry::POOL_CONNECTIONS).set(count(pool.size));
    metrics::gauge!(telemetry::POOL_IDLE).set(count(pool.available));
    metrics::gauge!(telemetry::POOL_MAX).set(count(pool.max_size));
    metrics::gauge!(telemetry::POOL_WAITING).set(count(pool.waiting));
    let stats = &state.store.stats;
    metrics::counter!(telemetry::CACHE_HITS).absolute(stats.cache_hits.load(Ordering::Relaxed));
    metrics::counter!(telemetry::CACHE_MISSES).absolute(stats.cache_misses.load(Ordering::Relaxed));
    metrics::counter!(telemetry::CAS_LOST).absolute(stats.retries.load(Ordering::Relaxed));
    metrics::counter!(telemetry::CACHE_DIVERGENCES)
        .absolute(stats.cache_divergences.load(Ordering::Relaxed));
    metrics::counter!(telemetry::CACHE_RESUMED)
        .absolute(stats.cache_resumed.load(Ordering::Relaxed));
}

#[expect(
    clippy::cast_precision_loss,
    reason = "pool sizes are at most 1000, exact in an f64"
)]
fn count(n: usize) -> f64 {
    n as f64
}
