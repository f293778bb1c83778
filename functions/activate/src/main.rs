//! `activate`: a voter asks for the mail that opens their voter space; also serves the election
//! calendar the portal shows before that.

use std::sync::Arc;

use lambda_http::http::Method;
use serde::Deserialize;
use lambda_edge::http::{self, Reply, Request};
use shared::service::Portal;
use shared::validate::Identifier;
use lambda_edge::routes;
use shared::DomainError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActivateRequest {
    identifier: String,
}

const ACCEPTED: &str = "Si votre identifiant figure sur la liste électorale et que votre espace n'est pas encore activé, \
un courriel « Création de votre mot de passe Élections » vient de vous être envoyé. Connectez-vous à votre messagerie \
académique pour finaliser l'ouverture de votre espace électeur.";

async fn handle(portal: Arc<Portal>, req: Request) -> Reply {
    match http::route(&req) {
        (Method::GET, p) if p == routes::ELECTION => http::json(200, &portal.election().await?),
        (Method::POST, p) if p == routes::ACTIVATE => {
            let body: ActivateRequest = http::json_body(&req)?;
            let identifier = Identifier::parse(&body.identifier)?;
            http::uniform(portal.config.response_floor, portal.request_activation(&identifier))
                .await?;
            http::json(202, &serde_json::json!({ "status": "accepted", "message": ACCEPTED }))
        }
        _ => Err(DomainError::NotFound),
    }
}

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_edge::runtime::run("activate", handle).await
}
