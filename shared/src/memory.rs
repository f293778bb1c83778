//! In-memory adapters for the domain's unit tests: same conditions and same errors as the DynamoDB
//! adapter (the persistence contract suite of `store-dynamodb` runs the same cases on both), one
//! mutex standing in for DynamoDB's atomicity. Never used by a deployed function.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::audit::{AuditEvent, AuditKind, AuditTrail};
use crate::model::{
    AccountStatus, AssistanceRequest, AssistanceStatus, AssistanceWindow, Calendar, Claim,
    DeviceRecord, Failures, RollEntry, RollVoter, Scrutin, SessionRecord, TokenPurpose,
    TokenRecord, Voter,
};
use crate::outbox::{Bounce, CapKind, Follow, OutboxItem, OutboxMail, OutboxStatus};
use crate::ports::{
    AccountOpening, Activation, AssistanceFollowUp, AssistanceRequests, Attempt, Ballots, Bounces,
    Budget, Calendars, ClaimOutcome, Claims, Clock, DeviceTrust, Devices, FailureCounters,
    FailureKind, LinkTokens, Mail, MailError, Mailer, OutboxDelivery, Roll, RollCursor,
    SessionStore, StoreError, StoreResult, Voters,
};
use crate::ports::{
    Board, BoardPage, CastBallot, CastOutcome, CodeRequest, CodeRequests, Emargement, Slot, Urne,
    VoteRecords,
};
use crate::roll::{order_key as roll_sk, roll_shard, ROLL_SHARDS};

#[derive(Default)]
struct State {
    voters: HashMap<String, Voter>,
    emails: HashMap<String, String>,
    tokens: HashMap<String, TokenRecord>,
    devices: HashMap<String, DeviceRecord>,
    outbox: BTreeMap<String, OutboxItem>,
    bounces: HashMap<String, Bounce>,
    sessions: HashMap<String, SessionRecord>,
    scrutins: HashMap<String, Scrutin>,
    rolls: HashMap<String, BTreeMap<String, RollEntry>>,
    roll_counts: HashMap<String, u64>,
    claims: HashMap<(String, String), Claim>,
    assistance: BTreeMap<String, AssistanceRequest>,
    assistance_windows: HashMap<String, AssistanceWindow>,
    calendar: Option<Calendar>,
    help: Option<crate::help::HelpTexts>,
    /// Every voter's trail, in the order written.
    audit: Vec<AuditEvent>,
    vote: VoteState,
}

/// The urne and the émargement, kept apart as in the tables.
#[derive(Default)]
struct VoteState {
    record: Option<String>,
    seal: Option<String>,
    results: Option<String>,
    /// (scrutin, credential) → the ballot cast with it (tracker, JSON), if any.
    slots: HashMap<(String, String), Option<(String, String)>>,
    /// (scrutin, voter id)
    emargement: std::collections::HashSet<(String, String)>,
    code_requests: HashMap<String, crate::ports::CodeRequest>,
}

#[derive(Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().expect("memory store"))
    }

    pub fn sessions_of(&self, voter_id: &str) -> usize {
        self.with(|s| s.sessions.values().filter(|x| x.voter_id == voter_id).count())
    }

    /// Publishes the election record (tests; the administration uses `electeur-admin`).
    pub fn publish_vote_record(&self, record: &str) {
        self.with(|s| s.vote.record = Some(record.to_string()))
    }

    /// Lists public credentials (hex) for a scrutin.
    pub fn add_credentials(&self, scrutin_id: &str, credentials: &[String]) {
        self.with(|s| {
            for c in credentials {
                s.vote.slots.entry((scrutin_id.to_string(), c.clone())).or_insert(None);
            }
        })
    }

    pub fn seal_urne(&self, seal: &str) {
        self.with(|s| s.vote.seal = Some(seal.to_string()))
    }

    /// The ballots (tracker, JSON) and the émargement count of a scrutin.
    pub fn urne_of(&self, scrutin_id: &str) -> (Vec<(String, String)>, usize) {
        self.with(|s| {
            let mut ballots: Vec<(String, String)> = s
                .vote
                .slots
                .iter()
                .filter(|((sc, _), _)| sc == scrutin_id)
                .filter_map(|(_, b)| b.clone())
                .collect();
            ballots.sort();
            let count = s.vote.emargement.iter().filter(|(sc, _)| sc == scrutin_id).count();
            (ballots, count)
        })
    }

    pub fn claims_of(&self, voter_id: &str) -> Vec<Claim> {
        self.with(|s| s.claims.values().filter(|c| c.voter_id == voter_id).cloned().collect())
    }
}

fn consumable(t: Option<&TokenRecord>, expected: &TokenRecord, now: i64) -> bool {
    matches!(t, Some(t) if t.consumed_at.is_none() && t.expires_at > now && t.voter_id == expected.voter_id
        && t.purpose == expected.purpose && t.pending_password_hash.is_some()
        && t.pending_password_hash == expected.pending_password_hash)
}

#[async_trait]
impl Voters for MemoryStore {
    async fn voter_id_for_email(&self, email: &str) -> StoreResult<Option<String>> {
        Ok(self.with(|s| s.emails.get(email).cloned()))
    }

