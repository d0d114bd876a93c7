//! `xms listen`: a local receiver for XMS callbacks. Prints each delivery
//! report and inbound message, verifies XMS's signature when given the
//! secret, forwards the request unchanged to the app and records it; and
//! `--replay` sends recorded callbacks again.

use std::{
    io::{BufRead, Write},
    net::SocketAddr,
    path::Path,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
};

use axum::{
    body::Bytes,
    extract::State,
    http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use xms::callbacks::{self, Callback, Verifier};

use crate::{
    args::{Format, Global, ListenArgs},
    exit::{self, Failure},
    output::Output,
};

/// Headers that belong to one hop, not to the callback.
const HOP_BY_HOP: &[&str] = &[
    "host",
    "content-length",
    "connection",
    "keep-alive",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "proxy-authorization",
    "proxy-connection",
];

/// A recorded callback: one line of a `--record` file.
#[derive(Serialize, Deserialize, Debug)]
struct Record {
    received_at: String,
    method: String,
    path: String,
    headers: Vec<(String, String)>,
    /// The body, when it is UTF-8 (XMS's are JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body: Option<String>,
    /// The body as base64 otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    body_base64: Option<String>,
}

impl Record {
    fn bytes(&self) -> Result<Vec<u8>, String> {
        match (&self.body, &self.body_base64) {
            (Some(text), None) => Ok(text.clone().into_bytes()),
            (None, Some(b64)) => base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|e| format!("body_base64 is not base64: {e}")),
            (None, None) => Ok(Vec::new()),
            (Some(_), Some(_)) => Err("both body and body_base64".to_string()),
        }
    }
}

struct Listener {
    verifier: Option<Verifier>,
    forward_to: Option<reqwest::Url>,
    http: reqwest::Client,
    record: Option<Mutex<std::fs::File>>,
    output: Output,
    count: AtomicU64,
    max: Option<u64>,
    done: tokio::sync::Notify,
}

fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|(name, _)| !HOP_BY_HOP.contains(&name.as_str()))
        .map(|(name, value)| {
            (name.as_str().to_string(), String::from_utf8_lossy(value.as_bytes()).into())
        })
        .collect()
}

/// What a person reads of a callback.
fn describe(callback: &Callback) -> String {
    match callback {
        Callback::Inbound(inbound) => {
            let value = serde_json::to_value(inbound).unwrap_or_default();
            format!(
                "inbound {} -> {}: {}",
                inbound.sender(),
                inbound.recipient(),
                crate::output::cell(&value["body"], false)
            )
        }
        Callback::BatchDeliveryReport(report) => {
            let counts: Vec<String> =
                report.statuses.iter().map(|s| format!("{} {}", s.status, s.count)).collect();
            format!("delivery report of batch {}: {}", report.batch_id, counts.join(", "))
        }
        Callback::RecipientDeliveryReport(report) => format!(
            "delivery report of batch {}: {} is {} (code {})",
            report.batch_id, report.recipient, report.status, report.code
        ),
        _ => "a callback of a kind this version does not know".to_string(),
    }
}

async fn receive(
    State(listener): State<Arc<Listener>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    if let Some(verifier) = &listener.verifier
        && let Err(e) = verifier.verify(&headers, &body)
    {
        eprintln!("{now} refused a callback to {uri}: {e} (answered 401, not forwarded)");
        return (StatusCode::UNAUTHORIZED, format!("{e}\n")).into_response();
    }
    let parsed = callbacks::parse(&body);
    let verified = listener.verifier.is_some();
    match (&parsed, listener.output.format) {
        (Ok(callback), Format::Table) => {
            let mark = if verified { " (signature ok)" } else { "" };
            let line = format!("{now}  {}{mark}\n", describe(callback));
            let _ = crate::output::write_stdout(line.as_bytes());
        }
        (Ok(callback), _) => {
            let line = serde_json::json!({
                "received_at": now, "path": uri.path(), "verified": verified, "callback": callback,
            });
            let _ = crate::output::write_stdout(format!("{line}\n").as_bytes());
        }
        (Err(e), _) => eprintln!("{now} a request to {uri} is not an XMS callback: {e}"),
    }
    if let Some(file) = &listener.record {
        let text = String::from_utf8(body.to_vec()).ok();
        let record = Record {
            received_at: now.clone(),
            method: method.to_string(),
            path: uri.path_and_query().map_or("/".to_string(), |p| p.to_string()),
            headers: header_pairs(&headers),
            body_base64: match text {
                Some(_) => None,
                None => Some(base64::engine::general_purpose::STANDARD.encode(&body)),
            },
            body: text,
        };
        let line = serde_json::to_string(&record).unwrap_or_default();
        let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
        if let Err(e) = writeln!(file, "{line}").and_then(|()| file.flush()) {
            eprintln!("{now} could not record the callback: {e}");
        }
    }
    let response = match &listener.forward_to {
        Some(url) => forward(&listener.http, url, method, &headers, body).await,
        None if parsed.is_ok() => StatusCode::OK.into_response(),
        None => (StatusCode::BAD_REQUEST, "not an XMS callback\n").into_response(),
    };
    let count = listener.count.fetch_add(1, Ordering::SeqCst) + 1;
    if listener.max.is_some_and(|max| count >= max) {
        listener.done.notify_one();
    }
    response
}

