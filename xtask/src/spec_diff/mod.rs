//! `cargo xtask spec-diff PUBLISHED`: every difference on the wire between
//! a published XMS spec (OpenAPI 3.0.x or 3.1.x, YAML or JSON, downloaded
//! by the maintainer) and `openapi/xms.yaml`.
//!
//! Both files are read as plain values and normalised into one model of
//! wire facts (`schema`), so the two dialects, renamed components, renamed
//! path parameters and inline-or-`$ref` schemas compare equal; descriptions,
//! examples, tags, operation ids and component names are not facts.
//! `compare` walks the operations and judges each difference by its
//! direction; deliberate differences are accepted by the allow file
//! (`allow`).

pub mod allow;
pub mod compare;
pub mod load;
pub mod schema;

use std::{collections::BTreeMap, path::PathBuf, process::ExitCode};

use serde_json::{Value, json};

pub use compare::{Finding, Severity, Side};
pub use load::Document;

/// The usage of the command.
pub const USAGE: &str = "\
usage: cargo xtask spec-diff PUBLISHED [--ours FILE] [--allow FILE|none]
                             [--fail-on error|gap|info|none] [--format text|json]
                             [--no-accepted]

Compares a published XMS spec (OpenAPI 3.0.x or 3.1.x, YAML or JSON; the
file you downloaded, never fetched here) with openapi/xms.yaml, on the wire
only, and prints one line per difference:

  SEVERITY  SIDE  KIND  METHOD PATH  LOCATION  ours: ..  published: ..

  error  the SDK may fail on real traffic: the published side is wider in
         an answer (the typed client may refuse it) or narrower in a
         request (the SDK lets callers send what the API refuses)
  gap    a capability the SDK does not offer yet (wider in a request)
  info   narrower in an answer, or not a wire fact of consequence

  --ours FILE      our spec (default: openapi/xms.yaml)
  --allow FILE     deliberate differences, one a line with its reason
                   (default: openapi/spec-diff.allow; `none` for none);
                   an entry that matches nothing is reported and fails
  --fail-on LEVEL  exit 1 when a finding at or above LEVEL is not accepted
                   (default: error)
  --format json    the findings as a JSON array
  --no-accepted    leave accepted findings out of the listing

Exit codes: 0 nothing at or above --fail-on; 1 findings (or stale allow
entries); 2 an input could not be read.";

/// The options of one run.
#[derive(Clone, Debug)]
pub struct Options {
    pub published: PathBuf,
    pub ours: PathBuf,
    /// How our spec is named in the output (the default is named relative
    /// to the workspace, wherever the command runs).
    pub ours_name: String,
    /// `None`: no allow file.
    pub allow: Option<PathBuf>,
    /// `None`: never fail on findings.
    pub fail_on: Option<Severity>,
    pub json: bool,
    pub show_accepted: bool,
}

/// Read the command line (after `spec-diff`).
pub fn options(args: &[&str], root: &std::path::Path) -> Result<Options, String> {
    let mut published = None;
    let mut options = Options {
        published: PathBuf::new(),
        ours: root.join(crate::SPEC_PATH),
        ours_name: crate::SPEC_PATH.to_owned(),
        allow: Some(root.join(ALLOW_PATH)),
        fail_on: Some(Severity::Error),
        json: false,
        show_accepted: true,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next().map(|v| v.to_string()).ok_or_else(|| format!("{name} needs a value"))
        };
        match *arg {
            "--ours" => {
                let v = value("--ours")?;
                options.ours = PathBuf::from(&v);
                options.ours_name = v;
            }
            "--allow" => {
                let v = value("--allow")?;
                options.allow = (v != "none").then(|| PathBuf::from(v));
            }
            "--fail-on" => {
                options.fail_on = match value("--fail-on")?.as_str() {
                    "error" => Some(Severity::Error),
                    "gap" => Some(Severity::Gap),
                    "info" => Some(Severity::Info),
                    "none" => None,
                    other => {
                        return Err(format!("--fail-on {other:?}: use error, gap, info or none"));
                    }
                }
            }
            "--format" => {
                options.json = match value("--format")?.as_str() {
                    "json" => true,
                    "text" => false,
                    other => return Err(format!("--format {other:?}: use text or json")),
                }
            }
            "--no-accepted" => options.show_accepted = false,
            flag if flag.starts_with("--") => return Err(format!("unknown option {flag}")),
            file if published.is_none() => published = Some(PathBuf::from(file)),
            extra => return Err(format!("one published spec only (also got {extra:?})")),
        }
    }
    options.published = published.ok_or("the published spec's file is missing")?;
    Ok(options)
}

