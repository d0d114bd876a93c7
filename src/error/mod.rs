//! [`Error`]: the one error type of the SDK, and [`ResponseInfo`], what an
//! error keeps of the response that caused it.
//!
//! - `response.rs`: [`ResponseInfo`], the status, headers and start of the
//!   body an error keeps;
//! - `redact.rs`: the client's secrets, and the one redaction every error of
//!   a call goes through;
//! - `classify.rs`: every decision from a response (or its absence) to an
//!   [`Error`]: by status first, then by the shape of the body.

mod classify;
mod redact;
mod response;

use std::{fmt, time::Duration};

pub(crate) use classify::{
    DocumentedError, Outcome, ResponseHead, body_message, failure, from_response, outcome,
    retry_after,
};
pub(crate) use redact::Secrets;
pub use response::{ERROR_BODY_LIMIT, ResponseInfo};

use crate::model::ErrorCode;

/// A boxed error kept as the [`std::error::Error::source`] of an [`Error`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong when talking to XMS.
///
/// Match on the variants to handle a case, or use the accessors
/// ([`Error::status`], [`Error::code`], [`Error::is_retryable`],
/// [`Error::response`]) to handle families of cases. `Display` says what
/// happened and what to do; the underlying error, if any, is the
/// [`source`](std::error::Error::source). Every error that comes from an
/// answer keeps its status, headers and the start of its body
/// ([`ResponseInfo`]). Credentials never appear in any of it, not even when
/// the server echoes them.
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
    /// XMS refused the request with its own error body, which carries an
    /// XMS error code: `{"code": ..., "text": ...}` (or `description` in
    /// place of `text`). 400 and 403 mostly; match on `code`.
    ///
    /// Compare [`Error::Rejected`]: a refusal whose body has no XMS error
    /// code, sent by something in front of XMS.
    #[non_exhaustive]
    Api {
        /// The XMS error code.
        code: ErrorCode,
        /// XMS's explanation, meant for people.
        text: String,
        /// The answer.
        response: ResponseInfo,
    },
    /// The server refused the request with an error body that carries no
    /// XMS error code, in one of the other shapes Sinch's services use: the
    /// framework shape `{"status", "error", "message", "path", "timestamp"}`
    /// (some 400s) or `{"error": {"code", "message", "status", "details"}}`
    /// (gateways and the authentication service).
    #[non_exhaustive]
    Rejected {
        /// The short name of the error (`error`, or the nested
        /// `status`/`code`).
        error: String,
        /// The message, when the body has one.
        message: Option<String>,
        /// The answer.
        response: ResponseInfo,
    },
    /// 404: the batch, group, inbound message or recipient does not exist for
    /// these credentials (or the path is wrong).
    #[non_exhaustive]
    NotFound {
        /// The answer.
        response: ResponseInfo,
    },
    /// 401, or 403 without an XMS error code: the credentials were refused.
    #[non_exhaustive]
    Unauthorized {
        /// What the server said, when it said something (secrets redacted).
        message: Option<String>,
        /// The answer.
        response: ResponseInfo,
    },
    /// 429: too many requests. Wait before trying again.
    #[non_exhaustive]
    RateLimited {
        /// How long the server asked to wait (`Retry-After`), when it said.
        retry_after: Option<Duration>,
        /// The answer.
        response: ResponseInfo,
    },
    /// The server answered with a redirect (3xx). XMS never redirects, so
    /// the SDK follows none: the request (and an SMS body) must not go to
    /// another host.
    #[non_exhaustive]
    Redirected {
        /// Where the server pointed (`Location`), if it said.
        location: Option<String>,
        /// The answer.
        response: ResponseInfo,
    },
    /// The answer's body was larger than
    /// [`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes);
    /// reading stopped there.
    #[non_exhaustive]
    ResponseTooLarge {
        /// The limit in bytes.
        limit: u64,
        /// The answer (its body: the start of what arrived).
        response: ResponseInfo,
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
    /// The OAuth2 token endpoint did not give an access token, so the
    /// request to XMS was not sent.
    #[non_exhaustive]
    TokenEndpoint {
        /// What went wrong.
        reason: String,
        /// The token endpoint's answer, when there was one. A successful
        /// answer's body is never kept: it holds the token.
        response: Option<ResponseInfo>,
        /// The underlying error, if any.
        source: Option<BoxError>,
    },
    /// The call ran out of time: an attempt's timeout or the call's
    /// deadline. When `request_sent` is true, the request was written and
    /// XMS may or may not have processed it; when false, the call ended
    /// while it was still waiting (for a token, the client's rate limit or a
    /// 429's pause) and nothing reached XMS.
    #[non_exhaustive]
    Timeout {
        /// The underlying error.
        source: BoxError,
        /// Whether the operation can run twice without harm (a read, a
        /// PUT, a DELETE, a dry run); see [`Error::is_safe_to_repeat`].
        idempotent: bool,
        /// Whether a request that XMS may have acted on was written before
        /// time ran out; see [`Error::may_have_been_processed`].
        request_sent: bool,
    },
    /// The request could not be sent, or the connection broke before the
    /// whole answer arrived.
    #[non_exhaustive]
    Transport {
        /// The underlying error.
        source: BoxError,
        /// Whether the operation can run twice without harm; see
        /// [`Error::is_safe_to_repeat`].
        idempotent: bool,
    },
    /// An answer the SDK could not make sense of: an undocumented status, or
    /// a body that is not what the API promises.
    #[non_exhaustive]
    UnexpectedResponse {
        /// Why it is unexpected.
        reason: String,
        /// The answer.
        response: ResponseInfo,
        /// The parse error, when the body could not be read.
        source: Option<BoxError>,
    },
    /// Every answer was well-formed, but together they made no sense: a
    /// listing answered a page other than the one asked for, or repeated a
    /// page. The listing stopped rather than loop.
    #[non_exhaustive]
    Protocol {
        /// What was wrong.
        reason: String,
    },
}

