//! Delivery report and inbound callbacks: signed, retried, summarised.

use super::*;

#[tokio::test]
async fn delivery_report_callbacks_signed_and_retried() {
    let receiver = receiver(vec![500, 503]).await;
    let sim = Simulator::builder()
        .service_plan(PLAN, TOKEN)
        .callback_url(&receiver.url)
        .signing_secret("s3cret")
        .record_answers()
        .start();
    let api = Api::new(sim);
    api.send(json!({"to": ["46701234567"], "body": "x", "delivery_report": "per_recipient"})).await;
    api.sim.settle().await;
    // Queued was refused with 500: the retry is due 5 s later.
    assert_eq!(receiver.bodies().len(), 1);
    api.advance(3.0).await;
    // Dispatched (503 refused) and Delivered arrived meanwhile; the retries are later.
    api.advance(60.0).await;
    let bodies = receiver.bodies();
    let delivered: Vec<&str> = bodies.iter().map(|b| b["status"].as_str().unwrap()).collect();
    assert_eq!(delivered.len(), 5, "3 callbacks, 2 of them retried once: {delivered:?}");
    for status in ["Queued", "Dispatched", "Delivered"] {
        assert!(delivered.contains(&status), "{status} missing from {delivered:?}");
    }
    assert_eq!(api.sim.callback_counts(), (3, 0));
    // Each one is signed: HMAC-SHA256 of body.nonce.timestamp, base64.
    use base64::Engine as _;
    use hmac::{KeyInit, Mac};
    for (headers, body) in receiver.seen.lock().unwrap().iter() {
        let header = |n: &str| headers[n].to_str().unwrap().to_string();
        let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(b"s3cret").unwrap();
        mac.update(serde_json::to_string(body).unwrap().as_bytes());
        mac.update(
            format!(
                ".{}.{}",
                header("x-sinch-webhook-signature-nonce"),
                header("x-sinch-webhook-signature-timestamp")
            )
            .as_bytes(),
        );
        let expected =
            base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
        assert_eq!(header("x-sinch-webhook-signature"), expected);
        assert_eq!(header("x-sinch-webhook-signature-algorithm"), "HmacSHA256");
    }
}

#[tokio::test]
async fn summary_callbacks_come_once_when_every_message_is_final() {
    let receiver = receiver(vec![]).await;
    let api = Api::new(
        Simulator::builder()
            .service_plan(PLAN, TOKEN)
            .callback_url(&receiver.url)
            .record_answers()
            .start(),
    );
    let batch = api.send(json!({"to": ["46701111111", "46701111991"], "body": "x", "delivery_report": "full", "client_reference": "r1"})).await;
    api.advance(1.0).await;
    assert!(receiver.bodies().is_empty());
    api.advance(5.0).await;
    let bodies = receiver.bodies();
    assert_eq!(bodies.len(), 1);
    assert_eq!(bodies[0]["type"], "delivery_report_sms");
    assert_eq!(bodies[0]["batch_id"], batch["id"]);
    assert_eq!(bodies[0]["client_reference"], "r1");
    assert_eq!(bodies[0]["statuses"][1]["recipients"], json!(["46701111991"]));
}

#[tokio::test]
async fn inbound_messages_are_listed_and_posted() {
    let receiver = receiver(vec![]).await;
    let api = Api::new(
        Simulator::builder()
            .service_plan(PLAN, TOKEN)
            .inbound_url(&receiver.url)
            .record_answers()
            .start(),
    );
    let injected = api
        .control(
            "POST",
            "/inbounds",
            json!({"from": "+46701234567", "to": "12345", "body": "Hello"}),
        )
        .await;
    assert_eq!(injected["type"], "mo_text");
    let (status, got) =
        api.call("GET", &format!("/inbounds/{}", injected["id"].as_str().unwrap()), None).await;
    assert_eq!(
        (status, got["from"].as_str(), got["to"].as_str()),
        (200, Some("46701234567"), Some("12345"))
    );
    let list = api.call("GET", "/inbounds?to=12345,99999", None).await.1;
    assert_eq!(list["count"], 1);
    assert_eq!(receiver.bodies(), vec![got]);
}
