//! The rules the API enforces, checked before anything is sent. Each check
//! fails with [`Error::InvalidRequest`] naming the field (in the SDK's names)
//! and the rule.
//!
//! The limits are written in `openapi/xms.yaml` (`maxLength`, `maxItems`,
//! `minimum`, `maximum`); the constants here must equal them, which a test
//! (`tests/limits.rs`) checks for every limit of the spec, and for the
//! simulator's as well. The few the spec cannot express (bytes of a binary
//! body, parameter keys and values, the expiry window) are checked between
//! the SDK and the simulator.
//!
//! ```
//! assert_eq!(xms::validate::MAX_RECIPIENTS, 1000);
//! ```

use base64::Engine as _;
use chrono::{DateTime, TimeDelta, Utc};

use crate::{Error, Result, model::Parameters};

/// Most recipients of one batch.
pub const MAX_RECIPIENTS: usize = 1000;
/// Most characters of a text body.
pub const MAX_TEXT_BODY_CHARS: usize = 2000;
/// Most bytes of a binary body and its user data header together.
pub const MAX_BINARY_BYTES: usize = 140;
/// Most characters of a URL (callback URL).
pub const MAX_URL_CHARS: usize = 2048;
/// Most characters of a client reference.
pub const MAX_CLIENT_REFERENCE_CHARS: usize = 2048;
/// Most characters of a group name.
pub const MAX_GROUP_NAME_CHARS: usize = 20;
/// Most members given in one group request.
pub const MAX_GROUP_MEMBERS: usize = 10_000;
/// Most child groups of a group.
pub const MAX_CHILD_GROUPS: usize = 10;
/// Most characters of an auto update keyword.
pub const MAX_KEYWORD_CHARS: usize = 15;
/// Most recipients added or removed by one batch update.
pub const MAX_UPDATE_RECIPIENTS: usize = 100;
/// Most characters of a parameter key.
pub const MAX_PARAMETER_KEY_CHARS: usize = 16;
/// Most characters of a parameter value.
pub const MAX_PARAMETER_VALUE_CHARS: usize = 160;
/// Fewest recipients of one batch.
pub const MIN_RECIPIENTS: usize = 1;
/// Fewest parts `max_number_of_message_parts` may allow.
pub const MIN_MESSAGE_PARTS: u32 = 1;
/// Highest type of number of a sender (`from_ton`).
pub const MAX_FROM_TON: u8 = 6;
/// Highest numbering plan of a sender (`from_npi`).
pub const MAX_FROM_NPI: u8 = 18;
/// Most recipients a dry run gives details of.
pub const MAX_DRY_RUN_RECIPIENTS: u32 = 1000;
/// How long after `send_at` a batch may expire at most.
pub const MAX_EXPIRY: TimeDelta = TimeDelta::days(3);

pub(crate) fn non_empty(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::invalid(field, "must not be empty"));
    }
    Ok(())
}

pub(crate) fn max_chars(field: &str, value: &str, max: usize) -> Result<()> {
    let count = value.chars().count();
    if count > max {
        return Err(Error::invalid(
            field,
            format!("must be at most {max} characters (it has {count})"),
        ));
    }
    Ok(())
}

/// Phone numbers or group ids: between `min` and `max` of them, none empty.
pub(crate) fn list(field: &str, values: &[String], min: usize, max: usize) -> Result<()> {
    if values.len() < min || values.len() > max {
        let range = if min == 0 { format!("at most {max}") } else { format!("{min} to {max}") };
        return Err(Error::invalid(
            field,
            format!("must hold {range} entries (it holds {})", values.len()),
        ));
    }
    if let Some(i) = values.iter().position(|v| v.trim().is_empty()) {
        return Err(Error::invalid(format!("{field}[{i}]"), "must not be empty"));
    }
    Ok(())
}

pub(crate) fn url(field: &str, value: &str) -> Result<()> {
    max_chars(field, value, MAX_URL_CHARS)?;
    match reqwest::Url::parse(value) {
        Ok(u) if matches!(u.scheme(), "http" | "https") => Ok(()),
        _ => Err(Error::invalid(field, "must be an absolute http or https URL")),
    }
}

pub(crate) fn base64(field: &str, value: &str) -> Result<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(value)
        .map_err(|e| Error::invalid(field, format!("must be base64 ({e})")))
}

pub(crate) fn hex(field: &str, value: &str) -> Result<Vec<u8>> {
    if !value.len().is_multiple_of(2) {
        return Err(Error::invalid(field, "must be hex digits in pairs (its length is odd)"));
    }
    (0..value.len())
        .step_by(2)
        .map(|i| {
            value.get(i..i + 2).and_then(|pair| u8::from_str_radix(pair, 16).ok()).ok_or_else(
                || Error::invalid(field, format!("must be hex digits (not {:?})", &value[i..])),
            )
        })
        .collect()
}

pub(crate) fn encode_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

pub(crate) fn encode_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A binary body (base64) and its header (hex) fit in one SMS.
pub(crate) fn binary(body: &str, udh: &str) -> Result<()> {
    let body_bytes = base64("body", body)?;
    let udh_bytes = hex("udh", udh)?;
    let total = body_bytes.len() + udh_bytes.len();
    if total > MAX_BINARY_BYTES {
        return Err(Error::invalid(
            "body",
            format!("and udh must be at most {MAX_BINARY_BYTES} bytes together (they are {total})"),
        ));
    }
    Ok(())
}

