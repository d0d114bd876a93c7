//! Durations from servers and callers: any `Retry-After`, deadline,
//! timeout, backoff or rate ends in a value, a typed error or a bounded
//! wait, never a panic; a server's `Retry-After` holds the client back no
//! longer than its retry policy allows; a call's deadline and timeout cover
//! its waits in the limiter, and a call cut there says nothing was sent.

use std::{future::Future, time::Duration};

use proptest::prelude::*;
use serde_json::json;
use xms::{Error, RateLimit, RetryPolicy};

use crate::support::{PLAN, Scripted, Step, TOKEN};

/// A liveness guard: every wait here is bounded by the SDK, so a call that
/// is still running after this long is a defect (a held client), not a
/// slow machine.
const GUARD: Duration = Duration::from_secs(20);

async fn guarded<T>(what: &str, call: impl Future<Output = T>) -> T {
    tokio::time::timeout(GUARD, call)
        .await
        .unwrap_or_else(|_| panic!("{what} was still waiting after {GUARD:?}"))
}

fn batch() -> Step {
    Step::json(201, json!({"id": "b1", "type": "mt_text", "to": ["1"], "body": "x"}))
}

fn rate_limited(retry_after: &str) -> Step {
    Step::Reply(429, vec![("retry-after", retry_after.to_owned())], Vec::new())
}

fn builder(url: &str) -> xms::ClientBuilder {
    xms::Client::builder().service_plan(PLAN, TOKEN).endpoint(url)
}

async fn send(client: &xms::Client) -> Result<xms::batches::TextBatch, Error> {
    client.batches().text("12345", ["+46701234567"], "Hi").send().await
}

#[tokio::test]
async fn huge_retry_after_values_neither_panic_nor_hold_the_client() {
    for asked in [
        "18446744073709551615",
        "9223372036854775807",
        "1e300",
        "3600",
        "Fri, 31 Dec 9999 23:59:59 GMT",
    ] {
        let server = Scripted::start(vec![rate_limited(asked), batch()]).await;
        let policy = RetryPolicy::default()
            .max_retries(2)
            .initial_backoff(Duration::from_millis(5))
            .max_backoff(Duration::from_millis(200));
        let client = builder(&server.url).retry(policy).build().unwrap();
        let first = guarded("the refused call", send(&client)).await;
        match first {
            // Longer than max_backoff: not waited for, the call ends.
            Err(Error::RateLimited { retry_after, .. }) => {
                assert!(retry_after.is_some_and(|w| w > Duration::from_millis(200)), "{asked}")
            }
            other => panic!("{asked}: {other:?}"),
        }
        // The next call waits at most max_backoff for the pause, then goes
        // (it was: an hour, or a panic adding the wait to the clock).
        guarded("the next call", send(&client)).await.unwrap_or_else(|e| panic!("{asked}: {e}"));
        assert_eq!(server.requests().len(), 2, "{asked}");
    }
}

#[tokio::test]
async fn a_retry_after_of_an_hour_pauses_the_client_for_its_max_backoff_only() {
    let server = Scripted::start(vec![rate_limited("3600"), batch()]).await;
    let policy = RetryPolicy::default().max_backoff(Duration::from_secs(1));
    let client = builder(&server.url).retry(policy).build().unwrap();
    let refused = guarded("the refused call", send(&client)).await.unwrap_err();
    assert_eq!(refused.retry_after(), Some(Duration::from_secs(3600)), "{refused:?}");
    guarded("the next call", send(&client)).await.unwrap();
}

