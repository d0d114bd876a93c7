//! The eight batch operations, against a local server: exact request out,
//! typed value in.

use chrono::{TimeZone, Utc};
use serde_json::json;
use xms::{
    BatchType, DeliveryReportType, Encoding,
    batches::{Batch, MediaBody},
};

use crate::support::{Server, path};

/// A text batch as the API returns it, written from the reference.
fn text_batch_response() -> serde_json::Value {
    json!({
        "id": "01FC66621XXXXX119Z8PMV1QPQ",
        "type": "mt_text",
        "from": "12345",
        "to": ["46701234567", "46707654321"],
        "body": "Hi ${name}!",
        "parameters": {"name": {"46701234567": "Mary", "default": "valued customer"}},
        "canceled": false,
        "created_at": "2026-02-27T10:15:22.118Z",
        "modified_at": "2026-02-27T10:15:22.118Z",
        "delivery_report": "full",
        "send_at": "2026-03-01T09:00:00.000Z",
        "expire_at": "2026-03-02T09:00:00.000Z",
        "callback_url": "https://app.example.com/dlr",
        "client_reference": "spring-7",
        "feedback_enabled": true,
        "flash_message": false,
        "truncate_concat": true,
        "max_number_of_message_parts": 3,
        "from_ton": 3,
        "from_npi": 1
    })
}

#[tokio::test]
async fn send_text_batch_with_every_setting() {
    let server = Server::start().await;
    server.respond(201, text_batch_response()).await;
    let send_at = Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap();
    let expire_at = Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap();

    let batch = server
        .client()
        .batches()
        .text("12345", ["46701234567"], "Hi ${name}!")
        .recipient("46707654321")
        .parameter("name", [("46701234567", "Mary")], "valued customer")
        .delivery_report(DeliveryReportType::Full)
        .send_at(send_at)
        .expire_at(expire_at)
        .callback_url("https://app.example.com/dlr")
        .client_reference("spring-7")
        .feedback_enabled(true)
        .flash_message(false)
        .truncate_concat(true)
        .max_number_of_message_parts(3)
        .from_ton(3)
        .from_npi(1)
        .send()
        .await
        .unwrap();

    let req = server.only_request();
    req.assert_line("POST", &path("/batches"), None);
    req.assert_headers(true);
    assert_eq!(
        req.json(),
        json!({
            "type": "mt_text",
            "from": "12345",
            "to": ["46701234567", "46707654321"],
            "body": "Hi ${name}!",
            "parameters": {"name": {"46701234567": "Mary", "default": "valued customer"}},
            "delivery_report": "full",
            "send_at": "2026-03-01T09:00:00Z",
            "expire_at": "2026-03-02T09:00:00Z",
            "callback_url": "https://app.example.com/dlr",
            "client_reference": "spring-7",
            "feedback_enabled": true,
            "flash_message": false,
            "truncate_concat": true,
            "max_number_of_message_parts": 3,
            "from_ton": 3,
            "from_npi": 1
        })
    );

    assert_eq!(batch.id, "01FC66621XXXXX119Z8PMV1QPQ");
    assert_eq!(batch.sender.as_deref(), Some("12345"));
    assert_eq!(batch.recipients, ["46701234567", "46707654321"]);
    assert_eq!(batch.parameters["name"]["default"], "valued customer");
    assert_eq!(batch.delivery_report, DeliveryReportType::Full);
    assert_eq!(
        batch.created_at,
        Some(
            Utc.with_ymd_and_hms(2026, 2, 27, 10, 15, 22).unwrap()
                + chrono::TimeDelta::milliseconds(118)
        )
    );
    assert_eq!(batch.send_at, Some(send_at));
    assert_eq!(batch.client_reference.as_deref(), Some("spring-7"));
    assert!(
        batch.feedback_enabled && batch.truncate_concat && !batch.flash_message && !batch.canceled
    );
    assert_eq!(
        (batch.max_number_of_message_parts, batch.from_ton, batch.from_npi),
        (Some(3), Some(3), Some(1))
    );
}

