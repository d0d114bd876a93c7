//! The JSON the UI reads: the outbox filtered and paged, a message in
//! detail, phones and conversations, callbacks sent again.

use std::sync::{Arc, Mutex};

use super::*;

#[tokio::test]
async fn outbox_filters_and_pages() {
    let desk = Desk::with(manual().service_plan(PLAN, TOKEN).service_plan("other", "other-token"));
    for i in 0..120 {
        desk.send(json!({"from": "SHOP", "to": [format!("+467000{i:05}")], "body": format!("Order {i} shipped"), "client_reference": format!("ref-{}", i % 3)})).await;
    }
    desk.send(text_batch(&["+46700000991"], "Will fail")).await;
    desk.send_to("other", "other-token", text_batch(&["+46709999999"], "Other mailbox")).await;
    desk.sim.advance(Duration::from_secs(3)).await;
    let (_, page) = desk.get(&format!("/_sim/messages?plan={PLAN}&page_size=50")).await;
    assert_eq!(page["total"], 121);
    assert_eq!(page["items"].as_array().unwrap().len(), 50);
    assert_eq!(page["items"][0]["body"], "Will fail", "newest first");
    let (_, last) = desk.get(&format!("/_sim/messages?plan={PLAN}&page_size=50&page=2")).await;
    assert_eq!(last["items"].as_array().unwrap().len(), 21);
    assert_eq!(last["items"][20]["body"], "Order 0 shipped");
    let count = |q: &'static str| {
        let desk = &desk;
        async move { desk.get(&format!("/_sim/messages?plan={PLAN}&{q}")).await.1["total"].clone() }
    };
    assert_eq!(count("status=Failed").await, 1);
    assert_eq!(count("status=delivered").await, 120);
    assert_eq!(count("to=%2B46700000042").await, 1);
    assert_eq!(count("from=SHOP").await, 120);
    assert_eq!(count("reference=ref-1").await, 40);
    assert_eq!(
        count("text=ORDER%2011").await,
        11,
        "11, 110..119 minus 11? any case, part of the text"
    );
    assert_eq!(
        desk.get("/_sim/messages?plan=other").await.1["total"],
        1,
        "each plan its own mailbox"
    );
    assert_eq!(desk.get("/_sim/messages?page=x").await.0, 400);
}

