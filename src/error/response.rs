//! [`ResponseInfo`]: what an error keeps of the response that caused it.

use std::fmt;

use reqwest::header::{HeaderMap, LOCATION};

use super::redact::Secrets;

/// The most bytes of an answer's body an [`Error`](super::Error) keeps.
pub const ERROR_BODY_LIMIT: usize = 4096;

/// What an [`Error`](super::Error) keeps of the answer that caused it: the status, the
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
pub struct ResponseInfo(pub(super) Box<Kept>);

#[derive(Clone)]
pub(super) struct Kept {
    pub(super) status: u16,
    pub(super) headers: HeaderMap,
    pub(super) body: Vec<u8>,
    pub(super) body_truncated: bool,
    /// Whether the operation answered can run twice without harm.
    pub(super) idempotent: bool,
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
    pub(super) fn redact(&mut self, secrets: &Secrets) {
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
    pub(super) fn excerpt(&self, max: usize) -> Option<String> {
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
