//! A server that echoes the client's credentials back everywhere: every
//! request header into the answer's headers, and the bearer token (or its
//! whole `Authorization` value) into every string, number and boolean field
//! of every operation's answers, success and error alike, one field at a
//! time and all at once; and an OAuth token endpoint that echoes the key
//! secret and its Basic value. Whatever error the SDK makes of it, no
//! configured secret may appear in its `Display`, its `Debug` or any
//! source in its chain.

use std::{
    collections::{BTreeSet, HashMap},
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    body::Body,
    extract::State,
    http::{HeaderName, HeaderValue, Request, StatusCode},
    response::Response,
};
use serde_json::{Value, json};
use xms::{Error, RetryPolicy};

#[path = "common/calls.rs"]
mod calls;

const SPEC: &str = include_str!("../openapi/xms.json");
const PLAN: &str = "plan-echo";
const API_TOKEN: &str = "api-T0KEN-9f3c";
const PROJECT: &str = "proj-echo";
const KEY_ID: &str = "key-echo";
const KEY_SECRET: &str = "key-S3CRET-77ab";
/// Where the server puts the secret it echoes.
const MARK: &str = "@@ECHO@@";

/// What the server answers next.
#[derive(Clone)]
struct Reply {
    status: u16,
    /// The body, with `MARK` where the secret goes (JSON strings holding
    /// only the mark become the secret as a JSON string).
    body: String,
    /// Echo the bare token (true) or the whole `Authorization` value.
    bare: bool,
}

/// The reply to every request, or to the requests of one path.
struct Replies {
    every: Reply,
    by_path: HashMap<String, Reply>,
}

type Shared = Arc<Mutex<Replies>>;

fn replies(every: Reply) -> Shared {
    Arc::new(Mutex::new(Replies { every, by_path: HashMap::new() }))
}

/// The echo server on 127.0.0.1: answers every request with the current
/// reply, the request's credentials put in.
async fn start(reply: Shared) -> String {
    async fn echo(State(reply): State<Shared>, request: Request<Body>) -> Response {
        let reply = {
            let replies = reply.lock().unwrap();
            replies.by_path.get(request.uri().path()).unwrap_or(&replies.every).clone()
        };
        let headers = request.headers().clone();
        let authorization =
            headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let secret = if reply.bare {
            authorization.split_once(' ').map_or(authorization.as_str(), |(_, t)| t).to_owned()
        } else {
            authorization.clone()
        };
        let quoted = serde_json::to_string(&secret).unwrap();
        let body = reply.body.replace(&format!("\"{MARK}\""), &quoted).replace(MARK, &secret);
        let mut response = Response::new(Body::from(body));
        *response.status_mut() = StatusCode::from_u16(reply.status).unwrap();
        let out = response.headers_mut();
        out.insert("content-type", HeaderValue::from_static("application/json"));
        for (name, value) in &headers {
            if let Ok(echo) = HeaderName::try_from(format!("x-echo-{name}")) {
                out.append(echo, value.clone());
            }
        }
        if let Ok(value) = HeaderValue::try_from(secret.as_str()) {
            for name in ["www-authenticate", "x-request-id", "retry-after", "location", "x-token"] {
                out.insert(name, value.clone());
            }
        }
        response
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new().fallback(echo).with_state(reply);
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

fn resolve<'a>(spec: &'a Value, node: &'a Value) -> &'a Value {
    match node.get("$ref").and_then(Value::as_str) {
        Some(reference) => resolve(spec, spec.pointer(&reference[1..]).expect("a $ref")),
        None => node,
    }
}

/// Answers a schema allows, one per branch of a union: the schema's
/// example when it has one, else built from its properties.
fn samples(spec: &Value, schema: &Value) -> Vec<Value> {
    let schema = resolve(spec, schema);
    if let Some(example) = schema.get("example") {
        return vec![example.clone()];
    }
    if let Some(branches) = schema.get("oneOf").or(schema.get("anyOf")).and_then(Value::as_array) {
        return branches.iter().flat_map(|b| samples(spec, b)).collect();
    }
    let one = match schema.get("type").and_then(Value::as_str) {
        Some("array") => Value::Array(samples(spec, &schema["items"])),
        Some("string") => json!("x"),
        Some("integer" | "number") => json!(1),
        Some("boolean") => json!(true),
        _ => {
            let mut object = serde_json::Map::new();
            for (name, property) in schema["properties"].as_object().into_iter().flatten() {
                if let Some(first) = samples(spec, property).into_iter().next() {
                    object.insert(name.clone(), first);
                }
            }
            Value::Object(object)
        }
    };
    vec![one]
}

/// The JSON pointers of every string, number and boolean in `value`.
fn leaves(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                leaves(v, format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")), out)
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                leaves(v, format!("{at}/{i}"), out)
            }
        }
        Value::Null => {}
        _ => out.push(at),
    }
}

