//! The single-use links mailed to voters: issuing one within the mail cap ([`LinkMail`]), and
//! checking and ending one ([`Links`]).

use std::sync::Arc;

use secrecy::ExposeSecret;

use super::{epoch, Wiring, DAY};
use crate::config::Config;
use crate::error::DomainError;
use crate::mail;
use crate::model::{AccountStatus, TokenPurpose, TokenRecord, Voter};
use crate::ports::{Clock, LinkTokens, Mailer, StoreError, StoreResult, Voters};
use crate::tokens;
use crate::validate::{RawToken, VoterId};

/// Issues a link and mails it.
pub struct LinkMail {
    tokens: Arc<dyn LinkTokens>,
    mailer: Arc<dyn Mailer>,
    clock: Arc<dyn Clock>,
    config: Config,
}

impl LinkMail {
    pub fn new<S: LinkTokens + 'static>(w: &Wiring<S>) -> Self {
        LinkMail {
            tokens: w.store.clone(),
            mailer: w.mailer.clone(),
            clock: w.clock.clone(),
            config: w.config.clone(),
        }
    }

    /// Issues a token for `purpose` and mails its link, within the per-account mail cap. Never
    /// fails for reasons the voter could learn anything from: a cap or a lost race is silent, and
    /// a mail failure is logged loudly for operators.
    pub async fn send(&self, voter: &Voter, purpose: TokenPurpose) -> Result<(), DomainError> {
        let now = epoch(self.clock.now());
        let (window_start, count) = if now - voter.mail_window_start >= DAY {
            (now, 1)
        } else if voter.mail_count >= self.config.mail_cap_per_day {
            tracing::info!(voter_id = %voter.roll.voter_id, purpose = purpose.as_str(), "mail cap reached, nothing sent");
            return Ok(());
        } else {
            (voter.mail_window_start, voter.mail_count + 1)
        };
        let ttl = match purpose {
            TokenPurpose::Activation => self.config.activation_token_ttl,
            TokenPurpose::Reassort => self.config.reassort_token_ttl,
        };
        let secret = tokens::new_secret();
        let record = TokenRecord {
            hash: tokens::hash_secret(&secret),
            voter_id: voter.roll.voter_id.clone(),
            purpose,
            generation: voter.token_generation + 1,
            created_at: now,
            expires_at: now + ttl.as_secs() as i64,
            consumed_at: None,
            pending_password_hash: None,
        };
        match self
            .tokens
            .issue_token(voter, voter.token_generation, window_start, count, &record)
            .await
        {
            Ok(()) => {}
            Err(StoreError::ConditionFailed | StoreError::TransactionConflict) => {
                tracing::info!(voter_id = %voter.roll.voter_id, "concurrent mail request, this one dropped");
                return Ok(());
            }
            Err(e) => return Err(e.into()),
        }
        let link = mail::link(
            &self.config.portal_base_url,
            purpose,
            secret.expose_secret(),
            &voter.roll.voter_id,
        );
        let hours = ttl.as_secs() / 3600;
        let message = match purpose {
            TokenPurpose::Activation => mail::activation(&voter.roll, &link, hours),
            TokenPurpose::Reassort => mail::reassort(&voter.roll, &link, hours),
        };
        match self.mailer.send(&message).await {
            Ok(()) => {
                tracing::info!(voter_id = %voter.roll.voter_id, purpose = purpose.as_str(), "mail sent")
            }
            Err(e) => {
                tracing::error!(voter_id = %voter.roll.voter_id, purpose = purpose.as_str(), error = %e, "mail_send_failed")
            }
        }
        Ok(())
    }
}

/// What a step that ends a link expects of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Any live link (checking it, or choosing the password).
    Any,
    /// A live link of this purpose on which a password was already chosen.
    PasswordChosen(TokenPurpose),
}

/// Checks links and settles the steps that end them.
pub struct Links {
    voters: Arc<dyn Voters>,
    tokens: Arc<dyn LinkTokens>,
    clock: Arc<dyn Clock>,
}

impl Links {
    pub fn new<S: Voters + LinkTokens + 'static>(w: &Wiring<S>) -> Self {
        Links { voters: w.store.clone(), tokens: w.store.clone(), clock: w.clock.clone() }
    }

    fn now(&self) -> i64 {
        epoch(self.clock.now())
    }

    /// The token behind a link, checked against its voter, expiry, use and generation, and
    /// against what the step expects of it.
    pub async fn live(
        &self,
        voter_id: &VoterId,
        raw: &RawToken,
        expect: Expect,
    ) -> Result<(TokenRecord, Voter), DomainError> {
        let token = self
            .tokens
            .token(&tokens::hash_token(raw.expose()))
            .await?
            .ok_or(DomainError::TokenInvalid)?;
        if token.voter_id != voter_id.as_str() {
            return Err(DomainError::TokenInvalid);
        }
        if token.consumed_at.is_some() {
            return Err(DomainError::TokenUsed);
        }
        if token.expires_at <= self.now() {
            return Err(DomainError::TokenExpired);
        }
        let voter = self.voters.voter(&token.voter_id).await?.ok_or(DomainError::TokenInvalid)?;
        if voter.token_generation != token.generation {
            return Err(DomainError::TokenInvalid);
        }
        let fits = match token.purpose {
            TokenPurpose::Activation => voter.status == AccountStatus::NotActivated,
            TokenPurpose::Reassort => voter.status == AccountStatus::Active,
        };
        if !fits {
            return Err(DomainError::TokenInvalid);
        }
        if let Expect::PasswordChosen(purpose) = expect {
            if token.purpose != purpose {
                return Err(DomainError::TokenInvalid);
            }
            if token.pending_password_hash.is_none() {
                return Err(DomainError::PasswordNotSet);
            }
        }
        Ok((token, voter))
    }

    /// Keeps the hash of the chosen password on the link until the step that ends it.
    pub async fn keep_password(
        &self,
        token: &TokenRecord,
        password_hash: &str,
    ) -> Result<(), DomainError> {
        let written =
            self.tokens.set_pending_password(&token.hash, password_hash, self.now()).await;
        self.settle(token, written).await
    }

    /// The outcome of a conditional write on a link: a failed condition means the link changed
    /// meanwhile (used, expired, replaced), and the voter is told which.
    pub async fn settle(
        &self,
        token: &TokenRecord,
        written: StoreResult<()>,
    ) -> Result<(), DomainError> {
        match written {
            Ok(()) => Ok(()),
            Err(StoreError::ConditionFailed | StoreError::TransactionConflict) => {
                Err(self.why_refused(&token.hash).await)
            }
            Err(e) => Err(e.into()),
        }
    }

    async fn why_refused(&self, hash: &str) -> DomainError {
        match self.tokens.token(hash).await {
            Ok(Some(t)) if t.consumed_at.is_some() => DomainError::TokenUsed,
            Ok(Some(t)) if t.expires_at <= self.now() => DomainError::TokenExpired,
            Ok(Some(_)) => DomainError::Conflict,
            Ok(None) => DomainError::TokenInvalid,
            Err(e) => e.into(),
        }
    }
}
