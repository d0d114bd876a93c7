//! OAuth2 project credentials: one token for many callers, renewed before
//! expiry and once after an expired-token 401, never in a loop.

use std::time::Duration;

use httpmock::MockServer;
use serde_json::json;
use xms::{Error, Region};

use crate::support::{Scripted, Step, fast_retries};

const PROJECT: &str = "proj-1";
const KEY_ID: &str = "key-id-1";
const KEY_SECRET: &str = "key-s3cret";

/// A token endpoint handing out `token` valid for `expires_in` seconds,
/// after `delay`.
async fn token_endpoint<'a>(
    server: &'a MockServer,
    token: &str,
    expires_in: u64,
    delay: Duration,
) -> httpmock::Mock<'a> {
    let body = json!({"access_token": token, "expires_in": expires_in, "scope": "", "token_type": "bearer"});
    server
        .mock_async(move |when, then| {
            when.method("POST")
                .path("/oauth2/token")
                // base64("key-id-1:key-s3cret")
                .header("authorization", "Basic a2V5LWlkLTE6a2V5LXMzY3JldA==")
                .header("content-type", "application/x-www-form-urlencoded")
                .body("grant_type=client_credentials");
            then.status(200)
                .header("content-type", "application/json")
                .json_body(body)
                .delay(delay);
        })
        .await
}

fn client(api: &str, auth: &MockServer) -> xms::Client {
    xms::Client::builder()
        .project(PROJECT, KEY_ID, KEY_SECRET)
        .region(Region::Eu)
        .endpoint(api)
        .oauth_token_url(auth.url("/oauth2/token"))
        .retry(fast_retries(0))
        .build()
        .unwrap()
}

fn batch() -> Step {
    Step::json(200, json!({"id": "b1", "type": "mt_text", "to": ["1"], "body": "x"}))
}

#[tokio::test]
async fn one_token_for_many_concurrent_calls() {
    let auth = MockServer::start_async().await;
    let tokens = token_endpoint(&auth, "tok-A", 3600, Duration::from_millis(300)).await;
    let api = Scripted::start(vec![batch()]).await;
    let client = client(&api.url, &auth);

    let calls: Vec<_> = (0..20)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.batches().get("b1").await })
        })
        .collect();
    for call in calls {
        call.await.unwrap().unwrap();
    }
    assert_eq!(tokens.calls_async().await, 1, "one token fetch shared by all");
    let requests = api.requests();
    assert_eq!(requests.len(), 20);
    for r in &requests {
        assert_eq!(r.header("authorization"), Some("Bearer tok-A"));
        assert_eq!(
            r.path, "/xms/v1/proj-1/batches/b1",
            "the project id takes the service plan's place"
        );
    }
}

#[tokio::test]
async fn a_token_is_renewed_before_it_expires() {
    let auth = MockServer::start_async().await;
    let tokens = token_endpoint(&auth, "tok-short", 1, Duration::ZERO).await;
    let api = Scripted::start(vec![batch()]).await;
    let client = client(&api.url, &auth);
    client.batches().get("b1").await.unwrap();
    client.batches().get("b1").await.unwrap();
    assert_eq!(tokens.calls_async().await, 1, "still fresh");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    client.batches().get("b1").await.unwrap();
    assert_eq!(tokens.calls_async().await, 2, "renewed after its lifetime");
}

#[tokio::test]
async fn an_expired_token_401_is_refreshed_once_and_the_call_repeated() {
    let auth = MockServer::start_async().await;
    let tokens = token_endpoint(&auth, "tok-B", 3600, Duration::ZERO).await;
    let expired = Step::Reply(
        401,
        vec![(
            "www-authenticate",
            r#"Bearer error="invalid_token", error_description="expired""#.into(),
        )],
        Vec::new(),
    );
    let api = Scripted::start(vec![expired, batch()]).await;
    // A send, which is never retried otherwise: the 401 means it was not processed.
    let client = client(&api.url, &auth);
    let result = client.batches().text("1", ["2"], "x").send().await;
    assert!(result.is_ok(), "{result:?}");
    assert_eq!(tokens.calls_async().await, 2, "the first token and one refresh");
    assert_eq!(api.requests().len(), 2);
}

