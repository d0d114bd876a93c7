//! [`Error`]: the one error type of the SDK.

use std::{fmt, time::Duration};

use reqwest::header::HeaderMap;

use crate::model::ErrorCode;

/// A boxed error kept as the [`std::error::Error::source`] of an [`Error`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong when talking to XMS.
///
/// Match on the variants to handle a case, or use the accessors
/// ([`Error::status`], [`Error::code`], [`Error::is_retryable`]) to handle
/// families of cases. `Display` says what happened and what to do; the
/// underlying error, if any, is the [`source`](std::error::Error::source).
/// Credentials never appear in any of it.
///
/// ```no_run
/// # async fn demo(client: xms::Client) {
/// match client.batches().get("01FC66621XXXXX119Z8PMV1QPQ").await {
///     Ok(batch) => println!("{}", batch.id()),
///     Err(xms::Error::NotFound { .. }) => println!("no such batch"),
///     Err(e) if e.is_retryable() => println!("try again later: {e}"),
///     Err(e) => eprintln!("{e}"),
/// }
/// # }
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// XMS refused the request and said why with its error body
    /// `{"code": ..., "text": ...}` (400 and 403 mostly).
    #[non_exhaustive]
    Api {
        /// The HTTP status.
        status: u16,
        /// The XMS error code.
        code: ErrorCode,
        /// XMS's explanation, meant for people.
        text: String,
    },
    /// The server refused the request with an error body of another known
    /// shape: `{"status", "error", "path", "timestamp"}` (sent for some 400s)
    /// or `{"error": {"code", "message", "status"}}` (sent by the auth
    /// service and gateways).
    #[non_exhaustive]
    Rejected {
        /// The HTTP status.
        status: u16,
        /// The short name of the error (`error`, or the nested `status`/`code`).
        error: String,
        /// The message, when the body has one.
        message: Option<String>,
    },
    /// 404: the batch, group, inbound message or recipient does not exist for
    /// these credentials (or the path is wrong).
    #[non_exhaustive]
    NotFound {
        /// The body of the answer, usually empty.
        body: String,
    },
    /// 401, or 403 without an XMS error code: the credentials were refused.
    #[non_exhaustive]
    Unauthorized {
        /// The HTTP status (401 or 403).
        status: u16,
        /// What the server said, when it said something.
        message: Option<String>,
    },
    /// 429: too many requests. Wait before trying again.
    #[non_exhaustive]
    RateLimited {
        /// How long the server asked to wait (`Retry-After`), when it said.
        retry_after: Option<Duration>,
    },
    /// The request was not sent because an argument breaks a rule of the
    /// API. Nothing reached the server.
    #[non_exhaustive]
    InvalidRequest {
        /// The field, in the SDK's names (`recipients`, `body`, ...).
        field: String,
        /// The rule it breaks.
        rule: String,
    },
    /// The client could not be built from this configuration.
    #[non_exhaustive]
    Config {
        /// What is wrong and how to fix it.
        message: String,
    },
    /// No complete answer arrived in time. The request may or may not have
    /// been processed by XMS.
    #[non_exhaustive]
    Timeout {
        /// The underlying error.
        source: BoxError,
    },
    /// The request could not be sent, or the connection broke before the
    /// whole answer arrived.
    #[non_exhaustive]
    Transport {
        /// The underlying error.
        source: BoxError,
    },
    /// An answer the SDK could not make sense of: an undocumented status, or
    /// a body that is not what the API promises. Everything is kept.
    #[non_exhaustive]
    UnexpectedResponse {
        /// The HTTP status.
        status: u16,
        /// The response headers (boxed: they are large and rarely read).
        headers: Box<HeaderMap>,
        /// The raw body.
        body: Vec<u8>,
        /// Why it is unexpected.
        reason: String,
        /// The parse error, when the body could not be read.
        source: Option<BoxError>,
    },
}

