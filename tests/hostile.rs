//! The SDK against a hostile server: a raw TCP server on 127.0.0.1 that
//! answers with a catalogue of broken, slow, huge, redirected and reset
//! answers, for a send, a get, a listing page and a delivery report.
//!
//! Every case must end in a typed error (or, where the answer is valid, a
//! value), never a panic; a send is never repeated after it may have been
//! processed; every loop and every body is bounded in size and time.

use std::{
    collections::BTreeMap,
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
};
use xms::{Error, RetryPolicy};

const PLAN: &str = "plan1";
const TOKEN: &str = "tok-SECRET-4f9a";

/// What the server does with one request.
#[derive(Clone, Debug)]
enum Fault {
    /// Write these bytes, then close.
    Raw(Vec<u8>),
    /// Write the head, then `chunk` every `every` until `total` bytes went
    /// out or the client went away.
    Trickle { head: Vec<u8>, chunk: Vec<u8>, every: Duration, total: u64 },
    /// Reset the connection (RST) after writing these bytes.
    Reset(Vec<u8>),
}

/// One request as the server saw it.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    path: String,
}

struct Hostile {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    /// Body bytes written, over all connections.
    written: Arc<AtomicU64>,
}

impl Hostile {
    /// Answer request N with `faults[N]` (the last one repeats).
    async fn start(faults: Vec<Fault>) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let written = Arc::new(AtomicU64::new(0));
        let (record, count) = (seen.clone(), written.clone());
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                let (record, count, faults) = (record.clone(), count.clone(), faults.clone());
                tokio::spawn(async move {
                    let _ = serve(socket, &record, &count, &faults).await;
                });
            }
        });
        Hostile { url, seen, written }
    }

    fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    fn client(&self) -> xms::Client {
        xms::Client::builder()
            .service_plan(PLAN, TOKEN)
            .endpoint(&self.url)
            .timeout(Duration::from_millis(1500))
            .retry(
                RetryPolicy::default()
                    .max_retries(2)
                    .initial_backoff(Duration::from_millis(5))
                    .max_backoff(Duration::from_millis(50)),
            )
            .build()
            .unwrap()
    }
}

async fn serve(
    mut socket: TcpStream,
    record: &Mutex<Vec<Seen>>,
    written: &AtomicU64,
    faults: &[Fault],
) -> std::io::Result<()> {
    // Read the head and the body the request announces (bounded).
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let (head_end, length) = loop {
        let n = socket.read(&mut chunk).await?;
        if n == 0 || buf.len() > 1 << 20 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0)
                .min(1 << 20);
            break (end + 4, length);
        }
    };
    while buf.len() < head_end + length {
        let n = socket.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut line = head.split(' ');
    let method = line.next().unwrap_or("").to_string();
    let path = line.next().unwrap_or("").to_string();
    let index = {
        let mut seen = record.lock().unwrap();
        seen.push(Seen { method, path });
        seen.len() - 1
    };
    match faults[index.min(faults.len() - 1)].clone() {
        Fault::Raw(bytes) => {
            socket.write_all(&bytes).await?;
            socket.shutdown().await?;
        }
        Fault::Trickle { head, chunk, every, total } => {
            socket.write_all(&head).await?;
            let mut sent = 0u64;
            while sent < total {
                socket.write_all(&chunk).await?;
                sent += chunk.len() as u64;
                written.fetch_add(chunk.len() as u64, Ordering::Relaxed);
                if !every.is_zero() {
                    tokio::time::sleep(every).await;
                }
            }
            socket.shutdown().await?;
        }
        Fault::Reset(bytes) => {
            socket.write_all(&bytes).await?;
            socket.set_zero_linger()?;
            drop(socket);
        }
    }
    Ok(())
}

