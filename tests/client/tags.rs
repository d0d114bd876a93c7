//! The six legacy tag operations.

use serde_json::json;

use crate::support::{Server, path};

#[tokio::test]
async fn batch_and_group_tags() {
    for (owner, id) in [("batches", "b1"), ("groups", "g1")] {
        let tags = |server: &Server| {
            let client = server.client();
            if owner == "batches" { client.batches().tags(id) } else { client.groups().tags(id) }
        };

        let server = Server::start().await;
        server.respond(200, json!({"tags": ["signup"]})).await;
        assert_eq!(tags(&server).get().await.unwrap(), ["signup"]);
        let req = server.only_request();
        req.assert_line("GET", &path(&format!("/{owner}/{id}/tags")), None);
        req.assert_headers(false);

        let server = Server::start().await;
        server.respond(200, json!({"tags": ["a", "b"]})).await;
        assert_eq!(tags(&server).replace(["a", "b"]).await.unwrap(), ["a", "b"]);
        let req = server.only_request();
        req.assert_line("PUT", &path(&format!("/{owner}/{id}/tags")), None);
        req.assert_headers(true);
        assert_eq!(req.json(), json!({"tags": ["a", "b"]}));

        let server = Server::start().await;
        server.respond(200, json!({"tags": ["a", "vip"]})).await;
        assert_eq!(tags(&server).update(["vip"], ["b"]).await.unwrap(), ["a", "vip"]);
        let req = server.only_request();
        req.assert_line("POST", &path(&format!("/{owner}/{id}/tags")), None);
        assert_eq!(req.json(), json!({"add": ["vip"], "remove": ["b"]}));
    }
}

#[tokio::test]
async fn tags_on_a_send_and_in_the_answer() {
    let server = crate::support::Server::start().await;
    server
        .respond(
            201,
            serde_json::json!({"id": "b1", "type": "mt_text", "to": ["46701234567"],
                "body": "Hi", "tags": ["spring"]}),
        )
        .await;
    let batch = server
        .client()
        .batches()
        .text("12345", ["+46701234567"], "Hi")
        .tags(["spring"])
        .send()
        .await
        .unwrap();
    assert_eq!(batch.tags, ["spring"]);
    assert_eq!(server.only_request().json()["tags"], serde_json::json!(["spring"]));
}
