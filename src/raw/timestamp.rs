//! The timestamp type of the generated client.

use std::{fmt, ops::Deref, str::FromStr};

use chrono::{DateTime, NaiveDateTime, SecondsFormat, Utc};

/// A point in time as the API writes it: ISO-8601, in UTC.
///
/// The generator is told to use this type for every `format: date-time`
/// instead of `DateTime<Utc>`, because it reads more than RFC 3339: a
/// timestamp without an offset is UTC (as the API documents), offsets may be
/// written `+0000`, the seconds may be left out, and any number of fractional
/// digits is accepted (digits beyond nanoseconds are dropped). It is written
/// back as RFC 3339 in UTC, keeping the precision it has.
///
/// It converts to and from [`DateTime<Utc>`] and dereferences to it.
///
/// ```
/// use xms::raw::Timestamp;
/// let t: Timestamp = "2026-02-27T10:15:22.118".parse().unwrap();
/// assert_eq!(t.to_string(), "2026-02-27T10:15:22.118Z");
/// let t: Timestamp = "2026-02-27T12:15:22+02:00".parse().unwrap();
/// assert_eq!(t.to_string(), "2026-02-27T10:15:22Z");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp(pub DateTime<Utc>);

/// A string that is not a timestamp the API could have written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimestampError(String);

impl fmt::Display for TimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not an ISO-8601 timestamp: {:?}", self.0)
    }
}

impl std::error::Error for TimestampError {}

impl Timestamp {
    /// Parse the way the API's timestamps are read; see the type's docs.
    pub fn parse(text: &str) -> Result<Self, TimestampError> {
        parse(text).map(Timestamp).ok_or_else(|| TimestampError(text.to_string()))
    }
}

fn parse(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    let text = trim_fraction(text);
    let text = text.as_ref();
    for format in ["%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M%#z", "%Y-%m-%d %H:%M:%S%.f%#z"] {
        if let Ok(t) = DateTime::parse_from_str(text, format) {
            return Some(t.with_timezone(&Utc));
        }
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
            return Some(t.and_utc());
        }
    }
    None
}

/// Drop fractional-second digits beyond nanoseconds, which chrono refuses.
fn trim_fraction(text: &str) -> std::borrow::Cow<'_, str> {
    let Some(dot) = text.find('.') else {
        return text.into();
    };
    let digits = text[dot + 1..].bytes().take_while(u8::is_ascii_digit).count();
    if digits <= 9 {
        return text.into();
    }
    format!("{}{}", &text[..dot + 10], &text[dot + 1 + digits..]).into()
}

impl FromStr for Timestamp {
    type Err = TimestampError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::parse(text)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }
}

impl Deref for Timestamp {
    type Target = DateTime<Utc>;
    fn deref(&self) -> &DateTime<Utc> {
        &self.0
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(value: DateTime<Utc>) -> Self {
        Timestamp(value)
    }
}

impl From<Timestamp> for DateTime<Utc> {
    fn from(value: Timestamp) -> Self {
        value.0
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Timestamp::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> String {
        Timestamp::parse(text).unwrap().to_string()
    }

    #[test]
    fn reads_what_the_api_and_its_callbacks_write() {
        assert_eq!(utc("2026-02-27T10:15:22.118Z"), "2026-02-27T10:15:22.118Z");
        assert_eq!(utc("2026-02-27T10:15:22Z"), "2026-02-27T10:15:22Z");
        assert_eq!(utc("2026-02-27T10:15:22.118"), "2026-02-27T10:15:22.118Z");
        assert_eq!(utc("2026-02-27T10:15:22"), "2026-02-27T10:15:22Z");
        assert_eq!(utc("2014-10-02T09:30Z"), "2014-10-02T09:30:00Z");
        assert_eq!(utc("2014-10-02T09:30"), "2014-10-02T09:30:00Z");
        assert_eq!(utc("2026-02-27T12:15:22+0200"), "2026-02-27T10:15:22Z");
        assert_eq!(utc("2026-02-27T12:15:22.5+02:00"), "2026-02-27T10:15:22.500Z");
        assert_eq!(utc("2026-02-27T10:15:22.1234567891234Z"), "2026-02-27T10:15:22.123456789Z");
    }

    #[test]
    fn refuses_what_is_not_a_time() {
        for bad in ["", "yesterday", "2026-02-30T10:00:00Z", "2026-02-27", "1709028922"] {
            assert!(Timestamp::parse(bad).is_err(), "{bad:?} should not parse");
        }
    }
}
