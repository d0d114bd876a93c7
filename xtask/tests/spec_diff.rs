//! `cargo xtask spec-diff` on spec pairs written for these tests (a small
//! parcel API of our own, in 3.0 and in 3.1) and on `openapi/xms.yaml`
//! against itself, its JSON form, a renamed copy and one-change copies.

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::atomic::{AtomicUsize, Ordering},
};

use serde_json::{Value, json};
use xtask::spec_diff::{Finding, Severity, Side, allow, diff, load::parse};

/// The parcel API as we would write it: OpenAPI 3.0.
const OURS: &str = r##"
openapi: 3.0.3
info: {title: Parcels, version: "1", description: Ours.}
servers:
  - url: https://{zone}.parcels.example
    variables:
      zone: {default: north, enum: [north, south]}
security: [{Token: []}]
components:
  securitySchemes:
    Token: {type: http, scheme: bearer}
  parameters:
    ParcelId: {name: parcel_id, in: path, required: true, schema: {type: string}}
  schemas:
    Parcel:
      type: object
      required: [id, kind]
      properties:
        id: {type: string}
        kind: {type: string, enum: [letter, box]}
        weight: {type: integer, format: int32, minimum: 0}
        note: {type: string, nullable: true}
        sender: {$ref: "#/components/schemas/Address"}
        contents:
          type: array
          items: {$ref: "#/components/schemas/Parcel"}
    Address:
      type: object
      properties:
        street: {type: string}
    NewParcel:
      type: object
      required: [kind]
      properties:
        kind: {type: string, enum: [letter, box]}
        label: {type: string, maxLength: 40}
        weight: {type: integer, minimum: 0, maximum: 30000}
    Event:
      oneOf:
        - $ref: "#/components/schemas/Sent"
        - $ref: "#/components/schemas/Lost"
    Sent:
      type: object
      required: [type, at]
      properties:
        type: {type: string, enum: [sent]}
        at: {type: string, format: date-time}
    Lost:
      type: object
      required: [type]
      properties:
        type: {type: string, enum: [lost]}
        reason: {type: string}
paths:
  /parcels:
    post:
      operationId: CreateParcel
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/NewParcel"}
      responses:
        "201":
          description: Made.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Parcel"}
    get:
      operationId: ListParcels
      parameters:
        - {name: page, in: query, schema: {type: integer, minimum: 0}}
      responses:
        "200":
          description: A page.
          content:
            application/json:
              schema:
                type: object
                properties:
                  items:
                    type: array
                    items: {$ref: "#/components/schemas/Parcel"}
  /parcels/{parcel_id}:
    parameters:
      - $ref: "#/components/parameters/ParcelId"
    get:
      operationId: GetParcel
      responses:
        "200":
          description: The parcel.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Parcel"}
    delete:
      operationId: DropParcel
      responses:
        "204": {description: Gone.}
  /parcels/{parcel_id}/events:
    parameters:
      - $ref: "#/components/parameters/ParcelId"
    get:
      operationId: ParcelEvents
      responses:
        "200":
          description: What happened.
          content:
            application/json:
              schema:
                type: array
                items: {$ref: "#/components/schemas/Event"}
"##;

/// The same API as another author would publish it: OpenAPI 3.1, other
/// names for everything, nullable as a type list, a union with a
/// discriminator in another order, `const`, inline schemas, parameters at
/// operation level, the servers spelt out, other words.
const PUBLISHED_31: &str = r##"
openapi: 3.1.0
info: {title: Parcel service, version: "2024-01", summary: Theirs.}
servers:
  - url: https://south.parcels.example/
  - url: https://north.parcels.example
security: [{bearer_auth: []}]
components:
  securitySchemes:
    bearer_auth: {type: http, scheme: Bearer, description: A token.}
  schemas:
    parcel_object:
      description: A parcel.
      type: object
      required: [kind, id]
      properties:
        id: {type: string, examples: [p1]}
        kind: {type: string, enum: [box, letter]}
        weight: {type: integer, format: int32, minimum: 0}
        note: {type: [string, "null"]}
        sender:
          type: object
          properties:
            street: {type: string, description: Where.}
        contents:
          type: array
          items: {$ref: "#/components/schemas/parcel_object"}
    event_lost:
      type: object
      required: [type]
      properties:
        type: {const: lost}
        reason: {type: string}
    event_sent:
      type: object
      required: [at, type]
      properties:
        type: {type: string, const: sent}
        at: {type: string, format: date-time}
