//! Maintainer tasks of the `xms` workspace, as a library so the test suite
//! can use the same spec lint, surface listing and example finder as
//! `cargo xtask regen`.

#[path = "../../openapi/generator.rs"]
mod shared_generator;

/// The generator settings shared with `build.rs`, plus what only xtask
/// needs: reading the YAML, writing its JSON form and pretty-printing.
pub mod generator {
    pub use crate::shared_generator::*;

    /// Parse the spec text (YAML).
    pub fn parse(yaml: &str) -> Result<openapiv3::OpenAPI, String> {
        yaml_serde::from_str(yaml)
            .map_err(|e| format!("openapi/xms.yaml is not a valid OpenAPI 3.0 document: {e}"))
    }

    /// The JSON form of the spec that `build.rs` reads: the spec as the
    /// generator reads it (in the YAML's order), with the hash of the YAML
    /// text under [`SOURCE_HASH_KEY`].
    pub fn to_json(yaml: &str) -> Result<String, String> {
        let mut spec = parse(yaml)?;
        spec.extensions.insert(SOURCE_HASH_KEY.to_owned(), source_hash(yaml).into());
        let mut text = serde_json::to_string_pretty(&spec).map_err(|e| e.to_string())?;
        text.push('\n');
        Ok(text)
    }

    /// Rust source laid out by prettyplease (the generated client is written
    /// unformatted; the snapshot shows it formatted).
    pub fn pretty(code: &str) -> Result<String, String> {
        let file: syn::File =
            syn::parse_str(code).map_err(|e| format!("generated code does not parse: {e}"))?;
        Ok(prettyplease::unparse(&file))
    }
}

pub mod examples;
pub mod lint;
pub mod public_api;
pub mod spec_diff;
pub mod surface;

use std::path::PathBuf;

/// The workspace root (the directory holding `openapi/`).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// Where the spec is, relative to the workspace root.
pub const SPEC_PATH: &str = "openapi/xms.yaml";

/// Where its JSON form is, relative to the workspace root.
pub const SPEC_JSON_PATH: &str = "openapi/xms.json";

/// The snapshot holding the API-surface listing, relative to the root.
pub const SURFACE_SNAPSHOT: &str = "tests/snapshots/codegen__api_surface.snap";

/// The snapshot holding the listing of the hand-written layer's public API.
pub const PUBLIC_API_SNAPSHOT: &str = "tests/snapshots/codegen__public_api.snap";

/// The content of an insta snapshot file, without its header.
pub fn snapshot_body(file: &str) -> &str {
    match file.strip_prefix("---\n").and_then(|rest| rest.split_once("\n---\n")) {
        Some((_, body)) => body,
        None => file,
    }
}
