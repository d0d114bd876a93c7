//! The control API, the clock, the binary, hostile input, tags.

use super::*;

#[tokio::test]
async fn faults_reset_and_tags() {
    let api = Api::start();
    api.sim.fail_next(1, Fault { status: Some(503), body: "busy".into(), ..Fault::default() });
    assert_eq!(api.call("GET", "/batches", None).await, (503, Value::String("busy".into())));
    assert_eq!(api.call("GET", "/batches", None).await.0, 200, "one fault only");

    api.control("POST", "/faults", json!({"count": 1, "drop": true})).await;
    let dropped = match api
        .http
        .get(format!("{}/xms/v1/{PLAN}/batches", api.sim.url()))
        .bearer_auth(TOKEN)
        .send()
        .await
    {
        Ok(response) => response.bytes().await.map(|_| ()),
        Err(e) => Err(e),
    };
    assert!(dropped.is_err(), "the answer breaks off");

    // Queued faults can be forgotten.
    api.control("POST", "/faults", json!({"count": 5, "status": 500})).await;
    let cleared = api.control("DELETE", "/faults", json!({})).await;
    assert_eq!(cleared["cleared"], 5);
    assert_eq!(api.call("GET", "/batches", None).await.0, 200);

    let batch = api.send(json!({"to": ["46701234567"], "body": "x"})).await;
    let tags = format!("/batches/{}/tags", batch["id"].as_str().unwrap());
    assert_eq!(
        api.call("PUT", &tags, Some(json!({"tags": ["a", "b"]}))).await.1,
        json!({"tags": ["a", "b"]})
    );
    assert_eq!(
        api.call("POST", &tags, Some(json!({"add": ["c"], "remove": ["a"]}))).await.1,
        json!({"tags": ["b", "c"]})
    );
    assert_eq!(api.call("GET", "/batches?tags=c", None).await.1["count"], 1);

    api.control("POST", "/reset", Value::Null).await;
    assert_eq!(api.call("GET", "/batches", None).await.1["count"], 0);
}

#[tokio::test]
async fn the_clock_can_run_in_real_time() {
    let api = Api::start();
    api.sim.set_clock(ClockMode::Realtime { speed: 20.0 });
    let batch = api.send(json!({"to": ["46701234567"], "body": "x"})).await;
    tokio::time::sleep(Duration::from_millis(400)).await; // 8 simulated seconds
    let report = api
        .call("GET", &format!("/batches/{}/delivery_report", batch["id"].as_str().unwrap()), None)
        .await
        .1;
    assert_eq!(report["statuses"], json!([{"code": 0, "status": "Delivered", "count": 1}]));
}

#[test]
fn the_binary_prints_help_and_serves() {
    let exe = env!("CARGO_BIN_EXE_xms-simulator");
    let help = std::process::Command::new(exe).arg("--help").output().unwrap();
    let text = String::from_utf8_lossy(&help.stdout);
    assert!(help.status.success() && text.contains("--port") && text.contains("--clock"), "{text}");
    let wrong = std::process::Command::new(exe).arg("--bogus").output().unwrap();
    assert_eq!(wrong.status.code(), Some(2));

    use std::io::BufRead;
    let mut child = std::process::Command::new(exe)
        .args(["--port", "0"])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(line.starts_with("XMS simulator listening on http://127.0.0.1:"), "{line}");
}