paths:
  /parcels/{id}/events:
    get:
      operationId: listEvents
      tags: [events]
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: Events.
          content:
            application/json:
              schema:
                type: array
                items:
                  oneOf:
                    - $ref: "#/components/schemas/event_lost"
                    - $ref: "#/components/schemas/event_sent"
                  discriminator:
                    propertyName: type
                    mapping:
                      sent: "#/components/schemas/event_sent"
                      lost: "#/components/schemas/event_lost"
  /parcels:
    get:
      operationId: getParcels
      parameters:
        - {name: page, in: query, required: false, schema: {type: integer, minimum: 0}}
      responses:
        "200":
          description: Parcels.
          content:
            application/json:
              schema:
                type: object
                properties:
                  items:
                    type: array
                    items: {$ref: "#/components/schemas/parcel_object"}
    post:
      operationId: postParcel
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [kind]
              properties:
                kind: {enum: [letter, box]}
                label: {type: string, maxLength: 40}
                weight: {type: integer, minimum: 0, maximum: 30000.0}
      responses:
        "201":
          description: Created.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/parcel_object"}
  /parcels/{id}:
    delete:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "204": {description: Removed.}
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: string}}
      responses:
        "200":
          description: One.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/parcel_object"}
"##;

fn findings(ours: &str, published: &str) -> Vec<Finding> {
    let ours = parse("ours.yaml", ours).unwrap();
    let published = parse("published.yaml", published).unwrap();
    diff(&ours, &published, &[]).findings
}

/// Each finding as one short line: severity side kind operation location.
fn lines(findings: &[Finding]) -> Vec<String> {
    findings
        .iter()
        .map(|f| {
            format!(
                "{} {} {} {} {} | {} | {}",
                f.severity.label(),
                f.side.label(),
                f.kind,
                f.operation(),
                f.location,
                f.ours.as_deref().unwrap_or("-"),
                f.published.as_deref().unwrap_or("-")
            )
        })
        .collect()
}

/// `OURS` with `from` replaced by `to` (once), as the published side.
fn changed(from: &str, to: &str) -> String {
    assert!(OURS.contains(from), "the fixture no longer contains {from:?}");
    OURS.replacen(from, to, 1)
}

#[track_caller]
fn exactly(ours: &str, published: &str, expected: &[&str]) {
    let found = lines(&findings(ours, published));
    assert_eq!(found, expected, "\n{}", found.join("\n"));
}

#[test]
fn the_same_api_gives_no_finding() {
    exactly(OURS, OURS, &[]);
}

#[test]
fn the_3_1_form_of_the_same_api_gives_no_finding() {
    // Renamed components and path parameters, nullable as a type list,
    // const for a one-value enum, a discriminator in another order,
    // inline schemas for $refs, servers spelt out, other words.
    exactly(OURS, PUBLISHED_31, &[]);
    exactly(PUBLISHED_31, OURS, &[]);
}

#[test]
fn yaml_against_json_with_keys_shuffled_gives_no_finding() {
    let value: Value = yaml_serde::from_str(OURS).unwrap();
    let shuffled = reversed(&value);
    let json = serde_json::to_string_pretty(&shuffled).unwrap();
    exactly(OURS, &json, &[]);
}

