//! The SDK against the simulator: every operation end to end, errors,
//! pagination, scheduling, cancellation, callbacks verified with the SDK's
//! own callback module, and a bounded load test. Every answer the simulator
//! gives in these tests is checked against the spec's response schemas when
//! the test ends (`Checked`).

use std::{
    collections::BTreeSet,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{Router, body::Bytes, http::HeaderMap, routing::post};
use chrono::{TimeDelta, Utc};
use serde_json::json;
use xms::{
    Channel, DeliveryReportType, DeliveryStatus, Encoding, Error, ErrorCode,
    batches::{Batch, MediaBody},
    callbacks::{Callback, Verifier},
    groups::AutoUpdate,
    inbounds::Inbound,
};
use xms_simulator::{Fault, Simulator};

use xms_test_support as spec;

use spec::Checked;

fn client(sim: &Simulator) -> xms::Client {
    xms::Client::builder()
        .service_plan(sim.service_plan_id(), sim.api_token())
        .endpoint(sim.url())
        .retry(xms::RetryPolicy::default().initial_backoff(Duration::from_millis(10)))
        .build()
        .unwrap()
}

#[tokio::test]
async fn send_follow_and_report_a_parameterized_batch() {
    let sim = Checked::start();
    let client = client(&sim);
    let batch = client
        .batches()
        .text("12345", ["+46701111111", "+46702222991"], "Hi ${name}, your code is ${code}")
        .parameter("name", [("+46701111111", "Ada")], "friend")
        .parameter("code", [("46701111111", "1111"), ("46702222991", "2222")], "0000")
        .delivery_report(DeliveryReportType::None)
        .client_reference("e2e-1")
        .send()
        .await
        .unwrap();
    assert_eq!(batch.recipients, ["46701111111", "46702222991"]);
    let outbox = sim.outbox();
    let bodies: Vec<&str> =
        outbox.as_array().unwrap().iter().map(|m| m["body"].as_str().unwrap()).collect();
    assert_eq!(bodies, ["Hi Ada, your code is 1111", "Hi friend, your code is 2222"]);

    let reports = client.delivery_reports();
    let queued = reports.for_batch(&batch.id).send().await.unwrap();
    assert_eq!(queued.count(&DeliveryStatus::Queued), 2);
    sim.advance(Duration::from_secs(3)).await;
    let done = reports.for_batch(&batch.id).full().send().await.unwrap();
    assert!(done.is_complete());
    assert_eq!(done.count(&DeliveryStatus::Delivered), 1);
    assert_eq!(done.count(&DeliveryStatus::Failed), 1);
    assert_eq!(done.client_reference.as_deref(), Some("e2e-1"));
    let one = reports.for_recipient(&batch.id, "46701111111").send().await.unwrap();
    assert_eq!((one.status, one.channel), (DeliveryStatus::Delivered, Channel::Sms));
    let failed =
        reports.list().statuses([DeliveryStatus::Failed]).items().try_collect().await.unwrap();
    assert_eq!(failed.iter().map(|r| r.recipient.as_str()).collect::<Vec<_>>(), ["46702222991"]);
    assert!(matches!(
        reports.for_recipient(&batch.id, "46709999999").send().await,
        Err(Error::NotFound { .. })
    ));
}

#[tokio::test]
async fn binary_media_dry_run_and_shortcuts() {
    let sim = Checked::start();
    let client = client(&sim);
    let binary = client
        .batches()
        .binary_bytes("12345", ["46701111111"], &[1, 2, 3], &[5, 0, 3, 1, 2, 1])
        .send()
        .await
        .unwrap();
    assert_eq!(binary.body_bytes().unwrap(), [1, 2, 3]);
    let media = client
        .batches()
        .media("15559876543", ["15551231234"], "https://media.example.com/cat.jpg")
        .message("Look")
        .strict_validation(true)
        .send()
        .await
        .unwrap();
    assert_eq!(media.body, MediaBody::new("https://media.example.com/cat.jpg").message("Look"));
    assert!(media.strict_validation);
    let text = client.batches().create_text_message("12345", "46701111111", "Hello").await.unwrap();
    assert_eq!(text.body, "Hello");
    let bin =
        client.batches().create_binary_message("12345", "46701111111", b"ab", &[0]).await.unwrap();
    assert_eq!(bin.udh.as_deref(), Some("00"));

    // The simulator counts parts like xms::encoding predicts.
    let body = format!("{}ω", "x".repeat(80));
    let dry = client
        .batches()
        .text("12345", ["46701111111", "46702222222"], body.clone())
        .dry_run()
        .per_recipient(true)
        .send()
        .await
        .unwrap();
    let predicted = xms::encoding::analyze(&body);
    assert_eq!(dry.number_of_messages as usize, 2 * predicted.parts);
    assert_eq!(dry.per_recipient[0].encoding, Encoding::from(predicted.charset));
    assert_eq!(dry.per_recipient[0].number_of_parts as usize, predicted.parts);
}

#[tokio::test]
async fn scheduled_batches_update_replace_cancel() {
    let sim = Checked::start();
    let client = client(&sim);
    let later = Utc::now() + TimeDelta::hours(2);
    let batch = client
        .batches()
        .text("12345", ["46701111111"], "Later")
        .send_at(later)
        .send()
        .await
        .unwrap();
    assert_eq!(batch.send_at, Some(later.with_nanosecond_millis()));
    assert!(
        client.delivery_reports().for_batch(&batch.id).send().await.unwrap().statuses.is_empty()
    );

    let updated = client
        .batches()
        .update_text(&batch.id)
        .add_recipients(["46702222222"])
        .body("Later, with more people")
        .callback_url("https://app.example.com/dlr")
        .send()
        .await
        .unwrap();
    assert_eq!(updated.recipients, ["46701111111", "46702222222"]);
    let reset = client.batches().update_text(&batch.id).reset_callback_url().send().await.unwrap();
    assert_eq!(reset.callback_url, None);

    let replaced = client
        .batches()
        .text("54321", ["46703333333"], "Instead")
        .send_at(later)
        .replace(&batch.id)
        .await
        .unwrap();
    assert_eq!(
        (replaced.id.as_str(), replaced.sender.as_deref()),
        (batch.id.as_str(), Some("54321"))
    );

    let canceled = client.batches().cancel(&batch.id).await.unwrap();
    assert!(canceled.canceled());
    sim.advance(Duration::from_secs(3 * 3600)).await;
    assert!(
        client.delivery_reports().for_batch(&batch.id).send().await.unwrap().statuses.is_empty()
    );
    assert!(
        sim.outbox().as_array().unwrap().is_empty(),
        "a canceled scheduled batch sends nothing"
    );

    let now = client.batches().text("12345", ["46701111111"], "Now").send().await.unwrap();
    let error = client.batches().update_text(&now.id).body("too late").send().await.unwrap_err();
    assert!(
        matches!(&error, Error::Api { code: ErrorCode::BatchAlreadyDispatched, .. })
            && error.status() == Some(403),
        "{error:?}"
    );
}

#[tokio::test]
async fn groups_end_to_end() {
    let sim = Checked::start();
    let client = client(&sim);
    let groups = client.groups();
    let friends = groups.create().name("Friends").members(["+46701111111"]).send().await.unwrap();
    let club = groups
        .create()
        .name("Club")
        .child_groups([&friends.id])
        .auto_update(AutoUpdate::new("12345").add_keyword("JOIN").remove_keyword("STOP"))
        .send()
        .await
        .unwrap();
    assert_eq!(club.size, 1, "the child group's member counts");
    sim.inject_inbound(json!({"from": "46702222222", "to": "12345", "body": "Join"}))
        .await
        .unwrap();
    assert_eq!(groups.members(&club.id).await.unwrap(), ["46702222222", "46701111111"]);

    let renamed = groups
        .update(&club.id)
        .add_members(["46703333333"])
        .remove_members(["46702222222"])
        .reset_name()
        .send()
        .await
        .unwrap();
    assert_eq!((renamed.name, renamed.size), (None, 2));
    let replaced = groups.replace(&club.id, ["46704444444"]).name("Club 2").send().await.unwrap();
    assert_eq!(
        (replaced.name.as_deref(), replaced.size, replaced.child_groups.len()),
        (Some("Club 2"), 1, 0)
    );

    client.batches().text("12345", [club.id.clone()], "Members only").send().await.unwrap();
    assert_eq!(sim.outbox()[0]["to"], "46704444444");

    let conflict = groups.create().name("Friends").send().await.unwrap_err();
    assert_eq!(conflict.code(), Some(&ErrorCode::ConflictGroupName));
    let all = groups.list().page_size(1).items().try_collect().await.unwrap();
    assert_eq!(all.len(), 2);
    groups.delete(&club.id).await.unwrap();
    assert!(matches!(groups.get(&club.id).await, Err(Error::NotFound { .. })));
    let unknown = client.batches().text("1", [club.id.clone()], "x").send().await.unwrap_err();
    assert_eq!(unknown.code(), Some(&ErrorCode::UnknownGroup));

    let tags = groups.tags(&friends.id);
    tags.replace(["vip"]).await.unwrap();
    assert_eq!(tags.update(["new"], ["vip"]).await.unwrap(), ["new"]);
    assert_eq!(groups.list().tags(["new"]).page(0).await.unwrap().count, 1);
}

#[tokio::test]
async fn inbounds_and_their_listing() {
    let sim = Checked::start();
    let client = client(&sim);
    for i in 0..12 {
        let to = if i % 3 == 0 { "54321" } else { "12345" };
        sim.inject_inbound(
            json!({"from": format!("4670111{i:04}"), "to": to, "body": format!("msg {i}")}),
        )
        .await
        .unwrap();
    }
    sim.inject_inbound(json!({"type": "mo_binary", "from": "46709999999", "to": "12345", "body": "AAE=", "udh": "00"})).await.unwrap();
    let to_12345 = client
        .inbounds()
        .list()
        .recipients(["12345"])
        .page_size(3)
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(to_12345.len(), 9);
    assert!(matches!(to_12345[0], Inbound::Binary(_)), "newest first");
    let Inbound::Text(first) = client.inbounds().get(to_12345[1].id()).await.unwrap() else {
        panic!()
    };
    assert_eq!(first.body, "msg 11");
}

#[tokio::test]
async fn errors_and_faults_through_the_sdk() {
    let sim = Checked::start();
    let wrong = xms::Client::builder()
        .service_plan(sim.service_plan_id(), "wrong")
        .endpoint(sim.url())
        .build()
        .unwrap();
    assert!(matches!(
        wrong.batches().get("x").await,
        Err(Error::Unauthorized { ref response, .. }) if response.status() == 401
    ));

    let client = client(&sim);
    assert!(matches!(
        client.batches().get("01NOPE00000000000000000000").await,
        Err(Error::NotFound { .. })
    ));
    let missing = client
        .batches()
        .text("1", ["46701111111"], "x")
        .delivery_report(DeliveryReportType::Summary)
        .send()
        .await
        .unwrap_err();
    assert_eq!(missing.code(), Some(&ErrorCode::MissingCallbackUrl));
    let feedback = client.batches().text("1", ["46701111111"], "x").send().await.unwrap();
    let refused =
        client.batches().delivery_feedback(&feedback.id, ["46701111111"]).await.unwrap_err();
    assert_eq!(refused.code(), Some(&ErrorCode::SyntaxConstraintViolation));

    // A busy server: reads are retried, sends are not.
    sim.fail_next(
        1,
        Fault { status: Some(503), body: "<html>busy</html>".into(), ..Fault::default() },
    );
    assert!(client.batches().get(&feedback.id).await.is_ok());
    sim.fail_next(
        1,
        Fault { status: Some(503), body: "<html>busy</html>".into(), ..Fault::default() },
    );
    let busy = client.batches().text("1", ["46701111111"], "x").send().await.unwrap_err();
    assert!(
        matches!(&busy, Error::UnexpectedResponse { .. })
            && busy.status() == Some(503)
            && busy.may_have_been_processed()
            && !busy.is_retryable(),
        "{busy:?}"
    );
    sim.fail_next(1, Fault { drop: true, ..Fault::default() });
    let dropped = client.batches().text("1", ["46701111111"], "x").send().await.unwrap_err();
    assert!(matches!(dropped, Error::Transport { .. }), "{dropped:?}");
}

#[tokio::test]
async fn pagination_across_pages() {
    let sim = Checked::start();
    let client = client(&sim);
    let mut sent = BTreeSet::new();
    for i in 0..23 {
        sent.insert(
            client
                .batches()
                .text("12345", ["46701111111"], format!("n{i}"))
                .send()
                .await
                .unwrap()
                .id,
        );
    }
    let listed: Vec<Batch> =
        client.batches().list().page_size(10).items().try_collect().await.unwrap();
    assert_eq!(listed.len(), 23);
    assert_eq!(listed.iter().map(|b| b.id().clone()).collect::<BTreeSet<_>>(), sent);
    let from_page_2 =
        client.batches().list().page_size(10).start_page(2).items().try_collect().await.unwrap();
    assert_eq!(from_page_2.len(), 3);
    let blocking = xms::blocking::Client::from(client.clone());
    let pages = tokio::task::spawn_blocking(move || {
        blocking
            .batches()
            .list()
            .page_size(10)
            .pages()
            .map(|p| p.unwrap().len())
            .collect::<Vec<_>>()
    })
    .await
    .unwrap();
    assert_eq!(pages, [10, 10, 3]);
}

/// A callback receiver that verifies and parses with the SDK.
struct Receiver {
    url: String,
    got: Arc<Mutex<Vec<Callback>>>,
    refused: Arc<Mutex<usize>>,
}

async fn receiver(secret: &str) -> Receiver {
    let got: Arc<Mutex<Vec<Callback>>> = Arc::default();
    let refused: Arc<Mutex<usize>> = Arc::default();
    let verifier = Arc::new(Verifier::new(secret).reject_replays());
    let (g, r) = (got.clone(), refused.clone());
    let app = Router::new().route(
        "/cb",
        post(move |headers: HeaderMap, body: Bytes| {
            let (g, r, verifier) = (g.clone(), r.clone(), verifier.clone());
            async move {
                match verifier.verify_and_parse(&headers, &body) {
                    Ok(callback) => {
                        g.lock().unwrap().push(callback);
                        axum::http::StatusCode::OK
                    }
                    Err(_) => {
                        *r.lock().unwrap() += 1;
                        axum::http::StatusCode::UNAUTHORIZED
                    }
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/cb", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Receiver { url, got, refused }
}

#[tokio::test]
async fn callbacks_arrive_signed_and_parse() {
    let receiver = receiver("hush").await;
    let sim = Checked(
        Simulator::builder()
            .service_plan("plan-cb", "token-cb")
            .callback_url(&receiver.url)
            .inbound_url(&receiver.url)
            .signing_secret("hush")
            .record_answers()
            .start(),
    );
    let client = client(&sim);
    let batch = client
        .batches()
        .text("12345", ["46701111111", "46702222992"], "x")
        .delivery_report(DeliveryReportType::PerRecipientFinal)
        .send()
        .await
        .unwrap();
    client
        .batches()
        .text("12345", ["46703333333"], "y")
        .delivery_report(DeliveryReportType::Summary)
        .send()
        .await
        .unwrap();
    sim.advance(Duration::from_secs(5)).await;
    sim.inject_inbound(json!({"from": "46704444444", "to": "12345", "body": "Hi back"}))
        .await
        .unwrap();

    let got = receiver.got.lock().unwrap().clone();
    assert_eq!(*receiver.refused.lock().unwrap(), 0);
    let finals: Vec<(String, DeliveryStatus)> = got
        .iter()
        .filter_map(|c| match c {
            Callback::RecipientDeliveryReport(r) if r.batch_id == batch.id => {
                Some((r.recipient.clone(), r.status.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(finals.len(), 2, "{got:?}");
    assert!(finals.contains(&("46702222992".into(), DeliveryStatus::Rejected)));
    assert!(got.iter().any(|c| matches!(c, Callback::BatchDeliveryReport(r) if r.count(&DeliveryStatus::Delivered) == 1)));
    assert!(
        got.iter()
            .any(|c| matches!(c, Callback::Inbound(Inbound::Text(mo)) if mo.body == "Hi back"))
    );
}

#[test]
fn the_blocking_client_against_the_simulator() {
    let sim = Checked::start();
    let client = xms::blocking::Client::from(client(&sim));
    let batch = client.batches().text("12345", ["46701111111"], "Blocking").send().unwrap();
    let got = client.batches().get(&batch.id).unwrap();
    assert_eq!(got.id(), &batch.id);
    let group = client.groups().create().name("B").members(["46701111111"]).send().unwrap();
    assert_eq!(client.groups().members(&group.id).unwrap(), ["46701111111"]);
}

/// Many clients at once: nothing accepted is lost, nothing is listed twice,
/// and every callback arrives. Prints the throughput and latency it saw
/// (measurements, not assertions).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_nothing_is_lost() {
    const CLIENTS: usize = 32;
    const BATCHES_EACH: usize = 25;
    let receiver = receiver("load").await;
    let sim = Checked(
        Simulator::builder()
            .service_plan("plan-load", "token-load")
            .callback_url(&receiver.url)
            .signing_secret("load")
            .record_answers()
            .start(),
    );
    let client = client(&sim);
    let started = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let client = client.clone();
            tokio::spawn(async move {
                let mut ids = Vec::new();
                let mut latencies = Vec::new();
                for b in 0..BATCHES_EACH {
                    let t = Instant::now();
                    let batch = client
                        .batches()
                        .text("12345", [format!("467{c:03}{b:05}")], format!("load {c}/{b}"))
                        .delivery_report(DeliveryReportType::PerRecipientFinal)
                        .client_reference(format!("c{c}"))
                        .send()
                        .await
                        .unwrap();
                    latencies.push(t.elapsed());
                    ids.push(batch.id);
                }
                (ids, latencies)
            })
        })
        .collect();
    let mut ids = Vec::new();
    let mut latencies = Vec::new();
    for t in tasks {
        let (i, l) = t.await.unwrap();
        ids.extend(i);
        latencies.extend(l);
    }
    let elapsed = started.elapsed();
    let total = CLIENTS * BATCHES_EACH;
    assert_eq!(ids.len(), total);
    let unique: BTreeSet<_> = ids.iter().cloned().collect();
    assert_eq!(unique.len(), total, "ids are unique");

    let listed: Vec<Batch> =
        client.batches().list().page_size(100).items().try_collect().await.unwrap();
    let listed_ids: Vec<_> = listed.iter().map(|b| b.id().clone()).collect();
    assert_eq!(listed_ids.len(), total, "every accepted batch listed");
    assert_eq!(listed_ids.iter().cloned().collect::<BTreeSet<_>>(), unique, "each exactly once");

    sim.advance(Duration::from_secs(5)).await;
    let callbacks = receiver.got.lock().unwrap().len();
    assert_eq!(callbacks, total, "one final delivery report per recipient");
    assert_eq!(sim.callback_counts(), (total, 0));

    latencies.sort();
    let p = |q: f64| latencies[((latencies.len() as f64 * q) as usize).min(latencies.len() - 1)];
    eprintln!(
        "load: {total} sends from {CLIENTS} clients in {:.2} s = {:.0} requests/s; latency p50 {:.1} ms, p99 {:.1} ms; {callbacks} callbacks delivered",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        p(0.50).as_secs_f64() * 1000.0,
        p(0.99).as_secs_f64() * 1000.0
    );
}

trait Millis {
    fn with_nanosecond_millis(self) -> Self;
}

impl Millis for chrono::DateTime<Utc> {
    /// The API keeps milliseconds.
    fn with_nanosecond_millis(self) -> Self {
        use chrono::Timelike;
        self.with_nanosecond(self.nanosecond() / 1_000_000 * 1_000_000).unwrap()
    }
}

/// Legacy tags given on a send come back on the batch, and the tags
/// endpoints see them.
#[tokio::test]
async fn legacy_tags_on_send_and_group_create() {
    let sim = Checked::start();
    let client = client(&sim);
    let batch = client
        .batches()
        .text("12345", ["+46701234567"], "Hi")
        .tags(["spring"])
        .send()
        .await
        .unwrap();
    assert_eq!(batch.tags, ["spring"]);
    assert_eq!(client.batches().tags(&batch.id).get().await.unwrap(), ["spring"]);
    let group = client.groups().create().name("tagged").tags(["news"]).send().await.unwrap();
    assert_eq!(group.tags, ["news"]);
}
