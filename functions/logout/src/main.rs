//! `logout`: ends the session of the cookie, if any, and clears the cookie.

use std::sync::Arc;

use lambda_edge::http::{self, Reply, Request};
use lambda_edge::routes;
use lambda_http::http::Method;
use shared::services::Sessions;
use shared::DomainError;

async fn handle(service: Arc<Sessions>, req: Request) -> Reply {
    match http::route(&req) {
        (Method::POST, p) if p == routes::LOGOUT => {
            service.logout(http::session_secret(&req).as_deref()).await?;
            Ok(http::clearing_session_cookie(http::no_content()?))
        }
        _ => Err(DomainError::NotFound),
    }
}

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_edge::runtime::run("logout", Sessions::new, handle).await
}
