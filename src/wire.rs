//! How the hand-written models read the API's JSON: the looseness they
//! accept, as `#[serde(deserialize_with = ..)]` helpers.
//!
//! XMS, its documentation and the official SDKs' readers (Jackson, pydantic)
//! are looser than the spec. So are these readers, and no further:
//!
//! - a string field also takes a JSON number (phone numbers such as
//!   `auto_update.to`, ids, references), kept as its decimal text;
//! - a boolean field also takes `"true"`/`"false"` in any case (XMS's own
//!   documentation writes `"canceled": "False"`), and `null` for "not set";
//! - an integer field also takes its decimal text (`"code": "0"`,
//!   `"total_message_count": "20000"`); a negative value for a count or one
//!   out of range is an error, never a 0 or a `None`;
//! - a date-time also takes no seconds (`2014-10-02T09:30Z`) and no offset
//!   (read as UTC), see [`crate::raw::Timestamp`].
//!
//! Anything else is an error, and the SDK names the field that broke
//! (`batches[3].to[0]`) in [`crate::Error::UnexpectedResponse`].

use std::{collections::BTreeMap, fmt, marker::PhantomData};

use chrono::{DateTime, Utc};
use serde::{
    Deserializer,
    de::{self, MapAccess, SeqAccess, Visitor},
};

use crate::raw::Timestamp;

/// Reads a string, or a number as its decimal text.
struct StringVisitor;

impl<'de> Visitor<'de> for StringVisitor {
    type Value = String;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string (or a number)")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }
}

/// A string, or a number as its text.
pub(crate) fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    d.deserialize_any(StringVisitor)
}

/// Wraps a visitor so that `null` reads as `None`.
struct OptionOf<V>(V);

impl<'de, V: Visitor<'de> + Clone> Visitor<'de> for OptionOf<V> {
    type Value = Option<V::Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)?;
        f.write_str(" or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self.0).map(Some)
    }
}

impl Clone for StringVisitor {
    fn clone(&self) -> Self {
        StringVisitor
    }
}

/// An optional string, or a number as its text; `null` is `None`.
pub(crate) fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    d.deserialize_option(OptionOf(StringVisitor))
}

/// A string read by [`string`], for use inside collections.
struct Loose(String);

impl<'de> serde::Deserialize<'de> for Loose {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        string(d).map(Loose)
    }
}

/// A list of strings, each of which may be a number; `null` is empty.
pub(crate) fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct Strings;
    impl<'de> Visitor<'de> for Strings {
        type Value = Vec<String>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a list of strings")
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
            while let Some(Loose(s)) = seq.next_element()? {
                out.push(s);
            }
            Ok(out)
        }
    }
    d.deserialize_any(Strings)
}

/// Parameters: key → (recipient or `default`) → value, each value a string
/// or a number; `null` is none.
pub(crate) fn parameters<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<BTreeMap<String, BTreeMap<String, String>>, D::Error> {
    struct Values(BTreeMap<String, String>);
    impl<'de> serde::Deserialize<'de> for Values {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = BTreeMap<String, String>;

                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("an object of values")
                }

                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                    let mut out = BTreeMap::new();
                    while let Some((key, Loose(value))) = map.next_entry::<String, Loose>()? {
                        out.insert(key, value);
                    }
                    Ok(out)
                }
            }
            d.deserialize_map(V).map(Values)
        }
    }
    struct Keys;
    impl<'de> Visitor<'de> for Keys {
        type Value = BTreeMap<String, BTreeMap<String, String>>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object of parameters")
        }

        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(BTreeMap::new())
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((key, Values(values))) = map.next_entry::<String, Values>()? {
                out.insert(key, values);
            }
            Ok(out)
        }
    }
    d.deserialize_any(Keys)
}

/// Reads `true`/`false`, or their text in any case.
#[derive(Clone)]
struct BoolVisitor;

impl<'de> Visitor<'de> for BoolVisitor {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a boolean (or \"true\"/\"false\")")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
        Ok(v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        if v.eq_ignore_ascii_case("true") {
            Ok(true)
        } else if v.eq_ignore_ascii_case("false") {
            Ok(false)
        } else {
            Err(E::invalid_value(de::Unexpected::Str(v), &self))
        }
    }
}

/// A boolean, or its text; `null` or absent (with `#[serde(default)]`) is
/// `false`.
pub(crate) fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    d.deserialize_option(OptionOf(BoolVisitor)).map(Option::unwrap_or_default)
}

/// Reads an integer of type `T`, or its decimal text; a value out of `T`'s
/// range (a negative count, say) is an error naming the value.
struct IntVisitor<T>(PhantomData<T>);

impl<T> Clone for IntVisitor<T> {
    fn clone(&self) -> Self {
        IntVisitor(PhantomData)
    }
}

