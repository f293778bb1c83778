//! The vote's two tables: the urne (election record, credential slots holding the ballots, the
//! board index, ballot counters, seal, results) and the émargement (who voted where, turnout
//! counters). `cast` writes both, the receipt mail and the voter's trail in one transaction.
//! The administration's operations (publish, list credentials, reissue, close, export) are the
//! `pub` methods at the end, for `electeur-admin`.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, ConditionCheck, Put, TransactWriteItem, Update};

use crate::item::*;
use crate::keys;
use crate::DynamoStore;
use shared::audit::{AuditEvent, AuditKind};
use shared::outbox::OutboxMail;
use shared::ports::{
    Board, BoardPage, CastBallot, CastOutcome, CodeRequest, CodeRequests, Emargement, Slot,
    StoreError, StoreResult, Urne, VoteRecords,
};

const OPEN: &str = "open";

/// The key families of the portal's table that hold personal data (`docs/data-protection.md`).
pub const PERSONAL_FAMILIES: &[&str] = &[
    "VOTER#",
    "EMAIL#",
    "TOKEN#",
    "SESSION#",
    "DEVICE#",
    "OUTBOX#",
    "BOUNCE#",
    "ROLL#",
    "CLAIMREF#",
    "JOURNAL#",
    "ASSISTANCE",
    "ASSISTCAP#",
];
const REVOKED: &str = "revoked";

impl DynamoStore {
    async fn get_in(
        &self,
        table: &str,
        k: (String, String),
        consistent: bool,
    ) -> StoreResult<Option<Item>> {
        let out = self
            .client
            .get_item()
            .table_name(table)
            .set_key(Some(key(k)))
            .consistent_read(consistent)
            .send()
            .await
            .map_err(backend)?;
        Ok(out.item)
    }

    async fn text_of(&self, k: (String, String)) -> StoreResult<Option<String>> {
        Ok(self.get_in(&self.urne, k, true).await?.and_then(|i| get_s(&i, "text")))
    }

    /// Every item of a partition of `table`, page after page.
    async fn partition_in(&self, table: &str, pk: &str) -> StoreResult<Vec<Item>> {
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", s(pk))
                .consistent_read(true)
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(backend)?;
            items.extend(out.items.unwrap_or_default());
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(items);
            }
        }
    }

    async fn sum_shards(&self, table: &str, pk: &str) -> StoreResult<u64> {
        Ok(self.partition_in(table, pk).await?.iter().filter_map(|i| get_n::<u64>(i, "n")).sum())
    }

    fn counter(&self, table: &str, k: (String, String)) -> StoreResult<TransactWriteItem> {
        let update = built(
            Update::builder()
                .table_name(table)
                .set_key(Some(key(k)))
                .update_expression("ADD n :one")
                .expression_attribute_values(":one", n(1))
                .build(),
        )?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// Why a cast's transaction was cancelled, read back after it.
    async fn cast_refusal(&self, b: &CastBallot) -> StoreResult<CastOutcome> {
        if self.get_in(&self.urne, keys::election_seal_key(), true).await?.is_some() {
            return Ok(CastOutcome::Sealed);
        }
        let slot =
            self.get_in(&self.urne, keys::slot_key(&b.scrutin_id, &b.credential), true).await?;
        let Some(slot) = slot.filter(|s| get_s(s, "state").as_deref() == Some(OPEN)) else {
            return Ok(CastOutcome::UnknownCredential);
        };
        let emarged = self
            .get_in(&self.emargement, keys::emargement_key(&b.scrutin_id, &b.voter_id), true)
            .await?
            .is_some();
        match get_s(&slot, "tracker") {
            Some(t) if t == b.tracker && emarged => Ok(CastOutcome::SameBallot),
            Some(_) => Ok(CastOutcome::AlreadyVoted),
            None if emarged => Ok(CastOutcome::AlreadyVoted),
            // Nothing written by anyone: another transaction on these items was in flight.
            None => Err(StoreError::TransactionConflict),
        }
    }
}

