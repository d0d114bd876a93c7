//! The command line of the simulator (feature `cli`): its options, defined
//! once for both binaries that run it (`xms-simulator`, and `xms dev` of
//! the `xms` command line), and the loop that serves until interrupted.

use std::{
    net::{IpAddr, SocketAddr},
    path::PathBuf,
    time::Duration,
};

use clap::{Args, ValueEnum};

use crate::{
    ClockMode, DEFAULT_API_TOKEN, DEFAULT_SERVICE_PLAN_ID, PlanConfig, Retention, Simulator,
};

/// The signing secret of the desk (`--ui`, `xms dev`) when none is given:
/// callbacks are signed, and `xms listen --secret` checks them. A local
/// simulator's secret protects nothing; give your own with
/// `--signing-secret`.
pub const DEV_SIGNING_SECRET: &str = "xms-dev-signing-secret";

/// How simulated time moves.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClockArg {
    /// With real time, `--speed` times as fast.
    Realtime,
    /// Only when told (`POST /_sim/clock/advance`, `xms sim advance`).
    Manual,
}

/// The simulator's options.
#[derive(Args, Clone, Debug)]
pub struct Options {
    /// The port to listen on (0: a free one).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// The address to listen on. Off loopback, the UI and the control API
    /// need --control-credentials.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: IpAddr,
    /// The first service plan's id.
    #[arg(long = "service-plan", value_name = "ID", default_value = DEFAULT_SERVICE_PLAN_ID)]
    pub service_plan: String,
    /// Its API token.
    #[arg(long, value_name = "TOKEN", default_value = DEFAULT_API_TOKEN)]
    pub token: String,
    /// Another service plan, a mailbox of its own (repeat it).
    #[arg(long = "plan", value_name = "ID:TOKEN", value_parser = plan)]
    pub plans: Vec<(String, String)>,
    /// The plans' default delivery report callback URL.
    #[arg(long, value_name = "URL")]
    pub callback_url: Option<String>,
    /// Where the plans' inbound messages are posted.
    #[arg(long, value_name = "URL")]
    pub inbound_url: Option<String>,
    /// Sign callbacks with this secret (the desk signs with a fixed
    /// development secret when none is given).
    #[arg(long, value_name = "SECRET")]
    pub signing_secret: Option<String>,
    /// Dispatch each plan's messages at this many per second, in order.
    #[arg(long, value_name = "N", value_parser = rate)]
    pub throughput: Option<f64>,
    /// Answer each plan's requests beyond this many per second with 429.
    #[arg(long, value_name = "N", value_parser = rate)]
    pub rate_limit: Option<f64>,
    /// Also serve an OAuth2 project with this id ...
    #[arg(long, value_name = "ID", requires_all = ["key_id", "key_secret"])]
    pub project: Option<String>,
    /// ... whose access tokens come from POST /oauth2/token with this key id
    #[arg(long, value_name = "ID", requires = "project")]
    pub key_id: Option<String>,
    /// ... and secret.
    #[arg(long, value_name = "SECRET", requires = "project")]
    pub key_secret: Option<String>,
    /// How simulated time moves.
    #[arg(long, value_enum, default_value = "realtime")]
    pub clock: ClockArg,
    /// How fast a real-time clock runs (10: the 3 s lifecycle takes 0.3 s).
    #[arg(long, default_value_t = 1.0, value_parser = speed)]
    pub speed: f64,
    /// Keep the state in this file: loaded at start, saved every few
    /// seconds and on exit.
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Keep at most this many messages a plan, dropping the oldest finished
    /// batches and inbound messages.
    #[arg(long, value_name = "N")]
    pub max_messages: Option<usize>,
    /// Drop finished batches and inbound messages older than this
    /// (simulated time): 30m, 12h, 7d.
    #[arg(long, value_name = "DURATION", value_parser = age)]
    pub max_age: Option<Duration>,
    /// Require these HTTP Basic credentials for the UI and the control API
    /// (needed off loopback).
    #[arg(long, value_name = "USER:PASSWORD", value_parser = credentials)]
    pub control_credentials: Option<(String, String)>,
    /// Print `export XMS_...=...` lines for these options and exit:
    /// `eval "$(xms dev --print-env)"` in the shell of your app.
    #[arg(long)]
    pub print_env: bool,
}

fn plan(text: &str) -> Result<(String, String), String> {
    match text.split_once(':') {
        Some((id, token)) if !id.is_empty() && !token.is_empty() => {
            Ok((id.to_string(), token.to_string()))
        }
        _ => Err(format!("`{text}`: write a plan as ID:TOKEN")),
    }
}

fn rate(text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .ok()
        .filter(|r| PlanConfig::valid_rate(*r))
        .ok_or_else(|| format!("`{text}`: a number above 0 and at most 1000000"))
}

fn speed(text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .ok()
        .filter(|s| *s > 0.0 && *s <= crate::clock::MAX_SPEED)
        .ok_or_else(|| format!("`{text}`: a speed above 0 and at most 1000000"))
}

fn age(text: &str) -> Result<Duration, String> {
    let bad = || format!("`{text}`: a duration such as 30m, 12h or 7d");
    let text = text.trim();
    let at = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(at);
    let number: u64 = number.parse().map_err(|_| bad())?;
    let seconds = match unit {
        "s" | "" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad()),
    };
    number
        .checked_mul(seconds)
        .filter(|s| (1..=86_400 * 3650).contains(s))
        .map(Duration::from_secs)
        .ok_or_else(bad)
}

fn credentials(text: &str) -> Result<(String, String), String> {
    match text.split_once(':') {
        Some((user, password)) if !user.is_empty() && password.len() >= 8 => {
            Ok((user.to_string(), password.to_string()))
        }
        _ => Err("write them as USER:PASSWORD, the password 8 characters or more".to_string()),
    }
}

