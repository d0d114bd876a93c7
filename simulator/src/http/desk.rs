//! The developer's desk: the UI at `/` (when enabled), the JSON it reads
//! under `/_sim`, the event stream, `wait`, and the guard that keeps other
//! web pages (and, off loopback, other people) out.

use std::convert::Infallible;

use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures_util::stream;

use super::*;
use crate::store::{MAX_DESK_PAGE, MessageQuery, Since, WaitQuery};

/// How the desk is served: its UI, and who may use it.
#[derive(Clone, Debug, Default)]
pub struct DeskOptions {
    /// Serve the UI at `/`.
    pub ui: bool,
    /// Require HTTP Basic credentials for `/` and `/_sim` (any Host is then
    /// accepted: a server off loopback is reached by its own name).
    pub auth: Option<(String, String)>,
}

const INDEX_HTML: &str = include_str!("ui/index.html");
const APP_JS: &str = include_str!("ui/app.js");
const APP_CSS: &str = include_str!("ui/app.css");

/// The strictest policy the UI works under: its own script and style, its
/// own API, nothing inline, no frames.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                   img-src 'self' data:; base-uri 'none'; form-action 'none'; \
                   frame-ancestors 'none'";

fn asset(kind: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, kind),
            (header::CONTENT_SECURITY_POLICY, CSP),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::REFERRER_POLICY, "no-referrer"),
            (header::CACHE_CONTROL, "no-store"),
            (header::X_FRAME_OPTIONS, "DENY"),
        ],
        body,
    )
        .into_response()
}

pub(super) async fn index(AxumState(shared): AxumState<Arc<Shared>>) -> Response {
    if !shared.desk.ui {
        return (
            StatusCode::NOT_FOUND,
            "the UI is off: start the simulator with --ui (or run `xms dev`)\n",
        )
            .into_response();
    }
    asset("text/html; charset=utf-8", INDEX_HTML)
}

pub(super) async fn app_js(AxumState(shared): AxumState<Arc<Shared>>) -> Response {
    if !shared.desk.ui {
        return not_found();
    }
    asset("text/javascript; charset=utf-8", APP_JS)
}

pub(super) async fn app_css(AxumState(shared): AxumState<Arc<Shared>>) -> Response {
    if !shared.desk.ui {
        return not_found();
    }
    asset("text/css; charset=utf-8", APP_CSS)
}

/// Whether a Host header names this machine.
fn loopback_host(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        // `[::1]:8080`, `127.0.0.1:8080`, `localhost:8080`
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    let name = name.trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
    match name.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => name == "localhost" || name.ends_with(".localhost"),
    }
}

fn refuse(status: StatusCode, why: &str) -> Response {
    (status, format!("{why}\n")).into_response()
}

/// Before `/` and `/_sim`: the credentials when the desk has them; else a
/// Host naming this machine (a page of another site that rebinds its name
/// to 127.0.0.1 is refused); and for a request that changes anything, an
/// `Origin` (when the browser sends one) of this same host.
pub(super) async fn guard(
    AxumState(shared): AxumState<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let desk = path == "/" || path == "/_sim" || path.starts_with("/_sim/");
    if !desk {
        return next.run(request).await;
    }
    let headers = request.headers();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    match &shared.desk.auth {
        Some((user, password)) => {
            let expected = format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
            );
            let given = headers.get(header::AUTHORIZATION).map(HeaderValue::as_bytes);
            if !given.is_some_and(|given| constant_time_eq(given, expected.as_bytes())) {
                return (
                    StatusCode::UNAUTHORIZED,
                    [(header::WWW_AUTHENTICATE, "Basic realm=\"xms dev\", charset=\"UTF-8\"")],
                    "credentials required\n",
                )
                    .into_response();
            }
        }
        None if !loopback_host(host) => {
            return refuse(
                StatusCode::FORBIDDEN,
                "refused: the Host is not this machine (the desk answers only to 127.0.0.1, \
                 localhost and [::1])",
            );
        }
        None => {}
    }
    let changes = !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if changes {
        let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
        let site = headers.get("sec-fetch-site").and_then(|s| s.to_str().ok());
        let same = match origin {
            Some(origin) => {
                origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://"))
                    == Some(host)
            }
            None => !matches!(site, Some("cross-site" | "same-site")),
        };
        if !same {
            return refuse(
                StatusCode::FORBIDDEN,
                "refused: a request from another site cannot change the simulator",
            );
        }
    }
    next.run(request).await
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(super) async fn plans_list(AxumState(shared): AxumState<Arc<Shared>>) -> Response {
    ok(StatusCode::OK, shared.lock().desk_plans())
}

