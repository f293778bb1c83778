//! `electeur-admin` run as an administrator runs it, against a DynamoDB emulator of its own; the
//! table is then read through the store the functions use.

mod common;

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{TimeZone, Utc};
use common::{assert_same, examples, import_examples, Env};
use shared::calendar::Need;
use shared::memory::sample_mail;
use shared::model::{AccountStatus, Calendar, Claim, ClaimCategory, ClaimStatus};
use shared::ports::{Ballots, Calendars, Claims, RollCursor, Voters};

async fn electoral_list(env: &Env, scrutin: &str) -> Vec<String> {
    let (entries, next) = env
        .store()
        .electoral_list_page(scrutin, RollCursor { shard: 'A', after: None }, 500)
        .await
        .unwrap();
    assert!(next.is_none());
    entries.into_iter().map(|e| format!("{} {}", e.last_name, e.first_name)).collect()
}

fn journal(env: &Env) -> String {
    env.admin(&["journal"]).ok().stdout
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_import_writes_ballots_lists_and_voters() {
    let env = Env::new("valid");
    let run = import_examples(&env, &[]).ok();
    assert!(run.stdout.contains("scrutins : 3 créés, 0 modifiés, 0 inchangés"), "{}", run.stdout);
    assert!(run.stdout.contains("électeurs : 8 créés, 0 modifiés, 0 inchangés"), "{}", run.stdout);
    assert!(run.stdout.contains("écriture : 34 éléments"), "{}", run.stdout);

    let store = env.store();
    let voter = store.voter("2000004").await.unwrap().expect("profile written");
    assert_eq!(
        (voter.roll.first_name.as_str(), voter.roll.last_name.as_str()),
        ("Jeanne", "d'Arc")
    );
    assert_eq!(voter.roll.scrutins, vec!["CSA-MEN", "CAPN-CERTIFIES"]);
    assert_eq!(voter.status, AccountStatus::NotActivated);
    assert_eq!(
        store.voter_id_for_email("jeanne.darc@ac-versailles.fr").await.unwrap().as_deref(),
        Some("2000004")
    );

    let ballots = store.scrutins(&["CSA-MEN".into(), "CAPN-CERTIFIES".into()]).await.unwrap();
    assert_eq!(ballots.len(), 2);
    let men = &ballots[0];
    assert_eq!(men.description, "Scrutin ministériel : tous les personnels votent.");
    assert_eq!(
        men.candidate_lists.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(),
        ["Liste UNSA Éducation", "Liste FSU", "Liste SGEN-CFDT, pour tous"]
    );
    assert_eq!(
        men.candidate_lists[1].candidates.iter().map(|c| c.last_name.as_str()).collect::<Vec<_>>(),
        ["Delmas", "Carpentier"]
    );

    assert_eq!(
        electoral_list(&env, "CAPN-CERTIFIES").await,
        ["d'Arc Jeanne", "Écuyer Hélène", "Martin Marie", "Martin Pierre", "Yılmaz Ayşe"]
    );
    // the import counted every list it wrote
    assert_eq!(store.electoral_list_count("CAPN-CERTIFIES").await.unwrap(), Some(5));
    let men = electoral_list(&env, "CSA-MEN").await.len() as u64;
    assert_eq!(store.electoral_list_count("CSA-MEN").await.unwrap(), Some(men));
    let counts = env.count_types().await;
    assert_eq!(
        (counts["voter"], counts["email"], counts["roll_entry"], counts["scrutin"]),
        (8, 8, 18, 10),
        "{counts:?}"
    );
    assert!(journal(&env).contains("test-admin     import"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_file_writes_nothing_and_every_error_is_reported() {
    let env = Env::new("invalid");
    let scrutins =
        env.file("scrutins.csv", "scrutin_id,name\nCSA-MEN,Comité ministériel\nBAD ID,Mauvais\n");
    let lists = env.file(
        "lists.csv",
        "list_id,scrutin_id,order,name\nL1,CSA-MEN,1,Liste A\nL2,INCONNU,1,Liste B\n",
    );
    let voters = env.file(
        "voters.csv",
        "voter_id,email,civility,first_name,last_name,scrutins\n\
         1,ok@ac-versailles.fr,Mme,Ada,Lovelace,CSA-MEN\n\
         2,pas-une-adresse,M.,Charles,Babbage,CSA-MEN\n\
         3,c@ac-versailles.fr,M.,Alan,Turing,CSA-MEN|SCRUTIN-FANTOME\n\
         1,d@ac-versailles.fr,M.,Grace,Hopper,CSA-MEN\n\
         5,OK@ac-versailles.fr,Mme,Hedy,Lamarr,CSA-MEN\n\
         6,e@ac-versailles.fr,Dr,Blaise,Pascal,CSA-MEN\n",
    );
    let run =
        env.admin(&["import", "--scrutins", &scrutins, "--lists", &lists, "--voters", &voters]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    let expected = [
        format!("{scrutins}:3: identifiant de scrutin « BAD ID » invalide (1 à 64 lettres, chiffres, « - » ou « _ »)"),
        format!("{lists}:3: scrutin « INCONNU » absent du fichier des scrutins"),
        format!("{voters}:3: adresse électronique « pas-une-adresse » invalide"),
        format!("{voters}:4: scrutin « SCRUTIN-FANTOME » inconnu : absent du fichier des scrutins et de la table"),
        format!("{voters}:5: identifiant d'électeur « 1 » déjà présent ligne 2"),
        format!("{voters}:6: adresse « ok@ac-versailles.fr » déjà présente ligne 2"),
        format!("{voters}:7: civilité « Dr » inconnue (M. ou Mme)"),
    ];
    for line in &expected {
        assert!(run.stderr.lines().any(|l| l == line), "missing: {line}\n{}", run.stderr);
    }
    assert!(
        run.stderr.contains(&format!("{} problème(s) : rien n'a été écrit", expected.len())),
        "{}",
        run.stderr
    );
    assert_same(&Default::default(), &env.snapshot().await);
    assert!(journal(&env).contains("0 action(s)"));

    // a file in conflict with the table is refused as a whole too
    import_examples(&env, &[]).ok();
    let before = env.snapshot().await;
    let voters = env.file(
        "late.csv",
        "voter_id,email,civility,first_name,last_name,scrutins\n\
         3000001,nouveau@ac-versailles.fr,M.,Nouveau,Venu,CSA-MEN\n\
         3000002,marie.martin@ac-versailles.fr,Mme,Marie,Homonyme,CSA-MEN\n",
    );
    let run = env.admin(&["import", "--voters", &voters]);
    assert_eq!(run.code, 2, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "{voters}:3: l'adresse « marie.martin@ac-versailles.fr » est celle de l'électeur « 2000001 » dans la table"
        )),
        "{}",
        run.stderr
    );
    assert_same(&before, &env.snapshot().await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rerun_changes_nothing_an_update_keeps_the_account_and_a_new_address_reopens_it() {
    let env = Env::new("rerun");
    import_examples(&env, &[]).ok();
    let first = env.snapshot().await;
    let run = import_examples(&env, &[]).ok();
    assert!(run.stdout.contains("scrutins : 0 créés, 0 modifiés, 3 inchangés"), "{}", run.stdout);
    assert!(run.stdout.contains("électeurs : 0 créés, 0 modifiés, 8 inchangés"), "{}", run.stdout);
    assert!(run.stdout.contains("écriture : 0 éléments en 0 appels"), "{}", run.stdout);
    assert_same(&first, &env.snapshot().await);

    // ballots alone keep their lists; lists alone keep their candidates
    let s = examples().join("scrutins.csv").display().to_string();
    let l = examples().join("lists.csv").display().to_string();
    assert!(env
        .admin(&["import", "--scrutins", &s])
        .ok()
        .stdout
        .contains("scrutins : 0 créés, 0 modifiés, 3 inchangés"));
    assert!(env
        .admin(&["import", "--scrutins", &s, "--lists", &l])
        .ok()
        .stdout
        .contains("scrutins : 0 créés, 0 modifiés, 3 inchangés"));
    assert_same(&first, &env.snapshot().await);

    // an activated voter whose roll data change keeps every part of their account
    let n = |v: u64| AttributeValue::N(v.to_string());
    let client = env.client();
    client
        .update_item()
        .table_name(&env.table)
        .key(store_dynamodb::keys::PK, AttributeValue::S(store_dynamodb::keys::voter_key("2000001").0))
        .key(store_dynamodb::keys::SK, AttributeValue::S(store_dynamodb::keys::voter_key("2000001").1))
        .update_expression("SET #s = :active, password_hash = :ph, token_gen = :tg, cred_version = :cv, skip_count = :sc")
        .expression_attribute_names("#s", "status")
        .expression_attribute_values(":active", AttributeValue::S("active".into()))
        .expression_attribute_values(":ph", AttributeValue::S("$argon2id$v=19$fake".into()))
        .expression_attribute_values(":tg", n(5))
        .expression_attribute_values(":cv", n(3))
        .expression_attribute_values(":sc", n(2))
        .send()
        .await
        .unwrap();
    let original = std::fs::read_to_string(examples().join("voters.csv")).unwrap();
    let changed = original.replace(
        "2000001,marie.martin@ac-versailles.fr,Mme,Marie,Martin,CSA-MEN|CSA-ACA-VERSAILLES|CAPN-CERTIFIES",
        "2000001,marie.martin@ac-versailles.fr,Mme,Marie,Martin-Durand,CSA-MEN|CAPN-CERTIFIES",
    );
    assert_ne!(changed, original);
    let voters = env.file("voters.csv", &changed);
    let run = env.admin(&["import", "--voters", &voters]).ok();
    assert!(run.stdout.contains("électeurs : 0 créés, 1 modifiés, 7 inchangés"), "{}", run.stdout);

    let store = env.store();
    let voter = store.voter("2000001").await.unwrap().unwrap();
    assert_eq!(voter.status, AccountStatus::Active);
    assert_eq!(voter.password_hash.as_deref(), Some("$argon2id$v=19$fake"));
    assert_eq!(
        (voter.token_generation, voter.credentials_version, voter.accesses_without_activation),
        (5, 3, 2)
    );
    assert_eq!(voter.roll.last_name, "Martin-Durand");
    assert_eq!(voter.roll.scrutins, vec!["CSA-MEN", "CAPN-CERTIFIES"]);
    assert_eq!(
        store.voter_id_for_email("marie.martin@ac-versailles.fr").await.unwrap().as_deref(),
        Some("2000001")
    );
    assert!(!electoral_list(&env, "CSA-ACA-VERSAILLES").await.iter().any(|e| e.contains("Marie")));
    assert!(electoral_list(&env, "CAPN-CERTIFIES")
        .await
        .contains(&"Martin-Durand Marie".to_string()));
    let counts = env.count_types().await;
    assert_eq!((counts["voter"], counts["email"], counts["roll_entry"]), (8, 8, 17), "{counts:?}");

    // and running that file again changes nothing either
    let settled = env.snapshot().await;
    assert!(env
        .admin(&["import", "--voters", &voters])
        .ok()
        .stdout
        .contains("électeurs : 0 créés, 0 modifiés, 8 inchangés"));
    assert_same(&settled, &env.snapshot().await);

    // a new address voids the links and sessions of the old one and reopens activation, journaled
    let moved = changed.replace(
        "2000001,marie.martin@ac-versailles.fr,",
        "2000001,marie.martin-durand@ac-versailles.fr,",
    );
    assert_ne!(moved, changed);
    let voters = env.file("voters-moved.csv", &moved);
    let run = env.admin(&["import", "--voters", &voters]).ok();
    assert!(run.stdout.contains("électeurs : 0 créés, 1 modifiés, 7 inchangés"), "{}", run.stdout);
    let voter = store.voter("2000001").await.unwrap().unwrap();
    assert_eq!(voter.status, AccountStatus::NotActivated);
    assert_eq!(voter.password_hash, None);
    assert_eq!((voter.token_generation, voter.credentials_version), (6, 4));
    assert_eq!(store.voter_id_for_email("marie.martin@ac-versailles.fr").await.unwrap(), None);
    assert_eq!(
        store.voter_id_for_email("marie.martin-durand@ac-versailles.fr").await.unwrap().as_deref(),
        Some("2000001")
    );
    let journal = journal(&env);
    assert!(
        journal.contains("changement d'adresse")
            && journal
                .contains("marie.martin@ac-versailles.fr → marie.martin-durand@ac-versailles.fr"),
        "{journal}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_import_resumes_where_it_stopped() {
    let env = Env::new("resume");
    let dir = env.path("generated");
    env.admin(&["generate", "--voters", "600", "--out", &dir]).ok();
    let files = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["import".to_string()];
        for (flag, name) in [
            ("--scrutins", "scrutins.csv"),
            ("--lists", "lists.csv"),
            ("--candidates", "candidates.csv"),
            ("--voters", "voters.csv"),
        ] {
            args.push(flag.into());
            args.push(format!("{dir}/{name}"));
        }
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    let args = files(&["--interrupt-after", "100", "--concurrency", "2"]);
    let run = env.admin(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(run.code, 3, "{}{}", run.stdout, run.stderr);

    let counts = env.count_types().await;
    let profiles = counts.get("voter").copied().unwrap_or(0);
    let emails = counts.get("email").copied().unwrap_or(0);
    assert!((100..600).contains(&profiles), "{counts:?}");
    assert!(emails >= profiles + 50, "a chunk is half written: {counts:?}");

    let args = files(&[]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = env.admin(&args).ok();
    assert!(run.stdout.contains("scrutins : 0 créés, 0 modifiés, 14 inchangés"), "{}", run.stdout);
    assert!(
        run.stdout.contains(&format!(
            "électeurs : {} créés, 0 modifiés, {profiles} inchangés",
            600 - profiles
        )),
        "{}",
        run.stdout
    );
    let counts = env.count_types().await;
    assert_eq!(
        (counts["voter"], counts["email"], counts["roll_entry"]),
        (600, 600, 1800),
        "{counts:?}"
    );

    let done = env.snapshot().await;
    let run = env.admin(&args).ok();
    assert!(
        run.stdout.contains("électeurs : 0 créés, 0 modifiés, 600 inchangés"),
        "{}",
        run.stdout
    );
    assert_same(&done, &env.snapshot().await);
}

/// Sets a whole calendar, in Paris time, as an administrator would.
fn set_the_example_calendar(env: &Env) {
    env.admin(&[
        "calendar",
        "set",
        "--activation-opens",
        "2026-10-13T09:00",
        "--claim-deadline",
        "2026-11-20 17:00",
        "--voting-opens",
        "2026-12-01T09:00",
        "--voting-closes",
        "2026-12-08T17:00",
    ])
    .ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_calendar_is_set_in_paris_time_and_read_by_the_functions_store() {
    let env = Env::new("calendar");
    assert!(env.admin(&["calendar", "show"]).ok().stdout.contains("Aucun calendrier"));
    assert_eq!(
        env.admin(&["calendar", "set", "--voting-opens", "2026-12-01T09:00"]).code,
        1,
        "a first calendar needs every date"
    );
    set_the_example_calendar(&env);
    let utc = |m, d, h| Utc.with_ymd_and_hms(2026, m, d, h, 0, 0).unwrap();
    let expected = Calendar {
        activation_opens_at: utc(10, 13, 7),
        claim_deadline: utc(11, 20, 16),
        voting_opens_at: utc(12, 1, 8),
        voting_closes_at: utc(12, 8, 16),
    };
    let stored = env.store().calendar().await.unwrap().expect("calendar stored");
    assert_eq!(stored, expected);
    assert!(stored.require(Need::ClaimsOpen, utc(11, 20, 15)).is_ok());
    assert!(stored.require(Need::ClaimsOpen, utc(11, 20, 16)).is_err());

    let show = env.admin(&["calendar", "show"]).ok().stdout;
    assert!(show.contains("13/10/2026 09:00 CEST  (2026-10-13T07:00:00Z)"), "{show}");
    assert!(show.contains("01/12/2026 09:00 CET  (2026-12-01T08:00:00Z)"), "{show}");

    // one date changes, the others stay
    env.admin(&["calendar", "set", "--voting-closes", "2026-12-08T18:00"]).ok();
    let stored = env.store().calendar().await.unwrap().unwrap();
    assert_eq!(stored, Calendar { voting_closes_at: utc(12, 8, 17), ..expected });

    // dates out of order, or an hour Paris skips, are refused and change nothing
    let run = env.admin(&["calendar", "set", "--claim-deadline", "2026-12-09T10:00"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("dans le désordre"), "{}", run.stderr);
    let run = env.admin(&["calendar", "set", "--voting-opens", "2026-03-29T02:30"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("n'existe pas à Paris"), "{}", run.stderr);
    assert_eq!(env.store().calendar().await.unwrap().unwrap().voting_closes_at, utc(12, 8, 17));
    assert_eq!(journal(&env).matches("calendar-set").count(), 2);
}

fn claim(
    voter_id: &str,
    scrutin: Option<&str>,
    category: ClaimCategory,
    text: &str,
    reference: &str,
    minute: u32,
) -> Claim {
    Claim {
        reference: reference.to_string(),
        voter_id: voter_id.to_string(),
        category,
        scrutin_id: scrutin.map(str::to_string),
        text: text.to_string(),
        created_at: Utc.with_ymd_and_hms(2026, 11, 2, 10, minute, 0).unwrap(),
        status: ClaimStatus::Open,
        fingerprint: format!("fp-{reference}"),
        idempotency_key: format!("key-{reference}"),
        acknowledged: false,
    }
}

fn read_csv(text: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            headers
                .iter()
                .zip(r.unwrap().iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_claims_export_matches_the_claims_filed() {
    let env = Env::new("claims");
    import_examples(&env, &[]).ok();
    let store = env.store();
    let filed = [
        claim(
            "2000001",
            Some("CSA-MEN"),
            ClaimCategory::ListeElectorale,
            "Mon nom est mal orthographié sur la liste.",
            "REC-20261102-AAAAAA",
            1,
        ),
        claim(
            "2000002",
            None,
            ClaimCategory::AccesPortail,
            "Je n'ai jamais reçu le courriel d'activation.",
            "REC-20261102-BBBBBB",
            2,
        ),
        claim(
            "2000003",
            Some("CAPN-CERTIFIES"),
            ClaimCategory::ListeCandidats,
            "Liste « SNALC », candidat 2 :\n\"Joly\", pas Jolie; merci.",
            "REC-20261102-CCCCCC",
            3,
        ),
    ];
    for c in &filed {
        store.file_claim(c, 100, &sample_mail(&c.voter_id)).await.unwrap();
    }

    let out = env.path("claims.csv");
    assert!(env
        .admin(&["claims", "export", "--out", &out])
        .ok()
        .stdout
        .contains("3 réclamation(s) exportée(s)"));
    let rows = read_csv(&std::fs::read_to_string(&out).unwrap());
    assert_eq!(rows.len(), filed.len());
    let emails = [
        "marie.martin@ac-versailles.fr",
        "jean.bernard@ac-versailles.fr",
        "helene.ecuyer@ac-versailles.fr",
    ];
    for ((row, c), email) in rows.iter().zip(&filed).zip(emails) {
        assert_eq!(row["reference"], c.reference);
        assert_eq!(row["voter_id"], c.voter_id);
        assert_eq!(row["email"], email);
        assert_eq!(row["scrutin_id"], c.scrutin_id.clone().unwrap_or_default());
        assert_eq!(row["category"], c.category.as_str());
        assert_eq!(row["status"], "open");
        assert_eq!(row["text"], c.text);
        assert_eq!(chrono::DateTime::parse_from_rfc3339(&row["created_at"]).unwrap(), c.created_at);
    }

    let by_ballot =
        read_csv(&env.admin(&["claims", "export", "--scrutin", "CAPN-CERTIFIES"]).ok().stdout);
    assert_eq!(
        by_ballot.iter().map(|r| r["reference"].as_str()).collect::<Vec<_>>(),
        ["REC-20261102-CCCCCC"]
    );
    let general = read_csv(&env.admin(&["claims", "export", "--general"]).ok().stdout);
    assert_eq!(
        general.iter().map(|r| r["reference"].as_str()).collect::<Vec<_>>(),
        ["REC-20261102-BBBBBB"]
    );

    env.admin(&["claims", "answer", "REC-20261102-AAAAAA", "--note", "nom corrigé"]).ok();
    let again = env.admin(&["claims", "answer", "REC-20261102-AAAAAA"]);
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("déjà traitée"), "{}", again.stderr);
    assert_eq!(env.admin(&["claims", "answer", "REC-INCONNUE"]).code, 1);
    let open = read_csv(&env.admin(&["claims", "export", "--status", "open"]).ok().stdout);
    assert_eq!(
        open.iter().map(|r| r["reference"].as_str()).collect::<Vec<_>>(),
        ["REC-20261102-BBBBBB", "REC-20261102-CCCCCC"]
    );
    let answered = read_csv(
        &env.admin(&["claims", "export", "--status", "answered", "--scrutin", "CSA-MEN"])
            .ok()
            .stdout,
    );
    assert_eq!(answered.len(), 1);
    assert_eq!(answered[0]["answered_by"], "test-admin");
    let list = env.admin(&["claims", "list"]).ok().stdout;
    assert!(filed.iter().all(|c| list.contains(&c.reference)), "{list}");
    assert!(journal(&env).contains("claim-answer   REC-20261102-AAAAAA"));

    // statistics count claims and accounts by ballot
    let client = env.client();
    for (id, expression) in [("2000001", "SET #s = :v"), ("2000002", "SET skip_count = :n")] {
        let (pk, sk) = store_dynamodb::keys::voter_key(id);
        let mut req = client
            .update_item()
            .table_name(&env.table)
            .key(store_dynamodb::keys::PK, AttributeValue::S(pk))
            .key(store_dynamodb::keys::SK, AttributeValue::S(sk))
            .update_expression(expression);
        req = if expression.contains("#s") {
            req.expression_attribute_names("#s", "status")
                .expression_attribute_values(":v", AttributeValue::S("active".into()))
        } else {
            req.expression_attribute_values(":n", AttributeValue::N("2".into()))
        };
        req.send().await.unwrap();
    }
    let stats = env.admin(&["stats", "--segments", "2"]).ok().stdout;
    for line in [
        "électeurs inscrits        : 8",
        "comptes activés           : 1 (12.5 %)",
        "accès sans activation     : 2 accès ; 1 électeurs entrés sans activer et toujours non activés",
        "réclamations              : 3 (2 ouvertes, 1 traitées)",
    ] {
        assert!(stats.contains(line), "missing {line} in\n{stats}");
    }
    let men = stats.lines().find(|l| l.starts_with("CSA-MEN ")).expect("CSA-MEN line");
    assert_eq!(
        men.split_whitespace().take(7).collect::<Vec<_>>(),
        ["CSA-MEN", "8", "1", "12.5%", "1", "0", "1"],
        "{men}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_removed_voter_leaves_the_roll_in_one_logged_step() {
    let env = Env::new("remove");
    import_examples(&env, &[]).ok();
    let store = env.store();
    store
        .file_claim(
            &claim(
                "2000004",
                Some("CAPN-CERTIFIES"),
                ClaimCategory::ListeElectorale,
                "Je ne suis plus certifiée.",
                "REC-20261102-DDDDDD",
                4,
            ),
            100,
            &sample_mail("2000004"),
        )
        .await
        .unwrap();

    assert_eq!(
        env.admin(&["remove-voter", "--voter-id", "2000004"]).code,
        2,
        "a reason is required"
    );
    let run = env
        .admin(&[
            "remove-voter",
            "--email",
            "Jeanne.Darc@ac-versailles.fr",
            "--reason",
            "REC-20261102-DDDDDD",
        ])
        .ok();
    assert!(
        run.stdout.contains("électeur 2000004 (jeanne.darc@ac-versailles.fr) retiré"),
        "{}",
        run.stdout
    );
    assert!(store.voter("2000004").await.unwrap().is_none());
    assert_eq!(store.voter_id_for_email("jeanne.darc@ac-versailles.fr").await.unwrap(), None);
    assert!(!electoral_list(&env, "CAPN-CERTIFIES").await.iter().any(|e| e.contains("Jeanne")));
    assert!(!electoral_list(&env, "CSA-MEN").await.iter().any(|e| e.contains("Jeanne")));
    // the lists she left are counted again
    for scrutin in ["CAPN-CERTIFIES", "CSA-MEN"] {
        let listed = electoral_list(&env, scrutin).await.len() as u64;
        assert_eq!(store.electoral_list_count(scrutin).await.unwrap(), Some(listed), "{scrutin}");
    }
    let counts = env.count_types().await;
    assert_eq!(
        (counts["voter"], counts["email"], counts["roll_entry"], counts["claim"]),
        (7, 7, 16, 1),
        "{counts:?}"
    );
    assert!(env.admin(&["claims", "list"]).ok().stdout.contains("(retiré de la liste)"));

    let again = env.admin(&["remove-voter", "--voter-id", "2000004", "--reason", "doublon"]);
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("n'est pas sur la liste électorale"), "{}", again.stderr);

    // added back late, with a fresh account
    let add = [
        "add-voter",
        "--voter-id",
        "2000004",
        "--email",
        "jeanne.darc@ac-versailles.fr",
        "--civility",
        "Mme",
        "--first-name",
        "Jeanne",
        "--last-name",
        "d'Arc",
        "--scrutin",
        "CSA-MEN",
        "--scrutin",
        "CAPN-CERTIFIES",
        "--reason",
        "inscription tardive",
    ];
    assert!(env.admin(&add).ok().stdout.contains("électeur 2000004 ajouté"));
    let voter = store.voter("2000004").await.unwrap().unwrap();
    assert_eq!(voter.status, AccountStatus::NotActivated);
    assert!(voter.token_generation > 1_700_000_000, "counters start at the creation second");
    assert!(electoral_list(&env, "CAPN-CERTIFIES").await.contains(&"d'Arc Jeanne".to_string()));
    assert!(env.admin(&add).ok().stdout.contains("rien à faire"));
    let mut unknown = add.to_vec();
    unknown[14] = "CSA-FANTOME";
    let run = env.admin(&unknown);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("CSA-FANTOME"), "{}", run.stderr);

    let log = journal(&env);
    assert!(
        log.contains("remove-voter   2000004") && log.contains("motif : REC-20261102-DDDDDD"),
        "{log}"
    );
    assert!(
        log.contains("add-voter      2000004") && log.contains("motif : inscription tardive"),
        "{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_never_overwrites_a_real_election_unless_told() {
    let env = Env::new("demo-guard");
    import_examples(&env, &[]).ok();
    let before = env.snapshot().await;

    let refused = env.admin(&["demo", "--voters", "5"]);
    assert_eq!(refused.code, 1, "{}", refused.stdout);
    assert!(refused.stderr.contains("n'est pas la démonstration"), "{}", refused.stderr);
    assert_eq!(env.snapshot().await, before, "a refused demo writes nothing");

    // A table holding only a calendar is not the demo's either; told explicitly, the demo goes in.
    let other = Env::new("demo-force");
    set_the_example_calendar(&other);
    assert_eq!(other.admin(&["demo", "--voters", "5"]).code, 1);
    let forced = other.admin(&["demo", "--voters", "5", "--force"]).ok();
    assert!(forced.stdout.contains("demo identifier:"), "{}", forced.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_loads_into_an_empty_table_and_again_over_itself() {
    let env = Env::new("demo-again");
    env.admin(&["demo", "--voters", "5"]).ok();
    let again = env.admin(&["demo", "--voters", "5"]).ok();
    assert!(again.stdout.contains("demo identifier:"), "{}", again.stdout);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn voter_trail_shows_the_events_of_one_voter_newest_first() {
    use shared::audit::{AuditEvent, AuditKind};
    use shared::ports::AuditTrail;
    let env = Env::new("trail");
    import_examples(&env, &[]).ok();
    let store = env.store();
    let t = Utc.with_ymd_and_hms(2026, 11, 2, 9, 30, 0).unwrap().timestamp();
    for (i, kind) in [AuditKind::ActivationAsked, AuditKind::LoginFailed, AuditKind::Locked]
        .into_iter()
        .enumerate()
    {
        let detail = (kind == AuditKind::Locked).then_some("login");
        store.record_event(&AuditEvent::new("2000004", kind, t + i as i64, detail)).await.unwrap();
    }
    store
        .record_event(&AuditEvent::new("2000001", AuditKind::LoginSucceeded, t, None))
        .await
        .unwrap();

    // The administration's change of address is recorded with the change.
    env.admin(&[
        "add-voter",
        "--voter-id",
        "2000004",
        "--email",
        "jeanne.darc2@ac-versailles.fr",
        "--civility",
        "Mme",
        "--first-name",
        "Jeanne",
        "--last-name",
        "d'Arc",
        "--scrutin",
        "CSA-MEN",
        "--scrutin",
        "CAPN-CERTIFIES",
        "--reason",
        "adresse corrigée",
    ])
    .ok();

    let run = env.admin(&["voter-trail", "--email", "Jeanne.Darc2@ac-versailles.fr"]).ok();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(lines[0].contains("électeur 2000004 : 4 événement(s)"), "{}", run.stdout);
    assert!(
        lines[1].contains("address_changed")
            && lines[1].contains("Adresse modifiée par l'administration"),
        "{}",
        run.stdout
    );
    assert!(
        lines[2].contains("2026-11-02T09:30:02Z")
            && lines[2].contains("locked")
            && lines[2].contains("(login)"),
        "{}",
        run.stdout
    );
    assert!(
        lines[3].contains("login_failed") && lines[3].contains("Mot de passe erroné"),
        "{}",
        run.stdout
    );
    assert!(
        lines[4].contains("02/11/2026 10:30") && lines[4].contains("activation_asked"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("login_succeeded"), "another voter's event: {}", run.stdout);

    let by_id = env.admin(&["voter-trail", "--voter-id", "2000004", "--limit", "1"]).ok();
    assert_eq!(by_id.stdout.lines().count(), 2, "{}", by_id.stdout);
    let unknown = env.admin(&["voter-trail", "--email", "personne@ac-versailles.fr"]);
    assert_ne!(unknown.code, 0);
    assert!(unknown.stderr.contains("aucun électeur"), "{}", unknown.stderr);
}
