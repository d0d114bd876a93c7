//! [`Error`]: the one error type of the SDK, and [`ResponseInfo`], what an
//! error keeps of the answer that caused it.

use std::{fmt, time::Duration};

use reqwest::header::{HeaderMap, HeaderValue, LOCATION};

use crate::model::ErrorCode;

/// A boxed error kept as the [`std::error::Error::source`] of an [`Error`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The most bytes of an answer's body an [`Error`] keeps.
pub const ERROR_BODY_LIMIT: usize = 4096;

/// What an [`Error`] keeps of the answer that caused it: the status, the
/// headers (with the request id a support ticket needs) and the first
/// [`ERROR_BODY_LIMIT`] bytes of the body.
///
/// The client's own credentials (API token, OAuth key secret, Basic value,
/// access tokens) are replaced by `<redacted>` in the headers and the body
/// before they are kept, so a server that echoes them back cannot leak them
/// into logs.
///
/// ```no_run
/// # async fn demo(client: xms::Client) {
/// if let Err(e) = client.batches().get("01FC66621XXXXX119Z8PMV1QPQ").await {
///     if let Some(answer) = e.response() {
///         let id = answer.request_id();
///         eprintln!("{} (request id {id:?}): {}", answer.status(), answer.body_text());
///     }
/// }
/// # }
/// ```
#[derive(Clone)]
pub struct ResponseInfo(Box<Kept>);

#[derive(Clone)]
struct Kept {
    status: u16,
    headers: HeaderMap,
    body: Vec<u8>,
    body_truncated: bool,
    /// Whether the operation answered can run twice without harm.
    idempotent: bool,
}

impl ResponseInfo {
    /// Keep `status`, `headers` and at most [`ERROR_BODY_LIMIT`] bytes of
    /// `body`, with every secret in `secrets` redacted.
    pub(crate) fn new(status: u16, headers: HeaderMap, body: &[u8], secrets: &Secrets) -> Self {
        let longest = secrets.longest();
        let window = &body[..body.len().min(ERROR_BODY_LIMIT + longest)];
        let mut kept = secrets.scrub_bytes(window);
        let body_truncated = body.len() > ERROR_BODY_LIMIT || kept.len() > ERROR_BODY_LIMIT;
        if kept.len() > ERROR_BODY_LIMIT {
            kept.truncate(ERROR_BODY_LIMIT);
        }
        ResponseInfo(Box::new(Kept {
            status,
            headers: secrets.scrub_headers(headers),
            body: kept,
            body_truncated,
            idempotent: false,
        }))
    }

    /// Scrub `secrets` from what is kept, again (an answer kept before a
    /// secret was known, such as a token issued later).
    fn redact(&mut self, secrets: &Secrets) {
        let kept = &mut *self.0;
        if secrets.found_in(&kept.body) {
            kept.body = secrets.scrub_bytes(&kept.body);
        }
        kept.headers = secrets.scrub_headers(std::mem::take(&mut kept.headers));
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.0.status
    }

    /// The response headers, secrets redacted.
    pub fn headers(&self) -> &HeaderMap {
        &self.0.headers
    }

    /// The start of the body (at most [`ERROR_BODY_LIMIT`] bytes), secrets
    /// redacted.
    pub fn body(&self) -> &[u8] {
        &self.0.body
    }

    /// The start of the body as text (invalid UTF-8 replaced).
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.0.body).into_owned()
    }

    /// Whether the body was longer than what is kept.
    pub fn body_truncated(&self) -> bool {
        self.0.body_truncated
    }

    /// The id the server gave the request, from the first of the headers
    /// `x-request-id`, `x-correlation-id`, `request-id`, `x-amzn-requestid`
    /// that is present. Quote it when asking Sinch support about a failure.
    pub fn request_id(&self) -> Option<&str> {
        ["x-request-id", "x-correlation-id", "request-id", "x-amzn-requestid"]
            .iter()
            .find_map(|name| self.0.headers.get(*name)?.to_str().ok())
    }

    /// The `Location` header, if the answer has one.
    pub fn location(&self) -> Option<&str> {
        self.0.headers.get(LOCATION)?.to_str().ok()
    }

    /// The body, up to `max` characters, for `Display`.
    fn excerpt(&self, max: usize) -> Option<String> {
        let text = String::from_utf8_lossy(&self.0.body);
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let mut shown: String = text.chars().take(max).collect();
        if text.chars().count() > max || self.0.body_truncated {
            shown.push_str("...");
        }
        Some(shown)
    }
}

