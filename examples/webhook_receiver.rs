//! A callback receiver in axum: every callback's signature is checked (and
//! replays refused) by the `Verified` extractor before the handler sees a
//! typed callback; it prints one line per callback.
//!
//! ```sh
//! cargo run --features axum --example webhook_receiver                       # a demo on the simulator
//! cargo run --features axum --example webhook_receiver -- --secret S --port 8080
//! cargo run --features axum --example webhook_receiver -- --help
//! ```
//!
//! With a secret (`--secret` or `XMS_WEBHOOK_SECRET`) it serves until
//! stopped. Without one it runs a demo: the simulator, signing with a fresh
//! secret, posts delivery reports and an inbound message to it, and a forged
//! callback is refused. Accepting unsigned callbacks must be asked for with
//! `--insecure-accept-unsigned`.

use std::{sync::Arc, time::Duration};

use axum::{Router, routing::post};
use xms::callbacks::{
    Callback, Verifier,
    axum::{Rejection, Verified},
};

const HELP: &str = "\
webhook_receiver: receive XMS callbacks, verified

usage: webhook_receiver [--secret S] [--port N] [--insecure-accept-unsigned]

  --secret S                   the signing secret of the account (or set
                               XMS_WEBHOOK_SECRET); serve on 127.0.0.1 until stopped
  --port N                     port to listen on (default 8080; 0 picks one)
  --insecure-accept-unsigned   serve without checking signatures: anyone who
                               can reach the port can post fake callbacks
  -h, --help                   this text

With neither --secret nor --insecure-accept-unsigned it runs a demo against
the XMS simulator and exits.";

async fn receive(verified: Result<Verified, Rejection>) -> Result<&'static str, Rejection> {
    let callback = match verified {
        Ok(Verified(callback)) => callback,
        Err(refused) => {
            println!("refused: {refused}");
            return Err(refused);
        }
    };
    match callback {
        Callback::Inbound(mo) => {
            println!("inbound {} from {} to {}: {:?}", mo.id(), mo.sender(), mo.recipient(), mo)
        }
        Callback::BatchDeliveryReport(r) => {
            let statuses: Vec<String> =
                r.statuses.iter().map(|s| format!("{}={}", s.status, s.count)).collect();
            println!(
                "batch report {}: {} of {} ({})",
                r.batch_id,
                statuses.join(", "),
                r.total_message_count,
                r.client_reference.unwrap_or_default()
            );
        }
        Callback::RecipientDeliveryReport(r) => {
            println!(
                "recipient report {} {}: {} code {}",
                r.batch_id, r.recipient, r.status, r.code
            )
        }
        other => println!("callback {other:?}"),
    }
    Ok("ok")
}

async fn serve(
    verifier: Verifier,
    port: u16,
) -> std::io::Result<(String, tokio::task::JoinHandle<()>)> {
    let app = Router::new().route("/callbacks", post(receive)).with_state(Arc::new(verifier));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    let url = format!("http://{}/callbacks", listener.local_addr()?);
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((url, server))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{HELP}");
        return Ok(());
    }
    let value =
        |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let port = match value("--port") {
        Some(p) => p.parse::<u16>().map_err(|_| "--port takes a number")?,
        None => 8080,
    };
    let secret = value("--secret")
        .or_else(|| std::env::var("XMS_WEBHOOK_SECRET").ok())
        .filter(|s| !s.is_empty());
    let insecure = args.iter().any(|a| a == "--insecure-accept-unsigned");
    if let Some(unknown) = args.iter().find(|a| {
        a.starts_with("--")
            && !["--port", "--secret", "--insecure-accept-unsigned"].contains(&a.as_str())
    }) {
        eprintln!("unknown option {unknown}\n\n{HELP}");
        std::process::exit(2);
    }

    match (secret, insecure) {
        (Some(secret), _) => {
            let (url, server) = serve(Verifier::new(secret).reject_replays(), port).await?;
            println!("listening on {url} (signatures checked, replays refused)");
            server.await?;
        }
        (None, true) => {
            let (url, server) = serve(Verifier::insecure_no_verification(), port).await?;
            println!("listening on {url} WITHOUT checking signatures (--insecure-accept-unsigned)");
            server.await?;
        }
        (None, false) => demo().await?,
    }
    Ok(())
}

/// The receiver on a free port, and the simulator posting signed callbacks to it.
async fn demo() -> Result<(), Box<dyn std::error::Error>> {
    let secret = format!("demo-{}", std::process::id());
    let (url, _server) = serve(Verifier::new(&secret).reject_replays(), 0).await?;
    println!(
        "No secret given: a demo. Receiving on {url}; the XMS simulator signs with a fresh secret."
    );
    let sim = xms_simulator::Simulator::builder()
        .callback_url(&url)
        .inbound_url(&url)
        .signing_secret(&secret)
        .start();
    let client = xms::Client::builder()
        .service_plan(sim.service_plan_id(), sim.api_token())
        .endpoint(sim.url())
        .build()?;
    client
        .batches()
        .text("12345", ["+46701234567", "+46700000991"], "Hi")
        .delivery_report(xms::DeliveryReportType::PerRecipientFinal)
        .send()
        .await?;
    sim.advance(Duration::from_secs(3)).await;
    sim.inject_inbound(
        serde_json::json!({"from": "+46701234567", "to": "12345", "body": "Thanks"}),
    )
    .await?;

    // A forged callback: signed with the wrong secret.
    let body = br#"{"type":"mo_text","id":"x","from":"1","to":"2","body":"fake","received_at":"2026-01-01T00:00:00Z"}"#;
    let mut forged = reqwest::Client::new().post(&url).header("content-type", "application/json");
    for (name, value) in xms::callbacks::signature_headers("not-the-secret", body) {
        forged = forged.header(name, value);
    }
    let answer = forged.body(body.to_vec()).send().await?;
    println!("a forged callback got {} ({})", answer.status(), answer.text().await?);
    let (delivered, waiting) = sim.callback_counts();
    println!("the simulator delivered {delivered} callback(s), {waiting} waiting");
    Ok(())
}