#[tokio::test]
async fn refresh_never_loops() {
    let auth = MockServer::start_async().await;
    let tokens = token_endpoint(&auth, "tok-C", 3600, Duration::ZERO).await;
    let expired = Step::Reply(
        401,
        vec![(
            "www-authenticate",
            "Bearer error=\"invalid_token\", error_description=\"expired\"".into(),
        )],
        Vec::new(),
    );
    let api = Scripted::start(vec![expired]).await;
    let error = client(&api.url, &auth).batches().get("b1").await.unwrap_err();
    assert!(
        matches!(error, Error::Unauthorized { .. }) && error.status() == Some(401),
        "{error:?}"
    );
    assert_eq!(tokens.calls_async().await, 2);
    assert_eq!(api.requests().len(), 2, "one call, one repeat after the refresh, no more");
}

#[tokio::test]
async fn a_401_that_does_not_say_expired_is_not_retried() {
    let auth = MockServer::start_async().await;
    let tokens = token_endpoint(&auth, "tok-D", 3600, Duration::ZERO).await;
    let api = Scripted::start(vec![Step::empty(401)]).await;
    let error = client(&api.url, &auth).batches().get("b1").await.unwrap_err();
    assert!(matches!(error, Error::Unauthorized { .. }), "{error:?}");
    assert_eq!((tokens.calls_async().await, api.requests().len()), (1, 1));
}

#[tokio::test]
async fn refused_credentials_fail_before_any_api_request() {
    let auth = MockServer::start_async().await;
    auth.mock_async(|when, then| {
        when.path("/oauth2/token");
        then.status(401).header("content-type", "application/json").json_body(
            json!({"error": {"code": 401, "message": "Invalid key", "status": "UNAUTHENTICATED"}}),
        );
    })
    .await;
    let api = Scripted::start(vec![batch()]).await;
    let error = client(&api.url, &auth).batches().get("b1").await.unwrap_err();
    assert!(
        matches!(&error, Error::TokenEndpoint { reason, .. } if reason.contains("Invalid key")),
        "{error:?}"
    );
    assert_eq!(error.status(), Some(401));
    assert!(error.to_string().contains("token endpoint"), "{error}");
    assert!(api.requests().is_empty());
    assert!(!format!("{error:?}{error}").contains(KEY_SECRET));
}

#[tokio::test]
async fn a_token_answer_without_a_token_does_not_leak_the_body() {
    let auth = MockServer::start_async().await;
    auth.mock_async(|when, then| {
        when.path("/oauth2/token");
        then.status(200)
            .header("content-type", "application/json")
            .body(r#"{"acces_token": "leaked-token-value"}"#);
    })
    .await;
    let api = Scripted::start(vec![batch()]).await;
    let error = client(&api.url, &auth).batches().get("b1").await.unwrap_err();
    assert!(matches!(error, Error::TokenEndpoint { .. }), "{error:?}");
    assert!(!format!("{error:?}{error}").contains("leaked-token-value"));
}

#[test]
fn project_credentials_pick_the_project_host_and_refuse_other_regions() {
    let us = xms::Client::builder().project(PROJECT, KEY_ID, KEY_SECRET).build().unwrap();
    assert_eq!(us.endpoint(), "https://zt.us.sms.api.sinch.com");
    let eu = xms::Client::builder()
        .project(PROJECT, KEY_ID, KEY_SECRET)
        .region(Region::Eu)
        .build()
        .unwrap();
    assert_eq!(eu.endpoint(), "https://zt.eu.sms.api.sinch.com");
    assert_eq!(eu.service_plan_id(), PROJECT);
    for region in [Region::Au, Region::Br, Region::Ca] {
        let error = xms::Client::builder()
            .project(PROJECT, KEY_ID, KEY_SECRET)
            .region(region)
            .build()
            .unwrap_err();
        assert!(
            matches!(&error, Error::Config { message, .. } if message.contains("US and EU")),
            "{error:?}"
        );
    }
    // With both, the service plan wins.
    let both = xms::Client::builder()
        .project(PROJECT, KEY_ID, KEY_SECRET)
        .service_plan("plan", "tok")
        .region(Region::Au)
        .build()
        .unwrap();
    assert_eq!((both.endpoint(), both.service_plan_id()), ("https://au.sms.api.sinch.com", "plan"));
}

/// A client of `api` whose token endpoint is `auth`, with the HTTP timeout
/// given (the token endpoint's attempts are bound by it too).
fn client_with_timeout(api: &str, auth: &MockServer, timeout: Duration) -> xms::Client {
    xms::Client::builder()
        .project(PROJECT, KEY_ID, KEY_SECRET)
        .region(Region::Eu)
        .endpoint(api)
        .oauth_token_url(auth.url("/oauth2/token"))
        .retry(fast_retries(0))
        .timeout(timeout)
        .build()
        .unwrap()
}

/// Run `n` calls of `client` at once; their outcomes.
async fn concurrently(client: &xms::Client, n: usize) -> Vec<Result<xms::batches::Batch, Error>> {
    let calls: Vec<_> = (0..n)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.batches().get("b1").await })
        })
        .collect();
    let mut out = Vec::new();
    for call in calls {
        out.push(call.await.unwrap());
    }
    out
}