/// The same value with every object's keys in reverse order.
fn reversed(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut out = serde_json::Map::new();
            let mut keys: Vec<&String> = map.keys().collect();
            keys.reverse();
            for k in keys {
                out.insert(k.clone(), reversed(&map[k]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(reversed).collect()),
        other => other.clone(),
    }
}

#[test]
fn nullable_written_three_ways_is_one_fact() {
    let base = |note: &str| {
        OURS.replacen("note: {type: string, nullable: true}", note, 1).replacen(
            "openapi: 3.0.3",
            "openapi: 3.1.0",
            1,
        )
    };
    let forms = [
        "note: {type: [string, \"null\"]}",
        "note: {oneOf: [{type: string}, {type: \"null\"}]}",
        "note: {anyOf: [{type: \"null\"}, {type: string}]}",
    ];
    for form in forms {
        exactly(OURS, &base(form), &[]);
    }
    // And a reference made nullable, 3.0's way against 3.1's.
    let ours = changed(
        "sender: {$ref: \"#/components/schemas/Address\"}",
        "sender: {nullable: true, allOf: [{$ref: \"#/components/schemas/Address\"}]}",
    );
    let published = base("note: {type: [string, \"null\"]}").replacen(
        "sender: {$ref: \"#/components/schemas/Address\"}",
        "sender: {oneOf: [{$ref: \"#/components/schemas/Address\"}, {type: \"null\"}]}",
        1,
    );
    exactly(&ours, &published, &[]);
}

#[test]
fn exclusive_bounds_written_two_ways_are_one_fact() {
    let ours = changed(
        "weight: {type: integer, format: int32, minimum: 0}",
        "weight: {type: integer, format: int32, minimum: 0, exclusiveMinimum: true}",
    );
    let published = changed(
        "weight: {type: integer, format: int32, minimum: 0}",
        "weight: {type: integer, format: int32, exclusiveMinimum: 0}",
    )
    .replacen("openapi: 3.0.3", "openapi: 3.1.0", 1);
    exactly(&ours, &published, &[]);
    let published = published.replacen("exclusiveMinimum: 0", "exclusiveMinimum: 1", 1);
    // A response: the published side allows less, so the SDK reads all it
    // may get (used by three operations, said once).
    exactly(
        &ours,
        &published,
        &["info differs minimum POST /parcels response.201/.weight | exclusive 0 | exclusive 1"],
    );
}

#[test]
fn a_recursive_schema_ends_and_a_change_inside_it_is_said_once() {
    // `Parcel.contents` holds parcels; the published side renames the
    // component and changes a field inside it.
    let published =
        PUBLISHED_31.replacen("id: {type: string, examples: [p1]}", "id: {type: integer}", 1);
    exactly(
        OURS,
        &published,
        &["error differs type POST /parcels response.201/.id | [string] | [integer]"],
    );
    let found = findings(OURS, &published);
    assert_eq!(found[0].uses, 2, "GET /parcels and GET /parcels/{{}} also use it");
}

#[test]
fn a_union_tagged_by_a_discriminator_equals_one_tagged_by_its_values() {
    // Covered both ways by the 3.1 form; here a branch is added to the
    // published union of an answer: the SDK may refuse it.
    let published = PUBLISHED_31.replacen(
        "                    - $ref: \"#/components/schemas/event_sent\"\n",
        "                    - $ref: \"#/components/schemas/event_sent\"\n                    - {type: object, required: [type], properties: {type: {const: held}}}\n",
        1,
    );
    exactly(
        OURS,
        &published,
        &[
            "error published-only union-branch GET /parcels/{}/events response.200/[]/oneOf[held] | - | object",
        ],
    );
}

#[test]
fn an_enum_value_added_on_each_side() {
    // In an answer: published adds one (the SDK may meet a value it does
    // not know), ours adds one (harmless).
    let published = changed(
        "kind: {type: string, enum: [letter, box]}",
        "kind: {type: string, enum: [letter, box, crate]}",
    );
    exactly(
        OURS,
        &published,
        &["error published-only enum POST /parcels response.201/.kind | - | [\"crate\"]"],
    );
    let ours = changed(
        "kind: {type: string, enum: [letter, box]}",
        "kind: {type: string, enum: [letter, box, crate]}",
    );
    exactly(
        &ours,
        OURS,
        &["info ours-only enum POST /parcels response.201/.kind | [\"crate\"] | -"],
    );
    // In a request: a value the SDK cannot send yet (gap), or one it sends
    // that the API refuses (error).
    let new_parcel = "        kind: {type: string, enum: [letter, box]}\n        label:";
    let with_crate = "        kind: {type: string, enum: [letter, box, crate]}\n        label:";
    exactly(
        OURS,
        &changed(new_parcel, with_crate),
        &["gap published-only enum POST /parcels request.body/.kind | - | [\"crate\"]"],
    );
    exactly(
        &changed(new_parcel, with_crate),
        OURS,
        &["error ours-only enum POST /parcels request.body/.kind | [\"crate\"] | -"],
    );
}

#[test]
fn a_new_optional_property_and_an_optional_property_made_required() {
    let published = changed(
        "        label: {type: string, maxLength: 40}\n",
        "        label: {type: string, maxLength: 40}\n        insured: {type: boolean}\n",
    );
    exactly(
        OURS,
        &published,
        &["gap published-only property POST /parcels request.body/.insured | - | boolean"],
    );
    let published = changed(
        "      required: [kind]\n      properties:\n        kind: {type: string, enum: [letter, box]}\n        label",
        "      required: [kind, label]\n      properties:\n        kind: {type: string, enum: [letter, box]}\n        label",
    );
    exactly(
        OURS,
        &published,
        &["error differs required POST /parcels request.body/.label | false | true"],
    );
}

#[test]
fn a_changed_limit_is_judged_by_its_direction() {
    let narrower =
        changed("label: {type: string, maxLength: 40}", "label: {type: string, maxLength: 30}");
    exactly(
        OURS,
        &narrower,
        &["error differs max-length POST /parcels request.body/.label | 40 | 30"],
    );
    let wider =
        changed("label: {type: string, maxLength: 40}", "label: {type: string, maxLength: 60}");
    exactly(OURS, &wider, &["gap differs max-length POST /parcels request.body/.label | 40 | 60"]);
}

#[test]
fn a_removed_operation_and_a_new_status_code() {
    let without_delete = changed(
        "    delete:\n      operationId: DropParcel\n      responses:\n        \"204\": {description: Gone.}\n",
        "",
    );
    exactly(
        OURS,
        &without_delete,
        &["error ours-only operation DELETE /parcels/{} - | present | -"],
    );
    exactly(
        &without_delete,
        OURS,
        &["gap published-only operation DELETE /parcels/{} - | - | present"],
    );
    let conflict = changed(
        "        \"204\": {description: Gone.}\n",
        "        \"204\": {description: Gone.}\n        \"409\": {description: Still moving.}\n",
    );
    exactly(
        OURS,
        &conflict,
        &["info published-only status DELETE /parcels/{} response.409 | - | 409"],
    );
    let success = changed(
        "        \"204\": {description: Gone.}\n",
        "        \"202\": {description: Soon gone.}\n",
    );
    exactly(
        OURS,
        &success,
        &[
            "error published-only status DELETE /parcels/{} response.202 | - | 202",
            "info ours-only status DELETE /parcels/{} response.204 | 204 | -",
        ],
    );
}

#[test]
fn servers_security_and_parameters() {
    let published = changed(
        "      zone: {default: north, enum: [north, south]}",
        "      zone: {default: north, enum: [north, south, east]}",
    );
    exactly(
        OURS,
        &published,
        &["gap published-only server - servers | - | https://east.parcels.example"],
    );
    let published = changed("security: [{Token: []}]", "security: [{Token: []}, {Keys: []}]")
        .replacen("    Token: {type: http, scheme: bearer}\n", "    Token: {type: http, scheme: bearer}\n    Keys: {type: oauth2, flows: {clientCredentials: {tokenUrl: https://a.example, scopes: {}}}}\n", 1);
    let found = lines(&findings(OURS, &published));
    assert_eq!(found.len(), 1, "one finding, every operation counted: {found:?}");
    assert!(found[0].starts_with("gap published-only security"), "{found:?}");
    let published = changed(
        "        - {name: page, in: query, schema: {type: integer, minimum: 0}}\n",
        "        - {name: page, in: query, schema: {type: integer, minimum: 0}}\n        - {name: sort, in: query, schema: {type: string}}\n",
    );
    exactly(
        OURS,
        &published,
        &["gap published-only parameter GET /parcels param.query.sort | - | optional"],
    );
}

#[test]
fn a_keyword_not_understood_is_said_once() {
    let published = changed(
        "        street: {type: string}",
        "        street: {type: string, if: {minLength: 1}, then: {maxLength: 9}}",
    )
    .replacen("openapi: 3.0.3", "openapi: 3.1.0", 1);
    let found = lines(&findings(OURS, &published));
    assert_eq!(
        found.iter().filter(|l| l.contains("not-compared")).count(),
        2,
        "`if` and `then`, once each: {found:?}"
    );
}

#[test]
fn the_allow_file_accepts_and_goes_stale() {
    let without_delete = changed(
        "    delete:\n      operationId: DropParcel\n      responses:\n        \"204\": {description: Gone.}\n",
        "",
    );
    let ours = parse("ours.yaml", OURS).unwrap();
    let published = parse("published.yaml", &without_delete).unwrap();
    let entries = allow::parse(
        "test.allow",
        "operation DELETE /parcels/* - -- kept for old clients\nenum * ** response.** -- never matches\n",
    )
    .unwrap();
    let report = diff(&ours, &published, &entries);
    assert_eq!(report.findings[0].accepted.as_deref(), Some("kept for old clients"));
    assert_eq!(report.counts(), [0, 0, 0]);
    assert_eq!(report.stale.len(), 1);
    assert!(report.fails(Some(Severity::Error)), "a stale entry fails the run");
    assert!(report.text(true).contains("line 2 matches nothing"));
    let _ = Side::Ours;
}

// --- The binary, as a maintainer runs it.

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A scratch directory of this test run.
fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "spec-diff-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Run `xtask spec-diff` with `args`: (exit code, stdout, stderr).
fn spec_diff(args: &[&str]) -> (i32, String, String) {
    let out =
        Command::new(env!("CARGO_BIN_EXE_xtask")).arg("spec-diff").args(args).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn root() -> PathBuf {
    xtask::workspace_root()
}

#[test]
fn our_spec_against_itself_its_json_form_and_a_renamed_copy() {
    let yaml = root().join("openapi/xms.yaml");
    let json = root().join("openapi/xms.json");
    let dir = scratch();
    let spec: Value = yaml_serde::from_str(&std::fs::read_to_string(&yaml).unwrap()).unwrap();
    let renamed = write(&dir, "renamed.yaml", &yaml_serde::to_string(&renamed(&spec)).unwrap());
    for published in [&yaml, &json, &renamed] {
        let (code, out, err) = spec_diff(&[published.to_str().unwrap(), "--allow", "none"]);
        assert_eq!(code, 0, "{published:?}: {out}{err}");
        assert_eq!(out.lines().count(), 1, "only the summary: {out}");
        let operations = xtask::generator::operations(
            &xtask::generator::parse(&std::fs::read_to_string(&yaml).unwrap()).unwrap(),
        )
        .len();
        assert!(
            out.contains(": 0 error, 0 gap, 0 info;")
                && out.contains(&format!("{operations} matched, 0 published only, 0 ours only")),
            "{out}"
        );
    }
    // Two runs print the same bytes.
    assert_eq!(
        spec_diff(&[json.to_str().unwrap(), "--allow", "none"]).1,
        spec_diff(&[json.to_str().unwrap(), "--allow", "none"]).1
    );
}

/// `spec` with every component (schema, parameter, response, security
/// scheme) and every path parameter renamed.
fn renamed(spec: &Value) -> Value {
    fn refs(node: &Value) -> Value {
        match node {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| match (k.as_str(), v) {
                        ("$ref", Value::String(r)) => {
                            let (base, name) = r.rsplit_once('/').unwrap();
                            (k.clone(), json!(format!("{base}/Other{name}")))
                        }
                        _ => (k.clone(), refs(v)),
                    })
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.iter().map(refs).collect()),
            other => other.clone(),
        }
    }
    let mut out = refs(spec);
    for section in ["schemas", "parameters", "responses", "securitySchemes"] {
        if let Some(map) = out["components"][section].as_object().cloned() {
            out["components"][section] =
                Value::Object(map.into_iter().map(|(k, v)| (format!("Other{k}"), v)).collect());
        }
    }
    out["security"] = json!([{"OtherBearerAuth": []}]);
    // Path parameters: `{batch_id}` becomes `{p_batch_id}`, in the paths
    // and in the parameters that declare them.
    if let Some(parameters) = out["components"]["parameters"].as_object_mut() {
        for p in parameters.values_mut() {
            if p["in"] == "path" {
                p["name"] = json!(format!("p_{}", p["name"].as_str().unwrap()));
            }
        }
    }
    fn path_parameters(node: &mut Value) {
        match node {
            Value::Object(map) => {
                if map.get("in").and_then(Value::as_str) == Some("path")
                    && let Some(Value::String(name)) = map.get_mut("name")
                {
                    *name = format!("p_{name}");
                }
                map.values_mut().for_each(path_parameters);
            }
            Value::Array(items) => items.iter_mut().for_each(path_parameters),
            _ => {}
        }
    }
    let mut paths = out["paths"].clone();
    path_parameters(&mut paths);
    let paths = paths.as_object().cloned().unwrap();
    out["paths"] =
        Value::Object(paths.into_iter().map(|(k, v)| (k.replace('{', "{p_"), v)).collect());
    out
}

