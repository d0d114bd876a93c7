//! When requests are sent again, and when they are not.

use serde_json::json;
use xms::Error;

use crate::support::{Scripted, Step, fast_retries};

fn batch() -> Step {
    Step::json(200, json!({"id": "b1", "type": "mt_text", "to": ["1"], "body": "x"}))
}

#[tokio::test]
async fn a_get_is_retried_on_server_errors_until_it_succeeds() {
    let server = Scripted::start(vec![Step::empty(503), Step::empty(502), batch()]).await;
    let batch = server.client(fast_retries(2)).batches().get("b1").await.unwrap();
    assert_eq!(batch.id(), "b1");
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn retries_stop_at_the_limit() {
    let server = Scripted::start(vec![Step::empty(503)]).await;
    let error = server.client(fast_retries(2)).batches().get("b1").await.unwrap_err();
    assert!(
        matches!(error, Error::UnexpectedResponse { .. }) && error.status() == Some(503),
        "{error:?}"
    );
    assert_eq!(server.requests().len(), 3, "one attempt and two retries");
}

#[tokio::test]
async fn a_send_is_never_retried_on_a_server_error_or_dropped_connection() {
    let server = Scripted::start(vec![Step::empty(503), batch()]).await;
    let error =
        server.client(fast_retries(3)).batches().text("1", ["2"], "x").send().await.unwrap_err();
    assert!(
        matches!(error, Error::UnexpectedResponse { .. }) && error.status() == Some(503),
        "{error:?}"
    );
    assert_eq!(server.requests().len(), 1);

    let server = Scripted::start(vec![Step::Hang, batch()]).await;
    let error =
        server.client(fast_retries(3)).batches().text("1", ["2"], "x").send().await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_get_is_retried_after_a_dropped_connection() {
    let server = Scripted::start(vec![Step::Hang, batch()]).await;
    let result = server.client(fast_retries(1)).batches().get("b1").await;
    assert!(result.is_ok(), "{result:?} after {} requests", server.requests().len());
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn a_rate_limited_send_is_retried_because_it_was_not_processed() {
    let limited = Step::Reply(429, vec![("retry-after", "0".into())], Vec::new());
    let server = Scripted::start(vec![
        limited,
        Step::json(201, json!({"id": "b1", "type": "mt_text", "to": ["2"], "body": "x"})),
    ])
    .await;
    let batch =
        server.client(fast_retries(2)).batches().text("1", ["2"], "x").send().await.unwrap();
    assert_eq!(batch.id, "b1");
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].body, requests[1].body, "the same body is sent again");
}

#[tokio::test]
async fn a_long_retry_after_is_handed_to_the_caller() {
    let server =
        Scripted::start(vec![Step::Reply(429, vec![("retry-after", "3600".into())], Vec::new())])
            .await;
    let error = server.client(fast_retries(5)).batches().get("b1").await.unwrap_err();
    assert_eq!(error.retry_after(), Some(std::time::Duration::from_secs(3600)));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    let server = Scripted::start(vec![Step::json(
        400,
        json!({"code": "syntax_constraint_violation", "text": "no"}),
    )])
    .await;
    let error = server.client(fast_retries(3)).batches().get("b1").await.unwrap_err();
    assert!(matches!(error, Error::Api { .. }) && error.status() == Some(400), "{error:?}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_429_holds_back_the_clients_other_requests_too() {
    // No rate limit is set: the pause is every client's.
    let server = Scripted::start(vec![
        Step::Reply(429, vec![("retry-after", "1".into())], Vec::new()),
        batch(),
        batch(),
    ])
    .await;
    let client = xms::Client::builder()
        .service_plan("plan123", "tok")
        .endpoint(&server.url)
        .retry(
            xms::RetryPolicy::default()
                .initial_backoff(std::time::Duration::from_millis(10))
                .max_backoff(std::time::Duration::from_secs(2)),
        )
        .build()
        .unwrap();
    let first = tokio::spawn({
        let client = client.clone();
        async move { client.batches().get("b1").await }
    });
    // The second call starts while the first waits out its Retry-After:
    // once the 429 has been served (at most 5 s of waiting for it), and a
    // moment more for the client to read it.
    for _ in 0..500 {
        if !server.requests().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(server.requests().len(), 1, "the first request was not served in 5 s");
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let started = std::time::Instant::now();
    client.batches().get("b1").await.unwrap();
    let waited = started.elapsed();
    first.await.unwrap().unwrap();
    assert_eq!(server.requests().len(), 3);
    // It could not go before the pause ended, about 0.8 s later. (A lower
    // bound: it holds on any machine, however slow.)
    assert!(waited >= std::time::Duration::from_millis(700), "{waited:?}");
}
