//! [`TokenDigest`]: what a roster and its events keep of an invitation's
//! secret.

/// The SHA-256 digest of an [`InvitationToken`](crate::InvitationToken): what a pending membership,
/// its `collaborator_invited` event and a snapshot keep instead of the
/// token, so that a stored event stream or snapshot opens no invitation.
///
/// The invitee presents the token;
/// [`Roster::accept`](crate::Roster::accept) hashes it and compares the
/// digests in constant time ([`TokenDigest::verify`], beside
/// [`InvitationToken`](crate::InvitationToken)). Serialized as 64
/// lower-case hex digits; `Debug` and `Display` show the same hex (a
/// digest of a random token reveals nothing usable).
///
/// ```
/// use collab_authz::InvitationToken;
/// use collab_authz::membership::TokenDigest;
///
/// let token = InvitationToken::new("abc")?;
/// let digest = TokenDigest::of(&token);
/// assert_eq!(
///     digest.to_string(),
///     "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
/// );
/// assert!(digest.verify(&token));
/// assert!(!digest.verify(&InvitationToken::new("abd")?));
/// # Ok::<(), collab_authz::membership::IdentifierError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenDigest([u8; 32]);

impl TokenDigest {
    /// The digest with these 32 bytes.
    #[must_use]
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The digest's 32 bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

/// 64 hex digits (either case) as 32 bytes; `None` for anything else.
pub(crate) fn parse_hex32(s: &str) -> Option<[u8; 32]> {
    let bytes = s.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(bytes.chunks_exact(2)) {
        let [hi, lo] = pair else { return None };
        *byte = (hex_value(*hi)? << 4) | hex_value(*lo)?;
    }
    Some(out)
}

fn hex_value(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// The text forms of a 32-byte digest newtype `$ty` (a tuple struct of
/// `[u8; 32]`): `Display` as 64 lower-case hex digits, `Debug` as
/// `$ty(hex)`, `FromStr` from 64 hex digits of either case (else `$err`)
/// and, with `serde`, that string as its serde form.
macro_rules! hex32_text {
    ($ty:ident, $err:ident) => {
        impl core::fmt::Display for $ty {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                for byte in self.0 {
                    write!(f, "{byte:02x}")?;
                }
                Ok(())
            }
        }

        impl core::fmt::Debug for $ty {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                write!(f, concat!(stringify!($ty), "({})"), self)
            }
        }

        impl core::str::FromStr for $ty {
            type Err = $err;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $crate::membership::digest::parse_hex32(s)
                    .map(Self)
                    .ok_or($err)
            }
        }

        #[cfg(feature = "serde")]
        impl serde::Serialize for $ty {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        #[cfg(feature = "serde")]
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_str($crate::id::serde_id::StrVisitor(
                    "64 hex digits",
                    str::parse::<$ty>,
                ))
            }
        }
    };
}
pub(crate) use hex32_text;

hex32_text!(TokenDigest, TokenDigestError);

/// Why a string is not a [`TokenDigest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("a token digest is 64 hex digits")]
pub struct TokenDigestError;
