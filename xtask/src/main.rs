//! `cargo xtask regen [--check]`: validate `openapi/xms.yaml`, regenerate,
//! refresh the snapshots and say what changed in the API surface.

use std::{
    collections::BTreeSet,
    fs,
    path::{Path, PathBuf},
    process::{Command, ExitCode},
};

use xtask::{SPEC_PATH, SURFACE_SNAPSHOT, generator, lint, snapshot_body, surface, workspace_root};

const USAGE: &str = "\
usage: cargo xtask regen [--check]

  regen          validate openapi/xms.yaml, regenerate the client, rewrite the
                 snapshots under tests/snapshots/ and summarise what changed
                 in the API surface.
  regen --check  change nothing; exit 1 and say what is stale when the spec
                 breaks a house rule or any snapshot is out of date.";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["regen"] => regen(false),
        ["regen", "--check"] => regen(true),
        ["help" | "--help" | "-h"] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn regen(check: bool) -> ExitCode {
    let root = workspace_root();
    let spec_text = match fs::read_to_string(root.join(SPEC_PATH)) {
        Ok(t) => t,
        Err(e) => return fail(&format!("cannot read {SPEC_PATH}: {e}")),
    };

    // 1. The house rules.
    let problems = lint::lint(&spec_text);
    if !problems.is_empty() {
        eprintln!("{SPEC_PATH} breaks {} house rule(s):", problems.len());
        for p in &problems {
            eprintln!("  {p}");
        }
        return ExitCode::FAILURE;
    }
    println!(
        "spec: {} operations, house rules kept",
        count_operations(&spec_text)
    );

    // 2. The generator must take it (build.rs would panic otherwise).
    let spec = match generator::parse(&spec_text) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    if let Err(e) = generator::generate(&spec) {
        return fail(&e);
    }

    // 3. Rebuild and run the snapshot tests, writing or collecting snapshots.
    let before_surface = fs::read_to_string(root.join(SURFACE_SNAPSHOT)).unwrap_or_default();
    let pending_before = pending_snapshots(&root);
    let mode = if check { "new" } else { "always" };
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&root)
        .args(["test", "--quiet", "--package", "xms", "--test", "codegen"])
        .env("INSTA_UPDATE", mode)
        .env("INSTA_FORCE_PASS", "0")
        .status();
    let tests_passed = match status {
        Ok(s) => s.success(),
        Err(e) => return fail(&format!("cannot run cargo test: {e}")),
    };

    let new_pending: Vec<PathBuf> = pending_snapshots(&root)
        .into_iter()
        .filter(|p| !pending_before.contains(p))
        .collect();
    let after_surface = if check {
        let pending = root.join(format!("{SURFACE_SNAPSHOT}.new"));
        fs::read_to_string(&pending).unwrap_or_else(|_| before_surface.clone())
    } else {
        fs::read_to_string(root.join(SURFACE_SNAPSHOT)).unwrap_or_default()
    };
    let changes = surface::summarize(
        snapshot_body(&before_surface),
        snapshot_body(&after_surface),
    );

    if check {
        for p in &new_pending {
            let _ = fs::remove_file(p);
        }
        if !new_pending.is_empty() {
            eprintln!("stale snapshots (run `cargo xtask regen` and commit the result):");
            for p in &new_pending {
                let name = p.strip_prefix(&root).unwrap_or(p).display().to_string();
                eprintln!("  {}", name.trim_end_matches(".new"));
            }
            print_changes(&changes);
            return ExitCode::FAILURE;
        }
        if !tests_passed {
            return fail("the snapshot tests failed (see above)");
        }
        println!("snapshots are up to date");
        return ExitCode::SUCCESS;
    }

    if !tests_passed {
        return fail("the snapshot tests failed (see above); snapshots that could be written were");
    }
    println!("snapshots rewritten under tests/snapshots/ (review them with `git diff`)");
    print_changes(&changes);
    ExitCode::SUCCESS
}

fn print_changes(changes: &[String]) {
    if changes.is_empty() {
        println!("API surface: no change");
    } else {
        println!("API surface changes:");
        for c in changes {
            println!("  {c}");
        }
    }
}

fn count_operations(spec_text: &str) -> usize {
    generator::parse(spec_text)
        .map(|s| generator::operations(&s).len())
        .unwrap_or(0)
}

fn pending_snapshots(root: &Path) -> BTreeSet<PathBuf> {
    fs::read_dir(root.join("tests/snapshots"))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "new"))
        .collect()
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}
