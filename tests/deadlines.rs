//! Per-call timeouts and total deadlines, retries and backoff included,
//! against the simulator's slow and failing answers.

use std::time::Duration;

use xms::Error;
use xms_simulator::{Fault, Simulator};

fn client(sim: &Simulator, retry: xms::RetryPolicy) -> xms::Client {
    xms::Client::builder()
        .service_plan(sim.service_plan_id(), sim.api_token())
        .endpoint(sim.url())
        .retry(retry)
        .build()
        .unwrap()
}

async fn a_batch(client: &xms::Client) -> String {
    let batch = client.batches().text("12345", ["+46701234567"], "Hi").send().await.unwrap();
    batch.id.to_string()
}

#[tokio::test]
async fn a_per_call_timeout_cuts_a_slow_attempt_and_the_retry_succeeds() {
    let sim = Simulator::start();
    let client =
        client(&sim, xms::RetryPolicy::default().initial_backoff(Duration::from_millis(10)));
    let id = a_batch(&client).await;
    // The next answer takes 5 s; the client's own timeout is 30 s.
    sim.fail_next(1, Fault { delay_ms: 5000, ..Fault::default() });
    let quick = client.with_timeout(Duration::from_millis(300));
    let batch = quick.batches().get(&id).await.unwrap();
    assert_eq!(batch.id().as_str(), id);

    // Without retries the cut attempt is the error: a read, so retryable.
    sim.fail_next(1, Fault { delay_ms: 5000, ..Fault::default() });
    let once = xms::Client::builder()
        .service_plan(sim.service_plan_id(), sim.api_token())
        .endpoint(sim.url())
        .retry(xms::RetryPolicy::none())
        .build()
        .unwrap()
        .with_timeout(Duration::from_millis(300));
    let error = once.batches().get(&id).await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(error.is_retryable() && error.is_safe_to_repeat());
}

#[tokio::test]
async fn a_deadline_bounds_retries_and_backoff_together() {
    let sim = Simulator::start();
    // Many retries, long waits: without a deadline this takes about 20 s.
    let patient = xms::RetryPolicy::default()
        .max_retries(10)
        .initial_backoff(Duration::from_secs(2))
        .max_backoff(Duration::from_secs(2));
    let client = client(&sim, patient);
    let id = a_batch(&client).await;
    sim.fail_next(20, Fault { status: Some(503), ..Fault::default() });
    let error =
        client.with_deadline(Duration::from_millis(800)).batches().get(&id).await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(error.source_text().contains("deadline of 800ms"), "{}", error.source_text());
    assert!(error.is_safe_to_repeat(), "a read");
}

#[tokio::test]
async fn a_send_past_its_deadline_may_have_been_processed() {
    let sim = Simulator::start();
    let client = xms::Client::builder()
        .service_plan(sim.service_plan_id(), sim.api_token())
        .endpoint(sim.url())
        .deadline(Duration::from_millis(500))
        .build()
        .unwrap();
    // Handled at once, answered after 3 s.
    sim.fail_next(1, Fault { delay_ms: 3000, processed: true, ..Fault::default() });
    let error = client.batches().text("12345", ["+46701234567"], "Hi").send().await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(error.may_have_been_processed() && !error.is_safe_to_repeat());
    assert_eq!(sim.outbox().as_array().unwrap().len(), 1, "XMS has it");
}

trait SourceText {
    fn source_text(&self) -> String;
}

impl SourceText for Error {
    fn source_text(&self) -> String {
        std::error::Error::source(self).map(|s| s.to_string()).unwrap_or_default()
    }
}
