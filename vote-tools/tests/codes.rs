//! electeur-codes run as the credential authority runs it, over a small roll: the codes of the
//! notices against the portal's lists, the ledger, reissues, refusals.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use vote::credential::Credential;
use vote_tools::codes::files::{CredentialLists, CredentialUpdate, Ledger, NoticeRow, Status};

const ELECTION: &str = "essai2026";

/// Voter ids in upper case so that none can hide inside lowercase hex.
const ROLL: &str = "\u{feff}voter_id,email,civility,first_name,last_name,scrutins
ELV1,ada.lovelace@ac-paris.fr,Mme,Ada,Lovelace,CSA-MEN|CAPN-CERT
ELV2,Blaise.Pascal@AC-Paris.fr,M.,Blaise,Pascal,CSA-MEN
ELV3,emilie.chatelet@ac-lyon.fr,Mme,Émilie,du Châtelet,CSA-MEN|CAPN-CERT|CCP-AESH
ELV4,henri.poincare@ac-nancy.fr,M.,Henri,Poincaré,CSA-MEN|CCP-AESH
ELV5,sophie.germain@ac-paris.fr,Mme,Sophie,Germain,CSA-MEN|CAPN-CERT
";

const SCRUTINS: &str = "scrutin_id,name,description
CSA-MEN,Comité social d'administration ministériel,
CAPN-CERT,CAPN des professeurs certifiés,
CCP-AESH,CCP des AESH,
";

/// A scratch folder removed at the end of the test.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("electeur-codes-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
    fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
    fn write(&self, name: &str, content: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, content).unwrap();
        p
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn codes(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_electeur-codes")).args(args).output().unwrap()
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "status {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json<T: for<'de> serde::Deserialize<'de>>(path: &Path) -> T {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn notices(path: &Path) -> Vec<NoticeRow> {
    csv::Reader::from_path(path).unwrap().deserialize().map(Result::unwrap).collect()
}

fn public(code: &str) -> String {
    Credential::from_code(ELECTION, code).unwrap().public.hex()
}

