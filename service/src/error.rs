//! [`ApiError`]: every failure a route can answer with, as an HTTP status
//! and a JSON body `{"error":"..."}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// A failed request: the status it answers with and the message of its
/// `{"error":"..."}` body.
///
/// Bad input is always one of the 4xx variants; `Unavailable` (503) is a
/// database that cannot be reached; `Internal` (500) is kept for a fault of
/// the service itself (a stored value it cannot read back) and is logged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// 400: the request cannot be parsed (malformed JSON, bad header).
    #[error("{0}")]
    BadRequest(String),
    /// 401: missing, expired, forged or revoked credentials.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: the caller may not do this; the message explains why.
    #[error("{0}")]
    Forbidden(String),
    /// 404: no such resource, route or member (or one the caller may not
    /// see).
    #[error("{0}")]
    NotFound(String),
    /// 405: the route exists with another method.
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 409: the request conflicts with the current state.
    #[error("{0}")]
    Conflict(String),
    /// 410: what the request names existed and can no longer be used (an
    /// expired invitation, a deleted resource's roster).
    #[error("{0}")]
    Gone(String),
    /// 413: the body is over the limit.
    #[error("request body over the limit of {0} bytes")]
    PayloadTooLarge(usize),
    /// 422: well-formed but invalid (wrong type, unknown field, bad value).
    #[error("{0}")]
    Unprocessable(String),
    /// 503: the database cannot be reached.
    #[error("the database is unavailable, retry later")]
    Unavailable,
    /// 500: a fault of the service.
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    /// The HTTP status this error answers with.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Gone(_) => StatusCode::GONE,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// 401 with the standard message.
    #[must_use]
    pub fn unauthorized() -> Self {
        ApiError::Unauthorized("missing, invalid, expired or revoked credentials".into())
    }

    /// 404 for `what` (e.g. `app`).
    #[must_use]
    pub fn not_found(what: &str) -> Self {
        ApiError::NotFound(format!("{what} not found"))
    }

    /// 500 for a stored value the service cannot read back.
    #[must_use]
    pub fn internal(context: impl core::fmt::Display) -> Self {
        ApiError::Internal(context.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let ApiError::Internal(detail) = &self {
            eprintln!("collab-authz-service: internal error: {detail}");
        }
        let mut response = (
            status,
            axum::Json(serde_json::json!({ "error": self.to_string() })),
        )
            .into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("1"),
            );
        }
        response
    }
}

impl From<tokio_postgres::Error> for ApiError {
    fn from(error: tokio_postgres::Error) -> Self {
        use tokio_postgres::error::SqlState;
        match error.code() {
            // No SQL state: the connection (closed, refused, I/O).
            None => ApiError::Unavailable,
            Some(code) => {
                let class = code.code().get(..2).unwrap_or("");
                if *code == SqlState::UNIQUE_VIOLATION {
                    ApiError::Conflict("conflicts with an existing record".into())
                } else if class == "22" {
                    // Data exception: a value PostgreSQL cannot hold (a NUL
                    // byte in text, a number out of range): bad input.
                    ApiError::BadRequest("a value cannot be stored (invalid text or number)".into())
                } else if matches!(class, "08" | "57" | "53") {
                    // Connection exceptions, operator intervention
                    // (shutdown), insufficient resources.
                    ApiError::Unavailable
                } else {
                    ApiError::Internal(format!("database: {error}"))
                }
            }
        }
    }
}

impl From<deadpool_postgres::PoolError> for ApiError {
    fn from(error: deadpool_postgres::PoolError) -> Self {
        match error {
            deadpool_postgres::PoolError::Backend(e) => e.into(),
            _ => ApiError::Unavailable,
        }
    }
}

/// The result of a route.
pub type ApiResult<T> = Result<T, ApiError>;
