//! The outbox (mails waiting for the `mailer` function) and the addresses that bounce. An outbox
//! item is put in the transaction of the change that calls for it; the mailer takes it, then
//! marks it sent or failed, each with a conditional write.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{TransactWriteItem, Update};

use crate::keys::{self, PK, TTL};
use shared::model::Voter;
use shared::outbox::{Bounce, CapKind, Follow, MailPurpose, OutboxItem, OutboxMail, OutboxStatus};
use shared::ports::{Bounces, Mail, OutboxDelivery, StoreError, StoreResult};

use crate::item::*;
use crate::DynamoStore;

/// Outbox items stay this long after they were asked for (delivery figures for the
/// administration), then DynamoDB's TTL removes them.
const KEEP_OUTBOX_SECS: i64 = 180 * 86_400;

impl DynamoStore {
    /// The put of a new outbox item, pending; it must not exist.
    pub(crate) fn put_outbox(&self, mail: &OutboxMail) -> StoreResult<TransactWriteItem> {
        let mut item = key(keys::outbox_key(&mail.id));
        item.insert("type".into(), s("outbox"));
        item.insert("voter_id".into(), s(&mail.voter_id));
        item.insert("purpose".into(), s(mail.purpose.as_str()));
        item.insert("to".into(), s(&mail.mail.to));
        item.insert("subject".into(), s(&mail.mail.subject));
        item.insert("text".into(), s(&mail.mail.text));
        item.insert("html".into(), s(&mail.mail.html));
        item.insert("asked_at_ms".into(), n(mail.asked_at_ms));
        item.insert("status".into(), s(OutboxStatus::Pending.as_str()));
        item.insert("attempts".into(), n(0));
        match &mail.follow {
            Follow::Nothing => {}
            Follow::Link { token_hash, valid_secs, cap, counted_at } => {
                item.insert("token_hash".into(), s(token_hash));
                item.insert("valid_secs".into(), n(valid_secs));
                item.insert("cap".into(), s(cap.as_str()));
                item.insert("counted_at".into(), n(counted_at));
            }
            Follow::Claim { reference } => {
                item.insert("claim_ref".into(), s(reference));
            }
        }
        item.insert(TTL.into(), n(mail.asked_at_ms.div_euclid(1000) + KEEP_OUTBOX_SECS));
        let put = self.put(item, Some("attribute_not_exists(pk)"))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// Marks a taken item done (sent or failed) and removes its text.
    fn outbox_done(
        &self,
        item: &OutboxItem,
        claimed_at_ms: i64,
        set: &str,
        values: Vec<(&str, aws_sdk_dynamodb::types::AttributeValue)>,
    ) -> StoreResult<Update> {
        let mut update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(keys::outbox_key(&item.id))))
            .update_expression(format!("SET {set} REMOVE subject, #text, html"))
            .condition_expression("#status = :sending AND claimed_at_ms = :claimed")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#text", "text")
            .expression_attribute_values(":sending", s(OutboxStatus::Sending.as_str()))
            .expression_attribute_values(":claimed", n(claimed_at_ms));
        for (name, value) in values {
            update = update.expression_attribute_values(name, value);
        }
        built(update.build())
    }
}

pub(crate) fn outbox_from(item: &Item) -> StoreResult<OutboxItem> {
    let pk = req_s(item, PK)?;
    let bad = |what: &str| StoreError::Backend(format!("outbox item: bad {what}"));
    let follow = if let Some(token_hash) = get_s(item, "token_hash") {
        Follow::Link {
            token_hash,
            valid_secs: get_n(item, "valid_secs").unwrap_or(0),
            cap: CapKind::parse(&get_s(item, "cap").unwrap_or_default())
                .ok_or_else(|| bad("cap"))?,
            counted_at: get_n(item, "counted_at").unwrap_or(0),
        }
    } else if let Some(reference) = get_s(item, "claim_ref") {
        Follow::Claim { reference }
    } else {
        Follow::Nothing
    };
    let to = req_s(item, "to")?;
    let mail = match (get_s(item, "subject"), get_s(item, "text"), get_s(item, "html")) {
        (Some(subject), Some(text), Some(html)) => {
            Some(Mail { to: to.clone(), subject, text, html })
        }
        _ => None,
    };
    Ok(OutboxItem {
        id: keys::outbox_id_of(&pk).to_string(),
        voter_id: req_s(item, "voter_id")?,
        purpose: MailPurpose::parse(&req_s(item, "purpose")?).ok_or_else(|| bad("purpose"))?,
        to,
        mail,
        asked_at_ms: get_n(item, "asked_at_ms").unwrap_or(0),
        follow,
        status: OutboxStatus::parse(&req_s(item, "status")?).ok_or_else(|| bad("status"))?,
        attempts: get_n(item, "attempts").unwrap_or(0),
        claimed_at_ms: get_n(item, "claimed_at_ms"),
        accepted_at_ms: get_n(item, "accepted_at_ms"),
        message_id: get_s(item, "message_id"),
        failure: get_s(item, "failure"),
    })
}

pub(crate) fn bounce_from(item: &Item) -> StoreResult<Bounce> {
    Ok(Bounce {
        email: req_s(item, "email")?,
        kind: req_s(item, "kind")?,
        at_ms: get_n(item, "at_ms").unwrap_or(0),
        detail: get_s(item, "detail").unwrap_or_default(),
    })
}

#[async_trait]
impl OutboxDelivery for DynamoStore {
    async fn outbox_item(&self, id: &str) -> StoreResult<Option<OutboxItem>> {
        self.get(keys::outbox_key(id), true).await?.map(|i| outbox_from(&i)).transpose()
    }

