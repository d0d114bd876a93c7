//! The spec lint on the real spec and on deliberately broken copies of it.

use xtask::lint::{Problem, lint};

const SPEC: &str = include_str!("../../openapi/xms.yaml");

fn rules(problems: &[Problem]) -> Vec<(String, &'static str)> {
    problems.iter().map(|p| (p.at.clone(), p.rule)).collect()
}

#[test]
fn the_spec_keeps_every_house_rule() {
    let problems = lint(SPEC);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn every_operation_of_the_spec_is_found() {
    let spec = xtask::generator::parse(SPEC).unwrap();
    let ids = SPEC.matches("\n      operationId: ").count();
    assert!(ids > 20, "{ids}");
    assert_eq!(xtask::generator::operations(&spec).len(), ids);
}

fn broken(from: &str, to: &str) -> String {
    assert!(SPEC.contains(from), "the spec no longer contains {from:?}; update this test");
    SPEC.replacen(from, to, 1)
}

#[test]
fn a_duplicate_operation_id_is_refused() {
    let spec = broken("operationId: GetBatch\n", "operationId: ListBatches\n");
    assert!(rules(&lint(&spec)).contains(&("ListBatches".into(), "operationId")));
}

#[test]
fn a_missing_tag_is_refused() {
    let spec =
        broken("operationId: GetInbound\n      tags: [Inbounds]\n", "operationId: GetInbound\n");
    assert!(rules(&lint(&spec)).contains(&("GetInbound".into(), "one tag")));
}

#[test]
fn a_limit_in_a_response_schema_is_refused() {
    let spec = broken(
        "        recipient:\n          description: The phone number.\n          type: string\n",
        "        recipient:\n          description: The phone number.\n          type: string\n          maxLength: 15\n",
    );
    let problems = lint(&spec);
    assert!(
        problems
            .iter()
            .any(|p| p.rule == "no limits in response schemas" && p.at.contains("DryRunRecipient")),
        "{problems:#?}"
    );
}

#[test]
fn a_dangling_ref_is_refused() {
    let spec = broken(
        "$ref: \"#/components/schemas/DryRunResult\"",
        "$ref: \"#/components/schemas/DryRunOutcome\"",
    );
    let problems = lint(&spec);
    assert!(
        problems
            .iter()
            .any(|p| p.rule == "every $ref resolves" && p.detail.contains("DryRunOutcome")),
        "{problems:#?}"
    );
}

#[test]
fn an_error_without_the_shared_schema_is_refused() {
    let spec = broken(
        "      summary: Dry run a batch\n",
        "      summary: Dry run a batch\n      x-note: broken\n",
    )
    .replacen(
        "        \"400\":\n          $ref: \"#/components/responses/ApiError\"\n        \"403\":\n          $ref: \"#/components/responses/ApiError\"\n\n  /xms/v1/{service_plan_id}/batches/{batch_id}:",
        "        \"400\":\n          description: plain\n        \"403\":\n          $ref: \"#/components/responses/ApiError\"\n\n  /xms/v1/{service_plan_id}/batches/{batch_id}:",
        1,
    );
    assert!(rules(&lint(&spec)).contains(&("DryRunBatch".into(), "errors use ApiError")));
}

#[test]
fn two_success_body_types_are_refused() {
    let spec = broken(
        "      responses:\n        \"200\":\n          description: The batch.\n",
        "      responses:\n        \"201\":\n          description: Odd.\n          content:\n            application/json:\n              schema:\n                $ref: \"#/components/schemas/Group\"\n        \"200\":\n          description: The batch.\n",
    );
    assert!(rules(&lint(&spec)).contains(&("GetBatch".into(), "one success body type")));
}

#[test]
fn an_array_query_parameter_is_refused() {
    let spec = broken(
        "          description: Only these delivery statuses, comma-separated.\n          schema:\n            type: string\n",
        "          description: Only these delivery statuses, comma-separated.\n          schema:\n            type: array\n            items:\n              type: string\n",
    );
    assert!(
        rules(&lint(&spec)).contains(&("GetBatchDeliveryReport".into(), "comma lists are strings"))
    );
}

#[test]
fn an_undeclared_path_parameter_is_refused() {
    let spec = broken(
        "      - name: recipient_msisdn\n        in: path\n",
        "      - name: recipient\n        in: path\n",
    );
    assert!(
        rules(&lint(&spec)).contains(&("GetRecipientDeliveryReport".into(), "path parameters"))
    );
}

#[test]
fn a_lowercase_schema_name_is_refused() {
    let spec = broken("    GroupMembers:\n", "    groupMembers:\n")
        .replace("#/components/schemas/GroupMembers\"", "#/components/schemas/groupMembers\"");
    assert!(
        rules(&lint(&spec))
            .contains(&("components.schemas.groupMembers".into(), "PascalCase schema names"))
    );
}

#[test]
fn the_generator_names_the_operation_it_cannot_take() {
    // Two different success bodies make progenitor panic; the message must
    // name the operation instead of showing a bare assertion.
    let spec = broken(
        "      responses:\n        \"200\":\n          description: The batch.\n",
        "      responses:\n        \"201\":\n          description: Odd.\n          content:\n            application/json:\n              schema:\n                $ref: \"#/components/schemas/Group\"\n        \"200\":\n          description: The batch.\n",
    );
    let parsed = xtask::generator::parse(&spec).unwrap();
    let error = xtask::generator::generate(&parsed).unwrap_err();
    assert!(
        error.contains("GetBatch (GET /xms/v1/{service_plan_id}/batches/{batch_id})"),
        "{error}"
    );
}

#[test]
fn an_operation_without_its_facts_is_refused_by_name() {
    let spec = broken(
        "tags: [Inbounds]\n      x-xms:\n        reads: true\n        idempotent: true\n        creates: null\n        pages: null\n",
        "tags: [Inbounds]\n",
    );
    let problems = lint(&spec);
    assert!(rules(&problems).contains(&("GetInbound".into(), "x-xms facts")), "{problems:#?}");
}

#[test]
fn facts_that_contradict_each_other_are_refused() {
    // A read that is not idempotent, and a listing that is not a read.
    let spec = broken(
        "tags: [Inbounds]\n      x-xms:\n        reads: true\n        idempotent: true\n",
        "tags: [Inbounds]\n      x-xms:\n        reads: true\n        idempotent: false\n",
    );
    let problems = lint(&spec);
    assert!(
        problems.iter().any(|p| p.at == "ListInbounds" && p.detail.contains("is idempotent")),
        "{problems:#?}"
    );
    let spec = broken("        pages: batches\n", "        pages: [batches]\n");
    let problems = lint(&spec);
    assert!(
        problems.iter().any(|p| p.at == "ListBatches" && p.detail.contains("x-xms.pages")),
        "{problems:#?}"
    );
}
