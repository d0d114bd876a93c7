//! Every operation of the spec is complete: it states its facts (`x-xms`,
//! which the SDK's operation table is built from), has an SDK method, a
//! simulator route, and a test that calls it (the SDK call of
//! `common/calls.rs`, run here against the simulator, which must answer it
//! on that operation's route). A gap fails naming the operation.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use xms::pagination::ListItem;
use xms_simulator::Simulator;

#[path = "common/calls.rs"]
mod calls;

const SPEC: &str = include_str!("../openapi/xms.json");

/// The spec's operations: id → (METHOD, path, operation).
fn spec_operations(spec: &Value) -> BTreeMap<String, (String, String, Value)> {
    let mut out = BTreeMap::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("a path item") {
            if let Some(id) = op.get("operationId").and_then(Value::as_str) {
                out.insert(id.to_owned(), (method.to_uppercase(), path.clone(), op.clone()));
            }
        }
    }
    out
}

fn snake(id: &str) -> String {
    let mut out = String::new();
    for (i, c) in id.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// What is missing, one line per gap, each naming its operation.
fn gaps(
    spec: &Value,
    calls: &[(&str, calls::Call)],
    served: &BTreeSet<(String, String)>,
    table: &[xms::raw::Operation],
) -> Vec<String> {
    let called: BTreeSet<&str> = calls.iter().map(|(id, _)| *id).collect();
    let item_keys = [
        <xms::batches::Batch as ListItem>::KEY,
        <xms::groups::Group as ListItem>::KEY,
        <xms::inbounds::Inbound as ListItem>::KEY,
        <xms::delivery_reports::RecipientDeliveryReport as ListItem>::KEY,
    ];
    let mut gaps = Vec::new();
    for (id, (method, path, op)) in spec_operations(spec) {
        let facts = &op["x-xms"];
        for key in ["reads", "idempotent", "creates", "pages"] {
            if facts.get(key).is_none() {
                gaps.push(format!("{id}: `x-xms.{key}` is not stated"));
            }
        }
        match table.iter().find(|o| o.id == snake(&id)) {
            None => gaps.push(format!("{id}: not in the SDK's operation table")),
            Some(row) => {
                if (row.method, row.template) != (method.as_str(), path.as_str()) {
                    gaps.push(format!("{id}: the operation table has {row:?}"));
                }
                if facts["idempotent"].as_bool().is_some_and(|b| b != row.idempotent)
                    || facts["reads"].as_bool().is_some_and(|b| b != row.reads)
                {
                    gaps.push(format!("{id}: the operation table disagrees with `x-xms`"));
                }
                if let Some(key) = row.pages
                    && !item_keys.contains(&key)
                {
                    gaps.push(format!("{id}: pages `{key}`, which no page type reads"));
                }
            }
        }
        if !called.contains(id.as_str()) {
            gaps.push(format!("{id}: no SDK method in tests/common/calls.rs"));
        }
        if !served.contains(&(method.clone(), path.clone())) {
            gaps.push(format!("{id}: no simulator route for {method} {path}"));
        }
    }
    gaps
}

fn served() -> BTreeSet<(String, String)> {
    xms_simulator::operations().map(|(m, p)| (m.to_owned(), p.to_owned())).collect()
}

#[test]
fn every_operation_has_its_facts_a_method_and_a_route() {
    let spec: Value = serde_json::from_str(SPEC).unwrap();
    let gaps = gaps(&spec, &calls::calls(), &served(), xms::raw::OPERATIONS);
    assert!(gaps.is_empty(), "incomplete operations:\n{}", gaps.join("\n"));
    assert_eq!(xms::raw::OPERATIONS.len(), spec_operations(&spec).len());
}

#[test]
fn a_gap_is_named() {
    let spec: Value = serde_json::from_str(SPEC).unwrap();
    let mut without_facts = spec.clone();
    without_facts["paths"]["/xms/v1/{service_plan_id}/inbounds/{inbound_id}"]["get"]
        .as_object_mut()
        .unwrap()
        .remove("x-xms");
    let found = gaps(&without_facts, &calls::calls(), &served(), xms::raw::OPERATIONS);
    assert!(found.iter().any(|g| g.starts_with("GetInbound: `x-xms.reads`")), "{found:?}");

    let mut calls = calls::calls();
    calls.retain(|(id, _)| *id != "DeleteGroup");
    let mut routes = served();
    routes.remove(&("GET".to_owned(), "/xms/v1/{service_plan_id}/groups".to_owned()));
    let table: Vec<xms::raw::Operation> =
        xms::raw::OPERATIONS.iter().filter(|o| o.id != "send_batch").copied().collect();
    let found = gaps(&spec, &calls, &routes, &table);
    for expected in [
        "DeleteGroup: no SDK method",
        "ListGroups: no simulator route",
        "SendBatch: not in the SDK's operation table",
    ] {
        assert!(found.iter().any(|g| g.starts_with(expected)), "{expected}: {found:?}");
    }
}

/// Each SDK call reaches its own operation: the simulator answers it on
/// that operation's route (whatever the status: the ids here need not
/// exist).
#[tokio::test]
async fn every_sdk_call_reaches_its_operation() {
    let spec: Value = serde_json::from_str(SPEC).unwrap();
    let operations = spec_operations(&spec);
    let sim = Simulator::builder().record_answers().start();
    let client = xms::Client::builder()
        .service_plan(sim.service_plan_id(), sim.api_token())
        .endpoint(sim.url())
        .retry(xms::RetryPolicy::none())
        .build()
        .unwrap();
    let mut wrong = Vec::new();
    for (id, call) in calls::calls() {
        let before = sim.answers().len();
        let _ = call(client.clone()).await;
        let answers = sim.answers();
        let (method, path, _) = &operations[id];
        let reached: Vec<(String, String)> =
            answers[before..].iter().map(|a| (a.method.clone(), a.route.clone())).collect();
        if !reached.contains(&(method.clone(), path.clone())) {
            wrong.push(format!("{id}: its SDK call reached {reached:?}, not {method} {path}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
