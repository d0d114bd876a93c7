//! The HTTP face of the simulator: the XMS API under `/xms/v1/{plan}`
//! (`xms.rs`, one handler per operation of the spec, named after its id),
//! the gate every request passes first (`gate.rs`: faults, credentials,
//! rate limits, recording), the token endpoint (`oauth.rs`), the control
//! API under `/_sim` (`control.rs`) and the delivery of callbacks
//! (`delivery.rs`).

mod control;
mod delivery;
mod desk;
mod gate;
mod oauth;
mod xms;

pub(crate) use control::advance_by;
pub use desk::{DeskOptions, MAX_WAIT, pattern, wait};
pub use xms::operations;

use std::{
    collections::{BTreeMap, HashMap, VecDeque},
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
    store::{Access, Answer, Attempt, Delivery, Fault, ListQuery, PlanConfig, State, TagChange},
};

use control::*;
use gate::*;
use oauth::*;
use xms::*;

/// What the handlers share.
pub struct Shared {
    pub state: Mutex<State>,
    pub http: reqwest::Client,
    pub desk: DeskOptions,
}

impl Shared {
    pub fn new(state: State, desk: DeskOptions) -> Arc<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .expect("an HTTP client");
        Arc::new(Shared { state: Mutex::new(state), http, desk })
    }

    pub fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
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
        .route("/_sim/faults", post(faults).delete(clear_faults).get(desk::faults_list))
        .route("/_sim/service_plans", post(plans).get(desk::plans_list))
        .route("/_sim/oauth/expire", post(expire_tokens))
        .route("/_sim/messages", get(desk::messages))
        .route("/_sim/messages/{plan}/{batch}/{index}", get(desk::message))
        .route("/_sim/phones", get(desk::phones))
        .route("/_sim/phones/{number}", get(desk::phone))
        .route("/_sim/callbacks/{id}/resend", post(desk::resend))
        .route("/_sim/events", get(desk::events))
        .route("/_sim/wait", get(desk::wait_handler))
        .route("/", get(desk::index))
        .route("/_sim/ui/app.js", get(desk::app_js))
        .route("/_sim/ui/app.css", get(desk::app_css))
        .route("/oauth2/token", post(token))
        .merge(xms_routes(shared.clone()))
        .layer(middleware::from_fn_with_state(shared.clone(), gate))
        .layer(middleware::from_fn_with_state(shared.clone(), desk::guard))
        .with_state(shared)
}

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

/// 429 with `Retry-After` in whole seconds (at least one).
fn too_many(wait: Duration) -> Response {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, seconds.max(1).to_string())])
        .into_response()
}
