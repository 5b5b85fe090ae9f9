//! `Idempotency-Key` on the membership writes: a client that lost an
//! answer (a cut connection, a 503 or a passed deadline after which the
//! write may have been committed all the same) retries with the same key
//! and gets the first answer again, with `Idempotent-Replayed: true`,
//! instead of writing twice.
//!
//! - [`prepare`] (a route layer): for a write request carrying the
//!   header, checks the key (1 to 255 printable ASCII characters, one
//!   header: else 422 naming the header) and that the route takes one
//!   ([`covered`]: else 422), reads the body once and attaches a
//!   [`KeyedRequest`]: the key, its scope (method and route template, the
//!   resource as the path names it) and the request's fingerprint
//!   (SHA-256 of the method, the path and query, and the body).
//! - A covered handler takes a [`Writer`] (the caller and the key scoped
//!   to them) and hands its write to [`Writer::submit`], the store's one
//!   door ([`Store::submit`](crate::store::Store::submit)): the key is
//!   looked up after the roster's load (and before answering 404 for a
//!   resource renamed or gone: a retry of a rename, a deletion or a
//!   leave gets its first answer), and the answer is recorded by the
//!   write's append statement.
//!
//! Same key, same fingerprint: the recorded answer (same status, same
//! body), nothing written. Same key, another fingerprint: 422. A retry
//! while the first try is still in flight waits behind it (the
//! per-resource write lock, or the head's compare-and-set on another
//! replica) within its deadline and then replays its answer (503 if the
//! deadline passes first: the next retry replays). Refusals and writes
//! that change nothing are not recorded: a retry decides again.

use std::future::Future;

use axum::body::Body;
use axum::extract::{FromRequestParts, MatchedPath, Request};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::auth::Caller;
use crate::body::BODY_LIMIT;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{
    Change, Committed, IdempotencyKey, Locator, Recorded, Seen, StoreError, Submitted, WriteRequest,
};

/// The request header: `Idempotency-Key: <1 to 255 printable ASCII>`.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// The answer header of a replayed answer: `Idempotent-Replayed: true`.
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";

/// The longest key, in bytes.
pub const MAX_KEY_LEN: usize = 255;

/// The routes that take a key: every membership write of the JSON API,
/// which all go through the store's one write path (`(method, template
/// suffix after /v1/apps or /v1/databases)`, or a whole template).
const COVERED: &[(&str, &str)] = &[
    ("PATCH", "/{key}"),
    ("DELETE", "/{key}"),
    ("POST", "/{key}/transfer"),
    ("DELETE", "/{key}/transfer"),
    ("POST", "/{key}/transfer/accept"),
    ("POST", "/{key}/collaborators"),
    ("PATCH", "/{key}/collaborators/{id}"),
    ("DELETE", "/{key}/collaborators/{id}"),
    ("POST", "/{key}/rename"),
];

/// The invitation link's route, which takes a key too.
const INVITATION_ROUTE: &str = "/v1/invitations/{resource}/{member}/{secret}";

/// Whether the route `template` with `method` takes an idempotency key:
/// the membership writes (invite, update, remove or leave, accept an
/// invitation, rename, delete, request, accept or cancel a transfer, on
/// apps and databases). Creating a resource, the app actions (restart,
/// variables, deployments) and tokens do not: they are other tables,
/// written outside the log's append.
#[must_use]
pub fn covered(method: &Method, template: &str) -> bool {
    if *method == Method::POST && template == INVITATION_ROUTE {
        return true;
    }
    let Some(rest) = template
        .strip_prefix("/v1/apps")
        .or_else(|| template.strip_prefix("/v1/databases"))
    else {
        return false;
    };
    // The platform's rename is an app route only.
    if rest == "/{key}/rename" && !template.starts_with("/v1/apps") {
        return false;
    }
    COVERED
        .iter()
        .any(|(m, suffix)| method.as_str() == *m && rest == *suffix)
}

/// Checks a key: 1 to [`MAX_KEY_LEN`] printable ASCII characters (space
/// to `~`).
///
/// ```
/// use collab_authz_service::routes::idempotent::valid_key;
///
/// assert!(valid_key(b"8e03978e-40d5-43e8-bc93-6894a57f9324"));
/// assert!(!valid_key(b""));
/// assert!(!valid_key("clé".as_bytes()));
/// assert!(!valid_key(&[b'a'; 256]));
/// ```
#[must_use]
pub fn valid_key(key: &[u8]) -> bool {
    (1..=MAX_KEY_LEN).contains(&key.len()) && key.iter().all(|b| (0x20..=0x7e).contains(b))
}