#[tokio::test]
async fn a_call_cut_while_it_waits_in_a_429_pause_sent_nothing() {
    let server = Scripted::start(vec![rate_limited("5"), batch()]).await;
    // No retries: the 429 ends the first call and pauses the client 5 s.
    let policy = RetryPolicy::none().max_backoff(Duration::from_secs(10));
    let client = builder(&server.url).retry(policy).build().unwrap();
    let refused = send(&client).await.unwrap_err();
    assert!(matches!(refused, Error::RateLimited { .. }), "{refused:?}");
    for (how, cut) in [
        ("deadline", client.with_deadline(Duration::from_millis(300))),
        ("timeout", client.with_timeout(Duration::from_millis(300))),
    ] {
        let error = guarded(how, send(&cut)).await.unwrap_err();
        assert!(
            matches!(error, Error::Timeout { request_sent: false, .. }),
            "{how}: a send cut in the pause, {error:?}"
        );
        assert!(!error.may_have_been_processed() && error.is_safe_to_repeat(), "{how}");
        assert!(error.to_string().contains("nothing reached XMS"), "{how}: {error}");
    }
    assert_eq!(server.requests().len(), 1, "only the refused send was written");
}

#[tokio::test]
async fn a_send_cut_while_it_waits_for_the_message_rate_sent_nothing() {
    let server = Scripted::start(vec![batch()]).await;
    let client =
        builder(&server.url).rate_limit(RateLimit::new().messages_per_second(1.0)).build().unwrap();
    send(&client).await.unwrap();
    // The bucket is empty for the next second.
    let error = guarded("the cut send", send(&client.with_deadline(Duration::from_millis(300))))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Timeout { request_sent: false, .. }), "{error:?}");
    assert!(error.is_safe_to_repeat());
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_request_cut_while_it_waits_for_the_request_rate_sent_nothing() {
    let server = Scripted::start(vec![batch()]).await;
    let client =
        builder(&server.url).rate_limit(RateLimit::new().requests_per_second(1.0)).build().unwrap();
    send(&client).await.unwrap();
    let error = guarded("the cut send", send(&client.with_timeout(Duration::from_millis(200))))
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Timeout { request_sent: false, .. }), "{error:?}");
    assert!(
        std::error::Error::source(&error).is_some_and(|s| s.to_string().contains("rate limit")),
        "{error:?}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn the_longest_durations_are_refused_by_name_not_panicked_on() {
    let server = Scripted::start(vec![batch()]).await;
    for (setting, built) in [
        ("deadline", builder(&server.url).deadline(Duration::MAX).build()),
        ("timeout", builder(&server.url).timeout(Duration::MAX).build()),
        ("connect_timeout", builder(&server.url).connect_timeout(Duration::MAX).build()),
        (
            "retry.max_backoff",
            builder(&server.url).retry(RetryPolicy::default().max_backoff(Duration::MAX)).build(),
        ),
        (
            "rate_limit.requests_per_second",
            builder(&server.url).rate_limit(RateLimit::new().requests_per_second(1e-20)).build(),
        ),
        (
            "rate_limit.messages_per_second",
            builder(&server.url).rate_limit(RateLimit::new().messages_per_second(1e-20)).build(),
        ),
    ] {
        let error = built.unwrap_err();
        assert!(
            matches!(&error, Error::Config { message, .. } if message.starts_with(setting)
                && message.contains(" and ")),
            "{setting}: {error}"
        );
    }
    // Per call: refused before anything is sent.
    let client = builder(&server.url).build().unwrap();
    for (setting, client) in [
        ("deadline", client.with_deadline(Duration::MAX)),
        ("timeout", client.with_timeout(Duration::MAX)),
    ] {
        let error = send(&client).await.unwrap_err();
        assert!(
            matches!(&error, Error::Config { message, .. } if message.starts_with(setting)),
            "{error}"
        );
    }
    assert!(server.requests().is_empty());
}

/// `Retry-After` as servers could write it: numbers of every size, in every
/// notation, dates of any year, and text.
fn retry_after_value() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<u64>().prop_map(|n| n.to_string()),
        (0u64..3).prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|f| f.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        (1u32..10_000, 0u32..24).prop_map(|(y, h)| format!("Mon, 01 Jan {y:04} {h:02}:00:00 GMT")),
        "[ -~]{0,40}",
    ]
}

