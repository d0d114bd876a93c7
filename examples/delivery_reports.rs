//! Follow delivery: send a batch, poll its report until every message is
//! final, ask about one recipient, and read the recipient reports of the
//! last day as a stream, filtered by status.
//!
//! ```sh
//! cargo run --example delivery_reports
//! ```
//!
//! On the simulator unless the real XMS is configured (see `common/mod.rs`).
//! On the simulator, a number ending in 991 fails and one in 992 is rejected.

mod common;

use std::time::{Duration, Instant};

use xms::DeliveryStatus;

#[tokio::main]
async fn main() -> Result<(), xms::Error> {
    let setup = common::connect(|b| b);
    let mut recipients = setup.recipients.clone();
    if setup.simulator.is_some() {
        recipients.push("+46700000991".into());
    }
    let client = &setup.client;
    let batch = client
        .batches()
        .text(&setup.sender, &recipients, "Your parcel is on its way.")
        .client_reference("parcel-4711")
        .send()
        .await?;
    println!("Sent batch {} to {} recipients.", batch.id, recipients.len());

    let started = Instant::now();
    let report = loop {
        let report = client.delivery_reports().for_batch(&batch.id).full().send().await?;
        if report.is_complete() || started.elapsed() > Duration::from_secs(120) {
            break report;
        }
        tokio::time::sleep(setup.poll).await;
    };
    println!("After {:.1} s:", started.elapsed().as_secs_f64());
    for s in &report.statuses {
        println!("  {:<10} (code {:>3}): {:?}", s.status.to_string(), s.code.0, s.recipients);
    }

    let one = client.delivery_reports().for_recipient(&batch.id, &recipients[0]).send().await?;
    println!(
        "{}: {} at {} ({:?} parts)",
        one.recipient, one.status, one.at, one.number_of_message_parts
    );

    // Every failed message of the last 24 hours, page after page.
    let failed: Vec<_> = client
        .delivery_reports()
        .list()
        .statuses([DeliveryStatus::Failed, DeliveryStatus::Rejected])
        .items()
        .try_collect()
        .await?;
    println!("{} failed or rejected message(s) in the last 24 hours.", failed.len());
    for r in failed.iter().take(5) {
        println!("  {} in batch {}: {} ({})", r.recipient, r.batch_id, r.status, r.code.0);
    }
    Ok(())
}
