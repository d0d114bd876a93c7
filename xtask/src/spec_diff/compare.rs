//! Comparing two documents on the wire: operations by method and path
//! template (path parameters by position), schemas by structure from where
//! they are used, unions by their tags, and each difference judged by its
//! direction (what the SDK sends, or what it reads).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{
    load::Document,
    schema::{Additional, Bound, Reader, Schema, escape},
};

/// How much a difference matters to the SDK.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The SDK may fail on real traffic: the published side is wider in
    /// what the SDK reads (it may refuse real answers), or narrower in what
    /// it sends (it lets callers send what the API refuses).
    Error,
    /// A capability the SDK does not offer yet: the published side is wider
    /// in what the SDK sends.
    Gap,
    /// Narrower in what the SDK reads, or not a wire fact of consequence.
    Info,
}

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Gap => "gap",
            Severity::Info => "info",
        }
    }
}

/// Which side has the fact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    Published,
    Ours,
    Both,
}

impl Side {
    pub fn label(self) -> &'static str {
        match self {
            Side::Published => "published-only",
            Side::Ours => "ours-only",
            Side::Both => "differs",
        }
    }
}

/// Whether a schema is sent by the SDK or read by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Context {
    Request,
    Response,
}

/// The severity of a difference where one side allows more.
fn by_direction(context: Context, published_wider: bool) -> Severity {
    match (context, published_wider) {
        (Context::Response, true) | (Context::Request, false) => Severity::Error,
        (Context::Request, true) => Severity::Gap,
        (Context::Response, false) => Severity::Info,
    }
}

/// One difference.
#[derive(Clone, Debug)]
pub struct Finding {
    pub severity: Severity,
    pub side: Side,
    /// What differs: `operation`, `property`, `enum`, `max-length`, ...
    pub kind: &'static str,
    /// `POST`, or `-` for the document.
    pub method: String,
    /// The path template with `{}` for parameters, or `-`.
    pub path: String,
    /// Where inside the operation (`request.body/oneOf[mt_text]/.to`).
    pub location: String,
    /// Our value, if we have one.
    pub ours: Option<String>,
    /// The published value, if it has one.
    pub published: Option<String>,
    /// How many other places show the same difference of the same schemas.
    pub uses: usize,
    /// The allow-file reason, when the difference is deliberate.
    pub accepted: Option<String>,
    /// The nodes it comes from (ours, published): the same pair seen from
    /// several operations is one finding.
    pub origin: (String, String),
}

impl Finding {
    pub fn operation(&self) -> String {
        if self.method == "-" { "-".to_owned() } else { format!("{} {}", self.method, self.path) }
    }
}

/// What the comparison found, and what it matched.
pub struct Outcome {
    pub findings: Vec<Finding>,
    pub matched: usize,
    pub published_only: usize,
    pub ours_only: usize,
}

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// One parameter of an operation.
struct Param {
    /// `path#1`, `query.page`, `header.x-id`.
    key: String,
    required: bool,
    schema: Option<String>,
}

/// One operation of a document.
struct Operation {
    pointer: String,
    params: Vec<Param>,
}

/// A path template with `{}` for each parameter, and the parameter names
/// in order.
fn template(path: &str) -> (String, Vec<String>) {
    let mut out = String::new();
    let mut names = Vec::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else { break };
        names.push(rest[open + 1..open + close].to_owned());
        out.push_str("{}");
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    (out, names)
}

fn operations(reader: &Reader) -> BTreeMap<(String, String), Operation> {
    let mut out = BTreeMap::new();
    let Some(paths) = reader.doc.root.get("paths").and_then(Value::as_object) else {
        return out;
    };
    for path in paths.keys() {
        let item_pointer = format!("#/paths/{}", escape(path));
        let item_pointer = reader.target(&item_pointer);
        let item = reader.node(&item_pointer);
        let (normal, names) = template(path);
        for method in METHODS {
            if item.get(method).is_none() {
                continue;
            }
            let pointer = format!("{item_pointer}/{method}");
            // Path-level parameters, overridden by the operation's own.
            let mut by_key: BTreeMap<String, Param> = BTreeMap::new();
            for level in [format!("{item_pointer}/parameters"), format!("{pointer}/parameters")] {
                let count = reader.node(&level).as_array().map_or(0, Vec::len);
                for i in 0..count {
                    let at = reader.target(&format!("{level}/{i}"));
                    let node = reader.node(&at);
                    let place = node["in"].as_str().unwrap_or_default();
                    let name = node["name"].as_str().unwrap_or_default();
                    let key = match place {
                        "path" => match names.iter().position(|n| n == name) {
                            Some(position) => format!("path#{}", position + 1),
                            None => format!("path.{name}"),
                        },
                        "header" => format!("header.{}", name.to_ascii_lowercase()),
                        other => format!("{other}.{name}"),
                    };
                    let schema = if node.get("schema").is_some() {
                        Some(format!("{at}/schema"))
                    } else {
                        node["content"]
                            .as_object()
                            .and_then(|c| c.keys().next())
                            .map(|media| format!("{at}/content/{}/schema", escape(media)))
                    };
                    let required = place == "path" || node["required"] == Value::Bool(true);
                    by_key.insert(key.clone(), Param { key, required, schema });
                }
            }
            out.insert(
                (method.to_uppercase(), normal.clone()),
                Operation { pointer, params: by_key.into_values().collect() },
            );
        }
    }
    out
}

