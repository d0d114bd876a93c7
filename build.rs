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
//! - `operations.rs`: each operation's id and path template, for the spans
//!   of `src/telemetry.rs`.

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

    // Each operation's id and path template, for telemetry (`url.template`).
    let mut operations = String::from(
        "// Every operation of openapi/xms.yaml: (operation id, path template).\n\
         // Written by build.rs.\n\
         pub(crate) const OPERATION_TEMPLATES: &[(&str, &str)] = &[\n",
    );
    for (path, item) in spec.paths.iter() {
        let Some(item) = item.as_item() else { continue };
        for (_, operation) in item.iter() {
            if let Some(id) = &operation.operation_id {
                // As progenitor names it: snake case.
                let mut snake = String::new();
                for (i, c) in id.chars().enumerate() {
                    if c.is_ascii_uppercase() && i > 0 {
                        snake.push('_');
                    }
                    snake.push(c.to_ascii_lowercase());
                }
                operations.push_str(&format!("    ({snake:?}, {path:?}),\n"));
            }
        }
    }
    operations.push_str("];\n");
    fs::write(out.join("operations.rs"), operations).expect("write operations.rs");
}
