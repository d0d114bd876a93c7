//! Bad input: a message naming the argument or the row and how to fix it,
//! exit 2, and nothing sent.

use crate::support::{Desk, run};

/// Run `args`, expect exit 2 with `message` on stderr and no request made.
#[track_caller]
fn refused(desk: &Desk, args: &[&str], message: &str) {
    let before = desk.requests();
    let run = desk.run(args);
    run.code(2);
    assert!(run.stderr.contains(message), "expected {message:?} in:\n{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert_eq!(desk.requests(), before, "{args:?} made a request");
}

#[test]
fn each_bad_input_is_named_and_nothing_is_sent() {
    let desk = Desk::new();
    refused(&desk, &["send", "--bogus"], "unexpected argument '--bogus'");
    refused(&desk, &["sned"], "unrecognized subcommand 'sned'");
    refused(
        &desk,
        &["send", "--to", "+4670 123", "Hi"],
        "--to #1: `+4670 123` is not a phone number",
    );
    refused(&desk, &["send", "--to", "46701234567", "--to", "abc", "Hi"], "--to #2: `abc`");
    refused(
        &desk,
        &["send", "--to", "46701234567", "--param", "name", "Hi"],
        "write a parameter as name=NUMBER:VALUE",
    );
    refused(
        &desk,
        &["send", "--to", "46701234567", "--param-default", "=x", "Hi"],
        "write it as name=VALUE",
    );
    refused(
        &desk,
        &["send", "--to", "46701234567", &"a".repeat(2001)],
        "`body` must be at most 2000 characters",
    );
    refused(
        &desk,
        &["send", "--to", "46701234567", "--send-at", "tomorrow", "Hi"],
        "not an RFC 3339 time",
    );
    refused(
        &desk,
        &["send", "--to", "46701234567", "--delivery-report", "loud", "Hi"],
        "invalid value 'loud'",
    );
    refused(&desk, &["send", "Hi"], "no recipients");
    refused(&desk, &["send", "--to", "46701234567"], "the text on stdin is empty");
    refused(&desk, &["watch", "B1", "--timeout", "soon"], "not a duration");
    refused(&desk, &["batches", "update", "B1"], "nothing to change");
    refused(
        &desk,
        &["reports", "get", "B1", "--status", "Happy"],
        "--status Happy: not a delivery status",
    );
    refused(&desk, &["api", "FETCH", "/batches"], "METHOD `FETCH`");
    refused(
        &desk,
        &["api", "POST", "/batches", "-F", "to=[oops"],
        "-F to=[oops: the value is not JSON",
    );
    refused(&desk, &["tags", "get"], "--batch");

    // Files: a missing column, a bad row, a short row, an empty cell the
    // text needs, a placeholder no column fills, an empty file.
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "phone,name\n+46701234567,Ann\n",
            "Hi",
            "no column `to` (the columns are: phone, name)",
            "",
        ),
        (
            "to,name\n+46701234567,Ann\nabc,Bo\n",
            "Hi ${name}",
            "line 3: `abc` is not a phone number",
            "",
        ),
        (
            "to,name\n+46701234567,Ann\n+46707654321\n",
            "Hi ${name}",
            "line 3: 1 fields where the header has 2",
            "",
        ),
        (
            "to,name\n+46701234567,Ann\n+46707654321,\n",
            "Hi ${name}",
            "line 3: `name` is empty and the text needs it",
            "",
        ),
        (
            "to,name\n+46701234567,Ann\n",
            "Hi ${nick}",
            "the text has ${nick} but the file has no column `nick`",
            "",
        ),
        ("to\n", "Hi", "no recipients in it", ""),
        ("to,name\n+46701234567,Ann\n", "Hi", "no column `phone`", "phone"),
    ];
    for (i, (csv, text, message, column)) in cases.iter().enumerate() {
        let file = desk.file(&format!("bad-{i}.csv"), csv);
        let mut args = vec!["send", "--to-file", file.to_str().unwrap(), *text];
        if !column.is_empty() {
            args.extend(["--to-column", column]);
        }
        refused(&desk, &args, message);
    }
    refused(&desk, &["send", "--to-file", "/nonexistent/file.csv", "Hi"], "cannot open it");
    assert!(desk.outbox().is_empty());
}

#[test]
fn missing_credentials_and_a_broken_config() {
    let desk = Desk::new();
    let none = run(desk.bare().args(["send", "--to", "46701234567", "Hi"]), None);
    none.code(2);
    assert!(none.stderr.contains("no credentials: run `xms auth login`"), "{}", none.stderr);
    let token_only = run(desk.bare().env("XMS_API_TOKEN", "t").args(["batches", "list"]), None);
    token_only.code(2);
    let plan_only =
        run(desk.bare().env("XMS_SERVICE_PLAN_ID", "p").args(["batches", "list"]), None);
    plan_only.code(2);
    assert!(plan_only.stderr.contains("no API token for service plan `p`"), "{}", plan_only.stderr);
    desk.file("config.toml", "active = \"default\"\n[profiles.default\nservice_plan_id = 1\n");
    let broken = run(desk.bare().args(["batches", "list"]), None);
    broken.code(2);
    assert!(broken.stderr.contains("config.toml"), "{}", broken.stderr);
    assert!(broken.stderr.contains("line 2"), "{}", broken.stderr);
    desk.file("config.toml", "[profiles.default]\nservice_plan_id = \"p\"\nregion = \"mars\"\n");
    let region = run(desk.bare().env("XMS_API_TOKEN", "t").args(["batches", "list"]), None);
    region.code(2);
    assert!(region.stderr.contains("region `mars` (from profile default)"), "{}", region.stderr);
    assert_eq!(desk.requests(), 0);
}
