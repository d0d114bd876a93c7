//! Regions, endpoints, user agent, and secrets kept out of every output.

use serde_json::json;
use xms::{Error, Region};

use crate::support::{PLAN, Server, TOKEN, path};

#[test]
fn regions_pick_their_hosts() {
    assert_eq!(xms::Client::new("p", "t").endpoint(), "https://us.sms.api.sinch.com");
    for (region, host) in [
        (Region::Us, "https://us.sms.api.sinch.com"),
        (Region::Eu, "https://eu.sms.api.sinch.com"),
        (Region::Au, "https://au.sms.api.sinch.com"),
        (Region::Br, "https://br.sms.api.sinch.com"),
        (Region::Ca, "https://ca.sms.api.sinch.com"),
    ] {
        let client = xms::Client::builder().service_plan("p", "t").region(region).build().unwrap();
        assert_eq!(client.endpoint(), host);
    }
}

#[tokio::test]
async fn a_custom_endpoint_may_end_in_xms_like_the_legacy_clx_host() {
    for suffix in ["", "/", "/xms", "/xms/", "/xms/v1"] {
        let server = Server::start().await;
        server.respond(200, json!({"id": "b1", "to": ["1"], "body": "x"})).await;
        let client = xms::Client::builder()
            .service_plan(PLAN, TOKEN)
            .endpoint(format!("{}{suffix}", server.url()))
            .build()
            .unwrap();
        client.batches().get("b1").await.unwrap();
        server.only_request().assert_line("GET", &path("/batches/b1"), None);
    }
    assert_eq!(
        xms::Client::builder()
            .service_plan("p", "t")
            .endpoint(xms::LEGACY_CLX_ENDPOINT)
            .build()
            .unwrap()
            .endpoint(),
        "https://api.clxcommunications.com"
    );
}

#[tokio::test]
async fn custom_user_agent_and_http_client() {
    let server = Server::start().await;
    server.respond(200, json!({"id": "b1", "to": ["1"], "body": "x"})).await;
    let client = xms::Client::builder()
        .service_plan(PLAN, TOKEN)
        .endpoint(server.url())
        .user_agent("my-app/2.0")
        .http_client(reqwest::Client::new())
        .build()
        .unwrap();
    client.batches().get("b1").await.unwrap();
    assert_eq!(server.only_request().header("user-agent"), Some("my-app/2.0"));
}

#[tokio::test]
async fn unusable_configuration_is_a_config_error_and_sends_nothing() {
    for (plan, token) in [("", "t"), ("p", ""), ("p", "line\nbreak")] {
        let error = xms::Client::builder().service_plan(plan, token).build().unwrap_err();
        assert!(matches!(error, Error::Config { .. }), "{error:?}");
        // Client::new never fails; its calls do, before sending.
        let error = xms::Client::new(plan, token).batches().get("b1").await.unwrap_err();
        assert!(matches!(error, Error::Config { .. }), "{error:?}");
        assert!(!error.to_string().contains("line\nbreak"));
    }
    assert!(matches!(xms::Client::builder().build().unwrap_err(), Error::Config { .. }));
    assert!(matches!(
        xms::Client::builder().service_plan("p", "t").endpoint("ftp://x").build().unwrap_err(),
        Error::Config { .. }
    ));
}

#[test]
fn secrets_never_show_in_debug_output() {
    let client = xms::Client::new("plan-visible", "api-token-SECRET");
    let builder = xms::Client::builder().service_plan("plan-visible", "api-token-SECRET").project(
        "proj",
        "kid",
        "key-SECRET",
    );
    let oauth = xms::Client::builder().project("proj", "kid", "key-SECRET").build().unwrap();
    let outputs = [
        format!("{client:?}"),
        format!("{client:#?}"),
        format!("{builder:?}"),
        format!("{oauth:?}"),
        format!("{:?}", client.raw()),
        format!("{:?}", xms::blocking::Client::from(client.clone())),
        format!("{:?}", client.batches().text("1", ["2"], "x")),
    ];
    for text in &outputs {
        assert!(!text.contains("SECRET"), "a secret leaked: {text}");
    }
    assert!(outputs[0].contains("plan-visible"), "the plan id is not a secret: {}", outputs[0]);
}