    async fn voter(&self, voter_id: &str) -> StoreResult<Option<Voter>> {
        Ok(self.with(|s| s.voters.get(voter_id).cloned()))
    }
}

#[async_trait]
impl LinkTokens for MemoryStore {
    async fn issue_token(
        &self,
        voter: &Voter,
        expected_generation: u64,
        mail_sent_at: &[i64],
        token: &TokenRecord,
        mail: &OutboxMail,
    ) -> StoreResult<()> {
        self.with(|s| {
            let v = s.voters.get_mut(&voter.roll.voter_id).ok_or(StoreError::ConditionFailed)?;
            if v.token_generation != expected_generation
                || s.tokens.contains_key(&token.hash)
                || s.outbox.contains_key(&mail.id)
            {
                return Err(StoreError::ConditionFailed);
            }
            s.outbox.insert(mail.id.clone(), OutboxItem::pending(mail));
            v.token_generation = expected_generation + 1;
            v.mail_sent_at = mail_sent_at.to_vec();
            s.tokens.insert(token.hash.clone(), token.clone());
            let kind = AuditKind::asked(token.purpose);
            s.audit.push(AuditEvent::new(&token.voter_id, kind, token.created_at, None));
            Ok(())
        })
    }

    async fn token(&self, hash: &str) -> StoreResult<Option<TokenRecord>> {
        Ok(self.with(|s| s.tokens.get(hash).cloned()))
    }

    async fn set_pending_password(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: i64,
    ) -> StoreResult<()> {
        self.with(|s| match s.tokens.get_mut(token_hash) {
            Some(t) if t.consumed_at.is_none() && t.expires_at > now => {
                t.pending_password_hash = Some(password_hash.to_string());
                Ok(())
            }
            _ => Err(StoreError::ConditionFailed),
        })
    }
}

#[async_trait]
impl AccountOpening for MemoryStore {
    async fn activate_account(
        &self,
        token: &TokenRecord,
        activation: &Activation,
        session: &SessionRecord,
        now: i64,
    ) -> StoreResult<()> {
        self.with(|s| {
            let ok_voter = matches!(s.voters.get(&token.voter_id), Some(v) if v.token_generation == token.generation && v.status == AccountStatus::NotActivated);
            if !consumable(s.tokens.get(&token.hash), token, now) || !ok_voter || s.sessions.contains_key(&session.hash) {
                return Err(StoreError::ConditionFailed);
            }
            let t = s.tokens.get_mut(&token.hash).expect("checked");
            t.consumed_at = Some(now);
            t.pending_password_hash = None;
            let v = s.voters.get_mut(&token.voter_id).expect("checked");
            v.password_hash = Some(activation.password_hash.clone());
            v.question_id = Some(activation.question_id);
            v.answer_hash = Some(activation.answer_hash.clone());
            v.status = AccountStatus::Active;
            v.credentials_version += 1;
            s.sessions.insert(session.hash.clone(), session.clone());
            s.audit.push(AuditEvent::new(&token.voter_id, AuditKind::AccountActivated, now, None));
            Ok(())
        })
    }

    async fn skip_activation(
        &self,
        token: &TokenRecord,
        session: &SessionRecord,
        now: i64,
    ) -> StoreResult<()> {
        self.with(|s| {
            let ok_voter = matches!(s.voters.get(&token.voter_id), Some(v) if v.token_generation == token.generation && v.status == AccountStatus::NotActivated);
            if !consumable(s.tokens.get(&token.hash), token, now) || !ok_voter || s.sessions.contains_key(&session.hash) {
                return Err(StoreError::ConditionFailed);
            }
            let t = s.tokens.get_mut(&token.hash).expect("checked");
            t.consumed_at = Some(now);
            t.pending_password_hash = None;
            s.voters.get_mut(&token.voter_id).expect("checked").accesses_without_activation += 1;
            s.sessions.insert(session.hash.clone(), session.clone());
            let kind = AuditKind::AccessWithoutActivation;
            s.audit.push(AuditEvent::new(&token.voter_id, kind, now, None));
            Ok(())
        })
    }

    async fn complete_reassort(
        &self,
        token: &TokenRecord,
        expected_credentials_version: u64,
        session: &SessionRecord,
        now: i64,
    ) -> StoreResult<()> {
        self.with(|s| {
            let ok_voter = matches!(s.voters.get(&token.voter_id), Some(v) if v.token_generation == token.generation
                && v.status == AccountStatus::Active && v.credentials_version == expected_credentials_version);
            if token.purpose != TokenPurpose::Reassort || !consumable(s.tokens.get(&token.hash), token, now) || !ok_voter {
                return Err(StoreError::ConditionFailed);
            }
            if s.sessions.contains_key(&session.hash) {
                return Err(StoreError::ConditionFailed);
            }
            let t = s.tokens.get_mut(&token.hash).expect("checked");
            t.consumed_at = Some(now);
            let pending = t.pending_password_hash.take();
            let v = s.voters.get_mut(&token.voter_id).expect("checked");
            v.password_hash = pending;
            v.credentials_version = expected_credentials_version + 1;
            v.failed_logins = 0;
            v.login_locked_until = 0;
            v.failed_answers = 0;
            v.answer_locked_until = 0;
            s.sessions.insert(session.hash.clone(), session.clone());
            s.audit.push(AuditEvent::new(&token.voter_id, AuditKind::ReassortUsed, now, None));
            Ok(())
        })
    }
}

