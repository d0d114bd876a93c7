//! What xms costs over the HTTP client it wraps: xms against a hand-written
//! reqwest + serde_json client doing the same work, on the same local stub of
//! the batches API, in one run.
//!
//! `cargo bench --bench overhead [-- --rounds 5]`
//!
//! The stub server runs in a child process of its own; each measurement runs
//! in a fresh child process too, so that its CPU time (from
//! `/proc/self/task/*/schedstat`), allocations (a counting global allocator)
//! and peak memory (`VmHWM`) are its own. Rounds interleave the contenders,
//! alternating which goes first, and the table shows per scenario the median
//! of the per-round ratios xms / baseline, with their range.
//!
//! The baseline is written the way a careful engineer would by hand: one
//! `reqwest::Client` with the same request and connect timeouts as xms's
//! (30 s and 10 s), a request struct serialized by serde, and the answer
//! read into a struct with the same fields and types xms gives (chrono
//! timestamps included), so both do the same work.

use std::{
    alloc::{GlobalAlloc, Layout, System},
    collections::BTreeMap,
    io::{BufRead, BufReader, Write},
    process::{Command, Stdio},
    sync::atomic::{AtomicU64, Ordering},
    time::Instant,
};

// ---------------------------------------------------------------- counting

struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(new_size as u64, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// CPU time of this process so far, in nanoseconds, over all its threads.
fn cpu_ns() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

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

// ------------------------------------------------------------- the stub

const PLAN: &str = "plan1";

fn batch_json(i: usize) -> String {
    format!(
        r#"{{"id":"01FC66621XXXXX119Z8PMV{i:04}","type":"mt_text","from":"12345","to":["46701234567"],"body":"Hello there","canceled":false,"created_at":"2026-02-27T10:15:22.118Z","modified_at":"2026-02-27T10:15:22.118Z","delivery_report":"none","expire_at":"2026-03-02T10:15:22.118Z","client_reference":"campaign-7","feedback_enabled":false,"flash_message":false,"truncate_concat":false}}"#
    )
}

fn response(status: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// A keep-alive HTTP/1.1 server answering the four requests of the
/// benchmark with fixed bodies. Prints its port, then serves until stdin
/// closes.
fn serve() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        println!("{}", listener.local_addr().unwrap().port());
        std::io::stdout().flush().unwrap();
        let created = response("201 Created", &batch_json(1));
        let batch = response("200 OK", &batch_json(1));
        let page = {
            let items: Vec<String> = (0..100).map(batch_json).collect();
            let body = format!(
                r#"{{"page":0,"page_size":100,"count":100,"batches":[{}]}}"#,
                items.join(",")
            );
            response("200 OK", &body)
        };
        let answers = std::sync::Arc::new((created, batch, page));
        tokio::spawn(async {
            // Stop when the parent goes away.
            let _ = tokio::task::spawn_blocking(|| {
                let mut line = String::new();
                let _ = std::io::stdin().read_line(&mut line);
            })
            .await;
            std::process::exit(0);
        });
        loop {
            let Ok((mut socket, _)) = listener.accept().await else { continue };
            let _ = socket.set_nodelay(true);
            let answers = answers.clone();
            tokio::spawn(async move {
                let mut buf = Vec::with_capacity(8192);
                let mut chunk = [0u8; 8192];
                loop {
                    // One request: the head, then its body.
                    let (end, length) = loop {
                        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                            let head = std::str::from_utf8(&buf[..end]).unwrap_or("");
                            let length = head
                                .lines()
                                .find_map(|l| {
                                    let (k, v) = l.split_once(':')?;
                                    k.eq_ignore_ascii_case("content-length").then_some(v)
                                })
                                .and_then(|v| v.trim().parse::<usize>().ok())
                                .unwrap_or(0);
                            break (end + 4, length);
                        }
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    };
                    while buf.len() < end + length {
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let line = std::str::from_utf8(&buf[..end]).unwrap_or("");
                    let answer = if line.starts_with("POST") {
                        &answers.0
                    } else if line.contains("/batches?") {
                        &answers.2
                    } else {
                        &answers.1
                    };
                    if socket.write_all(answer).await.is_err() {
                        return;
                    }
                    buf.drain(..end + length);
                }
            });
        }
    });
}

