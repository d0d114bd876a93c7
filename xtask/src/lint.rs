//! The house rules of `openapi/xms.yaml`, checked before anything is
//! generated. Each rule exists because breaking it either panics the
//! generator or generates a client that misreads the wire.

use std::collections::{BTreeMap, BTreeSet};

use openapiv3::{OpenAPI, ReferenceOr};
use serde_json::Value;

use crate::generator;

/// One broken rule, with where it is broken.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    /// Where in the spec, e.g. `SendBatch` or `components.schemas.Batch`.
    pub at: String,
    /// Which rule, in a few words.
    pub rule: &'static str,
    /// What exactly is wrong.
    pub detail: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {} ({})", self.at, self.detail, self.rule)
    }
}

/// The name of the shared error response every error must use.
pub const ERROR_RESPONSE: &str = "#/components/responses/ApiError";

/// Check the spec text; an empty list means it is fine.
pub fn lint(yaml: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    let raw: Value = match yaml_serde::from_str(yaml) {
        Ok(v) => v,
        Err(e) => {
            return vec![Problem {
                at: "document".into(),
                rule: "parses",
                detail: format!("not YAML: {e}"),
            }];
        }
    };
    let spec: OpenAPI = match generator::parse(yaml) {
        Ok(s) => s,
        Err(e) => {
            return vec![Problem { at: "document".into(), rule: "parses", detail: e }];
        }
    };
    if !spec.openapi.starts_with("3.0.") {
        problems.push(Problem {
            at: "openapi".into(),
            rule: "OpenAPI 3.0.x",
            detail: format!("version {} (progenitor reads 3.0.x only)", spec.openapi),
        });
    }
    refs_resolve(&raw, &raw, "", &mut problems);
    operations(&spec, &mut problems);
    schema_names(&spec, &mut problems);
    response_schemas_unconstrained(&spec, &raw, &mut problems);
    problems.sort();
    problems.dedup();
    problems
}

fn push(
    problems: &mut Vec<Problem>,
    at: impl Into<String>,
    rule: &'static str,
    detail: impl Into<String>,
) {
    problems.push(Problem { at: at.into(), rule, detail: detail.into() });
}

/// Every `$ref` points at something in this document.
fn refs_resolve(root: &Value, node: &Value, at: &str, problems: &mut Vec<Problem>) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref")
                && resolve(root, target).is_none()
            {
                push(
                    problems,
                    at.trim_start_matches('.'),
                    "every $ref resolves",
                    format!("{target} does not exist"),
                );
            }
            for (key, value) in map {
                refs_resolve(root, value, &format!("{at}.{key}"), problems);
            }
        }
        Value::Array(items) => {
            for (i, value) in items.iter().enumerate() {
                refs_resolve(root, value, &format!("{at}[{i}]"), problems);
            }
        }
        _ => {}
    }
}

/// Follow a local JSON pointer (`#/a/b`).
pub fn resolve<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    let pointer = reference.strip_prefix('#')?;
    root.pointer(pointer)
}

fn operations(spec: &OpenAPI, problems: &mut Vec<Problem>) {
    let declared_tags: BTreeSet<&str> = spec.tags.iter().map(|t| t.name.as_str()).collect();
    let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
    for (path, method, op) in generator::operations(spec) {
        let at =
            op.operation_id.clone().unwrap_or_else(|| format!("{} {path}", method.to_uppercase()));
        match op.operation_id.as_deref() {
            None => push(problems, &at, "operationId", "the operation has no operationId"),
            Some(id) => {
                *ids.entry(id).or_default() += 1;
                if !is_pascal_case(id) {
                    push(problems, &at, "operationId", format!("{id} is not PascalCase"));
                }
            }
        }
        match op.tags.as_slice() {
            [] => push(problems, &at, "one tag", "the operation has no tag"),
            [tag] if !declared_tags.contains(tag.as_str()) => {
                push(problems, &at, "one tag", format!("tag {tag} is not declared under `tags`"))
            }
            [_] => {}
            more => push(problems, &at, "one tag", format!("{} tags", more.len())),
        }
        facts(op, method, &at, problems);
        path_parameters(spec, path, op, &at, problems);
        query_parameters(spec, op, &at, problems);
        if let Some(body) = &op.request_body {
            let body = match body {
                ReferenceOr::Item(b) => Some(b),
                ReferenceOr::Reference { .. } => None,
            };
            if let Some(body) = body {
                let types: Vec<&String> = body.content.keys().collect();
                if types != ["application/json"] {
                    push(problems, &at, "JSON bodies", format!("request media types {types:?}"));
                }
            }
        }
        responses(op, &at, problems);
    }
    for (id, count) in ids {
        if count > 1 {
            push(problems, id, "operationId", format!("used by {count} operations"));
        }
    }
}