#[async_trait]
impl FailureCounters for MemoryStore {
    async fn reserve_attempt(
        &self,
        budget: &Budget,
        kind: FailureKind,
        attempt: &Attempt,
    ) -> StoreResult<()> {
        self.with(|s| {
            let f = s.failures_of(budget, kind).ok_or(StoreError::ConditionFailed)?;
            if f.count != attempt.seen || f.locked_until > attempt.now {
                return Err(StoreError::ConditionFailed);
            }
            let f = Failures {
                count: attempt.next,
                locked_until: attempt.locked_until,
                last_at: attempt.now,
            };
            s.write_back(budget, kind, f);
            Ok(())
        })
    }

    async fn release_attempt(
        &self,
        budget: &Budget,
        kind: FailureKind,
        attempt: &Attempt,
        lock_before: i64,
    ) -> StoreResult<()> {
        self.with(|s| {
            let f = s.failures_of(budget, kind).ok_or(StoreError::ConditionFailed)?;
            if f.count != attempt.next {
                return Err(StoreError::ConditionFailed);
            }
            let f = Failures {
                count: attempt.seen,
                locked_until: lock_before,
                last_at: attempt.seen_at,
            };
            s.write_back(budget, kind, f);
            Ok(())
        })
    }
}

impl State {
    /// The failures of `kind` on `budget`, as stored (a copy), if the budget exists.
    fn failures_of(&self, budget: &Budget, kind: FailureKind) -> Option<Failures> {
        match budget {
            Budget::Account { voter_id } => self.voters.get(voter_id).map(|v| v.failures(kind)),
            Budget::Device { hash } => self.devices.get(hash).map(|d| d.failures(kind)),
        }
    }

    fn write_back(&mut self, budget: &Budget, kind: FailureKind, f: Failures) {
        match budget {
            Budget::Account { voter_id } => {
                if let Some(v) = self.voters.get_mut(voter_id) {
                    match kind {
                        FailureKind::Login => {
                            (v.failed_logins, v.login_locked_until, v.failed_logins_at) =
                                (f.count, f.locked_until, f.last_at)
                        }
                        FailureKind::Answer => {
                            (v.failed_answers, v.answer_locked_until, v.failed_answers_at) =
                                (f.count, f.locked_until, f.last_at)
                        }
                    }
                }
            }
            Budget::Device { hash } => {
                if let Some(d) = self.devices.get_mut(hash) {
                    match kind {
                        FailureKind::Login => d.login = f,
                        FailureKind::Answer => d.answer = f,
                    }
                }
            }
        }
    }
}

#[async_trait]
impl Devices for MemoryStore {
    async fn device(&self, hash: &str) -> StoreResult<Option<DeviceRecord>> {
        Ok(self.with(|s| s.devices.get(hash).cloned()))
    }
}

#[async_trait]
impl DeviceTrust for MemoryStore {
    async fn issue_unlock_token(
        &self,
        voter: &Voter,
        unlock_count_seen: u32,
        unlock_sent_at: &[i64],
        token: &TokenRecord,
        mail: &OutboxMail,
    ) -> StoreResult<()> {
        self.with(|s| {
            let v = s.voters.get_mut(&voter.roll.voter_id).ok_or(StoreError::ConditionFailed)?;
            if v.token_generation != token.generation
                || v.unlock_count != unlock_count_seen
                || s.tokens.contains_key(&token.hash)
                || s.outbox.contains_key(&mail.id)
            {
                return Err(StoreError::ConditionFailed);
            }
            s.outbox.insert(mail.id.clone(), OutboxItem::pending(mail));
            v.unlock_sent_at = unlock_sent_at.to_vec();
            v.unlock_count = unlock_count_seen + 1;
            s.tokens.insert(token.hash.clone(), token.clone());
            let kind = AuditKind::UnlockAsked;
            s.audit.push(AuditEvent::new(&token.voter_id, kind, token.created_at, None));
            Ok(())
        })
    }

    async fn trust_device(
        &self,
        token: &TokenRecord,
        device: &DeviceRecord,
        now: i64,
    ) -> StoreResult<()> {
        self.with(|s| {
            let ok_voter = matches!(s.voters.get(&token.voter_id), Some(v) if v.token_generation == token.generation && v.status == AccountStatus::Active);
            let ok_token = matches!(s.tokens.get(&token.hash), Some(t) if t.consumed_at.is_none() && t.expires_at > now
                && t.voter_id == token.voter_id && t.purpose == TokenPurpose::Unlock);
            if !ok_voter || !ok_token || s.devices.contains_key(&device.hash) {
                return Err(StoreError::ConditionFailed);
            }
            s.tokens.get_mut(&token.hash).expect("checked").consumed_at = Some(now);
            s.devices.insert(device.hash.clone(), device.clone());
            s.audit.push(AuditEvent::new(&token.voter_id, AuditKind::DeviceTrusted, now, None));
            Ok(())
        })
    }
}

