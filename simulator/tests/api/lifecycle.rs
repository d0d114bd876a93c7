//! What happens to a batch over simulated time: statuses, scheduling,
//! cancelling, parameters, encodings and parts, dry runs and feedback.

use super::*;

#[tokio::test]
async fn messages_move_through_the_statuses_on_the_clock() {
    let api = Api::start();
    let recipients =
        ["46701000000", "46701000991", "46701000992", "46701000993", "46701000994", "46701000995"];
    let batch = api.send(json!({"from": "12345", "to": recipients, "body": "Hi"})).await;
    let id = batch["id"].as_str().unwrap();
    let report = |full: bool| {
        let path = format!("/batches/{id}/delivery_report{}", if full { "?type=full" } else { "" });
        let api = &api;
        async move { api.call("GET", &path, None).await.1 }
    };
    let summary = report(false).await;
    assert_eq!(summary["type"], "delivery_report_sms");
    assert_eq!(summary["total_message_count"], 6);
    assert_eq!(summary["statuses"], json!([{"code": 400, "status": "Queued", "count": 6}]));

    api.advance(1.0).await;
    let statuses = report(false).await["statuses"].clone();
    assert_eq!(
        statuses,
        json!([{"code": 400, "status": "Queued", "count": 1}, {"code": 401, "status": "Dispatched", "count": 5}])
    );

    api.advance(2.0).await;
    let full = report(true).await;
    let by_status: Vec<(i64, String, Vec<String>)> = full["statuses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let recipients = s["recipients"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_str().unwrap().to_string())
                .collect();
            (s["code"].as_i64().unwrap(), s["status"].as_str().unwrap().to_string(), recipients)
        })
        .collect();
    assert_eq!(
        by_status,
        vec![
            (0, "Delivered".into(), vec!["46701000000".into()]),
            (3, "Expired".into(), vec!["46701000993".into()]),
            (5, "Failed".into(), vec!["46701000991".into()]),
            (8, "Rejected".into(), vec!["46701000992".into()]),
            (400, "Queued".into(), vec!["46701000994".into()]),
            (401, "Dispatched".into(), vec!["46701000995".into()]),
        ]
    );
    let (status, one) =
        api.call("GET", &format!("/batches/{id}/delivery_report/+46701000000"), None).await;
    assert_eq!(status, 200);
    assert_eq!(
        (one["type"].as_str(), one["status"].as_str(), one["code"].as_i64()),
        (Some("recipient_delivery_report_sms"), Some("Delivered"), Some(0))
    );
    assert!(one["at"].is_string() && one["operator_status_at"].is_string());
    assert_eq!(
        api.call("GET", &format!("/batches/{id}/delivery_report/46709999999"), None).await.0,
        404
    );
    // Filters.
    let failed = api
        .call("GET", &format!("/batches/{id}/delivery_report?status=Failed,Rejected&code=8"), None)
        .await
        .1;
    assert_eq!(failed["statuses"], json!([{"code": 8, "status": "Rejected", "count": 1}]));
}

#[tokio::test]
async fn scheduled_batches_can_change_until_dispatched() {
    let api = Api::start();
    let now = chrono::DateTime::parse_from_rfc3339(
        api.control("GET", "/clock", Value::Null).await["now"].as_str().unwrap(),
    )
    .unwrap();
    let send_at = (now + chrono::TimeDelta::hours(1)).to_rfc3339();
    let batch = api.send(json!({"to": ["46701234567"], "body": "Later", "send_at": send_at})).await;
    let id = batch["id"].as_str().unwrap().to_string();
    assert_eq!(
        api.call("GET", &format!("/batches/{id}/delivery_report"), None).await.1["statuses"],
        json!([])
    );

    let (status, updated) = api
        .call(
            "POST",
            &format!("/batches/{id}"),
            Some(json!({"type": "mt_text", "to_add": ["46707654321"], "body": "Later!"})),
        )
        .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["to"], json!(["46701234567", "46707654321"]));
    let (status, replaced) = api
        .call(
            "PUT",
            &format!("/batches/{id}"),
            Some(json!({"to": ["46709999999"], "body": "Instead", "send_at": send_at})),
        )
        .await;
    assert_eq!((status, replaced["id"].as_str()), (200, Some(id.as_str())));

    api.advance(3601.0).await;
    let (status, refused) =
        api.call("POST", &format!("/batches/{id}"), Some(json!({"body": "Too late"}))).await;
    assert_eq!((status, code(&refused)), (403, "batch_already_dispatched"));
    let (status, refused) = api
        .call("PUT", &format!("/batches/{id}"), Some(json!({"to": ["1234567"], "body": "x"})))
        .await;
    assert_eq!((status, code(&refused)), (403, "batch_already_dispatched"));
    let outbox = api.sim.outbox();
    assert_eq!(outbox.as_array().unwrap().len(), 1);
    assert_eq!(outbox[0]["to"], "46709999999");
}

