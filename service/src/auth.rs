//! Credentials: API tokens (stored as SHA-256 digests), the short-lived
//! HS256 bearer tokens exchanged for them, and the [`Caller`] extractor
//! that every authenticated route takes.
//!
//! Why SHA-256 and not a password hash: an API token is 32 bytes from the
//! operating system's CSPRNG (256 bits of entropy), so guessing one from
//! its digest is as hard as guessing the token itself; a slow, salted
//! hash (argon2, bcrypt) protects low-entropy human passwords and would
//! only add milliseconds to every exchange here. A fast digest also lets
//! the digest be the lookup key (a unique index), with no per-row salt.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use collab_authz::Email;
use collab_authz::org::directory::TwoFactor;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::error::ApiError;

type HmacSha256 = Hmac<Sha256>;

/// The prefix of every API token the service issues (it makes a leaked
/// token easy to recognize in logs and secret scanners).
pub const TOKEN_PREFIX: &str = "cas_";

/// `N` bytes from the operating system's CSPRNG.
///
/// # Errors
/// The OS error's text when the generator fails.
pub fn random_bytes<const N: usize>() -> Result<[u8; N], String> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| format!("random generator: {e}"))?;
    Ok(buf)
}

/// A fresh id: `prefix` then 16 random bytes in lower-case hex (128 bits:
/// unguessable and collision-free in practice).
///
/// # Errors
/// [`ApiError::Internal`] when the generator fails.
pub fn new_id(prefix: &str) -> Result<String, ApiError> {
    let bytes = random_bytes::<16>().map_err(ApiError::internal)?;
    Ok(format!("{prefix}{}", hex(&bytes)))
}

/// Lower-case hex of `bytes`.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    use core::fmt::Write;
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// A new API token: `cas_` then 32 random bytes, base64url.
///
/// # Errors
/// [`ApiError::Internal`] when the generator fails.
pub fn new_api_token() -> Result<String, ApiError> {
    let bytes = random_bytes::<32>().map_err(ApiError::internal)?;
    Ok(format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
}

/// The SHA-256 digest an API token is stored and looked up by.
#[must_use]
pub fn token_digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The keys derived from the shared secret stored in the database: one
/// signs bearer tokens, one derives invitation-link secrets. Every replica
/// derives the same keys.
#[derive(Clone)]
pub struct Keys {
    jwt: Vec<u8>,
    invitation: Vec<u8>,
}

impl core::fmt::Debug for Keys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Keys(..)")
    }
}

fn hmac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    // HMAC takes a key of any length; this cannot fail.
    let mut mac = match <HmacSha256 as KeyInit>::new_from_slice(key) {
        Ok(mac) => mac,
        Err(_) => return Vec::new(),
    };
    for part in parts {
        mac.update(&(part.len() as u64).to_be_bytes());
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

impl Keys {
    /// The keys derived from `master` (the `signing_keys` row).
    #[must_use]
    pub fn derive(master: &[u8]) -> Self {
        Self {
            jwt: hmac(master, &[b"collab-authz-service jwt hs256"]),
            invitation: hmac(master, &[b"collab-authz-service invitation link"]),
        }
    }

    /// The secret of the invitation link of membership `member_id` of
    /// `resource_id`: derived, never stored, so the service can show the
    /// link again to a manager while only its digest is in the log.
    #[must_use]
    pub fn invitation_secret(&self, resource_id: &str, member_id: &str) -> String {
        URL_SAFE_NO_PAD.encode(hmac(
            &self.invitation,
            &[resource_id.as_bytes(), member_id.as_bytes()],
        ))
    }

    /// Signs `claims` as a compact HS256 JWT.
    ///
    /// # Errors
    /// [`ApiError::Internal`] if the claims cannot be serialized.
    pub fn sign(&self, claims: &Claims) -> Result<String, ApiError> {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = serde_json::to_vec(claims).map_err(ApiError::internal)?;
        let signing_input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(payload));
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&self.jwt)
            .map_err(|_| ApiError::internal("hmac key"))?;
        mac.update(signing_input.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        Ok(format!("{signing_input}.{signature}"))
    }

    /// The claims of `token` if its signature is ours, its algorithm
    /// HS256 and it has not expired at `now` (Unix seconds).
    #[must_use]
    pub fn verify(&self, token: &str, now: u64) -> Option<Claims> {
        let mut parts = token.split('.');
        let (header, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&self.jwt).ok()?;
        mac.update(header.as_bytes());
        mac.update(b".");
        mac.update(payload.as_bytes());
        mac.verify_slice(&signature).ok()?;
        let header: Header = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
        if header.alg != "HS256" {
            return None;
        }
        let claims: Claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
        (claims.exp > now).then_some(claims)
    }
}