#[async_trait]
impl VoteRecords for DynamoStore {
    async fn election_record(&self) -> StoreResult<Option<String>> {
        self.text_of(keys::election_record_key()).await
    }
    async fn vote_seal(&self) -> StoreResult<Option<String>> {
        self.text_of(keys::election_seal_key()).await
    }
    async fn vote_results(&self) -> StoreResult<Option<String>> {
        self.text_of(keys::election_results_key()).await
    }
}

#[async_trait]
impl Urne for DynamoStore {
    async fn cast(&self, b: &CastBallot, receipt: &OutboxMail) -> StoreResult<CastOutcome> {
        let bucket = b.tracker.chars().next().unwrap_or('-');
        let slot = built(
            Update::builder()
                .table_name(&self.urne)
                .set_key(Some(key(keys::slot_key(&b.scrutin_id, &b.credential))))
                .update_expression("SET tracker = :t, ballot = :b, #bpk = :bpk, #bsk = :t")
                .condition_expression(
                    "attribute_exists(pk) AND #state = :open AND attribute_not_exists(tracker)",
                )
                .expression_attribute_names("#state", "state")
                .expression_attribute_names("#bpk", keys::BOARD_PK)
                .expression_attribute_names("#bsk", keys::BOARD_SK)
                .expression_attribute_values(":t", s(&b.tracker))
                .expression_attribute_values(":b", s(&b.ballot))
                .expression_attribute_values(":bpk", s(keys::board_pk(&b.scrutin_id, bucket)))
                .expression_attribute_values(":open", s(OPEN))
                .build(),
        )?;
        let mut entry = key(keys::emargement_key(&b.scrutin_id, &b.voter_id));
        entry.insert("scrutin_id".into(), s(&b.scrutin_id));
        entry.insert("voter_id".into(), s(&b.voter_id));
        let entry = built(
            Put::builder()
                .table_name(&self.emargement)
                .set_item(Some(entry))
                .condition_expression("attribute_not_exists(pk)")
                .build(),
        )?;
        let not_sealed = built(
            ConditionCheck::builder()
                .table_name(&self.urne)
                .set_key(Some(key(keys::election_seal_key())))
                .condition_expression("attribute_not_exists(pk)")
                .build(),
        )?;
        let items = vec![
            TransactWriteItem::builder().update(slot).build(),
            TransactWriteItem::builder().put(entry).build(),
            TransactWriteItem::builder().condition_check(not_sealed).build(),
            self.counter(
                &self.urne,
                keys::ballot_count_key(&b.scrutin_id, keys::counter_shard(&b.credential)),
            )?,
            self.counter(
                &self.emargement,
                keys::turnout_key(&b.scrutin_id, keys::counter_shard(&b.voter_id)),
            )?,
            self.put_outbox(receipt)?,
            self.audit_put(&AuditEvent::new(
                &b.voter_id,
                AuditKind::VoteRecorded,
                b.at,
                Some(&b.scrutin_id),
            ))?,
        ];
        match self.transact(items).await {
            Ok(()) => Ok(CastOutcome::Recorded),
            Err(StoreError::ConditionFailed) => self.cast_refusal(b).await,
            Err(e) => Err(e),
        }
    }
}

#[async_trait]
impl CodeRequests for DynamoStore {
    async fn request_code(&self, r: &CodeRequest, mail: &OutboxMail) -> StoreResult<bool> {
        let mut item = key(keys::code_request_key(&r.voter_id));
        item.insert("type".into(), s("code_request"));
        item.insert("voter_id".into(), s(&r.voter_id));
        item.insert("asked_at".into(), n(r.asked_at));
        item.insert("scrutins".into(), AttributeValue::L(r.scrutins.iter().map(s).collect()));
        item.insert("status".into(), s(OPEN));
        let put = built(
            Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .condition_expression("attribute_not_exists(pk) OR #status <> :open")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":open", s(OPEN))
                .build(),
        )?;
        match self
            .transact(vec![TransactWriteItem::builder().put(put).build(), self.put_outbox(mail)?])
            .await
        {
            Ok(()) => Ok(true),
            Err(StoreError::ConditionFailed) => Ok(false),
            Err(e) => Err(e),
        }
    }
}

