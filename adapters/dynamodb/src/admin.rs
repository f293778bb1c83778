//! What the administration does to the table and no function does: bulk reads and writes of the
//! roll (BatchGetItem, BatchWriteItem with retries of what DynamoDB left unprocessed), the
//! replacement of a voter's roll data or of a ballot in one transaction, the removal of a voter,
//! the follow-up of claims, statistics, and the journal of administrative actions.
//!
//! Used by `electeur-admin` only. Item layouts are those of the parent module: a profile written
//! here reads back through [`shared::ports::Accounts::voter`], a ballot through
//! [`shared::ports::Ballots::scrutins`], a calendar through [`shared::ports::Calendars::calendar`].

use std::collections::{BTreeMap, HashMap, HashSet};
use std::future::Future;
use std::time::Duration;

use aws_sdk_dynamodb::types::{
    AttributeValue, Delete, KeysAndAttributes, PutRequest, ReturnConsumedCapacity,
    TransactWriteItem, Update, WriteRequest,
};
use chrono::{DateTime, Utc};
use rand::Rng;

use super::{
    backend, built, calendar_item, claim_from, get_n, get_s, key, n, req_s, roll_entry_item, s,
    scrutin_from, scrutin_items, voter_from, DynamoStore, Item,
};
use crate::keys::{self, PK};
use shared::model::{AccountStatus, Calendar, Claim, ClaimStatus, RollVoter, Scrutin};
use shared::ports::{StoreError, StoreResult};

/// Most requests one BatchWriteItem call may carry.
pub const BATCH_WRITE_MAX: usize = 25;
/// Most keys one BatchGetItem call may carry.
pub const BATCH_GET_MAX: usize = 100;
/// Most actions one TransactWriteItems call may carry.
pub const TRANSACTION_MAX: usize = 100;

/// Exponential backoff with jitter between two sends of what DynamoDB left unprocessed or
/// refused for throttling. `max_attempts` bounds the sends that make no progress in a row.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
    pub max_attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { base: Duration::from_millis(25), cap: Duration::from_secs(3), max_attempts: 10 }
    }
}

impl Backoff {
    /// The pause before retry number `attempt` (1 for the first retry): half of the exponential
    /// ceiling, plus a random part of the other half, so that concurrent writers spread out.
    pub fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self.base.saturating_mul(1u32 << attempt.min(16)).min(self.cap);
        let half = ceiling / 2;
        let spread = half.as_micros() as u64;
        half + Duration::from_micros(if spread == 0 {
            0
        } else {
            rand::thread_rng().gen_range(0..=spread)
        })
    }
}

/// What the sends of one bulk request cost.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SendStats {
    /// Calls made, first send and retries together.
    pub calls: u64,
    /// Items DynamoDB returned unprocessed and that were sent again.
    pub unprocessed: u64,
    /// Calls refused as a whole (throttling, network) and made again.
    pub refused: u64,
}

impl SendStats {
    pub fn add(&mut self, other: SendStats) {
        self.calls += other.calls;
        self.unprocessed += other.unprocessed;
        self.refused += other.refused;
    }
}

/// The outcome of one send of a bulk request.
pub enum Sent<T, R> {
    /// DynamoDB answered: what it returned, and what it left for another call.
    Answered { found: Vec<R>, unprocessed: Vec<T> },
    /// The call was refused as a whole for a reason worth waiting for (throttling, network).
    Refused(String),
    /// The call failed for good.
    Failed(StoreError),
}

/// Sends `pending` through `send` until nothing is left, pausing with `backoff` before every
/// retry. Fails after `backoff.max_attempts` sends in a row that made no progress.
pub async fn until_processed<T, R, F, Fut>(
    mut pending: Vec<T>,
    backoff: &Backoff,
    mut send: F,
) -> StoreResult<(Vec<R>, SendStats)>
where
    T: Clone,
    F: FnMut(Vec<T>) -> Fut,
    Fut: Future<Output = Sent<T, R>>,
{
    let mut found = Vec::new();
    let mut stats = SendStats::default();
    let mut retry = 0u32;
    let mut stalled = 0u32;
    while !pending.is_empty() {
        if retry > 0 {
            tokio::time::sleep(backoff.delay(retry)).await;
        }
        stats.calls += 1;
        match send(pending.clone()).await {
            Sent::Answered { found: got, unprocessed } => {
                found.extend(got);
                if unprocessed.is_empty() {
                    break;
                }
                stalled = if unprocessed.len() < pending.len() { 0 } else { stalled + 1 };
                stats.unprocessed += unprocessed.len() as u64;
                pending = unprocessed;
            }
            Sent::Refused(why) => {
                stats.refused += 1;
                stalled += 1;
                if stalled >= backoff.max_attempts {
                    return Err(StoreError::Backend(format!(
                        "{} items not written after {} refused calls: {why}",
                        pending.len(),
                        stalled
                    )));
                }
            }
            Sent::Failed(e) => return Err(e),
        }
        if stalled >= backoff.max_attempts {
            return Err(StoreError::Backend(format!(
                "{} items still unprocessed after {} calls without progress",
                pending.len(),
                stalled
            )));
        }
        retry += 1;
    }
    Ok((found, stats))
}

