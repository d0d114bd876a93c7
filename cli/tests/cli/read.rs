//! Reading and following: batches, reports, watch, inbound messages,
//! groups, tags and the `api` escape hatch.

use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{Desk, block_on, finish, wait_until};

fn send(desk: &Desk, extra: &[&str]) -> String {
    let mut args = vec!["send", "-o", "json"];
    args.extend(extra);
    let sent = desk.run(&args);
    sent.code(0);
    sent.json()["id"].as_str().unwrap().to_string()
}

#[test]
fn batches_list_get_cancel_update_replace_feedback() {
    let desk = Desk::new();
    let first = send(&desk, &["--to", "+46701234567", "--client-reference", "a", "One"]);
    let later =
        send(&desk, &["--to", "+46701234567", "--send-at", "2099-01-01T00:00:00Z", "Later"]);
    let third = send(&desk, &["--to", "+46701234567", "--feedback-enabled", "Three"]);

    let list = desk.run(&["batches", "list", "-o", "json"]);
    list.code(0);
    let listed = list.json();
    let ids: Vec<&str> =
        listed.as_array().unwrap().iter().map(|b| b["id"].as_str().unwrap()).collect();
    assert_eq!(ids, [third.as_str(), later.as_str(), first.as_str()], "newest first");
    assert_eq!(listed[2]["client_reference"], "a");
    // --limit stops reading early; --client-reference filters.
    let limited = desk.run(&["batches", "list", "--limit", "2", "-o", "jsonl"]);
    assert_eq!(limited.stdout.lines().count(), 2);
    let by_reference = desk.run(&["batches", "list", "--client-reference", "a", "-o", "json"]);
    assert_eq!(by_reference.json().as_array().unwrap().len(), 1);
    // CSV for spreadsheets, a table for people.
    let csv = desk.run(&["batches", "list", "-o", "csv"]);
    assert!(csv.stdout.starts_with("id,type,from,to,created,canceled,body\n"), "{}", csv.stdout);
    assert_eq!(csv.stdout.lines().count(), 4);
    let table = desk.run(&["batches", "list", "-o", "table"]);
    assert!(table.stdout.contains("ID") && table.stdout.contains(&first), "{}", table.stdout);

    let updated = desk.run(&[
        "batches",
        "update",
        &later,
        "--add",
        "+46707654321",
        "--body",
        "Changed",
        "-o",
        "json",
    ]);
    updated.code(0);
    assert_eq!(updated.json()["body"], "Changed");
    assert_eq!(updated.json()["to"], json!(["46701234567", "46707654321"]));
    let replaced = desk.run(&[
        "batches",
        "replace",
        &later,
        "--to",
        "+46700000001",
        "--send-at",
        "2099-01-01T00:00:00Z",
        "-o",
        "json",
        "Replaced",
    ]);
    replaced.code(0);
    assert_eq!(replaced.json()["id"], later.as_str());
    assert_eq!(replaced.json()["body"], "Replaced");
    let canceled = desk.run(&["batches", "cancel", &later, "-o", "json"]);
    canceled.code(0);
    assert_eq!(canceled.json()["canceled"], true);
    // Changing a dispatched batch is refused by XMS: exit 1 with its code.
    let refused = desk.run(&["batches", "update", &first, "--body", "Too late"]);
    refused.code(1);
    assert!(refused.stderr.contains("batch_already_dispatched"), "{}", refused.stderr);

    desk.run(&["batches", "feedback", &third, "--recipient", "+46701234567"]).code(0);
    let missing = desk.run(&["batches", "get", "01ZZZZZZZZZZZZZZZZZZZZZZZZ"]);
    missing.code(8);
}

#[test]
fn reports_and_watch() {
    let desk = Desk::fast(20.0);
    let id = send(
        &desk,
        &["--to", "+46701234567", "--to", "+46701234991", "--to", "+46701234992", "Hi"],
    );
    // Watch until every recipient is final: two failed, so exit 6.
    let watch = desk.run(&["watch", &id, "--interval", "100ms", "--timeout", "60s", "-o", "json"]);
    watch.code(6);
    let states = watch.json();
    assert_eq!(states[0]["done"], true);
    assert_eq!(states[0]["failed"], 2);
    assert!(watch.stderr.contains("2 of 3 message(s) were not delivered"), "{}", watch.stderr);
    // Progress lines on stderr as the counts change.
    assert!(watch.stderr.contains("(final)"), "{}", watch.stderr);

    let report = desk.run(&["reports", "get", &id, "--full", "-o", "json"]);
    report.code(0);
    let report = report.json();
    assert_eq!(report["total_message_count"], 3);
    let failed: Vec<&Value> =
        report["statuses"].as_array().unwrap().iter().filter(|s| s["status"] == "Failed").collect();
    assert_eq!(failed[0]["recipients"], json!(["46701234991"]));
    let only = desk.run(&["reports", "get", &id, "--status", "Delivered", "-o", "json"]);
    assert_eq!(only.json()["statuses"].as_array().unwrap().len(), 1);
    let one = desk.run(&["reports", "recipient", &id, "+46701234992", "-o", "json"]);
    one.code(0);
    assert_eq!(one.json()["status"], "Rejected");
    let list = desk.run(&["reports", "list", "--status", "Failed", "-o", "json"]);
    list.code(0);
    assert_eq!(list.json()[0]["recipient"], "46701234991");

    // A batch that all arrives exits 0; one that never ends times out (3).
    let fine = send(&desk, &["--to", "+46701234567", "Fine"]);
    desk.run(&["watch", &fine, "--interval", "100ms", "--timeout", "60s"]).code(0);
    let stuck = send(&desk, &["--to", "+46701234994", "Stuck"]);
    let timed_out = desk.run(&["watch", &stuck, "--interval", "100ms", "--timeout", "1s"]);
    timed_out.code(3);
    assert!(timed_out.stderr.contains("not final yet"), "{}", timed_out.stderr);
}

