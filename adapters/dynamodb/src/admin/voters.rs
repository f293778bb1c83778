//! Voters of the roll: the one way to add, change or remove one, in bulk or alone.

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::types::{AttributeValue, Delete, TransactWriteItem, Update, WriteRequest};
use chrono::Utc;

use crate::item::*;
use crate::keys::{self, PK};
use crate::roll::roll_entry_item;
use crate::voters::voter_from;
use crate::DynamoStore;
use shared::model::{AccountStatus, RollVoter, Voter};
use shared::ports::StoreResult;

use super::*;

/// The profile of a voter who is not on the roll yet, with the account state of a new account
/// ([`Voter::new`]: its counters start at the second of its creation).
pub fn new_profile_item(voter: &RollVoter, created_at: i64) -> Item {
    let account = Voter::new(voter.clone(), created_at);
    let mut item = key(keys::voter_key(&voter.voter_id));
    item.insert("type".into(), s("voter"));
    item.insert("voter_id".into(), s(&voter.voter_id));
    item.insert("email".into(), s(&voter.email));
    item.insert("civility".into(), s(voter.civility.as_str()));
    item.insert("first_name".into(), s(&voter.first_name));
    item.insert("last_name".into(), s(&voter.last_name));
    item.insert("scrutins".into(), AttributeValue::L(voter.scrutins.iter().map(s).collect()));
    item.insert("status".into(), s(account.status.as_str()));
    item.insert("token_gen".into(), n(account.token_generation));
    item.insert("cred_version".into(), n(account.credentials_version));
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

pub fn new_voter_writes(voter: &RollVoter, created_at: i64) -> StoreResult<NewVoterWrites> {
    let mut before = vec![put_request(email_item(&voter.email, &voter.voter_id))?];
    for scrutin in &voter.scrutins {
        before.push(put_request(roll_entry_item(voter, scrutin))?);
    }
    Ok(NewVoterWrites { before, profile: put_request(new_profile_item(voter, created_at))? })
}

impl DynamoStore {
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
            found.insert(keys::email_of(&pk).to_string(), req_s(item, "voter_id")?);
        }
        Ok((found, stats))
    }

    /// The put of a voter's identifier index entry, allowed when the entry is free, already the
    /// voter's, or held by `stale_holder`: an entry left without profile by an interrupted import.
    pub(crate) fn email_put(
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
    pub(crate) fn unchanged_since(
        old: &RollVoter,
    ) -> (&'static str, Vec<(&'static str, AttributeValue)>) {
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

    pub(crate) fn email_delete(
        &self,
        email: &str,
        voter_id: &str,
    ) -> StoreResult<TransactWriteItem> {
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

    pub(crate) fn roll_delete(&self, k: (String, String)) -> StoreResult<TransactWriteItem> {
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
        let roll = "SET email = :email, civility = :civ, first_name = :fn, last_name = :ln, scrutins = :scr";
        // A new address: every link mailed to the old one and every session die, and the account
        // opened from the old address goes back to "not activated" (`Voter::address_changed`).
        let expression = if old.email != new.email {
            format!(
                "{roll}, token_gen = if_not_exists(token_gen, :zero) + :one, \
                 cred_version = if_not_exists(cred_version, :zero) + :one, #status = :not_activated \
                 REMOVE password_hash, question_id, answer_hash"
            )
        } else {
            roll.to_string()
        };
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(keys::voter_key(&new.voter_id))))
            .update_expression(expression)
            .condition_expression(condition)
            .expression_attribute_values(":email", s(&new.email))
            .expression_attribute_values(":civ", s(new.civility.as_str()))
            .expression_attribute_values(":fn", s(&new.first_name))
            .expression_attribute_values(":ln", s(&new.last_name))
            .expression_attribute_values(
                ":scr",
                AttributeValue::L(new.scrutins.iter().map(s).collect()),
            );
        for (name, value) in old_values {
            update = update.expression_attribute_values(name, value);
        }
        if old.email != new.email {
            update = update
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":zero", n(0))
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(
                    ":not_activated",
                    s(AccountStatus::NotActivated.as_str()),
                );
        }
        let mut actions = vec![TransactWriteItem::builder().update(built(update.build())?).build()];
        if old.email != new.email {
            actions.push(self.email_delete(&old.email, &old.voter_id)?);
            actions.push(self.email_put(new, stale_holder)?);
            let changed = shared::audit::AuditEvent::new(
                &new.voter_id,
                shared::audit::AuditKind::AddressChanged,
                Utc::now().timestamp(),
                None,
            );
            actions.push(self.audit_put(&changed)?);
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
}