// ---------------------------------------------------------- the baseline

mod baseline {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Serialize};

    /// The send request, borrowing the caller's values.
    #[derive(Serialize)]
    pub struct SendText<'a> {
        pub from: &'a str,
        pub to: &'a [&'a str],
        pub body: &'a str,
        pub client_reference: &'a str,
    }

    /// A text batch with the fields and types xms gives.
    #[allow(dead_code)]
    #[derive(Deserialize)]
    pub struct Batch {
        pub id: String,
        #[serde(rename = "type")]
        pub kind: String,
        pub from: Option<String>,
        pub to: Vec<String>,
        pub body: String,
        #[serde(default)]
        pub canceled: bool,
        pub created_at: Option<DateTime<Utc>>,
        pub modified_at: Option<DateTime<Utc>>,
        pub delivery_report: Option<String>,
        pub send_at: Option<DateTime<Utc>>,
        pub expire_at: Option<DateTime<Utc>>,
        pub callback_url: Option<String>,
        pub client_reference: Option<String>,
        #[serde(default)]
        pub feedback_enabled: bool,
        #[serde(default)]
        pub flash_message: bool,
        #[serde(default)]
        pub truncate_concat: bool,
        pub max_number_of_message_parts: Option<u32>,
        pub from_ton: Option<u8>,
        pub from_npi: Option<u8>,
    }

    #[allow(dead_code)]
    #[derive(Deserialize)]
    pub struct BatchPage {
        pub page: u32,
        pub page_size: u32,
        pub count: u64,
        pub batches: Vec<Batch>,
    }

    pub struct Client {
        pub http: reqwest::Client,
        pub base: String,
        pub auth: String,
    }

    impl Client {
        pub fn new(url: &str, plan: &str, token: &str) -> Client {
            Client {
                // The same limits as xms's own HTTP client: a careful
                // client does not wait forever on a stalled server.
                http: reqwest::Client::builder()
                    .timeout(std::time::Duration::from_secs(30))
                    .connect_timeout(std::time::Duration::from_secs(10))
                    .build()
                    .expect("a reqwest client"),
                base: format!("{url}/xms/v1/{plan}"),
                auth: format!("Bearer {token}"),
            }
        }

        pub async fn send(&self) -> reqwest::Result<Batch> {
            let body = SendText {
                from: "12345",
                to: &["+46701234567"],
                body: "Hello there",
                client_reference: "campaign-7",
            };
            self.http
                .post(format!("{}/batches", self.base))
                .header(reqwest::header::AUTHORIZATION, &self.auth)
                .json(&body)
                .send()
                .await?
                .error_for_status()?
                .json()
                .await
        }

        pub async fn get(&self) -> reqwest::Result<Batch> {
            self.http
                .get(format!("{}/batches/b1", self.base))
                .header(reqwest::header::AUTHORIZATION, &self.auth)
                .send()
                .await?
                .error_for_status()?
                .json()
                .await
        }

        pub async fn page(&self) -> reqwest::Result<BatchPage> {
            self.http
                .get(format!("{}/batches", self.base))
                .query(&[("page", "0"), ("page_size", "100")])
                .header(reqwest::header::AUTHORIZATION, &self.auth)
                .send()
                .await?
                .error_for_status()?
                .json()
                .await
        }
    }
}

// -------------------------------------------------------------- clients

const SCENARIOS: [&str; 4] = ["send", "get", "page of 100", "send, concurrency 32"];

