//! The SDK's OAuth2 project flow end to end against the simulator's token
//! endpoint and project paths: a token fetched once for many calls, renewed
//! after the simulator expires it early, refused credentials, and a token
//! endpoint that fails.

use std::time::Duration;

use xms::Error;
use xms_simulator::{Fault, Simulator};

const PROJECT: &str = "proj-e2e";
const KEY_ID: &str = "key-e2e";
const KEY_SECRET: &str = "s3cret-e2e";

fn simulator() -> Simulator {
    Simulator::builder().project(PROJECT, KEY_ID, KEY_SECRET).record_answers().start()
}

fn client(sim: &Simulator, secret: &str) -> xms::Client {
    xms::Client::builder()
        .project(PROJECT, KEY_ID, secret)
        .endpoint(sim.url())
        .oauth_token_url(sim.token_url())
        .retry(xms::RetryPolicy::default().initial_backoff(Duration::from_millis(10)))
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_project_sends_lists_and_renews_an_expired_token() {
    let sim = simulator();
    let client = client(&sim, KEY_SECRET);
    let batch = client.batches().text("12345", ["+46701234567"], "Hello").send().await.unwrap();
    let fetched = client.batches().get(&batch.id).await.unwrap();
    assert_eq!(fetched.id(), &batch.id);
    let page = client.batches().list().page(0).await.unwrap();
    assert_eq!(page.count, 1);

    // The simulator expires the token early: the next call gets 401 saying
    // so, the SDK fetches one new token and the call succeeds.
    sim.expire_tokens();
    let again = client.batches().get(&batch.id).await.unwrap();
    assert_eq!(again.id(), &batch.id);

    // Two tokens: the first for three calls, the second after the expiry
    // (the refused call is answered before routing, so it is not recorded).
    assert_eq!(sim.tokens_issued(), 2);
    let answers = sim.answers();
    let statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [201, 200, 200, 200], "{answers:?}");
    // Everything went to the project's paths.
    assert!(answers.iter().all(|a| a.route.starts_with("/xms/v1/{service_plan_id}/")));
    assert_eq!(sim.outbox().as_array().unwrap()[0]["service_plan_id"], PROJECT);
}

#[tokio::test]
async fn wrong_credentials_are_a_token_endpoint_error_without_the_secret() {
    let sim = simulator();
    let client = client(&sim, "not-the-secret");
    let error = client.batches().get("01ABCDEFGHJKMNPQRSTVWXYZ00").await.unwrap_err();
    assert!(matches!(error, Error::TokenEndpoint { .. }), "{error:?}");
    let shown = format!("{error} {error:?}");
    assert!(shown.contains("refused the key id and secret"), "{shown}");
    assert!(!shown.contains("not-the-secret"), "{shown}");
    // No XMS request was made without a token.
    assert!(sim.answers().is_empty());
}

#[tokio::test]
async fn a_failing_token_endpoint_is_tried_again_with_backoff() {
    let sim = simulator();
    sim.fail_next_token(2, Fault { status: Some(503), ..Fault::default() });
    let client = client(&sim, KEY_SECRET);
    client.batches().text("12345", ["+46701234567"], "Hi").send().await.unwrap();
    assert_eq!(sim.tokens_issued(), 1);
    assert_eq!(sim.outbox().as_array().unwrap().len(), 1);

    // An endpoint that keeps failing is reported, after a few tries.
    sim.fail_next_token(10, Fault { status: Some(500), ..Fault::default() });
    let cold = client_for(&sim);
    let error = cold.batches().get("01ABCDEFGHJKMNPQRSTVWXYZ00").await.unwrap_err();
    assert!(matches!(error, Error::TokenEndpoint { .. }), "{error:?}");
    assert!(error.to_string().contains("it failed"), "{error}");
}

fn client_for(sim: &Simulator) -> xms::Client {
    client(sim, KEY_SECRET)
}

#[tokio::test]
async fn many_clients_starting_cold_do_not_stampede_the_token_endpoint() {
    // A token bucket like Sinch's, scaled down: 4 at once, 4 a second.
    let sim =
        Simulator::builder().project(PROJECT, KEY_ID, KEY_SECRET).token_rate_limit(4, 4.0).start();
    let clients: Vec<xms::Client> = (0..10).map(|_| client_for(&sim)).collect();
    let calls = clients.iter().map(|c| c.batches().text("12345", ["+46701234567"], "Hi").send());
    let results = futures_util::future::join_all(calls).await;
    let failed: Vec<_> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(sim.tokens_issued(), 10);
    assert_eq!(sim.outbox().as_array().unwrap().len(), 10);
}
