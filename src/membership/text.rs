//! The character policy of identities: which characters an email, a
//! username, a resource name or an id may not hold.
//!
//! One place decides it, so that every constructor refuses the same
//! characters: control characters, and the characters that hide or
//! reorder text on screen (zero-width and other format characters, bidi
//! controls, invisible fillers, variation selectors, tag characters, line
//! and paragraph separators, and every space other than U+0020). Such a
//! character lets two listings rows look the same while naming different
//! accounts, or a name display as something else than it is.

use core::fmt;

/// A character that hides or reorders text on screen, refused in emails,
/// usernames, resource names and ids.
///
/// It names the character by its code point (never the character itself,
/// which would hide in the message too) and its byte offset in the input.
///
/// ```
/// use collab_authz::Username;
/// use collab_authz::membership::IdentifierError;
///
/// let err = Username::new("ada\u{202E}nimda").unwrap_err();
/// let IdentifierError::Invisible(c) = err else { panic!("{err:?}") };
/// assert_eq!((c.character(), c.byte_offset()), ('\u{202E}', 3));
/// assert_eq!(
///     err.to_string(),
///     "identifier contains an invisible or direction-changing character (U+202E at byte 3)"
/// );
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct InvisibleCharacter {
    character: char,
    at: usize,
}

impl InvisibleCharacter {
    /// The refused character.
    #[must_use]
    pub const fn character(&self) -> char {
        self.character
    }

    /// Its byte offset in the input.
    #[must_use]
    pub const fn byte_offset(&self) -> usize {
        self.at
    }
}

impl fmt::Display for InvisibleCharacter {
    /// `U+202E at byte 3`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "U+{:04X} at byte {}", u32::from(self.character), self.at)
    }
}

impl fmt::Debug for InvisibleCharacter {
    /// The code point and offset, as `Display` writes them (never the raw
    /// character).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InvisibleCharacter({self})")
    }
}

/// Which characters a kind of text may hold besides the common policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Spaces {
    /// No whitespace at all (emails).
    None,
    /// The ASCII space U+0020 only (usernames, resource names, ids).
    AsciiSpace,
}

/// The first character that `s` may not hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refused {
    /// A control character (Unicode `Cc`), or whitespace where none is
    /// allowed.
    Control,
    /// A character that hides or reorders text.
    Invisible(InvisibleCharacter),
}

/// Checks every character of `s` against the policy; reports the first
/// one refused.
pub(crate) fn check(s: &str, spaces: Spaces) -> Result<(), Refused> {
    // Printable ASCII (and the space where allowed) passes every rule:
    // one quick look at the bytes before the character by character walk.
    let space = spaces == Spaces::AsciiSpace;
    if s.bytes()
        .all(|b| b.is_ascii_graphic() || (space && b == b' '))
    {
        return Ok(());
    }
    for (at, c) in s.char_indices() {
        check_char(c, at, spaces)?;
    }
    Ok(())
}

/// Checks one character of the policy, `at` its byte offset in the text
/// (for the error): the step of [`check`], for callers that walk the text
/// themselves.
#[inline]
pub(crate) fn check_char(c: char, at: usize, spaces: Spaces) -> Result<(), Refused> {
    if c.is_control() || (spaces == Spaces::None && c.is_whitespace()) {
        return Err(Refused::Control);
    }
    if (c.is_whitespace() && c != ' ') || is_invisible(c) {
        return Err(Refused::Invisible(InvisibleCharacter { character: c, at }));
    }
    Ok(())
}

/// Whether `c` hides or reorders text: every format character (Unicode
/// general category `Cf`: soft hyphen, zero-width characters, bidi
/// embeddings, overrides, isolates and marks, word joiner, invisible
/// operators, byte order mark, interlinear annotations, tags, ...) and the
/// invisible characters of other categories (combining grapheme joiner,
/// Hangul and Khmer fillers, Mongolian variation selectors, variation
/// selectors).
///
/// Whitespace is the caller's concern ([`check`]).
pub(crate) const fn is_invisible(c: char) -> bool {
    matches!(
        c,
        // Cf: soft hyphen; Arabic number signs and letter mark; Syriac
        // abbreviation mark; Arabic pound/piastre marks and disputed end
        // of ayah; Mongolian vowel separator.
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{180E}'
            // Zero-width space, joiners, LRM, RLM; bidi embeddings and
            // overrides (LRE..RLO); word joiner, invisible operators,
            // isolates, deprecated format characters.
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            // Byte order mark / zero-width no-break space; interlinear
            // annotation characters.
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            // Kaithi number signs, Egyptian hieroglyph format controls,
            // shorthand format controls, musical symbol format controls.
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            // Tags and variation selectors supplement (whole block).
            | '\u{E0000}'..='\u{E0FFF}'
            // Not Cf but invisible: combining grapheme joiner, Hangul
            // fillers, Khmer inherent vowels, Mongolian free variation
            // selectors, variation selectors, halfwidth Hangul filler.
            | '\u{034F}'
            | '\u{115F}'..='\u{1160}'
            | '\u{17B4}'..='\u{17B5}'
            | '\u{180B}'..='\u{180D}'
            | '\u{180F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FFA0}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_each_listed_range_at_both_ends() {
        for c in [
            '\u{00AD}',
            '\u{061C}',
            '\u{180E}',
            '\u{200B}',
            '\u{200F}',
            '\u{202A}',
            '\u{202E}',
            '\u{2060}',
            '\u{2064}',
            '\u{2066}',
            '\u{2069}',
            '\u{FEFF}',
            '\u{E0001}',
            '\u{E007F}',
            '\u{FE0F}',
            '\u{034F}',
            '\u{3164}',
        ] {
            assert!(is_invisible(c), "U+{:04X}", u32::from(c));
            assert_eq!(
                check(&alloc::format!("a{c}b"), Spaces::AsciiSpace),
                Err(Refused::Invisible(InvisibleCharacter {
                    character: c,
                    at: 1
                }))
            );
        }
    }

    #[test]
    fn spaces() {
        assert_eq!(check("a b", Spaces::AsciiSpace), Ok(()));
        assert_eq!(check("a b", Spaces::None), Err(Refused::Control));
        assert_eq!(check("a\tb", Spaces::AsciiSpace), Err(Refused::Control));
        for c in ['\u{00A0}', '\u{2003}', '\u{2028}', '\u{2029}', '\u{3000}'] {
            assert!(matches!(
                check(&alloc::format!("a{c}"), Spaces::AsciiSpace),
                Err(Refused::Invisible(_))
            ));
            assert_eq!(
                check(&alloc::format!("a{c}"), Spaces::None),
                Err(Refused::Control)
            );
        }
    }

    #[test]
    fn visible_text_passes() {
        for s in ["ada", "Ådå Łovelace", "日本語", "app-1_x.y", "\u{212A}ate"] {
            assert_eq!(check(s, Spaces::AsciiSpace), Ok(()), "{s}");
        }
    }
}
