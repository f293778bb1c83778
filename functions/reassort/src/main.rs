//! `reassort`: a voter who lost their password proves the challenge answer and receives a link in
//! their academic mailbox; the new password chosen through that link is confirmed here.

use std::sync::Arc;

use lambda_http::http::Method;
use serde::Deserialize;
use lambda_edge::http::{self, Reply, Request};
use shared::questions::QUESTIONS;
use shared::service::Portal;
use shared::validate::{Identifier, SecretAnswer};
use lambda_edge::routes;
use shared::DomainError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReassortRequest {
    identifier: String,
    question_id: i64,
    answer: String,
}

const ACCEPTED: &str = "Si les informations saisies correspondent à un compte activé, un courriel de réassort vient \
d'être envoyé à votre messagerie académique. Si votre espace n'était pas encore activé, vous recevez à la place le \
courriel de création de votre mot de passe Élections.";

async fn handle(portal: Arc<Portal>, req: Request) -> Reply {
    match http::route(&req) {
        (Method::GET, p) if p == routes::QUESTIONS => {
            http::json(200, &serde_json::json!({ "questions": QUESTIONS }))
        }
        (Method::POST, p) if p == routes::REASSORT => {
            let body: ReassortRequest = http::json_body(&req)?;
            let identifier = Identifier::parse(&body.identifier)?;
            let answer = SecretAnswer::parse(&body.answer)?;
            http::uniform(
                portal.config.response_floor,
                portal.request_reassort(&identifier, body.question_id, &answer),
            )
            .await?;
            http::json(202, &serde_json::json!({ "status": "accepted", "message": ACCEPTED }))
        }
        (Method::POST, p) if p == routes::REASSORT_CONFIRM => {
            let (voter_id, token) = http::json_body::<http::LinkBody>(&req)?.parse()?;
            let session = portal.confirm_reassort(&voter_id, &token).await?;
            http::session_opened(200, "password_changed", &session, &portal.config)
        }
        _ => Err(DomainError::NotFound),
    }
}

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_edge::runtime::run("reassort", handle).await
}
