//! `--state FILE`: everything back after a restart; retention.

use xms_simulator::Retention;

use super::*;

fn state_file(name: &str) -> std::path::PathBuf {
    let path =
        std::env::temp_dir().join(format!("xms-sim-state-{}-{name}.json", std::process::id()));
    let _ = std::fs::remove_file(&path);
    path
}

/// What the API says of everything: to compare before and after a restart.
async fn everything(desk: &Desk) -> Value {
    let api = |path: String| {
        let http = desk.http.clone();
        let url = format!("{}/xms/v1/{PLAN}{path}", desk.sim.url());
        async move {
            let response = http.get(url).bearer_auth(TOKEN).send().await.unwrap();
            response.json::<Value>().await.unwrap()
        }
    };
    let batches = api("/batches?page_size=100".into()).await;
    let mut reports = Vec::new();
    for b in batches["batches"].as_array().unwrap() {
        let id = b["id"].as_str().unwrap();
        reports.push(api(format!("/batches/{id}")).await);
        reports.push(api(format!("/batches/{id}/delivery_report?type=full")).await);
    }
    let groups = api("/groups".into()).await;
    let group = groups["groups"][0]["id"].as_str().unwrap().to_string();
    json!({
        "batches": batches,
        "reports": reports,
        "groups": groups,
        "members": api(format!("/groups/{group}/members")).await,
        "tags": api(format!("/groups/{group}/tags")).await,
        "inbounds": api("/inbounds".into()).await,
        "outbox": desk.sim.outbox(),
    })
}

#[tokio::test]
async fn state_survives_a_restart() {
    let path = state_file("restart");
    let desk = Desk::with(manual().state_file(&path));
    let group = desk
        .http
        .post(format!("{}/xms/v1/{PLAN}/groups", desk.sim.url()))
        .bearer_auth(TOKEN)
        .json(&json!({"name": "friends", "members": ["+46701111111", "+46702222222"]}))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    let group_id = group["id"].as_str().unwrap();
    desk.http
        .put(format!("{}/xms/v1/{PLAN}/groups/{group_id}/tags", desk.sim.url()))
        .bearer_auth(TOKEN)
        .json(&json!({"tags": ["vip"]}))
        .send()
        .await
        .unwrap();
    desk.send(text_batch(&["+46701234567", "+46701234991"], "Delivered and failed")).await;
    desk.sim.advance(Duration::from_secs(3)).await;
    desk.send(text_batch(&[group_id], "To the group, half way")).await;
    desk.sim.advance(Duration::from_secs(1)).await;
    let later = desk
        .send(json!({"from": "12345", "to": ["+46703333333"], "body": "Later", "send_at": "2099-01-01T00:00:00Z"}))
        .await;
    desk.sim
        .inject_inbound(json!({"from": "46701234567", "to": "12345", "body": "Hello back"}))
        .await
        .unwrap();
    let before = everything(&desk).await;
    let clock_before = desk.get("/_sim/clock").await.1["now"].clone();
    drop(desk); // saves

    let desk = Desk::with(manual().state_file(&path));
    assert_eq!(everything(&desk).await, before, "every batch, status, group and inbound back");
    assert_eq!(desk.get("/_sim/clock").await.1["now"], clock_before);
    // Time goes on from where it was: the half-way batch finishes.
    desk.sim.advance(Duration::from_secs(3)).await;
    let outbox = desk.sim.outbox();
    let group_messages: Vec<&Value> = outbox
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["body"] == "To the group, half way")
        .collect();
    assert_eq!(group_messages.len(), 2);
    assert!(group_messages.iter().all(|m| m["status"] == "Delivered"), "{group_messages:?}");
    // The scheduled batch is still scheduled, and can be canceled.
    let id = later["id"].as_str().unwrap();
    let canceled = desk
        .http
        .delete(format!("{}/xms/v1/{PLAN}/batches/{id}", desk.sim.url()))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(canceled.status(), 200);
    // New ids do not collide with the old ones.
    let new = desk.send(text_batch(&["+46704444444"], "New")).await;
    assert!(before["batches"]["batches"].as_array().unwrap().iter().all(|b| b["id"] != new["id"]));
    drop(desk);
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn a_broken_state_file_is_refused_with_its_name() {
    let path = state_file("broken");
    std::fs::write(&path, "{\"format\": \"something else\"").unwrap();
    let error = manual().state_file(&path).try_start().unwrap_err();
    assert!(error.to_string().contains(&path.display().to_string()), "{error}");
    std::fs::write(&path, r#"{"format": "other", "version": 1, "now": "2026-01-01T00:00:00Z", "counter": 0, "next_event": 1, "delivery_base": 0, "plans": [], "deliveries": []}"#).unwrap();
    let error = manual().state_file(&path).try_start().unwrap_err();
    assert!(error.to_string().contains("not a simulator state file"), "{error}");
    let _ = std::fs::remove_file(&path);
}

#[tokio::test]
async fn retention_drops_the_oldest_finished_batches() {
    let desk = Desk::with(manual());
    // One that never finishes (994 stays Queued), then ten finished ones
    // of ten messages each.
    let stuck = desk.send(text_batch(&["+46700000994"], "Stuck")).await;
    let numbers: Vec<String> = (0..10).map(|i| format!("+467011111{i:02}")).collect();
    let to: Vec<&str> = numbers.iter().map(String::as_str).collect();
    let mut ids = Vec::new();
    for i in 0..10 {
        ids.push(
            desk.send(text_batch(&to, &format!("Batch {i}"))).await["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    desk.sim.advance(Duration::from_secs(3)).await;
    desk.sim
        .inject_inbound(json!({"from": "46701234567", "to": "12345", "body": "In"}))
        .await
        .unwrap();
    // 101 messages and 1 inbound; keep 50.
    let dropped = desk.sim.enforce_retention(Retention { max_messages: Some(50), max_age: None });
    assert_eq!(dropped, 6, "six batches, the oldest finished ones");
    let (_, page) = desk.get("/_sim/messages?page_size=500").await;
    assert_eq!(page["total"], 41);
    let kept: std::collections::BTreeSet<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["batch_id"].as_str().unwrap().to_string())
        .collect();
    assert!(kept.contains(stuck["id"].as_str().unwrap()), "a batch not finished stays");
    for id in &ids[..6] {
        assert!(!kept.contains(id));
    }
    for id in &ids[6..] {
        assert!(kept.contains(id));
    }
    // The dropped ones are gone from the API too; the others still answer.
    let gone = desk
        .http
        .get(format!("{}/xms/v1/{PLAN}/batches/{}", desk.sim.url(), ids[0]))
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), 404);
    // The stuck one still expires on time (its place moved in the store).
    desk.sim.advance(Duration::from_secs(3 * 86_400 + 10)).await;
    let (_, page) = desk.get("/_sim/messages?status=Expired").await;
    assert_eq!(page["total"], 1);
    // By age: everything finished is older than a day now.
    let dropped = desk.sim.enforce_retention(Retention {
        max_messages: None,
        max_age: Some(Duration::from_secs(86_400)),
    });
    assert_eq!(dropped, 6, "the stuck batch (now expired), four batches, the inbound");
    assert_eq!(desk.get("/_sim/messages").await.1["total"], 0);
}
