//! Testing your own app against the simulator: the app's code takes an
//! `xms::Client`; the test gives it one pointed at a simulator, then checks
//! what the simulator received (its outbox), drives time, injects replies and
//! faults, and checks every answer against nothing but the simulator itself.
//! In your crate this is a `#[tokio::test]`, with `xms-simulator` as a
//! dev-dependency; here it runs as an example.
//!
//! ```sh
//! cargo run --example testing_with_the_simulator
//! ```

use std::time::Duration;

use xms_simulator::{Fault, Simulator};

/// The app under test: sends an order confirmation, once, whatever happens
/// to the answer.
async fn confirm_order(
    client: &xms::Client,
    phone: &str,
    order: u32,
) -> Result<String, xms::Error> {
    let batch = client
        .batches()
        .text("Shop", [phone], format!("Order {order} is confirmed."))
        .client_reference(format!("order-{order}"))
        .send_or_find()
        .await?;
    Ok(batch.id.to_string())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = Simulator::start(); // manual clock: time moves only when told
    let client = xms::Client::builder()
        .service_plan(sim.service_plan_id(), sim.api_token())
        .endpoint(sim.url())
        .build()?;

    // 1. The message went out, rendered as expected.
    let id = confirm_order(&client, "+46701234567", 17).await?;
    let outbox = sim.outbox();
    assert_eq!(outbox[0]["body"], "Order 17 is confirmed.");
    assert_eq!(outbox[0]["batch_id"], id.as_str());
    println!("1. sent {id}: {}", outbox[0]["body"]);

    // 2. It is delivered 3 s later, in simulated time.
    sim.advance(Duration::from_secs(3)).await;
    assert_eq!(sim.outbox()[0]["status"], "Delivered");
    println!("2. delivered");

    // 3. The answer is lost after XMS processed the send: still one message.
    sim.fail_next(1, Fault { drop: true, processed: true, ..Fault::default() });
    let again = confirm_order(&client, "+46707654321", 18).await?;
    let to_18 = sim
        .outbox()
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["body"] == "Order 18 is confirmed.")
        .count();
    assert_eq!(to_18, 1);
    println!("3. answer lost, batch {again} found by its reference, sent once");

    // 4. A number ending in 991 fails: the app sees it in the report.
    confirm_order(&client, "+46700000991", 19).await?;
    sim.advance(Duration::from_secs(3)).await;
    let failed =
        sim.outbox().as_array().unwrap().iter().filter(|m| m["status"] == "Failed").count();
    assert_eq!(failed, 1);
    println!("4. a failing number fails");

    println!("All checks passed.");
    Ok(())
}
