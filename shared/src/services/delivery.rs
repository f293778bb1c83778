//! `mailer`: delivers the outbox. Each item is taken with a conditional write before it is sent
//! and marked sent or failed with another, so that a stream record delivered twice sends one mail;
//! the sending rate is kept by a pacer, and throttling is waited out rather than failed.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

use super::Wiring;
use crate::config::Config;
use crate::error::DomainError;
use crate::outbox::{Bounce, Follow, OutboxItem, OutboxStatus};
use crate::ports::{Bounces, Clock, Mailer, OutboxDelivery, StoreError, Voters};
use crate::texts;

/// What became of one outbox item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivered {
    /// SES accepted it now.
    Sent,
    /// Sent or failed already, or unknown: nothing to do (a record delivered twice).
    Done,
    /// Given up for good; the reason is recorded on the item.
    Failed(String),
    /// Not sent now (SES unreachable or still throttling, or another mailer holds it): the
    /// stream delivers the record again later.
    Retry(String),
}

/// Keeps one instance's sends at most `rate` a second, evenly spaced.
struct Pacer {
    every: Duration,
    next: Mutex<Instant>,
}

impl Pacer {
    fn new(rate: u32) -> Self {
        Pacer {
            every: Duration::from_secs_f64(1.0 / f64::from(rate.max(1))),
            next: Mutex::new(Instant::now()),
        }
    }

    async fn wait(&self) {
        let at = {
            let mut next = self.next.lock().await;
            let at = (*next).max(Instant::now());
            *next = at + self.every;
            at
        };
        tokio::time::sleep_until(at).await;
    }
}

pub struct Delivery {
    outbox: Arc<dyn OutboxDelivery>,
    bounces: Arc<dyn Bounces>,
    voters: Arc<dyn Voters>,
    mailer: Arc<dyn Mailer>,
    clock: Arc<dyn Clock>,
    pacer: Pacer,
    pub config: Config,
}

impl Delivery {
    pub fn new<S: OutboxDelivery + Bounces + Voters + 'static>(w: &Wiring<S>) -> Self {
        Delivery {
            outbox: w.store.clone(),
            bounces: w.store.clone(),
            voters: w.store.clone(),
            mailer: w.mailer.clone(),
            clock: w.clock.clone(),
            pacer: Pacer::new(w.config.mail_send_rate),
            config: w.config.clone(),
        }
    }

    fn now_ms(&self) -> i64 {
        self.clock.now().timestamp_millis()
    }

    /// Delivers the outbox item `id`, once.
    pub async fn deliver(&self, id: &str) -> Result<Delivered, DomainError> {
        let Some(item) = self.outbox.outbox_item(id).await? else {
            tracing::warn!(outbox_id = id, "outbox record of no item");
            return Ok(Delivered::Done);
        };
        let now = self.now_ms();
        let lease = self.config.mail_lease.as_millis() as i64;
        match item.status {
            OutboxStatus::Sent | OutboxStatus::Failed => return Ok(Delivered::Done),
            OutboxStatus::Sending if item.claimed_at_ms.unwrap_or(0) > now - lease => {
                return Ok(Delivered::Retry("taken by another mailer".into()));
            }
            OutboxStatus::Pending | OutboxStatus::Sending => {}
        }
        match self.outbox.take_for_sending(id, now, now - lease).await {
            Ok(()) => {}
            Err(StoreError::ConditionFailed | StoreError::TransactionConflict) => {
                return Ok(Delivered::Retry("taken by another mailer".into()));
            }
            Err(e) => return Err(e.into()),
        }
        let Some(mail) = item.mail.clone() else {
            return self.fail(&item, now, "mail without content").await;
        };
        if let Some(bounce) = self.bounces.bounce(&item.to).await? {
            let reason = format!("{} ({})", texts::ADDRESS_BOUNCING, bounce.kind);
            return self.fail(&item, now, &reason).await;
        }
        let mut waited = Duration::ZERO;
        let result = loop {
            self.pacer.wait().await;
            match self.mailer.send(&mail).await {
                Err(e) if e.throttled && waited < self.config.mail_throttle_wait => {
                    // SES's rate or quota: wait and try again, within this delivery.
                    let pause = Duration::from_millis(200).max(waited);
                    tokio::time::sleep(pause).await;
                    waited += pause;
                }
                other => break other,
            }
        };
        match result {
            Ok(message_id) => {
                let accepted = self.now_ms();
                match self.outbox.mark_sent(&item, now, accepted, &message_id).await {
                    Ok(()) => {}
                    Err(e) => {
                        // Sent, but not marked: the lease runs out and a later delivery would
                        // send it again. Logged loudly: a rare duplicate, never a lost mail.
                        tracing::error!(outbox_id = id, error = %e, "mail sent but not marked sent");
                    }
                }
                tracing::info!(
                    outbox_id = id,
                    purpose = item.purpose.as_str(),
                    delay_ms = accepted - item.asked_at_ms,
                    "mail accepted by SES"
                );
                Ok(Delivered::Sent)
            }
            Err(e) if e.permanent => self.fail(&item, now, &e.message).await,
            Err(e) => {
                tracing::warn!(outbox_id = id, error = %e, "mail not sent, to be tried again");
                if let Err(back) = self.outbox.put_back(id, now).await {
                    tracing::warn!(outbox_id = id, error = %back, "mail not put back; the lease frees it");
                }
                Ok(Delivered::Retry(e.message))
            }
        }
    }

    /// Marks an item failed for good and, for a link, gives its place in the voter's cap back, so
    /// that the voter can ask again at once; the link itself was never delivered.
    async fn fail(
        &self,
        item: &OutboxItem,
        claimed_at_ms: i64,
        reason: &str,
    ) -> Result<Delivered, DomainError> {
        match self.outbox.mark_failed(item, claimed_at_ms, reason).await {
            Ok(()) => {}
            Err(StoreError::ConditionFailed | StoreError::TransactionConflict) => {
                return Ok(Delivered::Done);
            }
            Err(e) => return Err(e.into()),
        }
        tracing::error!(outbox_id = %item.id, purpose = item.purpose.as_str(), reason, "mail_send_failed");
        if let Follow::Link { cap, counted_at, .. } = &item.follow {
            for _ in 0..3 {
                let Some(voter) = self.voters.voter(&item.voter_id).await? else { break };
                match self.outbox.give_back_cap_place(&voter, *cap, *counted_at).await {
                    Err(StoreError::ConditionFailed | StoreError::TransactionConflict) => continue,
                    Err(e) => return Err(e.into()),
                    Ok(()) => break,
                }
            }
        }
        Ok(Delivered::Failed(reason.to_string()))
    }

    /// An SES event (through SNS) that an address bounces for good or that its holder complained.
    pub async fn record_bounce(&self, bounce: &Bounce) -> Result<(), DomainError> {
        self.bounces.record_bounce(bounce).await?;
        tracing::warn!(kind = %bounce.kind, "address marked bouncing");
        Ok(())
    }
}
