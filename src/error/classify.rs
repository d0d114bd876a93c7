//! Every decision from a response (or its absence) to an [`Error`]: by
//! status first, then by the shape of the body (the four shapes the Sinch
//! APIs use), and the outcome of a generated call as the SDK's types.

use std::time::Duration;

use progenitor_client::ResponseValue;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;

use super::{BoxError, Error, ResponseInfo, redact::Secrets};
use crate::{Result, call::CallState, model::ErrorCode, raw};

/// The error bodies the Sinch APIs send, read by shape.
enum ErrorBody {
    /// XMS's own: a `code` with `text` or `description`.
    Xms { code: String, text: String },
    /// Another known shape, with its short name and message.
    Other { error: String, message: Option<String> },
    /// JSON of no known shape, or not JSON.
    Unknown,
}

fn read_body(body: &[u8]) -> ErrorBody {
    use serde_json::Value;
    let Ok(json) = serde_json::from_slice::<Value>(body) else {
        return ErrorBody::Unknown;
    };
    // A string, or a number or boolean written as one (`"code": 400`).
    let text = |v: &Value, key: &str| match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    };
    if let Some(code) = text(&json, "code")
        && let Some(explanation) = text(&json, "text").or_else(|| text(&json, "description"))
    {
        return ErrorBody::Xms { code, text: explanation };
    }
    if let Some(nested) = json.get("error").filter(|e| e.is_object()) {
        let error = text(nested, "status")
            .or_else(|| text(nested, "code"))
            .unwrap_or_else(|| "error".to_owned());
        let message = text(nested, "message")
            .or_else(|| nested.get("details").filter(|d| !d.is_null()).map(Value::to_string));
        return ErrorBody::Other { error, message };
    }
    if let Some(error) = text(&json, "error") {
        let message = text(&json, "message")
            .filter(|m| !m.is_empty())
            .or_else(|| text(&json, "path").map(|p| format!("at {p}")));
        return ErrorBody::Other { error, message };
    }
    if let Some(message) = text(&json, "message").or_else(|| text(&json, "text")) {
        return ErrorBody::Other {
            error: text(&json, "code").unwrap_or_else(|| "error".to_owned()),
            message: Some(message),
        };
    }
    ErrorBody::Unknown
}

/// The message of an error body of any known shape, secrets redacted.
pub(crate) fn body_message(body: &[u8], secrets: &Secrets) -> Option<String> {
    match read_body(body) {
        ErrorBody::Xms { text, .. } => Some(secrets.scrub_str(&text)),
        ErrorBody::Other { message: Some(message), .. } => Some(secrets.scrub_str(&message)),
        ErrorBody::Other { error, .. } => Some(secrets.scrub_str(&error)),
        ErrorBody::Unknown => None,
    }
}

/// Turn an answer that is not the success the operation promises into an
/// [`Error`]: by status first, then by the shape of the body.
pub(crate) fn from_response(
    status: u16,
    headers: HeaderMap,
    body: &[u8],
    parse_error: Option<BoxError>,
    secrets: &Secrets,
    operation: Option<&str>,
) -> Error {
    let response = ResponseInfo::new(status, headers, body, secrets);
    let scrub = |s: String| secrets.scrub_str(&s);
    match status {
        429 => Error::RateLimited { retry_after: retry_after(&response.0.headers), response },
        404 => Error::NotFound { response },
        300..=399 => {
            Error::Redirected { location: response.location().map(str::to_owned), response }
        }
        200..=299 => Error::UnexpectedResponse {
            reason: match &parse_error {
                Some(e) => format!(
                    "{}the body is not what the operation promises: {e}",
                    took_effect(operation, body)
                ),
                None => "a success the operation does not document".to_owned(),
            },
            response,
            source: parse_error,
        },
        401 | 403 => match read_body(body) {
            // 403 with an XMS code is a refusal of the request, not of the
            // credentials (`unknown_group`, `missing_callback_url`).
            ErrorBody::Xms { code, text } if status == 403 => {
                Error::Api { code: ErrorCode::from(code), text: scrub(text), response }
            }
            ErrorBody::Xms { text: message, .. }
            | ErrorBody::Other { message: Some(message), .. }
            | ErrorBody::Other { error: message, .. } => {
                Error::Unauthorized { message: Some(scrub(message)), response }
            }
            ErrorBody::Unknown => Error::Unauthorized { message: response.excerpt(200), response },
        },
        _ => match read_body(body) {
            ErrorBody::Xms { code, text } => {
                Error::Api { code: ErrorCode::from(code), text: scrub(text), response }
            }
            ErrorBody::Other { error, message } => {
                Error::Rejected { error: scrub(error), message: message.map(scrub), response }
            }
            ErrorBody::Unknown => Error::UnexpectedResponse {
                reason: match status {
                    400..=499 => format!(
                        "the server refused the request ({status}) with a body that is not an \
                         error XMS documents"
                    ),
                    500..=599 => "the server failed".to_owned(),
                    _ => format!("status {status} is not one the API uses"),
                },
                response,
                source: parse_error,
            },
        },
    }
}

