//! The simulator driven with raw HTTP, checked against the XMS reference:
//! statuses, error codes, bodies, the lifecycle, callbacks and the control API.
//! Every answer is also checked against the spec's response schemas when a
//! test ends (`xms-test-support`, the workspace's test crate).

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{Router, body::Bytes, http::HeaderMap, routing::post};
use serde_json::{Value, json};
use xms_simulator::{ClockMode, Fault, Simulator};

mod basics;
mod callbacks;
mod control;
mod groups;
mod lifecycle;
mod listings;
mod plans;

const PLAN: &str = "sim-plan";
const TOKEN: &str = "sim-token";

use xms_test_support as spec;

struct Api {
    sim: Simulator,
    http: reqwest::Client,
}

impl Drop for Api {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            spec::check_answers(&self.sim);
        }
    }
}

impl Api {
    fn new(sim: Simulator) -> Api {
        Api { sim, http: reqwest::Client::new() }
    }

    fn start() -> Api {
        Api::new(Simulator::builder().record_answers().start())
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let url = format!("{}/xms/v1/{PLAN}{path}", self.sim.url());
        let mut request = self
            .http
            .request(method.parse().unwrap(), url)
            .header("authorization", format!("Bearer {TOKEN}"));
        if let Some(body) = body {
            request = request.header("content-type", "application/json").body(body.to_string());
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    async fn control(&self, method: &str, path: &str, body: Value) -> Value {
        let response = self
            .http
            .request(method.parse().unwrap(), format!("{}/_sim{path}", self.sim.url()))
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        response.json().await.unwrap_or(Value::Null)
    }

    async fn advance(&self, seconds: f64) {
        self.control("POST", "/clock/advance", json!({"seconds": seconds})).await;
    }

    async fn send(&self, body: Value) -> Value {
        let (status, batch) = self.call("POST", "/batches", Some(body)).await;
        assert_eq!(status, 201, "{batch}");
        batch
    }
}

fn code(v: &Value) -> &str {
    v["code"].as_str().unwrap_or("")
}

/// A callback receiver on 127.0.0.1 that answers with the given statuses in
/// turn (then 200) and records what it was sent.
struct Receiver {
    url: String,
    seen: Arc<Mutex<Vec<(HeaderMap, Value)>>>,
}

async fn receiver(statuses: Vec<u16>) -> Receiver {
    let seen: Arc<Mutex<Vec<(HeaderMap, Value)>>> = Arc::default();
    let record = seen.clone();
    let script = Arc::new(Mutex::new(statuses.into_iter()));
    let app = Router::new().route(
        "/cb",
        post(move |headers: HeaderMap, body: Bytes| {
            let record = record.clone();
            let script = script.clone();
            async move {
                record
                    .lock()
                    .unwrap()
                    .push((headers, serde_json::from_slice(&body).unwrap_or(Value::Null)));
                let status = script.lock().unwrap().next().unwrap_or(200);
                axum::http::StatusCode::from_u16(status).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/cb", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Receiver { url, seen }
}

impl Receiver {
    fn bodies(&self) -> Vec<Value> {
        self.seen.lock().unwrap().iter().map(|(_, b)| b.clone()).collect()
    }
}
