//! How long `xms` takes to start and finish, as a user runs it: `--version`,
//! `--help` and `preview` (no network, no runtime), and a `send` to a local
//! simulator. Each against a baseline measured in the same run: spawning
//! `true` (the cost of any process), and for the send, `curl` posting the
//! same batch (when curl is installed).
//!
//! Run: `cargo bench -p xms-cli --bench startup` (ROUNDS=n to change the
//! 200 rounds). The cases are interleaved round by round; the table gives
//! each one's median and its 10th to 90th percentile, and the ratio of
//! medians to the baseline.

use std::{
    process::{Command, Stdio},
    time::{Duration, Instant},
};

struct Case {
    name: &'static str,
    command: Command,
    times: Vec<Duration>,
}

fn case(name: &'static str, program: &str, args: &[&str]) -> Case {
    let mut command = Command::new(program);
    command.args(args).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());
    Case { name, command, times: Vec::new() }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let at = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[at]
}

fn main() {
    let rounds: usize = std::env::var("ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(200);
    let sim = xms_simulator::Simulator::start();
    let config = std::env::temp_dir().join(format!("xms-startup-bench-{}", std::process::id()));
    std::fs::create_dir_all(&config).unwrap();
    let xms = env!("CARGO_BIN_EXE_xms");
    let with_env = |mut case: Case| {
        case.command
            .env_clear()
            .env("XMS_CONFIG_DIR", &config)
            .env("XMS_NO_KEYRING", "1")
            .env("XMS_ENDPOINT", sim.url())
            .env("XMS_SERVICE_PLAN_ID", sim.service_plan_id())
            .env("XMS_API_TOKEN", sim.api_token());
        case
    };
    let body = r#"{"from": "12345", "to": ["46701234567"], "body": "Hello"}"#;
    let url = format!("{}/xms/v1/{}/batches", sim.url(), sim.service_plan_id());
    let auth = format!("Authorization: Bearer {}", sim.api_token());
    let curl = Command::new("curl").arg("--version").stdout(Stdio::null()).status().is_ok();
    let mut cases = vec![
        case("true (spawn a process)", "true", &[]),
        with_env(case("xms --version", xms, &["--version"])),
        with_env(case("xms --help", xms, &["--help"])),
        with_env(case("xms preview TEXT", xms, &["preview", "-o", "json", "Hello ${name}"])),
        with_env(case(
            "xms send (simulator)",
            xms,
            &["send", "--from", "12345", "--to", "+46701234567", "Hello"],
        )),
    ];
    if curl {
        cases.push(case(
            "curl POST /batches (simulator)",
            "curl",
            &[
                "-sf",
                "-o",
                "/dev/null",
                "-X",
                "POST",
                "-H",
                &auth,
                "-H",
                "Content-Type: application/json",
                "-d",
                body,
                &url,
            ],
        ));
    }
    // Warm up: page caches, the simulator's first connection.
    for case in &mut cases {
        for _ in 0..3 {
            let status = case.command.status().expect("the command starts");
            assert!(status.success(), "{} failed", case.name);
        }
    }
    for _ in 0..rounds {
        for case in &mut cases {
            let started = Instant::now();
            let status = case.command.status().expect("the command starts");
            case.times.push(started.elapsed());
            assert!(status.success(), "{} failed", case.name);
        }
        // Keep the simulator's memory flat.
        sim.reset();
    }
    let median = |case: &Case| {
        let mut sorted = case.times.clone();
        sorted.sort();
        (percentile(&sorted, 0.5), percentile(&sorted, 0.1), percentile(&sorted, 0.9))
    };
    let baseline = median(&cases[0]).0;
    let curl_median = cases.iter().find(|c| c.name.starts_with("curl")).map(|c| median(c).0);
    println!("{rounds} interleaved rounds; wall time of each command from spawn to exit\n");
    println!(
        "{:<32} {:>10} {:>22} {:>10} {:>10}",
        "command", "median", "p10 .. p90", "/ true", "/ curl"
    );
    for case in &cases {
        let (m, low, high) = median(case);
        let per_curl = match (curl_median, case.name.contains("simulator")) {
            (Some(c), true) => format!("{:.2}x", m.as_secs_f64() / c.as_secs_f64()),
            _ => String::new(),
        };
        println!(
            "{:<32} {:>8.2}ms {:>9.2}ms .. {:>6.2}ms {:>9.2}x {:>10}",
            case.name,
            m.as_secs_f64() * 1e3,
            low.as_secs_f64() * 1e3,
            high.as_secs_f64() * 1e3,
            m.as_secs_f64() / baseline.as_secs_f64(),
            per_curl
        );
    }
    let _ = std::fs::remove_dir_all(&config);
}