#[tokio::test]
async fn concurrent_callers_share_a_failing_fetch_and_its_failure() {
    let auth = MockServer::start_async().await;
    let failing = auth
        .mock_async(|when, then| {
            when.path("/oauth2/token");
            then.status(503).body("down");
        })
        .await;
    let api = Scripted::start(vec![batch()]).await;
    let client = client(&api.url, &auth);
    let outcomes = concurrently(&client, 16).await;
    for outcome in &outcomes {
        let error = outcome.as_ref().unwrap_err();
        assert!(matches!(error, Error::TokenEndpoint { .. }), "{error:?}");
        assert_eq!(error.status(), Some(503));
    }
    // One fetch with its four attempts, shared by all sixteen (it was 64).
    assert_eq!(failing.calls_async().await, 4);
    // The failure is remembered briefly: a call right after does not
    // fetch again, and gets the same error.
    let again = client.batches().get("b1").await.unwrap_err();
    assert!(matches!(again, Error::TokenEndpoint { .. }), "{again:?}");
    assert_eq!(failing.calls_async().await, 4);
    assert!(api.requests().is_empty(), "nothing reached the API without a token");
}

#[tokio::test]
async fn a_hanging_token_endpoint_is_waited_for_once_by_all_callers() {
    let auth = MockServer::start_async().await;
    let hanging = auth
        .mock_async(|when, then| {
            when.path("/oauth2/token");
            then.status(200).body("{}").delay(Duration::from_secs(30));
        })
        .await;
    let api = Scripted::start(vec![batch()]).await;
    let client = client_with_timeout(&api.url, &auth, Duration::from_millis(200));
    let outcomes = concurrently(&client, 4).await;
    for outcome in &outcomes {
        let error = outcome.as_ref().unwrap_err();
        assert!(
            matches!(error, Error::TokenEndpoint { reason, .. } if reason.contains("reach")),
            "{error:?}"
        );
    }
    // Four attempts of one shared fetch (it was sixteen, one fetch each).
    assert_eq!(hanging.calls_async().await, 4);
}

#[tokio::test]
async fn a_token_fetch_outlives_the_caller_whose_deadline_passed() {
    let auth = MockServer::start_async().await;
    let tokens = token_endpoint(&auth, "tok-slow", 3600, Duration::from_secs(2)).await;
    let api = Scripted::start(vec![batch()]).await;
    let client = client(&api.url, &auth).with_deadline(Duration::from_millis(1500));
    // The first call gives up while the token is on its way; the fetch
    // goes on, and a later call finds the token (it was: no call ever
    // succeeded, one token request per call).
    let first = client.batches().get("b1").await.unwrap_err();
    assert!(
        matches!(first, Error::Timeout { request_sent: false, .. }),
        "cut while fetching the token: nothing sent, {first:?}"
    );
    assert!(!first.may_have_been_processed() && first.is_safe_to_repeat());
    let mut successes = 0;
    for _ in 0..4 {
        if client.batches().get("b1").await.is_ok() {
            successes += 1;
        }
    }
    assert_eq!(successes, 4, "every later call finds the token");
    assert_eq!(tokens.calls_async().await, 1, "one token request in all");
    for request in api.requests() {
        assert_eq!(request.header("authorization"), Some("Bearer tok-slow"));
    }
}

