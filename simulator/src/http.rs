//! The HTTP face of the simulator: the XMS API under `/xms/v1/{plan}` and
//! the control API under `/_sim`.

use std::{
    collections::HashMap,
    hash::{BuildHasher, Hasher},
    sync::{Arc, Mutex},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum::{
    Router,
    body::{Body, Bytes},
    extract::{Query, State as AxumState},
    http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use base64::Engine as _;
use hmac::{KeyInit, Mac};
use serde_json::{Map, Value, json};

use crate::{
    clock::ClockMode,
    json::{self, ApiError, Fields},
    store::{Delivery, Fault, ListQuery, PlanConfig, State, TagChange},
};

/// What the handlers share.
pub struct Shared {
    pub state: Mutex<State>,
    pub http: reqwest::Client,
}

impl Shared {
    pub fn new(state: State) -> Arc<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .expect("an HTTP client");
        Arc::new(Shared { state: Mutex::new(state), http })
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Move what simulated time has made due, then deliver the callbacks
    /// that are due; returns how many delivery attempts were made.
    pub async fn deliver_due(self: &Arc<Self>) -> usize {
        self.lock().process();
        self.deliver_queued().await
    }

    /// Deliver the callbacks already due, once each, without processing
    /// (for right after a request, whose handler has just processed).
    pub async fn deliver_queued(self: &Arc<Self>) -> usize {
        let due = self.lock().due_deliveries();
        let count = due.len();
        let attempts = due.into_iter().map(|d| {
            let shared = self.clone();
            async move {
                let status = shared.post(&d).await;
                shared.lock().delivered(d.id, status);
            }
        });
        futures_util::future::join_all(attempts).await;
        count
    }

    /// Process and deliver until nothing is due or on its way.
    pub async fn settle(self: &Arc<Self>) {
        loop {
            if self.deliver_due().await > 0 {
                continue;
            }
            let busy = self.lock().delivering();
            if !busy {
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    async fn post(&self, d: &Delivery) -> Option<u16> {
        let mut request = self
            .http
            .post(&d.url)
            .header(header::CONTENT_TYPE, "application/json")
            .body(d.body.clone());
        if let Some(secret) = &d.secret {
            // Signed with the real time of sending, as XMS does: the
            // receiver checks it against its own clock.
            let timestamp = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|t| t.as_secs())
                .unwrap_or(0)
                .to_string();
            let nonce = nonce();
            let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes())
                .expect("any key length");
            mac.update(&d.body);
            mac.update(format!(".{nonce}.{timestamp}").as_bytes());
            let signature =
                base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
            request = request
                .header("x-sinch-webhook-signature", signature)
                .header("x-sinch-webhook-signature-nonce", nonce)
                .header("x-sinch-webhook-signature-timestamp", timestamp)
                .header("x-sinch-webhook-signature-algorithm", "HmacSHA256");
        }
        request.send().await.ok().map(|r| r.status().as_u16())
    }
}

fn nonce() -> String {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(SystemTime::now().duration_since(UNIX_EPOCH).map(|t| t.as_nanos()).unwrap_or(0));
    let mut h2 = std::collections::hash_map::RandomState::new().build_hasher();
    h2.write_u64(h.finish());
    format!("{:016X}{:010X}", h.finish(), h2.finish() & 0xFF_FFFF_FFFF)
}

pub fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/_sim/clock", get(clock))
        .route("/_sim/clock/advance", post(advance))
        .route("/_sim/clock/mode", post(clock_mode))
        .route("/_sim/inbounds", post(inject))
        .route("/_sim/outbox", get(outbox))
        .route("/_sim/callbacks", get(callbacks))
        .route("/_sim/reset", post(reset))
        .route("/_sim/faults", post(faults))
        .route("/_sim/service_plans", post(plans))
        .fallback(xms)
        .with_state(shared)
}

// --------------------------------------------------------------- XMS API

fn api_error(e: ApiError) -> Response {
    (StatusCode::from_u16(e.status).unwrap_or(StatusCode::BAD_REQUEST), axum::Json(e.body()))
        .into_response()
}

fn ok(status: StatusCode, body: Value) -> Response {
    (status, axum::Json(body)).into_response()
}

fn empty(status: StatusCode) -> Response {
    status.into_response()
}

async fn xms(
    AxumState(shared): AxumState<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let fault = shared.lock().faults.pop_front();
    if let Some(fault) = fault {
        if fault.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(fault.delay_ms)).await;
        }
        if fault.drop {
            // Headers, then a body that breaks off: the connection is closed
            // without a complete answer.
            let broken = futures_util::stream::iter([
                Ok(Bytes::from_static(b"{\"id\":")),
                Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "fault: dropped")),
            ]);
            return Response::builder()
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from_stream(broken))
                .expect("a response");
        }
        if let Some(status) = fault.status {
            return (
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                fault.body,
            )
                .into_response();
        }
    }

    let path = uri.path();
    let Some(rest) = path.strip_prefix("/xms/v1/") else {
        return empty(StatusCode::NOT_FOUND);
    };
    let segments: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let Some((&plan_id, segments)) = segments.split_first() else {
        return empty(StatusCode::NOT_FOUND);
    };

    // Authentication: the plan's token, as a bearer token.
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let authorized =
        shared.lock().plan_config(plan_id).is_some_and(|p| Some(p.token.as_str()) == token);
    if !authorized {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"))],
        )
            .into_response();
    }

    let allowed: &[Method] = match segments {
        ["batches"] | ["groups"] => &[Method::GET, Method::POST],
        ["batches", "dry_run"] | ["batches", _, "delivery_feedback"] => &[Method::POST],
        ["batches", _] | ["groups", _] => &[Method::GET, Method::POST, Method::PUT, Method::DELETE],
        ["batches", _, "tags"] | ["groups", _, "tags"] => &[Method::GET, Method::POST, Method::PUT],
        ["batches", _, "delivery_report"]
        | ["batches", _, "delivery_report", _]
        | ["delivery_reports"]
        | ["groups", _, "members"]
        | ["inbounds"]
        | ["inbounds", _] => &[Method::GET],
        _ => return empty(StatusCode::NOT_FOUND),
    };
    if !allowed.contains(&method) {
        let allow: Vec<&str> = allowed.iter().map(Method::as_str).collect();
        return (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, allow.join(", "))])
            .into_response();
    }

    let query: HashMap<String, String> = uri
        .query()
        .map(|q| {
            q.split('&')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (decode(k), decode(v)))
                .collect()
        })
        .unwrap_or_default();

    let needs_body = matches!(method, Method::POST | Method::PUT);
    let object = if needs_body {
        let json = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("application/json"));
        if !json {
            return empty(StatusCode::UNSUPPORTED_MEDIA_TYPE);
        }
        match json::object(&body) {
            Ok(o) => o,
            Err(e) => return api_error(e),
        }
    } else {
        Map::new()
    };

    let response = handle(&shared, plan_id, &method, segments, query, &object);
    // Whatever the request changed may have queued callbacks.
    let deliver = shared.clone();
    tokio::spawn(async move { deliver.deliver_queued().await });
    response
}

