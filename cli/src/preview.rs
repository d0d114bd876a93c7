//! `xms preview TEXT`: what a message costs, offline, without a runtime.

use serde::Serialize;
use xms::encoding::{self, Charset, MULTI_PART, SINGLE_PART};

use crate::{
    args::{Global, PreviewArgs},
    exit::Failure,
    output::Output,
};

/// The cost of one text.
#[derive(Serialize, Debug, PartialEq, Eq)]
pub struct Cost {
    pub encoding: &'static str,
    /// Characters as a person counts them.
    pub characters: usize,
    /// Septets (GSM-7) or UTF-16 units (UCS-2).
    pub units: usize,
    pub parts: usize,
    /// Units that fit in one part of this message.
    pub per_part: usize,
    /// Units left in the last part before another is needed.
    pub room_left: usize,
    /// The characters that make the text UCS-2, each once, in order.
    pub ucs2_characters: Vec<String>,
    /// Placeholders, counted as written: each recipient's values change the
    /// cost (`xms send --dry-run` asks XMS per recipient).
    pub placeholders: Vec<String>,
}

pub fn cost(text: &str) -> Cost {
    let analysis = encoding::analyze(text);
    let index = match analysis.charset {
        Charset::Gsm7 => 0,
        Charset::Ucs2 => 1,
    };
    let per_part = if analysis.parts == 1 { SINGLE_PART[index] } else { MULTI_PART[index] };
    let mut ucs2_characters: Vec<String> = Vec::new();
    for c in text.chars().filter(|c| encoding::gsm7_units(*c).is_none()) {
        let shown = printable(c);
        if !ucs2_characters.contains(&shown) {
            ucs2_characters.push(shown);
        }
    }
    let mut placeholders = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else { break };
        let name = after[..end].to_string();
        if !placeholders.contains(&name) {
            placeholders.push(name);
        }
        rest = &after[end + 1..];
    }
    Cost {
        encoding: match analysis.charset {
            Charset::Gsm7 => "GSM-7",
            Charset::Ucs2 => "UCS-2",
        },
        characters: text.chars().count(),
        units: analysis.units,
        parts: analysis.parts,
        per_part,
        room_left: per_part * analysis.parts - analysis.units.min(per_part * analysis.parts),
        ucs2_characters,
        placeholders,
    }
}

/// A character as a person can see it: invisible ones by their code point.
fn printable(c: char) -> String {
    if c.is_control() || c.is_whitespace() || matches!(c, '\u{200B}'..='\u{200F}' | '\u{FEFF}') {
        format!("U+{:04X}", c as u32)
    } else {
        format!("{c} (U+{:04X})", c as u32)
    }
}

pub fn run(global: &Global, args: PreviewArgs) -> Result<(), Failure> {
    let text = if args.text == "-" { crate::send::read_stdin("the text")? } else { args.text };
    let cost = cost(&text);
    let output = Output::new(global);
    output.one(&cost)?;
    if output.format == crate::args::Format::Table && !cost.ucs2_characters.is_empty() {
        eprintln!(
            "hint: without {} the text would be GSM-7 ({} characters a part instead of {})",
            cost.ucs2_characters.join(", "),
            SINGLE_PART[0],
            SINGLE_PART[1]
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_gsm_and_ucs2() {
        // `{` and `}` are GSM-7 extension characters: two septets each.
        let plain = cost("Hello ${name}!");
        assert_eq!((plain.encoding, plain.parts, plain.units), ("GSM-7", 1, 16));
        assert_eq!(plain.room_left, 144);
        assert_eq!(plain.placeholders, ["name"]);
        let long = cost(&"a".repeat(161));
        assert_eq!((long.parts, long.per_part, long.room_left), (2, 153, 306 - 161));
        let emoji = cost("Hi \u{1F600} – ok");
        assert_eq!(emoji.encoding, "UCS-2");
        assert_eq!(emoji.ucs2_characters, ["\u{1F600} (U+1F600)", "– (U+2013)"]);
        assert_eq!(emoji.units, 10);
    }
}
