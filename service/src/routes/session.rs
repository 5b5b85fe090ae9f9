//! Tokens, page sessions, the caller's account and the region list.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use serde_json::{Value, json};

use crate::auth::{Caller, basic_password, token_digest};
use crate::error::{ApiError, ApiResult};
use crate::keys::{Audience, Claims};
use crate::state::AppState;
use crate::time::{iso8601, now_unix};

/// `POST /v1/tokens/exchange`: HTTP Basic with the API token as password
/// gives `{"token":"<JWT>"}`.
pub async fn exchange(State(state): State<AppState>, headers: HeaderMap) -> ApiResult<Json<Value>> {
    let password = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(basic_password)
        .ok_or_else(ApiError::unauthorized)?;
    let (tid, sub) = state
        .store
        .api_token(&token_digest(&password), None)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    let claims = Claims::new(
        &sub,
        &tid,
        Audience::Api,
        now_unix(),
        state.config.jwt_ttl_seconds,
    );
    Ok(Json(json!({ "token": state.keys.sign(&claims)? })))
}

/// `DELETE /v1/tokens/self`: revokes the API token the bearer token was
/// exchanged for; every bearer token from it, and every page session
/// signed in with it, is refused from then on.
pub async fn revoke_self(State(state): State<AppState>, caller: Caller) -> ApiResult<StatusCode> {
    state.store.revoke_token(&caller.token_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /v1/sessions`: the caller's live page sessions, newest first:
/// `{"sessions":[{"id","api_token_id","created_at","expires_at"}]}`.
pub async fn sessions(State(state): State<AppState>, caller: Caller) -> ApiResult<Json<Value>> {
    let sessions: Vec<Value> = state
        .store
        .sessions(&caller.id)
        .await?
        .into_iter()
        .map(|s| {
            json!({
                "id": s.id,
                "api_token_id": s.api_token_id,
                "created_at": iso8601(s.created_at),
                "expires_at": iso8601(s.expires_at),
            })
        })
        .collect();
    Ok(Json(json!({ "sessions": sessions })))
}

/// `DELETE /v1/sessions/{id}`: ends one of the caller's page sessions
/// (204); anything else, someone else's included, is the same 404.
pub async fn revoke_session(
    State(state): State<AppState>,
    caller: Caller,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    if state.store.revoke_session(&caller.id, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("no such session".into()))
    }
}

/// `GET /v1/users/self`: `{"user":{"id","username","email"}}`.
pub async fn user_self(caller: Caller) -> Json<Value> {
    Json(json!({ "user": caller.user_json() }))
}

/// `GET /v1/regions`: the service itself, as the one default region.
pub async fn regions(State(state): State<AppState>) -> Json<Value> {
    let url = &state.config.public_url;
    Json(json!({
        "regions": [{
            "name": state.config.region,
            "display_name": format!("collab-authz-service ({})", state.config.region),
            "api": url,
            "database_api": url,
            "dashboard": format!("{url}/dashboard"),
            "ssh": "",
            "default": true,
        }]
    }))
}
