//! Read inbound messages (what phones sent to the plan's numbers): the
//! newest as a stream, filtered by the number they were sent to, and one by
//! its id.
//!
//! ```sh
//! cargo run --example inbounds
//! ```
//!
//! On the simulator unless the real XMS is configured (see `common/mod.rs`);
//! on the simulator, two phones answer first.

mod common;

use xms::inbounds::Inbound;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let setup = common::connect(|b| b);
    if let Some(sim) = &setup.simulator {
        for (from, body) in [(&setup.recipients[0], "YES please"), (&setup.recipients[1], "STOP")] {
            let message = serde_json::json!({"from": from, "to": setup.sender, "body": body});
            sim.inject_inbound(message).await?;
        }
    }
    let client = &setup.client;
    let inbounds: Vec<Inbound> =
        client.inbounds().list().recipients([setup.sender.as_str()]).items().try_collect().await?;
    println!("{} inbound message(s) to {} in the last 24 hours.", inbounds.len(), setup.sender);
    for inbound in &inbounds {
        match inbound {
            Inbound::Text(text) => println!("  {} from {}: {:?}", text.id, text.sender, text.body),
            other => println!("  a {} from {}", other.inbound_type(), other.sender()),
        }
    }
    if let Some(first) = inbounds.first() {
        let again = client.inbounds().get(first.id()).await?;
        println!("Fetched {} again, received at {:?}.", again.id(), again.received_at());
    }
    Ok(())
}
