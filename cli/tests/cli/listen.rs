//! `listen`: the simulator's signed callbacks received, verified, printed,
//! forwarded unchanged to an app (whose own verification passes),
//! recorded and replayed; a tampered one refused.

use std::{
    io::BufRead,
    process::Stdio,
    sync::{Arc, Mutex},
};

use axum::{body::Bytes, extract::State, http::HeaderMap, http::StatusCode};
use serde_json::{Value, json};
use xms::callbacks::Verifier;

use crate::support::{Desk, block_on, finish, reader, run};

const SECRET: &str = "whsec-test-secret";

/// What the app got: each request's body and whether its signature held.
type Received = Arc<Mutex<Vec<(Bytes, bool)>>>;

/// An app on 127.0.0.1 that verifies callbacks itself; its URL.
fn app(received: Received) -> String {
    let (ready, port) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async move {
            async fn handle(
                State(received): State<Received>,
                headers: HeaderMap,
                body: Bytes,
            ) -> StatusCode {
                let verified = Verifier::new(SECRET).verify(&headers, &body).is_ok();
                received.lock().unwrap().push((body, verified));
                StatusCode::OK
            }
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            ready.send(listener.local_addr().unwrap().port()).unwrap();
            let router = axum::Router::new().fallback(handle).with_state(received);
            axum::serve(listener, router).await.unwrap();
        });
    });
    format!("http://127.0.0.1:{}/xms/callbacks", port.recv().unwrap())
}

#[test]
fn verifies_prints_forwards_records_and_replays() {
    let desk = Desk::with(xms_simulator::Simulator::builder().signing_secret(SECRET));
    let received: Received = Arc::default();
    let app_url = app(received.clone());
    let record = desk.dir.join("callbacks.jsonl");

    let mut listen = desk
        .bare()
        .args(["listen", "--port", "0", "--secret", SECRET, "--max", "2", "-o", "jsonl"])
        .args(["--forward-to", &app_url, "--record"])
        .arg(&record)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The first line on stderr says where it listens.
    let mut stderr = std::io::BufReader::new(listen.stderr.take().unwrap());
    let mut first = String::new();
    stderr.read_line(&mut first).unwrap();
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {first:?}"))
        .to_string();
    let rest = reader(stderr);

    // A tampered callback is refused (401) and never reaches the app.
    let tampered = block_on(async {
        let body = br#"{"type": "recipient_delivery_report_sms"}"#;
        let mut request = reqwest::Client::new().post(format!("{url}tampered"));
        for (name, value) in xms::callbacks::signature_headers("not-the-secret", body) {
            request = request.header(name, value);
        }
        request.body(&body[..]).send().await.unwrap().status().as_u16()
    });
    assert_eq!(tampered, 401);

    // A delivery report and an inbound message from the simulator.
    let sent = desk.run(&[
        "send",
        "--to",
        "+46701234567",
        "--delivery-report",
        "summary",
        "--callback-url",
        &url,
        "-o",
        "json",
        "Hi",
    ]);
    sent.code(0);
    let batch_id = sent.json()["id"].as_str().unwrap().to_string();
    desk.advance(5);
    let mut plan = desk.sim.plan_config(desk.sim.service_plan_id()).unwrap();
    plan.inbound_url = Some(url.clone());
    desk.sim.upsert_plan(plan);
    block_on(
        desk.sim
            .inject_inbound(json!({"from": "46709999999", "to": "12345", "body": "Yes please"})),
    )
    .unwrap();

    // --max 2: it stops after the two callbacks.
    let done = finish(listen);
    done.code(0);
    let log = rest.join().unwrap();
    assert!(log.contains("refused a callback"), "{log}");
    let lines: Vec<Value> = done.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 2, "{}", done.stdout);
    assert_eq!(lines[0]["verified"], true);
    assert_eq!(lines[0]["callback"]["type"], "delivery_report_sms");
    assert_eq!(lines[0]["callback"]["batch_id"], batch_id.as_str());
    assert_eq!(lines[1]["callback"]["type"], "mo_text");
    assert_eq!(lines[1]["callback"]["body"], "Yes please");

    // The app got both, unchanged: its own verification passed.
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 2);
    assert!(got.iter().all(|(_, verified)| *verified));
    // The simulator's own record of what it sent matches what the app got.
    assert!(String::from_utf8_lossy(&got[1].0).contains("Yes please"));

    // Recorded, and replayed to the app.
    let recorded = std::fs::read_to_string(&record).unwrap();
    assert_eq!(recorded.lines().count(), 2);
    let replay = run(
        desk.bare()
            .args(["listen", "--replay"])
            .arg(&record)
            .args(["--to", &app_url, "-o", "jsonl"]),
        None,
    );
    replay.code(0);
    assert_eq!(replay.stdout.lines().count(), 2);
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), 4);
    assert_eq!(got[2].0, got[0].0, "replayed bodies are the recorded ones");

    // A broken record file: exit 2 naming the line, nothing sent.
    let broken =
        desk.file("broken.jsonl", &format!("{}\nnot json\n", recorded.lines().next().unwrap()));
    let refused =
        run(desk.bare().args(["listen", "--replay"]).arg(&broken).args(["--to", &app_url]), None);
    refused.code(2);
    assert!(refused.stderr.contains("line 2"), "{}", refused.stderr);
    assert_eq!(received.lock().unwrap().len(), 4);
}