#[async_trait]
impl SessionStore for MemoryStore {
    async fn open_login_session(
        &self,
        voter: &Voter,
        session: &SessionRecord,
        budget: &Budget,
        new_device: Option<&DeviceRecord>,
    ) -> StoreResult<()> {
        self.with(|s| {
            let v = s.voters.get(&voter.roll.voter_id).ok_or(StoreError::ConditionFailed)?;
            if v.credentials_version != session.credentials_version
                || v.status != AccountStatus::Active
                || s.sessions.contains_key(&session.hash)
                || s.failures_of(budget, FailureKind::Login).is_none()
                || matches!(budget, Budget::Device { hash } if s.devices.get(hash).is_some_and(|d| d.voter_id != voter.roll.voter_id))
                || new_device.is_some_and(|d| s.devices.contains_key(&d.hash))
            {
                return Err(StoreError::ConditionFailed);
            }
            s.write_back(budget, FailureKind::Login, Failures::default());
            if let Some(d) = new_device {
                s.devices.insert(d.hash.clone(), d.clone());
            }
            s.sessions.insert(session.hash.clone(), session.clone());
            let kind = AuditKind::LoginSucceeded;
            s.audit.push(AuditEvent::new(&voter.roll.voter_id, kind, session.created_at, None));
            Ok(())
        })
    }

    async fn session(&self, hash: &str) -> StoreResult<Option<SessionRecord>> {
        Ok(self.with(|s| s.sessions.get(hash).cloned()))
    }

    async fn touch_session(&self, hash: &str, now: i64) -> StoreResult<()> {
        self.with(|s| {
            let x = s.sessions.get_mut(hash).ok_or(StoreError::ConditionFailed)?;
            x.last_seen_at = now;
            Ok(())
        })
    }

    async fn delete_session(&self, hash: &str, now: i64) -> StoreResult<()> {
        self.with(|s| {
            if let Some(ended) = s.sessions.remove(hash) {
                let kind = AuditKind::SessionEnded;
                let detail = Some(ended.kind.as_str());
                s.audit.push(AuditEvent::new(&ended.voter_id, kind, now, detail));
            }
        });
        Ok(())
    }
}

#[async_trait]
impl Ballots for MemoryStore {
    async fn scrutins(&self, ids: &[String]) -> StoreResult<Vec<Scrutin>> {
        Ok(self.with(|s| ids.iter().filter_map(|id| s.scrutins.get(id).cloned()).collect()))
    }

    async fn electoral_list_page(
        &self,
        scrutin_id: &str,
        from: RollCursor,
        limit: usize,
    ) -> StoreResult<(Vec<RollEntry>, Option<RollCursor>)> {
        self.with(|s| {
            let mut out: Vec<(char, String, RollEntry)> = Vec::new();
            let start = ROLL_SHARDS.iter().position(|c| *c == from.shard).unwrap_or(0);
            for (i, shard) in ROLL_SHARDS.iter().enumerate().skip(start) {
                let Some(entries) = s.rolls.get(&format!("{scrutin_id}#{shard}")) else { continue };
                for (sk, e) in entries {
                    if i == start && from.after.as_ref().is_some_and(|a| sk <= a) {
                        continue;
                    }
                    if out.len() == limit {
                        let (shard, after, _) = out.last().cloned().expect("limit is at least 1");
                        let cursor = RollCursor { shard, after: Some(after) };
                        return Ok((out.into_iter().map(|(_, _, e)| e).collect(), Some(cursor)));
                    }
                    out.push((*shard, sk.clone(), e.clone()));
                }
            }
            Ok((out.into_iter().map(|(_, _, e)| e).collect(), None))
        })
    }

    async fn electoral_list_search(
        &self,
        scrutin_id: &str,
        prefix: &str,
        after: Option<String>,
        limit: usize,
    ) -> StoreResult<(Vec<RollEntry>, Option<RollCursor>)> {
        let shard = crate::roll::roll_shard(prefix);
        self.with(|s| {
            let Some(entries) = s.rolls.get(&format!("{scrutin_id}#{shard}")) else {
                return Ok((vec![], None));
            };
            let mut found = entries
                .iter()
                .filter(|(sk, _)| sk.starts_with(prefix))
                .filter(|(sk, _)| after.as_ref().is_none_or(|a| *sk > a));
            let page: Vec<(&String, &RollEntry)> = found.by_ref().take(limit).collect();
            let next = match (found.next(), page.last()) {
                (Some(_), Some((sk, _))) => Some(RollCursor { shard, after: Some((*sk).clone()) }),
                _ => None,
            };
            Ok((page.into_iter().map(|(_, e)| e.clone()).collect(), next))
        })
    }

    async fn electoral_list_count(&self, scrutin_id: &str) -> StoreResult<Option<u64>> {
        Ok(self.with(|s| s.roll_counts.get(scrutin_id).copied()))
    }
}

