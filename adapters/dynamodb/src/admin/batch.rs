//! Bulk writes and reads with retries of what DynamoDB left unprocessed or throttled.

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use aws_sdk_dynamodb::types::{KeysAndAttributes, PutRequest, WriteRequest};
use rand::Rng;

use crate::item::*;
use crate::DynamoStore;
use shared::ports::{StoreError, StoreResult};

/// Most requests one BatchWriteItem call may carry.
pub const BATCH_WRITE_MAX: usize = 25;

/// Most keys one BatchGetItem call may carry.
pub const BATCH_GET_MAX: usize = 100;

/// Most actions one TransactWriteItems call may carry.
pub const TRANSACTION_MAX: usize = 100;

/// Exponential backoff with jitter between two sends of what DynamoDB left unprocessed or
/// refused for throttling. `max_attempts` bounds the sends that make no progress in a row.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    pub base: Duration,
    pub cap: Duration,
    pub max_attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { base: Duration::from_millis(25), cap: Duration::from_secs(3), max_attempts: 10 }
    }
}

impl Backoff {
    /// The pause before retry number `attempt` (1 for the first retry): half of the exponential
    /// ceiling, plus a random part of the other half, so that concurrent writers spread out.
    pub fn delay(&self, attempt: u32) -> Duration {
        let ceiling = self.base.saturating_mul(1u32 << attempt.min(16)).min(self.cap);
        let half = ceiling / 2;
        let spread = half.as_micros() as u64;
        half + Duration::from_micros(if spread == 0 {
            0
        } else {
            rand::thread_rng().gen_range(0..=spread)
        })
    }
}

/// What the sends of one bulk request cost.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SendStats {
    /// Calls made, first send and retries together.
    pub calls: u64,
    /// Items DynamoDB returned unprocessed and that were sent again.
    pub unprocessed: u64,
    /// Calls refused as a whole (throttling, network) and made again.
    pub refused: u64,
}

impl SendStats {
    pub fn add(&mut self, other: SendStats) {
        self.calls += other.calls;
        self.unprocessed += other.unprocessed;
        self.refused += other.refused;
    }
}

/// The outcome of one send of a bulk request.
pub enum Sent<T, R> {
    /// DynamoDB answered: what it returned, and what it left for another call.
    Answered { found: Vec<R>, unprocessed: Vec<T> },
    /// The call was refused as a whole for a reason worth waiting for (throttling, network).
    Refused(String),
    /// The call failed for good.
    Failed(StoreError),
}

/// Sends `pending` through `send` until nothing is left, pausing with `backoff` before every
/// retry. Fails after `backoff.max_attempts` sends in a row that made no progress.
pub async fn until_processed<T, R, F, Fut>(
    mut pending: Vec<T>,
    backoff: &Backoff,
    mut send: F,
) -> StoreResult<(Vec<R>, SendStats)>
where
    T: Clone,
    F: FnMut(Vec<T>) -> Fut,
    Fut: Future<Output = Sent<T, R>>,
{
    let mut found = Vec::new();
    let mut stats = SendStats::default();
    let mut retry = 0u32;
    let mut stalled = 0u32;
    while !pending.is_empty() {
        if retry > 0 {
            tokio::time::sleep(backoff.delay(retry)).await;
        }
        stats.calls += 1;
        match send(pending.clone()).await {
            Sent::Answered { found: got, unprocessed } => {
                found.extend(got);
                if unprocessed.is_empty() {
                    break;
                }
                stalled = if unprocessed.len() < pending.len() { 0 } else { stalled + 1 };
                stats.unprocessed += unprocessed.len() as u64;
                pending = unprocessed;
            }
            Sent::Refused(why) => {
                stats.refused += 1;
                stalled += 1;
                if stalled >= backoff.max_attempts {
                    return Err(StoreError::Backend(format!(
                        "{} items not written after {} refused calls: {why}",
                        pending.len(),
                        stalled
                    )));
                }
            }
            Sent::Failed(e) => return Err(e),
        }
        if stalled >= backoff.max_attempts {
            return Err(StoreError::Backend(format!(
                "{} items still unprocessed after {} calls without progress",
                pending.len(),
                stalled
            )));
        }
        retry += 1;
    }
    Ok((found, stats))
}

