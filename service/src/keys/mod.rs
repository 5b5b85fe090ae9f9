//! The service's signing material, kept outside the database: the key
//! file ([`KeyRing`]) and what is derived from it ([`Keys`]): HS256
//! bearer tokens ([`Keys::sign`], [`Keys::verify`]), invitation-link
//! secrets ([`Keys::invitation_secret`]) and the signatures of short-lived
//! logs URLs ([`Keys::logs_signature`]).
//!
//! The key file is text, one key a line, `#` comments:
//!
//! ```text
//! link <32 bytes, base64url>
//! sign <kid> <32 bytes, base64url>    <- the first `sign` line signs new tokens
//! sign <kid> <32 bytes, base64url>    <- every `sign` line verifies
//! ```
//!
//! A token's header names its key (`kid`), so a key that is rotated out of
//! first place keeps verifying the tokens it signed until it is removed
//! (`collab-authz-service keys rotate`, `keys remove KID`). The `link` key
//! derives every invitation link's secret (only its digest is stored); it
//! is rotated on its own (`keys rotate --link`), which ends every pending
//! link. Nothing here reads a table: a copy of the database alone can
//! neither sign a token nor derive a link.
//!
//! ```
//! use collab_authz_service::keys::{Audience, Claims, KeyRing, Keys, Limits};
//!
//! let mut ring = KeyRing::generate()?;
//! let old = Keys::new(&ring);
//! let claims = Claims::new("usr_1", "tok_1", Audience::Api, 1_000, 3_600);
//! let token = old.sign(&claims)?;
//! ring.rotate()?;
//! let new = Keys::new(&ring);
//! let limits = Limits { audience: Audience::Api, max_lifetime: 3_600 };
//! assert_eq!(new.verify(&token, 1_010, &limits), Some(claims.clone()));
//! // Parsed back from its file text, the ring is the same.
//! assert_eq!(KeyRing::parse(&ring.to_text())?, ring);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod ring;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use hmac::{Hmac, KeyInit, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

pub use ring::{KeyFileError, KeyRing};

type HmacSha256 = Hmac<Sha256>;

/// How far in the future a token's `iat` or `nbf` may be (seconds), for
/// clocks of replicas that differ a little.
pub const CLOCK_LEEWAY_SECONDS: u64 = 60;

/// The keys derived from a [`KeyRing`]: the signing keys by id, the first
/// of which signs, and the invitation-link key. Every replica that reads
/// the same file derives the same keys.
#[derive(Clone)]
pub struct Keys {
    signing: Vec<(String, Vec<u8>)>,
    invitation: Vec<u8>,
    logs: Vec<u8>,
    /// Tokens whose signature these keys verified, with their claims
    /// ([`Keys::verify`]); shared by the clones, which hold the same keys.
    verified: Arc<Mutex<HashMap<Box<str>, Claims>>>,
}

/// At most this many verified tokens are kept ([`Keys::verify`]); past
/// it, they are all dropped (the next use of each verifies it again).
/// Only tokens these keys signed get in, so a caller cannot fill it with
/// forgeries.
pub const VERIFIED_TOKENS: usize = 4096;

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

/// What a verified token must satisfy besides its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Its `aud`: an API bearer is not a page session and the other way
    /// round.
    pub audience: Audience,
    /// The longest `exp - iat` accepted, in seconds (the configured
    /// lifetime of such tokens).
    pub max_lifetime: u64,
}