/// Requests per measurement: enough for each to take one to two seconds on
/// a small machine, so that a measurement is not shorter than the machine's
/// own hiccups.
fn requests_for(scenario: &str) -> usize {
    match scenario {
        "page of 100" => 4_000,
        "send, concurrency 32" => 60_000,
        _ => 15_000,
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Measured {
    cpu_ns_per_req: f64,
    req_per_s: f64,
    allocs_per_req: f64,
    bytes_per_req: f64,
    peak_kib: f64,
}

/// Run one scenario with one contender in this process and print what it
/// cost as one line of numbers.
fn client(contender: &str, scenario: &str, url: &str) {
    let contender: &'static str = if contender == "xms" { "xms" } else { "baseline" };
    let scenario: &'static str =
        SCENARIOS.iter().copied().find(|s| *s == scenario).expect("a known scenario");
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let n = requests_for(scenario);
    let measured = runtime.block_on(async {
        let xms =
            xms::Client::builder().service_plan(PLAN, "token-1").endpoint(url).build().unwrap();
        let base = std::sync::Arc::new(baseline::Client::new(url, PLAN, "token-1"));
        let one = move |xms: xms::Client, base: std::sync::Arc<baseline::Client>| async move {
            match (contender, scenario) {
                ("xms", "get") => {
                    xms.batches().get("b1").await.unwrap();
                }
                ("xms", "page of 100") => {
                    let page = xms.batches().list().page_size(100).page(0).await.unwrap();
                    assert_eq!(page.items.len(), 100);
                }
                ("xms", _) => {
                    xms.batches()
                        .text("12345", ["+46701234567"], "Hello there")
                        .client_reference("campaign-7")
                        .send()
                        .await
                        .unwrap();
                }
                (_, "get") => {
                    base.get().await.unwrap();
                }
                (_, "page of 100") => {
                    assert_eq!(base.page().await.unwrap().batches.len(), 100);
                }
                _ => {
                    base.send().await.unwrap();
                }
            }
        };
        let concurrency = if scenario.contains("32") { 32 } else { 1 };
        let run = |count: usize| {
            let (xms, base) = (xms.clone(), base.clone());
            async move {
                let mut tasks = tokio::task::JoinSet::new();
                for worker in 0..concurrency {
                    let (xms, base) = (xms.clone(), base.clone());
                    let share = count / concurrency + usize::from(worker < count % concurrency);
                    tasks.spawn(async move {
                        for _ in 0..share {
                            one(xms.clone(), base.clone()).await;
                        }
                    });
                }
                while tasks.join_next().await.is_some() {}
            }
        };
        run(200).await; // warm up: connections, caches
        let (a0, b0, c0) =
            (ALLOCS.load(Ordering::Relaxed), BYTES.load(Ordering::Relaxed), cpu_ns());
        let start = Instant::now();
        run(n).await;
        let wall = start.elapsed();
        let (a1, b1, c1) =
            (ALLOCS.load(Ordering::Relaxed), BYTES.load(Ordering::Relaxed), cpu_ns());
        Measured {
            cpu_ns_per_req: (c1 - c0) as f64 / n as f64,
            req_per_s: n as f64 / wall.as_secs_f64(),
            allocs_per_req: (a1 - a0) as f64 / n as f64,
            bytes_per_req: (b1 - b0) as f64 / n as f64,
            peak_kib: peak_rss_kib() as f64,
        }
    });
    println!(
        "{} {} {} {} {}",
        measured.cpu_ns_per_req,
        measured.req_per_s,
        measured.allocs_per_req,
        measured.bytes_per_req,
        measured.peak_kib
    );
}

fn measure(contender: &str, scenario: &str, url: &str) -> Measured {
    let out = Command::new(std::env::current_exe().unwrap())
        .args(["--client", contender, scenario, url])
        .output()
        .expect("the client process runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().unwrap_or_default();
    let v: Vec<f64> = line.split_whitespace().filter_map(|x| x.parse().ok()).collect();
    assert_eq!(
        v.len(),
        5,
        "{contender}/{scenario}: {text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Measured {
        cpu_ns_per_req: v[0],
        req_per_s: v[1],
        allocs_per_req: v[2],
        bytes_per_req: v[3],
        peak_kib: v[4],
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 { values[n / 2] } else { (values[n / 2 - 1] + values[n / 2]) / 2.0 }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--server") {
        serve();
        return;
    }
    if args.first().map(String::as_str) == Some("--client") {
        client(&args[1], &args[2], &args[3]);
        return;
    }
    let rounds: usize = args
        .iter()
        .position(|a| a == "--rounds")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);

    let mut server = Command::new(std::env::current_exe().unwrap())
        .arg("--server")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the stub server starts");
    let mut port = String::new();
    BufReader::new(server.stdout.take().unwrap()).read_line(&mut port).unwrap();
    let url = format!("http://127.0.0.1:{}", port.trim());

    // scenario -> metric -> per-round ratios; and the absolute medians.
    let mut ratios: BTreeMap<&str, [Vec<f64>; 5]> = BTreeMap::new();
    let mut absolute: BTreeMap<(&str, &str), Vec<Measured>> = BTreeMap::new();
    let started = Instant::now();
    for round in 0..rounds {
        for scenario in SCENARIOS {
            let order = if round % 2 == 0 { ["xms", "baseline"] } else { ["baseline", "xms"] };
            let mut got = BTreeMap::new();
            for contender in order {
                got.insert(contender, measure(contender, scenario, &url));
            }
            let (x, b) = (got["xms"], got["baseline"]);
            let r = ratios.entry(scenario).or_default();
            r[0].push(x.cpu_ns_per_req / b.cpu_ns_per_req);
            r[1].push(x.req_per_s / b.req_per_s);
            r[2].push(x.allocs_per_req / b.allocs_per_req);
            r[3].push(x.bytes_per_req / b.bytes_per_req);
            r[4].push(x.peak_kib / b.peak_kib);
            absolute.entry((scenario, "xms")).or_default().push(x);
            absolute.entry((scenario, "baseline")).or_default().push(b);
        }
        eprintln!("round {}/{rounds} done ({:.0} s)", round + 1, started.elapsed().as_secs_f64());
    }
    let _ = server.kill();
    let _ = server.wait();

    println!("\nxms / baseline, median of {rounds} rounds (range):\n");
    println!(
        "| scenario | client CPU per request | req/s | allocations per request | bytes allocated per request | peak memory |"
    );
    println!("|---|---|---|---|---|---|");
    for scenario in SCENARIOS {
        let r = &ratios[scenario];
        let cell = |v: &Vec<f64>| {
            let lo = v.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = v.iter().copied().fold(0.0, f64::max);
            format!("{:.2} ({lo:.2}-{hi:.2})", median(v.clone()))
        };
        println!(
            "| {scenario} | {} | {} | {} | {} | {} |",
            cell(&r[0]),
            cell(&r[1]),
            cell(&r[2]),
            cell(&r[3]),
            cell(&r[4])
        );
    }
    println!("\nabsolute medians:\n");
    println!(
        "| scenario | contender | CPU µs/request | req/s | allocations/request | KB allocated/request | peak MiB |"
    );
    println!("|---|---|---|---|---|---|---|");
    for scenario in SCENARIOS {
        for contender in ["xms", "baseline"] {
            let m = &absolute[&(scenario, contender)];
            let med = |f: fn(&Measured) -> f64| median(m.iter().map(f).collect());
            println!(
                "| {scenario} | {contender} | {:.1} | {:.0} | {:.0} | {:.1} | {:.1} |",
                med(|m| m.cpu_ns_per_req) / 1000.0,
                med(|m| m.req_per_s),
                med(|m| m.allocs_per_req),
                med(|m| m.bytes_per_req) / 1000.0,
                med(|m| m.peak_kib) / 1024.0
            );
        }
    }
}