impl<T: Bounded> IntVisitor<T> {
    fn fit<E: de::Error>(self, v: i128) -> Result<T, E> {
        T::from_i128(v).ok_or_else(|| {
            E::custom(format_args!(
                "{v} is out of range: expected an integer from {} to {}",
                T::MIN,
                T::MAX
            ))
        })
    }
}

impl<'de, T: Bounded> Visitor<'de> for IntVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "an integer from {} to {}", T::MIN, T::MAX)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        self.fit(v.into())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        self.fit(v.into())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<T, E> {
        // `20000.0` is an integer written oddly; `1.5` is not one.
        if v.fract() == 0.0 && v.abs() < 1e18 {
            self.fit(v as i128)
        } else {
            Err(E::invalid_value(de::Unexpected::Float(v), &self))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<T, E> {
        match v.trim().parse::<i128>() {
            Ok(n) => self.fit(n),
            Err(_) => Err(E::invalid_value(de::Unexpected::Str(v), &self)),
        }
    }
}

/// The integer types the models use.
pub(crate) trait Bounded: Sized + fmt::Display {
    const MIN: Self;
    const MAX: Self;
    fn from_i128(v: i128) -> Option<Self>;
}

macro_rules! bounded {
    ($($t:ty),*) => {$(
        impl Bounded for $t {
            const MIN: Self = <$t>::MIN;
            const MAX: Self = <$t>::MAX;
            fn from_i128(v: i128) -> Option<Self> {
                <$t>::try_from(v).ok()
            }
        }
    )*};
}

bounded!(u8, u32, u64, i32, i64);

/// An integer, or its text; out of range is an error.
pub(crate) fn int<'de, D: Deserializer<'de>, T: Bounded>(d: D) -> Result<T, D::Error> {
    d.deserialize_any(IntVisitor(PhantomData))
}

/// An optional integer, or its text; out of range is an error.
pub(crate) fn opt_int<'de, D: Deserializer<'de>, T: Bounded>(d: D) -> Result<Option<T>, D::Error> {
    d.deserialize_option(OptionOf(IntVisitor(PhantomData)))
}

/// Reads a date-time as [`Timestamp`] does.
#[derive(Clone)]
struct TimeVisitor;

impl<'de> Visitor<'de> for TimeVisitor {
    type Value = DateTime<Utc>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an ISO-8601 date-time")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Timestamp::parse(v).map(Into::into).map_err(E::custom)
    }
}

/// A date-time.
pub(crate) fn time<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
    d.deserialize_str(TimeVisitor)
}

/// An optional date-time; `null` is `None`.
pub(crate) fn opt_time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
    d.deserialize_option(OptionOf(TimeVisitor))
}

/// Zero-sized markers that write a fixed `type` back, for the models of one
/// variant of a union (the union reads `type` to pick the variant).
macro_rules! type_markers {
    ($($(#[$meta:meta])* $name:ident = $wire:literal,)+) => {$(
        $(#[$meta])*
        #[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
        pub struct $name;

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str($wire)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str($wire)
            }
        }
    )+};
}

/// The `type` markers of the union variants.
pub mod types {
    use super::*;

    type_markers! {
        /// `mt_text`
        MtText = "mt_text",
        /// `mt_binary`
        MtBinary = "mt_binary",
        /// `mt_media`
        MtMedia = "mt_media",
        /// `mo_text`
        MoText = "mo_text",
        /// `mo_binary`
        MoBinary = "mo_binary",
        /// `mo_media`
        MoMedia = "mo_media",
    }
}

/// A union of object types told apart by their `type` field: a batch or
/// an inbound message. [`union`] reads one.
pub(crate) trait Union: Sized {
    /// What the union is, for errors (`"a batch"`).
    const EXPECTING: &'static str;

    /// The type this version reads an object of `type` `kind` as (`None`:
    /// no `type` field, or `null`), or `None` for a type it does not know.
    fn reads(kind: Option<&str>) -> Option<&'static str>;

    /// Read the variant of type `read_as` (an answer of [`Union::reads`])
    /// from the object's fields.
    fn variant<'de, A: MapAccess<'de>>(read_as: &str, fields: A) -> Result<Self, A::Error>;

    /// An object of a type this version does not read, kept whole.
    fn other(kind: Option<&str>, raw: serde_json::Map<String, serde_json::Value>) -> Self;
}

/// Read one object of a union in a single pass: fields before `type` are
/// held as JSON values (XMS sends a few, such as `id` and `to`), then they
/// and the rest of the object, read straight from the input, go to the
/// variant's own reader. No copy of the object's text is made.
pub(crate) fn union<'de, D: Deserializer<'de>, T: Union>(d: D) -> Result<T, D::Error> {
    d.deserialize_map(UnionVisitor(PhantomData))
}

