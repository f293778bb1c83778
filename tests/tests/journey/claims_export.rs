//! What a voter files through the API is what the administration exports with `electeur-admin`.

use std::path::PathBuf;
use std::process::Command;

use e2e::{flows, seed_voter, Api};
use serde_json::json;

/// The admin tool built in the same target directory as the functions (the stack's start-up runs
/// `electeur-admin init` and `demo`, so it is there whenever these tests run).
fn admin_binary() -> PathBuf {
    let root =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("repository root").to_path_buf();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    target.join("debug").join("electeur-admin")
}

#[tokio::test]
async fn claims_filed_through_the_api_are_exported_by_the_admin_tool() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let (_, session) = flows::activate(&api, &voter).await;
    let text = format!(
        "Réclamation d'essai {} : mon nom est mal orthographié.",
        e2e::voters::random_alnum(10)
    );
    let claim =
        json!({ "category": "liste_electorale", "scrutin_id": "CSA-ACA-VERSAILLES", "text": text });
    let key = format!("export-{}", e2e::voters::random_alnum(16));
    let reply = api
        .post("/api/claims")
        .session(&session)
        .header("Idempotency-Key", &key)
        .json(&claim)
        .send()
        .await;
    reply.expect(201);
    let reference = reply.str_at("/reference").to_string();

    let binary = admin_binary();
    assert!(
        binary.exists(),
        "{} is missing: run the tests through scripts/test.sh",
        binary.display()
    );
    let out = Command::new(&binary)
        .args(["claims", "export", "--scrutin", "CSA-ACA-VERSAILLES", "--status", "open"])
        .output()
        .expect("electeur-admin runs");
    assert!(out.status.success(), "claims export failed: {}", String::from_utf8_lossy(&out.stderr));
    let csv = String::from_utf8(out.stdout).expect("UTF-8 export");
    let header = csv.lines().next().expect("a header line");
    assert!(header.contains("reference"), "export header: {header}");
    let line = csv
        .lines()
        .find(|l| l.contains(&reference))
        .unwrap_or_else(|| panic!("{reference} is not in the export:\n{csv}"));
    assert!(line.contains(&voter.voter_id), "the export names the voter: {line}");
    assert!(line.contains("liste_electorale"), "the export gives the category: {line}");
    assert!(csv.contains(&text), "the export carries the claim's text");
}
