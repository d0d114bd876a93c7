//! Bulk sends through the simulator: achieved rate against the configured
//! one, the client's peak memory for 100k and 1M recipients, and a run with
//! injected faults checked against the simulator's outbox (no recipient
//! lost, none sent twice).
//!
//! `cargo bench --bench bulk [-- --recipients 100000 --rate 5000 --big 1000000]`
//!
//! The release-built `xms-simulator` binary (brought up to date first) runs as
//! a child process; each measurement runs in a fresh child process of this
//! bench, so its peak memory (`VmHWM`) is its own.
//!
//! 1. **Rate**: the plan's throughput and the client's `messages_per_second`
//!    both set to `--rate`; `--recipients` recipients in chunks of 1000;
//!    achieved = recipients accepted / wall time. The limiter's bucket holds
//!    one second's worth, so the first second's parts go at once: over a run
//!    of T seconds that adds about 1/T to the ratio.
//! 2. **Memory**: `--recipients` and `--big` recipients with no limit,
//!    generated lazily; peak resident memory of the client process.
//! 3. **Faults**: `--recipients` recipients with a run id while a fault is
//!    queued every 20 ms, and again every 5 ms (in turn: 503 before and after processing, an answer
//!    dropped after and before processing, a 429); then the same run id again
//!    without faults, as a job resumed after a crash; then every recipient is
//!    counted in the outbox.

use std::{
    collections::HashMap,
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use futures_util::StreamExt;

fn flag(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.split_whitespace().next().and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}

/// The simulator binary next to this bench's (target/release), built (or
/// brought up to date) first.
fn simulator_binary() -> std::path::PathBuf {
    static BUILT: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    BUILT
        .get_or_init(|| {
            let exe = std::env::current_exe().unwrap();
            let release = exe.parent().and_then(|deps| deps.parent()).unwrap().to_path_buf();
            let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
            let status = Command::new(cargo)
                .args([
                    "build",
                    "--release",
                    "--quiet",
                    "-p",
                    "xms-simulator",
                    "--bin",
                    "xms-simulator",
                ])
                .status()
                .expect("cargo runs");
            assert!(status.success(), "the simulator builds");
            release.join("xms-simulator")
        })
        .clone()
}

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_simulator(throughput: Option<u64>) -> Server {
    let mut command = Command::new(simulator_binary());
    command.args(["--port", "0", "--clock", "realtime"]);
    if let Some(rate) = throughput {
        command.args(["--throughput", &rate.to_string()]);
    }
    let mut child = command.stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let url = lines
        .find_map(|l| l.ok()?.strip_prefix("XMS simulator listening on ").map(str::to_owned))
        .expect("the simulator prints its URL");
    // Read the rest of what it prints at start, so that it never writes to
    // a closed pipe.
    for line in lines.by_ref() {
        if line.map_or(true, |l| l.starts_with("control API")) {
            break;
        }
    }
    Server { child, url }
}

fn client(url: &str, rate: Option<u64>) -> xms::Client {
    let mut builder = xms::Client::builder()
        .service_plan(xms_simulator::DEFAULT_SERVICE_PLAN_ID, xms_simulator::DEFAULT_API_TOKEN)
        .endpoint(url)
        .retry(xms::RetryPolicy::default().initial_backoff(Duration::from_millis(50)));
    if let Some(rate) = rate {
        builder = builder.rate_limit(xms::RateLimit::new().messages_per_second(rate as f64));
    }
    builder.build().unwrap()
}

fn recipients(count: u64) -> impl Iterator<Item = String> + Send + 'static {
    (0..count).map(|i| format!("46{i:010}"))
}

/// One bulk send; prints `accepted failed found seconds peak_kib`.
async fn child_run(
    url: &str,
    count: u64,
    rate: Option<u64>,
    concurrency: usize,
    run_id: Option<String>,
) {
    let client = client(url, rate);
    let started = Instant::now();
    let mut send = client
        .batches()
        .text("12345", Vec::<String>::new(), "Hello from the bulk bench")
        .bulk(recipients(count))
        .concurrency(concurrency);
    if let Some(id) = run_id {
        send = send.run_id(id);
    }
    let mut outcomes = send.stream();
    let (mut accepted, mut failed, mut found) = (0u64, 0u64, 0u64);
    while let Some(chunk) = outcomes.next().await {
        match &chunk.result {
            Ok(_) => accepted += chunk.recipients.len() as u64,
            Err(e) => {
                failed += chunk.recipients.len() as u64;
                eprintln!("chunk {} failed: {e}", chunk.index);
            }
        }
        found += u64::from(chunk.found);
    }
    let seconds = started.elapsed().as_secs_f64();
    println!("RESULT {accepted} {failed} {found} {seconds} {}", peak_rss_kib());
}

struct Outcome {
    accepted: u64,
    failed: u64,
    found: u64,
    seconds: f64,
    peak_kib: u64,
}

fn measure(url: &str, count: u64, rate: Option<u64>, concurrency: usize) -> Outcome {
    measure_run(url, count, rate, concurrency, None)
}

