//! How every request of the generated client is sent: the `ClientHooks`
//! implementation the generator requires (`HooksMode::Expected`).
//!
//! For each request the hook removes the `api-version` header progenitor
//! adds (XMS defines none), asks for JSON, sets the user agent and the
//! bearer token, waits for the client's rate limit, and retries when the
//! [`RetryPolicy`] (`retry.rs`) allows. It reads the whole body
//! (`body.rs`), and notes what it learns for the waiting call
//! (`crate::call`), so a body the generated code cannot read still comes
//! back with its status.

use std::{fmt, sync::Arc, time::Duration};

use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::{
    StatusCode,
    header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue, USER_AGENT, WWW_AUTHENTICATE},
};

mod body;
mod retry;

pub use retry::RetryPolicy;

use crate::{
    auth::{Auth, bearer_header},
    call::{CALL, record, with_call},
    error::Secrets,
    limit::Limiter,
    raw,
};
use body::{Buffered, waited_out};

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

            // As the spec states it; a request to a path the spec does
            // not name (`Client::request`) by its method's definition.
            let idempotent = match crate::raw::operation(operation) {
                Some(op) => op.idempotent,
                None => matches!(
                    *request.method(),
                    reqwest::Method::GET
                        | reqwest::Method::HEAD
                        | reqwest::Method::PUT
                        | reqwest::Method::DELETE
                ),
            };
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
    fn debug_hides_the_token() {
        let transport = Transport::with_bearer_token("s3cr3t-token");
        let text = format!("{transport:?}");
        assert!(!text.contains("s3cr3t"), "{text}");
    }
}
