//! Durations that come from a server (`Retry-After`, a token's lifetime)
//! or a caller (timeouts, deadlines, backoff, rates), bounded before they
//! meet the clock: adding an unbounded duration to an instant panics.

use std::time::Duration;

use crate::{Error, Result};

/// The longest any setting may last, and the longest the SDK ever waits
/// on its own: one day. A call that should take longer is a mistake, and
/// a server that asks for more is answered with this.
pub(crate) const LONGEST: Duration = Duration::from_secs(24 * 60 * 60);

/// The instant `wait` after `now`, with `wait` bounded by [`LONGEST`]; it
/// never panics.
pub(crate) fn after(now: tokio::time::Instant, wait: Duration) -> tokio::time::Instant {
    now.checked_add(wait.min(LONGEST)).unwrap_or(now)
}

/// `wait` from now, bounded as [`after`] bounds it.
pub(crate) fn from_now(wait: Duration) -> tokio::time::Instant {
    after(tokio::time::Instant::now(), wait)
}

/// The same for std's clock.
pub(crate) fn std_from_now(wait: Duration) -> std::time::Instant {
    let now = std::time::Instant::now();
    now.checked_add(wait.min(LONGEST)).unwrap_or(now)
}

/// Refuse a caller's duration outside `min..=LONGEST`, naming the setting
/// and the range.
pub(crate) fn check(setting: &str, value: Duration, min: Duration) -> Result<()> {
    if value < min || value > LONGEST {
        return Err(Error::config(format!(
            "{setting} must be between {} and 24 h (it is {})",
            show(min),
            show(value)
        )));
    }
    Ok(())
}

/// A duration as people write it: `0 s`, `250 ms`, `1.5 s`, or seconds
/// for the absurdly large.
fn show(d: Duration) -> String {
    if d.is_zero() {
        "0 s".to_owned()
    } else if d < Duration::from_secs(1) && d.subsec_nanos().is_multiple_of(1_000_000) {
        format!("{} ms", d.as_millis())
    } else if d < Duration::from_secs(1) {
        format!("{d:?}")
    } else {
        format!("{} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_never_overflow() {
        let now = tokio::time::Instant::now();
        assert_eq!(after(now, Duration::MAX), now + LONGEST);
        assert_eq!(after(now, Duration::from_secs(3)), now + Duration::from_secs(3));
        let _ = std_from_now(Duration::MAX);
        let _ = from_now(Duration::MAX);
    }

    #[test]
    fn a_setting_out_of_range_names_itself_and_the_range() {
        let e = check("deadline", Duration::MAX, Duration::from_millis(1)).unwrap_err();
        let text = e.to_string();
        assert!(text.contains("deadline must be between 1 ms and 24 h"), "{text}");
        assert!(check("deadline", Duration::ZERO, Duration::from_millis(1)).is_err());
        assert!(check("deadline", Duration::from_millis(1), Duration::from_millis(1)).is_ok());
        assert!(check("backoff", Duration::ZERO, Duration::ZERO).is_ok());
        assert!(check("backoff", LONGEST, Duration::ZERO).is_ok());
        assert!(check("backoff", LONGEST + Duration::from_nanos(1), Duration::ZERO).is_err());
    }
}