#[tokio::test]
async fn a_message_in_detail_with_its_callbacks_sent_again() {
    let received = Arc::new(Mutex::new(Vec::<String>::new()));
    let app = {
        let received = received.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let router = axum::Router::new().fallback(move |body: String| {
            let received = received.clone();
            async move {
                received.lock().unwrap().push(body);
                "ok"
            }
        });
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        format!("http://127.0.0.1:{port}/callbacks")
    };
    let desk = Desk::with(manual().service_plan(PLAN, TOKEN).signing_secret("s3cret"));
    let long = format!("Hi ${{name}}, {}", "x".repeat(200));
    let batch = desk
        .send(json!({
            "from": "12345", "to": ["+46701234567"], "body": long,
            "parameters": {"name": {"46701234567": "Ann"}},
            "delivery_report": "per_recipient", "callback_url": app,
        }))
        .await;
    let id = batch["id"].as_str().unwrap();
    desk.sim.advance(Duration::from_secs(3)).await;
    let (status, m) = desk.get(&format!("/_sim/messages/{PLAN}/{id}/0")).await;
    assert_eq!(status, 200);
    assert_eq!(m["text"], format!("Hi Ann, {}", "x".repeat(200)));
    assert_eq!(m["parts"].as_array().unwrap().len(), 2);
    assert_eq!(m["parts"][0].as_str().unwrap().chars().count(), 153);
    assert_eq!(m["parts_count"], 2);
    assert_eq!(m["parameters"]["name"], "Ann");
    let timeline: Vec<&str> =
        m["timeline"].as_array().unwrap().iter().map(|t| t["status"].as_str().unwrap()).collect();
    assert_eq!(timeline, ["Queued", "Dispatched", "Delivered"]);
    let callbacks = m["callbacks"].as_array().unwrap();
    assert_eq!(callbacks.len(), 3, "per_recipient: one per status");
    let first = &callbacks[0];
    assert_eq!(first["delivered"], true);
    assert_eq!(first["log"][0]["status"], 200);
    assert_eq!(first["log"][0]["answer"], "ok");
    let headers: Vec<&str> = first["log"][0]["headers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h[0].as_str().unwrap())
        .collect();
    assert!(headers.contains(&"x-sinch-webhook-signature"));
    // Send the first again: the app gets the same body once more.
    let before = received.lock().unwrap().len();
    let (status, _) =
        desk.post(&format!("/_sim/callbacks/{}/resend", first["id"]), json!({})).await;
    assert_eq!(status, 202);
    let got = received.lock().unwrap().clone();
    assert_eq!(got.len(), before + 1);
    assert_eq!(got.last().unwrap(), &got[0]);
    assert_eq!(desk.post("/_sim/callbacks/999999/resend", json!({})).await.0, 404);
    assert_eq!(desk.get(&format!("/_sim/messages/{PLAN}/{id}/7")).await.0, 404);
}

#[tokio::test]
async fn phones_and_conversations() {
    let desk = Desk::with(manual());
    desk.send(text_batch(&["+46701234567"], "Your table is ready")).await;
    desk.sim
        .inject_inbound(json!({"from": "46701234567", "to": "12345", "body": "On my way"}))
        .await
        .unwrap();
    desk.sim.advance(Duration::from_secs(1)).await;
    desk.send(text_batch(&["+46707654321"], "Other phone")).await;
    let (_, phones) = desk.get("/_sim/phones").await;
    assert_eq!(phones["total"], 2);
    assert_eq!(phones["items"][0]["number"], "46707654321", "most recent first");
    let ann =
        phones["items"].as_array().unwrap().iter().find(|p| p["number"] == "46701234567").unwrap();
    assert_eq!((ann["sent"].as_u64(), ann["received"].as_u64()), (Some(1), Some(1)));
    assert_eq!(ann["reply_to"], "12345");
    let (_, talk) = desk.get("/_sim/phones/%2B46701234567").await;
    let items = talk["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        (items[0]["direction"].as_str(), items[0]["text"].as_str()),
        (Some("to_phone"), Some("Your table is ready"))
    );
    assert_eq!(
        (items[1]["direction"].as_str(), items[1]["text"].as_str()),
        (Some("from_phone"), Some("On my way"))
    );
    assert_eq!(talk["reply_to"], "12345");
}

/// The phone list is kept as messages come and go; what it shows must be
/// what a walk over every message gives: after sends, replies at the same
/// instant, a scheduled batch, two plans, a restart (which rebuilds it from
/// the state file), retention and a reset.
#[tokio::test]
async fn the_phone_list_follows_every_change() {
    let desk = Desk::with(manual().service_plan(PLAN, TOKEN).service_plan("other", "other-token"));
    let (p1, p2, p3, p4) = ("46701000001", "46701000002", "46701000003", "46701000004");
    desk.send(text_batch(&[&format!("+{p1}"), &format!("+{p2}")], "One")).await;
    desk.sim.inject_inbound(json!({"from": p1, "to": "12345", "body": "Reply one"})).await.unwrap();
    desk.sim.advance(Duration::from_secs(1)).await;
    desk.send(json!({
        "from": "SHOP", "to": [format!("+{p2}")], "body": "Two ${name}",
        "parameters": {"name": {format!("+{p2}"): "Ann", "default": "you"}}
    }))
    .await;
    let (_, clock) = desk.get("/_sim/clock").await;
    let now: chrono::DateTime<chrono::Utc> = clock["now"].as_str().unwrap().parse().unwrap();
    let send_at = (now + chrono::TimeDelta::seconds(10)).to_rfc3339();
    desk.send(
        json!({"from": "12345", "to": [format!("+{p3}")], "body": "Later", "send_at": send_at}),
    )
    .await;
    desk.send_to("other", "other-token", text_batch(&[&format!("+{p1}")], "Other plan")).await;
    desk.sim.advance(Duration::from_secs(20)).await;
    desk.sim.inject_inbound(json!({"from": p4, "to": "999", "body": "Hi"})).await.unwrap();

    let row = |v: &Value| {
        (
            v["number"].as_str().unwrap().to_string(),
            v["plan"].as_str().unwrap().to_string(),
            v["sent"].as_u64().unwrap(),
            v["received"].as_u64().unwrap(),
            v["last_text"].as_str().unwrap().to_string(),
            v["reply_to"].as_str().map(str::to_string),
        )
    };
    let rows = |v: &Value| v["items"].as_array().unwrap().iter().map(row).collect::<Vec<_>>();
    let r = |n: &str, plan: &str, sent, received, text: &str, reply: &str| {
        (n.to_string(), plan.to_string(), sent, received, text.to_string(), Some(reply.to_string()))
    };
    let (_, mine) = desk.get(&format!("/_sim/phones?plan={PLAN}")).await;
    assert_eq!(mine["total"], 4);
    assert_eq!(
        rows(&mine),
        vec![
            r(p4, PLAN, 0, 1, "Hi", "999"),
            r(p3, PLAN, 1, 0, "Later", "12345"),
            r(p2, PLAN, 2, 0, "Two Ann", "SHOP"),
            // The reply came at the same instant as the message: it is last.
            r(p1, PLAN, 1, 1, "Reply one", "12345"),
        ]
    );
    let (_, other) = desk.get("/_sim/phones?plan=other").await;
    assert_eq!(rows(&other), vec![r(p1, "other", 1, 0, "Other plan", "12345")]);
    // Every plan: one phone per number, in the plan of its last message.
    let (_, all) = desk.get("/_sim/phones").await;
    assert_eq!(all["total"], 4);
    assert_eq!(
        rows(&all),
        vec![
            r(p4, PLAN, 0, 1, "Hi", "999"),
            r(p3, PLAN, 1, 0, "Later", "12345"),
            r(p1, "other", 2, 1, "Other plan", "12345"),
            r(p2, PLAN, 2, 0, "Two Ann", "SHOP"),
        ]
    );
    let (_, two) = desk.get(&format!("/_sim/phones?plan={PLAN}&limit=2")).await;
    assert_eq!((two["total"].as_u64(), rows(&two).len()), (Some(4), 2));

    // A restart builds the list again from the state file: the same.
    let path = std::env::temp_dir().join(format!("xms-sim-phones-{}.json", std::process::id()));
    desk.sim.save_state(&path).unwrap();
    let again = Desk::with(
        manual().service_plan(PLAN, TOKEN).service_plan("other", "other-token").state_file(&path),
    );
    for query in [format!("?plan={PLAN}"), "?plan=other".to_string(), String::new()] {
        let path = format!("/_sim/phones{query}");
        assert_eq!(again.get(&path).await.1, desk.get(&path).await.1, "{path}");
    }
    drop(again);
    let _ = std::fs::remove_file(&path);

    // Retention drops the oldest finished batch ("One"): its messages no
    // longer count.
    let dropped = desk
        .sim
        .enforce_retention(xms_simulator::Retention { max_messages: Some(4), max_age: None });
    assert_eq!(dropped, 1);
    let (_, mine) = desk.get(&format!("/_sim/phones?plan={PLAN}")).await;
    assert_eq!(
        rows(&mine),
        vec![
            r(p4, PLAN, 0, 1, "Hi", "999"),
            r(p3, PLAN, 1, 0, "Later", "12345"),
            r(p2, PLAN, 1, 0, "Two Ann", "SHOP"),
            r(p1, PLAN, 0, 1, "Reply one", "12345"),
        ]
    );
    desk.sim.reset();
    let (_, none) = desk.get("/_sim/phones").await;
    assert_eq!((none["total"].as_u64(), rows(&none).len()), (Some(0), 0));
}
