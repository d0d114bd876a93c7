//! The store's fixed words (statuses, encodings, report kinds) are
//! `&'static str`; saved state reads them back as the same words, and
//! refuses any other.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer, de::Error};

/// A fixed word. An alias, so serde's derive does not take the field for
/// one borrowed from the input (and tie its reading to `'static` input).
pub type Word = &'static str;

/// Every word the store keeps as `&'static str`.
const WORDS: &[&str] = &[
    "Queued",
    "Dispatched",
    "Aborted",
    "Cancelled",
    "Rejected",
    "Deleted",
    "Delivered",
    "Failed",
    "Expired",
    "Unknown",
    "GSM",
    "UNICODE",
    "none",
    "summary",
    "full",
    "per_recipient",
    "per_recipient_final",
];

fn word<E: Error>(text: &str) -> Result<&'static str, E> {
    WORDS
        .iter()
        .find(|w| **w == text)
        .copied()
        .ok_or_else(|| E::custom(format!("`{text}` is not a status, encoding or report kind")))
}

pub mod one {
    use super::*;

    pub fn serialize<S: Serializer>(value: &&'static str, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(value)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<&'static str, D::Error> {
        word(&String::deserialize(d)?)
    }
}

type Change = (DateTime<Utc>, &'static str, i64);

pub mod next {
    use super::*;

    pub fn serialize<S: Serializer>(value: &Option<Change>, s: S) -> Result<S::Ok, S::Error> {
        value.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Change>, D::Error> {
        match Option::<(DateTime<Utc>, String, i64)>::deserialize(d)? {
            Some((at, status, code)) => Ok(Some((at, word(&status)?, code))),
            None => Ok(None),
        }
    }
}

pub mod history {
    use super::*;

    pub fn serialize<S: Serializer>(value: &[Change], s: S) -> Result<S::Ok, S::Error> {
        value.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Change>, D::Error> {
        Vec::<(DateTime<Utc>, String, i64)>::deserialize(d)?
            .into_iter()
            .map(|(at, status, code)| Ok((at, word(&status)?, code)))
            .collect()
    }
}
