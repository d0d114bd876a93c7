//! How every request of the generated client is sent: the `ClientHooks`
//! implementation the generator requires (`HooksMode::Expected`).
//!
//! For each request the hook removes the `api-version` header progenitor
//! adds (XMS defines none), asks for JSON, sets the user agent and the bearer
//! token, and
//! retries when the [`RetryPolicy`] allows. It also notes the status and
//! headers of the answer for the call that is waiting for it, so an error
//! body the generated code cannot read still comes back with its status.

use std::{
    fmt,
    hash::{BuildHasher, Hasher},
    sync::Arc,
    time::Duration,
};

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::{
    StatusCode,
    header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue, USER_AGENT, WWW_AUTHENTICATE},
};

use crate::{
    BoxError,
    auth::{Auth, bearer_header},
    call::{CALL, record, with_call},
    error::{ResponseInfo, Secrets},
    limit::Limiter,
    raw,
};

/// When a request is sent again after a failure.
///
/// - 429 is retried for every operation: the server refused it unprocessed.
///   A `Retry-After` longer than `max_backoff` is not waited for; the caller
///   gets [`crate::Error::RateLimited`] with the wait.
/// - 500, 502, 503, 504, timeouts and failed connections are retried only
///   for operations that can safely run twice (GET, PUT, DELETE and dry
///   runs). Sending a batch, updating one and the other POSTs are never
///   retried on these: the first attempt may have been processed. Use
///   `client_reference` to find out.
///
/// ```
/// use std::time::Duration;
/// let policy = xms::RetryPolicy::default()
///     .max_retries(4)
///     .initial_backoff(Duration::from_millis(100));
/// let never = xms::RetryPolicy::none();
/// # let _ = (policy, never);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_retries: u32,
    initial_backoff: Duration,
    pub(crate) max_backoff: Duration,
}

