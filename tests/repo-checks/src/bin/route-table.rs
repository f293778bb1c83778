//! Prints the route table of the root `Cargo.toml` (or of the manifest given as argument), one
//! `FUNCTION METHOD PATH` line per route, in table order: what `route_table` in `scripts/lib.sh`
//! gives the scripts. A route written `"/path" = "function"` (any method) is listed with GET, the
//! method the scripts send it. The functions no route reaches (`[workspace.metadata.lambda.events]`)
//! follow, one `FUNCTION EVENT SOURCE` line per event source.

use std::io::{self, Write};
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use repo_checks::{parse_event_functions, parse_route_table, read, ANY};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // The message and its causes, on one line; no backtrace, whatever RUST_BACKTRACE says.
            eprintln!("route-table: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (name, text) = match args.as_slice() {
        [] => ("Cargo.toml".to_string(), read("Cargo.toml")?),
        [path] => (
            path.clone(),
            std::fs::read_to_string(path).with_context(|| format!("cannot read {path}"))?,
        ),
        _ => bail!("usage: route-table [PATH/TO/Cargo.toml]"),
    };
    let mut out = io::stdout().lock();
    for route in parse_route_table(&text, &name)? {
        let method = if route.method == ANY { "GET" } else { route.method.as_str() };
        writeln!(out, "{} {method} {}", route.function, route.path)?;
    }
    for (function, sources) in parse_event_functions(&text, &name)? {
        for source in sources {
            writeln!(out, "{function} EVENT {source}")?;
        }
    }
    out.flush()?;
    Ok(())
}
