//! The ballots a voter votes in, with their candidate lists, and the electoral lists
//! (`list-scrutins`). Ballots hardly change during the election, so a warm instance keeps them for
//! `ballot_cache`: the ministry-wide ballot, read by every voter, is not read from DynamoDB on
//! every request, nor is the first page of its electoral list.

use std::collections::HashMap;
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;

use super::cache::TtlCache;
use super::{Election, Sessions, Wiring};
use crate::config::Config;
use crate::error::DomainError;
use crate::model::{RollEntry, Scrutin, Voter};
use crate::ports::{Ballots, Calendars, RollCursor, SessionStore, Voters};
use crate::roll::ROLL_SHARDS;

#[derive(Debug, Clone)]
pub struct ElectoralListPage {
    pub entries: Vec<RollEntry>,
    pub next_cursor: Option<String>,
}

/// Ballots and electoral lists, read through the per-instance caches.
pub struct BallotCatalog {
    ballots: Arc<dyn Ballots>,
    scrutins: TtlCache<String, Scrutin>,
    first_pages: TtlCache<(String, usize), ElectoralListPage>,
    counts: TtlCache<String, Option<u64>>,
}

impl BallotCatalog {
    pub fn new<S: Ballots + 'static>(w: &Wiring<S>) -> Self {
        BallotCatalog {
            ballots: w.store.clone(),
            scrutins: TtlCache::new(w.config.ballot_cache),
            first_pages: TtlCache::new(w.config.ballot_cache),
            counts: TtlCache::new(w.config.ballot_cache),
        }
    }

    /// The voter's ballots with their candidate lists, in the voter's order.
    pub async fn my_scrutins(&self, voter: &Voter) -> Result<Vec<Scrutin>, DomainError> {
        let mut found: HashMap<String, Scrutin> = HashMap::new();
        let mut missing = Vec::new();
        for id in &voter.roll.scrutins {
            match self.scrutins.get(id) {
                Some(s) => {
                    found.insert(id.clone(), s);
                }
                None => missing.push(id.clone()),
            }
        }
        if !missing.is_empty() {
            for s in self.ballots.scrutins(&missing).await? {
                self.scrutins.insert(s.id.clone(), s.clone());
                found.insert(s.id.clone(), s);
            }
        }
        Ok(voter.roll.scrutins.iter().filter_map(|id| found.remove(id)).collect())
    }

    /// One page of the electoral list of one of the voter's ballots.
    pub async fn electoral_list(
        &self,
        voter: &Voter,
        scrutin_id: &str,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<ElectoralListPage, DomainError> {
        if !voter.roll.scrutins.iter().any(|s| s == scrutin_id) {
            return Err(DomainError::ScrutinNotFound);
        }
        let first_page_key = (scrutin_id.to_string(), limit);
        let from = match cursor {
            Some(c) => decode_cursor(c)?,
            None => {
                if let Some(page) = self.first_pages.get(&first_page_key) {
                    return Ok(page);
                }
                RollCursor { shard: ROLL_SHARDS[0], after: None }
            }
        };
        let (entries, next) = self.ballots.electoral_list_page(scrutin_id, from, limit).await?;
        let page = ElectoralListPage { entries, next_cursor: next.map(|c| encode_cursor(&c)) };
        if cursor.is_none() {
            self.first_pages.insert(first_page_key, page.clone());
        }
        Ok(page)
    }
}

impl BallotCatalog {
    /// One page of the voters of one of the voter's ballots whose last name starts with `query`
    /// (folded as the list is: case, accents, spaces and punctuation do not count).
    pub async fn electoral_search(
        &self,
        voter: &Voter,
        scrutin_id: &str,
        query: &str,
        cursor: Option<&str>,
        limit: usize,
    ) -> Result<ElectoralListPage, DomainError> {
        if !voter.roll.scrutins.iter().any(|s| s == scrutin_id) {
            return Err(DomainError::ScrutinNotFound);
        }
        let prefix = (query.chars().count() <= 100)
            .then(|| crate::roll::search_prefix(query))
            .flatten()
            .ok_or_else(|| DomainError::InvalidField {
                field: "q",
                message: crate::texts::BAD_NAME_SEARCH.to_string(),
            })?;
        let after = match cursor {
            None => None,
            Some(c) => {
                let c = decode_cursor(c)?;
                if c.shard != crate::roll::roll_shard(&prefix) || c.after.is_none() {
                    return Err(DomainError::InvalidCursor);
                }
                c.after
            }
        };
        let (entries, next) =
            self.ballots.electoral_list_search(scrutin_id, &prefix, after, limit).await?;
        Ok(ElectoralListPage { entries, next_cursor: next.map(|c| encode_cursor(&c)) })
    }

    /// How many voters the ballot's electoral list holds, as the administration last counted
    /// them; `None` before the first count.
    pub async fn electoral_count(&self, scrutin_id: &str) -> Result<Option<u64>, DomainError> {
        if let Some(count) = self.counts.get(&scrutin_id.to_string()) {
            return Ok(count);
        }
        let count = self.ballots.electoral_list_count(scrutin_id).await?;
        self.counts.insert(scrutin_id.to_string(), count);
        Ok(count)
    }
}

/// What `list-scrutins` serves: the session, the phase and the catalog.
pub struct BallotReading {
    pub election: Election,
    pub sessions: Sessions,
    pub catalog: BallotCatalog,
    pub config: Config,
}

impl BallotReading {
    pub fn new<S>(w: &Wiring<S>) -> Self
    where
        S: Calendars + Voters + SessionStore + Ballots + 'static,
    {
        BallotReading {
            election: Election::new(w),
            sessions: Sessions::new(w),
            catalog: BallotCatalog::new(w),
            config: w.config.clone(),
        }
    }
}

/// Cursor of the electoral list: base64url of "<shard>|<last sort key>".
pub fn encode_cursor(c: &RollCursor) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}|{}", c.shard, c.after.as_deref().unwrap_or("")))
}

pub fn decode_cursor(s: &str) -> Result<RollCursor, DomainError> {
    if s.len() > 512 {
        return Err(DomainError::InvalidCursor);
    }
    let bytes = URL_SAFE_NO_PAD.decode(s).map_err(|_| DomainError::InvalidCursor)?;
    let text = String::from_utf8(bytes).map_err(|_| DomainError::InvalidCursor)?;
    let (shard, after) = text.split_once('|').ok_or(DomainError::InvalidCursor)?;
    let mut chars = shard.chars();
    let shard = match (chars.next(), chars.next()) {
        (Some(c), None) if ROLL_SHARDS.contains(&c) => c,
        _ => return Err(DomainError::InvalidCursor),
    };
    Ok(RollCursor { shard, after: (!after.is_empty()).then(|| after.to_string()) })
}
