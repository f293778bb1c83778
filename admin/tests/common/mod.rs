//! What the tests of `electeur-admin` share: a local DynamoDB of their own (the project's
//! emulator, started by `local-emulator`), the program run as an administrator would run it, and
//! direct reads of the table to check what it did.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::{Command, Output};

use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
pub use local_emulator::{workspace, Emulator};
use store_dynamodb::DynamoStore;

pub fn examples() -> PathBuf {
    workspace().join("docs/examples")
}

/// An emulator, a table of its own, and a scratch folder.
pub struct Env {
    pub emulator: Emulator,
    pub table: String,
    pub dir: PathBuf,
}

/// What one run of the program gave.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn from(o: Output) -> Run {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }

    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "exit {}\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }
}

impl Env {
    /// A fresh emulator and table (created with `init`).
    pub fn new(tag: &str) -> Env {
        let emulator = Emulator::start();
        let table = format!("admin-{tag}-{}", std::process::id());
        let dir = std::env::temp_dir().join(format!("electeur-admin-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let env = Env { emulator, table, dir };
        env.admin(&["init"]).ok();
        env
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_electeur-admin"));
        cmd.args(args)
            .env("AWS_ENDPOINT_URL_DYNAMODB", self.emulator.endpoint())
            .env("AWS_REGION", local_emulator::REGION)
            .env("AWS_ACCESS_KEY_ID", "local")
            .env("AWS_SECRET_ACCESS_KEY", "local")
            .env("TABLE_NAME", &self.table)
            .env("ELECTEUR_ADMIN_OPERATOR", "test-admin")
            .env_remove("AWS_ENDPOINT_URL")
            .env_remove("AWS_PROFILE");
        cmd
    }

    /// Runs the program and waits for it.
    pub fn admin(&self, args: &[&str]) -> Run {
        Run::from(self.command(args).output().expect("run electeur-admin"))
    }

    pub fn client(&self) -> Client {
        self.emulator.client()
    }

    /// The store the functions use, on this table.
    pub fn store(&self) -> DynamoStore {
        DynamoStore::new(self.client(), self.table.clone())
    }

    pub fn file(&self, name: &str, content: &str) -> String {
        let path = self.dir.join(name);
        std::fs::write(&path, content).unwrap();
        path.display().to_string()
    }

    pub fn path(&self, name: &str) -> String {
        self.dir.join(name).display().to_string()
    }

    /// Every item of the table but the journal's, as text, sorted by key: two snapshots are equal
    /// when the roll, ballots, accounts and claims are.
    pub async fn snapshot(&self) -> BTreeMap<(String, String), String> {
        let client = self.client();
        let mut out = BTreeMap::new();
        let mut start = None;
        loop {
            let page = client
                .scan()
                .table_name(&self.table)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .expect("scan");
            for item in page.items.unwrap_or_default() {
                let s =
                    |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default();
                let (pk, sk) = (s("pk"), s("sk"));
                if pk.starts_with("JOURNAL#") {
                    continue;
                }
                let sorted: BTreeMap<&String, String> =
                    item.iter().map(|(k, v)| (k, render(v))).collect();
                out.insert((pk, sk), format!("{sorted:?}"));
            }
            match page.last_evaluated_key {
                Some(k) => start = Some(k),
                None => break,
            }
        }
        out
    }

    /// How many items of each `type` the table holds.
    pub async fn count_types(&self) -> BTreeMap<String, usize> {
        let mut out = BTreeMap::new();
        for ((pk, sk), _) in self.snapshot().await {
            let kind = match pk.split('#').next().unwrap_or("") {
                "VOTER" if sk == "PROFILE" => "voter",
                "VOTER" if sk.starts_with("CLAIM#") => "claim",
                "EMAIL" => "email",
                "ROLL" if sk == "COUNT" => "roll_count",
                "ROLL" => "roll_entry",
                "SCRUTIN" => "scrutin",
                _ => "other",
            };
            *out.entry(kind.to_string()).or_default() += 1;
        }
        out
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// An attribute as text, map keys in order, so that equal values always read the same.
fn render(v: &AttributeValue) -> String {
    match v {
        AttributeValue::M(m) => {
            let sorted: BTreeMap<&String, String> = m.iter().map(|(k, v)| (k, render(v))).collect();
            format!("M({sorted:?})")
        }
        AttributeValue::L(l) => format!("L({:?})", l.iter().map(render).collect::<Vec<_>>()),
        other => format!("{other:?}"),
    }
}

/// Fails with the items that differ between two snapshots.
pub fn assert_same(
    before: &BTreeMap<(String, String), String>,
    after: &BTreeMap<(String, String), String>,
) {
    let mut diffs = Vec::new();
    for (k, v) in before {
        match after.get(k) {
            None => diffs.push(format!("removed {k:?}")),
            Some(w) if w != v => diffs.push(format!("changed {k:?}:\n  before {v}\n  after  {w}")),
            _ => {}
        }
    }
    for k in after.keys().filter(|k| !before.contains_key(*k)) {
        diffs.push(format!("added {k:?}"));
    }
    let shown: Vec<&String> = diffs.iter().take(8).collect();
    assert!(
        diffs.is_empty(),
        "{} items differ, first ones:\n{}",
        diffs.len(),
        shown.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n")
    );
}

/// The import of the example files of `docs/examples`, with extra arguments.
pub fn import_examples(env: &Env, extra: &[&str]) -> Run {
    let e = examples();
    let files = [
        ("--scrutins", e.join("scrutins.csv")),
        ("--lists", e.join("lists.csv")),
        ("--candidates", e.join("candidates.csv")),
        ("--voters", e.join("voters.csv")),
    ];
    let mut args: Vec<String> = vec!["import".into()];
    for (flag, path) in files {
        args.push(flag.into());
        args.push(path.display().to_string());
    }
    args.extend(extra.iter().map(|s| s.to_string()));
    env.admin(&args.iter().map(String::as_str).collect::<Vec<_>>())
}