/// Compare `ours` with `published`.
pub fn compare(ours: &Document, published: &Document) -> Outcome {
    let mut differ = Differ {
        ours: Reader::new(ours),
        published: Reader::new(published),
        findings: Vec::new(),
        visited: BTreeSet::new(),
        method: "-".to_owned(),
        path: "-".to_owned(),
    };
    let ours_ops = operations(&differ.ours);
    let published_ops = operations(&differ.published);
    let (mut matched, mut published_only, mut ours_only) = (0, 0, 0);
    let keys: BTreeSet<&(String, String)> = ours_ops.keys().chain(published_ops.keys()).collect();
    for key in keys {
        differ.method = key.0.clone();
        differ.path = key.1.clone();
        match (ours_ops.get(key), published_ops.get(key)) {
            (Some(a), Some(b)) => {
                matched += 1;
                differ.operation(a, b);
            }
            (Some(a), None) => {
                ours_only += 1;
                differ.push(Severity::Error, Side::Ours, "operation", "-", Some("present"), None);
                differ.last_origin(&a.pointer, "");
            }
            (None, Some(b)) => {
                published_only += 1;
                differ.push(
                    Severity::Gap,
                    Side::Published,
                    "operation",
                    "-",
                    None,
                    Some("present"),
                );
                differ.last_origin("", &b.pointer);
            }
            (None, None) => {}
        }
    }
    differ.method = "-".to_owned();
    differ.path = "-".to_owned();
    differ.servers();
    differ.not_compared();
    Outcome { findings: differ.findings, matched, published_only, ours_only }
}

struct Differ<'a> {
    ours: Reader<'a>,
    published: Reader<'a>,
    findings: Vec<Finding>,
    /// The schema pairs compared under the current root.
    visited: BTreeSet<(String, String, Context)>,
    method: String,
    path: String,
}

/// A short description of a schema, for a finding's value.
fn describe(s: &Schema) -> String {
    let mut text = match (&s.types, &s.values) {
        (_, Some(values)) => format!("enum {}", list(values)),
        (Some(types), _) if types.len() == 1 => types.iter().next().cloned().unwrap_or_default(),
        (Some(types), _) => list(types),
        (None, _) if !s.branches.is_empty() => format!("oneOf of {}", s.branches.len()),
        (None, _) if !s.properties.is_empty() => "object".to_owned(),
        (None, _) => "any".to_owned(),
    };
    if s.nullable {
        text.push_str(", nullable");
    }
    text
}

fn list(items: &BTreeSet<String>) -> String {
    format!("[{}]", items.iter().cloned().collect::<Vec<_>>().join(", "))
}

/// The types a schema allows, said or implied by its other keywords.
fn types_of(s: &Schema) -> Option<BTreeSet<String>> {
    if let Some(types) = &s.types {
        return Some(types.clone());
    }
    if !s.properties.is_empty() || s.additional != Additional::Unsaid {
        return Some(["object".to_owned()].into());
    }
    if s.items.is_some() {
        return Some(["array".to_owned()].into());
    }
    if let Some(values) = &s.values {
        let types: BTreeSet<String> = values
            .iter()
            .map(|v| match serde_json::from_str::<Value>(v) {
                Ok(Value::String(_)) => "string",
                Ok(Value::Bool(_)) => "boolean",
                Ok(Value::Number(n)) if n.is_i64() || n.is_u64() => "integer",
                Ok(Value::Number(_)) => "number",
                Ok(Value::Array(_)) => "array",
                _ => "object",
            })
            .map(str::to_owned)
            .collect();
        return Some(types);
    }
    None
}

/// Whether the types `set` let a value of type `t` through.
fn covers(set: &BTreeSet<String>, t: &str) -> bool {
    set.contains(t) || (t == "integer" && set.contains("number"))
}

