//! Send a personalised batch later: `${name}` filled in per recipient, a
//! preview of what each recipient gets and what it costs, a schedule that is
//! changed before it goes, and the wait until it is dispatched.
//!
//! ```sh
//! cargo run --example scheduled_and_parameterized
//! ```
//!
//! On the simulator unless the real XMS is configured (see `common/mod.rs`).

mod common;

use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};

#[tokio::main]
async fn main() -> Result<(), xms::Error> {
    let setup = common::connect(|b| b);
    let (client, sender, recipients) = (&setup.client, &setup.sender, &setup.recipients);

    let batch = client
        .batches()
        .text(sender, recipients, "Hi ${name}, your table is booked for ${time}.")
        .parameter("name", [(recipients[0].as_str(), "Ada")], "there")
        .parameter("time", Vec::<(String, String)>::new(), "19:30");

    // Offline, before anything is sent: each message and its parts.
    let preview = batch.preview()?;
    for r in &preview.recipients {
        println!("{} gets {:?} ({} part(s), {:?})", r.recipient, r.body, r.parts, r.charset);
    }
    println!("{} part(s) in all.", preview.total_parts);

    // Send it in ten minutes' time (simulated time runs faster).
    let batch = batch.send_at(Utc::now() + TimeDelta::minutes(10)).send().await?;
    println!("Scheduled batch {} for {:?}.", batch.id, batch.send_at);

    // Changed before it goes: one minute from now instead.
    let updated = client
        .batches()
        .update_text(&batch.id)
        .send_at(Utc::now() + TimeDelta::minutes(1))
        .send()
        .await?;
    println!("Moved to {:?}.", updated.send_at);

    // Wait until XMS dispatches it.
    let started = Instant::now();
    loop {
        let report = client.delivery_reports().for_batch(&batch.id).send().await?;
        let waiting = report.statuses.iter().all(|s| s.status.to_string() == "Queued");
        if !report.statuses.is_empty() && !waiting {
            println!(
                "Dispatched after {:.1} s: {:?}",
                started.elapsed().as_secs_f64(),
                report.statuses
            );
            break;
        }
        if started.elapsed() > Duration::from_secs(120) {
            println!("Not dispatched yet; see the batch later.");
            break;
        }
        tokio::time::sleep(setup.poll).await;
    }
    Ok(())
}
