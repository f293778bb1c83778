//! A name search in one electoral list, and the count of a list's voters.
//!
//! A search reads one shard (the one of the name's initial) with `begins_with` on the sort key,
//! which starts with the folded last name. The count is not kept by every write of the roll: the
//! administration counts each list after it changes the roll ([`count_and_store`], Select COUNT
//! over the list's shards, strongly consistent) and stores the figure in one item beside the
//! shards, which the portal reads with one GetItem.

use aws_sdk_dynamodb::types::Select;
use chrono::Utc;

use crate::item::*;
use crate::keys::{self, SK};
use crate::DynamoStore;
use shared::model::RollEntry;
use shared::ports::{RollCursor, StoreError, StoreResult};

pub(crate) async fn search(
    store: &DynamoStore,
    scrutin_id: &str,
    prefix: &str,
    after: Option<String>,
    limit: usize,
) -> StoreResult<(Vec<RollEntry>, Option<RollCursor>)> {
    let shard = keys::roll_shard(prefix);
    let pk = keys::roll_pk(scrutin_id, shard);
    let mut out: Vec<(String, RollEntry)> = Vec::new();
    let mut exclusive = after;
    loop {
        // one more than needed tells whether another page exists
        let wanted = (limit + 1 - out.len()) as i32;
        let page = store
            .client
            .query()
            .table_name(&store.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :prefix)")
            .expression_attribute_values(":pk", s(&pk))
            .expression_attribute_values(":prefix", s(prefix))
            .set_exclusive_start_key(exclusive.as_ref().map(|sk| key((pk.clone(), sk.clone()))))
            .limit(wanted)
            .send()
            .await
            .map_err(backend)?;
        for item in page.items.unwrap_or_default() {
            out.push((
                req_s(&item, SK)?,
                RollEntry {
                    civility: civility(&item, "civility")?,
                    last_name: req_s(&item, "last_name")?,
                    first_name: req_s(&item, "first_name")?,
                },
            ));
        }
        if out.len() > limit {
            out.truncate(limit);
            let after = out.last().map(|(sk, _)| sk.clone());
            return Ok((
                out.into_iter().map(|(_, e)| e).collect(),
                Some(RollCursor { shard, after }),
            ));
        }
        match page.last_evaluated_key.and_then(|k| get_s(&k, SK)) {
            Some(sk) => exclusive = Some(sk),
            None => break,
        }
    }
    Ok((out.into_iter().map(|(_, e)| e).collect(), None))
}

pub(crate) async fn stored_count(
    store: &DynamoStore,
    scrutin_id: &str,
) -> StoreResult<Option<u64>> {
    let item = store.get(keys::roll_count_key(scrutin_id), false).await?;
    Ok(item.and_then(|i| get_n::<u64>(&i, "count")))
}

pub(crate) async fn count_and_store(store: &DynamoStore, scrutin_id: &str) -> StoreResult<u64> {
    let mut count: u64 = 0;
    for shard in keys::ROLL_SHARDS {
        let pk = keys::roll_pk(scrutin_id, *shard);
        let mut start = None;
        loop {
            let page = store
                .client
                .query()
                .table_name(&store.table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", s(&pk))
                .select(Select::Count)
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(backend)?;
            count += page.count.max(0) as u64;
            match page.last_evaluated_key {
                Some(k) => start = Some(k),
                None => break,
            }
        }
    }
    let mut item = key(keys::roll_count_key(scrutin_id));
    item.insert("type".into(), s("roll_count"));
    item.insert("scrutin_id".into(), s(scrutin_id));
    item.insert("count".into(), n(count));
    item.insert("counted_at".into(), s(Utc::now().to_rfc3339()));
    // written only when the figure changes: counting again an unchanged list writes nothing
    let written = store
        .client
        .put_item()
        .table_name(&store.table)
        .set_item(Some(item))
        .condition_expression("attribute_not_exists(pk) OR #count <> :count")
        .expression_attribute_names("#count", "count")
        .expression_attribute_values(":count", n(count))
        .send()
        .await
        .map_err(conditional);
    match written {
        Ok(_) | Err(StoreError::ConditionFailed) => Ok(count),
        Err(e) => Err(e),
    }
}
