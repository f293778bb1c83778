//! The journal of administrative actions, written in the same transaction as the change.

use aws_sdk_dynamodb::types::TransactWriteItem;
use chrono::{DateTime, Utc};

use crate::calendar::calendar_item;
use crate::item::*;
use crate::DynamoStore;
use shared::model::Calendar;
use shared::ports::{StoreError, StoreResult};

/// One line of the journal of administrative actions: who did what to what, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    pub id: String,
    pub at: DateTime<Utc>,
    pub operator: String,
    /// `import`, `add-voter`, `remove-voter`, `calendar-set`, `claim-answer`, `demo`...
    pub action: String,
    /// What the action bears on: a voter id, a claim reference, the calendar...
    pub target: String,
    pub detail: String,
}

impl JournalEntry {
    pub fn new(operator: &str, action: &str, target: &str, detail: impl Into<String>) -> Self {
        JournalEntry {
            id: shared::tokens::short_code(8),
            at: Utc::now(),
            operator: operator.to_string(),
            action: action.to_string(),
            target: target.to_string(),
            detail: detail.into(),
        }
    }
}

pub use crate::keys::journal_pk;

pub(crate) fn journal_item(e: &JournalEntry) -> Item {
    let mut item = key((
        journal_pk(&e.at.format("%Y-%m").to_string()),
        format!("{}#{}", e.at.format("%Y-%m-%dT%H:%M:%S%.3fZ"), e.id),
    ));
    item.insert("type".into(), s("journal"));
    item.insert("id".into(), s(&e.id));
    item.insert("at".into(), s(e.at.to_rfc3339()));
    item.insert("operator".into(), s(&e.operator));
    item.insert("action".into(), s(&e.action));
    item.insert("target".into(), s(&e.target));
    item.insert("detail".into(), s(&e.detail));
    item
}

pub(crate) fn journal_from(item: &Item) -> StoreResult<JournalEntry> {
    Ok(JournalEntry {
        id: req_s(item, "id")?,
        at: DateTime::parse_from_rfc3339(&req_s(item, "at")?)
            .map_err(|e| StoreError::Backend(format!("journal date: {e}")))?
            .with_timezone(&Utc),
        operator: req_s(item, "operator")?,
        action: req_s(item, "action")?,
        target: get_s(item, "target").unwrap_or_default(),
        detail: get_s(item, "detail").unwrap_or_default(),
    })
}

impl DynamoStore {
    pub(crate) fn journal_put(&self, entry: &JournalEntry) -> StoreResult<TransactWriteItem> {
        Ok(TransactWriteItem::builder()
            .put(self.put(journal_item(entry), Some("attribute_not_exists(pk)"))?)
            .build())
    }

    /// Stores the calendar with its journal line, in one transaction.
    pub async fn put_calendar_logged(
        &self,
        calendar: &Calendar,
        entry: &JournalEntry,
    ) -> StoreResult<()> {
        self.transact(vec![
            TransactWriteItem::builder().put(self.put(calendar_item(calendar), None)?).build(),
            self.journal_put(entry)?,
        ])
        .await
    }

    /// Replaces the help texts with their journal line, in one transaction.
    pub async fn put_help_texts_logged(
        &self,
        texts: &shared::help::HelpTexts,
        entry: &JournalEntry,
    ) -> StoreResult<()> {
        self.transact(vec![
            TransactWriteItem::builder()
                .put(self.put(crate::calendar::help_item(texts)?, None)?)
                .build(),
            self.journal_put(entry)?,
        ])
        .await
    }

    /// Writes a journal line on its own.
    pub async fn record(&self, entry: &JournalEntry) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(journal_item(entry)))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }

    /// The journal of one month (`YYYY-MM`), oldest first.
    pub async fn journal(&self, month: &str) -> StoreResult<Vec<JournalEntry>> {
        self.partition(&journal_pk(month), true).await?.iter().map(journal_from).collect()
    }
}