/// A write request's idempotency key, its scope but the caller, and its
/// fingerprint (attached by [`prepare`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyedRequest {
    /// The key.
    pub key: String,
    /// The method and route template.
    pub route: String,
    /// The resource as the path names it.
    pub resource: String,
    /// SHA-256 of the method, the path and query, and the body.
    pub fingerprint: [u8; 32],
}

impl KeyedRequest {
    /// The key as the store records it: scoped to `caller` too.
    #[must_use]
    pub fn for_caller(&self, caller: &Caller) -> IdempotencyKey {
        IdempotencyKey {
            account_id: caller.id.clone(),
            route: self.route.clone(),
            resource: self.resource.clone(),
            key: self.key.clone(),
            fingerprint: self.fingerprint,
        }
    }
}

fn unprocessable(message: String) -> Response {
    ApiError::Unprocessable(message).into_response()
}

/// The route layer: see the module's documentation. Reads and GETs, and
/// requests without the header, pass untouched.
pub async fn prepare(request: Request, next: Next) -> Response {
    let key = match request_key(&request) {
        Ok(Some(key)) => key,
        Ok(None) => return next.run(request).await,
        Err(message) => return unprocessable(message),
    };
    let method = request.method().clone();
    let template = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_default();
    if !covered(&method, &template) {
        return unprocessable(format!(
            "Idempotency-Key: not taken by {method} {template}; only the membership \
             writes (collaborators, invitations, rename, delete, transfers) take one"
        ));
    }
    let resource = named_resource(&template, request.uri().path());
    let (mut parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, BODY_LIMIT).await else {
        return ApiError::PayloadTooLarge(BODY_LIMIT).into_response();
    };
    parts.extensions.insert(KeyedRequest {
        key,
        route: format!("{method} {template}"),
        resource,
        fingerprint: fingerprint(&parts, &bytes),
    });
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// The `Idempotency-Key` of a write `request`: `None` for a read or
/// without the header; why it is refused (a 422) when the header is
/// given twice or is not 1 to [`MAX_KEY_LEN`] printable ASCII characters.
fn request_key(request: &Request) -> Result<Option<String>, String> {
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    ) {
        return Ok(None);
    }
    let mut values = request.headers().get_all(IDEMPOTENCY_KEY).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err("Idempotency-Key: give the header once".into());
    }
    if !valid_key(value.as_bytes()) {
        return Err(format!(
            "Idempotency-Key: expected 1 to {MAX_KEY_LEN} printable ASCII characters"
        ));
    }
    Ok(Some(String::from_utf8_lossy(value.as_bytes()).into_owned()))
}

/// SHA-256 of the request's method, path and query (each prefixed by
/// its length), and `body`.
fn fingerprint(parts: &Parts, body: &[u8]) -> [u8; 32] {
    let path = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_string(), ToString::to_string);
    let mut digest = Sha256::new();
    for part in [parts.method.as_str().as_bytes(), path.as_bytes()] {
        digest.update((part.len() as u64).to_be_bytes());
        digest.update(part);
    }
    digest.update(body);
    digest.finalize().into()
}

/// The segment of `path` where `template` has `{key}` or `{resource}`.
fn named_resource(template: &str, path: &str) -> String {
    template
        .split('/')
        .zip(path.split('/'))
        .find(|(t, _)| *t == "{key}" || *t == "{resource}")
        .map(|(_, p)| p.to_string())
        .unwrap_or_default()
}

/// A membership write's caller and idempotency key, taken once from the
/// request: what a write handler takes, and hands its write to
/// ([`Writer::submit`]).
#[derive(Debug, Clone)]
pub struct Writer {
    /// The caller (a checked API bearer token).
    pub caller: Caller,
    /// The request's `Idempotency-Key`, scoped to the caller, if it
    /// carried one.
    pub key: Option<IdempotencyKey>,
}

impl FromRequestParts<AppState> for Writer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        let key = parts
            .extensions
            .get::<KeyedRequest>()
            .map(|keyed| keyed.for_caller(&caller));
        Ok(Self { caller, key })
    }
}