/// What a success that cannot be read still means, as the operation table
/// says: what the operation creates exists (named by its id when the body
/// has one, so nothing is lost), and any other change took effect. Reads
/// say nothing.
fn took_effect(operation: Option<&str>, body: &[u8]) -> String {
    let Some(operation) = operation.and_then(crate::raw::operation) else {
        return String::new();
    };
    if operation.reads {
        return String::new();
    }
    let Some(kind) = operation.creates else {
        return "the request took effect, but ".to_owned();
    };
    let id = serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v.get("id").map(|id| id.to_string()));
    // A batch is sent; anything else is created.
    let verb = if kind == "batch" { "send" } else { "create" };
    match (id, kind) {
        (Some(id), _) => format!("XMS created the {kind} {id} (do not {verb} it again), but "),
        (None, "batch") => "XMS created the batch (look it up by client_reference before sending \
                            again), but "
            .to_owned(),
        (None, _) => format!("XMS created the {kind} (look for it before creating it again), but "),
    }
}

/// `Retry-After` as seconds or as an HTTP date; `None` when absent or not
/// readable.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Ok(seconds) = value.parse::<f64>() {
        // A number too large for a duration is the longest wait there is
        // (what waits on it is bounded by the retry policy).
        return (seconds.is_finite() && seconds >= 0.0)
            .then(|| Duration::try_from_secs_f64(seconds).unwrap_or(Duration::MAX));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

/// The outcome of a generated call as the SDK's types, with what the
/// transport noted about the response.
pub(crate) enum Outcome<T, E> {
    Done(Result<(T, ResponseHead)>),
    /// An error response, to be read with [`failure`] (boxed: errors are
    /// rare, and the values are small).
    Failed(Box<(progenitor_client::Error<E>, CallState)>),
}

/// What a generated call's result and the call state it left say.
pub(crate) fn outcome<T: DeserializeOwned, E: DocumentedError>(
    state: CallState,
    outcome: Option<std::result::Result<ResponseValue<T>, progenitor_client::Error<E>>>,
) -> Outcome<T, E> {
    let Some(outcome) = outcome else {
        let reason = "the call ended without an answer".into();
        return Outcome::Done(Err(Error::Protocol { reason }));
    };
    if let Some(failure) = state.failure {
        return Outcome::Done(Err(failure.for_operation(state.idempotent)));
    }
    match outcome {
        Ok(value) => {
            // The headers the transport noted, rather than another copy.
            let (status, headers) = state
                .response
                .unwrap_or_else(|| (value.status().as_u16(), value.headers().clone()));
            Outcome::Done(Ok((value.into_inner(), ResponseHead { status, headers })))
        }
        Err(e) => Outcome::Failed(Box::new((e, state))),
    }
}

/// An error response as the SDK's error.
pub(crate) async fn failure<T: DeserializeOwned, E: DocumentedError>(
    failed: Box<(progenitor_client::Error<E>, CallState)>,
    secrets: &Secrets,
) -> Result<(T, ResponseHead)> {
    let (error, state) = *failed;
    map_error(error, state.response, secrets, state.operation)
        .await
        .map_err(|e| e.for_operation(state.idempotent))
}

/// The status and headers of a successful response.
pub(crate) struct ResponseHead {
    pub(crate) status: u16,
    pub(crate) headers: reqwest::header::HeaderMap,
}

/// The error body type an operation documents: the XMS error, or none.
pub(crate) trait DocumentedError {
    /// The body again, as JSON, for the classifier.
    fn to_body(&self) -> Vec<u8>;
}

