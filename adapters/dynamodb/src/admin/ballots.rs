//! Ballots as the administration replaces them.

use std::collections::HashSet;

use aws_sdk_dynamodb::types::{Delete, TransactWriteItem};

use crate::ballots::{scrutin_from, scrutin_items};
use crate::item::*;
use crate::keys;
use crate::DynamoStore;
use shared::model::Scrutin;
use shared::ports::{StoreError, StoreResult};

use super::*;

impl DynamoStore {
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
}
