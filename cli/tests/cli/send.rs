//! `send` and `preview`: every kind of batch and option reaches XMS as
//! asked.

use crate::support::{Desk, run};

#[test]
fn a_text_with_every_option() {
    let desk = Desk::new();
    let sent = desk.run(&[
        "send",
        "--from",
        "SHOP",
        "--to",
        "+46701234567",
        "--to",
        "46707654321",
        "--param",
        "name=+46701234567:Ann",
        "--param-default",
        "name=friend",
        "--send-at",
        "2030-01-01T10:00:00Z",
        "--expire-at",
        "2030-01-02T10:00:00Z",
        "--delivery-report",
        "per_recipient",
        "--callback-url",
        "http://127.0.0.1:9/callbacks",
        "--client-reference",
        "order-17",
        "--feedback-enabled",
        "--max-parts",
        "3",
        "--flash",
        "-o",
        "json",
        "Hi ${name}",
    ]);
    sent.code(0);
    let batch = sent.json();
    assert_eq!(batch["from"], "SHOP");
    assert_eq!(batch["to"], serde_json::json!(["46701234567", "46707654321"]));
    assert_eq!(batch["body"], "Hi ${name}");
    assert_eq!(batch["parameters"]["name"]["46701234567"], "Ann");
    assert_eq!(batch["parameters"]["name"]["default"], "friend");
    assert_eq!(batch["send_at"], "2030-01-01T10:00:00Z");
    assert_eq!(batch["expire_at"], "2030-01-02T10:00:00Z");
    assert_eq!(batch["delivery_report"], "per_recipient");
    assert_eq!(batch["callback_url"], "http://127.0.0.1:9/callbacks");
    assert_eq!(batch["client_reference"], "order-17");
    assert_eq!(batch["feedback_enabled"], true);
    assert_eq!(batch["max_number_of_message_parts"], 3);
    assert_eq!(batch["flash_message"], true);
    // Read back through `batches get`: XMS kept what was sent.
    let id = batch["id"].as_str().unwrap();
    let got = desk.run(&["batches", "get", id, "-o", "json"]);
    got.code(0);
    assert_eq!(got.json()["client_reference"], "order-17");
}

#[test]
fn text_from_stdin_and_from_a_file() {
    let desk = Desk::new();
    let piped = run(desk.xms().args(["send", "--to", "+46701234567"]), Some("Piped text\n"));
    piped.code(0);
    let file = desk.file("body.txt", "From a file\n");
    desk.run(&["send", "--to", "+46701234567", "--body-file", file.to_str().unwrap()]).code(0);
    let bodies: Vec<String> =
        desk.outbox().iter().map(|m| m["body"].as_str().unwrap().to_string()).collect();
    assert_eq!(bodies, ["Piped text", "From a file"]);
}

#[test]
fn binary_and_mms() {
    let desk = Desk::new();
    let binary = desk.run(&[
        "send",
        "--to",
        "+46701234567",
        "--udh",
        "050003cc0201",
        "--max-parts",
        "2",
        "-o",
        "json",
        "SGVsbG8=",
    ]);
    binary.code(0);
    assert_eq!(binary.json()["type"], "mt_binary");
    assert_eq!(binary.json()["udh"], "050003cc0201");
    assert_eq!(binary.json()["body"], "SGVsbG8=");
    let mms = desk.run(&[
        "send",
        "--to",
        "+46701234567",
        "--media-url",
        "https://example.com/cat.jpg",
        "--subject",
        "A cat",
        "-o",
        "json",
        "Look",
    ]);
    mms.code(0);
    let media = mms.json();
    assert_eq!(media["type"], "mt_media");
    assert_eq!(media["body"]["url"], "https://example.com/cat.jpg");
    assert_eq!(media["body"]["subject"], "A cat");
    assert_eq!(media["body"]["message"], "Look");
    // Options of one kind on another are refused before anything is sent.
    let before = desk.requests();
    desk.run(&[
        "send",
        "--to",
        "+46701234567",
        "--media-url",
        "https://e.com/a.jpg",
        "--flash",
        "x",
    ])
    .code(2);
    desk.run(&["send", "--to", "+46701234567", "--udh", "00", "--param", "a=1:b", "AA=="]).code(2);
    assert_eq!(desk.requests(), before);
}

#[test]
fn dry_run_asks_xms_and_sends_nothing() {
    let desk = Desk::new();
    let dry = desk.run(&[
        "send",
        "--dry-run",
        "--to",
        "+46701234567",
        "--to",
        "+46707654321",
        "--param",
        "name=+46701234567:Ann",
        "--param-default",
        "name=you",
        "-o",
        "json",
        "Hi ${name} \u{1F600}",
    ]);
    dry.code(0);
    let result = dry.json();
    assert_eq!(result["number_of_recipients"], 2);
    assert_eq!(result["number_of_messages"], 2);
    let bodies: Vec<&str> = result["per_recipient"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["body"].as_str().unwrap())
        .collect();
    assert!(bodies.contains(&"Hi Ann \u{1F600}"), "{bodies:?}");
    assert_eq!(result["per_recipient"][0]["encoding"], "UNICODE");
    assert!(desk.outbox().is_empty());
}

#[test]
fn preview_needs_no_network_or_credentials() {
    let desk = Desk::new();
    // No endpoint, no credentials, a config directory that does not exist.
    let preview = run(
        desk.bare().env("XMS_CONFIG_DIR", desk.dir.join("missing")).args([
            "preview",
            "-o",
            "json",
            "Caf\u{e9} \u{2013} ok ${name}",
        ]),
        None,
    );
    preview.code(0);
    let cost = preview.json();
    assert_eq!(cost["encoding"], "UCS-2");
    assert_eq!(cost["ucs2_characters"], serde_json::json!(["\u{2013} (U+2013)"]));
    assert_eq!(cost["placeholders"], serde_json::json!(["name"]));
    assert_eq!(cost["parts"], 1);
    assert_eq!(cost["units"], 17);
    assert_eq!(cost["room_left"], 70 - 17);
    let long = run(desk.bare().args(["preview", "-o", "json", &"x".repeat(161)]), None);
    assert_eq!(
        (long.json()["parts"].as_u64(), long.json()["per_part"].as_u64()),
        (Some(2), Some(153))
    );
    // From stdin.
    let piped = run(desk.bare().args(["preview", "-o", "json", "-"]), Some("{}"));
    assert_eq!(piped.json()["units"], 4);
    assert!(!desk.dir.join("missing").exists());
}

#[test]
fn many_recipients_to_a_real_endpoint_need_yes() {
    let desk = Desk::new();
    let mut args = vec!["--endpoint", "https://sms.api.sinch.com", "send"];
    let numbers: Vec<String> = (0..11).map(|i| format!("+467012345{i:02}")).collect();
    for number in &numbers {
        args.extend(["--to", number.as_str()]);
    }
    args.push("Hello all");
    // No terminal, no --yes: refused before any request (the endpoint is
    // never contacted).
    let refused = desk.run(&args);
    refused.code(7);
    assert!(refused.stderr.contains("add --yes"), "{}", refused.stderr);
    let file = desk.file("few.csv", "to\n+46701234567\n");
    let refused = desk.run(&[
        "--endpoint",
        "https://sms.api.sinch.com",
        "send",
        "--to-file",
        file.to_str().unwrap(),
        "Hi",
    ]);
    refused.code(7);
    // To the local simulator, no confirmation is needed.
    let mut local = args.clone();
    local.drain(..2);
    desk.run(&local).code(0);
    assert_eq!(desk.outbox().len(), 11);
}
