//! Authentication, paths, methods, content types, and the reference's
//! codes for invalid requests.

use super::*;

#[tokio::test]
async fn authentication_paths_methods_and_content_types() {
    let api = Api::start();
    let url = format!("{}/xms/v1/{PLAN}/batches", api.sim.url());
    let status = |r: reqwest::Response| r.status().as_u16();
    assert_eq!(status(api.http.get(&url).send().await.unwrap()), 401, "no token");
    assert_eq!(
        status(api.http.get(&url).bearer_auth("wrong").send().await.unwrap()),
        401,
        "wrong token"
    );
    let other_plan = format!("{}/xms/v1/other-plan/batches", api.sim.url());
    assert_eq!(
        status(api.http.get(&other_plan).bearer_auth(TOKEN).send().await.unwrap()),
        401,
        "unknown plan"
    );
    assert_eq!(api.call("GET", "/nothing_here", None).await.0, 404);
    assert_eq!(api.call("GET", "/batches/b1/delivery_report/1/2", None).await.0, 404);
    let response = api.http.patch(&url).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 405);
    // HEAD answers as GET does, without a body, as HTTP has it.
    let mut allow: Vec<&str> =
        response.headers()["allow"].to_str().unwrap().split(',').map(str::trim).collect();
    allow.sort();
    assert_eq!(allow, ["GET", "HEAD", "POST"]);
    let response = api
        .http
        .post(&url)
        .bearer_auth(TOKEN)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 415);
}

#[tokio::test]
async fn a_sent_batch_looks_like_the_reference_says() {
    let api = Api::start();
    let batch = api
        .send(json!({"from": "12345", "to": ["+46 70-123 4567", "0046707654321"], "body": "Hi"}))
        .await;
    let id = batch["id"].as_str().unwrap();
    assert_eq!(id.len(), 26);
    assert!(id.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()));
    assert_eq!(
        batch["to"],
        json!(["46701234567", "46707654321"]),
        "numbers come back without + or 00"
    );
    assert_eq!(
        (batch["type"].as_str(), batch["canceled"].as_bool()),
        (Some("mt_text"), Some(false))
    );
    assert_eq!(batch["delivery_report"], "none");
    let created = batch["created_at"].as_str().unwrap();
    assert!(created.ends_with('Z') && created.len() == 24, "UTC with milliseconds: {created}");
    let created = chrono::DateTime::parse_from_rfc3339(created).unwrap();
    let expire =
        chrono::DateTime::parse_from_rfc3339(batch["expire_at"].as_str().unwrap()).unwrap();
    assert_eq!(expire - created, chrono::TimeDelta::days(3), "expire_at defaults to 3 days later");
    let (status, got) = api.call("GET", &format!("/batches/{id}"), None).await;
    assert_eq!((status, got["body"].as_str()), (200, Some("Hi")));
    assert_eq!(api.call("GET", "/batches/01NOPE00000000000000000000", None).await.0, 404);
}

#[tokio::test]
async fn invalid_requests_get_the_reference_codes() {
    let api = Api::with_callback_less();
    let bad = |body: &str| {
        let api = &api;
        let body = body.to_string();
        async move {
            let r = api
                .http
                .post(format!("{}/xms/v1/{PLAN}/batches", api.sim.url()))
                .bearer_auth(TOKEN)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    for (body, status, expected) in [
        ("{not json", 400, "syntax_invalid_json"),
        (r#"{"to": "46701234567", "body": "x"}"#, 400, "syntax_invalid_json"),
        (r#"{"body": "x"}"#, 400, "syntax_constraint_violation"),
        (r#"{"to": [], "body": "x"}"#, 400, "syntax_constraint_violation"),
        (r#"{"to": ["46701234567"]}"#, 400, "syntax_constraint_violation"),
        (
            r#"{"type": "mt_binary", "to": ["46701234567"], "body": "AA==", "udh": "zz"}"#,
            400,
            "syntax_invalid_parameter_format",
        ),
        (
            r#"{"to": ["46701234567"], "body": "x", "send_at": "tomorrow"}"#,
            400,
            "syntax_invalid_parameter_format",
        ),
        (
            r#"{"to": ["46701234567"], "body": "x", "send_at": "2030-01-01T00:00:00Z", "expire_at": "2030-01-05T00:00:00Z"}"#,
            400,
            "syntax_constraint_violation",
        ),
        (r#"{"to": ["01NOTAGROUP0000000000000000"], "body": "x"}"#, 403, "unknown_group"),
        (
            r#"{"to": ["46701234567"], "body": "x", "delivery_report": "summary"}"#,
            403,
            "missing_callback_url",
        ),
    ] {
        let (s, v) = bad(body).await;
        assert_eq!((s, code(&v)), (status, expected), "{body} -> {v}");
        assert!(v["text"].as_str().is_some_and(|t| !t.is_empty()), "{v}");
    }
}

impl Api {
    fn with_callback_less() -> Api {
        Api::start()
    }
}
