//! Nothing tells whether an identifier is on the roll, activated or locked: `activate`,
//! `reassort` and failed logins answer alike in every case.

use e2e::flows;
use e2e::{seed_voter, unknown_identifier, Api, Reply};
use serde_json::json;

/// Status and body must be the same, byte for byte once parsed.
#[track_caller]
fn assert_same_reply(cases: &[(&str, &Reply)]) {
    let (first_name, first) = cases[0];
    for (name, reply) in &cases[1..] {
        assert!(
            reply.status == first.status && reply.body == first.body,
            "`{name}` and `{first_name}` must get the same reply:\n  {first_name}: {} {}\n  {name}: {} {}",
            first.status,
            first.text,
            reply.status,
            reply.text
        );
    }
}

#[tokio::test]
async fn activate_answers_alike_for_unknown_fresh_and_active_voters() {
    let api = Api::new().await;
    let active = seed_voter().await;
    flows::activate(&api, &active).await;
    let fresh = seed_voter().await;

    let unknown =
        api.post_json("/api/activate", json!({ "identifier": unknown_identifier() })).await;
    let fresh_reply = api.post_json("/api/activate", json!({ "identifier": fresh.email })).await;
    let active_reply = api.post_json("/api/activate", json!({ "identifier": active.email })).await;
    // Upper case and spaces around: the same voter, the same answer.
    let shouted = api
        .post_json(
            "/api/activate",
            json!({ "identifier": format!("  {}  ", fresh.email.to_uppercase()) }),
        )
        .await;
    unknown.expect(202);
    assert_same_reply(&[
        ("unknown identifier", &unknown),
        ("voter on the roll", &fresh_reply),
        ("active voter", &active_reply),
        ("voter in capitals", &shouted),
    ]);
    // The fresh voter did get mails (one per request).
    fresh.mail_number(2).await;
}

#[tokio::test]
async fn reassort_answers_alike_whatever_failed() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let (secrets, _) = flows::activate(&api, &voter).await;
    let other = seed_voter().await;
    let (other_secrets, _) = flows::activate(&api, &other).await;
    let not_activated = seed_voter().await;
    let wrong_question = if secrets.question_id == 1 { 2 } else { 1 };

    let unknown =
        flows::ask_reassort(&api, &unknown_identifier(), secrets.question_id, &secrets.answer)
            .await;
    let wrong_answer =
        flows::ask_reassort(&api, &voter.email, secrets.question_id, "pas la bonne").await;
    let wrong_q = flows::ask_reassort(&api, &voter.email, wrong_question, &secrets.answer).await;
    let not_active = flows::ask_reassort(&api, &not_activated.email, 1, "quelque chose").await;
    let right =
        flows::ask_reassort(&api, &other.email, other_secrets.question_id, &other_secrets.answer)
            .await;
    right.expect(202);
    assert_same_reply(&[
        ("right answer", &right),
        ("unknown identifier", &unknown),
        ("wrong answer", &wrong_answer),
        ("wrong question", &wrong_q),
        ("voter not activated", &not_active),
    ]);

    // Only the right answer mailed a link.
    let mail = other.mail_number(2).await;
    assert_eq!(e2e::link_in(&mail).page, "reassort");
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(voter.mails().await.len(), 1, "a wrong answer sends no réassort mail");
    // A voter who never activated may be sent an activation link instead, never a réassort one.
    for mail in not_activated.mails().await {
        assert_eq!(
            e2e::link_in(&mail).page,
            "activation",
            "a voter with no account gets no réassort link"
        );
    }
}

#[tokio::test]
async fn secret_answer_is_compared_without_case_accents_or_spaces() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let mut secrets = e2e::Secrets::new();
    secrets.answer = "Éléphant  de   Saint-Étienne".into();
    flows::activate_with(&api, &voter, &secrets).await;
    flows::ask_reassort(&api, &voter.email, secrets.question_id, " elephant de saint etienne ")
        .await
        .expect(202);
    let mail = voter.mail_number(2).await;
    assert_eq!(e2e::link_in(&mail).page, "reassort");
}

#[tokio::test]
async fn failed_logins_answer_alike() {
    let api = Api::new().await;
    let active = seed_voter().await;
    flows::activate(&api, &active).await;
    let not_activated = seed_voter().await;
    let password = e2e::voters::new_password();

    let unknown = flows::login(&api, &unknown_identifier(), &password).await;
    let wrong = flows::login(&api, &active.email, &password).await;
    let never_activated = flows::login(&api, &not_activated.email, &password).await;
    unknown.expect_error(401, "invalid_credentials");
    assert_same_reply(&[
        ("unknown identifier", &unknown),
        ("wrong password", &wrong),
        ("account not activated", &never_activated),
    ]);
    assert!(unknown.session_cookie().is_none_or(|c| c.clears()), "a failed login opens no session");
}