fn response(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Vec<u8> {
    let mut text = format!("HTTP/1.1 {status}\r\nconnection: close\r\n");
    for (k, v) in headers {
        text.push_str(&format!("{k}: {v}\r\n"));
    }
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-length")) {
        text.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    text.push_str("\r\n");
    [text.into_bytes(), body.to_vec()].concat()
}

fn html(status: &str) -> Fault {
    Fault::Raw(response(
        status,
        &[("content-type", "text/html")],
        format!("<html><body><h1>{status}</h1></body></html>").as_bytes(),
    ))
}

fn json(status: &str, body: &str) -> Fault {
    Fault::Raw(response(status, &[("content-type", "application/json")], body.as_bytes()))
}

/// The operations under test, with a valid answer for each.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Send,
    Get,
    ListPage,
    DeliveryReport,
}

const OPS: [Op; 4] = [Op::Send, Op::Get, Op::ListPage, Op::DeliveryReport];

const BATCH: &str = r#"{"id":"b1","type":"mt_text","to":["46701234567"],"body":"Hi"}"#;

impl Op {
    fn valid_body(self) -> String {
        match self {
            Op::Send | Op::Get => BATCH.to_string(),
            Op::ListPage => format!(r#"{{"page":0,"page_size":1,"count":1,"batches":[{BATCH}]}}"#),
            Op::DeliveryReport => r#"{"type":"delivery_report_sms","batch_id":"b1","total_message_count":1,"statuses":[{"code":0,"status":"Delivered","count":1}]}"#.to_string(),
        }
    }

    /// Whether running the operation twice does no harm.
    fn idempotent(self) -> bool {
        self != Op::Send
    }

    async fn run(self, client: xms::Client) -> Result<(), Error> {
        match self {
            Op::Send => {
                client.batches().text("12345", ["46701234567"], "Hi").send().await.map(drop)
            }
            Op::Get => client.batches().get("b1").await.map(drop),
            Op::ListPage => client.batches().list().page(0).await.map(drop),
            Op::DeliveryReport => client.delivery_reports().for_batch("b1").send().await.map(drop),
        }
    }
}

/// The name of an error's variant, for the tally.
fn kind(result: &Result<(), Error>) -> String {
    match result {
        Ok(()) => "Ok".into(),
        Err(e) => format!("{e:?}").split([' ', '{', '(']).next().unwrap_or("").to_string(),
    }
}

/// What a case must end in.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// This variant (by name).
    Kind(&'static str),
    /// Any typed error (the body is unusable, whichever way it broke).
    AnyError,
    /// A value.
    Value,
}

struct Case {
    name: String,
    faults: Vec<Fault>,
    expect: Expect,
    /// Retried for reads: the attempts a read makes (a send makes 1).
    transient: bool,
    /// A 429: refused unprocessed, so a send may be repeated too.
    rate_limited: bool,
}

fn case(name: impl Into<String>, fault: Fault, expect: Expect) -> Case {
    Case { name: name.into(), faults: vec![fault], expect, transient: false, rate_limited: false }
}

fn transient(mut c: Case) -> Case {
    c.transient = true;
    c
}

fn catalogue(op: Op) -> Vec<Case> {
    let mut cases = Vec::new();
    // Statuses with HTML bodies.
    for (status, expect) in [
        ("400 Bad Request", "UnexpectedResponse"),
        ("401 Unauthorized", "Unauthorized"),
        ("403 Forbidden", "Unauthorized"),
        ("404 Not Found", "NotFound"),
        ("405 Method Not Allowed", "UnexpectedResponse"),
        ("409 Conflict", "UnexpectedResponse"),
        ("413 Payload Too Large", "UnexpectedResponse"),
        ("415 Unsupported Media Type", "UnexpectedResponse"),
        ("418 I'm a teapot", "UnexpectedResponse"),
    ] {
        cases.push(case(format!("html {status}"), html(status), Expect::Kind(expect)));
    }
    for status in [
        "500 Internal Server Error",
        "502 Bad Gateway",
        "503 Service Unavailable",
        "504 Gateway Timeout",
    ] {
        cases.push(transient(case(
            format!("html {status}"),
            html(status),
            Expect::Kind("UnexpectedResponse"),
        )));
    }
    // 429 with every form of Retry-After: none, seconds, zero, fractions,
    // garbage, negative, huge, dates past and far ahead.
    for retry_after in [
        None,
        Some("0"),
        Some("1"),
        Some("0.01"),
        Some("-1"),
        Some("soon"),
        Some("99999999999999999999"),
        Some("1e300"),
        Some("Wed, 21 Oct 2015 07:28:00 GMT"),
        Some("Fri, 31 Dec 9999 23:59:59 GMT"),
        Some(""),
    ] {
        let mut headers = vec![("content-type", "text/plain")];
        if let Some(v) = retry_after {
            headers.push(("retry-after", v));
        }
        let mut c = case(
            format!("429 retry-after {retry_after:?}"),
            Fault::Raw(response("429 Too Many Requests", &headers, b"slow down")),
            Expect::Kind("RateLimited"),
        );
        c.rate_limited = true;
        cases.push(c);
    }
    // Bodies of a success.
    let ok_json = |body: &str| json("200 OK", body);
    for (name, body) in [
        ("empty", ""),
        ("not json", "<html>hello</html>"),
        ("json null", "null"),
        ("json array", "[]"),
        ("json string", "\"batch\""),
        ("json number", "12"),
        ("empty object", "{}"),
        ("cut json", "{\"id\": \"b1\", \"to\": ["),
        (
            "wrong types",
            r#"{"id":{},"to":"x","body":[],"page":"x","count":-1,"batches":{},"statuses":7}"#,
        ),
    ] {
        cases.push(case(format!("200 {name}"), ok_json(body), Expect::AnyError));
    }
    // Negative counts are refused, not read as 0. (To a get, the body is a
    // batch of an unknown type, kept as such.)
    cases.push(case(
        "200 negative count",
        ok_json(
            r#"{"page":0,"page_size":-1,"count":-5,"batches":[],"batch_id":"b1","type":"delivery_report_sms","total_message_count":-5,"statuses":[]}"#,
        ),
        if op == Op::Get { Expect::Value } else { Expect::AnyError },
    ));
    let deep = "[".repeat(100_000);
    cases.push(case("200 nested 100000 deep", ok_json(&deep), Expect::AnyError));
    // Truncated: the body ends before its Content-Length.
    let valid = op.valid_body();
    let cut = &valid[..valid.len() / 2];
    cases.push(transient(case(
        "truncated body",
        Fault::Raw(response(
            "200 OK",
            &[("content-type", "application/json"), ("content-length", &valid.len().to_string())],
            cut.as_bytes(),
        )),
        Expect::Kind("Transport"),
    )));
    // HTTP/1.0 close-delimited bodies: valid, then cut short.
    let close_delimited = |body: &str| {
        Fault::Raw(
            format!("HTTP/1.0 200 OK\r\ncontent-type: application/json\r\n\r\n{body}").into_bytes(),
        )
    };
    cases.push(case("HTTP/1.0 close-delimited, valid", close_delimited(&valid), Expect::Value));
    cases.push(case(
        "HTTP/1.0 close-delimited, cut",
        close_delimited(cut),
        Expect::Kind("UnexpectedResponse"),
    ));
    // Slow and endless bodies: the timeout ends them.
    cases.push(transient(case(
        "slow body (a byte every 100 ms)",
        Fault::Trickle {
            head:
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n"
                    .to_vec(),
            chunk: b" ".to_vec(),
            every: Duration::from_millis(100),
            total: 1000,
        },
        Expect::Kind("Timeout"),
    )));
    cases.push(transient(case(
        "endless chunked body",
        Fault::Trickle {
            head: b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n"
                .to_vec(),
            chunk: b"1\r\n \r\n".to_vec(),
            every: Duration::from_millis(20),
            total: 1 << 20,
        },
        Expect::Kind("Timeout"),
    )));
    // Resets before, during and after the headers, and mid-body.
    for (name, bytes) in [
        ("reset before headers", Vec::new()),
        ("reset during headers", b"HTTP/1.1 200 OK\r\ncontent-ty".to_vec()),
        (
            "reset after headers",
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n"
                .to_vec(),
        ),
        (
            "reset mid-body",
            [
                b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 500\r\n\r\n"
                    .to_vec(),
                cut.as_bytes().to_vec(),
            ]
            .concat(),
        ),
    ] {
        cases.push(transient(case(name, Fault::Reset(bytes), Expect::Kind("Transport"))));
    }
    // Redirects, to a host that would answer with a success.
    for status in [
        "301 Moved Permanently",
        "302 Found",
        "303 See Other",
        "307 Temporary Redirect",
        "308 Permanent Redirect",
    ] {
        cases.push(case(
            format!("redirect {status}"),
            Fault::Raw(response(status, &[("location", "http://127.0.0.1:9/elsewhere")], b"")),
            Expect::Kind("Redirected"),
        ));
    }
    // A 401 that echoes the token.
    cases.push(case(
        "401 echoing the token",
        Fault::Raw(response(
            "401 Unauthorized",
            &[("x-echo", &format!("Bearer {TOKEN}"))],
            format!("bad credentials: Bearer {TOKEN}").as_bytes(),
        )),
        Expect::Kind("Unauthorized"),
    ));
    cases
}

#[derive(Default)]
struct Tally {
    cases: usize,
    typed: usize,
    values: usize,
    panics: usize,
    duplicate_sends: usize,
    failures: Vec<String>,
    kinds: BTreeMap<String, usize>,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fault_catalogue() {
    let mut tally = Tally::default();
    let mut runs = tokio::task::JoinSet::new();
    // A few cases at a time, so that no case's timeout is spent waiting for
    // the machine.
    let slots = Arc::new(tokio::sync::Semaphore::new(8));
    for op in OPS {
        for case in catalogue(op) {
            let slots = slots.clone();
            runs.spawn(async move {
                let _slot = slots.acquire_owned().await.unwrap();
                let server = Hostile::start(case.faults.clone()).await;
                let client = server.client();
                // The run itself is bounded: a case that hangs fails.
                let outcome =
                    tokio::time::timeout(Duration::from_secs(20), tokio::spawn(op.run(client)))
                        .await;
                (op, case, server.requests(), outcome)
            });
        }
    }
    while let Some(joined) = runs.join_next().await {
        let (op, case, requests, outcome) = joined.expect("the harness itself does not panic");
        tally.cases += 1;
        let label = format!("{op:?} / {}", case.name);
        let result = match outcome {
            Err(_) => {
                tally.failures.push(format!("{label}: did not finish in 20 s"));
                continue;
            }
            Ok(Err(join)) if join.is_panic() => {
                tally.panics += 1;
                tally.failures.push(format!("{label}: PANIC"));
                continue;
            }
            Ok(Err(join)) => panic!("{label}: {join}"),
            Ok(Ok(result)) => result,
        };
        let got = kind(&result);
        *tally.kinds.entry(got.clone()).or_default() += 1;
        match &result {
            Ok(()) => tally.values += 1,
            Err(_) => tally.typed += 1,
        }
        let ok = match case.expect {
            Expect::Kind(k) => got == k,
            Expect::AnyError => result.is_err(),
            Expect::Value => result.is_ok(),
        };
        if !ok {
            tally.failures.push(format!("{label}: expected {:?}, got {result:?}", case.expect));
        }
        if let Err(e) = &result {
            let text = format!("{e}{e:?}");
            if text.contains(TOKEN) {
                tally.failures.push(format!("{label}: the token leaked: {text}"));
            }
            // No made-up statuses.
            if let Some(status) = e.status() {
                assert!((100..600).contains(&status), "{label}: status {status}");
            }
            if let Some(response) = e.response() {
                assert!(response.body().len() <= xms::ERROR_BODY_LIMIT, "{label}");
            }
        }
        let attempts = requests.len();
        let allowed = if case.rate_limited || (case.transient && op.idempotent()) { 3 } else { 1 };
        if op == Op::Send && !case.rate_limited && attempts > 1 {
            tally.duplicate_sends += 1;
        }
        if attempts > allowed || attempts == 0 {
            tally.failures.push(format!("{label}: {attempts} requests, at most {allowed} allowed"));
        }
        if case.transient && op.idempotent() && attempts != 3 {
            tally.failures.push(format!(
                "{label}: a transient failure of a read is retried twice, saw {attempts} requests"
            ));
        }
        assert!(requests.iter().all(|r| !r.method.is_empty() && !r.path.is_empty()));
    }
    println!(
        "fault catalogue: {} cases, {} typed errors, {} values, {} panics, {} duplicate sends; by kind: {:?}",
        tally.cases, tally.typed, tally.values, tally.panics, tally.duplicate_sends, tally.kinds
    );
    assert!(tally.cases >= 4 * 50, "{} cases", tally.cases);
    assert_eq!((tally.panics, tally.duplicate_sends), (0, 0));
    assert!(
        tally.failures.is_empty(),
        "{} cases went wrong:\n{}",
        tally.failures.len(),
        tally.failures.join("\n")
    );
}

/// Peak resident memory of this process, from the kernel.
fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_200_mib_answer_stops_at_the_limit_and_keeps_a_small_prefix() {
    const HUGE: u64 = 200 << 20;
    let before = peak_rss_kib();
    for (name, head) in [
        (
            "with content-length",
            format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {HUGE}\r\n\r\n"
            ),
        ),
        (
            "close-delimited",
            "HTTP/1.0 200 OK\r\ncontent-type: application/json\r\n\r\n".to_string(),
        ),
    ] {
        let server = Hostile::start(vec![Fault::Trickle {
            head: head.into_bytes(),
            chunk: vec![b'['; 64 * 1024],
            every: Duration::ZERO,
            total: HUGE,
        }])
        .await;
        let client = xms::Client::builder()
            .service_plan(PLAN, TOKEN)
            .endpoint(&server.url)
            .max_response_bytes(1 << 20)
            .retry(RetryPolicy::none())
            .build()
            .unwrap();
        let error = client.batches().get("b1").await.unwrap_err();
        match &error {
            Error::ResponseTooLarge { limit, response, .. } => {
                assert_eq!(*limit, 1 << 20);
                assert_eq!(response.status(), 200);
                assert!(response.body().len() <= xms::ERROR_BODY_LIMIT);
            }
            other => panic!("{name}: expected ResponseTooLarge, got {other:?}"),
        }
        assert!(error.to_string().contains("larger than"), "{error}");
        // The client stopped reading: far less than the 200 MiB went out
        // (what the socket buffers hold on both sides is the slack).
        tokio::time::sleep(Duration::from_millis(100)).await;
        let written = server.written.load(Ordering::Relaxed);
        assert!(written < 64 << 20, "{name}: {written} bytes were sent");
    }
    let after = peak_rss_kib();
    println!(
        "200 MiB answers: peak RSS {} KiB before, {} KiB after (+{} KiB)",
        before,
        after,
        after.saturating_sub(before)
    );
}

#[tokio::test]
async fn the_default_limit_is_far_above_the_largest_real_answer() {
    // A page of 100 batches of 1000 recipients with a parameter each.
    let to: Vec<String> = (0..1000).map(|i| format!("4670{i:07}")).collect();
    let values: BTreeMap<String, String> = to.iter().map(|t| (t.clone(), "Ada".into())).collect();
    let batch = serde_json::json!({
        "id": "b1", "type": "mt_text", "to": to, "body": "Hi ${name}",
        "parameters": {"name": values},
    });
    let batches: Vec<_> = (0..100).map(|_| batch.clone()).collect();
    let page = serde_json::json!({"page": 0, "page_size": 100, "count": 100, "batches": batches})
        .to_string();
    let size = page.len() as u64;
    assert!(size > 3 << 20, "{size}");
    assert!(size * 8 < xms::transport::DEFAULT_MAX_RESPONSE_BYTES, "{size}");
    let server = Hostile::start(vec![json("200 OK", &page)]).await;
    let listed = server.client().batches().list().page(0).await.unwrap();
    assert_eq!(listed.items.len(), 100);
}
