//! The client's secrets, and the one redaction every error of a call goes
//! through: a parse error quotes the value it could not read, and a server
//! may echo a credential into any header or field.

use std::fmt;

use reqwest::header::{HeaderMap, HeaderValue};

use super::{BoxError, Error, ResponseInfo};
use crate::model::ErrorCode;

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

    pub(super) fn longest(&self) -> usize {
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

    pub(super) fn scrub_headers(&self, mut headers: HeaderMap) -> HeaderMap {
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

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderMap;

    use super::*;
    use crate::error::{ERROR_BODY_LIMIT, from_response};

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
}
