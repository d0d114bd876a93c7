//! The seven group operations.

use serde_json::json;
use xms::groups::AutoUpdate;

use crate::support::{Server, path};

fn group_response() -> serde_json::Value {
    json!({
        "id": "01FC66621XXXXX119Z8PMV1QPR",
        "name": "Newsletter",
        "size": 2,
        "created_at": "2026-02-01T12:00:00.000Z",
        "modified_at": "2026-02-20T08:30:00.000Z",
        "child_groups": ["01FC66621XXXXX119Z8PMV1QPS"],
        "auto_update": {"to": "54321", "add": {"first_word": "SINCH", "second_word": "JOIN"}, "remove": {"first_word": "SINCH", "second_word": "LEAVE"}}
    })
}

#[tokio::test]
async fn create() {
    let server = Server::start().await;
    server.respond(201, group_response()).await;
    let group = server
        .client()
        .groups()
        .create()
        .name("Newsletter")
        .members(["46701234567", "46707654321"])
        .child_groups(["01FC66621XXXXX119Z8PMV1QPS"])
        .auto_update(
            AutoUpdate::new("54321")
                .add_keywords("SINCH", "JOIN")
                .remove_keywords("SINCH", "LEAVE"),
        )
        .send()
        .await
        .unwrap();
    let req = server.only_request();
    req.assert_line("POST", &path("/groups"), None);
    req.assert_headers(true);
    assert_eq!(
        req.json(),
        json!({
            "name": "Newsletter",
            "members": ["46701234567", "46707654321"],
            "child_groups": ["01FC66621XXXXX119Z8PMV1QPS"],
            "auto_update": {"to": "54321", "add": {"first_word": "SINCH", "second_word": "JOIN"}, "remove": {"first_word": "SINCH", "second_word": "LEAVE"}}
        })
    );
    assert_eq!(group.id, "01FC66621XXXXX119Z8PMV1QPR");
    assert_eq!(group.size, 2);
    assert_eq!(group.child_groups[0], "01FC66621XXXXX119Z8PMV1QPS");
    let auto = group.auto_update.unwrap();
    assert_eq!(
        (auto.recipient.as_str(), auto.add.unwrap().second_word.as_deref()),
        ("54321", Some("JOIN"))
    );
}

#[tokio::test]
async fn get_and_members_and_delete() {
    let server = Server::start().await;
    server.respond(200, group_response()).await;
    let group = server.client().groups().get("g1").await.unwrap();
    let req = server.only_request();
    req.assert_line("GET", &path("/groups/g1"), None);
    req.assert_headers(false);
    assert_eq!(group.name.as_deref(), Some("Newsletter"));

    let server = Server::start().await;
    server.respond(200, json!(["46701234567", "46707654321"])).await;
    let members = server.client().groups().members("g1").await.unwrap();
    server.only_request().assert_line("GET", &path("/groups/g1/members"), None);
    assert_eq!(members, ["46701234567", "46707654321"]);

    let server = Server::start().await;
    server.respond_with(200, &[], Vec::new(), None).await;
    server.client().groups().delete("g1").await.unwrap();
    let req = server.only_request();
    req.assert_line("DELETE", &path("/groups/g1"), None);
    req.assert_headers(false);
}

#[tokio::test]
async fn update_with_every_change_and_name_removal() {
    let server = Server::start().await;
    server.respond(200, group_response()).await;
    server
        .client()
        .groups()
        .update("g1")
        .add_members(["46701111111"])
        .remove_members(["46702222222"])
        .add_child_groups(["g2"])
        .remove_child_groups(["g3"])
        .add_from_group("g4")
        .remove_from_group("g5")
        .reset_name()
        .reset_auto_update()
        .send()
        .await
        .unwrap();
    let req = server.only_request();
    req.assert_line("POST", &path("/groups/g1"), None);
    req.assert_headers(true);
    assert_eq!(
        req.json(),
        json!({
            "add": ["46701111111"],
            "remove": ["46702222222"],
            "child_groups_add": ["g2"],
            "child_groups_remove": ["g3"],
            "add_from_group": "g4",
            "remove_from_group": "g5",
            "name": null,
            "auto_update": null
        })
    );

    let server = Server::start().await;
    server.respond(200, group_response()).await;
    server
        .client()
        .groups()
        .update("g1")
        .name("Regulars")
        .auto_update(AutoUpdate::new("12345").add_keyword("JOIN"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        server.only_request().json(),
        json!({"name": "Regulars", "auto_update": {"to": "12345", "add": {"first_word": "JOIN"}}})
    );
}

#[tokio::test]
async fn replace() {
    let server = Server::start().await;
    server.respond(200, group_response()).await;
    server.client().groups().replace("g1", ["46701234567"]).name("Regulars").send().await.unwrap();
    let req = server.only_request();
    req.assert_line("PUT", &path("/groups/g1"), None);
    req.assert_headers(true);
    assert_eq!(req.json(), json!({"name": "Regulars", "members": ["46701234567"]}));
}
