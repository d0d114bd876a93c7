//! `GET /_sim/events`: in order, with ids, resumable, per plan.

use super::*;

#[tokio::test]
async fn events_come_in_order_with_ids_and_resume() {
    let desk = Desk::start();
    let batch = desk.send(text_batch(&["+46701234567", "+46707654321"], "Hi")).await;
    let id = batch["id"].as_str().unwrap();
    desk.sim.advance(Duration::from_secs(3)).await;
    desk.sim
        .inject_inbound(json!({"from": "46701234567", "to": "12345", "body": "Thanks"}))
        .await
        .unwrap();

    let all =
        read_events(&desk, "/_sim/events?after=0", None, 100, Duration::from_millis(500)).await;
    let kinds: Vec<&str> = all.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds[0], "batch_created");
    assert_eq!(all[0].data["batch_id"], id);
    // Two recipients, Queued, Dispatched and Delivered each.
    let statuses: Vec<(String, String)> = all
        .iter()
        .filter(|e| e.kind == "status_changed")
        .map(|e| (e.data["to"].as_str().unwrap().into(), e.data["status"].as_str().unwrap().into()))
        .collect();
    assert_eq!(statuses.len(), 6);
    for to in ["46701234567", "46707654321"] {
        let mine: Vec<&str> =
            statuses.iter().filter(|(t, _)| t == to).map(|(_, s)| s.as_str()).collect();
        assert_eq!(mine, ["Queued", "Dispatched", "Delivered"]);
    }
    assert!(kinds.contains(&"clock"));
    assert_eq!(*kinds.last().unwrap(), "inbound_received");
    // Ids increase by one; each event carries its own.
    for pair in all.windows(2) {
        assert_eq!(pair[1].id, pair[0].id + 1);
    }
    assert!(all.iter().all(|e| e.data["id"] == e.id));

    // Resuming after the third event gives exactly the ones after it.
    let third = all[2].id;
    let resumed =
        read_events(&desk, "/_sim/events", Some(third), 100, Duration::from_millis(500)).await;
    let ids: Vec<u64> = resumed.iter().map(|e| e.id).collect();
    let expected: Vec<u64> = all.iter().map(|e| e.id).filter(|id| *id > third).collect();
    assert_eq!(ids, expected);

    // A new client without an id gets only what happens from now on, live.
    let live = tokio::spawn({
        let http = desk.http.clone();
        let url = format!("{}/_sim/events", desk.sim.url());
        async move {
            let mut response = http.get(url).send().await.unwrap();
            let mut text = String::new();
            let deadline = tokio::time::Instant::now() + LIMIT;
            while !text.contains("batch_created") {
                tokio::select! {
                    chunk = response.chunk() => match chunk.unwrap() {
                        Some(c) => text.push_str(&String::from_utf8_lossy(&c)),
                        None => break,
                    },
                    _ = tokio::time::sleep_until(deadline) => break,
                }
            }
            text
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    desk.send(text_batch(&["+46700000001"], "Live")).await;
    let text = live.await.unwrap();
    assert!(text.contains("event: batch_created"), "{text}");
    assert!(!text.contains("event: inbound_received"), "old events replayed: {text}");
}

#[tokio::test]
async fn a_client_too_far_behind_gets_a_gap_and_each_plan_its_own() {
    let desk = Desk::with(manual().service_plan(PLAN, TOKEN).service_plan("other", "other-token"));
    desk.send_to("other", "other-token", text_batch(&["+46709999999"], "Other plan")).await;
    let recipients: Vec<String> = (0..1_000).map(|i| format!("+4670{i:07}")).collect();
    let to: Vec<&str> = recipients.iter().map(String::as_str).collect();
    // 4 batches of 1,000 recipients through their lifecycle: over 12,000
    // events, more than the buffer keeps.
    for _ in 0..4 {
        desk.send(text_batch(&to, "Bulk")).await;
    }
    desk.sim.advance(Duration::from_secs(3)).await;
    let gap = read_events(&desk, "/_sim/events", Some(1), 1, LIMIT).await;
    assert_eq!(gap[0].kind, "gap");
    assert!(gap[0].data["newest"].as_u64().unwrap() > xms_simulator::EVENT_BUFFER as u64);

    // The other plan's mailbox sees only its own events (and global ones).
    let other =
        read_events(&desk, "/_sim/events?after=0&plan=other", None, 3, Duration::from_millis(500))
            .await;
    assert!(
        other.iter().all(|e| e.data["plan"].is_null() || e.data["plan"] == "other"),
        "{other:?}"
    );
    assert!(other.iter().all(|e| e.data["plan"] != PLAN));

    // A Last-Event-ID that is not a number is refused.
    let response = desk
        .http
        .get(format!("{}/_sim/events", desk.sim.url()))
        .header("last-event-id", "soon")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}
