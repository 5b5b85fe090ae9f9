//! [`Email`]: a validated address, compared with ASCII case folding.

use alloc::sync::Arc;
use core::cmp::Ordering;
use core::fmt;
use core::hash::{Hash, Hasher};
use core::str::FromStr;

use crate::membership::text::{self, InvisibleCharacter, Refused, Spaces};

/// The longest address accepted, in bytes (the SMTP path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// An email address: validated, compared and hashed with ASCII case
/// folding, displayed as it was written.
///
/// The check is deliberately light (this crate does not deliver mail): one
/// `@`, a non-empty local part, a domain of non-empty dot-separated labels,
/// no whitespace or control characters, no invisible or
/// direction-changing characters ([`InvisibleCharacter`]), at most
/// [`MAX_EMAIL_LEN`] bytes.
///
/// Only ASCII letters fold: `A`-`Z` equal `a`-`z`, and nothing else
/// changes. Unicode case mapping is never applied, so a look-alike such as
/// U+212A KELVIN SIGN (which Unicode lower-cases to `k`) names another
/// account than `k`:
///
/// ```
/// use collab_authz::Email;
///
/// let kate: Email = "kate@example.com".parse()?;
/// let kelvin: Email = "\u{212A}ate@example.com".parse()?;
/// assert_ne!(kate, kelvin);
/// assert_eq!(kate, "KATE@example.com".parse::<Email>()?);
/// # Ok::<(), collab_authz::membership::EmailError>(())
/// ```
///
/// ```
/// use collab_authz::Email;
///
/// let a: Email = "Ada@Example.com".parse()?;
/// let b: Email = "ada@example.COM".parse()?;
/// assert_eq!(a, b);
/// assert_eq!(a.as_str(), "Ada@Example.com");
/// assert_eq!(a.normalized(), "ada@example.com");
/// assert!("not-an-address".parse::<Email>().is_err());
/// # Ok::<(), collab_authz::membership::EmailError>(())
/// ```
///
/// Cloning is cheap (two reference-counted strings); comparisons look at
/// an inline 16-byte prefix first, so a sorted index of emails rarely
/// follows a pointer.
#[derive(Clone)]
pub struct Email {
    /// The first 16 bytes of `normalized`, big-endian, zero-padded: orders
    /// exactly as the string does (an email holds no NUL byte).
    prefix: u128,
    original: Arc<str>,
    normalized: Arc<str>,
}

/// The first 16 bytes of `s` as a big-endian integer, zero-padded. For
/// strings without NUL bytes, comparing prefixes and then the strings
/// orders exactly as comparing the strings.
pub(crate) fn prefix(s: &str) -> u128 {
    let mut buf = [0u8; 16];
    for (d, b) in buf.iter_mut().zip(s.bytes()) {
        *d = b;
    }
    u128::from_be_bytes(buf)
}

/// Why a string is not an [`Email`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum EmailError {
    /// The string is empty (or only whitespace).
    #[error("email is empty")]
    Empty,
    /// Longer than [`MAX_EMAIL_LEN`] bytes.
    #[error("email is longer than 254 bytes")]
    TooLong,
    /// Holds whitespace or a control character.
    #[error("email contains whitespace or a control character")]
    InvalidCharacter,
    /// Holds an invisible or direction-changing character (zero-width,
    /// bidi control, other format character, ...).
    #[error("email contains an invisible or direction-changing character ({0})")]
    Invisible(InvisibleCharacter),
    /// No `@`, or more than one.
    #[error("email must contain exactly one '@'")]
    At,
    /// Nothing before the `@`.
    #[error("email has an empty local part")]
    EmptyLocalPart,
    /// The domain is empty or has an empty label (`a@.b`, `a@b..c`, `a@b.`).
    #[error("email has an invalid domain")]
    InvalidDomain,
}

impl Email {
    /// Validates `s` as an email address.
    ///
    /// # Errors
    /// [`EmailError`] naming the first rule the string breaks.
    pub fn parse(s: &str) -> Result<Self, EmailError> {
        if s.trim().is_empty() {
            return Err(EmailError::Empty);
        }
        if s.len() > MAX_EMAIL_LEN {
            return Err(EmailError::TooLong);
        }
        match text::check(s, Spaces::None) {
            Ok(()) => {}
            Err(Refused::Control) => return Err(EmailError::InvalidCharacter),
            Err(Refused::Invisible(c)) => return Err(EmailError::Invisible(c)),
        }
        let mut parts = s.split('@');
        let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(EmailError::At);
        };
        if local.is_empty() {
            return Err(EmailError::EmptyLocalPart);
        }
        if domain.is_empty() || domain.split('.').any(str::is_empty) {
            return Err(EmailError::InvalidDomain);
        }
        let original: Arc<str> = Arc::from(s);
        // ASCII folding only: never Unicode case mapping (see the type's
        // docs). Most addresses are written lower-case already and share
        // one allocation.
        let normalized = if s.bytes().any(|b| b.is_ascii_uppercase()) {
            Arc::from(s.to_ascii_lowercase())
        } else {
            Arc::clone(&original)
        };
        Ok(Self {
            prefix: prefix(&normalized),
            original,
            normalized,
        })
    }

    /// The address as it was written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.original
    }

    /// The form used for comparison, ordering and hashing: ASCII letters
    /// lower-cased, every other character as written.
    #[must_use]
    pub fn normalized(&self) -> &str {
        &self.normalized
    }

    /// The first 16 bytes of [`normalized`](Self::normalized) as a
    /// big-endian integer, zero-padded (see [`prefix`]), stored at parse.
    pub(crate) fn prefix(&self) -> u128 {
        self.prefix
    }
}

impl PartialEq for Email {
    fn eq(&self, other: &Self) -> bool {
        self.prefix == other.prefix && self.normalized == other.normalized
    }
}

impl Eq for Email {}

impl PartialOrd for Email {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Email {
    fn cmp(&self, other: &Self) -> Ordering {
        self.prefix
            .cmp(&other.prefix)
            .then_with(|| self.normalized.cmp(&other.normalized))
    }
}

impl Hash for Email {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.normalized.hash(state);
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.original, f)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.original)
    }
}

impl FromStr for Email {
    type Err = EmailError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.original
    }
}

#[cfg(feature = "serde")]
impl serde::Serialize for Email {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.original)
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Email {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <alloc::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
        Email::parse(&s).map_err(serde::de::Error::custom)
    }
}