#[derive(Deserialize)]
struct Header {
    alg: String,
}

/// What a bearer token says: whose it is, which API token it was
/// exchanged for (so that revoking that token revokes it), and when it
/// expires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: String,
    /// The id of the API token it was exchanged for.
    pub tid: String,
    /// Issued at (Unix seconds).
    pub iat: u64,
    /// Expires at (Unix seconds).
    pub exp: u64,
}

/// Seconds since the Unix epoch, now.
#[must_use]
pub fn now_unix() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The API token of an HTTP Basic `Authorization` header (user empty or
/// anything, the token as the password).
#[must_use]
pub fn basic_password(header: &str) -> Option<String> {
    let encoded = header
        .strip_prefix("Basic ")
        .or_else(|| header.strip_prefix("basic "))?;
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (_, password) = text.split_once(':')?;
    (!password.is_empty()).then(|| password.to_string())
}

/// The authenticated caller of a route: a valid, unexpired bearer token
/// signed with the shared key, whose API token is not revoked and whose
/// account exists. Any failure is a 401.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user's id.
    pub id: String,
    /// The user's email.
    pub email: Email,
    /// The user's username, if set.
    pub username: Option<String>,
    /// The user's two-factor status.
    pub two_factor: TwoFactor,
    /// The id of the API token behind the bearer token.
    pub token_id: String,
}

impl Caller {
    /// The caller a bearer `token` stands for: signed with the shared key,
    /// unexpired, its API token not revoked and its account present (the
    /// extractor's check, also used by the pages' session cookie).
    ///
    /// # Errors
    /// 401 on any failure; 503 when the database is unreachable.
    pub async fn from_token(state: &AppState, token: &str) -> Result<Self, ApiError> {
        let claims = state
            .keys
            .verify(token, now_unix())
            .ok_or_else(ApiError::unauthorized)?;
        let client = crate::db::client(&state.pool).await?;
        let row = client
            .query_opt(
                &client
                    .prepare_cached(
                        "SELECT u.id, u.email, u.username, u.two_factor
                   FROM api_tokens t JOIN users u ON u.id = t.user_id
                  WHERE t.id = $1 AND t.user_id = $2 AND t.revoked_at IS NULL",
                    )
                    .await?,
                &[&claims.tid, &claims.sub],
            )
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        let email: String = row.try_get(1)?;
        Ok(Caller {
            id: row.try_get(0)?,
            email: Email::parse(&email).map_err(ApiError::internal)?,
            username: row.try_get(2)?,
            two_factor: parse_two_factor(row.try_get::<_, &str>(3)?),
            token_id: claims.tid,
        })
    }

    /// The caller as the API's user object.
    #[must_use]
    pub fn user_json(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "username": self.username,
            "email": self.email.as_str(),
        })
    }
}

/// Reads a two-factor status as stored.
#[must_use]
pub fn parse_two_factor(s: &str) -> TwoFactor {
    match s {
        "enabled" => TwoFactor::Enabled,
        "disabled" => TwoFactor::Disabled,
        _ => TwoFactor::Unknown,
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .ok_or_else(ApiError::unauthorized)?
            .to_str()
            .map_err(|_| ApiError::unauthorized())?;
        let token = header
            .strip_prefix("Bearer ")
            .or_else(|| header.strip_prefix("bearer "))
            .ok_or_else(ApiError::unauthorized)?
            .trim();
        Caller::from_token(state, token).await
    }
}