/// Percent-decoding of a query component (`+` is a space).
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = text.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn handle(
    shared: &Shared,
    plan: &str,
    method: &Method,
    segments: &[&str],
    query: HashMap<String, String>,
    body: &Map<String, Value>,
) -> Response {
    let mut state = shared.lock();
    let not_found = || empty(StatusCode::NOT_FOUND);
    let list = |query: HashMap<String, String>| ListQuery::parse(query);
    let respond = |result: Result<Option<Value>, ApiError>, status: StatusCode| match result {
        Ok(Some(v)) => ok(status, v),
        Ok(None) => not_found(),
        Err(e) => api_error(e),
    };
    match (method, segments) {
        (&Method::POST, ["batches"]) => {
            respond(state.send_batch(plan, body).map(Some), StatusCode::CREATED)
        }
        (&Method::GET, ["batches"]) => match list(query) {
            Ok(q) => ok(StatusCode::OK, state.list_batches(plan, &q)),
            Err(e) => api_error(e),
        },
        (&Method::POST, ["batches", "dry_run"]) => {
            // Booleans in a query are read in any case (`True`, as the Python
            // SDK sends it); anything else is refused, never ignored.
            let per_recipient = match query.get("per_recipient").map(|v| v.to_ascii_lowercase()) {
                None => false,
                Some(v) if v == "true" => true,
                Some(v) if v == "false" => false,
                Some(v) => {
                    return api_error(ApiError::format(format!(
                        "Parameter 'per_recipient' must be true or false, not '{v}'"
                    )));
                }
            };
            let max = match query.get("number_of_recipients").map(|v| v.parse::<usize>()) {
                None => 100,
                Some(Ok(n)) if n <= crate::limits::MAX_DRY_RUN_RECIPIENTS => n,
                Some(_) => {
                    return api_error(ApiError::constraint(format!(
                        "Parameter 'number_of_recipients' must be at most {}",
                        crate::limits::MAX_DRY_RUN_RECIPIENTS
                    )));
                }
            };
            respond(state.dry_run(plan, body, per_recipient, max).map(Some), StatusCode::OK)
        }
        (&Method::GET, ["batches", id]) => respond(Ok(state.get_batch(plan, id)), StatusCode::OK),
        (&Method::POST, ["batches", id]) => {
            respond(state.update_batch(plan, id, body), StatusCode::OK)
        }
        (&Method::PUT, ["batches", id]) => {
            respond(state.replace_batch(plan, id, body), StatusCode::OK)
        }
        (&Method::DELETE, ["batches", id]) => {
            respond(Ok(state.cancel_batch(plan, id)), StatusCode::OK)
        }
        (&Method::POST, ["batches", id, "delivery_feedback"]) => {
            match state.delivery_feedback(plan, id, body) {
                Ok(Some(())) => empty(StatusCode::ACCEPTED),
                Ok(None) => not_found(),
                Err(e) => api_error(e),
            }
        }
        (&Method::GET, ["batches", id, "delivery_report"]) => match list(query) {
            Ok(q) => respond(state.batch_report(plan, id, &q), StatusCode::OK),
            Err(e) => api_error(e),
        },
        (&Method::GET, ["batches", id, "delivery_report", recipient]) => {
            respond(Ok(state.recipient_report(plan, id, &decode(recipient))), StatusCode::OK)
        }
        (&Method::GET, ["delivery_reports"]) => match list(query) {
            Ok(q) => respond(state.list_reports(plan, &q).map(Some), StatusCode::OK),
            Err(e) => api_error(e),
        },
        (&Method::POST, ["groups"]) => {
            respond(state.create_group(plan, body).map(Some), StatusCode::CREATED)
        }
        (&Method::GET, ["groups"]) => match list(query) {
            Ok(q) => ok(StatusCode::OK, state.list_groups(plan, &q)),
            Err(e) => api_error(e),
        },
        (&Method::GET, ["groups", id]) => respond(Ok(state.get_group(plan, id)), StatusCode::OK),
        (&Method::POST, ["groups", id]) => {
            respond(state.update_group(plan, id, body), StatusCode::OK)
        }
        (&Method::PUT, ["groups", id]) => {
            respond(state.replace_group(plan, id, body), StatusCode::OK)
        }
        (&Method::DELETE, ["groups", id]) => {
            if state.delete_group(plan, id) {
                empty(StatusCode::OK)
            } else {
                not_found()
            }
        }
        (&Method::GET, ["groups", id, "members"]) => {
            respond(Ok(state.group_members(plan, id)), StatusCode::OK)
        }
        (&Method::GET, ["inbounds"]) => match list(query) {
            Ok(q) => ok(StatusCode::OK, state.list_inbounds(plan, &q)),
            Err(e) => api_error(e),
        },
        (&Method::GET, ["inbounds", id]) => {
            respond(Ok(state.get_inbound(plan, id)), StatusCode::OK)
        }
        (method, [_, id, "tags"]) => {
            let f = Fields(body);
            let change = match *method {
                Method::GET => Ok(TagChange::Get),
                Method::PUT => f
                    .strings("tags")
                    .and_then(|t| t.ok_or_else(|| ApiError::constraint("Field 'tags' is required")))
                    .map(TagChange::Replace),
                _ => f.strings("add").and_then(|add| {
                    Ok(TagChange::Update {
                        add: add.unwrap_or_default(),
                        remove: f.strings("remove")?.unwrap_or_default(),
                    })
                }),
            };
            match change {
                Ok(change) => respond(state.tags(plan, id, change), StatusCode::OK),
                Err(e) => api_error(e),
            }
        }
        _ => not_found(),
    }
}