#[test]
fn inbounds_list_get_and_tail() {
    let desk = Desk::new();
    let inbound = |body: &str| {
        block_on(
            desk.sim.inject_inbound(json!({"from": "46709999999", "to": "12345", "body": body})),
        )
        .unwrap()
    };
    let old = inbound("Already here");
    let list = desk.run(&["inbounds", "list", "-o", "json"]);
    list.code(0);
    assert_eq!(list.json()[0]["body"], "Already here");
    let id = old["id"].as_str().unwrap();
    let got = desk.run(&["inbounds", "get", id, "-o", "json"]);
    assert_eq!(got.json()["from"], "46709999999");

    // tail prints what arrives after it starts, one JSON a line, oldest
    // first, and stops after --max.
    let listings = || desk.sim.answers().iter().filter(|a| a.route.ends_with("/inbounds")).count();
    let before = listings();
    let tail = desk
        .xms()
        .args(["inbounds", "tail", "--interval", "100ms", "--max", "2", "--timeout", "60s"])
        .spawn()
        .unwrap();
    // Give it time to read what is already there.
    wait_until(Duration::from_secs(30), "tail's first look", || listings() > before);
    inbound("First new");
    inbound("Second new");
    let tailed = finish(tail);
    tailed.code(0);
    let bodies: Vec<String> = tailed
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["body"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(bodies, ["First new", "Second new"]);
}

#[test]
fn groups_and_tags() {
    let desk = Desk::new();
    let created = desk.run(&[
        "groups",
        "create",
        "--name",
        "friends",
        "--member",
        "+46701234567",
        "--member",
        "+46707654321",
        "-o",
        "json",
    ]);
    created.code(0);
    let id = created.json()["id"].as_str().unwrap().to_string();
    assert_eq!(created.json()["size"], 2);
    let list = desk.run(&["groups", "list", "-o", "json"]);
    assert_eq!(list.json()[0]["name"], "friends");
    let updated = desk.run(&[
        "groups",
        "update",
        &id,
        "--add",
        "+46700000001",
        "--remove",
        "+46707654321",
        "-o",
        "json",
    ]);
    updated.code(0);
    assert_eq!(updated.json()["size"], 2);
    let members = desk.run(&["groups", "members", &id, "-o", "json"]);
    let mut numbers: Vec<String> = serde_json::from_value(members.json()).unwrap();
    numbers.sort();
    assert_eq!(numbers, ["46700000001", "46701234567"]);
    let replaced = desk.run(&[
        "groups",
        "replace",
        &id,
        "--member",
        "+46701111111",
        "--name",
        "few",
        "-o",
        "json",
    ]);
    assert_eq!(replaced.json()["size"], 1);
    assert_eq!(desk.run(&["groups", "get", &id, "-o", "json"]).json()["name"], "few");

    // A send to the group reaches its members.
    send(&desk, &["--to", &id, "To the group"]);
    assert_eq!(desk.outbox().last().unwrap()["to"], "46701111111");

    let tags = desk.run(&["tags", "replace", "--group", &id, "vip", "spring", "-o", "json"]);
    tags.code(0);
    let tags = desk.run(&[
        "tags", "update", "--group", &id, "--add", "new", "--remove", "spring", "-o", "json",
    ]);
    let mut now: Vec<String> = serde_json::from_value(tags.json()).unwrap();
    now.sort();
    assert_eq!(now, ["new", "vip"]);
    let batch = send(&desk, &["--to", "+46701234567", "Tagged"]);
    desk.run(&["tags", "replace", "--batch", &batch, "promo"]).code(0);
    assert_eq!(
        desk.run(&["tags", "get", "--batch", &batch, "-o", "json"]).json(),
        json!(["promo"])
    );

    desk.run(&["groups", "delete", &id]).code(0);
    desk.run(&["groups", "get", &id]).code(8);
}

#[test]
fn api_like_gh_api() {
    let desk = Desk::new();
    let created = desk.run(&[
        "api",
        "POST",
        "/batches",
        "-f",
        "from=12345",
        "-F",
        r#"to=["46701234567"]"#,
        "-f",
        "body=Raw",
    ]);
    created.code(0);
    let id = created.json()["id"].as_str().unwrap().to_string();
    let body = desk
        .file("body.json", r#"{"from": "12345", "to": ["46707654321"], "body": "From a file"}"#);
    desk.run(&["api", "POST", "/batches", "--input", body.to_str().unwrap()]).code(0);
    let got = desk.run(&["api", "GET", &format!("/batches/{id}")]);
    assert_eq!(got.json()["body"], "Raw");
    // -f on a GET is a query parameter.
    let page = desk.run(&["api", "GET", "/batches", "-f", "page_size=1"]);
    assert_eq!(page.json()["page_size"], 1);
    for i in 0..5 {
        send(&desk, &["--to", "+46701234567", &format!("Batch {i}")]);
    }
    let all = desk.run(&["api", "GET", "/batches", "-q", "page_size=2", "--paginate"]);
    all.code(0);
    assert_eq!(all.json().as_array().unwrap().len(), 7);
    let lines =
        desk.run(&["api", "GET", "/batches", "-q", "page_size=3", "--paginate", "-o", "jsonl"]);
    assert_eq!(lines.stdout.lines().count(), 7);
    // The API's errors keep their codes; a path out of the API is refused.
    desk.run(&["api", "GET", "/batches/NOPE"]).code(8);
    let outside = desk.run(&["api", "GET", "/../../etc"]);
    outside.code(2);
}