/// `send_at` before `expire_at`, and `expire_at` at most 3 days after
/// `send_at` (or after now, when there is no `send_at`).
pub(crate) fn schedule(
    send_at: Option<DateTime<Utc>>,
    expire_at: Option<DateTime<Utc>>,
) -> Result<()> {
    let Some(expire_at) = expire_at else {
        return Ok(());
    };
    if let Some(send_at) = send_at
        && expire_at <= send_at
    {
        return Err(Error::invalid("expire_at", format!("must be after send_at ({send_at})")));
    }
    // A minute of slack for the clocks of this machine and of XMS.
    let start = send_at.unwrap_or_else(Utc::now);
    if expire_at > start + MAX_EXPIRY + TimeDelta::minutes(1) {
        let from = if send_at.is_some() { "send_at" } else { "now (there is no send_at)" };
        return Err(Error::invalid("expire_at", format!("must be at most 3 days after {from}")));
    }
    Ok(())
}

pub(crate) fn parameters(params: &Parameters) -> Result<()> {
    for (key, values) in params {
        let valid_key = !key.is_empty()
            && key.chars().count() <= MAX_PARAMETER_KEY_CHARS
            && key.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
        if !valid_key {
            return Err(Error::invalid(
                format!("parameters[{key:?}]"),
                format!(
                    "key must be 1 to {MAX_PARAMETER_KEY_CHARS} of A-Z, a-z, 0-9, '.', '-', '_'"
                ),
            ));
        }
        // The label is built only for a value that breaks the rule.
        if let Some((recipient, value)) =
            values.iter().find(|(_, v)| v.chars().count() > MAX_PARAMETER_VALUE_CHARS)
        {
            max_chars(
                &format!("parameters[{key:?}][{recipient:?}]"),
                value,
                MAX_PARAMETER_VALUE_CHARS,
            )?;
        }
    }
    Ok(())
}

/// Values joined with commas for a list filter; a value holding a comma
/// would be read as two.
pub(crate) fn comma_list(field: &str, values: &[String]) -> Result<Option<String>> {
    if values.is_empty() {
        return Ok(None);
    }
    for value in values {
        if value.contains(',') {
            return Err(Error::invalid(
                field,
                format!("values must not contain commas ({value:?} does)"),
            ));
        }
        non_empty(field, value)?;
    }
    Ok(Some(values.join(",")))
}

pub(crate) fn range(field: &str, value: i64, min: i64, max: i64) -> Result<()> {
    if value < min || value > max {
        return Err(Error::invalid(
            field,
            format!("must be between {min} and {max} (it is {value})"),
        ));
    }
    Ok(())
}

/// A value that goes into a path segment: not empty, and nothing that could
/// change which endpoint the request reaches. `/`, `?`, `#` and `%` are
/// escaped on the way out, but `.` and `..` are path segments of their own
/// (`/batches/..` is `/`), and URL parsers read `\\` as `/`.
pub(crate) fn id(field: &str, value: &str) -> Result<()> {
    non_empty(field, value)?;
    if value == "." || value == ".." {
        return Err(Error::invalid(
            field,
            format!("must not be {value:?}: it would change the endpoint the request goes to"),
        ));
    }
    if value.contains('\\') {
        return Err(Error::invalid(
            field,
            "must not contain `\\`: it would change the endpoint the request goes to",
        ));
    }
    Ok(())
}

/// An id checked by [`id`], handed back for the request.
pub(crate) fn checked<T: AsRef<str>>(field: &str, value: T) -> Result<T> {
    id(field, value.as_ref())?;
    Ok(value)
}

/// A keyword of an auto update: one word.
pub(crate) fn keyword(field: &str, value: &str) -> Result<()> {
    non_empty(field, value)?;
    max_chars(field, value, MAX_KEYWORD_CHARS)?;
    if value.chars().any(char::is_whitespace) {
        return Err(Error::invalid(field, "must be one word"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_base64() {
        assert_eq!(hex("udh", "050003cc0201").unwrap(), vec![5, 0, 3, 0xcc, 2, 1]);
        assert!(hex("udh", "05000").is_err());
        assert!(hex("udh", "zz").is_err());
        assert_eq!(encode_hex(&[5, 0xcc]), "05cc");
        assert_eq!(base64("body", "AAEC").unwrap(), vec![0, 1, 2]);
        assert!(base64("body", "not base64!").is_err());
    }

    #[test]
    fn binary_size_counts_decoded_bytes() {
        let body = encode_base64(&[0u8; 134]);
        assert!(binary(&body, "050003cc0201").is_ok());
        let body = encode_base64(&[0u8; 135]);
        let e = binary(&body, "050003cc0201").unwrap_err();
        assert!(e.to_string().contains("141"), "{e}");
    }

    #[test]
    fn schedule_rules() {
        let t = |h: i64| Utc::now() + TimeDelta::hours(h);
        assert!(schedule(Some(t(1)), Some(t(2))).is_ok());
        assert!(schedule(Some(t(2)), Some(t(1))).is_err());
        assert!(schedule(Some(t(1)), Some(t(1 + 72))).is_ok());
        assert!(schedule(Some(t(1)), Some(t(1 + 73))).is_err());
        assert!(schedule(None, Some(t(73))).is_err());
        assert!(schedule(None, None).is_ok());
    }

    #[test]
    fn comma_lists() {
        assert_eq!(
            comma_list("senders", &["1".into(), "2".into()]).unwrap().as_deref(),
            Some("1,2")
        );
        assert!(comma_list("senders", &["1,2".into()]).is_err());
        assert_eq!(comma_list("senders", &[]).unwrap(), None);
    }
}
