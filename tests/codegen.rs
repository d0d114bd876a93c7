//! The generated client under review: snapshots of the generated code, of the
//! API surface and of the wire JSON of every example, and the round trip of
//! every example and sample through the generated types.
//!
//! `cargo xtask regen` rewrites the snapshots; `cargo xtask regen --check`
//! (and a plain `cargo test`, which fails on a mismatch) says when they are
//! stale.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

const SPEC: &str = include_str!("../openapi/xms.yaml");
const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/codegen.rs"));
const SAMPLES: &str = include_str!("fixtures/samples.json");
const FULL_SAMPLES: &str = include_str!("fixtures/full_samples.json");

include!(concat!(env!("OUT_DIR"), "/schema_table.rs"));

/// Read `value` as the Rust type standing for `schema` and write it back.
fn round_trip(schema: &str, value: &Value) -> Result<Value, String> {
    macro_rules! arm {
        ($name:literal, $ty:ty) => {
            if schema == $name {
                let typed: $ty = serde_json::from_value(value.clone())
                    .map_err(|e| format!("does not parse: {e}"))?;
                return serde_json::to_value(&typed)
                    .map_err(|e| format!("does not serialize: {e}"));
            }
        };
    }
    for_each_schema!(arm);
    Err(format!("no Rust type for schema {schema:?}"))
}

fn samples() -> BTreeMap<String, Value> {
    serde_json::from_str(SAMPLES).expect("tests/fixtures/samples.json is JSON")
}

/// Every place where `output` lost or changed something `input` had.
/// Timestamps are compared as instants (`.5Z` and `.500Z` are the same time);
/// fields the output adds (defaults) are not losses.
fn losses(input: &Value, output: &Value, at: &str, out: &mut Vec<String>) {
    match (input, output) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                match b.get(key) {
                    Some(other) => losses(value, other, &format!("{at}.{key}"), out),
                    None => out.push(format!("{at}.{key} was dropped")),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (x, y)) in a.iter().zip(b).enumerate() {
                losses(x, y, &format!("{at}[{i}]"), out);
            }
        }
        (Value::String(a), Value::String(b)) if a != b => {
            let same_instant = matches!(
                (xms::raw::Timestamp::parse(a), xms::raw::Timestamp::parse(b)),
                (Ok(x), Ok(y)) if x == y
            );
            if !same_instant {
                out.push(format!("{at}: {a:?} became {b:?}"));
            }
        }
        (a, b) if a != b => out.push(format!("{at}: {a} became {b}")),
        _ => {}
    }
}

