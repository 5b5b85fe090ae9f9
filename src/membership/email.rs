//! [`Email`]: a validated address, compared with ASCII case folding.

use alloc::sync::Arc;
use core::cmp::Ordering;
use core::fmt;
use core::hash::{Hash, Hasher};
use core::str::FromStr;

use crate::membership::text::{self, InvisibleCharacter, Refused, Spaces};

use unicode_normalization::UnicodeNormalization;

/// The longest address accepted, in bytes (the SMTP path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// An email address: validated, compared and hashed with ASCII case
/// folding, displayed as it was written.
///
/// The check is deliberately light (this crate does not deliver mail): one
/// `@`, a non-empty local part, a domain of non-empty dot-separated labels,
/// no whitespace or control characters, no invisible or
/// direction-changing characters ([`InvisibleCharacter`]), at most
/// [`MAX_EMAIL_LEN`] bytes, and non-ASCII text in Unicode Normalization
/// Form C ([`EmailError::NotNfc`]).
///
/// # One spelling per address: NFC only
///
/// Unicode can write the same text in more than one sequence of code
/// points: `é` is U+00E9, or `e` followed by U+0301 COMBINING ACUTE
/// ACCENT; U+212A KELVIN SIGN is canonically the letter `K`. Such
/// *canonically equivalent* strings render the same, so two members whose
/// addresses differ only that way would look like one person in every
/// listing. An address must therefore be in Normalization Form C (NFC, the
/// composed form that keyboards and most systems produce); any other
/// spelling is refused with [`EmailError::NotNfc`], which names the byte
/// where the text stops being NFC, and the caller sends the NFC form
/// instead (in Rust, `unicode_normalization::UnicodeNormalization::nfc`;
/// in JavaScript, `s.normalize("NFC")`; in Python,
/// `unicodedata.normalize("NFC", s)`).
///
/// The address is refused rather than normalized silently so that what a
/// roster stores, shows and compares is what the caller sent, byte for
/// byte (ASCII case aside): a stored form reads back to the same bytes,
/// and no two stored spellings can be one identity. ASCII text is always
/// NFC and skips the check.
///
/// ```
/// use collab_authz::Email;
/// use collab_authz::membership::EmailError;
///
/// let composed: Email = "jos\u{E9}@example.com".parse()?;
/// assert_eq!(composed.as_str(), "josé@example.com");
/// assert_eq!(
///     "jose\u{301}@example.com".parse::<Email>(),
///     Err(EmailError::NotNfc { at: 3 })
/// );
/// // KELVIN SIGN is canonically `K`: refused, write `K` (or `k`).
/// assert!(matches!(
///     "\u{212A}ate@example.com".parse::<Email>(),
///     Err(EmailError::NotNfc { at: 0 })
/// ));
/// # Ok::<(), EmailError>(())
/// ```
///
/// # Case: ASCII letters only
///
/// Only ASCII letters fold: `A`-`Z` equal `a`-`z`, and nothing else
/// changes. Unicode case mapping is never applied, so a look-alike such as
/// U+017F LATIN SMALL LETTER LONG S (which Unicode upper-cases to `S`)
/// names another account than `s`. Compatibility variants such as U+017F,
/// fullwidth letters or the `ﬁ` ligature are not canonically equivalent to
/// the plain letters (NFKC, which would fold them, also rewrites
/// superscripts, fractions and other text with a meaning of its own), so
/// they are accepted and are other addresses:
///
/// ```
/// use collab_authz::Email;
///
/// let sam: Email = "sam@example.com".parse()?;
/// let long_s: Email = "\u{17F}am@example.com".parse()?;
/// assert_ne!(sam, long_s);
/// assert_eq!(sam, "SAM@example.com".parse::<Email>()?);
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
/// Cloning is cheap (one reference-counted string holding the address as
/// written and, when it has upper-case ASCII letters, its folded form);
/// comparisons look at an inline 16-byte prefix first, so a sorted index
/// of emails rarely follows a pointer.
#[derive(Clone)]
pub struct Email {
    /// The first 16 bytes of `normalized`, big-endian, zero-padded: orders
    /// exactly as the string does (an email holds no NUL byte).
    prefix: u128,
    /// The address as written, followed by its folded form when that
    /// differs (then `split` is the length of the address); otherwise the
    /// address alone (`split` is its length too, and the folded form is
    /// the whole text). One allocation either way.
    text: Arc<str>,
    split: usize,
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
    /// Not in Unicode Normalization Form C: a decomposed accent (`e` and
    /// U+0301 for `é`), a canonical look-alike (U+212A KELVIN SIGN for
    /// `K`), or combining marks out of canonical order. The same address
    /// in NFC is accepted; see [`Email`] for why it is not normalized
    /// here.
    #[error(
        "email is not in Unicode Normalization Form C (NFC) from byte {at}: \
         send its NFC form (composed accents, e.g. U+00E9 rather than e + U+0301)"
    )]
    NotNfc {
        /// The byte offset of the first character that NFC changes (for a
        /// decomposed accent, the letter that carries it).
        at: usize,
    },
}

