//! Maintainer tasks of the `xms` workspace, as a library so the test suite
//! can use the same spec lint, surface listing and example finder as
//! `cargo xtask regen`.

#[path = "../../openapi/generator.rs"]
pub mod generator;

pub mod examples;
pub mod lint;
pub mod public_api;
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
