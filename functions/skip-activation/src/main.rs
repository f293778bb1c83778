//! `skip-activation`: ACCÈS SANS ACTIVATION. Consumes the link and opens a session; nothing is saved
//! on the account, so the next visit starts over with a new password.

use std::sync::Arc;

use lambda_edge::http::{self, Reply, Request};
use lambda_edge::routes;
use lambda_http::http::Method;
use shared::services::AccountOpening;
use shared::DomainError;

async fn handle(service: Arc<AccountOpening>, req: Request) -> Reply {
    match http::route(&req) {
        (Method::POST, p) if p == routes::SKIP_ACTIVATION => {
            let (voter_id, token) = http::json_body::<http::LinkBody>(&req)?.parse()?;
            let session = service.skip_activation(&voter_id, &token).await?;
            http::session_opened(200, "not_activated", &session, &service.config)
        }
        _ => Err(DomainError::NotFound),
    }
}

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_edge::runtime::run("skip-activation", AccountOpening::new, handle).await
}
