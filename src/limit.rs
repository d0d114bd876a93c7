//! Client-side rate limits: requests per second and message parts per
//! second, so that an app stays inside its service plan's throughput instead
//! of finding it through 429s. The buckets are governor's (GCRA), on a clock
//! of std's monotonic time; waiting is tokio's. (governor's own clocks and
//! waiting need its `std` feature, and with it parking_lot, futures-timer
//! and futures-sink in every app's build.)

use std::{num::NonZeroU32, sync::Mutex, time::Duration};

use governor::{Quota, RateLimiter, clock::Clock, nanos::Nanos};

use crate::{Error, Result};

/// How fast a client (or one bulk send) may go. Each limit is a bucket of
/// one second's worth, refilled at the rate: a short burst, then the rate.
///
/// ```
/// use xms::RateLimit;
/// let client = xms::Client::builder()
///     .service_plan("SERVICE_PLAN_ID", "API_TOKEN")
///     .rate_limit(RateLimit::new().requests_per_second(20.0).messages_per_second(100.0))
///     .build()?;
/// # Ok::<(), xms::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RateLimit {
    requests_per_second: Option<f64>,
    messages_per_second: Option<f64>,
}

impl RateLimit {
    /// No limit (add one with the setters).
    pub fn new() -> RateLimit {
        RateLimit::default()
    }

    /// At most this many requests a second, every operation counted.
    pub fn requests_per_second(mut self, rate: f64) -> Self {
        self.requests_per_second = Some(rate);
        self
    }

    /// At most this many message parts a second in sends: recipients
    /// times parts (counted as [`crate::encoding`] does, per recipient
    /// when the text has parameters; a group id counts as one
    /// recipient). The service plan's throughput is counted the same way.
    pub fn messages_per_second(mut self, rate: f64) -> Self {
        self.messages_per_second = Some(rate);
        self
    }

    pub(crate) fn check(&self) -> Result<()> {
        for (field, rate) in [
            ("rate_limit.requests_per_second", self.requests_per_second),
            ("rate_limit.messages_per_second", self.messages_per_second),
        ] {
            if let Some(rate) = rate
                && !(rate.is_finite() && (SLOWEST..=FASTEST).contains(&rate))
            {
                let shown = if rate != 0.0 && !(1e-3..1e12).contains(&rate.abs()) {
                    format!("{rate:e}")
                } else {
                    format!("{rate}")
                };
                return Err(Error::invalid(
                    field,
                    format!("must be between 1/86400 (one a day) and 1e9 a second (it is {shown})"),
                ));
            }
        }
        Ok(())
    }

    pub(crate) fn is_none(&self) -> bool {
        self.requests_per_second.is_none() && self.messages_per_second.is_none()
    }
}

/// The slowest rate a limit may have: one a day.
const SLOWEST: f64 = 1.0 / 86_400.0;

/// The fastest rate a limit may have.
const FASTEST: f64 = 1e9;

/// Monotonic time since the bucket was made, for governor.
#[derive(Clone, Debug)]
struct Monotonic(std::time::Instant);

impl Clock for Monotonic {
    type Instant = Nanos;

    fn now(&self) -> Nanos {
        Nanos::from(self.0.elapsed())
    }
}

type Gcra = RateLimiter<
    governor::state::NotKeyed,
    governor::state::InMemoryState,
    Monotonic,
    governor::middleware::NoOpMiddleware<Nanos>,
>;

/// A bucket, its clock and its size.
struct Bucket {
    bucket: Gcra,
    clock: Monotonic,
    burst: NonZeroU32,
}

impl Bucket {
    /// Take `n` now if the bucket has room for them; when it says `false`,
    /// nothing was taken.
    fn try_take(&self, n: NonZeroU32) -> bool {
        matches!(self.bucket.check_n(n), Ok(Ok(())))
    }
}

fn bucket(rate: Option<f64>) -> Option<Bucket> {
    let rate = rate?;
    let burst =
        NonZeroU32::new(rate.ceil().min(f64::from(u32::MAX)) as u32).unwrap_or(NonZeroU32::MIN);
    // The rate was checked (`RateLimit::check`), so its period fits; a
    // value that does not is no limit rather than a panic.
    let period = Duration::try_from_secs_f64(1.0 / rate).ok()?;
    let quota = Quota::with_period(period)?.allow_burst(burst);
    let clock = Monotonic(std::time::Instant::now());
    Some(Bucket { bucket: RateLimiter::direct_with_clock(quota, clock.clone()), clock, burst })
}

/// The running limits of a client or a bulk send, and a pause that a 429's
/// `Retry-After` sets for every request, not just the refused one.
pub(crate) struct Limiter {
    requests: Option<Bucket>,
    messages: Option<Bucket>,
    paused_until: Mutex<Option<tokio::time::Instant>>,
}

impl Limiter {
    /// The limiter for checked limits.
    pub(crate) fn new(limit: &RateLimit) -> Limiter {
        Limiter {
            requests: bucket(limit.requests_per_second),
            messages: bucket(limit.messages_per_second),
            paused_until: Mutex::new(None),
        }
    }

    /// Whether sends must count their message parts for it.
    pub(crate) fn limits_messages(&self) -> bool {
        self.messages.is_some()
    }

    /// Wait until a request may go, at most `within`: how long it waited
    /// (zero when it went at once), or `None` when `within` ran out first
    /// (and then nothing was taken from the bucket). A request that may go
    /// at once does not wait, and the wait is boxed: the caller's future
    /// holds a pointer, not the state of a wait that most requests never
    /// make.
    pub(crate) async fn request(&self, within: Option<Duration>) -> Option<Duration> {
        if self.try_request() {
            return Some(Duration::ZERO);
        }
        Box::pin(self.request_later(within)).await
    }