// ------------------------------------------------------------ control API

fn plan_of(state: &State, body: &Map<String, Value>) -> Result<String, (StatusCode, String)> {
    match body.get("service_plan_id").and_then(Value::as_str) {
        Some(id) if state.plan_config(id).is_some() => Ok(id.to_string()),
        Some(id) => Err((StatusCode::NOT_FOUND, format!("no service plan {id}"))),
        None => state
            .plan_ids()
            .into_iter()
            .next()
            .ok_or_else(|| (StatusCode::NOT_FOUND, "no service plan".to_string())),
    }
}

fn clock_json(state: &State) -> Value {
    let mode = match state.clock.mode() {
        ClockMode::Manual => json!({"mode": "manual"}),
        ClockMode::Realtime { speed } => json!({"mode": "realtime", "speed": speed}),
    };
    json!({"now": json::time(state.clock.now()), "clock": mode})
}

async fn clock(AxumState(shared): AxumState<Arc<Shared>>) -> Response {
    ok(StatusCode::OK, clock_json(&shared.lock()))
}

async fn advance(AxumState(shared): AxumState<Arc<Shared>>, body: Bytes) -> Response {
    let seconds = serde_json::from_slice::<Value>(&body)
        .ok()
        .and_then(|v| v["seconds"].as_f64())
        .unwrap_or(0.0);
    if !(0.0..=1e9).contains(&seconds) {
        return (StatusCode::BAD_REQUEST, "seconds must be between 0 and 1e9").into_response();
    }
    advance_by(&shared, Duration::from_secs_f64(seconds)).await;
    ok(StatusCode::OK, clock_json(&shared.lock()))
}