impl Keys {
    /// The keys derived from `ring`.
    #[must_use]
    pub fn new(ring: &KeyRing) -> Self {
        Self {
            signing: ring
                .signing
                .iter()
                .map(|(kid, secret)| {
                    (
                        kid.clone(),
                        hmac(&secret.0, &[b"collab-authz-service key file jwt hs256"]),
                    )
                })
                .collect(),
            invitation: hmac(
                &ring.link.0,
                &[b"collab-authz-service key file invitation link"],
            ),
            // The link key's, under another label: stable across signing-key
            // rotations, and never passes for a bearer or a link secret.
            logs: hmac(&ring.link.0, &[b"collab-authz-service key file logs url"]),
            verified: Arc::default(),
        }
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

    /// The secret of the invitation link of membership `member_id` of
    /// `resource_id`: derived from the key file's `link` key, never
    /// stored, so the service can show the link again to a manager while
    /// only its digest is in the log.
    #[must_use]
    pub fn invitation_secret(&self, resource_id: &str, member_id: &str) -> String {
        URL_SAFE_NO_PAD.encode(hmac(
            &self.invitation,
            &[resource_id.as_bytes(), member_id.as_bytes()],
        ))
    }

    /// Signs `claims` as a compact HS256 JWT with the first signing key,
    /// named in the header's `kid`.
    ///
    /// # Errors
    /// [`SignError`] if the claims cannot be serialized or there is no
    /// signing key.
    pub fn sign(&self, claims: &Claims) -> Result<String, SignError> {
        let (kid, key) = self
            .signing
            .first()
            .ok_or_else(|| SignError("no signing key".into()))?;
        let header = serde_json::to_vec(&Header {
            alg: "HS256".into(),
            typ: Some("JWT".into()),
            kid: Some(kid.clone()),
        })
        .map_err(|e| SignError(e.to_string()))?;
        let payload = serde_json::to_vec(claims).map_err(|e| SignError(e.to_string()))?;
        let signing_input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(payload)
        );
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key)
            .map_err(|_| SignError("hmac key".into()))?;
        mac.update(signing_input.as_bytes());
        let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        Ok(format!("{signing_input}.{signature}"))
    }

    /// The claims of `token` if: its header is HS256 with the `kid` of one
    /// of our keys, and that key signed it; its `aud` is
    /// `limits.audience`; it has not expired at `now` (Unix seconds); its
    /// `iat` (and `nbf`, if any) are not later than `now` plus
    /// [`CLOCK_LEEWAY_SECONDS`]; and it lives no longer than
    /// `limits.max_lifetime` (`exp - iat`). Anything else is `None`.
    ///
    /// The signature and the claims are a function of the token's text
    /// alone: the tokens that passed are kept (at most
    /// [`VERIFIED_TOKENS`]), so a token used again is looked up, not
    /// decoded and its HMAC computed again. The time and audience checks
    /// are made on every call. Revocation is not this function's: the
    /// caller checks the token's row (the API's `Caller` extractor does).
    #[must_use]
    pub fn verify(&self, token: &str, now: u64, limits: &Limits) -> Option<Claims> {
        let kept = self
            .verified
            .lock()
            .ok()
            .and_then(|verified| verified.get(token).cloned());
        let claims = match kept {
            Some(claims) => claims,
            None => {
                let claims = self.signed_claims(token)?;
                // Only a token that is valid now is kept: one signed for
                // later or already expired is verified again if it comes
                // back.
                if claims.within(now, limits) {
                    if let Ok(mut verified) = self.verified.lock() {
                        if verified.len() >= VERIFIED_TOKENS {
                            verified.clear();
                        }
                        verified.insert(token.into(), claims.clone());
                    }
                }
                claims
            }
        };
        claims.within(now, limits).then_some(claims)
    }

    /// The claims of `token` if its header is HS256 with the `kid` of one
    /// of the signing keys and its signature is that key's.
    fn signed_claims(&self, token: &str) -> Option<Claims> {
        let mut parts = token.split('.');
        let (header_text, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let header: Header =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header_text).ok()?).ok()?;
        if header.alg != "HS256" {
            return None;
        }
        let kid = header.kid?;
        let (_, key) = self.signing.iter().find(|(k, _)| *k == kid)?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key).ok()?;
        mac.update(header_text.as_bytes());
        mac.update(b".");
        mac.update(payload.as_bytes());
        mac.verify_slice(&signature).ok()?;
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()
    }
}

#[derive(Serialize, Deserialize)]
struct Header {
    alg: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    typ: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    kid: Option<String>,
}

/// Who a token is for: the API (a bearer from `/v1/tokens/exchange`) or
/// the pages (a session cookie). Neither is accepted as the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Audience {
    /// `Authorization: Bearer` on the API.
    Api,
    /// The pages' session cookie.
    Session,
}

