//! The API contract as `docs/openapi.yaml` states it: which operation answers a method and path,
//! and the JSON Schema each of its answers must match. Every reply the suite receives goes
//! through [`Contract::check`], so a test that passes also proves the contract.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use jsonschema::Validator;
use regex::Regex;
use serde_json::{Map, Value};

/// Where the contract lives, relative to this crate.
pub const OPENAPI_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/openapi.yaml");

/// The name [`Contract::check`] gives, in its messages, to a request that matches no operation.
const UNROUTED: &str = "(no route)";

/// One operation of the contract, found by method and path.
struct Operation {
    method: String,
    template: String,
    matcher: Regex,
    id: String,
    responses: Value,
}

pub struct Contract {
    document: Value,
    operations: Vec<Operation>,
    /// The responses of a request that matches no operation: `404` as
    /// `#/components/responses/Unrouted` when the contract has one.
    unrouted: Option<Value>,
    validators: Mutex<HashMap<(String, String), Arc<Validator>>>,
}

/// The contract, read once per test binary.
pub fn contract() -> &'static Contract {
    static CONTRACT: OnceLock<Contract> = OnceLock::new();
    CONTRACT.get_or_init(|| {
        let text = std::fs::read_to_string(OPENAPI_PATH)
            .unwrap_or_else(|e| panic!("cannot read the API contract docs/openapi.yaml: {e}"));
        Contract::parse(&text).unwrap_or_else(|e| panic!("docs/openapi.yaml is not usable: {e}"))
    })
}

impl Contract {
    pub fn parse(yaml: &str) -> Result<Contract, String> {
        let document: Value = serde_yaml_ng::from_str(yaml).map_err(|e| format!("YAML: {e}"))?;
        let paths = document.get("paths").and_then(Value::as_object).ok_or("no `paths` object")?;
        let mut operations = Vec::new();
        for (template, item) in paths {
            let Some(item) = item.as_object() else { continue };
            for (method, op) in item {
                if !["get", "post", "put", "patch", "delete", "head", "options"]
                    .contains(&method.as_str())
                {
                    continue;
                }
                let id = op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .ok_or_else(|| format!("{method} {template} has no operationId"))?
                    .to_string();
                let responses = op.get("responses").cloned().unwrap_or(Value::Null);
                operations.push(Operation {
                    method: method.to_uppercase(),
                    template: template.clone(),
                    matcher: template_matcher(template),
                    id,
                    responses,
                });
            }
        }
        let unrouted = document
            .pointer("/components/responses/Unrouted")
            .map(|_| serde_json::json!({ "404": { "$ref": "#/components/responses/Unrouted" } }));
        Ok(Contract { document, operations, unrouted, validators: Mutex::new(HashMap::new()) })
    }

    /// Every (method, path template, operationId) the contract declares.
    pub fn operations(&self) -> Vec<(String, String, String)> {
        self.operations
            .iter()
            .map(|o| (o.method.clone(), o.template.clone(), o.id.clone()))
            .collect()
    }

    /// The operationId serving `method path` (query string ignored).
    pub fn operation_id(&self, method: &str, path: &str) -> Option<&str> {
        self.find(method, path).map(|o| o.id.as_str())
    }

    fn find(&self, method: &str, path: &str) -> Option<&Operation> {
        let path = path.split('?').next().unwrap_or(path);
        // A literal path wins over a template that also matches it.
        let mut candidates: Vec<&Operation> = self
            .operations
            .iter()
            .filter(|o| o.method.eq_ignore_ascii_case(method) && o.matcher.is_match(path))
            .collect();
        candidates.sort_by_key(|o| o.template.matches('{').count());
        candidates.into_iter().next()
    }

