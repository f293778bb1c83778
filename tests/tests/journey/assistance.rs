//! The assistance request, as the portal sends it with or without a session, and as the
//! administration lists and answers it with `electeur-admin`: the same reply whatever the
//! identifier, a mail to the roll address only, a cap per identifier, the session's voter.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use e2e::{flows, seed_voter, unknown_identifier, Api, Reply};
use serde_json::{json, Value};

fn admin_binary() -> PathBuf {
    let root =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("repository root").to_path_buf();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    target.join("debug").join("electeur-admin")
}

fn admin(args: &[&str]) -> Output {
    let binary = admin_binary();
    assert!(
        binary.exists(),
        "{} is missing: run the tests through scripts/test.sh",
        binary.display()
    );
    Command::new(&binary).args(args).output().expect("electeur-admin runs")
}

/// `ASSISTANCE_CAP_PER_DAY` as the local stack sets it, else the functions' default.
fn cap() -> usize {
    std::env::var("ASSISTANCE_CAP_PER_DAY").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(3)
}

fn floor() -> Duration {
    let ms = std::env::var("RESPONSE_FLOOR_MS").ok().and_then(|v| v.trim().parse().ok());
    Duration::from_millis(ms.unwrap_or(shared::config::DEFAULT_RESPONSE_FLOOR_MS))
}

fn message() -> String {
    format!("Je n'ai jamais reçu le courriel d'activation ({}).", e2e::voters::random_alnum(12))
}

async fn ask(api: &Api, identifier: &str, text: &str) -> (Reply, Duration) {
    let started = Instant::now();
    let reply = api
        .post_json(
            "/api/assistance",
            json!({ "identifier": identifier, "subject": "courriel_non_recu", "message": text }),
        )
        .await;
    (reply, started.elapsed())
}

/// The body without its reference: what must be the same for every identifier.
fn shape(reply: &Reply) -> Value {
    let mut body = reply.body.clone();
    let reference = body.as_object_mut().and_then(|o| o.remove("reference"));
    let reference = reference.and_then(|r| r.as_str().map(str::to_string)).unwrap_or_default();
    assert!(
        reference.len() == 13 && reference.starts_with("AS-"),
        "a reference AS- and 10 characters: {}",
        reply.text
    );
    body
}

#[tokio::test]
async fn a_known_identifier_and_an_unknown_one_get_the_same_reply_and_only_the_roll_is_mailed() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let stranger = unknown_identifier();
    let known_text = message();
    let (known, known_took) =
        ask(&api, &format!(" {} ", voter.email.to_uppercase()), &known_text).await;
    let (unknown, unknown_took) = ask(&api, &stranger, &message()).await;
    known.expect(202);
    unknown.expect(202);
    assert_eq!(shape(&known), shape(&unknown), "known: {}\nunknown: {}", known.text, unknown.text);
    for took in [known_took, unknown_took] {
        assert!(took >= floor(), "the reply came before the floor: {took:?}");
    }

    let reference = known.str_at("/reference").to_string();
    let ack = voter.mail_number(1).await;
    assert!(
        ack.subject.contains(&reference),
        "the acknowledgement names the reference: {}",
        ack.subject
    );
    assert!(
        !ack.contains(&known_text),
        "the typed message never reaches a mail: the form is no relay of text"
    );
    // Give a late mail the time to show up before counting.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(voter.mails().await.len(), 1, "one acknowledgement to the roll address");
    assert!(
        e2e::mail::mails_to(&stranger, voter.seeded_at).await.is_empty(),
        "no mail to an address that is not on the roll"
    );

    let listed = admin(&["assistance", "list", "--open"]);
    assert!(listed.status.success(), "{}", String::from_utf8_lossy(&listed.stderr));
    let listed = String::from_utf8_lossy(&listed.stdout);
    let unknown_ref = unknown.str_at("/reference");
    assert!(listed.contains(&reference) && listed.contains(unknown_ref), "{listed}");
    let line = listed.lines().find(|l| l.contains(unknown_ref)).unwrap();
    assert!(line.contains("(hors liste)") && line.contains(&stranger), "{line}");
}

