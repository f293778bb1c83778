//! `submit-claim`: a voter files a claim (réclamation) until the claim deadline; a retry with the
//! same `Idempotency-Key` returns the claim stored the first time.

use std::sync::Arc;

use lambda_edge::http::{self, Reply, Request};
use lambda_edge::routes;
use lambda_http::http::Method;
use serde::Deserialize;
use shared::model::ClaimCategory;
use shared::services::ClaimFiling;
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

async fn handle(service: Arc<ClaimFiling>, req: Request) -> Reply {
    match http::route(&req) {
        (Method::POST, p) if p == routes::CLAIMS => {
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
        _ => Err(DomainError::NotFound),
    }
}

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_edge::runtime::run("submit-claim", ClaimFiling::new, handle).await
}
