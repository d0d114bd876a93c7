//! Generates the low-level client `xms::raw` from the spec.
//!
//! Reads only the spec, never the network, and reruns only when the spec (or
//! the generator settings, which are part of this script) change. It reads
//! the JSON form, `openapi/xms.json`, which `cargo xtask regen` writes from
//! `openapi/xms.yaml`, so that no YAML parser is compiled for a downstream
//! build; a JSON that was not written from the YAML as it is now stops the
//! build with a message saying to run `cargo xtask regen`. What it writes to
//! `$OUT_DIR`:
//! - `codegen.rs`: the progenitor client, included by `src/raw.rs`;
//! - `schema_table.rs`: one macro call per component schema with the Rust
//!   type standing for it, used by the round-trip tests;
//! - `operations.rs`: the operation table, each operation's id, method, path
//!   template and the facts its `x-xms` states (`src/operations.rs`).

#[path = "openapi/generator.rs"]
mod generator;

use std::{env, fs, path::PathBuf};

const SPEC: &str = "openapi/xms.yaml";
const SPEC_JSON: &str = "openapi/xms.json";

fn main() {
    println!("cargo:rerun-if-changed={SPEC}");
    println!("cargo:rerun-if-changed={SPEC_JSON}");
    let yaml = fs::read_to_string(SPEC).unwrap_or_else(|e| panic!("cannot read {SPEC}: {e}"));
    let text =
        fs::read_to_string(SPEC_JSON).unwrap_or_else(|e| panic!("cannot read {SPEC_JSON}: {e}"));
    let spec = generator::parse_json(&text).unwrap_or_else(|e| panic!("{e}"));
    let written_from = spec.extensions.get(generator::SOURCE_HASH_KEY).and_then(|v| v.as_str());
    if written_from != Some(generator::source_hash(&yaml).as_str()) {
        panic!("\n{SPEC_JSON} was not written from {SPEC} as it is now: run `cargo xtask regen`\n");
    }
    let code = generator::generate(&spec).unwrap_or_else(|e| panic!("\n{e}\n"));

    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out.join("codegen.rs"), code).expect("write codegen.rs");

    let mut table = String::from(
        "// One line per component schema of openapi/xms.yaml: its name and the\n\
         // Rust type that stands for it. Written by build.rs.\n\
         macro_rules! for_each_schema {\n    ($m:ident) => {\n",
    );
    if let Some(components) = &spec.components {
        for name in components.schemas.keys() {
            // Paths inside generic arguments name the crate as `crate::`.
            let path = generator::schema_type_path(name).replace("crate::", "xms::");
            table.push_str(&format!("        $m!({name:?}, xms::{path});\n"));
        }
    }
    table.push_str("    };\n}\n");
    fs::write(out.join("schema_table.rs"), table).expect("write schema_table.rs");

    fs::write(out.join("operations.rs"), operation_table(&spec)).expect("write operations.rs");
}

/// The operation table: one entry per operation with the facts its `x-xms`
/// states (checked present by the lint; a missing one stops the build here
/// too, naming the operation), and a lookup by the id progenitor gives it.
fn operation_table(spec: &openapiv3::OpenAPI) -> String {
    let mut entries = String::new();
    let mut lookup = String::new();
    let mut index = 0;
    for (path, method, operation) in generator::operations(spec) {
        let Some(id) = &operation.operation_id else { continue };
        let facts = operation
            .extensions
            .get("x-xms")
            .unwrap_or_else(|| panic!("\n{id} has no `x-xms` facts (see the spec's header)\n"));
        let flag = |key: &str| {
            facts
                .get(key)
                .and_then(|v| v.as_bool())
                .unwrap_or_else(|| panic!("\n{id}: `x-xms.{key}` must be true or false\n"))
        };
        let word = |key: &str| match facts.get(key) {
            Some(serde_json::Value::String(w)) => format!("Some({w:?})"),
            Some(serde_json::Value::Null) => "None".to_owned(),
            _ => panic!("\n{id}: `x-xms.{key}` must be a word or null\n"),
        };
        // The ids in the path (after the plan id) that spans record,
        // by the names the spec gives the path parameters.
        let ids: Vec<String> = path
            .split('/')
            .enumerate()
            .filter_map(|(segment, part)| {
                let field = match part {
                    "{batch_id}" => "xms.batch_id",
                    "{group_id}" => "xms.group_id",
                    "{inbound_id}" => "xms.inbound_id",
                    _ => return None,
                };
                Some(format!("({segment}, {field:?})"))
            })
            .collect();
        let snake = generator::snake_case(id);
        entries.push_str(&format!(
            "    Operation {{ id: {snake:?}, method: {method:?}, template: {path:?}, \
             reads: {}, idempotent: {}, creates: {}, pages: {}, ids: &[{}] }},\n",
            flag("reads"),
            flag("idempotent"),
            word("creates"),
            word("pages"),
            ids.join(", "),
            method = method.to_uppercase(),
        ));
        lookup.push_str(&format!("        {snake:?} => Some(&OPERATIONS[{index}]),\n"));
        index += 1;
    }
    format!(
        "// Every operation of openapi/xms.yaml with the facts of its `x-xms`.\n\
         // Written by build.rs.\n\
         /// Every operation of the spec, in the spec's order.\n\
         pub const OPERATIONS: &[Operation] = &[\n{entries}];\n\n\
         /// The operation with this id, as the generated client names it\n\
         /// (snake case: `send_batch`).\n\
         pub fn operation(id: &str) -> Option<&'static Operation> {{\n\
         \x20   match id {{\n{lookup}        _ => None,\n    }}\n}}\n"
    )
}
