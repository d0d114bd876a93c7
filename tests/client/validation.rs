//! Arguments the API would refuse fail before anything is sent, naming the
//! field and the rule.

use chrono::{TimeDelta, Utc};
use xms::{Error, groups::AutoUpdate};

use crate::support::Server;

/// Assert `result` is an InvalidRequest on `field` whose rule mentions
/// `words`.
fn refused<T: std::fmt::Debug>(result: xms::Result<T>, field: &str, words: &str) {
    match result {
        Err(Error::InvalidRequest { field: f, rule, .. }) => {
            assert_eq!(f, field, "field (rule: {rule})");
            assert!(rule.contains(words), "{field}: rule {rule:?} should mention {words:?}");
        }
        other => panic!("{field}: expected InvalidRequest, got {other:?}"),
    }
}

#[tokio::test]
async fn batch_rules() {
    let server = Server::start().await;
    server.respond(201, serde_json::json!({})).await;
    let b = server.client().batches();
    let now = Utc::now();

    refused(b.text("1", Vec::<String>::new(), "x").send().await, "recipients", "1 to 1000");
    refused(
        b.text("1", (0..1001).map(|i| i.to_string()), "x").send().await,
        "recipients",
        "1 to 1000",
    );
    refused(b.text("1", ["2", " "], "x").send().await, "recipients[1]", "empty");
    refused(b.text("", ["2"], "x").send().await, "sender", "empty");
    refused(b.text("1", ["2"], "é".repeat(2001)).send().await, "body", "2000 characters");
    refused(b.binary("1", ["2"], "not base64!", "00").send().await, "body", "base64");
    refused(b.binary("1", ["2"], "AAAA", "0g").send().await, "udh", "hex");
    refused(b.binary("1", ["2"], "AAAA", "000").send().await, "udh", "pairs");
    refused(
        b.binary_bytes("1", ["2"], &[0; 135], &[5, 0, 3, 1, 2, 1]).send().await,
        "body",
        "140 bytes",
    );
    refused(
        b.text("1", ["2"], "x")
            .send_at(now + TimeDelta::hours(2))
            .expire_at(now + TimeDelta::hours(1))
            .send()
            .await,
        "expire_at",
        "after send_at",
    );
    refused(
        b.text("1", ["2"], "x").send_at(now).expire_at(now + TimeDelta::days(4)).send().await,
        "expire_at",
        "3 days",
    );
    refused(
        b.text("1", ["2"], "x").expire_at(now + TimeDelta::days(4)).send().await,
        "expire_at",
        "3 days",
    );
    refused(b.text("1", ["2"], "x").callback_url("not a url").send().await, "callback_url", "http");
    refused(
        b.text("1", ["2"], "x")
            .callback_url(format!("https://e.com/{}", "a".repeat(2048)))
            .send()
            .await,
        "callback_url",
        "2048",
    );
    refused(
        b.text("1", ["2"], "x").client_reference("r".repeat(2049)).send().await,
        "client_reference",
        "2048",
    );
    refused(
        b.text("1", ["2"], "x").max_number_of_message_parts(0).send().await,
        "max_number_of_message_parts",
        "between 1",
    );
    refused(b.text("1", ["2"], "x").from_ton(7).send().await, "from_ton", "between 0 and 6");
    refused(b.text("1", ["2"], "x").from_npi(19).send().await, "from_npi", "between 0 and 18");
    refused(
        b.text("1", ["2"], "x").parameter("bad key!", [("2", "v")], "d").send().await,
        "parameters[\"bad key!\"]",
        "key",
    );
    refused(
        b.text("1", ["2"], "x").parameter("k", [("2", "v".repeat(161))], "d").send().await,
        "parameters[\"k\"][\"2\"]",
        "160",
    );
    refused(b.media("1", ["2"], "").send().await, "body.url", "empty");
    refused(
        b.text("1", ["2"], "x").dry_run().number_of_recipients(1001).send().await,
        "number_of_recipients",
        "1000",
    );
    refused(b.get("").await, "batch_id", "empty");
    refused(b.cancel("  ").await, "batch_id", "empty");
    refused(
        b.update_text("b1").add_recipients((0..101).map(|i| i.to_string())).send().await,
        "add_recipients",
        "at most 100",
    );
    refused(b.update_text("").send().await, "batch_id", "empty");
    refused(b.text("1", ["2"], "x").replace("").await, "batch_id", "empty");
    refused(b.tags("").get().await, "batch_id", "empty");

    assert!(server.requests().is_empty(), "nothing may be sent: {:?}", server.requests());
}

#[tokio::test]
async fn group_and_report_rules() {
    let server = Server::start().await;
    server.respond(201, serde_json::json!({})).await;
    let client = server.client();
    let g = client.groups();

    refused(g.create().name("n".repeat(21)).send().await, "name", "20 characters");
    refused(
        g.create().members((0..10_001).map(|i| i.to_string())).send().await,
        "members",
        "10000",
    );
    refused(
        g.create().child_groups((0..11).map(|i| i.to_string())).send().await,
        "child_groups",
        "10",
    );
    refused(
        g.create().auto_update(AutoUpdate::new("12345").add_keyword("two words")).send().await,
        "auto_update.add.first_word",
        "one word",
    );
    refused(
        g.create().auto_update(AutoUpdate::new("12345").add_keyword("k".repeat(16))).send().await,
        "auto_update.add.first_word",
        "15",
    );
    refused(g.update("g1").name("n".repeat(21)).send().await, "name", "20");
    refused(g.update("g1").add_from_group("").send().await, "add_from_group", "empty");
    refused(g.get("").await, "group_id", "empty");
    refused(g.delete("").await, "group_id", "empty");
    refused(g.members("").await, "group_id", "empty");
    refused(g.replace("", ["1"]).send().await, "group_id", "empty");
    refused(client.inbounds().get("").await, "inbound_id", "empty");
    refused(client.delivery_reports().for_recipient("b1", "").send().await, "recipient", "empty");
    refused(
        client.delivery_reports().list().page_size(101).page(0).await,
        "page_size",
        "between 1 and 100",
    );
    let now = Utc::now();
    refused(
        client.delivery_reports().list().start_date(now).end_date(now).page(0).await,
        "end_date",
        "after start_date",
    );

    assert!(server.requests().is_empty(), "nothing may be sent: {:?}", server.requests());
}