fn measure_run(
    url: &str,
    count: u64,
    rate: Option<u64>,
    concurrency: usize,
    run_id: Option<&str>,
) -> Outcome {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command.args(["--child", url, &count.to_string(), &concurrency.to_string()]);
    if let Some(rate) = rate {
        command.args(["--child-rate", &rate.to_string()]);
    }
    if let Some(id) = run_id {
        command.args(["--child-run-id", id]);
    }
    let out = command.stderr(Stdio::inherit()).output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find_map(|l| l.strip_prefix("RESULT ")).expect("a result");
    let v: Vec<f64> = line.split(' ').map(|x| x.parse().unwrap()).collect();
    Outcome {
        accepted: v[0] as u64,
        failed: v[1] as u64,
        found: v[2] as u64,
        seconds: v[3],
        peak_kib: v[4] as u64,
    }
}

/// Every recipient's count in the outbox.
fn outbox_counts(url: &str) -> HashMap<String, u32> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let outbox: serde_json::Value =
            reqwest::get(format!("{url}/_sim/outbox")).await.unwrap().json().await.unwrap();
        let mut counts = HashMap::new();
        for m in outbox.as_array().unwrap() {
            *counts.entry(m["to"].as_str().unwrap().to_owned()).or_insert(0) += 1;
        }
        counts
    })
}

/// Forget the faults still queued.
fn clear_faults(url: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        reqwest::Client::new().delete(format!("{url}/_sim/faults")).send().await.unwrap();
    });
}

/// Queue a fault every `every`, cycling through the kinds, until stopped;
/// the thread answers how many it queued.
fn inject_faults(
    url: String,
    every: Duration,
) -> (std::sync::mpsc::Sender<()>, std::thread::JoinHandle<usize>) {
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let http = reqwest::Client::new();
        let kinds = [
            serde_json::json!({"count": 1, "status": 503}),
            serde_json::json!({"count": 1, "status": 503, "processed": true}),
            serde_json::json!({"count": 1, "drop": true, "processed": true}),
            serde_json::json!({"count": 1, "drop": true}),
            serde_json::json!({"count": 1, "status": 429}),
        ];
        let mut i = 0;
        // Bounded: at most 10,000 faults, and it ends with the run.
        while i < 10_000 && stopped.recv_timeout(every).is_err() {
            let body = kinds[i % kinds.len()].to_string();
            let _ = runtime.block_on(http.post(format!("{url}/_sim/faults")).body(body).send());
            i += 1;
        }
        i
    });
    (stop, thread)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--child") {
        let url = args[i + 1].clone();
        let count: u64 = args[i + 2].parse().unwrap();
        let concurrency: usize = args[i + 3].parse().unwrap();
        let rate =
            args.iter().position(|a| a == "--child-rate").map(|j| args[j + 1].parse().unwrap());
        let run_id = args.iter().position(|a| a == "--child-run-id").map(|j| args[j + 1].clone());
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
        runtime.block_on(child_run(&url, count, rate, concurrency, run_id));
        return;
    }
    let count = flag("--recipients", 100_000);
    let rate = flag("--rate", 5_000);
    let big = flag("--big", 1_000_000);

    println!("bulk send through the simulator ({count} recipients, chunks of 1000)");
    let sim = start_simulator(Some(rate));
    let paced = measure(&sim.url, count, Some(rate), 4);
    let achieved = paced.accepted as f64 / paced.seconds;
    println!(
        "rate: configured {rate}/s (plan throughput and client limit), achieved {achieved:.0}/s \
         = {:.3} x configured ({} accepted, {} failed, {:.2} s)",
        achieved / rate as f64,
        paced.accepted,
        paced.failed,
        paced.seconds
    );
    drop(sim);

    for n in [count, big] {
        let sim = start_simulator(None);
        let run = measure(&sim.url, n, None, 4);
        println!(
            "memory: {n} recipients, no limit: client peak RSS {:.1} MiB ({} accepted in {:.1} s)",
            run.peak_kib as f64 / 1024.0,
            run.accepted,
            run.seconds
        );
    }

    // Faults every 20 ms (a bad hour) and every 5 ms (an outage: nearly every
    // request meets one, and a chunk that fails three times is reported
    // failed). Then the same run id runs again without faults, as a job
    // resumed after a crash would: it must send exactly what is missing.
    for every in [20, 5] {
        let sim = start_simulator(None);
        let (stop, injector) = inject_faults(sim.url.clone(), Duration::from_millis(every));
        let faulty = measure_run(&sim.url, count, None, 4, Some("bench-faults"));
        let _ = stop.send(());
        let injected = injector.join().unwrap_or(0);
        clear_faults(&sim.url);
        let rerun = measure_run(&sim.url, count, None, 4, Some("bench-faults"));
        let counts = outbox_counts(&sim.url);
        let lost = recipients(count).filter(|r| !counts.contains_key(r)).count();
        let doubled = counts.values().filter(|c| **c > 1).count();
        println!(
            "faults every {every} ms: {injected} queued during the run ({:.1} s); {} accepted, \
             {} failed (reported), {} chunks found by client reference after an ambiguous \
             failure; the rerun with the same run id: {} chunks found, {} sent now, {} failed; \
             outbox: {lost} recipients lost, {doubled} sent twice",
            faulty.seconds,
            faulty.accepted,
            faulty.failed,
            faulty.found,
            rerun.found,
            (count / 1000).saturating_sub(rerun.found),
            rerun.failed
        );
    }
}
