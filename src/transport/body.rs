//! Reading a response's whole body inside the retry loop, up to the limit,
//! and what is handed on when the SDK refuses a response or an attempt ran
//! out of time before it was sent.

use std::time::Duration;

use reqwest::{StatusCode, header::HeaderMap};

use super::Transport;
use crate::{BoxError, call::with_call, error::ResponseInfo};

impl Transport {
    /// Read the whole body, up to the limit, so that every later step works
    /// on bytes in memory and a body that breaks off is seen here, where it
    /// can be retried.
    #[allow(clippy::manual_async_fn)] // the response is kept once, as in `execute`
    pub(super) fn buffer<'a>(
        &'a self,
        mut response: reqwest::Response,
        sent_to: Option<&'a reqwest::Url>,
    ) -> impl Future<Output = Result<reqwest::Response, Buffered>> + Send + 'a {
        async move {
            let status = response.status();
            let limit = self.inner.max_response_bytes;
            let refuse = |error: crate::Error, status: StatusCode, headers: HeaderMap| {
                let mut stub =
                    http::Response::new(reqwest::Body::wrap(FailedBody(Some(error.to_string()))));
                *stub.status_mut() = status;
                *stub.headers_mut() = headers;
                Buffered::Refused(error, reqwest::Response::from(stub))
            };
            // The caller's own HTTP client may follow redirects; the SDK's never
            // does. Either way, an answer from elsewhere is not XMS's.
            if sent_to.is_some_and(|url| url != response.url()) {
                let location = response.url().to_string();
                let headers = response.headers().clone();
                let info =
                    ResponseInfo::new(status.as_u16(), headers.clone(), b"", &self.secrets());
                let error = crate::Error::Redirected { location: Some(location), response: info };
                return Err(refuse(error, status, headers));
            }
            let too_large = |prefix: &[u8], headers: &HeaderMap| crate::Error::ResponseTooLarge {
                limit,
                response: ResponseInfo::new(
                    status.as_u16(),
                    headers.clone(),
                    prefix,
                    &self.secrets(),
                ),
            };
            if response.content_length().is_some_and(|n| n > limit) {
                let headers = std::mem::take(response.headers_mut());
                return Err(refuse(too_large(b"", &headers), status, headers));
            }
            let version = response.version();
            let url = response.url().clone();
            let headers = std::mem::take(response.headers_mut());
            // A body of one chunk (the usual case) is handed on as it came; one
            // of several is joined.
            let mut first: Option<bytes::Bytes> = None;
            let mut joined: Vec<u8> = Vec::new();
            let mut size = 0u64;
            loop {
                match response.chunk().await {
                    Ok(Some(chunk)) => {
                        size += chunk.len() as u64;
                        if size > limit {
                            let start = first.as_deref().unwrap_or(&joined);
                            let prefix: Vec<u8> = start
                                .iter()
                                .chain(chunk.iter())
                                .take(crate::error::ERROR_BODY_LIMIT)
                                .copied()
                                .collect();
                            let error = too_large(&prefix, &headers);
                            return Err(refuse(error, status, headers));
                        }
                        match first.take() {
                            None if joined.is_empty() => first = Some(chunk),
                            Some(only) => joined = [only, chunk].concat(),
                            None => joined.extend_from_slice(&chunk),
                        }
                    }
                    Ok(None) => break,
                    Err(e) => return Err(Buffered::Failed(e)),
                }
            }
            let body = match first {
                Some(only) => reqwest::Body::from(only),
                None => reqwest::Body::from(joined),
            };
            // The answer's URL goes along as it is, so that reqwest need not
            // parse a placeholder for the rebuilt response. (Setting an
            // extension cannot fail.)
            use reqwest::ResponseBuilderExt as _;
            let (mut parts, ()) = http::Response::builder()
                .url(url)
                .body(())
                .unwrap_or_else(|_| http::Response::new(()))
                .into_parts();
            parts.status = status;
            parts.version = version;
            parts.headers = headers;
            Ok(reqwest::Response::from(http::Response::from_parts(parts, body)))
        }
    }
}

/// What the hook hands on when an attempt's time ran out in the limiter,
/// before its request was written: the call's state says so (a timeout,
/// nothing sent), and a `raw` caller gets a 408 whose body fails to read.
pub(super) fn waited_out(timeout: Duration) -> reqwest::Response {
    let error = crate::Error::Timeout {
        source: format!(
            "the attempt's timeout of {timeout:?} ran out while it waited for the client's \
             rate limit"
        )
        .into(),
        idempotent: false,
        request_sent: false,
    };
    let message = error.to_string();
    with_call(|c| {
        let sent = c.sent;
        c.failure = Some(match error {
            crate::Error::Timeout { source, idempotent, .. } => {
                crate::Error::Timeout { source, idempotent, request_sent: sent }
            }
            other => other,
        })
    });
    let mut stub = http::Response::new(reqwest::Body::wrap(FailedBody(Some(message))));
    *stub.status_mut() = StatusCode::REQUEST_TIMEOUT;
    reqwest::Response::from(stub)
}

/// Why an answer's body was not handed on.
pub(super) enum Buffered {
    /// Reading it failed (timeout, reset).
    Failed(reqwest::Error),
    /// The SDK refuses it; the response carries a body that fails to read,
    /// for callers of `raw` outside an SDK call.
    Refused(crate::Error, reqwest::Response),
}

/// A body whose first read fails with a message: what a `raw` caller gets
/// for an answer the SDK refused.
struct FailedBody(Option<String>);

impl http_body::Body for FailedBody {
    type Data = bytes::Bytes;
    type Error = BoxError;

    fn poll_frame(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        std::task::Poll::Ready(self.0.take().map(|m| Err(m.into())))
    }
}
