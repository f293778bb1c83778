//! Concurrent guesses cannot get around the failure counters: an attempt is counted before its
//! secret is checked, on the count read, so a burst of guesses sent together is checked at most as
//! many times as the free attempts allow, whatever its size.

use e2e::voters::store;
use e2e::{flows, seed_voter, Api};
use shared::ports::Voters;

const BURST: usize = 50;

/// Failures allowed before delays start: `FREE_ATTEMPTS` as the local stack sets it, else the
/// functions' default.
fn free_attempts() -> u32 {
    std::env::var("FREE_ATTEMPTS").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(3)
}

#[tokio::test]
async fn a_burst_of_wrong_passwords_is_checked_at_most_the_free_attempts() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let (secrets, _) = flows::activate(&api, &voter).await;

    let guesses = (0..BURST).map(|i| {
        let (api, email) = (&api, voter.email.clone());
        async move { flows::login(api, &email, &format!("Devinette-{i}-Blaireau")).await }
    });
    for reply in futures::future::join_all(guesses).await {
        reply.expect_error(401, "invalid_credentials");
    }

    let counted = store().await.voter(&voter.voter_id).await.unwrap().unwrap().failed_logins;
    eprintln!("{BURST} concurrent wrong passwords: {counted} checked");
    assert!(
        counted <= free_attempts(),
        "{BURST} concurrent wrong passwords: {counted} were checked, more than the {} free attempts",
        free_attempts()
    );
    assert!(counted >= 1, "the burst was not counted at all");
    // The lock the last checked guess set holds against the right password too.
    if counted == free_attempts() {
        flows::login(&api, &voter.email, &secrets.password)
            .await
            .expect_error(401, "invalid_credentials");
    }
}

#[tokio::test]
async fn a_burst_of_wrong_answers_is_checked_at_most_the_free_attempts_and_mails_nothing() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let (secrets, _) = flows::activate(&api, &voter).await;
    let mails_before = voter.mails().await.len();

    let guesses = (0..BURST).map(|i| {
        let (api, email) = (&api, voter.email.clone());
        let question = secrets.question_id;
        async move { flows::ask_reassort(api, &email, question, &format!("faux {i}")).await }
    });
    for reply in futures::future::join_all(guesses).await {
        reply.expect(202);
    }

    let counted = store().await.voter(&voter.voter_id).await.unwrap().unwrap().failed_answers;
    eprintln!("{BURST} concurrent wrong answers: {counted} checked");
    assert!(
        counted <= free_attempts(),
        "{BURST} concurrent wrong answers: {counted} were checked, more than the {} free attempts",
        free_attempts()
    );
    assert!(counted >= 1, "the burst was not counted at all");
    if counted == free_attempts() {
        // Locked: even the right answer sends nothing now.
        flows::ask_reassort(&api, &voter.email, secrets.question_id, &secrets.answer)
            .await
            .expect(202);
    }
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(voter.mails().await.len(), mails_before, "wrong answers send no mail");
}
