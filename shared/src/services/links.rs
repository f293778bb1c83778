//! The single-use links mailed to voters: issuing one within the mail cap ([`LinkMail`]), and
//! checking and ending one ([`Links`]).

use std::sync::Arc;

use secrecy::{ExposeSecret, SecretString};

use super::{epoch, Wiring, DAY};
use crate::config::Config;
use crate::error::DomainError;
use crate::mail;
use crate::model::{AccountStatus, TokenPurpose, TokenRecord, Voter};
use crate::outbox::{CapKind, Follow, MailPurpose, OutboxMail};
use crate::ports::{Clock, LinkTokens, StoreError, StoreResult, Voters};
use crate::tokens;
use crate::validate::{RawToken, VoterId};

/// Issues a link and queues its mail in the outbox.
pub struct LinkMail {
    tokens: Arc<dyn LinkTokens>,
    clock: Arc<dyn Clock>,
    config: Config,
}

impl LinkMail {
    pub fn new<S: LinkTokens + 'static>(w: &Wiring<S>) -> Self {
        LinkMail { tokens: w.store.clone(), clock: w.clock.clone(), config: w.config.clone() }
    }

    /// Issues a token for `purpose` (an activation or a réassort) and queues the mail of its link,
    /// within the per-account mail cap, in one transaction; the new link voids older ones. Never
    /// fails for reasons the voter could learn anything from: a cap or a lost race is silent. SES
    /// is never called here: the `mailer` function delivers the outbox.
    pub async fn send(&self, voter: &Voter, purpose: TokenPurpose) -> Result<(), DomainError> {
        let now_ms = self.clock.now().timestamp_millis();
        let now = now_ms.div_euclid(1000);
        let Some(sent_at) = within_cap(&voter.mail_sent_at, self.config.mail_cap_per_day, now)
        else {
            tracing::info!(voter_id = %voter.roll.voter_id, purpose = purpose.as_str(), "mail cap reached, nothing sent");
            return Ok(());
        };
        let (secret, record) =
            new_token(voter, purpose, voter.token_generation + 1, now, &self.config);
        let mail = link_mail(voter, purpose, &secret, &record, CapKind::Mail, now_ms, &self.config);
        let written =
            self.tokens.issue_token(voter, voter.token_generation, &sent_at, &record, &mail).await;
        queued(voter, purpose, written)
    }
}

/// The outbox mail that carries the link of a token just drawn.
pub(crate) fn link_mail(
    voter: &Voter,
    purpose: TokenPurpose,
    secret: &SecretString,
    token: &TokenRecord,
    cap: CapKind,
    now_ms: i64,
    config: &Config,
) -> OutboxMail {
    let link =
        mail::link(&config.portal_base_url, purpose, secret.expose_secret(), &voter.roll.voter_id);
    let ttl = token_ttl(purpose, config).as_secs();
    let hours = ttl / 3600;
    let (message, mail_purpose) = match purpose {
        TokenPurpose::Activation => {
            (mail::activation(&voter.roll, &link, hours), MailPurpose::Activation)
        }
        TokenPurpose::Reassort => {
            (mail::reassort(&voter.roll, &link, hours), MailPurpose::Reassort)
        }
        TokenPurpose::Unlock => (mail::unlock(&voter.roll, &link, hours), MailPurpose::Unlock),
    };
    let follow = Follow::Link {
        token_hash: token.hash.clone(),
        valid_secs: ttl as i64,
        cap,
        counted_at: now_ms.div_euclid(1000),
    };
    OutboxMail::new(&voter.roll.voter_id, mail_purpose, message, now_ms, follow)
}

/// The outcome of the transaction that issued a link and queued its mail: a lost race is silent.
pub(crate) fn queued(
    voter: &Voter,
    purpose: TokenPurpose,
    written: StoreResult<()>,
) -> Result<(), DomainError> {
    match written {
        Ok(()) => {
            tracing::info!(voter_id = %voter.roll.voter_id, purpose = purpose.as_str(), "mail queued");
            Ok(())
        }
        Err(StoreError::ConditionFailed | StoreError::TransactionConflict) => {
            tracing::info!(voter_id = %voter.roll.voter_id, "concurrent mail request, this one dropped");
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// The times of the mails of the last day once one more is sent now, or `None` when `cap` mails
/// were sent in the last 24 hours: the day slides, so that no window edge lets twice the cap
/// through.
pub(crate) fn within_cap(sent_at: &[i64], cap: u32, now: i64) -> Option<Vec<i64>> {
    let mut recent: Vec<i64> = sent_at.iter().copied().filter(|&t| t > now - DAY).collect();
    if recent.len() >= cap as usize {
        return None;
    }
    recent.push(now);
    Some(recent)
}

fn token_ttl(purpose: TokenPurpose, config: &Config) -> std::time::Duration {
    match purpose {
        TokenPurpose::Activation => config.activation_token_ttl,
        TokenPurpose::Reassort => config.reassort_token_ttl,
        TokenPurpose::Unlock => config.unlock_token_ttl,
    }
}

/// A new token of `purpose` for `voter` at `generation`, not yet stored, and its secret.
pub(crate) fn new_token(
    voter: &Voter,
    purpose: TokenPurpose,
    generation: u64,
    now: i64,
    config: &Config,
) -> (SecretString, TokenRecord) {
    let secret = tokens::new_secret();
    let record = TokenRecord {
        hash: tokens::hash_secret(&secret),
        voter_id: voter.roll.voter_id.clone(),
        purpose,
        generation,
        created_at: now,
        expires_at: now + token_ttl(purpose, config).as_secs() as i64,
        consumed_at: None,
        pending_password_hash: None,
    };
    (secret, record)
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
            TokenPurpose::Reassort | TokenPurpose::Unlock => voter.status == AccountStatus::Active,
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
