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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UnlockRequest {
    identifier: String,
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
                service.request_reassort(
                    &identifier,
                    body.question_id,
                    &answer,
                    http::device_secret(&req).as_deref(),
                ),
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
        (Method::POST, p) if p == routes::UNLOCK => {
            let body: UnlockRequest = http::json_body(&req)?;
            let identifier = Identifier::parse(&body.identifier)?;
            http::uniform(service.config.response_floor, service.request_unlock(&identifier))
                .await?;
            http::json(
                202,
                &serde_json::json!({ "status": "accepted", "message": shared::texts::UNLOCK_ACCEPTED }),
            )
        }
        (Method::POST, p) if p == routes::UNLOCK_CONFIRM => {
            let (voter_id, token) = http::json_body::<http::LinkBody>(&req)?.parse()?;
            let device = service.confirm_unlock(&voter_id, &token).await?;
            let reply = http::json(
                200,
                &serde_json::json!({ "status": "device_trusted", "message": shared::texts::DEVICE_TRUSTED }),
            )?;
            Ok(http::with_device_cookie(reply, &device.secret, service.config.device_ttl))
        }
        _ => Err(DomainError::NotFound),
    }
}

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_edge::runtime::run("reassort", Reassort::new, handle).await
}