impl DocumentedError for raw::types::ApiError {
    fn to_body(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

impl DocumentedError for () {
    fn to_body(&self) -> Vec<u8> {
        Vec::new()
    }
}

async fn map_error<T: DeserializeOwned, E: DocumentedError>(
    error: progenitor_client::Error<E>,
    recorded: Option<(u16, reqwest::header::HeaderMap)>,
    secrets: &Secrets,
    operation: Option<&str>,
) -> Result<(T, ResponseHead)> {
    use progenitor_client::Error as RawError;
    match error {
        RawError::ErrorResponse(value) => {
            let status = value.status().as_u16();
            let headers = match recorded {
                Some((_, headers)) => headers,
                None => value.headers().clone(),
            };
            let body = value.into_inner().to_body();
            Err(crate::error::from_response(status, headers, &body, None, secrets, operation))
        }
        RawError::UnexpectedResponse(response) => {
            let status = response.status().as_u16();
            let headers = match recorded {
                Some((_, headers)) => headers,
                None => response.headers().clone(),
            };
            // The body is in memory already (the transport read it).
            let body = response.bytes().await.map_err(Error::from)?;
            if (200..300).contains(&status) {
                // A success with a status the spec does not list (200 for
                // 201, say): take it if the body is what was promised.
                let text: &[u8] = if body.is_empty() { b"null" } else { &body };
                return match serde_json::from_slice(text) {
                    Ok(value) => Ok((value, ResponseHead { status, headers })),
                    Err(e) => Err(crate::error::from_response(
                        status,
                        headers,
                        &body,
                        Some(located(text, e)),
                        secrets,
                        operation,
                    )),
                };
            }
            Err(crate::error::from_response(status, headers, &body, None, secrets, operation))
        }
        RawError::InvalidResponsePayload(body, parse) => match recorded {
            Some((status, headers)) => Err(crate::error::from_response(
                status,
                headers,
                &body,
                Some(located(&body, parse)),
                secrets,
                operation,
            )),
            // Only a call outside the SDK's scope has no recorded answer.
            None => {
                Err(Error::Protocol { reason: format!("an answer could not be read: {parse}") })
            }
        },
        RawError::CommunicationError(e)
        | RawError::ResponseBodyError(e)
        | RawError::InvalidUpgrade(e) => Err(Error::from(e)),
        RawError::InvalidRequest(message) => Err(Error::invalid("request", message)),
        RawError::Custom(message) => {
            Err(Error::Transport { source: message.into(), idempotent: false })
        }
    }
}

/// The parse error of an answer, with the path of the field that broke
/// (`batches[3].to[0]`), found from where in the body the error is.
fn located(body: &[u8], error: serde_json::Error) -> crate::BoxError {
    match crate::wire::path_at(body, error.line(), error.column()) {
        Some(path) => format!("at `{path}`: {error}").into(),
        None => Box::new(error),
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn response(status: u16, body: &[u8]) -> Error {
        from_response(status, HeaderMap::new(), body, None, &Secrets::default(), None)
    }

    #[test]
    fn classification_by_status_then_body_shape() {
        let e = response(400, br#"{"code":"x","text":"y"}"#);
        assert!(matches!(e, Error::Api { .. }) && e.status() == Some(400));
        let e = response(502, br#"{"error":{"message":"gateway"}}"#);
        assert!(matches!(&e, Error::Rejected { message: Some(m), .. } if m == "gateway"));
        // A 502 may have been processed: retryable for a read, not a send.
        assert!(e.may_have_been_processed() && !e.is_retryable());
        let e = e.for_operation(true);
        assert!(e.is_retryable() && e.is_safe_to_repeat());
        let e = response(418, b"teapot");
        assert!(matches!(e, Error::UnexpectedResponse { .. }) && e.status() == Some(418));
        assert!(!e.is_retryable());
        // `description` instead of `text` is still XMS's error, on a 403 too.
        let e = response(403, br#"{"code":"unknown_group","description":"no such group"}"#);
        assert_eq!(e.code(), Some(&ErrorCode::UnknownGroup), "{e:?}");
        // A numeric code.
        let e = response(400, br#"{"code":0,"text":"zero"}"#);
        assert_eq!(e.code(), Some(&ErrorCode::Other("0".into())), "{e:?}");
        // The framework shape with a message.
        let e = response(
            400,
            br#"{"timestamp":"2026-01-01T00:00:00Z","status":400,"error":"Bad Request",
                "message":"to is required","path":"/xms/v1/p/batches"}"#,
        );
        assert!(
            matches!(&e, Error::Rejected { error, message: Some(m), .. }
                if error == "Bad Request" && m == "to is required"),
            "{e:?}"
        );
        // The nested shape with details only.
        let e = response(
            400,
            br#"{"error":{"code":400,"status":"INVALID_ARGUMENT","details":[{"field":"to"}]}}"#,
        );
        assert!(
            matches!(&e, Error::Rejected { error, message: Some(m), .. }
                if error == "INVALID_ARGUMENT" && m.contains("field")),
            "{e:?}"
        );
        // A 400 without a readable body says it was a refusal.
        let e = response(400, b"<html>nope</html>");
        assert!(e.to_string().contains("refused the request (400)"), "{e}");
    }
    #[test]
    fn retry_after_forms() {
        let with = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert("retry-after", HeaderValue::from_str(v).unwrap());
            retry_after(&h)
        };
        assert_eq!(with("7"), Some(Duration::from_secs(7)));
        assert_eq!(with("1.5"), Some(Duration::from_millis(1500)));
        assert_eq!(with("-3"), None);
        assert_eq!(with("soon"), None);
        assert_eq!(
            with("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO),
            "a date in the past means now"
        );
    }
}
