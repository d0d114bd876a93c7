//! Who may call: plans' API tokens, OAuth2 access tokens and their
//! issuing, and the request limits of plans and of the token endpoint.

use super::*;

/// How an access token stands.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Access {
    Valid,
    Expired,
    Unknown,
}

impl State {
    /// An access token for the plan whose key this is, or `None` when no
    /// plan has this key id and secret.
    pub fn issue_token(&mut self, key_id: &str, key_secret: &str) -> Option<(String, u64)> {
        let plan = self.plans.values().find(|p| {
            p.config.key.as_ref().is_some_and(|(id, secret)| id == key_id && secret == key_secret)
        })?;
        let plan = plan.config.id.clone();
        let now = std::time::Instant::now();
        if self.tokens.len() >= 10_000 {
            self.tokens.retain(|_, (_, expires)| *expires > now);
        }
        self.counter += 1;
        self.tokens_issued += 1;
        let token = format!("sim-access-{}-{:x}", self.counter, random());
        self.tokens.insert(token.clone(), (plan, now + self.token_lifetime));
        Some((token, self.token_lifetime.as_secs()))
    }

    /// How an access token stands for a plan's paths.
    pub fn access(&self, plan: &str, token: &str) -> Access {
        match self.tokens.get(token) {
            Some((p, expires)) if p == plan => {
                if *expires > std::time::Instant::now() {
                    Access::Valid
                } else {
                    Access::Expired
                }
            }
            _ => Access::Unknown,
        }
    }

    /// Expire every access token issued so far, now.
    pub fn expire_tokens(&mut self) -> usize {
        let now = std::time::Instant::now();
        for (_, expires) in self.tokens.values_mut() {
            *expires = (*expires).min(now);
        }
        self.tokens.len()
    }

    /// Take one request from the plan's rate limit: `Err(wait)` when it is
    /// spent, with how long until the next request is let through.
    pub fn admit(&self, id: &str) -> Result<(), std::time::Duration> {
        check(self.plans.get(id).and_then(|p| p.limiter.as_ref()))
    }

    /// Limit the token endpoint to a bucket of `burst` requests refilled
    /// at `per_second` (Sinch's is about 30 and 10).
    pub fn limit_tokens(&mut self, burst: u32, per_second: f64) {
        let Some(burst) = std::num::NonZeroU32::new(burst) else { return };
        self.token_limiter = PlanConfig::valid_rate(per_second)
            .then(|| std::time::Duration::from_secs_f64(1.0 / per_second))
            .and_then(governor::Quota::with_period)
            .map(|q| governor::RateLimiter::direct(q.allow_burst(burst)));
    }

    /// Take one request from the token endpoint's rate limit.
    pub fn admit_token(&self) -> Result<(), std::time::Duration> {
        check(self.token_limiter.as_ref())
    }
}