    /// Checks one reply against the contract; the error says what differs, for a test failure. A
    /// request that matches no operation is held to the contract's `Unrouted` response.
    pub fn check(
        &self,
        method: &str,
        path: &str,
        status: u16,
        content_type: Option<&str>,
        body: &str,
    ) -> Result<(), String> {
        let (id, responses) = match self.find(method, path) {
            Some(op) => (op.id.as_str(), &op.responses),
            None => match &self.unrouted {
                Some(responses) => (UNROUTED, responses),
                None => {
                    return Err(format!("docs/openapi.yaml has no operation for {method} {path}"))
                }
            },
        };
        let status_key = status.to_string();
        let class_key = format!("{}XX", status / 100);
        let response = [status_key.as_str(), class_key.as_str(), "default"]
            .iter()
            .find_map(|k| responses.get(*k))
            .ok_or_else(|| format!("operation {} documents no response {status}", id))?;
        let response = self.resolve(response)?;
        let content = response.get("content").and_then(Value::as_object);
        let Some(content) = content.filter(|c| !c.is_empty()) else {
            return if body.trim().is_empty() {
                Ok(())
            } else {
                Err(format!("operation {} documents no body for {status}, got one", id))
            };
        };
        let media =
            content_type.map(|c| c.split(';').next().unwrap_or("").trim().to_ascii_lowercase());
        let media = media
            .ok_or_else(|| format!("operation {} answered {status} with no Content-Type", id))?;
        let Some(entry) = content.get(&media) else {
            let documented: Vec<&String> = content.keys().collect();
            return Err(format!(
                "operation {} answered {status} as {media}, documented: {documented:?}",
                id
            ));
        };
        if media != "application/json" && !media.ends_with("+json") {
            return Ok(());
        }
        let instance: Value = serde_json::from_str(body).map_err(|e| {
            format!("operation {} answered {status} with a body that is not JSON: {e}", id)
        })?;
        let Some(schema) = entry.get("schema") else { return Ok(()) };
        let validator = self.validator(id, &status_key, schema)?;
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| format!("  at `{}`: {}", e.instance_path(), e))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "operation {} answered {status} with a body that breaks its schema:\n{}",
                id,
                errors.join("\n")
            ))
        }
    }

    /// Compiles the schema of every JSON response, so that a broken schema shows before any
    /// request is sent.
    pub fn compile_all(&self) -> Result<usize, String> {
        let mut compiled = 0;
        for op in &self.operations {
            let Some(responses) = op.responses.as_object() else { continue };
            for (status, response) in responses {
                let response = self.resolve(response)?;
                let schema = response.pointer("/content/application~1json/schema");
                if let Some(schema) = schema {
                    self.validator(&op.id, status, schema)?;
                    compiled += 1;
                }
            }
        }
        Ok(compiled)
    }

    /// Follows a `$ref` to `#/components/...` until the object itself.
    fn resolve<'a>(&'a self, mut value: &'a Value) -> Result<&'a Value, String> {
        for _ in 0..8 {
            match value.get("$ref").and_then(Value::as_str) {
                Some(r) => {
                    let pointer =
                        r.strip_prefix('#').ok_or_else(|| format!("external $ref {r}"))?;
                    value = self
                        .document
                        .pointer(pointer)
                        .ok_or_else(|| format!("dangling $ref {r}"))?;
                }
                None => return Ok(value),
            }
        }
        Err("$ref chain too long".into())
    }

    fn validator(&self, op: &str, status: &str, schema: &Value) -> Result<Arc<Validator>, String> {
        let key = (op.to_string(), status.to_string());
        if let Some(v) = self.validators.lock().unwrap().get(&key) {
            return Ok(v.clone());
        }
        // The response schema becomes a root document that carries the contract's components, so
        // that `#/components/schemas/X` resolves inside it.
        let mut root = match schema {
            Value::Object(m) => m.clone(),
            other => {
                let mut m = Map::new();
                m.insert("allOf".into(), Value::Array(vec![other.clone()]));
                m
            }
        };
        let components =
            self.document.get("components").cloned().unwrap_or_else(|| Value::Object(Map::new()));
        root.insert("components".into(), components);
        let mut root = Value::Object(root);
        openapi_nullable_to_json_schema(&mut root);
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&root)
            .map_err(|e| format!("schema of {op} {status} does not compile: {e}"))?;
        let validator = Arc::new(validator);
        self.validators.lock().unwrap().insert(key, validator.clone());
        Ok(validator)
    }
}

/// `/api/scrutins/{id}/electeurs` → `^/api/scrutins/[^/]+/electeurs$`.
fn template_matcher(template: &str) -> Regex {
    let mut pattern = String::from("^");
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        pattern.push_str(&regex::escape(&rest[..open]));
        let close = rest[open..].find('}').map(|c| open + c + 1).unwrap_or(rest.len());
        pattern.push_str("[^/]+");
        rest = &rest[close..];
    }
    pattern.push_str(&regex::escape(rest));
    pattern.push('$');
    Regex::new(&pattern).expect("path template compiles")
}

