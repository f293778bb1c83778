//! ACCÈS SANS ACTIVATION: the voter enters the portal now, and nothing is saved for next time.

use e2e::flows::{self, ACTIVATION_SUBJECT};
use e2e::{seed_voter, Api, Secrets};
use serde_json::json;

#[tokio::test]
async fn access_without_activation_opens_session_but_saves_nothing() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let secrets = Secrets::new();

    let first = flows::request_activation(&api, &voter).await;
    flows::set_password(&api, &first, &secrets.password).await.expect(200);
    let reply = flows::skip_activation(&api, &first).await;
    reply.expect(200);
    assert_eq!(reply.str_at("/status"), "not_activated");
    assert_eq!(reply.str_at("/session/kind"), "without_activation");
    let session = reply.session();

    let reply = api.get("/api/scrutins").session(&session).send().await;
    reply.expect(200);
    assert_eq!(reply.body["voter"]["activated"], json!(false));
    assert_eq!(reply.body["scrutins"].as_array().unwrap().len(), voter.scrutins.len());
    let reply = api.get("/api/session").session(&session).send().await;
    reply.expect(200);
    assert_eq!(reply.str_at("/session/kind"), "without_activation");

    // The password chosen for this visit was not kept.
    flows::login(&api, &voter.email, &secrets.password)
        .await
        .expect_error(401, "invalid_credentials");

    // Next time the voter starts again from a new mail, with a new link.
    let (mail, second) = flows::request_activation_mail(&api, &voter).await;
    assert_eq!(mail.subject, ACTIVATION_SUBJECT);
    assert_ne!(second.token, first.token);
    let reply = flows::check_token(&api, &second).await;
    reply.expect(200);
    assert_eq!(reply.body["password_set"], json!(false));
    flows::skip_activation(&api, &first).await.expect_error(410, "token_used");
}

#[tokio::test]
async fn skip_activation_needs_a_password_first() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let link = flows::request_activation(&api, &voter).await;
    flows::skip_activation(&api, &link).await.expect_error(409, "password_not_set");
    flows::activate_account(&api, &link, &Secrets::new())
        .await
        .expect_error(409, "password_not_set");
    // Neither attempt used the link up.
    flows::check_token(&api, &link).await.expect(200);
}