/// Every answer body a success of the operation is tried with: each field
/// replaced by the secret alone, then every field at once.
fn success_bodies(spec: &Value, operation: &Value) -> (u16, Vec<String>) {
    let (status, response) = operation["responses"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(status, _)| status.starts_with('2'))
        .expect("a success");
    let status: u16 = status.parse().unwrap();
    let schema = &resolve(spec, response)["content"]["application/json"]["schema"];
    if schema.is_null() {
        // No body documented: the body is the secret, as text and as JSON.
        return (status, vec![MARK.to_owned(), format!("\"{MARK}\"")]);
    }
    let mut bodies = Vec::new();
    for sample in samples(spec, schema) {
        let mut paths = Vec::new();
        leaves(&sample, String::new(), &mut paths);
        let mut all = sample.clone();
        for path in &paths {
            let mut one = sample.clone();
            *one.pointer_mut(path).unwrap() = json!(MARK);
            *all.pointer_mut(path).unwrap() = json!(MARK);
            bodies.push(one.to_string());
        }
        bodies.push(all.to_string());
    }
    (status, bodies)
}

/// Error answers of every shape the SDK reads, the secret in each field.
fn error_bodies() -> Vec<String> {
    let m = MARK;
    vec![
        json!({"code": m, "text": m}).to_string(),
        json!({"code": "syntax_constraint_violation", "text": m}).to_string(),
        json!({"code": m, "description": m}).to_string(),
        json!({"error": {"code": m, "message": m, "status": m, "details": [m]}}).to_string(),
        json!({"error": {"code": 401}, "details": m}).to_string(),
        json!({"status": m, "error": m, "message": m, "path": m, "timestamp": m}).to_string(),
        json!({"message": m}).to_string(),
        m.to_owned(),
        format!("<html>{m}</html>"),
    ]
}

/// Every text an error shows: `Display`, `Debug`, and both of each source.
fn shown(error: &Error) -> String {
    let mut text = format!("{error}\n{error:?}");
    let mut source = std::error::Error::source(error);
    while let Some(s) = source {
        text.push_str(&format!("\n{s}\n{s:?}"));
        source = s.source();
    }
    text
}

/// The secrets of a client, as a server could echo them.
fn secrets(oauth: bool) -> Vec<String> {
    use base64::Engine as _;
    if oauth {
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("{KEY_ID}:{KEY_SECRET}"));
        vec![KEY_SECRET.to_owned(), basic, "acc-".to_owned()]
    } else {
        vec![API_TOKEN.to_owned()]
    }
}

/// What a run saw.
#[derive(Default)]
struct Seen {
    cases: usize,
    errors: usize,
    redacted: usize,
    kinds: BTreeSet<String>,
    leaks: Vec<String>,
}

impl Seen {
    fn check(&mut self, case: &str, outcome: Result<(), Error>, secrets: &[String]) {
        self.cases += 1;
        let Err(error) = outcome else { return };
        self.errors += 1;
        let text = shown(&error);
        self.kinds.insert(format!("{error:?}").split([' ', '{', '(']).next().unwrap().to_owned());
        if text.contains("<redacted>") {
            self.redacted += 1;
        }
        for secret in secrets {
            if text.contains(secret.as_str()) {
                self.leaks.push(format!("{case}: {secret} in\n{text}"));
            }
        }
    }
}

#[tokio::test]
async fn no_echoed_secret_reaches_any_error_of_any_operation() {
    let spec: Value = serde_json::from_str(SPEC).unwrap();
    let mut by_id = std::collections::BTreeMap::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            if let Some(id) = operation.get("operationId").and_then(Value::as_str) {
                by_id.insert(
                    id.to_owned(),
                    (method.to_uppercase(), path.clone(), operation.clone()),
                );
            }
        }
    }
    let calls = calls::calls();
    let covered: BTreeSet<String> = calls.iter().map(|(id, _)| id.to_string()).collect();
    let in_spec: BTreeSet<String> = by_id.keys().cloned().collect();
    assert_eq!(covered, in_spec, "the echo test calls every operation of the spec");

    let reply = replies(Reply { status: 200, body: "{}".into(), bare: true });
    let api = start(reply.clone()).await;
    // The token endpoint issues a fresh token for every fetch, so that the
    // API echoes an access token the client got.
    let auth = token_endpoint().await;

    // No retries and no pause worth waiting for: each case is one request.
    let policy = RetryPolicy::none().max_backoff(Duration::from_millis(1));
    let plan_client = xms::Client::builder()
        .service_plan(PLAN, API_TOKEN)
        .endpoint(&api)
        .retry(policy.clone())
        .build()
        .unwrap();
    let project_client = xms::Client::builder()
        .project(PROJECT, KEY_ID, KEY_SECRET)
        .endpoint(&api)
        .oauth_token_url(format!("{auth}/oauth2/token"))
        .retry(policy)
        .build()
        .unwrap();

    let mut seen = Seen::default();
    for (oauth, client) in [(false, &plan_client), (true, &project_client)] {
        let secrets = secrets(oauth);
        for (id, call) in &calls {
            let (_, _, operation) = &by_id[*id];
            let (status, bodies) = success_bodies(&spec, operation);
            let mut answers: Vec<(u16, String)> = bodies.into_iter().map(|b| (status, b)).collect();
            for status in [400, 401, 403, 404, 409, 429, 500, 502, 503] {
                answers.extend(error_bodies().into_iter().map(|b| (status, b)));
            }
            for (n, (status, body)) in answers.into_iter().enumerate() {
                reply.lock().unwrap().every =
                    Reply { status, body: body.clone(), bare: n % 2 == 0 };
                let outcome = call(client.clone()).await;
                seen.check(&format!("{id} {status} {body}"), outcome, &secrets);
            }
        }
    }
    assert!(seen.leaks.is_empty(), "{} leaks, the first:\n{}", seen.leaks.len(), seen.leaks[0]);
    // The run was what it claims: many answers, most of them errors of
    // every kind the echo provokes, the secret redacted from many.
    assert!(seen.cases > 1000, "{} cases", seen.cases);
    assert!(seen.redacted > 500, "{} errors showed a redaction", seen.redacted);
    for kind in ["Api", "Rejected", "NotFound", "Unauthorized", "RateLimited", "UnexpectedResponse"]
    {
        assert!(seen.kinds.contains(kind), "no {kind} error among {:?}", seen.kinds);
    }
    eprintln!(
        "{} answers, {} errors ({:?}), {} with a redaction, no secret shown",
        seen.cases, seen.errors, seen.kinds, seen.redacted
    );
}

