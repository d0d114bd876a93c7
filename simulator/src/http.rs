//! The HTTP face of the simulator: the XMS API under `/xms/v1/{plan}` and
//! the control API under `/_sim`.

use std::{
    collections::{BTreeMap, HashMap},
    hash::{BuildHasher, Hasher},
    sync::{Arc, Mutex},
    time::{Duration, SystemTime, UNIX_EPOCH},
};

use axum::{
    Router,
    body::{Body, Bytes},
    extract::{FromRequest, MatchedPath, Path, Query, RawQuery, Request, State as AxumState},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{MethodFilter, MethodRouter, get, post},
};
use base64::Engine as _;
use hmac::{KeyInit, Mac};
use serde_json::{Map, Value, json};

use crate::{
    clock::ClockMode,
    json::Res,
    json::{self, ApiError, Fields},
    store::{Access, Answer, Delivery, Fault, ListQuery, PlanConfig, State, TagChange},
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
        .route("/_sim/faults", post(faults).delete(clear_faults))
        .route("/_sim/service_plans", post(plans))
        .route("/_sim/oauth/expire", post(expire_tokens))
        .route("/oauth2/token", post(token))
        .merge(xms_routes(shared.clone()))
        .layer(middleware::from_fn_with_state(shared.clone(), gate))
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

/// The XMS API's base path; the service plan (or project) id follows.
const BASE: &str = "/xms/v1/";

/// A handler of one XMS operation: the state, locked, and the request.
type Handler = fn(&mut State, &Call) -> Response;

/// What a handler gets: the method, the plan, the path's other parameters in order, the
/// query, and the JSON object of the body (empty without a body).
struct Call {
    method: Method,
    plan: String,
    params: Vec<String>,
    query: HashMap<String, String>,
    body: Map<String, Value>,
}

impl Call {
    fn param(&self, i: usize) -> &str {
        self.params.get(i).map_or("", String::as_str)
    }
}

/// Every XMS operation the simulator serves: method, path as the spec
/// writes it, handler. The router is built from this table alone, so what
/// [`operations`] reports is what is served.
const OPERATIONS: &[(Method, &str, Handler)] = &[
    (Method::POST, "/xms/v1/{service_plan_id}/batches", send_batch),
    (Method::GET, "/xms/v1/{service_plan_id}/batches", list_batches),
    (Method::POST, "/xms/v1/{service_plan_id}/batches/dry_run", dry_run),
    (Method::GET, "/xms/v1/{service_plan_id}/batches/{batch_id}", get_batch),
    (Method::POST, "/xms/v1/{service_plan_id}/batches/{batch_id}", update_batch),
    (Method::PUT, "/xms/v1/{service_plan_id}/batches/{batch_id}", replace_batch),
    (Method::DELETE, "/xms/v1/{service_plan_id}/batches/{batch_id}", cancel_batch),
    (Method::POST, "/xms/v1/{service_plan_id}/batches/{batch_id}/delivery_feedback", feedback),
    (Method::GET, "/xms/v1/{service_plan_id}/batches/{batch_id}/delivery_report", batch_report),
    (
        Method::GET,
        "/xms/v1/{service_plan_id}/batches/{batch_id}/delivery_report/{recipient_msisdn}",
        recipient_report,
    ),
    (Method::GET, "/xms/v1/{service_plan_id}/batches/{batch_id}/tags", tags),
    (Method::POST, "/xms/v1/{service_plan_id}/batches/{batch_id}/tags", tags),
    (Method::PUT, "/xms/v1/{service_plan_id}/batches/{batch_id}/tags", tags),
    (Method::GET, "/xms/v1/{service_plan_id}/delivery_reports", list_reports),
    (Method::POST, "/xms/v1/{service_plan_id}/groups", create_group),
    (Method::GET, "/xms/v1/{service_plan_id}/groups", list_groups),
    (Method::GET, "/xms/v1/{service_plan_id}/groups/{group_id}", get_group),
    (Method::POST, "/xms/v1/{service_plan_id}/groups/{group_id}", update_group),
    (Method::PUT, "/xms/v1/{service_plan_id}/groups/{group_id}", replace_group),
    (Method::DELETE, "/xms/v1/{service_plan_id}/groups/{group_id}", delete_group),
    (Method::GET, "/xms/v1/{service_plan_id}/groups/{group_id}/members", group_members),
    (Method::GET, "/xms/v1/{service_plan_id}/groups/{group_id}/tags", tags),
    (Method::POST, "/xms/v1/{service_plan_id}/groups/{group_id}/tags", tags),
    (Method::PUT, "/xms/v1/{service_plan_id}/groups/{group_id}/tags", tags),
    (Method::GET, "/xms/v1/{service_plan_id}/inbounds", list_inbounds),
    (Method::GET, "/xms/v1/{service_plan_id}/inbounds/{inbound_id}", get_inbound),
];

/// The XMS operations the simulator serves, as (method, path template with
/// the spec's parameter names). Its router is built from the same table.
///
/// ```
/// let ops: Vec<_> = xms_simulator::operations().collect();
/// assert!(ops.contains(&("POST", "/xms/v1/{service_plan_id}/batches")));
/// ```
pub fn operations() -> impl Iterator<Item = (&'static str, &'static str)> {
    OPERATIONS.iter().map(|(method, path, _)| (method.as_str(), *path))
}

/// The XMS routes: one method router per path, from [`OPERATIONS`].
/// A path's other methods get 405 with `Allow` from axum.
fn xms_routes(shared: Arc<Shared>) -> Router<Arc<Shared>> {
    let mut paths: BTreeMap<&str, MethodRouter<Arc<Shared>>> = BTreeMap::new();
    for (method, path, handler) in OPERATIONS {
        let filter = MethodFilter::try_from(method.clone()).expect("a standard method");
        let handler = *handler;
        let route = paths.remove(path).unwrap_or_default();
        paths.insert(
            path,
            route.on(
                filter,
                move |method: Method,
                      AxumState(shared): AxumState<Arc<Shared>>,
                      Path(params): Path<Vec<(String, String)>>,
                      RawQuery(query): RawQuery,
                      JsonObject(body): JsonObject| async move {
                    let mut params = params.into_iter().map(|(_, v)| v);
                    let call = Call {
                        method,
                        plan: params.next().unwrap_or_default(),
                        params: params.collect(),
                        query: parse_query(query.as_deref()),
                        body,
                    };
                    let response = handler(&mut shared.lock(), &call);
                    // Whatever the request changed may have queued callbacks.
                    tokio::spawn(async move { shared.deliver_queued().await });
                    response
                },
            ),
        );
    }
    paths
        .into_iter()
        .fold(Router::new(), |router, (path, route)| router.route(path, route))
        .route_layer(middleware::from_fn_with_state(shared, record))
}

/// After a matched XMS request, when answers are being recorded: the
/// answer's method, route, status and JSON body.
async fn record(
    AxumState(shared): AxumState<Arc<Shared>>,
    route: MatchedPath,
    request: Request,
    next: Next,
) -> Response {
    if !shared.lock().recording() {
        return next.run(request).await;
    }
    let method = request.method().to_string();
    let response = next.run(request).await;
    let (parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    shared.lock().record(Answer {
        method,
        route: route.as_str().to_string(),
        status: parts.status.as_u16(),
        body: serde_json::from_slice(&bytes).ok(),
    });
    Response::from_parts(parts, Body::from(bytes))
}

/// The body of a POST or PUT as a JSON object: 415 unless it says
/// `application/json`, XMS's 400 unless it is an object. Other methods get
/// an empty object. An extractor, so it runs after the route and the method
/// matched (404 and 405 come first).
struct JsonObject(Map<String, Value>);

impl<S: Send + Sync> FromRequest<S> for JsonObject {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        if !matches!(*request.method(), Method::POST | Method::PUT) {
            return Ok(JsonObject(Map::new()));
        }
        let json = request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().to_ascii_lowercase().starts_with("application/json"));
        if !json {
            return Err(empty(StatusCode::UNSUPPORTED_MEDIA_TYPE));
        }
        let body =
            Bytes::from_request(request, state).await.map_err(IntoResponse::into_response)?;
        json::object(&body).map(JsonObject).map_err(api_error)
    }
}

