//! Lazy, exact pagination: request counts, stop rules, loop guards, errors,
//! filters, read-ahead and the blocking iterators.

use httpmock::{Mock, MockServer};
use serde_json::{Value, json};
use xms::{Error, batches::Batch, inbounds::Inbound};

use crate::support::{PLAN, Server, TOKEN, path};

fn text_batch(i: usize) -> Value {
    json!({"id": format!("b{i:05}"), "type": "mt_text", "from": "12345", "to": ["46701234567"], "body": format!("n{i}")})
}

/// A listing of `total` batches served `size` per page, one mock per page
/// (plus one answering any later page with an empty list), so requests can
/// be counted per page.
struct Listing {
    server: &'static MockServer,
    mocks: Vec<Mock<'static>>,
}

impl Listing {
    async fn batches(total: usize, size: usize) -> Listing {
        Self::with(total, size, |page| {
            let items: Vec<Value> =
                (page * size..((page + 1) * size).min(total)).map(text_batch).collect();
            json!({"page": page, "page_size": items.len(), "count": total, "batches": items})
        })
        .await
    }

    /// Pages answered by `answer(page)` for pages `0..=last`, and an empty
    /// page after that.
    async fn with(total: usize, size: usize, answer: impl Fn(usize) -> Value) -> Listing {
        let pages = total.div_ceil(size).max(1);
        Self::pages((0..pages).map(answer).collect()).await
    }

    async fn pages(bodies: Vec<Value>) -> Listing {
        // Leaked so the mocks can borrow it next to it in the struct; a few
        // small servers per test run.
        let server: &'static MockServer = Box::leak(Box::new(MockServer::start_async().await));
        let mut mocks = Vec::new();
        let count = bodies.len();
        for (page, body) in bodies.into_iter().enumerate() {
            let mock = server
                .mock_async(|when, then| {
                    when.method("GET")
                        .path(format!("/xms/v1/{PLAN}/batches"))
                        .query_param("page", page.to_string());
                    then.status(200).header("content-type", "application/json").json_body(body);
                })
                .await;
            mocks.push(mock);
        }
        let beyond = server
            .mock_async(move |when, then| {
                when.method("GET").path(format!("/xms/v1/{PLAN}/batches")).is_true(move |req| {
                    req.query_params()
                        .iter()
                        .any(|(k, v)| k == "page" && v.parse::<usize>().unwrap_or(0) >= count)
                });
                then.status(200)
                    .header("content-type", "application/json")
                    .json_body(json!({"page": 0, "page_size": 0, "count": 0, "batches": []}));
            })
            .await;
        mocks.push(beyond);
        Listing { server, mocks }
    }

    fn client(&self) -> xms::Client {
        xms::Client::builder()
            .service_plan(PLAN, TOKEN)
            .endpoint(self.server.base_url())
            .build()
            .unwrap()
    }

    async fn calls(&self) -> Vec<usize> {
        let mut calls = Vec::new();
        for mock in &self.mocks {
            calls.push(mock.calls_async().await);
        }
        calls
    }

    async fn total_calls(&self) -> usize {
        self.calls().await.iter().sum()
    }
}

fn ids(batches: &[Batch]) -> Vec<String> {
    batches.iter().map(|b| b.id().to_string()).collect()
}

#[tokio::test]
async fn exact_requests_when_the_total_is_a_multiple_of_the_page_size() {
    let listing = Listing::batches(10, 5).await;
    let items = listing.client().batches().list().page_size(5).items().try_collect().await.unwrap();
    assert_eq!(ids(&items), (0..10).map(|i| format!("b{i:05}")).collect::<Vec<_>>());
    assert_eq!(listing.calls().await, [1, 1, 0], "two pages, and no trailing empty page");
}

#[tokio::test]
async fn exact_requests_when_the_total_is_not_a_multiple() {
    let listing = Listing::batches(11, 5).await;
    let items = listing.client().batches().list().page_size(5).items().try_collect().await.unwrap();
    assert_eq!(items.len(), 11);
    assert_eq!(listing.calls().await, [1, 1, 1, 0]);
}

