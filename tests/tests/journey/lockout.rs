//! Failed logins slow down and then stop even the right password; the mailbox always gets the
//! voter back in.

use e2e::flows;
use e2e::{seed_voter, unknown_identifier, Api};

/// Failures allowed before delays start: `FREE_ATTEMPTS` as the local stack sets it, else the
/// functions' default.
fn free_attempts() -> usize {
    std::env::var("FREE_ATTEMPTS").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(3)
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_login_but_reassort_unlocks() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let (secrets, _) = flows::activate(&api, &voter).await;
    let reference = flows::login(&api, &unknown_identifier(), &secrets.password).await;
    reference.expect_error(401, "invalid_credentials");

    // Well past the free attempts, and far below 100.
    let wrong_tries = free_attempts() + 5;
    for i in 0..wrong_tries {
        let r = flows::login(&api, &voter.email, &format!("Mauvais-essai-{i}-Hibou")).await;
        r.expect_error(401, "invalid_credentials");
        assert_eq!(
            r.body, reference.body,
            "a failed login says nothing more than an unknown identifier"
        );
    }
    let locked = flows::login(&api, &voter.email, &secrets.password).await;
    assert_eq!(
        (locked.status, &locked.body),
        (401, &reference.body),
        "after {wrong_tries} wrong passwords even the right one must fail like any failure: {}",
        locked.text
    );

    // Recovering through the mailbox works while locked, and unlocks the account.
    let (new_password, session) = flows::reassort(&api, &voter, &secrets).await;
    api.get("/api/scrutins").session(&session).send().await.expect(200);
    flows::login(&api, &voter.email, &new_password).await.expect(200);
}

#[tokio::test]
async fn wrong_secret_answers_send_no_mail_and_reply_alike() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let (secrets, _) = flows::activate(&api, &voter).await;
    let mut replies = Vec::new();
    for i in 0..6 {
        replies.push(
            flows::ask_reassort(&api, &voter.email, secrets.question_id, &format!("faux {i}"))
                .await,
        );
    }
    for r in &replies {
        r.expect(202);
        assert_eq!(r.body, replies[0].body);
    }
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(voter.mails().await.len(), 1, "wrong answers send no mail");
}
