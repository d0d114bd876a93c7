//! The axum extractor for callbacks, behind a real server on 127.0.0.1:
//! signed callbacks reach the handler typed; tampered, unsigned and
//! replayed ones get 401, bodies that are not callbacks 400, oversized ones
//! 413, and the handler never runs for them.

use std::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
};

use axum::{Router, extract::State, routing::post};
use xms::callbacks::{Callback, Verifier, axum::Verified, signature_headers};

const SECRET: &str = "axum-s3cret";
const INBOUND: &[u8] = br#"{"type":"mo_text","id":"01AB","from":"46701234567","to":"12345","body":"hi","received_at":"2026-01-01T00:00:00Z"}"#;

#[derive(Clone)]
struct App {
    verifier: Arc<Verifier>,
    handled: Arc<AtomicUsize>,
}

impl axum::extract::FromRef<App> for Arc<Verifier> {
    fn from_ref(app: &App) -> Self {
        app.verifier.clone()
    }
}

async fn receive(State(app): State<App>, Verified(callback): Verified) -> String {
    app.handled.fetch_add(1, Ordering::SeqCst);
    match callback {
        Callback::Inbound(inbound) => format!("inbound {}", inbound.id()),
        other => format!("{other:?}"),
    }
}

async fn start(verifier: Verifier) -> (String, Arc<AtomicUsize>) {
    let handled = Arc::new(AtomicUsize::new(0));
    let app = App { verifier: Arc::new(verifier), handled: handled.clone() };
    let router = Router::new().route("/callbacks", post(receive)).with_state(app);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/callbacks", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    (url, handled)
}

async fn post_with(url: &str, headers: &[(String, String)], body: Vec<u8>) -> (u16, String) {
    let mut request = reqwest::Client::new().post(url).header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = request.body(body).send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn signed_tampered_replayed_unsigned_and_oversized_callbacks() {
    let (url, handled) = start(Verifier::new(SECRET).reject_replays().max_body(4096)).await;

    let headers = signature_headers(SECRET, INBOUND);
    let (status, text) = post_with(&url, &headers, INBOUND.to_vec()).await;
    assert_eq!((status, text.as_str()), (200, "inbound 01AB"));

    // The same callback again: a replay.
    let (status, text) = post_with(&url, &headers, INBOUND.to_vec()).await;
    assert_eq!(status, 401, "{text}");
    assert!(text.contains("already accepted"), "{text}");

    // Tampered: the body changed after signing.
    let tampered = String::from_utf8(INBOUND.to_vec()).unwrap().replace("hi", "ho");
    let fresh = signature_headers(SECRET, INBOUND);
    let (status, _) = post_with(&url, &fresh, tampered.into_bytes()).await;
    assert_eq!(status, 401);

    // Unsigned, and signed with another secret.
    assert_eq!(post_with(&url, &[], INBOUND.to_vec()).await.0, 401);
    let wrong = signature_headers("another-secret", INBOUND);
    assert_eq!(post_with(&url, &wrong, INBOUND.to_vec()).await.0, 401);

    // Signed, but not a callback.
    let odd = br#"{"type":"something_else"}"#.to_vec();
    let (status, text) = post_with(&url, &signature_headers(SECRET, &odd), odd).await;
    assert_eq!(status, 400, "{text}");

    // Larger than the limit: refused before it is read whole.
    let big = vec![b' '; 10_000];
    let (status, _) = post_with(&url, &signature_headers(SECRET, &big), big).await;
    assert_eq!(status, 413);

    assert_eq!(handled.load(Ordering::SeqCst), 1, "only the first reached the handler");
}

#[tokio::test]
async fn an_oversized_body_without_a_length_is_refused_too() {
    let (url, handled) = start(Verifier::new(SECRET).max_body(1024)).await;
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..8).map(|_| Ok(vec![b'x'; 512])).collect();
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let response = reqwest::Client::new()
        .post(&url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 413);
    assert_eq!(handled.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn unverified_receiving_must_be_asked_for() {
    let (url, handled) = start(Verifier::insecure_no_verification()).await;
    let (status, text) = post_with(&url, &[], INBOUND.to_vec()).await;
    assert_eq!((status, text.as_str()), (200, "inbound 01AB"));
    assert_eq!(handled.load(Ordering::SeqCst), 1);
}
