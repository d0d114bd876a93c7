//! Reading a union (a batch, an inbound message) by its `type` in one
//! pass, wherever in the object `type` comes.

use std::{fmt, marker::PhantomData};

use serde::{
    Deserializer,
    de::{self, MapAccess, Visitor},
};

use super::OptionOf;

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

/// Read a variant of a union from its fields.
pub(crate) fn variant<'de, A: MapAccess<'de>, V: serde::Deserialize<'de>>(
    fields: A,
) -> Result<V, A::Error> {
    V::deserialize(de::value::MapAccessDeserializer::new(fields))
}