/// A token endpoint answering this JSON body with 200.
async fn token_answer<'a>(server: &'a MockServer, body: &str) -> httpmock::Mock<'a> {
    let body = body.to_owned();
    server
        .mock_async(move |when, then| {
            when.path("/oauth2/token");
            then.status(200).header("content-type", "application/json").body(body);
        })
        .await
}

#[tokio::test]
async fn expires_in_is_read_as_tolerantly_as_the_api() {
    for body in [
        r#"{"access_token":"tok-E","expires_in":"3600","token_type":"bearer"}"#,
        r#"{"access_token":"tok-E","expires_in":3600.0,"token_type":"Bearer"}"#,
        r#"{"access_token":"tok-E","expires_in":"3600.5"}"#,
    ] {
        let auth = MockServer::start_async().await;
        let tokens = token_answer(&auth, body).await;
        let api = Scripted::start(vec![batch()]).await;
        let client = client(&api.url, &auth);
        client.batches().get("b1").await.unwrap_or_else(|e| panic!("{body}: {e:?}"));
        client.batches().get("b1").await.unwrap();
        assert_eq!(tokens.calls_async().await, 1, "{body}: cached for its lifetime");
        assert_eq!(api.requests()[0].header("authorization"), Some("Bearer tok-E"));
    }
}

#[tokio::test]
async fn a_token_of_another_type_than_bearer_is_never_sent() {
    let auth = MockServer::start_async().await;
    token_answer(&auth, r#"{"access_token":"tok-mac","token_type":"mac","expires_in":60}"#).await;
    let api = Scripted::start(vec![batch()]).await;
    let error = client(&api.url, &auth).batches().get("b1").await.unwrap_err();
    assert!(
        matches!(&error, Error::TokenEndpoint { reason, .. } if reason.contains("bearer")),
        "{error:?}"
    );
    assert!(api.requests().is_empty(), "the mac token was not sent as a bearer token");
    assert!(!format!("{error}{error:?}").contains("tok-mac"));
}

#[tokio::test]
async fn a_rate_limited_token_endpoint_is_left_alone_for_its_retry_after() {
    let auth = MockServer::start_async().await;
    let limited = auth
        .mock_async(|when, then| {
            when.path("/oauth2/token");
            // Longer than a fetch waits between its attempts: the fetch
            // ends, and the failure is remembered for the 30 s asked.
            then.status(429).header("retry-after", "30").body("slow down");
        })
        .await;
    let api = Scripted::start(vec![batch()]).await;
    let client = client(&api.url, &auth);
    let error = client.batches().get("b1").await.unwrap_err();
    assert_eq!(error.status(), Some(429), "{error:?}");
    let fetched = limited.calls_async().await;
    for _ in 0..5 {
        let again = client.batches().get("b1").await.unwrap_err();
        assert_eq!(again.status(), Some(429), "{again:?}");
    }
    assert_eq!(limited.calls_async().await, fetched, "no request while the wait runs");
}

#[tokio::test]
async fn a_readable_but_broken_token_answer_keeps_no_secret_it_echoes() {
    use base64::Engine as _;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{KEY_ID}:{KEY_SECRET}"));
    let auth = MockServer::start_async().await;
    let echoed =
        format!(r#"{{"access_token":"tok-F","expires_in":"{KEY_SECRET}","token_type":"bearer"}}"#);
    let echo_header = format!("Basic {basic}");
    auth.mock_async(|when, then| {
        when.path("/oauth2/token");
        then.status(200)
            .header("content-type", "application/json")
            // A proxy that echoes the request's Authorization header.
            .header("x-echo-authorization", echo_header.as_str())
            .header("x-echo-secret", KEY_SECRET)
            .body(echoed.as_str());
    })
    .await;
    let api = Scripted::start(vec![batch()]).await;
    let error = client(&api.url, &auth).batches().get("b1").await.unwrap_err();
    assert!(matches!(error, Error::TokenEndpoint { .. }), "{error:?}");
    let mut shown = format!("{error}\n{error:?}");
    let mut source = std::error::Error::source(&error);
    while let Some(s) = source {
        shown.push_str(&format!("\n{s}\n{s:?}"));
        source = s.source();
    }
    for secret in [KEY_SECRET, basic.as_str(), "tok-F"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(shown.contains("expires_in"), "the reason names the field: {shown}");
    assert!(api.requests().is_empty());
}
