//! The blocking client: the same handlers and builders, without `async`,
//! from a plain `fn main` (no runtime of yours).
//!
//! ```sh
//! cargo run --example blocking_client
//! ```
//!
//! On the simulator unless the real XMS is configured (see `common/mod.rs`).

mod common;

use std::time::{Duration, Instant};

fn main() -> Result<(), xms::Error> {
    let setup = common::connect(|b| b);
    let client = xms::blocking::Client::from(setup.client.clone());

    let batch =
        client.batches().text(&setup.sender, &setup.recipients, "Hello, blocking world").send()?;
    println!("Sent {}.", batch.id);

    let started = Instant::now();
    let report = loop {
        let report = client.delivery_reports().for_batch(&batch.id).send()?;
        if report.is_complete() || started.elapsed() > Duration::from_secs(120) {
            break report;
        }
        std::thread::sleep(setup.poll);
    };
    println!(
        "{} of {} delivered.",
        report.count(&xms::DeliveryStatus::Delivered),
        report.total_message_count
    );

    // Listings are plain iterators here.
    for batch in client.batches().list().page_size(10).items().take(3) {
        let batch = batch?;
        println!("  batch {} to {:?}", batch.id(), batch.recipients());
    }
    match client.batches().get("01AAAAAAAAAAAAAAAAAAAAAAAA") {
        Err(xms::Error::NotFound { .. }) => println!("No such batch, as expected."),
        other => println!("{other:?}"),
    }
    Ok(())
}