#[async_trait]
impl Claims for MemoryStore {
    async fn file_claim(
        &self,
        claim: &Claim,
        cap: u32,
        acknowledgement: &OutboxMail,
    ) -> StoreResult<ClaimOutcome> {
        self.with(|s| {
            if let Some(existing) = s.claims.values().find(|c| {
                c.voter_id == claim.voter_id && c.idempotency_key == claim.idempotency_key
            }) {
                return Ok(ClaimOutcome::Existing(existing.clone()));
            }
            let filed =
                s.voters.get(&claim.voter_id).ok_or(StoreError::ConditionFailed)?.claims_filed;
            if filed >= cap {
                return Ok(ClaimOutcome::CapReached);
            }
            let k = (claim.voter_id.clone(), claim.reference.clone());
            if s.claims.keys().any(|(_, reference)| reference == &claim.reference) {
                // as in DynamoDB: the voter's claim under this reference is kept, and the new
                // key, held by no claim, is not stored either; a retry draws a new reference
                return Err(StoreError::TransactionConflict);
            }
            if s.outbox.contains_key(&acknowledgement.id) {
                return Err(StoreError::TransactionConflict);
            }
            s.claims.insert(k, claim.clone());
            s.outbox.insert(acknowledgement.id.clone(), OutboxItem::pending(acknowledgement));
            s.voters.get_mut(&claim.voter_id).expect("checked").claims_filed += 1;
            let (kind, at) = (AuditKind::ClaimFiled, claim.created_at.timestamp());
            s.audit.push(AuditEvent::new(&claim.voter_id, kind, at, Some(&claim.reference)));
            Ok(ClaimOutcome::Created)
        })
    }

    async fn mark_claim_acknowledged(&self, voter_id: &str, reference: &str) -> StoreResult<()> {
        self.with(|s| {
            let k = (voter_id.to_string(), reference.to_string());
            s.claims.get_mut(&k).ok_or(StoreError::ConditionFailed)?.acknowledged = true;
            Ok(())
        })
    }
}

#[async_trait]
impl OutboxDelivery for MemoryStore {
    async fn outbox_item(&self, id: &str) -> StoreResult<Option<OutboxItem>> {
        Ok(self.with(|s| s.outbox.get(id).cloned()))
    }

    async fn take_for_sending(
        &self,
        id: &str,
        now_ms: i64,
        stale_before_ms: i64,
    ) -> StoreResult<()> {
        self.with(|s| {
            let item = s.outbox.get_mut(id).ok_or(StoreError::ConditionFailed)?;
            let free = item.status == OutboxStatus::Pending
                || (item.status == OutboxStatus::Sending
                    && item.claimed_at_ms.unwrap_or(0) < stale_before_ms);
            if !free {
                return Err(StoreError::ConditionFailed);
            }
            item.status = OutboxStatus::Sending;
            item.attempts += 1;
            item.claimed_at_ms = Some(now_ms);
            Ok(())
        })
    }

    async fn put_back(&self, id: &str, claimed_at_ms: i64) -> StoreResult<()> {
        self.with(|s| {
            let item = s.outbox.get_mut(id).ok_or(StoreError::ConditionFailed)?;
            if item.status != OutboxStatus::Sending || item.claimed_at_ms != Some(claimed_at_ms) {
                return Err(StoreError::ConditionFailed);
            }
            item.status = OutboxStatus::Pending;
            Ok(())
        })
    }

    async fn mark_sent(
        &self,
        item: &OutboxItem,
        claimed_at_ms: i64,
        accepted_at_ms: i64,
        message_id: &str,
    ) -> StoreResult<()> {
        self.with(|s| {
            let held = s.outbox.get(&item.id).ok_or(StoreError::ConditionFailed)?;
            if held.status != OutboxStatus::Sending || held.claimed_at_ms != Some(claimed_at_ms) {
                return Err(StoreError::ConditionFailed);
            }
            match &item.follow {
                Follow::Link { token_hash, valid_secs, .. } => {
                    if let Some(t) = s.tokens.get_mut(token_hash) {
                        if t.consumed_at.is_none() {
                            t.expires_at =
                                t.expires_at.max(accepted_at_ms.div_euclid(1000) + valid_secs);
                        }
                    }
                }
                Follow::Claim { reference } => {
                    let k = (item.voter_id.clone(), reference.clone());
                    if let Some(c) = s.claims.get_mut(&k) {
                        c.acknowledged = true;
                    }
                }
                Follow::Nothing => {}
            }
            let held = s.outbox.get_mut(&item.id).expect("checked");
            held.status = OutboxStatus::Sent;
            held.accepted_at_ms = Some(accepted_at_ms);
            held.message_id = Some(message_id.to_string());
            held.mail = None;
            Ok(())
        })
    }

    async fn mark_failed(
        &self,
        item: &OutboxItem,
        claimed_at_ms: i64,
        failure: &str,
    ) -> StoreResult<()> {
        self.with(|s| {
            let held = s.outbox.get_mut(&item.id).ok_or(StoreError::ConditionFailed)?;
            if held.status != OutboxStatus::Sending || held.claimed_at_ms != Some(claimed_at_ms) {
                return Err(StoreError::ConditionFailed);
            }
            held.status = OutboxStatus::Failed;
            held.failure = Some(failure.to_string());
            held.mail = None;
            Ok(())
        })
    }

