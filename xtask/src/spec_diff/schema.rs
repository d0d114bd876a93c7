//! Schemas of either dialect as one small model of wire facts.
//!
//! A schema is named by the JSON pointer of its node; `$ref`s are followed
//! (3.0 ignores a `$ref`'s siblings, 3.1 applies them), `allOf` is merged,
//! and the ways of writing one fact are made one: `nullable: true`,
//! `type: [T, "null"]` and a `{type: "null"}` branch of a union are
//! `nullable`; a one-value `enum` and `const` are the same set; boolean
//! and numeric exclusive bounds are one bound. Names, descriptions,
//! examples and other annotations are not facts.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::load::{Dialect, Document};

/// A bound on a number: its value and whether it is exclusive.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bound {
    pub value: f64,
    pub exclusive: bool,
}

/// What `additionalProperties` allows.
#[derive(Clone, Debug, PartialEq)]
pub enum Additional {
    /// Not said (any property is allowed).
    Unsaid,
    /// `false`: no property but the listed ones.
    Closed,
    /// `true`, or a schema every other property follows.
    Open(Option<String>),
}

/// The wire facts of one schema.
#[derive(Clone, Debug)]
pub struct Schema {
    /// The JSON types it allows (`integer` apart from `number`); `None`
    /// when it says nothing of types.
    pub types: Option<BTreeSet<String>>,
    pub nullable: bool,
    pub format: Option<String>,
    /// The values it allows, as canonical JSON.
    pub values: Option<BTreeSet<String>>,
    pub default: Option<String>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub min_items: Option<u64>,
    pub max_items: Option<u64>,
    pub minimum: Option<Bound>,
    pub maximum: Option<Bound>,
    pub pattern: Option<String>,
    /// Property name → the pointer of its schema.
    pub properties: BTreeMap<String, String>,
    pub required: BTreeSet<String>,
    pub additional: Additional,
    /// The pointer of the items' schema.
    pub items: Option<String>,
    /// The branches of a `oneOf`/`anyOf`, nulls taken out.
    pub branches: Vec<String>,
    /// The discriminator's property and its mapping (value → pointer).
    pub discriminator: Option<(String, BTreeMap<String, String>)>,
}

impl Schema {
    fn any() -> Schema {
        Schema {
            types: None,
            nullable: false,
            format: None,
            values: None,
            default: None,
            min_length: None,
            max_length: None,
            min_items: None,
            max_items: None,
            minimum: None,
            maximum: None,
            pattern: None,
            properties: BTreeMap::new(),
            required: BTreeSet::new(),
            additional: Additional::Unsaid,
            items: None,
            branches: Vec::new(),
            discriminator: None,
        }
    }

    /// Whether it is the `{type: "null"}` of a union.
    fn is_only_null(&self) -> bool {
        self.nullable && self.types.as_ref().is_some_and(BTreeSet::is_empty)
    }

    /// Take in the facts of `other` (an `allOf` member, or what a `$ref`
    /// points at): lists are joined, sets of allowed things intersected,
    /// single facts kept where this one has none.
    fn merge(&mut self, other: Schema) {
        self.types = match (self.types.take(), other.types) {
            (Some(a), Some(b)) => Some(a.intersection(&b).cloned().collect()),
            (a, b) => a.or(b),
        };
        self.nullable |= other.nullable;
        self.values = match (self.values.take(), other.values) {
            (Some(a), Some(b)) => Some(a.intersection(&b).cloned().collect()),
            (a, b) => a.or(b),
        };
        macro_rules! keep {
            ($($f:ident),*) => { $( if self.$f.is_none() { self.$f = other.$f; } )* };
        }
        keep!(
            format,
            default,
            min_length,
            max_length,
            min_items,
            max_items,
            minimum,
            maximum,
            pattern,
            items,
            discriminator
        );
        for (name, pointer) in other.properties {
            self.properties.entry(name).or_insert(pointer);
        }
        self.required.extend(other.required);
        if self.additional == Additional::Unsaid {
            self.additional = other.additional;
        }
        self.branches.extend(other.branches);
    }
}

/// Keywords that are annotations, not wire facts.
const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "example",
    "examples",
    "externalDocs",
    "$comment",
    "deprecated",
    "readOnly",
    "writeOnly",
    "xml",
    "$schema",
    "$id",
    "$anchor",
    "$defs",
    "definitions",
];

/// Reads schemas of one document, remembering the keywords it met and
/// does not compare.
pub struct Reader<'a> {
    pub doc: &'a Document,
    /// Keyword → the first pointer it was met at.
    pub not_compared: BTreeMap<String, String>,
}