#[tokio::test]
async fn nothing_is_requested_before_the_first_poll() {
    let listing = Listing::batches(10, 5).await;
    let mut items = listing.client().batches().list().page_size(5).items();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert_eq!(listing.total_calls().await, 0);
    assert!(items.try_next().await.unwrap().is_some());
    assert_eq!(listing.total_calls().await, 1);
    // The rest of the first page needs no request.
    for _ in 0..4 {
        items.try_next().await.unwrap().unwrap();
    }
    assert_eq!(listing.total_calls().await, 1);
    items.try_next().await.unwrap().unwrap();
    assert_eq!(listing.total_calls().await, 2);
}

#[tokio::test]
async fn an_empty_first_page_ends_the_listing() {
    let listing = Listing::batches(0, 5).await;
    let mut pages = listing.client().batches().list().pages();
    assert!(pages.try_next().await.unwrap().is_none());
    assert!(pages.try_next().await.unwrap().is_none());
    assert_eq!(listing.calls().await, [1, 0]);
}

#[tokio::test]
async fn a_count_that_changes_between_pages_is_followed() {
    // 12 batches, but page 0 still says there are 10.
    let listing = Listing::with(12, 5, |page| {
        let count = if page == 0 { 10 } else { 12 };
        let items: Vec<Value> = (page * 5..((page + 1) * 5).min(12)).map(text_batch).collect();
        json!({"page": page, "page_size": items.len(), "count": count, "batches": items})
    })
    .await;
    let items = listing.client().batches().list().page_size(5).items().try_collect().await.unwrap();
    assert_eq!(items.len(), 12);
    assert_eq!(listing.calls().await, [1, 1, 1, 0]);

    // Shrinking: page 1 says there are now only 10, which it completes.
    let listing = Listing::with(15, 5, |page| {
        let count = if page == 0 { 15 } else { 10 };
        let items: Vec<Value> = (page * 5..(page + 1) * 5).map(text_batch).collect();
        json!({"page": page, "page_size": 5, "count": count, "batches": items})
    })
    .await;
    let items = listing.client().batches().list().page_size(5).items().try_collect().await.unwrap();
    assert_eq!(items.len(), 10);
    assert_eq!(listing.calls().await, [1, 1, 0, 0]);
}

#[tokio::test]
async fn a_server_that_repeats_a_page_is_stopped() {
    let same: Vec<Value> = (0..5).map(text_batch).collect();
    let listing = Listing::pages(vec![
        json!({"page": 0, "page_size": 5, "count": 20, "batches": same}),
        json!({"page": 1, "page_size": 5, "count": 20, "batches": same}),
    ])
    .await;
    let mut items = listing.client().batches().list().page_size(5).items();
    for _ in 0..5 {
        items.try_next().await.unwrap().unwrap();
    }
    let error = items.try_next().await.unwrap_err();
    assert!(error.to_string().contains("same items"), "{error}");
    assert!(items.next().await.is_none(), "an error ends the stream");
    assert_eq!(listing.total_calls().await, 2);

    // A page number that was not asked for.
    let listing = Listing::pages(vec![
        json!({"page": 0, "page_size": 5, "count": 20, "batches": (0..5).map(text_batch).collect::<Vec<_>>()}),
        json!({"page": 0, "page_size": 5, "count": 20, "batches": (5..10).map(text_batch).collect::<Vec<_>>()}),
    ])
    .await;
    let mut pages = listing.client().batches().list().page_size(5).pages();
    pages.try_next().await.unwrap().unwrap();
    let error = pages.try_next().await.unwrap_err();
    assert!(error.to_string().contains("asked for page 1, XMS answered with page 0"), "{error}");
    assert!(pages.next().await.is_none());
    assert_eq!(listing.total_calls().await, 2);
}

#[tokio::test]
async fn an_error_on_page_3_of_5_is_yielded_once_after_pages_1_and_2() {
    let server: &'static MockServer = Box::leak(Box::new(MockServer::start_async().await));
    for page in 0..5usize {
        server
            .mock_async(|when, then| {
                when.path(format!("/xms/v1/{PLAN}/batches")).query_param("page", page.to_string());
                if page == 2 {
                    then.status(500).body("boom");
                } else {
                    let items: Vec<Value> = (page * 2..page * 2 + 2).map(text_batch).collect();
                    then.status(200).json_body(
                        json!({"page": page, "page_size": 2, "count": 10, "batches": items}),
                    );
                }
            })
            .await;
    }
    let client = xms::Client::builder()
        .service_plan(PLAN, TOKEN)
        .endpoint(server.base_url())
        .retry(xms::RetryPolicy::none())
        .build()
        .unwrap();
    let mut items = client.batches().list().page_size(2).items();
    let mut got = Vec::new();
    let error = loop {
        match items.next().await {
            Some(Ok(batch)) => got.push(batch),
            Some(Err(e)) => break e,
            None => panic!("the stream ended without the error"),
        }
    };
    assert_eq!(got.len(), 4);
    assert!(
        matches!(error, Error::UnexpectedResponse { .. }) && error.status() == Some(500),
        "{error:?}"
    );
    assert!(items.next().await.is_none());
    assert!(items.next().await.is_none());
}