/// What a bearer token says: whose it is, which token row it stands for
/// (an API token, or a page session; revoking the row revokes it), who
/// it is for, and when it was issued and expires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user's id.
    pub sub: String,
    /// The id of the token row (an API token or a session).
    pub tid: String,
    /// The API or the pages.
    pub aud: Audience,
    /// Issued at (Unix seconds).
    pub iat: u64,
    /// Not before (Unix seconds), if set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    /// Expires at (Unix seconds).
    pub exp: u64,
}

impl Claims {
    /// Whether these claims are for `limits.audience`, not expired at
    /// `now`, issued (and valid from) no later than `now` plus
    /// [`CLOCK_LEEWAY_SECONDS`], and live no longer than
    /// `limits.max_lifetime`.
    fn within(&self, now: u64, limits: &Limits) -> bool {
        let latest_start = now.saturating_add(CLOCK_LEEWAY_SECONDS);
        self.aud == limits.audience
            && self.exp > now
            && self.iat <= latest_start
            && self.nbf.is_none_or(|nbf| nbf <= latest_start)
            && self
                .exp
                .checked_sub(self.iat)
                .is_some_and(|lifetime| lifetime <= limits.max_lifetime)
    }

    /// Claims issued at `now` for `ttl` seconds.
    #[must_use]
    pub fn new(sub: &str, tid: &str, aud: Audience, now: u64, ttl: u64) -> Self {
        Self {
            sub: sub.into(),
            tid: tid.into(),
            aud,
            iat: now,
            nbf: None,
            exp: now.saturating_add(ttl),
        }
    }
}

#[cfg(test)]
#[expect(clippy::unwrap_used, reason = "a test fails loudly")]
mod tests {
    use super::*;

    const API: Limits = Limits {
        audience: Audience::Api,
        max_lifetime: 3600,
    };

    #[test]
    fn tokens_are_refused_outside_their_limits() {
        let keys = Keys::new(&KeyRing::generate().unwrap());
        let now = 1_000_000;
        let ok = Claims::new("usr_1", "tok_1", Audience::Api, now, 3600);
        assert!(keys.verify(&keys.sign(&ok).unwrap(), now, &API).is_some());
        let cases = [
            (
                "too long",
                Claims {
                    exp: now + 3601,
                    ..ok.clone()
                },
            ),
            (
                "future iat",
                Claims {
                    iat: now + 61,
                    exp: now + 100,
                    ..ok.clone()
                },
            ),
            (
                "future nbf",
                Claims {
                    nbf: Some(now + 61),
                    ..ok.clone()
                },
            ),
            (
                "expired",
                Claims {
                    iat: now - 100,
                    exp: now,
                    ..ok.clone()
                },
            ),
            (
                "exp before iat",
                Claims {
                    iat: now + 10,
                    exp: now + 5,
                    ..ok.clone()
                },
            ),
            (
                "session",
                Claims {
                    aud: Audience::Session,
                    ..ok.clone()
                },
            ),
        ];
        for (what, claims) in cases {
            assert_eq!(
                keys.verify(&keys.sign(&claims).unwrap(), now, &API),
                None,
                "{what}"
            );
        }
        // Within the leeway.
        let skewed = Claims {
            iat: now + 59,
            nbf: Some(now + 59),
            exp: now + 100,
            ..ok
        };
        assert!(
            keys.verify(&keys.sign(&skewed).unwrap(), now, &API)
                .is_some()
        );
    }