fn text_param(q: &HashMap<String, String>, key: &str) -> Option<String> {
    q.get(key).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
}

fn number_param(q: &HashMap<String, String>, key: &str, default: usize) -> Result<usize, String> {
    match q.get(key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => v.parse().map_err(|_| format!("{key} must be a whole number, not `{v}`")),
    }
}

pub(super) async fn messages(
    AxumState(shared): AxumState<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let query = MessageQuery {
        plan: text_param(&q, "plan"),
        to: text_param(&q, "to"),
        from: text_param(&q, "from"),
        status: text_param(&q, "status"),
        batch: text_param(&q, "batch"),
        reference: text_param(&q, "reference"),
        text: text_param(&q, "text"),
        page: match number_param(&q, "page", 0) {
            Ok(page) => page,
            Err(why) => return refuse(StatusCode::BAD_REQUEST, &why),
        },
        page_size: match number_param(&q, "page_size", 50) {
            Ok(size) => size.min(MAX_DESK_PAGE),
            Err(why) => return refuse(StatusCode::BAD_REQUEST, &why),
        },
    };
    ok(StatusCode::OK, shared.lock().desk_messages(&query))
}

pub(super) async fn message(
    AxumState(shared): AxumState<Arc<Shared>>,
    Path((plan, batch, index)): Path<(String, String, usize)>,
) -> Response {
    match shared.lock().desk_message(&plan, &batch, index) {
        Some(v) => ok(StatusCode::OK, v),
        None => not_found(),
    }
}

pub(super) async fn phones(
    AxumState(shared): AxumState<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let limit = match number_param(&q, "limit", 200) {
        Ok(l) => l.min(MAX_DESK_PAGE),
        Err(why) => return refuse(StatusCode::BAD_REQUEST, &why),
    };
    ok(StatusCode::OK, shared.lock().desk_phones(text_param(&q, "plan").as_deref(), limit))
}

pub(super) async fn phone(
    AxumState(shared): AxumState<Arc<Shared>>,
    Path(number): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let plan = text_param(&q, "plan");
    ok(StatusCode::OK, shared.lock().desk_conversation(plan.as_deref(), &number, 500))
}

fn fault_json(f: &Fault) -> Value {
    json!({
        "status": f.status, "body": f.body, "delay_ms": f.delay_ms, "drop": f.drop,
        "processed": f.processed,
    })
}

pub(super) async fn faults_list(AxumState(shared): AxumState<Arc<Shared>>) -> Response {
    let state = shared.lock();
    ok(
        StatusCode::OK,
        json!({
            "xms": state.faults.iter().take(100).map(fault_json).collect::<Vec<_>>(),
            "token": state.token_faults.iter().take(100).map(fault_json).collect::<Vec<_>>(),
            "queued": {"xms": state.faults.len(), "token": state.token_faults.len()},
        }),
    )
}

pub(super) async fn resend(
    AxumState(shared): AxumState<Arc<Shared>>,
    Path(id): Path<u64>,
) -> Response {
    if !shared.lock().resend(id) {
        return not_found();
    }
    shared.deliver_queued().await;
    empty(StatusCode::ACCEPTED)
}

/// At most this many events go in one read of the log.
const EVENTS_PER_READ: usize = 500;