/// A value as one shell word.
fn quoted(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

impl Options {
    /// The signing secret callbacks get: the one given, or with the desk the
    /// development one.
    pub fn secret(&self, desk: bool) -> Option<String> {
        self.signing_secret.clone().or_else(|| desk.then(|| DEV_SIGNING_SECRET.to_string()))
    }

    /// The simulator these options describe.
    pub fn builder(&self, desk: bool) -> Result<crate::SimulatorBuilder, String> {
        if !self.host.is_loopback() && self.control_credentials.is_none() {
            return Err(format!(
                "--host {} is not loopback: anyone who reaches it could drive the simulator; \
                 give --control-credentials USER:PASSWORD",
                self.host
            ));
        }
        let mut plans = vec![PlanConfig::new(&self.service_plan, &self.token)];
        plans.extend(self.plans.iter().map(|(id, token)| PlanConfig::new(id, token)));
        if let (Some(id), Some(key), Some(secret)) = (&self.project, &self.key_id, &self.key_secret)
        {
            plans.push(PlanConfig::project(id, key, secret));
        }
        let mut ids = std::collections::HashSet::new();
        let mut builder = Simulator::builder()
            .bind(SocketAddr::new(self.host, self.port))
            .clock(match self.clock {
                ClockArg::Manual => ClockMode::Manual,
                ClockArg::Realtime => ClockMode::Realtime { speed: self.speed },
            })
            .ui(desk)
            .retention(Retention { max_messages: self.max_messages, max_age: self.max_age });
        for mut config in plans {
            if !ids.insert(config.id.clone()) {
                return Err(format!("the plan `{}` is given twice", config.id));
            }
            config.callback_url = self.callback_url.clone();
            config.inbound_url = self.inbound_url.clone();
            config.signing_secret = self.secret(desk);
            config.throughput = self.throughput;
            config.rate_limit = self.rate_limit;
            builder = builder.plan(config);
        }
        if let Some((user, password)) = &self.control_credentials {
            builder = builder.control_credentials(user, password);
        }
        if let Some(path) = &self.state {
            builder = builder.state_file(path);
        }
        Ok(builder)
    }

    /// The `export` lines of `--print-env`.
    pub fn env_lines(&self, desk: bool) -> Result<String, String> {
        if self.port == 0 {
            return Err("--print-env needs a fixed --port".to_string());
        }
        let host = if self.host.is_unspecified() {
            "127.0.0.1".to_string()
        } else {
            SocketAddr::new(self.host, self.port).ip().to_string()
        };
        let host = if host.contains(':') { format!("[{host}]") } else { host };
        let mut lines = vec![
            format!("export XMS_ENDPOINT={}", quoted(&format!("http://{host}:{}", self.port))),
            format!("export XMS_SERVICE_PLAN_ID={}", quoted(&self.service_plan)),
            format!("export XMS_API_TOKEN={}", quoted(&self.token)),
        ];
        if let Some(secret) = self.secret(desk) {
            lines.push(format!("export XMS_WEBHOOK_SECRET={}", quoted(&secret)));
        }
        Ok(lines.join("\n") + "\n")
    }
}

/// Run the simulator these options describe until interrupted (Ctrl-C or
/// SIGTERM), printing where it is and what to connect with; with the desk,
/// the UI too. `--print-env` prints the environment and returns.
pub fn run(options: &Options, desk: bool) -> Result<(), String> {
    if options.print_env {
        let lines = options.env_lines(desk)?;
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(lines.as_bytes()).and_then(|()| stdout.flush());
        return Ok(());
    }
    let sim = options
        .builder(desk)?
        .try_start()
        .map_err(|e| format!("cannot start on {}:{}: {e}", options.host, options.port))?;
    // The banner; a reader that went away (a test that read the first
    // line) does not stop the server.
    let mut banner = format!("XMS simulator listening on {}\n", sim.url());
    banner.push_str(&format!("  service plan id  {}\n", sim.service_plan_id()));
    banner.push_str(&format!("  API token        {}\n", sim.api_token()));
    for (id, token) in &options.plans {
        banner.push_str(&format!("  service plan id  {id} (API token {token})\n"));
    }
    if let Some(id) = &options.project {
        banner.push_str(&format!(
            "  project id       {id} (OAuth2 tokens from {})\n",
            sim.token_url()
        ));
    }
    if let Some(secret) = options.secret(desk) {
        banner.push_str(&format!("  signing secret   {secret}\n"));
    }
    if desk {
        banner.push_str(&format!("  UI               {}/\n", sim.url()));
    }
    banner.push_str(&format!("  control API      {}/_sim\n", sim.url()));
    if let Some(path) = &options.state {
        banner.push_str(&format!("  state file       {}\n", path.display()));
    }
    banner.push_str(&format!(
        "Point an XMS client at it: XMS_ENDPOINT={} XMS_SERVICE_PLAN_ID={} XMS_API_TOKEN={}\n",
        sim.url(),
        sim.service_plan_id(),
        sim.api_token()
    ));
    {
        use std::io::Write;
        let mut stdout = std::io::stdout().lock();
        let _ = stdout.write_all(banner.as_bytes()).and_then(|()| stdout.flush());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot wait for signals: {e}"))?;
    runtime.block_on(async {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            match signal(SignalKind::terminate()) {
                Ok(mut term) => {
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => {}
                        _ = term.recv() => {}
                    }
                }
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    });
    drop(sim);
    if let Some(path) = &options.state {
        eprintln!("stopped; the state is in {}", path.display());
    }
    Ok(())
}
