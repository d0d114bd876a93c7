//! Listing 100,000 items in pages of 100 from a local server that takes 2 ms
//! per request: wall time and peak memory, with and without read-ahead.
//!
//! `cargo bench --bench pagination`
//!
//! The server runs in this process; each client mode runs in a child
//! process of its own, so the peak resident memory it reports (VmHWM) is
//! that mode's alone. Ratios are against `stream`, measured in the same run.

use std::{
    collections::HashMap,
    process::Command,
    sync::Arc,
    time::{Duration, Instant},
};

use axum::{
    Router,
    extract::{Query, State},
    http::header,
    response::IntoResponse,
    routing::get,
};

const TOTAL: usize = 100_000;
const PAGE_SIZE: usize = 100;
const DELAY: Duration = Duration::from_millis(2);
/// How long the "slow consumer" modes spend on each page.
const WORK_PER_PAGE: Duration = Duration::from_millis(2);

const MODES: &[(&str, &str)] = &[
    ("stream", "items() without read-ahead"),
    ("stream-read-ahead", "items() with read-ahead"),
    ("collect", "items().try_collect(): the whole listing in memory"),
    ("slow-consumer", "pages(), 2 ms of work per page, without read-ahead"),
    ("slow-consumer-read-ahead", "pages(), 2 ms of work per page, with read-ahead"),
];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(mode) = args.iter().find_map(|a| a.strip_prefix("--child=")) {
        let url = args.iter().find_map(|a| a.strip_prefix("--url=")).expect("--url");
        child(mode, url);
        return;
    }

    let runtime = tokio::runtime::Runtime::new().unwrap();
    let pages: Arc<Vec<String>> = Arc::new((0..TOTAL / PAGE_SIZE).map(render_page).collect());
    let listener = runtime.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = Router::new().route("/xms/v1/{plan}/batches", get(page)).with_state(pages);
    runtime.spawn(async move { axum::serve(listener, app).await.unwrap() });

    println!("listing {TOTAL} batches, {PAGE_SIZE} per page, {} ms per request", DELAY.as_millis());
    let exe = std::env::current_exe().unwrap();
    let mut results = Vec::new();
    for (mode, what) in MODES {
        let output = Command::new(&exe)
            .arg(format!("--child={mode}"))
            .arg(format!("--url={url}"))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&output.stdout).to_string();
        assert!(
            output.status.success(),
            "{mode} failed: {text}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let fields: HashMap<&str, f64> = text
            .split_whitespace()
            .filter_map(|kv| kv.split_once('='))
            .filter_map(|(k, v)| Some((k, v.parse().ok()?)))
            .collect();
        results.push((*mode, *what, fields["items"], fields["wall_ms"], fields["peak_kib"]));
    }
    let (_, _, _, base_wall, base_peak) = results[0];
    println!(
        "{:<26} {:>8} {:>10} {:>8} {:>12} {:>8}  what",
        "mode", "items", "wall ms", "x stream", "peak KiB", "x stream"
    );
    for (mode, what, items, wall, peak) in &results {
        println!(
            "{mode:<26} {items:>8} {wall:>10.0} {:>8.2} {peak:>12.0} {:>8.2}  {what}",
            wall / base_wall,
            peak / base_peak
        );
    }
}

async fn page(
    State(pages): State<Arc<Vec<String>>>,
    Query(q): Query<HashMap<String, String>>,
) -> impl IntoResponse {
    tokio::time::sleep(DELAY).await;
    let n: usize = q.get("page").and_then(|p| p.parse().ok()).unwrap_or(0);
    let body = pages
        .get(n)
        .cloned()
        .unwrap_or_else(|| format!(r#"{{"page":{n},"page_size":0,"count":{TOTAL},"batches":[]}}"#));
    ([(header::CONTENT_TYPE, "application/json")], body)
}

fn render_page(n: usize) -> String {
    let items: Vec<String> = (n * PAGE_SIZE..(n + 1) * PAGE_SIZE)
        .map(|i| {
            format!(
                r#"{{"id":"01BENCH{i:019}","type":"mt_text","from":"12345","to":["4670{i:07}"],"body":"Message number {i} of the benchmark","canceled":false,"created_at":"2026-02-27T10:15:22.118Z","modified_at":"2026-02-27T10:15:22.118Z","delivery_report":"none","expire_at":"2026-03-02T10:15:22.118Z"}}"#
            )
        })
        .collect();
    format!(
        r#"{{"page":{n},"page_size":{PAGE_SIZE},"count":{TOTAL},"batches":[{}]}}"#,
        items.join(",")
    )
}

fn child(mode: &str, url: &str) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let client =
        xms::Client::builder().service_plan("bench", "token").endpoint(url).build().unwrap();
    let list = client
        .batches()
        .list()
        .page_size(PAGE_SIZE as u32)
        .read_ahead(mode.ends_with("read-ahead"));
    let start = Instant::now();
    let items = runtime.block_on(async {
        match mode {
            "collect" => list.items().try_collect().await.unwrap().len(),
            m if m.starts_with("slow-consumer") => {
                let mut pages = list.pages();
                let mut n = 0;
                while let Some(page) = pages.try_next().await.unwrap() {
                    n += page.len();
                    tokio::time::sleep(WORK_PER_PAGE).await;
                }
                n
            }
            _ => {
                let mut items = list.items();
                let mut n = 0;
                while let Some(batch) = items.try_next().await.unwrap() {
                    std::hint::black_box(&batch);
                    n += 1;
                }
                n
            }
        }
    });
    let wall = start.elapsed();
    assert_eq!(items, TOTAL);
    println!("items={items} wall_ms={:.1} peak_kib={}", wall.as_secs_f64() * 1000.0, peak_kib());
}

/// The peak resident set size of this process (Linux).
fn peak_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("VmHWM:")
                    .map(|v| v.trim().trim_end_matches(" kB").parse().unwrap_or(0))
            })
        })
        .unwrap_or(0)
}
