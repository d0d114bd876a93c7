//! Simulator throughput, latency and memory as the store grows.
//!
//! `cargo bench -p xms-simulator --bench load [-- --rounds N --seconds S --sizes 0,10000,100000]`
//!
//! The release-built `xms-simulator` binary runs as a child process pinned to
//! core 0; this client is pinned to core 1 (with `taskset`, when the machine
//! has it and two cores). For each store size (0, 10k and 100k batches) the
//! store starts empty in a fresh server and is filled through the API, then gets (of stored batches)
//! and sends run at concurrency 32 for a fixed time each. Reported per size:
//! req/s, p50 and p99 latency (median of the rounds, with min and max), and
//! the server's resident memory per stored batch next to the size of one
//! batch's JSON.

mod support;

use std::{
    process::{Command, Stdio},
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

const PLAN: &str = "sim-plan";
const TOKEN: &str = "sim-token";
const CONCURRENCY: usize = 32;
use support::Server;

const SEND: &str = r#"{"from":"12345","to":["46701234567"],"body":"Hello from the load bench"}"#;

fn pinned() -> bool {
    std::thread::available_parallelism().map(|n| n.get() >= 2).unwrap_or(false)
        && Command::new("taskset").arg("-V").output().is_ok_and(|o| o.status.success())
}

fn start_server(pin: bool) -> Server {
    let binary = env!("CARGO_BIN_EXE_xms-simulator");
    let command = if pin {
        let mut c = Command::new("taskset");
        c.args(["-c", "0", binary]);
        c
    } else {
        Command::new(binary)
    };
    support::start(command, &[])
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

#[derive(Clone, Copy)]
enum Op {
    Send,
    Get,
}

struct Run {
    rate: f64,
    p50_ms: f64,
    p99_ms: f64,
}

/// Run `op` at concurrency 32 for `seconds`; every request must succeed.
async fn run(
    http: &reqwest::Client,
    url: &str,
    op: Op,
    ids: &Arc<Vec<String>>,
    seconds: f64,
) -> Run {
    let stop = Arc::new(AtomicBool::new(false));
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let (http, stop, next, ids) = (http.clone(), stop.clone(), next.clone(), ids.clone());
            let batches = format!("{url}/xms/v1/{PLAN}/batches");
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let request = match op {
                        Op::Send => http
                            .post(&batches)
                            .header("content-type", "application/json")
                            .body(SEND),
                        Op::Get => {
                            let i = next.fetch_add(7919, Ordering::Relaxed) % ids.len();
                            http.get(format!("{batches}/{}", ids[i]))
                        }
                    };
                    let t = Instant::now();
                    let response = request.bearer_auth(TOKEN).send().await.expect("an answer");
                    let status = response.status().as_u16();
                    response.bytes().await.expect("a body");
                    latencies.push(t.elapsed());
                    assert!(status == 200 || status == 201, "status {status}");
                }
                latencies
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    let elapsed = started.elapsed().as_secs_f64();
    all.sort();
    let at = |q: f64| all[((all.len() as f64 * q) as usize).min(all.len() - 1)].as_secs_f64() * 1e3;
    Run { rate: all.len() as f64 / elapsed, p50_ms: at(0.50), p99_ms: at(0.99) }
}

/// Send until `count` batches are stored (from an empty store), keeping their ids.
async fn fill(http: &reqwest::Client, url: &str, count: usize) -> Vec<String> {
    let made = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..CONCURRENCY)
        .map(|_| {
            let (http, made) = (http.clone(), made.clone());
            let batches = format!("{url}/xms/v1/{PLAN}/batches");
            tokio::spawn(async move {
                let mut ids = Vec::new();
                while made.fetch_add(1, Ordering::Relaxed) < count {
                    let response = http
                        .post(&batches)
                        .bearer_auth(TOKEN)
                        .header("content-type", "application/json")
                        .body(SEND)
                        .send()
                        .await
                        .expect("an answer");
                    let v: serde_json::Value = response.json().await.expect("JSON");
                    ids.push(v["id"].as_str().expect("an id").to_string());
                }
                ids
            })
        })
        .collect();
    let mut ids = Vec::new();
    for w in workers {
        ids.extend(w.await.unwrap());
    }
    ids
}

