//! The edge: [`ApiError`], every failure a route can answer with, as an
//! HTTP status and a JSON body `{"error":"..."}` (a 422 also carries the
//! platform's `{"errors":{"field":["..."]}}`, see [`field_errors`]), and
//! the one mapping from
//! the store's and the crate's errors to it (the `From` conversions
//! below). Every 5xx is logged here, once, with its cause (the database's
//! SQLSTATE and message), when it becomes a response.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use collab_authz::membership::ErrorClass;

use crate::ids::RandomError;
use crate::keys::SignError;
use crate::kind::singular;
use crate::store::{AccessError, Outage, Refusal, StoreError, WriteError};

/// A failed request: the status it answers with and the message of its
/// `{"error":"..."}` body.
///
/// Bad input is always one of the 4xx variants; `Unavailable` (503) is a
/// database that cannot be reached; `Internal` (500) is kept for a fault of
/// the service itself (a stored value it cannot read back). Both carry
/// their cause, which is logged and never sent.
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
    /// 408: the request body did not arrive in time.
    #[error("the request body did not arrive within {0} seconds")]
    RequestTimeout(u64),
    /// 413: the body is over the limit.
    #[error("request body over the limit of {0} bytes")]
    PayloadTooLarge(usize),
    /// 422: well-formed but invalid (wrong type, unknown field, bad value).
    #[error("{0}")]
    Unprocessable(String),
    /// 429: the caller did this too often; `Retry-After` says when the
    /// next one is accepted.
    #[error("{message}")]
    TooManyRequests {
        /// What was limited and how.
        message: String,
        /// Seconds until the next one is accepted.
        retry_after: u64,
    },
    /// 503: the database cannot be reached; the cause is logged.
    #[error("the database is unavailable, retry later")]
    Unavailable(String),
    /// 500: a fault of the service; the cause is logged.
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
            ApiError::RequestTimeout(_) => StatusCode::REQUEST_TIMEOUT,
            ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
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

    /// 503 for a request whose deadline (`timeout`) passed while it was at
    /// `stage`.
    #[must_use]
    pub fn deadline(timeout: core::time::Duration, stage: crate::deadline::Stage) -> Self {
        ApiError::Unavailable(format!(
            "{DEADLINE_CAUSE} of {} ms passed while {}",
            timeout.as_millis(),
            stage.describe()
        ))
    }

    /// 500 for a stored value the service cannot read back.
    #[must_use]
    pub fn internal(context: impl core::fmt::Display) -> Self {
        ApiError::Internal(context.to_string())
    }

    /// Logs a 5xx with its cause (an error for a 500, a warning for a
    /// 503); nothing for any other status. Called once per response, by
    /// [`IntoResponse`] (or by a page that renders the error itself).
    pub fn log(&self) {
        match self {
            ApiError::Internal(cause) => {
                tracing::error!(status = 500, cause = %cause, "internal error");
            }
            ApiError::Unavailable(cause) => {
                tracing::warn!(status = 503, cause = %cause, "database unavailable");
            }
            _ => {}
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        self.log();
        let unavailable = match &self {
            ApiError::Unavailable(cause) => Some(UnavailableCause(cause.clone())),
            _ => None,
        };
        let message = self.to_string();
        let body = match &self {
            ApiError::Unprocessable(_) => {
                let errors = field_errors(&message);
                serde_json::json!({ "error": message, "errors": errors })
            }
            _ => serde_json::json!({ "error": message }),
        };
        let mut response = (status, axum::Json(body)).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Bearer"),
            );
        }
        if let ApiError::TooManyRequests { retry_after, .. } = &self {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(*retry_after),
            );
        }
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from_static("1"),
            );
        }
        if let Some(cause) = unavailable {
            response.extensions_mut().insert(cause);
        }
        response
    }
}

/// How the cause of a 503 for a passed deadline begins.
const DEADLINE_CAUSE: &str = "request deadline";

/// The cause of a 503, on its response (an extension, never sent), so that
/// the request's guard can tell which outage it is part of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnavailableCause(pub String);

impl UnavailableCause {
    /// The kind of outage the cause tells of: a passed deadline is a
    /// timeout; otherwise the kind of its SQLSTATE (see
    /// [`StoreError::outage`]).
    #[must_use]
    pub fn outage(&self) -> Outage {
        let cause = self.0.as_str();
        if cause.starts_with(DEADLINE_CAUSE) {
            return Outage::Timeout;
        }
        let (sqlstate, message) = match cause
            .strip_prefix("SQLSTATE ")
            .and_then(|rest| rest.split_once(": "))
        {
            Some((code, message)) => (Some(code.to_string()), message.to_string()),
            None => (None, cause.to_string()),
        };
        StoreError::Unavailable { sqlstate, message }
            .outage()
            .unwrap_or(Outage::Unreachable)
    }
}