/// The allow file, relative to the workspace root.
pub const ALLOW_PATH: &str = "openapi/spec-diff.allow";

/// What a run found.
pub struct Report {
    pub ours: String,
    pub published: String,
    pub findings: Vec<Finding>,
    /// Allow entries that accepted nothing.
    pub stale: Vec<allow::Entry>,
    pub matched: usize,
    pub published_only: usize,
    pub ours_only: usize,
}

/// Compare two loaded documents, accepting what `allowed` says.
pub fn diff(ours: &Document, published: &Document, allowed: &[allow::Entry]) -> Report {
    let outcome = compare::compare(ours, published);
    let mut findings = dedupe(outcome.findings);
    let mut used = vec![false; allowed.len()];
    for finding in &mut findings {
        if let Some((i, entry)) = allowed.iter().enumerate().find(|(_, e)| e.matches(finding)) {
            used[i] = true;
            finding.accepted = Some(entry.reason.clone());
        }
    }
    let stale =
        allowed.iter().zip(used).filter(|(_, used)| !used).map(|(e, _)| e.clone()).collect();
    Report {
        ours: format!("{} ({})", ours.name, ours.version),
        published: format!("{} ({})", published.name, published.version),
        findings,
        stale,
        matched: outcome.matched,
        published_only: outcome.published_only,
        ours_only: outcome.ours_only,
    }
}

fn method_rank(method: &str) -> usize {
    ["-", "GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"]
        .iter()
        .position(|m| *m == method)
        .unwrap_or(99)
}

