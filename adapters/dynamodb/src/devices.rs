//! Trusted browsers (device items), the unlock links that trust one, and their counters.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{ConditionCheck, TransactWriteItem, Update};

use crate::keys::{self, PK, TTL};
use crate::voters::failures_from;
use shared::audit::{AuditEvent, AuditKind};
use shared::model::{AccountStatus, DeviceRecord, FailureKind, TokenPurpose, TokenRecord, Voter};
use shared::outbox::OutboxMail;
use shared::ports::{DeviceTrust, Devices, StoreError, StoreResult};

use crate::item::*;
use crate::DynamoStore;

impl DynamoStore {
    /// The put of a new trusted browser, with fresh budgets; it expires with its cookie.
    pub(crate) fn put_device(&self, device: &DeviceRecord) -> StoreResult<TransactWriteItem> {
        let mut item = key(keys::device_key(&device.hash));
        item.insert("type".into(), s("device"));
        item.insert("voter_id".into(), s(&device.voter_id));
        item.insert("created_at".into(), n(device.created_at));
        item.insert("expires_at".into(), n(device.expires_at));
        item.insert(TTL.into(), n(device.expires_at));
        let put = self.put(item, Some("attribute_not_exists(pk)"))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }
}

pub(crate) fn device_from(item: &Item) -> StoreResult<DeviceRecord> {
    let pk = req_s(item, PK)?;
    Ok(DeviceRecord {
        hash: keys::device_hash_of(&pk).to_string(),
        voter_id: req_s(item, "voter_id")?,
        created_at: get_n(item, "created_at").unwrap_or(0),
        expires_at: get_n(item, "expires_at").unwrap_or(0),
        login: failures_from(item, FailureKind::Login),
        answer: failures_from(item, FailureKind::Answer),
    })
}

#[async_trait]
impl Devices for DynamoStore {
    async fn device(&self, hash: &str) -> StoreResult<Option<DeviceRecord>> {
        self.get(keys::device_key(hash), true).await?.map(|i| device_from(&i)).transpose()
    }
}

#[async_trait]
impl DeviceTrust for DynamoStore {
    async fn issue_unlock_token(
        &self,
        voter: &Voter,
        unlock_count_seen: u32,
        unlock_sent_at: &[i64],
        token: &TokenRecord,
        mail: &OutboxMail,
    ) -> StoreResult<()> {
        let seen = if unlock_count_seen == 0 {
            "(attribute_not_exists(unlock_count) OR unlock_count = :seen)"
        } else {
            "unlock_count = :seen"
        };
        let update = built(
            Update::builder()
                .table_name(&self.table)
                .set_key(Some(key(keys::voter_key(&voter.roll.voter_id))))
                .update_expression("SET unlock_sent_at = :sent, unlock_count = :next")
                .condition_expression(format!("token_gen = :gen AND {seen}"))
                .expression_attribute_values(":gen", n(token.generation))
                .expression_attribute_values(":seen", n(unlock_count_seen))
                .expression_attribute_values(":sent", numbers(unlock_sent_at))
                .expression_attribute_values(":next", n(unlock_count_seen + 1))
                .build(),
        )?;
        let asked =
            AuditEvent::new(&token.voter_id, AuditKind::UnlockAsked, token.created_at, None);
        self.transact(vec![
            TransactWriteItem::builder().update(update).build(),
            self.put_token(token)?,
            self.put_outbox(mail)?,
            self.audit_put(&asked)?,
        ])
        .await
    }

    async fn trust_device(
        &self,
        token: &TokenRecord,
        device: &DeviceRecord,
        now: i64,
    ) -> StoreResult<()> {
        if token.purpose != TokenPurpose::Unlock {
            return Err(StoreError::ConditionFailed);
        }
        let consume = self.consume_token(token, now)?;
        let voter = built(
            ConditionCheck::builder()
                .table_name(&self.table)
                .set_key(Some(key(keys::voter_key(&token.voter_id))))
                .condition_expression("token_gen = :gen AND #status = :active")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":gen", n(token.generation))
                .expression_attribute_values(":active", s(AccountStatus::Active.as_str()))
                .build(),
        )?;
        let trusted = AuditEvent::new(&token.voter_id, AuditKind::DeviceTrusted, now, None);
        self.transact(vec![
            TransactWriteItem::builder().update(consume).build(),
            TransactWriteItem::builder().condition_check(voter).build(),
            self.put_device(device)?,
            self.audit_put(&trusted)?,
        ])
        .await
    }
}