#[tokio::test]
async fn start_from_page_n() {
    let listing = Listing::batches(20, 5).await;
    let items = listing
        .client()
        .batches()
        .list()
        .page_size(5)
        .start_page(2)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&items), (10..20).map(|i| format!("b{i:05}")).collect::<Vec<_>>());
    assert_eq!(listing.calls().await, [0, 0, 1, 1, 0]);
}

#[tokio::test]
async fn one_page_by_number() {
    let listing = Listing::batches(20, 5).await;
    let page = listing.client().batches().list().page_size(5).page(3).await.unwrap();
    assert_eq!((page.page, page.page_size, page.count, page.len()), (3, 5, 20, 5));
    assert_eq!(listing.calls().await, [0, 0, 0, 1, 0]);
}

#[tokio::test]
async fn read_ahead_gives_the_same_items_with_no_request_past_the_count() {
    let listing = Listing::batches(23, 5).await;
    let items = listing
        .client()
        .batches()
        .list()
        .page_size(5)
        .read_ahead(true)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(ids(&items), (0..23).map(|i| format!("b{i:05}")).collect::<Vec<_>>());
    assert_eq!(listing.calls().await, [1, 1, 1, 1, 1, 0]);

    // Reading ahead fetches page 1 as soon as page 0 is in, even if the
    // caller stops there.
    let listing = Listing::batches(23, 5).await;
    let mut pages = listing.client().batches().list().page_size(5).read_ahead(true).pages();
    pages.try_next().await.unwrap().unwrap();
    // The prefetch runs on its own task: wait for it (bounded), then check
    // that it stopped at one page ahead.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while listing.calls().await[1] == 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert_eq!(listing.calls().await, [1, 1, 0, 0, 0, 0]);
}

#[tokio::test]
async fn the_streams_are_futures_streams() {
    let listing = Listing::batches(7, 3).await;
    let stream = listing.client().batches().list().page_size(3).pages();
    let pages: Vec<xms::Page<Batch>> =
        futures_util::TryStreamExt::try_collect(stream).await.unwrap();
    assert_eq!(pages.iter().map(|p| p.len()).collect::<Vec<_>>(), [3, 3, 1]);
}

#[test]
fn blocking_iterators() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let listing = runtime.block_on(Listing::batches(11, 5));
    let client = xms::blocking::Client::from(listing.client());
    let pages: Vec<_> =
        client.batches().list().page_size(5).pages().collect::<Result<_, _>>().unwrap();
    assert_eq!(pages.iter().map(|p: &xms::Page<Batch>| p.len()).collect::<Vec<_>>(), [5, 5, 1]);
    let mut items = client.batches().list().page_size(5).start_page(1).items();
    assert_eq!(items.next().unwrap().unwrap().id(), "b00005");
    assert_eq!(items.count(), 5);
    assert_eq!(runtime.block_on(listing.calls()), [1, 2, 2, 0], "0-2 once, then 1-2 again");
}

#[tokio::test]
async fn batch_filters_in_the_query_string() {
    let server = Server::start().await;
    server.respond(200, json!({"page": 0, "page_size": 0, "count": 0, "batches": []})).await;
    let start = chrono::DateTime::parse_from_rfc3339("2026-02-01T00:00:00Z").unwrap().to_utc();
    let end = chrono::DateTime::parse_from_rfc3339("2026-02-02T12:30:00Z").unwrap().to_utc();
    let page = server
        .client()
        .batches()
        .list()
        .senders(["12345", "54321"])
        .start_date(start)
        .end_date(end)
        .client_reference("spring-7")
        .tags(["a", "b"])
        .page_size(50)
        .page(4)
        .await
        .unwrap();
    assert!(page.is_empty());
    let req = server.only_request();
    req.assert_line(
        "GET",
        &path("/batches"),
        Some(
            "client_reference=spring-7&end_date=2026-02-02T12%3A30%3A00Z&from=12345%2C54321&page=4&page_size=50\
             &start_date=2026-02-01T00%3A00%3A00Z&tags=a%2Cb",
        ),
    );
    req.assert_headers(false);
}

