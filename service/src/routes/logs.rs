//! The app's logs, as the platform's client reads them: `GET
//! /v1/apps/{app}/logs` issues a URL signed for the caller, which the
//! client then reads without its bearer token (`.../logs/raw`). The
//! crate decides `view_logs` when the URL is issued and again when it is
//! read.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use collab_authz::{Action, Context, Email, ResourceKind};
use serde::Deserialize;
use serde_json::{Value, json};
use subtle::ConstantTimeEq;

use super::actions::grant_read;
use crate::auth::BearerAt;
use crate::error::{ApiError, ApiResult};
use crate::shared::{PathParams, QueryParams};
use crate::state::AppState;
use crate::store::Locator;
use crate::store::accounts::TokenKind;
use crate::store::actions::Operation;
use crate::time::{iso8601, now_unix};

/// How long a logs URL from `GET /v1/apps/{app}/logs` may be used.
pub const LOGS_URL_TTL_SECONDS: u64 = 60;

/// `GET /v1/apps/{app}/logs` (`view_logs`): `{"app":{"id","name"},
/// "logs_url":...}`, a URL the platform's client then reads without its
/// bearer token: signed for this app, this account and the API token behind
/// the bearer, usable for [`LOGS_URL_TTL_SECONDS`] (see [`logs_raw`]).
pub async fn logs_url(State(state): State<AppState>, at: BearerAt) -> ApiResult<Json<Value>> {
    let granted = grant_read(&state, &at.bearer, at.key(), Action::ViewLogs).await?;
    let app = granted.resource();
    let issued = now_unix();
    let signature =
        state
            .keys
            .logs_signature(&app.id, &at.bearer.user_id, &at.bearer.token_id, issued);
    let token = format!("{}.{}.{signature}", at.bearer.user_id, at.bearer.token_id);
    let url = format!(
        "{}/v1/apps/{}/logs/raw?token={token}&timestamp={issued}",
        state.config.public_url, app.id
    );
    Ok(Json(json!({
        "app": { "id": app.id, "name": app.name },
        "logs_url": url,
    })))
}

/// The query of a logs URL, as the platform's client sends it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogsQuery {
    token: String,
    timestamp: u64,
    #[serde(default = "default_lines")]
    n: i64,
    #[serde(default)]
    filter: String,
}

fn default_lines() -> i64 {
    100
}

/// The holder of the logs URL of app `key` that `query` carries: its
/// signature (the service's key over the app, the account, the API token
/// and the timestamp) checked, within its lifetime, and its API token
/// still live (a revoked token's URLs stop at once).
///
/// # Errors
/// 401 for a URL forged, expired or of a revoked token.
async fn logs_url_holder(state: &AppState, key: &str, query: &LogsQuery) -> ApiResult<Email> {
    let invalid = || ApiError::Unauthorized("invalid or expired logs URL".into());
    let mut parts = query.token.splitn(3, '.');
    let (Some(user_id), Some(token_id), Some(signature)) =
        (parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid());
    };
    let now = now_unix();
    let fresh = query.timestamp <= now.saturating_add(5)
        && now <= query.timestamp.saturating_add(LOGS_URL_TTL_SECONDS);
    let expected = state
        .keys
        .logs_signature(key, user_id, token_id, query.timestamp);
    let signed: bool = expected.as_bytes().ct_eq(signature.as_bytes()).into();
    if !(fresh && signed) {
        return Err(invalid());
    }
    let user = state
        .store
        .token_account(token_id, user_id, TokenKind::Api)
        .await?
        .ok_or_else(invalid)?;
    Email::parse(&user.email).map_err(ApiError::internal)
}

/// `GET /v1/apps/{app}/logs/raw?token=&timestamp=&n=&filter=`: the app's
/// last `n` (1 to 10000) log lines as text, oldest first, or 204 when
/// there are none. No bearer token: the URL's signature stands for the
/// account and API token it was issued to, for [`LOGS_URL_TTL_SECONDS`];
/// the API token must still be unrevoked and the crate decides
/// `view_logs` again, now. Any failure of the URL itself is a 401.
///
/// A line is `YYYY-MM-DD HH:MM:SS.000000000 +0000 UTC [manager] ACTION by
/// EMAIL`, the platform's log line layout; the service runs no
/// containers, so the app's log is its operations (`restart`,
/// `manage_env_vars`, ...), without their details. `filter`, when not
/// empty, keeps the lines of that container (`manager`).
pub async fn logs_raw(
    State(state): State<AppState>,
    PathParams(key): PathParams<String>,
    QueryParams(query): QueryParams<LogsQuery>,
) -> ApiResult<Response> {
    let email = logs_url_holder(&state, &key, &query).await?;
    if !(1..=10_000).contains(&query.n) {
        return Err(ApiError::Unprocessable("n: from 1 to 10000".into()));
    }
    let at = Locator::Key(ResourceKind::App, &key);
    let granted = state
        .store
        .access(at, &email, Action::ViewLogs, &Context::new())
        .await?;
    let lines = state.store.log_lines(&granted, query.n).await?;
    // Every line is the `manager`'s: another filter keeps none.
    let kept = query.filter.is_empty() || query.filter == "manager";
    let text: String = match kept {
        true => lines.iter().rev().map(log_line).collect(),
        false => String::new(),
    };
    if text.is_empty() {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Ok(([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response())
}

/// One operation as a log line (see [`logs_raw`]).
fn log_line(op: &Operation) -> String {
    let at = iso8601(op.at);
    let (date, time) = at
        .trim_end_matches('Z')
        .split_once('T')
        .unwrap_or((&at, ""));
    format!(
        "{date} {time}.000000000 +0000 UTC [manager] {} by {}\n",
        op.action, op.actor
    )
}