#[test]
fn one_change_copies_of_our_spec_give_exactly_that_change() {
    let text = std::fs::read_to_string(root().join("openapi/xms.yaml")).unwrap();
    let dir = scratch();
    let cases = [
        // An enum value the API adds to an answer.
        (
            "        - Unknown\n",
            "        - Unknown\n        - Pending\n",
            "error published-only enum",
        ),
        // A property the API adds to the group request.
        (
            "        child_groups:\n",
            "        priority:\n          type: integer\n        child_groups:\n",
            "gap published-only property",
        ),
        // A limit the API lowers.
        ("maxLength: 2000", "maxLength: 1600", "error differs max-length"),
    ];
    for (from, to, expected) in cases {
        assert!(text.contains(from), "xms.yaml no longer contains {from:?}");
        let copy = write(&dir, "one.yaml", &text.replacen(from, to, 1));
        let (code, out, err) =
            spec_diff(&[copy.to_str().unwrap(), "--allow", "none", "--fail-on", "info"]);
        let findings: Vec<&str> = out.lines().filter(|l| !l.starts_with("spec-diff:")).collect();
        assert_eq!(findings.len(), 1, "{from:?}: {out}{err}");
        let words = findings[0].split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words.starts_with(expected), "{from:?}: {}", findings[0]);
        assert_eq!(code, 1, "{out}");
    }
    // An operation the published side lacks.
    let mut spec: Value = yaml_serde::from_str(&text).unwrap();
    spec["paths"]["/xms/v1/{service_plan_id}/groups/{group_id}"]
        .as_object_mut()
        .unwrap()
        .remove("delete");
    let copy = write(&dir, "op.json", &serde_json::to_string(&spec).unwrap());
    let (code, out, _) = spec_diff(&[copy.to_str().unwrap(), "--allow", "none"]);
    let findings: Vec<&str> = out.lines().filter(|l| !l.starts_with("spec-diff:")).collect();
    assert_eq!(findings.len(), 1, "{out}");
    assert!(
        findings[0].starts_with("error  ours-only       operation")
            && findings[0].contains("DELETE /xms/v1/{}/groups/{}"),
        "{out}"
    );
    assert_eq!(code, 1);
}