#[tokio::test]
async fn inbound_and_group_filters_in_the_query_string() {
    let server = Server::start().await;
    server.respond(200, json!({"page": 0, "page_size": 0, "count": 0, "inbounds": []})).await;
    server
        .client()
        .inbounds()
        .list()
        .recipients(["12345", "46700000000"])
        .client_reference("c")
        .page(0)
        .await
        .unwrap();
    let req = server.only_request();
    req.assert_line(
        "GET",
        &path("/inbounds"),
        Some("client_reference=c&page=0&to=12345%2C46700000000"),
    );
    req.assert_headers(false);

    let server = Server::start().await;
    server.respond(200, json!({"page": 1, "page_size": 0, "count": 0, "groups": []})).await;
    server.client().groups().list().tags(["vip"]).page_size(10).page(1).await.unwrap();
    let req = server.only_request();
    req.assert_line("GET", &path("/groups"), Some("page=1&page_size=10&tags=vip"));
    req.assert_headers(false);
}

#[tokio::test]
async fn a_filter_value_with_a_comma_is_refused_before_sending() {
    let server = Server::start().await;
    server.respond(200, json!({})).await;
    let client = server.client();
    for error in [
        client.batches().list().senders(["1,2"]).page(0).await.unwrap_err(),
        client.inbounds().list().recipients(["1,2"]).items().try_next().await.unwrap_err(),
        client.groups().list().tags(["a,b"]).page(0).await.unwrap_err(),
    ] {
        assert!(
            matches!(&error, Error::InvalidRequest { rule, .. } if rule.contains("comma")),
            "{error:?}"
        );
    }
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn mixed_types_in_one_page() {
    let server = Server::start().await;
    server
        .respond(
            200,
            json!({"page": 0, "page_size": 4, "count": 4, "batches": [
                {"id": "t", "type": "mt_text", "to": ["1"], "body": "hi"},
                {"id": "b", "type": "mt_binary", "to": ["1"], "body": "AA==", "udh": "00"},
                {"id": "m", "type": "mt_media", "to": ["1"], "body": {"url": "https://m.example.com/1.png"}},
                {"id": "r", "type": "mt_rcs", "to": ["1"]}
            ]}),
        )
        .await;
    let items = server.client().batches().list().items().try_collect().await.unwrap();
    assert!(matches!(
        items.as_slice(),
        [Batch::Text(_), Batch::Binary(_), Batch::Media(_), Batch::Other(_)]
    ));

    let server = Server::start().await;
    server
        .respond(
            200,
            json!({"page": 0, "page_size": 3, "count": 3, "inbounds": [
                {"type": "mo_text", "id": "1", "from": "4670", "to": "123", "body": "hi", "received_at": "2026-02-28T09:12:02Z"},
                {"type": "mo_binary", "id": "2", "from": "4670", "to": "123", "body": "AA==", "received_at": "2026-02-28T09:12:02Z"},
                {"type": "mo_media", "id": "3", "from": "1555", "to": "1555", "body": {"media": []}, "received_at": "2026-02-28T09:12:02Z"}
            ]}),
        )
        .await;
    let items = server.client().inbounds().list().items().try_collect().await.unwrap();
    assert!(matches!(items.as_slice(), [Inbound::Text(_), Inbound::Binary(_), Inbound::Media(_)]));

    let server = Server::start().await;
    server
        .respond(
            200,
            json!({"page": 0, "page_size": 2, "count": 2, "delivery_reports": [
                {"type": "recipient_delivery_report_sms", "batch_id": "b", "recipient": "1", "code": 0, "status": "Delivered", "at": "2026-02-28T09:12:02Z"},
                {"type": "recipient_delivery_report_mms", "batch_id": "m", "recipient": "2", "code": 0, "status": "Delivered", "at": "2026-02-28T09:12:02Z"}
            ]}),
        )
        .await;
    let items = server.client().delivery_reports().list().items().try_collect().await.unwrap();
    assert_eq!(
        items.iter().map(|r| r.channel.clone()).collect::<Vec<_>>(),
        [xms::Channel::Sms, xms::Channel::Mms]
    );
}
