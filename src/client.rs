//! [`Client`] and [`ClientBuilder`]: credentials, region, endpoint, timeouts.

use std::{cell::RefCell, fmt, future::Future, pin::Pin, sync::Arc, task::Poll, time::Duration};

use progenitor_client::{ClientInfo, ResponseValue};
use reqwest::header::HeaderValue;
use serde::de::DeserializeOwned;

use crate::{
    Error, Result,
    auth::{
        Auth,
        oauth::{DEFAULT_TOKEN_URL, OAuth},
    },
    call::{CALL, CallState},
    error::Secrets,
    raw,
    transport::{DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_USER_AGENT, RetryPolicy, Transport},
};

/// The XMS regions.
///
/// A service plan lives in one region; use the region shown in the Sinch
/// dashboard. OAuth2 project credentials work in [`Region::Us`] and
/// [`Region::Eu`] only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Region {
    /// United States (`us`), the default.
    #[default]
    Us,
    /// Europe (`eu`).
    Eu,
    /// Australia (`au`).
    Au,
    /// Brazil (`br`).
    Br,
    /// Canada (`ca`).
    Ca,
}

impl Region {
    /// The region's code in host names: `us`, `eu`, `au`, `br` or `ca`.
    pub fn code(self) -> &'static str {
        match self {
            Region::Us => "us",
            Region::Eu => "eu",
            Region::Au => "au",
            Region::Br => "br",
            Region::Ca => "ca",
        }
    }

    /// The service plan endpoint, `https://{region}.sms.api.sinch.com`.
    pub fn service_plan_endpoint(self) -> String {
        format!("https://{}.sms.api.sinch.com", self.code())
    }

    /// The OAuth2 project endpoint, `https://zt.{region}.sms.api.sinch.com`,
    /// for the regions that have one.
    pub fn project_endpoint(self) -> Option<String> {
        matches!(self, Region::Us | Region::Eu)
            .then(|| format!("https://zt.{}.sms.api.sinch.com", self.code()))
    }
}

/// The endpoint of the original CLX Communications API, for accounts that
/// still use it: `Client::builder().endpoint(LEGACY_CLX_ENDPOINT)`.
pub const LEGACY_CLX_ENDPOINT: &str = "https://api.clxcommunications.com/xms";

/// The XMS client: the entry point of the SDK.
///
/// Cheap to clone (the clones share one connection pool and one OAuth
/// token). Reach the API through its handlers: [`Client::batches`],
/// [`Client::delivery_reports`], [`Client::groups`], [`Client::inbounds`].
///
/// ```no_run
/// # async fn demo() -> Result<(), xms::Error> {
/// let client = xms::Client::new("SERVICE_PLAN_ID", "API_TOKEN");
/// let batch = client
///     .batches()
///     .text("12345", ["+46701234567"], "Hello from Rust")
///     .send()
///     .await?;
/// println!("sent batch {}", batch.id);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<ClientInner>,
    /// How long one attempt may take, overriding the HTTP client's timeout.
    attempt_timeout: Option<Duration>,
    /// How long a whole call may take, retries and backoff included.
    deadline: Option<Duration>,
}

struct ClientInner {
    raw: raw::Client,
    /// The service plan id, or the project id with OAuth2.
    plan: String,
    /// Set when the configuration given to [`Client::new`] cannot work: every
    /// call fails with it before sending anything.
    broken: Option<String>,
}

impl Client {
    /// A client for a service plan in the US region, authenticated with the
    /// plan's API token.
    ///
    /// This never fails; if the id or token cannot be used (empty, or not
    /// valid in a header), every call returns [`Error::Config`] saying so,
    /// before sending anything. Use [`Client::builder`] to get that error at
    /// construction and to set the region, endpoint or timeouts.
    pub fn new(service_plan_id: impl Into<String>, api_token: impl Into<String>) -> Client {
        let plan = service_plan_id.into();
        Client::builder().service_plan(plan.clone(), api_token).build().unwrap_or_else(|e| {
            let message = match e {
                Error::Config { message } => message,
                other => other.to_string(),
            };
            Client::from_parts(
                raw::Client::new_with_client(
                    "http://invalid.invalid",
                    reqwest::Client::new(),
                    Transport::with_bearer_token(""),
                ),
                plan,
                Some(message),
            )
        })
    }