fn generate(dir: &Scratch, out: &str, extra: &[&str]) -> Output {
    let roll = dir.write("voters.csv", ROLL);
    let scrutins = dir.write("scrutins.csv", SCRUTINS);
    let out = dir.path(out);
    let mut args = vec![
        "generate",
        "--election",
        ELECTION,
        "--roll",
        roll.to_str().unwrap(),
        "--scrutins",
        scrutins.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--opens",
        "2026-12-01T09:00",
        "--closes",
        "2026-12-08T17:00",
    ];
    args.extend_from_slice(extra);
    codes(&args)
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn every_notice_code_opens_exactly_its_voters_scrutins() {
    let dir = Scratch::new("generate");
    ok(generate(&dir, "out", &[]));
    let out = dir.path("out");
    let lists: CredentialLists = json(&out.join("credentials.json"));
    assert_eq!(lists.election, ELECTION);
    let rows = notices(&out.join("notices.csv"));
    assert_eq!(rows.len(), 5);

    let mut all = HashSet::new();
    for row in &rows {
        assert_eq!(row.code.len(), 19, "four groups of four: {}", row.code);
        assert_eq!(row.code.matches('-').count(), 3);
        let c = public(&row.code);
        assert!(all.insert(c.clone()), "two voters with one credential");
        let mine: BTreeSet<&str> = row.scrutins.split('|').collect();
        for (scrutin, list) in &lists.scrutins {
            assert_eq!(
                list.contains(&c),
                mine.contains(scrutin.as_str()),
                "{} on {scrutin}",
                row.voter_id
            );
        }
    }
    let sizes: BTreeMap<&str, usize> =
        lists.scrutins.iter().map(|(s, l)| (s.as_str(), l.len())).collect();
    assert_eq!(sizes, BTreeMap::from([("CAPN-CERT", 3), ("CCP-AESH", 2), ("CSA-MEN", 5)]));
    for list in lists.scrutins.values() {
        assert!(list.windows(2).all(|w| w[0] < w[1]), "sorted, no repeat");
    }

    // The portal's file names nobody.
    let text = std::fs::read_to_string(out.join("credentials.json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["election", "scrutins"]);
    for row in &rows {
        for personal in [&row.voter_id, &row.email, &row.last_name, &row.first_name] {
            assert!(!text.contains(personal.as_str()), "{personal} in credentials.json");
        }
        assert!(!text.contains(&row.code) && !text.contains(&row.code.replace('-', "")));
    }
    assert_eq!(rows[1].email, "blaise.pascal@ac-paris.fr", "stored as the import stores it");

    // The ledger: every voter with their credential, never a code.
    let ledger_text = std::fs::read_to_string(out.join("ledger.json")).unwrap();
    let ledger: Ledger = serde_json::from_str(&ledger_text).unwrap();
    assert_eq!(ledger.demo_seed, None);
    for row in &rows {
        let v = &ledger.voters[&row.voter_id];
        assert_eq!(v.credentials.len(), 1);
        assert_eq!(v.credentials[0].status, Status::Active);
        assert_eq!(v.credentials[0].credential, public(&row.code));
        assert_eq!(v.scrutins.join("|"), row.scrutins);
        assert!(
            !ledger_text.contains(&row.code) && !ledger_text.contains(&row.code.replace('-', ""))
        );
    }

    // The printable notices: one page each, with the voter's names, code and scrutins.
    let printable = std::fs::read_to_string(out.join("notices.txt")).unwrap();
    let pages: Vec<&str> = printable.split('\x0c').collect();
    assert_eq!(pages.len(), 5);
    for (page, row) in pages.iter().zip(&rows) {
        assert!(page.contains(&format!("{} {} {}", row.civility, row.first_name, row.last_name)));
        assert!(page.contains(&row.code));
        assert!(page.contains("mardi 1er décembre 2026 à 9 h 00"));
        assert!(!page.contains("DÉMONSTRATION"));
    }
    assert!(pages[2].contains("CCP des AESH (CCP-AESH)"));
    assert!(!pages[1].contains("CAPN"));

    #[cfg(unix)]
    {
        assert_eq!(mode(&out.join("ledger.json")), 0o600);
        assert_eq!(mode(&out.join("notices.csv")), 0o600);
        assert_eq!(mode(&out.join("notices.txt")), 0o600);
    }

    let report = ok(codes(&[
        "check",
        "--credentials",
        out.join("credentials.json").to_str().unwrap(),
        "--ledger",
        out.join("ledger.json").to_str().unwrap(),
    ]));
    assert!(report.contains("scrutin CSA-MEN : 5 clés publiques pour 5 électeurs"), "{report}");
}

#[test]
fn codes_are_fresh_unless_a_demo_seed_is_given() {
    let dir = Scratch::new("demo");
    ok(generate(&dir, "a", &[]));
    ok(generate(&dir, "b", &[]));
    let a = notices(&dir.path("a/notices.csv"));
    let b = notices(&dir.path("b/notices.csv"));
    assert!(a.iter().zip(&b).all(|(x, y)| x.code != y.code));

    let run = generate(&dir, "c", &["--demo-seed", "42"]);
    assert!(String::from_utf8_lossy(&run.stderr).contains("DÉMONSTRATION"));
    ok(run);
    ok(generate(&dir, "d", &["--demo-seed", "42"]));
    let c = notices(&dir.path("c/notices.csv"));
    let d = notices(&dir.path("d/notices.csv"));
    assert_eq!(c, d);
    for row in &c {
        let code = vote_tools::codes::demo_code(ELECTION, 42, &row.voter_id);
        assert_eq!(row.code.replace('-', ""), code);
    }
    let ledger: Ledger = json(&dir.path("c/ledger.json"));
    assert_eq!(ledger.demo_seed, Some(42));
    let printable = std::fs::read_to_string(dir.path("c/notices.txt")).unwrap();
    assert_eq!(printable.matches("DÉMONSTRATION").count(), 5);
}

#[test]
fn a_reissue_revokes_the_old_credential_in_each_scrutin() {
    let dir = Scratch::new("reissue");
    ok(generate(&dir, "out", &[]));
    let ledger_path = dir.path("out/ledger.json");
    let before: Ledger = json(&ledger_path);
    let old_code = notices(&dir.path("out/notices.csv"))
        .into_iter()
        .find(|r| r.voter_id == "ELV3")
        .unwrap()
        .code;
    let old = public(&old_code);

    let stdout = ok(codes(&[
        "reissue",
        "--ledger",
        ledger_path.to_str().unwrap(),
        "--voter",
        "ELV3",
        "--out",
        dir.path("r1").to_str().unwrap(),
        "--reason",
        "demande 17",
    ]));
    assert!(stdout.contains("ELV3"));
    let row = notices(&dir.path("r1/notice.csv")).pop().unwrap();
    assert_eq!(row.voter_id, "ELV3");
    assert_ne!(row.code, old_code);
    let new = public(&row.code);

    let update_text = std::fs::read_to_string(dir.path("r1/update.json")).unwrap();
    assert!(!update_text.contains("ELV3") && !update_text.contains("chatelet"));
    let update: CredentialUpdate = serde_json::from_str(&update_text).unwrap();
    assert_eq!(update.election, ELECTION);
    let scrutins = ["CSA-MEN", "CAPN-CERT", "CCP-AESH"];
    assert_eq!(update.revoke.iter().map(|r| r.scrutin.as_str()).collect::<Vec<_>>(), scrutins);
    assert_eq!(update.add.iter().map(|r| r.scrutin.as_str()).collect::<Vec<_>>(), scrutins);
    assert!(update.revoke.iter().all(|r| r.credential == old));
    assert!(update.add.iter().all(|r| r.credential == new));

    let after: Ledger = json(&ledger_path);
    let v = &after.voters["ELV3"];
    assert_eq!(v.credentials.len(), 2);
    assert_eq!(
        (v.credentials[0].credential.as_str(), v.credentials[0].status),
        (old.as_str(), Status::Revoked)
    );
    assert!(v.credentials[0].revoked_at.is_some());
    assert_eq!(
        (v.credentials[1].credential.as_str(), v.credentials[1].status),
        (new.as_str(), Status::Active)
    );
    assert_eq!(v.credentials[1].reason.as_deref(), Some("demande 17"));
    for id in ["ELV1", "ELV2", "ELV4", "ELV5"] {
        assert_eq!(after.voters[id], before.voters[id]);
    }
    #[cfg(unix)]
    assert_eq!(mode(&ledger_path), 0o600);
    let page = std::fs::read_to_string(dir.path("r1/notice.txt")).unwrap();
    assert!(page.contains("NOUVEAU CODE DE VOTE") && page.contains(&row.code));

    // The lists as the portal holds them once the update is applied agree with the ledger; the
    // original ones still do, with a note on the revoked credential still listed.
    let credentials = dir.path("out/credentials.json");
    let report = ok(codes(&[
        "check",
        "--credentials",
        credentials.to_str().unwrap(),
        "--ledger",
        ledger_path.to_str().unwrap(),
        "--update",
        dir.path("r1/update.json").to_str().unwrap(),
    ]));
    assert!(!report.contains("révoquée"), "{report}");
    let report = ok(codes(&[
        "check",
        "--credentials",
        credentials.to_str().unwrap(),
        "--ledger",
        ledger_path.to_str().unwrap(),
    ]));
    assert!(report.contains("3 clé(s) révoquée(s) encore sur une liste"), "{report}");

    // A second reissue revokes the second code, not the first again.
    ok(codes(&[
        "reissue",
        "--ledger",
        ledger_path.to_str().unwrap(),
        "--voter",
        "ELV3",
        "--out",
        dir.path("r2").to_str().unwrap(),
    ]));
    let update2: CredentialUpdate = json(&dir.path("r2/update.json"));
    assert!(update2.revoke.iter().all(|r| r.credential == new));
    let after2: Ledger = json(&ledger_path);
    let statuses: Vec<Status> =
        after2.voters["ELV3"].credentials.iter().map(|c| c.status).collect();
    assert_eq!(statuses, [Status::Revoked, Status::Revoked, Status::Active]);
}

#[test]
fn nothing_is_ever_overwritten() {
    let dir = Scratch::new("overwrite");
    ok(generate(&dir, "out", &[]));
    let snapshot = |d: &str| -> Vec<Vec<u8>> {
        ["credentials.json", "notices.csv", "notices.txt", "ledger.json"]
            .iter()
            .map(|f| std::fs::read(dir.path(d).join(f)).unwrap())
            .collect()
    };
    let first = snapshot("out");
    let again = generate(&dir, "out", &[]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("existe déjà"));
    assert_eq!(snapshot("out"), first);

    // One file of the four in the way is enough to refuse, and nothing else is written.
    std::fs::create_dir_all(dir.path("partial")).unwrap();
    std::fs::write(dir.path("partial/notices.txt"), "à moi").unwrap();
    assert_eq!(generate(&dir, "partial", &[]).status.code(), Some(2));
    let left: Vec<_> = std::fs::read_dir(dir.path("partial")).unwrap().collect();
    assert_eq!(left.len(), 1);
    assert_eq!(std::fs::read_to_string(dir.path("partial/notices.txt")).unwrap(), "à moi");

    // A reissue into a folder that holds a notice: refused, the ledger unchanged.
    let ledger = dir.path("out/ledger.json");
    let reissue = |to: &str| {
        codes(&[
            "reissue",
            "--ledger",
            ledger.to_str().unwrap(),
            "--voter",
            "ELV1",
            "--out",
            dir.path(to).to_str().unwrap(),
        ])
    };
    ok(reissue("r"));
    let ledger_before = std::fs::read(&ledger).unwrap();
    let notice_before = std::fs::read(dir.path("r/notice.csv")).unwrap();
    let refused = reissue("r");
    assert_eq!(refused.status.code(), Some(2));
    assert_eq!(std::fs::read(&ledger).unwrap(), ledger_before);
    assert_eq!(std::fs::read(dir.path("r/notice.csv")).unwrap(), notice_before);
    // An unknown voter: refused, nothing written.
    let unknown = codes(&[
        "reissue",
        "--ledger",
        ledger.to_str().unwrap(),
        "--voter",
        "ELV9",
        "--out",
        dir.path("r9").to_str().unwrap(),
    ]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(!dir.path("r9").exists());
    assert_eq!(std::fs::read(&ledger).unwrap(), ledger_before);
}

#[test]
fn a_bad_roll_is_reported_line_by_line_and_nothing_is_written() {
    let dir = Scratch::new("badroll");
    let roll = dir.write(
        "voters.csv",
        "voter_id,email,civility,first_name,last_name,scrutins\n\
         V1,a@ac-paris.fr,Mme,Ada,Lovelace,CSA-MEN\n\
         V1,b@ac-paris.fr,M.,Bob,Martin,CSA-MEN\n\
         V3,pas-une-adresse,Dr,,Martin,\n\
         V4,d@ac-paris.fr,M.,Eve,Martin,A|A\n",
    );
    let out = codes(&[
        "generate",
        "--election",
        ELECTION,
        "--roll",
        roll.to_str().unwrap(),
        "--out",
        dir.path("out").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    for expected in [
        "voters.csv:3: identifiant d'électeur « V1 » déjà présent ligne 2",
        "voters.csv:4: adresse électronique « pas-une-adresse » invalide",
        "voters.csv:4: civilité « Dr » inconnue (M. ou Mme)",
        "voters.csv:4: prénom vide",
        "voters.csv:4: aucun scrutin",
        "voters.csv:5: scrutin « A » cité deux fois",
    ] {
        assert!(stderr.contains(expected), "missing {expected} in {stderr}");
    }
    assert!(!dir.path("out").exists());

    // A semicolon file reads with --delimiter, as the import's.
    let roll = dir.write(
        "voters-fr.csv",
        "voter_id;email;civility;first_name;last_name;scrutins\nV7;g@ac-lyon.fr;M.;Gérard;Ollivier;A|B\n",
    );
    ok(codes(&[
        "generate",
        "--election",
        ELECTION,
        "--roll",
        roll.to_str().unwrap(),
        "--delimiter",
        ";",
        "--out",
        dir.path("fr").to_str().unwrap(),
    ]));
    let lists: CredentialLists = json(&dir.path("fr/credentials.json"));
    assert_eq!(lists.scrutins.keys().collect::<Vec<_>>(), ["A", "B"]);
}

#[test]
fn check_names_what_disagrees() {
    let dir = Scratch::new("check");
    ok(generate(&dir, "out", &[]));
    let ledger = dir.path("out/ledger.json");
    let original: CredentialLists = json(&dir.path("out/credentials.json"));
    let run = |lists: &CredentialLists| {
        let p = dir.write("lists.json", &serde_json::to_string(lists).unwrap());
        codes(&[
            "check",
            "--credentials",
            p.to_str().unwrap(),
            "--ledger",
            ledger.to_str().unwrap(),
        ])
    };
    let stderr = |o: Output| {
        assert_eq!(o.status.code(), Some(2));
        String::from_utf8(o.stderr).unwrap()
    };

    let mut removed = original.clone();
    removed.scrutins.get_mut("CSA-MEN").unwrap().pop();
    assert!(stderr(run(&removed)).contains("scrutin CSA-MEN : 1 électeur(s) du registre sans clé"));

    let mut doubled = original.clone();
    let list = doubled.scrutins.get_mut("CAPN-CERT").unwrap();
    list.push(list[0].clone());
    list.sort();
    assert!(stderr(run(&doubled)).contains("en double"));

    let mut stranger = original.clone();
    let extra = Credential::from_code(ELECTION, "0000-0000-0000-0000").unwrap().public.hex();
    stranger.scrutins.get_mut("CCP-AESH").unwrap().push(extra);
    stranger.scrutins.get_mut("CCP-AESH").unwrap().sort();
    assert!(stderr(run(&stranger)).contains("inconnue du registre"));

    // A credential of a voter moved to a scrutin they are not on.
    let mut moved = original.clone();
    let men = moved.scrutins["CSA-MEN"].clone();
    let aesh = moved.scrutins.get_mut("CCP-AESH").unwrap();
    let outsider = men.iter().find(|c| !aesh.contains(c)).unwrap().clone();
    aesh.push(outsider);
    aesh.sort();
    assert!(stderr(run(&moved)).contains("qui ne vote pas à ce scrutin"));

    let mut other = original.clone();
    other.election = "autre".into();
    assert!(stderr(run(&other)).contains("registre de l'élection"));

    ok(run(&original));
}

#[test]
fn late_voters_get_codes_and_an_update_that_only_adds() {
    let dir = Scratch::new("enrol");
    ok(generate(&dir, "out", &[]));
    let ledger = dir.path("out/ledger.json");
    let late = dir.write(
        "late.csv",
        "voter_id,email,civility,first_name,last_name,scrutins\n\
         ELV6,alan.turing@ac-paris.fr,M.,Alan,Turing,CSA-MEN|CCP-AESH\n\
         ELV7,grace.hopper@ac-lyon.fr,Mme,Grace,Hopper,CSA-MEN\n",
    );
    let enrol = |to: &str, roll: &Path| {
        codes(&[
            "enrol",
            "--ledger",
            ledger.to_str().unwrap(),
            "--roll",
            roll.to_str().unwrap(),
            "--out",
            dir.path(to).to_str().unwrap(),
        ])
    };
    ok(enrol("late", &late));
    let rows = notices(&dir.path("late/notices.csv"));
    let update: CredentialUpdate = json(&dir.path("late/update.json"));
    assert!(update.revoke.is_empty());
    let mut expected: Vec<(String, String)> = rows
        .iter()
        .flat_map(|r| {
            let c = public(&r.code);
            r.scrutins.split('|').map(move |s| (s.to_string(), c.clone()))
        })
        .collect();
    expected.sort();
    let added: Vec<(String, String)> =
        update.add.iter().map(|a| (a.scrutin.clone(), a.credential.clone())).collect();
    assert_eq!(added, expected);
    let after: Ledger = json(&ledger);
    assert_eq!(after.voters.len(), 7);
    assert_eq!(after.voters["ELV6"].credentials[0].credential, public(&rows[0].code));

    ok(codes(&[
        "check",
        "--credentials",
        dir.path("out/credentials.json").to_str().unwrap(),
        "--ledger",
        ledger.to_str().unwrap(),
        "--update",
        dir.path("late/update.json").to_str().unwrap(),
    ]));
    // Without the update the lists miss them.
    let without = codes(&[
        "check",
        "--credentials",
        dir.path("out/credentials.json").to_str().unwrap(),
        "--ledger",
        ledger.to_str().unwrap(),
    ]);
    assert_eq!(without.status.code(), Some(2));

    // A voter already in the ledger: refused, nothing written.
    let before = std::fs::read(&ledger).unwrap();
    let again = enrol("again", &late);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("ELV6"));
    assert!(!dir.path("again").exists());
    assert_eq!(std::fs::read(&ledger).unwrap(), before);
}