/// Before every XMS request: an injected fault, if one is queued, then the
/// plan's token. The control API under `/_sim` passes through.
async fn gate(AxumState(shared): AxumState<Arc<Shared>>, request: Request, next: Next) -> Response {
    let Some(rest) = request.uri().path().strip_prefix(BASE) else {
        return next.run(request).await;
    };
    let plan = rest.split('/').next().unwrap_or("").to_string();
    let fault = shared.lock().faults.pop_front();
    let mut after = None;
    if let Some(fault) = fault {
        if fault.processed {
            after = Some(fault);
        } else {
            if fault.delay_ms > 0 {
                tokio::time::sleep(Duration::from_millis(fault.delay_ms)).await;
            }
            if let Some(response) = fault_response(&fault) {
                return response;
            }
        }
    }
    if let Some(fault) = after {
        // Handled for real, then the answer is lost or replaced.
        let handled = authorized(&shared, &plan, request, next).await;
        if fault.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(fault.delay_ms)).await;
        }
        return fault_response(&fault).unwrap_or(handled);
    }
    authorized(&shared, &plan, request, next).await
}

/// Authentication and the rate limit, then the route.
async fn authorized(shared: &Shared, plan: &str, request: Request, next: Next) -> Response {
    // Authentication: the plan's API token, or an access token of its key.
    let bearer = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let access = {
        let state = shared.lock();
        match state.plan_config(plan) {
            Some(p) if !p.token.is_empty() && p.token == bearer => Access::Valid,
            Some(p) if p.key.is_some() && !bearer.is_empty() => state.access(plan, bearer),
            _ => Access::Unknown,
        }
    };
    let challenge = match access {
        Access::Valid => None,
        Access::Expired => {
            Some(r#"Bearer error="invalid_token", error_description="The access token expired""#)
        }
        Access::Unknown if bearer.is_empty() => Some("Bearer"),
        Access::Unknown => Some(r#"Bearer error="invalid_token""#),
    };
    if let Some(challenge) = challenge {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge))],
        )
            .into_response();
    }
    if let Err(wait) = shared.lock().admit(plan) {
        return too_many(wait);
    }
    next.run(request).await
}

