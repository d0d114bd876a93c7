//! What every example shares: a client for the real XMS when credentials are
//! set, else for the XMS simulator started in this process.
//!
//! Real XMS: `XMS_SERVICE_PLAN_ID`, `XMS_API_TOKEN`, `XMS_SENDER` (a number of
//! the plan), `XMS_RECIPIENTS` (phone numbers, comma-separated, that agreed to
//! get the messages) and optionally `XMS_REGION` (us, eu, au, br, ca).

#![allow(dead_code)]

use std::time::Duration;

use xms::{Client, ClientBuilder, Region};
use xms_simulator::{ClockMode, Simulator};

/// Where an example runs.
pub struct Setup {
    pub client: Client,
    pub sender: String,
    pub recipients: Vec<String>,
    /// The simulator, when the example runs on it (kept alive here).
    pub simulator: Option<Simulator>,
    /// How long to wait between two polls.
    pub poll: Duration,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Connect as the environment says; `configure` adds settings to the
/// client's builder either way.
pub fn connect(configure: impl FnOnce(ClientBuilder) -> ClientBuilder) -> Setup {
    match (env("XMS_SERVICE_PLAN_ID"), env("XMS_API_TOKEN")) {
        (Some(plan), Some(token)) => {
            let region = match env("XMS_REGION").as_deref().unwrap_or("us") {
                "eu" => Region::Eu,
                "au" => Region::Au,
                "br" => Region::Br,
                "ca" => Region::Ca,
                _ => Region::Us,
            };
            let (Some(sender), Some(recipients)) = (env("XMS_SENDER"), env("XMS_RECIPIENTS"))
            else {
                eprintln!(
                    "Talking to the real XMS sends real messages: set XMS_SENDER and \
                     XMS_RECIPIENTS (phone numbers, comma-separated)."
                );
                std::process::exit(2);
            };
            println!("Using the real XMS ({region:?} region, service plan {plan}).");
            let builder = Client::builder().service_plan(plan, token).region(region);
            Setup {
                client: configure(builder).build().expect("a valid configuration"),
                sender,
                recipients: recipients.split(',').map(|r| r.trim().to_string()).collect(),
                simulator: None,
                poll: Duration::from_secs(2),
            }
        }
        _ => {
            // Simulated time runs 20 times as fast: a delivery takes 0.15 s.
            let sim = Simulator::builder().clock(ClockMode::Realtime { speed: 20.0 }).start();
            println!(
                "No XMS_SERVICE_PLAN_ID/XMS_API_TOKEN: using the XMS simulator at {} \
                 (nothing leaves this machine).",
                sim.url()
            );
            let builder = Client::builder()
                .service_plan(sim.service_plan_id(), sim.api_token())
                .endpoint(sim.url());
            Setup {
                client: configure(builder).build().expect("a valid configuration"),
                sender: "12345".into(),
                recipients: vec!["+46701234567".into(), "+46707654321".into()],
                simulator: Some(sim),
                poll: Duration::from_millis(50),
            }
        }
    }
}