/// Sort object keys so the snapshot never depends on map order.
fn canonical(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let sorted: BTreeMap<&String, Value> =
                map.iter().map(|(k, v)| (k, canonical(v))).collect();
            Value::Object(sorted.into_iter().map(|(k, v)| (k.clone(), v)).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

#[test]
fn generated_code() {
    // Compiled unformatted; shown laid out.
    let pretty = xtask::generator::pretty(GENERATED).expect("the generated code parses");
    insta::assert_snapshot!("generated_code", pretty);
}

#[test]
fn api_surface() {
    let listing = xtask::surface::render(SPEC, GENERATED).expect("surface renders");
    insta::assert_snapshot!("api_surface", listing);
}

#[test]
fn every_example_round_trips_without_losing_fields() {
    let examples = xtask::examples::examples(SPEC).expect("examples found");
    assert!(examples.len() >= 20, "expected the spec's examples, found {}", examples.len());
    let mut wire = BTreeMap::new();
    let mut failures = Vec::new();
    let items =
        examples.iter().map(|e| (e.location.clone(), e.schema.clone(), e.value.clone())).chain(
            samples()
                .into_iter()
                .map(|(schema, value)| (format!("sample.{schema}"), schema, value)),
        );
    for (location, schema, value) in items {
        if schema.is_empty() {
            failures.push(format!(
                "{location}: the body is an inline schema; name it under components"
            ));
            continue;
        }
        match round_trip(&schema, &value) {
            Ok(output) => {
                let mut lost = Vec::new();
                losses(&value, &output, "", &mut lost);
                failures.extend(lost.into_iter().map(|l| format!("{location} as {schema}: {l}")));
                wire.insert(location, canonical(&output));
            }
            Err(e) => failures.push(format!("{location} as {schema}: {e}")),
        }
    }
    assert!(failures.is_empty(), "examples that do not round-trip:\n{}", failures.join("\n"));
    insta::assert_snapshot!("wire_examples", serde_json::to_string_pretty(&wire).unwrap());
}

#[test]
fn every_component_schema_has_an_example_or_a_sample() {
    let spec = xtask::generator::parse(SPEC).expect("spec parses");
    let schemas: BTreeSet<String> =
        spec.components.expect("components").schemas.into_keys().collect();
    let covered: BTreeSet<String> = xtask::examples::examples(SPEC)
        .unwrap()
        .into_iter()
        .map(|e| e.schema)
        .chain(samples().into_keys())
        .collect();
    let missing: Vec<&String> = schemas.difference(&covered).collect();
    assert!(missing.is_empty(), "write a sample in tests/fixtures/samples.json for: {missing:?}");
    let stale: Vec<String> = samples().into_keys().filter(|k| !schemas.contains(k)).collect();
    assert!(stale.is_empty(), "samples for schemas the spec no longer has: {stale:?}");
}

#[test]
fn resettable_fields_write_all_three_states() {
    use xms::raw::types::{
        ResettableDateTime, ResettableGroupName, TextBatchType, UpdateGroupRequest, UpdateTextBatch,
    };

    let keep: UpdateTextBatch =
        serde_json::from_value(serde_json::json!({"type": "mt_text"})).unwrap();
    assert_eq!(keep.type_, TextBatchType::MtText);
    assert_eq!(serde_json::to_value(&keep).unwrap(), serde_json::json!({"type": "mt_text"}));

    let reset = UpdateTextBatch { send_at: Some(ResettableDateTime(None)), ..keep.clone() };
    assert_eq!(
        serde_json::to_value(&reset).unwrap(),
        serde_json::json!({"type": "mt_text", "send_at": null})
    );

    let when: xms::raw::Timestamp = "2026-03-01T09:00:00Z".parse().unwrap();
    let set = UpdateTextBatch { send_at: Some(ResettableDateTime(Some(when))), ..keep };
    assert_eq!(
        serde_json::to_value(&set).unwrap(),
        serde_json::json!({"type": "mt_text", "send_at": "2026-03-01T09:00:00Z"})
    );

    let unname = UpdateGroupRequest { name: Some(ResettableGroupName(None)), ..Default::default() };
    assert_eq!(serde_json::to_value(&unname).unwrap(), serde_json::json!({"name": null}));
}

#[test]
fn unions_keep_unknown_types_and_name_the_type_of_a_broken_one() {
    use xms::{batches::Batch, inbounds::Inbound};

    let future: Batch = serde_json::from_value(
        serde_json::json!({"id": "b1", "type": "mt_rcs", "to": ["1"], "card": {}}),
    )
    .unwrap();
    match &future {
        Batch::Other(unknown) => {
            assert_eq!(unknown.raw["card"], serde_json::json!({}));
            assert_eq!(unknown.id, "b1");
        }
        other => panic!("expected Other, got {other:?}"),
    }
    let untyped: Batch =
        serde_json::from_value(serde_json::json!({"id": "b2", "to": ["1"], "body": "hi"})).unwrap();
    assert!(matches!(untyped, Batch::Text(_)), "a batch without type is text");

    let broken =
        serde_json::from_value::<Inbound>(serde_json::json!({"type": "mo_text", "id": "i1"}))
            .unwrap_err();
    assert!(broken.to_string().contains("\"mo_text\""), "{broken}");
}

/// A union is read in one pass whatever the place of `type` among the
/// fields, from text, from a reader (which cannot lend its text) and from
/// a value; the fields before `type` are kept for the variant, and for an
/// unknown type; an error in one of them names it.
#[test]
fn unions_read_the_same_wherever_type_is() {
    use xms::batches::Batch;

    let fields = [
        ("id", serde_json::json!("b1")),
        ("to", serde_json::json!(["46701234567", 46701234568u64])),
        ("from", serde_json::json!("12345")),
        ("canceled", serde_json::json!("False")),
        ("body", serde_json::json!("Hi ${name}")),
        ("parameters", serde_json::json!({"name": {"default": "you"}})),
        ("created_at", serde_json::json!("2026-02-27T10:15:22.118Z")),
        ("max_number_of_message_parts", serde_json::json!("3")),
    ];
    // Objects written by hand, so that the order of their fields is kept.
    let object = |type_at: usize, kind: &str| {
        let mut parts: Vec<String> = fields.iter().map(|(k, v)| format!("{k:?}:{v}")).collect();
        parts.insert(type_at, format!("\"type\":{kind:?}"));
        format!("{{{}}}", parts.join(","))
    };
    let first: Batch = serde_json::from_str(&object(0, "mt_text")).unwrap();
    let Batch::Text(text) = &first else { panic!("expected text, got {first:?}") };
    assert_eq!(text.recipients, ["46701234567", "46701234568"]);
    assert!(!text.canceled);
    assert_eq!(text.max_number_of_message_parts, Some(3));
    assert_eq!(text.parameters["name"]["default"], "you");
    for at in 0..=fields.len() {
        let json = object(at, "mt_text");
        let from_text: Batch = serde_json::from_str(&json).unwrap();
        let from_reader: Batch = serde_json::from_reader(json.as_bytes()).unwrap();
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        let from_value: Batch = serde_json::from_value(value).unwrap();
        assert_eq!(from_text, first, "type at {at}");
        assert_eq!(from_reader, first, "type at {at}, from a reader");
        assert_eq!(from_value, first, "type at {at}, from a value");

        let unknown: Batch = serde_json::from_str(&object(at, "mt_rcs")).unwrap();
        let Batch::Other(unknown) = unknown else { panic!("type at {at}: not kept whole") };
        assert_eq!(unknown.id, "b1");
        assert_eq!(unknown.raw.len(), fields.len() + 1, "type at {at}: {:?}", unknown.raw);
        assert_eq!(unknown.raw["type"], "mt_rcs");
    }
    // Without `type`, or with a null one: text.
    let untyped: Batch = serde_json::from_str(r#"{"id":"b2","to":["1"],"body":"x"}"#).unwrap();
    let null_type: Batch =
        serde_json::from_str(r#"{"id":"b2","type":null,"to":["1"],"body":"x"}"#).unwrap();
    assert!(matches!(&untyped, Batch::Text(t) if t.id == "b2"), "{untyped:?}");
    assert_eq!(untyped, null_type);
    // A `type` that is not a string, and a broken field before `type`.
    let error = serde_json::from_str::<Batch>(r#"{"id":"b3","type":7}"#).unwrap_err();
    assert!(error.to_string().contains("`type` must be a string"), "{error}");
    let error = serde_json::from_str::<Batch>(
        r#"{"id":"b4","max_number_of_message_parts":-2,"type":"mt_text","to":["1"],"body":"x"}"#,
    )
    .unwrap_err();
    let text = error.to_string();
    assert!(
        text.contains("\"mt_text\"") && text.contains("`max_number_of_message_parts`"),
        "{text}"
    );
}

/// The hand-written models that replace generated response types must name
/// exactly the spec's properties: a property added to a replaced schema (and
/// to its example) and not to the model fails here, naming both.
#[test]
fn replaced_schemas_and_their_models_have_the_same_fields() {
    let raw: Value = spec_value(SPEC);
    let schemas = raw.pointer("/components/schemas").unwrap();
    let examples: BTreeMap<String, Value> = xtask::examples::examples(SPEC)
        .unwrap()
        .into_iter()
        .filter(|e| e.location.starts_with("components.schemas."))
        .map(|e| (e.schema, e.value))
        .chain(samples())
        // Full samples, for schemas whose example leaves properties out.
        .chain(serde_json::from_str::<BTreeMap<String, Value>>(FULL_SAMPLES).unwrap())
        .collect();
    let mut failures = Vec::new();
    let mut checked = 0;
    for (schema, path) in xtask::generator::REPLACEMENTS {
        let Some(properties) = schemas[schema].get("properties").and_then(Value::as_object) else {
            continue; // enums and unions: no fields of their own
        };
        let properties: BTreeSet<&str> = properties.keys().map(String::as_str).collect();
        let Some(example) = examples.get(*schema) else {
            failures.push(format!("{schema}: no example or sample"));
            continue;
        };
        let given: BTreeSet<&str> =
            example.as_object().map(|o| o.keys().map(String::as_str).collect()).unwrap_or_default();
        let missing: Vec<_> = properties.difference(&given).collect();
        if !missing.is_empty() {
            failures.push(format!(
                "{schema}: its example must set every property (or write a full one in \
                 tests/fixtures/full_samples.json); it lacks {missing:?}"
            ));
            continue;
        }
        match round_trip(schema, example) {
            Ok(Value::Object(output)) => {
                let written: BTreeSet<&str> = output.keys().map(String::as_str).collect();
                if written != properties {
                    let missing: Vec<_> = properties.difference(&written).collect();
                    let extra: Vec<_> = written.difference(&properties).collect();
                    failures.push(format!(
                        "{schema}: add {missing:?} to the model xms::{path}, or remove \
                         {extra:?} from it"
                    ));
                }
            }
            other => failures.push(format!("{schema}: {other:?}")),
        }
        checked += 1;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 20, "only {checked} replaced schemas checked");
}

fn spec_value(yaml: &str) -> Value {
    let spec = xtask::generator::parse(yaml).expect("spec parses");
    serde_json::to_value(spec).expect("the spec is JSON")
}

/// Every enum an answer carries is open: each enum-valued field of every
/// response model's example, set to a value no version of the spec has,
/// still reads.
#[test]
fn every_enum_in_an_answer_keeps_values_added_later() {
    let raw: Value = spec_value(SPEC);
    let schemas = raw.pointer("/components/schemas").unwrap().clone();
    let examples: BTreeMap<String, Value> = xtask::examples::examples(SPEC)
        .unwrap()
        .into_iter()
        .filter(|e| e.location.starts_with("components.schemas."))
        .map(|e| (e.schema, e.value))
        .chain(samples())
        .chain(serde_json::from_str::<BTreeMap<String, Value>>(FULL_SAMPLES).unwrap())
        .collect();

    /// JSON pointers (in `example`) of the fields whose schema is an enum.
    fn enum_fields(
        schemas: &Value,
        schema: &Value,
        example: &Value,
        at: String,
        out: &mut Vec<String>,
    ) {
        let schema = match schema.get("$ref").and_then(Value::as_str) {
            Some(r) => &schemas[r.trim_start_matches("#/components/schemas/")],
            None => schema,
        };
        if schema.get("enum").is_some() {
            out.push(at);
            return;
        }
        match example {
            Value::Object(map) => {
                for (key, value) in map {
                    if let Some(property) = schema.pointer(&format!("/properties/{key}")) {
                        enum_fields(schemas, property, value, format!("{at}/{key}"), out);
                    }
                }
            }
            Value::Array(items) => {
                if let Some(item) = schema.get("items") {
                    for (i, value) in items.iter().enumerate() {
                        enum_fields(schemas, item, value, format!("{at}/{i}"), out);
                    }
                }
            }
            _ => {}
        }
    }

    let mut failures = Vec::new();
    let mut fields = 0;
    for (schema, _) in xtask::generator::REPLACEMENTS {
        if schemas[schema].get("properties").is_none() {
            continue;
        }
        let Some(example) = examples.get(*schema) else {
            continue;
        };
        let mut pointers = Vec::new();
        enum_fields(&schemas, &schemas[schema], example, String::new(), &mut pointers);
        for pointer in pointers {
            fields += 1;
            let mut changed = example.clone();
            let slot = changed.pointer_mut(&pointer).unwrap();
            // A new member of a family keeps the family's prefix
            // (`delivery_report_` + a new channel, `mt_` + a new kind).
            let new = match slot.as_str().and_then(|v| v.rsplit_once('_')) {
                Some((family, _)) if pointer == "/type" => format!("{family}_added_later_7"),
                _ => "added_later_7".to_owned(),
            };
            *slot = Value::String(new.clone());
            // The `type` of a union's variant picks the variant: a new one
            // must be kept by the union.
            let union = schemas.as_object().unwrap().iter().find(|(_, s)| {
                s.get("oneOf").and_then(Value::as_array).is_some_and(|variants| {
                    variants.iter().any(|v| {
                        v.get("$ref").and_then(Value::as_str)
                            == Some(&format!("#/components/schemas/{schema}"))
                    })
                })
            });
            let read_as = match union {
                Some((union, _)) if pointer == "/type" => union.as_str(),
                _ => *schema,
            };
            match round_trip(read_as, &changed) {
                Ok(out) if out.pointer(&pointer) == Some(&Value::String(new.clone())) => {}
                Ok(out) => failures.push(format!(
                    "{schema}{pointer}: the new value was not kept: {:?}",
                    out.pointer(&pointer)
                )),
                Err(e) => failures.push(format!("{schema}{pointer}: {e}")),
            }
        }
    }
    assert!(failures.is_empty(), "closed enums in answers:\n{}", failures.join("\n"));
    assert!(fields >= 10, "only {fields} enum fields found");
}

/// The public API of the hand-written layer, one item a line: a reviewer sees
/// an ergonomic-API change in the pull request, not only changes of `raw`.
#[test]
fn public_api() {
    let root = xtask::workspace_root();
    let mut listing = xtask::public_api::render(&root.join("src")).expect("src/ parses");
    // `xms::encoding` is the `xms-encoding` crate, re-exported.
    listing += &xtask::public_api::render_as(&root.join("encoding/src"), "xms::encoding")
        .expect("encoding/src/ parses");
    insta::assert_snapshot!("public_api", listing);
}
