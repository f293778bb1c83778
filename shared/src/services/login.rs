//! `login`: identifier and password open a session; `GET /api/session` says whose it is.

use std::sync::Arc;

use super::attempts::{new_device, Guesses, NewDevice, Reservation};
use super::{epoch, Election, OpenedSession, Sessions, Wiring};
use crate::audit::AuditTrail;
use crate::calendar::Need;
use crate::config::Config;
use crate::error::DomainError;
use crate::model::{AccountStatus, FailureKind, Voter};
use crate::ports::{Calendars, Devices, FailureCounters, SessionStore, Voters};
use crate::secrets;
use crate::validate::{Identifier, LoginPassword};

/// A session opened by a password, and the cookie of the browser it made trusted, if it was not.
pub struct LoggedIn {
    pub session: OpenedSession,
    pub voter: Voter,
    pub new_device: Option<NewDevice>,
}

pub struct Login {
    pub election: Election,
    pub sessions: Sessions,
    voters: Arc<dyn Voters>,
    guesses: Guesses,
    pub audit: Arc<dyn AuditTrail>,
    pub config: Config,
}

impl Login {
    pub fn new<S>(w: &Wiring<S>) -> Self
    where
        S: Calendars + Voters + FailureCounters + Devices + SessionStore + AuditTrail + 'static,
    {
        Login {
            election: Election::new(w),
            sessions: Sessions::new(w),
            voters: w.store.clone(),
            guesses: Guesses::new(w),
            audit: w.store.clone(),
            config: w.config.clone(),
        }
    }

    /// One answer for every failure, at the cost of one hash verification in every case. The
    /// attempt is counted on the budget of the browser holding `device_cookie` if the voter
    /// trusts it, else on the account's budget shared by every other client.
    pub async fn login(
        &self,
        identifier: &Identifier,
        password: &LoginPassword,
        device_cookie: Option<&str>,
    ) -> Result<LoggedIn, DomainError> {
        self.election.require(Need::PortalOpen).await?;
        let now = epoch(self.election.now());
        let voter = super::voter_by_identifier(self.voters.as_ref(), identifier).await?;
        let usable = voter
            .as_ref()
            .filter(|v| v.status == AccountStatus::Active && v.password_hash.is_some());
        let Some(voter) = usable else {
            secrets::verify(password.expose().to_string(), secrets::dummy_hash()).await;
            tracing::info!(known = voter.is_some(), "login refused before password check");
            return Err(DomainError::InvalidCredentials);
        };
        let counted = self.guesses.budget(voter, device_cookie, FailureKind::Login, now).await?;
        let trusted = counted.device.is_some();
        let Reservation::Check(attempt) =
            self.guesses.reserve(&counted, FailureKind::Login, now).await?
        else {
            secrets::verify(password.expose().to_string(), secrets::dummy_hash()).await;
            tracing::info!(voter_id = %voter.roll.voter_id, trusted, "login refused unchecked: locked, or another attempt was counted first");
            return Err(DomainError::InvalidCredentials);
        };
        let ok = secrets::verify(
            password.expose().to_string(),
            voter.password_hash.clone().unwrap_or_default(),
        )
        .await;
        if !ok {
            tracing::info!(voter_id = %voter.roll.voter_id, trusted, "login with a wrong password");
            crate::audit::record_failure(
                self.audit.as_ref(),
                &voter.roll.voter_id,
                FailureKind::Login,
                &attempt,
            )
            .await;
            return Err(DomainError::InvalidCredentials);
        }
        // The session's transaction clears the failures of this budget (and so the attempt just
        // counted), and trusts this browser from now on if it was not yet.
        let device = (!trusted).then(|| new_device(&voter.roll.voter_id, now, &self.config));
        let session = self
            .sessions
            .open_after_login(voter, &counted.budget, device.as_ref().map(|d| &d.record))
            .await?;
        Ok(LoggedIn { session, voter: voter.clone(), new_device: device })
    }
}