    #[test]
    fn a_kept_token_is_checked_again_at_every_use() {
        let keys = Keys::new(&KeyRing::generate().unwrap());
        let now = 1_000_000;
        let claims = Claims::new("usr_1", "tok_1", Audience::Api, now, 600);
        let token = keys.sign(&claims).unwrap();
        assert_eq!(keys.verify(&token, now, &API), Some(claims.clone()));
        assert!(keys.verified.lock().unwrap().contains_key(token.as_str()));
        // Kept, and still refused once expired, for another audience, or
        // for a shorter lifetime limit.
        assert_eq!(keys.verify(&token, now + 600, &API), None);
        let session = Limits {
            audience: Audience::Session,
            ..API
        };
        assert_eq!(keys.verify(&token, now, &session), None);
        let short = Limits {
            max_lifetime: 599,
            ..API
        };
        assert_eq!(keys.verify(&token, now, &short), None);
        assert_eq!(keys.verify(&token, now + 599, &API), Some(claims));
        // Another text is verified on its own: a signature changed in its
        // first character, or the token with a suffix, does not pass.
        let (body, signature) = token.rsplit_once('.').unwrap();
        let other = if signature.starts_with('A') { 'B' } else { 'A' };
        let forged = format!("{body}.{other}{}", &signature[1..]);
        assert_eq!(keys.verify(&forged, now, &API), None);
        assert_eq!(keys.verify(&format!("{token}."), now, &API), None);
        assert_eq!(keys.verify(&format!("{token}A"), now, &API), None);
        assert_eq!(keys.verified.lock().unwrap().len(), 1);
        // A token that is not valid now is not kept.
        let later = Claims::new("usr_1", "tok_1", Audience::Api, now + 120, 600);
        let later = keys.sign(&later).unwrap();
        assert_eq!(keys.verify(&later, now, &API), None);
        assert!(!keys.verified.lock().unwrap().contains_key(later.as_str()));
        // Other keys do not share what these kept.
        let others = Keys::new(&KeyRing::generate().unwrap());
        assert_eq!(others.verify(&token, now, &API), None);
    }

    #[test]
    fn the_kept_tokens_are_bounded() {
        let keys = Keys::new(&KeyRing::generate().unwrap());
        let now = 1_000_000;
        for i in 0..=VERIFIED_TOKENS {
            let claims = Claims::new("usr_1", &format!("tok_{i}"), Audience::Api, now, 600);
            let token = keys.sign(&claims).unwrap();
            assert_eq!(keys.verify(&token, now, &API), Some(claims));
            assert!(keys.verified.lock().unwrap().len() <= VERIFIED_TOKENS);
        }
        assert_eq!(keys.verified.lock().unwrap().len(), 1);
    }

    #[test]
    fn rotated_keys_verify_until_removed_and_unknown_kids_fail() {
        let mut ring = KeyRing::generate().unwrap();
        let first = ring.kids().first().unwrap().to_string();
        let claims = Claims::new("usr_1", "tok_1", Audience::Api, 10, 60);
        let old = Keys::new(&ring).sign(&claims).unwrap();
        let second = ring.rotate().unwrap();
        assert_eq!(ring.kids(), vec![second.as_str(), first.as_str()]);
        let keys = Keys::new(&ring);
        assert!(keys.verify(&old, 20, &API).is_some());
        let new = keys.sign(&claims).unwrap();
        assert_ne!(new, old);
        ring.remove(&first).unwrap();
        let keys = Keys::new(&ring);
        assert_eq!(keys.verify(&old, 20, &API), None);
        assert!(keys.verify(&new, 20, &API).is_some());
        assert!(ring.remove(&second).is_err(), "the last key stays");
        assert!(ring.remove("nope").is_err());
    }

    #[test]
    fn the_file_round_trips_and_bad_lines_are_named() {
        let ring = KeyRing::generate().unwrap();
        assert_eq!(KeyRing::parse(&ring.to_text()).unwrap(), ring);
        assert!(!format!("{ring:?}").contains(&ring.link.text()));
        for (text, needle) in [
            ("link abc\n", "line 1"),
            ("sign k1 AAAA\n", "line 1"),
            ("bogus\n", "line 1"),
            ("", "no `link"),
        ] {
            let e = KeyRing::parse(text).unwrap_err().to_string();
            assert!(e.contains(needle), "{text:?}: {e}");
        }
        let link_only = format!("link {}\n", ring.link.text());
        assert!(
            KeyRing::parse(&link_only)
                .unwrap_err()
                .to_string()
                .contains("no `sign")
        );
    }
}
