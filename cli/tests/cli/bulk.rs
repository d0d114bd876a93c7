//! `send --to-file`: a CSV of any size, with parameters, paced, and
//! resumable by run id after the process is killed.

use std::{collections::BTreeMap, fmt::Write as _, time::Duration};

use crate::support::{Desk, finish, wait_until};

const ROWS: usize = 5_000;

fn number(i: usize) -> String {
    format!("4670{i:07}")
}

#[test]
fn killed_part_way_and_run_again_sends_each_recipient_once() {
    let desk = Desk::new();
    let mut csv = String::from("to,name,code\n");
    for i in 0..ROWS {
        writeln!(csv, "+{},Name {i},{}", number(i), i * 7).unwrap();
    }
    let file = desk.file("customers.csv", &csv);
    let args = [
        "send",
        "--to-file",
        file.to_str().unwrap(),
        "--run-id",
        "spring-sale",
        "--chunk-size",
        "100",
        // 1,000 parts a second: five seconds for the whole file, time enough
        // to stop it part-way.
        "--rate",
        "1000",
        "Hi ${name}, your code is ${code}",
    ];
    let child = desk.xms().args(args).spawn().unwrap();
    wait_until(Duration::from_secs(60), "a first part of the send", || {
        desk.outbox().len() >= 1_000
    });
    let mut child = child;
    child.kill().unwrap();
    let killed = finish(child);
    assert_ne!(killed.code, 0);
    let part = desk.outbox().len();
    assert!(part < ROWS, "the send was not stopped part-way ({part} sent)");

    // The same command again: only what is missing is sent.
    let rerun = finish(desk.xms().args(args).args(["-o", "json"]).spawn().unwrap());
    rerun.code(0);
    let summary = rerun.json();
    assert_eq!(summary["run_id"], "spring-sale");
    assert_eq!(summary["accepted"], ROWS as u64);
    assert_eq!(summary["failed"], 0);
    assert!(summary["found"].as_u64().unwrap() >= (part / 100) as u64, "{summary}");

    let outbox = desk.outbox();
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    for message in &outbox {
        let to = message["to"].as_str().unwrap().to_string();
        let body = message["body"].as_str().unwrap().to_string();
        assert!(seen.insert(to.clone(), body).is_none(), "{to} got the message twice");
    }
    assert_eq!(seen.len(), ROWS, "every recipient exactly once");
    for i in [0, 1, 2_499, ROWS - 1] {
        assert_eq!(seen[&number(i)], format!("Hi Name {i}, your code is {}", i * 7));
    }
    eprintln!(
        "killed after {part} of {ROWS}; the rerun found {} chunks and sent {} more",
        summary["found"],
        ROWS - part
    );
}

#[test]
fn a_file_of_bare_numbers_and_a_named_column() {
    let desk = Desk::new();
    let bare = desk.file("numbers.txt", "+46701234567\n46707654321\n\n+46700000001\n");
    let sent = desk.run(&["send", "--to-file", bare.to_str().unwrap(), "-o", "json", "Hello"]);
    sent.code(0);
    assert_eq!(sent.json()["accepted"], 3);
    let named = desk.file("named.csv", "phone,first\n+46701111111,Bo\n+46702222222,\n");
    let sent = desk.run(&[
        "send",
        "--to-file",
        named.to_str().unwrap(),
        "--to-column",
        "phone",
        "--param-default",
        "first=there",
        "-o",
        "jsonl",
        "Hello ${first}",
    ]);
    sent.code(0);
    // One line per chunk with -o jsonl.
    let line: serde_json::Value =
        serde_json::from_str(sent.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(line["recipients"], 2);
    let bodies: Vec<String> = desk
        .outbox()
        .iter()
        .filter(|m| m["to"] == "46701111111" || m["to"] == "46702222222")
        .map(|m| m["body"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(bodies, ["Hello Bo", "Hello there"]);
    // Without a run id, one is made and shown for a rerun.
    assert!(sent.stderr.contains("--run-id"), "{}", sent.stderr);
}
