//! `xms-simulator`: run the local XMS server until interrupted.

use std::net::{IpAddr, SocketAddr};

use xms_simulator::{ClockMode, DEFAULT_API_TOKEN, DEFAULT_SERVICE_PLAN_ID, Simulator};

const HELP: &str = "\
xms-simulator: a local, stateful XMS SMS API server

usage: xms-simulator [options]

  --port N             port to listen on (default 8080; 0 picks a free one)
  --host ADDR          address to listen on (default 127.0.0.1; the control
                       API under /_sim has no authentication)
  --service-plan ID    service plan id (default sim-plan)
  --token TOKEN        its API token (default sim-token)
  --callback-url URL   default delivery report callback URL of the plan
  --inbound-url URL    where inbound messages are posted
  --signing-secret S   sign callbacks with this secret
  --throughput N       dispatch the plan's messages at N per second, in order
  --rate-limit N       answer the plan's requests beyond N per second with 429
  --project ID         also serve a project (OAuth2) with this id ...
  --key-id K           ... whose access tokens are fetched with this key id
  --key-secret S       ... and secret from POST /oauth2/token
  --clock MODE         realtime (default) or manual
  --speed X            real-time speed factor (default 1)
  -h, --help           this text

Point an XMS client at the printed URL with the printed service plan id and
token. See the crate documentation for the special recipient numbers and the
control API.";

fn main() {
    let mut args = std::env::args().skip(1);
    let mut port = 8080u16;
    let mut host: IpAddr = [127, 0, 0, 1].into();
    let (mut plan, mut token) =
        (DEFAULT_SERVICE_PLAN_ID.to_string(), DEFAULT_API_TOKEN.to_string());
    let (mut callback, mut inbound, mut secret) = (None, None, None);
    let (mut manual, mut speed) = (false, 1.0f64);
    let (mut throughput, mut rate_limit) = (None, None);
    let (mut project, mut key_id, mut key_secret) = (None, None, None);
    while let Some(arg) = args.next() {
        let mut value =
            |name: &str| args.next().unwrap_or_else(|| fail(&format!("{name} takes a value")));
        match arg.as_str() {
            "-h" | "--help" => {
                println!("{HELP}");
                return;
            }
            "--port" => {
                port = value("--port").parse().unwrap_or_else(|_| fail("--port takes a number"))
            }
            "--host" => {
                host =
                    value("--host").parse().unwrap_or_else(|_| fail("--host takes an IP address"))
            }
            "--service-plan" => plan = value("--service-plan"),
            "--token" => token = value("--token"),
            "--callback-url" => callback = Some(value("--callback-url")),
            "--inbound-url" => inbound = Some(value("--inbound-url")),
            "--signing-secret" => secret = Some(value("--signing-secret")),
            "--throughput" | "--rate-limit" => {
                let rate = value(&arg)
                    .parse::<f64>()
                    .ok()
                    .filter(|r| xms_simulator::PlanConfig::valid_rate(*r))
                    .unwrap_or_else(|| fail(&format!("{arg} takes a number from 0 to 1000000")));
                if arg == "--throughput" {
                    throughput = Some(rate)
                } else {
                    rate_limit = Some(rate)
                }
            }
            "--project" => project = Some(value("--project")),
            "--key-id" => key_id = Some(value("--key-id")),
            "--key-secret" => key_secret = Some(value("--key-secret")),
            "--clock" => match value("--clock").as_str() {
                "manual" => manual = true,
                "realtime" => manual = false,
                _ => fail("--clock is manual or realtime"),
            },
            "--speed" => {
                speed = value("--speed").parse().unwrap_or_else(|_| fail("--speed takes a number"));
                if !(speed > 0.0 && speed <= 1e6) {
                    fail("--speed must be above 0 and at most 1000000");
                }
            }
            other => fail(&format!("unknown option {other}")),
        }
    }
    let mut builder = Simulator::builder()
        .service_plan(&plan, &token)
        .bind(SocketAddr::new(host, port))
        .clock(if manual { ClockMode::Manual } else { ClockMode::Realtime { speed } });
    if let Some(url) = callback {
        builder = builder.callback_url(url);
    }
    if let Some(url) = inbound {
        builder = builder.inbound_url(url);
    }
    if let Some(s) = secret {
        builder = builder.signing_secret(s);
    }
    if let Some(rate) = throughput {
        builder = builder.throughput(rate);
    }
    if let Some(rate) = rate_limit {
        builder = builder.rate_limit(rate);
    }
    match (&project, key_id, key_secret) {
        (Some(id), Some(key), Some(secret)) => builder = builder.project(id, key, secret),
        (None, None, None) => {}
        _ => fail("--project, --key-id and --key-secret go together"),
    }
    let sim = builder
        .try_start()
        .unwrap_or_else(|e| fail(&format!("cannot listen on {host}:{port}: {e}")));
    println!("XMS simulator listening on {}", sim.url());
    println!("service plan id: {plan}");
    println!("API token:       {token}");
    if let Some(id) = &project {
        println!("project id:      {id} (OAuth2 tokens from {})", sim.token_url());
    }
    println!("control API:     {}/_sim (see --help)", sim.url());
    loop {
        std::thread::park();
    }
}

fn fail(message: &str) -> ! {
    eprintln!("xms-simulator: {message}\n\n{HELP}");
    std::process::exit(2)
}
