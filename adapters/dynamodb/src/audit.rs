//! The events of a voter's security trail: items of the voter's partition
//! (`VOTER#<id>` / `AUDIT#<time>#<random>`), each with a `ttl` of its time plus the retention.
//! The changes that have a write of their own add their event to it ([`DynamoStore::audit_put`]);
//! [`AuditTrail::record_event`] writes the failures found by a check.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::TransactWriteItem;
use rand::RngCore;

use crate::item::*;
use crate::keys::{self, SK, TTL};
use crate::DynamoStore;
use shared::audit::{AuditEvent, AuditKind, AuditTrail};
use shared::ports::{StoreError, StoreResult};

/// The part of the sort key after the event's second: the wall clock in microseconds (the events
/// of one second keep the order they were written in) and 32 random bits (two functions never
/// write the same key).
fn unique() -> String {
    let mut bytes = [0u8; 4];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let random: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{:016}{random}", chrono::Utc::now().timestamp_micros().max(0))
}

impl DynamoStore {
    pub(crate) fn audit_item(&self, event: &AuditEvent) -> Item {
        let mut item =
            key((keys::voter_key(&event.voter_id).0, keys::audit_sk(event.at, &unique())));
        item.insert("type".into(), s("audit"));
        item.insert("voter_id".into(), s(&event.voter_id));
        item.insert("kind".into(), s(event.kind.as_str()));
        item.insert("at".into(), n(event.at));
        if let Some(detail) = &event.detail {
            item.insert("detail".into(), s(detail));
        }
        item.insert(TTL.into(), n(event.expires_at(self.audit_retention)));
        item
    }

    /// The put of an event, for the transaction of the change it records (the random key is new:
    /// the put has no condition of its own, the change's conditions decide for both).
    pub(crate) fn audit_put(&self, event: &AuditEvent) -> StoreResult<TransactWriteItem> {
        Ok(TransactWriteItem::builder().put(self.put(self.audit_item(event), None)?).build())
    }
}

fn audit_from(item: &Item) -> StoreResult<AuditEvent> {
    let code = req_s(item, "kind")?;
    Ok(AuditEvent {
        voter_id: req_s(item, "voter_id")?,
        kind: AuditKind::parse(&code)
            .ok_or_else(|| StoreError::Backend(format!("unknown audit kind {code}")))?,
        at: get_n(item, "at").unwrap_or(0),
        detail: get_s(item, "detail"),
    })
}

#[async_trait]
impl AuditTrail for DynamoStore {
    async fn record_event(&self, event: &AuditEvent) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(self.audit_item(event)))
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }

    /// One query of the voter's partition, newest first, page after page until `limit` events of
    /// `kinds` are found (a trail holds tens of events).
    async fn trail(
        &self,
        voter_id: &str,
        kinds: &[AuditKind],
        limit: usize,
    ) -> StoreResult<Vec<AuditEvent>> {
        let mut events = Vec::new();
        let mut start: Option<Item> = None;
        while events.len() < limit {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression(format!("pk = :pk AND begins_with({SK}, :prefix)"))
                .expression_attribute_values(":pk", s(keys::voter_key(voter_id).0))
                .expression_attribute_values(":prefix", s(keys::AUDIT_PREFIX))
                .scan_index_forward(false)
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(backend)?;
            for item in out.items.unwrap_or_default() {
                let event = audit_from(&item)?;
                if (kinds.is_empty() || kinds.contains(&event.kind)) && events.len() < limit {
                    events.push(event);
                }
            }
            match out.last_evaluated_key {
                Some(k) => start = Some(k),
                None => break,
            }
        }
        Ok(events)
    }
}