/// True for the errors a later call may not meet: throttling, a busy service, the network.
fn worth_retrying<E, R>(e: &aws_sdk_dynamodb::error::SdkError<E, R>) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    use aws_sdk_dynamodb::error::SdkError;
    match e {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(se) => matches!(
            se.err().code(),
            Some(
                "ProvisionedThroughputExceededException"
                    | "ThrottlingException"
                    | "RequestLimitExceeded"
                    | "InternalServerError"
                    | "ServiceUnavailable"
            )
        ),
        _ => false,
    }
}

/// One line of the journal of administrative actions: who did what to what, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    pub id: String,
    pub at: DateTime<Utc>,
    pub operator: String,
    /// `import`, `add-voter`, `remove-voter`, `calendar-set`, `claim-answer`, `demo`...
    pub action: String,
    /// What the action bears on: a voter id, a claim reference, the calendar...
    pub target: String,
    pub detail: String,
}

impl JournalEntry {
    pub fn new(operator: &str, action: &str, target: &str, detail: impl Into<String>) -> Self {
        JournalEntry {
            id: shared::tokens::short_code(8),
            at: Utc::now(),
            operator: operator.to_string(),
            action: action.to_string(),
            target: target.to_string(),
            detail: detail.into(),
        }
    }
}

/// The journal is kept by month: one partition holds a month of administrative actions.
pub fn journal_pk(month: &str) -> String {
    format!("JOURNAL#{month}")
}

fn journal_item(e: &JournalEntry) -> Item {
    let mut item = key((
        journal_pk(&e.at.format("%Y-%m").to_string()),
        format!("{}#{}", e.at.format("%Y-%m-%dT%H:%M:%S%.3fZ"), e.id),
    ));
    item.insert("type".into(), s("journal"));
    item.insert("id".into(), s(&e.id));
    item.insert("at".into(), s(e.at.to_rfc3339()));
    item.insert("operator".into(), s(&e.operator));
    item.insert("action".into(), s(&e.action));
    item.insert("target".into(), s(&e.target));
    item.insert("detail".into(), s(&e.detail));
    item
}

fn journal_from(item: &Item) -> StoreResult<JournalEntry> {
    Ok(JournalEntry {
        id: req_s(item, "id")?,
        at: DateTime::parse_from_rfc3339(&req_s(item, "at")?)
            .map_err(|e| StoreError::Backend(format!("journal date: {e}")))?
            .with_timezone(&Utc),
        operator: req_s(item, "operator")?,
        action: req_s(item, "action")?,
        target: get_s(item, "target").unwrap_or_default(),
        detail: get_s(item, "detail").unwrap_or_default(),
    })
}

/// The profile of a voter who is not on the roll yet, with the account state of a new account.
/// Its counters start at the second of its creation rather than at 0, so that a link or a session
/// issued to a voter removed from the roll never becomes valid again if the voter is added back.
pub fn new_profile_item(voter: &RollVoter, created_at: i64) -> Item {
    let mut item = key(keys::voter_key(&voter.voter_id));
    item.insert("type".into(), s("voter"));
    item.insert("voter_id".into(), s(&voter.voter_id));
    item.insert("email".into(), s(&voter.email));
    item.insert("civility".into(), s(voter.civility.as_str()));
    item.insert("first_name".into(), s(&voter.first_name));
    item.insert("last_name".into(), s(&voter.last_name));
    item.insert("scrutins".into(), AttributeValue::L(voter.scrutins.iter().map(s).collect()));
    item.insert("status".into(), s(AccountStatus::NotActivated.as_str()));
    item.insert("token_gen".into(), n(created_at));
    item.insert("cred_version".into(), n(created_at));
    item
}

/// The identifier index of a voter: e-mail → voter id.
pub fn email_item(email: &str, voter_id: &str) -> Item {
    let mut item = key(keys::email_key(email));
    item.insert("type".into(), s("email"));
    item.insert("voter_id".into(), s(voter_id));
    item
}

/// The keys of a voter's entries in the electoral lists of their ballots.
pub fn roll_entry_keys(voter: &RollVoter) -> Vec<(String, String)> {
    let shard = keys::roll_shard(&voter.last_name);
    let sk = keys::roll_sk(&voter.last_name, &voter.first_name, &voter.voter_id);
    voter.scrutins.iter().map(|id| (keys::roll_pk(id, shard), sk.clone())).collect()
}

/// The writes of a voter new to the table, in the order that keeps a resumed import right:
/// first the identifier index and the electoral-list entries, then, once they are all written,
/// the profile. A profile in the table thus means that everything of that voter is there.
pub struct NewVoterWrites {
    pub before: Vec<WriteRequest>,
    pub profile: WriteRequest,
}

