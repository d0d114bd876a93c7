//! The simulator driven with raw HTTP, checked against the XMS reference:
//! statuses, error codes, bodies, the lifecycle, callbacks and the control API.
//! Every answer is also checked against the spec's response schemas when a
//! test ends (`tests/common/spec.rs` of the workspace).

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{Router, body::Bytes, http::HeaderMap, routing::post};
use serde_json::{Value, json};
use xms_simulator::{ClockMode, Fault, Simulator};

const PLAN: &str = "sim-plan";
const TOKEN: &str = "sim-token";

#[path = "../../tests/common/spec.rs"]
mod spec;

struct Api {
    sim: Simulator,
    http: reqwest::Client,
}

impl Drop for Api {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            spec::check_answers(&self.sim);
        }
    }
}

impl Api {
    fn new(sim: Simulator) -> Api {
        Api { sim, http: reqwest::Client::new() }
    }

    fn start() -> Api {
        Api::new(Simulator::builder().record_answers().start())
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}/xms/v1/{PLAN}{path}", self.sim.url());
        let mut request = self
            .http
            .request(method.parse().unwrap(), url)
            .header("authorization", format!("Bearer {TOKEN}"));
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    async fn control(&self, method: &str, path: &str, body: Value) -> Value {
        let response = self
            .http
            .request(method.parse().unwrap(), format!("{}/_sim{path}", self.sim.url()))
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        response.json().await.unwrap_or(Value::Null)
    }

    async fn advance(&self, seconds: f64) {
        self.control("POST", "/clock/advance", json!({"seconds": seconds})).await;
    }

    async fn send(&self, body: Value) -> Value {
        let (status, batch) = self.call("POST", "/batches", Some(body)).await;
        assert_eq!(status, 201, "{batch}");
        batch
    }
}

fn code(v: &Value) -> &str {
    v["code"].as_str().unwrap_or("")
}

/// A callback receiver on 127.0.0.1 that answers with the given statuses in
/// turn (then 200) and records what it was sent.
struct Receiver {
    url: String,
    seen: Arc<Mutex<Vec<(HeaderMap, Value)>>>,
}