impl Email {
    /// Validates `s` as an email address.
    ///
    /// One pass over the text checks every character and the shape (the
    /// `@` and the domain's labels); non-ASCII text is then checked to be
    /// NFC. The result holds one allocation.
    ///
    /// # Errors
    /// [`EmailError`] naming the first rule the string breaks, in the
    /// order of the variants: empty, too long, a refused character (the
    /// first one), the `@`, the local part, the domain, then NFC.
    pub fn parse(s: &str) -> Result<Self, EmailError> {
        if s.trim().is_empty() {
            return Err(EmailError::Empty);
        }
        if s.len() > MAX_EMAIL_LEN {
            return Err(EmailError::TooLong);
        }
        let shape = Shape::scan(s)?;
        if shape.ats != 1 {
            return Err(EmailError::At);
        }
        if shape.local_is_empty {
            return Err(EmailError::EmptyLocalPart);
        }
        if shape.empty_label {
            return Err(EmailError::InvalidDomain);
        }
        if !shape.ascii {
            check_nfc(s)?;
        }
        Ok(Self::build(s, shape.upper))
    }

    /// The stored form of a valid address `s`: one shared string, `s`
    /// followed by its ASCII-folded form when `upper` (it has upper-case
    /// ASCII letters), `s` alone otherwise.
    fn build(s: &str, upper: bool) -> Self {
        let n = s.len();
        if !upper {
            return Self {
                prefix: prefix(s),
                text: Arc::from(s),
                split: n,
            };
        }
        // Both forms in a buffer on the stack, then one allocation.
        let mut buf = [0u8; 2 * MAX_EMAIL_LEN];
        let text: Arc<str> = match buf.get_mut(..2 * n) {
            Some(both) => {
                let (original, folded) = both.split_at_mut(n);
                original.copy_from_slice(s.as_bytes());
                folded.copy_from_slice(s.as_bytes());
                folded.make_ascii_lowercase();
                // Two copies of valid UTF-8 with ASCII letters changed:
                // valid UTF-8, so the fallback is never taken.
                match core::str::from_utf8(both) {
                    Ok(both) => Arc::from(both),
                    Err(_) => both_forms(s),
                }
            }
            // `s` is at most MAX_EMAIL_LEN bytes: never taken either.
            None => both_forms(s),
        };
        let mut email = Self {
            prefix: 0,
            text,
            split: n,
        };
        email.prefix = prefix(email.normalized());
        email
    }

    /// The address as it was written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        self.text.get(..self.split).unwrap_or(&self.text)
    }

    /// The form used for comparison, ordering and hashing: ASCII letters
    /// lower-cased, every other character as written.
    #[must_use]
    pub fn normalized(&self) -> &str {
        match self.text.get(self.split..) {
            Some(folded) if !folded.is_empty() => folded,
            _ => &self.text,
        }
    }

    /// The first 16 bytes of [`normalized`](Self::normalized) as a
    /// big-endian integer, zero-padded (see [`prefix`]), stored at parse.
    pub(crate) fn prefix(&self) -> u128 {
        self.prefix
    }
}

impl PartialEq for Email {
    fn eq(&self, other: &Self) -> bool {
        self.prefix == other.prefix && self.normalized() == other.normalized()
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
            .then_with(|| self.normalized().cmp(other.normalized()))
    }
}

