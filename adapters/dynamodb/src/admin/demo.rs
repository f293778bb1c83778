//! What a table holds before the demo election is loaded into it: the demo must never overwrite
//! a real election (its calendar, ballots and voters).

use crate::item::*;
use crate::keys;
use crate::DynamoStore;
use shared::ports::StoreResult;

/// What is in a table, as the demo sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableContent {
    Empty,
    /// The demo election, marked as such when it was first loaded.
    Demo,
    /// Anything else: a real election, or items of unknown origin.
    Other,
}

impl DynamoStore {
    /// Whether the table is empty, holds the demo, or holds something else.
    pub async fn table_content(&self) -> StoreResult<TableContent> {
        if self.get(keys::demo_mark_key(), true).await?.is_some() {
            return Ok(TableContent::Demo);
        }
        let out = self
            .client
            .scan()
            .table_name(&self.table)
            .limit(1)
            .consistent_read(true)
            .send()
            .await
            .map_err(backend)?;
        Ok(if out.items.unwrap_or_default().is_empty() && out.last_evaluated_key.is_none() {
            TableContent::Empty
        } else {
            TableContent::Other
        })
    }

    /// Marks the table as the demo's, before anything of the demo is written: an interrupted
    /// demo load is still recognised as the demo.
    pub async fn mark_demo(&self, at: &str) -> StoreResult<()> {
        let mut item = key(keys::demo_mark_key());
        item.insert("type".into(), s("demo_mark"));
        item.insert("at".into(), s(at));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }
}