/// True for the errors a later call may not meet: throttling, a busy service, the network.
pub(crate) fn worth_retrying<E, R>(e: &aws_sdk_dynamodb::error::SdkError<E, R>) -> bool
where
    E: aws_sdk_dynamodb::error::ProvideErrorMetadata,
{
    use aws_sdk_dynamodb::error::SdkError;
    match e {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            true
        }
        SdkError::ServiceError(se) => matches!(
            se.err().code(),
            Some(
                "ProvisionedThroughputExceededException"
                    | "ThrottlingException"
                    | "RequestLimitExceeded"
                    | "InternalServerError"
                    | "ServiceUnavailable"
            )
        ),
        _ => false,
    }
}

pub(crate) fn put_request(item: Item) -> StoreResult<WriteRequest> {
    Ok(WriteRequest::builder()
        .put_request(built(PutRequest::builder().set_item(Some(item)).build())?)
        .build())
}

impl DynamoStore {
    /// Writes at most [`BATCH_WRITE_MAX`] puts or deletes, each on a different item, sending
    /// again what DynamoDB leaves unprocessed. BatchWriteItem checks no condition: callers
    /// decide beforehand what may be overwritten.
    pub async fn batch_write(
        &self,
        writes: Vec<WriteRequest>,
        backoff: &Backoff,
    ) -> StoreResult<SendStats> {
        if writes.len() > BATCH_WRITE_MAX {
            return Err(StoreError::Backend(format!(
                "{} writes in one batch (at most {BATCH_WRITE_MAX})",
                writes.len()
            )));
        }
        let (_, stats) =
            until_processed(writes, backoff, |pending: Vec<WriteRequest>| async move {
                match self
                    .client
                    .batch_write_item()
                    .request_items(self.table.clone(), pending)
                    .send()
                    .await
                {
                    Ok(out) => Sent::Answered {
                        found: Vec::<()>::new(),
                        unprocessed: out
                            .unprocessed_items
                            .and_then(|mut m| m.remove(&self.table))
                            .unwrap_or_default(),
                    },
                    Err(e) if worth_retrying(&e) => {
                        Sent::Refused(aws_sdk_dynamodb::error::DisplayErrorContext(&e).to_string())
                    }
                    Err(e) => Sent::Failed(backend(e)),
                }
            })
            .await?;
        Ok(stats)
    }

    /// Reads at most [`BATCH_GET_MAX`] items with strong consistency, sending again the keys
    /// DynamoDB leaves unprocessed. Missing items are simply absent from the answer.
    pub async fn batch_get(
        &self,
        keys: &[(String, String)],
        projection: &[&str],
        backoff: &Backoff,
    ) -> StoreResult<(Vec<Item>, SendStats)> {
        if keys.len() > BATCH_GET_MAX {
            return Err(StoreError::Backend(format!(
                "{} keys in one batch read (at most {BATCH_GET_MAX})",
                keys.len()
            )));
        }
        let names: HashMap<String, String> =
            projection.iter().enumerate().map(|(i, p)| (format!("#p{i}"), p.to_string())).collect();
        let expression =
            (0..projection.len()).map(|i| format!("#p{i}")).collect::<Vec<_>>().join(", ");
        let key_maps: Vec<Item> = keys.iter().cloned().map(key).collect();
        until_processed(key_maps, backoff, |pending: Vec<Item>| {
            let names = names.clone();
            let expression = expression.clone();
            async move {
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(pending))
                    .consistent_read(true)
                    .set_projection_expression((!expression.is_empty()).then_some(expression))
                    .set_expression_attribute_names((!names.is_empty()).then_some(names))
                    .build();
                let request = match request {
                    Ok(r) => r,
                    Err(e) => {
                        return Sent::Failed(StoreError::Backend(format!("request build: {e}")))
                    }
                };
                match self
                    .client
                    .batch_get_item()
                    .request_items(self.table.clone(), request)
                    .send()
                    .await
                {
                    Ok(out) => Sent::Answered {
                        found: out
                            .responses
                            .and_then(|mut m| m.remove(&self.table))
                            .unwrap_or_default(),
                        unprocessed: out
                            .unprocessed_keys
                            .and_then(|mut m| m.remove(&self.table))
                            .map(|k| k.keys)
                            .unwrap_or_default(),
                    },
                    Err(e) if worth_retrying(&e) => {
                        Sent::Refused(aws_sdk_dynamodb::error::DisplayErrorContext(&e).to_string())
                    }
                    Err(e) => Sent::Failed(backend(e)),
                }
            }
        })
        .await
    }
}
