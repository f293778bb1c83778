//! The layers of `docs/architecture.md` ("Crates and what each may depend on"), checked on the
//! manifests: the domain names no AWS or Lambda crate and no other crate of the workspace, each
//! adapter depends on the domain and its own SDK only, and a function reaches the adapters only
//! through `lambda-edge`. The compiler enforces the rest: a crate cannot use what it does not
//! depend on.

use std::collections::BTreeSet;

use repo_checks::{package_name, parse_toml, read, repo_root, workspace_members};

/// The normal dependencies (not dev-dependencies) of the member in `dir`.
fn dependencies(dir: &str) -> BTreeSet<String> {
    let manifest_path = format!("{dir}/Cargo.toml");
    let manifest = parse_toml(&read(&manifest_path).unwrap(), &manifest_path).unwrap();
    manifest
        .get("dependencies")
        .and_then(|d| d.as_table())
        .map(|t| t.keys().cloned().collect())
        .unwrap_or_default()
}

fn workspace_crates() -> BTreeSet<String> {
    let root = read("Cargo.toml").unwrap();
    workspace_members(&root, "Cargo.toml")
        .unwrap()
        .into_iter()
        .map(|dir| {
            let path = format!("{dir}/Cargo.toml");
            package_name(&read(&path).unwrap(), &path).unwrap()
        })
        .collect()
}

fn forbidden_in(dir: &str, forbidden: &[&str]) -> Vec<String> {
    dependencies(dir)
        .into_iter()
        .filter(|d| {
            forbidden
                .iter()
                .any(|f| d == f || (f.ends_with('*') && d.starts_with(&f[..f.len() - 1])))
        })
        .collect()
}

#[test]
fn the_domain_depends_on_no_aws_lambda_or_workspace_crate() {
    let mut forbidden: Vec<String> =
        vec!["aws-*".into(), "lambda_http".into(), "lambda_runtime".into()];
    // `vote` is the protocol's pure code (no I/O, no AWS type), which the domain checks ballots
    // with.
    forbidden.extend(workspace_crates().into_iter().filter(|c| c != "shared" && c != "vote"));
    let forbidden: Vec<&str> = forbidden.iter().map(String::as_str).collect();
    let found = forbidden_in("shared", &forbidden);
    assert!(
        found.is_empty(),
        "shared/Cargo.toml depends on {found:?}: the domain must stay free of them"
    );
}

#[test]
fn each_adapter_depends_on_the_domain_and_its_own_sdk_only() {
    for (dir, sdk) in [("adapters/dynamodb", "aws-sdk-dynamodb"), ("adapters/ses", "aws-sdk-sesv2")]
    {
        let deps = dependencies(dir);
        assert!(deps.contains("shared"), "{dir} does not implement the domain's ports");
        let others: Vec<_> = deps
            .iter()
            .filter(|d| d.starts_with("aws-sdk-") && d.as_str() != sdk)
            .chain(deps.iter().filter(|d| {
                ["lambda_http", "lambda-edge", "store-dynamodb", "mailer-ses"].contains(&d.as_str())
            }))
            .collect();
        assert!(others.is_empty(), "{dir} depends on {others:?}");
    }
}

#[test]
fn functions_reach_the_adapters_only_through_the_edge() {
    let functions = repo_root().join("functions");
    for entry in std::fs::read_dir(&functions).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.join("Cargo.toml").exists() {
            continue;
        }
        let relative = format!("functions/{}", dir.file_name().unwrap().to_string_lossy());
        let found = forbidden_in(&relative, &["aws-*", "store-dynamodb", "mailer-ses"]);
        assert!(found.is_empty(), "{relative} depends on {found:?}: go through lambda-edge");
    }
}
