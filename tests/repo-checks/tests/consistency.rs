//! The deployment matches the code: every crate of `functions/` is a workspace member, is deployed
//! by `infra/template.yaml`, is routed by the route table of the root `Cargo.toml` and is described
//! by `docs/openapi.yaml`, and none of these names a function that does not exist. The template's
//! HTTP API, the operations of `docs/openapi.yaml` and the `API` list of `edge/src/routes.rs` are
//! exactly the route table, with a throttle per route and an operationId per operation, unique
//! and named after its function; every function has a role, a log group and alarms of its own,
//! and reaches the table only through the key families its role names, as `docs/security.md`
//! lists them. The API is reachable only through the CloudFront distribution and the web ACL of
//! `infra/waf.yaml`, whose rules are the rate limits of `docs/deploy.md`.
//! `.ci/run` runs the README's test command, and every end-to-end test of `tests/tests/` builds
//! only with the stack (the feature `stack` of `tests/Cargo.toml`). Reads files only: no service
//! needs to run.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;

use repo_checks::{package_name, read, repo_root, workspace_members};
use serde_yaml_ng::Value;

/// (METHOD, path) of a route.
type Route = (String, String);

/// The value of a helper of this crate, or a failure with its message and causes.
#[track_caller]
fn or_fail<T>(result: anyhow::Result<T>) -> T {
    match result {
        Ok(value) => value,
        Err(e) => panic!("{e:#}"),
    }
}

fn yaml(relative: &str) -> Value {
    let text = or_fail(read(relative));
    serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{relative} is not YAML: {e}"))
}

fn show<T: std::fmt::Debug>(set: &BTreeSet<T>) -> String {
    set.iter().map(|item| format!("{item:?}")).collect::<Vec<_>>().join(", ")
}

/// Fails with both differences spelled out, so the message says what to add where.
fn assert_same<T: Ord + std::fmt::Debug>(what: &str, expected: &BTreeSet<T>, actual: &BTreeSet<T>) {
    let missing: BTreeSet<_> = expected.difference(actual).collect();
    let extra: BTreeSet<_> = actual.difference(expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "{what}\n  missing: [{}]\n  unexpected: [{}]",
        show(&missing),
        show(&extra)
    );
}

// ---- functions/ ------------------------------------------------------------------------------

/// The crates of `functions/`: package name = directory name = function name.
fn function_crates() -> BTreeSet<String> {
    let dir = repo_root().join("functions");
    let mut names = BTreeSet::new();
    for entry in fs::read_dir(&dir).expect("functions/ is readable") {
        let path = entry.expect("functions/ entry").path();
        let manifest = path.join("Cargo.toml");
        if !manifest.is_file() {
            continue;
        }
        let dir_name = path.file_name().unwrap().to_string_lossy().to_string();
        let relative = format!("functions/{dir_name}/Cargo.toml");
        let package = or_fail(package_name(&or_fail(read(&relative)), &relative));
        assert_eq!(
            package, dir_name,
            "the package of functions/{dir_name} must be named {dir_name}"
        );
        names.insert(dir_name);
    }
    assert!(!names.is_empty(), "no crate found in functions/");
    names
}

// ---- root Cargo.toml -------------------------------------------------------------------------

/// The route table `[workspace.metadata.lambda.watch.router]`: route -> function. An entry without
/// a method (`"/path" = "function"`) answers every method, which the API writes `ANY`.
fn route_table() -> BTreeMap<Route, String> {
    or_fail(repo_checks::route_table())
        .into_iter()
        .map(|route| (route.key(), route.function))
        .collect()
}

fn workspace_members_of_root() -> BTreeSet<String> {
    or_fail(workspace_members(&or_fail(read("Cargo.toml")), "Cargo.toml")).into_iter().collect()
}

// ---- infra/template.yaml ---------------------------------------------------------------------

/// `!Tag value` of the template (CloudFormation's short forms), as (tag without `!`, value).
fn tagged(value: &Value) -> Option<(String, &Value)> {
    match value {
        Value::Tagged(tagged) => {
            Some((tagged.tag.to_string().trim_start_matches('!').to_string(), &tagged.value))
        }
        _ => None,
    }
}

/// The logical id a `!Ref X` or `!GetAtt X.Attr` points at.
fn referenced_id(value: &Value) -> Option<String> {
    let (tag, inner) = tagged(value)?;
    let text = inner.as_str()?;
    match tag.as_str() {
        "Ref" => Some(text.to_string()),
        "GetAtt" => Some(text.split('.').next()?.to_string()),
        _ => None,
    }
}

