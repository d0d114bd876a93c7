//! One source for the API's limits: the spec. Every `maxLength`, `maxItems`,
//! `minItems`, `minimum` and `maximum` of `openapi/xms.yaml` must be one the
//! SDK checks (`xms::validate`) and the simulator enforces
//! (`xms_simulator::limits`), with the same value. A limit changed, added or
//! removed on one side alone fails here, naming it.

use std::collections::BTreeMap;

use serde_json::Value;
use xms::validate as sdk;
use xms_simulator::limits as sim;

const SPEC: &str = include_str!("../openapi/xms.yaml");

/// Every limit of the spec: (where, keyword) → value.
fn spec_limits() -> BTreeMap<(String, String), i64> {
    fn walk(v: &Value, at: &str, out: &mut BTreeMap<(String, String), i64>) {
        match v {
            Value::Object(map) => {
                // A parameter's limits are named by the parameter:
                // `.../number_of_recipients/schema`, not `.../parameters/1/schema`.
                let at = match (map.get("in"), map.get("name").and_then(Value::as_str)) {
                    (Some(_), Some(name)) => format!("{at}/{name}"),
                    _ => at.to_owned(),
                };
                let at = at.as_str();
                for (k, x) in map {
                    if matches!(
                        k.as_str(),
                        "maxLength" | "minLength" | "maxItems" | "minItems" | "maximum" | "minimum"
                    ) {
                        out.insert((at.to_owned(), k.clone()), x.as_i64().expect("a number"));
                    } else {
                        walk(x, &format!("{at}/{k}"), out);
                    }
                }
            }
            Value::Array(items) => {
                for (i, x) in items.iter().enumerate() {
                    walk(x, &format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    let spec = xtask::generator::parse(SPEC).expect("the spec parses");
    let spec = serde_json::to_value(spec).unwrap();
    let mut out = BTreeMap::new();
    walk(&spec, "", &mut out);
    out
}

/// What a limit of the spec is, by the property (or parameter) it is on and
/// its keyword: the SDK's value and the simulator's.
fn expected(at: &str, keyword: &str) -> Option<(&'static str, i64, i64)> {
    let property = at.rsplit('/').next().unwrap_or("");
    let property = if at.ends_with("/schema") {
        // A parameter: `.../parameters/N/schema` or a named one.
        at.split('/').rev().nth(1).unwrap_or("")
    } else {
        property
    };
    let as_i = |n: usize| n as i64;
    Some(match (property, keyword) {
        ("to", "maxItems") => {
            ("validate::MAX_RECIPIENTS", as_i(sdk::MAX_RECIPIENTS), as_i(sim::MAX_RECIPIENTS))
        }
        ("to", "minItems") => {
            ("validate::MIN_RECIPIENTS", as_i(sdk::MIN_RECIPIENTS), as_i(sim::MIN_RECIPIENTS))
        }
        ("body", "maxLength") => (
            "validate::MAX_TEXT_BODY_CHARS",
            as_i(sdk::MAX_TEXT_BODY_CHARS),
            as_i(sim::MAX_TEXT_BODY_CHARS),
        ),
        ("callback_url", "maxLength") => {
            ("validate::MAX_URL_CHARS", as_i(sdk::MAX_URL_CHARS), as_i(sim::MAX_URL_CHARS))
        }
        ("client_reference", "maxLength") => (
            "validate::MAX_CLIENT_REFERENCE_CHARS",
            as_i(sdk::MAX_CLIENT_REFERENCE_CHARS),
            as_i(sim::MAX_CLIENT_REFERENCE_CHARS),
        ),
        ("max_number_of_message_parts", "minimum") => {
            ("validate::MIN_MESSAGE_PARTS", sdk::MIN_MESSAGE_PARTS.into(), sim::MIN_MESSAGE_PARTS)
        }
        ("from_ton", "maximum") => {
            ("validate::MAX_FROM_TON", sdk::MAX_FROM_TON.into(), sim::MAX_FROM_TON)
        }
        ("from_npi", "maximum") => {
            ("validate::MAX_FROM_NPI", sdk::MAX_FROM_NPI.into(), sim::MAX_FROM_NPI)
        }
        // Both are `u8` in the SDK and checked from 0 in the simulator.
        ("from_ton" | "from_npi", "minimum") => ("0", u8::MIN.into(), 0),
        ("to_add" | "to_remove", "maxItems") => (
            "validate::MAX_UPDATE_RECIPIENTS",
            as_i(sdk::MAX_UPDATE_RECIPIENTS),
            as_i(sim::MAX_UPDATE_RECIPIENTS),
        ),
        ("first_word" | "second_word", "maxLength") => (
            "validate::MAX_KEYWORD_CHARS",
            as_i(sdk::MAX_KEYWORD_CHARS),
            as_i(sim::MAX_KEYWORD_CHARS),
        ),
        ("name", "maxLength") => (
            "validate::MAX_GROUP_NAME_CHARS",
            as_i(sdk::MAX_GROUP_NAME_CHARS),
            as_i(sim::MAX_GROUP_NAME_CHARS),
        ),
        ("members" | "add" | "remove", "maxItems") => (
            "validate::MAX_GROUP_MEMBERS",
            as_i(sdk::MAX_GROUP_MEMBERS),
            as_i(sim::MAX_GROUP_MEMBERS),
        ),
        ("child_groups", "maxItems") => {
            ("validate::MAX_CHILD_GROUPS", as_i(sdk::MAX_CHILD_GROUPS), as_i(sim::MAX_CHILD_GROUPS))
        }
        ("page_size", "maximum") => (
            "pagination::MAX_PAGE_SIZE",
            xms::pagination::MAX_PAGE_SIZE.into(),
            as_i(sim::MAX_PAGE_SIZE),
        ),
        // The dry run's `number_of_recipients` query parameter.
        ("number_of_recipients", "maximum") => (
            "validate::MAX_DRY_RUN_RECIPIENTS",
            sdk::MAX_DRY_RUN_RECIPIENTS.into(),
            as_i(sim::MAX_DRY_RUN_RECIPIENTS),
        ),
        _ => return None,
    })
}

#[test]
fn the_sdk_and_the_simulator_have_every_limit_of_the_spec() {
    let limits = spec_limits();
    assert!(limits.len() > 40, "{} limits found", limits.len());
    let mut failures = Vec::new();
    for ((at, keyword), value) in &limits {
        match expected(at, keyword) {
            None => failures.push(format!(
                "{at} {keyword}: {value} is a limit the SDK and the simulator do not check"
            )),
            Some((name, sdk, sim)) => {
                if sdk != *value {
                    failures.push(format!(
                        "{at} {keyword}: the spec says {value}, xms::{name} is {sdk}"
                    ));
                }
                if sim != *value {
                    failures.push(format!(
                        "{at} {keyword}: the spec says {value}, xms_simulator::limits::{} is \
                         {sim}",
                        name.rsplit("::").next().unwrap_or(name)
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The limits the spec cannot express (bytes of a decoded binary body,
/// parameters, the expiry window) are the same in the SDK and the
/// simulator.
#[test]
fn the_limits_the_spec_cannot_express_agree() {
    assert_eq!(sdk::MAX_BINARY_BYTES, sim::MAX_BINARY_BYTES);
    assert_eq!(sdk::MAX_PARAMETER_KEY_CHARS, sim::MAX_PARAMETER_KEY_CHARS);
    assert_eq!(sdk::MAX_PARAMETER_VALUE_CHARS, sim::MAX_PARAMETER_VALUE_CHARS);
    assert_eq!(sdk::MAX_EXPIRY.num_days(), sim::MAX_EXPIRY_DAYS);
}
