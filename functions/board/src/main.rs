//! `board`: the public board of the vote, without a session: the sealed election record, its
//! fingerprint, the seal and the results once there, and the trackers of each scrutin's urne,
//! page by page in tracker order (`docs/vote-protocol.md` §5).

use std::sync::Arc;

use lambda_edge::http::{self, Reply, Request};
use lambda_edge::routes;
use lambda_http::http::Method;
use shared::services::voting::{valid_tracker, BOARD_PAGE_MAX};
use shared::services::PublicBoard;
use shared::{texts, validate, DomainError};

const DEFAULT_PAGE: usize = 50;

async fn handle(service: Arc<PublicBoard>, req: Request) -> Reply {
    let (method, path) = http::route(&req);
    if method != Method::GET {
        return Err(DomainError::NotFound);
    }
    if path == routes::VOTE_ELECTION {
        return http::json(200, &service.election().await?);
    }
    if path == routes::BOARD_FILE {
        return http::bytes(200, "application/x-ndjson; charset=utf-8", service.file().await?);
    }
    if path != routes::BOARD {
        return Err(DomainError::NotFound);
    }
    let raw = http::query_param(&req, "scrutin").ok_or_else(|| DomainError::InvalidField {
        field: "scrutin",
        message: texts::BOARD_SCRUTIN_REQUIRED.into(),
    })?;
    let scrutin =
        validate::scrutin_id(&raw, "scrutin").map_err(|_| DomainError::ScrutinNotFound)?;
    let tracker_field = |name: &'static str| -> Result<Option<String>, DomainError> {
        match http::query_param(&req, name) {
            None => Ok(None),
            Some(t) if valid_tracker(&t) => Ok(Some(t)),
            Some(_) => Err(DomainError::InvalidField {
                field: name,
                message: texts::VOTE_BAD_TRACKER.into(),
            }),
        }
    };
    if let Some(tracker) = tracker_field("tracker")? {
        let found = service.find(&scrutin, &tracker).await?;
        return http::json(
            200,
            &serde_json::json!({ "scrutin": scrutin, "tracker": tracker, "found": found }),
        );
    }
    let after = tracker_field("after")?;
    let limit = match http::query_param(&req, "limit") {
        None => DEFAULT_PAGE,
        Some(raw) => {
            raw.parse::<usize>().ok().filter(|n| (1..=BOARD_PAGE_MAX).contains(n)).ok_or_else(
                || DomainError::InvalidField {
                    field: "limit",
                    message: format!(
                        "Le paramètre limit doit être un entier entre 1 et {BOARD_PAGE_MAX}."
                    ),
                },
            )?
        }
    };
    let (count, page) = service.page(&scrutin, after.as_deref(), limit).await?;
    http::json(
        200,
        &serde_json::json!({
            "scrutin": scrutin,
            "count": count,
            "trackers": page.trackers,
            "next": page.next,
        }),
    )
}

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_edge::runtime::run("board", PublicBoard::new, handle).await
}
