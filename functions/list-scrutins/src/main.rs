//! `list-scrutins`: "Mes scrutins", the ballots of the session's voter with their candidate lists,
//! and the electoral list of one of them, page by page.

use std::sync::Arc;

use lambda_edge::http::{self, Reply, Request};
use lambda_edge::routes;
use lambda_http::http::Method;
use shared::calendar::Need;
use shared::services::BallotReading;
use shared::views::VoterView;
use shared::{validate, DomainError};

const DEFAULT_PAGE: usize = 50;
const MAX_PAGE: usize = 100;

fn page_size(req: &Request) -> Result<usize, DomainError> {
    match http::query_param(req, "limit") {
        None => Ok(DEFAULT_PAGE),
        Some(raw) => {
            raw.parse::<usize>().ok().filter(|n| (1..=MAX_PAGE).contains(n)).ok_or_else(|| {
                DomainError::InvalidField {
                    field: "limit",
                    message: format!(
                        "Le paramètre limit doit être un entier entre 1 et {MAX_PAGE}."
                    ),
                }
            })
        }
    }
}

async fn handle(service: Arc<BallotReading>, req: Request) -> Reply {
    let (method, path) = http::route(&req);
    if method != Method::GET {
        return Err(DomainError::NotFound);
    }
    let me = service.sessions.authenticate(http::session_secret(&req).as_deref()).await?;
    service.election.require(Need::PortalOpen).await?;
    if path == routes::SCRUTINS {
        let scrutins = service.catalog.my_scrutins(&me.voter).await?;
        return http::json(
            200,
            &serde_json::json!({ "voter": VoterView::of(&me.voter), "scrutins": scrutins }),
        );
    }
    let raw_id = http::path_param(&req, "id")
        .or_else(|| routes::electoral_list_scrutin(&path).map(str::to_string))
        .ok_or(DomainError::NotFound)?;
    let scrutin_id =
        validate::scrutin_id(&raw_id, "id").map_err(|_| DomainError::ScrutinNotFound)?;
    let limit = page_size(&req)?;
    let cursor = http::query_param(&req, "cursor");
    let query = http::query_param(&req, "q");
    let page = match query.as_deref() {
        Some(q) => {
            service
                .catalog
                .electoral_search(&me.voter, &scrutin_id, q, cursor.as_deref(), limit)
                .await?
        }
        None => {
            service.catalog.electoral_list(&me.voter, &scrutin_id, cursor.as_deref(), limit).await?
        }
    };
    let total = service.catalog.electoral_count(&scrutin_id).await?;
    http::json(
        200,
        &serde_json::json!({
            "scrutin_id": scrutin_id,
            "electeurs": page.entries,
            "next_cursor": page.next_cursor,
            "total": total,
            "q": query,
        }),
    )
}

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_edge::runtime::run("list-scrutins", BallotReading::new, handle).await
}