/// The platform's shape of a 422 (`{"field": ["message"]}`, what its
/// clients read under `errors`) for the message of an
/// [`ApiError::Unprocessable`]. Every 422 message names the field it is
/// about first: `FIELD: reason` (the service's checks), or, after the
/// body's `invalid body: ` prefix, the crate's and serde's ``field `FIELD`:
/// reason``, ``missing field `FIELD` ``, ``unknown field `FIELD` ``. A
/// message that names no field (the body's shape, a refusal of the crate
/// of class `Invalid`) is filed under `base`, the platform's key for the
/// object as a whole. The reason keeps its words; only the field's name in
/// front is moved to the key.
///
/// ```
/// use collab_authz_service::error::field_errors;
/// use serde_json::json;
///
/// assert_eq!(
///     field_errors("invalid body: field `email`: email must contain exactly one '@'"),
///     json!({"email": ["email must contain exactly one '@'"]})
/// );
/// assert_eq!(
///     field_errors("invalid body: unknown field `role`, expected `email` or `is_limited`"),
///     json!({"role": ["unknown field `role`, expected `email` or `is_limited`"]})
/// );
/// assert_eq!(field_errors("name: 3 to 48 letters"), json!({"name": ["3 to 48 letters"]}));
/// assert_eq!(
///     field_errors("invalid body: expected a JSON object"),
///     json!({"base": ["invalid body: expected a JSON object"]})
/// );
/// ```
#[must_use]
pub fn field_errors(message: &str) -> serde_json::Value {
    let (field, reason) = named_field(message).unwrap_or(("base", message));
    serde_json::json!({ field: [reason] })
}

/// The field a 422 message names and its reason (see [`field_errors`]).
fn named_field(message: &str) -> Option<(&str, &str)> {
    let rest = message.strip_prefix("invalid body: ").unwrap_or(message);
    if let Some(after) = rest.strip_prefix("field `") {
        let (field, tail) = after.split_once('`')?;
        let reason = tail.strip_prefix(": ").unwrap_or(rest);
        return Some((field, reason)).filter(|(f, _)| is_field(f));
    }
    if let Some((_, after)) = rest.split_once(" field `") {
        let (field, _) = after.split_once('`')?;
        return Some((field, rest)).filter(|(f, _)| is_field(f));
    }
    let (field, reason) = rest.split_once(": ")?;
    Some((field, reason)).filter(|(f, _)| is_field(f))
}

/// A field name: 1 to 64 ASCII letters, digits, `_` or `.`.
fn is_field(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.')
}

/// The cause of a storage failure as it is logged: the SQLSTATE first,
/// when the database answered one, then the message.
fn cause(e: &StoreError) -> String {
    match e.sqlstate() {
        Some(code) => format!("SQLSTATE {code}: {e}"),
        None => e.to_string(),
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ApiError::not_found(what),
            StoreError::Taken(message) => ApiError::Conflict(message),
            StoreError::InvalidValue { .. } => ApiError::BadRequest(e.to_string()),
            StoreError::Unavailable { .. } => ApiError::Unavailable(cause(&e)),
            _ => ApiError::Internal(cause(&e)),
        }
    }
}

/// The answer to a refusal of the crate: the status of its
/// [`ErrorClass`] with the crate's explanation, except that a stranger
/// gets the 404 of a resource they cannot see (its existence does not
/// leak).
impl From<Refusal> for ApiError {
    fn from(e: Refusal) -> Self {
        if e.stranger() {
            return ApiError::not_found(singular(e.kind()));
        }
        let message = e.to_string();
        match e.class() {
            ErrorClass::NotPermitted => ApiError::Forbidden(message),
            ErrorClass::NotFound => ApiError::NotFound(message),
            ErrorClass::Conflict => ApiError::Conflict(message),
            ErrorClass::Gone => ApiError::Gone(message),
            ErrorClass::Invalid => ApiError::Unprocessable(message),
        }
    }
}

impl From<AccessError> for ApiError {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::Hidden(what) => ApiError::not_found(what),
            AccessError::Denied(denial) => ApiError::Forbidden(denial.to_string()),
            AccessError::Store(e) => e.into(),
        }
    }
}