/// The facts of `x-xms` that the SDK's operation table is built from:
/// present, of the right kind, and consistent with each other.
fn facts(op: &openapiv3::Operation, method: &str, at: &str, problems: &mut Vec<Problem>) {
    const RULE: &str = "x-xms facts";
    let Some(facts) = op.extensions.get("x-xms") else {
        push(problems, at, RULE, "no `x-xms` (reads, idempotent, creates, pages)");
        return;
    };
    let Some(map) = facts.as_object() else {
        push(problems, at, RULE, "`x-xms` is not a mapping");
        return;
    };
    for key in map.keys() {
        if !["reads", "idempotent", "creates", "pages"].contains(&key.as_str()) {
            push(problems, at, RULE, format!("`x-xms.{key}` is not a fact the SDK knows"));
        }
    }
    let flag = |key: &str, problems: &mut Vec<Problem>| match map.get(key) {
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => {
            push(problems, at, RULE, format!("`x-xms.{key}` must be true or false"));
            None
        }
        None => {
            push(problems, at, RULE, format!("`x-xms.{key}` is missing"));
            None
        }
    };
    let word = |key: &str, problems: &mut Vec<Problem>| match map.get(key) {
        Some(Value::String(w))
            if !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c == '_') =>
        {
            Some(Some(w.clone()))
        }
        Some(Value::Null) => Some(None),
        Some(_) => {
            push(problems, at, RULE, format!("`x-xms.{key}` must be a lower-case word or null"));
            None
        }
        None => {
            push(problems, at, RULE, format!("`x-xms.{key}` is missing (null when none)"));
            None
        }
    };
    let reads = flag("reads", problems);
    let idempotent = flag("idempotent", problems);
    let creates = word("creates", problems);
    let pages = word("pages", problems);
    if reads == Some(true) && idempotent == Some(false) {
        push(problems, at, RULE, "an operation that reads is idempotent");
    }
    if reads == Some(true) && matches!(creates, Some(Some(_))) {
        push(problems, at, RULE, "an operation that reads creates nothing");
    }
    if matches!(pages, Some(Some(_))) && (reads != Some(true) || method != "get") {
        push(problems, at, RULE, "only a GET that reads pages");
    }
    if method == "get" && reads == Some(false) {
        push(problems, at, RULE, "a GET reads");
    }
}

fn is_pascal_case(name: &str) -> bool {
    name.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && name.chars().all(|c| c.is_ascii_alphanumeric())
}

fn path_parameters(
    spec: &OpenAPI,
    path: &str,
    op: &openapiv3::Operation,
    at: &str,
    problems: &mut Vec<Problem>,
) {
    let item = spec.paths.paths.get(path).and_then(ReferenceOr::as_item);
    let declared: BTreeSet<String> = item
        .into_iter()
        .flat_map(|i| i.parameters.iter())
        .chain(op.parameters.iter())
        .filter_map(|p| parameter(spec, p))
        .filter(|p| matches!(p, openapiv3::Parameter::Path { .. }))
        .map(|p| p.parameter_data_ref().name.clone())
        .collect();
    for var in path.split('{').skip(1).filter_map(|s| s.split('}').next()) {
        if !declared.contains(var) {
            push(problems, at, "path parameters", format!("{{{var}}} has no parameter"));
        }
    }
}

fn parameter<'a>(
    spec: &'a OpenAPI,
    p: &'a ReferenceOr<openapiv3::Parameter>,
) -> Option<&'a openapiv3::Parameter> {
    match p {
        ReferenceOr::Item(p) => Some(p),
        ReferenceOr::Reference { reference } => {
            let name = reference.strip_prefix("#/components/parameters/")?;
            spec.components.as_ref()?.parameters.get(name)?.as_item()
        }
    }
}

fn query_parameters(
    spec: &OpenAPI,
    op: &openapiv3::Operation,
    at: &str,
    problems: &mut Vec<Problem>,
) {
    for p in op.parameters.iter().filter_map(|p| parameter(spec, p)) {
        if let openapiv3::Parameter::Query { parameter_data, .. } = p
            && let openapiv3::ParameterSchemaOrContent::Schema(ReferenceOr::Item(schema)) =
                &parameter_data.format
            && matches!(schema.schema_kind, openapiv3::SchemaKind::Type(openapiv3::Type::Array(_)))
        {
            push(
                problems,
                at,
                "comma lists are strings",
                format!(
                    "query parameter {} is an array (it would be sent as repeated keys)",
                    parameter_data.name
                ),
            );
        }
    }
}