struct UnionVisitor<T>(PhantomData<T>);

/// A field name or a `type`, borrowed from the input when it can be.
#[derive(Clone)]
struct Text;

impl<'de> de::DeserializeSeed<'de> for Text {
    type Value = std::borrow::Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Text {
    type Value = std::borrow::Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(std::borrow::Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(std::borrow::Cow::Owned(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(std::borrow::Cow::Owned(v))
    }
}

/// The `type` field's value: a string, or `null` (as if absent).
struct TypeValue;

impl<'de> de::DeserializeSeed<'de> for TypeValue {
    type Value = Option<std::borrow::Cow<'de, str>>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_option(OptionOf(Text))
            .map_err(|e| de::Error::custom(format_args!("`type` must be a string: {e}")))
    }
}

impl<'de, T: Union> Visitor<'de> for UnionVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        use serde_json::Value;
        let mut before: Vec<(std::borrow::Cow<'de, str>, Value)> = Vec::new();
        // `None`: no `type`; `Some(None)`: `"type": null`.
        let mut found: Option<Option<std::borrow::Cow<'de, str>>> = None;
        while let Some(key) = map.next_key_seed(Text)? {
            if key == "type" {
                found = Some(map.next_value_seed(TypeValue)?);
                break;
            }
            before.push((key, map.next_value()?));
        }
        let kind = found.as_ref().and_then(|k| k.as_deref());
        if let Some(read_as) = T::reads(kind) {
            let mut held_failed = false;
            let fields = Replay {
                before: before.into_iter(),
                value: None,
                rest: &mut map,
                held_failed: &mut held_failed,
            };
            return match T::variant(read_as, fields) {
                Ok(value) => Ok(value),
                Err(e) => {
                    if held_failed {
                        // The field that broke came before `type`; read on
                        // to the object's end, so that the error is placed
                        // at the object rather than at a later field.
                        while map.next_entry::<de::IgnoredAny, de::IgnoredAny>()?.is_some() {}
                    }
                    Err(de::Error::custom(format_args!("a {read_as:?} object: {e}")))
                }
            };
        }
        let mut raw: serde_json::Map<String, Value> =
            before.into_iter().map(|(k, v)| (k.into_owned(), v)).collect();
        if let Some(value) = &found {
            raw.insert("type".to_owned(), value.as_deref().map_or(Value::Null, Value::from));
        }
        while let Some((key, value)) = map.next_entry::<String, Value>()? {
            raw.insert(key, value);
        }
        Ok(T::other(kind, raw))
    }
}

/// The fields of an object as its variant's reader sees them: those held
/// before `type` first, then the rest from the input.
struct Replay<'de, 'a, A> {
    before: std::vec::IntoIter<(std::borrow::Cow<'de, str>, serde_json::Value)>,
    /// The held value of the key just given, with the key for its errors.
    value: Option<(std::borrow::Cow<'de, str>, serde_json::Value)>,
    rest: &'a mut A,
    /// Set when a held value failed to read.
    held_failed: &'a mut bool,
}

/// The error of a held field, naming it (its place in the input is lost).
fn held_error<E: de::Error>(key: &str, error: serde_json::Error) -> E {
    E::custom(format_args!("`{key}`: {error}"))
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Replay<'de, '_, A> {
    type Error = A::Error;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        match self.before.next() {
            Some((key, value)) => {
                let name = seed.deserialize(de::value::StrDeserializer::<A::Error>::new(&key))?;
                self.value = Some((key, value));
                Ok(Some(name))
            }
            None => self.rest.next_key_seed(seed),
        }
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, A::Error> {
        match self.value.take() {
            Some((key, value)) => match seed.deserialize(value) {
                Ok(value) => Ok(value),
                Err(e) => {
                    *self.held_failed = true;
                    Err(held_error(&key, e))
                }
            },
            None => self.rest.next_value_seed(seed),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        self.rest.size_hint().map(|n| n + self.before.len())
    }
}

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

/// Read a variant of a union from its fields.
pub(crate) fn variant<'de, A: MapAccess<'de>, V: serde::Deserialize<'de>>(
    fields: A,
) -> Result<V, A::Error> {
    V::deserialize(de::value::MapAccessDeserializer::new(fields))
}

/// Whether an optional field is left out when written back (serde's
/// `skip_serializing_if`).
pub(crate) fn none<T>(value: &Option<T>) -> bool {
    value.is_none()
}

/// A list; `null` reads as empty.
pub(crate) fn null_is_empty<'de, D: Deserializer<'de>, T: serde::Deserialize<'de>>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    <Option<Vec<T>> as serde::Deserialize>::deserialize(d).map(Option::unwrap_or_default)
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