/// The answer an injected fault gives, if it gives one (else the request
/// goes on, after the fault's delay).
fn fault_response(fault: &Fault) -> Option<Response> {
    {
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
                .ok();
        }
        fault.status.map(|status| {
            (
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                fault.body.clone(),
            )
                .into_response()
        })
    }
}

fn parse_query(query: Option<&str>) -> HashMap<String, String> {
    query
        .map(|q| {
            q.split('&')
                .filter_map(|kv| kv.split_once('='))
                .map(|(k, v)| (decode(k), decode(v)))
                .collect()
        })
        .unwrap_or_default()
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

fn not_found() -> Response {
    empty(StatusCode::NOT_FOUND)
}

/// A handler's answer: the JSON with `status`, 404 for `None`, or the error.
fn respond(result: Result<Option<Value>, ApiError>, status: StatusCode) -> Response {
    match result {
        Ok(Some(v)) => ok(status, v),
        Ok(None) => not_found(),
        Err(e) => api_error(e),
    }
}

fn listing(call: &Call, list: impl FnOnce(&ListQuery) -> Res<Option<Value>>) -> Response {
    match ListQuery::parse(call.query.clone()) {
        Ok(q) => respond(list(&q), StatusCode::OK),
        Err(e) => api_error(e),
    }
}

fn send_batch(state: &mut State, call: &Call) -> Response {
    respond(state.send_batch(&call.plan, &call.body).map(Some), StatusCode::CREATED)
}

fn list_batches(state: &mut State, call: &Call) -> Response {
    listing(call, |q| Ok(Some(state.list_batches(&call.plan, q))))
}

fn dry_run(state: &mut State, call: &Call) -> Response {
    // Booleans in a query are read in any case (`True`, as the Python SDK
    // sends it); anything else is refused, never ignored.
    let per_recipient = match call.query.get("per_recipient").map(|v| v.to_ascii_lowercase()) {
        None => false,
        Some(v) if v == "true" => true,
        Some(v) if v == "false" => false,
        Some(v) => {
            return api_error(ApiError::format(format!(
                "Parameter 'per_recipient' must be true or false, not '{v}'"
            )));
        }
    };
    let max = match call.query.get("number_of_recipients").map(|v| v.parse::<usize>()) {
        None => 100,
        Some(Ok(n)) if n <= crate::limits::MAX_DRY_RUN_RECIPIENTS => n,
        Some(_) => {
            return api_error(ApiError::constraint(format!(
                "Parameter 'number_of_recipients' must be at most {}",
                crate::limits::MAX_DRY_RUN_RECIPIENTS
            )));
        }
    };
    respond(state.dry_run(&call.plan, &call.body, per_recipient, max).map(Some), StatusCode::OK)
}

fn get_batch(state: &mut State, call: &Call) -> Response {
    respond(Ok(state.get_batch(&call.plan, call.param(0))), StatusCode::OK)
}

fn update_batch(state: &mut State, call: &Call) -> Response {
    respond(state.update_batch(&call.plan, call.param(0), &call.body), StatusCode::OK)
}

fn replace_batch(state: &mut State, call: &Call) -> Response {
    respond(state.replace_batch(&call.plan, call.param(0), &call.body), StatusCode::OK)
}

fn cancel_batch(state: &mut State, call: &Call) -> Response {
    respond(Ok(state.cancel_batch(&call.plan, call.param(0))), StatusCode::OK)
}

fn feedback(state: &mut State, call: &Call) -> Response {
    match state.delivery_feedback(&call.plan, call.param(0), &call.body) {
        Ok(Some(())) => empty(StatusCode::ACCEPTED),
        Ok(None) => not_found(),
        Err(e) => api_error(e),
    }
}

fn batch_report(state: &mut State, call: &Call) -> Response {
    listing(call, |q| state.batch_report(&call.plan, call.param(0), q))
}

fn recipient_report(state: &mut State, call: &Call) -> Response {
    respond(Ok(state.recipient_report(&call.plan, call.param(0), call.param(1))), StatusCode::OK)
}

fn list_reports(state: &mut State, call: &Call) -> Response {
    listing(call, |q| state.list_reports(&call.plan, q).map(Some))
}

fn create_group(state: &mut State, call: &Call) -> Response {
    respond(state.create_group(&call.plan, &call.body).map(Some), StatusCode::CREATED)
}

fn list_groups(state: &mut State, call: &Call) -> Response {
    listing(call, |q| Ok(Some(state.list_groups(&call.plan, q))))
}

fn get_group(state: &mut State, call: &Call) -> Response {
    respond(Ok(state.get_group(&call.plan, call.param(0))), StatusCode::OK)
}

fn update_group(state: &mut State, call: &Call) -> Response {
    respond(state.update_group(&call.plan, call.param(0), &call.body), StatusCode::OK)
}

fn replace_group(state: &mut State, call: &Call) -> Response {
    respond(state.replace_group(&call.plan, call.param(0), &call.body), StatusCode::OK)
}

fn delete_group(state: &mut State, call: &Call) -> Response {
    if state.delete_group(&call.plan, call.param(0)) { empty(StatusCode::OK) } else { not_found() }
}

fn group_members(state: &mut State, call: &Call) -> Response {
    respond(Ok(state.group_members(&call.plan, call.param(0))), StatusCode::OK)
}

fn list_inbounds(state: &mut State, call: &Call) -> Response {
    listing(call, |q| Ok(Some(state.list_inbounds(&call.plan, q))))
}

fn get_inbound(state: &mut State, call: &Call) -> Response {
    respond(Ok(state.get_inbound(&call.plan, call.param(0))), StatusCode::OK)
}

/// The tags of a batch or a group: GET reads, PUT replaces, POST adds and
/// removes.
fn tags(state: &mut State, call: &Call) -> Response {
    let f = Fields(&call.body);
    let change = match call.method {
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
        Ok(change) => respond(state.tags(&call.plan, call.param(0), change), StatusCode::OK),
        Err(e) => api_error(e),
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
async fn clear_faults(AxumState(shared): AxumState<Arc<Shared>>) -> Response {
    let mut state = shared.lock();
    let cleared = state.faults.len() + state.token_faults.len();
    state.faults.clear();
    state.token_faults.clear();
    ok(StatusCode::OK, json!({"cleared": cleared}))
}

/// Add a plan, or change the given settings of one (`null` unsets).
async fn plans(AxumState(shared): AxumState<Arc<Shared>>, body: Bytes) -> Response {
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
async fn expire_tokens(AxumState(shared): AxumState<Arc<Shared>>) -> Response {
    let expired = shared.lock().expire_tokens();
    ok(StatusCode::OK, json!({"expired": expired}))
}

/// The OAuth2 token endpoint: client credentials, as Basic auth or in the
/// form body; answers as Sinch's does.
async fn token(
    AxumState(shared): AxumState<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let oauth_error = |status: StatusCode, error: &str| {
        let mut response = (status, axum::Json(json!({"error": error}))).into_response();
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Basic"));
        }
        response
    };
    let fault = shared.lock().token_faults.pop_front();
    if let Some(fault) = fault {
        if fault.delay_ms > 0 {
            tokio::time::sleep(Duration::from_millis(fault.delay_ms)).await;
        }
        if let Some(response) = fault_response(&fault) {
            return response;
        }
    }
    if let Err(wait) = shared.lock().admit_token() {
        return too_many(wait);
    }
    let form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("application/x-www-form-urlencoded"));
    if !form {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request");
    }
    let fields = parse_query(std::str::from_utf8(&body).ok());
    if fields.get("grant_type").map(String::as_str) != Some("client_credentials") {
        return oauth_error(StatusCode::BAD_REQUEST, "unsupported_grant_type");
    }
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|b| b.split_once(':').map(|(k, s)| (k.to_owned(), s.to_owned())));
    let credentials = basic
        .or_else(|| Some((fields.get("client_id")?.clone(), fields.get("client_secret")?.clone())));
    let Some((key_id, key_secret)) = credentials else {
        return oauth_error(StatusCode::UNAUTHORIZED, "invalid_client");
    };
    match shared.lock().issue_token(&key_id, &key_secret) {
        Some((token, expires_in)) => ok(
            StatusCode::OK,
            json!({"access_token": token, "expires_in": expires_in, "scope": "",
                   "token_type": "bearer"}),
        ),
        None => oauth_error(StatusCode::UNAUTHORIZED, "invalid_client"),
    }
}

/// 429 with `Retry-After` in whole seconds (at least one).
fn too_many(wait: Duration) -> Response {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, seconds.max(1).to_string())])
        .into_response()
}
