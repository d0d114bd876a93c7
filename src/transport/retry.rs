//! [`RetryPolicy`]: when a request is sent again, and how long to wait.

use std::{
    hash::{BuildHasher, Hasher},
    time::Duration,
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
    pub(super) max_retries: u32,
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

    pub(super) fn backoff(&self, retry: u32) -> Duration {
        let full = self.initial_backoff.saturating_mul(1 << retry.min(16)).min(self.max_backoff);
        // Equal jitter: half fixed, half random, so clients that failed
        // together do not retry together.
        let half = full / 2;
        let random = std::collections::hash_map::RandomState::new().build_hasher().finish();
        half + half.mul_f64((random % 1000) as f64 / 1000.0)
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
}