/// The result type of the SDK.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. }
            | Error::Rejected { status, .. }
            | Error::Unauthorized { status, .. }
            | Error::UnexpectedResponse { status, .. } => Some(*status),
            Error::NotFound { .. } => Some(404),
            Error::RateLimited { .. } => Some(429),
            Error::InvalidRequest { .. }
            | Error::Config { .. }
            | Error::Timeout { .. }
            | Error::Transport { .. } => None,
        }
    }

    /// The XMS error code, when XMS sent one.
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            Error::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Whether the same request may succeed if sent again later: rate
    /// limiting, timeouts, broken connections, and 500, 502, 503 and 504.
    ///
    /// A timeout or broken connection on a send means the batch may already
    /// exist; look for it by `client_reference` before sending again.
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::RateLimited { .. } | Error::Timeout { .. } | Error::Transport { .. } => true,
            Error::UnexpectedResponse { status, .. }
            | Error::Rejected { status, .. }
            | Error::Api { status, .. } => {
                matches!(status, 500 | 502 | 503 | 504)
            }
            _ => false,
        }
    }

    /// How long the server asked to wait before retrying, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after } => *retry_after,
            _ => None,
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Error::InvalidRequest {
            field: field.into(),
            rule: rule.into(),
        }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::Config {
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api { status, code, text } => {
                write!(f, "XMS refused the request ({status} {code}): {text}")?;
                if let Some(hint) = hint(code) {
                    write!(f, "; {hint}")?;
                }
                Ok(())
            }
            Error::Rejected {
                status,
                error,
                message,
            } => {
                write!(f, "the server refused the request ({status} {error})")?;
                if let Some(message) = message {
                    write!(f, ": {message}")?;
                }
                Ok(())
            }
            Error::NotFound { .. } => f.write_str(
                "not found (404): no such batch, group, inbound message or recipient for these \
                 credentials; check the id and the service plan or region",
            ),
            Error::Unauthorized { status, message } => {
                write!(f, "unauthorized ({status})")?;
                if let Some(message) = message {
                    write!(f, ": {message}")?;
                }
                f.write_str(
                    "; check the API token or OAuth key, and that the service plan id and region \
                     belong to them",
                )
            }
            Error::RateLimited {
                retry_after: Some(wait),
            } => write!(
                f,
                "rate limited (429): XMS asks to wait {:.1} s before the next request",
                wait.as_secs_f64()
            ),
            Error::RateLimited { retry_after: None } => {
                f.write_str("rate limited (429): slow down and retry later")
            }
            Error::InvalidRequest { field, rule } => {
                write!(f, "invalid request, nothing was sent: `{field}` {rule}")
            }
            Error::Config { message } => write!(f, "invalid client configuration: {message}"),
            Error::Timeout { .. } => f.write_str(
                "the request timed out; XMS may or may not have processed it (for a send, look \
                 the batch up by client_reference before sending again)",
            ),
            Error::Transport { .. } => f.write_str(
                "could not talk to XMS (connection failed or broke off); check the network and \
                 the endpoint, then retry",
            ),
            Error::UnexpectedResponse {
                status,
                body,
                reason,
                ..
            } => {
                write!(f, "unexpected answer from XMS ({status}): {reason}")?;
                if !body.is_empty() {
                    let text = String::from_utf8_lossy(body);
                    let shown: String = text.chars().take(200).collect();
                    let more = if text.chars().count() > 200 {
                        "..."
                    } else {
                        ""
                    };
                    write!(f, "; body: {shown}{more}")?;
                }
                Ok(())
            }
        }
    }
}

/// What to do about a known error code.
fn hint(code: &ErrorCode) -> Option<&'static str> {
    Some(match code {
        ErrorCode::SyntaxInvalidJson => "the SDK sent a body XMS could not read; please report it",
        ErrorCode::SyntaxInvalidParameterFormat => {
            "check the format of the phone numbers and fields"
        }
        ErrorCode::SyntaxConstraintViolation => "a field is missing or out of range",
        ErrorCode::UnknownGroup => "check the group ids among the recipients",
        ErrorCode::MissingCallbackUrl => {
            "set callback_url on the batch or a default callback URL on the service plan"
        }
        ErrorCode::BatchAlreadyDispatched => "the batch was sent; it can no longer change",
        ErrorCode::ConflictGroupName => "choose another group name",
        ErrorCode::BlockedAccount => "contact Sinch support",
        _ => return None,
    })
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Timeout { source } | Error::Transport { source } => Some(source.as_ref()),
            Error::UnexpectedResponse {
                source: Some(source),
                ..
            } => Some(source.as_ref()),
            Error::UnexpectedResponse { source: None, .. }
            | Error::Api { .. }
            | Error::Rejected { .. }
            | Error::NotFound { .. }
            | Error::Unauthorized { .. }
            | Error::RateLimited { .. }
            | Error::InvalidRequest { .. }
            | Error::Config { .. } => None,
        }
    }
}

impl From<reqwest::Error> for Error {
    fn from(e: reqwest::Error) -> Self {
        if e.is_timeout() {
            Error::Timeout {
                source: Box::new(e),
            }
        } else {
            Error::Transport {
                source: Box::new(e),
            }
        }
    }
}

