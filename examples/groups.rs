//! Manage groups: create one with members, add and remove members, nest a
//! group, list them, send to a group (XMS expands it at dispatch), and
//! delete them again.
//!
//! ```sh
//! cargo run --example groups
//! ```
//!
//! On the simulator unless the real XMS is configured (see `common/mod.rs`).

mod common;

#[tokio::main]
async fn main() -> Result<(), xms::Error> {
    let setup = common::connect(|b| b);
    let (client, recipients) = (&setup.client, &setup.recipients);

    let vip = client.groups().create().name("VIP").members(&recipients[..1]).send().await?;
    let all = client
        .groups()
        .create()
        .name("Everyone")
        .members(&recipients[1..])
        .child_groups([vip.id.clone()])
        .send()
        .await?;
    println!("Created {} ({} member) and {} (with {} nested).", vip.id, vip.size, all.id, vip.id);

    let changed = client.groups().update(&vip.id).add_members(["+46700000042"]).send().await?;
    println!("VIP now has {} members.", changed.size);
    let changed = client.groups().update(&vip.id).remove_members(["+46700000042"]).send().await?;
    println!("And {} again.", changed.size);

    // Members of nested groups count as members.
    let members = client.groups().members(&all.id).await?;
    println!("Everyone, expanded: {members:?}");

    let groups: Vec<_> = client.groups().list().items().try_collect().await?;
    println!("{} group(s) on the plan.", groups.len());

    let batch =
        client.batches().text(&setup.sender, [all.id.clone()], "Hello, everyone!").send().await?;
    println!("Sent batch {} to the group {}.", batch.id, all.id);

    client.groups().delete(&all.id).await?;
    client.groups().delete(&vip.id).await?;
    println!("Deleted both groups.");
    Ok(())
}
