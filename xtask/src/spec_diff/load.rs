//! Reading a spec file into a JSON value: YAML or JSON, duplicate keys
//! refused (a YAML reader keeps the last of them without a word, which
//! would drop an operation), OpenAPI 3.0.x or 3.1.x only.

use std::{collections::BTreeSet, fmt, path::Path};

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// The OpenAPI dialect of a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// OpenAPI 3.0.x: `nullable`, boolean exclusive bounds, `$ref` siblings
    /// ignored.
    V30,
    /// OpenAPI 3.1.x: JSON Schema 2020-12 (`type` lists, `const`, numeric
    /// exclusive bounds, `$ref` siblings applied).
    V31,
}

/// A loaded spec.
#[derive(Clone, Debug)]
pub struct Document {
    /// The file's name as given, for messages.
    pub name: String,
    /// Its version, as written (`3.0.3`).
    pub version: String,
    /// Its dialect.
    pub dialect: Dialect,
    /// The document.
    pub root: Value,
}

/// Read `path`: a message naming the file (and the line, when the parser
/// gives one) when it cannot be used.
pub fn load(path: &Path) -> Result<Document, String> {
    let name = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| format!("{name}: cannot read it: {e}"))?;
    parse(&name, &text)
}

/// Read a spec from its text; `name` is used in messages.
pub fn parse(name: &str, text: &str) -> Result<Document, String> {
    let json = name.ends_with(".json") || text.trim_start().starts_with('{');
    let root = if json {
        let mut reader = serde_json::Deserializer::from_str(text);
        let Strict(value) =
            Strict::deserialize(&mut reader).map_err(|e| format!("{name}: not valid JSON: {e}"))?;
        reader.end().map_err(|e| format!("{name}: not valid JSON: {e}"))?;
        value
    } else {
        let Strict(value) = Strict::deserialize(yaml_serde::Deserializer::from_str(text))
            .map_err(|e| format!("{name}: not valid YAML: {e}"))?;
        value
    };
    let Value::Object(top) = &root else {
        return Err(format!("{name}: not an OpenAPI document (the top level is not a mapping)"));
    };
    if let Some(swagger) = top.get("swagger") {
        return Err(format!(
            "{name}: a Swagger {} document; only OpenAPI 3.0.x and 3.1.x are read",
            show(swagger)
        ));
    }
    let version = match top.get("openapi") {
        Some(Value::String(v)) => v.clone(),
        Some(other) => return Err(format!("{name}: `openapi` is {}, not a version", show(other))),
        None => return Err(format!("{name}: no `openapi` version: not an OpenAPI document")),
    };
    let dialect = if version.starts_with("3.0.") {
        Dialect::V30
    } else if version.starts_with("3.1.") {
        Dialect::V31
    } else {
        return Err(format!("{name}: OpenAPI {version}; only 3.0.x and 3.1.x are read"));
    };
    refs_are_local(name, &root, "")?;
    if let Some((at, target)) = dangling(&root) {
        return Err(format!("{name}: the $ref {target:?} at {at} points at nothing"));
    }
    Ok(Document { name: name.to_owned(), version, dialect, root })
}

fn show(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Every `$ref` (and no `$dynamicRef`) points inside the document, at
/// something that exists.
fn refs_are_local(name: &str, node: &Value, at: &str) -> Result<(), String> {
    match node {
        Value::Object(map) => {
            if map.contains_key("$dynamicRef") {
                return Err(format!("{name}: `$dynamicRef` at {at} is not supported"));
            }
            for (key, value) in map {
                let here = format!("{at}/{}", key.replace('~', "~0").replace('/', "~1"));
                if key == "$ref"
                    && let Value::String(target) = value
                    && !target.starts_with('#')
                {
                    return Err(format!(
                        "{name}: the $ref {target:?} at {at} points outside the document; \
                         bundle the spec into one file first"
                    ));
                }
                refs_are_local(name, value, &here)?;
            }
            Ok(())
        }
        Value::Array(items) => {
            for (i, value) in items.iter().enumerate() {
                refs_are_local(name, value, &format!("{at}/{i}"))?;
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The first `$ref` whose target does not exist, as (where, target).
fn dangling(root: &Value) -> Option<(String, String)> {
    fn walk(root: &Value, node: &Value, at: &str) -> Option<(String, String)> {
        match node {
            Value::Object(map) => {
                if let Some(Value::String(target)) = map.get("$ref")
                    && let Some(pointer) = target.strip_prefix('#')
                    && root.pointer(pointer).is_none()
                {
                    return Some((at.to_owned(), target.clone()));
                }
                map.iter().find_map(|(k, v)| walk(root, v, &format!("{at}/{k}")))
            }
            Value::Array(items) => {
                items.iter().enumerate().find_map(|(i, v)| walk(root, v, &format!("{at}/{i}")))
            }
            _ => None,
        }
    }
    walk(root, root, "")
}

/// A JSON value read from any serde format, refusing a mapping that
/// repeats a key, and taking the numbers and booleans YAML allows as keys
/// (`200:` for a status) as their text.
struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON or YAML value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Strict::deserialize(d).map(|s| s.0)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        let mut seen = BTreeSet::new();
        while let Some(Key(key)) = map.next_key()? {
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format!("duplicate key `{key}`")));
            }
            let Strict(value) = map.next_value()?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

/// A mapping key: text, or a number or boolean taken as its text.
struct Key(String);

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = String;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E>(self, v: &str) -> Result<String, E> {
                Ok(v.to_owned())
            }
            fn visit_u64<E>(self, v: u64) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_i64<E>(self, v: i64) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_f64<E>(self, v: f64) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_bool<E>(self, v: bool) -> Result<String, E> {
                Ok(v.to_string())
            }
            fn visit_unit<E>(self) -> Result<String, E> {
                Ok("null".to_owned())
            }
        }
        d.deserialize_any(KeyVisitor).map(Key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicate_keys_are_refused_with_their_line() {
        let yaml = "openapi: 3.0.3\npaths:\n  /a: {}\n  /a: {}\n";
        let e = parse("dup.yaml", yaml).unwrap_err();
        // The YAML reader places it at the start of the mapping.
        assert!(e.contains("paths: duplicate key `/a`") && e.contains("line 3"), "{e}");
        let json = "{\"openapi\": \"3.1.0\",\n \"paths\": {\"/a\": {}, \"/a\": {}}}";
        let e = parse("dup.json", json).unwrap_err();
        assert!(e.contains("duplicate key `/a`") && e.contains("line 2"), "{e}");
    }

    #[test]
    fn numeric_keys_are_text_and_yaml_1_1_words_stay_words() {
        let doc = parse("n.yaml", "openapi: 3.1.0\nr:\n  200: yes\n  on: off\n").unwrap();
        assert_eq!(doc.root["r"]["200"], "yes");
        assert_eq!(doc.root["r"]["on"], "off");
        assert_eq!(doc.dialect, Dialect::V31);
    }

    #[test]
    fn what_is_not_openapi_3_is_refused_by_name() {
        for (text, why) in [
            ("swagger: '2.0'\n", "Swagger 2.0"),
            ("openapi: 2.5.0\n", "OpenAPI 2.5.0"),
            ("info: {}\n", "no `openapi`"),
            ("- a\n", "not a mapping"),
            ("openapi: 3.0.3\nx:\n  $ref: 'other.yaml#/a'\n", "outside the document"),
            ("openapi: [3\n", "not valid YAML"),
        ] {
            let e = parse("f.yaml", text).unwrap_err();
            assert!(e.starts_with("f.yaml: ") && e.contains(why), "{text}: {e}");
        }
    }
}