    /// A builder for every setting.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    fn from_parts(raw: raw::Client, plan: String, broken: Option<String>) -> Client {
        Client::with_parts(raw, plan, broken, None)
    }

    fn with_parts(
        raw: raw::Client,
        plan: String,
        broken: Option<String>,
        deadline: Option<Duration>,
    ) -> Client {
        Client {
            inner: Arc::new(ClientInner { raw, plan, broken }),
            attempt_timeout: None,
            deadline,
        }
    }

    /// This client, with calls made through it limited to `timeout` per
    /// attempt (instead of the client's timeout), the attempt's wait for
    /// the client's rate limit included. Cheap: it shares everything else.
    /// A timeout outside 1 ms to 24 h fails each call with
    /// [`Error::Config`] before anything is sent.
    ///
    /// ```no_run
    /// # async fn demo(client: xms::Client) -> Result<(), xms::Error> {
    /// use std::time::Duration;
    /// let quick = client
    ///     .with_timeout(Duration::from_secs(2))
    ///     .with_deadline(Duration::from_secs(5));
    /// let batch = quick.batches().get("01FC66621XXXXX119Z8PMV1QPQ").await?;
    /// # Ok(()) }
    /// ```
    pub fn with_timeout(&self, timeout: Duration) -> Client {
        Client { attempt_timeout: Some(timeout), ..self.clone() }
    }

    /// This client, with each call made through it given at most
    /// `deadline` in all: token fetch, waits for the rate limit and a
    /// 429's pause, every attempt and every backoff wait. Past it the call
    /// ends with [`Error::Timeout`], which says whether the request had
    /// been sent. A deadline outside 1 ms to 24 h fails each call with
    /// [`Error::Config`] before anything is sent.
    pub fn with_deadline(&self, deadline: Duration) -> Client {
        Client { deadline: Some(deadline), ..self.clone() }
    }

    /// The generated low-level client, configured with this client's
    /// endpoint, credentials and retry policy: the escape hatch for anything
    /// the handlers do not cover. Pass [`Client::service_plan_id`] as its
    /// `service_plan_id`.
    pub fn raw(&self) -> &raw::Client {
        &self.inner.raw
    }

    /// The service plan id (or the project id, with OAuth2) in the paths.
    pub fn service_plan_id(&self) -> &str {
        &self.inner.plan
    }

    /// The base URL requests go to (without `/xms/v1/...`).
    pub fn endpoint(&self) -> &str {
        self.inner.raw.baseurl()
    }

    /// Run one generated-client call and turn its outcome into the SDK's
    /// types. `call` gets the raw client and the plan id.
    pub(crate) async fn call<'a, T, E, F, Fut>(&'a self, call: F) -> Result<T>
    where
        F: FnOnce(&'a raw::Client, &'a str) -> Fut + Send,
        Fut: Future<Output = std::result::Result<ResponseValue<T>, progenitor_client::Error<E>>>
            + Send,
        T: DeserializeOwned + Send,
        E: DocumentedError + Send,
    {
        self.call_with_response(call).await.map(|(value, _)| value)
    }

    /// [`Client::call`], also giving the status and headers of the answer,
    /// for a caller that checks the value further and needs them in an error.
    pub(crate) async fn call_with_response<'a, T, E, F, Fut>(
        &'a self,
        call: F,
    ) -> Result<(T, Answer)>
    where
        F: FnOnce(&'a raw::Client, &'a str) -> Fut + Send,
        Fut: Future<Output = std::result::Result<ResponseValue<T>, progenitor_client::Error<E>>>
            + Send,
        T: DeserializeOwned + Send,
        E: DocumentedError + Send,
    {
        if let Some(message) = &self.inner.broken {
            return Err(Error::config(message.clone()));
        }
        // The generated call goes to the heap once, and the rest of the
        // call's work is one function for every operation (`run`): the
        // futures around it stay small (they are moved as they are built),
        // and the crate compiles that work once instead of once per
        // operation.
        let mut outcome = None;
        let slot = &mut outcome;
        let (raw, plan) = (&self.inner.raw, self.inner.plan.as_str());
        let request = Box::pin(async move { *slot = Some(call(raw, plan).await) });
        #[cfg(feature = "tracing")]
        let span = crate::telemetry::call_span();
        // Nobody listens: the call is not wrapped in a span it would enter
        // and leave on every poll.
        #[cfg(feature = "tracing")]
        let ran = if span.is_disabled() {
            self.run(request).await
        } else {
            tracing::Instrument::instrument(self.run(request), span.clone()).await
        };
        #[cfg(not(feature = "tracing"))]
        let ran = self.run(request).await;
        let result = match ran.map(|state| answer(state, outcome)) {
            Err(e) => Err(e),
            Ok(Answered::Done(answered)) => answered,
            // Reading an error may read a body: boxed, so that its state is
            // not part of every call's future.
            Ok(Answered::Failed(failed)) => Box::pin(failure(failed, self)).await,
        };
        #[cfg(feature = "tracing")]
        if let Err(e) = &result {
            crate::telemetry::failed(&span, e.kind());
        }
        // Whatever made the error, a credential it could quote goes here.
        result.map_err(|e| e.redact(&self.secrets()))
    }

    /// Make the request `call` makes, with the token fetched, the call's
    /// state set for the transport and the deadline kept; the state the
    /// transport left is the answer.
    async fn run(&self, call: Pin<Box<dyn Future<Output = ()> + Send + '_>>) -> Result<CallState> {
        // Set per call (`with_deadline`, `with_timeout`), so checked per call.
        if let Some(deadline) = self.deadline {
            crate::time::check("deadline", deadline, MIN_TIMEOUT)?;
        }
        if let Some(timeout) = self.attempt_timeout {
            crate::time::check("timeout", timeout, MIN_TIMEOUT)?;
        }
        let deadline = self.deadline.map(|d| (d, crate::time::from_now(d)));
        let past = |d: Duration, idempotent: bool, request_sent: bool| Error::Timeout {
            source: format!("the call took longer than its deadline of {d:?}").into(),
            idempotent,
            request_sent,
        };
        let mut state = CallState { timeout: self.attempt_timeout, ..CallState::default() };
        if let Auth::ClientCredentials(oauth) = self.inner.raw.inner().auth() {
            // Boxed: most calls find the token cached, and a service plan's
            // calls never come here; unboxed, the fetch's state would make
            // every call's future larger.
            let bearer = Box::pin(oauth.bearer());
            state.bearer = Some(match deadline {
                Some((d, at)) => tokio::time::timeout_at(at, bearer)
                    .await
                    .map_err(|_| past(d, true, false))??,
                None => bearer.await?,
            });
        }
        let call = CALL.scope(RefCell::new(state), call);
        let mut call = std::pin::pin!(call);
        let finished = match deadline {
            None => {
                call.as_mut().await;
                true
            }
            Some((_, at)) => {
                let mut timer = std::pin::pin!(tokio::time::sleep_until(at));
                std::future::poll_fn(|cx| {
                    if call.as_mut().poll(cx).is_ready() {
                        return Poll::Ready(true);
                    }
                    timer.as_mut().poll(cx).map(|()| false)
                })
                .await
            }
        };
        let state = call.as_mut().take_value().map(RefCell::into_inner).unwrap_or_default();
        if !finished {
            // The deadline passed first: the call is dropped where it was.
            let d = deadline.map(|(d, _)| d).unwrap_or_default();
            return Err(past(d, state.idempotent, state.sent));
        }
        Ok(state)
    }

    /// The longest the client's retry policy waits between attempts.
    pub(crate) fn max_backoff(&self) -> Duration {
        self.inner.raw.inner().retry_policy().max_backoff
    }

    /// The client's rate limits, if it has any.
    pub(crate) fn limiter(&self) -> Option<&crate::limit::Limiter> {
        self.inner.raw.inner().limiter()
    }

    /// The credentials of this client as they could be echoed back.
    pub(crate) fn secrets(&self) -> Secrets {
        self.inner.raw.inner().secrets()
    }
}

