//! Session items.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{Delete, TransactWriteItem, Update};

use crate::keys::{self, PK, TTL};
use crate::voters::failure_attributes;
use shared::audit::{AuditEvent, AuditKind};
use shared::model::{AccountStatus, DeviceRecord, FailureKind, SessionKind, SessionRecord, Voter};
use shared::ports::{Budget, SessionStore, StoreError, StoreResult};

use crate::item::*;
use crate::DynamoStore;

impl DynamoStore {
    pub(crate) fn session_item(&self, session: &SessionRecord) -> Item {
        let mut item = key(keys::session_key(&session.hash));
        item.insert("type".into(), s("session"));
        item.insert("voter_id".into(), s(&session.voter_id));
        item.insert("kind".into(), s(session.kind.as_str()));
        item.insert("cred_version".into(), n(session.credentials_version));
        item.insert("created_at".into(), n(session.created_at));
        item.insert("last_seen_at".into(), n(session.last_seen_at));
        item.insert("absolute_expires_at".into(), n(session.absolute_expires_at));
        item.insert(TTL.into(), n(session.absolute_expires_at + KEEP_AFTER_EXPIRY));
        item
    }

    pub(crate) fn put_session(&self, session: &SessionRecord) -> StoreResult<TransactWriteItem> {
        Ok(TransactWriteItem::builder()
            .put(self.put(self.session_item(session), Some("attribute_not_exists(pk)"))?)
            .build())
    }
}

pub(crate) fn session_from(item: &Item) -> StoreResult<SessionRecord> {
    let pk = req_s(item, PK)?;
    Ok(SessionRecord {
        hash: keys::session_hash_of(&pk).to_string(),
        voter_id: req_s(item, "voter_id")?,
        kind: SessionKind::parse(&req_s(item, "kind")?)
            .ok_or_else(|| StoreError::Backend("bad session kind".into()))?,
        credentials_version: get_n(item, "cred_version").unwrap_or(0),
        created_at: get_n(item, "created_at").unwrap_or(0),
        last_seen_at: get_n(item, "last_seen_at").unwrap_or(0),
        absolute_expires_at: get_n(item, "absolute_expires_at").unwrap_or(0),
    })
}

#[async_trait]
impl SessionStore for DynamoStore {
    async fn open_login_session(
        &self,
        voter: &Voter,
        session: &SessionRecord,
        budget: &Budget,
        new_device: Option<&DeviceRecord>,
    ) -> StoreResult<()> {
        let (count, until, at) = failure_attributes(FailureKind::Login);
        let clears = format!("{count} = :zero, {until} = :zero, {at} = :zero");
        let profile = match budget {
            Budget::Account { .. } => format!("SET {clears}, last_login_at = :now"),
            Budget::Device { .. } => "SET last_login_at = :now".to_string(),
        };
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(keys::voter_key(&voter.roll.voter_id))))
            .update_expression(profile)
            .condition_expression("cred_version = :cv AND #status = :active")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":now", n(session.created_at))
            .expression_attribute_values(":cv", n(session.credentials_version))
            .expression_attribute_values(":active", s(AccountStatus::Active.as_str()));
        if let Budget::Account { .. } = budget {
            update = update.expression_attribute_values(":zero", n(0));
        }
        let update = built(update.build())?;
        let mut items = vec![TransactWriteItem::builder().update(update).build()];
        if let Budget::Device { hash } = budget {
            let device = built(
                Update::builder()
                    .table_name(&self.table)
                    .set_key(Some(key(keys::device_key(hash))))
                    .update_expression(format!("SET {clears}"))
                    .condition_expression("attribute_exists(pk) AND voter_id = :vid")
                    .expression_attribute_values(":zero", n(0))
                    .expression_attribute_values(":vid", s(&voter.roll.voter_id))
                    .build(),
            )?;
            items.push(TransactWriteItem::builder().update(device).build());
        }
        if let Some(device) = new_device {
            items.push(self.put_device(device)?);
        }
        items.push(self.put_session(session)?);
        let opened = AuditEvent::new(
            &voter.roll.voter_id,
            AuditKind::LoginSucceeded,
            session.created_at,
            None,
        );
        items.push(self.audit_put(&opened)?);
        self.transact(items).await
    }

    async fn session(&self, hash: &str) -> StoreResult<Option<SessionRecord>> {
        self.get(keys::session_key(hash), true).await?.map(|i| session_from(&i)).transpose()
    }

    async fn touch_session(&self, hash: &str, now: i64) -> StoreResult<()> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::session_key(hash))))
            .update_expression("SET last_seen_at = :now")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":now", n(now))
            .send()
            .await
            .map_err(conditional)?;
        Ok(())
    }

    /// Reads the session for its voter, then deletes it with its `session_ended` event in one
    /// transaction conditional on the session still being there: a logout raced by another one
    /// records one event.
    async fn delete_session(&self, hash: &str, now: i64) -> StoreResult<()> {
        let Some(session) = self.session(hash).await? else { return Ok(()) };
        let delete = built(
            Delete::builder()
                .table_name(&self.table)
                .set_key(Some(key(keys::session_key(hash))))
                .condition_expression("attribute_exists(pk)")
                .build(),
        )?;
        let ended = AuditEvent::new(
            &session.voter_id,
            AuditKind::SessionEnded,
            now,
            Some(session.kind.as_str()),
        );
        match self
            .transact(vec![
                TransactWriteItem::builder().delete(delete).build(),
                self.audit_put(&ended)?,
            ])
            .await
        {
            Ok(()) | Err(StoreError::ConditionFailed) => Ok(()),
            Err(e) => Err(e),
        }
    }
}
