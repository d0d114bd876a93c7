//! A bulk send with a progress bar: any number of recipients, read lazily,
//! sent in chunks of 1000 at the plan's pace, each recipient with its own
//! parameter value, and a run id so that running it again after a crash
//! sends only what is missing.
//!
//! ```sh
//! cargo run --example bulk_send                     # 10,000 made-up numbers, on the simulator
//! cargo run --example bulk_send -- numbers.txt      # one number per line (real XMS only with it)
//! ```
//!
//! On the simulator unless the real XMS is configured (see `common/mod.rs`);
//! against the real XMS it needs a file of numbers that agreed to get the
//! message, and sends to each of them.

mod common;

use std::io::BufRead;

use futures_util::StreamExt;
use indicatif::{ProgressBar, ProgressStyle};
use xms::{RateLimit, batches::BulkRecipient};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let file = std::env::args().nth(1);
    // Pace the client below the plan's throughput (here 2,000 parts a second).
    let setup = common::connect(|b| b.rate_limit(RateLimit::new().messages_per_second(2000.0)));
    let (recipients, total): (Box<dyn Iterator<Item = BulkRecipient> + Send>, u64) = match &file {
        Some(path) => {
            let count = std::io::BufReader::new(std::fs::File::open(path)?).lines().count() as u64;
            let lines = std::io::BufReader::new(std::fs::File::open(path)?).lines();
            let numbers = lines.map_while(Result::ok).filter(|l| !l.trim().is_empty());
            (Box::new(numbers.map(|n| BulkRecipient::new(n.trim()))), count)
        }
        None if setup.simulator.is_none() => {
            eprintln!("Against the real XMS give a file of numbers that agreed to the message.");
            std::process::exit(2);
        }
        None => {
            let made_up = (0..10_000u32)
                .map(|i| BulkRecipient::new(format!("+4670{i:07}")).value("n", i.to_string()));
            (Box::new(made_up), 10_000)
        }
    };

    let bar = ProgressBar::new(total).with_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} recipients accepted ({per_sec}) {msg}")
            .expect("a valid template"),
    );
    let mut outcomes = setup
        .client
        .batches()
        .text(&setup.sender, Vec::<String>::new(), "Hello, subscriber ${n}!")
        .parameter("n", Vec::<(String, String)>::new(), "friend")
        .bulk(recipients)
        .total(total)
        .run_id("example-newsletter-1")
        .stream();
    let mut failed = Vec::new();
    while let Some(chunk) = outcomes.next().await {
        bar.set_position(chunk.progress.accepted);
        match &chunk.result {
            Ok(_) if chunk.found => {
                bar.set_message(format!("chunk {} was sent before", chunk.index))
            }
            Ok(_) => {}
            Err(e) => failed.push((chunk.index, e.to_string())),
        }
    }
    bar.finish();
    for (index, error) in &failed {
        println!("chunk {index} failed: {error}");
    }
    if let Some(sim) = &setup.simulator {
        println!(
            "The simulator's outbox holds {} messages.",
            sim.outbox().as_array().map_or(0, Vec::len)
        );
    }
    Ok(())
}
