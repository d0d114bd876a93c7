//! The path of the field a parse error is at (`batches[3].to[0]`), found
//! from the error's position in the body, on the failure path only.

/// The path of the value that `line` and `column` (as serde_json counts
/// them: from 1, in bytes) fall in or just after, such as
/// `batches[3].to[0]`; `None` at the top level. Reads the text only up to
/// there, tolerating whatever is broken after it.
pub(crate) fn path_at(text: &[u8], line: usize, column: usize) -> Option<String> {
    enum Level {
        Object { key: Option<String> },
        Array { index: usize },
    }
    let mut end = 0;
    for _ in 1..line {
        end += text.get(end..)?.iter().position(|&b| b == b'\n')? + 1;
    }
    let end = (end + column).min(text.len());
    let mut stack: Vec<Level> = Vec::new();
    let mut expecting_key = false;
    let mut i = 0;
    while i < end {
        match text[i] {
            b'"' => {
                // A string: a key when an object waits for one.
                let start = i + 1;
                i += 1;
                while i < text.len() && text[i] != b'"' {
                    i += if text[i] == b'\\' { 2 } else { 1 };
                }
                if expecting_key && let Some(Level::Object { key }) = stack.last_mut() {
                    let raw = &text[start..i.min(text.len())];
                    *key = Some(String::from_utf8_lossy(raw).replace('\\', ""));
                    expecting_key = false;
                }
            }
            b'{' => {
                stack.push(Level::Object { key: None });
                expecting_key = true;
            }
            b'[' => {
                stack.push(Level::Array { index: 0 });
                expecting_key = false;
            }
            b'}' | b']' => {
                stack.pop();
                expecting_key = false;
            }
            b',' => match stack.last_mut() {
                Some(Level::Array { index }) => *index += 1,
                Some(Level::Object { key }) => {
                    *key = None;
                    expecting_key = true;
                }
                None => {}
            },
            _ => {}
        }
        i += 1;
    }
    let mut path = String::new();
    for level in &stack {
        match level {
            Level::Object { key: Some(key) } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Level::Object { key: None } => {}
            Level::Array { index } => path.push_str(&format!("[{index}]")),
        }
    }
    (!path.is_empty()).then_some(path)
}

#[cfg(test)]
mod tests {
    use super::path_at;

    /// The path serde_json's own error position leads to.
    fn path_of_error<T: serde::de::DeserializeOwned + std::fmt::Debug>(
        json: &str,
    ) -> Option<String> {
        let error = serde_json::from_str::<T>(json).unwrap_err();
        path_at(json.as_bytes(), error.line(), error.column())
    }

    #[test]
    fn paths_of_errors() {
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Item {
            to: Vec<u32>,
            #[serde(rename = "a \"quoted\" key", default)]
            quoted: Option<u32>,
        }
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code)]
        struct Page {
            page: u32,
            items: Vec<Item>,
        }
        let json = r#"{"page": 0, "items": [{"to": [1]}, {"to": [1, "x", 3]}]}"#;
        assert_eq!(path_of_error::<Page>(json).as_deref(), Some("items[1].to[1]"));
        // A missing field is reported at the end of its object.
        let json = "{\"page\": 0,\n \"items\": [{\"to\": []}, {}]}";
        assert_eq!(path_of_error::<Page>(json).as_deref(), Some("items[1]"));
        let json = r#"{"page": 0, "items": [{"a \"quoted\" key": "x", "to": []}]}"#;
        assert_eq!(path_of_error::<Page>(json).as_deref(), Some(r#"items[0].a "quoted" key"#));
        // Strings with brackets and commas inside do not count.
        let json = r#"{"page": 0, "items": [{"to": [1]}, {"zz": "a,]}{[", "to": [true]}]}"#;
        assert_eq!(path_of_error::<Page>(json).as_deref(), Some("items[1].to[0]"));
        // The top level, and positions past the text, are handled.
        assert_eq!(path_of_error::<Page>(r#"{"page": -1, "items": []}"#).as_deref(), Some("page"));
        assert_eq!(path_at(b"[1, 2", 1, 99).as_deref(), Some("[1]"));
        assert_eq!(path_at(b"{}", 0, 0), None);
        assert_eq!(path_at(b"{\"a\": 1}", 7, 1), None);
    }
}
