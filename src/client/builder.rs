//! [`ClientBuilder`]: credentials, region, endpoint, timeouts, retries and
//! limits, checked when the client is built.

use std::{fmt, sync::Arc, time::Duration};

use reqwest::header::HeaderValue;

use super::Client;
use crate::{
    Error, Result,
    auth::{
        Auth,
        oauth::{DEFAULT_TOKEN_URL, OAuth},
    },
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
pub(super) const MIN_TIMEOUT: Duration = Duration::from_millis(1);

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
