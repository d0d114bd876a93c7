//! What the workspace's tests share: the simulator's answers checked
//! against the spec's response schemas (`openapi/xms.json`), for the tests
//! of the SDK and of the simulator that drive the simulator.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use xms_simulator::{Answer, Simulator};

const SPEC: &str = include_str!("../../openapi/xms.json");
pub const METHODS: [&str; 5] = ["GET", "POST", "PUT", "DELETE", "PATCH"];

pub fn spec() -> Value {
    serde_json::from_str(SPEC).expect("the spec's JSON")
}

/// The spec's operations: (method, path) → operation.
pub fn spec_operations(spec: &Value) -> BTreeMap<(String, String), Value> {
    let mut out = BTreeMap::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("a path item") {
            if METHODS.contains(&method.to_uppercase().as_str()) {
                out.insert((method.to_uppercase(), path.clone()), op.clone());
            }
        }
    }
    out
}

/// OpenAPI 3.0's `nullable` as JSON Schema has it: the node or null.
fn json_schema(node: &Value) -> Value {
    match node {
        Value::Object(map) => {
            let mut out: serde_json::Map<String, Value> =
                map.iter().map(|(k, v)| (k.clone(), json_schema(v))).collect();
            if out.remove("nullable") == Some(Value::Bool(true)) {
                return json!({"anyOf": [Value::Object(out), {"type": "null"}]});
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(json_schema).collect()),
        other => other.clone(),
    }
}

/// Checks answers against the spec's response schemas.
pub struct Schemas {
    spec: Value,
    pub operations: BTreeMap<(String, String), Value>,
    components: Value,
}

impl Default for Schemas {
    fn default() -> Self {
        Self::new()
    }
}

impl Schemas {
    pub fn new() -> Schemas {
        let spec = spec();
        let operations = spec_operations(&spec);
        let components = json_schema(&spec["components"]);
        Schemas { spec, operations, components }
    }

    /// What is wrong with an answer, if anything.
    pub fn check(&self, answer: &Answer) -> Option<String> {
        let what = format!("{} {} {}", answer.method, answer.route, answer.status);
        let Some(op) = self.operations.get(&(answer.method.clone(), answer.route.clone())) else {
            // Another method of a path the spec has: HTTP's 405.
            return (answer.status != 405).then(|| format!("{what}: not an operation of the spec"));
        };
        let mut response = &op["responses"][answer.status.to_string()];
        if response.is_null() {
            // Statuses the spec leaves to HTTP: a missing resource, an
            // unsupported body.
            return match (answer.status, &answer.body) {
                (404 | 415, None) => None,
                _ => Some(format!("{what}: a status the spec does not give, {:?}", answer.body)),
            };
        }
        if let Some(name) = response["$ref"].as_str() {
            let name = name.rsplit('/').next().unwrap_or_default();
            response = &self.spec["components"]["responses"][name];
        }
        let schema = &response["content"]["application/json"]["schema"];
        match (&answer.body, schema.is_null()) {
            (None, true) => None,
            (Some(body), true) => Some(format!("{what}: a body the spec does not give: {body}")),
            (None, false) => Some(format!("{what}: no JSON body, the spec gives one")),
            (Some(body), false) => {
                let mut root = json_schema(schema);
                root["components"] = self.components.clone();
                let validator = jsonschema::validator_for(&root).expect("a valid schema");
                let errors: Vec<String> = validator
                    .iter_errors(body)
                    .map(|e| format!("{} at {}", e, e.instance_path()))
                    .collect();
                (!errors.is_empty()).then(|| format!("{what}: {errors:?} in {body}"))
            }
        }
    }
}

/// A simulator that records its answers and, when dropped at the end of a
/// test that did not fail, checks every one against the spec.
pub struct Checked(pub Simulator);

impl Checked {
    pub fn start() -> Checked {
        Checked(Simulator::builder().record_answers().start())
    }
}

impl std::ops::Deref for Checked {
    type Target = Simulator;
    fn deref(&self) -> &Simulator {
        &self.0
    }
}

impl Drop for Checked {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let schemas = Schemas::new();
        let answers = self.0.answers();
        let problems: Vec<String> = answers.iter().filter_map(|a| schemas.check(a)).collect();
        assert!(problems.is_empty(), "answers that differ from the spec:\n{}", problems.join("\n"));
    }
}

/// Check every answer a simulator recorded against the spec.
pub fn check_answers(sim: &Simulator) {
    let schemas = Schemas::new();
    let problems: Vec<String> = sim.answers().iter().filter_map(|a| schemas.check(a)).collect();
    assert!(problems.is_empty(), "answers that differ from the spec:\n{}", problems.join("\n"));
}