/// The outcome of a generated call as the SDK's types, with what the
/// transport noted about the answer.
enum Answered<T, E> {
    Done(Result<(T, Answer)>),
    /// An error answer, to be read with [`failure`] (boxed: errors are
    /// rare, and the value answers are small).
    Failed(Box<(progenitor_client::Error<E>, CallState)>),
}

fn answer<T: DeserializeOwned, E: DocumentedError>(
    state: CallState,
    outcome: Option<std::result::Result<ResponseValue<T>, progenitor_client::Error<E>>>,
) -> Answered<T, E> {
    let Some(outcome) = outcome else {
        let reason = "the call ended without an answer".into();
        return Answered::Done(Err(Error::Protocol { reason }));
    };
    if let Some(failure) = state.failure {
        return Answered::Done(Err(failure.for_operation(state.idempotent)));
    }
    match outcome {
        Ok(value) => {
            // The headers the transport noted, rather than another copy.
            let (status, headers) = state
                .response
                .unwrap_or_else(|| (value.status().as_u16(), value.headers().clone()));
            Answered::Done(Ok((value.into_inner(), Answer { status, headers })))
        }
        Err(e) => Answered::Failed(Box::new((e, state))),
    }
}

/// An error answer as the SDK's error. The credentials to redact are
/// gathered only here.
async fn failure<T: DeserializeOwned, E: DocumentedError>(
    failed: Box<(progenitor_client::Error<E>, CallState)>,
    client: &Client,
) -> Result<(T, Answer)> {
    let (error, state) = *failed;
    let secrets = client.secrets();
    map_error(error, state.response, &secrets, state.operation)
        .await
        .map_err(|e| e.for_operation(state.idempotent))
}