impl fmt::Debug for ResponseInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResponseInfo")
            .field("status", &self.0.status)
            .field("request_id", &self.request_id())
            .field("headers", &self.0.headers)
            .field("body", &String::from_utf8_lossy(&self.0.body))
            .field("body_truncated", &self.0.body_truncated)
            .finish()
    }
}

/// The client's credentials, as they could appear in an answer: redacted
/// from everything an error keeps.
#[derive(Clone, Debug, Default)]
pub(crate) struct Secrets {
    values: Vec<Vec<u8>>,
}

const REDACTED: &[u8] = b"<redacted>";

impl Secrets {
    pub(crate) fn new(values: impl IntoIterator<Item = String>) -> Self {
        let mut values: Vec<Vec<u8>> =
            values.into_iter().filter(|v| !v.is_empty()).map(String::into_bytes).collect();
        // Longest first, so a secret containing another is redacted whole.
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        values.dedup();
        Secrets { values }
    }

    fn longest(&self) -> usize {
        self.values.first().map_or(0, Vec::len)
    }

    /// Whether any secret occurs in `input`.
    pub(crate) fn found_in(&self, input: &[u8]) -> bool {
        self.values.iter().any(|secret| input.windows(secret.len()).any(|w| w == secret.as_slice()))
    }

    pub(crate) fn scrub_bytes(&self, input: &[u8]) -> Vec<u8> {
        let mut out = input.to_vec();
        for secret in &self.values {
            if out.len() < secret.len() {
                continue;
            }
            let mut result = Vec::with_capacity(out.len());
            let mut i = 0;
            while i < out.len() {
                if out[i..].starts_with(secret) {
                    result.extend_from_slice(REDACTED);
                    i += secret.len();
                } else {
                    result.push(out[i]);
                    i += 1;
                }
            }
            out = result;
        }
        out
    }

    pub(crate) fn scrub_str(&self, input: &str) -> String {
        String::from_utf8_lossy(&self.scrub_bytes(input.as_bytes())).into_owned()
    }

    fn scrub_headers(&self, mut headers: HeaderMap) -> HeaderMap {
        if self.values.is_empty() {
            return headers;
        }
        // A header named after a secret (header names are lower case) goes.
        let lower: Vec<String> =
            self.values.iter().map(|v| String::from_utf8_lossy(v).to_ascii_lowercase()).collect();
        if headers.keys().any(|name| lower.iter().any(|s| name.as_str().contains(s.as_str()))) {
            let named: Vec<_> = headers
                .keys()
                .filter(|name| lower.iter().any(|s| name.as_str().contains(s.as_str())))
                .cloned()
                .collect();
            for name in named {
                headers.remove(name);
            }
        }
        for value in headers.values_mut() {
            if !self.found_in(value.as_bytes()) {
                continue;
            }
            let mut clean = HeaderValue::from_bytes(&self.scrub_bytes(value.as_bytes()))
                .unwrap_or(HeaderValue::from_static("<redacted>"));
            clean.set_sensitive(true);
            *value = clean;
        }
        headers
    }
}

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

impl Error {
    /// The same error with every text it keeps or shows scrubbed of
    /// `secrets`: its messages, the answer it keeps and the text of its
    /// sources (a source whose text holds a secret is replaced by that
    /// text, redacted). The one redaction path every error of a call goes
    /// through, whatever made it.
    pub(crate) fn redact(mut self, secrets: &Secrets) -> Self {
        if secrets.values.is_empty() {
            return self;
        }
        let text = |t: &mut String| {
            if secrets.found_in(t.as_bytes()) {
                *t = secrets.scrub_str(t);
            }
        };
        match &mut self {
            Error::Api { code, text: message, .. } => {
                if let ErrorCode::Other(code) = code {
                    text(code);
                }
                text(message);
            }
            Error::Rejected { error, message, .. } => {
                text(error);
                message.iter_mut().for_each(text);
            }
            Error::Unauthorized { message, .. } => message.iter_mut().for_each(text),
            Error::Redirected { location, .. } => location.iter_mut().for_each(text),
            Error::InvalidRequest { field, rule } => {
                text(field);
                text(rule);
            }
            Error::Config { message } => text(message),
            Error::TokenEndpoint { reason, source, .. }
            | Error::UnexpectedResponse { reason, source, .. } => {
                text(reason);
                if let Some(source) = source {
                    redact_source(source, secrets);
                }
            }
            Error::Timeout { source, .. } | Error::Transport { source, .. } => {
                redact_source(source, secrets)
            }
            Error::Protocol { reason } => text(reason),
            Error::NotFound { .. } | Error::RateLimited { .. } | Error::ResponseTooLarge { .. } => {
            }
        }
        if let Some(response) = self.response_mut() {
            response.redact(secrets);
        }
        self
    }