impl Default for RetryPolicy {
    /// Two retries, starting at 200 ms and doubling, at most 5 s apart.
    fn default() -> Self {
        RetryPolicy {
            max_retries: 2,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// Never retry.
    pub fn none() -> Self {
        RetryPolicy { max_retries: 0, ..Self::default() }
    }

    /// How many times a request may be sent again (0 disables retries).
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// The wait before the first retry; it doubles with each retry, with
    /// jitter.
    pub fn initial_backoff(mut self, wait: Duration) -> Self {
        self.initial_backoff = wait;
        self
    }

    /// The longest wait between two attempts, also the longest
    /// `Retry-After` that is waited for: a 429 asking for more ends the
    /// call with [`crate::Error::RateLimited`] at once, and holds the
    /// client's other requests back for this long, not for what the
    /// server asked. At most 24 h ([`crate::ClientBuilder::build`]
    /// refuses more).
    pub fn max_backoff(mut self, wait: Duration) -> Self {
        self.max_backoff = wait;
        self
    }

    /// Refuse backoffs beyond what the SDK waits at most.
    pub(crate) fn check(&self) -> crate::Result<()> {
        crate::time::check("retry.initial_backoff", self.initial_backoff, Duration::ZERO)?;
        crate::time::check("retry.max_backoff", self.max_backoff, Duration::ZERO)
    }

    fn backoff(&self, retry: u32) -> Duration {
        let full = self.initial_backoff.saturating_mul(1 << retry.min(16)).min(self.max_backoff);
        // Equal jitter: half fixed, half random, so clients that failed
        // together do not retry together.
        let half = full / 2;
        let random = std::collections::hash_map::RandomState::new().build_hasher().finish();
        half + half.mul_f64((random % 1000) as f64 / 1000.0)
    }
}

/// The state every [`raw::Client`] carries: credentials, user agent, retry
/// policy and the answer size limit. Cheap to clone; its `Debug` output
/// never shows a credential.
#[derive(Clone)]
pub struct Transport {
    inner: Arc<Inner>,
}

struct Inner {
    auth: Auth,
    user_agent: HeaderValue,
    retry: RetryPolicy,
    max_response_bytes: u64,
    /// Whether the HTTP client may follow redirects (the caller's may; the
    /// SDK's never does), so that each answer's URL must be compared with
    /// the request's.
    check_origin: bool,
    /// The client's rate limits, if it has any.
    limiter: Option<Arc<Limiter>>,
    /// How long one attempt may take when the call does not say: the SDK's
    /// own HTTP client's timeout (a caller's HTTP client keeps its own),
    /// which also bounds the attempt's wait in the limiter.
    timeout: Option<Duration>,
}

/// The default `User-Agent`.
pub const DEFAULT_USER_AGENT: &str = concat!("xms-rust/", env!("CARGO_PKG_VERSION"));

/// The default limit on the size of an answer's body: 32 MiB, well above the
/// largest answer XMS gives (a page of 100 batches of 1000 recipients each,
/// with parameters, is a few MiB).
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 32 * 1024 * 1024;

impl Transport {
    /// A transport that sends `Authorization: Bearer <token>` with every
    /// request, with the default user agent, retry policy and answer size
    /// limit.
    ///
    /// ```
    /// let transport = xms::transport::Transport::with_bearer_token("API_TOKEN");
    /// assert!(!format!("{transport:?}").contains("API_TOKEN"));
    /// ```
    pub fn with_bearer_token(token: &str) -> Self {
        let auth =
            bearer_header(token).map(|h| Auth::Bearer(h, Arc::from(token))).unwrap_or(Auth::None);
        Transport::new(
            auth,
            HeaderValue::from_static(DEFAULT_USER_AGENT),
            RetryPolicy::default(),
            DEFAULT_MAX_RESPONSE_BYTES,
            true,
        )
    }

    pub(crate) fn new(
        auth: Auth,
        user_agent: HeaderValue,
        retry: RetryPolicy,
        max_response_bytes: u64,
        check_origin: bool,
    ) -> Self {
        let inner = Inner {
            auth,
            user_agent,
            retry,
            max_response_bytes,
            check_origin,
            limiter: None,
            timeout: None,
        };
        Transport { inner: Arc::new(inner) }
    }

    /// The same transport, with attempts that take at most `timeout` when
    /// the call does not say, the wait in the limiter included.
    pub(crate) fn with_timeout(self, timeout: Option<Duration>) -> Self {
        match Arc::try_unwrap(self.inner) {
            Ok(mut inner) => {
                inner.timeout = timeout;
                Transport { inner: Arc::new(inner) }
            }
            Err(shared) => Transport { inner: shared },
        }
    }

    /// The same transport, paced by `limiter`.
    pub(crate) fn with_limiter(self, limiter: Option<Arc<Limiter>>) -> Self {
        match Arc::try_unwrap(self.inner) {
            Ok(mut inner) => {
                inner.limiter = limiter;
                Transport { inner: Arc::new(inner) }
            }
            Err(shared) => Transport { inner: shared },
        }
    }

    /// The client's rate limits, if it has any.
    pub(crate) fn limiter(&self) -> Option<&Limiter> {
        self.inner.limiter.as_deref()
    }

    pub(crate) fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    pub(crate) fn auth(&self) -> &Auth {
        &self.inner.auth
    }

    /// The credentials of this transport as they could be echoed back.
    pub(crate) fn secrets(&self) -> Secrets {
        match &self.inner.auth {
            Auth::None => Secrets::default(),
            Auth::Bearer(_, token) => Secrets::new([token.to_string()]),
            Auth::ClientCredentials(oauth) => Secrets::new(oauth.secrets()),
        }
    }

    /// Send `request`, retrying as the policy allows.
    ///
    /// A plain `fn` returning an `async move` block, so that the request is
    /// kept once in the future (an `async fn` keeps its arguments and their
    /// moved copies both). Waits that are rare (fetching a token outside an
    /// SDK call, a refresh, the pause before a retry; the limiter boxes its
    /// own) are boxed, so their state is not part of every request's
    /// future.
    #[allow(clippy::manual_async_fn)] // see above
    fn execute<'a, 'b>(
        &'a self,
        client: &'a reqwest::Client,
        mut request: reqwest::Request,
        info: &'b OperationInfo,
    ) -> impl Future<Output = reqwest::Result<reqwest::Response>> + Send + use<'a, 'b> {
        async move {
            let operation = info.operation_id;
            with_call(|c| c.operation = Some(operation));
            let traced =
                crate::telemetry::request(operation, request.method().as_str(), request.url());
            let headers = request.headers_mut();
            headers.remove("api-version");
            // XMS speaks JSON only; progenitor asks for `*/*` where the spec
            // declares no answer body (delete group, delivery feedback).
            headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
            if !headers.contains_key(USER_AGENT) {
                headers.insert(USER_AGENT, self.inner.user_agent.clone());
            }
            // The token sent, kept only where a refresh compares it.
            let mut bearer = None;
            match &self.inner.auth {
                Auth::None => {}
                Auth::Bearer(value, _) => {
                    request.headers_mut().insert(AUTHORIZATION, value.clone());
                }
                Auth::ClientCredentials(oauth) => {
                    let token = match CALL.try_with(|c| c.borrow().bearer.clone()) {
                        Ok(Some(token)) => Some(token),
                        // Outside an SDK call (a `raw` request): fetch here. A
                        // failure shows as the server's 401 for the
                        // unauthenticated request.
                        _ => Box::pin(oauth.bearer()).await.ok(),
                    };
                    if let Some(value) = &token {
                        request.headers_mut().insert(AUTHORIZATION, value.clone());
                    }
                    bearer = token;
                }
            }

            // As the spec states it; an operation it does not know is not.
            let idempotent = crate::raw::operation(operation).is_some_and(|op| op.idempotent);
            with_call(|c| c.idempotent = idempotent);
            let policy = &self.inner.retry;
            let mut retries = 0;
            let mut refreshed = false;
            loop {
                // A second attempt (a retry, or the token sent refreshed)
                // needs a copy of the request; make one only when there can
                // be a second attempt. A body of bytes clones; only a
                // streaming body would not, and then there is none.
                let again = retries < policy.max_retries || (bearer.is_some() && !refreshed);
                let mut spare = if again { copy(&request) } else { None };
                // Boxed: only a caller's HTTP client needs it, and unboxed
                // it would make every request's future 80 bytes larger.
                let url = self.inner.check_origin.then(|| Box::new(request.url().clone()));
                let call_timeout = CALL.try_with(|c| c.borrow().timeout).ok().flatten();
                let mut timeout = call_timeout;
                if let Some(limiter) = &self.inner.limiter {
                    // The attempt's timeout covers its wait for the limiter
                    // (its rate, and a 429's pause).
                    let within = call_timeout.or(self.inner.timeout);
                    match limiter.request(within).await {
                        Some(Duration::ZERO) => {}
                        Some(waited) => timeout = within.map(|t| t.saturating_sub(waited)),
                        None => return Ok(waited_out(within.unwrap_or_default())),
                    }
                }
                if let Some(timeout) = timeout {
                    *request.timeout_mut() = Some(timeout.max(Duration::from_millis(1)));
                }
                let mut was_sent = false;
                with_call(|c| was_sent = std::mem::replace(&mut c.sent, true));
                let result = client.execute(request).await;
                let unprocessed = match &result {
                    Ok(response) => response.status() == StatusCode::TOO_MANY_REQUESTS,
                    Err(e) => e.is_connect(),
                };
                if unprocessed && !was_sent {
                    with_call(|c| c.sent = false);
                }
                if traced {
                    crate::telemetry::attempts(retries + 1);
                    if let Ok(response) = &result {
                        crate::telemetry::status(response.status().as_u16());
                    }
                }

                if let (Ok(response), Auth::ClientCredentials(oauth), Some(sent)) =
                    (&result, &self.inner.auth, &bearer)
                    && response.status() == StatusCode::UNAUTHORIZED
                    && !refreshed
                    && spare.is_some()
                    && says_expired(response.headers())
                {
                    // The token expired in flight: one refresh, shared with
                    // every caller that saw the same token fail.
                    refreshed = true;
                    crate::telemetry::token_expired();
                    if let Ok(fresh) = Box::pin(oauth.refresh(sent)).await
                        && let Some(mut next) = spare.take()
                    {
                        next.headers_mut().insert(AUTHORIZATION, fresh.clone());
                        bearer = Some(fresh);
                        request = next;
                        continue;
                    }
                    // No fresh token: the 401 is the answer.
                }

                let wait = match &result {
                    Ok(response) if response.status() == StatusCode::TOO_MANY_REQUESTS => {
                        let asked = crate::error::retry_after(response.headers());
                        crate::telemetry::rate_limited(asked);
                        if let Some(limiter) = &self.inner.limiter {
                            // Every request of the client waits, not just
                            // this one, at most as long as the policy
                            // waits for one.
                            let pause = asked.unwrap_or(policy.backoff(retries));
                            limiter.pause(pause.min(policy.max_backoff));
                        }
                        match asked {
                            Some(asked) if asked > policy.max_backoff => None,
                            Some(asked) => Some(asked),
                            None => Some(policy.backoff(retries)),
                        }
                    }
                    Ok(response) if idempotent && is_transient(response.status()) => {
                        Some(policy.backoff(retries))
                    }
                    // Refused, timed out or broken off: safe to repeat only
                    // when running the operation twice does no harm.
                    Err(_) if idempotent => Some(policy.backoff(retries)),
                    _ => None,
                };
                if let Some(wait) = wait
                    && retries < policy.max_retries
                    && let Some(next) = spare.take()
                {
                    let reason = match &result {
                        Ok(response) => response.status().as_str().to_owned(),
                        Err(e) if e.is_timeout() => "timeout".to_owned(),
                        Err(_) => "connection".to_owned(),
                    };
                    // The refused answer is let go before the wait.
                    drop(result);
                    crate::telemetry::retry(retries + 1, &reason, wait);
                    retries += 1;
                    Box::pin(tokio::time::sleep(wait)).await;
                    request = next;
                    continue;
                }

                let response = result?;
                match self.buffer(response, url.as_deref()).await {
                    Ok(response) => return Ok(record(response)),
                    // The body broke off or timed out: as transient as a
                    // failure before the headers, and retried the same way.
                    Err(Buffered::Failed(e)) => {
                        if let Some(next) =
                            spare.filter(|_| idempotent && retries < policy.max_retries)
                        {
                            drop(e);
                            let wait = policy.backoff(retries);
                            crate::telemetry::retry(retries + 1, "body broke off", wait);
                            retries += 1;
                            Box::pin(tokio::time::sleep(wait)).await;
                            request = next;
                            continue;
                        }
                        return Err(e);
                    }
                    Err(Buffered::Refused(error, response)) => {
                        with_call(|c| c.failure = Some(error));
                        return Ok(response);
                    }
                }
            }
        }
    }

    /// Read the whole body, up to the limit, so that every later step works
    /// on bytes in memory and a body that breaks off is seen here, where it
    /// can be retried.
    #[allow(clippy::manual_async_fn)] // the response is kept once, as in `execute`
    fn buffer<'a>(
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
fn waited_out(timeout: Duration) -> reqwest::Response {
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
enum Buffered {
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

/// A copy of a request whose body is in memory, for a second attempt;
/// `None` for a streaming body. (`reqwest::Request::try_clone` also sets
/// an empty timeout and copies the extensions, which costs three
/// allocations more on every request.)
fn copy(request: &reqwest::Request) -> Option<reqwest::Request> {
    let body = match request.body() {
        Some(body) => Some(reqwest::Body::from(body.as_bytes()?.to_vec())),
        None => None,
    };
    let mut copy = reqwest::Request::new(request.method().clone(), request.url().clone());
    *copy.headers_mut() = request.headers().clone();
    *copy.version_mut() = request.version();
    if let Some(timeout) = request.timeout() {
        *copy.timeout_mut() = Some(*timeout);
    }
    *copy.body_mut() = body;
    Some(copy)
}

fn is_transient(status: StatusCode) -> bool {
    matches!(status.as_u16(), 500 | 502 | 503 | 504)
}

fn says_expired(headers: &HeaderMap) -> bool {
    headers
        .get_all(WWW_AUTHENTICATE)
        .iter()
        .any(|v| v.to_str().is_ok_and(|v| v.to_ascii_lowercase().contains("expired")))
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth = match &self.inner.auth {
            Auth::None => "none",
            Auth::Bearer(..) => "bearer token (redacted)",
            Auth::ClientCredentials(_) => "OAuth2 client credentials (redacted)",
        };
        f.debug_struct("Transport")
            .field("auth", &auth)
            .field("user_agent", &self.inner.user_agent)
            .field("retry", &self.inner.retry)
            .field("max_response_bytes", &self.inner.max_response_bytes)
            .finish()
    }
}

impl ClientHooks<Transport> for raw::Client {
    // The transport's future itself, without an `async` layer of its own.
    fn exec(
        &self,
        request: reqwest::Request,
        info: &OperationInfo,
    ) -> impl Future<Output = reqwest::Result<reqwest::Response>> {
        self.inner().execute(self.client(), request, info)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_within_bounds() {
        let policy = RetryPolicy::default();
        for retry in 0..10 {
            let full =
                Duration::from_millis(200).saturating_mul(1 << retry).min(Duration::from_secs(5));
            let wait = policy.backoff(retry);
            assert!(
                wait >= full / 2 && wait <= full,
                "retry {retry}: {wait:?} outside {:?}..={full:?}",
                full / 2
            );
        }
    }

    #[test]
    fn debug_hides_the_token() {
        let transport = Transport::with_bearer_token("s3cr3t-token");
        let text = format!("{transport:?}");
        assert!(!text.contains("s3cr3t"), "{text}");
    }
}