fn put_request(item: Item) -> StoreResult<WriteRequest> {
    Ok(WriteRequest::builder()
        .put_request(built(PutRequest::builder().set_item(Some(item)).build())?)
        .build())
}

pub fn new_voter_writes(voter: &RollVoter, created_at: i64) -> StoreResult<NewVoterWrites> {
    let mut before = vec![put_request(email_item(&voter.email, &voter.voter_id))?];
    for scrutin in &voter.scrutins {
        before.push(put_request(roll_entry_item(voter, scrutin))?);
    }
    Ok(NewVoterWrites { before, profile: put_request(new_profile_item(voter, created_at))? })
}

/// Which claims to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimScope {
    /// Every claim: a Scan of the claims index, which holds claims only.
    All,
    /// Claims that name no ballot.
    General,
    Scrutin(String),
}

/// A claim with what the administration recorded when answering it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdminClaim {
    pub claim: Claim,
    pub answered_at: Option<DateTime<Utc>>,
    pub answered_by: Option<String>,
}

fn admin_claim_from(item: &Item) -> StoreResult<AdminClaim> {
    Ok(AdminClaim {
        claim: claim_from(item)?,
        answered_at: get_s(item, "answered_at")
            .and_then(|d| DateTime::parse_from_rfc3339(&d).ok())
            .map(|d| d.with_timezone(&Utc)),
        answered_by: get_s(item, "answered_by"),
    })
}

/// Counts of one ballot (or of the whole election).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub voters: u64,
    pub activated: u64,
    /// Voters not activated who entered the portal without activation at least once.
    pub entered_without_activation: u64,
    /// Accesses without activation, all voters together.
    pub accesses_without_activation: u64,
    pub claims_open: u64,
    pub claims_answered: u64,
}

impl Counts {
    fn add(&mut self, o: &Counts) {
        self.voters += o.voters;
        self.activated += o.activated;
        self.entered_without_activation += o.entered_without_activation;
        self.accesses_without_activation += o.accesses_without_activation;
        self.claims_open += o.claims_open;
        self.claims_answered += o.claims_answered;
    }
}

/// What a full read of the table counted.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct TableStats {
    pub total: Counts,
    pub by_scrutin: BTreeMap<String, Counts>,
    /// Claims that name no ballot.
    pub general: Counts,
    /// Items DynamoDB read to count (every item of the table).
    pub scanned: u64,
    /// Read capacity units the Scan consumed, as DynamoDB reported them.
    pub read_units: f64,
}

impl TableStats {
    fn merge(&mut self, o: TableStats) {
        self.total.add(&o.total);
        for (id, c) in o.by_scrutin {
            self.by_scrutin.entry(id).or_default().add(&c);
        }
        self.general.add(&o.general);
        self.scanned += o.scanned;
        self.read_units += o.read_units;
    }

    fn count(&mut self, item: &Item) {
        match get_s(item, "type").as_deref() {
            Some("voter") => {
                let active =
                    get_s(item, "status").as_deref() == Some(AccountStatus::Active.as_str());
                let skips: u64 = get_n(item, "skip_count").unwrap_or(0);
                let one = Counts {
                    voters: 1,
                    activated: active as u64,
                    entered_without_activation: (!active && skips > 0) as u64,
                    accesses_without_activation: skips,
                    ..Counts::default()
                };
                self.total.add(&one);
                let scrutins =
                    item.get("scrutins").and_then(|v| v.as_l().ok()).cloned().unwrap_or_default();
                for id in scrutins.iter().filter_map(|v| v.as_s().ok()) {
                    self.by_scrutin.entry(id.clone()).or_default().add(&one);
                }
            }
            Some("claim") => {
                let answered = get_s(item, "status").as_deref() == Some("answered");
                let one = Counts {
                    claims_open: (!answered) as u64,
                    claims_answered: answered as u64,
                    ..Counts::default()
                };
                self.total.add(&one);
                match get_s(item, "scrutin_id") {
                    Some(id) => self.by_scrutin.entry(id).or_default().add(&one),
                    None => self.general.add(&one),
                }
            }
            _ => {}
        }
    }
}

impl DynamoStore {
    /// Writes at most [`BATCH_WRITE_MAX`] puts or deletes, each on a different item, sending
    /// again what DynamoDB leaves unprocessed. BatchWriteItem checks no condition: callers
    /// decide beforehand what may be overwritten.
    pub async fn batch_write(
        &self,
        writes: Vec<WriteRequest>,
        backoff: &Backoff,
    ) -> StoreResult<SendStats> {
        if writes.len() > BATCH_WRITE_MAX {
            return Err(StoreError::Backend(format!(
                "{} writes in one batch (at most {BATCH_WRITE_MAX})",
                writes.len()
            )));
        }
        let (_, stats) =
            until_processed(writes, backoff, |pending: Vec<WriteRequest>| async move {
                match self
                    .client
                    .batch_write_item()
                    .request_items(self.table.clone(), pending)
                    .send()
                    .await
                {
                    Ok(out) => Sent::Answered {
                        found: Vec::<()>::new(),
                        unprocessed: out
                            .unprocessed_items
                            .and_then(|mut m| m.remove(&self.table))
                            .unwrap_or_default(),
                    },
                    Err(e) if worth_retrying(&e) => {
                        Sent::Refused(aws_sdk_dynamodb::error::DisplayErrorContext(&e).to_string())
                    }
                    Err(e) => Sent::Failed(backend(e)),
                }
            })
            .await?;
        Ok(stats)
    }

