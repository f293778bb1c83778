//! `logout`: ends the session of the cookie, if any, and clears the cookie.

use std::sync::Arc;

use lambda_http::http::Method;
use lambda_edge::http::{self, Reply, Request};
use shared::service::Portal;
use lambda_edge::routes;
use shared::DomainError;

async fn handle(portal: Arc<Portal>, req: Request) -> Reply {
    match http::route(&req) {
        (Method::POST, p) if p == routes::LOGOUT => {
            portal.logout(http::session_secret(&req).as_deref()).await?;
            Ok(http::clearing_session_cookie(http::no_content()?))
        }
        _ => Err(DomainError::NotFound),
    }
}

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_edge::runtime::run("logout", handle).await
}