    async fn give_back_cap_place(
        &self,
        voter: &Voter,
        cap: CapKind,
        counted_at: i64,
    ) -> StoreResult<()> {
        let read = match cap {
            CapKind::Mail => &voter.mail_sent_at,
            CapKind::Unlock => &voter.unlock_sent_at,
        };
        let Some(i) = read.iter().position(|&t| t == counted_at) else { return Ok(()) };
        let mut left = read.clone();
        left.remove(i);
        self.with(|s| {
            let v = s.voters.get_mut(&voter.roll.voter_id).ok_or(StoreError::ConditionFailed)?;
            let (same, list) = match cap {
                CapKind::Mail => {
                    (v.token_generation == voter.token_generation, &mut v.mail_sent_at)
                }
                CapKind::Unlock => (v.unlock_count == voter.unlock_count, &mut v.unlock_sent_at),
            };
            if !same {
                return Err(StoreError::ConditionFailed);
            }
            *list = left;
            Ok(())
        })
    }
}

#[async_trait]
impl Bounces for MemoryStore {
    async fn record_bounce(&self, bounce: &Bounce) -> StoreResult<()> {
        self.with(|s| s.bounces.insert(bounce.email.clone(), bounce.clone()));
        Ok(())
    }

    async fn bounce(&self, email: &str) -> StoreResult<Option<Bounce>> {
        Ok(self.with(|s| s.bounces.get(email).cloned()))
    }
}

impl MemoryStore {
    /// Every outbox item, in the order of asking (for tests).
    pub fn outbox(&self) -> Vec<OutboxItem> {
        self.with(|s| s.outbox.values().cloned().collect())
    }
}

#[async_trait]
impl AssistanceRequests for MemoryStore {
    async fn assistance_window(&self, identifier_hash: &str) -> StoreResult<AssistanceWindow> {
        Ok(self.with(|s| s.assistance_windows.get(identifier_hash).cloned().unwrap_or_default()))
    }

    async fn file_assistance(
        &self,
        request: &AssistanceRequest,
        identifier_hash: &str,
        seen: &AssistanceWindow,
        sent_at: &[i64],
        acknowledgement: Option<&OutboxMail>,
    ) -> StoreResult<()> {
        self.with(|s| {
            let version = s.assistance_windows.get(identifier_hash).map_or(0, |w| w.version);
            if version != seen.version
                || s.assistance.contains_key(&request.reference)
                || acknowledgement.is_some_and(|m| s.outbox.contains_key(&m.id))
            {
                return Err(StoreError::ConditionFailed);
            }
            s.assistance_windows.insert(
                identifier_hash.to_string(),
                AssistanceWindow { version: seen.version + 1, sent_at: sent_at.to_vec() },
            );
            s.assistance.insert(request.reference.clone(), request.clone());
            if let Some(mail) = acknowledgement {
                s.outbox.insert(mail.id.clone(), OutboxItem::pending(mail));
            }
            Ok(())
        })
    }
}

#[async_trait]
impl AssistanceFollowUp for MemoryStore {
    async fn assistance_request(&self, reference: &str) -> StoreResult<Option<AssistanceRequest>> {
        Ok(self.with(|s| s.assistance.get(reference).cloned()))
    }

    async fn assistance_requests(&self) -> StoreResult<Vec<AssistanceRequest>> {
        let mut all: Vec<AssistanceRequest> =
            self.with(|s| s.assistance.values().cloned().collect());
        all.sort_by(|a, b| (a.created_at, &a.reference).cmp(&(b.created_at, &b.reference)));
        Ok(all)
    }

    async fn answer_assistance(
        &self,
        reference: &str,
        at: DateTime<Utc>,
        by: &str,
        text: &str,
        answer: &OutboxMail,
    ) -> StoreResult<()> {
        self.with(|s| {
            if s.outbox.contains_key(&answer.id) {
                return Err(StoreError::ConditionFailed);
            }
            let request = s.assistance.get_mut(reference).ok_or(StoreError::ConditionFailed)?;
            if request.status != AssistanceStatus::Open {
                return Err(StoreError::ConditionFailed);
            }
            request.status = AssistanceStatus::Answered;
            request.answered_at = Some(at);
            request.answered_by = Some(by.to_string());
            request.answer = Some(text.to_string());
            s.outbox.insert(answer.id.clone(), OutboxItem::pending(answer));
            Ok(())
        })
    }
}

#[async_trait]
impl crate::ports::HelpPages for MemoryStore {
    async fn help_texts(&self) -> StoreResult<Option<crate::help::HelpTexts>> {
        Ok(self.with(|s| s.help.clone()))
    }
}

#[async_trait]
impl Calendars for MemoryStore {
    async fn calendar(&self) -> StoreResult<Option<Calendar>> {
        Ok(self.with(|s| s.calendar))
    }
}

#[async_trait]
impl Roll for MemoryStore {
    async fn put_calendar(&self, calendar: &Calendar) -> StoreResult<()> {
        self.with(|s| s.calendar = Some(*calendar));
        Ok(())
    }