/// The status and headers of a successful answer.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: reqwest::header::HeaderMap,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.endpoint())
            .field("service_plan_id", &self.inner.plan)
            .field("transport", self.inner.raw.inner())
            .finish()
    }
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
    response: Option<(u16, reqwest::header::HeaderMap)>,
    secrets: &Secrets,
    operation: Option<&str>,
) -> Result<(T, Answer)> {
    use progenitor_client::Error as RawError;
    match error {
        RawError::ErrorResponse(value) => {
            let status = value.status().as_u16();
            let headers = match response {
                Some((_, headers)) => headers,
                None => value.headers().clone(),
            };
            let body = value.into_inner().to_body();
            Err(crate::error::from_response(status, headers, &body, None, secrets, operation))
        }
        RawError::UnexpectedResponse(answer) => {
            let status = answer.status().as_u16();
            let headers = match response {
                Some((_, headers)) => headers,
                None => answer.headers().clone(),
            };
            // The body is in memory already (the transport read it).
            let body = answer.bytes().await.map_err(Error::from)?;
            if (200..300).contains(&status) {
                // A success with a status the spec does not list (200 for
                // 201, say): take it if the body is what was promised.
                let text: &[u8] = if body.is_empty() { b"null" } else { &body };
                return match serde_json::from_slice(text) {
                    Ok(value) => Ok((value, Answer { status, headers })),
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
        RawError::InvalidResponsePayload(body, parse) => match response {
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

/// Settings for a [`Client`].
///
/// ```no_run
/// use std::time::Duration;
/// use xms::{Client, Region};
///
/// # fn demo() -> Result<(), xms::Error> {
/// let client = Client::builder()
///     .service_plan("SERVICE_PLAN_ID", "API_TOKEN")
///     .region(Region::Eu)
///     .timeout(Duration::from_secs(20))
///     .build()?;
/// # Ok(()) }
/// ```
#[derive(Default)]
pub struct ClientBuilder {
    service_plan: Option<(String, String)>,
    project: Option<(String, String, String)>,
    region: Option<Region>,
    endpoint: Option<String>,
    token_url: Option<String>,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    user_agent: Option<String>,
    http: Option<reqwest::Client>,
    retry: Option<RetryPolicy>,
    max_response_bytes: Option<u64>,
    rate_limit: Option<crate::RateLimit>,
    deadline: Option<Duration>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("service_plan_id", &self.service_plan.as_ref().map(|(id, _)| id))
            .field("project_id", &self.project.as_ref().map(|(id, _, _)| id))
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("token_url", &self.token_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("user_agent", &self.user_agent)
            .field("retry", &self.retry)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Authenticate with a service plan id and its API token (the Sinch
    /// dashboard shows both). Wins over [`ClientBuilder::project`] when both
    /// are given.
    pub fn service_plan(
        mut self,
        service_plan_id: impl Into<String>,
        api_token: impl Into<String>,
    ) -> Self {
        self.service_plan = Some((service_plan_id.into(), api_token.into()));
        self
    }

    /// Authenticate with OAuth2 project credentials: the project id and an
    /// access key's id and secret. Requests go to the project endpoint
    /// (`https://zt.{us|eu}.sms.api.sinch.com`), with tokens from the Sinch
    /// authentication endpoint, cached and renewed before they expire.
    pub fn project(
        mut self,
        project_id: impl Into<String>,
        key_id: impl Into<String>,
        key_secret: impl Into<String>,
    ) -> Self {
        self.project = Some((project_id.into(), key_id.into(), key_secret.into()));
        self
    }

    /// The region (US when not set).
    pub fn region(mut self, region: Region) -> Self {
        self.region = Some(region);
        self
    }

    /// Send requests to this base URL instead of the region's: a proxy, the
    /// [`LEGACY_CLX_ENDPOINT`], or a local server. Give the part before
    /// `/xms/v1/...`; a trailing `/xms` or `/xms/v1` is accepted too.
    pub fn endpoint(mut self, url: impl Into<String>) -> Self {
        self.endpoint = Some(url.into());
        self
    }

    /// Fetch OAuth2 tokens from this URL instead of
    /// `https://auth.sinch.com/oauth2/token`.
    pub fn oauth_token_url(mut self, url: impl Into<String>) -> Self {
        self.token_url = Some(url.into());
        self
    }

    /// The longest one attempt may take (30 s when not set; 1 ms to 24 h),
    /// its wait for the client's rate limit included. Ignored with
    /// [`ClientBuilder::http_client`]: configure that client instead.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The longest connecting may take (10 s when not set; 1 ms to 24 h).
    /// Ignored with [`ClientBuilder::http_client`].
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// The `User-Agent` header (`xms-rust/<version>` when not set).
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Use this `reqwest::Client` (its pool, proxy and TLS settings, and its
    /// timeouts instead of [`ClientBuilder::timeout`]). Build it with
    /// `.redirect(reqwest::redirect::Policy::none())`: XMS never redirects,
    /// and an answer that comes from another URL than the one asked is
    /// refused as [`Error::Redirected`], but only after the request went
    /// there.
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(client);
        self
    }

    /// When to retry failed requests ([`RetryPolicy::default`] when not set).
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = Some(policy);
        self
    }

    /// The largest answer body the client reads, in bytes (32 MiB when not
    /// set: far above the largest answer XMS gives). Reading stops at the
    /// limit with [`Error::ResponseTooLarge`], so a broken or hostile server
    /// cannot make the client hold an unbounded body.
    ///
    /// ```
    /// let client = xms::Client::builder()
    ///     .service_plan("SERVICE_PLAN_ID", "API_TOKEN")
    ///     .max_response_bytes(4 * 1024 * 1024)
    ///     .build()?;
    /// # Ok::<(), xms::Error>(())
    /// ```
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = Some(limit);
        self
    }

    /// Pace this client's requests and sent message parts (none by
    /// default). With or without limits, a 429's `Retry-After` holds
    /// back every request of the client for that long (at most the retry
    /// policy's [`max_backoff`](RetryPolicy::max_backoff)), not only the
    /// refused one.
    pub fn rate_limit(mut self, limit: crate::RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// The longest a whole call may take: token fetch, waits for the rate
    /// limit, every attempt and every wait between them (none by
    /// default; 1 ms to 24 h; each attempt is still bound by
    /// [`ClientBuilder::timeout`]). Past it the call ends with
    /// [`Error::Timeout`]. [`Client::with_deadline`] sets it per call.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = Some(deadline);
        self
    }

    /// Check the settings and build the client.
    pub fn build(self) -> Result<Client> {
        let region = self.region.unwrap_or_default();
        let caller_http = self.http.is_some();
        let timeout = self.timeout.unwrap_or(Duration::from_secs(30));
        let connect_timeout = self.connect_timeout.unwrap_or(Duration::from_secs(10));
        crate::time::check("timeout", timeout, MIN_TIMEOUT)?;
        crate::time::check("connect_timeout", connect_timeout, MIN_TIMEOUT)?;
        if let Some(deadline) = self.deadline {
            crate::time::check("deadline", deadline, MIN_TIMEOUT)?;
        }
        let http = match self.http {
            Some(http) => http,
            None => reqwest::Client::builder()
                .timeout(timeout)
                .connect_timeout(connect_timeout)
                // XMS never redirects; a redirect would send the request,
                // and an SMS body, to another host.
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| Error::config(format!("cannot build the HTTP client: {e}")))?,
        };
        let user_agent = match &self.user_agent {
            Some(ua) => HeaderValue::try_from(ua.as_str()).map_err(|_| {
                Error::config("user_agent must be visible ASCII without line breaks")
            })?,
            None => HeaderValue::from_static(DEFAULT_USER_AGENT),
        };
        let (plan, auth, default_endpoint) = match (self.service_plan, self.project) {
            (Some((plan, token)), _) => {
                path_id("service_plan_id", &plan)?;
                non_empty("api_token", &token)?;
                let header = crate::auth::bearer_header(&token).ok_or_else(|| {
                    Error::config("api_token contains characters that cannot be sent in a header")
                })?;
                (
                    plan,
                    Auth::Bearer(header, Arc::from(token.as_str())),
                    region.service_plan_endpoint(),
                )
            }
            (None, Some((project, key_id, key_secret))) => {
                path_id("project_id", &project)?;
                non_empty("key_id", &key_id)?;
                non_empty("key_secret", &key_secret)?;
                let endpoint = match (region.project_endpoint(), &self.endpoint) {
                    (Some(endpoint), _) => endpoint,
                    (None, Some(_)) => String::new(), // replaced by the custom endpoint below
                    (None, None) => {
                        return Err(Error::config(format!(
                            "OAuth2 project credentials work in the US and EU regions only, \
                             not {:?}; use the service plan id and API token of the {} plan \
                             instead",
                            region,
                            region.code()
                        )));
                    }
                };
                let token_url = self.token_url.unwrap_or_else(|| DEFAULT_TOKEN_URL.to_string());
                let oauth = OAuth::new(http.clone(), token_url, key_id, key_secret);
                (project, Auth::ClientCredentials(Arc::new(oauth)), endpoint)
            }
            (None, None) => {
                return Err(Error::config(
                    "no credentials: call service_plan(id, token) or \
                     project(project_id, key_id, key_secret)",
                ));
            }
        };
        let endpoint = match self.endpoint {
            Some(url) => normalize_endpoint(&url)?,
            None => default_endpoint,
        };
        // Always a limiter: without limits it still holds every request
        // back while a 429's `Retry-After` runs.
        let limit = self.rate_limit.unwrap_or_default();
        limit.check().map_err(|e| match e {
            Error::InvalidRequest { field, rule } => Error::config(format!("{field} {rule}")),
            other => other,
        })?;
        let limiter = Some(Arc::new(crate::limit::Limiter::new(&limit)));
        let retry = self.retry.unwrap_or_default();
        retry.check()?;
        let transport = Transport::new(
            auth,
            user_agent,
            retry,
            self.max_response_bytes.unwrap_or(DEFAULT_MAX_RESPONSE_BYTES),
            caller_http,
        )
        .with_limiter(limiter)
        .with_timeout((!caller_http).then_some(timeout));
        let raw = raw::Client::new_with_client(&endpoint, http, transport);
        Ok(Client::with_parts(raw, plan, None, self.deadline))
    }
}

/// The shortest timeout or deadline a caller may set.
const MIN_TIMEOUT: Duration = Duration::from_millis(1);

fn non_empty(field: &str, value: &str) -> Result<()> {
    if value.trim().is_empty() {
        return Err(Error::config(format!("{field} is empty")));
    }
    Ok(())
}

/// An id that goes into every path: the same rule as the ids of requests.
fn path_id(field: &str, value: &str) -> Result<()> {
    non_empty(field, value)?;
    crate::validate::id(field, value).map_err(|e| match e {
        Error::InvalidRequest { field, rule } => Error::config(format!("{field} {rule}")),
        other => other,
    })
}

/// The base URL without a trailing `/`, `/xms` or `/xms/v1`.
fn normalize_endpoint(url: &str) -> Result<String> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| Error::config(format!("endpoint {url:?} is not a URL: {e}")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Error::config(format!("endpoint {url:?} must be http or https")));
    }
    let mut base = url.trim_end_matches('/');
    for suffix in ["/xms/v1", "/xms"] {
        if let Some(stripped) = base.strip_suffix(suffix) {
            base = stripped;
            break;
        }
    }
    Ok(base.to_string())
}

pub(crate) mod sealed {
    /// Only the crate's two clients are [`AnyClient`](super::AnyClient)s.
    pub trait Sealed {}
    impl Sealed for crate::Client {}
}

/// What the handlers and builders hold: the async [`Client`] or the
/// [`blocking::Client`](crate::blocking::Client). The same handler and builder
/// types serve both; with the async client their final method returns a
/// future, with the blocking one it waits. Sealed: only these two implement it.
///
/// ```
/// fn batches<C: xms::AnyClient>(client: &xms::batches::Batches<C>) -> &xms::batches::Batches<C> {
///     client
/// }
/// let client = xms::Client::new("SERVICE_PLAN_ID", "API_TOKEN");
/// batches(&client.batches());
/// ```
pub trait AnyClient: sealed::Sealed + Clone + Send + Sync + 'static {
    #[doc(hidden)]
    fn client(&self) -> &Client;
}

impl AnyClient for Client {
    fn client(&self) -> &Client {
        self
    }
}
