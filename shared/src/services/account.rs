//! `activate-account` and `skip-activation`: the two ways an activation link ends.

use std::sync::Arc;

use super::links::Expect;
use super::sessions::new_session;
use super::{epoch, Election, Links, OpenedSession, Wiring};
use crate::calendar::Need;
use crate::config::Config;
use crate::error::DomainError;
use crate::model::{SessionKind, TokenPurpose};
use crate::ports::{self, Activation, Calendars, Clock, LinkTokens, Voters};
use crate::questions;
use crate::secrets;
use crate::validate::{RawToken, SecretAnswer, VoterId};

pub struct AccountOpening {
    election: Election,
    links: Links,
    accounts: Arc<dyn ports::AccountOpening>,
    clock: Arc<dyn Clock>,
    pub config: Config,
}

impl AccountOpening {
    pub fn new<S>(w: &Wiring<S>) -> Self
    where
        S: Calendars + Voters + LinkTokens + ports::AccountOpening + 'static,
    {
        AccountOpening {
            election: Election::new(w),
            links: Links::new(w),
            accounts: w.store.clone(),
            clock: w.clock.clone(),
            config: w.config.clone(),
        }
    }

    /// `activate-account`: saves password, question and answer for good and opens a session. The
    /// answer is chosen here, so it must pass the rules for a new answer (not guessable from the
    /// voter's data); réassort compares whatever was chosen.
    pub async fn activate_account(
        &self,
        voter_id: &VoterId,
        raw: &RawToken,
        question_id: i64,
        answer: &SecretAnswer,
    ) -> Result<OpenedSession, DomainError> {
        self.election.require(Need::PortalOpen).await?;
        let question = questions::find(question_id).ok_or_else(questions::unknown)?;
        let (token, voter) = self
            .links
            .live(voter_id, raw, Expect::PasswordChosen(TokenPurpose::Activation))
            .await?;
        answer.check_for(&voter.roll.personal_data())?;
        let password_hash = token.pending_password_hash.clone().unwrap_or_default();
        let answer_hash = secrets::hash(answer.expose().to_string()).await?;
        let now = epoch(self.clock.now());
        let session = new_session(
            &voter,
            SessionKind::Activated,
            voter.credentials_version + 1,
            now,
            &self.config,
        );
        let activation = Activation { password_hash, question_id: question.id, answer_hash };
        let written =
            self.accounts.activate_account(&token, &activation, &session.record, now).await;
        self.links.settle(&token, written).await?;
        tracing::info!(voter_id = %voter.roll.voter_id, "account activated");
        Ok(session)
    }

    /// `skip-activation`: one visit without saving anything; the next visit starts over.
    pub async fn skip_activation(
        &self,
        voter_id: &VoterId,
        raw: &RawToken,
    ) -> Result<OpenedSession, DomainError> {
        self.election.require(Need::PortalOpen).await?;
        let (token, voter) = self
            .links
            .live(voter_id, raw, Expect::PasswordChosen(TokenPurpose::Activation))
            .await?;
        let now = epoch(self.clock.now());
        let session = new_session(
            &voter,
            SessionKind::WithoutActivation,
            voter.credentials_version,
            now,
            &self.config,
        );
        let written = self.accounts.skip_activation(&token, &session.record, now).await;
        self.links.settle(&token, written).await?;
        tracing::info!(voter_id = %voter.roll.voter_id, "access without activation");
        Ok(session)
    }
}
