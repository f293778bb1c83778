//! `set-password`: checks a mailed link without consuming it, and takes the new password, kept
//! pending on the link until the voter activates, enters without activation or confirms a réassort.

use std::sync::Arc;

use lambda_edge::http::{self, Reply, Request};
use lambda_edge::routes;
use lambda_http::http::Method;
use serde::Deserialize;
use shared::model::TokenPurpose;
use shared::questions::QUESTIONS;
use shared::services::PasswordChoice;
use shared::validate::{RawToken, VoterId};
use shared::DomainError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SetPasswordRequest {
    voter_id: String,
    token: String,
    password: String,
}

async fn handle(service: Arc<PasswordChoice>, req: Request) -> Reply {
    match http::route(&req) {
        (Method::POST, p) if p == routes::TOKEN => {
            let (voter_id, token) = http::json_body::<http::LinkBody>(&req)?.parse()?;
            http::json(200, &service.check_token(&voter_id, &token).await?)
        }
        (Method::POST, p) if p == routes::PASSWORD => {
            let body: SetPasswordRequest = http::json_body(&req)?;
            let voter_id = VoterId::parse(&body.voter_id)?;
            let token = RawToken::parse(&body.token)?;
            let purpose = service.set_password(&voter_id, &token, &body.password).await?;
            let next = match purpose {
                TokenPurpose::Activation => "choose_challenge",
                TokenPurpose::Reassort => "confirm_reassort",
                // Refused by the service: an unlock link never sets a password.
                TokenPurpose::Unlock => return Err(DomainError::TokenInvalid),
            };
            http::json(
                200,
                &serde_json::json!({ "purpose": purpose, "next": next, "questions": QUESTIONS }),
            )
        }
        _ => Err(DomainError::NotFound),
    }
}

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_edge::runtime::run("set-password", PasswordChoice::new, handle).await
}