impl Differ<'_> {
    fn push(
        &mut self,
        severity: Severity,
        side: Side,
        kind: &'static str,
        location: &str,
        ours: Option<&str>,
        published: Option<&str>,
    ) {
        self.findings.push(Finding {
            severity,
            side,
            kind,
            method: self.method.clone(),
            path: self.path.clone(),
            location: location.to_owned(),
            ours: ours.map(str::to_owned),
            published: published.map(str::to_owned),
            uses: 0,
            accepted: None,
            origin: (String::new(), String::new()),
        });
    }

    fn last_origin(&mut self, ours: &str, published: &str) {
        if let Some(f) = self.findings.last_mut() {
            f.origin = (ours.to_owned(), published.to_owned());
        }
    }

    /// A difference of one fact between the schemas at `a` and `b`.
    #[allow(clippy::too_many_arguments)]
    fn fact(
        &mut self,
        context: Context,
        location: &str,
        kind: &'static str,
        published_wider: Option<bool>,
        ours: Option<String>,
        published: Option<String>,
        (a, b): (&str, &str),
    ) {
        let side = match (&ours, &published) {
            (Some(_), None) => Side::Ours,
            (None, Some(_)) => Side::Published,
            _ => Side::Both,
        };
        // Neither wider nor narrower: the worse of the two.
        let severity = match published_wider {
            Some(wider) => by_direction(context, wider),
            None => Severity::Error,
        };
        self.push(severity, side, kind, location, ours.as_deref(), published.as_deref());
        self.last_origin(a, b);
    }

    fn operation(&mut self, a: &Operation, b: &Operation) {
        // Parameters: path ones by position, the others by place and name.
        let a_params: BTreeMap<&str, &Param> =
            a.params.iter().map(|p| (p.key.as_str(), p)).collect();
        let b_params: BTreeMap<&str, &Param> =
            b.params.iter().map(|p| (p.key.as_str(), p)).collect();
        let keys: BTreeSet<&str> = a_params.keys().chain(b_params.keys()).copied().collect();
        for key in keys {
            let location = format!("param.{key}");
            match (a_params.get(key), b_params.get(key)) {
                (Some(pa), Some(pb)) => {
                    if pa.required != pb.required {
                        self.push(
                            by_direction(Context::Request, !pb.required),
                            Side::Both,
                            "required",
                            &location,
                            Some(&pa.required.to_string()),
                            Some(&pb.required.to_string()),
                        );
                    }
                    if let (Some(sa), Some(sb)) = (&pa.schema, &pb.schema) {
                        self.root(Context::Request, &location, sa, sb);
                    }
                }
                (Some(pa), None) => {
                    let severity = if pa.required { Severity::Error } else { Severity::Info };
                    let shown = if pa.required { "required" } else { "optional" };
                    self.push(severity, Side::Ours, "parameter", &location, Some(shown), None);
                }
                (None, Some(pb)) => {
                    let severity = if pb.required { Severity::Error } else { Severity::Gap };
                    let shown = if pb.required { "required" } else { "optional" };
                    self.push(severity, Side::Published, "parameter", &location, None, Some(shown));
                }
                (None, None) => {}
            }
        }
        self.request_body(a, b);
        self.responses(a, b);
        self.security(a, b);
    }

    fn request_body(&mut self, a: &Operation, b: &Operation) {
        let body_a = self.ours.target(&format!("{}/requestBody", a.pointer));
        let body_b = self.published.target(&format!("{}/requestBody", b.pointer));
        let (node_a, node_b) = (self.ours.node(&body_a), self.published.node(&body_b));
        let required = |n: &Value| n["required"] == Value::Bool(true);
        match (node_a.is_object(), node_b.is_object()) {
            (false, false) => {}
            (true, false) => self.push(
                Severity::Info,
                Side::Ours,
                "request-body",
                "request.body",
                Some("present"),
                None,
            ),
            (false, true) => {
                let severity = if required(node_b) { Severity::Error } else { Severity::Gap };
                self.push(
                    severity,
                    Side::Published,
                    "request-body",
                    "request.body",
                    None,
                    Some("present"),
                )
            }
            (true, true) => {
                if required(node_a) != required(node_b) {
                    self.push(
                        by_direction(Context::Request, !required(node_b)),
                        Side::Both,
                        "required",
                        "request.body",
                        Some(&required(node_a).to_string()),
                        Some(&required(node_b).to_string()),
                    );
                }
                self.contents(Context::Request, "request.body", &body_a, &body_b);
            }
        }
    }

    /// The media types of a body and their schemas.
    fn contents(&mut self, context: Context, location: &str, a: &str, b: &str) {
        let media = |reader: &Reader, at: &str| -> BTreeSet<String> {
            reader
                .node(&format!("{at}/content"))
                .as_object()
                .map_or_else(BTreeSet::new, |m| m.keys().cloned().collect())
        };
        let (ma, mb) = (media(&self.ours, a), media(&self.published, b));
        let only_json = ma.len() <= 1 && mb.len() <= 1;
        for m in ma.union(&mb) {
            let here = if only_json && m == "application/json" {
                location.to_owned()
            } else {
                format!("{location}[{m}]")
            };
            match (ma.contains(m), mb.contains(m)) {
                (true, true) => {
                    let sa = format!("{a}/content/{}/schema", escape(m));
                    let sb = format!("{b}/content/{}/schema", escape(m));
                    if !self.ours.node(&sa).is_null() && !self.published.node(&sb).is_null() {
                        self.root(context, &here, &sa, &sb);
                    }
                }
                (true, false) => {
                    let severity = match context {
                        Context::Request => Severity::Error,
                        Context::Response => Severity::Info,
                    };
                    self.push(severity, Side::Ours, "media-type", &here, Some(m), None);
                }
                (false, true) => {
                    let severity = match context {
                        Context::Request => Severity::Gap,
                        Context::Response => Severity::Error,
                    };
                    self.push(severity, Side::Published, "media-type", &here, None, Some(m));
                }
                (false, false) => {}
            }
        }
    }

    fn responses(&mut self, a: &Operation, b: &Operation) {
        let statuses = |reader: &Reader, op: &str| -> BTreeSet<String> {
            reader
                .node(&format!("{op}/responses"))
                .as_object()
                .map_or_else(BTreeSet::new, |m| m.keys().map(|k| k.to_ascii_uppercase()).collect())
        };
        let (sa, sb) = (statuses(&self.ours, &a.pointer), statuses(&self.published, &b.pointer));
        let key_in = |reader: &Reader, op: &str, status: &str| -> String {
            let responses = reader.node(&format!("{op}/responses"));
            let key = responses
                .as_object()
                .and_then(|m| m.keys().find(|k| k.eq_ignore_ascii_case(status)).cloned())
                .unwrap_or_default();
            reader.target(&format!("{op}/responses/{}", escape(&key)))
        };
        for status in sa.union(&sb) {
            let location = format!("response.{status}");
            let success = status.starts_with('2');
            match (sa.contains(status), sb.contains(status)) {
                (true, true) => {
                    let ra = key_in(&self.ours, &a.pointer, status);
                    let rb = key_in(&self.published, &b.pointer, status);
                    let has_body = |reader: &Reader, r: &str| {
                        reader
                            .node(&format!("{r}/content"))
                            .as_object()
                            .is_some_and(|c| !c.is_empty())
                    };
                    match (has_body(&self.ours, &ra), has_body(&self.published, &rb)) {
                        (true, true) => self.contents(Context::Response, &location, &ra, &rb),
                        (true, false) => self.push(
                            Severity::Error,
                            Side::Ours,
                            "response-body",
                            &location,
                            Some("present"),
                            None,
                        ),
                        (false, true) => self.push(
                            Severity::Gap,
                            Side::Published,
                            "response-body",
                            &location,
                            None,
                            Some("present"),
                        ),
                        (false, false) => {}
                    }
                    let headers = |reader: &Reader, r: &str| {
                        reader
                            .node(&format!("{r}/headers"))
                            .as_object()
                            .is_some_and(|h| !h.is_empty())
                    };
                    if headers(&self.ours, &ra) || headers(&self.published, &rb) {
                        let (pa, pb) = (format!("{ra}/headers"), format!("{rb}/headers"));
                        if headers(&self.ours, &ra) {
                            self.ours.not_compared.entry("response headers".into()).or_insert(pa);
                        }
                        if headers(&self.published, &rb) {
                            self.published
                                .not_compared
                                .entry("response headers".into())
                                .or_insert(pb);
                        }
                    }
                }
                (true, false) => {
                    self.push(Severity::Info, Side::Ours, "status", &location, Some(status), None)
                }
                (false, true) => {
                    // An undocumented success reaches the SDK as an
                    // unexpected answer.
                    let severity = if success { Severity::Error } else { Severity::Info };
                    self.push(severity, Side::Published, "status", &location, None, Some(status))
                }
                (false, false) => {}
            }
        }
    }

    /// The ways an operation may be authenticated, as structures (never
    /// the schemes' names).
    fn security(&mut self, a: &Operation, b: &Operation) {
        let ways_a = ways(&self.ours, &a.pointer);
        let ways_b = ways(&self.published, &b.pointer);
        for way in ways_a.difference(&ways_b) {
            self.push(Severity::Error, Side::Ours, "security", "security", Some(way), None);
            self.last_origin(&format!("security:{way}"), "");
        }
        for way in ways_b.difference(&ways_a) {
            self.push(Severity::Gap, Side::Published, "security", "security", None, Some(way));
            self.last_origin("", &format!("security:{way}"));
        }
    }

    fn servers(&mut self) {
        let (sa, sb) = (servers(&self.ours), servers(&self.published));
        for url in sa.difference(&sb) {
            self.push(Severity::Info, Side::Ours, "server", "servers", Some(url), None);
        }
        for url in sb.difference(&sa) {
            self.push(Severity::Gap, Side::Published, "server", "servers", None, Some(url));
        }
    }

    fn not_compared(&mut self) {
        let ours: Vec<(String, String)> =
            std::mem::take(&mut self.ours.not_compared).into_iter().collect();
        let published: Vec<(String, String)> =
            std::mem::take(&mut self.published.not_compared).into_iter().collect();
        for (keyword, at) in ours {
            self.push(Severity::Info, Side::Ours, "not-compared", &keyword, Some(&at), None);
        }
        for (keyword, at) in published {
            self.push(Severity::Info, Side::Published, "not-compared", &keyword, None, Some(&at));
        }
    }

    /// Compare the schemas at `a` and `b`, the root of a body or parameter.
    fn root(&mut self, context: Context, location: &str, a: &str, b: &str) {
        self.visited.clear();
        self.schema(context, location, a, b);
    }

    fn schema(&mut self, context: Context, location: &str, a_at: &str, b_at: &str) {
        // Named by where their `$ref`s lead, so that one component is one
        // schema wherever it is used.
        let (a_at, b_at) = (&self.ours.target(a_at), &self.published.target(b_at));
        // A pair met again (a recursive schema) is taken as equal: the
        // comparison ends whatever the schemas are called.
        if !self.visited.insert((a_at.to_owned(), b_at.to_owned(), context)) {
            return;
        }
        let a = self.ours.read(a_at);
        let b = self.published.read(b_at);
        let at = (a_at.as_str(), b_at.as_str());

        if a.branches.is_empty() != b.branches.is_empty() {
            // A union on one side only: said once, then each branch is
            // compared with the other side's one schema.
            self.fact(context, location, "union", None, Some(describe(&a)), Some(describe(&b)), at);
            if !a.branches.is_empty() {
                let tags = self.ours.tags(&a);
                for (i, branch) in a.branches.iter().enumerate() {
                    let label = branch_label(tags[i].as_deref(), i);
                    self.schema(context, &format!("{location}/{label}"), branch, b_at);
                }
            } else {
                let tags = self.published.tags(&b);
                for (i, branch) in b.branches.iter().enumerate() {
                    let label = branch_label(tags[i].as_deref(), i);
                    self.schema(context, &format!("{location}/{label}"), a_at, branch);
                }
            }
            return;
        }
        if !a.branches.is_empty() {
            self.union(context, location, &a, &b, at);
        }

        let (ta, tb) = (types_of(&a), types_of(&b));
        if let (Some(ta), Some(tb)) = (&ta, &tb) {
            let wider = tb.iter().any(|t| !covers(ta, t));
            let narrower = ta.iter().any(|t| !covers(tb, t));
            if wider || narrower {
                self.fact(
                    context,
                    location,
                    "type",
                    (wider != narrower).then_some(wider),
                    Some(list(ta)),
                    Some(list(tb)),
                    at,
                );
            }
        } else if ta.is_some() != tb.is_some() && a.branches.is_empty() && b.branches.is_empty() {
            // One side says nothing of types: it allows any.
            self.fact(
                context,
                location,
                "type",
                Some(tb.is_none()),
                ta.as_ref().map(list),
                tb.as_ref().map(list),
                at,
            );
        }

        if a.nullable != b.nullable {
            let (o, p) =
                if b.nullable { (None, Some("nullable")) } else { (Some("nullable"), None) };
            self.fact(
                context,
                location,
                "nullable",
                Some(b.nullable),
                o.map(Into::into),
                p.map(Into::into),
                at,
            );
        }
        if a.format != b.format {
            self.push(
                Severity::Info,
                side(&a.format, &b.format),
                "format",
                location,
                a.format.as_deref(),
                b.format.as_deref(),
            );
            self.last_origin(a_at, b_at);
        }
        if a.default != b.default {
            self.push(
                Severity::Info,
                side(&a.default, &b.default),
                "default",
                location,
                a.default.as_deref(),
                b.default.as_deref(),
            );
            self.last_origin(a_at, b_at);
        }
        self.values(context, location, &a, &b, at);
        self.limit(context, location, "max-length", a.max_length, b.max_length, true, at);
        self.limit(context, location, "min-length", a.min_length, b.min_length, false, at);
        self.limit(context, location, "max-items", a.max_items, b.max_items, true, at);
        self.limit(context, location, "min-items", a.min_items, b.min_items, false, at);
        self.bound(context, location, "maximum", a.maximum, b.maximum, true, at);
        self.bound(context, location, "minimum", a.minimum, b.minimum, false, at);
        if a.pattern != b.pattern {
            let wider = match (&a.pattern, &b.pattern) {
                (Some(_), None) => Some(true),
                (None, Some(_)) => Some(false),
                _ => None,
            };
            self.fact(
                context,
                location,
                "pattern",
                wider,
                a.pattern.clone(),
                b.pattern.clone(),
                at,
            );
        }
        self.properties(context, location, &a, &b, at);
        self.additional(context, location, &a, &b, at);
        if let (Some(ia), Some(ib)) = (&a.items, &b.items) {
            self.schema(context, &format!("{location}/[]"), ia, ib);
        }
    }

    fn values(
        &mut self,
        context: Context,
        location: &str,
        a: &Schema,
        b: &Schema,
        at: (&str, &str),
    ) {
        match (&a.values, &b.values) {
            (Some(va), Some(vb)) => {
                let added: BTreeSet<String> = vb.difference(va).cloned().collect();
                let removed: BTreeSet<String> = va.difference(vb).cloned().collect();
                if !added.is_empty() {
                    self.fact(context, location, "enum", Some(true), None, Some(list(&added)), at);
                }
                if !removed.is_empty() {
                    self.fact(
                        context,
                        location,
                        "enum",
                        Some(false),
                        Some(list(&removed)),
                        None,
                        at,
                    );
                }
            }
            (Some(va), None) => {
                self.fact(context, location, "enum", Some(true), Some(list(va)), None, at)
            }
            (None, Some(vb)) => {
                self.fact(context, location, "enum", Some(false), None, Some(list(vb)), at)
            }
            (None, None) => {}
        }
    }

    /// A length or count limit; `upper` for a maximum (none = unbounded),
    /// else a minimum (none = 0).
    #[allow(clippy::too_many_arguments)]
    fn limit(
        &mut self,
        context: Context,
        location: &str,
        kind: &'static str,
        a: Option<u64>,
        b: Option<u64>,
        upper: bool,
        at: (&str, &str),
    ) {
        let (ea, eb) = if upper {
            (a.unwrap_or(u64::MAX), b.unwrap_or(u64::MAX))
        } else {
            (a.unwrap_or(0), b.unwrap_or(0))
        };
        if ea == eb {
            return;
        }
        let wider = if upper { eb > ea } else { eb < ea };
        self.fact(
            context,
            location,
            kind,
            Some(wider),
            a.map(|v| v.to_string()),
            b.map(|v| v.to_string()),
            at,
        );
    }

    #[allow(clippy::too_many_arguments)]
    fn bound(
        &mut self,
        context: Context,
        location: &str,
        kind: &'static str,
        a: Option<Bound>,
        b: Option<Bound>,
        upper: bool,
        at: (&str, &str),
    ) {
        let show = |b: Bound| format!("{}{}", if b.exclusive { "exclusive " } else { "" }, b.value);
        let wider = match (a, b) {
            (None, None) => return,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(x), Some(y)) if x == y => return,
            (Some(x), Some(y)) => {
                if x.value == y.value {
                    x.exclusive && !y.exclusive
                } else if upper {
                    y.value > x.value
                } else {
                    y.value < x.value
                }
            }
        };
        self.fact(context, location, kind, Some(wider), a.map(show), b.map(show), at);
    }

    fn properties(
        &mut self,
        context: Context,
        location: &str,
        a: &Schema,
        b: &Schema,
        at: (&str, &str),
    ) {
        let names: BTreeSet<&String> = a.properties.keys().chain(b.properties.keys()).collect();
        for name in names {
            let here = format!("{location}/.{name}");
            let (ra, rb) = (a.required.contains(name), b.required.contains(name));
            match (a.properties.get(name), b.properties.get(name)) {
                (Some(pa), Some(pb)) => {
                    if ra != rb {
                        // Required where the other side has it optional:
                        // in a response the side that does not require it
                        // may leave it out.
                        let published_wider = match context {
                            Context::Response => ra && !rb,
                            Context::Request => !rb,
                        };
                        self.fact(
                            context,
                            &here,
                            "required",
                            Some(published_wider),
                            Some(ra.to_string()),
                            Some(rb.to_string()),
                            at,
                        );
                    }
                    self.schema(context, &here, pa, pb);
                }
                (Some(pa), None) => {
                    let severity = match context {
                        Context::Request if b.additional == Additional::Closed => Severity::Error,
                        Context::Request => Severity::Info,
                        Context::Response if ra => Severity::Error,
                        Context::Response => Severity::Info,
                    };
                    let shown = describe(&self.ours.read(pa));
                    self.push(severity, Side::Ours, "property", &here, Some(&shown), None);
                    self.last_origin(pa, at.1);
                }
                (None, Some(pb)) => {
                    let severity = match context {
                        Context::Request if rb => Severity::Error,
                        _ => Severity::Gap,
                    };
                    let shown = describe(&self.published.read(pb));
                    self.push(severity, Side::Published, "property", &here, None, Some(&shown));
                    self.last_origin(at.0, pb);
                }
                (None, None) => {}
            }
        }
    }

    fn additional(
        &mut self,
        context: Context,
        location: &str,
        a: &Schema,
        b: &Schema,
        at: (&str, &str),
    ) {
        match (&a.additional, &b.additional) {
            (Additional::Open(Some(sa)), Additional::Open(Some(sb))) => {
                self.schema(context, &format!("{location}/{{*}}"), sa, sb);
            }
            (x, y) if x == y => {}
            (
                Additional::Unsaid | Additional::Open(None),
                Additional::Unsaid | Additional::Open(None),
            ) => {}
            (x, y) => {
                let openness = |v: &Additional| match v {
                    Additional::Closed => 0,
                    Additional::Open(Some(_)) => 1,
                    _ => 2,
                };
                let show = |v: &Additional| match v {
                    Additional::Closed => "none".to_owned(),
                    Additional::Open(Some(_)) => "a schema".to_owned(),
                    _ => "any".to_owned(),
                };
                self.fact(
                    context,
                    location,
                    "additional-properties",
                    Some(openness(y) > openness(x)),
                    Some(show(x)),
                    Some(show(y)),
                    at,
                );
            }
        }
    }

    /// Pair the branches of two unions (by tag, else by shape) and compare
    /// each pair; an unpaired branch is a finding.
    fn union(
        &mut self,
        context: Context,
        location: &str,
        a: &Schema,
        b: &Schema,
        at: (&str, &str),
    ) {
        let tags_a = self.ours.tags(a);
        let tags_b = self.published.tags(b);
        let mut pairs: Vec<(Option<usize>, Option<usize>, String)> = Vec::new();
        if tags_a.iter().all(Option::is_some) && tags_b.iter().all(Option::is_some) {
            let mut by_tag: BTreeMap<&String, (Option<usize>, Option<usize>)> = BTreeMap::new();
            for (i, tag) in tags_a.iter().enumerate() {
                if let Some(tag) = tag {
                    by_tag.entry(tag).or_default().0 = Some(i);
                }
            }
            for (i, tag) in tags_b.iter().enumerate() {
                if let Some(tag) = tag {
                    by_tag.entry(tag).or_default().1 = Some(i);
                }
            }
            for (tag, (i, j)) in by_tag {
                pairs.push((i, j, format!("oneOf[{tag}]")));
            }
        } else {
            let shapes_a: Vec<Schema> = a.branches.iter().map(|p| self.ours.read(p)).collect();
            let shapes_b: Vec<Schema> = b.branches.iter().map(|p| self.published.read(p)).collect();
            let mut taken = vec![false; shapes_b.len()];
            for (i, sa) in shapes_a.iter().enumerate() {
                let best = shapes_b
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| !taken[*j])
                    .map(|(j, sb)| (similarity(sa, sb), std::cmp::Reverse(j), j))
                    .max();
                match best {
                    Some((score, _, j)) if score > 0 => {
                        taken[j] = true;
                        pairs.push((Some(i), Some(j), format!("oneOf[#{}]", i + 1)));
                    }
                    _ => pairs.push((Some(i), None, format!("oneOf[#{}]", i + 1))),
                }
            }
            for (j, taken) in taken.iter().enumerate() {
                if !taken {
                    pairs.push((None, Some(j), format!("oneOf[published #{}]", j + 1)));
                }
            }
        }
        for (i, j, label) in pairs {
            let here = format!("{location}/{label}");
            match (i, j) {
                (Some(i), Some(j)) => self.schema(context, &here, &a.branches[i], &b.branches[j]),
                (Some(i), None) => {
                    let shown = describe(&self.ours.read(&a.branches[i]));
                    self.push(
                        by_direction(context, false),
                        Side::Ours,
                        "union-branch",
                        &here,
                        Some(&shown),
                        None,
                    );
                    self.last_origin(&a.branches[i], at.1);
                }
                (None, Some(j)) => {
                    let shown = describe(&self.published.read(&b.branches[j]));
                    self.push(
                        by_direction(context, true),
                        Side::Published,
                        "union-branch",
                        &here,
                        None,
                        Some(&shown),
                    );
                    self.last_origin(at.0, &b.branches[j]);
                }
                (None, None) => {}
            }
        }
    }
}