/// OpenAPI 3.0 writes `nullable: true` where JSON Schema wants `"null"` among the types; a 3.1
/// document has none, so this changes nothing there.
fn openapi_nullable_to_json_schema(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if map.remove("nullable") == Some(Value::Bool(true)) {
                match map.get_mut("type") {
                    Some(Value::String(t)) => {
                        let t = t.clone();
                        map.insert(
                            "type".into(),
                            Value::Array(vec![Value::String(t), "null".into()]),
                        );
                    }
                    Some(Value::Array(types)) => {
                        if !types.iter().any(|t| t == "null") {
                            types.push("null".into());
                        }
                    }
                    _ => {
                        if let Some(Value::Array(values)) = map.get_mut("enum") {
                            values.push(Value::Null);
                        } else {
                            let inner = Value::Object(std::mem::take(map));
                            map.insert(
                                "anyOf".into(),
                                Value::Array(vec![inner, serde_json::json!({"type": "null"})]),
                            );
                        }
                    }
                }
            }
            for v in map.values_mut() {
                openapi_nullable_to_json_schema(v);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(openapi_nullable_to_json_schema),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r##"
openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /api/things/{id}:
    get:
      operationId: get-thing
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Thing"}
        "404": {$ref: "#/components/responses/Error"}
  /api/things/mine:
    get:
      operationId: my-thing
      responses:
        "204": {description: none}
components:
  responses:
    Error:
      description: error
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Error"}
  schemas:
    Thing:
      type: object
      required: [id, at]
      additionalProperties: false
      properties:
        id: {type: string}
        at: {type: string, format: date-time}
        next: {type: string, nullable: true}
    Error:
      type: object
      required: [code]
      properties: {code: {type: string}}
"##;

    #[test]
    fn the_project_contract_compiles() {
        let compiled =
            contract().compile_all().unwrap_or_else(|e| panic!("docs/openapi.yaml: {e}"));
        assert!(compiled > 20, "only {compiled} JSON responses in docs/openapi.yaml");
    }

    #[test]
    fn finds_operations_and_prefers_literal_paths() {
        let c = Contract::parse(SAMPLE).unwrap();
        assert_eq!(c.operation_id("GET", "/api/things/42?x=1"), Some("get-thing"));
        assert_eq!(c.operation_id("GET", "/api/things/mine"), Some("my-thing"));
        assert_eq!(c.operation_id("POST", "/api/things/42"), None);
    }

    #[test]
    fn validates_bodies_through_component_refs() {
        let c = Contract::parse(SAMPLE).unwrap();
        let json = Some("application/json");
        let ok = r#"{"id":"a","at":"2025-12-01T08:00:00+01:00","next":null}"#;
        assert_eq!(c.check("GET", "/api/things/a", 200, json, ok), Ok(()));
        let extra = r#"{"id":"a","at":"2025-12-01T08:00:00+01:00","more":1}"#;
        assert!(c.check("GET", "/api/things/a", 200, json, extra).is_err());
        let bad_date = r#"{"id":"a","at":"yesterday"}"#;
        assert!(c.check("GET", "/api/things/a", 200, json, bad_date).is_err());
        assert_eq!(c.check("GET", "/api/things/a", 404, json, r#"{"code":"not_found"}"#), Ok(()));
        assert!(c.check("GET", "/api/things/a", 500, json, "{}").is_err());
        assert_eq!(c.check("GET", "/api/things/mine", 204, None, ""), Ok(()));
        assert!(c.check("GET", "/api/things/mine", 204, None, "{}").is_err());
    }

    const WITH_UNROUTED: &str = r##"
openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /api/things/{id}:
    get:
      operationId: get-thing
      responses:
        "404": {description: none}
components:
  responses:
    Unrouted:
      description: no route
      content:
        application/json:
          schema: {$ref: "#/components/schemas/Unrouted"}
  schemas:
    Unrouted:
      type: object
      required: [message]
      additionalProperties: false
      properties: {message: {const: Not Found}}
"##;

    #[test]
    fn a_request_no_operation_matches_is_held_to_the_unrouted_response() {
        let json = Some("application/json");
        let gateway = r#"{"message":"Not Found"}"#;
        let without = Contract::parse(SAMPLE).unwrap();
        assert!(without.check("POST", "/api/things/a", 404, json, gateway).is_err());

        let with = Contract::parse(WITH_UNROUTED).unwrap();
        assert_eq!(with.check("POST", "/api/things/a", 404, json, gateway), Ok(()));
        assert_eq!(with.check("GET", "/nowhere", 404, json, gateway), Ok(()));
        assert!(with.check("GET", "/nowhere", 404, json, r#"{"code":"not_found"}"#).is_err());
        assert!(with.check("GET", "/nowhere", 200, json, gateway).is_err());
        assert!(with.check("GET", "/nowhere", 404, Some("text/html"), gateway).is_err());
        // A request an operation matches is still held to that operation.
        assert!(with.check("GET", "/api/things/a", 404, json, gateway).is_err());
    }

    #[test]
    fn the_project_contract_describes_the_unrouted_answer() {
        let json = Some("application/json");
        let gateway = r#"{"message":"Not Found"}"#;
        assert_eq!(contract().check("DELETE", "/api/election", 404, json, gateway), Ok(()));
        assert_eq!(contract().check("GET", "/api/nowhere", 404, json, gateway), Ok(()));
    }
}
