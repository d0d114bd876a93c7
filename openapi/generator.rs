// How `openapi/xms.yaml` becomes Rust.
//
// This one file is compiled into both `build.rs` (which writes the client that
// `xms::raw` includes) and `xtask` (which lints the spec and renders the
// snapshots), so the two can never use different generator settings. It is
// plain Rust with no crate of its own; both users pull it in with
// `#[path = ...] mod generator;` and provide the same dependencies
// (progenitor, openapiv3, schemars, serde_json). It reads the spec as JSON
// (`openapi/xms.json`, written from the YAML by `cargo xtask regen`), so that
// a downstream build compiles no YAML parser; xtask adds YAML reading and
// pretty-printing on top.

#![allow(dead_code)] // each includer uses a different subset

use std::panic::{self, AssertUnwindSafe};

use progenitor::{GenerationSettings, Generator, HooksMode, InterfaceStyle, TagStyle, TypeImpl};

/// Component schemas that the generator must not write itself, and the
/// hand-written type used in their place, as a path below the `xms` crate
/// root.
///
/// - The enums of values the API may add to get an `Other(String)` arm, so a
///   new status, code or type from the server does not fail the whole
///   response.
/// - The unions of batch, inbound and delivery report types are read by their
///   `type` field (the generator ignores `discriminator`) and keep an object
///   of an unknown type instead of failing; their variants are still the
///   generated structs.
pub const REPLACEMENTS: &[(&str, &str)] = &[
    ("ErrorCode", "model::ErrorCode"),
    ("DeliveryReportType", "model::DeliveryReportType"),
    ("DeliveryStatus", "model::DeliveryStatus"),
    ("Encoding", "model::Encoding"),
    ("MediaUploadStatus", "model::MediaUploadStatus"),
    ("Batch", "batches::Batch"),
    ("TextBatch", "batches::TextBatch"),
    ("BinaryBatch", "batches::BinaryBatch"),
    ("MediaBatch", "batches::MediaBatch"),
    ("MediaBody", "batches::MediaBody"),
    ("BatchList", "pagination::Page<crate::batches::Batch>"),
    ("DryRunResult", "batches::DryRunResult"),
    ("DryRunRecipient", "batches::DryRunRecipient"),
    ("BatchDeliveryReport", "delivery_reports::BatchDeliveryReport"),
    ("MessageStatusCount", "delivery_reports::StatusCount"),
    ("RecipientDeliveryReport", "delivery_reports::RecipientDeliveryReport"),
    ("DeliveryReportList", "pagination::Page<crate::delivery_reports::RecipientDeliveryReport>"),
    ("Group", "groups::Group"),
    ("GroupAutoUpdate", "groups::AutoUpdate"),
    ("KeywordPair", "groups::Keywords"),
    ("GroupList", "pagination::Page<crate::groups::Group>"),
    ("Inbound", "inbounds::Inbound"),
    ("MoText", "inbounds::InboundText"),
    ("MoBinary", "inbounds::InboundBinary"),
    ("MoMedia", "inbounds::InboundMedia"),
    ("MoMediaBody", "inbounds::InboundMediaBody"),
    ("MoMediaItem", "inbounds::MediaItem"),
    ("InboundList", "pagination::Page<crate::inbounds::Inbound>"),
    ("DeliveryReportCallback", "callbacks::Callback"),
];

/// Every `type: string, format: date-time` becomes this type instead of
/// `chrono::DateTime<Utc>`: it reads timestamps without an offset as UTC,
/// which the callbacks are known to send, and converts to and from
/// `DateTime<Utc>` for free.
pub const TIMESTAMP_TYPE: &str = "raw::Timestamp";

/// The state every generated client carries; its `ClientHooks` implementation
/// signs, retries and times each request.
pub const INNER_TYPE: &str = "crate::transport::Transport";

/// The generator settings. Changing them changes the generated code, which
/// the snapshot tests show.
pub fn settings() -> GenerationSettings {
    let mut settings = GenerationSettings::default();
    settings
        // `client.send_batch(plan, &body)`: one method per operation with
        // its parameters in spec order and the body borrowed. The builder
        // style writes a builder per operation and per schema, with an
        // error string made for every unset field of every call, and a
        // third of the code: a cost on every request and in every build of
        // an app, for `raw` calls that the SDK's own layer wraps anyway.
        .with_interface(InterfaceStyle::Positional)
        .with_tag(TagStyle::Merged)
        // The client carries the SDK's transport (credentials, retries,
        // user agent), and the SDK must implement the hooks that use it: a
        // forgotten implementation is a compile error, not an unauthenticated
        // request.
        .with_inner_type(INNER_TYPE.parse().expect("a Rust path"))
        .with_hooks(HooksMode::Expected)
        .with_derive("PartialEq")
        // Ordered maps: stable serialization and stable snapshots.
        .with_map_type("::std::collections::BTreeMap");
    for (schema, path) in REPLACEMENTS {
        let impls = if path.starts_with("model::") {
            vec![TypeImpl::Display, TypeImpl::FromStr]
        } else {
            vec![]
        };
        settings.with_replacement(schema, format!("crate::{path}"), impls.into_iter());
    }
    let date_time = schemars::schema::SchemaObject {
        instance_type: Some(schemars::schema::InstanceType::String.into()),
        format: Some("date-time".to_string()),
        ..Default::default()
    };
    settings.with_conversion(
        date_time,
        format!("crate::{TIMESTAMP_TYPE}"),
        [TypeImpl::Display, TypeImpl::FromStr].into_iter(),
    );
    settings
}

/// The root extension of `openapi/xms.json` that holds [`source_hash`] of the
/// YAML it was written from.
pub const SOURCE_HASH_KEY: &str = "x-xms-source-hash";