/// The result type of the SDK.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// What the error keeps of the answer, when there was one.
    pub fn response(&self) -> Option<&ResponseInfo> {
        match self {
            Error::Api { response, .. }
            | Error::Rejected { response, .. }
            | Error::NotFound { response }
            | Error::Unauthorized { response, .. }
            | Error::RateLimited { response, .. }
            | Error::Redirected { response, .. }
            | Error::ResponseTooLarge { response, .. }
            | Error::UnexpectedResponse { response, .. } => Some(response),
            Error::TokenEndpoint { response, .. } => response.as_ref(),
            Error::InvalidRequest { .. }
            | Error::Config { .. }
            | Error::Timeout { .. }
            | Error::Transport { .. }
            | Error::Protocol { .. } => None,
        }
    }

    /// The HTTP status of the answer, when there was one.
    pub fn status(&self) -> Option<u16> {
        self.response().map(ResponseInfo::status)
    }

    /// The XMS error code, when XMS sent one.
    pub fn code(&self) -> Option<&ErrorCode> {
        match self {
            Error::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Whether sending the same request again may succeed and does no
    /// harm: rate limiting, a connection that could not be made, and, for
    /// operations that can run twice (reads, PUT, DELETE, dry runs),
    /// timeouts, broken connections and 500, 502, 503 and 504. The same
    /// rule the SDK's own [`RetryPolicy`](crate::RetryPolicy) follows.
    ///
    /// A send (or another POST) that timed out or got a 5xx is *not*
    /// retryable: the batch may exist. See [`Error::may_have_been_processed`]
    /// and [`SendBatch::send_or_find`](crate::batches::SendBatch::send_or_find).
    ///
    /// ```
    /// # fn demo(error: xms::Error) {
    /// if error.is_retryable() {
    ///     // wait error.retry_after() (or a backoff) and send again
    /// } else if error.may_have_been_processed() {
    ///     // look the batch up by its client_reference before sending again
    /// }
    /// # }
    /// ```
    pub fn is_retryable(&self) -> bool {
        let transient = match self {
            Error::RateLimited { .. } | Error::Timeout { .. } | Error::Transport { .. } => true,
            Error::UnexpectedResponse { response, .. }
            | Error::Rejected { response, .. }
            | Error::Api { response, .. } => {
                matches!(response.0.status, 500 | 502 | 503 | 504)
            }
            _ => false,
        };
        transient && self.is_safe_to_repeat()
    }

    /// Whether XMS may have acted on the request although the call failed:
    /// the request was sent and its answer timed out, broke off, was a
    /// server error (5xx), or was a success the SDK could not read or
    /// refused. After such a failure of a send, the batch may exist: find
    /// it by `client_reference` before sending again.
    ///
    /// False when the request was certainly not acted on: refused before
    /// sending (invalid, configuration, no token), a connection that could
    /// not be made, a call whose time ran out before its request was sent,
    /// or an answer that says so (4xx, 429).
    ///
    /// ```no_run
    /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
    /// let sent = client.batches().text("12345", ["+46701234567"], "Hi")
    ///     .client_reference("order-17").send().await;
    /// match sent {
    ///     Err(e) if e.may_have_been_processed() => {
    ///         let found = client.batches().list().client_reference("order-17").page(0).await?;
    ///         println!("{} batch(es) with that reference", found.count);
    ///     }
    ///     other => { other?; }
    /// }
    /// # Ok(()) }
    /// ```
    pub fn may_have_been_processed(&self) -> bool {
        match self {
            Error::Timeout { request_sent, .. } => *request_sent,
            Error::Transport { source, .. } => !never_connected(source.as_ref()),
            Error::UnexpectedResponse { response, .. }
            | Error::Rejected { response, .. }
            | Error::Api { response, .. }
            | Error::ResponseTooLarge { response, .. } => {
                let status = response.0.status;
                status >= 500 || (200..300).contains(&status)
            }
            _ => false,
        }
    }

    /// Whether sending the same request again cannot do anything twice:
    /// the request was certainly not acted on, or the operation can run
    /// twice without harm (reads, PUT, DELETE, dry runs). A send after a
    /// timeout is not safe to repeat; look it up by `client_reference`.
    ///
    /// ```no_run
    /// # async fn demo(client: xms::Client) {
    /// // A read can always be repeated.
    /// if let Err(e) = client.batches().get("01FC66621XXXXX119Z8PMV1QPQ").await {
    ///     assert!(e.is_safe_to_repeat());
    /// }
    /// # }
    /// ```
    pub fn is_safe_to_repeat(&self) -> bool {
        !self.may_have_been_processed() || self.idempotent()
    }

    /// A short name of the kind of error, for telemetry (`error.type`).
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Error::Api { .. } => "api",
            Error::Rejected { .. } => "rejected",
            Error::NotFound { .. } => "not_found",
            Error::Unauthorized { .. } => "unauthorized",
            Error::RateLimited { .. } => "rate_limited",
            Error::Redirected { .. } => "redirected",
            Error::ResponseTooLarge { .. } => "response_too_large",
            Error::InvalidRequest { .. } => "invalid_request",
            Error::Config { .. } => "config",
            Error::TokenEndpoint { .. } => "token_endpoint",
            Error::Timeout { .. } => "timeout",
            Error::Transport { .. } => "transport",
            Error::UnexpectedResponse { .. } => "unexpected_response",
            Error::Protocol { .. } => "protocol",
        }
    }

    /// Whether the failed operation can run twice without harm.
    fn idempotent(&self) -> bool {
        match self {
            Error::Timeout { idempotent, .. } | Error::Transport { idempotent, .. } => *idempotent,
            other => other.response().is_some_and(|r| r.0.idempotent),
        }
    }

    /// Note whether the operation that failed can run twice without harm.
    pub(crate) fn for_operation(mut self, is_idempotent: bool) -> Self {
        match &mut self {
            Error::Timeout { idempotent, .. } | Error::Transport { idempotent, .. } => {
                *idempotent = is_idempotent
            }
            Error::Api { response, .. }
            | Error::Rejected { response, .. }
            | Error::NotFound { response }
            | Error::Unauthorized { response, .. }
            | Error::RateLimited { response, .. }
            | Error::Redirected { response, .. }
            | Error::ResponseTooLarge { response, .. }
            | Error::UnexpectedResponse { response, .. } => response.0.idempotent = is_idempotent,
            _ => {}
        }
        self
    }

    /// How long the server asked to wait before retrying, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    pub(crate) fn invalid(field: impl Into<String>, rule: impl Into<String>) -> Self {
        Error::InvalidRequest { field: field.into(), rule: rule.into() }
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Error::Config { message: message.into() }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api { code, text, response } => {
                write!(f, "XMS refused the request ({} {code}): {text}", response.0.status)?;
                if let Some(hint) = hint(code) {
                    write!(f, "; {hint}")?;
                }
                Ok(())
            }
            Error::Rejected { error, message, response } => {
                write!(f, "the server refused the request ({} {error})", response.0.status)?;
                if let Some(message) = message {
                    write!(f, ": {message}")?;
                }
                Ok(())
            }
            Error::NotFound { .. } => f.write_str(
                "not found (404): no such batch, group, inbound message or recipient for these \
                 credentials; check the id and the service plan or region",
            ),
            Error::Unauthorized { message, response } => {
                write!(f, "unauthorized ({})", response.0.status)?;
                if let Some(message) = message {
                    write!(f, ": {message}")?;
                }
                f.write_str(
                    "; check the API token or OAuth key, and that the service plan id and region \
                     belong to them",
                )
            }
            Error::RateLimited { retry_after: Some(wait), .. } => write!(
                f,
                "rate limited (429): XMS asks to wait {:.1} s before the next request",
                wait.as_secs_f64()
            ),
            Error::RateLimited { retry_after: None, .. } => {
                f.write_str("rate limited (429): slow down and retry later")
            }
            Error::Redirected { location, response } => {
                write!(f, "the server redirected the request ({})", response.0.status)?;
                match location {
                    Some(location) => write!(f, " to {location}")?,
                    None => f.write_str(" without a Location")?,
                }
                f.write_str(
                    "; XMS does not redirect, so it was not followed: check the endpoint \
                     (a proxy or a wrong host)",
                )
            }
            Error::ResponseTooLarge { limit, response } => write!(
                f,
                "the answer ({}) is larger than {limit} bytes; reading stopped there (raise \
                 ClientBuilder::max_response_bytes if the server is right)",
                response.0.status
            ),
            Error::InvalidRequest { field, rule } => {
                write!(f, "invalid request, nothing was sent: `{field}` {rule}")
            }
            Error::Config { message } => write!(f, "invalid client configuration: {message}"),
            Error::TokenEndpoint { reason, response, .. } => {
                write!(f, "the OAuth2 token endpoint failed")?;
                if let Some(response) = response {
                    write!(f, " ({})", response.0.status)?;
                }
                write!(
                    f,
                    ": {reason}; nothing was sent to XMS (check the key id, key secret and \
                     token URL)"
                )
            }
            Error::Timeout { request_sent: true, .. } => f.write_str(
                "the request timed out; XMS may or may not have processed it (for a send, look \
                 the batch up by client_reference before sending again)",
            ),
            Error::Timeout { request_sent: false, .. } => f.write_str(
                "the call ran out of time before its request was sent (waiting for a token, the \
                 rate limit or a 429's pause); nothing reached XMS, so it is safe to repeat",
            ),
            Error::Transport { .. } => f.write_str(
                "could not talk to XMS (connection failed or broke off); check the network and \
                 the endpoint, then retry",
            ),
            Error::UnexpectedResponse { reason, response, .. } => {
                write!(f, "unexpected answer ({}): {reason}", response.0.status)?;
                if let Some(body) = response.excerpt(200) {
                    write!(f, "; body: {body}")?;
                }
                Ok(())
            }
            Error::Protocol { reason } => write!(f, "inconsistent answers from XMS: {reason}"),
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
            Error::Timeout { source, .. } | Error::Transport { source, .. } => {
                Some(source.as_ref())
            }
            Error::UnexpectedResponse { source: Some(source), .. }
            | Error::TokenEndpoint { source: Some(source), .. } => Some(source.as_ref()),
            _ => None,
        }
    }
}