impl Hash for Email {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.normalized().hash(state);
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
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
        self.as_str()
    }
}

/// What one pass over an address learns: its shape, whether it is ASCII
/// and whether it has upper-case ASCII letters.
struct Shape {
    /// How many `@`.
    ats: usize,
    /// Nothing before the first `@`.
    local_is_empty: bool,
    /// After the first `@`: an empty label (an empty domain, a leading,
    /// doubled or trailing dot).
    empty_label: bool,
    ascii: bool,
    upper: bool,
}

impl Shape {
    /// Walks `s` once: every character against the policy of
    /// [`text::check`] (whitespace refused; the first refused character
    /// is the error), and the shape.
    fn scan(s: &str) -> Result<Self, EmailError> {
        let mut shape = Self {
            ats: 0,
            local_is_empty: false,
            empty_label: false,
            ascii: true,
            upper: false,
        };
        // Characters in the current domain label (meaningful after an
        // `@`).
        let mut label = 0usize;
        for (at, b) in s.bytes().enumerate() {
            match b {
                // The policy on ASCII: controls and whitespace (U+0009 to
                // U+000D, U+0020) are refused, nothing else is invisible.
                0..=b' ' | 0x7F => return Err(EmailError::InvalidCharacter),
                b'@' => {
                    if shape.ats == 0 {
                        shape.local_is_empty = at == 0;
                        label = 0;
                    }
                    shape.ats += 1;
                }
                b'.' if shape.ats > 0 => {
                    shape.empty_label |= label == 0;
                    label = 0;
                }
                b'A'..=b'Z' => {
                    shape.upper = true;
                    label += 1;
                }
                0x21..=0x7E => label += 1,
                // A UTF-8 continuation byte: part of the character before.
                0x80..=0xBF => {}
                // The first byte of a non-ASCII character: checked whole.
                _ => {
                    shape.ascii = false;
                    label += 1;
                    if let Some(c) = s.get(at..).and_then(|rest| rest.chars().next()) {
                        text::check_char(c, at, Spaces::None).map_err(|refused| match refused {
                            Refused::Control => EmailError::InvalidCharacter,
                            Refused::Invisible(c) => EmailError::Invisible(c),
                        })?;
                    }
                }
            }
        }
        shape.empty_label |= label == 0;
        Ok(shape)
    }
}

/// `s` followed by its ASCII-folded form, built on the heap.
fn both_forms(s: &str) -> Arc<str> {
    let mut both = alloc::string::String::with_capacity(2 * s.len());
    both.push_str(s);
    both.push_str(&s.to_ascii_lowercase());
    Arc::from(both)
}

/// Refuses `s` unless it is in Unicode Normalization Form C, naming the
/// byte where it stops being NFC.
fn check_nfc(s: &str) -> Result<(), EmailError> {
    if unicode_normalization::is_nfc(s) {
        return Ok(());
    }
    // The first character where the NFC form differs; the text before it
    // is unchanged, so its offset is the same in both.
    let mut at = 0;
    for (c, n) in s.chars().zip(s.chars().nfc()) {
        if c != n {
            break;
        }
        at += c.len_utf8();
    }
    Err(EmailError::NotNfc { at })
}

#[cfg(feature = "serde")]
impl serde::Serialize for Email {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Email {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = <alloc::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
        Email::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::String;
    use proptest::prelude::*;

    /// The rules one at a time, as `parse` checked them before it walked
    /// the text once: the single pass must refuse exactly what this
    /// refuses, with the same error, and refuse otherwise only non-NFC
    /// text.
    fn rules_one_by_one(s: &str) -> Result<(), EmailError> {
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
        Ok(())
    }