async fn receiver(statuses: Vec<u16>) -> Receiver {
    let seen: Arc<Mutex<Vec<(HeaderMap, Value)>>> = Arc::default();
    let record = seen.clone();
    let script = Arc::new(Mutex::new(statuses.into_iter()));
    let app = Router::new().route(
        "/cb",
        post(move |headers: HeaderMap, body: Bytes| {
            let record = record.clone();
            let script = script.clone();
            async move {
                record
                    .lock()
                    .unwrap()
                    .push((headers, serde_json::from_slice(&body).unwrap_or(Value::Null)));
                let status = script.lock().unwrap().next().unwrap_or(200);
                axum::http::StatusCode::from_u16(status).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/cb", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Receiver { url, seen }
}

impl Receiver {
    fn bodies(&self) -> Vec<Value> {
        self.seen.lock().unwrap().iter().map(|(_, b)| b.clone()).collect()
    }
}

// -------------------------------------------------------------- the basics

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

// ---------------------------------------------------------- the lifecycle

#[tokio::test]
async fn messages_move_through_the_statuses_on_the_clock() {
    let api = Api::start();
    let recipients =
        ["46701000000", "46701000991", "46701000992", "46701000993", "46701000994", "46701000995"];
    let batch = api.send(json!({"from": "12345", "to": recipients, "body": "Hi"})).await;
    let id = batch["id"].as_str().unwrap();
    let report = |full: bool| {
        let path = format!("/batches/{id}/delivery_report{}", if full { "?type=full" } else { "" });
        let api = &api;
        async move { api.call("GET", &path, None).await.1 }
    };
    let summary = report(false).await;
    assert_eq!(summary["type"], "delivery_report_sms");
    assert_eq!(summary["total_message_count"], 6);
    assert_eq!(summary["statuses"], json!([{"code": 400, "status": "Queued", "count": 6}]));

    api.advance(1.0).await;
    let statuses = report(false).await["statuses"].clone();
    assert_eq!(
        statuses,
        json!([{"code": 400, "status": "Queued", "count": 1}, {"code": 401, "status": "Dispatched", "count": 5}])
    );

    api.advance(2.0).await;
    let full = report(true).await;
    let by_status: Vec<(i64, String, Vec<String>)> = full["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let recipients = s["recipients"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap().to_string())
                .collect();
            (s["code"].as_i64().unwrap(), s["status"].as_str().unwrap().to_string(), recipients)
        })
        .collect();
    assert_eq!(
        by_status,
        vec![
            (0, "Delivered".into(), vec!["46701000000".into()]),
            (3, "Expired".into(), vec!["46701000993".into()]),
            (5, "Failed".into(), vec!["46701000991".into()]),
            (8, "Rejected".into(), vec!["46701000992".into()]),
            (400, "Queued".into(), vec!["46701000994".into()]),
            (401, "Dispatched".into(), vec!["46701000995".into()]),
        ]
    );
    let (status, one) =
        api.call("GET", &format!("/batches/{id}/delivery_report/+46701000000"), None).await;
    assert_eq!(status, 200);
    assert_eq!(
        (one["type"].as_str(), one["status"].as_str(), one["code"].as_i64()),
        (Some("recipient_delivery_report_sms"), Some("Delivered"), Some(0))
    );
    assert!(one["at"].is_string() && one["operator_status_at"].is_string());
    assert_eq!(
        api.call("GET", &format!("/batches/{id}/delivery_report/46709999999"), None).await.0,
        404
    );
    // Filters.
    let failed = api
        .call("GET", &format!("/batches/{id}/delivery_report?status=Failed,Rejected&code=8"), None)
        .await
        .1;
    assert_eq!(failed["statuses"], json!([{"code": 8, "status": "Rejected", "count": 1}]));
}

#[tokio::test]
async fn scheduled_batches_can_change_until_dispatched() {
    let api = Api::start();
    let now = chrono::DateTime::parse_from_rfc3339(
        api.control("GET", "/clock", Value::Null).await["now"].as_str().unwrap(),
    )
    .unwrap();
    let send_at = (now + chrono::TimeDelta::hours(1)).to_rfc3339();
    let batch = api.send(json!({"to": ["46701234567"], "body": "Later", "send_at": send_at})).await;
    let id = batch["id"].as_str().unwrap().to_string();
    assert_eq!(
        api.call("GET", &format!("/batches/{id}/delivery_report"), None).await.1["statuses"],
        json!([])
    );

    let (status, updated) = api
        .call(
            "POST",
            &format!("/batches/{id}"),
            Some(json!({"type": "mt_text", "to_add": ["46707654321"], "body": "Later!"})),
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["to"], json!(["46701234567", "46707654321"]));
    let (status, replaced) = api
        .call(
            "PUT",
            &format!("/batches/{id}"),
            Some(json!({"to": ["46709999999"], "body": "Instead", "send_at": send_at})),
        )
        .await;
    assert_eq!((status, replaced["id"].as_str()), (200, Some(id.as_str())));

    api.advance(3601.0).await;
    let (status, refused) =
        api.call("POST", &format!("/batches/{id}"), Some(json!({"body": "Too late"}))).await;
    assert_eq!((status, code(&refused)), (403, "batch_already_dispatched"));
    let (status, refused) = api
        .call("PUT", &format!("/batches/{id}"), Some(json!({"to": ["1234567"], "body": "x"})))
        .await;
    assert_eq!((status, code(&refused)), (403, "batch_already_dispatched"));
    let outbox = api.sim.outbox();
    assert_eq!(outbox.as_array().unwrap().len(), 1);
    assert_eq!(outbox[0]["to"], "46709999999");
}

#[tokio::test]
async fn cancel_before_and_after_dispatch() {
    let api = Api::start();
    let now = chrono::Utc::now() + chrono::TimeDelta::hours(1);
    let scheduled =
        api.send(json!({"to": ["46701234567"], "body": "x", "send_at": now.to_rfc3339()})).await;
    let id = scheduled["id"].as_str().unwrap();
    let (status, canceled) = api.call("DELETE", &format!("/batches/{id}"), None).await;
    assert_eq!((status, canceled["canceled"].as_bool()), (200, Some(true)));
    api.advance(7200.0).await;
    assert_eq!(
        api.call("GET", &format!("/batches/{id}/delivery_report"), None).await.1["statuses"],
        json!([])
    );

    let sent = api.send(json!({"to": ["46701234567", "46701000994"], "body": "x"})).await;
    let id = sent["id"].as_str().unwrap();
    api.advance(1.0).await;
    api.call("DELETE", &format!("/batches/{id}"), None).await;
    api.advance(5.0).await;
    let statuses =
        api.call("GET", &format!("/batches/{id}/delivery_report"), None).await.1["statuses"]
            .clone();
    assert_eq!(
        statuses,
        json!([{"code": 0, "status": "Delivered", "count": 1}, {"code": 407, "status": "Aborted", "count": 1}])
    );
}

#[tokio::test]
async fn parameters_encodings_and_parts() {
    let api = Api::start();
    let body = format!("{} ${{name}}", "a".repeat(150));
    api.send(json!({
        "to": ["46701111111", "46702222222", "46703333333"],
        "body": body,
        "parameters": {"name": {"46701111111": "Ada", "46702222222": "Ωmegaω"}}
    }))
    .await;
    api.send(
        json!({"to": ["46704444444"], "body": "€".repeat(81), "max_number_of_message_parts": 1}),
    )
    .await;
    api.send(json!({"to": ["46705555555"], "body": "€".repeat(80)})).await;
    let outbox = api.sim.outbox();
    let by_number =
        |n: &str| outbox.as_array().unwrap().iter().find(|m| m["to"] == n).unwrap().clone();
    let ada = by_number("46701111111");
    assert_eq!(
        (
            ada["body"].as_str().unwrap().ends_with(" Ada"),
            ada["parts"].as_u64(),
            ada["encoding"].as_str()
        ),
        (true, Some(1), Some("GSM"))
    );
    let omega = by_number("46702222222");
    assert_eq!((omega["parts"].as_u64(), omega["encoding"].as_str()), (Some(3), Some("UNICODE")));
    let missing = by_number("46703333333");
    assert_eq!(
        (missing["status"].as_str(), missing["code"].as_i64()),
        (Some("Aborted"), Some(405))
    );
    let too_long = by_number("46704444444");
    assert_eq!(
        (too_long["status"].as_str(), too_long["code"].as_i64(), too_long["parts"].as_u64()),
        (Some("Aborted"), Some(411), Some(2))
    );
    assert_eq!(by_number("46705555555")["parts"], 1, "80 euro signs are 160 septets");
}

#[tokio::test]
async fn dry_run_and_delivery_feedback() {
    let api = Api::start();
    let (status, result) = api
        .http
        .post(format!(
            "{}/xms/v1/{PLAN}/batches/dry_run?per_recipient=true&number_of_recipients=1",
            api.sim.url()
        ))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body(json!({"to": ["46701111111", "46702222222"], "body": "a".repeat(200)}).to_string())
        .send()
        .await
        .map(|r| (r.status().as_u16(), r))
        .unwrap();
    let result: Value = result.json().await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(
        (result["number_of_recipients"].as_u64(), result["number_of_messages"].as_u64()),
        (Some(2), Some(4))
    );
    assert_eq!(result["per_recipient"].as_array().unwrap().len(), 1);
    assert!(api.sim.outbox().as_array().unwrap().is_empty(), "a dry run sends nothing");

    let plain = api.send(json!({"to": ["46701111111"], "body": "x"})).await;
    let (status, refused) = api
        .call(
            "POST",
            &format!("/batches/{}/delivery_feedback", plain["id"].as_str().unwrap()),
            Some(json!({"recipients": []})),
        )
        .await;
    assert_eq!((status, code(&refused)), (400, "syntax_constraint_violation"));
    let with =
        api.send(json!({"to": ["46701111111"], "body": "x", "feedback_enabled": true})).await;
    let (status, _) = api
        .call(
            "POST",
            &format!("/batches/{}/delivery_feedback", with["id"].as_str().unwrap()),
            Some(json!({"recipients": ["46701111111"]})),
        )
        .await;
    assert_eq!(status, 202);
}

// --------------------------------------------------------------- groups

#[tokio::test]
async fn groups_members_auto_update_and_sending_to_a_group() {
    let api = Api::start();
    let (status, group) = api
        .call("POST", "/groups", Some(json!({"name": "Club", "members": ["+46701111111"], "auto_update": {"to": "12345", "add": {"first_word": "JOIN"}, "remove": {"first_word": "stop"}}})))
        .await;
    assert_eq!(status, 201, "{group}");
    let id = group["id"].as_str().unwrap().to_string();
    assert_eq!((group["size"].as_u64(), group["name"].as_str()), (Some(1), Some("Club")));
    let (status, conflict) = api.call("POST", "/groups", Some(json!({"name": "Club"}))).await;
    assert_eq!((status, code(&conflict)), (403, "conflict_group_name"));

    // Phones text JOIN and STOP to 12345.
    api.sim
        .inject_inbound(json!({"from": "46702222222", "to": "12345", "body": "join please"}))
        .await
        .unwrap();
    api.sim
        .inject_inbound(json!({"from": "46701111111", "to": "12345", "body": "STOP"}))
        .await
        .unwrap();
    let (_, members) = api.call("GET", &format!("/groups/{id}/members"), None).await;
    assert_eq!(members, json!(["46702222222"]));

    let (status, updated) = api
        .call("POST", &format!("/groups/{id}"), Some(json!({"add": ["46703333333"], "name": null})))
        .await;
    assert_eq!(status, 200);
    assert!(updated.get("name").is_none(), "the name was removed: {updated}");
    assert_eq!(updated["size"], 2);

    api.send(json!({"to": [id], "body": "Hello members"})).await;
    let sent: Vec<String> = api
        .sim
        .outbox()
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["to"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(sent, ["46702222222", "46703333333"]);

    assert_eq!(api.call("DELETE", &format!("/groups/{id}"), None).await.0, 200);
    assert_eq!(api.call("GET", &format!("/groups/{id}"), None).await.0, 404);
    let (status, unknown) =
        api.call("POST", "/batches", Some(json!({"to": [id], "body": "x"}))).await;
    assert_eq!((status, code(&unknown)), (403, "unknown_group"));
}

// --------------------------------------------------------------- listings

#[tokio::test]
async fn listings_are_paged_counted_filtered_and_newest_first() {
    let api = Api::start();
    for i in 0..7 {
        api.send(json!({"from": if i % 2 == 0 { "12345" } else { "54321" }, "to": ["46701234567"], "body": format!("n{i}")})).await;
    }
    let (status, page) = api.call("GET", "/batches?page=1&page_size=3", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        (page["page"].as_u64(), page["page_size"].as_u64(), page["count"].as_u64()),
        (Some(1), Some(3), Some(7))
    );
    let bodies: Vec<&str> =
        page["batches"].as_array().unwrap().iter().map(|b| b["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["n3", "n2", "n1"], "newest first");
    let last = api.call("GET", "/batches?page=2&page_size=3", None).await.1;
    assert_eq!(last["page_size"], 1, "page_size is the number of items on the page");
    let filtered = api.call("GET", "/batches?from=54321", None).await.1;
    assert_eq!(filtered["count"], 3);
    let (status, error) = api.call("GET", "/batches?page_size=101", None).await;
    assert_eq!((status, code(&error)), (400, "syntax_constraint_violation"));
    // Older than 24 hours: out of the default window, in an explicit one.
    api.advance(25.0 * 3600.0).await;
    assert_eq!(api.call("GET", "/batches", None).await.1["count"], 0);
    assert_eq!(api.call("GET", "/batches?start_date=2000-01-01", None).await.1["count"], 7);
}

// -------------------------------------------------------------- callbacks

#[tokio::test]
async fn delivery_report_callbacks_signed_and_retried() {
    let receiver = receiver(vec![500, 503]).await;
    let sim = Simulator::builder()
        .service_plan(PLAN, TOKEN)
        .callback_url(&receiver.url)
        .signing_secret("s3cret")
        .record_answers()
        .start();
    let api = Api::new(sim);
    api.send(json!({"to": ["46701234567"], "body": "x", "delivery_report": "per_recipient"})).await;
    api.sim.settle().await;
    // Queued was refused with 500: the retry is due 5 s later.
    assert_eq!(receiver.bodies().len(), 1);
    api.advance(3.0).await;
    // Dispatched (503 refused) and Delivered arrived meanwhile; the retries are later.
    api.advance(60.0).await;
    let bodies = receiver.bodies();
    let delivered: Vec<&str> = bodies.iter().map(|b| b["status"].as_str().unwrap()).collect();
    assert_eq!(delivered.len(), 5, "3 callbacks, 2 of them retried once: {delivered:?}");
    for status in ["Queued", "Dispatched", "Delivered"] {
        assert!(delivered.contains(&status), "{status} missing from {delivered:?}");
    }
    assert_eq!(api.sim.callback_counts(), (3, 0));
    // Each one is signed: HMAC-SHA256 of body.nonce.timestamp, base64.
    use base64::Engine as _;
    use hmac::{KeyInit, Mac};
    for (headers, body) in receiver.seen.lock().unwrap().iter() {
        let header = |n: &str| headers[n].to_str().unwrap().to_string();
        let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(b"s3cret").unwrap();
        mac.update(serde_json::to_string(body).unwrap().as_bytes());
        mac.update(
            format!(
                ".{}.{}",
                header("x-sinch-webhook-signature-nonce"),
                header("x-sinch-webhook-signature-timestamp")
            )
            .as_bytes(),
        );
        let expected =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        assert_eq!(header("x-sinch-webhook-signature"), expected);
        assert_eq!(header("x-sinch-webhook-signature-algorithm"), "HmacSHA256");
    }
}

#[tokio::test]
async fn summary_callbacks_come_once_when_every_message_is_final() {
    let receiver = receiver(vec![]).await;
    let api = Api::new(
        Simulator::builder()
            .service_plan(PLAN, TOKEN)
            .callback_url(&receiver.url)
            .record_answers()
            .start(),
    );
    let batch = api.send(json!({"to": ["46701111111", "46701111991"], "body": "x", "delivery_report": "full", "client_reference": "r1"})).await;
    api.advance(1.0).await;
    assert!(receiver.bodies().is_empty());
    api.advance(5.0).await;
    let bodies = receiver.bodies();
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0]["type"], "delivery_report_sms");
    assert_eq!(bodies[0]["batch_id"], batch["id"]);
    assert_eq!(bodies[0]["client_reference"], "r1");
    assert_eq!(bodies[0]["statuses"][1]["recipients"], json!(["46701111991"]));
}

#[tokio::test]
async fn inbound_messages_are_listed_and_posted() {
    let receiver = receiver(vec![]).await;
    let api = Api::new(
        Simulator::builder()
            .service_plan(PLAN, TOKEN)
            .inbound_url(&receiver.url)
            .record_answers()
            .start(),
    );
    let injected = api
        .control(
            "POST",
            "/inbounds",
            json!({"from": "+46701234567", "to": "12345", "body": "Hello"}),
        )
        .await;
    assert_eq!(injected["type"], "mo_text");
    let (status, got) =
        api.call("GET", &format!("/inbounds/{}", injected["id"].as_str().unwrap()), None).await;
    assert_eq!(
        (status, got["from"].as_str(), got["to"].as_str()),
        (200, Some("46701234567"), Some("12345"))
    );
    let list = api.call("GET", "/inbounds?to=12345,99999", None).await.1;
    assert_eq!(list["count"], 1);
    assert_eq!(receiver.bodies(), vec![got]);
}

// ------------------------------------------------------- the control API

#[tokio::test]
async fn faults_reset_and_tags() {
    let api = Api::start();
    api.sim.fail_next(1, Fault { status: Some(503), body: "busy".into(), ..Fault::default() });
    assert_eq!(api.call("GET", "/batches", None).await, (503, Value::String("busy".into())));
    assert_eq!(api.call("GET", "/batches", None).await.0, 200, "one fault only");

    api.control("POST", "/faults", json!({"count": 1, "drop": true})).await;
    let dropped = match api
        .http
        .get(format!("{}/xms/v1/{PLAN}/batches", api.sim.url()))
        .bearer_auth(TOKEN)
        .send()
        .await
    {
        Ok(response) => response.bytes().await.map(|_| ()),
        Err(e) => Err(e),
    };
    assert!(dropped.is_err(), "the answer breaks off");

    // Queued faults can be forgotten.
    api.control("POST", "/faults", json!({"count": 5, "status": 500})).await;
    let cleared = api.control("DELETE", "/faults", json!({})).await;
    assert_eq!(cleared["cleared"], 5);
    assert_eq!(api.call("GET", "/batches", None).await.0, 200);

    let batch = api.send(json!({"to": ["46701234567"], "body": "x"})).await;
    let tags = format!("/batches/{}/tags", batch["id"].as_str().unwrap());
    assert_eq!(
        api.call("PUT", &tags, Some(json!({"tags": ["a", "b"]}))).await.1,
        json!({"tags": ["a", "b"]})
    );
    assert_eq!(
        api.call("POST", &tags, Some(json!({"add": ["c"], "remove": ["a"]}))).await.1,
        json!({"tags": ["b", "c"]})
    );
    assert_eq!(api.call("GET", "/batches?tags=c", None).await.1["count"], 1);

    api.control("POST", "/reset", Value::Null).await;
    assert_eq!(api.call("GET", "/batches", None).await.1["count"], 0);
}

#[tokio::test]
async fn the_clock_can_run_in_real_time() {
    let api = Api::start();
    api.sim.set_clock(ClockMode::Realtime { speed: 20.0 });
    let batch = api.send(json!({"to": ["46701234567"], "body": "x"})).await;
    tokio::time::sleep(Duration::from_millis(400)).await; // 8 simulated seconds
    let report = api
        .call("GET", &format!("/batches/{}/delivery_report", batch["id"].as_str().unwrap()), None)
        .await
        .1;
    assert_eq!(report["statuses"], json!([{"code": 0, "status": "Delivered", "count": 1}]));
}

#[test]
fn the_binary_prints_help_and_serves() {
    let exe = env!("CARGO_BIN_EXE_xms-simulator");
    let help = std::process::Command::new(exe).arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(help.status.success() && text.contains("--port") && text.contains("--clock"), "{text}");
    let wrong = std::process::Command::new(exe).arg("--bogus").output().unwrap();
    assert_eq!(wrong.status.code(), Some(2));

    use std::io::BufRead;
    let mut child = std::process::Command::new(exe)
        .args(["--port", "0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(line.starts_with("XMS simulator listening on http://127.0.0.1:"), "{line}");
}

/// Bad input that used to panic a handler (dropping the connection, and for
/// the clock, every later request): a 400 with XMS's error body now, or an
/// empty page, and the simulator keeps answering.
#[tokio::test]
async fn out_of_range_input_is_refused_and_never_panics() {
    let api = Api::start();
    let far = "+262142-12-31T00:00:00Z";
    for field in ["send_at", "expire_at"] {
        let (status, body) = api
            .call(
                "POST",
                "/batches",
                Some(json!({"from": "12345", "to": ["46701234567"], "body": "x", field: far})),
            )
            .await;
        assert_eq!(status, 400, "{field}: {body}");
        assert_eq!(code(&body), "syntax_invalid_parameter_format", "{body}");
    }
    // The latest date a year of four digits allows still works out.
    let (status, body) = api
        .call(
            "POST",
            "/batches",
            Some(json!({"from": "12345", "to": ["46701234567"], "body": "x",
                "send_at": "9999-12-30T00:00:00Z"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    for path in ["/batches", "/inbounds", "/groups", "/delivery_reports"] {
        let (status, body) =
            api.call("GET", &format!("{path}?page=18446744073709551615&page_size=100"), None).await;
        assert_eq!(status, 200, "{path}: {body}");
        let items = body.as_object().unwrap().values().find_map(Value::as_array).unwrap();
        assert!(items.is_empty(), "{path}: {body}");
    }

    for speed in [json!(1e300), json!(1e15), json!(0), json!(-1)] {
        let response = api
            .http
            .post(format!("{}/_sim/clock/mode", api.sim.url()))
            .body(json!({"mode": "realtime", "speed": speed}).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "speed {speed}");
    }
    // Even a clock set from Rust to an absurd speed cannot panic.
    api.sim.set_clock(ClockMode::Realtime { speed: 1e300 });
    tokio::time::sleep(Duration::from_millis(20)).await;
    let (status, _) = api.call("GET", "/batches", None).await;
    assert_eq!(status, 200);
    api.sim.set_clock(ClockMode::Manual);
    let (status, _) = api.call("GET", "/batches", None).await;
    assert_eq!(status, 200, "the simulator still answers");
}

/// Groups without child groups say so with an empty list, as XMS does.
#[tokio::test]
async fn a_group_always_has_child_groups() {
    let api = Api::start();
    let (status, group) =
        api.call("POST", "/groups", Some(json!({"name": "g", "members": ["46701234567"]}))).await;
    assert_eq!(status, 201, "{group}");
    assert_eq!(group["child_groups"], json!([]), "{group}");
    let (_, list) = api.call("GET", "/groups", None).await;
    assert_eq!(list["groups"][0]["child_groups"], json!([]), "{list}");
}

/// Booleans in a query are read in any case; a value that is not one is a
/// 400, not ignored.
#[tokio::test]
async fn boolean_query_values_in_any_case() {
    let api = Api::start();
    let batch = json!({"from": "12345", "to": ["46701234567"], "body": "Hi"});
    for value in ["True", "TRUE", "true"] {
        let (status, body) = api
            .call("POST", &format!("/batches/dry_run?per_recipient={value}"), Some(batch.clone()))
            .await;
        assert_eq!(status, 200, "{value}: {body}");
        assert_eq!(body["per_recipient"].as_array().map(Vec::len), Some(1), "{value}: {body}");
    }
    let (status, body) =
        api.call("POST", "/batches/dry_run?per_recipient=False", Some(batch.clone())).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["per_recipient"].as_array().is_none_or(Vec::is_empty), "{body}");
    let (status, body) = api.call("POST", "/batches/dry_run?per_recipient=yes", Some(batch)).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(code(&body), "syntax_invalid_parameter_format");
}

/// Legacy CLX tags given when a batch or group is created are kept and
/// returned, as the CLX API did, and are the ones the tags endpoints see.
#[tokio::test]
async fn tags_given_on_create_are_kept_and_returned() {
    let api = Api::start();
    let batch = api
        .send(
            json!({"from": "12345", "to": ["46701234567"], "body": "x", "tags": ["spring", "vip"]}),
        )
        .await;
    assert_eq!(batch["tags"], json!(["spring", "vip"]), "{batch}");
    let id = batch["id"].as_str().unwrap();
    let (status, tags) = api.call("GET", &format!("/batches/{id}/tags"), None).await;
    assert_eq!((status, tags["tags"].clone()), (200, json!(["spring", "vip"])));
    let (_, listed) = api.call("GET", "/batches?tags=vip", None).await;
    assert_eq!(listed["count"], 1, "{listed}");
    let (_, got) = api.call("GET", &format!("/batches/{id}"), None).await;
    assert_eq!(got["tags"], json!(["spring", "vip"]), "{got}");

    let (status, group) = api
        .call("POST", "/groups", Some(json!({"name": "t", "members": [], "tags": ["news"]})))
        .await;
    assert_eq!(status, 201, "{group}");
    assert_eq!(group["tags"], json!(["news"]), "{group}");
    let gid = group["id"].as_str().unwrap();
    let (_, tags) = api.call("GET", &format!("/groups/{gid}/tags"), None).await;
    assert_eq!(tags["tags"], json!(["news"]));
}

// ------------------------------------------------- plans, OAuth, expiry

/// The outbox's messages of a batch: (recipient, status, code, at).
fn outbox_of(api: &Api, id: &str) -> Vec<(String, String, i64, String)> {
    api.sim
        .outbox()
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["batch_id"] == id)
        .map(|m| {
            let s = |k: &str| m[k].as_str().unwrap().to_owned();
            (s("to"), s("status"), m["code"].as_i64().unwrap(), s("at"))
        })
        .collect()
}

#[tokio::test]
async fn a_plan_dispatches_at_its_throughput_in_order() {
    let api = Api::new(
        Simulator::builder().service_plan(PLAN, TOKEN).throughput(2.0).record_answers().start(),
    );
    let first = api
        .send(json!({"from": "1", "to": ["46701000001", "46701000002",
        "46701000003"], "body": "One"}))
        .await;
    // Two parts of GSM-7 take two slots.
    let long = "x".repeat(200);
    let second = api.send(json!({"from": "1", "to": ["46701000004"], "body": long})).await;
    let third = api.send(json!({"from": "1", "to": ["46701000005"], "body": "Three"})).await;
    let ids = [&first, &second, &third].map(|b| b["id"].as_str().unwrap().to_owned());
    // 2 messages a second, starting 1 s after the send: 1.0, 1.5, 2.0 (the
    // first batch), 2.5 (two parts, so the next slot is 3.5), 3.5.
    let dispatched = |api: &Api| {
        ids.iter().flat_map(|id| outbox_of(api, id)).filter(|m| m.1 != "Queued").count()
    };
    let mut seen = Vec::new();
    for step in 0..8 {
        seen.push(dispatched(&api));
        if step < 7 {
            api.advance(0.5).await;
        }
    }
    // At 0, 0.5, ..., 3.5 s: how many had left.
    assert_eq!(seen, [0, 0, 1, 2, 3, 4, 4, 5]);
}

#[tokio::test]
async fn a_plan_beyond_its_rate_limit_gets_429_with_retry_after() {
    let api = Api::new(
        Simulator::builder().service_plan(PLAN, TOKEN).rate_limit(3.0).record_answers().start(),
    );
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..5 {
        let response = api
            .http
            .get(format!("{}/xms/v1/{PLAN}/batches", api.sim.url()))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        statuses.push(response.status().as_u16());
        if let Some(v) = response.headers().get("retry-after") {
            retry_after = Some(v.to_str().unwrap().to_owned());
        }
    }
    // A bucket of one second's worth: three, then 429.
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
    assert_eq!(retry_after.as_deref(), Some("1"));
    // The limit can be lifted (and set) while running, by the control API.
    let response = api
        .http
        .post(format!("{}/_sim/service_plans", api.sim.url()))
        .body(json!({"service_plan_id": PLAN, "rate_limit": null}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 204);
    assert_eq!(api.call("GET", "/batches", None).await.0, 200);
    for bad in [json!(0), json!(-1), json!(1e7), json!("fast")] {
        let response = api
            .http
            .post(format!("{}/_sim/service_plans", api.sim.url()))
            .body(json!({"service_plan_id": PLAN, "throughput": bad}).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 400, "throughput {bad}");
    }
    // And from Rust.
    let mut plan = api.sim.plan_config(PLAN).unwrap();
    plan.rate_limit = Some(1.0);
    api.sim.upsert_plan(plan);
    assert_eq!(api.call("GET", "/batches", None).await.0, 200);
    assert_eq!(api.call("GET", "/batches", None).await.0, 429);
}

async fn fetch_token(api: &Api, auth: Option<(&str, &str)>, form: &str) -> (u16, Value) {
    let mut request = api
        .http
        .post(api.sim.token_url())
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.to_owned());
    if let Some((id, secret)) = auth {
        request = request.basic_auth(id, Some(secret));
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn projects_take_access_tokens_from_the_token_endpoint() {
    let api = Api::new(
        Simulator::builder()
            .service_plan(PLAN, TOKEN)
            .project("proj-1", "key-1", "secret-1")
            .record_answers()
            .start(),
    );
    let grant = "grant_type=client_credentials";
    let (status, body) = fetch_token(&api, Some(("key-1", "wrong")), grant).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("invalid_client")));
    let (status, body) =
        fetch_token(&api, Some(("key-1", "secret-1")), "grant_type=password").await;
    assert_eq!((status, body["error"].as_str()), (400, Some("unsupported_grant_type")));
    let (status, token) = fetch_token(&api, Some(("key-1", "secret-1")), grant).await;
    assert_eq!(status, 200, "{token}");
    assert_eq!(token["token_type"], "bearer");
    assert_eq!(token["expires_in"], 3600);
    // The credentials may come in the form instead.
    let form = "grant_type=client_credentials&client_id=key-1&client_secret=secret-1";
    assert_eq!(fetch_token(&api, None, form).await.0, 200);

    let access = token["access_token"].as_str().unwrap();
    let batches = format!("{}/xms/v1/proj-1/batches", api.sim.url());
    let send = |bearer: &str| {
        api.http
            .post(&batches)
            .bearer_auth(bearer)
            .header("content-type", "application/json")
            .body(json!({"from": "1", "to": ["46701000001"], "body": "Hi"}).to_string())
            .send()
    };
    assert_eq!(send(access).await.unwrap().status().as_u16(), 201);
    // A project's token is not a plan's, and a plan's token is not a project's.
    let other = format!("{}/xms/v1/{PLAN}/batches", api.sim.url());
    let response = api.http.get(&other).bearer_auth(access).send().await.unwrap();
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(send(TOKEN).await.unwrap().status().as_u16(), 401);
    // The project's batches are its own.
    let listed: Value =
        api.http.get(&batches).bearer_auth(access).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed["count"], 1);
    assert_eq!(api.call("GET", "/batches", None).await.1["count"], 0);

    // Expired early: 401 saying so, and a new token works.
    api.sim.expire_tokens();
    let response = send(access).await.unwrap();
    assert_eq!(response.status().as_u16(), 401);
    let challenge = response.headers()["www-authenticate"].to_str().unwrap();
    assert!(challenge.contains("invalid_token") && challenge.contains("expired"), "{challenge}");
    let (_, fresh) = fetch_token(&api, Some(("key-1", "secret-1")), grant).await;
    assert_eq!(send(fresh["access_token"].as_str().unwrap()).await.unwrap().status(), 201);
    // An unknown token is invalid, not expired.
    let response = send("made-up").await.unwrap();
    let challenge = response.headers()["www-authenticate"].to_str().unwrap();
    assert_eq!(challenge, r#"Bearer error="invalid_token""#);
}

#[tokio::test]
async fn the_token_endpoint_can_fail_and_rate_limit() {
    let api = Api::new(
        Simulator::builder()
            .project("proj-1", "key-1", "secret-1")
            .token_rate_limit(2, 1.0)
            .record_answers()
            .start(),
    );
    let grant = "grant_type=client_credentials";
    api.sim.fail_next_token(1, Fault { status: Some(503), ..Fault::default() });
    let statuses: Vec<u16> = {
        let mut out = Vec::new();
        for _ in 0..4 {
            out.push(fetch_token(&api, Some(("key-1", "secret-1")), grant).await.0);
        }
        out
    };
    // The fault, then a bucket of two, then 429.
    assert_eq!(statuses, [503, 200, 200, 429]);
}

#[tokio::test]
async fn messages_not_final_at_expire_at_expire() {
    let api = Api::start();
    let now = chrono::Utc::now();
    let expire_at = (now + chrono::TimeDelta::seconds(60)).to_rfc3339();
    // Stays Queued, stays Dispatched, delivered: the first two expire.
    let batch = api
        .send(json!({"from": "1", "to": ["46701000994", "46701000995", "46701000001"],
            "body": "Hi", "expire_at": expire_at}))
        .await;
    let id = batch["id"].as_str().unwrap();
    api.advance(30.0).await;
    let before: Vec<_> = outbox_of(&api, id).into_iter().map(|m| (m.1, m.2)).collect();
    assert_eq!(
        before,
        [("Queued".into(), 400), ("Dispatched".into(), 401), ("Delivered".into(), 0)]
    );
    api.advance(31.0).await;
    let after: Vec<_> = outbox_of(&api, id).into_iter().map(|m| (m.1, m.2)).collect();
    assert_eq!(after, [("Expired".into(), 406), ("Expired".into(), 3), ("Delivered".into(), 0)]);
    let report = api.call("GET", &format!("/batches/{id}/delivery_report/46701000994"), None).await;
    assert_eq!(report.1["status"], "Expired");
    assert_eq!(report.1["code"], 406);
}
