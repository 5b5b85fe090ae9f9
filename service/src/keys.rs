//! The keys derived from the shared signing key: HS256 bearer tokens
//! ([`Keys::sign`], [`Keys::verify`]), invitation-link secrets
//! ([`Keys::invitation_secret`]) and the signatures of short-lived logs
//! URLs ([`Keys::logs_signature`]). Pure: no I/O, no HTTP.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The keys derived from the shared secret stored in the database: one
/// signs bearer tokens, one derives invitation-link secrets. Every replica
/// derives the same keys.
#[derive(Clone)]
pub struct Keys {
    jwt: Vec<u8>,
    invitation: Vec<u8>,
    logs: Vec<u8>,
}

impl core::fmt::Debug for Keys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("Keys(..)")
    }
}

/// A bearer token could not be signed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot sign a bearer token: {0}")]
pub struct SignError(String);

fn hmac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    // HMAC takes a key of any length; this cannot fail.
    let Ok(mut mac) = <HmacSha256 as KeyInit>::new_from_slice(key) else {
        return Vec::new();
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
            logs: hmac(master, &[b"collab-authz-service logs url"]),
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

    /// The signature of a logs URL (`GET /v1/apps/{app}/logs` hands it
    /// out): the app, the account, the API token behind the caller's
    /// bearer and the URL's issue time (Unix seconds), base64url. Its own
    /// derived key: it can never pass for a bearer token or an invitation
    /// secret.
    #[must_use]
    pub fn logs_signature(
        &self,
        resource_id: &str,
        user_id: &str,
        token_id: &str,
        issued: u64,
    ) -> String {
        URL_SAFE_NO_PAD.encode(hmac(
            &self.logs,
            &[
                resource_id.as_bytes(),
                user_id.as_bytes(),
                token_id.as_bytes(),
                &issued.to_be_bytes(),
            ],
        ))
    }

    /// Signs `claims` as a compact HS256 JWT.
    ///
    /// # Errors
    /// [`SignError`] if the claims cannot be serialized.
    pub fn sign(&self, claims: &Claims) -> Result<String, SignError> {
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = serde_json::to_vec(claims).map_err(|e| SignError(e.to_string()))?;
        let signing_input = format!("{header}.{}", URL_SAFE_NO_PAD.encode(payload));
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(&self.jwt)
            .map_err(|_| SignError("hmac key".into()))?;
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
