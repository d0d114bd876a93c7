//! The developer's desk with a large store: the UI's first page and the
//! event stream with 100,000 messages stored, against the same with 1,000
//! stored, measured in the same run.
//!
//! `cargo bench -p xms-simulator --bench desk [-- --rounds N] [--baseline BIN] [--cases A,B]`
//!
//! `--cases` measures only the named requests (below), to see one without
//! the after-effects of another on the same server.
//!
//! With `--baseline BIN` (an `xms-simulator` binary built from an earlier
//! commit), a third server runs that binary with 100,000 messages, measured
//! in the same rounds, and the last column is this build over it.
//!
//! Two release-built `xms-simulator --ui` servers run as child processes
//! (manual clock), filled through the API with batches of 1,000 recipients
//! and moved on until every message is final. Then, round after round and
//! alternating between the two servers, each request below is timed
//! (wall time of one request, the answer read whole). Reported per size:
//! the median with the 10th and 90th percentiles, and the ratio of the
//! medians (large over small).
//!
//! - `first page`: what the browser loads to show the outbox: `/`, the
//!   script, the style, the plans and the first page of 50 messages.
//! - `filtered page`: a page of messages whose text has a word (a scan of
//!   every message).
//! - `phones`: the phone list (every message grouped by number).
//! - `message`: one message in detail.
//! - `events: replay 500`: connect with `Last-Event-ID` 500 events back and
//!   read them.
//! - `events: live`: connect, send a batch, and read its `batch_created`.

mod support;

use std::{
    process::Command,
    time::{Duration, Instant},
};

use support::Server;

const PLAN: &str = "sim-plan";
const TOKEN: &str = "sim-token";
const CHUNK: usize = 1_000;

/// A server with its messages stored, and the last batch's id.
struct Filled {
    server: Server,
    batch: String,
}

async fn start(http: &reqwest::Client, messages: usize, binary: &str) -> Filled {
    let server = support::start(Command::new(binary), &["--ui"]);
    let url = &server.url;
    let mut batch = String::new();
    for chunk in 0..messages.div_ceil(CHUNK) {
        let count = CHUNK.min(messages - chunk * CHUNK);
        let to: Vec<String> = (0..count).map(|i| format!("+46{:09}", chunk * CHUNK + i)).collect();
        let body = serde_json::json!({
            "from": "SHOP", "to": to,
            "body": format!("Order {chunk} shipped. Track it at https://example.com/t/{chunk}"),
        });
        let sent: serde_json::Value = http
            .post(format!("{url}/xms/v1/{PLAN}/batches"))
            .bearer_auth(TOKEN)
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        batch = sent["id"].as_str().unwrap().to_string();
    }
    let advanced = http
        .post(format!("{url}/_sim/clock/advance"))
        .json(&serde_json::json!({"seconds": 3}))
        .send()
        .await
        .unwrap();
    assert!(advanced.status().is_success());
    Filled { server, batch }
}

async fn get(http: &reqwest::Client, url: &str) -> usize {
    let response = http.get(url).send().await.unwrap();
    assert!(response.status().is_success(), "{url}: {}", response.status());
    response.bytes().await.unwrap().len()
}

/// Read server-sent events until `count` ids came.
async fn read_ids(response: &mut reqwest::Response, count: usize) {
    let mut seen = 0;
    let mut rest = String::new();
    while seen < count {
        let chunk = tokio::time::timeout(Duration::from_secs(30), response.chunk())
            .await
            .expect("events within 30 s")
            .unwrap()
            .expect("the stream goes on");
        rest.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = rest.find("\n\n") {
            if rest[..end].lines().any(|l| l.starts_with("id:")) {
                seen += 1;
            }
            rest.drain(..end + 2);
        }
    }
}

