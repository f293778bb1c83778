//! Attribute values, item helpers and the error mapping shared by every item family.

use std::collections::HashMap;

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem};

use crate::keys::{PK, SK};
use shared::model::Civility;
use shared::ports::{StoreError, StoreResult};

use crate::DynamoStore;

pub(crate) type Item = HashMap<String, AttributeValue>;

/// Tokens and sessions stay a week past their expiry for audit, then DynamoDB's TTL removes them.
pub(crate) const KEEP_AFTER_EXPIRY: i64 = 7 * 86_400;

pub(crate) fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

pub(crate) fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// A list of numbers (L of N).
pub(crate) fn numbers(values: &[i64]) -> AttributeValue {
    AttributeValue::L(values.iter().map(n).collect())
}

/// A list of numbers as [`numbers`] writes it; absent or unreadable entries read as none.
pub(crate) fn get_numbers(item: &Item, name: &str) -> Vec<i64> {
    item.get(name)
        .and_then(|v| v.as_l().ok())
        .map(|l| l.iter().filter_map(|x| x.as_n().ok()?.parse().ok()).collect())
        .unwrap_or_default()
}

pub(crate) fn key((pk, sk): (String, String)) -> Item {
    HashMap::from([(PK.to_string(), s(pk)), (SK.to_string(), s(sk))])
}

pub(crate) fn get_s(item: &Item, name: &str) -> Option<String> {
    item.get(name).and_then(|v| v.as_s().ok()).cloned()
}

pub(crate) fn get_n<T: std::str::FromStr>(item: &Item, name: &str) -> Option<T> {
    item.get(name).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok())
}

pub(crate) fn req_s(item: &Item, name: &str) -> StoreResult<String> {
    get_s(item, name).ok_or_else(|| StoreError::Backend(format!("item lacks attribute {name}")))
}

pub(crate) fn backend<E: std::error::Error + Send + Sync + 'static, R: std::fmt::Debug>(
    e: SdkError<E, R>,
) -> StoreError {
    StoreError::Backend(DisplayErrorContext(e).to_string())
}

/// Maps a single conditional write's error.
pub(crate) fn conditional<E, R>(e: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    if e.as_service_error().and_then(|se| se.code()) == Some("ConditionalCheckFailedException") {
        StoreError::ConditionFailed
    } else {
        backend(e)
    }
}

/// Maps a transaction's error: a failed condition or a conflict on any item, else the backend.
pub(crate) fn transaction<R: std::fmt::Debug>(
    e: SdkError<TransactWriteItemsError, R>,
) -> StoreError {
    if let Some(TransactWriteItemsError::TransactionCanceledException(c)) = e.as_service_error() {
        let codes: Vec<&str> = c.cancellation_reasons().iter().filter_map(|r| r.code()).collect();
        if codes.contains(&"ConditionalCheckFailed") {
            return StoreError::ConditionFailed;
        }
        if codes.contains(&"TransactionConflict") {
            return StoreError::TransactionConflict;
        }
    }
    if let Some(TransactWriteItemsError::TransactionInProgressException(_)) = e.as_service_error() {
        return StoreError::TransactionConflict;
    }
    backend(e)
}

pub(crate) fn built<T>(r: Result<T, aws_sdk_dynamodb::error::BuildError>) -> StoreResult<T> {
    r.map_err(|e| StoreError::Backend(format!("request build: {e}")))
}

pub(crate) fn civility(item: &Item, name: &str) -> StoreResult<Civility> {
    Civility::parse(&req_s(item, name)?).ok_or_else(|| StoreError::Backend("bad civility".into()))
}

impl DynamoStore {
    pub(crate) async fn get(
        &self,
        k: (String, String),
        consistent: bool,
    ) -> StoreResult<Option<Item>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(k)))
            .consistent_read(consistent)
            .send()
            .await
            .map_err(backend)?;
        Ok(out.item)
    }

    /// Every item of one partition, page after page.
    pub(crate) async fn partition(&self, pk: &str, consistent: bool) -> StoreResult<Vec<Item>> {
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", s(pk))
                .consistent_read(consistent)
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

    pub(crate) fn put(&self, item: Item, condition: Option<&str>) -> StoreResult<Put> {
        built(
            Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .set_condition_expression(condition.map(str::to_string))
                .build(),
        )
    }

    pub(crate) async fn transact(&self, items: Vec<TransactWriteItem>) -> StoreResult<()> {
        self.client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
            .map_err(transaction)?;
        Ok(())
    }
}
