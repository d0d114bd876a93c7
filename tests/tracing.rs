//! What the SDK tells `tracing`: a subscriber records every span field and
//! event field of real calls against the simulator (sends, gets, listings,
//! retries after 503s, a rate limit, OAuth token fetches and an early
//! expiry), and the test checks the OpenTelemetry fields are there and that
//! no token, key secret, Basic value or access token appears anywhere.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use base64::Engine as _;
use futures_util::StreamExt;
use tracing::{
    Event, Subscriber,
    field::{Field, Visit},
    span::{Attributes, Id, Record},
};
use tracing_subscriber::{Layer, layer::Context, prelude::*, registry::LookupSpan};
use xms_simulator::{Fault, PlanConfig, Simulator};

/// Every span's fields by span id, and every event's fields with its level.
#[derive(Default)]
struct Recorded {
    spans: BTreeMap<u64, (String, BTreeMap<String, String>)>,
    events: Vec<(String, BTreeMap<String, String>)>,
}

#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Recorded>>);

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

impl<S: Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Recorder {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        attrs.record(&mut Fields(&mut fields));
        let name = attrs.metadata().name().to_owned();
        self.0.lock().unwrap().spans.insert(id.into_u64(), (name, fields));
    }
    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut recorded = self.0.lock().unwrap();
        if let Some((_, fields)) = recorded.spans.get_mut(&id.into_u64()) {
            values.record(&mut Fields(fields));
        }
    }
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut fields = BTreeMap::new();
        event.record(&mut Fields(&mut fields));
        let level = event.metadata().level().to_string();
        self.0.lock().unwrap().events.push((level, fields));
    }
}

const TOKEN: &str = "plan-token-5ecret";
const KEY_ID: &str = "key-id-7";
const KEY_SECRET: &str = "key-5ecret-value";

#[test]
fn spans_carry_the_otel_fields_and_nothing_secret() {
    let recorder = Recorder::default();
    let subscriber = tracing_subscriber::registry().with(recorder.clone());
    let _guard = tracing::subscriber::set_default(subscriber);

    let mut plan = PlanConfig::new("plan-1", TOKEN);
    plan.rate_limit = Some(50.0);
    let sim = Simulator::builder().plan(plan).project("proj-1", KEY_ID, KEY_SECRET).start();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let retry = xms::RetryPolicy::default().initial_backoff(Duration::from_millis(5));
    runtime.block_on(async {
        let client = xms::Client::builder()
            .service_plan("plan-1", TOKEN)
            .endpoint(sim.url())
            .retry(retry.clone())
            .build()
            .unwrap();
        let batch = client.batches().text("12345", ["+46701234567"], "Hi").send().await.unwrap();
        sim.fail_next(2, Fault { status: Some(503), ..Fault::default() });
        client.batches().get(&batch.id).await.unwrap();
        let _ = client.batches().get("01NOSUCHBATCH0000000000000").await.unwrap_err();
        for _ in 0..3 {
            client.batches().text("12345", ["+46701234567"], "Hi").send().await.unwrap();
        }
        let items: Vec<_> = client.batches().list().page_size(2).items().collect().await;
        assert_eq!(items.len(), 4);
        // A burst beyond the plan's rate limit: 429s, waited for.
        let handler = client.batches();
        let gets = (0..60).map(|_| handler.get(&batch.id));
        let answers = futures_util::future::join_all(gets).await;
        assert!(answers.iter().all(Result::is_ok));

        let project = xms::Client::builder()
            .project("proj-1", KEY_ID, KEY_SECRET)
            .endpoint(sim.url())
            .oauth_token_url(sim.token_url())
            .retry(retry)
            .build()
            .unwrap();
        project.batches().text("12345", ["+46701234567"], "Hi").send().await.unwrap();
        sim.expire_tokens();
        project.batches().list().page(0).await.unwrap();
        sim.fail_next_token(1, Fault { status: Some(503), ..Fault::default() });
        sim.expire_tokens();
        project.batches().list().page(0).await.unwrap();
    });

    let recorded = recorder.0.lock().unwrap();
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{KEY_ID}:{KEY_SECRET}"));
    let secrets = [TOKEN, KEY_SECRET, basic.as_str(), "sim-access-", "Bearer", "Basic "];
    let everything = recorded
        .spans
        .values()
        .flat_map(|(_, f)| f.iter())
        .chain(recorded.events.iter().flat_map(|(_, f)| f.iter()));
    for (field, value) in everything {
        for secret in secrets {
            assert!(!value.contains(secret), "{field} = {value} holds {secret:?}");
        }
    }

    let calls: Vec<&BTreeMap<String, String>> =
        recorded.spans.values().filter(|(name, _)| name == "xms.request").map(|(_, f)| f).collect();
    assert!(calls.len() >= 70, "{} call spans", calls.len());
    for call in &calls {
        for field in ["http.request.method", "server.address", "url.template", "xms.operation"] {
            assert!(call.contains_key(field), "{field} missing in {call:?}");
        }
        assert_eq!(call["server.address"], "127.0.0.1");
    }
    let get = calls
        .iter()
        .find(|c| {
            c["xms.operation"] == "get_batch"
                && c.get("http.response.status_code").is_some_and(|s| s == "200")
        })
        .expect("a get");
    assert_eq!(get["url.template"], "/xms/v1/{service_plan_id}/batches/{batch_id}");
    assert_eq!(get["http.request.method"], "GET");
    assert_eq!(get["otel.name"], "GET /xms/v1/{service_plan_id}/batches/{batch_id}");
    assert!(get.contains_key("xms.batch_id"));
    let missing = calls
        .iter()
        .find(|c| c.get("xms.batch_id").is_some_and(|id| id == "01NOSUCHBATCH0000000000000"))
        .expect("the failed get");
    assert_eq!(missing["error.type"], "not_found");
    assert_eq!(missing["http.response.status_code"], "404");
    let retried =
        calls.iter().find(|c| c.get("xms.attempts").is_some_and(|a| a == "3")).expect("3 attempts");
    assert_eq!(retried["xms.operation"], "get_batch");

    let messages: Vec<(&str, &str)> = recorded
        .events
        .iter()
        .map(|(level, f)| (level.as_str(), f.get("message").map_or("", String::as_str)))
        .collect();
    let has =
        |level: &str, text: &str| messages.iter().any(|(l, m)| *l == level && m.contains(text));
    assert!(has("WARN", "retrying"), "{messages:?}");
    let retry_event = recorded
        .events
        .iter()
        .find(|(_, f)| f.get("message").is_some_and(|m| m.contains("retrying")))
        .unwrap();
    assert_eq!(retry_event.1["reason"], "503");
    assert!(retry_event.1.contains_key("wait_ms") && retry_event.1.contains_key("attempt"));
    assert!(has("INFO", "rate limiting"), "{messages:?}");
    assert!(has("INFO", "access token fetched"), "{messages:?}");
    assert!(has("INFO", "expired early"), "{messages:?}");
    assert!(has("WARN", "token endpoint failed"), "{messages:?}");
    assert!(has("DEBUG", "listing is complete"), "{messages:?}");
}
