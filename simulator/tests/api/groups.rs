//! Groups, their members, auto-update keywords, and sending to them.

use super::*;

#[tokio::test]
async fn groups_members_auto_update_and_sending_to_a_group() {
    let api = Api::start();
    let (status, group) = api
        .call("POST", "/groups", Some(json!({"name": "Club", "members": ["+46701111111"], "auto_update": {"to": "12345", "add": {"first_word": "JOIN"}, "remove": {"first_word": "stop"}}})))
        .await;
    assert_eq!(status, 201, "{group}");
    let id = group["id"].as_str().unwrap().to_string();
    assert_eq!((group["size"].as_u64(), group["name"].as_str()), (Some(1), Some("Club")));
    let (status, conflict) = api.call("POST", "/groups", Some(json!({"name": "Club"}))).await;
    assert_eq!((status, code(&conflict)), (403, "conflict_group_name"));

    // Phones text JOIN and STOP to 12345.
    api.sim
        .inject_inbound(json!({"from": "46702222222", "to": "12345", "body": "join please"}))
        .await
        .unwrap();
    api.sim
        .inject_inbound(json!({"from": "46701111111", "to": "12345", "body": "STOP"}))
        .await
        .unwrap();
    let (_, members) = api.call("GET", &format!("/groups/{id}/members"), None).await;
    assert_eq!(members, json!(["46702222222"]));

    let (status, updated) = api
        .call("POST", &format!("/groups/{id}"), Some(json!({"add": ["46703333333"], "name": null})))
        .await;
    assert_eq!(status, 200);
    assert!(updated.get("name").is_none(), "the name was removed: {updated}");
    assert_eq!(updated["size"], 2);

    api.send(json!({"to": [id], "body": "Hello members"})).await;
    let sent: Vec<String> = api
        .sim
        .outbox()
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["to"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(sent, ["46702222222", "46703333333"]);

    assert_eq!(api.call("DELETE", &format!("/groups/{id}"), None).await.0, 200);
    assert_eq!(api.call("GET", &format!("/groups/{id}"), None).await.0, 404);
    let (status, unknown) =
        api.call("POST", "/batches", Some(json!({"to": [id], "body": "x"}))).await;
    assert_eq!((status, code(&unknown)), (403, "unknown_group"));
}
