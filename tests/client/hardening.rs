//! Hostile answers and hostile ids: each numbered defect of the hardening
//! review has a test here (the fault catalogue is `tests/hostile.rs`), and
//! so do the loose forms the official SDKs read.

use serde_json::json;
use xms::{Channel, DeliveryCode, Error, ErrorCode, batches::Batch, groups::Group};

use crate::support::{PLAN, Scripted, Server, Step, TOKEN};

// 2. Redirects are not followed.
#[tokio::test]
async fn redirects_are_refused_and_never_followed() {
    let elsewhere = Server::start().await;
    elsewhere.respond(201, json!({"id": "b1", "to": ["1"], "body": "x"})).await;
    for status in [301, 302, 303, 307, 308] {
        let location = format!("{}/xms/v1/{PLAN}/batches", elsewhere.url());
        let server = Scripted::start(vec![Step::Reply(
            status,
            vec![("location", location.clone())],
            Vec::new(),
        )])
        .await;
        let error = server
            .client(xms::RetryPolicy::none())
            .batches()
            .text("12345", ["46701234567"], "secret SMS body")
            .send()
            .await
            .unwrap_err();
        match &error {
            Error::Redirected { location: Some(l), response, .. } => {
                assert_eq!(l, &location);
                assert_eq!(response.status(), status);
            }
            other => panic!("{status}: expected Redirected, got {other:?}"),
        }
        assert!(error.to_string().contains(&location), "{error}");
    }
    assert!(elsewhere.requests().is_empty(), "the SMS body went to another host");
}

#[tokio::test]
async fn a_callers_client_that_follows_redirects_is_caught() {
    let elsewhere = Server::start().await;
    elsewhere.respond(201, json!({"id": "b1", "to": ["1"], "body": "x"})).await;
    let server = Scripted::start(vec![Step::Reply(
        307,
        vec![("location", format!("{}/other", elsewhere.url()))],
        Vec::new(),
    )])
    .await;
    let client = xms::Client::builder()
        .service_plan(PLAN, TOKEN)
        .endpoint(&server.url)
        .http_client(reqwest::Client::new()) // follows up to 10 redirects
        .build()
        .unwrap();
    let error = client.batches().text("1", ["2"], "x").send().await.unwrap_err();
    assert!(
        matches!(&error, Error::Redirected { location: Some(l), .. } if l.ends_with("/other")),
        "{error:?}"
    );
}

// 3. Ids that would change the endpoint.
#[tokio::test]
async fn dot_segments_as_ids_are_refused_before_sending() {
    let server = Server::start().await;
    server.respond(200, json!({})).await;
    let client = server.client();
    for id in [".", "..", "..\\..", "a\\b"] {
        let results: Vec<(&str, xms::Result<()>)> = vec![
            ("batch_id", client.batches().get(id).await.map(drop)),
            ("batch_id", client.batches().cancel(id).await.map(drop)),
            ("batch_id", client.batches().update_text(id).body("x").send().await.map(drop)),
            ("batch_id", client.batches().text("1", ["2"], "x").replace(id).await.map(drop)),
            (
                "batch_id",
                client.batches().delivery_feedback(id, Vec::<String>::new()).await.map(drop),
            ),
            ("batch_id", client.batches().tags(id).get().await.map(drop)),
            ("inbound_id", client.inbounds().get(id).await.map(drop)),
            ("group_id", client.groups().get(id).await.map(drop)),
            ("group_id", client.groups().delete(id).await.map(drop)),
            ("group_id", client.groups().members(id).await.map(drop)),
            ("group_id", client.groups().update(id).name("x").send().await.map(drop)),
            ("batch_id", client.delivery_reports().for_batch(id).send().await.map(drop)),
            ("recipient", client.delivery_reports().for_recipient("b1", id).send().await.map(drop)),
        ];
        for (field, result) in results {
            match result {
                Err(Error::InvalidRequest { field: f, rule, .. }) => {
                    assert_eq!(f, field, "{id:?}: {rule}");
                    assert!(rule.contains("endpoint"), "{rule}");
                }
                other => panic!("{id:?}: expected InvalidRequest on {field}, got {other:?}"),
            }
        }
    }
    assert!(server.requests().is_empty(), "{:?}", server.requests());
    // The plan id goes into every path too.
    let error = xms::Client::builder().service_plan("..", TOKEN).build().unwrap_err();
    assert!(matches!(error, Error::Config { .. }), "{error:?}");
}