type SortKey = (Severity, String, usize, String, &'static str, Side, String, String);

fn sort_key(f: &Finding) -> SortKey {
    (
        f.severity,
        f.path.clone(),
        method_rank(&f.method),
        f.location.clone(),
        f.kind,
        f.side,
        f.ours.clone().unwrap_or_default(),
        f.published.clone().unwrap_or_default(),
    )
}

/// The nodes, kind, side and values that make two findings one.
type DedupeKey = (String, String, &'static str, Side, Option<String>, Option<String>);

/// One finding per difference of one pair of schemas: the place nearest
/// the top of its body (then the first in sort order), with the count of
/// the others.
fn dedupe(findings: Vec<Finding>) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    let mut groups: BTreeMap<DedupeKey, Vec<Finding>> = BTreeMap::new();
    for f in findings {
        if f.origin.0.is_empty() && f.origin.1.is_empty() {
            out.push(f);
            continue;
        }
        let key = (
            f.origin.0.clone(),
            f.origin.1.clone(),
            f.kind,
            f.side,
            f.ours.clone(),
            f.published.clone(),
        );
        groups.entry(key).or_default().push(f);
    }
    for group in groups.into_values() {
        let uses = group.len() - 1;
        let depth = |f: &Finding| f.location.matches('/').count();
        if let Some(mut first) =
            group.into_iter().min_by(|a, b| (depth(a), sort_key(a)).cmp(&(depth(b), sort_key(b))))
        {
            first.uses = uses;
            out.push(first);
        }
    }
    out.sort_by_key(sort_key);
    out
}

impl Report {
    /// Findings not accepted, per severity.
    pub fn counts(&self) -> [usize; 3] {
        let mut counts = [0; 3];
        for f in self.findings.iter().filter(|f| f.accepted.is_none()) {
            counts[f.severity as usize] += 1;
        }
        counts
    }

    /// The closing line.
    pub fn summary(&self) -> String {
        let [error, gap, info] = self.counts();
        let accepted = self.findings.iter().filter(|f| f.accepted.is_some()).count();
        format!(
            "spec-diff: ours {}, published {}: {error} error, {gap} gap, {info} info; \
             {accepted} accepted; {} stale allow entries; operations: {} matched, {} \
             published only, {} ours only",
            self.ours,
            self.published,
            self.stale.len(),
            self.matched,
            self.published_only,
            self.ours_only
        )
    }

    /// One line per finding, then the stale entries and the summary.
    pub fn text(&self, show_accepted: bool) -> String {
        let mut out = String::new();
        for f in self.findings.iter().filter(|f| show_accepted || f.accepted.is_none()) {
            let mut line = format!(
                "{:<5}  {:<14}  {:<21}  {}  {}  ours: {}  published: {}",
                f.severity.label(),
                f.side.label(),
                f.kind,
                f.operation(),
                f.location,
                f.ours.as_deref().unwrap_or("-"),
                f.published.as_deref().unwrap_or("-"),
            );
            if f.uses > 0 {
                line.push_str(&format!("  (+{} other uses)", f.uses));
            }
            if let Some(reason) = &f.accepted {
                line.push_str(&format!("  [accepted: {reason}]"));
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        for entry in &self.stale {
            out.push_str(&format!(
                "stale  allow entry of line {} matches nothing: {}\n",
                entry.line, entry.text
            ));
        }
        out.push_str(&self.summary());
        out.push('\n');
        out
    }

    /// The findings as a JSON array.
    pub fn json(&self, show_accepted: bool) -> String {
        let items: Vec<Value> = self
            .findings
            .iter()
            .filter(|f| show_accepted || f.accepted.is_none())
            .map(|f| {
                json!({
                    "side": f.side.label(),
                    "severity": f.severity.label(),
                    "kind": f.kind,
                    "operation": f.operation(),
                    "location": f.location,
                    "ours": f.ours,
                    "published": f.published,
                    "other_uses": f.uses,
                    "accepted": f.accepted,
                })
            })
            .collect();
        let mut text = serde_json::to_string_pretty(&Value::Array(items)).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Whether the run fails: a finding at or above `fail_on` that is not
    /// accepted, or a stale allow entry.
    pub fn fails(&self, fail_on: Option<Severity>) -> bool {
        let found = fail_on.is_some_and(|level| {
            self.findings.iter().any(|f| f.accepted.is_none() && f.severity <= level)
        });
        found || !self.stale.is_empty()
    }
}

/// Run the command; what to print and the exit code.
pub fn run(options: &Options) -> Result<(String, String, bool), String> {
    let mut ours = load::load(&options.ours)?;
    ours.name = options.ours_name.clone();
    let published = load::load(&options.published)?;
    let allowed = match &options.allow {
        Some(path) => match std::fs::read_to_string(path) {
            Ok(text) => allow::parse(&path.display().to_string(), &text)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(format!("{}: cannot read it: {e}", path.display())),
        },
        None => Vec::new(),
    };
    let report = diff(&ours, &published, &allowed);
    let (stdout, stderr) = if options.json {
        (report.json(options.show_accepted), report.summary())
    } else {
        (report.text(options.show_accepted), String::new())
    };
    Ok((stdout, stderr, report.fails(options.fail_on)))
}

/// `cargo xtask spec-diff ...`.
pub fn main(args: &[&str], root: &std::path::Path) -> ExitCode {
    if args.iter().any(|a| matches!(*a, "-h" | "--help")) {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let options = match options(args, root) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("spec-diff: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(&options) {
        Ok((stdout, stderr, fails)) => {
            print!("{stdout}");
            if !stderr.is_empty() {
                eprintln!("{stderr}");
            }
            if fails { ExitCode::FAILURE } else { ExitCode::SUCCESS }
        }
        Err(e) => {
            eprintln!("spec-diff: {e}");
            ExitCode::from(2)
        }
    }
}
