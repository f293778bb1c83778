//! `login`: identifier and password open a session; `GET /api/session` says whose it is.

use std::sync::Arc;

use super::{epoch, Election, OpenedSession, Sessions, Wiring, DAY};
use crate::audit::AuditTrail;
use crate::calendar::Need;
use crate::config::Config;
use crate::error::DomainError;
use crate::model::{AccountStatus, Voter};
use crate::ports::{
    Attempt, Calendars, FailureCounters, FailureKind, SessionStore, StoreError, Voters,
};
use crate::secrets;
use crate::validate::{Identifier, LoginPassword};

/// Longest wait imposed after failed logins: a day. Login delays never block a réassort.
pub const LOGIN_MAX_DELAY: i64 = DAY;
/// Longest wait imposed after wrong secret answers: an hour, since the answer gates the réassort,
/// the voter's way back in through their mailbox.
pub const ANSWER_MAX_DELAY: i64 = 3600;

/// Delay imposed after `failures` consecutive failures: none for the first free attempts, then one
/// minute doubling each time, up to `max` seconds.
pub fn lock_delay(failures: u32, free_attempts: u32, max: i64) -> i64 {
    if failures < free_attempts {
        return 0;
    }
    let exp = (failures - free_attempts).min(20);
    (60i64 << exp).min(max)
}

pub struct Login {
    pub election: Election,
    pub sessions: Sessions,
    voters: Arc<dyn Voters>,
    failures: Arc<dyn FailureCounters>,
    pub audit: Arc<dyn AuditTrail>,
    pub config: Config,
}

impl Login {
    pub fn new<S>(w: &Wiring<S>) -> Self
    where
        S: Calendars + Voters + FailureCounters + SessionStore + AuditTrail + 'static,
    {
        Login {
            election: Election::new(w),
            sessions: Sessions::new(w),
            voters: w.store.clone(),
            failures: w.store.clone(),
            audit: w.store.clone(),
            config: w.config.clone(),
        }
    }

    /// One answer for every failure, at the cost of one hash verification in every case.
    pub async fn login(
        &self,
        identifier: &Identifier,
        password: &LoginPassword,
    ) -> Result<(OpenedSession, Voter), DomainError> {
        self.election.require(Need::PortalOpen).await?;
        let now = epoch(self.election.now());
        let voter = super::voter_by_identifier(self.voters.as_ref(), identifier).await?;
        let usable = voter.as_ref().filter(|v| {
            v.status == AccountStatus::Active
                && v.login_locked_until <= now
                && v.password_hash.is_some()
        });
        let Some(voter) = usable else {
            secrets::verify(password.expose().to_string(), secrets::dummy_hash()).await;
            tracing::info!(known = voter.is_some(), "login refused before password check");
            return Err(DomainError::InvalidCredentials);
        };
        // The attempt is counted before the password is checked, on the count just read: of
        // guesses sent together, one is checked and the others are refused unchecked.
        let failures = voter.failed_logins + 1;
        let attempt = Attempt {
            seen: voter.failed_logins,
            now,
            locked_until: now + lock_delay(failures, self.config.free_attempts, LOGIN_MAX_DELAY),
        };
        match self
            .failures
            .reserve_attempt(&voter.roll.voter_id, FailureKind::Login, &attempt)
            .await
        {
            Ok(()) => {}
            Err(StoreError::ConditionFailed | StoreError::TransactionConflict) => {
                secrets::verify(password.expose().to_string(), secrets::dummy_hash()).await;
                tracing::info!(voter_id = %voter.roll.voter_id, "login refused: another attempt was counted first");
                return Err(DomainError::InvalidCredentials);
            }
            Err(e) => return Err(e.into()),
        }
        let ok = secrets::verify(
            password.expose().to_string(),
            voter.password_hash.clone().unwrap_or_default(),
        )
        .await;
        if !ok {
            tracing::info!(voter_id = %voter.roll.voter_id, failures, "login with a wrong password");
            crate::audit::record_failure(
                self.audit.as_ref(),
                &voter.roll.voter_id,
                FailureKind::Login,
                &attempt,
            )
            .await;
            return Err(DomainError::InvalidCredentials);
        }
        // The session's transaction clears the counter and the lock this attempt set.
        let session = self.sessions.open_after_login(voter).await?;
        Ok((session, voter.clone()))
    }
}