#[test]
fn json_output_has_the_fields_scripts_read() {
    let dir = scratch();
    let ours = write(&dir, "ours.yaml", OURS);
    let published = write(
        &dir,
        "published.yaml",
        &changed("label: {type: string, maxLength: 40}", "label: {type: string, maxLength: 30}"),
    );
    let (code, out, err) = spec_diff(&[
        published.to_str().unwrap(),
        "--ours",
        ours.to_str().unwrap(),
        "--allow",
        "none",
        "--format",
        "json",
    ]);
    assert_eq!(code, 1, "{err}");
    let findings: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        findings,
        json!([{
            "side": "differs", "severity": "error", "kind": "max-length",
            "operation": "POST /parcels", "location": "request.body/.label",
            "ours": "40", "published": "30", "other_uses": 0, "accepted": null
        }])
    );
    assert!(err.contains("1 error, 0 gap, 0 info"), "the summary goes to stderr: {err}");
    // --fail-on none: reported, not failed.
    let (code, ..) = spec_diff(&[
        published.to_str().unwrap(),
        "--ours",
        ours.to_str().unwrap(),
        "--allow",
        "none",
        "--fail-on",
        "none",
    ]);
    assert_eq!(code, 0);
}

#[test]
fn unreadable_input_exits_2_naming_the_file_and_line() {
    let dir = scratch();
    let duplicate = write(&dir, "dup.yaml", "openapi: 3.1.0\npaths:\n  /a: {}\n  /a: {}\n");
    let swagger = write(&dir, "old.yaml", "swagger: \"2.0\"\n");
    let external =
        write(&dir, "ext.yaml", "openapi: 3.0.3\npaths:\n  /a:\n    $ref: other.yaml#/a\n");
    let broken = write(&dir, "bad.json", "{\"openapi\": \"3.0.3\",\n  \"paths\": {\n}");
    let missing = dir.join("missing.yaml");
    for (file, why) in [
        (&duplicate, "duplicate key `/a`"),
        (&swagger, "Swagger 2.0"),
        (&external, "outside the document"),
        (&broken, "line 3"),
        (&missing, "cannot read it"),
    ] {
        let (code, out, err) = spec_diff(&[file.to_str().unwrap(), "--allow", "none"]);
        assert_eq!(code, 2, "{file:?}: {out}{err}");
        assert!(
            err.contains(file.file_name().unwrap().to_str().unwrap()) && err.contains(why),
            "{err}"
        );
        assert!(out.is_empty());
    }
    let (code, _, err) = spec_diff(&["--fail-on", "sometimes", "x.yaml"]);
    assert_eq!(code, 2);
    assert!(err.contains("--fail-on"), "{err}");
}
