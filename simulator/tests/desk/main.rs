//! The developer's desk over HTTP: the event stream, `wait`, the state
//! file, retention, the guard, and the JSON the UI reads.

use std::time::Duration;

use serde_json::{Value, json};
use xms_simulator::{ClockMode, Simulator, SimulatorBuilder};

mod events;
mod guard;
mod state;
mod views;
mod wait;

const PLAN: &str = "sim-plan";
const TOKEN: &str = "sim-token";

/// Every wait in these tests ends within this.
const LIMIT: Duration = Duration::from_secs(30);

struct Desk {
    sim: Simulator,
    http: reqwest::Client,
}

impl Desk {
    fn start() -> Desk {
        Desk::with(Simulator::builder())
    }

    fn with(builder: SimulatorBuilder) -> Desk {
        Desk { sim: builder.start(), http: reqwest::Client::new() }
    }

    /// Send a batch to the first plan; its JSON.
    async fn send(&self, body: Value) -> Value {
        self.send_to(PLAN, TOKEN, body).await
    }

    async fn send_to(&self, plan: &str, token: &str, body: Value) -> Value {
        let response = self
            .http
            .post(format!("{}/xms/v1/{plan}/batches", self.sim.url()))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
        response.json().await.unwrap()
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let response = self.http.get(format!("{}{path}", self.sim.url())).send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let response =
            self.http.post(format!("{}{path}", self.sim.url())).json(&body).send().await.unwrap();
        let status = response.status().as_u16();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
    }
}

/// One server-sent event.
#[derive(Debug, Clone)]
struct Sse {
    id: u64,
    kind: String,
    data: Value,
}

/// Read events from `path` (with `Last-Event-ID` when given) until `count`
/// came or `within` passed.
async fn read_events(
    desk: &Desk,
    path: &str,
    last: Option<u64>,
    count: usize,
    within: Duration,
) -> Vec<Sse> {
    let mut request = desk.http.get(format!("{}{path}", desk.sim.url()));
    if let Some(id) = last {
        request = request.header("last-event-id", id.to_string());
    }
    let mut response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/event-stream");
    let mut events = Vec::new();
    let mut buffer = String::new();
    let deadline = tokio::time::Instant::now() + within;
    while events.len() < count {
        let chunk = tokio::select! {
            chunk = response.chunk() => chunk.unwrap(),
            _ = tokio::time::sleep_until(deadline) => break,
        };
        let Some(chunk) = chunk else { break };
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            let (mut id, mut kind, mut data) = (None, String::new(), String::new());
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("id:") {
                    id = v.trim().parse().ok();
                } else if let Some(v) = line.strip_prefix("event:") {
                    kind = v.trim().to_string();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim());
                }
            }
            if let Some(id) = id {
                events.push(Sse { id, kind, data: serde_json::from_str(&data).unwrap() });
            }
        }
    }
    events
}

fn text_batch(to: &[&str], body: &str) -> Value {
    json!({"from": "12345", "to": to, "body": body})
}

fn manual() -> SimulatorBuilder {
    Simulator::builder().clock(ClockMode::Manual)
}
