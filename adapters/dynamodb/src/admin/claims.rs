//! Claims as the administration follows them up: listing, finding, answering.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{TransactWriteItem, Update};
use chrono::{DateTime, Utc};

use crate::claims::claim_from;
use crate::item::*;
use crate::keys;
use crate::DynamoStore;
use shared::model::{Claim, ClaimStatus};
use shared::ports::StoreResult;

use super::*;

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

pub(crate) fn admin_claim_from(item: &Item) -> StoreResult<AdminClaim> {
    Ok(AdminClaim {
        claim: claim_from(item)?,
        answered_at: get_s(item, "answered_at")
            .and_then(|d| DateTime::parse_from_rfc3339(&d).ok())
            .map(|d| d.with_timezone(&Utc)),
        answered_by: get_s(item, "answered_by"),
    })
}

impl DynamoStore {
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
        if let Some(held) = self.get(keys::claim_reference_key(reference), true).await? {
            let voter_id = req_s(&held, "voter_id")?;
            let item =
                self.get((keys::voter_key(&voter_id).0, keys::claim_sk(reference)), true).await?;
            return item.map(|i| admin_claim_from(&i)).transpose();
        }
        // A claim filed before references had an item of their own: found through the index.
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
}