    fn response_mut(&mut self) -> Option<&mut ResponseInfo> {
        match self {
            Error::Api { response, .. }
            | Error::Rejected { response, .. }
            | Error::NotFound { response }
            | Error::Unauthorized { response, .. }
            | Error::RateLimited { response, .. }
            | Error::Redirected { response, .. }
            | Error::ResponseTooLarge { response, .. }
            | Error::UnexpectedResponse { response, .. } => Some(response),
            Error::TokenEndpoint { response, .. } => response.as_mut(),
            _ => None,
        }
    }
}

/// Replace `source` by its redacted text when the text of its chain
/// (`Display` or `Debug` of any link) holds a secret; leave it as it is
/// otherwise, so that a clean source can still be downcast.
fn redact_source(source: &mut BoxError, secrets: &Secrets) {
    let mut held = false;
    let mut chain = Vec::new();
    let mut link: Option<&(dyn std::error::Error + 'static)> = Some(source.as_ref());
    while let Some(error) = link {
        let shown = error.to_string();
        held |=
            secrets.found_in(shown.as_bytes()) || secrets.found_in(format!("{error:?}").as_bytes());
        chain.push(shown);
        link = error.source();
    }
    if held {
        *source = Box::new(Redacted(secrets.scrub_str(&chain.join(": "))));
    }
}

/// The text of an error that held a secret, redacted.
#[derive(Debug)]
struct Redacted(String);

impl fmt::Display for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Redacted {}

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

/// The error bodies the Sinch APIs send, read by shape.
enum Body {
    /// XMS's own: a `code` with `text` or `description`.
    Xms { code: String, text: String },
    /// Another known shape, with its short name and message.
    Other { error: String, message: Option<String> },
    /// JSON of no known shape, or not JSON.
    Unknown,
}

fn read_body(body: &[u8]) -> Body {
    use serde_json::Value;
    let Ok(json) = serde_json::from_slice::<Value>(body) else {
        return Body::Unknown;
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
        return Body::Xms { code, text: explanation };
    }
    if let Some(nested) = json.get("error").filter(|e| e.is_object()) {
        let error = text(nested, "status")
            .or_else(|| text(nested, "code"))
            .unwrap_or_else(|| "error".to_owned());
        let message = text(nested, "message")
            .or_else(|| nested.get("details").filter(|d| !d.is_null()).map(Value::to_string));
        return Body::Other { error, message };
    }
    if let Some(error) = text(&json, "error") {
        let message = text(&json, "message")
            .filter(|m| !m.is_empty())
            .or_else(|| text(&json, "path").map(|p| format!("at {p}")));
        return Body::Other { error, message };
    }
    if let Some(message) = text(&json, "message").or_else(|| text(&json, "text")) {
        return Body::Other {
            error: text(&json, "code").unwrap_or_else(|| "error".to_owned()),
            message: Some(message),
        };
    }
    Body::Unknown
}

/// The message of an error body of any known shape, secrets redacted.
pub(crate) fn body_message(body: &[u8], secrets: &Secrets) -> Option<String> {
    match read_body(body) {
        Body::Xms { text, .. } => Some(secrets.scrub_str(&text)),
        Body::Other { message: Some(message), .. } => Some(secrets.scrub_str(&message)),
        Body::Other { error, .. } => Some(secrets.scrub_str(&error)),
        Body::Unknown => None,
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
            Body::Xms { code, text } if status == 403 => {
                Error::Api { code: ErrorCode::from(code), text: scrub(text), response }
            }
            Body::Xms { text: message, .. }
            | Body::Other { message: Some(message), .. }
            | Body::Other { error: message, .. } => {
                Error::Unauthorized { message: Some(scrub(message)), response }
            }
            Body::Unknown => Error::Unauthorized { message: response.excerpt(200), response },
        },
        _ => match read_body(body) {
            Body::Xms { code, text } => {
                Error::Api { code: ErrorCode::from(code), text: scrub(text), response }
            }
            Body::Other { error, message } => {
                Error::Rejected { error: scrub(error), message: message.map(scrub), response }
            }
            Body::Unknown => Error::UnexpectedResponse {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(status: u16, body: &[u8]) -> Error {
        from_response(status, HeaderMap::new(), body, None, &Secrets::default(), None)
    }

    fn info(status: u16) -> ResponseInfo {
        ResponseInfo::new(status, HeaderMap::new(), b"", &Secrets::default())
    }

    #[test]
    fn display_text_says_what_happened_and_what_to_do() {
        let errors = [
            answer(403, br#"{"code":"unknown_group","text":"Group 01X is unknown"}"#),
            answer(400, br#"{"code":"new_code","text":"Something new"}"#),
            answer(400, br#"{"status":400,"error":"Bad Request","path":"/xms/v1/p/batches"}"#),
            answer(404, b""),
            answer(401, b""),
            answer(403, b"Invalid credentials"),
            Error::RateLimited {
                retry_after: Some(Duration::from_millis(2500)),
                response: info(429),
            },
            answer(429, b""),
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
            answer(503, b"<html>down</html>"),
            from_response(
                200,
                HeaderMap::new(),
                "x".repeat(300).as_bytes(),
                Some("expected value".into()),
                &Secrets::default(),
                None,
            ),
            answer(400, b"<html>bad request</html>"),
            answer(302, b""),
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

    #[test]
    fn classification_by_status_then_body_shape() {
        let e = answer(400, br#"{"code":"x","text":"y"}"#);
        assert!(matches!(e, Error::Api { .. }) && e.status() == Some(400));
        let e = answer(502, br#"{"error":{"message":"gateway"}}"#);
        assert!(matches!(&e, Error::Rejected { message: Some(m), .. } if m == "gateway"));
        // A 502 may have been processed: retryable for a read, not a send.
        assert!(e.may_have_been_processed() && !e.is_retryable());
        let e = e.for_operation(true);
        assert!(e.is_retryable() && e.is_safe_to_repeat());
        let e = answer(418, b"teapot");
        assert!(matches!(e, Error::UnexpectedResponse { .. }) && e.status() == Some(418));
        assert!(!e.is_retryable());
        // `description` instead of `text` is still XMS's error, on a 403 too.
        let e = answer(403, br#"{"code":"unknown_group","description":"no such group"}"#);
        assert_eq!(e.code(), Some(&ErrorCode::UnknownGroup), "{e:?}");
        // A numeric code.
        let e = answer(400, br#"{"code":0,"text":"zero"}"#);
        assert_eq!(e.code(), Some(&ErrorCode::Other("0".into())), "{e:?}");
        // The framework shape with a message.
        let e = answer(
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
        let e = answer(
            400,
            br#"{"error":{"code":400,"status":"INVALID_ARGUMENT","details":[{"field":"to"}]}}"#,
        );
        assert!(
            matches!(&e, Error::Rejected { error, message: Some(m), .. }
                if error == "INVALID_ARGUMENT" && m.contains("field")),
            "{e:?}"
        );
        // A 400 without a readable body says it was a refusal.
        let e = answer(400, b"<html>nope</html>");
        assert!(e.to_string().contains("refused the request (400)"), "{e}");
    }

    #[test]
    fn errors_keep_a_bounded_prefix_and_redact_secrets() {
        let secrets = Secrets::new(["s3cr3t-token".to_string()]);
        let mut body = b"bad credentials: Bearer s3cr3t-token ".to_vec();
        body.extend(std::iter::repeat_n(b'x', 100_000));
        let mut headers = HeaderMap::new();
        headers.insert("x-echo", HeaderValue::from_static("Bearer s3cr3t-token"));
        headers.insert("x-request-id", HeaderValue::from_static("req-42"));
        let e = from_response(401, headers, &body, None, &secrets, None);
        let response = e.response().unwrap();
        assert!(response.body().len() <= ERROR_BODY_LIMIT);
        assert!(response.body_truncated());
        assert_eq!(response.request_id(), Some("req-42"));
        for text in [e.to_string(), format!("{e:?}")] {
            assert!(!text.contains("s3cr3t"), "{text}");
        }
        assert!(e.to_string().contains("<redacted>"), "{e}");
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
