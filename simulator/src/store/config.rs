//! What a plan is configured with (`PlanConfig`), faults to inject, and
//! the plans' request limits.

use super::*;

/// A service plan (or a project) the simulator answers for.
///
/// ```
/// let mut plan = xms_simulator::PlanConfig::new("my-plan", "my-token");
/// plan.throughput = Some(50.0); // messages per second, dispatched in order
/// plan.rate_limit = Some(10.0); // requests per second, then 429
/// let sim = xms_simulator::Simulator::builder().plan(plan).start();
/// assert_eq!(sim.service_plan_id(), "my-plan");
/// ```
#[derive(Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct PlanConfig {
    /// The id in the paths: a service plan id, or a project id.
    pub id: String,
    /// The API token it accepts; none when empty (a project that takes only
    /// OAuth2 access tokens).
    pub token: String,
    /// Where delivery report callbacks go when a batch has no `callback_url`.
    pub callback_url: Option<String>,
    /// Where inbound message callbacks go.
    pub inbound_url: Option<String>,
    /// The secret callbacks are signed with; unsigned when `None`.
    pub signing_secret: Option<String>,
    /// Messages (parts) per second the plan dispatches, batch after batch in
    /// the order they fall due; as fast as they come when `None`.
    pub throughput: Option<f64>,
    /// Requests per second the plan takes before answering 429 with
    /// `Retry-After` (a bucket of one second's worth); no limit when `None`.
    pub rate_limit: Option<f64>,
    /// OAuth2 client credentials (key id, key secret): access tokens from
    /// `POST /oauth2/token` with them are accepted on this id's paths.
    pub key: Option<(String, String)>,
}

impl PlanConfig {
    /// A plan with this id and API token, and nothing else set.
    pub fn new(id: impl Into<String>, token: impl Into<String>) -> PlanConfig {
        PlanConfig { id: id.into(), token: token.into(), ..PlanConfig::default() }
    }

    /// A project that takes OAuth2 access tokens fetched with this key id
    /// and secret (and no API token).
    pub fn project(
        project_id: impl Into<String>,
        key_id: impl Into<String>,
        key_secret: impl Into<String>,
    ) -> PlanConfig {
        PlanConfig {
            id: project_id.into(),
            key: Some((key_id.into(), key_secret.into())),
            ..PlanConfig::default()
        }
    }

    /// Whether a rate (throughput or rate limit) is one the simulator takes:
    /// above 0 and at most a million per second.
    pub fn valid_rate(rate: f64) -> bool {
        rate > 0.0 && rate <= 1e6
    }
}

impl std::fmt::Debug for PlanConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Tokens and secrets are left out.
        f.debug_struct("PlanConfig")
            .field("id", &self.id)
            .field("callback_url", &self.callback_url)
            .field("inbound_url", &self.inbound_url)
            .field("signed", &self.signing_secret.is_some())
            .field("throughput", &self.throughput)
            .field("rate_limit", &self.rate_limit)
            .field("key_id", &self.key.as_ref().map(|k| &k.0))
            .finish()
    }
}

pub(super) type Limiter = governor::DefaultDirectRateLimiter;

/// A request-rate limiter for a plan: a bucket of one second's requests
/// (at least one), refilled at the rate.
pub(super) fn limiter(rate: Option<f64>) -> Option<Limiter> {
    let rate = rate.filter(|r| PlanConfig::valid_rate(*r))?;
    let period = std::time::Duration::from_secs_f64(1.0 / rate);
    let burst = std::num::NonZeroU32::new(rate.ceil() as u32).unwrap_or(std::num::NonZeroU32::MIN);
    let quota = governor::Quota::with_period(period)?.allow_burst(burst);
    Some(governor::RateLimiter::direct(quota))
}

/// One fault to inject into the next XMS request.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fault {
    /// Answer with this status (and `body`) instead of handling the request.
    pub status: Option<u16>,
    /// The body of that answer.
    pub body: String,
    /// Wait this long first.
    pub delay_ms: u64,
    /// Close the connection without a complete answer.
    pub drop: bool,
    /// Handle the request first, then answer with the fault instead of the
    /// real answer: XMS acted on it, but the client cannot know.
    pub processed: bool,
}

/// Take one from a limiter, if there is one: `Err(wait)` when it is spent.
pub(super) fn check(limiter: Option<&Limiter>) -> Result<(), std::time::Duration> {
    use governor::clock::Clock as _;
    let Some(limiter) = limiter else { return Ok(()) };
    limiter.check().map_err(|not_until| {
        not_until.wait_time_from(governor::clock::DefaultClock::default().now())
    })
}

impl State {
    pub fn plan_config(&self, id: &str) -> Option<&PlanConfig> {
        self.plans.get(id).map(|p| &p.config)
    }

    pub fn plan_ids(&self) -> Vec<String> {
        self.plans.keys().cloned().collect()
    }

    pub fn upsert_plan(&mut self, config: PlanConfig) {
        match self.plans.get_mut(&config.id) {
            Some(plan) => {
                plan.limiter = limiter(config.rate_limit);
                plan.config = config;
            }
            None => {
                self.plans.insert(config.id.clone(), Plan::new(config));
            }
        }
    }
}
