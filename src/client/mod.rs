//! [`Client`], the entry point, and what its calls share: running one
//! generated-client call with the call state, the token and the deadline,
//! and the sealed [`AnyClient`] the handlers are generic over. Its settings
//! are [`ClientBuilder`] (`builder.rs`).

mod builder;
mod request;

use std::{cell::RefCell, fmt, future::Future, pin::Pin, sync::Arc, task::Poll, time::Duration};

use progenitor_client::{ClientInfo, ResponseValue};
use serde::de::DeserializeOwned;

pub use builder::{ClientBuilder, LEGACY_CLX_ENDPOINT, Region};

use crate::{
    Error, Result,
    auth::Auth,
    call::{CALL, CallState},
    error::{DocumentedError, Outcome, ResponseHead, Secrets},
    raw,
    transport::Transport,
};

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
    ) -> Result<(T, ResponseHead)>
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
        let result = match ran.map(|state| crate::error::outcome(state, outcome)) {
            Err(e) => Err(e),
            Ok(Outcome::Done(done)) => done,
            // Reading an error may read a body: boxed, so that its state is
            // not part of every call's future.
            Ok(Outcome::Failed(failed)) => {
                Box::pin(crate::error::failure(failed, &self.secrets())).await
            }
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
            crate::time::check("deadline", deadline, builder::MIN_TIMEOUT)?;
        }
        if let Some(timeout) = self.attempt_timeout {
            crate::time::check("timeout", timeout, builder::MIN_TIMEOUT)?;
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

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("endpoint", &self.endpoint())
            .field("service_plan_id", &self.inner.plan)
            .field("transport", self.inner.raw.inner())
            .finish()
    }
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
