//! `skip-activation`: ACCÈS SANS ACTIVATION. Consumes the link and opens a session; nothing is saved
//! on the account, so the next visit starts over with a new password.

use std::sync::Arc;

use lambda_http::http::Method;
use serde::Deserialize;
use shared::http::{self, Reply, Request};
use shared::service::Portal;
use shared::validate::{RawToken, VoterId};
use shared::views::SessionView;
use shared::{routes, DomainError};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SkipActivationRequest {
    voter_id: String,
    token: String,
}

async fn handle(portal: Arc<Portal>, req: Request) -> Reply {
    match http::route(&req) {
        (Method::POST, p) if p == routes::SKIP_ACTIVATION => {
            let body: SkipActivationRequest = http::json_body(&req)?;
            let voter_id = VoterId::parse(&body.voter_id)?;
            let token = RawToken::parse(&body.token)?;
            let session = portal.skip_activation(&voter_id, &token).await?;
            let reply = http::json(200, &serde_json::json!({
                "status": "not_activated",
                "session": SessionView::of(&session.record, &portal.config),
            }))?;
            Ok(http::with_session_cookie(reply, &session, portal.config.session_absolute))
        }
        _ => Err(DomainError::NotFound),
    }
}

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    shared::runtime::run("skip-activation", handle).await
}
