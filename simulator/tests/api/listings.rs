//! Listings: paged, counted, filtered, newest first.

use super::*;

#[tokio::test]
async fn listings_are_paged_counted_filtered_and_newest_first() {
    let api = Api::start();
    for i in 0..7 {
        api.send(json!({"from": if i % 2 == 0 { "12345" } else { "54321" }, "to": ["46701234567"], "body": format!("n{i}")})).await;
    }
    let (status, page) = api.call("GET", "/batches?page=1&page_size=3", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        (page["page"].as_u64(), page["page_size"].as_u64(), page["count"].as_u64()),
        (Some(1), Some(3), Some(7))
    );
    let bodies: Vec<&str> =
        page["batches"].as_array().unwrap().iter().map(|b| b["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["n3", "n2", "n1"], "newest first");
    let last = api.call("GET", "/batches?page=2&page_size=3", None).await.1;
    assert_eq!(last["page_size"], 1, "page_size is the number of items on the page");
    let filtered = api.call("GET", "/batches?from=54321", None).await.1;
    assert_eq!(filtered["count"], 3);
    let (status, error) = api.call("GET", "/batches?page_size=101", None).await;
    assert_eq!((status, code(&error)), (400, "syntax_constraint_violation"));
    // Older than 24 hours: out of the default window, in an explicit one.
    api.advance(25.0 * 3600.0).await;
    assert_eq!(api.call("GET", "/batches", None).await.1["count"], 0);
    assert_eq!(api.call("GET", "/batches?start_date=2000-01-01", None).await.1["count"], 7);
}