    async fn put_help_texts(&self, texts: &crate::help::HelpTexts) -> StoreResult<()> {
        self.with(|s| s.help = Some(texts.clone()));
        Ok(())
    }

    /// The same rules as the DynamoDB adapter: a new voter gets a new account, a known one keeps
    /// its account and its identifier index and electoral-list entries follow the roll data.
    async fn put_roll_voter(&self, voter: &RollVoter) -> StoreResult<()> {
        let now = Utc::now().timestamp();
        self.with(|s| {
            let entry_of = |v: &RollVoter| {
                let shard = roll_shard(&v.last_name);
                let sk = roll_sk(&v.last_name, &v.first_name, &v.voter_id);
                v.scrutins
                    .iter()
                    .map(|id| (format!("{id}#{shard}"), sk.clone()))
                    .collect::<Vec<_>>()
            };
            if let Some(holder) = s.emails.get(&voter.email) {
                if holder != &voter.voter_id && s.voters.contains_key(holder) {
                    return Err(StoreError::ConditionFailed);
                }
            }
            match s.voters.get_mut(&voter.voter_id) {
                Some(v) => {
                    let old = std::mem::replace(&mut v.roll, voter.clone());
                    if old.email != voter.email {
                        v.address_changed();
                        s.emails.remove(&old.email);
                        let kind = AuditKind::AddressChanged;
                        s.audit.push(AuditEvent::new(&voter.voter_id, kind, now, None));
                    }
                    for (list, sk) in entry_of(&old) {
                        if let Some(entries) = s.rolls.get_mut(&list) {
                            entries.remove(&sk);
                        }
                    }
                }
                None => {
                    s.voters.insert(voter.voter_id.clone(), Voter::new(voter.clone(), now));
                }
            }
            s.emails.insert(voter.email.clone(), voter.voter_id.clone());
            for (list, sk) in entry_of(voter) {
                s.rolls.entry(list).or_default().insert(
                    sk,
                    RollEntry {
                        civility: voter.civility,
                        last_name: voter.last_name.clone(),
                        first_name: voter.first_name.clone(),
                    },
                );
            }
            Ok(())
        })
    }

    /// Kept as read back: candidate lists in ballot order, candidates by rank.
    async fn put_scrutin(&self, scrutin: &Scrutin) -> StoreResult<()> {
        let mut scrutin = scrutin.clone();
        scrutin.candidate_lists.sort_by_key(|l| l.order);
        for list in &mut scrutin.candidate_lists {
            list.candidates.sort_by_key(|c| c.rank);
        }
        self.with(|s| s.scrutins.insert(scrutin.id.clone(), scrutin));
        Ok(())
    }

    async fn count_roll(&self, scrutin_id: &str) -> StoreResult<u64> {
        Ok(self.with(|s| {
            let count = ROLL_SHARDS
                .iter()
                .filter_map(|shard| s.rolls.get(&format!("{scrutin_id}#{shard}")))
                .map(|entries| entries.len() as u64)
                .sum();
            s.roll_counts.insert(scrutin_id.to_string(), count);
            count
        }))
    }
}

#[async_trait]
impl AuditTrail for MemoryStore {
    async fn record_event(&self, event: &AuditEvent) -> StoreResult<()> {
        self.with(|s| s.audit.push(event.clone()));
        Ok(())
    }

    /// Newest first; of events of the same second, the last written first.
    async fn trail(
        &self,
        voter_id: &str,
        kinds: &[AuditKind],
        limit: usize,
    ) -> StoreResult<Vec<AuditEvent>> {
        self.with(|s| {
            let mut events: Vec<AuditEvent> = s
                .audit
                .iter()
                .rev()
                .filter(|e| e.voter_id == voter_id && (kinds.is_empty() || kinds.contains(&e.kind)))
                .cloned()
                .collect();
            events.sort_by_key(|e| std::cmp::Reverse(e.at));
            events.truncate(limit);
            Ok(events)
        })
    }
}

/// Keeps every mail sent; can be told to fail.
#[derive(Default)]
pub struct MemoryMailer {
    pub sent: Mutex<Vec<Mail>>,
    /// Every send fails, transiently.
    pub failing: std::sync::atomic::AtomicBool,
    /// Sends to these addresses fail for good.
    pub rejecting: Mutex<Vec<String>>,
}

impl MemoryMailer {
    pub fn sent_to(&self, to: &str) -> Vec<Mail> {
        self.sent.lock().expect("mailer").iter().filter(|m| m.to == to).cloned().collect()
    }
}

#[async_trait]
impl Mailer for MemoryMailer {
    async fn send(&self, mail: &Mail) -> Result<String, MailError> {
        if self.failing.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(MailError::transient("mailer told to fail"));
        }
        if self.rejecting.lock().expect("mailer").contains(&mail.to) {
            return Err(MailError::permanent("address rejected"));
        }
        let mut sent = self.sent.lock().expect("mailer");
        sent.push(mail.clone());
        Ok(format!("memory-{}", sent.len()))
    }
}

/// A clock the test moves by hand.
pub struct ManualClock(pub Mutex<DateTime<Utc>>);