    /// Reads at most [`BATCH_GET_MAX`] items with strong consistency, sending again the keys
    /// DynamoDB leaves unprocessed. Missing items are simply absent from the answer.
    pub async fn batch_get(
        &self,
        keys: &[(String, String)],
        projection: &[&str],
        backoff: &Backoff,
    ) -> StoreResult<(Vec<Item>, SendStats)> {
        if keys.len() > BATCH_GET_MAX {
            return Err(StoreError::Backend(format!(
                "{} keys in one batch read (at most {BATCH_GET_MAX})",
                keys.len()
            )));
        }
        let names: HashMap<String, String> =
            projection.iter().enumerate().map(|(i, p)| (format!("#p{i}"), p.to_string())).collect();
        let expression =
            (0..projection.len()).map(|i| format!("#p{i}")).collect::<Vec<_>>().join(", ");
        let key_maps: Vec<Item> = keys.iter().cloned().map(key).collect();
        until_processed(key_maps, backoff, |pending: Vec<Item>| {
            let names = names.clone();
            let expression = expression.clone();
            async move {
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(pending))
                    .consistent_read(true)
                    .set_projection_expression((!expression.is_empty()).then_some(expression))
                    .set_expression_attribute_names((!names.is_empty()).then_some(names))
                    .build();
                let request = match request {
                    Ok(r) => r,
                    Err(e) => {
                        return Sent::Failed(StoreError::Backend(format!("request build: {e}")))
                    }
                };
                match self
                    .client
                    .batch_get_item()
                    .request_items(self.table.clone(), request)
                    .send()
                    .await
                {
                    Ok(out) => Sent::Answered {
                        found: out
                            .responses
                            .and_then(|mut m| m.remove(&self.table))
                            .unwrap_or_default(),
                        unprocessed: out
                            .unprocessed_keys
                            .and_then(|mut m| m.remove(&self.table))
                            .map(|k| k.keys)
                            .unwrap_or_default(),
                    },
                    Err(e) if worth_retrying(&e) => {
                        Sent::Refused(aws_sdk_dynamodb::error::DisplayErrorContext(&e).to_string())
                    }
                    Err(e) => Sent::Failed(backend(e)),
                }
            }
        })
        .await
    }

    /// The roll data of the voters among `voter_ids` who have a profile (at most
    /// [`BATCH_GET_MAX`] ids); account state is not read.
    pub async fn roll_voters(
        &self,
        voter_ids: &[String],
        backoff: &Backoff,
    ) -> StoreResult<(HashMap<String, RollVoter>, SendStats)> {
        let keys: Vec<_> = voter_ids.iter().map(|id| keys::voter_key(id)).collect();
        let (items, stats) = self
            .batch_get(
                &keys,
                &["voter_id", "email", "civility", "first_name", "last_name", "scrutins"],
                backoff,
            )
            .await?;
        let mut found = HashMap::new();
        for item in &items {
            let voter = voter_from(item)?.roll;
            found.insert(voter.voter_id.clone(), voter);
        }
        Ok((found, stats))
    }

    /// Who holds each of `emails` in the identifier index (at most [`BATCH_GET_MAX`]).
    pub async fn email_holders(
        &self,
        emails: &[String],
        backoff: &Backoff,
    ) -> StoreResult<(HashMap<String, String>, SendStats)> {
        let keys: Vec<_> = emails.iter().map(|e| keys::email_key(e)).collect();
        let (items, stats) = self.batch_get(&keys, &[PK, "voter_id"], backoff).await?;
        let mut found = HashMap::new();
        for item in &items {
            let pk = req_s(item, PK)?;
            found.insert(pk.trim_start_matches("EMAIL#").to_string(), req_s(item, "voter_id")?);
        }
        Ok((found, stats))
    }

    /// Which of `scrutin_ids` have a ballot in the table (at most [`BATCH_GET_MAX`]).
    pub async fn existing_scrutins(
        &self,
        scrutin_ids: &[String],
        backoff: &Backoff,
    ) -> StoreResult<HashSet<String>> {
        let keys: Vec<_> = scrutin_ids.iter().map(|id| keys::scrutin_key(id)).collect();
        let (items, _) = self.batch_get(&keys, &["scrutin_id"], backoff).await?;
        items.iter().map(|i| req_s(i, "scrutin_id")).collect()
    }

    /// A ballot with its candidate lists, read with strong consistency.
    pub async fn scrutin_consistent(&self, scrutin_id: &str) -> StoreResult<Option<Scrutin>> {
        scrutin_from(&self.partition(&keys::scrutin_pk(scrutin_id), true).await?)
    }

    /// Writes a ballot, its candidate lists, and deletes the lists `old` had at orders `new` no
    /// longer uses: one transaction, so that voters never see half a ballot.
    pub async fn replace_scrutin(&self, old: Option<&Scrutin>, new: &Scrutin) -> StoreResult<()> {
        let mut actions = Vec::new();
        for item in scrutin_items(new) {
            actions.push(TransactWriteItem::builder().put(self.put(item, None)?).build());
        }
        let kept: HashSet<u32> = new.candidate_lists.iter().map(|l| l.order).collect();
        for list in old.map(|o| o.candidate_lists.as_slice()).unwrap_or_default() {
            if !kept.contains(&list.order) {
                let delete = built(
                    Delete::builder()
                        .table_name(&self.table)
                        .set_key(Some(key((
                            keys::scrutin_pk(&new.id),
                            keys::candidate_list_sk(list.order),
                        ))))
                        .build(),
                )?;
                actions.push(TransactWriteItem::builder().delete(delete).build());
            }
        }
        if actions.len() > TRANSACTION_MAX {
            return Err(StoreError::Backend(format!(
                "ballot {} needs {} writes, more than one transaction holds",
                new.id,
                actions.len()
            )));
        }
        self.transact(actions).await
    }

    fn journal_put(&self, entry: &JournalEntry) -> StoreResult<TransactWriteItem> {
        Ok(TransactWriteItem::builder()
            .put(self.put(journal_item(entry), Some("attribute_not_exists(pk)"))?)
            .build())
    }

    /// The put of a voter's identifier index entry, allowed when the entry is free, already the
    /// voter's, or held by `stale_holder`: an entry left without profile by an interrupted import.
    fn email_put(
        &self,
        voter: &RollVoter,
        stale_holder: Option<&str>,
    ) -> StoreResult<TransactWriteItem> {
        let put = built(
            aws_sdk_dynamodb::types::Put::builder()
                .table_name(&self.table)
                .set_item(Some(email_item(&voter.email, &voter.voter_id)))
                .condition_expression(
                    "attribute_not_exists(pk) OR voter_id = :vid OR voter_id = :stale",
                )
                .expression_attribute_values(":vid", s(&voter.voter_id))
                .expression_attribute_values(":stale", s(stale_holder.unwrap_or(&voter.voter_id)))
                .build(),
        )?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// Adds a voter who has no profile yet, with the identifier index, the electoral-list entries
    /// and the journal line: one transaction, refused if the profile exists meanwhile.
    pub async fn create_roll_voter(
        &self,
        voter: &RollVoter,
        stale_holder: Option<&str>,
        entry: Option<&JournalEntry>,
    ) -> StoreResult<()> {
        let mut actions = vec![TransactWriteItem::builder()
            .put(self.put(
                new_profile_item(voter, Utc::now().timestamp()),
                Some("attribute_not_exists(pk)"),
            )?)
            .build()];
        actions.push(self.email_put(voter, stale_holder)?);
        for scrutin in &voter.scrutins {
            actions.push(
                TransactWriteItem::builder()
                    .put(self.put(roll_entry_item(voter, scrutin), None)?)
                    .build(),
            );
        }
        if let Some(entry) = entry {
            actions.push(self.journal_put(entry)?);
        }
        self.transact(actions).await
    }

    /// The condition that the profile still holds the roll data `old`: what the electoral-list
    /// entries and identifier index to be removed were computed from.
    fn unchanged_since(old: &RollVoter) -> (&'static str, Vec<(&'static str, AttributeValue)>) {
        (
            "attribute_exists(pk) AND email = :old_email AND civility = :old_civ AND first_name = :old_fn AND last_name = :old_ln AND scrutins = :old_scr",
            vec![
                (":old_email", s(&old.email)),
                (":old_civ", s(old.civility.as_str())),
                (":old_fn", s(&old.first_name)),
                (":old_ln", s(&old.last_name)),
                (":old_scr", AttributeValue::L(old.scrutins.iter().map(s).collect())),
            ],
        )
    }

    fn email_delete(&self, email: &str, voter_id: &str) -> StoreResult<TransactWriteItem> {
        let delete = built(
            Delete::builder()
                .table_name(&self.table)
                .set_key(Some(key(keys::email_key(email))))
                .condition_expression("attribute_not_exists(pk) OR voter_id = :vid")
                .expression_attribute_values(":vid", s(voter_id))
                .build(),
        )?;
        Ok(TransactWriteItem::builder().delete(delete).build())
    }

    fn roll_delete(&self, k: (String, String)) -> StoreResult<TransactWriteItem> {
        Ok(TransactWriteItem::builder()
            .delete(built(Delete::builder().table_name(&self.table).set_key(Some(key(k))).build())?)
            .build())
    }

    /// Replaces the roll data of a voter already in the table, from `old` (as read) to `new`,
    /// keeping every attribute of the account (status, credentials, counters): the profile is
    /// updated, never put. Electoral-list entries and the identifier index follow in the same
    /// transaction, which is refused if the profile no longer holds `old`.
    pub async fn replace_roll_voter(
        &self,
        old: &RollVoter,
        new: &RollVoter,
        stale_holder: Option<&str>,
        entry: Option<&JournalEntry>,
    ) -> StoreResult<()> {
        let (condition, old_values) = Self::unchanged_since(old);
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(keys::voter_key(&new.voter_id))))
            .update_expression("SET email = :email, civility = :civ, first_name = :fn, last_name = :ln, scrutins = :scr")
            .condition_expression(condition)
            .expression_attribute_values(":email", s(&new.email))
            .expression_attribute_values(":civ", s(new.civility.as_str()))
            .expression_attribute_values(":fn", s(&new.first_name))
            .expression_attribute_values(":ln", s(&new.last_name))
            .expression_attribute_values(":scr", AttributeValue::L(new.scrutins.iter().map(s).collect()));
        for (name, value) in old_values {
            update = update.expression_attribute_values(name, value);
        }
        let mut actions = vec![TransactWriteItem::builder().update(built(update.build())?).build()];
        if old.email != new.email {
            actions.push(self.email_delete(&old.email, &old.voter_id)?);
            actions.push(self.email_put(new, stale_holder)?);
        }
        let new_keys: HashSet<(String, String)> = roll_entry_keys(new).into_iter().collect();
        for k in roll_entry_keys(old) {
            if !new_keys.contains(&k) {
                actions.push(self.roll_delete(k)?);
            }
        }
        for scrutin in &new.scrutins {
            actions.push(
                TransactWriteItem::builder()
                    .put(self.put(roll_entry_item(new, scrutin), None)?)
                    .build(),
            );
        }
        if let Some(entry) = entry {
            actions.push(self.journal_put(entry)?);
        }
        self.transact(actions).await
    }

    /// Removes a voter from the roll: profile, identifier index and electoral-list entries, with
    /// the journal line, in one transaction refused if the profile no longer holds `voter`. The
    /// voter's claims stay for the record; their sessions and links stop working with the profile.
    pub async fn remove_roll_voter(
        &self,
        voter: &RollVoter,
        entry: &JournalEntry,
    ) -> StoreResult<()> {
        let (condition, old_values) = Self::unchanged_since(voter);
        let mut delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key(keys::voter_key(&voter.voter_id))))
            .condition_expression(condition);
        for (name, value) in old_values {
            delete = delete.expression_attribute_values(name, value);
        }
        let mut actions = vec![TransactWriteItem::builder().delete(built(delete.build())?).build()];
        actions.push(self.email_delete(&voter.email, &voter.voter_id)?);
        for k in roll_entry_keys(voter) {
            actions.push(self.roll_delete(k)?);
        }
        actions.push(self.journal_put(entry)?);
        self.transact(actions).await
    }

    /// Stores the calendar with its journal line, in one transaction.
    pub async fn put_calendar_logged(
        &self,
        calendar: &Calendar,
        entry: &JournalEntry,
    ) -> StoreResult<()> {
        self.transact(vec![
            TransactWriteItem::builder().put(self.put(calendar_item(calendar), None)?).build(),
            self.journal_put(entry)?,
        ])
        .await
    }

    /// Writes a journal line on its own.
    pub async fn record(&self, entry: &JournalEntry) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(journal_item(entry)))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }

    /// The journal of one month (`YYYY-MM`), oldest first.
    pub async fn journal(&self, month: &str) -> StoreResult<Vec<JournalEntry>> {
        self.partition(&journal_pk(month), true).await?.iter().map(journal_from).collect()
    }

    /// Claims in `scope`, optionally of one status, oldest first. A ballot or the general claims
    /// are one Query of the claims index; all claims are a Scan of that index, which holds
    /// nothing but claims: its cost follows the number of claims, not the size of the table.
    pub async fn list_claims(
        &self,
        scope: &ClaimScope,
        status: Option<ClaimStatus>,
    ) -> StoreResult<Vec<AdminClaim>> {
        let status_value = status.map(|st| match st {
            ClaimStatus::Open => "open",
            ClaimStatus::Answered => "answered",
        });
        let mut claims = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let (items, last) = match scope {
                ClaimScope::All => {
                    let out = self
                        .client
                        .scan()
                        .table_name(&self.table)
                        .index_name(keys::GSI1)
                        .set_filter_expression(
                            status_value.map(|_| "#status = :status".to_string()),
                        )
                        .set_expression_attribute_names(status_value.map(|_| {
                            HashMap::from([("#status".to_string(), "status".to_string())])
                        }))
                        .set_expression_attribute_values(
                            status_value.map(|v| HashMap::from([(":status".to_string(), s(v))])),
                        )
                        .set_exclusive_start_key(start.take())
                        .send()
                        .await
                        .map_err(backend)?;
                    (out.items.unwrap_or_default(), out.last_evaluated_key)
                }
                ClaimScope::General | ClaimScope::Scrutin(_) => {
                    let pk = keys::claims_by_scrutin_pk(match scope {
                        ClaimScope::Scrutin(id) => Some(id.as_str()),
                        _ => None,
                    });
                    let mut values = HashMap::from([(":pk".to_string(), s(pk))]);
                    if let Some(v) = status_value {
                        values.insert(":status".into(), s(v));
                    }
                    let out = self
                        .client
                        .query()
                        .table_name(&self.table)
                        .index_name(keys::GSI1)
                        .key_condition_expression(format!("{} = :pk", keys::GSI1_PK))
                        .set_filter_expression(
                            status_value.map(|_| "#status = :status".to_string()),
                        )
                        .set_expression_attribute_names(status_value.map(|_| {
                            HashMap::from([("#status".to_string(), "status".to_string())])
                        }))
                        .set_expression_attribute_values(Some(values))
                        .set_exclusive_start_key(start.take())
                        .send()
                        .await
                        .map_err(backend)?;
                    (out.items.unwrap_or_default(), out.last_evaluated_key)
                }
            };
            for item in &items {
                claims.push(admin_claim_from(item)?);
            }
            match last {
                Some(k) => start = Some(k),
                None => break,
            }
        }
        claims.sort_by(|a, b| {
            (a.claim.created_at, &a.claim.reference).cmp(&(b.claim.created_at, &b.claim.reference))
        });
        Ok(claims)
    }

    /// The claim of a reference, read with strong consistency (the reference is found through
    /// the claims index, then the claim itself is read).
    pub async fn find_claim(&self, reference: &str) -> StoreResult<Option<AdminClaim>> {
        let mut start: Option<Item> = None;
        let voter_id = loop {
            let out = self
                .client
                .scan()
                .table_name(&self.table)
                .index_name(keys::GSI1)
                .filter_expression("#ref = :r")
                .expression_attribute_names("#ref", "reference")
                .expression_attribute_values(":r", s(reference))
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(backend)?;
            if let Some(item) = out.items.unwrap_or_default().first() {
                break req_s(item, "voter_id")?;
            }
            match out.last_evaluated_key {
                Some(k) => start = Some(k),
                None => return Ok(None),
            }
        };
        let item =
            self.get((keys::voter_key(&voter_id).0, keys::claim_sk(reference)), true).await?;
        item.map(|i| admin_claim_from(&i)).transpose()
    }

    /// Marks an open claim answered, with the journal line: one transaction, refused if the
    /// claim is not open any more.
    pub async fn answer_claim(&self, claim: &Claim, entry: &JournalEntry) -> StoreResult<()> {
        let update = built(
            Update::builder()
                .table_name(&self.table)
                .set_key(Some(key((
                    keys::voter_key(&claim.voter_id).0,
                    keys::claim_sk(&claim.reference),
                ))))
                .update_expression("SET #status = :answered, answered_at = :at, answered_by = :by")
                .condition_expression("attribute_exists(pk) AND #status = :open")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":answered", s("answered"))
                .expression_attribute_values(":open", s("open"))
                .expression_attribute_values(":at", s(entry.at.to_rfc3339()))
                .expression_attribute_values(":by", s(&entry.operator))
                .build(),
        )?;
        self.transact(vec![
            TransactWriteItem::builder().update(update).build(),
            self.journal_put(entry)?,
        ])
        .await
    }

    /// Counts voters, activations, accesses without activation and claims, by ballot, with a
    /// parallel Scan of the whole table in `segments` segments. Every item is read once: the cost
    /// is the size of the table (see `read_units`), whatever the filter keeps.
    pub async fn table_stats(&self, segments: u32) -> StoreResult<TableStats> {
        let segments = segments.max(1);
        let mut tasks = tokio::task::JoinSet::new();
        for segment in 0..segments {
            let this = self.clone();
            tasks.spawn(async move {
                let mut stats = TableStats::default();
                let mut start: Option<Item> = None;
                loop {
                    let mut scan = this
                        .client
                        .scan()
                        .table_name(&this.table)
                        .projection_expression("#type, #status, skip_count, scrutins, scrutin_id")
                        .filter_expression("#type IN (:voter, :claim)")
                        .expression_attribute_names("#type", "type")
                        .expression_attribute_names("#status", "status")
                        .expression_attribute_values(":voter", s("voter"))
                        .expression_attribute_values(":claim", s("claim"))
                        .return_consumed_capacity(ReturnConsumedCapacity::Total)
                        .set_exclusive_start_key(start.take());
                    if segments > 1 {
                        scan = scan.segment(segment as i32).total_segments(segments as i32);
                    }
                    let out = scan.send().await.map_err(backend)?;
                    stats.scanned += out.scanned_count as u64;
                    stats.read_units +=
                        out.consumed_capacity.and_then(|c| c.capacity_units).unwrap_or(0.0);
                    for item in out.items.unwrap_or_default() {
                        stats.count(&item);
                    }
                    match out.last_evaluated_key {
                        Some(k) => start = Some(k),
                        None => break,
                    }
                }
                Ok::<_, StoreError>(stats)
            });
        }
        let mut total = TableStats::default();
        while let Some(joined) = tasks.join_next().await {
            total.merge(joined.map_err(|e| StoreError::Backend(format!("scan task: {e}")))??);
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn quick() -> Backoff {
        Backoff { base: Duration::from_millis(1), cap: Duration::from_millis(4), max_attempts: 4 }
    }

    #[test]
    fn delays_grow_then_stay_under_the_cap() {
        let b = Backoff {
            base: Duration::from_millis(10),
            cap: Duration::from_millis(200),
            max_attempts: 5,
        };
        for attempt in 1..20 {
            let d = b.delay(attempt);
            let ceiling = Duration::from_millis(10 * (1u64 << attempt.min(16)))
                .min(Duration::from_millis(200));
            assert!(d >= ceiling / 2 && d <= ceiling, "attempt {attempt}: {d:?}");
        }
    }

    #[tokio::test]
    async fn unprocessed_items_are_sent_again_until_done() {
        let calls = AtomicU32::new(0);
        let (found, stats) = until_processed((0..10).collect::<Vec<u32>>(), &quick(), |pending| {
            let call = calls.fetch_add(1, Ordering::SeqCst);
            async move {
                // the first two calls leave half of what they got
                let keep = if call < 2 { pending.len() / 2 } else { 0 };
                let (unprocessed, done) = pending.split_at(keep);
                Sent::Answered { found: done.to_vec(), unprocessed: unprocessed.to_vec() }
            }
        })
        .await
        .unwrap();
        let mut found = found;
        found.sort();
        assert_eq!(found, (0..10).collect::<Vec<u32>>());
        assert_eq!(stats.calls, 3);
        assert_eq!(stats.unprocessed, 5 + 2);
    }

    #[tokio::test]
    async fn refused_calls_are_retried_then_given_up() {
        let calls = AtomicU32::new(0);
        let result = until_processed(vec![1u32, 2], &quick(), |_pending| {
            calls.fetch_add(1, Ordering::SeqCst);
            async { Sent::<u32, u32>::Refused("throttled".into()) }
        })
        .await;
        assert!(matches!(result, Err(StoreError::Backend(m)) if m.contains("throttled")));
        assert_eq!(calls.load(Ordering::SeqCst), 4);

        let calls = AtomicU32::new(0);
        let (found, stats) = until_processed(vec![1u32, 2], &quick(), |pending| {
            let call = calls.fetch_add(1, Ordering::SeqCst);
            async move {
                if call < 2 {
                    Sent::Refused("throttled".into())
                } else {
                    Sent::Answered { found: pending, unprocessed: vec![] }
                }
            }
        })
        .await
        .unwrap();
        assert_eq!(found, vec![1, 2]);
        assert_eq!(stats, SendStats { calls: 3, unprocessed: 0, refused: 2 });
    }

    #[tokio::test]
    async fn a_batch_that_never_progresses_fails() {
        let result = until_processed(vec![1u32], &quick(), |pending| async move {
            Sent::<u32, u32>::Answered { found: vec![], unprocessed: pending }
        })
        .await;
        assert!(matches!(result, Err(StoreError::Backend(m)) if m.contains("unprocessed")));
    }

    #[test]
    fn stats_count_voters_and_claims_by_ballot() {
        let mut stats = TableStats::default();
        let voter = |status: &str, skips: u32, scrutins: &[&str]| {
            let mut item = Item::new();
            item.insert("type".into(), s("voter"));
            item.insert("status".into(), s(status));
            item.insert("skip_count".into(), n(skips));
            item.insert(
                "scrutins".into(),
                AttributeValue::L(scrutins.iter().map(|x| s(*x)).collect()),
            );
            item
        };
        stats.count(&voter("active", 0, &["A", "B"]));
        stats.count(&voter("not_activated", 2, &["A"]));
        stats.count(&voter("active", 1, &["B"]));
        let mut claim = Item::new();
        claim.insert("type".into(), s("claim"));
        claim.insert("status".into(), s("open"));
        claim.insert("scrutin_id".into(), s("A"));
        stats.count(&claim);
        claim.remove("scrutin_id");
        claim.insert("status".into(), s("answered"));
        stats.count(&claim);
        assert_eq!(
            stats.total,
            Counts {
                voters: 3,
                activated: 2,
                entered_without_activation: 1,
                accesses_without_activation: 3,
                claims_open: 1,
                claims_answered: 1
            }
        );
        assert_eq!(
            stats.by_scrutin["A"],
            Counts {
                voters: 2,
                activated: 1,
                entered_without_activation: 1,
                accesses_without_activation: 2,
                claims_open: 1,
                claims_answered: 0
            }
        );
        assert_eq!(stats.general.claims_answered, 1);
    }
}