    async fn request_later(&self, within: Option<Duration>) -> Option<Duration> {
        let started = tokio::time::Instant::now();
        let wait = async {
            self.pause_over().await;
            if let Some(requests) = &self.requests {
                take(requests, NonZeroU32::MIN, "requests").await;
            }
        };
        match within {
            None => wait.await,
            Some(within) => {
                tokio::time::timeout_at(crate::time::after(started, within), wait).await.ok()?
            }
        }
        Some(started.elapsed())
    }

    /// Let a request go now if it may: no pause runs and the request bucket
    /// (if any) has room, which this takes. When it says `false`, nothing
    /// was taken.
    fn try_request(&self) -> bool {
        if self.pause_left().is_some() {
            return false;
        }
        self.requests.as_ref().is_none_or(|requests| requests.try_take(NonZeroU32::MIN))
    }

    /// Wait until `parts` message parts may go. As for a request, parts
    /// that fit in the bucket now go without waiting, and the wait is boxed.
    pub(crate) async fn messages(&self, parts: u64) {
        let Some(messages) = &self.messages else { return };
        match u32::try_from(parts).map(NonZeroU32::new) {
            Ok(None) => {}
            Ok(Some(n)) if messages.try_take(n) => {}
            _ => Box::pin(take_parts(messages, parts)).await,
        }
    }

    /// Hold every request back for `wait` (a 429 said so; the caller
    /// bounds it by its policy, and the clock by a day).
    pub(crate) fn pause(&self, wait: Duration) {
        let until = crate::time::from_now(wait);
        if let Ok(mut paused) = self.paused_until.lock() {
            *paused = Some(paused.map_or(until, |p| p.max(until)));
        }
    }

    /// The end of the pause a 429 set, while it runs.
    fn pause_left(&self) -> Option<tokio::time::Instant> {
        let until = self.paused_until.lock().ok().and_then(|p| *p);
        until.filter(|u| *u > tokio::time::Instant::now())
    }

    async fn pause_over(&self) {
        if let Some(until) = self.pause_left() {
            tokio::time::sleep_until(until).await;
        }
    }
}

/// Take `parts` from a bucket, at most its burst at a time.
async fn take_parts(limit: &Bucket, parts: u64) {
    let mut left = parts;
    while left > 0 {
        let n = left.min(u64::from(limit.burst.get())) as u32;
        take(limit, NonZeroU32::new(n).unwrap_or(NonZeroU32::MIN), "messages").await;
        left -= u64::from(n);
    }
}

/// Take `n` (at most the burst) from a bucket, waiting as long as it says.
async fn take(limit: &Bucket, n: NonZeroU32, what: &'static str) {
    loop {
        match limit.bucket.check_n(n) {
            Ok(Ok(())) => return,
            Ok(Err(not_until)) => {
                let wait = not_until.wait_time_from(limit.clock.now());
                crate::telemetry::limiter_wait(what, wait);
                tokio::time::sleep(wait).await
            }
            // More than the bucket holds: cannot happen, n is capped.
            Err(_) => return,
        }
    }
}

impl std::fmt::Debug for Limiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Limiter")
            .field("requests", &self.requests.as_ref().map(|s| s.burst))
            .field("messages", &self.messages.as_ref().map(|s| s.burst))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_goes_at_once_while_the_bucket_has_room() {
        // A burst of one second's worth: two go at once, the third does not,
        // and a refused try takes nothing.
        let limiter = Limiter::new(&RateLimit::new().requests_per_second(2.0));
        assert!(limiter.try_request());
        assert!(limiter.try_request());
        assert!(!limiter.try_request());
        assert!(!limiter.try_request());
    }

    #[test]
    fn without_limits_only_a_pause_holds_a_request_back() {
        let limiter = Limiter::new(&RateLimit::new());
        assert!((0..1000).all(|_| limiter.try_request()));
        limiter.pause(Duration::from_secs(60));
        assert!(!limiter.try_request());
    }

    #[tokio::test]
    async fn message_parts_go_at_once_while_they_fit_and_wait_beyond() {
        let limiter = Limiter::new(&RateLimit::new().messages_per_second(20.0));
        let bucket = limiter.messages.as_ref().expect("a message bucket");
        limiter.messages(0).await;
        limiter.messages(20).await;
        assert!(!bucket.try_take(NonZeroU32::MIN), "the 20 parts were taken, and no more");
        // More than the burst in one send: split, and paced. 30 parts on a
        // fresh bucket of 20 refilled at 20 a second cannot all go before
        // half a second (a lower bound, which holds however slow the
        // machine).
        let limiter = Limiter::new(&RateLimit::new().messages_per_second(20.0));
        let started = std::time::Instant::now();
        limiter.messages(30).await;
        assert!(started.elapsed() >= Duration::from_millis(400), "{:?}", started.elapsed());
    }

    #[tokio::test]
    async fn a_request_refused_at_once_waits_for_the_bucket() {
        let started = std::time::Instant::now();
        let limiter = Limiter::new(&RateLimit::new().requests_per_second(2.0));
        assert!(limiter.try_request() && limiter.try_request());
        assert!(!limiter.try_request());
        assert_eq!(limiter.request(Some(Duration::from_millis(1))).await, None, "ran out");
        assert!(limiter.request(None).await.is_some());
        // The third request conforms half a second after the first two (a
        // lower bound on the wait, which holds however slow the machine).
        assert!(started.elapsed() >= Duration::from_millis(400), "{:?}", started.elapsed());
        assert!(!limiter.try_request(), "request() took the token it waited for");
    }
}
