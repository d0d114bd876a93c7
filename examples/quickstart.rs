//! The xms quickstart: send, list, follow delivery, use a group, read an
//! inbound message.
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! With no environment set it starts the XMS simulator in this process and
//! runs against it: nothing leaves the machine. To run against the real XMS,
//! set `XMS_SERVICE_PLAN_ID`, `XMS_API_TOKEN`, `XMS_SENDER` (a number of the
//! plan), `XMS_RECIPIENTS` (two phone numbers, comma-separated, that agreed
//! to get the messages) and optionally `XMS_REGION` (us, eu, au, br, ca):
//! see `common/mod.rs`, which every example shares.

mod common;

use std::time::{Duration, Instant};

use xms::{DeliveryStatus, inbounds::Inbound};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let setup = common::connect(|b| b);
    let (client, sender, recipients, poll) =
        (&setup.client, &setup.sender, &setup.recipients, setup.poll);
    let simulator = &setup.simulator;

    // 1. A personalised batch to two recipients.
    let batch = client
        .batches()
        .text(sender, recipients, "Hi ${name}, welcome to xms!")
        .parameter("name", [(recipients[0].as_str(), "Ada")], "friend")
        .client_reference("quickstart")
        .send()
        .await?;
    println!("\n1. Sent batch {} to {} recipients.", batch.id, batch.recipients.len());

    // 2. The batches of the last 24 hours.
    let page = client.batches().list().page_size(5).page(0).await?;
    println!(
        "2. {} batch(es) in the last 24 hours; the newest: {}",
        page.count,
        page.items.first().map_or("-".into(), |b| b.id().to_string())
    );

    // 3. Wait until every message has a final status.
    let started = Instant::now();
    let report = loop {
        let report = client.delivery_reports().for_batch(&batch.id).full().send().await?;
        if report.is_complete() || started.elapsed() > Duration::from_secs(60) {
            break report;
        }
        tokio::time::sleep(poll).await;
    };
    println!("3. Delivery report after {:.1} s:", started.elapsed().as_secs_f64());
    for status in &report.statuses {
        println!(
            "     {:<10} code {:<3} {:?}",
            status.status.to_string(),
            status.code.0,
            status.recipients
        );
    }

    // 4. A group, and a batch to it.
    let group = client.groups().create().name("Quickstart").members(recipients).send().await?;
    let to_group =
        client.batches().text(sender, [group.id.clone()], "Hello, group!").send().await?;
    println!(
        "4. Created group {} ({} members) and sent batch {} to it.",
        group.id, group.size, to_group.id
    );

    // 5. An inbound message: on the simulator a phone answers now.
    if let Some(sim) = simulator {
        let reply =
            serde_json::json!({"from": recipients[0], "to": sender, "body": "Thanks, got it!"});
        sim.inject_inbound(reply).await?;
    }
    let inbounds = client.inbounds().list().page_size(1).page(0).await?;
    match inbounds.items.first() {
        Some(Inbound::Text(mo)) => {
            println!("5. Latest inbound message, from {}: {:?}", mo.sender, mo.body)
        }
        Some(other) => println!(
            "5. Latest inbound message: a {} from {}",
            other.inbound_type(),
            other.sender()
        ),
        None => println!("5. No inbound message in the last 24 hours."),
    }

    let delivered = report.count(&DeliveryStatus::Delivered);
    println!("\nDone: {delivered} of {} delivered.", report.total_message_count);
    Ok(())
}