/// Bad input that used to panic a handler (dropping the connection, and for
/// the clock, every later request): a 400 with XMS's error body now, or an
/// empty page, and the simulator keeps answering.
#[tokio::test]
async fn out_of_range_input_is_refused_and_never_panics() {
    let api = Api::start();
    let far = "+262142-12-31T00:00:00Z";
    for field in ["send_at", "expire_at"] {
        let (status, body) = api
            .call(
                "POST",
                "/batches",
                Some(json!({"from": "12345", "to": ["46701234567"], "body": "x", field: far})),
            )
            .await;
        assert_eq!(status, 400, "{field}: {body}");
        assert_eq!(code(&body), "syntax_invalid_parameter_format", "{body}");
    }
    // The latest date a year of four digits allows still works out.
    let (status, body) = api
        .call(
            "POST",
            "/batches",
            Some(json!({"from": "12345", "to": ["46701234567"], "body": "x",
                "send_at": "9999-12-30T00:00:00Z"})),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    for path in ["/batches", "/inbounds", "/groups", "/delivery_reports"] {
        let (status, body) =
            api.call("GET", &format!("{path}?page=18446744073709551615&page_size=100"), None).await;
        assert_eq!(status, 200, "{path}: {body}");
        let items = body.as_object().unwrap().values().find_map(Value::as_array).unwrap();
        assert!(items.is_empty(), "{path}: {body}");
    }

    for speed in [json!(1e300), json!(1e15), json!(0), json!(-1)] {
        let response = api
            .http
            .post(format!("{}/_sim/clock/mode", api.sim.url()))
            .body(json!({"mode": "realtime", "speed": speed}).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400, "speed {speed}");
    }
    // Even a clock set from Rust to an absurd speed cannot panic.
    api.sim.set_clock(ClockMode::Realtime { speed: 1e300 });
    tokio::time::sleep(Duration::from_millis(20)).await;
    let (status, _) = api.call("GET", "/batches", None).await;
    assert_eq!(status, 200);
    api.sim.set_clock(ClockMode::Manual);
    let (status, _) = api.call("GET", "/batches", None).await;
    assert_eq!(status, 200, "the simulator still answers");
}

/// Groups without child groups say so with an empty list, as XMS does.
#[tokio::test]
async fn a_group_always_has_child_groups() {
    let api = Api::start();
    let (status, group) =
        api.call("POST", "/groups", Some(json!({"name": "g", "members": ["46701234567"]}))).await;
    assert_eq!(status, 201, "{group}");
    assert_eq!(group["child_groups"], json!([]), "{group}");
    let (_, list) = api.call("GET", "/groups", None).await;
    assert_eq!(list["groups"][0]["child_groups"], json!([]), "{list}");
}

/// Booleans in a query are read in any case; a value that is not one is a
/// 400, not ignored.
#[tokio::test]
async fn boolean_query_values_in_any_case() {
    let api = Api::start();
    let batch = json!({"from": "12345", "to": ["46701234567"], "body": "Hi"});
    for value in ["True", "TRUE", "true"] {
        let (status, body) = api
            .call("POST", &format!("/batches/dry_run?per_recipient={value}"), Some(batch.clone()))
            .await;
        assert_eq!(status, 200, "{value}: {body}");
        assert_eq!(body["per_recipient"].as_array().map(Vec::len), Some(1), "{value}: {body}");
    }
    let (status, body) =
        api.call("POST", "/batches/dry_run?per_recipient=False", Some(batch.clone())).await;
    assert_eq!(status, 200, "{body}");
    assert!(body["per_recipient"].as_array().is_none_or(Vec::is_empty), "{body}");
    let (status, body) = api.call("POST", "/batches/dry_run?per_recipient=yes", Some(batch)).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(code(&body), "syntax_invalid_parameter_format");
}

/// Legacy CLX tags given when a batch or group is created are kept and
/// returned, as the CLX API did, and are the ones the tags endpoints see.
#[tokio::test]
async fn tags_given_on_create_are_kept_and_returned() {
    let api = Api::start();
    let batch = api
        .send(
            json!({"from": "12345", "to": ["46701234567"], "body": "x", "tags": ["spring", "vip"]}),
        )
        .await;
    assert_eq!(batch["tags"], json!(["spring", "vip"]), "{batch}");
    let id = batch["id"].as_str().unwrap();
    let (status, tags) = api.call("GET", &format!("/batches/{id}/tags"), None).await;
    assert_eq!((status, tags["tags"].clone()), (200, json!(["spring", "vip"])));
    let (_, listed) = api.call("GET", "/batches?tags=vip", None).await;
    assert_eq!(listed["count"], 1, "{listed}");
    let (_, got) = api.call("GET", &format!("/batches/{id}"), None).await;
    assert_eq!(got["tags"], json!(["spring", "vip"]), "{got}");

    let (status, group) = api
        .call("POST", "/groups", Some(json!({"name": "t", "members": [], "tags": ["news"]})))
        .await;
    assert_eq!(status, 201, "{group}");
    assert_eq!(group["tags"], json!(["news"]), "{group}");
    let gid = group["id"].as_str().unwrap();
    let (_, tags) = api.call("GET", &format!("/groups/{gid}/tags"), None).await;
    assert_eq!(tags["tags"], json!(["news"]));
}