    /// Characters that exercise every rule: the shape's, spaces and
    /// controls, invisible ones, upper-case ASCII, accents composed and
    /// decomposed, canonical look-alikes.
    const ALPHABET: &[char] = &[
        'a',
        'b',
        'Z',
        'K',
        '@',
        '@',
        '.',
        '.',
        '-',
        '+',
        ' ',
        '\t',
        '\n',
        '\u{0}',
        '\u{7F}',
        '\u{85}',
        '\u{A0}',
        '\u{AD}',
        '\u{200B}',
        '\u{202E}',
        '\u{2028}',
        '\u{3000}',
        '\u{FEFF}',
        '\u{E0041}',
        '\u{E9}',
        'e',
        '\u{301}',
        '\u{316}',
        '\u{212A}',
        '\u{212B}',
        '\u{C5}',
        '\u{30A}',
        '\u{1100}',
        '\u{1161}',
        '\u{AC00}',
        '\u{17F}',
        '\u{1F600}',
    ];

    fn check(s: &str) -> Result<(), TestCaseError> {
        match (rules_one_by_one(s), Email::parse(s)) {
            (Err(before), now) => prop_assert_eq!(now, Err(before), "{:?}", s),
            (Ok(()), Ok(e)) => {
                prop_assert!(unicode_normalization::is_nfc(s), "{:?}", s);
                prop_assert_eq!(e.as_str(), s);
                prop_assert_eq!(e.normalized(), s.to_ascii_lowercase());
                prop_assert_eq!(e.prefix(), prefix(&s.to_ascii_lowercase()));
            }
            (Ok(()), Err(EmailError::NotNfc { at })) => {
                prop_assert!(!unicode_normalization::is_nfc(s), "{:?}", s);
                prop_assert!(s.is_char_boundary(at) && at < s.len(), "{:?} {}", s, at);
            }
            (Ok(()), Err(other)) => prop_assert!(false, "{:?}: {:?}", s, other),
        }
        Ok(())
    }

    proptest! {
        #[test]
        fn one_pass_refuses_what_the_rules_refuse(
            chars in proptest::collection::vec(
                prop_oneof![4 => proptest::sample::select(ALPHABET), 1 => any::<char>()],
                0..40,
            ),
        ) {
            let s: String = chars.into_iter().collect();
            check(&s)?;
        }

        /// Mostly well-formed: a local part, an `@`, dot-separated
        /// labels, each from the alphabet (so most pass the shape).
        #[test]
        fn near_addresses_agree_too(
            local in proptest::collection::vec(proptest::sample::select(ALPHABET), 0..6),
            labels in proptest::collection::vec(
                proptest::collection::vec(proptest::sample::select(ALPHABET), 0..5),
                1..4,
            ),
        ) {
            let mut s: String = local.into_iter().collect();
            s.push('@');
            let labels: alloc::vec::Vec<String> =
                labels.into_iter().map(|l| l.into_iter().collect()).collect();
            s.push_str(&labels.join("."));
            check(&s)?;
        }

        #[test]
        fn long_addresses_are_measured_in_bytes(
            local in proptest::collection::vec(proptest::sample::select(&['a', 'B', '\u{E9}'][..]), 100..140),
        ) {
            let local: String = local.into_iter().collect();
            check(&alloc::format!("{local}@example.com"))?;
        }
    }

    #[test]
    fn the_longest_upper_case_address_keeps_both_forms() {
        let local: String =
            core::iter::repeat_n('A', MAX_EMAIL_LEN - "@EXAMPLE.COM".len()).collect();
        let s = alloc::format!("{local}@EXAMPLE.COM");
        assert_eq!(s.len(), MAX_EMAIL_LEN);
        let e = Email::parse(&s).unwrap_or_else(|err| unreachable!("{err}"));
        assert_eq!(e.as_str(), s);
        assert_eq!(e.normalized(), s.to_ascii_lowercase());
        assert_eq!(
            e,
            Email::parse(&s.to_ascii_lowercase()).unwrap_or_else(|err| unreachable!("{err}"))
        );
        assert_eq!(
            Email::parse(&alloc::format!("A{s}")),
            Err(EmailError::TooLong)
        );
    }

    #[test]
    fn both_forms_on_the_heap_match_the_stack_buffer() {
        let s = "Ada@Example.COM";
        let e = Email::parse(s).unwrap_or_else(|err| unreachable!("{err}"));
        assert_eq!(
            &*both_forms(s),
            alloc::format!("{}{}", e.as_str(), e.normalized())
        );
    }
}