async fn measure(http: &reqwest::Client, filled: &Filled, case: &str) -> Duration {
    let url = &filled.server.url;
    let started = Instant::now();
    match case {
        "first page" => {
            for path in ["/", "/_sim/ui/app.js", "/_sim/ui/app.css", "/_sim/service_plans"] {
                get(http, &format!("{url}{path}")).await;
            }
            get(http, &format!("{url}/_sim/messages?plan={PLAN}&page=0&page_size=50")).await;
        }
        "filtered page" => {
            get(http, &format!("{url}/_sim/messages?plan={PLAN}&text=order%2042%20&page_size=50"))
                .await;
        }
        "phones" => {
            get(http, &format!("{url}/_sim/phones?plan={PLAN}")).await;
        }
        "message" => {
            get(http, &format!("{url}/_sim/messages/{PLAN}/{}/500", filled.batch)).await;
        }
        "events: replay 500" => {
            let newest: u64 = {
                // The newest id: the `id` of a fresh event.
                let mut response = http.get(format!("{url}/_sim/events")).send().await.unwrap();
                let _ = http.get(format!("{url}/_sim/clock")).send().await;
                http.post(format!("{url}/_sim/clock/advance"))
                    .json(&serde_json::json!({"seconds": 0}))
                    .send()
                    .await
                    .unwrap();
                let chunk = response.chunk().await.unwrap().unwrap();
                let text = String::from_utf8_lossy(&chunk).to_string();
                text.lines()
                    .find_map(|l| l.strip_prefix("id:").and_then(|v| v.trim().parse().ok()))
                    .unwrap()
            };
            let started = Instant::now();
            let mut response = http
                .get(format!("{url}/_sim/events"))
                .header("last-event-id", (newest - 500).to_string())
                .send()
                .await
                .unwrap();
            read_ids(&mut response, 500).await;
            return started.elapsed();
        }
        "events: live" => {
            let mut response = http.get(format!("{url}/_sim/events")).send().await.unwrap();
            http.post(format!("{url}/xms/v1/{PLAN}/batches"))
                .bearer_auth(TOKEN)
                .json(&serde_json::json!({"from": "SHOP", "to": ["+46700000001"], "body": "Live"}))
                .send()
                .await
                .unwrap();
            read_ids(&mut response, 1).await;
        }
        _ => unreachable!(),
    }
    started.elapsed()
}

fn stats(times: &mut [Duration]) -> (f64, f64, f64) {
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize].as_secs_f64() * 1e3;
    (at(0.5), at(0.1), at(0.9))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1));
    let rounds: usize = value("--rounds").and_then(|r| r.parse().ok()).unwrap_or(30);
    let baseline = value("--baseline").cloned();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let http = reqwest::Client::new();
        let this = env!("CARGO_BIN_EXE_xms-simulator");
        let mut servers = vec![("1,000 stored", start(&http, 1_000, this).await)];
        let filled = Instant::now();
        servers.push(("100,000 stored", start(&http, 100_000, this).await));
        eprintln!("stored 100,000 messages in {:.1} s", filled.elapsed().as_secs_f64());
        if let Some(binary) = &baseline {
            servers.push(("baseline, 100,000", start(&http, 100_000, binary).await));
        }
        let all = [
            "first page",
            "filtered page",
            "phones",
            "message",
            "events: replay 500",
            "events: live",
        ];
        let cases: Vec<&str> = match value("--cases") {
            Some(list) => list
                .split(',')
                .map(|name| {
                    let name = name.trim();
                    all.iter().copied().find(|c| *c == name).unwrap_or_else(|| {
                        panic!("--cases: no request named {name:?}; there are {all:?}")
                    })
                })
                .collect(),
            None => all.to_vec(),
        };
        let mut times = vec![vec![Vec::new(); servers.len()]; cases.len()];
        for &case in &cases {
            for (_, server) in &servers {
                measure(&http, server, case).await;
            }
        }
        for _ in 0..rounds {
            for (i, case) in cases.iter().enumerate() {
                for (j, (_, server)) in servers.iter().enumerate() {
                    times[i][j].push(measure(&http, server, case).await);
                }
            }
        }
        println!("{rounds} rounds; median (p10 .. p90), ms\n");
        let mut header = format!("{:<22}", "request");
        for (label, _) in &servers {
            header.push_str(&format!(" {label:>26}"));
        }
        header.push_str(&format!(" {:>10}", "100k/1k"));
        if baseline.is_some() {
            header.push_str(&format!(" {:>10}", "this/base"));
        }
        println!("{header}");
        for (i, case) in cases.iter().enumerate() {
            let mut line = format!("{case:<22}");
            let mut medians = Vec::new();
            for series in times[i].iter_mut() {
                let (m, p10, p90) = stats(series);
                line.push_str(&format!(" {m:>9.2} ({p10:>6.2} .. {p90:>6.2})"));
                medians.push(m);
            }
            line.push_str(&format!(" {:>9.1}x", medians[1] / medians[0]));
            if let Some(base) = medians.get(2) {
                line.push_str(&format!(" {:>9.3}x", medians[1] / base));
            }
            println!("{line}");
        }
    });
}
