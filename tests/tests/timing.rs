//! Timing must not tell a known identifier from an unknown one. A test binary of its own, so that
//! no other test loads the stack while the clock runs.

use std::time::Duration;

use e2e::flows;
use e2e::{median, seed_voter, unknown_identifier, Api, Voter};
use serde_json::json;

const TRIES: usize = 10;

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(1e-6)
}

#[track_caller]
fn assert_comparable(what: &str, unknown: &[Duration], known: &[Duration]) {
    let (mu, mk) = (median(unknown), median(known));
    let r = ratio(mk, mu);
    println!(
        "{what}: median unknown {:.1} ms, known {:.1} ms, ratio {r:.2}\n  unknown: {:?}\n  known:   {:?}",
        mu.as_secs_f64() * 1e3,
        mk.as_secs_f64() * 1e3,
        unknown.iter().map(|d| d.as_millis()).collect::<Vec<_>>(),
        known.iter().map(|d| d.as_millis()).collect::<Vec<_>>(),
    );
    assert!(
        (0.5..=2.0).contains(&r),
        "{what}: known/unknown median latency ratio {r:.2} is outside 0.5..2"
    );
}

#[tokio::test]
async fn login_failures_take_comparable_time_for_unknown_and_known_identifiers() {
    let _quiet = e2e::one_at_a_time().await;
    let api = Api::new().await;
    // Two wrong passwords per voter stay within the free attempts: no lockout delay in the figures.
    let mut voters: Vec<(Voter, String)> = Vec::new();
    for _ in 0..TRIES / 2 {
        let voter = seed_voter().await;
        let (secrets, _) = flows::activate(&api, &voter).await;
        voters.push((voter, secrets.password));
    }
    // Warm both paths before the clock runs.
    flows::login(&api, &unknown_identifier(), "Hibou-chauffe-Tramway").await.expect(401);
    flows::login(&api, &voters[0].0.email, &voters[0].1).await.expect(200);

    let (mut unknown, mut known) = (Vec::new(), Vec::new());
    for i in 0..TRIES {
        let wrong = format!("Mauvais-{i}-Hibou-Tramway");
        let r = flows::login(&api, &unknown_identifier(), &wrong).await;
        r.expect_error(401, "invalid_credentials");
        unknown.push(r.elapsed);
        let (voter, _) = &voters[i % voters.len()];
        let r = flows::login(&api, &voter.email, &wrong).await;
        r.expect_error(401, "invalid_credentials");
        known.push(r.elapsed);
    }
    assert_comparable("login failure", &unknown, &known);
}

#[tokio::test]
async fn activate_takes_comparable_time_for_unknown_and_known_identifiers() {
    let _quiet = e2e::one_at_a_time().await;
    let api = Api::new().await;
    let mut voters = Vec::new();
    for _ in 0..=TRIES {
        voters.push(seed_voter().await);
    }
    api.post_json("/api/activate", json!({ "identifier": unknown_identifier() })).await.expect(202);
    api.post_json("/api/activate", json!({ "identifier": voters[TRIES].email })).await.expect(202);

    let (mut unknown, mut known) = (Vec::new(), Vec::new());
    for voter in &voters[..TRIES] {
        let r = api.post_json("/api/activate", json!({ "identifier": unknown_identifier() })).await;
        r.expect(202);
        unknown.push(r.elapsed);
        let r = api.post_json("/api/activate", json!({ "identifier": voter.email })).await;
        r.expect(202);
        known.push(r.elapsed);
    }
    assert_comparable("activate", &unknown, &known);
}

#[tokio::test]
async fn reassort_takes_comparable_time_for_unknown_identifiers_and_wrong_answers() {
    let _quiet = e2e::one_at_a_time().await;
    let api = Api::new().await;
    let mut voters = Vec::new();
    for _ in 0..TRIES / 2 {
        let voter = seed_voter().await;
        let (secrets, _) = flows::activate(&api, &voter).await;
        voters.push((voter, secrets));
    }
    flows::ask_reassort(&api, &unknown_identifier(), 1, "chauffe").await.expect(202);

    let (mut unknown, mut known) = (Vec::new(), Vec::new());
    for i in 0..TRIES {
        let (voter, secrets) = &voters[i % voters.len()];
        let r = flows::ask_reassort(
            &api,
            &unknown_identifier(),
            secrets.question_id,
            "mauvaise reponse",
        )
        .await;
        unknown.push(r.expect(202).elapsed);
        let r =
            flows::ask_reassort(&api, &voter.email, secrets.question_id, "mauvaise reponse").await;
        known.push(r.expect(202).elapsed);
    }
    assert_comparable("réassort with a wrong answer", &unknown, &known);
}
