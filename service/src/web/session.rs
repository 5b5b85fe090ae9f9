//! The pages' session: a signed cookie, a CSRF token derived from it, and
//! what signing in and out changes in the database.
//!
//! Signing in with an account's email and one of its API tokens creates a
//! *session*: a new row of `api_tokens` of kind `session`, which belongs
//! to that API token (`parent_id`) and ends after [`SESSION_TTL`]; its
//! secret is drawn and thrown away at once, so it can never be exchanged
//! as an API token. The cookie holds an HS256 JWT for that row whose
//! audience is `session`, checked like an API request
//! ([`Caller::from_token`]): signature, audience, lifetime, row not
//! revoked nor expired, its API token not revoked, account present. A
//! session cookie is no API bearer and an API bearer no session cookie.
//! Revoking the API token (`DELETE /v1/tokens/self`) ends its sessions; a
//! user lists and ends theirs with `GET /v1/sessions` and `DELETE
//! /v1/sessions/{id}`. Replicas share nothing but the database; signing
//! out revokes the row, which every replica sees at once.
//!
//! The CSRF token of a session is the SHA-256 of a label and the cookie's
//! value: a page can print it in a hidden field, a site that cannot read
//! the (`HttpOnly`) cookie cannot compute it, and it changes with every
//! session. The sign-in form, before any session, carries a random token
//! that must equal the one in a short-lived `SameSite=Strict` cookie
//! (a double submit), so a foreign site cannot sign a visitor in either.

use axum::http::{HeaderMap, HeaderValue, header};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::auth::{Caller, new_api_token, token_digest};
use crate::error::{ApiError, ApiResult};
use crate::ids::{hex, new_id};
use crate::keys::{Audience, Claims, Limits};
use crate::state::AppState;
use crate::time::now_unix;

/// How long a session lasts, in seconds (8 hours).
pub const SESSION_TTL: u64 = 8 * 3600;

/// The largest form body accepted, in bytes.
pub const FORM_LIMIT: usize = 16 * 1024;

/// The name of the session cookie (`__Host-` prefixed behind HTTPS, so no
/// other host or path can set it).
#[must_use]
pub fn session_cookie_name(state: &AppState) -> &'static str {
    if secure(state) {
        "__Host-cas_session"
    } else {
        "cas_session"
    }
}

/// The name of the sign-in form's double-submit cookie.
#[must_use]
pub fn signin_cookie_name(state: &AppState) -> &'static str {
    if secure(state) {
        "__Host-cas_signin"
    } else {
        "cas_signin"
    }
}

/// Whether the service is reached over HTTPS (cookies are then `Secure`).
#[must_use]
pub fn secure(state: &AppState) -> bool {
    state.config.https()
}

/// The value of cookie `name` in the request's `Cookie` headers.
#[must_use]
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// A `Set-Cookie` value: `HttpOnly`, `Path=/`, `SameSite` as given,
/// `Secure` behind HTTPS; `max_age` 0 removes the cookie.
#[must_use]
pub fn set_cookie(
    state: &AppState,
    name: &str,
    value: &str,
    max_age: u64,
    same_site: &str,
) -> Option<HeaderValue> {
    let secure = if secure(state) { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite={same_site}{secure}"
    ))
    .ok()
}

/// A signed-in visitor of the pages.
#[derive(Debug, Clone)]
pub struct Session {
    /// Who, as the API's routes see them.
    pub caller: Caller,
    /// The CSRF token every form of this session carries.
    pub csrf: String,
}

/// The CSRF token of the session whose cookie value is `cookie`.
#[must_use]
pub fn csrf_token(cookie: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"collab-authz-service page csrf\0");
    hasher.update(cookie.as_bytes());
    hex(&hasher.finalize())
}

/// Compares two tokens in time independent of where they differ
/// ([`subtle`]; comparing digests makes the lengths equal too).
#[must_use]
pub fn same_token(a: &str, b: &str) -> bool {
    let (a, b) = (Sha256::digest(a.as_bytes()), Sha256::digest(b.as_bytes()));
    a.as_slice().ct_eq(b.as_slice()).into()
}

impl Session {
    /// The session of the request, if its cookie is valid.
    ///
    /// # Errors
    /// 503 when the database is unreachable (an invalid cookie is `None`).
    pub async fn from_headers(state: &AppState, headers: &HeaderMap) -> ApiResult<Option<Self>> {
        let Some(token) = cookie(headers, session_cookie_name(state)) else {
            return Ok(None);
        };
        let limits = Limits {
            audience: Audience::Session,
            max_lifetime: SESSION_TTL,
        };
        match Caller::from_token(state, token, &limits).await {
            Ok(caller) => Ok(Some(Session {
                caller,
                csrf: csrf_token(token),
            })),
            Err(ApiError::Unauthorized(_)) => Ok(None),
            Err(other) => Err(other),
        }
    }

    /// Whether `token` (a form's hidden field) is this session's.
    #[must_use]
    pub fn csrf_ok(&self, token: &str) -> bool {
        same_token(&self.csrf, token)
    }
}

/// Signs in the owner of `api_token` if their email is `email`: a new
/// session token row and the cookie value (a bearer token for it).
///
/// # Errors
/// 401 when the token is unknown, revoked or another account's; 503 when
/// the database is unreachable.
pub async fn sign_in(
    state: &AppState,
    email: &collab_authz::Email,
    api_token: &str,
) -> ApiResult<String> {
    let (token_id, user_id) = state
        .store
        .api_token(&token_digest(api_token.trim()), Some(email))
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    let session_id = new_id("tok_")?;
    // The row's secret is never shown: the session is usable only through
    // the cookie's signed bearer token.
    let unusable = new_api_token()?;
    let opened = state
        .store
        .insert_session(
            &session_id,
            &token_digest(&unusable),
            &user_id,
            &token_id,
            SESSION_TTL,
        )
        .await?;
    if !opened {
        return Err(ApiError::unauthorized());
    }
    Ok(state.keys.sign(&Claims::new(
        &user_id,
        &session_id,
        Audience::Session,
        now_unix(),
        SESSION_TTL,
    ))?)
}

/// Ends `session`: its token row is revoked, on every replica at once.
///
/// # Errors
/// 503 when the database is unreachable.
pub async fn sign_out(state: &AppState, session: &Session) -> ApiResult<()> {
    Ok(state.store.revoke_token(&session.caller.token_id).await?)
}

/// A fresh random token for the sign-in form's double submit.
///
/// # Errors
/// 500 when the generator fails.
pub fn signin_token() -> ApiResult<String> {
    let bytes = crate::ids::random_bytes::<16>()?;
    Ok(hex(&bytes))
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue, header};

    use super::{cookie, csrf_token, same_token};

    #[test]
    fn cookies_are_found_by_exact_name() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("xcas_session=no; cas_signin=s1"),
        );
        headers.append(header::COOKIE, HeaderValue::from_static("cas_session=yes"));
        assert_eq!(cookie(&headers, "cas_session"), Some("yes"));
        assert_eq!(cookie(&headers, "cas_signin"), Some("s1"));
        assert_eq!(cookie(&headers, "other"), None);
    }

    #[test]
    fn csrf_tokens_differ_per_session_and_compare_exactly() {
        let (a, b) = (csrf_token("session-a"), csrf_token("session-b"));
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert!(same_token(&a, &csrf_token("session-a")));
        assert!(!same_token(&a, &b));
        assert!(!same_token(&a, ""));
        assert!(!same_token(&a, &a[..63]));
    }
}
