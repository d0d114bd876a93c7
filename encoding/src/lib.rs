//! What a text body costs, offline: its encoding and number of SMS parts.
//!
//! A body whose characters are all in the GSM 7-bit alphabet (3GPP TS
//! 23.038, with its extension table) is sent as GSM-7: 160 characters in one
//! part, 153 per part when split, the extension characters `^ { } \ [ ~ ] | €`
//! and form feed counting two. Any other character makes the whole body
//! UCS-2: 70 UTF-16 units in one part, 67 per part when split (characters
//! outside the Basic Multilingual Plane, such as most emoji, count two).
//!
//! ```
//! use xms_encoding::{analyze, Charset};
//! let hello = analyze("Hello ${name}!");
//! assert_eq!((hello.charset, hello.parts), (Charset::Gsm7, 1));
//! let long = analyze(&"a".repeat(161));
//! assert_eq!((long.units, long.parts), (161, 2));
//! let greek = analyze("Γειά σου"); // ε, ι, ά, σ, ο, υ are not GSM-7
//! assert_eq!(greek.charset, Charset::Ucs2);
//! ```
//!
//! Placeholders are counted as written; a parameterized body's cost depends on
//! each recipient's values (a dry run computes it per recipient).
//!
//! This crate has no dependencies. The `xms` SDK re-exports it as
//! `xms::encoding`, and the `xms-simulator` counts parts with it, so the two
//! agree on what a message costs while sharing nothing else.

/// The character set a body is sent in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Charset {
    /// The GSM 7-bit default alphabet and its extension table.
    Gsm7,
    /// UCS-2 (UTF-16 without surrogate awareness on old handsets).
    Ucs2,
}

/// The cost of one body.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Analysis {
    /// The character set it is sent in.
    pub charset: Charset,
    /// Its length in that set: septets for GSM-7 (extension characters count
    /// two), UTF-16 units for UCS-2.
    pub units: usize,
    /// How many SMS parts it takes (an empty body still takes one).
    pub parts: usize,
}

/// Units that fit in a single-part message, per charset.
pub const SINGLE_PART: [usize; 2] = [160, 70];
/// Units per part of a split message, per charset (the rest is the
/// concatenation header).
pub const MULTI_PART: [usize; 2] = [153, 67];

const BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
                     ¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
const EXTENSION: &str = "\u{000C}^{}\\[~]|€";

/// The GSM-7 length of `c`: 1 (basic), 2 (extension), or `None`.
pub fn gsm7_units(c: char) -> Option<usize> {
    if BASIC.contains(c) {
        Some(1)
    } else if EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// The charset, length and number of parts of `body`.
pub fn analyze(body: &str) -> Analysis {
    let gsm: Option<usize> = body.chars().map(gsm7_units).sum();
    let (charset, units) = match gsm {
        Some(units) => (Charset::Gsm7, units),
        None => (Charset::Ucs2, body.encode_utf16().count()),
    };
    let index = match charset {
        Charset::Gsm7 => 0,
        Charset::Ucs2 => 1,
    };
    let parts = if units <= SINGLE_PART[index] { 1 } else { units.div_ceil(MULTI_PART[index]) };
    Analysis { charset, units, parts }
}

/// The text of each part `body` is sent in: one part when it fits, else
/// pieces of at most 153 septets (GSM-7) or 67 UTF-16 units (UCS-2), never
/// splitting a character (an extension character's two septets, an emoji's
/// two units stay in one part, as handsets keep them).
///
/// ```
/// use xms_encoding::split;
/// assert_eq!(split("Hello"), ["Hello"]);
/// let parts = split(&"a".repeat(200));
/// assert_eq!((parts.len(), parts[0].len(), parts[1].len()), (2, 153, 47));
/// ```
pub fn split(body: &str) -> Vec<String> {
    let analysis = analyze(body);
    if analysis.parts <= 1 {
        return vec![body.to_string()];
    }
    let (room, cost): (usize, fn(char) -> usize) = match analysis.charset {
        Charset::Gsm7 => (MULTI_PART[0], |c| gsm7_units(c).unwrap_or(1)),
        Charset::Ucs2 => (MULTI_PART[1], char::len_utf16),
    };
    let mut parts = Vec::new();
    let mut part = String::new();
    let mut used = 0;
    for c in body.chars() {
        let units = cost(c);
        if used + units > room {
            parts.push(std::mem::take(&mut part));
            used = 0;
        }
        part.push(c);
        used += units;
    }
    parts.push(part);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The part boundaries: 153 (or 67) per part once split. The reference's
    /// tables agree up to 918 characters and then drift from their own rule
    /// (they put 1980 characters in 14 parts, where 13 × 153 = 1989 fit in
    /// 13); the rule is what handsets and operators count.
    #[test]
    fn boundaries() {
        for (len, parts) in [
            (1, 1),
            (160, 1),
            (161, 2),
            (306, 2),
            (307, 3),
            (459, 3),
            (460, 4),
            (918, 6),
            (919, 7),
            (1989, 13),
            (1990, 14),
            (2000, 14),
        ] {
            assert_eq!(analyze(&"a".repeat(len)).parts, parts, "GSM-7, {len} characters");
        }
        for (len, parts) in [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)] {
            assert_eq!(analyze(&"Ж".repeat(len)).parts, parts, "UCS-2, {len} characters");
        }
    }

    #[test]
    fn extension_characters_count_two() {
        let a = analyze(&"€".repeat(80));
        assert_eq!((a.charset, a.units, a.parts), (Charset::Gsm7, 160, 1));
        assert_eq!(analyze(&format!("{}{}", "a".repeat(159), "[")).parts, 2);
    }

    #[test]
    fn split_keeps_characters_whole() {
        let parts = split(&format!("{}€{}", "a".repeat(152), "b".repeat(10)));
        // The euro (two septets) does not fit after 152 septets: it opens part two.
        assert_eq!(parts[0], "a".repeat(152));
        assert!(parts[1].starts_with('€'));
        let emoji = split(&"🙂".repeat(40));
        assert_eq!(emoji.len(), 2);
        assert_eq!(emoji[0].chars().count(), 33);
        assert_eq!(emoji.concat(), "🙂".repeat(40));
        assert_eq!(split(""), [""]);
    }

    #[test]
    fn one_foreign_character_makes_it_ucs2() {
        let a = analyze(&format!("{}ω", "a".repeat(69)));
        assert_eq!((a.charset, a.units, a.parts), (Charset::Ucs2, 70, 1));
        let emoji = analyze("🙂");
        assert_eq!((emoji.charset, emoji.units), (Charset::Ucs2, 2));
        assert_eq!(analyze("").parts, 1);
    }
}
