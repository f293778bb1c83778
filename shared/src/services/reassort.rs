//! `reassort`: a lost password replaced through the challenge answer and the mailbox.

use std::sync::Arc;

use super::links::Expect;
use super::login::{lock_delay, ANSWER_MAX_DELAY};
use super::sessions::new_session;
use super::{epoch, Election, LinkMail, Links, OpenedSession, Wiring};
use crate::audit::AuditTrail;
use crate::calendar::Need;
use crate::config::Config;
use crate::error::DomainError;
use crate::model::{AccountStatus, SessionKind, TokenPurpose};
use crate::ports::{
    AccountOpening, Attempt, Calendars, FailureCounters, FailureKind, LinkTokens, StoreError,
    Voters,
};
use crate::questions;
use crate::secrets;
use crate::validate::{Identifier, RawToken, SecretAnswer, VoterId};

pub struct Reassort {
    election: Election,
    voters: Arc<dyn Voters>,
    failures: Arc<dyn FailureCounters>,
    accounts: Arc<dyn AccountOpening>,
    links: Links,
    link_mail: LinkMail,
    audit: Arc<dyn AuditTrail>,
    pub config: Config,
}

impl Reassort {
    pub fn new<S>(w: &Wiring<S>) -> Self
    where
        S: Calendars
            + Voters
            + LinkTokens
            + FailureCounters
            + AccountOpening
            + AuditTrail
            + 'static,
    {
        Reassort {
            election: Election::new(w),
            voters: w.store.clone(),
            failures: w.store.clone(),
            accounts: w.store.clone(),
            links: Links::new(w),
            link_mail: LinkMail::new(w),
            audit: w.store.clone(),
            config: w.config.clone(),
        }
    }

    /// A réassort mail when identifier, question and answer match an active account; an
    /// activation mail for an account never activated; nothing otherwise. Same outcome for all.
    pub async fn request_reassort(
        &self,
        identifier: &Identifier,
        question_id: i64,
        answer: &SecretAnswer,
    ) -> Result<(), DomainError> {
        self.election.require(Need::PortalOpen).await?;
        if questions::find(question_id).is_none() {
            return Err(questions::unknown());
        }
        let voter = match super::voter_by_identifier(self.voters.as_ref(), identifier).await? {
            None => {
                secrets::verify(answer.expose().to_string(), secrets::dummy_hash()).await;
                tracing::info!("réassort asked for an identifier not on the roll");
                return Ok(());
            }
            Some(v) => v,
        };
        if voter.status == AccountStatus::NotActivated {
            secrets::verify(answer.expose().to_string(), secrets::dummy_hash()).await;
            return self.link_mail.send(&voter, TokenPurpose::Activation).await;
        }
        let now = epoch(self.election.now());
        if voter.answer_locked_until > now {
            secrets::verify(answer.expose().to_string(), secrets::dummy_hash()).await;
            tracing::info!(voter_id = %voter.roll.voter_id, "réassort while answers are locked, nothing sent");
            return Ok(());
        }
        // The attempt is counted before the answer is checked, on the count just read: of guesses
        // sent together, one is checked and the others are refused unchecked. A right answer
        // gives its attempt back.
        let failures = voter.failed_answers + 1;
        let attempt = Attempt {
            seen: voter.failed_answers,
            now,
            locked_until: now + lock_delay(failures, self.config.free_attempts, ANSWER_MAX_DELAY),
        };
        match self
            .failures
            .reserve_attempt(&voter.roll.voter_id, FailureKind::Answer, &attempt)
            .await
        {
            Ok(()) => {}
            Err(StoreError::ConditionFailed | StoreError::TransactionConflict) => {
                secrets::verify(answer.expose().to_string(), secrets::dummy_hash()).await;
                tracing::info!(voter_id = %voter.roll.voter_id, "réassort refused: another attempt was counted first");
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        }
        let stored = voter.answer_hash.clone().unwrap_or_else(secrets::dummy_hash);
        let answer_ok = secrets::verify(answer.expose().to_string(), stored).await;
        if answer_ok && voter.question_id == Some(question_id as u8) {
            let given_back = self
                .failures
                .release_attempt(
                    &voter.roll.voter_id,
                    FailureKind::Answer,
                    &attempt,
                    voter.answer_locked_until,
                )
                .await;
            if let Err(e) = given_back {
                tracing::info!(voter_id = %voter.roll.voter_id, error = %e, "right answer, attempt not given back");
            }
            return self.link_mail.send(&voter, TokenPurpose::Reassort).await;
        }
        tracing::info!(voter_id = %voter.roll.voter_id, failures, "réassort with a wrong answer");
        crate::audit::record_failure(
            self.audit.as_ref(),
            &voter.roll.voter_id,
            FailureKind::Answer,
            &attempt,
        )
        .await;
        Ok(())
    }

    /// Confirms the password chosen through a réassort link: it replaces the old one and every
    /// other session ends.
    pub async fn confirm_reassort(
        &self,
        voter_id: &VoterId,
        raw: &RawToken,
    ) -> Result<OpenedSession, DomainError> {
        self.election.require(Need::PortalOpen).await?;
        let (token, voter) =
            self.links.live(voter_id, raw, Expect::PasswordChosen(TokenPurpose::Reassort)).await?;
        let now = epoch(self.election.now());
        let session = new_session(
            &voter,
            SessionKind::Activated,
            voter.credentials_version + 1,
            now,
            &self.config,
        );
        let written = self
            .accounts
            .complete_reassort(&token, voter.credentials_version, &session.record, now)
            .await;
        self.links.settle(&token, written).await?;
        crate::audit::record_unlock(self.audit.as_ref(), &voter, now).await;
        tracing::info!(voter_id = %voter.roll.voter_id, "password replaced by réassort");
        Ok(session)
    }
}
