//! `cargo xtask regen [--check]`: validate `openapi/xms.yaml`, regenerate,
//! refresh the snapshots and say what changed in the API surface.

use std::{
    collections::BTreeSet,
    fs,
    path::{Path, PathBuf},
    process::{Command, ExitCode},
};

use xtask::{
    PUBLIC_API_SNAPSHOT, SPEC_JSON_PATH, SPEC_PATH, SURFACE_SNAPSHOT, generator, lint, public_api,
    snapshot_body, surface, workspace_root,
};

const USAGE: &str = "\
usage: cargo xtask regen [--check [--since REV]]
       cargo xtask spec-diff PUBLISHED_SPEC [options]   (see spec-diff --help)

  regen          validate openapi/xms.yaml, regenerate the client, rewrite the
                 snapshots under tests/snapshots/ and summarise what changed
                 in the API surface.
  regen --check  change nothing; exit 1 and say what is stale when the spec
                 breaks a house rule or any snapshot is out of date. Either
                 way, print what changed in the generated client's surface
                 and in the public API of src/ (against the committed
                 snapshots, or with --since REV against those of git
                 revision REV).";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args.as_slice() {
        ["regen"] => regen(false, None),
        ["regen", "--check"] => regen(true, None),
        ["regen", "--check", "--since", rev] => regen(true, Some(rev)),
        ["spec-diff", rest @ ..] => xtask::spec_diff::main(rest, &workspace_root()),
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

fn regen(check: bool, since: Option<&str>) -> ExitCode {
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
    println!("spec: {} operations, house rules kept", count_operations(&spec_text));

    // 2. The generator must take it (build.rs would panic otherwise).
    let spec = match generator::parse(&spec_text) {
        Ok(s) => s,
        Err(e) => return fail(&e),
    };
    if let Err(e) = generator::generate(&spec) {
        return fail(&e);
    }

    // 3. The JSON form build.rs reads.
    let json = match generator::to_json(&spec_text) {
        Ok(j) => j,
        Err(e) => return fail(&e),
    };
    let json_path = root.join(SPEC_JSON_PATH);
    if fs::read_to_string(&json_path).ok().as_deref() != Some(json.as_str()) {
        if check {
            return fail(&format!(
                "{SPEC_JSON_PATH} is stale (run `cargo xtask regen` and commit the result)"
            ));
        }
        if let Err(e) = fs::write(&json_path, &json) {
            return fail(&format!("cannot write {SPEC_JSON_PATH}: {e}"));
        }
        println!("{SPEC_JSON_PATH} rewritten");
    }

    // 4. Rebuild and run the snapshot tests, writing or collecting snapshots.
    let committed = |path: &str| match since {
        Some(rev) => git_show(&root, rev, path),
        None => fs::read_to_string(root.join(path)).unwrap_or_default(),
    };
    let before_surface = committed(SURFACE_SNAPSHOT);
    let before_api = committed(PUBLIC_API_SNAPSHOT);
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

    let new_pending: Vec<PathBuf> =
        pending_snapshots(&root).into_iter().filter(|p| !pending_before.contains(p)).collect();
    let current = |path: &str| {
        let pending = root.join(format!("{path}.new"));
        match fs::read_to_string(&pending) {
            Ok(text) if check => text,
            _ => fs::read_to_string(root.join(path)).unwrap_or_default(),
        }
    };
    let after_surface = current(SURFACE_SNAPSHOT);
    let after_api = current(PUBLIC_API_SNAPSHOT);
    let changes = surface::summarize(snapshot_body(&before_surface), snapshot_body(&after_surface));
    let api_changes = public_api::summarize(snapshot_body(&before_api), snapshot_body(&after_api));
    if let Some(rev) = since {
        println!("changes since {rev}:");
    }

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
            print_changes(&changes, &api_changes);
            return ExitCode::FAILURE;
        }
        if !tests_passed {
            return fail("the snapshot tests failed (see above)");
        }
        println!("snapshots are up to date");
        print_changes(&changes, &api_changes);
        return ExitCode::SUCCESS;
    }

    if !tests_passed {
        return fail("the snapshot tests failed (see above); snapshots that could be written were");
    }
    println!("snapshots rewritten under tests/snapshots/ (review them with `git diff`)");
    print_changes(&changes, &api_changes);
    ExitCode::SUCCESS
}

fn print_changes(changes: &[String], api_changes: &[String]) {
    if changes.is_empty() {
        println!("API surface: no change");
    } else {
        println!("API surface changes:");
        for c in changes {
            println!("  {c}");
        }
    }
    if api_changes.is_empty() {
        println!("public API of src/: no change");
    } else {
        println!("public API of src/ changes:");
        for c in api_changes {
            println!("  {c}");
        }
    }
}

/// A file as it is at git revision `rev` (empty if it did not exist).
fn git_show(root: &Path, rev: &str, path: &str) -> String {
    Command::new("git")
        .current_dir(root)
        .args(["show", &format!("{rev}:{path}")])
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

fn count_operations(spec_text: &str) -> usize {
    generator::parse(spec_text).map(|s| generator::operations(&s).len()).unwrap_or(0)
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
