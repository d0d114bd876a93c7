//! Reading request bodies field by field, with the error codes XMS uses, and
//! writing the values XMS writes.
//!
//! The simulator reads JSON by hand on purpose: it is the oracle the SDK is
//! tested against, so it shares none of the SDK's models.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde_json::{Map, Value};

/// An error answer: HTTP status, XMS code and text.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub status: u16,
    pub code: &'static str,
    pub text: String,
}

impl ApiError {
    pub fn invalid_json(text: impl Into<String>) -> Self {
        ApiError { status: 400, code: "syntax_invalid_json", text: text.into() }
    }
    pub fn format(text: impl Into<String>) -> Self {
        ApiError { status: 400, code: "syntax_invalid_parameter_format", text: text.into() }
    }
    pub fn constraint(text: impl Into<String>) -> Self {
        ApiError { status: 400, code: "syntax_constraint_violation", text: text.into() }
    }
    pub fn forbidden(code: &'static str, text: impl Into<String>) -> Self {
        ApiError { status: 403, code, text: text.into() }
    }

    pub fn body(&self) -> Value {
        serde_json::json!({"code": self.code, "text": self.text})
    }
}

pub type Res<T> = Result<T, ApiError>;

/// Parse a request body into a JSON object.
pub fn object(body: &[u8]) -> Res<Map<String, Value>> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ApiError::invalid_json("The request body must be a JSON object")),
        Err(e) => Err(ApiError::invalid_json(format!("The request body is not valid JSON: {e}"))),
    }
}

/// Field readers over a request object. A field that is present with JSON
/// null counts as absent, except where `nullable` is asked for.
pub struct Fields<'a>(pub &'a Map<String, Value>);

impl Fields<'_> {
    fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key).filter(|v| !v.is_null())
    }

    pub fn has(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    pub fn is_null(&self, key: &str) -> bool {
        matches!(self.0.get(key), Some(Value::Null))
    }

    pub fn string(&self, key: &str) -> Res<Option<String>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(ApiError::invalid_json(format!("Field '{key}' must be a string"))),
        }
    }

    pub fn required_string(&self, key: &str) -> Res<String> {
        self.string(key)?.ok_or_else(|| ApiError::constraint(format!("Field '{key}' is required")))
    }

    pub fn bool(&self, key: &str) -> Res<Option<bool>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(ApiError::invalid_json(format!("Field '{key}' must be a boolean"))),
        }
    }

    pub fn int(&self, key: &str) -> Res<Option<i64>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Number(n)) => n
                .as_i64()
                .map(Some)
                .ok_or_else(|| ApiError::invalid_json(format!("Field '{key}' must be an integer"))),
            Some(_) => Err(ApiError::invalid_json(format!("Field '{key}' must be an integer"))),
        }
    }

    pub fn strings(&self, key: &str) -> Res<Option<Vec<String>>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    _ => Err(ApiError::invalid_json(format!(
                        "Field '{key}' must be an array of strings"
                    ))),
                })
                .collect::<Res<Vec<_>>>()
                .map(Some),
            Some(_) => Err(ApiError::invalid_json(format!("Field '{key}' must be an array"))),
        }
    }

    pub fn object(&self, key: &str) -> Res<Option<&Map<String, Value>>> {
        match self.get(key) {
            None => Ok(None),
            Some(Value::Object(m)) => Ok(Some(m)),
            Some(_) => Err(ApiError::invalid_json(format!("Field '{key}' must be an object"))),
        }
    }

    pub fn time(&self, key: &str) -> Res<Option<DateTime<Utc>>> {
        match self.string(key)? {
            None => Ok(None),
            Some(text) => parse_time(&text).map(Some).ok_or_else(|| {
                ApiError::format(format!("Field '{key}' is not an ISO-8601 timestamp: {text}"))
            }),
        }
    }

    /// Refuse fields the request type does not have. XMS ignores unknown
    /// fields in some places; the simulator is strict about these few to
    /// catch a misnamed field (the `toAdd` of old documents, say).
    pub fn refuse(&self, keys: &[&str]) -> Res<()> {
        for key in keys {
            if self.0.contains_key(*key) {
                return Err(ApiError::invalid_json(format!("Unknown field '{key}'")));
            }
        }
        Ok(())
    }
}

/// ISO-8601 as XMS reads it: with or without an offset (none means UTC), with
/// or without seconds and fractions, or a date alone (midnight UTC).
pub fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    // A year of more than four digits (`+262142-12-31`) is no date XMS takes;
    // refusing it here also keeps every later sum of dates in range.
    use chrono::Datelike as _;
    parse_any_time(text).filter(|t| (1..=9999).contains(&t.year()))
}

fn parse_any_time(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M%#z"] {
        if let Ok(t) = DateTime::parse_from_str(text, f) {
            return Some(t.with_timezone(&Utc));
        }
    }
    for f in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(text, f) {
            return Some(t.and_utc());
        }
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .map(|d| d.and_hms_opt(0, 0, 0).expect("midnight").and_utc())
}

/// A timestamp as XMS writes it: UTC, milliseconds.
pub fn time(t: DateTime<Utc>) -> Value {
    Value::String(t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
}

/// A phone number as XMS stores it: digits only, without `+` or `00`.
/// `None` when it is not a phone number.
pub fn msisdn(text: &str) -> Option<String> {
    let cleaned: String = text.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')')).collect();
    let digits =
        cleaned.strip_prefix('+').or_else(|| cleaned.strip_prefix("00")).unwrap_or(&cleaned);
    (digits.len() >= 3 && digits.len() <= 15 && digits.chars().all(|c| c.is_ascii_digit()))
        .then(|| digits.to_string())
}

/// Insert `value` under `key` unless it is `None`.
pub fn put(map: &mut Map<String, Value>, key: &str, value: Option<Value>) {
    if let Some(v) = value {
        map.insert(key.to_string(), v);
    }
}