#[tokio::test]
async fn send_binary_batch_from_bytes() {
    let server = Server::start().await;
    server
        .respond(
            201,
            json!({
                "id": "01FC66621XXXXX119Z8PMV1QPB", "type": "mt_binary", "from": "12345", "to": ["46701234567"],
                "body": "AAECAw==", "udh": "050003cc0201", "canceled": false,
                "created_at": "2026-02-27T10:15:22Z", "modified_at": "2026-02-27T10:15:22Z", "delivery_report": "none"
            }),
        )
        .await;

    let batch = server
        .client()
        .batches()
        .binary_bytes(
            "12345",
            ["46701234567"],
            &[0, 1, 2, 3],
            &[0x05, 0x00, 0x03, 0xcc, 0x02, 0x01],
        )
        .send()
        .await
        .unwrap();

    let req = server.only_request();
    req.assert_line("POST", &path("/batches"), None);
    req.assert_headers(true);
    assert_eq!(
        req.json(),
        json!({"type": "mt_binary", "from": "12345", "to": ["46701234567"], "body": "AAECAw==", "udh": "050003cc0201"})
    );
    assert_eq!(batch.body_bytes().unwrap(), [0, 1, 2, 3]);
    assert_eq!(batch.udh_bytes().unwrap(), [0x05, 0x00, 0x03, 0xcc, 0x02, 0x01]);
    assert_eq!(batch.delivery_report, DeliveryReportType::None);
}

#[tokio::test]
async fn send_media_batch() {
    let server = Server::start().await;
    server
        .respond(
            201,
            json!({
                "id": "01FC66621XXXXX119Z8PMV1QPM", "type": "mt_media", "from": "15559876543", "to": ["15551231234"],
                "body": {"url": "https://media.example.com/cat.jpg", "message": "Look, ${name}", "subject": "Cats"},
                "parameters": {"name": {"default": "friend"}},
                "canceled": false, "created_at": "2026-02-27T10:15:22.5Z", "modified_at": "2026-02-27T10:15:22.5Z",
                "delivery_report": "per_recipient_final", "strict_validation": true
            }),
        )
        .await;

    let batch = server
        .client()
        .batches()
        .media("15559876543", ["15551231234"], "https://media.example.com/cat.jpg")
        .message("Look, ${name}")
        .subject("Cats")
        .parameters(
            [("name".to_string(), [("default".to_string(), "friend".to_string())].into())].into(),
        )
        .delivery_report(DeliveryReportType::PerRecipientFinal)
        .strict_validation(true)
        .send()
        .await
        .unwrap();

    assert_eq!(
        server.only_request().json(),
        json!({
            "type": "mt_media", "from": "15559876543", "to": ["15551231234"],
            "body": {"url": "https://media.example.com/cat.jpg", "message": "Look, ${name}", "subject": "Cats"},
            "parameters": {"name": {"default": "friend"}},
            "delivery_report": "per_recipient_final", "strict_validation": true
        })
    );
    assert_eq!(
        batch.body,
        MediaBody::new("https://media.example.com/cat.jpg")
            .message("Look, ${name}")
            .subject("Cats")
    );
    assert!(batch.strict_validation);
}

#[tokio::test]
async fn single_recipient_shortcuts() {
    let server = Server::start().await;
    server.respond(201, json!({"id": "b1", "type": "mt_text", "from": "12345", "to": ["46701234567"], "body": "Hello"})).await;
    let client = server.client();
    let batch =
        client.batches().create_text_message("12345", "46701234567", "Hello").await.unwrap();
    assert_eq!(batch.body, "Hello");
    assert_eq!(
        server.only_request().json(),
        json!({"type": "mt_text", "from": "12345", "to": ["46701234567"], "body": "Hello"})
    );

    let server = Server::start().await;
    server
        .respond(201, json!({"id": "b2", "type": "mt_binary", "to": ["46701234567"], "body": "/w==", "udh": "00"}))
        .await;
    let batch = server
        .client()
        .batches()
        .create_binary_message("12345", "46701234567", &[0xff], &[0])
        .await
        .unwrap();
    assert_eq!(batch.body_bytes().unwrap(), [0xff]);
    assert_eq!(
        server.only_request().json(),
        json!({"type": "mt_binary", "from": "12345", "to": ["46701234567"], "body": "/w==", "udh": "00"})
    );
}

