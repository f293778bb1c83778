//! `reassort`: a lost password replaced through the challenge answer and the mailbox.

use std::sync::Arc;

use super::attempts::{new_device, Guesses, NewDevice, Reservation};
use super::links::{link_mail, new_token, queued, within_cap, Expect};
use super::sessions::new_session;
use super::{epoch, Election, LinkMail, Links, OpenedSession, Wiring};
use crate::audit::AuditTrail;
use crate::calendar::Need;
use crate::config::Config;
use crate::error::DomainError;
use crate::model::{AccountStatus, FailureKind, SessionKind, TokenPurpose};
use crate::outbox::CapKind;
use crate::ports::{
    AccountOpening, Calendars, DeviceTrust, Devices, FailureCounters, LinkTokens, Voters,
};
use crate::questions;
use crate::secrets;
use crate::validate::{Identifier, RawToken, SecretAnswer, VoterId};

pub struct Reassort {
    election: Election,
    voters: Arc<dyn Voters>,
    guesses: Guesses,
    trust: Arc<dyn DeviceTrust>,
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
            + Devices
            + DeviceTrust
            + AccountOpening
            + AuditTrail
            + 'static,
    {
        Reassort {
            election: Election::new(w),
            voters: w.store.clone(),
            guesses: Guesses::new(w),
            trust: w.store.clone(),
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
        device_cookie: Option<&str>,
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
        let counted = self.guesses.budget(&voter, device_cookie, FailureKind::Answer, now).await?;
        let trusted = counted.device.is_some();
        // The attempt is counted before the answer is checked, on the count just read: of guesses
        // sent together, one is checked and the others are refused unchecked. A right answer
        // gives its attempt back.
        let Reservation::Check(attempt) =
            self.guesses.reserve(&counted, FailureKind::Answer, now).await?
        else {
            secrets::verify(answer.expose().to_string(), secrets::dummy_hash()).await;
            tracing::info!(voter_id = %voter.roll.voter_id, trusted, "réassort refused unchecked: locked, or another attempt was counted first");
            return Ok(());
        };
        let stored = voter.answer_hash.clone().unwrap_or_else(secrets::dummy_hash);
        let answer_ok = secrets::verify(answer.expose().to_string(), stored).await;
        if answer_ok && voter.question_id == Some(question_id as u8) {
            self.guesses.give_back(&counted, FailureKind::Answer, &attempt).await;
            return self.link_mail.send(&voter, TokenPurpose::Reassort).await;
        }
        tracing::info!(voter_id = %voter.roll.voter_id, trusted, "réassort with a wrong answer");
        crate::audit::record_failure(
            self.audit.as_ref(),
            &voter.roll.voter_id,
            FailureKind::Answer,
            &attempt,
        )
        .await;
        Ok(())
    }

    /// `POST /api/unlock`: mails an active account's holder a link that makes the browser opening
    /// it trusted, so that guesses from elsewhere cannot keep them out. No lock blocks it; it has
    /// its own daily cap, apart from the other mails, and voids no other link. An account never
    /// activated gets its activation mail instead; an unknown identifier, nothing. Same outcome
    /// for all.
    pub async fn request_unlock(&self, identifier: &Identifier) -> Result<(), DomainError> {
        self.election.require(Need::PortalOpen).await?;
        let Some(voter) = super::voter_by_identifier(self.voters.as_ref(), identifier).await?
        else {
            tracing::info!("unlock asked for an identifier not on the roll");
            return Ok(());
        };
        if voter.status == AccountStatus::NotActivated {
            return self.link_mail.send(&voter, TokenPurpose::Activation).await;
        }
        let now_ms = self.election.now().timestamp_millis();
        let now = now_ms.div_euclid(1000);
        let Some(sent_at) =
            within_cap(&voter.unlock_sent_at, self.config.unlock_mail_cap_per_day, now)
        else {
            tracing::info!(voter_id = %voter.roll.voter_id, "unlock mail cap reached, nothing sent");
            return Ok(());
        };
        // The link carries the current generation: a newer activation or réassort link, or a new
        // address, voids it; it voids nothing itself.
        let (secret, record) =
            new_token(&voter, TokenPurpose::Unlock, voter.token_generation, now, &self.config);
        let mail = link_mail(
            &voter,
            TokenPurpose::Unlock,
            &secret,
            &record,
            CapKind::Unlock,
            now_ms,
            &self.config,
        );
        let written = self
            .trust
            .issue_unlock_token(&voter, voter.unlock_count, &sent_at, &record, &mail)
            .await;
        queued(&voter, TokenPurpose::Unlock, written)
    }

    /// `POST /api/unlock/confirm`: the unlock link opened; the browser becomes trusted and gets
    /// its device cookie. It then logs in with the password on a budget of its own.
    pub async fn confirm_unlock(
        &self,
        voter_id: &VoterId,
        raw: &RawToken,
    ) -> Result<NewDevice, DomainError> {
        self.election.require(Need::PortalOpen).await?;
        let (token, voter) = self.links.live(voter_id, raw, Expect::Any).await?;
        if token.purpose != TokenPurpose::Unlock {
            return Err(DomainError::TokenInvalid);
        }
        let now = epoch(self.election.now());
        let device = new_device(&voter.roll.voter_id, now, &self.config);
        let written = self.trust.trust_device(&token, &device.record, now).await;
        self.links.settle(&token, written).await?;
        tracing::info!(voter_id = %voter.roll.voter_id, "browser trusted through an unlock link");
        Ok(device)
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
