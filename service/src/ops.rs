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
use deadpool_postgres::Pool;
use serde_json::json;
use subtle::ConstantTimeEq;
use tokio_postgres::SimpleQueryMessage;

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

/// Whether the database can take the service's writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    /// It answers and accepts writes.
    Ready,
    /// No connection, or the query failed (the error).
    Unreachable(String),
    /// It is a standby (`pg_is_in_recovery()`).
    InRecovery,
    /// Transactions are read-only (`default_transaction_read_only`, as a
    /// database being failed over or put in maintenance is).
    ReadOnly,
}

impl Readiness {
    /// The `reason` of the 503 body; `None` when ready.
    #[must_use]
    pub fn reason(&self) -> Option<&'static str> {
        match self {
            Readiness::Ready => None,
            Readiness::Unreachable(_) => Some("unreachable"),
            Readiness::InRecovery => Some("in_recovery"),
            Readiness::ReadOnly => Some("read_only"),
        }
    }
}

/// Asks the database, on a pooled connection like the service's writes
/// use and in one round trip, whether it is a primary and whether a
/// transaction there would be read-write. Bounded by the pool's timeouts
/// (2 s).
pub async fn readiness(pool: &Pool) -> Readiness {
    let client = match pool.get().await {
        Ok(client) => client,
        Err(e) => return Readiness::Unreachable(e.to_string()),
    };
    let sql = "SELECT pg_is_in_recovery()::text, current_setting('transaction_read_only')";
    let messages = match client.simple_query(sql).await {
        Ok(messages) => messages,
        Err(e) => return Readiness::Unreachable(e.to_string()),
    };
    let row = messages.iter().find_map(|m| match m {
        SimpleQueryMessage::Row(row) => Some((row.get(0), row.get(1))),
        _ => None,
    });
    match row {
        Some((Some("false"), Some("off"))) => Readiness::Ready,
        Some((Some("true"), _)) => Readiness::InRecovery,
        Some((_, Some("on"))) => Readiness::ReadOnly,
        other => Readiness::Unreachable(format!("unexpected answer {other:?}")),
    }
}

/// `GET /readyz`: 200 when the database answers and accepts writes, else
/// 503 with the reason (logged, with the detail, at `warn`).
async fn readyz(State(state): State<AppState>) -> Response {
    let readiness = readiness(&state.pool).await;
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