/// FNV-1a (64 bits) of the YAML text, in hex: how `build.rs` tells that
/// `openapi/xms.json` was written from the YAML as it is now.
pub fn source_hash(yaml: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in yaml.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

/// Parse the spec in its JSON form.
pub fn parse_json(json: &str) -> Result<openapiv3::OpenAPI, String> {
    serde_json::from_str(json)
        .map_err(|e| format!("openapi/xms.json is not a valid OpenAPI 3.0 document: {e}"))
}

/// Generate the client. On failure the message names the
/// operation the generator could not take, found by generating each
/// operation alone.
pub fn generate(spec: &openapiv3::OpenAPI) -> Result<String, String> {
    match quietly(|| generate_unchecked(spec)) {
        Ok(Ok(code)) => Ok(code),
        Ok(Err(e)) => Err(explain(spec, &e)),
        Err(panic) => Err(explain(spec, &format!("the generator panicked: {panic}"))),
    }
}

/// The generated client as Rust tokens, unformatted: the compiler does not
/// need them laid out, and xtask pretty-prints them for the snapshot.
fn generate_unchecked(spec: &openapiv3::OpenAPI) -> Result<String, String> {
    let mut generator = Generator::new(&settings());
    let tokens = generator.generate_tokens(&unconstrained(spec)?).map_err(|e| e.to_string())?;
    Ok(tokens.to_string())
}

/// The spec as the generator sees it: without the length and pattern rules
/// of strings. The SDK checks those itself before sending, naming the field
/// and the rule (`src/validate.rs`; `tests/limits.rs` holds the two to the
/// same numbers). Given them, the generator writes a newtype per
/// constrained string that copies the text once more on every request and
/// checks it again.
fn unconstrained(spec: &openapiv3::OpenAPI) -> Result<openapiv3::OpenAPI, String> {
    fn strip(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(object) => {
                if object.get("type").and_then(|t| t.as_str()) == Some("string") {
                    for rule in ["maxLength", "minLength", "pattern"] {
                        object.remove(rule);
                    }
                }
                object.values_mut().for_each(strip);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut value = serde_json::to_value(spec).map_err(|e| e.to_string())?;
    strip(&mut value);
    serde_json::from_value(value).map_err(|e| e.to_string())
}

/// Run `f`, turning a panic into an error and keeping the default panic
/// message off stderr while it runs.
fn quietly<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    let previous = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    panic::set_hook(previous);
    result.map_err(|payload| {
        payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".to_string())
    })
}

/// Find the operations that fail on their own and say which they are.
fn explain(spec: &openapiv3::OpenAPI, error: &str) -> String {
    let mut culprits = Vec::new();
    for (path, method, operation) in operations(spec) {
        let alone = only_operation(spec, path, method);
        let outcome = match quietly(|| generate_unchecked(&alone)) {
            Ok(Ok(_)) => continue,
            Ok(Err(e)) => e,
            Err(panic) => format!("panic: {panic}"),
        };
        let id = operation.operation_id.as_deref().unwrap_or("(no operationId)");
        culprits.push(format!("  {id} ({} {path}): {outcome}", method.to_uppercase()));
    }
    if culprits.is_empty() {
        format!(
            "progenitor cannot generate a client from openapi/xms.yaml: {error}\n\
             No single operation fails alone; look at the component schemas."
        )
    } else {
        format!(
            "progenitor cannot generate a client from openapi/xms.yaml: {error}\n\
             These operations fail on their own:\n{}",
            culprits.join("\n")
        )
    }
}

/// Every operation of the spec as (path, method, operation), in file order.
pub fn operations(spec: &openapiv3::OpenAPI) -> Vec<(&str, &'static str, &openapiv3::Operation)> {
    let mut out = Vec::new();
    for (path, item) in spec.paths.paths.iter() {
        let Some(item) = item.as_item() else { continue };
        let methods: [(&'static str, &Option<openapiv3::Operation>); 8] = [
            ("get", &item.get),
            ("put", &item.put),
            ("post", &item.post),
            ("delete", &item.delete),
            ("options", &item.options),
            ("head", &item.head),
            ("patch", &item.patch),
            ("trace", &item.trace),
        ];
        for (method, op) in methods {
            if let Some(op) = op {
                out.push((path.as_str(), method, op));
            }
        }
    }
    out
}

fn only_operation(spec: &openapiv3::OpenAPI, path: &str, method: &str) -> openapiv3::OpenAPI {
    let mut alone = spec.clone();
    alone.paths.paths.retain(|p, _| p == path);
    if let Some(openapiv3::ReferenceOr::Item(item)) = alone.paths.paths.get_mut(path) {
        for (m, slot) in [
            ("get", &mut item.get),
            ("put", &mut item.put),
            ("post", &mut item.post),
            ("delete", &mut item.delete),
            ("options", &mut item.options),
            ("head", &mut item.head),
            ("patch", &mut item.patch),
            ("trace", &mut item.trace),
        ] {
            if m != method {
                *slot = None;
            }
        }
    }
    alone
}

/// The Rust path, below the crate root, of the type generated for (or put in
/// place of) a component schema.
pub fn schema_type_path(schema: &str) -> String {
    match REPLACEMENTS.iter().find(|(name, _)| *name == schema) {
        Some((_, path)) => path.to_string(),
        None => format!("raw::types::{schema}"),
    }
}

/// An operation id as progenitor names its method: snake case
/// (`SendBatch` is `send_batch`).
pub fn snake_case(id: &str) -> String {
    let mut snake = String::new();
    for (i, c) in id.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            snake.push('_');
        }
        snake.push(c.to_ascii_lowercase());
    }
    snake
}