fn median(mut v: Vec<f64>) -> (f64, f64, f64) {
    v.sort_by(f64::total_cmp);
    (v[v.len() / 2], v[0], v[v.len() - 1])
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str, default: f64| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let rounds = flag("--rounds", 3.0) as usize;
    let seconds = flag("--seconds", 2.0);
    let sizes: Vec<usize> = args
        .iter()
        .position(|a| a == "--sizes")
        .and_then(|i| args.get(i + 1))
        .map(|v| v.split(',').filter_map(|n| n.parse().ok()).collect())
        .unwrap_or_else(|| vec![0, 10_000, 100_000]);
    let pin = pinned();
    if pin {
        let me = std::process::id().to_string();
        let _ = Command::new("taskset").args(["-pc", "1", &me]).stdout(Stdio::null()).status();
    }
    println!(
        "simulator load: concurrency {CONCURRENCY}, {rounds} rounds of {seconds} s per cell, {}",
        if pin { "server on core 0, client on core 1" } else { "not pinned" }
    );
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let http = reqwest::Client::builder().pool_max_idle_per_host(CONCURRENCY).build().unwrap();
        let server = start_server(pin);
        let one: serde_json::Value = http
            .post(format!("{}/xms/v1/{PLAN}/batches", server.url))
            .bearer_auth(TOKEN)
            .header("content-type", "application/json")
            .body(SEND)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let batch_json = one.to_string().len();
        drop(server);
        let mut cells: Vec<(usize, &str, Vec<Run>, Vec<f64>)> = Vec::new();
        for round in 0..rounds {
            for (s, &size) in sizes.iter().enumerate() {
                // A fresh server per cell, so memory is measured from its start.
                let server = start_server(pin);
                let base = rss_kib(server.child.id());
                let mut ids = fill(&http, &server.url, size.max(1)).await;
                ids.truncate(size.max(1));
                let grown = rss_kib(server.child.id());
                let per_batch = if size > 0 {
                    grown.saturating_sub(base) as f64 * 1024.0 / size as f64
                } else {
                    0.0
                };
                let ids = Arc::new(ids);
                for (o, (name, op)) in [("get", Op::Get), ("send", Op::Send)].into_iter().enumerate() {
                    let result = run(&http, &server.url, op, &ids, seconds).await;
                    let cell = s * 2 + o;
                    if round == 0 {
                        cells.push((size, name, Vec::new(), Vec::new()));
                    }
                    cells[cell].2.push(result);
                    cells[cell].3.push(per_batch);
                }
            }
        }
        println!("one stored batch's JSON: {batch_json} bytes");
        println!(
            "{:>8} {:>5} {:>22} {:>20} {:>20} {:>18}",
            "stored", "op", "req/s (min-max)", "p50 ms (min-max)", "p99 ms (min-max)", "RSS B/batch"
        );
        let mut at_zero = [0.0f64; 2];
        for (i, (size, name, runs, mem)) in cells.iter().enumerate() {
            let rate = median(runs.iter().map(|r| r.rate).collect());
            let p50 = median(runs.iter().map(|r| r.p50_ms).collect());
            let p99 = median(runs.iter().map(|r| r.p99_ms).collect());
            let mem = median(mem.clone());
            if *size == 0 {
                at_zero[i % 2] = rate.0;
            }
            println!(
                "{:>8} {:>5} {:>8.0} ({:>5.0}-{:>5.0}) {:>6.2} ({:.2}-{:.2}) {:>6.2} ({:.2}-{:.2}) {:>18}{}",
                size,
                name,
                rate.0,
                rate.1,
                rate.2,
                p50.0,
                p50.1,
                p50.2,
                p99.0,
                p99.1,
                p99.2,
                if *size > 0 { format!("{:.0}", mem.0) } else { "-".into() },
                if *size > 0 { format!("  x{:.2} of 0 stored", rate.0 / at_zero[i % 2]) } else { String::new() },
            );
        }
    });
}