/// How a branch is named in a location: by its tag, else its position.
fn branch_label(tag: Option<&str>, index: usize) -> String {
    match tag {
        Some(tag) => format!("oneOf[{tag}]"),
        None => format!("oneOf[#{}]", index + 1),
    }
}

fn side<T>(a: &Option<T>, b: &Option<T>) -> Side {
    match (a, b) {
        (Some(_), None) => Side::Ours,
        (None, Some(_)) => Side::Published,
        _ => Side::Both,
    }
}

/// How alike two branches look: the same types, and shared property names.
fn similarity(a: &Schema, b: &Schema) -> usize {
    let same_types = types_of(a) == types_of(b);
    let (pa, pb): (BTreeSet<&String>, BTreeSet<&String>) =
        (a.properties.keys().collect(), b.properties.keys().collect());
    let shared = pa.intersection(&pb).count();
    let all = pa.union(&pb).count().max(1);
    usize::from(same_types) * 100 + shared * 100 / all
}

/// The security requirements in force for an operation, each as the sorted
/// structures of its schemes (`http bearer`, `oauth2 clientCredentials`).
fn ways(reader: &Reader, operation: &str) -> BTreeSet<String> {
    let own = reader.node(&format!("{operation}/security"));
    let requirements = if own.is_array() { own } else { reader.node("#/security") };
    let mut out = BTreeSet::new();
    for requirement in requirements.as_array().into_iter().flatten() {
        let Some(map) = requirement.as_object() else { continue };
        if map.is_empty() {
            out.insert("none".to_owned());
            continue;
        }
        let mut parts: Vec<String> = map
            .keys()
            .map(|name| {
                let at = reader.target(&format!("#/components/securitySchemes/{}", escape(name)));
                let scheme = reader.node(&at);
                let kind = scheme["type"].as_str().unwrap_or("unknown");
                match kind {
                    "http" => format!(
                        "http {}",
                        scheme["scheme"].as_str().unwrap_or_default().to_ascii_lowercase()
                    ),
                    "apiKey" => format!(
                        "apiKey {} {}",
                        scheme["in"].as_str().unwrap_or_default(),
                        scheme["name"].as_str().unwrap_or_default()
                    ),
                    "oauth2" => {
                        let flows: Vec<&String> = scheme["flows"]
                            .as_object()
                            .map(|f| f.keys().collect())
                            .unwrap_or_default();
                        format!(
                            "oauth2 {}",
                            flows.iter().map(|f| f.as_str()).collect::<Vec<_>>().join("+")
                        )
                    }
                    other => other.to_owned(),
                }
            })
            .collect();
        parts.sort();
        out.insert(parts.join(" & "));
    }
    out
}

/// The server URLs of a document, templates expanded over their
/// variables' values.
fn servers(reader: &Reader) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for server in reader.node("#/servers").as_array().into_iter().flatten() {
        let Some(url) = server["url"].as_str() else { continue };
        let mut urls = vec![url.trim_end_matches('/').to_owned()];
        for (name, variable) in server["variables"].as_object().into_iter().flatten() {
            let values: Vec<String> = match variable["enum"].as_array() {
                Some(values) => {
                    values.iter().map(|v| v.as_str().unwrap_or_default().to_owned()).collect()
                }
                None => vec![variable["default"].as_str().unwrap_or_default().to_owned()],
            };
            urls = urls
                .iter()
                .flat_map(|u| values.iter().map(move |v| u.replace(&format!("{{{name}}}"), v)))
                .collect();
        }
        out.extend(urls);
    }
    out
}
