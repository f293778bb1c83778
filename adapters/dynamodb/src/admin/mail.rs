//! The outbox and the bouncing addresses, for the administration: what waits, what failed and
//! why, what bounces, and how long mails took to leave.

use crate::item::*;
use crate::outbox::{bounce_from, outbox_from};
use crate::DynamoStore;
use shared::outbox::{Bounce, OutboxItem};
use shared::ports::StoreResult;

impl DynamoStore {
    /// Every item of one `type` (a Scan of the whole table, filtered).
    async fn all_of_type(&self, kind: &str) -> StoreResult<Vec<Item>> {
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .scan()
                .table_name(&self.table)
                .filter_expression("#type = :type")
                .expression_attribute_names("#type", "type")
                .expression_attribute_values(":type", s(kind))
                .consistent_read(true)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(backend)?;
            items.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(k) => start = Some(k),
                None => break,
            }
        }
        Ok(items)
    }

    /// Every outbox item, in the order of asking.
    pub async fn outbox_items(&self) -> StoreResult<Vec<OutboxItem>> {
        let mut items: Vec<OutboxItem> = self
            .all_of_type("outbox")
            .await?
            .iter()
            .map(outbox_from)
            .collect::<StoreResult<_>>()?;
        items.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(items)
    }

    /// Every address SES reported as bouncing or complaining.
    pub async fn bounces(&self) -> StoreResult<Vec<Bounce>> {
        let mut bounces: Vec<Bounce> = self
            .all_of_type("bounce")
            .await?
            .iter()
            .map(bounce_from)
            .collect::<StoreResult<_>>()?;
        bounces.sort_by(|a, b| a.email.cmp(&b.email));
        Ok(bounces)
    }
}