/// A token endpoint that issues a new access token (`acc-<n>`) per fetch.
async fn token_endpoint() -> String {
    async fn issue(State(n): State<Arc<Mutex<u64>>>) -> Response {
        let mut n = n.lock().unwrap();
        *n += 1;
        let body = json!({"access_token": format!("acc-{n:08}"), "expires_in": 3600,
                          "token_type": "bearer"});
        Response::new(Body::from(body.to_string()))
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new().fallback(issue).with_state(Arc::new(Mutex::new(0)));
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// The token endpoint itself echoing: the Basic value and the secret in
/// its headers, and in every field of every kind of answer. Each case has a
/// token URL of its own and a new client (no token or remembered failure
/// carried over), and the cases run at once: a failing endpoint is tried
/// four times with waits between.
#[tokio::test]
async fn no_secret_echoed_by_the_token_endpoint_reaches_an_error() {
    let auth = replies(Reply { status: 404, body: String::new(), bare: true });
    let auth_url = start(auth.clone()).await;
    let api = start(replies(Reply {
        status: 200,
        body: json!({"id": "b1", "type": "mt_text", "to": ["1"], "body": "x"}).to_string(),
        bare: true,
    }))
    .await;
    let m = MARK;
    let mut bodies = vec![
        json!({"access_token": "acc-1", "expires_in": m, "token_type": "bearer"}).to_string(),
        json!({"access_token": "acc-1", "expires_in": 60, "token_type": m}).to_string(),
        json!({"access_token": m, "expires_in": 60}).to_string(),
        json!({"access_token": m, "expires_in": 60, "token_type": "mac"}).to_string(),
        json!({"access_token": 5, "expires_in": m}).to_string(),
        json!({"access_token": true, "expires_in": m, "token_type": m, "scope": m}).to_string(),
        json!([m]).to_string(),
        m.to_owned(),
    ];
    bodies.extend(error_bodies());
    let mut cases = Vec::new();
    for status in [200, 201, 400, 401, 403, 429, 500, 503] {
        for (n, body) in bodies.iter().enumerate() {
            let path = format!("/case/{}", cases.len());
            let reply = Reply { status, body: body.clone(), bare: n % 2 == 0 };
            auth.lock().unwrap().by_path.insert(path.clone(), reply);
            let client = xms::Client::builder()
                .project(PROJECT, KEY_ID, KEY_SECRET)
                .endpoint(&api)
                .oauth_token_url(format!("{auth_url}{path}"))
                .retry(RetryPolicy::none())
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap();
            cases.push((format!("{status} {body}"), status, client));
        }
    }
    let outcomes = futures_util::future::join_all(
        cases.iter().map(|(_, _, client)| async move { client.batches().get("b1").await }),
    )
    .await;
    let mut seen = Seen::default();
    for ((case, status, _), outcome) in cases.iter().zip(outcomes) {
        let mut secrets = secrets(true);
        secrets.pop();
        // What a success answer calls its access token is a secret even
        // when the answer cannot be used.
        if (200..300).contains(status) {
            secrets.push("acc-1".to_owned());
        }
        seen.check(case, outcome.map(|_| ()), &secrets);
    }
    assert!(seen.leaks.is_empty(), "{} leaks, the first:\n{}", seen.leaks.len(), seen.leaks[0]);
    assert!(seen.errors >= 100, "{} errors", seen.errors);
    assert!(seen.redacted >= 50, "{} errors showed a redaction", seen.redacted);
    assert!(seen.kinds.contains("TokenEndpoint"), "{:?}", seen.kinds);
}
