//! Mailed tokens: single use, bound to one voter and one purpose, expiring, voided by a newer mail.

use e2e::flows;
use e2e::voters::{expire_token, random_alnum};
use e2e::{seed_voter, Api, Link, Secrets};

#[tokio::test]
async fn activation_link_is_single_use() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let secrets = Secrets::new();
    let link = flows::request_activation(&api, &voter).await;
    flows::set_password(&api, &link, &secrets.password).await.expect(200);
    flows::activate_account(&api, &link, &secrets).await.expect(201);

    flows::check_token(&api, &link).await.expect_error(410, "token_used");
    flows::set_password(&api, &link, &e2e::voters::new_password())
        .await
        .expect_error(410, "token_used");
    flows::activate_account(&api, &link, &secrets).await.expect_error(410, "token_used");
    flows::skip_activation(&api, &link).await.expect_error(410, "token_used");
    // The account kept the password chosen the first time.
    flows::login(&api, &voter.email, &secrets.password).await.expect(200);
}

#[tokio::test]
async fn expired_link_is_refused() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let link = flows::request_activation(&api, &voter).await;
    flows::check_token(&api, &link).await.expect(200);
    expire_token(&link.token).await;

    flows::check_token(&api, &link).await.expect_error(410, "token_expired");
    flows::set_password(&api, &link, &e2e::voters::new_password())
        .await
        .expect_error(410, "token_expired");
    flows::skip_activation(&api, &link).await.expect_error(410, "token_expired");
    // A new request mails a link that works.
    let fresh = flows::request_activation(&api, &voter).await;
    flows::check_token(&api, &fresh).await.expect(200);
}

#[tokio::test]
async fn expired_link_is_refused_after_password_choice() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let secrets = Secrets::new();
    let link = flows::request_activation(&api, &voter).await;
    flows::set_password(&api, &link, &secrets.password).await.expect(200);
    expire_token(&link.token).await;
    flows::activate_account(&api, &link, &secrets).await.expect_error(410, "token_expired");
    flows::login(&api, &voter.email, &secrets.password)
        .await
        .expect_error(401, "invalid_credentials");
}

#[tokio::test]
async fn unknown_token_is_invalid() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let forged = Link {
        page: "activation".into(),
        token: random_alnum(43),
        voter_id: voter.voter_id.clone(),
        url: String::new(),
    };
    flows::check_token(&api, &forged).await.expect_error(410, "token_invalid");
    flows::set_password(&api, &forged, &e2e::voters::new_password())
        .await
        .expect_error(410, "token_invalid");
    flows::activate_account(&api, &forged, &Secrets::new())
        .await
        .expect_error(410, "token_invalid");
    flows::skip_activation(&api, &forged).await.expect_error(410, "token_invalid");
    flows::confirm_reassort(&api, &forged).await.expect_error(410, "token_invalid");
    // Same for a voter id that is on no roll.
    let nobody = Link { voter_id: format!("Z{}", random_alnum(20)), ..forged };
    flows::check_token(&api, &nobody).await.expect_error(410, "token_invalid");
}

#[tokio::test]
async fn token_of_another_voter_is_invalid() {
    let api = Api::new().await;
    let owner = seed_voter().await;
    let other = seed_voter().await;
    let link = flows::request_activation(&api, &owner).await;
    let stolen = Link { voter_id: other.voter_id.clone(), ..link.clone() };

    flows::check_token(&api, &stolen).await.expect_error(410, "token_invalid");
    flows::set_password(&api, &stolen, &e2e::voters::new_password())
        .await
        .expect_error(410, "token_invalid");
    flows::skip_activation(&api, &stolen).await.expect_error(410, "token_invalid");
    // The owner's link is untouched.
    let reply = flows::check_token(&api, &link).await;
    reply.expect(200);
    assert_eq!(reply.body["password_set"], serde_json::json!(false));
}

#[tokio::test]
async fn newer_request_voids_older_link() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let secrets = Secrets::new();
    let old = flows::request_activation(&api, &voter).await;
    flows::set_password(&api, &old, &secrets.password).await.expect(200);
    let new = flows::request_activation(&api, &voter).await;
    assert_ne!(old.token, new.token);

    flows::check_token(&api, &old).await.expect_error(410, "token_invalid");
    flows::activate_account(&api, &old, &secrets).await.expect_error(410, "token_invalid");

    let reply = flows::check_token(&api, &new).await;
    reply.expect(200);
    assert_eq!(reply.body["password_set"], serde_json::json!(false));
    flows::set_password(&api, &new, &secrets.password).await.expect(200);
    flows::activate_account(&api, &new, &secrets).await.expect(201);
}

#[tokio::test]
async fn reassort_link_cannot_activate_and_activation_link_cannot_reassort() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let (secrets, _) = flows::activate(&api, &voter).await;
    let link = flows::request_reassort(&api, &voter, &secrets).await;
    let reply = flows::set_password(&api, &link, &e2e::voters::new_password()).await;
    reply.expect(200);
    assert_eq!(reply.str_at("/next"), "confirm_reassort");
    flows::activate_account(&api, &link, &secrets).await.expect_error(410, "token_invalid");
    flows::skip_activation(&api, &link).await.expect_error(410, "token_invalid");
    // Refused for its purpose only: it still confirms the réassort.
    flows::confirm_reassort(&api, &link).await.expect(200);

    let fresh = seed_voter().await;
    let activation = flows::request_activation(&api, &fresh).await;
    flows::set_password(&api, &activation, &e2e::voters::new_password()).await.expect(200);
    flows::confirm_reassort(&api, &activation).await.expect_error(410, "token_invalid");
    flows::check_token(&api, &activation).await.expect(200);
}

#[tokio::test]
async fn reassort_confirm_needs_a_password_first() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let (secrets, _) = flows::activate(&api, &voter).await;
    let link = flows::request_reassort(&api, &voter, &secrets).await;
    flows::confirm_reassort(&api, &link).await.expect_error(409, "password_not_set");
    // The old password still works until the réassort is confirmed.
    flows::login(&api, &voter.email, &secrets.password).await.expect(200);
}

#[tokio::test]
async fn mail_links_ignore_the_request_headers() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let reply = api
        .post("/api/activate")
        .header("X-Forwarded-Host", "portail-piege.example")
        .header("X-Forwarded-Proto", "https")
        .header("Forwarded", "for=203.0.113.9;host=portail-piege.example;proto=https")
        // (a foreign `Origin` is refused outright: adversarial/cross_site.rs)
        .header("Referer", "https://portail-piege.example/activation")
        .json(&serde_json::json!({ "identifier": voter.email }))
        .send()
        .await;
    reply.expect(202);
    let mail = voter.mail_number(1).await;
    // link_in checks that the link is built on PORTAL_BASE_URL.
    let link = e2e::link_in(&mail);
    assert!(!mail.contains("portail-piege"), "the mail carries a host taken from the request");
    flows::check_token(&api, &link).await.expect(200);
}
