//! The facts that several files of the repository must agree on, read in one place.
//!
//! The route table is `[workspace.metadata.lambda.watch.router]` in the root `Cargo.toml`, which
//! `cargo lambda watch` serves locally. This crate is its one reader: the `route-table` program
//! prints it for the scripts, and the tests of this crate check that `infra/template.yaml`,
//! `docs/openapi.yaml` and `edge/src/routes.rs` say the same. Reads files only.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, ensure, Context, Result};
use serde::Deserialize;

/// The header of the route table in the root `Cargo.toml`.
pub const ROUTER: &str = "[workspace.metadata.lambda.watch.router]";

/// The method of a route written `"/path" = "function"`, which answers every method.
pub const ANY: &str = "ANY";

/// One route of the table.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Route {
    /// Upper case (`GET`, `POST`), or [`ANY`].
    pub method: String,
    /// The path template, e.g. `/api/scrutins/{id}/electeurs`.
    pub path: String,
    /// The function (= crate of `functions/`) that serves it.
    pub function: String,
}

impl Route {
    /// (METHOD, path): what identifies a route.
    pub fn key(&self) -> (String, String) {
        (self.method.clone(), self.path.clone())
    }
}

impl fmt::Display for Route {
    /// `FUNCTION METHOD PATH`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.function, self.method, self.path)
    }
}

/// The root of the repository (this crate sits in `tests/repo-checks`).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("repo-checks sits two levels below the repository root")
        .to_path_buf()
}

/// The text of a file, by its path from the repository root.
pub fn read(relative: &str) -> Result<String> {
    let path = repo_root().join(relative);
    fs::read_to_string(&path).with_context(|| format!("cannot read {relative}"))
}

/// A TOML document as a table, keys in the order of the file.
pub fn parse_toml(text: &str, name: &str) -> Result<toml::Table> {
    toml::from_str(text).with_context(|| format!("{name} is not valid TOML"))
}

/// The `name` of the `[package]` section of a Cargo manifest.
pub fn package_name(manifest: &str, name: &str) -> Result<String> {
    let document = parse_toml(manifest, name)?;
    document
        .get("package")
        .and_then(|package| package.get("name"))
        .and_then(toml::Value::as_str)
        .map(str::to_string)
        .with_context(|| format!("{name} has no [package] name"))
}

/// The `members` of the `[workspace]` section of a Cargo manifest, as written.
pub fn workspace_members(manifest: &str, name: &str) -> Result<Vec<String>> {
    let document = parse_toml(manifest, name)?;
    let members = document
        .get("workspace")
        .and_then(|workspace| workspace.get("members"))
        .with_context(|| format!("{name} lists no workspace members"))?;
    members
        .clone()
        .try_into()
        .with_context(|| format!("the workspace members of {name} are not a list of paths"))
}

/// One target of a route written as a list: `{ method = "GET", function = "activate" }`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Target {
    method: String,
    function: String,
}

/// The route table of a manifest, in the order of the file (and of each path's list of targets).
/// An entry `"/path" = "function"` answers every method and is listed with [`ANY`].
pub fn parse_route_table(manifest: &str, name: &str) -> Result<Vec<Route>> {
    let document = toml::Value::Table(parse_toml(manifest, name)?);
    let router = ["workspace", "metadata", "lambda", "watch", "router"]
        .iter()
        .try_fold(&document, |value, key| value.get(key))
        .and_then(toml::Value::as_table)
        .with_context(|| format!("{name} has no {ROUTER} table"))?;
    let mut routes: Vec<Route> = Vec::new();
    for (path, value) in router {
        ensure!(
            path.starts_with('/') && !path.contains(char::is_whitespace),
            "route {path:?} of {name}: a path starts with / and has no spaces"
        );
        let targets = match value {
            toml::Value::String(function) => {
                vec![Target { method: ANY.to_string(), function: function.clone() }]
            }
            toml::Value::Array(_) => value.clone().try_into().with_context(|| {
                format!(
                    "route {path:?} of {name}: each target needs a method and a function, \
                     e.g. [{{ method = \"GET\", function = \"portal\" }}]"
                )
            })?,
            other => bail!(
                "route {path:?} of {name}: expected a function name or a list of \
                 {{ method, function }}, found a {}",
                other.type_str()
            ),
        };
        ensure!(!targets.is_empty(), "route {path:?} of {name} has no target");
        for Target { method, function } in targets {
            ensure!(
                !method.is_empty() && method.chars().all(|c| c.is_ascii_alphabetic()),
                "route {path:?} of {name}: method {method:?} is not an HTTP method"
            );
            ensure!(
                !function.is_empty() && !function.contains(char::is_whitespace),
                "route {path:?} of {name}: function {function:?} is not a crate name"
            );
            let route = Route { method: method.to_uppercase(), path: path.clone(), function };
            if let Some(first) = routes.iter().find(|r| r.key() == route.key()) {
                bail!(
                    "route {:?} listed twice in {name} (for {} and for {})",
                    route.key(),
                    first.function,
                    route.function
                );
            }
            routes.push(route);
        }
    }
    ensure!(!routes.is_empty(), "the {ROUTER} table of {name} is empty");
    Ok(routes)
}