struct Template {
    resources: BTreeMap<String, Value>,
}

impl Template {
    fn load() -> Template {
        let document = yaml("infra/template.yaml");
        let resources = document
            .get("Resources")
            .and_then(Value::as_mapping)
            .expect("the template has Resources")
            .iter()
            .map(|(id, resource)| (id.as_str().expect("logical id").to_string(), resource.clone()))
            .collect();
        Template { resources }
    }

    fn of_type<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = (&'a String, &'a Value)> + 'a {
        self.resources
            .iter()
            .filter(move |(_, resource)| resource.get("Type").and_then(Value::as_str) == Some(kind))
    }

    /// Function name (= crate) -> logical id, checking the build description on the way.
    fn functions(&self) -> BTreeMap<String, String> {
        let mut functions = BTreeMap::new();
        for (id, resource) in self.of_type("AWS::Serverless::Function") {
            let metadata =
                resource.get("Metadata").unwrap_or_else(|| panic!("{id} has no Metadata"));
            assert_eq!(
                metadata.get("BuildMethod").and_then(Value::as_str),
                Some("rust-cargolambda"),
                "{id} must be built by cargo-lambda"
            );
            let name = metadata
                .get("BuildProperties")
                .and_then(|p| p.get("Binary"))
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("{id} has no Metadata.BuildProperties.Binary"))
                .to_string();
            let properties = &resource["Properties"];
            assert_eq!(
                properties.get("CodeUri").and_then(Value::as_str),
                Some(format!("../functions/{name}").as_str()),
                "{id} must be built from functions/{name}"
            );
            let function_name =
                properties.get("FunctionName").and_then(tagged).and_then(|(_, v)| v.as_str());
            assert_eq!(
                function_name,
                Some(format!("${{AWS::StackName}}-{name}").as_str()),
                "{id} must be named after its crate"
            );
            assert!(
                functions.insert(name.clone(), id.clone()).is_none(),
                "{name} is deployed twice"
            );
        }
        functions
    }

    /// Route -> function name, from the HttpApi events of the functions.
    fn routes(&self) -> BTreeMap<Route, String> {
        let names: BTreeMap<String, String> =
            self.functions().into_iter().map(|(name, id)| (id, name)).collect();
        let mut routes = BTreeMap::new();
        for (id, resource) in self.of_type("AWS::Serverless::Function") {
            let Some(events) = resource["Properties"].get("Events").and_then(Value::as_mapping)
            else {
                continue;
            };
            for (event, body) in events {
                if body.get("Type").and_then(Value::as_str) != Some("HttpApi") {
                    continue;
                }
                let properties = &body["Properties"];
                let method =
                    properties.get("Method").and_then(Value::as_str).expect("HttpApi event Method");
                let path =
                    properties.get("Path").and_then(Value::as_str).expect("HttpApi event Path");
                assert_eq!(
                    properties.get("ApiId").and_then(referenced_id).as_deref(),
                    Some("HttpApi"),
                    "{id}.{event:?} must be a route of the HttpApi resource"
                );
                let route = (method.to_uppercase(), path.to_string());
                assert!(
                    routes.insert(route.clone(), names[id].clone()).is_none(),
                    "route {route:?} twice"
                );
            }
        }
        routes
    }

    /// Routes that have their own throttle in the HTTP API's RouteSettings.
    fn throttled_routes(&self) -> BTreeSet<Route> {
        let settings = self.resources["HttpApi"]["Properties"]
            .get("RouteSettings")
            .and_then(Value::as_mapping)
            .expect("HttpApi has RouteSettings");
        settings
            .iter()
            .map(|(key, setting)| {
                let key = key.as_str().expect("route key");
                for limit in ["ThrottlingRateLimit", "ThrottlingBurstLimit"] {
                    assert!(setting.get(limit).is_some(), "RouteSettings {key:?} has no {limit}");
                }
                let (method, path) = key.split_once(' ').expect("route key `METHOD /path`");
                (method.to_string(), path.to_string())
            })
            .collect()
    }
}

// ---- docs/openapi.yaml -----------------------------------------------------------------------

/// Route -> operationId.
fn openapi_operations() -> BTreeMap<Route, String> {
    let document = yaml("docs/openapi.yaml");
    let paths =
        document.get("paths").and_then(Value::as_mapping).expect("docs/openapi.yaml has paths");
    let mut operations = BTreeMap::new();
    for (path, item) in paths {
        let path = path.as_str().expect("path").to_string();
        let Some(item) = item.as_mapping() else { continue };
        for (method, operation) in item {
            let method = method.as_str().unwrap_or_default();
            if !["get", "post", "put", "patch", "delete", "head", "options"].contains(&method) {
                continue;
            }
            let id = operation
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
            operations.insert((method.to_uppercase(), path.clone()), id.to_string());
        }
    }
    operations
}

