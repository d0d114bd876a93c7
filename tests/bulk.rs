//! Sending at volume against the simulator: chunking and the parameters
//! split, progress, resumption with a run id, the lookup before a resend
//! after each kind of ambiguous failure, send_or_find, 429s, the client's
//! rate limits (requests and message parts), the blocking iterator, and the
//! offline parameter check and preview next to the simulator's dry run.

use std::{
    collections::{BTreeMap, BTreeSet},
    time::{Duration, Instant},
};

use futures_util::StreamExt;
use serde_json::Value;
use xms::{
    Error, RateLimit,
    batches::{BulkRecipient, ChunkOutcome, OnFailure, TextBatch},
};
use xms_simulator::{Fault, Simulator};

fn client(sim: &Simulator) -> xms::Client {
    client_with(sim, xms::ClientBuilder::default())
}

fn client_with(sim: &Simulator, builder: xms::ClientBuilder) -> xms::Client {
    builder
        .service_plan(sim.service_plan_id(), sim.api_token())
        .endpoint(sim.url())
        .timeout(Duration::from_secs(2))
        .retry(xms::RetryPolicy::default().initial_backoff(Duration::from_millis(10)))
        .build()
        .unwrap()
}

fn numbers(range: std::ops::Range<u32>) -> impl Iterator<Item = String> + Send + 'static {
    range.map(|i| format!("4670{i:07}"))
}

/// The outbox: batch id → its messages' (recipient, body).
fn outbox(sim: &Simulator) -> BTreeMap<String, Vec<(String, String)>> {
    let mut out: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for m in sim.outbox().as_array().unwrap() {
        let s = |k: &str| m[k].as_str().unwrap().to_owned();
        out.entry(s("batch_id")).or_default().push((s("to"), s("body")));
    }
    out
}

async fn run(send: xms::batches::BulkSend<xms::batches::Text>) -> Vec<ChunkOutcome<TextBatch>> {
    let mut outcomes: Vec<_> = send.stream().collect().await;
    outcomes.sort_by_key(|o| o.index);
    outcomes
}

