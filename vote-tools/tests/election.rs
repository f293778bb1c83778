//! A small election end to end through the commands, as the key holders and a verifier run
//! them: the ceremony (presidency, three delegates, three rounds), the record, about 1,000
//! ballots, each holder's partial decryption, the count and the verifier.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use vote::record::SealedRecord;
use vote::tally::Results;
use vote_tools::generate::{generate_with, Plan};

const CLES: &str = env!("CARGO_BIN_EXE_electeur-cles");
const VERIF: &str = env!("CARGO_BIN_EXE_electeur-verif");

fn run(bin: &str, args: &[&str]) -> Output {
    let out = Command::new(bin).args(args).output().unwrap();
    out
}

fn ok(bin: &str, args: &[&str]) -> String {
    let out = run(bin, args);
    assert!(
        out.status.success(),
        "{bin} {args:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn p(dir: &Path, name: &str) -> String {
    dir.join(name).to_str().unwrap().to_string()
}

#[test]
fn an_election_of_about_a_thousand_ballots_from_the_ceremony_to_the_verified_results() {
    let start = Instant::now();
    let dir: PathBuf =
        Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("election-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let d = |n: &str| p(&dir, n);
    let e = "ce2026-essai";
    // the ceremony; the presidency keeps its fragment under a passphrase
    std::fs::write(dir.join("pass.txt"), "une phrase de passe du président\n").unwrap();
    std::fs::write(dir.join("wrong.txt"), "une autre phrase de passe\n").unwrap();
    ok(
        CLES,
        &[
            "presidency",
            "--election",
            e,
            "--fragment",
            &d("presidency.key"),
            "--out",
            &d("presidency.json"),
            "--passphrase-file",
            &d("pass.txt"),
        ],
    );
    let text = std::fs::read_to_string(dir.join("presidency.key")).unwrap();
    assert!(text.contains("fragment-protected") && !text.contains("\"secret\""), "{text}");
    for j in ["1", "2", "3"] {
        ok(
            CLES,
            &[
                "delegate",
                "round1",
                "--election",
                e,
                "--index",
                j,
                "--name",
                &format!("Délégué {j}"),
                "--state",
                &d(&format!("state-{j}.json")),
                "--out",
                &d(&format!("r1-{j}.json")),
            ],
        );
    }
    let r1: Vec<String> = ["1", "2", "3"].iter().map(|j| d(&format!("r1-{j}.json"))).collect();
    for j in ["1", "2", "3"] {
        let mut args = vec!["delegate", "round2", "--state"];
        let state = d(&format!("state-{j}.json"));
        let out = d(&format!("r2-{j}.json"));
        args.push(&state);
        args.push("--round1");
        args.extend(r1.iter().map(String::as_str));
        args.extend(["--out", &out]);
        ok(CLES, &args);
    }
    let r2: Vec<String> = ["1", "2", "3"].iter().map(|j| d(&format!("r2-{j}.json"))).collect();
    for j in ["1", "2", "3"] {
        let state = d(&format!("state-{j}.json"));
        let frag = d(&format!("delegate-{j}.key"));
        let out = d(&format!("r3-{j}.json"));
        let mut args = vec!["delegate", "round3", "--state", &state, "--round1"];
        args.extend(r1.iter().map(String::as_str));
        args.push("--round2");
        args.extend(r2.iter().map(String::as_str));
        args.extend(["--fragment", &frag, "--out", &out]);
        ok(CLES, &args);
        assert!(!Path::new(&state).exists(), "the state is deleted after round 3");
    }
    // a fragment is the holder's alone, and never overwritten
    use std::os::unix::fs::PermissionsExt;
    for f in ["presidency.key", "delegate-2.key"] {
        let mode = std::fs::metadata(dir.join(f)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{f}");
    }
    let again = run(
        CLES,
        &[
            "presidency",
            "--election",
            e,
            "--fragment",
            &d("presidency.key"),
            "--out",
            &d("p2.json"),
        ],
    );
    assert!(!again.status.success());
    let r3: Vec<String> = ["1", "2", "3"].iter().map(|j| d(&format!("r3-{j}.json"))).collect();
    let mut args = vec!["assemble", "--election", e];
    let (pres, trustees) = (d("presidency.json"), d("trustees.json"));
    args.extend(["--presidency", &pres, "--round1"]);
    args.extend(r1.iter().map(String::as_str));
    args.push("--round2");
    args.extend(r2.iter().map(String::as_str));
    args.push("--round3");
    args.extend(r3.iter().map(String::as_str));
    args.extend(["--out", &trustees]);
    ok(CLES, &args);
    std::fs::write(
        dir.join("scrutins.toml"),
        "election = \"ce2026-essai\"\nname = \"Élections d'essai\"\n\n[[scrutins]]\nid = \"CTM\"\nname = \"Comité social\"\nlists = [\"L1\", \"L2\", \"L3\", \"L4\", \"L5\", \"L6\", \"L7\", \"L8\"]\n\n[[scrutins]]\nid = \"CAPA\"\nname = \"CAPA\"\nlists = [\"A\", \"B\"]\n",
    )
    .unwrap();
    // a description with a list named like the blank vote, and trustees changed after the
    // assembly, are refused
    std::fs::write(
        dir.join("bad.json"),
        r#"{"election": "ce2026-essai", "name": "x", "scrutins": [{"id": "S", "name": "S", "lists": ["A", "blanc"]}]}"#,
    )
    .unwrap();
    let bad = run(
        CLES,
        &[
            "record",
            "--trustees",
            &trustees,
            "--scrutins",
            &d("bad.json"),
            "--out",
            &d("bad-election.json"),
        ],
    );
    assert!(!bad.status.success());
    let mut t: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&trustees).unwrap()).unwrap();
    let k2 = t["trustees"]["delegates"][1]["verification_key"].clone();
    t["trustees"]["delegates"][0]["verification_key"] = k2;
    std::fs::write(dir.join("bad-trustees.json"), t.to_string()).unwrap();
    let bad = run(
        CLES,
        &[
            "record",
            "--trustees",
            &d("bad-trustees.json"),
            "--scrutins",
            &d("scrutins.toml"),
            "--out",
            &d("bad-election.json"),
        ],
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("delegate 1"), "{bad:?}");
    let out = ok(
        CLES,
        &[
            "record",
            "--trustees",
            &trustees,
            "--scrutins",
            &d("scrutins.toml"),
            "--out",
            &d("election.json"),
        ],
    );
    let record =
        SealedRecord::from_bytes(std::fs::read(dir.join("election.json")).unwrap()).unwrap();
    assert!(out.contains(&record.fingerprint_hex()));
    assert_eq!(record.scrutin("CAPA").unwrap().choices, ["A", "B", "blanc"]);
    // the vote (generated ballots on this record) and the board file
    let plan = Plan { ballots: 1000, threads: 2, ..Plan::default() };
    let g = generate_with(record, vec![], &plan).unwrap();
    std::fs::write(dir.join("board.jsonl"), g.board.to_bytes()).unwrap();
    // each holder's part, on their machine
    for h in ["delegate-1", "delegate-3"] {
        ok(
            CLES,
            &[
                "partial",
                "--board",
                &d("board.jsonl"),
                "--fragment",
                &d(&format!("{h}.key")),
                "--out",
                &d(&format!("part-{h}.json")),
            ],
        );
    }
    let partial = |pass: Option<&str>| {
        let (board, frag, out) = (d("board.jsonl"), d("presidency.key"), d("part-presidency.json"));
        let mut args = vec!["partial", "--board", &board, "--fragment", &frag, "--out", &out];
        let pass = pass.map(d);
        if let Some(p) = &pass {
            args.extend(["--passphrase-file", p.as_str()]);
        }
        run(CLES, &args)
    };
    for (pass, why) in [(None, "under a passphrase"), (Some("wrong.txt"), "wrong passphrase")] {
        let out = partial(pass);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains(why), "{out:?}");
    }
    assert!(partial(Some("pass.txt")).status.success());
    // the presidency and one delegate are not enough
    let short = run(
        CLES,
        &[
            "combine",
            "--board",
            &d("board.jsonl"),
            "--partial",
            &d("part-presidency.json"),
            &d("part-delegate-3.json"),
            "--out",
            &d("short.json"),
            "--csv",
            &d("short.csv"),
        ],
    );
    assert!(!short.status.success());
    assert!(
        String::from_utf8_lossy(&short.stderr).contains("presidency and at least two delegates")
    );
    ok(
        CLES,
        &[
            "combine",
            "--board",
            &d("board.jsonl"),
            "--partial",
            &d("part-presidency.json"),
            &d("part-delegate-1.json"),
            &d("part-delegate-3.json"),
            "--out",
            &d("results.json"),
            "--csv",
            &d("results.csv"),
        ],
    );
    let results: Results =
        serde_json::from_slice(&std::fs::read(dir.join("results.json")).unwrap()).unwrap();
    for s in &results.scrutins {
        let got: Vec<u64> = s.lists.iter().map(|l| l.votes).chain([s.blanks]).collect();
        assert_eq!(got, g.votes[&s.id], "scrutin {}", s.id);
    }
    assert_eq!(results.scrutins.iter().map(|s| s.ballots).sum::<u64>(), 1000);
    let csv = std::fs::read_to_string(dir.join("results.csv")).unwrap();
    assert!(csv.contains("CAPA,CAPA,votants,500\n"), "{csv}");
    // anyone's verifier
    let out = ok(VERIF, &[&d("board.jsonl"), &d("results.json")]);
    assert!(out.contains("VERIFIED"), "{out}");
    assert!(out.contains("scrutin CTM: 500 ballots"), "{out}");
    let mut wrong = results.clone();
    wrong.scrutins[0].lists[0].votes += 1;
    std::fs::write(dir.join("wrong.json"), serde_json::to_vec(&wrong).unwrap()).unwrap();
    let out = run(VERIF, &[&d("board.jsonl"), &d("wrong.json")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("FAILED  totals"));
    std::fs::remove_dir_all(&dir).unwrap();
    eprintln!("an election of 1,000 ballots end to end: {:.1} s", start.elapsed().as_secs_f64());
}
