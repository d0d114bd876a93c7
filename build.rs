//! Generates the low-level client `xms::raw` from `openapi/xms.yaml`.
//!
//! Reads only the spec, never the network, and reruns only when the spec (or
//! the generator settings, which are part of this script) change. What it
//! writes to `$OUT_DIR`:
//! - `codegen.rs`: the progenitor client, included by `src/raw.rs`;
//! - `schema_table.rs`: one macro call per component schema with the Rust
//!   type standing for it, used by the round-trip tests.

#[path = "openapi/generator.rs"]
mod generator;

use std::{env, fs, path::PathBuf};

const SPEC: &str = "openapi/xms.yaml";

fn main() {
    println!("cargo:rerun-if-changed={SPEC}");
    let text = fs::read_to_string(SPEC).unwrap_or_else(|e| panic!("cannot read {SPEC}: {e}"));
    let spec = generator::parse(&text).unwrap_or_else(|e| panic!("{e}"));
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
}