#[async_trait]
impl Emargement for DynamoStore {
    async fn voted_in(&self, voter_id: &str, scrutins: &[String]) -> StoreResult<Vec<String>> {
        let mut voted = Vec::new();
        for scrutin in scrutins {
            let k = keys::emargement_key(scrutin, voter_id);
            if self.get_in(&self.emargement, k, true).await?.is_some() {
                voted.push(scrutin.clone());
            }
        }
        Ok(voted)
    }
}

#[async_trait]
impl Board for DynamoStore {
    async fn slots(&self) -> StoreResult<Vec<Slot>> {
        let items = self.scan_prefix(&self.urne, keys::SLOT_PREFIX).await?;
        items
            .iter()
            .map(|i| {
                Ok(Slot {
                    scrutin_id: req_s(i, "scrutin_id")?,
                    credential: req_s(i, "credential")?,
                    open: get_s(i, "state").as_deref() == Some(OPEN),
                    ballot: get_s(i, "ballot"),
                })
            })
            .collect()
    }

    async fn board_page(
        &self,
        scrutin_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<BoardPage> {
        let first = after.and_then(|a| a.chars().next()).unwrap_or('-');
        let start = keys::BOARD_BUCKETS.find(first).unwrap_or(0);
        let mut trackers: Vec<String> = Vec::new();
        for bucket in keys::BOARD_BUCKETS[start..].chars() {
            let mut start_key: Option<Item> = None;
            loop {
                let want = limit - trackers.len();
                let mut q = self
                    .client
                    .query()
                    .table_name(&self.urne)
                    .index_name(keys::BOARD_INDEX)
                    .expression_attribute_names("#pk", keys::BOARD_PK)
                    .expression_attribute_values(":pk", s(keys::board_pk(scrutin_id, bucket)))
                    .limit(i32::try_from(want).unwrap_or(i32::MAX))
                    .set_exclusive_start_key(start_key);
                q = match after.filter(|a| a.starts_with(bucket)) {
                    Some(a) => q
                        .key_condition_expression("#pk = :pk AND #sk > :after")
                        .expression_attribute_names("#sk", keys::BOARD_SK)
                        .expression_attribute_values(":after", s(a)),
                    None => q.key_condition_expression("#pk = :pk"),
                };
                let out = q.send().await.map_err(backend)?;
                trackers.extend(
                    out.items.unwrap_or_default().iter().filter_map(|i| get_s(i, "tracker")),
                );
                start_key = out.last_evaluated_key;
                if trackers.len() >= limit {
                    let next = trackers.last().cloned();
                    return Ok(BoardPage { trackers, next });
                }
                if start_key.is_none() {
                    break;
                }
            }
        }
        Ok(BoardPage { trackers, next: None })
    }

    async fn on_board(&self, scrutin_id: &str, tracker: &str) -> StoreResult<bool> {
        let Some(bucket) = tracker.chars().next() else { return Ok(false) };
        let out = self
            .client
            .query()
            .table_name(&self.urne)
            .index_name(keys::BOARD_INDEX)
            .key_condition_expression("#pk = :pk AND #sk = :t")
            .expression_attribute_names("#pk", keys::BOARD_PK)
            .expression_attribute_names("#sk", keys::BOARD_SK)
            .expression_attribute_values(":pk", s(keys::board_pk(scrutin_id, bucket)))
            .expression_attribute_values(":t", s(tracker))
            .limit(1)
            .send()
            .await
            .map_err(backend)?;
        Ok(out.count > 0)
    }

    async fn ballot_count(&self, scrutin_id: &str) -> StoreResult<u64> {
        self.sum_shards(&self.urne, &keys::ballot_count_pk(scrutin_id)).await
    }
}

/// What publishing the record did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Published {
    Now,
    /// The same text was published before: nothing changed.
    Already,
}

