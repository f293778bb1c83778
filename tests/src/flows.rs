//! The steps of the voter journey as one call each, for tests that need a voter in a given state
//! and care about what comes after.

use serde_json::json;

use crate::api::{Api, Reply, Session};
use crate::mail::{link_in, Link, Mail};
use crate::voters::{Secrets, Voter};

/// Subject of the activation mail, as the voter guide shows it.
pub const ACTIVATION_SUBJECT: &str = "Création de votre mot de passe Élections";

/// Asks for an activation mail and returns the link of the mail that arrives.
pub async fn request_activation(api: &Api, voter: &Voter) -> Link {
    let (_, link) = request_activation_mail(api, voter).await;
    link
}

/// Same, returning the mail too.
pub async fn request_activation_mail(api: &Api, voter: &Voter) -> (Mail, Link) {
    let before = voter.mails().await.len();
    api.post_json("/api/activate", json!({ "identifier": voter.email })).await.expect(202);
    let mail = voter.mail_number(before + 1).await;
    assert_eq!(mail.subject, ACTIVATION_SUBJECT, "subject of the activation mail");
    let link = link_in(&mail);
    assert_eq!(link.page, "activation", "an activation mail links to /activation: {}", link.url);
    assert_eq!(link.voter_id, voter.voter_id, "the link carries the voter's id");
    (mail, link)
}

/// `POST /api/token` for a link.
pub async fn check_token(api: &Api, link: &Link) -> Reply {
    api.post_json("/api/token", json!({ "voter_id": link.voter_id, "token": link.token })).await
}

/// `POST /api/password` for a link.
pub async fn set_password(api: &Api, link: &Link, password: &str) -> Reply {
    api.post_json(
        "/api/password",
        json!({ "voter_id": link.voter_id, "token": link.token, "password": password }),
    )
    .await
}

/// `POST /api/activate-account` for a link.
pub async fn activate_account(api: &Api, link: &Link, secrets: &Secrets) -> Reply {
    api.post_json(
        "/api/activate-account",
        json!({
            "voter_id": link.voter_id,
            "token": link.token,
            "question_id": secrets.question_id,
            "answer": secrets.answer,
        }),
    )
    .await
}

/// `POST /api/skip-activation` for a link.
pub async fn skip_activation(api: &Api, link: &Link) -> Reply {
    api.post_json("/api/skip-activation", json!({ "voter_id": link.voter_id, "token": link.token }))
        .await
}

/// Opens the account of a fresh voter for good, from the mail to the session.
pub async fn activate(api: &Api, voter: &Voter) -> (Secrets, Session) {
    let secrets = Secrets::new();
    let session = activate_with(api, voter, &secrets).await;
    (secrets, session)
}

pub async fn activate_with(api: &Api, voter: &Voter, secrets: &Secrets) -> Session {
    let link = request_activation(api, voter).await;
    set_password(api, &link, &secrets.password).await.expect(200);
    activate_account(api, &link, secrets).await.expect(201).session()
}

/// `POST /api/login`.
pub async fn login(api: &Api, identifier: &str, password: &str) -> Reply {
    api.post_json("/api/login", json!({ "identifier": identifier, "password": password })).await
}

/// `POST /api/login` from a browser holding `device`, a device cookie (`name=value`).
pub async fn login_from(api: &Api, device: &str, identifier: &str, password: &str) -> Reply {
    api.post("/api/login")
        .header("cookie", device)
        .json(&json!({ "identifier": identifier, "password": password }))
        .send()
        .await
}

/// `POST /api/unlock`, and the link of the mail that arrives.
pub async fn request_unlock(api: &Api, voter: &Voter) -> Link {
    let before = voter.mails().await.len();
    api.post_json("/api/unlock", json!({ "identifier": voter.email })).await.expect(202);
    let mail = voter.mail_number(before + 1).await;
    let link = link_in(&mail);
    assert_eq!(link.page, "deblocage", "an unlock mail links to /deblocage: {}", link.url);
    assert_eq!(link.voter_id, voter.voter_id, "the link carries the voter's id");
    link
}

/// `POST /api/unlock/confirm` for a link.
pub async fn confirm_unlock(api: &Api, link: &Link) -> Reply {
    api.post_json("/api/unlock/confirm", json!({ "voter_id": link.voter_id, "token": link.token }))
        .await
}

/// `POST /api/reassort`.
pub async fn ask_reassort(api: &Api, identifier: &str, question_id: i64, answer: &str) -> Reply {
    api.post_json(
        "/api/reassort",
        json!({ "identifier": identifier, "question_id": question_id, "answer": answer }),
    )
    .await
}

/// Asks for a réassort with the right answer and returns the link of the mail that arrives.
pub async fn request_reassort(api: &Api, voter: &Voter, secrets: &Secrets) -> Link {
    let before = voter.mails().await.len();
    ask_reassort(api, &voter.email, secrets.question_id, &secrets.answer).await.expect(202);
    let mail = voter.mail_number(before + 1).await;
    let link = link_in(&mail);
    assert_eq!(link.page, "reassort", "a réassort mail links to /reassort: {}", link.url);
    assert_eq!(link.voter_id, voter.voter_id, "the link carries the voter's id");
    link
}

/// `POST /api/reassort/confirm` for a link.
pub async fn confirm_reassort(api: &Api, link: &Link) -> Reply {
    api.post_json(
        "/api/reassort/confirm",
        json!({ "voter_id": link.voter_id, "token": link.token }),
    )
    .await
}

/// Goes through a whole réassort and returns the new password and the session it opens.
pub async fn reassort(api: &Api, voter: &Voter, secrets: &Secrets) -> (String, Session) {
    let link = request_reassort(api, voter, secrets).await;
    let password = crate::voters::new_password();
    set_password(api, &link, &password).await.expect(200);
    let session = confirm_reassort(api, &link).await.expect(200).session();
    (password, session)
}
