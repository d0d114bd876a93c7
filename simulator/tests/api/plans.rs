//! Plans: throughput, rate limits, OAuth2 projects and the token
//! endpoint, expiry.

use super::*;

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
