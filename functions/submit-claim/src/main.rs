//! `submit-claim`: what a voter writes to the administration. A claim (réclamation), filed with a
//! session until the claim deadline, once per `Idempotency-Key`; and an assistance request, sent
//! with or without a session, whatever the phase, with the same reply whatever the identifier.

use std::sync::Arc;

use lambda_edge::http::{self, Reply, Request};
use lambda_edge::routes;
use lambda_http::http::Method;
use serde::Deserialize;
use shared::model::{AssistanceSubject, ClaimCategory};
use shared::services::{AssistanceDesk, ClaimFiling, Requester};
use shared::validate::Identifier;
use shared::views::ClaimView;
use shared::{texts, validate, DomainError};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClaimRequest {
    category: String,
    #[serde(default)]
    scrutin_id: Option<String>,
    text: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AssistanceBody {
    /// Required without a session; with one, the session's voter is the requester and this is
    /// not read.
    #[serde(default)]
    identifier: Option<String>,
    subject: String,
    message: String,
}

struct Service {
    claims: ClaimFiling,
    assistance: AssistanceDesk,
}

async fn handle(service: Arc<Service>, req: Request) -> Reply {
    match http::route(&req) {
        (Method::POST, p) if p == routes::CLAIMS => {
            let service = &service.claims;
            let me = service.sessions.authenticate(http::session_secret(&req).as_deref()).await?;
            let key = validate::idempotency_key(http::header_value(&req, "idempotency-key"))?;
            let body: ClaimRequest = http::json_body(&req)?;
            let category =
                ClaimCategory::parse(&body.category).ok_or_else(|| DomainError::InvalidField {
                    field: "category",
                    message: texts::UNKNOWN_CLAIM_CATEGORY.into(),
                })?;
            let scrutin_id = body
                .scrutin_id
                .as_deref()
                .map(|id| validate::scrutin_id(id, "scrutin_id"))
                .transpose()?;
            let text = validate::claim_text(&body.text)?;
            let filed = service.file_claim(&me.voter, category, scrutin_id, text, key).await?;
            http::json(
                if filed.created { 201 } else { 200 },
                &ClaimView::of(&filed.claim, filed.acknowledgement),
            )
        }
        (Method::POST, p) if p == routes::ASSISTANCE => {
            let body: AssistanceBody = http::json_body(&req)?;
            let subject = AssistanceSubject::parse(&body.subject).ok_or_else(|| {
                DomainError::InvalidField {
                    field: "subject",
                    message: texts::UNKNOWN_ASSISTANCE_SUBJECT.into(),
                }
            })?;
            let message = validate::assistance_message(&body.message)?;
            let session = http::session_secret(&req);
            let floor = service.claims.config.response_floor;
            let reference = http::uniform(floor, async {
                let who = match service.claims.sessions.authenticate(session.as_deref()).await {
                    Ok(me) => Requester::Session(Box::new(me.voter)),
                    Err(DomainError::Unauthenticated) => Requester::Identifier(Identifier::parse(
                        body.identifier.as_deref().unwrap_or(""),
                    )?),
                    Err(e) => return Err(e),
                };
                service.assistance.request(who, subject, message).await
            })
            .await?;
            http::json(
                202,
                &serde_json::json!({
                    "status": "accepted",
                    "reference": reference,
                    "message": texts::ASSISTANCE_ACCEPTED,
                }),
            )
        }
        _ => Err(DomainError::NotFound),
    }
}

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_edge::runtime::run(
        "submit-claim",
        |w| Service { claims: ClaimFiling::new(w), assistance: AssistanceDesk::new(w) },
        handle,
    )
    .await
}
