//! Getting an inbound message (listing is in the pagination tests).

use chrono::{TimeZone, Utc};
use serde_json::json;
use xms::{InboundType, MediaUploadStatus, inbounds::Inbound};

use crate::support::{Server, path};

#[tokio::test]
async fn get_text_binary_media_and_unknown() {
    let server = Server::start().await;
    server
        .respond(
            200,
            json!({"type": "mo_text", "id": "i1", "from": "46701234567", "to": "12345", "body": "JOIN",
                   "operator_id": "24001", "received_at": "2016-07-19T13:09:02.972Z"}),
        )
        .await;
    let inbound = server.client().inbounds().get("i1").await.unwrap();
    let req = server.only_request();
    req.assert_line("GET", &path("/inbounds/i1"), None);
    req.assert_headers(false);
    let Inbound::Text(mo) = inbound else { panic!("expected text, got {inbound:?}") };
    assert_eq!(
        (mo.sender.as_str(), mo.recipient.as_str(), mo.body.as_str()),
        ("46701234567", "12345", "JOIN")
    );
    assert_eq!(mo.operator_id.as_deref(), Some("24001"));
    assert_eq!(
        mo.received_at,
        Utc.with_ymd_and_hms(2016, 7, 19, 13, 9, 2).unwrap() + chrono::TimeDelta::milliseconds(972)
    );

    let server = Server::start().await;
    server
        .respond(
            200,
            json!({"type": "mo_binary", "id": "i2", "from": "46701234567", "to": "12345", "body": "AAECAw==",
                   "udh": "050003cc0201", "received_at": "2016-07-19T13:09:02Z", "sent_at": "2016-07-19T13:09:01Z"}),
        )
        .await;
    let Inbound::Binary(mo) = server.client().inbounds().get("i2").await.unwrap() else { panic!() };
    assert_eq!(mo.udh.as_deref(), Some("050003cc0201"));
    assert!(mo.sent_at.is_some());

    let server = Server::start().await;
    server
        .respond(
            200,
            json!({"type": "mo_media", "id": "i3", "from": "15551231234", "to": "15559876543",
                   "body": {"subject": "Dinner", "message": "Here", "media": [
                       {"url": "https://mms.example.com/1.jpg", "content_type": "image/jpeg", "status": "Uploaded", "code": 0},
                       {"content_type": "video/mp4", "status": "Failed", "code": 1}
                   ]},
                   "received_at": "2026-02-28T09:12:02.1Z"}),
        )
        .await;
    let Inbound::Media(mo) = server.client().inbounds().get("i3").await.unwrap() else { panic!() };
    assert_eq!(mo.body.subject.as_deref(), Some("Dinner"));
    assert_eq!(mo.body.media[0].status, MediaUploadStatus::Uploaded);
    assert_eq!(mo.body.media[1].url, None);

    let server = Server::start().await;
    server.respond(200, json!({"type": "mo_rcs", "id": "i4", "from": "1", "to": "2"})).await;
    let inbound = server.client().inbounds().get("i4").await.unwrap();
    assert_eq!(inbound.inbound_type(), InboundType::Other("mo_rcs".into()));
    assert_eq!((inbound.sender(), inbound.id().as_str()), ("1", "i4"));
}