#[tokio::test]
async fn get_returns_whichever_type_the_batch_has() {
    let server = Server::start().await;
    server.respond(200, text_batch_response()).await;
    let batch = server.client().batches().get("01FC66621XXXXX119Z8PMV1QPQ").await.unwrap();
    let req = server.only_request();
    req.assert_line("GET", &path("/batches/01FC66621XXXXX119Z8PMV1QPQ"), None);
    req.assert_headers(false);
    match &batch {
        Batch::Text(text) => assert_eq!(text.body, "Hi ${name}!"),
        other => panic!("expected a text batch, got {other:?}"),
    }
    assert_eq!(batch.batch_type(), BatchType::Text);
    assert_eq!(batch.recipients(), ["46701234567", "46707654321"]);

    // A type the SDK does not know yet is kept, not an error.
    let server = Server::start().await;
    server
        .respond(200, json!({"id": "b9", "type": "mt_rcs", "to": ["1"], "card": {"title": "x"}}))
        .await;
    let batch = server.client().batches().get("b9").await.unwrap();
    match &batch {
        Batch::Other(other) => {
            assert_eq!(other.batch_type, BatchType::Other("mt_rcs".into()));
            assert_eq!(other.raw["card"], json!({"title": "x"}));
        }
        other => panic!("expected Other, got {other:?}"),
    }
    assert_eq!(batch.id(), "b9");
}

#[tokio::test]
async fn update_sends_only_what_changes_and_null_for_resets() {
    let server = Server::start().await;
    server.respond(200, text_batch_response()).await;
    let expire_at = Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0).unwrap();
    let batch = server
        .client()
        .batches()
        .update_text("01FC66621XXXXX119Z8PMV1QPQ")
        .add_recipients(["46701111111"])
        .remove_recipients(["46702222222"])
        .sender("ACME")
        .body("New text")
        .reset_send_at()
        .expire_at(expire_at)
        .reset_callback_url()
        .reset_delivery_report()
        .reset_parameters()
        .send()
        .await
        .unwrap();
    let req = server.only_request();
    req.assert_line("POST", &path("/batches/01FC66621XXXXX119Z8PMV1QPQ"), None);
    req.assert_headers(true);
    assert_eq!(
        req.json(),
        json!({
            "type": "mt_text",
            "to_add": ["46701111111"],
            "to_remove": ["46702222222"],
            "from": "ACME",
            "body": "New text",
            "send_at": null,
            "expire_at": "2026-03-02T12:00:00Z",
            "callback_url": null,
            "delivery_report": null,
            "parameters": null
        })
    );
    assert_eq!(batch.id, "01FC66621XXXXX119Z8PMV1QPQ");
}

#[tokio::test]
async fn update_binary_and_media() {
    let server = Server::start().await;
    server
        .respond(
            200,
            json!({"id": "b2", "type": "mt_binary", "to": ["1"], "body": "AA==", "udh": "01"}),
        )
        .await;
    server.client().batches().update_binary("b2").body("AA==", "01").send().await.unwrap();
    assert_eq!(
        server.only_request().json(),
        json!({"type": "mt_binary", "body": "AA==", "udh": "01"})
    );

    let server = Server::start().await;
    server
        .respond(200, json!({"id": "b3", "type": "mt_media", "to": ["1"], "body": {"url": "https://m.example.com/2.png"}}))
        .await;
    let batch = server
        .client()
        .batches()
        .update_media("b3")
        .body(MediaBody::new("https://m.example.com/2.png"))
        .strict_validation(false)
        .send()
        .await
        .unwrap();
    assert_eq!(
        server.only_request().json(),
        json!({"type": "mt_media", "body": {"url": "https://m.example.com/2.png"}, "strict_validation": false})
    );
    assert_eq!(batch.body.url, "https://m.example.com/2.png");
}