/// Whether a transport error shows the request never left: the connection
/// could not be made.
fn never_connected(source: &(dyn std::error::Error + 'static)) -> bool {
    source.downcast_ref::<reqwest::Error>().is_some_and(reqwest::Error::is_connect)
}

impl From<reqwest::Error> for Error {
    fn from(e: reqwest::Error) -> Self {
        // reqwest's message names the URL, which holds no credential.
        if e.is_timeout() {
            // Conservatively sent, unless the connection was never made.
            let request_sent = !e.is_connect();
            Error::Timeout { source: Box::new(e), idempotent: false, request_sent }
        } else {
            Error::Transport { source: Box::new(e), idempotent: false }
        }
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderMap;

    use super::*;

    fn response(status: u16, body: &[u8]) -> Error {
        from_response(status, HeaderMap::new(), body, None, &Secrets::default(), None)
    }

    fn info(status: u16) -> ResponseInfo {
        ResponseInfo::new(status, HeaderMap::new(), b"", &Secrets::default())
    }

    #[test]
    fn display_text_says_what_happened_and_what_to_do() {
        let errors = [
            response(403, br#"{"code":"unknown_group","text":"Group 01X is unknown"}"#),
            response(400, br#"{"code":"new_code","text":"Something new"}"#),
            response(400, br#"{"status":400,"error":"Bad Request","path":"/xms/v1/p/batches"}"#),
            response(404, b""),
            response(401, b""),
            response(403, b"Invalid credentials"),
            Error::RateLimited {
                retry_after: Some(Duration::from_millis(2500)),
                response: info(429),
            },
            response(429, b""),
            Error::invalid("recipients", "must hold 1 to 1000 entries (it holds 0)"),
            Error::config("service_plan_id is empty"),
            Error::Timeout {
                source: "operation timed out".into(),
                idempotent: false,
                request_sent: true,
            },
            Error::Timeout {
                source: "the call took longer than its deadline of 1s".into(),
                idempotent: false,
                request_sent: false,
            },
            Error::Transport { source: "connection refused".into(), idempotent: false },
            response(503, b"<html>down</html>"),
            from_response(
                200,
                HeaderMap::new(),
                "x".repeat(300).as_bytes(),
                Some("expected value".into()),
                &Secrets::default(),
                None,
            ),
            response(400, b"<html>bad request</html>"),
            response(302, b""),
            Error::ResponseTooLarge { limit: 1024, response: info(200) },
            Error::TokenEndpoint {
                reason: "the key was refused".into(),
                response: Some(info(401)),
                source: None,
            },
            Error::Protocol { reason: "asked for page 2, XMS answered with page 0".into() },
        ];
        let text: Vec<String> = errors.iter().map(ToString::to_string).collect();
        insta::assert_snapshot!("error_display", text.join("\n"));
    }
}
