//! The use cases of the portal, one method each, over the ports. Functions call exactly one of
//! these per request and map the result to HTTP.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::calendar::{paris_rfc3339, Need, Phase, TIMEZONE};
use crate::config::Config;
use crate::error::DomainError;
use crate::roll::ROLL_SHARDS;
use crate::mail;
use crate::model::{
    AccountStatus, Calendar, Civility, Claim, ClaimCategory, ClaimStatus, RollEntry, Scrutin,
    SessionKind, SessionRecord, TokenPurpose, TokenRecord, Voter,
};
use crate::ports::{
    Activation, ClaimOutcome, Clock, FailureKind, Mailer, RollCursor, Store, StoreError,
};
use crate::questions;
use crate::secrets;
use crate::tokens;
use crate::validate::{Identifier, LoginPassword, NewPassword, RawToken, SecretAnswer, VoterId};

const DAY: i64 = 86_400;
/// A session's last-seen time is rewritten at most this often (seconds): idle expiry stays exact
/// to within a minute without a write on every request.
const TOUCH_EVERY: i64 = 60;

#[derive(Debug, Clone, Serialize)]
pub struct ElectionView {
    pub phase: Phase,
    pub claims_open: bool,
    pub calendar: CalendarView,
    pub timezone: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct CalendarView {
    pub activation_opens_at: String,
    pub claim_deadline: String,
    pub voting_opens_at: String,
    pub voting_closes_at: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct TokenView {
    pub purpose: TokenPurpose,
    pub password_set: bool,
    pub civility: Civility,
    pub last_name: String,
}

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MailStatus {
    Sent,
    Failed,
}

#[derive(Debug, Clone)]
pub struct FiledClaim {
    pub claim: Claim,
    /// False when an earlier submission with the same key had stored it.
    pub created: bool,
    pub acknowledgement: MailStatus,
}

#[derive(Debug, Clone)]
pub struct ElectoralListPage {
    pub entries: Vec<RollEntry>,
    pub next_cursor: Option<String>,
}

/// The portal: ports, configuration and the small per-instance caches.
pub struct Portal {
    pub store: Arc<dyn Store>,
    pub mailer: Arc<dyn Mailer>,
    pub clock: Arc<dyn Clock>,
    pub config: Config,
    calendar_cache: Mutex<Option<(Instant, Calendar)>>,
    ballot_cache: Mutex<HashMap<String, (Instant, Scrutin)>>,
    /// First pages of electoral lists: every voter who opens the ministry-wide list starts there.
    first_page_cache: Mutex<HashMap<(String, usize), (Instant, ElectoralListPage)>>,
}

fn epoch(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

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

impl Portal {
    pub fn new(
        store: Arc<dyn Store>,
        mailer: Arc<dyn Mailer>,
        clock: Arc<dyn Clock>,
        config: Config,
    ) -> Self {
        Portal {
            store,
            mailer,
            clock,
            config,
            calendar_cache: Mutex::new(None),
            ballot_cache: Mutex::new(HashMap::new()),
            first_page_cache: Mutex::new(HashMap::new()),
        }
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    // ---- calendar -------------------------------------------------------------------------

    pub async fn calendar(&self) -> Result<Calendar, DomainError> {
        let ttl = self.config.calendar_cache;
        if !ttl.is_zero() {
            if let Some((at, cal)) = *self.calendar_cache.lock().expect("calendar cache") {
                if at.elapsed() < ttl {
                    return Ok(cal);
                }
            }
        }
        let cal = self.store.calendar().await?.ok_or_else(|| {
            DomainError::PhaseClosed("Le calendrier de l'élection n'est pas encore publié : le portail n'est pas ouvert.".into())
        })?;
        *self.calendar_cache.lock().expect("calendar cache") = Some((Instant::now(), cal));
        Ok(cal)
    }

    pub async fn require(&self, need: Need) -> Result<(), DomainError> {
        self.calendar().await?.require(need, self.now())
    }

    pub async fn election(&self) -> Result<ElectionView, DomainError> {
        let cal = self.calendar().await?;
        let now = self.now();
        Ok(ElectionView {
            phase: cal.phase(now),
            claims_open: cal.claims_open(now),
            calendar: CalendarView {
                activation_opens_at: paris_rfc3339(cal.activation_opens_at),
                claim_deadline: paris_rfc3339(cal.claim_deadline),
                voting_opens_at: paris_rfc3339(cal.voting_opens_at),
                voting_closes_at: paris_rfc3339(cal.voting_closes_at),
            },
            timezone: TIMEZONE,
        })
    }

    // ---- mail tokens ----------------------------------------------------------------------

    async fn voter_by_identifier(
        &self,
        identifier: &Identifier,
    ) -> Result<Option<Voter>, DomainError> {
        match self.store.voter_id_for_email(identifier.as_str()).await? {
            Some(id) => Ok(self.store.voter(&id).await?),
            None => Ok(None),
        }
    }

    /// Issues a token for `purpose` and mails its link, within the per-account mail cap. Never
    /// fails for reasons the voter could learn anything from: a cap or a lost race is silent, and
    /// a mail failure is logged loudly for operators.
    async fn issue_and_mail(
        &self,
        voter: &Voter,
        purpose: TokenPurpose,
    ) -> Result<(), DomainError> {
        let now = epoch(self.now());
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
            .store
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

    /// `activate`: the same outcome whether the identifier is unknown, active, capped or fresh.
    pub async fn request_activation(&self, identifier: &Identifier) -> Result<(), DomainError> {
        self.require(Need::PortalOpen).await?;
        match self.voter_by_identifier(identifier).await? {
            Some(voter) if voter.status == AccountStatus::NotActivated => {
                self.issue_and_mail(&voter, TokenPurpose::Activation).await
            }
            Some(_) => {
                tracing::info!("activation asked for an active account, nothing sent");
                Ok(())
            }
            None => {
                tracing::info!("activation asked for an identifier not on the roll");
                Ok(())
            }
        }
    }

    /// The token behind a link, checked against its voter, expiry, use and generation.
    async fn live_token(
        &self,
        voter_id: &VoterId,
        raw: &RawToken,
    ) -> Result<(TokenRecord, Voter), DomainError> {
        let token = self
            .store
            .token(&tokens::hash_token(raw.expose()))
            .await?
            .ok_or(DomainError::TokenInvalid)?;
        if token.voter_id != voter_id.as_str() {
            return Err(DomainError::TokenInvalid);
        }
        if token.consumed_at.is_some() {
            return Err(DomainError::TokenUsed);
        }
        if token.expires_at <= epoch(self.now()) {
            return Err(DomainError::TokenExpired);
        }
        let voter = self.store.voter(&token.voter_id).await?.ok_or(DomainError::TokenInvalid)?;
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
        Ok((token, voter))
    }

    /// After a write on a token failed its condition, tells the voter why.
    async fn token_failure(&self, hash: &str) -> DomainError {
        match self.store.token(hash).await {
            Ok(Some(t)) if t.consumed_at.is_some() => DomainError::TokenUsed,
            Ok(Some(t)) if t.expires_at <= epoch(self.now()) => DomainError::TokenExpired,
            Ok(Some(_)) => DomainError::Conflict,
            Ok(None) => DomainError::TokenInvalid,
            Err(e) => e.into(),
        }
    }

    fn failed_write(e: StoreError) -> Option<DomainError> {
        match e {
            StoreError::ConditionFailed | StoreError::TransactionConflict => None,
            other => Some(other.into()),
        }
    }

    /// `GET /api/token`: what a link is for, without consuming it.
    pub async fn check_token(
        &self,
        voter_id: &VoterId,
        raw: &RawToken,
    ) -> Result<TokenView, DomainError> {
        self.require(Need::PortalOpen).await?;
        let (token, voter) = self.live_token(voter_id, raw).await?;
        Ok(TokenView {
            purpose: token.purpose,
            password_set: token.pending_password_hash.is_some(),
            civility: voter.roll.civility,
            last_name: voter.roll.last_name,
        })
    }

    /// `set-password`: checks the rules and keeps the hash pending on the token.
    pub async fn set_password(
        &self,
        voter_id: &VoterId,
        raw: &RawToken,
        password: &str,
    ) -> Result<TokenPurpose, DomainError> {
        self.require(Need::PortalOpen).await?;
        let (token, voter) = self.live_token(voter_id, raw).await?;
        let local = voter.roll.email.split('@').next().unwrap_or_default().to_string();
        let personal = [
            voter.roll.email.as_str(),
            local.as_str(),
            voter.roll.last_name.as_str(),
            voter.roll.first_name.as_str(),
        ];
        let password = NewPassword::parse(password, &personal)?;
        let hash = secrets::hash(password.expose().to_string()).await?;
        match self.store.set_pending_password(&token.hash, &hash, epoch(self.now())).await {
            Ok(()) => Ok(token.purpose),
            Err(e) => Err(match Self::failed_write(e) {
                Some(err) => err,
                None => self.token_failure(&token.hash).await,
            }),
        }
    }

    fn new_session(
        &self,
        voter: &Voter,
        kind: SessionKind,
        credentials_version: u64,
    ) -> OpenedSession {
        let now = epoch(self.now());
        let secret = tokens::new_secret();
        let record = SessionRecord {
            hash: tokens::hash_secret(&secret),
            voter_id: voter.roll.voter_id.clone(),
            kind,
            credentials_version,
            created_at: now,
            last_seen_at: now,
            absolute_expires_at: now + self.config.session_absolute.as_secs() as i64,
        };
        OpenedSession { record, secret }
    }

    /// `activate-account`: saves password, question and answer for good and opens a session.
    pub async fn activate_account(
        &self,
        voter_id: &VoterId,
        raw: &RawToken,
        question_id: i64,
        answer: &SecretAnswer,
    ) -> Result<OpenedSession, DomainError> {
        self.require(Need::PortalOpen).await?;
        let question = questions::find(question_id).ok_or_else(|| DomainError::InvalidField {
            field: "question_id",
            message: "Choisissez une question défi dans la liste proposée.".into(),
        })?;
        let (token, voter) = self.live_token(voter_id, raw).await?;
        if token.purpose != TokenPurpose::Activation {
            return Err(DomainError::TokenInvalid);
        }
        let password_hash =
            token.pending_password_hash.clone().ok_or(DomainError::PasswordNotSet)?;
        let answer_hash = secrets::hash(answer.expose().to_string()).await?;
        let session =
            self.new_session(&voter, SessionKind::Activated, voter.credentials_version + 1);
        let activation = Activation { password_hash, question_id: question.id, answer_hash };
        match self
            .store
            .activate_account(&token, &activation, &session.record, epoch(self.now()))
            .await
        {
            Ok(()) => {
                tracing::info!(voter_id = %voter.roll.voter_id, "account activated");
                Ok(session)
            }
            Err(e) => Err(match Self::failed_write(e) {
                Some(err) => err,
                None => self.token_failure(&token.hash).await,
            }),
        }
    }

    /// `skip-activation`: one visit without saving anything; the next visit starts over.
    pub async fn skip_activation(
        &self,
        voter_id: &VoterId,
        raw: &RawToken,
    ) -> Result<OpenedSession, DomainError> {
        self.require(Need::PortalOpen).await?;
        let (token, voter) = self.live_token(voter_id, raw).await?;
        if token.purpose != TokenPurpose::Activation {
            return Err(DomainError::TokenInvalid);
        }
        if token.pending_password_hash.is_none() {
            return Err(DomainError::PasswordNotSet);
        }
        let session =
            self.new_session(&voter, SessionKind::WithoutActivation, voter.credentials_version);
        match self.store.skip_activation(&token, &session.record, epoch(self.now())).await {
            Ok(()) => {
                tracing::info!(voter_id = %voter.roll.voter_id, "access without activation");
                Ok(session)
            }
            Err(e) => Err(match Self::failed_write(e) {
                Some(err) => err,
                None => self.token_failure(&token.hash).await,
            }),
        }
    }

    // ---- réassort -------------------------------------------------------------------------

    /// `reassort`: a réassort mail when identifier, question and answer match an active account;
    /// an activation mail for an account never activated; nothing otherwise. Same outcome for all.
    pub async fn request_reassort(
        &self,
        identifier: &Identifier,
        question_id: i64,
        answer: &SecretAnswer,
    ) -> Result<(), DomainError> {
        self.require(Need::PortalOpen).await?;
        if questions::find(question_id).is_none() {
            return Err(DomainError::InvalidField {
                field: "question_id",
                message: "Choisissez une question défi dans la liste proposée.".into(),
            });
        }
        let voter = match self.voter_by_identifier(identifier).await? {
            None => {
                secrets::verify(answer.expose().to_string(), secrets::dummy_hash()).await;
                tracing::info!("réassort asked for an identifier not on the roll");
                return Ok(());
            }
            Some(v) => v,
        };
        if voter.status == AccountStatus::NotActivated {
            secrets::verify(answer.expose().to_string(), secrets::dummy_hash()).await;
            return self.issue_and_mail(&voter, TokenPurpose::Activation).await;
        }
        let now = epoch(self.now());
        if voter.answer_locked_until > now {
            secrets::verify(answer.expose().to_string(), secrets::dummy_hash()).await;
            tracing::info!(voter_id = %voter.roll.voter_id, "réassort while answers are locked, nothing sent");
            return Ok(());
        }
        let stored = voter.answer_hash.clone().unwrap_or_else(secrets::dummy_hash);
        let answer_ok = secrets::verify(answer.expose().to_string(), stored).await;
        if answer_ok && voter.question_id == Some(question_id as u8) {
            return self.issue_and_mail(&voter, TokenPurpose::Reassort).await;
        }
        let failures = voter.failed_answers + 1;
        let locked_until = now + lock_delay(failures, self.config.free_attempts, ANSWER_MAX_DELAY);
        self.store.record_failure(&voter.roll.voter_id, FailureKind::Answer, locked_until).await?;
        tracing::info!(voter_id = %voter.roll.voter_id, failures, "réassort with a wrong answer");
        Ok(())
    }

    /// Confirms the password chosen through a réassort link: it replaces the old one and every
    /// other session ends.
    pub async fn confirm_reassort(
        &self,
        voter_id: &VoterId,
        raw: &RawToken,
    ) -> Result<OpenedSession, DomainError> {
        self.require(Need::PortalOpen).await?;
        let (token, voter) = self.live_token(voter_id, raw).await?;
        if token.purpose != TokenPurpose::Reassort {
            return Err(DomainError::TokenInvalid);
        }
        if token.pending_password_hash.is_none() {
            return Err(DomainError::PasswordNotSet);
        }
        let session =
            self.new_session(&voter, SessionKind::Activated, voter.credentials_version + 1);
        match self
            .store
            .complete_reassort(
                &token,
                voter.credentials_version,
                &session.record,
                epoch(self.now()),
            )
            .await
        {
            Ok(()) => {
                tracing::info!(voter_id = %voter.roll.voter_id, "password replaced by réassort");
                Ok(session)
            }
            Err(e) => Err(match Self::failed_write(e) {
                Some(err) => err,
                None => self.token_failure(&token.hash).await,
            }),
        }
    }

    // ---- login and sessions ---------------------------------------------------------------

    /// `login`: one answer for every failure, at the cost of one hash verification in every case.
    pub async fn login(
        &self,
        identifier: &Identifier,
        password: &LoginPassword,
    ) -> Result<(OpenedSession, Voter), DomainError> {
        self.require(Need::PortalOpen).await?;
        let now = epoch(self.now());
        let voter = self.voter_by_identifier(identifier).await?;
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
        let ok = secrets::verify(
            password.expose().to_string(),
            voter.password_hash.clone().unwrap_or_default(),
        )
        .await;
        if !ok {
            let failures = voter.failed_logins + 1;
            let locked_until =
                now + lock_delay(failures, self.config.free_attempts, LOGIN_MAX_DELAY);
            self.store
                .record_failure(&voter.roll.voter_id, FailureKind::Login, locked_until)
                .await?;
            tracing::info!(voter_id = %voter.roll.voter_id, failures, "login with a wrong password");
            return Err(DomainError::InvalidCredentials);
        }
        let session = self.new_session(voter, SessionKind::Activated, voter.credentials_version);
        match self.store.open_login_session(voter, &session.record).await {
            Ok(()) => Ok((session, voter.clone())),
            Err(e) => Err(Self::failed_write(e).unwrap_or(DomainError::Conflict)),
        }
    }

    /// The session behind a cookie value, with its voter; idle, absolute and revoked sessions fail.
    pub async fn authenticate(&self, secret: Option<&str>) -> Result<Authenticated, DomainError> {
        let secret =
            secret.filter(|s| s.len() == RawToken::LEN).ok_or(DomainError::Unauthenticated)?;
        let hash = tokens::hash_token(secret);
        let session = self.store.session(&hash).await?.ok_or(DomainError::Unauthenticated)?;
        let now = epoch(self.now());
        let idle = self.config.session_idle.as_secs() as i64;
        if now >= session.absolute_expires_at || now - session.last_seen_at >= idle {
            return Err(DomainError::Unauthenticated);
        }
        let voter =
            self.store.voter(&session.voter_id).await?.ok_or(DomainError::Unauthenticated)?;
        if voter.credentials_version != session.credentials_version {
            return Err(DomainError::Unauthenticated);
        }
        if now - session.last_seen_at >= TOUCH_EVERY {
            if let Err(e) = self.store.touch_session(&hash, now).await {
                tracing::warn!(error = %e, "session touch failed");
            }
        }
        Ok(Authenticated { session, voter })
    }

    pub async fn logout(&self, secret: Option<&str>) -> Result<(), DomainError> {
        if let Some(secret) = secret.filter(|s| s.len() == RawToken::LEN) {
            self.store.delete_session(&tokens::hash_token(secret)).await?;
        }
        Ok(())
    }

    // ---- ballots --------------------------------------------------------------------------

    /// The voter's ballots with their candidate lists, in the voter's order. Ballots hardly change
    /// during the election, so a warm instance keeps them for `ballot_cache`: the ministry-wide
    /// ballot, read by every voter, is not read from DynamoDB on every request.
    pub async fn my_scrutins(&self, voter: &Voter) -> Result<Vec<Scrutin>, DomainError> {
        let ttl = self.config.ballot_cache;
        let mut found: HashMap<String, Scrutin> = HashMap::new();
        let mut missing = Vec::new();
        {
            let cache = self.ballot_cache.lock().expect("ballot cache");
            for id in &voter.roll.scrutins {
                match cache.get(id) {
                    Some((at, s)) if !ttl.is_zero() && at.elapsed() < ttl => {
                        found.insert(id.clone(), s.clone());
                    }
                    _ => missing.push(id.clone()),
                }
            }
        }
        if !missing.is_empty() {
            let fetched = self.store.scrutins(&missing).await?;
            let mut cache = self.ballot_cache.lock().expect("ballot cache");
            for s in fetched {
                cache.insert(s.id.clone(), (Instant::now(), s.clone()));
                found.insert(s.id.clone(), s);
            }
        }
        Ok(voter.roll.scrutins.iter().filter_map(|id| found.remove(id)).collect())
    }

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
        let ttl = self.config.ballot_cache;
        let first_page_key = (scrutin_id.to_string(), limit);
        let from = match cursor {
            Some(c) => decode_cursor(c)?,
            None => {
                if let Some((at, page)) =
                    self.first_page_cache.lock().expect("page cache").get(&first_page_key)
                {
                    if !ttl.is_zero() && at.elapsed() < ttl {
                        return Ok(page.clone());
                    }
                }
                RollCursor { shard: ROLL_SHARDS[0], after: None }
            }
        };
        let (entries, next) = self.store.electoral_list_page(scrutin_id, from, limit).await?;
        let page = ElectoralListPage { entries, next_cursor: next.map(|c| encode_cursor(&c)) };
        if cursor.is_none() {
            self.first_page_cache
                .lock()
                .expect("page cache")
                .insert(first_page_key, (Instant::now(), page.clone()));
        }
        Ok(page)
    }

    // ---- claims ---------------------------------------------------------------------------

    pub async fn file_claim(
        &self,
        voter: &Voter,
        category: ClaimCategory,
        scrutin_id: Option<String>,
        text: String,
        key: String,
    ) -> Result<FiledClaim, DomainError> {
        self.require(Need::ClaimsOpen).await?;
        if let Some(id) = &scrutin_id {
            if !voter.roll.scrutins.contains(id) {
                return Err(DomainError::InvalidField {
                    field: "scrutin_id",
                    message: "Ce scrutin ne fait pas partie de vos scrutins.".into(),
                });
            }
        }
        let now = self.now();
        let fingerprint = {
            let mut h = Sha256::new();
            h.update(category.as_str().as_bytes());
            h.update([0]);
            h.update(scrutin_id.as_deref().unwrap_or("").as_bytes());
            h.update([0]);
            h.update(text.as_bytes());
            h.finalize().iter().map(|b| format!("{b:02x}")).collect::<String>()
        };
        let claim = Claim {
            reference: format!("REC-{}-{}", now.format("%Y%m%d"), tokens::short_code(6)),
            voter_id: voter.roll.voter_id.clone(),
            category,
            scrutin_id,
            text,
            created_at: now,
            status: ClaimStatus::Open,
            fingerprint,
            idempotency_key: key,
            acknowledged: false,
        };
        let (stored, created) = match self.store.file_claim(&claim).await? {
            ClaimOutcome::Created => (claim, true),
            ClaimOutcome::Existing(existing) if existing.fingerprint == claim.fingerprint => {
                (existing, false)
            }
            ClaimOutcome::Existing(_) => return Err(DomainError::IdempotencyKeyReused),
        };
        let acknowledgement = if stored.acknowledged {
            MailStatus::Sent
        } else {
            self.acknowledge(voter, &stored).await
        };
        if created {
            tracing::info!(voter_id = %voter.roll.voter_id, reference = %stored.reference, "claim filed");
        }
        Ok(FiledClaim { claim: stored, created, acknowledgement })
    }

    /// Mails the acknowledgement and records it; a failure is logged and the next retry of the
    /// same submission tries again.
    async fn acknowledge(&self, voter: &Voter, claim: &Claim) -> MailStatus {
        let scrutin_name = match &claim.scrutin_id {
            Some(id) => self
                .my_scrutins(voter)
                .await
                .ok()
                .and_then(|all| all.into_iter().find(|s| &s.id == id).map(|s| s.name)),
            None => None,
        };
        let message = mail::claim_acknowledgement(&voter.roll, claim, scrutin_name.as_deref());
        match self.mailer.send(&message).await {
            Ok(()) => {
                if let Err(e) =
                    self.store.mark_claim_acknowledged(&claim.voter_id, &claim.reference).await
                {
                    tracing::warn!(reference = %claim.reference, error = %e, "acknowledgement sent but not recorded");
                }
                MailStatus::Sent
            }
            Err(e) => {
                tracing::error!(reference = %claim.reference, error = %e, "mail_send_failed");
                MailStatus::Failed
            }
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