/// Send the callback on to the app, body and headers as they came; XMS gets
/// the app's answer.
async fn forward(
    http: &reqwest::Client,
    url: &reqwest::Url,
    method: Method,
    headers: &HeaderMap,
    body: Bytes,
) -> Response {
    let mut request = http.request(method, url.clone());
    for (name, value) in headers {
        if !HOP_BY_HOP.contains(&name.as_str()) {
            request = request.header(name, value);
        }
    }
    match request.body(body).send().await {
        Ok(answer) => {
            let status = answer.status();
            let mut headers = HeaderMap::new();
            if let Some(kind) = answer.headers().get("content-type") {
                headers.insert(HeaderName::from_static("content-type"), kind.clone());
            }
            // The app's answer, bounded: XMS reads only the status.
            let mut body = Vec::new();
            let mut answer = answer;
            while let Ok(Some(chunk)) = answer.chunk().await {
                if body.len() + chunk.len() > 64 * 1024 {
                    break;
                }
                body.extend_from_slice(&chunk);
            }
            eprintln!("  forwarded to {url}: {status}");
            (status, headers, body).into_response()
        }
        Err(e) => {
            eprintln!("  could not forward to {url}: {}", without_url(&e));
            (StatusCode::BAD_GATEWAY, "the app did not answer\n").into_response()
        }
    }
}

/// A reqwest error without its URL (which may carry credentials).
fn without_url(error: &reqwest::Error) -> String {
    let mut source: Option<&dyn std::error::Error> = std::error::Error::source(error);
    let mut text = if error.is_connect() {
        "cannot connect".to_string()
    } else if error.is_timeout() {
        "timed out".to_string()
    } else {
        "failed".to_string()
    };
    while let Some(inner) = source {
        text = format!("{text}: {inner}");
        source = inner.source();
    }
    text
}

fn parse_url(what: &str, url: &str) -> Result<reqwest::Url, Failure> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| Failure::usage(format!("{what} {url}: not a URL ({e})")))?;
    if !matches!(parsed.scheme(), "http" | "https") {
        return Err(Failure::usage(format!("{what} {url}: an http or https URL")));
    }
    Ok(parsed)
}