/// Move the clock in steps, delivering what falls due along the way, so
/// callback retries scheduled inside the span happen inside it.
pub async fn advance_by(shared: &Arc<Shared>, by: Duration) {
    shared.settle().await;
    let by = chrono::TimeDelta::from_std(by).unwrap_or_default();
    let target = shared
        .lock()
        .clock
        .now()
        .checked_add_signed(by)
        .unwrap_or(chrono::DateTime::<chrono::Utc>::MAX_UTC);
    loop {
        let next = {
            let state = shared.lock();
            state.next_delivery_after(state.clock.now()).filter(|at| *at <= target)
        };
        let step_to = next.unwrap_or(target);
        {
            let mut state = shared.lock();
            let now = state.clock.now();
            if step_to > now {
                state.clock.advance((step_to - now).to_std().unwrap_or_default());
            }
        }
        shared.settle().await;
        if step_to >= target {
            return;
        }
    }
}

async fn clock_mode(AxumState(shared): AxumState<Arc<Shared>>, body: Bytes) -> Response {
    let value: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mode = match value["mode"].as_str() {
        Some("manual") => ClockMode::Manual,
        Some("realtime") => {
            let speed = value["speed"].as_f64().unwrap_or(1.0);
            if !(speed > 0.0 && speed <= crate::clock::MAX_SPEED) {
                return (
                    StatusCode::BAD_REQUEST,
                    format!("speed must be above 0 and at most {}", crate::clock::MAX_SPEED),
                )
                    .into_response();
            }
            ClockMode::Realtime { speed }
        }
        _ => {
            return (StatusCode::BAD_REQUEST, r#"mode must be "manual" or "realtime""#)
                .into_response();
        }
    };
    shared.lock().clock.set_mode(mode);
    ok(StatusCode::OK, clock_json(&shared.lock()))
}

async fn inject(AxumState(shared): AxumState<Arc<Shared>>, body: Bytes) -> Response {
    let result = {
        let mut state = shared.lock();
        let object = match json::object(&body) {
            Ok(o) => o,
            Err(e) => return api_error(e),
        };
        let plan = match plan_of(&state, &object) {
            Ok(p) => p,
            Err(r) => return r.into_response(),
        };
        state.receive(&plan, &object)
    };
    shared.settle().await;
    match result {
        Ok(v) => ok(StatusCode::CREATED, v),
        Err(e) => api_error(e),
    }
}

async fn outbox(
    AxumState(shared): AxumState<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    ok(StatusCode::OK, shared.lock().outbox(q.get("service_plan_id").map(String::as_str)))
}

async fn callbacks(AxumState(shared): AxumState<Arc<Shared>>) -> Response {
    let state = shared.lock();
    let log: Vec<Value> = state
        .deliveries
        .iter()
        .map(|d| {
            json!({
                "url": d.url, "type": d.kind, "attempts": d.attempts, "delivered": d.delivered,
                "last_status": d.last_status, "next_attempt_at": d.next_at.map(json::time),
                "body": serde_json::from_slice::<Value>(&d.body).unwrap_or(Value::Null),
            })
        })
        .collect();
    ok(StatusCode::OK, Value::Array(log))
}

async fn reset(AxumState(shared): AxumState<Arc<Shared>>) -> Response {
    shared.lock().reset();
    empty(StatusCode::NO_CONTENT)
}

async fn faults(AxumState(shared): AxumState<Arc<Shared>>, body: Bytes) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let count = v["count"].as_u64().unwrap_or(1);
    let fault = Fault {
        status: v["status"].as_u64().and_then(|s| u16::try_from(s).ok()),
        body: v["body"].as_str().unwrap_or("").to_string(),
        delay_ms: v["delay_ms"].as_u64().unwrap_or(0),
        drop: v["drop"].as_bool().unwrap_or(false),
    };
    let mut state = shared.lock();
    for _ in 0..count {
        state.faults.push_back(fault.clone());
    }
    ok(StatusCode::OK, json!({"queued": state.faults.len()}))
}

async fn plans(AxumState(shared): AxumState<Arc<Shared>>, body: Bytes) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let (Some(id), Some(token)) = (v["service_plan_id"].as_str(), v["api_token"].as_str()) else {
        return (StatusCode::BAD_REQUEST, "service_plan_id and api_token are required")
            .into_response();
    };
    let text = |k: &str| v[k].as_str().map(str::to_owned);
    shared.lock().upsert_plan(PlanConfig {
        id: id.into(),
        token: token.into(),
        callback_url: text("callback_url"),
        inbound_url: text("inbound_url"),
        signing_secret: text("signing_secret"),
    });
    empty(StatusCode::NO_CONTENT)
}