impl ManualClock {
    pub fn new(t: DateTime<Utc>) -> Self {
        ManualClock(Mutex::new(t))
    }
    pub fn advance(&self, secs: i64) {
        let mut t = self.0.lock().expect("clock");
        *t += chrono::Duration::seconds(secs);
    }
    pub fn set(&self, t: DateTime<Utc>) {
        *self.0.lock().expect("clock") = t;
    }
    pub fn now_utc(&self) -> DateTime<Utc> {
        *self.0.lock().expect("clock")
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("clock")
    }
}

/// An outbox mail for the tests that need one beside a change (a claim, a link).
pub fn sample_mail(voter_id: &str) -> OutboxMail {
    let mail = Mail {
        to: format!("{}@education.gouv.fr", voter_id.to_lowercase()),
        subject: "Essai".into(),
        text: "Essai".into(),
        html: "<p>Essai</p>".into(),
    };
    OutboxMail::new(voter_id, crate::outbox::MailPurpose::Activation, mail, 0, Follow::Nothing)
}

#[async_trait]
impl VoteRecords for MemoryStore {
    async fn election_record(&self) -> StoreResult<Option<String>> {
        Ok(self.with(|s| s.vote.record.clone()))
    }
    async fn vote_seal(&self) -> StoreResult<Option<String>> {
        Ok(self.with(|s| s.vote.seal.clone()))
    }
    async fn vote_results(&self) -> StoreResult<Option<String>> {
        Ok(self.with(|s| s.vote.results.clone()))
    }
}

#[async_trait]
impl Urne for MemoryStore {
    async fn cast(&self, b: &CastBallot, receipt: &OutboxMail) -> StoreResult<CastOutcome> {
        self.with(|s| {
            if s.vote.seal.is_some() {
                return Ok(CastOutcome::Sealed);
            }
            let slot_key = (b.scrutin_id.clone(), b.credential.clone());
            let emarg_key = (b.scrutin_id.clone(), b.voter_id.clone());
            let emarged = s.vote.emargement.contains(&emarg_key);
            match s.vote.slots.get(&slot_key) {
                None => Ok(CastOutcome::UnknownCredential),
                Some(Some((tracker, _))) if tracker == &b.tracker && emarged => {
                    Ok(CastOutcome::SameBallot)
                }
                Some(Some(_)) => Ok(CastOutcome::AlreadyVoted),
                Some(None) if emarged => Ok(CastOutcome::AlreadyVoted),
                Some(None) => {
                    s.vote.slots.insert(slot_key, Some((b.tracker.clone(), b.ballot.clone())));
                    s.vote.emargement.insert(emarg_key);
                    s.outbox.insert(receipt.id.clone(), OutboxItem::pending(receipt));
                    s.audit.push(AuditEvent::new(
                        &b.voter_id,
                        AuditKind::VoteRecorded,
                        b.at,
                        Some(&b.scrutin_id),
                    ));
                    Ok(CastOutcome::Recorded)
                }
            }
        })
    }
}

#[async_trait]
impl Emargement for MemoryStore {
    async fn voted_in(&self, voter_id: &str, scrutins: &[String]) -> StoreResult<Vec<String>> {
        Ok(self.with(|s| {
            scrutins
                .iter()
                .filter(|sc| s.vote.emargement.contains(&((*sc).clone(), voter_id.to_string())))
                .cloned()
                .collect()
        }))
    }
}

#[async_trait]
impl Board for MemoryStore {
    async fn slots(&self) -> StoreResult<Vec<Slot>> {
        Ok(self.with(|s| {
            s.vote
                .slots
                .iter()
                .map(|((scrutin_id, credential), b)| Slot {
                    scrutin_id: scrutin_id.clone(),
                    credential: credential.clone(),
                    open: true,
                    ballot: b.as_ref().map(|(_, json)| json.clone()),
                })
                .collect()
        }))
    }

    async fn board_page(
        &self,
        scrutin_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<BoardPage> {
        let (ballots, _) = self.urne_of(scrutin_id);
        let mut trackers: Vec<String> = ballots
            .into_iter()
            .map(|(t, _)| t)
            .filter(|t| after.is_none_or(|a| t.as_str() > a))
            .collect();
        let more = trackers.len() > limit;
        trackers.truncate(limit);
        let next = if more { trackers.last().cloned() } else { None };
        Ok(BoardPage { trackers, next })
    }

    async fn on_board(&self, scrutin_id: &str, tracker: &str) -> StoreResult<bool> {
        Ok(self.urne_of(scrutin_id).0.iter().any(|(t, _)| t == tracker))
    }

    async fn ballot_count(&self, scrutin_id: &str) -> StoreResult<u64> {
        Ok(self.urne_of(scrutin_id).0.len() as u64)
    }
}

#[async_trait]
impl CodeRequests for MemoryStore {
    async fn request_code(&self, request: &CodeRequest, mail: &OutboxMail) -> StoreResult<bool> {
        self.with(|s| {
            if s.vote.code_requests.contains_key(&request.voter_id) {
                return Ok(false);
            }
            s.vote.code_requests.insert(request.voter_id.clone(), request.clone());
            s.outbox.insert(mail.id.clone(), OutboxItem::pending(mail));
            Ok(true)
        })
    }
}
