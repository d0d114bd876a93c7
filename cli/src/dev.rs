//! `xms dev`: the simulator with its UI; `xms sim ...`: a running one
//! driven through its control API (which XMS does not have, so not through
//! the SDK).

use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};

use crate::{
    args::{DevArgs, Format, Global, SimCommand, SimTarget},
    config::Resolved,
    exit::{self, Failure},
    output::{Output, write_stdout},
};

/// Where a simulator started without options listens.
const DEFAULT_SIMULATOR: &str = "http://127.0.0.1:8080";
/// A control API answer is at most this long.
const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;

pub fn dev(args: DevArgs) -> Result<(), Failure> {
    xms_simulator::cli::run(&args.options, true).map_err(Failure::usage)
}

/// A running simulator's control API.
struct Simulator {
    base: String,
    http: reqwest::Client,
    credentials: Option<String>,
    plan: Option<String>,
}

impl Simulator {
    fn new(global: &Global, target: SimTarget) -> Result<Self, Failure> {
        // The endpoint as for any command: option, XMS_ENDPOINT, profile.
        let base = match Resolved::load(global, None) {
            Ok(settings) => settings.endpoint.map(|e| e.value),
            Err(_) => global.endpoint.clone(),
        }
        .unwrap_or_else(|| DEFAULT_SIMULATOR.to_string());
        let base = base.trim_end_matches('/').to_string();
        reqwest::Url::parse(&base).map_err(|e| {
            Failure::usage(format!("the simulator's URL `{base}` is not a URL ({e})"))
        })?;
        let credentials = match target.control_credentials {
            Some(pair) if pair.contains(':') => Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair.as_bytes())
            )),
            Some(_) => {
                return Err(Failure::usage("--control-credentials: write them as USER:PASSWORD"));
            }
            None => None,
        };
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| Failure::new(exit::FAILURE, format!("cannot start: {e}")))?;
        Ok(Simulator { base, http, credentials, plan: target.plan })
    }

    /// A request to the control API; its JSON (or null), and its status.
    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        query: &[(&str, String)],
        body: Option<Value>,
        timeout: Duration,
    ) -> Result<(u16, Value), Failure> {
        let mut request =
            self.http.request(method, format!("{}{path}", self.base)).query(query).timeout(timeout);
        if let Some(credentials) = &self.credentials {
            request = request.header("authorization", credentials);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let mut response = request.send().await.map_err(|e| {
            let why = if e.is_connect() {
                format!(
                    "no simulator answers at {}: start one with `xms dev`, or give --endpoint",
                    self.base
                )
            } else if e.is_timeout() {
                format!("the simulator at {} did not answer in time", self.base)
            } else {
                format!("the request to the simulator at {} failed", self.base)
            };
            Failure::new(if e.is_timeout() { exit::TIMEOUT } else { exit::FAILURE }, why)
        })?;
        let status = response.status().as_u16();
        let mut bytes = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|_| Failure::new(exit::FAILURE, "the simulator's answer broke off"))?
        {
            if bytes.len() + chunk.len() > MAX_ANSWER_BYTES {
                return Err(Failure::new(exit::FAILURE, "the simulator's answer is too large"));
            }
            bytes.extend_from_slice(&chunk);
        }
        let value = serde_json::from_slice(&bytes).unwrap_or_else(|_| {
            if bytes.is_empty() {
                Value::Null
            } else {
                Value::String(String::from_utf8_lossy(&bytes).trim().to_string())
            }
        });
        match status {
            200..=299 | 408 => Ok((status, value)),
            401 => Err(Failure::new(
                exit::AUTH,
                "the simulator wants its control credentials: give --control-credentials USER:PASSWORD",
            )),
            404 => Err(Failure::new(exit::NOT_FOUND, format!("not found: {}", text(&value)))),
            400 => Err(Failure::usage(text(&value))),
            _ => Err(Failure::new(
                exit::FAILURE,
                format!("the simulator answered {status}: {}", text(&value)),
            )),
        }
    }

    fn plan_query(&self) -> Vec<(&'static str, String)> {
        self.plan.iter().map(|p| ("plan", p.clone())).collect()
    }
}

fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other["text"].as_str().map_or_else(|| other.to_string(), str::to_owned),
    }
}

const OUTBOX_COLUMNS: &[crate::output::Column] = &[
    ("at", "at"),
    ("from", "from"),
    ("to", "to"),
    ("status", "status"),
    ("parts", "parts"),
    ("body", "body"),
];

pub async fn sim(global: &Global, command: SimCommand) -> Result<(), Failure> {
    let output = Output::new(global);
    let call_limit = Duration::from_secs(30);
    match command {
        SimCommand::Wait { target, to, pattern, extract, timeout } => {
            if to.is_none() && pattern.is_none() && extract.is_none() {
                return Err(Failure::usage("give --to NUMBER, --match REGEX or --extract REGEX"));
            }
            if timeout > xms_simulator::MAX_WAIT {
                return Err(Failure::usage("--timeout: at most 10m"));
            }
            let sim = Simulator::new(global, target)?;
            let mut query = sim.plan_query();
            if let Some(to) = &to {
                crate::send::check_recipient(to, "--to")?;
                query.push(("to", to.clone()));
            }
            if let Some(pattern) = extract.as_ref().or(pattern.as_ref()) {
                query.push(("match", pattern.clone()));
            }
            query.push(("timeout", format!("{}ms", timeout.as_millis())));
            let (status, found) = sim
                .call(reqwest::Method::GET, "/_sim/wait", &query, None, timeout + call_limit)
                .await?;
            if status == 408 {
                return Err(Failure::new(
                    exit::TIMEOUT,
                    format!("no matching message within {}", humane(timeout)),
                ));
            }
            if extract.is_some() {
                let captured = found["captures"]
                    .as_array()
                    .and_then(|c| c.iter().find_map(Value::as_str))
                    .or(found["match"].as_str())
                    .unwrap_or_default();
                return write_stdout(format!("{captured}\n").as_bytes());
            }
            match output.format {
                Format::Table => write_stdout(
                    format!("{}\n", found["message"]["body"].as_str().unwrap_or_default())
                        .as_bytes(),
                ),
                _ => output.one(&found),
            }
        }
        SimCommand::Inbound { target, from, to, text } => {
            crate::send::check_recipient(&from, "--from")?;
            let sim = Simulator::new(global, target)?;
            let mut body = json!({"from": from, "to": to, "body": text});
            if let Some(plan) = &sim.plan {
                body["service_plan_id"] = plan.clone().into();
            }
            let (_, inbound) = sim
                .call(reqwest::Method::POST, "/_sim/inbounds", &[], Some(body), call_limit)
                .await?;
            output.one(&inbound)
        }
        SimCommand::Advance { target, by } => {
            let sim = Simulator::new(global, target)?;
            let body = json!({"seconds": by.as_secs_f64()});
            let (_, clock) = sim
                .call(reqwest::Method::POST, "/_sim/clock/advance", &[], Some(body), call_limit * 4)
                .await?;
            output.one(&clock)
        }
        SimCommand::Outbox { target, to, limit } => {
            let sim = Simulator::new(global, target)?;
            let mut query = sim.plan_query();
            if let Some(to) = to {
                query.push(("to", to));
            }
            query.push(("page_size", limit.clamp(1, 500).to_string()));
            let (_, page) =
                sim.call(reqwest::Method::GET, "/_sim/messages", &query, None, call_limit).await?;
            let mut listing = output.listing(OUTBOX_COLUMNS);
            for item in page["items"].as_array().into_iter().flatten() {
                listing.push_value(item)?;
            }
            listing.finish()
        }
        SimCommand::Reset { target } => {
            let sim = Simulator::new(global, target)?;
            sim.call(reqwest::Method::POST, "/_sim/reset", &[], None, call_limit).await?;
            eprintln!("The simulator at {} is reset.", sim.base);
            Ok(())
        }
    }
}

fn humane(d: Duration) -> String {
    if d.as_millis().is_multiple_of(1000) {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}
