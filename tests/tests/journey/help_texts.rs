//! The texts of the help page are data: `GET /api/help` serves the shipped defaults until the
//! administration loads others with `electeur-admin help load`, and refuses nothing but a bad file.

use std::path::PathBuf;
use std::process::Command;

use e2e::Api;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("repository root").to_path_buf()
}

fn admin(args: &[&str]) -> std::process::Output {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    let binary = target.join("debug").join("electeur-admin");
    assert!(
        binary.exists(),
        "{} is missing: run the tests through scripts/test.sh",
        binary.display()
    );
    Command::new(&binary).args(args).output().expect("electeur-admin runs")
}

#[tokio::test]
async fn help_texts_loaded_by_the_admin_tool_are_served_then_the_defaults_again() {
    let _alone = e2e::one_at_a_time().await;
    let api = Api::new().await;
    let shipped = root().join("shared/help/default.toml");
    let defaults = api.get("/api/help").send().await;
    defaults.expect(200);

    let dir = std::env::temp_dir().join(format!("aide-{}", e2e::voters::random_alnum(8)));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("aide.toml");
    std::fs::write(
        &file,
        "edito = [\"Édito de l'essai.\"]\n\n[[faq]]\nquestion = \"Question de l'essai ?\"\nanswer = [\"Réponse de l'essai.\"]\n",
    )
    .unwrap();
    let bad = dir.join("mauvais.toml");
    std::fs::write(
        &bad,
        "edito = [\"<b>gras</b>\"]\n[[faq]]\nquestion = \"Q\"\nanswer = [\"R\"]\n",
    )
    .unwrap();

    let refused = admin(&["help", "load", bad.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(2), "a file with markup is refused");
    assert!(String::from_utf8_lossy(&refused.stderr).contains("HTML"));
    api.get("/api/help").send().await.expect(200);

    let loaded = admin(&["help", "load", file.to_str().unwrap()]);
    assert!(loaded.status.success(), "{}", String::from_utf8_lossy(&loaded.stderr));
    let served = api.get("/api/help").send().await;
    served.expect(200);
    assert_eq!(served.str_at("/edito/0"), "Édito de l'essai.");
    assert_eq!(served.str_at("/faq/0/question"), "Question de l'essai ?");

    // The shipped file loads as it is, and gives back what was served before any load.
    let back = admin(&["help", "load", shipped.to_str().unwrap()]);
    assert!(back.status.success(), "{}", String::from_utf8_lossy(&back.stderr));
    let again = api.get("/api/help").send().await;
    assert_eq!(again.body, defaults.body);
    std::fs::remove_dir_all(&dir).ok();
}