/// The function an operationId belongs to: the longest function name it starts with, followed by
/// nothing or `-` (so `activate-account` is not taken for `activate`).
fn function_of_operation(operation_id: &str, functions: &BTreeSet<String>) -> Option<String> {
    functions
        .iter()
        .filter(|name| {
            operation_id == name.as_str()
                || operation_id
                    .strip_prefix(name.as_str())
                    .is_some_and(|rest| rest.starts_with('-'))
        })
        .max_by_key(|name| name.len())
        .cloned()
}

// ---- the checks ------------------------------------------------------------------------------

#[test]
fn every_function_crate_is_a_workspace_member() {
    let members: BTreeSet<String> = workspace_members_of_root()
        .into_iter()
        .filter_map(|member| member.strip_prefix("functions/").map(str::to_string))
        .collect();
    assert_same(
        "workspace members under functions/ vs crates of functions/",
        &function_crates(),
        &members,
    );
}

#[test]
fn template_deploys_exactly_the_function_crates() {
    let deployed: BTreeSet<String> = Template::load().functions().into_keys().collect();
    assert_same(
        "functions of infra/template.yaml vs crates of functions/",
        &function_crates(),
        &deployed,
    );
}

/// The functions no HTTP route reaches (`[workspace.metadata.lambda.events]`).
fn event_functions() -> BTreeSet<String> {
    or_fail(repo_checks::event_functions()).into_iter().map(|(f, _)| f).collect()
}

/// The functions behind the HTTP API: every crate of functions/ but the event functions.
fn http_function_crates() -> BTreeSet<String> {
    function_crates().difference(&event_functions()).cloned().collect()
}

#[test]
fn route_table_routes_to_exactly_the_function_crates() {
    let routed: BTreeSet<String> = route_table().into_values().collect();
    assert_same(
        "functions of the Cargo.toml route table vs crates of functions/ (event functions apart)",
        &http_function_crates(),
        &routed,
    );
    let events = event_functions();
    assert!(events.is_subset(&function_crates()), "an event function with no crate: {events:?}");
    assert!(routed.is_disjoint(&events), "a function both routed and fed by events");
}

#[test]
fn openapi_describes_exactly_the_function_crates() {
    let crates = http_function_crates();
    let mut described = BTreeSet::new();
    for ((method, path), id) in openapi_operations() {
        let function = function_of_operation(&id, &crates).unwrap_or_else(|| {
            panic!("operationId {id:?} of {method} {path} starts with no function name")
        });
        described.insert(function);
    }
    assert_same(
        "functions of docs/openapi.yaml operationIds vs crates of functions/",
        &crates,
        &described,
    );
}

#[test]
fn template_routes_equal_the_route_table() {
    let table = route_table();
    let deployed = Template::load().routes();
    let table_routes: BTreeSet<_> = table.keys().cloned().collect();
    let deployed_routes: BTreeSet<_> = deployed.keys().cloned().collect();
    assert_same(
        "HTTP API routes of infra/template.yaml vs the Cargo.toml route table",
        &table_routes,
        &deployed_routes,
    );
    for (route, function) in &table {
        assert_eq!(
            &deployed[route], function,
            "route {route:?}: the template and the route table disagree"
        );
    }
}

#[test]
fn every_route_has_its_own_throttle() {
    let table_routes: BTreeSet<Route> = route_table().into_keys().collect();
    let throttled = Template::load().throttled_routes();
    assert_same("HttpApi RouteSettings vs the Cargo.toml route table", &table_routes, &throttled);
}

#[test]
fn openapi_routes_equal_the_route_table() {
    let table = route_table();
    let operations = openapi_operations();
    let table_routes: BTreeSet<_> = table.keys().cloned().collect();
    let described: BTreeSet<_> = operations.keys().cloned().collect();
    assert_same(
        "paths of docs/openapi.yaml vs the Cargo.toml route table",
        &table_routes,
        &described,
    );
}

#[test]
fn openapi_operation_ids_are_unique_and_start_with_their_function() {
    let crates = function_crates();
    let table = route_table();
    let operations = openapi_operations();
    let mut seen: BTreeMap<&str, &Route> = BTreeMap::new();
    for (route, id) in &operations {
        if let Some(first) = seen.insert(id, route) {
            panic!("operationId {id:?} is used by {first:?} and {route:?}");
        }
    }
    for (route, id) in &operations {
        assert_eq!(
            function_of_operation(id, &crates).as_ref(),
            table.get(route),
            "operationId {id:?} of {route:?} must start with the name of the function that serves it"
        );
    }
}

