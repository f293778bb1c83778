//! The import rate of a large roll against the local emulator. Several minutes long, so left out
//! of the default run:
//!
//! ```text
//! cargo test -p electeur-admin --test import_rate -- --ignored --nocapture
//! ```
//!
//! `IMPORT_RATE_VOTERS` (100000 by default) and `IMPORT_RATE_CONCURRENCY` (8) change the run.

mod common;

use std::time::Instant;

use common::Env;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "minutes long: run it on purpose"]
async fn import_rate_of_a_large_roll() {
    let voters: usize =
        std::env::var("IMPORT_RATE_VOTERS").ok().and_then(|v| v.parse().ok()).unwrap_or(100_000);
    let concurrency = std::env::var("IMPORT_RATE_CONCURRENCY").unwrap_or_else(|_| "8".into());
    let env = Env::new("rate");
    let dir = env.path("generated");
    env.admin(&["generate", "--voters", &voters.to_string(), "--out", &dir]).ok();
    let file = |name: &str| format!("{dir}/{name}");
    let args = [
        "import",
        "--scrutins",
        &file("scrutins.csv"),
        "--lists",
        &file("lists.csv"),
        "--candidates",
        &file("candidates.csv"),
        "--voters",
        &file("voters.csv"),
        "--concurrency",
        &concurrency,
        "--no-progress",
    ];
    let started = Instant::now();
    let run = env.admin(&args).ok();
    let elapsed = started.elapsed();
    println!("{}", run.stdout);
    println!(
        "{voters} électeurs importés en {:.1} s de bout en bout ({:.0} électeurs/s, concurrence {concurrency})",
        elapsed.as_secs_f64(),
        voters as f64 / elapsed.as_secs_f64()
    );
    assert!(
        run.stdout.contains(&format!("électeurs : {voters} créés, 0 modifiés, 0 inchangés")),
        "{}",
        run.stdout
    );
}