/// `GET /_sim/events`: server-sent events, each with its id. A client that
/// reconnects with `Last-Event-ID` (or `?after=ID`) gets what it missed; a
/// new one gets what happens from now on (`?after=0`: the whole buffer).
pub(super) async fn events(
    AxumState(shared): AxumState<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let resume = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .or(q.get("after").map(String::as_str))
        .map(|v| v.trim().parse::<u64>());
    let (receiver, newest) = {
        let state = shared.lock();
        (state.events.subscribe(), state.events.newest())
    };
    let after = match resume {
        Some(Ok(id)) => id,
        Some(Err(_)) => return refuse(StatusCode::BAD_REQUEST, "Last-Event-ID must be a number"),
        None => newest,
    };
    let plan = text_param(&q, "plan");
    let start = (shared, receiver, after, plan, VecDeque::<SseEvent>::new());
    let stream = stream::unfold(start, |(shared, mut receiver, mut after, plan, mut pending)| {
        async move {
            loop {
                if let Some(event) = pending.pop_front() {
                    return Some((
                        Ok::<_, Infallible>(event),
                        (shared, receiver, after, plan, pending),
                    ));
                }
                let read = shared.lock().events.since(after, plan.as_deref(), EVENTS_PER_READ);
                match read {
                    Since::Gap { newest } => {
                        pending.push_back(
                            SseEvent::default()
                                .id(newest.to_string())
                                .event("gap")
                                .data(json!({"type": "gap", "newest": newest}).to_string()),
                        );
                        after = newest;
                    }
                    Since::Events(events) if !events.is_empty() => {
                        for e in events {
                            after = e.id;
                            let kind = e.json["type"].as_str().unwrap_or("event").to_string();
                            pending.push_back(
                                SseEvent::default()
                                    .id(e.id.to_string())
                                    .event(kind)
                                    .data(e.json.to_string()),
                            );
                        }
                    }
                    Since::Events(_) => {
                        // Nothing new among this plan's events: skip past
                        // the others, then wait for the next.
                        let newest = *receiver.borrow_and_update();
                        if newest > after {
                            after = after.max(newest.min(shared.lock().events.newest()));
                            continue;
                        }
                        if receiver.changed().await.is_err() {
                            return None;
                        }
                    }
                }
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response()
}

/// The longest a `wait` may last.
pub const MAX_WAIT: Duration = Duration::from_secs(600);
/// A pattern's compiled size is bounded: a hostile one is refused, not run.
const MAX_PATTERN_BYTES: usize = 1 << 20;

/// Compile a `wait` pattern, bounded.
pub fn pattern(text: &str) -> Result<regex::Regex, String> {
    regex::RegexBuilder::new(text)
        .size_limit(MAX_PATTERN_BYTES)
        .dfa_size_limit(MAX_PATTERN_BYTES)
        .build()
        .map_err(|e| format!("match is not a valid pattern: {e}"))
}

/// A duration: `30s`, `500ms`, `2m`, or seconds.
fn duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    let (number, scale) = if let Some(n) = text.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60.0)
    } else {
        (text, 1.0)
    };
    let seconds = number.trim().parse::<f64>().ok()? * scale;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds))
}

/// Wait until a message matching `q` exists, or `timeout` passes.
pub async fn wait(shared: &Arc<Shared>, q: &WaitQuery, timeout: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + timeout.min(MAX_WAIT);
    let (mut receiver, mut seen) = {
        let mut state = shared.lock();
        let seen = state.events.newest();
        if let Some(found) = state.find_message(q) {
            return Some(found);
        }
        (state.events.subscribe(), seen)
    };
    loop {
        tokio::select! {
            changed = receiver.changed() => if changed.is_err() { return None },
            _ = tokio::time::sleep_until(deadline) => return None,
        }
        let mut state = shared.lock();
        let newest = state.events.newest();
        let found = match state.find_new_message(q, seen) {
            Some(found) => found,
            // The events since are gone: look at everything.
            None => state.find_message(q),
        };
        seen = newest;
        if found.is_some() {
            return found;
        }
    }
}

/// `GET /_sim/wait?to=NUMBER&match=REGEX&timeout=30s[&plan=ID][&since=TIME]`.
pub(super) async fn wait_handler(
    AxumState(shared): AxumState<Arc<Shared>>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let to = text_param(&q, "to").map(|t| json::msisdn(&t).unwrap_or(t));
    let pattern = match text_param(&q, "match").map(|p| pattern(&p)).transpose() {
        Ok(p) => p,
        Err(why) => return refuse(StatusCode::BAD_REQUEST, &why),
    };
    if to.is_none() && pattern.is_none() {
        return refuse(StatusCode::BAD_REQUEST, "give to=NUMBER, match=PATTERN, or both");
    }
    let timeout = match q.get("timeout").map(|t| duration(t)) {
        None => Duration::from_secs(30),
        Some(Some(t)) if t <= MAX_WAIT => t,
        Some(_) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                "timeout must be a duration such as 30s or 500ms, at most 600s",
            );
        }
    };
    let since = match text_param(&q, "since").map(|t| json::parse_time(&t)) {
        None => None,
        Some(Some(t)) => Some(t),
        Some(None) => return refuse(StatusCode::BAD_REQUEST, "since must be an RFC 3339 time"),
    };
    let query = WaitQuery { plan: text_param(&q, "plan"), to, pattern, since };
    match wait(&shared, &query, timeout).await {
        Some(found) => ok(StatusCode::OK, found),
        None => ok(
            StatusCode::REQUEST_TIMEOUT,
            json!({"error": "timeout", "text": format!("no matching message within {timeout:?}")}),
        ),
    }
}