#[tokio::test]
async fn cancel_before_and_after_dispatch() {
    let api = Api::start();
    let now = chrono::Utc::now() + chrono::TimeDelta::hours(1);
    let scheduled =
        api.send(json!({"to": ["46701234567"], "body": "x", "send_at": now.to_rfc3339()})).await;
    let id = scheduled["id"].as_str().unwrap();
    let (status, canceled) = api.call("DELETE", &format!("/batches/{id}"), None).await;
    assert_eq!((status, canceled["canceled"].as_bool()), (200, Some(true)));
    api.advance(7200.0).await;
    assert_eq!(
        api.call("GET", &format!("/batches/{id}/delivery_report"), None).await.1["statuses"],
        json!([])
    );

    let sent = api.send(json!({"to": ["46701234567", "46701000994"], "body": "x"})).await;
    let id = sent["id"].as_str().unwrap();
    api.advance(1.0).await;
    api.call("DELETE", &format!("/batches/{id}"), None).await;
    api.advance(5.0).await;
    let statuses =
        api.call("GET", &format!("/batches/{id}/delivery_report"), None).await.1["statuses"]
            .clone();
    assert_eq!(
        statuses,
        json!([{"code": 0, "status": "Delivered", "count": 1}, {"code": 407, "status": "Aborted", "count": 1}])
    );
}

#[tokio::test]
async fn parameters_encodings_and_parts() {
    let api = Api::start();
    let body = format!("{} ${{name}}", "a".repeat(150));
    api.send(json!({
        "to": ["46701111111", "46702222222", "46703333333"],
        "body": body,
        "parameters": {"name": {"46701111111": "Ada", "46702222222": "Ωmegaω"}}
    }))
    .await;
    api.send(
        json!({"to": ["46704444444"], "body": "€".repeat(81), "max_number_of_message_parts": 1}),
    )
    .await;
    api.send(json!({"to": ["46705555555"], "body": "€".repeat(80)})).await;
    let outbox = api.sim.outbox();
    let by_number =
        |n: &str| outbox.as_array().unwrap().iter().find(|m| m["to"] == n).unwrap().clone();
    let ada = by_number("46701111111");
    assert_eq!(
        (
            ada["body"].as_str().unwrap().ends_with(" Ada"),
            ada["parts"].as_u64(),
            ada["encoding"].as_str()
        ),
        (true, Some(1), Some("GSM"))
    );
    let omega = by_number("46702222222");
    assert_eq!((omega["parts"].as_u64(), omega["encoding"].as_str()), (Some(3), Some("UNICODE")));
    let missing = by_number("46703333333");
    assert_eq!(
        (missing["status"].as_str(), missing["code"].as_i64()),
        (Some("Aborted"), Some(405))
    );
    let too_long = by_number("46704444444");
    assert_eq!(
        (too_long["status"].as_str(), too_long["code"].as_i64(), too_long["parts"].as_u64()),
        (Some("Aborted"), Some(411), Some(2))
    );
    assert_eq!(by_number("46705555555")["parts"], 1, "80 euro signs are 160 septets");
}

#[tokio::test]
async fn dry_run_and_delivery_feedback() {
    let api = Api::start();
    let (status, result) = api
        .http
        .post(format!(
            "{}/xms/v1/{PLAN}/batches/dry_run?per_recipient=true&number_of_recipients=1",
            api.sim.url()
        ))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body(json!({"to": ["46701111111", "46702222222"], "body": "a".repeat(200)}).to_string())
        .send()
        .await
        .map(|r| (r.status().as_u16(), r))
        .unwrap();
    let result: Value = result.json().await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(
        (result["number_of_recipients"].as_u64(), result["number_of_messages"].as_u64()),
        (Some(2), Some(4))
    );
    assert_eq!(result["per_recipient"].as_array().unwrap().len(), 1);
    assert!(api.sim.outbox().as_array().unwrap().is_empty(), "a dry run sends nothing");

    let plain = api.send(json!({"to": ["46701111111"], "body": "x"})).await;
    let (status, refused) = api
        .call(
            "POST",
            &format!("/batches/{}/delivery_feedback", plain["id"].as_str().unwrap()),
            Some(json!({"recipients": []})),
        )
        .await;
    assert_eq!((status, code(&refused)), (400, "syntax_constraint_violation"));
    let with =
        api.send(json!({"to": ["46701111111"], "body": "x", "feedback_enabled": true})).await;
    let (status, _) = api
        .call(
            "POST",
            &format!("/batches/{}/delivery_feedback", with["id"].as_str().unwrap()),
            Some(json!({"recipients": ["46701111111"]})),
        )
        .await;
    assert_eq!(status, 202);
}
