//! Claims and their idempotency keys.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};
use chrono::{DateTime, Utc};

use crate::keys;
use shared::audit::{AuditEvent, AuditKind};
use shared::model::{Claim, ClaimCategory, ClaimStatus};
use shared::outbox::OutboxMail;
use shared::ports::{ClaimOutcome, Claims, StoreError, StoreResult};

use crate::item::*;
use crate::DynamoStore;

pub(crate) fn claim_from(item: &Item) -> StoreResult<Claim> {
    let created_at = DateTime::parse_from_rfc3339(&req_s(item, "created_at")?)
        .map_err(|e| StoreError::Backend(format!("bad claim date: {e}")))?
        .with_timezone(&Utc);
    Ok(Claim {
        reference: req_s(item, "reference")?,
        voter_id: req_s(item, "voter_id")?,
        category: ClaimCategory::parse(&req_s(item, "category")?)
            .ok_or_else(|| StoreError::Backend("bad category".into()))?,
        scrutin_id: get_s(item, "scrutin_id"),
        text: req_s(item, "text")?,
        created_at,
        status: if get_s(item, "status").as_deref() == Some("answered") {
            ClaimStatus::Answered
        } else {
            ClaimStatus::Open
        },
        fingerprint: get_s(item, "fingerprint").unwrap_or_default(),
        idempotency_key: get_s(item, "idempotency_key").unwrap_or_default(),
        acknowledged: item
            .get("acknowledged")
            .and_then(|v| v.as_bool().ok())
            .copied()
            .unwrap_or(false),
    })
}

pub fn claim_item(claim: &Claim) -> Item {
    let mut item = key((keys::voter_key(&claim.voter_id).0, keys::claim_sk(&claim.reference)));
    item.insert("type".into(), s("claim"));
    item.insert("reference".into(), s(&claim.reference));
    item.insert("voter_id".into(), s(&claim.voter_id));
    item.insert("category".into(), s(claim.category.as_str()));
    if let Some(id) = &claim.scrutin_id {
        item.insert("scrutin_id".into(), s(id));
    }
    item.insert("text".into(), s(&claim.text));
    item.insert("created_at".into(), s(claim.created_at.to_rfc3339()));
    item.insert(
        "status".into(),
        s(match claim.status {
            ClaimStatus::Open => "open",
            ClaimStatus::Answered => "answered",
        }),
    );
    item.insert("fingerprint".into(), s(&claim.fingerprint));
    item.insert("idempotency_key".into(), s(&claim.idempotency_key));
    item.insert("acknowledged".into(), AttributeValue::Bool(claim.acknowledged));
    item.insert(keys::GSI1_PK.into(), s(keys::claims_by_scrutin_pk(claim.scrutin_id.as_deref())));
    item.insert(
        keys::GSI1_SK.into(),
        s(format!("{}#{}", claim.created_at.to_rfc3339(), claim.reference)),
    );
    item
}

pub fn parse_claim(item: &Item) -> StoreResult<Claim> {
    claim_from(item)
}

impl DynamoStore {
    /// The update that marks a filed claim acknowledged (its mail accepted by SES).
    pub(crate) fn acknowledge_claim(&self, voter_id: &str, reference: &str) -> StoreResult<Update> {
        built(
            Update::builder()
                .table_name(&self.table)
                .set_key(Some(key((keys::voter_key(voter_id).0, keys::claim_sk(reference)))))
                .update_expression("SET acknowledged = :t")
                .condition_expression("attribute_exists(pk)")
                .expression_attribute_values(":t", AttributeValue::Bool(true))
                .build(),
        )
    }
}

#[async_trait]
impl Claims for DynamoStore {
    async fn file_claim(
        &self,
        claim: &Claim,
        cap: u32,
        acknowledgement: &OutboxMail,
    ) -> StoreResult<ClaimOutcome> {
        let voter_pk = keys::voter_key(&claim.voter_id).0;
        let mut idem = key((voter_pk.clone(), keys::idempotency_sk(&claim.idempotency_key)));
        idem.insert("type".into(), s("idempotency"));
        idem.insert("reference".into(), s(&claim.reference));
        // The profile counts the claim, under the cap: a voter cannot file without limit (each
        // claim sends an acknowledgement mail).
        let counted = built(
            Update::builder()
                .table_name(&self.table)
                .set_key(Some(key(keys::voter_key(&claim.voter_id))))
                .update_expression("SET claim_count = if_not_exists(claim_count, :zero) + :one")
                .condition_expression(
                    "attribute_exists(pk) AND (attribute_not_exists(claim_count) OR claim_count < :cap)",
                )
                .expression_attribute_values(":zero", n(0))
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":cap", n(cap))
                .build(),
        )?;
        let mut reference = key(keys::claim_reference_key(&claim.reference));
        reference.insert("type".into(), s("claim_reference"));
        reference.insert("voter_id".into(), s(&claim.voter_id));
        let puts = vec![
            TransactWriteItem::builder()
                .put(self.put(idem, Some("attribute_not_exists(pk)"))?)
                .build(),
            TransactWriteItem::builder()
                .put(self.put(reference, Some("attribute_not_exists(pk)"))?)
                .build(),
            TransactWriteItem::builder().update(counted).build(),
            TransactWriteItem::builder()
                .put(self.put(claim_item(claim), Some("attribute_not_exists(pk)"))?)
                .build(),
            self.put_outbox(acknowledgement)?,
            self.audit_put(&AuditEvent::new(
                &claim.voter_id,
                AuditKind::ClaimFiled,
                claim.created_at.timestamp(),
                Some(&claim.reference),
            ))?,
        ];
        match self.transact(puts).await {
            Ok(()) => Ok(ClaimOutcome::Created),
            Err(StoreError::ConditionFailed) => {
                let Some(idem) = self
                    .get((voter_pk.clone(), keys::idempotency_sk(&claim.idempotency_key)), true)
                    .await?
                else {
                    // No claim under this key: the cap, or a reference drawn twice.
                    let profile = self.get(keys::voter_key(&claim.voter_id), true).await?;
                    let filed: u32 =
                        profile.as_ref().and_then(|p| get_n(p, "claim_count")).unwrap_or(0);
                    return match profile {
                        Some(_) if filed >= cap => Ok(ClaimOutcome::CapReached),
                        Some(_) => Err(StoreError::TransactionConflict),
                        None => Err(StoreError::ConditionFailed),
                    };
                };
                let reference = req_s(&idem, "reference")?;
                let existing = self
                    .get((voter_pk, keys::claim_sk(&reference)), true)
                    .await?
                    .ok_or(StoreError::TransactionConflict)?;
                Ok(ClaimOutcome::Existing(claim_from(&existing)?))
            }
            Err(e) => Err(e),
        }
    }

    async fn mark_claim_acknowledged(&self, voter_id: &str, reference: &str) -> StoreResult<()> {
        let update = self.acknowledge_claim(voter_id, reference)?;
        self.transact(vec![TransactWriteItem::builder().update(update).build()]).await
    }
}