impl Writer {
    /// Submits `change` on the resource `at` (opened as `seen` says) as
    /// the caller, with the request's key, to the store's one door
    /// ([`Store::submit`](crate::store::Store::submit)), and answers
    /// with what `answer` builds of the committed write, or the answer
    /// recorded for the key (with `Idempotent-Replayed: true`).
    ///
    /// # Errors
    /// The write's refusal or failure, mapped once
    /// ([`ApiError`]'s `From<WriteError>`).
    pub async fn submit<F, Fut>(
        self,
        state: &AppState,
        at: Locator<'_>,
        seen: Seen,
        change: Change,
        answer: F,
    ) -> ApiResult<Response>
    where
        F: Fn(Committed) -> Fut + Sync,
        Fut: Future<Output = Result<Recorded, StoreError>> + Send,
    {
        let request = WriteRequest {
            at,
            caller: &self.caller.email,
            seen,
            change,
            key: self.key,
        };
        Ok(match state.store.submit(request, answer).await? {
            Submitted::Answered(answer) => respond(answer, false),
            Submitted::Replayed(answer) => respond(answer, true),
        })
    }
}

/// `answer` as a response; with `Idempotent-Replayed: true` when it is a
/// recorded one sent again.
#[must_use]
pub fn respond(answer: Recorded, replayed: bool) -> Response {
    let status = StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let empty = answer.body.is_empty();
    let mut response = (status, answer.body).into_response();
    let headers = response.headers_mut();
    if empty {
        headers.remove(header::CONTENT_TYPE);
    } else {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
    }
    if replayed {
        headers.insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
        tracing::info!(
            status = status.as_u16(),
            "idempotency key: the recorded answer sent again, nothing written"
        );
    }
    response
}

/// A JSON answer.
///
/// # Errors
/// A store fault when `value` cannot be serialized.
pub fn json_answer(status: StatusCode, value: &serde_json::Value) -> Result<Recorded, StoreError> {
    Ok(Recorded {
        status: status.as_u16(),
        body: serde_json::to_vec(value).map_err(StoreError::corrupt)?,
    })
}

/// The empty 204 answer.
#[must_use]
pub fn no_content() -> Recorded {
    Recorded {
        status: StatusCode::NO_CONTENT.as_u16(),
        body: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::Method;

    use super::{covered, named_resource};

    #[test]
    fn the_membership_writes_take_a_key_and_nothing_else_does() {
        for (method, template) in [
            (Method::POST, "/v1/apps/{key}/collaborators"),
            (Method::PATCH, "/v1/databases/{key}/collaborators/{id}"),
            (Method::DELETE, "/v1/apps/{key}/collaborators/{id}"),
            (Method::PATCH, "/v1/apps/{key}"),
            (Method::DELETE, "/v1/databases/{key}"),
            (Method::POST, "/v1/apps/{key}/transfer"),
            (Method::DELETE, "/v1/apps/{key}/transfer"),
            (Method::POST, "/v1/databases/{key}/transfer/accept"),
            (Method::POST, "/v1/apps/{key}/rename"),
            (Method::POST, "/v1/invitations/{resource}/{member}/{secret}"),
        ] {
            assert!(covered(&method, template), "{method} {template}");
        }
        for (method, template) in [
            (Method::POST, "/v1/apps"),
            (Method::POST, "/v1/apps/{key}/restart"),
            (Method::PUT, "/v1/apps/{key}/variables"),
            (Method::DELETE, "/v1/apps/{key}/variables/{id}"),
            (Method::POST, "/v1/apps/{key}/deployments"),
            (Method::POST, "/v1/databases/{key}/rename"),
            (Method::POST, "/v1/tokens/exchange"),
            (Method::DELETE, "/v1/tokens/self"),
        ] {
            assert!(!covered(&method, template), "{method} {template}");
        }
    }

    #[test]
    fn the_scope_names_the_resource_as_the_path_does() {
        assert_eq!(
            named_resource(
                "/v1/apps/{key}/collaborators/{id}",
                "/v1/apps/shop/collaborators/m1"
            ),
            "shop"
        );
        assert_eq!(
            named_resource(
                "/v1/invitations/{resource}/{member}/{secret}",
                "/v1/invitations/app_1/mem_2/s3"
            ),
            "app_1"
        );
    }
}