impl From<WriteError> for ApiError {
    fn from(e: WriteError) -> Self {
        match e {
            WriteError::Refused(e) => e.into(),
            WriteError::Store(e) => e.into(),
            WriteError::Hidden(what) => ApiError::not_found(what),
            WriteError::TooManyInvitations { retry_after, .. } => ApiError::TooManyRequests {
                message: e.to_string(),
                retry_after,
            },
            WriteError::KeyReused => ApiError::Unprocessable(e.to_string()),
        }
    }
}

impl From<RandomError> for ApiError {
    fn from(e: RandomError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

impl From<SignError> for ApiError {
    fn from(e: SignError) -> Self {
        ApiError::Internal(e.to_string())
    }
}

/// The result of a route.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use collab_authz::membership::{ChangeRoleError, NotPermitted};
    use collab_authz::{ResourceKind, Role};

    use super::ApiError;
    use crate::store::{AccessError, Outage, Refusal, StoreError};

    #[test]
    fn a_database_fault_keeps_its_sqlstate_for_the_log_and_shows_none() {
        let e = ApiError::from(StoreError::Database {
            sqlstate: "42P01".into(),
            message: "relation \"resources\" does not exist".into(),
        });
        let cause = match &e {
            ApiError::Internal(cause) => cause.as_str(),
            _ => "",
        };
        assert!(cause.starts_with("SQLSTATE 42P01: "), "{e:?}");
        assert!(cause.contains("does not exist"), "{cause}");
        assert_eq!(e.status(), 500);
        assert_eq!(e.to_string(), "internal error");
        let down = ApiError::from(StoreError::Unavailable {
            sqlstate: Some("57P01".into()),
            message: "terminating connection".into(),
        });
        assert_eq!(down.status(), 503);
        assert!(matches!(&down, ApiError::Unavailable(c) if c.contains("57P01")));
    }

    #[test]
    #[expect(clippy::unwrap_used, reason = "a test fails loudly")]
    fn read_only_rollbacks_and_full_disks_are_503_with_their_outage() {
        use super::UnavailableCause;
        use crate::deadline::Stage;
        use axum::response::IntoResponse;
        for (sqlstate, outage) in [
            ("25006", Outage::ReadOnly),
            ("40001", Outage::Contention),
            ("40P01", Outage::Contention),
            ("53100", Outage::DiskFull),
            ("57014", Outage::Timeout),
            ("57P01", Outage::Unreachable),
            ("08006", Outage::Unreachable),
        ] {
            let store = StoreError::Unavailable {
                sqlstate: Some(sqlstate.into()),
                message: "m".into(),
            };
            assert_eq!(store.outage(), Some(outage), "{sqlstate}");
            let response = ApiError::from(store).into_response();
            assert_eq!(response.status(), 503, "{sqlstate}");
            assert_eq!(response.headers()["retry-after"], "1");
            let cause = response.extensions().get::<UnavailableCause>().unwrap();
            assert_eq!(cause.outage(), outage, "{sqlstate}");
        }
        let late = ApiError::deadline(std::time::Duration::from_millis(1500), Stage::WriteLock);
        assert_eq!(late.status(), 503);
        let cause = match &late {
            ApiError::Unavailable(cause) => cause.clone(),
            _ => String::new(),
        };
        assert_eq!(
            cause,
            "request deadline of 1500 ms passed while waiting for the resource's write lock"
        );
        assert_eq!(UnavailableCause(cause).outage(), Outage::Timeout);
        assert!(
            StoreError::Database {
                sqlstate: "42P01".into(),
                message: "m".into()
            }
            .outage()
            .is_none()
        );
    }

    #[test]
    fn bad_values_and_taken_keys_are_the_callers_errors() {
        let bad = ApiError::from(StoreError::InvalidValue {
            sqlstate: "22021".into(),
            message: "invalid byte sequence".into(),
        });
        assert_eq!(bad.status(), 400);
        assert_eq!(ApiError::from(StoreError::Taken("x".into())).status(), 409);
        assert_eq!(
            ApiError::from(StoreError::NotFound("app")).to_string(),
            "app not found"
        );
    }

    #[test]
    fn a_stranger_is_told_the_resource_does_not_exist() {
        let stranger = Refusal::new(ResourceKind::DedicatedDatabase, &NotPermitted::Stranger);
        assert_eq!(ApiError::from(stranger), ApiError::not_found("database"));
        let conflict = Refusal::new(
            ResourceKind::App,
            &ChangeRoleError::Unchanged {
                role: Role::Collaborator,
            },
        );
        assert_eq!(ApiError::from(conflict).status(), 409);
        assert_eq!(
            ApiError::from(AccessError::Hidden("invitation")).to_string(),
            "invitation not found"
        );
    }
}