    async fn take_for_sending(
        &self,
        id: &str,
        now_ms: i64,
        stale_before_ms: i64,
    ) -> StoreResult<()> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::outbox_key(id))))
            .update_expression("SET #status = :sending, claimed_at_ms = :now ADD attempts :one")
            .condition_expression(
                "#status = :pending OR (#status = :sending AND claimed_at_ms < :stale)",
            )
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":sending", s(OutboxStatus::Sending.as_str()))
            .expression_attribute_values(":pending", s(OutboxStatus::Pending.as_str()))
            .expression_attribute_values(":now", n(now_ms))
            .expression_attribute_values(":stale", n(stale_before_ms))
            .expression_attribute_values(":one", n(1))
            .send()
            .await
            .map_err(conditional)?;
        Ok(())
    }

    async fn put_back(&self, id: &str, claimed_at_ms: i64) -> StoreResult<()> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::outbox_key(id))))
            .update_expression("SET #status = :pending")
            .condition_expression("#status = :sending AND claimed_at_ms = :claimed")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":sending", s(OutboxStatus::Sending.as_str()))
            .expression_attribute_values(":pending", s(OutboxStatus::Pending.as_str()))
            .expression_attribute_values(":claimed", n(claimed_at_ms))
            .send()
            .await
            .map_err(conditional)?;
        Ok(())
    }

    async fn mark_sent(
        &self,
        item: &OutboxItem,
        claimed_at_ms: i64,
        accepted_at_ms: i64,
        message_id: &str,
    ) -> StoreResult<()> {
        let done = self.outbox_done(
            item,
            claimed_at_ms,
            "#status = :sent, accepted_at_ms = :accepted, message_id = :mid",
            vec![
                (":sent", s(OutboxStatus::Sent.as_str())),
                (":accepted", n(accepted_at_ms)),
                (":mid", s(message_id)),
            ],
        )?;
        let mut items = vec![TransactWriteItem::builder().update(done).build()];
        match &item.follow {
            Follow::Link { token_hash, valid_secs, .. } => {
                // The link is valid for its whole time from the moment its mail left, however late
                // that was; a link used or replaced meanwhile is left alone.
                let until = accepted_at_ms.div_euclid(1000) + valid_secs;
                let token = built(
                    Update::builder()
                        .table_name(&self.table)
                        .set_key(Some(key(keys::token_key(token_hash))))
                        .update_expression("SET expires_at = :until, #ttl = :ttl")
                        .condition_expression(
                            "attribute_exists(pk) AND attribute_not_exists(consumed_at) AND expires_at < :until",
                        )
                        .expression_attribute_names("#ttl", TTL)
                        .expression_attribute_values(":until", n(until))
                        .expression_attribute_values(":ttl", n(until + KEEP_AFTER_EXPIRY))
                        .build(),
                )?;
                items.push(TransactWriteItem::builder().update(token).build());
            }
            Follow::Claim { reference } => {
                let claim = self.acknowledge_claim(&item.voter_id, reference)?;
                items.push(TransactWriteItem::builder().update(claim).build());
            }
            Follow::Nothing => {}
        }
        match self.transact(items.clone()).await {
            Err(StoreError::ConditionFailed) if items.len() > 1 => {
                // The link was used or replaced meanwhile (its validity needs no change), or the
                // claim is gone: the mail is marked sent alone.
                self.transact(items[..1].to_vec()).await
            }
            other => other,
        }
    }

    async fn mark_failed(
        &self,
        item: &OutboxItem,
        claimed_at_ms: i64,
        failure: &str,
    ) -> StoreResult<()> {
        let done = self.outbox_done(
            item,
            claimed_at_ms,
            "#status = :failed, failure = :why",
            vec![(":failed", s(OutboxStatus::Failed.as_str())), (":why", s(failure))],
        )?;
        self.transact(vec![TransactWriteItem::builder().update(done).build()]).await
    }

    async fn give_back_cap_place(
        &self,
        voter: &Voter,
        cap: CapKind,
        counted_at: i64,
    ) -> StoreResult<()> {
        let (list, marker, seen, attribute) = match cap {
            CapKind::Mail => {
                (&voter.mail_sent_at, "token_gen", voter.token_generation, "mail_sent_at")
            }
            CapKind::Unlock => (
                &voter.unlock_sent_at,
                "unlock_count",
                u64::from(voter.unlock_count),
                "unlock_sent_at",
            ),
        };
        let mut left = list.clone();
        match left.iter().position(|&t| t == counted_at) {
            Some(i) => {
                left.remove(i);
            }
            None => return Ok(()),
        }
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::voter_key(&voter.roll.voter_id))))
            .update_expression(format!("SET {attribute} = :left"))
            .condition_expression(format!("{marker} = :seen"))
            .expression_attribute_values(":left", numbers(&left))
            .expression_attribute_values(":seen", n(seen))
            .send()
            .await
            .map_err(conditional)?;
        Ok(())
    }
}

#[async_trait]
impl Bounces for DynamoStore {
    async fn record_bounce(&self, bounce: &Bounce) -> StoreResult<()> {
        let mut item = key(keys::bounce_key(&bounce.email));
        item.insert("type".into(), s("bounce"));
        item.insert("email".into(), s(&bounce.email));
        item.insert("kind".into(), s(&bounce.kind));
        item.insert("at_ms".into(), n(bounce.at_ms));
        item.insert("detail".into(), s(&bounce.detail));
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn bounce(&self, email: &str) -> StoreResult<Option<Bounce>> {
        self.get(keys::bounce_key(email), true).await?.map(|i| bounce_from(&i)).transpose()
    }
}