// 4. Secrets a server echoes stay out of errors.
#[tokio::test]
async fn an_echoed_token_is_redacted_from_every_error() {
    for status in [400, 401, 403, 500] {
        let server = Server::start().await;
        server
            .respond_with(
                status,
                &[("www-authenticate", &format!("Bearer {TOKEN}"))],
                format!("bad credentials: Bearer {TOKEN}").into_bytes(),
                None,
            )
            .await;
        let error = server.client().batches().get("b1").await.unwrap_err();
        let text = format!("{error} {error:?}");
        assert!(!text.contains(TOKEN), "{status}: {text}");
        let response = error.response().expect("the answer is kept");
        assert!(!response.body_text().contains(TOKEN));
        assert!(response.body_text().contains("<redacted>"), "{status}");
        let header = response.headers().get("www-authenticate").unwrap();
        assert!(!header.to_str().unwrap_or("").contains(TOKEN));
    }
}

#[tokio::test]
async fn oauth_secrets_echoed_by_the_token_endpoint_or_the_api_are_redacted() {
    use base64::Engine as _;
    const KEY_SECRET: &str = "key-secret-77x";
    const ACCESS: &str = "access-token-93q";
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("key1:{KEY_SECRET}"));

    // The token endpoint refuses and echoes the Basic value and the secret.
    let auth = Server::start().await;
    auth.respond_with(
        401,
        &[("content-type", "application/json")],
        json!({"error": {"code": 401, "status": "UNAUTHENTICATED",
            "message": format!("bad Basic {basic} ({KEY_SECRET})")}})
        .to_string()
        .into_bytes(),
        None,
    )
    .await;
    let api = Server::start().await;
    let client = xms::Client::builder()
        .project("proj1", "key1", KEY_SECRET)
        .endpoint(api.url())
        .oauth_token_url(format!("{}/oauth2/token", auth.url()))
        .retry(xms::RetryPolicy::none())
        .build()
        .unwrap();
    let error = client.batches().get("b1").await.unwrap_err();
    assert!(matches!(error, Error::TokenEndpoint { .. }), "{error:?}");
    assert!(error.to_string().contains("token endpoint"), "{error}");
    let text = format!("{error} {error:?}");
    assert!(!text.contains(KEY_SECRET) && !text.contains(&basic), "{text}");
    assert!(api.requests().is_empty());

    // The API refuses the access token and echoes it.
    let auth = Server::start().await;
    auth.respond(200, json!({"access_token": ACCESS, "expires_in": 3600})).await;
    let api = Server::start().await;
    api.respond_with(401, &[], format!("token {ACCESS} is not valid").into_bytes(), None).await;
    let client = xms::Client::builder()
        .project("proj1", "key1", KEY_SECRET)
        .endpoint(api.url())
        .oauth_token_url(format!("{}/oauth2/token", auth.url()))
        .retry(xms::RetryPolicy::none())
        .build()
        .unwrap();
    let error = client.batches().get("b1").await.unwrap_err();
    assert!(matches!(error, Error::Unauthorized { .. }), "{error:?}");
    let text = format!("{error} {error:?}");
    assert!(!text.contains(ACCESS), "{text}");
}

