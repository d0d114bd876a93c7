//! Every answer parser against arbitrary and mutated JSON: the type standing
//! for each component schema of the spec (the schema table `build.rs`
//! writes), and the callback parser. None may panic; each either reads the
//! value or returns an error.
//!
//! `PROPTEST_CASES=200000 cargo test --test parsers` runs longer.

use proptest::prelude::*;
use serde_json::{Map, Value, json};

const SPEC: &str = include_str!("../openapi/xms.yaml");
const SAMPLES: &str = include_str!("fixtures/samples.json");

include!(concat!(env!("OUT_DIR"), "/schema_table.rs"));

/// Read `text` as every schema's type; count how many read it.
fn parse_as_every_schema(text: &[u8]) -> usize {
    let mut read = 0;
    macro_rules! arm {
        ($name:literal, $ty:ty) => {
            if serde_json::from_slice::<$ty>(text).is_ok() {
                read += 1;
            }
        };
    }
    for_each_schema!(arm);
    let _ = xms::callbacks::parse(text);
    read
}

/// Every example and sample of the spec: the valid starting points.
fn seeds() -> &'static [Value] {
    static SEEDS: std::sync::OnceLock<Vec<Value>> = std::sync::OnceLock::new();
    SEEDS.get_or_init(read_seeds)
}

fn read_seeds() -> Vec<Value> {
    let mut out: Vec<Value> =
        xtask::examples::examples(SPEC).unwrap().into_iter().map(|e| e.value).collect();
    let samples: Map<String, Value> = serde_json::from_str(SAMPLES).unwrap();
    out.extend(samples.into_iter().map(|(_, v)| v));
    out
}

/// Words the parsers look for, so that arbitrary objects hit real fields.
const KEYS: &[&str] = &[
    "type",
    "id",
    "to",
    "from",
    "body",
    "page",
    "page_size",
    "count",
    "batches",
    "inbounds",
    "groups",
    "delivery_reports",
    "statuses",
    "code",
    "status",
    "recipients",
    "recipient",
    "at",
    "created_at",
    "parameters",
    "default",
    "canceled",
    "media",
    "url",
    "auto_update",
    "add",
    "first_word",
    "batch_id",
    "total_message_count",
    "per_recipient",
    "encoding",
    "udh",
    "size",
];

const TYPES: &[&str] = &[
    "mt_text",
    "mt_binary",
    "mt_media",
    "mt_rcs",
    "mo_text",
    "mo_binary",
    "mo_media",
    "mo_x",
    "delivery_report_sms",
    "delivery_report_mms",
    "delivery_report_rcs",
    "recipient_delivery_report_sms",
    "recipient_delivery_report_x",
    "",
];

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| json!(f)),
        "[a-zA-Z0-9 ${}+:.-]{0,12}".prop_map(Value::String),
        prop::sample::select(TYPES).prop_map(|t| Value::String(t.into())),
        Just(json!("2014-10-02T09:30Z")),
        Just(json!("-5")),
        Just(json!("FALSE")),
        Just(json!("+262142-12-31T00:00:00Z")),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(4, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![prop::sample::select(KEYS).prop_map(str::to_owned), "[a-z_]{1,8}"],
                    inner
                ),
                0..8
            )
            .prop_map(|entries| Value::Object(entries.into_iter().collect())),
        ]
    })
}

/// Change one node of `v`, chosen by `at`: replace it, drop a key, or wrap
/// it in a list.
fn mutate(v: &mut Value, at: &mut usize, with: &Value, how: u8) -> bool {
    if *at == 0 {
        match how % 3 {
            0 => *v = with.clone(),
            1 => {
                if let Value::Object(map) = v
                    && let Some(key) = map.keys().next().cloned()
                {
                    map.remove(&key);
                } else {
                    *v = Value::Null;
                }
            }
            _ => *v = Value::Array(vec![v.clone()]),
        }
        return true;
    }
    *at -= 1;
    match v {
        Value::Array(items) => items.iter_mut().any(|i| mutate(i, at, with, how)),
        Value::Object(map) => map.values_mut().any(|i| mutate(i, at, with, how)),
        _ => false,
    }
}

#[test]
fn every_seed_is_read_by_its_schema_type() {
    // The mutation tests start from valid answers; make sure they are.
    let seeds = seeds();
    assert!(seeds.len() > 40, "{}", seeds.len());
    for seed in seeds {
        let text = serde_json::to_vec(seed).unwrap();
        assert!(parse_as_every_schema(&text) > 0, "{seed}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_json_never_panics_a_parser(v in value()) {
        let text = serde_json::to_vec(&v).unwrap();
        parse_as_every_schema(&text);
    }

    #[test]
    fn mutated_answers_never_panic_a_parser(
        which in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<usize>(), value(), any::<u8>()), 1..5),
    ) {
        let seeds = seeds();
        let mut v = which.get(seeds).clone();
        for (at, with, how) in edits {
            let mut at = at % 64;
            mutate(&mut v, &mut at, &with, how);
        }
        let text = serde_json::to_vec(&v).unwrap();
        parse_as_every_schema(&text);
    }

    #[test]
    fn arbitrary_bytes_never_panic_a_parser(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        parse_as_every_schema(&bytes);
    }
}