#[test]
fn edge_api_list_equals_the_api_routes_of_the_table() {
    let table: BTreeSet<(String, String, String)> = route_table()
        .into_iter()
        .filter(|((_, path), _)| path.starts_with("/api"))
        .map(|((method, path), function)| (method, path, function))
        .collect();
    let api = lambda_edge::routes::API;
    let listed: BTreeSet<(String, String, String)> =
        api.iter().map(|(m, p, f)| (m.to_string(), p.to_string(), f.to_string())).collect();
    assert_eq!(listed.len(), api.len(), "a route is listed twice in API of edge/src/routes.rs");
    assert_same(
        "API of edge/src/routes.rs (method, path, function) vs the /api routes of the Cargo.toml route table",
        &table,
        &listed,
    );
}

#[test]
fn each_function_has_its_own_role_log_group_and_alarms() {
    let template = Template::load();
    let mut roles = BTreeSet::new();
    for (name, id) in template.functions() {
        let properties = &template.resources[&id]["Properties"];
        let role = properties
            .get("Role")
            .and_then(referenced_id)
            .unwrap_or_else(|| panic!("{id} needs a Role"));
        assert_eq!(
            template.resources[&role].get("Type").and_then(Value::as_str),
            Some("AWS::IAM::Role"),
            "{id}: its Role must be a role of this template"
        );
        assert!(
            roles.insert(role.clone()),
            "{role} is shared by two functions; {name} needs its own"
        );

        let log_group = properties
            .get("LoggingConfig")
            .and_then(|c| c.get("LogGroup"))
            .and_then(referenced_id)
            .unwrap_or_else(|| panic!("{id} needs LoggingConfig.LogGroup"));
        let group = &template.resources[&log_group];
        assert_eq!(group.get("Type").and_then(Value::as_str), Some("AWS::Logs::LogGroup"));
        assert!(
            group["Properties"].get("RetentionInDays").is_some(),
            "{log_group} needs a retention"
        );

        let mut watched = BTreeSet::new();
        for (_, alarm) in template.of_type("AWS::CloudWatch::Alarm") {
            let alarm = &alarm["Properties"];
            let on_this_function =
                alarm.get("Dimensions").and_then(Value::as_sequence).into_iter().flatten().any(
                    |d| {
                        d.get("Name").and_then(Value::as_str) == Some("FunctionName")
                            && d.get("Value").and_then(referenced_id).as_deref()
                                == Some(id.as_str())
                    },
                );
            if !on_this_function {
                continue;
            }
            let metric = alarm.get("MetricName").and_then(Value::as_str).unwrap_or_default();
            let statistic = alarm
                .get("ExtendedStatistic")
                .or_else(|| alarm.get("Statistic"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            watched.insert(format!("{metric} {statistic}"));
        }
        let expected: BTreeSet<String> =
            ["Errors Sum", "Throttles Sum", "Duration p99"].map(String::from).into();
        assert!(
            expected.is_subset(&watched),
            "{name} must have alarms on {expected:?}; it has {watched:?}"
        );
    }
}

#[test]
fn iam_policies_grant_no_wildcard() {
    let template = Template::load();
    let mut checked = 0;
    for (id, role) in template.of_type("AWS::IAM::Role") {
        let properties = &role["Properties"];
        assert!(
            properties.get("ManagedPolicyArns").is_none(),
            "{id}: managed policies are too broad here"
        );
        let policies =
            properties.get("Policies").and_then(Value::as_sequence).into_iter().flatten();
        for statement in policies.flat_map(|p| {
            p["PolicyDocument"]["Statement"].as_sequence().cloned().unwrap_or_default()
        }) {
            for key in ["Action", "Resource"] {
                let value =
                    statement.get(key).unwrap_or_else(|| panic!("{id}: statement without {key}"));
                let items = match value.as_sequence() {
                    Some(items) => items.clone(),
                    None => vec![value.clone()],
                };
                for item in items {
                    // A plain string, or the text of `!Sub`; `!GetAtt`/`!Ref` name resources of this
                    // template (a log group's Arn covers its own streams only).
                    let text = match (item.as_str(), tagged(&item)) {
                        (Some(text), _) => Some(text.to_string()),
                        (None, Some((tag, inner))) if tag == "Sub" => {
                            inner.as_str().map(str::to_string)
                        }
                        _ => None,
                    };
                    if let Some(text) = text {
                        assert!(!text.contains('*'), "{id}: {key} {text:?} has a wildcard");
                    }
                    checked += 1;
                }
            }
        }
    }
    assert!(checked > 0, "no IAM statement found in the template");
}

// ---- table access ----------------------------------------------------------------------------

/// The DynamoDB actions a function may be granted: single items and one partition at a time,
/// each naming its partition key, so that `dynamodb:LeadingKeys` applies to every call. Scan and
/// the batch calls are the administration's.
/// What reading the table's stream takes (the mailer's event source mapping).
const STREAM_ACTIONS: [&str; 4] = [
    "dynamodb:DescribeStream",
    "dynamodb:GetRecords",
    "dynamodb:GetShardIterator",
    "dynamodb:ListStreams",
];

const ITEM_ACTIONS: [&str; 6] = [
    "dynamodb:GetItem",
    "dynamodb:ConditionCheckItem",
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:Query",
];

/// What a partition key of `adapters/dynamodb/src/keys.rs` may be: a family `X#` (written
/// `format!("X#{..}")`) or a fixed key (`("X".into(), ..)`).
fn key_families() -> (BTreeSet<String>, BTreeSet<String>) {
    let keys = or_fail(read("adapters/dynamodb/src/keys.rs"));
    let upper = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_uppercase() || c == '_');
    let mut families = BTreeSet::new();
    for piece in keys.split("format!(\"").skip(1) {
        if let Some((family, _)) = piece.split_once('#') {
            if upper(family) {
                families.insert(format!("{family}#"));
            }
        }
    }
    let mut fixed = BTreeSet::new();
    for piece in keys.split("(\"").skip(1) {
        if let Some((name, rest)) = piece.split_once('"') {
            if upper(name) && rest.starts_with(".into(),") {
                fixed.insert(name.to_string());
            }
        }
    }
    assert!(families.contains("VOTER#") && fixed.contains("ELECTION"), "keys.rs not understood");
    (families, fixed)
}

fn strings(value: &Value) -> Vec<String> {
    match value.as_sequence() {
        Some(items) => items.iter().filter_map(Value::as_str).map(str::to_string).collect(),
        None => value.as_str().map(str::to_string).into_iter().collect(),
    }
}

/// Function name -> the (DynamoDB action without `dynamodb:`, leading key pattern) its role is
/// granted, checking on the way that every such statement names the table alone (no index) and
/// holds the `ForAllValues:StringLike` condition on `dynamodb:LeadingKeys`.
fn table_grants(template: &Template) -> BTreeMap<String, BTreeSet<(String, String)>> {
    let (families, fixed) = key_families();
    let mut grants = BTreeMap::new();
    for (name, id) in template.functions() {
        let role = template.resources[&id]["Properties"]
            .get("Role")
            .and_then(referenced_id)
            .expect("a role of this template");
        let mut granted = BTreeSet::new();
        let policies = template.resources[&role]["Properties"]
            .get("Policies")
            .and_then(Value::as_sequence)
            .cloned()
            .unwrap_or_default();
        for statement in policies.iter().flat_map(|p| {
            p["PolicyDocument"]["Statement"].as_sequence().cloned().unwrap_or_default()
        }) {
            let actions = strings(&statement["Action"]);
            if !actions.iter().any(|a| a.starts_with("dynamodb:")) {
                continue;
            }
            if actions.iter().all(|a| STREAM_ACTIONS.contains(&a.as_str())) {
                // Reading the table's stream (the mailer): on the stream alone, never the table.
                let text = format!("{:?}", statement["Resource"]);
                assert!(
                    text.contains("Table.StreamArn") || text.contains("StreamArn"),
                    "{role}: stream actions on something else than the table's stream: {text}"
                );
                continue;
            }
            if actions == ["dynamodb:Scan"] {
                // Only the urne, whose items are all public, may be scanned (the board file).
                assert_eq!(
                    referenced_id(&statement["Resource"]).as_deref(),
                    Some("UrneTable"),
                    "{role}: Scan on something else than the urne"
                );
                granted.insert(("Scan".to_string(), "urne".to_string()));
                continue;
            }
            for action in &actions {
                assert!(
                    ITEM_ACTIONS.contains(&action.as_str()),
                    "{role}: {action} is not an item action that dynamodb:LeadingKeys restricts"
                );
            }
            let resources = match statement["Resource"].as_sequence() {
                Some(items) => items.clone(),
                None => vec![statement["Resource"].clone()],
            };
            for resource in &resources {
                // The portal's table, the urne's or the émargement's, by `!GetAtt X.Arn`; the one
                // index a function may query is the urne's board (the public list of trackers).
                let board_index = tagged(resource).is_some_and(|(tag, inner)| {
                    tag == "Sub" && inner.as_str() == Some("${UrneTable.Arn}/index/board")
                });
                assert!(
                    board_index
                        || matches!(
                            referenced_id(resource).as_deref(),
                            Some("Table" | "UrneTable" | "EmargementTable")
                        ),
                    "{role}: a table statement names a table itself (!GetAtt Table.Arn, \
                     UrneTable, EmargementTable) and no index but the urne's board; got {resource:?}"
                );
            }
            let leading = statement
                .get("Condition")
                .and_then(|c| c.get("ForAllValues:StringLike"))
                .and_then(|c| c.get("dynamodb:LeadingKeys"))
                .map(strings)
                .unwrap_or_default();
            assert!(
                !leading.is_empty(),
                "{role}: {actions:?} without a ForAllValues:StringLike dynamodb:LeadingKeys condition"
            );
            for pattern in &leading {
                let known = match pattern.strip_suffix('*') {
                    Some(prefix) => families.contains(prefix),
                    None => fixed.contains(pattern),
                };
                assert!(
                    known,
                    "{role}: leading key {pattern:?} is neither a family of keys.rs (X#*) nor one of \
                     its fixed keys ({families:?}, {fixed:?})"
                );
                for action in &actions {
                    let action = action.trim_start_matches("dynamodb:").to_string();
                    granted.insert((action, pattern.clone()));
                }
            }
        }
        grants.insert(name, granted);
    }
    grants
}

#[test]
fn table_grants_are_limited_to_key_families_and_match_the_documented_table() {
    let template = Template::load();
    let grants = table_grants(&template);
    // docs/security.md, "Each function reaches only its item families": one row per function,
    // `| name | Action `KEY`, `KEY`; Action `KEY` | ... |`.
    let security = or_fail(read("docs/security.md"));
    let mut documented: BTreeMap<String, BTreeSet<(String, String)>> = BTreeMap::new();
    for line in security.lines() {
        let cells: Vec<&str> = line.trim().trim_matches('|').split('|').map(str::trim).collect();
        let Some(name) = cells.first().map(|c| c.trim_matches('`')) else { continue };
        if cells.len() < 2 || !grants.contains_key(name) {
            continue;
        }
        let mut granted = BTreeSet::new();
        for part in cells[1].split(';').map(str::trim).filter(|p| !p.is_empty() && *p != "none") {
            let (action, keys) = part.split_once(' ').unwrap_or((part, ""));
            // A key may be followed by the table it is in, `(urne)`: the check merges the tables.
            for key in keys
                .split(',')
                .map(|k| k.split(" (").next().unwrap_or(k).trim().trim_matches('`'))
                .filter(|k| !k.is_empty())
            {
                granted.insert((action.to_string(), key.to_string()));
            }
        }
        assert!(
            documented.insert(name.to_string(), granted).is_none(),
            "docs/security.md lists {name} twice"
        );
    }
    let functions: BTreeSet<String> = grants.keys().cloned().collect();
    let listed: BTreeSet<String> = documented.keys().cloned().collect();
    assert_same("functions in the IAM table of docs/security.md", &functions, &listed);
    for (name, granted) in &grants {
        assert_same(
            &format!("{name}: table grants of infra/template.yaml vs docs/security.md"),
            &documented[name],
            granted,
        );
    }
}

// ---- the way in: CloudFront, its web ACL, the API's one endpoint ------------------------------

#[test]
fn the_api_is_reachable_only_through_cloudfront_and_its_web_acl() {
    let template = Template::load();
    let api = &template.resources["HttpApi"]["Properties"];
    assert_eq!(
        api.get("DisableExecuteApiEndpoint").and_then(Value::as_bool),
        Some(true),
        "the HTTP API's execute-api endpoint must be disabled: it would bypass CloudFront"
    );
    let mut domains = BTreeSet::new();
    for (id, domain) in template.of_type("AWS::ApiGatewayV2::DomainName") {
        assert!(domain.get("Condition").is_none(), "{id} must always exist");
        let truststore = domain["Properties"]
            .get("MutualTlsAuthentication")
            .and_then(|m| m.get("TruststoreUri"));
        assert!(truststore.is_some(), "{id}: every custom domain of the API requires mutual TLS");
        domains.insert(id.clone());
    }
    let mappings: Vec<_> = template.of_type("AWS::ApiGatewayV2::ApiMapping").collect();
    assert!(!mappings.is_empty(), "the API needs its custom domain");
    for (id, mapping) in mappings {
        let domain = mapping["Properties"].get("DomainName").and_then(referenced_id);
        assert!(
            domain.as_ref().is_some_and(|d| domains.contains(d)),
            "{id} must map the API onto a mutual-TLS domain of this template"
        );
    }
    let distributions: Vec<_> = template.of_type("AWS::CloudFront::Distribution").collect();
    assert_eq!(distributions.len(), 1, "one CloudFront distribution in front of the API");
    let (id, distribution) = distributions[0];
    assert!(distribution.get("Condition").is_none(), "{id} must always exist");
    let config = &distribution["Properties"]["DistributionConfig"];
    assert_eq!(
        config.get("WebACLId").and_then(referenced_id).as_deref(),
        Some("WebAclArn"),
        "{id} must carry the web ACL of infra/waf.yaml"
    );
    let origins = config.get("Origins").and_then(Value::as_sequence).expect("origins");
    for origin in origins {
        let custom = origin.get("CustomOriginConfig").expect("a custom origin (the API)");
        assert!(
            custom.get("OriginMtlsConfig").and_then(|m| m.get("ClientCertificateArn")).is_some(),
            "{id}: each origin is the API's mutual-TLS domain, reached with the client certificate"
        );
        assert_eq!(custom.get("OriginProtocolPolicy").and_then(Value::as_str), Some("https-only"));
    }
}

#[test]
fn every_rule_of_the_web_acl_is_a_rate_limit_answered_with_429() {
    let waf = yaml("infra/waf.yaml");
    let acls: Vec<&Value> = waf["Resources"]
        .as_mapping()
        .expect("infra/waf.yaml has Resources")
        .values()
        .filter(|r| r.get("Type").and_then(Value::as_str) == Some("AWS::WAFv2::WebACL"))
        .collect();
    assert_eq!(acls.len(), 1, "infra/waf.yaml holds one web ACL");
    let acl = &acls[0]["Properties"];
    assert_eq!(acl.get("Scope").and_then(Value::as_str), Some("CLOUDFRONT"));
    let bodies = acl.get("CustomResponseBodies").and_then(Value::as_mapping).expect("bodies");
    let rules = acl.get("Rules").and_then(Value::as_sequence).expect("rules");
    assert!(rules.len() >= 3, "limits on mail, login and everything at least");
    let paths: BTreeSet<String> = route_table().into_keys().map(|(_, path)| path).collect();
    let documented = documented_limits();
    let mut priorities = BTreeSet::new();
    for rule in rules {
        let name = rule.get("Name").and_then(Value::as_str).expect("rule name");
        assert!(
            priorities.insert(rule["Priority"].as_u64().expect("priority")),
            "{name}: priority"
        );
        let rate = &rule["Statement"]["RateBasedStatement"];
        assert_eq!(
            rate.get("EvaluationWindowSec").and_then(Value::as_u64),
            Some(300),
            "{name}: a rate-based rule over the 5-minute window the sizing uses"
        );
        assert!(rate.get("Limit").and_then(Value::as_u64).is_some_and(|l| l >= 10), "{name}");
        let block = &rule["Action"]["Block"]["CustomResponse"];
        assert_eq!(block.get("ResponseCode").and_then(Value::as_u64), Some(429), "{name}");
        let key = block.get("CustomResponseBodyKey").and_then(Value::as_str).expect("body key");
        assert!(bodies.contains_key(key), "{name}: body {key} is not defined");
        assert_eq!(
            rule["VisibilityConfig"].get("MetricName").and_then(Value::as_str),
            Some(name),
            "{name}: its metric bears its name"
        );
        for key in rate.get("CustomKeys").and_then(Value::as_sequence).into_iter().flatten() {
            if let Some(cookie) = key.get("Cookie") {
                assert_eq!(
                    cookie.get("Name").and_then(Value::as_str),
                    Some(lambda_edge::http::SESSION_COOKIE),
                    "{name}: the session cookie is the one the functions set"
                );
            }
        }
        // A path written in a rule is a path of the route table: a renamed route cannot slip out
        // of its limit unseen.
        let regex = rate
            .get("ScopeDownStatement")
            .and_then(|s| s.get("RegexMatchStatement"))
            .and_then(|r| r.get("RegexString"))
            .and_then(Value::as_str);
        if let Some(regex) = regex {
            for path in regex_paths(regex) {
                assert!(paths.contains(&path), "{name}: {path} is not a path of the route table");
            }
        }
        let limit = rate["Limit"].as_u64().expect("limit");
        assert_eq!(
            documented.get(name),
            Some(&limit),
            "{name}: its limit in the table of docs/deploy.md (\"Limits per client\")"
        );
    }
    let names: BTreeSet<String> = rules
        .iter()
        .filter_map(|r| r.get("Name").and_then(Value::as_str))
        .map(String::from)
        .collect();
    let listed: BTreeSet<String> = documented.keys().cloned().collect();
    assert_same("rules of infra/waf.yaml in docs/deploy.md", &names, &listed);
}

/// The paths a regex of the form `^/a/(b|c)$` (or `^/a/b$`) matches exactly.
fn regex_paths(regex: &str) -> Vec<String> {
    let body = regex
        .strip_prefix('^')
        .and_then(|r| r.strip_suffix('$'))
        .unwrap_or_else(|| panic!("{regex}: anchored at both ends"));
    match body.split_once('(') {
        None => vec![body.to_string()],
        Some((head, rest)) => {
            let (alternatives, tail) = rest.split_once(')').expect("a closed group");
            alternatives.split('|').map(|a| format!("{head}{a}{tail}")).collect()
        }
    }
}

/// Rule name -> limit, from the rows `| `name` (priority) | ... | **limit** | ... |` of
/// docs/deploy.md.
fn documented_limits() -> BTreeMap<String, u64> {
    let deploy = or_fail(read("docs/deploy.md"));
    let mut limits = BTreeMap::new();
    for line in deploy.lines() {
        let Some(rest) = line.strip_prefix("| `") else { continue };
        let Some((name, rest)) = rest.split_once("` (") else { continue };
        let Some(bold) = rest.split("**").nth(1) else { continue };
        let limit: u64 = bold.replace(',', "").parse().expect("a limit in bold");
        assert!(limits.insert(name.to_string(), limit).is_none(), "{name} twice in docs/deploy.md");
    }
    limits
}

/// The command of the first `sh` code block after the README line starting with `lead`.
fn readme_command(readme: &str, lead: &str) -> Option<String> {
    let mut lines = readme.lines().skip_while(|l| !l.starts_with(lead));
    lines.find(|l| l.trim() == "```sh")?;
    lines.next().map(|l| l.trim().to_string())
}

#[test]
fn ci_runs_the_readme_test_command() {
    let readme = or_fail(read("README.md"));
    let command = readme_command(&readme, "Run every test")
        .expect("README.md gives the test command in a ```sh block after \"Run every test\"");
    let ci = or_fail(read(".ci/run"));
    let last = ci.lines().map(str::trim).rfind(|l| !l.is_empty() && !l.starts_with('#'));
    assert_eq!(
        last,
        Some(command.as_str()),
        ".ci/run's last command is not the README's test command"
    );
}

/// The test targets of `tests/` need the running stack: each one builds only with the feature
/// `stack`, so that `cargo test --workspace` (the unit tests) leaves them out, and none is left to
/// cargo's discovery, which would build it without the feature.
#[test]
fn every_e2e_test_needs_the_stack() {
    let manifest =
        or_fail(repo_checks::parse_toml(&or_fail(read("tests/Cargo.toml")), "tests/Cargo.toml"));
    let declared: BTreeMap<String, (String, bool)> = manifest
        .get("test")
        .and_then(toml::Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(toml::Value::as_table)
        .map(|test| {
            let text =
                |key: &str| test.get(key).and_then(toml::Value::as_str).unwrap_or("").to_string();
            let needs_stack = test
                .get("required-features")
                .and_then(toml::Value::as_array)
                .is_some_and(|features| features.iter().any(|f| f.as_str() == Some("stack")));
            (text("path"), (text("name"), needs_stack))
        })
        .collect();
    let mut targets = BTreeSet::new();
    let dir = fs::read_dir(repo_root().join("tests/tests")).expect("the folder tests/tests");
    for entry in dir {
        let entry = entry.expect("an entry of tests/tests");
        let name = entry.file_name().to_string_lossy().to_string();
        if entry.path().is_dir() {
            targets.insert(format!("tests/{name}/main.rs"));
        } else if name.ends_with(".rs") {
            targets.insert(format!("tests/{name}"));
        }
    }
    let paths: BTreeSet<String> = declared.keys().cloned().collect();
    assert_same("the [[test]] targets of tests/Cargo.toml (their paths)", &targets, &paths);
    for (path, (name, needs_stack)) in &declared {
        assert!(
            *needs_stack,
            "the test {name} ({path}) of tests/Cargo.toml lacks required-features = [\"stack\"]"
        );
    }
}
