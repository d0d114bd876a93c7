//! The guard of `/` and `/_sim`: another site's page cannot drive the
//! simulator, a rebound name is refused, credentials off loopback.

use super::*;

async fn status(desk: &Desk, method: &str, path: &str, headers: &[(&str, &str)]) -> u16 {
    let mut request =
        desk.http.request(method.parse().unwrap(), format!("{}{path}", desk.sim.url()));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if method == "POST" {
        request = request.header("content-type", "application/json").body("{}");
    }
    request.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn other_sites_and_rebound_names_are_refused() {
    let desk = Desk::with(manual().ui(true));
    let host = desk.sim.url().trim_start_matches("http://").to_string();
    let same_origin = format!("http://{host}");
    desk.send(text_batch(&["+46701234567"], "Kept")).await;

    // DNS rebinding: a page of evil.example whose name now points here.
    for path in ["/", "/_sim/clock", "/_sim/messages", "/_sim/events"] {
        assert_eq!(status(&desk, "GET", path, &[("host", "evil.example:80")]).await, 403, "{path}");
    }
    // A cross-site request that would change something.
    assert_eq!(
        status(&desk, "POST", "/_sim/reset", &[("origin", "http://evil.example")]).await,
        403
    );
    assert_eq!(status(&desk, "POST", "/_sim/reset", &[("origin", "null")]).await, 403);
    assert_eq!(
        status(&desk, "POST", "/_sim/faults", &[("sec-fetch-site", "cross-site")]).await,
        403
    );
    assert_eq!(
        status(&desk, "POST", "/_sim/clock/advance", &[("origin", "http://127.0.0.1:1")]).await,
        403,
        "another port is another origin"
    );
    // Nothing changed.
    assert_eq!(desk.get("/_sim/messages").await.1["total"], 1);
    assert_eq!(desk.get("/_sim/faults").await.1["queued"]["xms"], 0);
    // Tools without an Origin, localhost, and the UI itself (same origin)
    // pass.
    assert_eq!(status(&desk, "POST", "/_sim/reset", &[]).await, 204);
    let local = host.replace("127.0.0.1", "localhost");
    assert_eq!(status(&desk, "GET", "/_sim/clock", &[("host", &local)]).await, 200);
    let queued = desk
        .http
        .post(format!("{}/_sim/faults", desk.sim.url()))
        .header("origin", &same_origin)
        .json(&json!({"status": 503}))
        .send()
        .await
        .unwrap();
    assert_eq!(queued.status(), 200);
    // The XMS API is not the desk's: its own token guards it.
    let api = desk
        .http
        .get(format!("{}/xms/v1/{PLAN}/batches", desk.sim.url()))
        .header("host", "api.example")
        .bearer_auth(TOKEN)
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 503, "the fault queued above, not the guard");
}

#[tokio::test]
async fn credentials_when_asked_for() {
    let desk = Desk::with(manual().ui(true).control_credentials("dev", "a-long-password"));
    let basic = |user: &str, password: &str| {
        use base64::Engine as _;
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        )
    };
    assert_eq!(status(&desk, "GET", "/", &[]).await, 401);
    assert_eq!(
        status(&desk, "GET", "/_sim/clock", &[("authorization", &basic("dev", "wrong"))]).await,
        401
    );
    let right = basic("dev", "a-long-password");
    assert_eq!(status(&desk, "GET", "/_sim/clock", &[("authorization", &right)]).await, 200);
    // Off loopback the server is reached by its own name: any Host, with
    // the credentials.
    assert_eq!(
        status(
            &desk,
            "GET",
            "/_sim/clock",
            &[("authorization", &right), ("host", "devbox.lan:8080")]
        )
        .await,
        200
    );
    let response = desk.http.get(format!("{}/", desk.sim.url())).send().await.unwrap();
    assert!(response.headers()["www-authenticate"].to_str().unwrap().starts_with("Basic"));
}

#[tokio::test]
async fn the_ui_is_served_only_when_on_and_under_a_strict_policy() {
    let off = Desk::with(manual());
    assert_eq!(status(&off, "GET", "/", &[]).await, 404);
    assert_eq!(status(&off, "GET", "/_sim/ui/app.js", &[]).await, 404);
    let on = Desk::with(manual().ui(true));
    for (path, kind) in [
        ("/", "text/html"),
        ("/_sim/ui/app.js", "text/javascript"),
        ("/_sim/ui/app.css", "text/css"),
    ] {
        let response = on.http.get(format!("{}{path}", on.sim.url())).send().await.unwrap();
        assert_eq!(response.status(), 200);
        let headers = response.headers();
        assert!(headers["content-type"].to_str().unwrap().starts_with(kind));
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe"), "{csp}");
        assert_eq!(headers["x-content-type-options"], "nosniff");
    }
    // No markup from data: the script never writes innerHTML.
    let script = on
        .http
        .get(format!("{}/_sim/ui/app.js", on.sim.url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!script.contains("innerHTML") && !script.contains("insertAdjacentHTML"));
}
