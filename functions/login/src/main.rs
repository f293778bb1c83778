//! `login`: identifier and password open a session for an activated account; also tells the portal
//! who the current session belongs to, with their last connections.

use std::sync::Arc;

use lambda_edge::http::{self, Reply, Request};
use lambda_edge::routes;
use lambda_http::http::Method;
use serde::Deserialize;
use shared::audit;
use shared::calendar::Need;
use shared::services::Login;
use shared::validate::{Identifier, LoginPassword};
use shared::views::{AuditEventView, SessionView, VoterView};
use shared::DomainError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginRequest {
    identifier: String,
    password: String,
}

async fn handle(service: Arc<Login>, req: Request) -> Reply {
    match http::route(&req) {
        (Method::POST, p) if p == routes::LOGIN => {
            let body: LoginRequest = http::json_body(&req)?;
            let identifier = Identifier::parse(&body.identifier)?;
            let password = LoginPassword::parse(&body.password)?;
            let device = http::device_secret(&req);
            let done = http::uniform(
                service.config.response_floor,
                service.login(&identifier, &password, device.as_deref()),
            )
            .await?;
            let reply = http::json(
                200,
                &serde_json::json!({
                    "session": SessionView::of(&done.session.record, &service.config),
                    "voter": VoterView::of(&done.voter),
                }),
            )?;
            let reply =
                http::with_session_cookie(reply, &done.session, service.config.session_absolute);
            Ok(match &done.new_device {
                Some(d) => http::with_device_cookie(reply, &d.secret, service.config.device_ttl),
                None => reply,
            })
        }
        (Method::GET, p) if p == routes::SESSION => {
            let me = service.sessions.authenticate(http::session_secret(&req).as_deref()).await?;
            service.election.require(Need::PortalOpen).await?;
            let connections =
                audit::last_connections(service.audit.as_ref(), &me.voter.roll.voter_id).await?;
            http::json(
                200,
                &serde_json::json!({
                    "session": SessionView::of(&me.session, &service.config),
                    "voter": VoterView::of(&me.voter),
                    "last_connections":
                        connections.iter().map(AuditEventView::of).collect::<Vec<_>>(),
                }),
            )
        }
        _ => Err(DomainError::NotFound),
    }
}

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_edge::runtime::run("login", Login::new, handle).await
}