pub async fn run(global: &Global, args: ListenArgs) -> Result<(), Failure> {
    if let Some(file) = &args.replay {
        let to = args.to.as_deref().unwrap_or_default();
        return replay(global, file, &parse_url("--to", to)?).await;
    }
    let forward_to =
        args.forward_to.as_deref().map(|u| parse_url("--forward-to", u)).transpose()?;
    let record = match &args.record {
        Some(path) => Some(Mutex::new(
            std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(|e| {
                Failure::usage(format!("--record {}: cannot open it: {e}", path.display()))
            })?,
        )),
        None => None,
    };
    let verifier = match &args.secret {
        Some(secret) if secret.is_empty() => {
            return Err(Failure::usage("--secret is empty"));
        }
        Some(secret) => Some(Verifier::new(secret)),
        None => None,
    };
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|e| Failure::new(exit::FAILURE, format!("cannot start: {e}")))?;
    let listener = Arc::new(Listener {
        verifier,
        forward_to,
        http,
        record,
        output: Output::new(global).streaming(),
        count: AtomicU64::new(0),
        max: args.max,
        done: tokio::sync::Notify::new(),
    });
    let address = SocketAddr::new(args.host, args.port);
    let socket = tokio::net::TcpListener::bind(address)
        .await
        .map_err(|e| Failure::usage(format!("cannot listen on {address}: {e}")))?;
    let bound = socket.local_addr().unwrap_or(address);
    let limit = Verifier::new("limit").max_body_bytes();
    let app = axum::Router::new()
        .fallback(receive)
        .layer(axum::extract::DefaultBodyLimit::max(limit))
        .with_state(listener.clone());
    let mut notes = vec![];
    if listener.verifier.is_some() {
        notes.push("verifying signatures".to_string());
    } else {
        notes.push("not verifying signatures (give --secret)".to_string());
    }
    if let Some(url) = &listener.forward_to {
        notes.push(format!("forwarding to {url}"));
    }
    if let Some(path) = &args.record {
        notes.push(format!("recording to {}", path.display()));
    }
    eprintln!("Listening on http://{bound}/ ({}); ctrl-c to stop", notes.join(", "));
    let stop = listener.clone();
    axum::serve(socket, app)
        .with_graceful_shutdown(async move {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = stop.done.notified() => {}
            }
        })
        .await
        .map_err(|e| Failure::new(exit::FAILURE, format!("the receiver stopped: {e}")))?;
    Ok(())
}

/// Read a record file whole before sending anything.
fn read_records(path: &Path) -> Result<Vec<(usize, Record, Vec<u8>)>, Failure> {
    let file = std::fs::File::open(path)
        .map_err(|e| Failure::usage(format!("--replay {}: cannot open it: {e}", path.display())))?;
    let mut records = Vec::new();
    for (index, line) in std::io::BufReader::new(file).lines().enumerate() {
        let at = |detail: String| {
            Failure::usage(format!("--replay {} line {}: {detail}", path.display(), index + 1))
        };
        let line = line.map_err(|e| at(e.to_string()))?;
        if line.trim().is_empty() {
            continue;
        }
        let record: Record = serde_json::from_str(&line).map_err(|e| at(e.to_string()))?;
        let body = record.bytes().map_err(at)?;
        for (name, value) in &record.headers {
            HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| at(format!("`{name}` is not a header name")))?;
            HeaderValue::from_str(value)
                .map_err(|_| at(format!("the value of `{name}` is not a header value")))?;
        }
        Method::from_bytes(record.method.as_bytes())
            .map_err(|_| at(format!("`{}` is not a method", record.method)))?;
        records.push((index + 1, record, body));
    }
    if records.is_empty() {
        return Err(Failure::usage(format!("--replay {}: no callbacks in it", path.display())));
    }
    Ok(records)
}

/// Send recorded callbacks again, in order, to `to`.
async fn replay(global: &Global, path: &Path, to: &reqwest::Url) -> Result<(), Failure> {
    let records = read_records(path)?;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .map_err(|e| Failure::new(exit::FAILURE, format!("cannot start: {e}")))?;
    let output = Output::new(global).streaming();
    let mut failed = 0usize;
    let total = records.len();
    for (line, record, body) in records {
        let method = Method::from_bytes(record.method.as_bytes()).unwrap_or(Method::POST);
        let mut request = http.request(method, to.clone()).body(body);
        for (name, value) in &record.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let status = match request.send().await {
            Ok(answer) => Some(answer.status().as_u16()),
            Err(e) => {
                eprintln!("line {line}: could not send it: {}", without_url(&e));
                None
            }
        };
        if !status.is_some_and(|s| (200..300).contains(&s)) {
            failed += 1;
        }
        if output.format == Format::Table {
            let shown = status.map_or("no answer".to_string(), |s| s.to_string());
            crate::output::write_stdout(
                format!("line {line} ({}): {shown}\n", record.received_at).as_bytes(),
            )?;
        } else {
            let value = serde_json::json!({"line": line, "received_at": record.received_at, "status": status});
            crate::output::write_stdout(format!("{value}\n").as_bytes())?;
        }
    }
    if failed > 0 {
        let code = if failed == total { exit::FAILURE } else { exit::PARTIAL };
        return Err(Failure::new(code, format!("{failed} of {total} callbacks were not accepted")));
    }
    Ok(())
}
