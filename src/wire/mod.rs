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

mod path;
mod union;

pub(crate) use path::path_at;
pub(crate) use union::{Union, union, variant};

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
pub(super) struct OptionOf<V>(pub(super) V);

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
