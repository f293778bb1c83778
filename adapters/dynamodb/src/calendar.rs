//! The election calendar item.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::keys;
use shared::help::HelpTexts;
use shared::model::Calendar;
use shared::ports::{Calendars, HelpPages, StoreError, StoreResult};

use crate::item::*;
use crate::DynamoStore;

#[async_trait]
impl Calendars for DynamoStore {
    async fn calendar(&self) -> StoreResult<Option<Calendar>> {
        let Some(item) = self.get(keys::calendar_key(), true).await? else { return Ok(None) };
        let at = |name: &str| -> StoreResult<DateTime<Utc>> {
            DateTime::parse_from_rfc3339(&req_s(&item, name)?)
                .map(|d| d.with_timezone(&Utc))
                .map_err(|e| StoreError::Backend(format!("calendar {name}: {e}")))
        };
        Ok(Some(Calendar {
            activation_opens_at: at("activation_opens_at")?,
            claim_deadline: at("claim_deadline")?,
            voting_opens_at: at("voting_opens_at")?,
            voting_closes_at: at("voting_closes_at")?,
        }))
    }
}

/// The one calendar item, as the functions read it.
pub(crate) fn calendar_item(calendar: &Calendar) -> Item {
    let mut item = key(keys::calendar_key());
    item.insert("type".into(), s("calendar"));
    item.insert("activation_opens_at".into(), s(calendar.activation_opens_at.to_rfc3339()));
    item.insert("claim_deadline".into(), s(calendar.claim_deadline.to_rfc3339()));
    item.insert("voting_opens_at".into(), s(calendar.voting_opens_at.to_rfc3339()));
    item.insert("voting_closes_at".into(), s(calendar.voting_closes_at.to_rfc3339()));
    item.insert("updated_at".into(), s(Utc::now().to_rfc3339()));
    item
}

/// The help texts item: the texts as one JSON document (they are read and replaced whole).
pub(crate) fn help_item(texts: &HelpTexts) -> StoreResult<Item> {
    let json = serde_json::to_string(texts)
        .map_err(|e| StoreError::Backend(format!("help texts: {e}")))?;
    let mut item = key(keys::help_key());
    item.insert("type".into(), s("help"));
    item.insert("texts".into(), s(json));
    item.insert("updated_at".into(), s(Utc::now().to_rfc3339()));
    Ok(item)
}

#[async_trait]
impl HelpPages for DynamoStore {
    async fn help_texts(&self) -> StoreResult<Option<HelpTexts>> {
        let Some(item) = self.get(keys::help_key(), false).await? else { return Ok(None) };
        serde_json::from_str(&req_s(&item, "texts")?)
            .map(Some)
            .map_err(|e| StoreError::Backend(format!("help texts: {e}")))
    }
}
