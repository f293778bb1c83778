//! `activate-account`: ACTIVER MON COMPTE. Saves password, challenge question and secret answer for
//! good, consumes the link and opens a session, in one transaction.

use std::sync::Arc;

use lambda_edge::http::{self, Reply, Request};
use lambda_edge::routes;
use lambda_http::http::Method;
use serde::Deserialize;
use shared::services::AccountOpening;
use shared::validate::{RawToken, SecretAnswer, VoterId};
use shared::DomainError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActivateAccountRequest {
    voter_id: String,
    token: String,
    question_id: i64,
    answer: String,
}

async fn handle(service: Arc<AccountOpening>, req: Request) -> Reply {
    match http::route(&req) {
        (Method::POST, p) if p == routes::ACTIVATE_ACCOUNT => {
            let body: ActivateAccountRequest = http::json_body(&req)?;
            let voter_id = VoterId::parse(&body.voter_id)?;
            let token = RawToken::parse(&body.token)?;
            let answer = SecretAnswer::parse(&body.answer)?;
            let session =
                service.activate_account(&voter_id, &token, body.question_id, &answer).await?;
            http::session_opened(201, "active", &session, &service.config)
        }
        _ => Err(DomainError::NotFound),
    }
}

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_edge::runtime::run("activate-account", AccountOpening::new, handle).await
}
