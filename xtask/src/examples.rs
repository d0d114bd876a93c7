//! Every example of the spec, with the component schema it is an example of.

use serde_json::Value;

use crate::lint::resolve;

/// One example value found in the spec.
#[derive(Clone, Debug)]
pub struct Example {
    /// Where it is, e.g. `components.schemas.Group` or `SendBatch.request.text`.
    pub location: String,
    /// The component schema it must be read as.
    pub schema: String,
    /// The example itself.
    pub value: Value,
}

/// Every example of a component schema, request body or response body.
/// Bodies must reference a component schema (the lint enforces named
/// schemas); examples of inline schemas are reported with schema `""`.
pub fn examples(spec_yaml: &str) -> Result<Vec<Example>, String> {
    let raw: Value = yaml_serde::from_str(spec_yaml).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    if let Some(schemas) = raw.pointer("/components/schemas").and_then(Value::as_object) {
        for (name, schema) in schemas {
            if let Some(example) = schema.get("example") {
                out.push(Example {
                    location: format!("components.schemas.{name}"),
                    schema: name.clone(),
                    value: example.clone(),
                });
            }
        }
    }
    let paths = raw.get("paths").and_then(Value::as_object).cloned().unwrap_or_default();
    for item in paths.values() {
        let Some(item) = item.as_object() else {
            continue;
        };
        for op in item.values() {
            let Some(id) = op.get("operationId").and_then(Value::as_str) else {
                continue;
            };
            if let Some(body) = op.get("requestBody") {
                media_examples(body, &format!("{id}.request"), &mut out);
            }
            if let Some(responses) = op.get("responses").and_then(Value::as_object) {
                for (status, response) in responses {
                    let response = match response.get("$ref").and_then(Value::as_str) {
                        Some(r) => resolve(&raw, r).unwrap_or(response),
                        None => response,
                    };
                    media_examples(response, &format!("{id}.{status}"), &mut out);
                }
            }
        }
    }
    Ok(out)
}

fn media_examples(holder: &Value, at: &str, out: &mut Vec<Example>) {
    let Some(media) = holder.pointer("/content/application~1json") else {
        return;
    };
    let schema = media
        .pointer("/schema/$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .unwrap_or("")
        .to_string();
    if let Some(example) = media.get("example") {
        out.push(Example {
            location: at.to_string(),
            schema: schema.clone(),
            value: example.clone(),
        });
    }
    if let Some(examples) = media.get("examples").and_then(Value::as_object) {
        for (name, example) in examples {
            if let Some(value) = example.get("value") {
                out.push(Example {
                    location: format!("{at}.{name}"),
                    schema: schema.clone(),
                    value: value.clone(),
                });
            }
        }
    }
}