/// The route table of the root `Cargo.toml`.
pub fn route_table() -> Result<Vec<Route>> {
    parse_route_table(&read("Cargo.toml")?, "Cargo.toml")
}

/// The functions that no HTTP route reaches, with the sources of their events, from
/// `[workspace.metadata.lambda.events]` of a manifest (none when it has no such table).
pub fn parse_event_functions(manifest: &str, name: &str) -> Result<Vec<(String, Vec<String>)>> {
    let document = toml::Value::Table(parse_toml(manifest, name)?);
    let Some(events) = ["workspace", "metadata", "lambda", "events"]
        .iter()
        .try_fold(&document, |value, key| value.get(key))
    else {
        return Ok(Vec::new());
    };
    let events =
        events.as_table().with_context(|| format!("{name}: lambda.events is not a table"))?;
    let mut out = Vec::new();
    for (function, sources) in events {
        let sources: Vec<String> = sources.clone().try_into().with_context(|| {
            format!("{name}: the events of {function} are a list of sources, e.g. [\"sns\"]")
        })?;
        ensure!(!sources.is_empty(), "{name}: {function} has no event source");
        out.push((function.clone(), sources));
    }
    Ok(out)
}

/// The event functions of the root `Cargo.toml`.
pub fn event_functions() -> Result<Vec<(String, Vec<String>)>> {
    parse_event_functions(&read("Cargo.toml")?, "Cargo.toml")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes(router: &str) -> Result<Vec<String>> {
        let manifest = format!("[workspace]\nmembers = []\n\n{ROUTER}\n{router}\n");
        Ok(parse_route_table(&manifest, "Cargo.toml")?.iter().map(Route::to_string).collect())
    }

    #[test]
    fn routes_come_in_the_order_of_the_table() {
        let listed = routes(
            r#""/b" = [{ method = "post", function = "two" }]
"/a" = [{ method = "GET", function = "one" }, { method = "POST", function = "one" }]
"/c" = "three"
"#,
        )
        .unwrap();
        assert_eq!(listed, ["two POST /b", "one GET /a", "one POST /a", "three ANY /c"]);
    }

    #[test]
    fn targets_may_span_several_lines() {
        let listed = routes(
            r#""/a" = [
    { method = "GET", function = "one" },
    { method = "DELETE", function = "one" },
]
"#,
        )
        .unwrap();
        assert_eq!(listed, ["one GET /a", "one DELETE /a"]);
    }

    #[test]
    fn a_route_listed_twice_is_refused() {
        let error = routes(
            r#""/a" = [{ method = "GET", function = "one" }, { method = "get", function = "two" }]"#,
        )
        .unwrap_err();
        assert!(error.to_string().contains("listed twice"), "{error:#}");
    }

    #[test]
    fn a_target_without_function_is_refused() {
        let error = routes(r#""/a" = [{ method = "GET" }]"#).unwrap_err();
        assert!(error.to_string().contains("needs a method and a function"), "{error:#}");
    }

    #[test]
    fn a_missing_or_empty_table_is_refused() {
        assert!(parse_route_table("[workspace]\n", "Cargo.toml").is_err());
        assert!(routes("").is_err());
    }

    #[test]
    fn manifests_give_their_package_and_members() {
        let manifest = "[workspace]\nmembers = [\n  \"a\", # first\n  \"b/c\",\n]\n\
                        [package]\nname = \"x\"\n";
        assert_eq!(workspace_members(manifest, "m").unwrap(), ["a", "b/c"]);
        assert_eq!(package_name(manifest, "m").unwrap(), "x");
        assert!(package_name("[workspace]\n", "m").is_err());
    }
}
