//! The three delivery report operations.

use chrono::{TimeZone, Utc};
use serde_json::json;
use xms::{Channel, DeliveryCode, DeliveryStatus, Encoding};

use crate::support::{Server, path};

#[tokio::test]
async fn batch_summary_report() {
    let server = Server::start().await;
    server
        .respond(
            200,
            json!({
                "type": "delivery_report_sms",
                "batch_id": "01FC66621XXXXX119Z8PMV1QPQ",
                "total_message_count": 3,
                "statuses": [
                    {"code": 400, "status": "Queued", "count": 1},
                    {"code": 0, "status": "Delivered", "count": 2}
                ]
            }),
        )
        .await;
    let report = server
        .client()
        .delivery_reports()
        .for_batch("01FC66621XXXXX119Z8PMV1QPQ")
        .send()
        .await
        .unwrap();
    let req = server.only_request();
    req.assert_line(
        "GET",
        &path("/batches/01FC66621XXXXX119Z8PMV1QPQ/delivery_report"),
        Some("type=summary"),
    );
    req.assert_headers(false);
    assert_eq!(report.channel, Channel::Sms);
    assert_eq!(report.total_message_count, 3);
    assert_eq!(report.count(&DeliveryStatus::Delivered), 2);
    assert_eq!(report.statuses[0].code, DeliveryCode::QUEUED);
    assert!(!report.is_complete());
}

#[tokio::test]
async fn batch_full_report_with_filters() {
    let server = Server::start().await;
    server
        .respond(
            200,
            json!({
                "type": "delivery_report_mms",
                "batch_id": "b1",
                "total_message_count": 2,
                "statuses": [
                    {"code": 0, "status": "Delivered", "count": 1, "recipients": ["15551231234"]},
                    {"code": 402, "status": "Failed", "count": 1, "recipients": ["15559999999"]}
                ],
                "client_reference": "spring-7"
            }),
        )
        .await;
    let report = server
        .client()
        .delivery_reports()
        .for_batch("b1")
        .full()
        .statuses([DeliveryStatus::Delivered, DeliveryStatus::Failed])
        .codes([0, 402])
        .client_reference("spring-7")
        .send()
        .await
        .unwrap();
    server.only_request().assert_line(
        "GET",
        &path("/batches/b1/delivery_report"),
        Some("client_reference=spring-7&code=0%2C402&status=Delivered%2CFailed&type=full"),
    );
    assert_eq!(report.channel, Channel::Mms);
    assert_eq!(report.statuses[1].recipients, ["15559999999"]);
    assert_eq!(report.client_reference.as_deref(), Some("spring-7"));
    assert!(report.is_complete());
}

#[tokio::test]
async fn recipient_report() {
    let server = Server::start().await;
    server
        .respond(
            200,
            json!({
                "type": "recipient_delivery_report_sms",
                "batch_id": "b1",
                "recipient": "46701234567",
                "code": 0,
                "status": "Delivered",
                "at": "2016-10-02T09:34:18.542Z",
                "operator_status_at": "2016-10-02T09:34:18.101Z",
                "number_of_message_parts": 2,
                "encoding": "GSM",
                "applied_originator": "12345",
                "status_message": "delivered"
            }),
        )
        .await;
    let report =
        server.client().delivery_reports().for_recipient("b1", "46701234567").send().await.unwrap();
    let req = server.only_request();
    req.assert_line("GET", &path("/batches/b1/delivery_report/46701234567"), None);
    req.assert_headers(false);
    assert_eq!(report.status, DeliveryStatus::Delivered);
    assert_eq!(report.code, DeliveryCode::DELIVERED);
    assert_eq!(
        report.at,
        Utc.with_ymd_and_hms(2016, 10, 2, 9, 34, 18).unwrap()
            + chrono::TimeDelta::milliseconds(542)
    );
    assert_eq!(report.number_of_message_parts, Some(2));
    assert_eq!(report.encoding, Some(Encoding::Gsm));
    assert_eq!(report.applied_originator.as_deref(), Some("12345"));
}

#[tokio::test]
async fn list_one_page_with_filters() {
    let server = Server::start().await;
    server
        .respond(
            200,
            json!({
                "page": 2, "page_size": 2, "count": 9,
                "delivery_reports": [
                    {"type": "recipient_delivery_report_sms", "batch_id": "b1", "recipient": "46701234567", "code": 401,
                     "status": "Dispatched", "at": "2026-02-28T08:00:01Z"},
                    {"type": "recipient_delivery_report_mms", "batch_id": "b2", "recipient": "15551231234", "code": 0,
                     "status": "Delivered", "at": "2026-02-28T08:00:05.250Z", "client_reference": "c"}
                ]
            }),
        )
        .await;
    let start = Utc.with_ymd_and_hms(2026, 2, 28, 0, 0, 0).unwrap();
    let end = Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap();
    let page = server
        .client()
        .delivery_reports()
        .list()
        .start_date(start)
        .end_date(end)
        .statuses([DeliveryStatus::Dispatched, DeliveryStatus::Delivered])
        .codes([401, 0])
        .client_reference("c")
        .page_size(2)
        .page(2)
        .await
        .unwrap();
    server.only_request().assert_line(
        "GET",
        &path("/delivery_reports"),
        Some(
            "client_reference=c&code=401%2C0&end_date=2026-03-01T00%3A00%3A00Z&page=2&page_size=2\
             &start_date=2026-02-28T00%3A00%3A00Z&status=Dispatched%2CDelivered",
        ),
    );
    assert_eq!((page.page, page.page_size, page.count), (2, 2, 9));
    assert_eq!(page.items[0].channel, Channel::Sms);
    assert_eq!(page.items[1].channel, Channel::Mms);
}
