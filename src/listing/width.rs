//! Display widths as the platform's command-line tool measures them: per
//! code point, from the tool's own table ([`super::width_table`]). See
//! [`width`] for the rule and where it comes from.

use core::cmp::Ordering;

use super::width_table::NOT_ONE;

/// The display width of one code point, as the platform's command-line
/// tool counts it: 0, 1 or 2 columns.
///
/// ```
/// use collab_authz::listing::char_width;
///
/// assert_eq!(char_width('a'), 1);
/// assert_eq!(char_width('日'), 2);
/// assert_eq!(char_width('\u{301}'), 0); // combining acute accent
/// assert_eq!(char_width('\u{1F1EB}'), 2); // regional indicator F
/// assert_eq!(char_width('\u{1F3FD}'), 2); // skin-tone modifier
/// assert_eq!(char_width('\u{1161}'), 1); // Hangul medial vowel A
/// assert_eq!(char_width('\u{200D}'), 0); // zero-width joiner
/// assert_eq!(char_width('·'), 1); // East Asian Ambiguous: narrow
/// ```
#[must_use]
pub fn char_width(c: char) -> usize {
    let cp = u32::from(c);
    // Printable ASCII, the common case; the table agrees (it starts with
    // the C0 controls, then DEL and the C1 controls).
    if (0x20..0x7F).contains(&cp) {
        return 1;
    }
    let found = NOT_ONE.binary_search_by(|&(first, last, _)| {
        if last < cp {
            Ordering::Less
        } else if first > cp {
            Ordering::Greater
        } else {
            Ordering::Equal
        }
    });
    match found.ok().and_then(|i| NOT_ONE.get(i)) {
        Some(&(_, _, width)) => usize::from(width),
        None => 1,
    }
}

/// The display width of `text`, as the platform's command-line tool
/// counts it: the sum of [`char_width`] over its code points, never
/// grapheme clusters.
///
/// The tool (1.48.0) prints its tables with `tablewriter` 1.1.4, whose
/// `twwidth.Width` adds up the width of each code point of a cell
/// (`for _, r := range s { w += calculateRunewidth(r) }`), one code point's
/// width being `displaywidth.Options{EastAsianWidth: false}.Rune(r)`
/// (`clipperhouse/displaywidth` 0.11.0). A sequence that a terminal draws
/// as one glyph therefore counts as the sum of its parts:
///
/// | text | code points (width each) | tool | per grapheme |
/// |---|---|---|---|
/// | 🇫🇷 (flag) | U+1F1EB (2), U+1F1F7 (2) | 4 | 2 |
/// | 👋🏽 (skin tone) | U+1F44B (2), U+1F3FD (2) | 4 | 2 |
/// | ᄒᆞᆫ (conjoining jamo) | U+1112 (2), U+119E (1), U+11AB (1) | 4 | 2 |
/// | لا (lam-alef ligature) | U+0644 (1), U+0627 (1) | 2 | 1 |
/// | 👨‍👩‍👧 (ZWJ sequence) | U+1F468 (2), U+200D (0), U+1F469 (2), U+200D (0), U+1F467 (2) | 6 | 2 |
///
/// One code point's width comes from that library's generated table,
/// copied into this crate by `scripts/listing-widths.sh` from the tool's
/// vendored source: 0 for controls, combining and enclosing marks, most
/// format characters and other zero-width characters; 2 for East Asian
/// Wide and Fullwidth characters, emoji with emoji presentation, regional
/// indicators and skin-tone modifiers; 1 for everything else, East Asian
/// Ambiguous characters included (the tool's default outside CJK locales:
/// it counts them as 2 only when `LC_ALL`, `LC_CTYPE` or `LANG` names a
/// CJK locale in a terminal it does not know as modern, or when
/// `RUNEWIDTH_EASTASIAN=1`). Hangul medial vowels and final consonants
/// (U+1160 to U+11FF, U+D7B0 to U+D7FB) take one column each, where
/// Unicode's terminal conventions give them none.
///
/// Two rules of the tool's `twwidth.Width` are not in the table and never
/// apply to a listing's cells: a tab counts as the tab width, and ANSI
/// escape sequences count for nothing; the listing escapes every control
/// character (see [the listing](super)), so no cell holds either.
///
/// ```
/// use collab_authz::listing::width;
///
/// assert_eq!(width("ada"), 3);
/// assert_eq!(width("日本語"), 6);
/// assert_eq!(width("e\u{301}"), 1);
/// // A flag is two regional indicators, two columns each.
/// assert_eq!(width("\u{1F1EB}\u{1F1F7}"), 4);
/// // Man, ZWJ, woman, ZWJ, girl: 2 + 0 + 2 + 0 + 2.
/// assert_eq!(width("\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}"), 6);
/// ```
#[must_use]
pub fn width(text: &str) -> usize {
    text.chars().map(char_width).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_sorted_disjoint_and_holds_only_zero_and_two() {
        let mut previous_last = None;
        for &(first, last, width) in NOT_ONE {
            assert!(first <= last, "{first:X}..{last:X}");
            assert!(last <= 0x10_FFFF, "{last:X}");
            assert!(width == 0 || width == 2, "{first:X}: {width}");
            if let Some(previous) = previous_last {
                assert!(first > previous, "{first:X} after {previous:X}");
            }
            previous_last = Some(last);
        }
    }

    #[test]
    fn every_range_is_found_at_both_ends_and_just_outside() {
        for &(first, last, width) in NOT_ONE {
            for cp in [first, last] {
                if let Some(c) = char::from_u32(cp) {
                    assert_eq!(char_width(c), usize::from(width), "U+{cp:04X}");
                }
            }
            // Just outside: 1, unless a neighbouring range starts there.
            for cp in [first.wrapping_sub(1), last + 1] {
                let Some(c) = char::from_u32(cp) else {
                    continue;
                };
                let neighbour = NOT_ONE.iter().find(|&&(f, l, _)| f <= cp && cp <= l);
                let expected = neighbour.map_or(1, |&(_, _, w)| usize::from(w));
                assert_eq!(char_width(c), expected, "U+{cp:04X}");
            }
        }
    }

    #[test]
    fn ascii() {
        for b in 0u8..0x80 {
            let expected = usize::from((0x20..0x7F).contains(&b));
            assert_eq!(char_width(char::from(b)), expected, "{b:#04X}");
        }
    }

    #[test]
    fn the_extremes() {
        assert_eq!(char_width('\0'), 0);
        assert_eq!(char_width(char::MAX), 1);
        assert_eq!(width(""), 0);
    }
}
