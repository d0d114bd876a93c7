//! The blocking facade: the same flows from plain threads.

use serde_json::json;
use xms::{DeliveryStatus, Error};

use crate::support::{PLAN, TOKEN};

fn batch_json() -> serde_json::Value {
    json!({"id": "b1", "type": "mt_text", "from": "12345", "to": ["46701234567"], "body": "Hello"})
}

/// A plain `#[test]`: no runtime anywhere, as in a `fn main`.
#[test]
fn main_flows_without_async() {
    let server = httpmock::MockServer::start();
    let sent = server.mock(|when, then| {
        when.method("POST")
            .path(format!("/xms/v1/{PLAN}/batches"))
            .header("authorization", format!("Bearer {TOKEN}"));
        then.status(201).json_body(batch_json());
    });
    let got = server.mock(|when, then| {
        when.method("GET").path(format!("/xms/v1/{PLAN}/batches/b1"));
        then.status(200).json_body(batch_json());
    });
    let report_mock = server.mock(|when, then| {
        when.method("GET").path(format!("/xms/v1/{PLAN}/batches/b1/delivery_report")).query_param("type", "full");
        then.status(200).json_body(json!({
            "type": "delivery_report_sms", "batch_id": "b1", "total_message_count": 1,
            "statuses": [{"code": 0, "status": "Delivered", "count": 1, "recipients": ["46701234567"]}]
        }));
    });
    let group = server.mock(|when, then| {
        when.method("POST")
            .path(format!("/xms/v1/{PLAN}/groups"))
            .json_body(json!({"name": "Team", "members": ["46701234567"]}));
        then.status(201).json_body(json!({"id": "g1", "name": "Team", "size": 1}));
    });
    let missing = server.mock(|when, then| {
        when.method("GET").path(format!("/xms/v1/{PLAN}/inbounds/nope"));
        then.status(404);
    });

    let client = xms::blocking::Client::from_builder(
        xms::Client::builder().service_plan(PLAN, TOKEN).endpoint(server.base_url()),
    )
    .unwrap();
    let batch = client.batches().text("12345", ["46701234567"], "Hello").send().unwrap();
    assert_eq!(batch.id, "b1");
    assert_eq!(client.batches().get(&batch.id).unwrap().id(), "b1");
    let report = client.delivery_reports().for_batch(&batch.id).full().send().unwrap();
    assert_eq!(report.count(&DeliveryStatus::Delivered), 1);
    assert_eq!(
        client.groups().create().name("Team").members(["46701234567"]).send().unwrap().size,
        1
    );
    assert!(matches!(client.inbounds().get("nope"), Err(Error::NotFound { .. })));
    for mock in [sent, got, report_mock, group, missing] {
        mock.assert_calls(1);
    }
}

#[test]
fn works_from_many_plain_threads_at_once() {
    let server = httpmock::MockServer::start();
    let got = server.mock(|when, then| {
        when.method("GET").path(format!("/xms/v1/{PLAN}/batches/b1"));
        then.status(200).json_body(batch_json());
    });
    let client = xms::blocking::Client::from_builder(
        xms::Client::builder().service_plan(PLAN, TOKEN).endpoint(server.base_url()),
    )
    .unwrap();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let client = client.clone();
            std::thread::spawn(move || client.batches().get("b1").map(|b| b.id().clone()))
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap().unwrap(), "b1");
    }
    got.assert_calls(8);
}

#[tokio::test(flavor = "current_thread")]
async fn inside_async_code_it_works_in_spawn_blocking_and_even_on_the_task_thread() {
    let server = httpmock::MockServer::start_async().await;
    let got = server
        .mock_async(|when, then| {
            when.method("GET").path(format!("/xms/v1/{PLAN}/batches/b1"));
            then.status(200).json_body(batch_json());
        })
        .await;
    let client = xms::blocking::Client::from_builder(
        xms::Client::builder().service_plan(PLAN, TOKEN).endpoint(server.base_url()),
    )
    .unwrap();
    // The documented way.
    let in_pool = client.clone();
    let id =
        tokio::task::spawn_blocking(move || in_pool.batches().get("b1").map(|b| b.id().clone()))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(id, "b1");
    // Straight from the only thread of this runtime: it stalls the runtime
    // for the call, but neither panics nor deadlocks.
    assert_eq!(client.batches().get("b1").unwrap().id(), "b1");
    got.assert_calls_async(2).await;
}
