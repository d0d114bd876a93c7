//! Every way an answer can go wrong becomes the right `xms::Error`.

use std::{error::Error as _, time::Duration};

use serde_json::json;
use xms::{Error, ErrorCode};

use crate::support::{Scripted, Server, Step, path};

async fn send_with(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Error {
    let server = Server::start().await;
    server.respond_with(status, headers, body.to_vec(), None).await;
    server.client().batches().text("12345", ["46701234567"], "Hi").send().await.unwrap_err()
}

async fn get_with(status: u16, headers: &[(&str, &str)], body: &[u8]) -> Error {
    let server = Server::start().await;
    server.respond_with(status, headers, body.to_vec(), None).await;
    server.client().batches().get("b1").await.unwrap_err()
}

const JSON: &[(&str, &str)] = &[("content-type", "application/json")];

#[tokio::test]
async fn xms_error_codes_are_typed() {
    for (status, code, expected) in [
        (400, "syntax_invalid_json", ErrorCode::SyntaxInvalidJson),
        (400, "syntax_invalid_parameter_format", ErrorCode::SyntaxInvalidParameterFormat),
        (400, "syntax_constraint_violation", ErrorCode::SyntaxConstraintViolation),
        (403, "unknown_group", ErrorCode::UnknownGroup),
        (403, "missing_callback_url", ErrorCode::MissingCallbackUrl),
        (403, "blocked_account", ErrorCode::BlockedAccount),
        (403, "brand_new_code", ErrorCode::Other("brand_new_code".into())),
    ] {
        let body = json!({"code": code, "text": "explanation"}).to_string();
        let error = send_with(status, JSON, body.as_bytes()).await;
        match &error {
            Error::Api { code: c, text, response, .. } => {
                assert_eq!(
                    (response.status(), c, text.as_str()),
                    (status, &expected, "explanation")
                );
            }
            other => panic!("{code}: expected Api, got {other:?}"),
        }
        assert_eq!(error.status(), Some(status));
        assert_eq!(error.code(), Some(&expected));
        assert!(!error.is_retryable());
    }
}

#[tokio::test]
async fn unauthorized_and_forbidden_without_a_code() {
    let error = get_with(401, &[], b"").await;
    assert!(
        matches!(error, Error::Unauthorized { message: None, .. }) && error.status() == Some(401),
        "{error:?}"
    );

    let error = get_with(403, &[("content-type", "text/plain")], b"Forbidden").await;
    assert!(
        matches!(&error, Error::Unauthorized { message: Some(m), .. } if m == "Forbidden")
            && error.status() == Some(403),
        "{error:?}"
    );

    // The nested shape of the auth service and gateways.
    let body = json!({"error": {"code": 401, "message": "Invalid credentials", "status": "UNAUTHENTICATED"}});
    let error = send_with(401, JSON, body.to_string().as_bytes()).await;
    assert!(
        matches!(&error, Error::Unauthorized { message: Some(m), .. } if m == "Invalid credentials")
            && error.status() == Some(401),
        "{error:?}"
    );
}

#[tokio::test]
async fn not_found() {
    let error = get_with(404, &[], b"").await;
    assert!(matches!(error, Error::NotFound { .. }), "{error:?}");
    assert_eq!(error.status(), Some(404));
    // Also from an operation whose spec lists other errors.
    let error = send_with(404, &[], b"").await;
    assert!(matches!(error, Error::NotFound { .. }), "{error:?}");
}

#[tokio::test]
async fn rate_limited_with_and_without_retry_after() {
    let error = get_with(429, &[("retry-after", "7")], b"").await;
    assert!(
        matches!(error, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(7)),
        "{error:?}"
    );
    assert!(error.is_retryable());
    assert_eq!(error.retry_after(), Some(Duration::from_secs(7)));

    let later =
        (chrono::Utc::now() + chrono::TimeDelta::seconds(120)).to_rfc2822().replace("+0000", "GMT");
    let error = get_with(429, &[("retry-after", &later)], b"").await;
    let wait = error.retry_after().expect("an HTTP date is read");
    assert!(wait > Duration::from_secs(100) && wait <= Duration::from_secs(120), "{wait:?}");

    let error = get_with(429, &[], b"").await;
    assert!(matches!(error, Error::RateLimited { retry_after: None, .. }), "{error:?}");
}

#[tokio::test]
async fn server_errors_keep_status_headers_and_body() {
    let error = get_with(500, JSON, br#"{"oops": true}"#).await;
    match &error {
        Error::UnexpectedResponse { response, .. } => {
            assert_eq!(response.status(), 500);
            assert_eq!(response.body(), br#"{"oops": true}"#);
            assert_eq!(response.headers().get("content-type").unwrap(), "application/json");
        }
        other => panic!("expected UnexpectedResponse, got {other:?}"),
    }
    assert!(error.is_retryable());
    assert!(error.may_have_been_processed() && error.is_safe_to_repeat(), "a read repeats");

    let html = b"<html><body>503 Service Temporarily Unavailable</body></html>";
    let error = send_with(503, &[("content-type", "text/html")], html).await;
    assert!(
        matches!(&error, Error::UnexpectedResponse { response, .. } if response.body() == html && response.status() == 503),
        "{error:?}"
    );
    // A 503 on a send may have been processed: not retryable, not safe to
    // repeat, unlike the 500 on a get above.
    assert!(!error.is_retryable());
    assert!(error.may_have_been_processed());
    assert!(!error.is_safe_to_repeat());
    assert!(error.to_string().contains("503 Service Temporarily Unavailable"), "{error}");
}

#[tokio::test]
async fn spring_style_400_on_an_operation_that_documents_400() {
    // The generated client expects {code, text} for a 400 here and cannot
    // read this body; the status still comes through.
    let body = json!({"timestamp": "2026-02-27T10:15:22.118+00:00", "status": 400, "error": "Bad Request", "path": "/xms/v1/plan123/batches"});
    let error = send_with(400, JSON, body.to_string().as_bytes()).await;
    match &error {
        Error::Rejected { error, message, response, .. } => {
            assert_eq!(response.status(), 400);
            assert_eq!(error, "Bad Request");
            assert_eq!(message.as_deref(), Some("at /xms/v1/plan123/batches"));
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
}

#[tokio::test]
async fn a_400_whose_body_is_not_json() {
    let error = send_with(400, &[("content-type", "text/plain")], b"bad").await;
    match &error {
        Error::UnexpectedResponse { response, source, .. } => {
            assert_eq!((response.status(), response.body()), (400, &b"bad"[..]));
            assert!(source.is_some(), "the parse error is kept");
        }
        other => panic!("expected UnexpectedResponse, got {other:?}"),
    }
    assert!(error.source().is_some());
}

#[tokio::test]
async fn success_with_a_body_that_is_not_a_batch() {
    for body in
        [&b"not json"[..], b"", br#"{"id": "b1", "to": ["1"], "body": "x", "created_at": 12}"#]
    {
        let error = get_with(200, JSON, body).await;
        match &error {
            Error::UnexpectedResponse { response, source: Some(_), .. } => {
                assert_eq!((response.status(), response.body()), (200, body))
            }
            other => panic!(
                "{:?}: expected UnexpectedResponse with a source, got {other:?}",
                String::from_utf8_lossy(body)
            ),
        }
    }
}

#[tokio::test]
async fn a_truncated_body_and_a_dropped_connection() {
    // The body is cut short of its Content-Length: the connection broke.
    let server =
        Scripted::start(vec![Step::Truncate(200, 500, br#"{"id": "b1", "to": ["#.to_vec())]).await;
    let error = server.client(xms::RetryPolicy::none()).batches().get("b1").await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    assert!(error.source().is_some());
    assert!(error.is_retryable());

    // Complete but cut JSON: the body is not a batch.
    let cut = br#"{"id": "b1", "to": ["#;
    let server = Scripted::start(vec![Step::Reply(
        200,
        vec![("content-type", "application/json".into())],
        cut.to_vec(),
    )])
    .await;
    let error = server.client(xms::RetryPolicy::none()).batches().get("b1").await.unwrap_err();
    assert!(
        matches!(error, Error::UnexpectedResponse { .. }) && error.status() == Some(200),
        "{error:?}"
    );

    // The connection closes before any answer.
    let server = Scripted::start(vec![Step::Hang]).await;
    let error = server
        .client(xms::RetryPolicy::none())
        .batches()
        .text("1", ["2"], "x")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    // The request was written: the batch may exist.
    assert!(error.may_have_been_processed() && !error.is_safe_to_repeat() && !error.is_retryable());
}

#[tokio::test]
async fn timeouts_and_refused_connections() {
    let server = Server::start().await;
    server.respond_with(200, JSON, b"{}".to_vec(), Some(Duration::from_secs(3))).await;
    let client = xms::Client::builder()
        .service_plan("plan123", "tok")
        .endpoint(server.url())
        .timeout(Duration::from_millis(200))
        .retry(xms::RetryPolicy::none())
        .build()
        .unwrap();
    let error = client.batches().get("b1").await.unwrap_err();
    assert!(matches!(error, Error::Timeout { .. }), "{error:?}");
    assert!(error.source().is_some(), "the reqwest error is kept as the source");
    assert!(error.is_retryable());

    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let client = xms::Client::builder()
        .service_plan("plan123", "tok")
        .endpoint(format!("http://127.0.0.1:{port}"))
        .retry(xms::RetryPolicy::none())
        .build()
        .unwrap();
    let error = client.batches().get("b1").await.unwrap_err();
    assert!(matches!(error, Error::Transport { .. }), "{error:?}");
    // Refused: nothing was sent, so even a send is safe to repeat.
    let error = client.batches().text("1", ["2"], "x").send().await.unwrap_err();
    assert!(!error.may_have_been_processed(), "{error:?}");
    assert!(error.is_safe_to_repeat() && error.is_retryable());
}

#[tokio::test]
async fn an_undocumented_success_status_is_accepted_when_the_body_is_right() {
    // 200 where the spec says 201.
    let server = Server::start().await;
    server.respond(200, json!({"id": "b1", "type": "mt_text", "to": ["1"], "body": "x"})).await;
    let batch = server.client().batches().text("12345", ["1"], "x").send().await.unwrap();
    assert_eq!(batch.id, "b1");
    server.only_request().assert_line("POST", &path("/batches"), None);
}

#[tokio::test]
async fn a_request_to_any_path_goes_through_the_same_transport() {
    use reqwest::Method;
    use serde_json::json;

    use crate::support::{Scripted, Step, fast_retries};
    // A GET that failed with a 503 is retried (by its method); the answer is
    // the JSON, and the request carries the client's credentials.
    let server = Scripted::start(vec![
        Step::empty(503),
        Step::json(200, json!({"page": 0, "count": 1})),
        Step::empty(204),
        Step::empty(404),
        Step::empty(503),
    ])
    .await;
    let client = server.client(fast_retries(1));
    let page = client.request(Method::GET, "/batches", &[("page_size", "1")], None).await.unwrap();
    assert_eq!(page["count"], 1);
    let seen = server.requests();
    assert_eq!(seen.len(), 2, "the 503 was retried once");
    seen[1].assert_line("GET", &crate::support::path("/batches"), Some("page_size=1"));
    assert_eq!(
        seen[1].header("authorization"),
        Some(format!("Bearer {}", crate::support::TOKEN).as_str())
    );

    // An empty success is null; a body is sent as JSON.
    let body = json!({"to": ["123"]});
    let done = client.request(Method::POST, "/xms/v1/plan123/groups", &[], Some(&body)).await;
    assert_eq!(done.unwrap(), serde_json::Value::Null);
    assert_eq!(server.requests()[2].json(), body);

    // Errors are the SDK's; a POST is not repeated after a 5xx.
    let missing = client.request(Method::GET, "/batches/nope", &[], None).await.unwrap_err();
    assert!(matches!(missing, Error::NotFound { .. }), "{missing:?}");
    let failed = client.request(Method::POST, "/batches", &[], Some(&body)).await.unwrap_err();
    assert!(failed.may_have_been_processed() && !failed.is_safe_to_repeat(), "{failed:?}");
    assert_eq!(server.requests().len(), 5, "the POST went once");

    // A path that would leave the API is refused before sending.
    for path in ["batches", "/../x", "/batches?x=1", "/a\\b"] {
        let refused = client.request(Method::GET, path, &[], None).await.unwrap_err();
        assert!(matches!(refused, Error::InvalidRequest { .. }), "{path}: {refused:?}");
    }
    assert_eq!(server.requests().len(), 5);
}