fn responses(op: &openapiv3::Operation, at: &str, problems: &mut Vec<Problem>) {
    if op.responses.default.is_some() {
        push(
            problems,
            at,
            "errors use ApiError",
            "`default` response (the generator treats it as a success)",
        );
    }
    let mut success_bodies = BTreeSet::new();
    for (status, response) in &op.responses.responses {
        let code = match status {
            openapiv3::StatusCode::Code(c) => *c,
            openapiv3::StatusCode::Range(r) => *r * 100,
        };
        if (200..300).contains(&code) {
            let body = match response {
                ReferenceOr::Item(r) => r
                    .content
                    .get("application/json")
                    .and_then(|m| m.schema.as_ref())
                    .map(|s| match s {
                        ReferenceOr::Reference { reference } => reference.clone(),
                        ReferenceOr::Item(_) => "(inline schema)".to_string(),
                    })
                    .unwrap_or_else(|| "(no body)".to_string()),
                ReferenceOr::Reference { reference } => reference.clone(),
            };
            success_bodies.insert(body);
        } else {
            match response {
                ReferenceOr::Reference { reference } if reference == ERROR_RESPONSE => {}
                _ => push(
                    problems,
                    at,
                    "errors use ApiError",
                    format!("response {status} is not {ERROR_RESPONSE}"),
                ),
            }
        }
    }
    match success_bodies.len() {
        0 => push(problems, at, "one success body type", "no success response"),
        1 => {}
        _ => push(
            problems,
            at,
            "one success body type",
            format!(
                "success responses disagree: {}",
                success_bodies.into_iter().collect::<Vec<_>>().join(", ")
            ),
        ),
    }
}

fn schema_names(spec: &OpenAPI, problems: &mut Vec<Problem>) {
    let Some(components) = &spec.components else {
        return;
    };
    for name in components.schemas.keys() {
        if !is_pascal_case(name) {
            push(
                problems,
                format!("components.schemas.{name}"),
                "PascalCase schema names",
                "the generated type would be renamed",
            );
        }
    }
}

/// No `pattern`, `minLength` or `maxLength` in any schema a response reaches.
fn response_schemas_unconstrained(spec: &OpenAPI, raw: &Value, problems: &mut Vec<Problem>) {
    let mut seen = BTreeSet::new();
    for (_, _, op) in generator::operations(spec) {
        for response in op.responses.responses.values() {
            let response = match response {
                ReferenceOr::Item(r) => serde_json::to_value(r).unwrap_or(Value::Null),
                ReferenceOr::Reference { reference } => {
                    resolve(raw, reference).cloned().unwrap_or(Value::Null)
                }
            };
            walk_response(raw, &response, "response", &mut seen, problems);
        }
    }
    // Schemas no operation returns but the API sends anyway (callbacks).
    if let Some(schemas) = raw.pointer("/components/schemas").and_then(Value::as_object) {
        for name in ["DeliveryReportCallback", "Inbound"] {
            if let Some(schema) = schemas.get(name) {
                walk_response(
                    raw,
                    schema,
                    &format!("components.schemas.{name}"),
                    &mut seen,
                    problems,
                );
            }
        }
    }
}

fn walk_response(
    root: &Value,
    node: &Value,
    at: &str,
    seen: &mut BTreeSet<String>,
    problems: &mut Vec<Problem>,
) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref")
                && seen.insert(target.clone())
                && let Some(next) = resolve(root, target)
            {
                let name = target.trim_start_matches("#/").replace('/', ".");
                walk_response(root, next, &name, seen, problems);
            }
            for key in ["pattern", "minLength", "maxLength"] {
                if map.contains_key(key) && map.get("type").is_some_and(|t| t == "string") {
                    push(
                        problems,
                        at,
                        "no limits in response schemas",
                        format!("`{key}` would make a response fail to parse"),
                    );
                }
            }
            for (key, value) in map {
                if key != "example" && key != "examples" {
                    walk_response(root, value, &format!("{at}.{key}"), seen, problems);
                }
            }
        }
        Value::Array(items) => {
            for value in items {
                walk_response(root, value, at, seen, problems);
            }
        }
        _ => {}
    }
}