#[tokio::test]
async fn each_identifier_is_capped_known_or_not() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    for identifier in [voter.email.clone(), unknown_identifier()] {
        for i in 0..cap() {
            let (reply, _) = ask(&api, &identifier, &message()).await;
            assert_eq!(reply.status, 202, "request {} of {identifier}: {}", i + 1, reply.text);
        }
        let (over, took) = ask(&api, &identifier, &message()).await;
        over.expect_error(429, "assistance_limit_reached");
        assert!(took >= floor(), "a refusal keeps the floor too: {took:?}");
    }
    voter.mail_number(cap()).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(voter.mails().await.len(), cap(), "no acknowledgement past the cap");
}

#[tokio::test]
async fn a_logged_in_request_is_the_sessions_voter_and_is_answered_once_at_the_roll_address() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let other = seed_voter().await;
    let (_, session) = flows::activate(&api, &voter).await;
    let before = voter.mails().await.len();
    // With a session, a typed identifier is not read: the request is the session's voter's.
    let reply = api
        .post("/api/assistance")
        .session(&session)
        .json(&json!({
            "identifier": other.email,
            "subject": "mes_scrutins",
            "message": "Un scrutin de mon corps ne figure pas dans ma liste.",
        }))
        .send()
        .await;
    reply.expect(202);
    let reference = reply.str_at("/reference").to_string();
    let ack = voter.mail_number(before + 1).await;
    assert!(ack.subject.contains(&reference), "{}", ack.subject);
    // Without identifier and without a session: refused on the field.
    api.post_json(
        "/api/assistance",
        json!({ "subject": "autre", "message": "Une question sans identifiant." }),
    )
    .await
    .expect_field_error(422, "invalid_field", "identifier");

    let out = admin(&["assistance", "export"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let csv = String::from_utf8(out.stdout).expect("UTF-8 export");
    assert!(
        csv.lines().next().unwrap().starts_with("reference,created_at,status,subject"),
        "{csv}"
    );
    let line = csv.lines().find(|l| l.contains(&reference)).expect("the request is exported");
    assert!(
        line.contains(&voter.voter_id) && line.contains(",true,"),
        "tied to the account: {line}"
    );
    assert!(!line.contains(&other.email), "the typed identifier was not read: {line}");

    let answer =
        format!("Le scrutin a été ajouté à votre liste ({}).", e2e::voters::random_alnum(8));
    let done = admin(&["assistance", "answer", &reference, "--message", &answer]);
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    let mail = voter.mail_number(before + 2).await;
    assert!(mail.contains(&answer) && mail.subject.contains(&reference), "{}", mail.text);
    assert!(mail.to.iter().any(|t| t.eq_ignore_ascii_case(&voter.email)), "{:?}", mail.to);

    let twice = admin(&["assistance", "answer", &reference, "--message", "Encore une fois."]);
    assert!(!twice.status.success(), "a second answer is refused");
    assert!(String::from_utf8_lossy(&twice.stderr).contains("déjà traitée"));
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(voter.mails().await.len(), before + 2, "one answer mailed, not two");
    assert!(other.mails().await.is_empty(), "nothing to the typed identifier");
}

#[tokio::test]
async fn a_request_of_an_identifier_on_no_roll_is_not_answered_by_mail() {
    let api = Api::new().await;
    let stranger = unknown_identifier();
    let (reply, _) = ask(&api, &stranger, &message()).await;
    reply.expect(202);
    let reference = reply.str_at("/reference");
    let out = admin(&["assistance", "answer", reference, "--message", "Réponse."]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("aucune liste électorale"));
    let listed =
        String::from_utf8_lossy(&admin(&["assistance", "list", "--open"]).stdout).to_string();
    assert!(listed.contains(reference), "still open: {listed}");
}
