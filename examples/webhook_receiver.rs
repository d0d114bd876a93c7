//! A small callback receiver: verifies and parses what XMS posts, and prints
//! one line per callback.
//!
//! ```sh
//! XMS_WEBHOOK_SECRET=... cargo run --example webhook_receiver -- --port 8080
//! ```
//!
//! Without `XMS_WEBHOOK_SECRET` it accepts unsigned callbacks (signing is
//! only on when the account manager enabled it). It listens on 127.0.0.1;
//! `--port 0` picks a free port. The first line it prints is the URL.

use std::sync::Arc;

use axum::{
    Router,
    body::Bytes,
    extract::State,
    http::{HeaderMap, StatusCode},
    routing::post,
};
use xms::callbacks::{self, Callback, Verifier};

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let port = std::env::args()
        .skip_while(|a| a != "--port")
        .nth(1)
        .map(|p| p.parse::<u16>().expect("--port takes a number"))
        .unwrap_or(8080);
    let verifier =
        std::env::var("XMS_WEBHOOK_SECRET").ok().filter(|s| !s.is_empty()).map(Verifier::new);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    println!(
        "listening on http://{}/callbacks (signatures {})",
        listener.local_addr()?,
        if verifier.is_some() { "checked" } else { "not checked" }
    );
    let app = Router::new()
        .route("/callbacks", post(receive))
        .with_state(Arc::new(verifier.map(Verifier::reject_replays)));
    axum::serve(listener, app).await
}

async fn receive(
    State(verifier): State<Arc<Option<Verifier>>>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    if let Some(verifier) = verifier.as_ref()
        && let Err(e) = verifier.verify(&headers, &body)
    {
        println!("refused: {e}");
        return StatusCode::UNAUTHORIZED;
    }
    match callbacks::parse(&body) {
        Ok(Callback::Inbound(mo)) => {
            println!("inbound {} from {} to {}: {:?}", mo.id(), mo.sender(), mo.recipient(), mo)
        }
        Ok(Callback::BatchDeliveryReport(r)) => {
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
        Ok(Callback::RecipientDeliveryReport(r)) => {
            println!(
                "recipient report {} {}: {} code {}",
                r.batch_id, r.recipient, r.status, r.code
            )
        }
        Ok(other) => println!("callback {other:?}"),
        Err(e) => {
            println!("unreadable: {e}");
            return StatusCode::BAD_REQUEST;
        }
    }
    StatusCode::OK
}