#[tokio::test]
async fn replace_puts_a_new_batch_under_the_same_id() {
    let server = Server::start().await;
    server.respond(200, json!({"id": "b1", "type": "mt_text", "from": "12345", "to": ["46709999999"], "body": "Instead"})).await;
    let batch = server
        .client()
        .batches()
        .text("12345", ["46709999999"], "Instead")
        .replace("b1")
        .await
        .unwrap();
    let req = server.only_request();
    req.assert_line("PUT", &path("/batches/b1"), None);
    req.assert_headers(true);
    assert_eq!(
        req.json(),
        json!({"type": "mt_text", "from": "12345", "to": ["46709999999"], "body": "Instead"})
    );
    assert_eq!(batch.recipients, ["46709999999"]);
}

#[tokio::test]
async fn cancel() {
    let server = Server::start().await;
    let mut response = text_batch_response();
    response["canceled"] = json!(true);
    server.respond(200, response).await;
    let batch = server.client().batches().cancel("01FC66621XXXXX119Z8PMV1QPQ").await.unwrap();
    let req = server.only_request();
    req.assert_line("DELETE", &path("/batches/01FC66621XXXXX119Z8PMV1QPQ"), None);
    req.assert_headers(false);
    assert!(batch.canceled());
}

#[tokio::test]
async fn dry_run_with_per_recipient_details() {
    let server = Server::start().await;
    server
        .respond(
            200,
            json!({
                "number_of_recipients": 2,
                "number_of_messages": 3,
                "per_recipient": [
                    {"recipient": "46701234567", "number_of_parts": 1, "body": "Hi Mary!", "encoding": "GSM"},
                    {"recipient": "46707654321", "number_of_parts": 2, "body": "Hi Ωmega…", "encoding": "UNICODE"}
                ]
            }),
        )
        .await;
    let result = server
        .client()
        .batches()
        .text("12345", ["46701234567", "46707654321"], "Hi ${name}!")
        .parameter("name", [("46701234567", "Mary")], "Ωmega…")
        .dry_run()
        .number_of_recipients(10)
        .send()
        .await
        .unwrap();
    let req = server.only_request();
    req.assert_line(
        "POST",
        &path("/batches/dry_run"),
        Some("number_of_recipients=10&per_recipient=true"),
    );
    req.assert_headers(true);
    assert_eq!(
        req.json()["parameters"],
        json!({"name": {"46701234567": "Mary", "default": "Ωmega…"}})
    );
    assert_eq!((result.number_of_recipients, result.number_of_messages), (2, 3));
    assert_eq!(result.per_recipient[1].encoding, Encoding::Unicode);
    assert_eq!(result.per_recipient[1].number_of_parts, 2);
}

#[tokio::test]
async fn delivery_feedback_is_accepted_with_an_empty_body() {
    let server = Server::start().await;
    server.respond_with(202, &[], Vec::new(), None).await;
    server.client().batches().delivery_feedback("b1", ["46701234567"]).await.unwrap();
    let req = server.only_request();
    req.assert_line("POST", &path("/batches/b1/delivery_feedback"), None);
    req.assert_headers(true);
    assert_eq!(req.json(), json!({"recipients": ["46701234567"]}));

    // Feedback for every recipient: the key is still sent, with an empty list.
    let server = Server::start().await;
    server.respond_with(202, &[], Vec::new(), None).await;
    server.client().batches().delivery_feedback("b1", Vec::<String>::new()).await.unwrap();
    assert_eq!(server.only_request().json(), json!({"recipients": []}));
}