/// A duration from a nanosecond to `Duration::MAX`, the edges favoured.
fn any_duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        Just(Duration::ZERO),
        Just(Duration::MAX),
        Just(Duration::from_secs(86_400)),
        Just(Duration::from_secs(86_401)),
        (0u64..5_000).prop_map(Duration::from_millis),
        (any::<u64>(), 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
    ]
}

fn any_rate() -> impl Strategy<Value = f64> {
    prop_oneof![
        any::<f64>(),
        Just(f64::MIN_POSITIVE),
        Just(1e-20),
        Just(1.0 / 86_400.0),
        Just(1e9),
        Just(1e10),
        0.001f64..1e6,
    ]
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn any_retry_after_gives_a_value_or_rate_limited_and_a_free_client(asked in retry_after_value()) {
        runtime().block_on(async {
            let server = Scripted::start(vec![rate_limited(&asked), batch()]).await;
            let policy = RetryPolicy::default()
                .max_retries(1)
                .initial_backoff(Duration::from_millis(1))
                .max_backoff(Duration::from_millis(100));
            let client = builder(&server.url).retry(policy).build().unwrap();
            match guarded("the first call", send(&client)).await {
                Ok(_) => {}
                Err(Error::RateLimited { retry_after: Some(wait), .. }) => {
                    assert!(wait > Duration::from_millis(100), "{asked:?}: {wait:?} was waitable")
                }
                Err(other) => panic!("{asked:?}: {other:?}"),
            }
            // Whatever was asked, the client is free again within its policy.
            guarded("the next call", send(&client)).await.unwrap();
            assert!(server.requests().len() <= 3);
        });
    }

    #[test]
    fn any_deadline_or_timeout_is_used_or_refused_by_name(d in any_duration(), which in 0usize..5) {
        runtime().block_on(async {
            let server = Scripted::start(vec![batch()]).await;
            let base = builder(&server.url);
            let (setting, client) = match which {
                0 => ("deadline", base.deadline(d).build()),
                1 => ("timeout", base.timeout(d).build()),
                2 => ("connect_timeout", base.connect_timeout(d).build()),
                3 => ("deadline", base.build().map(|c| c.with_deadline(d))),
                _ => ("timeout", base.build().map(|c| c.with_timeout(d))),
            };
            let outcome = match client {
                Ok(client) => guarded("a call", send(&client)).await.map(|_| ()),
                Err(e) => Err(e),
            };
            match outcome {
                Ok(()) | Err(Error::Timeout { .. }) => {}
                Err(Error::Config { message, .. }) => {
                    assert!(message.starts_with(setting), "{d:?}: {message}");
                    assert!(d.is_zero() || d > Duration::from_secs(86_400), "{d:?} refused");
                }
                Err(other) => panic!("{setting} {d:?}: {other:?}"),
            }
        });
    }

    #[test]
    fn any_rate_or_backoff_is_used_or_refused_by_name(
        rate in any_rate(),
        backoff in any_duration(),
        which in 0usize..4,
    ) {
        runtime().block_on(async {
            let server = Scripted::start(vec![batch()]).await;
            let base = builder(&server.url);
            let (setting, built) = match which {
                0 => ("rate_limit.requests_per_second",
                      base.rate_limit(RateLimit::new().requests_per_second(rate)).build()),
                1 => ("rate_limit.messages_per_second",
                      base.rate_limit(RateLimit::new().messages_per_second(rate)).build()),
                2 => ("retry.initial_backoff",
                      base.retry(RetryPolicy::default().initial_backoff(backoff)).build()),
                _ => ("retry.max_backoff",
                      base.retry(RetryPolicy::default().max_backoff(backoff)).build()),
            };
            match built {
                // The first request of any rate goes at once (a burst of one).
                Ok(client) => { guarded("a call", send(&client)).await.unwrap(); }
                Err(Error::Config { message, .. }) => {
                    assert!(message.starts_with(setting), "{message}");
                }
                Err(other) => panic!("{setting}: {other:?}"),
            }
        });
    }
}
