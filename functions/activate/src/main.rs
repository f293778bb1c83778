//! `activate`: a voter asks for the mail that opens their voter space; also serves the election
//! calendar the portal shows before that, and the texts of the help page.

use std::sync::Arc;

use lambda_edge::http::{self, Reply, Request};
use lambda_edge::routes;
use lambda_http::http::Method;
use serde::Deserialize;
use shared::services::ActivationRequests;
use shared::validate::Identifier;
use shared::DomainError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActivateRequest {
    identifier: String,
}

async fn handle(service: Arc<ActivationRequests>, req: Request) -> Reply {
    match http::route(&req) {
        (Method::GET, p) if p == routes::ELECTION => {
            http::json(200, &service.election.view().await?)
        }
        (Method::GET, p) if p == routes::HELP => http::json(200, &service.help.texts().await),
        (Method::POST, p) if p == routes::ACTIVATE => {
            let body: ActivateRequest = http::json_body(&req)?;
            let identifier = Identifier::parse(&body.identifier)?;
            http::uniform(service.config.response_floor, service.request_activation(&identifier))
                .await?;
            http::json(
                202,
                &serde_json::json!({ "status": "accepted", "message": shared::texts::ACTIVATION_ACCEPTED }),
            )
        }
        _ => Err(DomainError::NotFound),
    }
}

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_edge::runtime::run("activate", ActivationRequests::new, handle).await
}
