//! The control API under `/_sim`: the clock, injected inbound messages,
//! the outbox, callbacks, faults, plans, reset.

use super::*;

pub(super) fn plan_of(
    state: &State,
    body: &Map<String, Value>,
) -> Result<String, (StatusCode, String)> {
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

pub(super) fn clock_json(state: &State) -> Value {
    let mode = match state.clock.mode() {
        ClockMode::Manual => json!({"mode": "manual"}),
        ClockMode::Realtime { speed } => json!({"mode": "realtime", "speed": speed}),
    };
    json!({"now": json::time(state.clock.now()), "clock": mode})
}

pub(super) async fn clock(AxumState(shared): AxumState<Arc<Shared>>) -> Response {
    ok(StatusCode::OK, clock_json(&shared.lock()))
}

pub(super) async fn advance(AxumState(shared): AxumState<Arc<Shared>>, body: Bytes) -> Response {
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
            let mut state = shared.lock();
            let clock = clock_json(&state);
            state.emit_global("clock", clock);
            return;
        }
    }
}

pub(super) async fn clock_mode(AxumState(shared): AxumState<Arc<Shared>>, body: Bytes) -> Response {
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
    let mut state = shared.lock();
    state.clock.set_mode(mode);
    let clock = clock_json(&state);
    state.emit_global("clock", clock.clone());
    ok(StatusCode::OK, clock)
}

pub(super) async fn inject(AxumState(shared): AxumState<Arc<Shared>>, body: Bytes) -> Response {
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

pub(super) async fn outbox(
    AxumState(shared): AxumState<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    ok(StatusCode::OK, shared.lock().outbox(q.get("service_plan_id").map(String::as_str)))
}

pub(super) async fn callbacks(AxumState(shared): AxumState<Arc<Shared>>) -> Response {
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

pub(super) async fn reset(AxumState(shared): AxumState<Arc<Shared>>) -> Response {
    shared.lock().reset();
    empty(StatusCode::NO_CONTENT)
}

pub(super) async fn faults(AxumState(shared): AxumState<Arc<Shared>>, body: Bytes) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let count = v["count"].as_u64().unwrap_or(1);
    let fault = Fault {
        status: v["status"].as_u64().and_then(|s| u16::try_from(s).ok()),
        body: v["body"].as_str().unwrap_or("").to_string(),
        delay_ms: v["delay_ms"].as_u64().unwrap_or(0),
        drop: v["drop"].as_bool().unwrap_or(false),
        processed: v["processed"].as_bool().unwrap_or(false),
    };
    let mut state = shared.lock();
    let queue = match v["endpoint"].as_str() {
        None | Some("xms") => &mut state.faults,
        Some("token") => &mut state.token_faults,
        Some(_) => {
            return (StatusCode::BAD_REQUEST, r#"endpoint is "xms" or "token""#).into_response();
        }
    };
    for _ in 0..count.min(1_000_000) {
        queue.push_back(fault.clone());
    }
    ok(StatusCode::OK, json!({"queued": queue.len()}))
}

/// Forget every queued fault, of the XMS API and of the token endpoint.
pub(super) async fn clear_faults(AxumState(shared): AxumState<Arc<Shared>>) -> Response {
    let mut state = shared.lock();
    let cleared = state.faults.len() + state.token_faults.len();
    state.faults.clear();
    state.token_faults.clear();
    ok(StatusCode::OK, json!({"cleared": cleared}))
}

/// Add a plan, or change the given settings of one (`null` unsets).
pub(super) async fn plans(AxumState(shared): AxumState<Arc<Shared>>, body: Bytes) -> Response {
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let Some(id) = v["service_plan_id"].as_str() else {
        return (StatusCode::BAD_REQUEST, "service_plan_id is required").into_response();
    };
    let mut state = shared.lock();
    let existing = state.plan_config(id).cloned();
    if existing.is_none() && v["api_token"].as_str().is_none() && v["key_id"].as_str().is_none() {
        return (StatusCode::BAD_REQUEST, "a new plan needs api_token or key_id and key_secret")
            .into_response();
    }
    let mut plan = existing.unwrap_or_else(|| PlanConfig::new(id, ""));
    let text = |k: &str, to: &mut Option<String>| match &v[k] {
        Value::String(s) => *to = Some(s.clone()),
        Value::Null if v.get(k).is_some() => *to = None,
        _ => {}
    };
    text("callback_url", &mut plan.callback_url);
    text("inbound_url", &mut plan.inbound_url);
    text("signing_secret", &mut plan.signing_secret);
    if let Some(token) = v["api_token"].as_str() {
        plan.token = token.to_owned();
    }
    if let (Some(key), Some(secret)) = (v["key_id"].as_str(), v["key_secret"].as_str()) {
        plan.key = Some((key.to_owned(), secret.to_owned()));
    }
    for (name, to) in [("throughput", &mut plan.throughput), ("rate_limit", &mut plan.rate_limit)] {
        match &v[name] {
            Value::Null if v.get(name).is_some() => *to = None,
            Value::Null => {}
            rate => match rate.as_f64().filter(|r| PlanConfig::valid_rate(*r)) {
                Some(r) => *to = Some(r),
                None => {
                    return (
                        StatusCode::BAD_REQUEST,
                        format!("{name} must be above 0 and at most 1000000 per second"),
                    )
                        .into_response();
                }
            },
        }
    }
    state.upsert_plan(plan);
    empty(StatusCode::NO_CONTENT)
}

/// Expire every access token issued so far.
pub(super) async fn expire_tokens(AxumState(shared): AxumState<Arc<Shared>>) -> Response {
    let expired = shared.lock().expire_tokens();
    ok(StatusCode::OK, json!({"expired": expired}))
}
