//! Ballots, candidate lists and the electoral lists' pages.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;

use crate::keys::{self, SK};
use shared::model::{Candidate, CandidateList, RollEntry, Scrutin};
use shared::ports::{Ballots, RollCursor, StoreError, StoreResult};

use crate::item::*;
use crate::DynamoStore;

pub(crate) fn scrutin_from(items: &[Item]) -> StoreResult<Option<Scrutin>> {
    let Some(meta) = items.iter().find(|i| get_s(i, SK).as_deref() == Some("META")) else {
        return Ok(None);
    };
    let mut lists = Vec::new();
    for item in items
        .iter()
        .filter(|i| get_s(i, SK).is_some_and(|sk| sk.starts_with(keys::CANDIDATE_LIST_PREFIX)))
    {
        let mut candidates = Vec::new();
        for c in item
            .get("candidates")
            .and_then(|v| v.as_l().ok())
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let m = c.as_m().map_err(|_| StoreError::Backend("bad candidate".into()))?;
            candidates.push(Candidate {
                rank: get_n(m, "rank").unwrap_or(0),
                civility: civility(m, "civility")?,
                first_name: req_s(m, "first_name")?,
                last_name: req_s(m, "last_name")?,
            });
        }
        candidates.sort_by_key(|c| c.rank);
        lists.push(CandidateList {
            id: req_s(item, "list_id")?,
            order: get_n(item, "order").unwrap_or(0),
            name: req_s(item, "name")?,
            organisation: get_s(item, "organisation").unwrap_or_default(),
            candidates,
        });
    }
    lists.sort_by_key(|l| l.order);
    Ok(Some(Scrutin {
        id: req_s(meta, "scrutin_id")?,
        name: req_s(meta, "name")?,
        description: get_s(meta, "description").unwrap_or_default(),
        candidate_lists: lists,
    }))
}

#[async_trait]
impl Ballots for DynamoStore {
    async fn scrutins(&self, ids: &[String]) -> StoreResult<Vec<Scrutin>> {
        let mut tasks = tokio::task::JoinSet::new();
        for (i, id) in ids.iter().enumerate() {
            let this = self.clone();
            let pk = keys::scrutin_pk(id);
            tasks.spawn(async move {
                let items = this.partition(&pk, false).await?;
                Ok::<_, StoreError>((i, scrutin_from(&items)?))
            });
        }
        let mut found = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            let (i, scrutin) =
                joined.map_err(|e| StoreError::Backend(format!("query task: {e}")))??;
            if let Some(scrutin) = scrutin {
                found.push((i, scrutin));
            }
        }
        found.sort_by_key(|(i, _)| *i);
        Ok(found.into_iter().map(|(_, s)| s).collect())
    }

    async fn electoral_list_page(
        &self,
        scrutin_id: &str,
        from: RollCursor,
        limit: usize,
    ) -> StoreResult<(Vec<RollEntry>, Option<RollCursor>)> {
        let mut out: Vec<(char, String, RollEntry)> = Vec::new();
        let start = keys::ROLL_SHARDS.iter().position(|c| *c == from.shard).unwrap_or(0);
        for (i, shard) in keys::ROLL_SHARDS.iter().enumerate().skip(start) {
            let pk = keys::roll_pk(scrutin_id, *shard);
            let mut exclusive = if i == start { from.after.clone() } else { None };
            loop {
                // one more than needed tells whether another page exists
                let wanted = (limit + 1 - out.len()) as i32;
                let out_page = self
                    .client
                    .query()
                    .table_name(&self.table)
                    .key_condition_expression("pk = :pk")
                    .expression_attribute_values(":pk", s(&pk))
                    .set_exclusive_start_key(
                        exclusive.as_ref().map(|sk| key((pk.clone(), sk.clone()))),
                    )
                    .limit(wanted)
                    .send()
                    .await
                    .map_err(backend)?;
                for item in out_page.items.unwrap_or_default() {
                    let sk = req_s(&item, SK)?;
                    out.push((
                        *shard,
                        sk,
                        RollEntry {
                            civility: civility(&item, "civility")?,
                            last_name: req_s(&item, "last_name")?,
                            first_name: req_s(&item, "first_name")?,
                        },
                    ));
                }
                if out.len() > limit {
                    out.truncate(limit);
                    let (shard, after, _) = out.last().cloned().expect("limit is at least 1");
                    return Ok((
                        out.into_iter().map(|(_, _, e)| e).collect(),
                        Some(RollCursor { shard, after: Some(after) }),
                    ));
                }
                match out_page.last_evaluated_key.and_then(|k| get_s(&k, SK)) {
                    Some(sk) => exclusive = Some(sk),
                    None => break,
                }
            }
        }
        Ok((out.into_iter().map(|(_, _, e)| e).collect(), None))
    }

    async fn electoral_list_search(
        &self,
        scrutin_id: &str,
        prefix: &str,
        after: Option<String>,
        limit: usize,
    ) -> StoreResult<(Vec<RollEntry>, Option<RollCursor>)> {
        crate::roll_search::search(self, scrutin_id, prefix, after, limit).await
    }

    async fn electoral_list_count(&self, scrutin_id: &str) -> StoreResult<Option<u64>> {
        crate::roll_search::stored_count(self, scrutin_id).await
    }
}

/// The items of a ballot: its META item then one item per candidate list.
pub(crate) fn scrutin_items(scrutin: &Scrutin) -> Vec<Item> {
    let mut meta = key(keys::scrutin_key(&scrutin.id));
    meta.insert("type".into(), s("scrutin"));
    meta.insert("scrutin_id".into(), s(&scrutin.id));
    meta.insert("name".into(), s(&scrutin.name));
    meta.insert("description".into(), s(&scrutin.description));
    let mut items = vec![meta];
    for list in &scrutin.candidate_lists {
        let mut item = key((keys::scrutin_pk(&scrutin.id), keys::candidate_list_sk(list.order)));
        item.insert("type".into(), s("candidate_list"));
        item.insert("list_id".into(), s(&list.id));
        item.insert("order".into(), n(list.order));
        item.insert("name".into(), s(&list.name));
        item.insert("organisation".into(), s(&list.organisation));
        let candidates = list
            .candidates
            .iter()
            .map(|c| {
                AttributeValue::M(HashMap::from([
                    ("rank".to_string(), n(c.rank)),
                    ("civility".to_string(), s(c.civility.as_str())),
                    ("first_name".to_string(), s(&c.first_name)),
                    ("last_name".to_string(), s(&c.last_name)),
                ]))
            })
            .collect();
        item.insert("candidates".into(), AttributeValue::L(candidates));
        items.push(item);
    }
    items
}