impl<'a> Reader<'a> {
    pub fn new(doc: &'a Document) -> Self {
        Reader { doc, not_compared: BTreeMap::new() }
    }

    /// The node at `pointer` (`#/...`).
    pub fn node(&self, pointer: &str) -> &'a Value {
        static NULL: Value = Value::Null;
        self.doc.root.pointer(pointer.trim_start_matches('#')).unwrap_or(&NULL)
    }

    /// Follow `$ref`s from `pointer` to the node they end at (for naming a
    /// branch's target).
    pub fn target(&self, pointer: &str) -> String {
        let mut at = pointer.to_owned();
        for _ in 0..64 {
            match self.node(&at).get("$ref").and_then(Value::as_str) {
                Some(next) => at = next.to_owned(),
                None => break,
            }
        }
        at
    }

    /// The facts of the schema at `pointer`.
    pub fn read(&mut self, pointer: &str) -> Schema {
        self.read_depth(pointer, 0)
    }

    fn read_depth(&mut self, pointer: &str, depth: usize) -> Schema {
        if depth > 64 {
            // A `$ref` or `allOf` circle with no structure in between.
            return Schema::any();
        }
        let node = self.node(pointer);
        let Value::Object(map) = node else {
            return match node {
                Value::Bool(false) => Schema { types: Some(BTreeSet::new()), ..Schema::any() },
                _ => Schema::any(),
            };
        };
        if let Some(Value::String(target)) = map.get("$ref") {
            let mut schema = self.read_depth(target, depth + 1);
            if self.doc.dialect == Dialect::V31 {
                // In 3.1 a schema's `$ref` is applied with its siblings.
                let own = self.keywords(pointer, map, depth, true);
                let mut merged = own;
                merged.merge(schema);
                schema = merged;
            }
            return schema;
        }
        self.keywords(pointer, map, depth, false)
    }

    fn keywords(
        &mut self,
        pointer: &str,
        map: &serde_json::Map<String, Value>,
        depth: usize,
        skip_ref: bool,
    ) -> Schema {
        let mut s = Schema::any();
        let child = |key: &str| format!("{pointer}/{}", escape(key));
        let mut exclusive_min = None;
        let mut exclusive_max = None;
        for (key, value) in map {
            match key.as_str() {
                "$ref" if skip_ref => {}
                "type" => {
                    let mut types = BTreeSet::new();
                    for t in value.as_array().map_or_else(|| vec![value.clone()], Clone::clone) {
                        match t.as_str() {
                            Some("null") => s.nullable = true,
                            Some(t) => {
                                types.insert(t.to_owned());
                            }
                            None => {}
                        }
                    }
                    s.types = Some(types);
                }
                "nullable" => s.nullable |= value == &Value::Bool(true),
                "format" => s.format = value.as_str().map(str::to_owned),
                "enum" => {
                    let mut values = BTreeSet::new();
                    for v in value.as_array().into_iter().flatten() {
                        if v.is_null() {
                            s.nullable = true;
                        } else {
                            values.insert(canonical(v));
                        }
                    }
                    s.values = Some(values);
                }
                "const" => {
                    if value.is_null() {
                        s.nullable = true;
                        s.values = Some(BTreeSet::new());
                    } else {
                        s.values = Some([canonical(value)].into());
                    }
                }
                "default" => s.default = Some(canonical(value)),
                "minLength" => s.min_length = value.as_u64(),
                "maxLength" => s.max_length = value.as_u64(),
                "minItems" => s.min_items = value.as_u64(),
                "maxItems" => s.max_items = value.as_u64(),
                "minimum" => {
                    s.minimum = value.as_f64().map(|v| Bound { value: v, exclusive: false })
                }
                "maximum" => {
                    s.maximum = value.as_f64().map(|v| Bound { value: v, exclusive: false })
                }
                "exclusiveMinimum" => exclusive_min = Some(value.clone()),
                "exclusiveMaximum" => exclusive_max = Some(value.clone()),
                "pattern" => s.pattern = value.as_str().map(str::to_owned),
                "properties" => {
                    for name in value.as_object().into_iter().flatten().map(|(k, _)| k) {
                        s.properties
                            .insert(name.clone(), format!("{}/{}", child(key), escape(name)));
                    }
                }
                "required" => {
                    s.required = value
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                }
                "additionalProperties" => {
                    s.additional = match value {
                        Value::Bool(false) => Additional::Closed,
                        Value::Bool(true) => Additional::Open(None),
                        _ => Additional::Open(Some(child(key))),
                    }
                }
                "items" if value.is_object() || value.is_boolean() => s.items = Some(child(key)),
                "allOf" => {
                    for i in 0..value.as_array().map_or(0, Vec::len) {
                        let member = self.read_depth(&format!("{}/{i}", child(key)), depth + 1);
                        s.merge(member);
                    }
                }
                "oneOf" | "anyOf" => {
                    for i in 0..value.as_array().map_or(0, Vec::len) {
                        let branch = format!("{}/{i}", child(key));
                        if self.read_depth(&branch, depth + 1).is_only_null() {
                            s.nullable = true;
                        } else {
                            s.branches.push(branch);
                        }
                    }
                }
                "discriminator" => {
                    let property = value["propertyName"].as_str().unwrap_or_default().to_owned();
                    let mapping = value["mapping"]
                        .as_object()
                        .into_iter()
                        .flatten()
                        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                        .collect();
                    s.discriminator = Some((property, mapping));
                }
                k if ANNOTATIONS.contains(&k) || k.starts_with("x-") => {}
                other => {
                    self.not_compared.entry(other.to_owned()).or_insert_with(|| child(other));
                }
            }
        }
        // 3.0: a boolean beside `minimum`; 3.1: the bound itself.
        if let Some(e) = exclusive_min {
            match e {
                Value::Bool(true) => {
                    if let Some(b) = &mut s.minimum {
                        b.exclusive = true;
                    }
                }
                Value::Number(n) => {
                    s.minimum = n.as_f64().map(|v| Bound { value: v, exclusive: true })
                }
                _ => {}
            }
        }
        if let Some(e) = exclusive_max {
            match e {
                Value::Bool(true) => {
                    if let Some(b) = &mut s.maximum {
                        b.exclusive = true;
                    }
                }
                Value::Number(n) => {
                    s.maximum = n.as_f64().map(|v| Bound { value: v, exclusive: true })
                }
                _ => {}
            }
        }
        // A union of one branch and null is that branch, nullable.
        if s.branches.len() == 1 && s.types.is_none() && s.properties.is_empty() {
            let only = s.branches.pop().unwrap_or_default();
            let branch = self.read_depth(&only, depth + 1);
            s.merge(branch);
        }
        s
    }

    /// The tag of each branch of `union`: the discriminator's mapping key
    /// naming the branch's target, or the one value that a property every
    /// branch has allows (`type: [mt_text]`, `const: mt_text`).
    pub fn tags(&mut self, union: &Schema) -> Vec<Option<String>> {
        let targets: Vec<String> = union.branches.iter().map(|b| self.target(b)).collect();
        if let Some((_, mapping)) = &union.discriminator
            && !mapping.is_empty()
        {
            let by_target: BTreeMap<String, &String> =
                mapping.iter().map(|(value, to)| (self.target(to), value)).collect();
            let tags: Vec<Option<String>> =
                targets.iter().map(|t| by_target.get(t).map(|v| (*v).clone())).collect();
            if tags.iter().all(Option::is_some) {
                return tags;
            }
        }
        let branches: Vec<Schema> = union.branches.iter().map(|b| self.read(b)).collect();
        let mut candidates: Vec<String> = match &union.discriminator {
            Some((property, _)) if !property.is_empty() => vec![property.clone()],
            _ => {
                branches.first().map(|b| b.properties.keys().cloned().collect()).unwrap_or_default()
            }
        };
        candidates.retain(|p| branches.iter().all(|b| b.properties.contains_key(p)));
        for property in candidates {
            let tags: Vec<Option<String>> = branches
                .iter()
                .map(|b| {
                    let field = self.read(&b.properties[&property]);
                    match field.values {
                        Some(values) if values.len() == 1 => {
                            values.into_iter().next().map(|v| v.trim_matches('"').to_owned())
                        }
                        _ => None,
                    }
                })
                .collect();
            let distinct: BTreeSet<&Option<String>> = tags.iter().collect();
            if tags.iter().all(Option::is_some) && distinct.len() == tags.len() {
                return tags;
            }
        }
        vec![None; union.branches.len()]
    }
}

/// A JSON value as canonical text: numbers as numbers (1600 == 1600.0),
/// object keys sorted.
pub fn canonical(value: &Value) -> String {
    match value {
        Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", f as i64),
            _ => n.to_string(),
        },
        Value::Array(items) => {
            format!("[{}]", items.iter().map(canonical).collect::<Vec<_>>().join(","))
        }
        Value::Object(map) => {
            let sorted: BTreeMap<&String, &Value> = map.iter().collect();
            let fields: Vec<String> = sorted
                .into_iter()
                .map(|(k, v)| format!("{}:{}", Value::String(k.clone()), canonical(v)))
                .collect();
            format!("{{{}}}", fields.join(","))
        }
        other => other.to_string(),
    }
}

/// A key as a JSON pointer segment.
pub fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}