/// A credential's open slot, as listed.
fn slot_item(scrutin_id: &str, credential: &str) -> Item {
    let mut item = key(keys::slot_key(scrutin_id, credential));
    item.insert("scrutin_id".into(), s(scrutin_id));
    item.insert("credential".into(), s(credential));
    item.insert("state".into(), s(OPEN));
    item
}

// The administration's operations.
impl DynamoStore {
    /// Puts an item of the urne that must not exist yet (`ConditionFailed` when it does).
    async fn put_new_in_urne(&self, item: Item) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(&self.urne)
            .set_item(Some(item))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map_err(conditional)?;
        Ok(())
    }

    /// Writes a text item of the urne (record, seal, results) once: a second call with the same
    /// text changes nothing, one with another text fails.
    async fn write_once(&self, k: (String, String), text: &str) -> StoreResult<Published> {
        let mut item = key(k.clone());
        item.insert("text".into(), s(text));
        match self.put_new_in_urne(item).await {
            Ok(()) => Ok(Published::Now),
            Err(StoreError::ConditionFailed) => match self.text_of(k).await? {
                Some(t) if t == text => Ok(Published::Already),
                _ => Err(StoreError::ConditionFailed),
            },
            Err(e) => Err(e),
        }
    }

    pub async fn publish_election_record(&self, text: &str) -> StoreResult<Published> {
        self.write_once(keys::election_record_key(), text).await
    }

    pub async fn write_seal(&self, text: &str) -> StoreResult<Published> {
        self.write_once(keys::election_seal_key(), text).await
    }

    pub async fn write_results(&self, text: &str) -> StoreResult<Published> {
        self.write_once(keys::election_results_key(), text).await
    }

    /// Lists a public credential for a scrutin: an open slot. False when it was listed already.
    pub async fn add_credential(&self, scrutin_id: &str, credential: &str) -> StoreResult<bool> {
        match self.put_new_in_urne(slot_item(scrutin_id, credential)).await {
            Ok(()) => Ok(true),
            Err(StoreError::ConditionFailed) => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// A reissue: the old credential's slot is revoked (only if it has not voted) and the new one
    /// listed, in one transaction. `ConditionFailed` when the old one has voted or is not open.
    pub async fn replace_credential(
        &self,
        scrutin_id: &str,
        old: &str,
        new: &str,
    ) -> StoreResult<()> {
        let revoke = built(
            Update::builder()
                .table_name(&self.urne)
                .set_key(Some(key(keys::slot_key(scrutin_id, old))))
                .update_expression("SET #state = :revoked")
                .condition_expression(
                    "attribute_exists(pk) AND #state = :open AND attribute_not_exists(tracker)",
                )
                .expression_attribute_names("#state", "state")
                .expression_attribute_values(":revoked", s(REVOKED))
                .expression_attribute_values(":open", s(OPEN))
                .build(),
        )?;
        let add = built(
            Put::builder()
                .table_name(&self.urne)
                .set_item(Some(slot_item(scrutin_id, new)))
                .condition_expression("attribute_not_exists(pk)")
                .build(),
        )?;
        self.transact(vec![
            TransactWriteItem::builder().update(revoke).build(),
            TransactWriteItem::builder().put(add).build(),
        ])
        .await
    }

    /// Queues a mail to a voter with the journal line of the administrative action that calls for
    /// it: one transaction.
    pub async fn queue_mail_logged(
        &self,
        mail: &OutboxMail,
        entry: &crate::admin::JournalEntry,
    ) -> StoreResult<()> {
        self.transact(vec![self.put_outbox(mail)?, self.journal_put(entry)?]).await
    }

    /// Every item of `table` whose `pk` starts with `prefix` (every item for ""), by a
    /// parallel-free scan.
    async fn scan_prefix(&self, table: &str, prefix: &str) -> StoreResult<Vec<Item>> {
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let mut scan = self.client.scan().table_name(table).consistent_read(true);
            if !prefix.is_empty() {
                scan = scan
                    .filter_expression("begins_with(pk, :p)")
                    .expression_attribute_values(":p", s(prefix));
            }
            let out = scan.set_exclusive_start_key(start).send().await.map_err(backend)?;
            items.extend(out.items.unwrap_or_default());
            start = out.last_evaluated_key;
            if start.is_none() {
                return Ok(items);
            }
        }
    }

    /// The open requests for a new voting code, oldest first.
    pub async fn open_code_requests(&self) -> StoreResult<Vec<CodeRequest>> {
        let items = self.scan_prefix(&self.table, "VOTER#").await?;
        let mut out: Vec<CodeRequest> = items
            .iter()
            .filter(|i| get_s(i, "sk").as_deref() == Some(keys::CODE_REQUEST_SK))
            .filter(|i| get_s(i, "status").as_deref() == Some(OPEN))
            .map(|i| {
                Ok(CodeRequest {
                    voter_id: req_s(i, "voter_id")?,
                    asked_at: get_n(i, "asked_at").unwrap_or(0),
                    scrutins: i
                        .get("scrutins")
                        .and_then(|v| v.as_l().ok())
                        .map(|l| l.iter().filter_map(|x| x.as_s().ok().cloned()).collect())
                        .unwrap_or_default(),
                })
            })
            .collect::<StoreResult<_>>()?;
        out.sort_by_key(|r| r.asked_at);
        Ok(out)
    }

    /// Marks a voter's request for a new code handled (after the reissue); none is no error.
    pub async fn close_code_request(&self, voter_id: &str) -> StoreResult<()> {
        let r = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::code_request_key(voter_id))))
            .update_expression("SET #status = :done")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":done", s("done"))
            .send()
            .await;
        match r.map_err(conditional) {
            Ok(_) | Err(StoreError::ConditionFailed) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Every voter of the roll (a Scan of the profiles), for the export the credential authority
    /// receives.
    pub async fn all_roll_voters(&self) -> StoreResult<Vec<shared::model::RollVoter>> {
        let items = self.scan_prefix(&self.table, "VOTER#").await?;
        items
            .iter()
            .filter(|i| get_s(i, "sk").as_deref() == Some("PROFILE"))
            .map(|i| crate::voters::voter_from(i).map(|v| v.roll))
            .collect()
    }

    /// The ids of every scrutin of the portal (a Scan of their `META` items), sorted.
    pub async fn all_scrutin_ids(&self) -> StoreResult<Vec<String>> {
        let items = self.scan_prefix(&self.table, "SCRUTIN#").await?;
        let mut ids: Vec<String> = items
            .iter()
            .filter(|i| get_s(i, "sk").as_deref() == Some("META"))
            .filter_map(|i| get_s(i, "pk").map(|pk| pk.trim_start_matches("SCRUTIN#").to_string()))
            .collect();
        ids.sort();
        Ok(ids)
    }

    /// Every émargement entry: (scrutin, voter id).
    pub async fn emargement_entries(&self) -> StoreResult<Vec<(String, String)>> {
        let items = self.scan_prefix(&self.emargement, "EMARG#").await?;
        items.iter().map(|i| Ok((req_s(i, "scrutin_id")?, req_s(i, "voter_id")?))).collect()
    }

    /// The turnout counter of a scrutin (émargement entries), summed over its shards.
    pub async fn turnout(&self, scrutin_id: &str) -> StoreResult<u64> {
        self.sum_shards(&self.emargement, &keys::turnout_pk(scrutin_id)).await
    }

    /// The end of the appeal period (epoch seconds), after which the purge may run.
    pub async fn appeal_ends(&self) -> StoreResult<Option<i64>> {
        Ok(self.get(keys::appeal_key(), true).await?.and_then(|i| get_n(&i, "at")))
    }

    pub async fn set_appeal_ends(
        &self,
        at: i64,
        entry: &crate::admin::JournalEntry,
    ) -> StoreResult<()> {
        let mut item = key(keys::appeal_key());
        item.insert("type".into(), s("appeal"));
        item.insert("at".into(), n(at));
        self.transact(vec![
            TransactWriteItem::builder().put(self.put(item, None)?).build(),
            self.journal_put(entry)?,
        ])
        .await
    }

    /// Deletes every key of `keys` from `table`, 25 a call, sending again what is left
    /// unprocessed.
    async fn delete_all_in(&self, table: &str, keys: Vec<Item>) -> StoreResult<usize> {
        use aws_sdk_dynamodb::types::{DeleteRequest, WriteRequest};
        let backoff = crate::admin::Backoff::default();
        let total = keys.len();
        for chunk in keys.chunks(crate::admin::BATCH_WRITE_MAX) {
            let writes: Vec<WriteRequest> = chunk
                .iter()
                .map(|k| {
                    Ok(WriteRequest::builder()
                        .delete_request(built(
                            DeleteRequest::builder().set_key(Some(k.clone())).build(),
                        )?)
                        .build())
                })
                .collect::<StoreResult<_>>()?;
            let mut pending = writes;
            let mut attempt = 0;
            while !pending.is_empty() {
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(table.to_string(), pending)
                    .send()
                    .await
                    .map_err(backend)?;
                pending =
                    out.unprocessed_items.and_then(|mut m| m.remove(table)).unwrap_or_default();
                attempt += 1;
                if !pending.is_empty() {
                    if attempt > backoff.max_attempts {
                        return Err(StoreError::Backend("deletes left unprocessed".into()));
                    }
                    tokio::time::sleep(backoff.delay(attempt)).await;
                }
            }
        }
        Ok(total)
    }

    /// The purge after the appeal period: every item of the portal's table that holds personal
    /// data (profiles, claims, trails, identifiers, links, sessions, devices, mails, bounces,
    /// electoral lists, the journal) and the émargement's entries. Kept: the urne (record,
    /// ballots, seal, results), the ballots and their candidate lists, the calendar, the
    /// counters. Returns (portal items, émargement entries) deleted.
    pub async fn purge_personal_data(&self) -> StoreResult<(usize, usize)> {
        let keys_of = |items: Vec<Item>| -> Vec<Item> {
            items
                .into_iter()
                .map(|i| {
                    ["pk", "sk"]
                        .into_iter()
                        .filter_map(|name| i.get(name).map(|v| (name.to_string(), v.clone())))
                        .collect()
                })
                .collect()
        };
        let (mut portal, mut emargement) = (0, 0);
        // Scanned again until nothing is left: an item written while the purge ran goes too.
        for _ in 0..5 {
            // One unfiltered scan of the whole table, the families picked here.
            let personal: Vec<Item> = self
                .scan_prefix(&self.table, "")
                .await?
                .into_iter()
                .filter(|i| {
                    get_s(i, "pk")
                        .is_some_and(|pk| PERSONAL_FAMILIES.iter().any(|f| pk.starts_with(f)))
                })
                .collect();
            let keys = keys_of(personal);
            let entries = keys_of(self.scan_prefix(&self.emargement, "EMARG#").await?);
            if keys.is_empty() && entries.is_empty() {
                return Ok((portal, emargement));
            }
            portal += self.delete_all_in(&self.table.clone(), keys).await?;
            emargement += self.delete_all_in(&self.emargement.clone(), entries).await?;
        }
        Err(StoreError::Backend("personal data still written while the purge ran".into()))
    }
}
