//! Sessions: opening one (the record and the cookie's secret), finding who is behind a cookie,
//! ending one.

use std::sync::Arc;

use secrecy::SecretString;

use super::{epoch, Wiring};
use crate::config::Config;
use crate::error::DomainError;
use crate::model::{DeviceRecord, SessionKind, SessionRecord, Voter};
use crate::ports::{Budget, Clock, SessionStore, StoreError, Voters};
use crate::tokens;
use crate::validate::RawToken;

/// A session's last-seen time is rewritten at most this often (seconds): idle expiry stays exact
/// to within a minute without a write on every request.
const TOUCH_EVERY: i64 = 60;

/// A session just opened: the record stored and the secret for the cookie.
pub struct OpenedSession {
    pub record: SessionRecord,
    pub secret: SecretString,
}

impl std::fmt::Debug for OpenedSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenedSession")
            .field("record", &self.record)
            .field("secret", &"[REDACTED]")
            .finish()
    }
}

/// Who is behind an authenticated request.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub session: SessionRecord,
    pub voter: Voter,
}

/// A new session for `voter`, not yet stored: the step that opens it writes it in its own
/// transaction.
pub fn new_session(
    voter: &Voter,
    kind: SessionKind,
    credentials_version: u64,
    now: i64,
    config: &Config,
) -> OpenedSession {
    let secret = tokens::new_secret();
    let record = SessionRecord {
        hash: tokens::hash_secret(&secret),
        voter_id: voter.roll.voter_id.clone(),
        kind,
        credentials_version,
        created_at: now,
        last_seen_at: now,
        absolute_expires_at: now + config.session_absolute.as_secs() as i64,
    };
    OpenedSession { record, secret }
}

pub struct Sessions {
    voters: Arc<dyn Voters>,
    sessions: Arc<dyn SessionStore>,
    clock: Arc<dyn Clock>,
    pub config: Config,
}

impl Sessions {
    pub fn new<S: Voters + SessionStore + 'static>(w: &Wiring<S>) -> Self {
        Sessions {
            voters: w.store.clone(),
            sessions: w.store.clone(),
            clock: w.clock.clone(),
            config: w.config.clone(),
        }
    }

    fn now(&self) -> i64 {
        epoch(self.clock.now())
    }

    /// Opens a session after a good password, clearing the login failures of the budget the
    /// attempt was counted on, and storing the browser now trusted, if any.
    pub async fn open_after_login(
        &self,
        voter: &Voter,
        budget: &Budget,
        new_device: Option<&DeviceRecord>,
    ) -> Result<OpenedSession, DomainError> {
        let session = new_session(
            voter,
            SessionKind::Activated,
            voter.credentials_version,
            self.now(),
            &self.config,
        );
        match self.sessions.open_login_session(voter, &session.record, budget, new_device).await {
            Ok(()) => Ok(session),
            Err(StoreError::ConditionFailed | StoreError::TransactionConflict) => {
                Err(DomainError::Conflict)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The session behind a cookie value, with its voter; idle, absolute and revoked sessions fail.
    pub async fn authenticate(&self, secret: Option<&str>) -> Result<Authenticated, DomainError> {
        let secret =
            secret.filter(|s| s.len() == RawToken::LEN).ok_or(DomainError::Unauthenticated)?;
        let hash = tokens::hash_token(secret);
        let session = self.sessions.session(&hash).await?.ok_or(DomainError::Unauthenticated)?;
        let now = self.now();
        let idle = self.config.session_idle.as_secs() as i64;
        if now >= session.absolute_expires_at || now - session.last_seen_at >= idle {
            return Err(DomainError::Unauthenticated);
        }
        let voter =
            self.voters.voter(&session.voter_id).await?.ok_or(DomainError::Unauthenticated)?;
        if voter.credentials_version != session.credentials_version {
            return Err(DomainError::Unauthenticated);
        }
        if now - session.last_seen_at >= TOUCH_EVERY {
            if let Err(e) = self.sessions.touch_session(&hash, now).await {
                tracing::warn!(error = %e, "session touch failed");
            }
        }
        Ok(Authenticated { session, voter })
    }

    /// `logout`: ends the session behind the cookie, if there is one.
    pub async fn logout(&self, secret: Option<&str>) -> Result<(), DomainError> {
        if let Some(secret) = secret.filter(|s| s.len() == RawToken::LEN) {
            self.sessions.delete_session(&tokens::hash_token(secret), self.now()).await?;
        }
        Ok(())
    }
}