#[tokio::test]
async fn chunks_carry_their_recipients_and_only_their_parameter_values() {
    let sim = Simulator::builder().record_answers().start();
    let client = client(&sim);
    // Every third recipient has a name; the others get the default.
    let recipients = (0..2500u32).map(|i| {
        let r = BulkRecipient::new(format!("4670{i:07}"));
        if i % 3 == 0 { r.value("name", format!("N{i}")) } else { r }
    });
    let outcomes = run(client
        .batches()
        .text("12345", Vec::<String>::new(), "Hi ${name}")
        .parameter("name", Vec::<(String, String)>::new(), "friend")
        .bulk(recipients)
        .run_id("split")
        .concurrency(2))
    .await;
    let sizes: Vec<usize> = outcomes.iter().map(|o| o.recipients.len()).collect();
    assert_eq!(sizes, [1000, 1000, 500]);
    let references: Vec<&str> = outcomes.iter().map(|o| o.client_reference.as_str()).collect();
    assert_eq!(references, ["split-0", "split-1", "split-2"]);
    assert!(outcomes.iter().all(|o| o.result.is_ok() && !o.found));
    let last = outcomes.iter().map(|o| o.progress).max_by_key(|p| p.chunks).unwrap();
    assert_eq!((last.chunks, last.accepted, last.failed, last.total), (3, 2500, 0, Some(2500)));

    // Each batch XMS got holds its chunk's recipients and parameter values
    // for those only, plus the default.
    for answer in sim.answers().iter().filter(|a| a.method == "POST" && a.status == 201) {
        let body = answer.body.as_ref().unwrap();
        let to: BTreeSet<&str> =
            body["to"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
        let names = body["parameters"]["name"].as_object().unwrap();
        assert_eq!(names["default"], "friend");
        let keyed: Vec<&String> = names.keys().filter(|k| *k != "default").collect();
        assert!(
            keyed.iter().all(|k| to.contains(k.as_str())),
            "values for other chunks' recipients"
        );
        assert_eq!(
            keyed.len(),
            to.iter().filter(|n| n[4..].parse::<u32>().unwrap() % 3 == 0).count()
        );
    }
    let sent = outbox(&sim);
    assert_eq!(sent.values().map(Vec::len).sum::<usize>(), 2500);
    let bodies: BTreeMap<String, String> = sent.into_values().flatten().collect();
    assert_eq!(bodies["46700000000"], "Hi N0");
    assert_eq!(bodies["46700000001"], "Hi friend");
    assert_eq!(bodies["46700002498"], "Hi friend");
    assert_eq!(bodies["46700002499"], "Hi N2499");
}

#[tokio::test]
async fn a_rerun_with_the_same_run_id_sends_only_what_is_missing() {
    let sim = Simulator::start();
    let client = client(&sim);
    let template = || client.batches().text("12345", Vec::<String>::new(), "Hello");
    // The first run "crashed" after its first chunk.
    let first = run(template().bulk(numbers(0..100)).chunk_size(100).run_id("resume")).await;
    assert_eq!(first.len(), 1);
    // The rerun gives all 350: chunk 0 is found, 1 to 3 are sent.
    let again = run(template().bulk(numbers(0..350)).chunk_size(100).run_id("resume")).await;
    let found: Vec<bool> = again.iter().map(|o| o.found).collect();
    assert_eq!(found, [true, false, false, false]);
    assert_eq!(again[0].result.as_ref().unwrap().id, first[0].result.as_ref().unwrap().id);
    // Once each, no recipient twice.
    let sent = outbox(&sim);
    assert_eq!(sent.len(), 4);
    let recipients: Vec<String> = sent.into_values().flatten().map(|(to, _)| to).collect();
    let unique: BTreeSet<&String> = recipients.iter().collect();
    assert_eq!((recipients.len(), unique.len()), (350, 350));
    // A third run finds everything and sends nothing.
    let third = run(template().bulk(numbers(0..350)).chunk_size(100).run_id("resume")).await;
    assert!(third.iter().all(|o| o.found));
    assert_eq!(outbox(&sim).len(), 4);
}

#[tokio::test]
async fn after_each_kind_of_ambiguous_failure_the_chunk_is_looked_up_not_doubled() {
    let faults = [
        (
            "answer lost after processing (connection dropped)",
            Fault { drop: true, processed: true, ..Fault::default() },
        ),
        ("503 after processing", Fault { status: Some(503), processed: true, ..Fault::default() }),
        ("timeout after processing", Fault { delay_ms: 3000, processed: true, ..Fault::default() }),
        ("503 before processing", Fault { status: Some(503), ..Fault::default() }),
        ("connection dropped before processing", Fault { drop: true, ..Fault::default() }),
    ];
    for (what, fault) in faults {
        let sim = Simulator::start();
        let client = client(&sim);
        sim.fail_next(1, fault.clone());
        let outcomes = run(client
            .batches()
            .text("12345", Vec::<String>::new(), "Once")
            .bulk(numbers(0..10))
            .concurrency(1))
        .await;
        assert_eq!(outcomes.len(), 1, "{what}");
        let outcome = &outcomes[0];
        assert!(outcome.result.is_ok(), "{what}: {:?}", outcome.result);
        // Found when XMS had it; sent again when it did not.
        assert_eq!(outcome.found, fault.processed, "{what}");
        assert_eq!(outbox(&sim).len(), 1, "{what}: exactly one batch");
    }
}

#[tokio::test]
async fn send_or_find_finds_a_batch_whose_answer_was_lost() {
    let sim = Simulator::start();
    let client = client(&sim);
    sim.fail_next(1, Fault { drop: true, processed: true, ..Fault::default() });
    let batch = client
        .batches()
        .text("12345", ["+46701234567"], "Shipped")
        .client_reference("order-17")
        .send_or_find()
        .await
        .unwrap();
    assert_eq!(batch.client_reference.as_deref(), Some("order-17"));
    assert_eq!(outbox(&sim).len(), 1);
    // Plain send: the same failure is an error that says the batch may exist.
    sim.fail_next(1, Fault { drop: true, processed: true, ..Fault::default() });
    let error = client
        .batches()
        .text("12345", ["+46701234567"], "Shipped")
        .client_reference("order-18")
        .send()
        .await
        .unwrap_err();
    assert!(error.may_have_been_processed() && !error.is_safe_to_repeat() && !error.is_retryable());
    // Without a reference there is nothing to look for.
    let error = client.batches().text("12345", ["1"], "x").send_or_find().await.unwrap_err();
    assert!(matches!(&error, Error::InvalidRequest { field, .. } if field == "client_reference"));
}

#[tokio::test]
async fn a_failed_chunk_stops_the_send_or_not_as_asked() {
    let sim = Simulator::start();
    let client = client(&sim);
    // The second chunk holds a recipient XMS refuses (an unknown group).
    let recipients = || numbers(0..5).chain(["no-such-group".to_owned()]).chain(numbers(5..15));
    let outcomes = run(client
        .batches()
        .text("12345", Vec::<String>::new(), "x")
        .bulk(recipients())
        .chunk_size(5)
        .concurrency(1))
    .await;
    let ok: Vec<bool> = outcomes.iter().map(|o| o.result.is_ok()).collect();
    assert_eq!(ok, [true, false, true, true]);
    assert!(matches!(outcomes[1].result, Err(Error::Api { .. })), "{:?}", outcomes[1].result);
    let last = outcomes.iter().map(|o| o.progress).max_by_key(|p| p.chunks).unwrap();
    assert_eq!((last.accepted, last.failed), (11, 5));

    let stopped = run(client
        .batches()
        .text("12345", Vec::<String>::new(), "x")
        .bulk(recipients())
        .chunk_size(5)
        .concurrency(1)
        .on_failure(OnFailure::Stop))
    .await;
    assert_eq!(stopped.len(), 2, "nothing after the failed chunk");
}

#[tokio::test]
async fn rate_limited_chunks_wait_and_all_arrive() {
    // The plan takes 3 requests a second; 8 chunks at concurrency 4.
    let sim = Simulator::builder().service_plan("sim-plan", "sim-token").rate_limit(3.0).start();
    let client = client(&sim);
    let started = Instant::now();
    let outcomes = run(client
        .batches()
        .text("12345", Vec::<String>::new(), "x")
        .bulk(numbers(0..8))
        .chunk_size(1))
    .await;
    // 8 sends through a bucket of 3 refilled at 3 a second cannot all pass
    // before 1.6 s: the 429s were met and waited out. (A lower bound: it
    // holds on any machine, however slow.)
    assert!(started.elapsed() >= Duration::from_millis(1500), "{:?}", started.elapsed());
    assert!(
        outcomes.iter().all(|o| o.result.is_ok()),
        "{:?}",
        outcomes.iter().map(|o| &o.result).collect::<Vec<_>>()
    );
    assert_eq!(outbox(&sim).len(), 8);
}

#[tokio::test]
async fn the_clients_rate_limit_paces_message_parts() {
    let sim = Simulator::start();
    let client = client_with(
        &sim,
        xms::Client::builder().rate_limit(RateLimit::new().messages_per_second(100.0)),
    );
    let started = Instant::now();
    let outcomes = run(client
        .batches()
        .text("12345", Vec::<String>::new(), "x")
        .bulk(numbers(0..300))
        .chunk_size(50))
    .await;
    assert!(outcomes.iter().all(|o| o.result.is_ok()));
    // 300 parts at 100 a second, after a first second's worth at once: the
    // last chunk cannot leave before 2 s. (A lower bound: it holds on any
    // machine, however slow.)
    assert!(started.elapsed() >= Duration::from_millis(1900), "{:?}", started.elapsed());
}

#[tokio::test]
async fn the_clients_rate_limit_paces_requests() {
    let sim = Simulator::start();
    let client = client_with(
        &sim,
        xms::Client::builder().rate_limit(RateLimit::new().requests_per_second(10.0)),
    );
    // Twenty sends at once, through a bucket of 10 refilled at 10 a second.
    let started = Instant::now();
    let sends = (0..20).map(|i| {
        let client = client.clone();
        async move {
            client.batches().text("12345", [format!("+4670123{i:04}")], "Hi").send().await
        }
    });
    let results = futures_util::future::join_all(sends).await;
    assert!(results.iter().all(|r| r.is_ok()), "{results:?}");
    assert_eq!(outbox(&sim).len(), 20, "every send arrived once");
    // The first ten go at once, the rest one every 100 ms: the last cannot
    // leave before 1 s. (A lower bound: it holds on any machine, however
    // slow.)
    assert!(started.elapsed() >= Duration::from_millis(900), "{:?}", started.elapsed());
}

#[test]
fn the_blocking_client_iterates_over_outcomes() {
    let sim = Simulator::start();
    let client = xms::blocking::Client::from_builder(
        xms::Client::builder()
            .service_plan(sim.service_plan_id(), sim.api_token())
            .endpoint(sim.url()),
    )
    .unwrap();
    let outcomes: Vec<_> = client
        .batches()
        .text("12345", Vec::<String>::new(), "Hi")
        .bulk(numbers(0..25))
        .chunk_size(10)
        .iter()
        .collect();
    let mut sizes: Vec<usize> = outcomes.iter().map(|o| o.recipients.len()).collect();
    sizes.sort();
    assert_eq!(sizes, [5, 10, 10]);
    assert!(outcomes.iter().all(|o| o.result.is_ok()));
}

#[tokio::test]
async fn invalid_settings_fail_before_anything_is_sent() {
    let sim = Simulator::start();
    let client = client(&sim);
    for (field, send) in [
        (
            "chunk_size",
            client
                .batches()
                .text("1", Vec::<String>::new(), "x")
                .bulk(numbers(0..3))
                .chunk_size(1001),
        ),
        (
            "concurrency",
            client
                .batches()
                .text("1", Vec::<String>::new(), "x")
                .bulk(numbers(0..3))
                .concurrency(0),
        ),
        (
            "run_id",
            client.batches().text("1", Vec::<String>::new(), "x").bulk(numbers(0..3)).run_id(""),
        ),
    ] {
        let outcomes = run(send).await;
        assert_eq!(outcomes.len(), 1);
        assert!(
            matches!(&outcomes[0].result, Err(Error::InvalidRequest { field: f, .. }) if f == field),
            "{field}: {:?}",
            outcomes[0].result
        );
    }
    assert_eq!(outbox(&sim).len(), 0);
}

#[tokio::test]
async fn placeholders_without_values_are_refused_offline() {
    let sim = Simulator::builder().record_answers().start();
    let client = client(&sim);
    let error = client
        .batches()
        .text("12345", ["+46701234567", "+46707654321", "+46700000003"], "Hi ${name}, ${code}")
        .parameter_without_default("name", [("+46701234567", "Ann")])
        .parameter("code", Vec::<(String, String)>::new(), "0000")
        .send()
        .await
        .unwrap_err();
    match &error {
        Error::InvalidRequest { field, rule, .. } => {
            assert_eq!(field, "parameters");
            assert!(
                rule.contains("${name}")
                    && rule.contains("+46707654321")
                    && rule.contains("+46700000003"),
                "{rule}"
            );
            assert!(!rule.contains("${code}") && !rule.contains("+46701234567"), "{rule}");
        }
        other => panic!("{other:?}"),
    }
    assert!(sim.answers().is_empty(), "nothing was sent");
}

#[tokio::test]
async fn the_offline_preview_matches_the_simulators_dry_run() {
    let sim = Simulator::start();
    let client = client(&sim);
    let long = "Ünïcödé ".repeat(12);
    let batch = client
        .batches()
        .text("12345", ["+46701234567", "+46707654321", "+46700000003"], "Hi ${name}! ${extra}")
        .parameter("name", [("+46701234567", "Ann"), ("+46707654321", "Börje")], "you")
        .parameter("extra", [("+46700000003", long.as_str())], "");
    let preview = batch.preview().unwrap();
    let dry = batch.dry_run().per_recipient(true).send().await.unwrap();
    assert_eq!(preview.total_parts, dry.number_of_messages as u64);
    let server: Vec<Value> =
        dry.per_recipient.iter().map(|r| serde_json::to_value(r).unwrap()).collect();
    assert_eq!(preview.recipients.len(), server.len());
    for (mine, theirs) in preview.recipients.iter().zip(&server) {
        assert_eq!(mine.recipient.trim_start_matches('+'), theirs["recipient"].as_str().unwrap());
        assert_eq!(mine.body, theirs["body"].as_str().unwrap());
        assert_eq!(mine.parts as u64, theirs["number_of_parts"].as_u64().unwrap());
        let encoding = if mine.charset == xms::encoding::Charset::Gsm7 { "gsm" } else { "unicode" };
        assert_eq!(encoding, theirs["encoding"].as_str().unwrap().to_lowercase());
    }
    assert!(preview.recipients.iter().any(|r| r.parts > 1), "the long one takes parts");
}
