//! The allow file: differences kept on purpose, each with its reason.
//!
//! One entry a line: `KIND METHOD PATH LOCATION -- REASON`. Each of the
//! first four is a glob where `*` matches within a segment (segments are
//! separated by `/`) and `**` across segments; `-` is the document's own
//! (servers, keywords not compared). `#` starts a comment. An entry that
//! matches no finding is reported, so the file cannot go stale.

use super::compare::Finding;

/// One entry.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Its line in the file.
    pub line: usize,
    kind: String,
    method: String,
    path: String,
    location: String,
    pub reason: String,
    /// The text of the entry, for a stale-entry message.
    pub text: String,
}

/// Read an allow file; a message naming the line when one is malformed.
pub fn parse(name: &str, text: &str) -> Result<Vec<Entry>, String> {
    let mut entries = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let Some((fields, reason)) = trimmed.split_once(" -- ") else {
            return Err(format!(
                "{name}:{line_no}: an entry needs its reason after ` -- ` \
                 (KIND METHOD PATH LOCATION -- REASON)"
            ));
        };
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(format!("{name}:{line_no}: the reason is empty"));
        }
        let fields: Vec<&str> = fields.split_whitespace().collect();
        let [kind, method, path, location] = fields.as_slice() else {
            return Err(format!(
                "{name}:{line_no}: {} fields before ` -- `; an entry has four: KIND METHOD PATH \
                 LOCATION",
                fields.len()
            ));
        };
        entries.push(Entry {
            line: line_no,
            kind: kind.to_string(),
            method: method.to_ascii_uppercase(),
            path: path.to_string(),
            location: location.to_string(),
            reason: reason.to_owned(),
            text: trimmed.to_owned(),
        });
    }
    Ok(entries)
}

impl Entry {
    /// Whether this entry accepts `finding`.
    pub fn matches(&self, finding: &Finding) -> bool {
        glob(&self.kind, finding.kind)
            && glob(&self.method, &finding.method)
            && glob(&self.path, &finding.path)
            && glob(&self.location, &finding.location)
    }
}

/// `*` within a segment, `**` across segments.
pub fn glob(pattern: &str, text: &str) -> bool {
    fn go(p: &[u8], t: &[u8]) -> bool {
        match p {
            [] => t.is_empty(),
            [b'*', b'*', rest @ ..] => (0..=t.len()).any(|i| go(rest, &t[i..])),
            [b'*', rest @ ..] => {
                (0..=t.len()).take_while(|&i| i == 0 || t[i - 1] != b'/').any(|i| go(rest, &t[i..]))
            }
            [c, rest @ ..] => t.first() == Some(c) && go(rest, &t[1..]),
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("*", "POST"));
        assert!(glob("/xms/v1/{}/batches/{}/tags", "/xms/v1/{}/batches/{}/tags"));
        assert!(glob("/xms/v1/*/groups/*/tags", "/xms/v1/{}/groups/{}/tags"));
        assert!(!glob("/xms/v1/*/tags", "/xms/v1/{}/groups/{}/tags"));
        assert!(glob("/xms/**/tags", "/xms/v1/{}/groups/{}/tags"));
        assert!(glob("response.**", "response.200/.batches/[]/.body"));
        assert!(!glob("response.*", "response.200/.batches"));
        assert!(glob("**", ""));
    }

    #[test]
    fn entries_name_their_line_when_malformed() {
        let e = parse("a.allow", "# c\n\nenum * ** response.** no reason\n").unwrap_err();
        assert!(e.starts_with("a.allow:3:"), "{e}");
        let e = parse("a.allow", "enum * ** -- why\n").unwrap_err();
        assert!(e.contains("a.allow:1: 3 fields"), "{e}");
        let ok = parse("a.allow", "max-length * ** response.** -- house rule\n").unwrap();
        assert_eq!((ok[0].line, ok[0].reason.as_str()), (1, "house rule"));
    }
}
