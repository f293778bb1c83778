//! Nobody who merely knows a voter's address can keep them out: a browser the voter has logged in
//! from keeps a failure budget of its own, and the mailbox trusts a new browser while the account
//! is locked by guesses from elsewhere.

use e2e::voters::store;
use e2e::{flows, seed_voter, Api};
use shared::ports::Voters;

/// Wrong passwords sent from elsewhere: well past the free attempts, so the account's shared
/// budget is locked.
const FROM_ELSEWHERE: usize = 12;

async fn guess_from_elsewhere(api: &Api, email: &str) {
    for i in 0..FROM_ELSEWHERE {
        flows::login(api, email, &format!("Devinette-{i}-Ailleurs"))
            .await
            .expect_error(401, "invalid_credentials");
    }
}

#[tokio::test]
async fn wrong_passwords_from_elsewhere_do_not_lock_out_the_voters_own_browser() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let (secrets, _) = flows::activate(&api, &voter).await;
    let first = flows::login(&api, &voter.email, &secrets.password).await;
    first.expect(200);
    let device = first.device_cookie().expect("a first login makes the browser trusted");

    guess_from_elsewhere(&api, &voter.email).await;
    let locked = store().await.voter(&voter.voter_id).await.unwrap().unwrap();
    assert!(locked.login_locked_until > chrono::Utc::now().timestamp(), "the account is locked");
    flows::login(&api, &voter.email, &secrets.password)
        .await
        .expect_error(401, "invalid_credentials");

    let own = flows::login_from(&api, &device, &voter.email, &secrets.password).await;
    own.expect(200);
    own.session();
    assert!(own.device_cookie().is_none(), "a trusted browser keeps its cookie");
}

#[tokio::test]
async fn the_mailbox_trusts_a_new_browser_while_the_lock_is_on() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let (secrets, _) = flows::activate(&api, &voter).await;
    guess_from_elsewhere(&api, &voter.email).await;
    flows::login(&api, &voter.email, &secrets.password)
        .await
        .expect_error(401, "invalid_credentials");

    let link = flows::request_unlock(&api, &voter).await;
    flows::check_token(&api, &link).await.expect(200);
    flows::set_password(&api, &link, &e2e::voters::new_password())
        .await
        .expect_error(410, "token_invalid");
    let trusted = flows::confirm_unlock(&api, &link).await;
    trusted.expect(200);
    let device = trusted.device_cookie().expect("the unlock link makes the browser trusted");
    flows::confirm_unlock(&api, &link).await.expect_error(410, "token_used");

    flows::login_from(&api, &device, &voter.email, &secrets.password).await.expect(200).session();
    let still = store().await.voter(&voter.voter_id).await.unwrap().unwrap();
    assert!(still.login_locked_until > chrono::Utc::now().timestamp(), "still locked elsewhere");
}

#[tokio::test]
async fn unlock_requests_have_a_cap_of_their_own_and_the_same_reply_for_anyone() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let (secrets, _) = flows::activate(&api, &voter).await;
    let before = voter.mails().await.len();
    for _ in 0..6 {
        api.post_json("/api/unlock", serde_json::json!({ "identifier": voter.email }))
            .await
            .expect(202);
    }
    let unknown = api
        .post_json(
            "/api/unlock",
            serde_json::json!({ "identifier": "personne.inconnue@ac-lille.fr" }),
        )
        .await;
    unknown.expect(202);
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let unlock_mails = voter.mails().await.len() - before;
    assert_eq!(unlock_mails, 3, "unlock mails are capped at three a day");
    // The réassort still mails: the unlock requests spent none of its mails.
    flows::request_reassort(&api, &voter, &secrets).await;
}