// 5. A created batch is never lost.
#[tokio::test]
async fn a_send_answered_with_an_unknown_batch_type_keeps_the_batch() {
    let server = Server::start().await;
    server
        .respond_with(
            201,
            &[("content-type", "application/json"), ("x-request-id", "req-77")],
            json!({"id": "b-new", "type": "mt_rcs", "to": ["46701234567"], "card": {}})
                .to_string()
                .into_bytes(),
            None,
        )
        .await;
    let client = server.client();
    let error = client.batches().text("1", ["46701234567"], "x").send().await.unwrap_err();
    match &error {
        Error::UnexpectedResponse { response, .. } => {
            assert_eq!(response.status(), 201);
            assert_eq!(response.request_id(), Some("req-77"));
            assert!(response.body_text().contains("b-new"));
        }
        other => panic!("expected UnexpectedResponse, got {other:?}"),
    }
    let text = error.to_string();
    assert!(text.contains("b-new") && text.contains("exists"), "{text}");
    // A get of the same answer gives the tolerant value.
    match client.batches().get("b-new").await.unwrap() {
        Batch::Other(unknown) => {
            assert_eq!(unknown.id, "b-new");
            assert_eq!(unknown.batch_type.as_str(), "mt_rcs");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_send_answered_with_an_unreadable_body_keeps_status_headers_and_body() {
    let server = Server::start().await;
    server
        .respond_with(
            201,
            &[("content-type", "application/json")],
            br#"{"id": "b-9", "to": "not a list"}"#.to_vec(),
            None,
        )
        .await;
    let error = server.client().batches().text("1", ["2"], "x").send().await.unwrap_err();
    assert_eq!(error.status(), Some(201), "{error:?}");
    let response = error.response().unwrap();
    assert_eq!(response.body(), br#"{"id": "b-9", "to": "not a list"}"#);
    assert!(response.headers().contains_key("content-type"));
    let text = error.to_string();
    assert!(text.contains("created the batch") && text.contains("b-9"), "{text}");
    assert!(text.contains("`to`"), "the field is named: {text}");
}

// 6. Enums in answers stay open.
#[tokio::test]
async fn a_delivery_report_of_a_new_channel_is_read() {
    let server = Server::start().await;
    server
        .respond(
            200,
            json!({"type": "delivery_report_rcs", "batch_id": "b1", "total_message_count": 1,
                "statuses": [{"code": 0, "status": "Delivered", "count": 1}]}),
        )
        .await;
    let report = server.client().delivery_reports().for_batch("b1").send().await.unwrap();
    assert_eq!(report.channel, Channel::Other("delivery_report_rcs".into()));

    let server = Server::start().await;
    server
        .respond(
            200,
            json!({"type": "recipient_delivery_report_rcs", "batch_id": "b1",
                "recipient": "46701234567", "code": 0, "status": "Read_by_user",
                "at": "2026-02-27T10:15:22Z", "encoding": "RCS"}),
        )
        .await;
    let report =
        server.client().delivery_reports().for_recipient("b1", "46701234567").send().await.unwrap();
    assert_eq!(report.channel, Channel::Other("recipient_delivery_report_rcs".into()));
    assert_eq!(report.status.as_str(), "Read_by_user");
    assert_eq!(report.encoding.unwrap().as_str(), "RCS");
}

// 7. Numbers are kept or refused, never invented.
#[tokio::test]
async fn negative_counts_are_refused_naming_the_field() {
    let server = Server::start().await;
    server
        .respond(
            200,
            json!({"type": "delivery_report_sms", "batch_id": "b1", "total_message_count": -5,
                "statuses": []}),
        )
        .await;
    let error = server.client().delivery_reports().for_batch("b1").send().await.unwrap_err();
    let text = error.to_string();
    assert!(text.contains("total_message_count") && text.contains("-5"), "{text}");

    let server = Server::start().await;
    server.respond(200, json!({"page": 0, "page_size": -1, "count": 0, "batches": []})).await;
    let error = server.client().batches().list().page(0).await.unwrap_err();
    let text = error.to_string();
    assert!(text.contains("page_size") && text.contains("-1"), "{text}");

    let server = Server::start().await;
    server
        .respond(
            200,
            json!({"page": 0, "page_size": 1, "count": 1, "batches": [
                {"id": "b1", "to": ["1"], "body": "x"},
                {"id": "b2", "to": ["1"], "body": "x", "max_number_of_message_parts": -2}]}),
        )
        .await;
    let error = server.client().batches().list().page(0).await.unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("`batches[1]`") && text.contains("`max_number_of_message_parts`"),
        "{text}"
    );
    assert!(!text.contains("created"), "a read changes nothing: {text}");

    // A field after `type` is named by its full path.
    let server = Server::start().await;
    // (Written out: a `json!` object sorts its keys, putting `type` last.)
    let body = br#"{"page": 0, "page_size": 1, "count": 1, "batches": [
        {"id": "b1", "type": "mt_text", "to": ["1", {"no": "object"}], "body": "x"}]}"#;
    server.respond_with(200, &[("content-type", "application/json")], body.to_vec(), None).await;
    let error = server.client().batches().list().page(0).await.unwrap_err();
    let text = error.to_string();
    assert!(text.contains("`batches[0].to[1]`") && text.contains("mt_text"), "{text}");
}

// 10. Classified by status first; every error shape read.
#[tokio::test]
async fn error_bodies_of_every_sinch_shape() {
    let cases = [
        (403, json!({"code": "unknown_group", "description": "Group x is unknown"}), "Api"),
        (400, json!({"code": "syntax_constraint_violation"}), "Unexpected"),
        (
            400,
            json!({"timestamp": "2026-01-01T00:00:00Z", "status": 400, "error": "Bad Request",
                "message": "to must not be empty", "path": "/xms/v1/p/batches"}),
            "Rejected",
        ),
        (
            503,
            json!({"error": {"code": 503, "message": "upstream down", "status": "UNAVAILABLE",
                "details": []}}),
            "Rejected",
        ),
    ];
    for (status, body, kind) in cases {
        let server = Server::start().await;
        server.respond(status, body.clone()).await;
        let error = server.client().batches().text("1", ["2"], "x").send().await.unwrap_err();
        let text = error.to_string();
        match (kind, &error) {
            ("Api", Error::Api { code, text: t, .. }) => {
                assert_eq!(code, &ErrorCode::UnknownGroup);
                assert_eq!(t, "Group x is unknown");
            }
            ("Rejected", Error::Rejected { message, .. }) => {
                assert!(message.is_some(), "{error:?}")
            }
            ("Unexpected", Error::UnexpectedResponse { .. }) => {
                assert!(text.contains("refused the request (400)"), "{text}")
            }
            _ => panic!("{body}: expected {kind}, got {error:?}"),
        }
        assert_eq!(error.status(), Some(status));
        assert!(error.response().is_some());
    }
}

// 11. No sentinel statuses.
#[tokio::test]
async fn errors_without_an_answer_have_no_status() {
    let server = Scripted::start(vec![Step::json(
        200,
        json!({"page": 3, "page_size": 1, "count": 10, "batches": [{"id": "b", "to": ["1"], "body": "x"}]}),
    )])
    .await;
    let mut items = server.client(xms::RetryPolicy::none()).batches().list().items();
    let error = items.try_next().await.unwrap_err();
    assert!(matches!(error, Error::Protocol { .. }), "{error:?}");
    assert_eq!(error.status(), None);
    assert!(error.response().is_none());
    // A not-found keeps the answer too.
    let server = Server::start().await;
    server.respond_with(404, &[("x-request-id", "r-404")], b"no such batch".to_vec(), None).await;
    let error = server.client().batches().get("b1").await.unwrap_err();
    let response = error.response().unwrap();
    assert_eq!((response.status(), response.request_id()), (404, Some("r-404")));
}

// The loose forms XMS, its documentation and the official SDKs use.
#[tokio::test]
async fn tolerant_readers() {
    // A phone number written as a JSON number does not make a whole group
    // listing unreadable.
    let server = Server::start().await;
    server
        .respond(
            200,
            json!({"page": 0, "page_size": 2, "count": 2, "groups": [
                {"id": "g1", "size": 1, "auto_update": {"to": 12345, "add": {"first_word": "JOIN"}}},
                {"id": 42, "name": "n", "size": "3", "child_groups": [7]}]}),
        )
        .await;
    let page = server.client().groups().list().page(0).await.unwrap();
    let groups: Vec<Group> = page.items;
    assert_eq!(groups[0].auto_update.as_ref().unwrap().recipient, "12345");
    assert_eq!(groups[1].id, "42");
    assert_eq!(groups[1].size, 3);
    assert_eq!(groups[1].child_groups[0], "7");

    // Booleans and integers as strings, as XMS's documentation writes them;
    // date-times without seconds or offset.
    let server = Server::start().await;
    server
        .respond(
            200,
            json!({"id": "b1", "type": "mt_text", "to": [46701234567_u64], "from": 12345,
                "body": "x", "canceled": "False", "flash_message": "TRUE",
                "max_number_of_message_parts": "3", "from_ton": "1",
                "created_at": "2014-10-02T09:30Z", "send_at": "2014-10-02T09:30:05.5"}),
        )
        .await;
    let Batch::Text(batch) = server.client().batches().get("b1").await.unwrap() else { panic!() };
    assert_eq!(batch.recipients, ["46701234567"]);
    assert_eq!(batch.sender.as_deref(), Some("12345"));
    assert!(!batch.canceled && batch.flash_message);
    assert_eq!((batch.max_number_of_message_parts, batch.from_ton), (Some(3), Some(1)));
    assert_eq!(batch.created_at.unwrap().to_rfc3339(), "2014-10-02T09:30:00+00:00");
    assert_eq!(batch.send_at.unwrap().to_rfc3339(), "2014-10-02T09:30:05.500+00:00");

    let server = Server::start().await;
    server
        .respond(
            200,
            json!({"type": "delivery_report_sms", "batch_id": "b1",
                "total_message_count": "20000",
                "statuses": [{"code": "0", "status": "Delivered", "count": "20000"}]}),
        )
        .await;
    let report = server.client().delivery_reports().for_batch("b1").send().await.unwrap();
    assert_eq!(report.total_message_count, 20000);
    assert_eq!(report.statuses[0].code, DeliveryCode(0));

    // What is not one of these forms is an error naming the field.
    let server = Server::start().await;
    server.respond(200, json!({"id": "b1", "to": ["1"], "body": "x", "canceled": "maybe"})).await;
    let error = server.client().batches().get("b1").await.unwrap_err();
    assert!(error.to_string().contains("`canceled`"), "{error}");
}

// Round two, 6: the readers' tolerance is consistent with the spec.
#[tokio::test]
async fn a_null_delivery_report_reads_as_none_and_a_missing_statuses_list_is_refused() {
    let server = Scripted::start(vec![
        Step::json(
            200,
            json!({"id": "b1", "type": "mt_text", "to": ["1"], "body": "x",
                   "delivery_report": null}),
        ),
        Step::json(
            200,
            json!({"type": "delivery_report_sms", "batch_id": "b1",
                               "total_message_count": 2}),
        ),
        Step::json(
            200,
            json!({"type": "delivery_report_sms", "batch_id": "b1",
                               "total_message_count": 2, "statuses": null}),
        ),
    ])
    .await;
    let client = server.client(xms::RetryPolicy::none());
    let Batch::Text(batch) = client.batches().get("b1").await.unwrap() else {
        panic!("a text batch")
    };
    assert_eq!(batch.delivery_report, xms::DeliveryReportType::None, "as the official SDKs");

    // `statuses` is required: a report without it is refused by name, not
    // read as a batch with no messages.
    let error = client.delivery_reports().for_batch("b1").send().await.unwrap_err();
    assert!(
        matches!(&error, Error::UnexpectedResponse { .. })
            && error.to_string().contains("statuses"),
        "{error}"
    );
    // `null` is the empty list, as for every list the SDK reads.
    let report = client.delivery_reports().for_batch("b1").send().await.unwrap();
    assert!(report.statuses.is_empty());
}
