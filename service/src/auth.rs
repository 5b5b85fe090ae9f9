//! Credentials: API tokens (stored as SHA-256 digests), the short-lived
//! HS256 bearer tokens exchanged for them ([`crate::keys`]), and the
//! [`Caller`] extractor that every authenticated route takes.
//!
//! Why SHA-256 and not a password hash: an API token is 32 bytes from the
//! operating system's CSPRNG (256 bits of entropy), so guessing one from
//! its digest is as hard as guessing the token itself; a slow, salted
//! hash (argon2, bcrypt) protects low-entropy human passwords and would
//! only add milliseconds to every exchange here. A fast digest also lets
//! the digest be the lookup key (a unique index), with no per-row salt.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use collab_authz::org::directory::TwoFactor;
use collab_authz::{Email, ResourceKind};
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ApiResult};
use crate::ids::{RandomError, random_bytes};
use crate::keys::{Audience, Limits};
use crate::shared::PathParams;
use crate::state::AppState;
use crate::store::accounts::{TokenKind, User};
use crate::store::{Opened, Seen};
use crate::time::now_unix;

/// The prefix of every API token the service issues (it makes a leaked
/// token easy to recognize in logs and secret scanners).
pub const TOKEN_PREFIX: &str = "cas_";

/// A new API token: `cas_` then 32 random bytes, base64url.
///
/// # Errors
/// [`RandomError`] when the generator fails.
pub fn new_api_token() -> Result<String, RandomError> {
    let bytes = random_bytes::<32>()?;
    Ok(format!("{TOKEN_PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
}

/// The SHA-256 digest an API token is stored and looked up by.
#[must_use]
pub fn token_digest(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
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

/// The authenticated caller of a route: a valid API bearer token (not a
/// page session's) signed with the key file's keys, whose API token is not revoked and whose
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
    /// The caller a bearer `token` stands for: signed with one of the key
    /// file's keys, for `limits.audience`, within its lifetime
    /// ([`Keys::verify`](crate::keys::Keys::verify)), its token row not
    /// revoked and its account present (the extractor's check with the
    /// API's limits; the pages' session cookie with theirs).
    ///
    /// # Errors
    /// 401 on any failure; 503 when the database is unreachable.
    pub async fn from_token(
        state: &AppState,
        token: &str,
        limits: &Limits,
    ) -> Result<Self, ApiError> {
        let claims = state
            .keys
            .verify(token, now_unix(), limits)
            .ok_or_else(ApiError::unauthorized)?;
        let user = state
            .store
            .token_account(
                &claims.tid,
                &claims.sub,
                match limits.audience {
                    Audience::Api => TokenKind::Api,
                    Audience::Session => TokenKind::Session,
                },
            )
            .await?
            .ok_or_else(ApiError::unauthorized)?;
        Caller::from_account(user, claims.tid)
    }

    /// The caller of account `user`, whose token `token_id` was checked
    /// (not revoked, theirs) by the store.
    ///
    /// # Errors
    /// 500 for a stored email that does not read back.
    pub fn from_account(user: User, token_id: String) -> Result<Self, ApiError> {
        Ok(Caller {
            id: user.id,
            email: Email::parse(&user.email).map_err(ApiError::internal)?,
            username: user.username,
            two_factor: user.two_factor,
            token_id,
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

/// What an API bearer token must be: for the API's audience, within the
/// configured lifetime.
fn api_limits(state: &AppState) -> Limits {
    Limits {
        audience: Audience::Api,
        max_lifetime: state.config.jwt_ttl_seconds,
    }
}

/// The bearer token of the `Authorization` header.
fn bearer_token(parts: &Parts) -> Result<&str, ApiError> {
    let header = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or_else(ApiError::unauthorized)?
        .to_str()
        .map_err(|_| ApiError::unauthorized())?;
    Ok(header
        .strip_prefix("Bearer ")
        .or_else(|| header.strip_prefix("bearer "))
        .ok_or_else(ApiError::unauthorized)?
        .trim())
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        Caller::from_token(state, bearer_token(parts)?, &api_limits(state)).await
    }
}

/// An API bearer token whose signature, audience and lifetime were
/// verified (as [`Caller`]'s), its token row not yet checked: for a route
/// that checks it in the same statement as its read ([`Store::open_as`](crate::store::Store::open_as)), which
/// refuses a revoked token as [`Caller`] does. A route that takes it must
/// answer 401 when that check fails.
#[derive(Debug, Clone)]
pub struct Bearer {
    /// The API token behind it (`tid`).
    pub token_id: String,
    /// The account it names (`sub`).
    pub user_id: String,
}

impl Bearer {
    /// Opens the resource of `kind` named `key` for this bearer, the
    /// token's row checked in the same statement as the resource's
    /// ([`Store::open_as`](crate::store::Store::open_as): one round trip
    /// with the roster cached).
    ///
    /// # Errors
    /// 401 when the token is refused (revoked, expired, its account
    /// gone), whatever the resource; 404 for a resource the caller may
    /// not see; 503 when the database is unavailable.
    pub async fn open(&self, state: &AppState, kind: ResourceKind, key: &str) -> ApiResult<Opened> {
        let (token, user) = (&self.token_id, &self.user_id);
        let opened = state.store.open_as(kind, key, token, user, Seen::Active);
        match opened.await? {
            Some((_, opened)) => Ok(opened),
            None => Err(ApiError::unauthorized()),
        }
    }

    /// Whether this bearer's token row is live (not revoked, not expired,
    /// its account there): the check [`open`](Self::open) makes in its
    /// statement, alone.
    async fn is_live(&self, state: &AppState) -> ApiResult<bool> {
        let (token, user) = (&self.token_id, &self.user_id);
        let user = state
            .store
            .token_account(token, user, TokenKind::Api)
            .await?;
        Ok(user.is_some())
    }
}

/// A [`Bearer`] and `E`, what the route reads of the request's parts
/// after it: its path ([`PathParams`]), its query, or both as a tuple.
/// When `E` is refused (a malformed path or query), the answer is 401 if
/// the bearer's token is refused and `E`'s refusal otherwise: the
/// credential first, as [`Caller`] answers. A well-formed request makes
/// no round trip here; the route checks the token in the statement of
/// its read ([`Bearer::open`]).
#[derive(Debug)]
pub struct BearerWith<E> {
    /// The bearer, its token row not yet checked.
    pub bearer: Bearer,
    /// The parts the route reads.
    pub with: E,
}

/// A [`BearerWith`] whose path is one resource's key
/// (`/v1/apps/{key}/...`).
pub type BearerAt = BearerWith<PathParams<String>>;

impl BearerAt {
    /// The resource's key (its id or name), as the path gives it.
    #[must_use]
    pub fn key(&self) -> &str {
        &self.with.0
    }

    /// Opens the resource of `kind` the path names, for the bearer
    /// ([`Bearer::open`]: the token checked in the same statement).
    ///
    /// # Errors
    /// As [`Bearer::open`].
    pub async fn open(&self, state: &AppState, kind: ResourceKind) -> ApiResult<Opened> {
        self.bearer.open(state, kind, self.key()).await
    }
}

impl<E> FromRequestParts<AppState> for BearerWith<E>
where
    E: FromRequestParts<AppState> + Send,
    E::Rejection: IntoResponse,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let bearer = Bearer::from_request_parts(parts, state)
            .await
            .map_err(IntoResponse::into_response)?;
        let malformed = match E::from_request_parts(parts, state).await {
            Ok(with) => return Ok(BearerWith { bearer, with }),
            Err(malformed) => malformed.into_response(),
        };
        Err(match bearer.is_live(state).await {
            Ok(true) => malformed,
            Ok(false) => ApiError::unauthorized().into_response(),
            Err(e) => e.into_response(),
        })
    }
}

impl FromRequestParts<AppState> for Bearer {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let claims = state
            .keys
            .verify(bearer_token(parts)?, now_unix(), &api_limits(state))
            .ok_or_else(ApiError::unauthorized)?;
        Ok(Bearer {
            token_id: claims.tid,
            user_id: claims.sub,
        })
    }
}
