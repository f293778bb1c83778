//! `reassort`: a voter who lost their password proves the challenge answer and receives a link in
//! their academic mailbox; the new password chosen through that link is confirmed here.

use std::sync::Arc;

use lambda_edge::http::{self, Reply, Request};
use lambda_edge::routes;
use lambda_http::http::Method;
use serde::Deserialize;
use shared::questions::QUESTIONS;
use shared::services::Reassort;
use shared::validate::{Identifier, SecretAnswer};
use shared::DomainError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReassortRequest {
    identifier: String,
    question_id: i64,
    answer: String,
}

async fn handle(service: Arc<Reassort>, req: Request) -> Reply {
    match http::route(&req) {
        (Method::GET, p) if p == routes::QUESTIONS => {
            http::json(200, &serde_json::json!({ "questions": QUESTIONS }))
        }
        (Method::POST, p) if p == routes::REASSORT => {
            let body: ReassortRequest = http::json_body(&req)?;
            let identifier = Identifier::parse(&body.identifier)?;
            let answer = SecretAnswer::parse(&body.answer)?;
            http::uniform(
                service.config.response_floor,
                service.request_reassort(&identifier, body.question_id, &answer),
            )
            .await?;
            http::json(
                202,
                &serde_json::json!({ "status": "accepted", "message": shared::texts::REASSORT_ACCEPTED }),
            )
        }
        (Method::POST, p) if p == routes::REASSORT_CONFIRM => {
            let (voter_id, token) = http::json_body::<http::LinkBody>(&req)?.parse()?;
            let session = service.confirm_reassort(&voter_id, &token).await?;
            http::session_opened(200, "password_changed", &session, &service.config)
        }
        _ => Err(DomainError::NotFound),
    }
}

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_edge::runtime::run("reassort", Reassort::new, handle).await
}
