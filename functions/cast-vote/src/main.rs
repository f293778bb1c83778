//! `cast-vote`: during the voting window, a voter casts the ballot their browser built and
//! proved, for one of their scrutins; and sees where they have voted. The ballot is verified, then
//! urne, émargement, counters and receipt mail are written in one transaction
//! (`docs/vote-protocol.md` §5).

use std::sync::Arc;

use lambda_edge::http::{self, Reply, Request};
use lambda_edge::routes;
use lambda_http::http::Method;
use serde::Deserialize;
use shared::error::VoteRefusal;
use shared::services::Voting;
use shared::{texts, validate, DomainError};
use vote::ballot::Ballot;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CastRequest {
    ballot: serde_json::Value,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeRequestBody {
    question_id: i64,
    answer: String,
}

async fn handle(service: Arc<Voting>, req: Request) -> Reply {
    match http::route(&req) {
        (Method::POST, p) if p == routes::VOTE => {
            let me = service.sessions.authenticate(http::session_secret(&req).as_deref()).await?;
            let body: CastRequest = http::json_body(&req)?;
            let ballot: Ballot = serde_json::from_value(body.ballot).map_err(|e| {
                DomainError::VoteRefused(
                    VoteRefusal::InvalidBallot,
                    texts::vote_invalid_ballot(&e.to_string()),
                )
            })?;
            let receipt = service.cast(&me.session, &me.voter, ballot).await?;
            http::json(if receipt.already_recorded { 200 } else { 201 }, &receipt)
        }
        (Method::POST, p) if p == routes::VOTE_CODE => {
            let me = service.sessions.authenticate(http::session_secret(&req).as_deref()).await?;
            let body: CodeRequestBody = http::json_body(&req)?;
            let answer = validate::SecretAnswer::parse(&body.answer)?;
            service
                .request_code(
                    &me.voter,
                    body.question_id,
                    &answer,
                    http::device_secret(&req).as_deref(),
                )
                .await?;
            http::json(
                202,
                &serde_json::json!({ "status": "accepted", "message": texts::CODE_REQUEST_ACCEPTED }),
            )
        }
        (Method::GET, p) if p == routes::VOTE_STATUS => {
            let me = service.sessions.authenticate(http::session_secret(&req).as_deref()).await?;
            let scrutins = service.status(&me.voter).await?;
            http::json(200, &serde_json::json!({ "scrutins": scrutins }))
        }
        _ => Err(DomainError::NotFound),
    }
}

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_edge::runtime::run("cast-vote", Voting::new, handle).await
}