/// Turn an answer that is not the success the operation promises into an
/// [`Error`], by status and by the shape of the body.
pub(crate) fn from_response(
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
    parse_error: Option<BoxError>,
) -> Error {
    use serde_json::Value;

    if status == 429 {
        return Error::RateLimited {
            retry_after: retry_after(&headers),
        };
    }
    if status == 404 {
        return Error::NotFound {
            body: String::from_utf8_lossy(&body).into_owned(),
        };
    }
    let json: Option<Value> = serde_json::from_slice(&body).ok();
    let text = |v: &Value, key: &str| v.get(key).and_then(Value::as_str).map(str::to_owned);

    if let Some(v) = &json {
        // XMS's own error body.
        if let (Some(code), Some(text)) = (text(v, "code"), text(v, "text")) {
            return Error::Api {
                status,
                code: ErrorCode::from(code),
                text,
            };
        }
    }
    // Another known shape: the message and short name it carries.
    let other = json.as_ref().and_then(|v| {
        if let Some(nested) = v.get("error").filter(|e| e.is_object()) {
            let error = text(nested, "status")
                .or_else(|| {
                    nested
                        .get("code")
                        .map(|c| c.to_string().trim_matches('"').to_owned())
                })
                .unwrap_or_else(|| "error".to_owned());
            return Some((error, text(nested, "message")));
        }
        let error = text(v, "error")?;
        v.get("status")?;
        Some((
            error,
            text(v, "message").or_else(|| text(v, "path").map(|p| format!("at {p}"))),
        ))
    });
    if status == 401 || status == 403 {
        let message = match other {
            Some((_, Some(message))) => Some(message),
            Some((error, None)) => Some(error),
            None => {
                let raw = String::from_utf8_lossy(&body)
                    .trim()
                    .chars()
                    .take(200)
                    .collect::<String>();
                (!raw.is_empty()).then_some(raw)
            }
        };
        return Error::Unauthorized { status, message };
    }
    if let Some((error, message)) = other {
        return Error::Rejected {
            status,
            error,
            message,
        };
    }
    let reason = match (&parse_error, status) {
        (Some(_), 200..=299) => "the body is not what the operation promises".to_owned(),
        (_, 500..=599) => "the server failed".to_owned(),
        _ => "the status is not one the operation documents".to_owned(),
    };
    Error::UnexpectedResponse {
        status,
        headers: Box::new(headers),
        body,
        reason,
        source: parse_error,
    }
}

/// `Retry-After` as seconds or as an HTTP date.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_text_says_what_happened_and_what_to_do() {
        let errors = [
            Error::Api {
                status: 403,
                code: ErrorCode::UnknownGroup,
                text: "Group 01X is unknown".into(),
            },
            Error::Api {
                status: 400,
                code: ErrorCode::Other("new_code".into()),
                text: "Something new".into(),
            },
            Error::Rejected {
                status: 400,
                error: "Bad Request".into(),
                message: Some("at /xms/v1/p/batches".into()),
            },
            Error::NotFound {
                body: String::new(),
            },
            Error::Unauthorized {
                status: 401,
                message: None,
            },
            Error::Unauthorized {
                status: 403,
                message: Some("Invalid credentials".into()),
            },
            Error::RateLimited {
                retry_after: Some(Duration::from_millis(2500)),
            },
            Error::RateLimited { retry_after: None },
            Error::invalid("recipients", "must hold 1 to 1000 entries (it holds 0)"),
            Error::config("service_plan_id is empty"),
            Error::Timeout {
                source: "operation timed out".into(),
            },
            Error::Transport {
                source: "connection refused".into(),
            },
            from_response(503, HeaderMap::new(), b"<html>down</html>".to_vec(), None),
            from_response(
                200,
                HeaderMap::new(),
                "x".repeat(300).into_bytes(),
                Some("expected value".into()),
            ),
        ];
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        insta::assert_snapshot!("error_display", text.join("\n"));
    }

    #[test]
    fn classification_by_status_and_body_shape() {
        let json = |v: serde_json::Value| v.to_string().into_bytes();
        let e = from_response(
            400,
            HeaderMap::new(),
            json(serde_json::json!({"code": "x", "text": "y"})),
            None,
        );
        assert!(matches!(e, Error::Api { status: 400, .. }));
        let e = from_response(
            502,
            HeaderMap::new(),
            json(serde_json::json!({"error": {"message": "gateway"}})),
            None,
        );
        assert!(
            matches!(&e, Error::Rejected { status: 502, message: Some(m), .. } if m == "gateway")
        );
        assert!(e.is_retryable());
        let e = from_response(418, HeaderMap::new(), b"teapot".to_vec(), None);
        assert!(matches!(e, Error::UnexpectedResponse { status: 418, .. }));
        assert!(!e.is_retryable());
    }
}
