//! Voter profiles: reading them by id and by identifier, and their failure counters.

use async_trait::async_trait;

use crate::keys;
use shared::model::{AccountStatus, Failures, RollVoter, Voter};
use shared::ports::{Attempt, Budget, FailureCounters, FailureKind, StoreResult, Voters};

use crate::item::*;
use crate::DynamoStore;

pub(crate) fn voter_from(item: &Item) -> StoreResult<Voter> {
    let scrutins = item
        .get("scrutins")
        .and_then(|v| v.as_l().ok())
        .map(|l| l.iter().filter_map(|x| x.as_s().ok().cloned()).collect())
        .unwrap_or_default();
    Ok(Voter {
        roll: RollVoter {
            voter_id: req_s(item, "voter_id")?,
            email: req_s(item, "email")?,
            civility: civility(item, "civility")?,
            first_name: req_s(item, "first_name")?,
            last_name: req_s(item, "last_name")?,
            scrutins,
        },
        status: if get_s(item, "status").as_deref() == Some("active") {
            AccountStatus::Active
        } else {
            AccountStatus::NotActivated
        },
        password_hash: get_s(item, "password_hash"),
        question_id: get_n(item, "question_id"),
        answer_hash: get_s(item, "answer_hash"),
        token_generation: get_n(item, "token_gen").unwrap_or(0),
        credentials_version: get_n(item, "cred_version").unwrap_or(0),
        mail_sent_at: get_numbers(item, "mail_sent_at"),
        failed_logins: get_n(item, "failed_logins").unwrap_or(0),
        login_locked_until: get_n(item, "login_locked_until").unwrap_or(0),
        failed_logins_at: get_n(item, "failed_logins_at").unwrap_or(0),
        failed_answers: get_n(item, "failed_answers").unwrap_or(0),
        answer_locked_until: get_n(item, "answer_locked_until").unwrap_or(0),
        failed_answers_at: get_n(item, "failed_answers_at").unwrap_or(0),
        unlock_sent_at: get_numbers(item, "unlock_sent_at"),
        unlock_count: get_n(item, "unlock_count").unwrap_or(0),
        accesses_without_activation: get_n(item, "skip_count").unwrap_or(0),
        claims_filed: get_n(item, "claim_count").unwrap_or(0),
    })
}

#[async_trait]
impl Voters for DynamoStore {
    async fn voter_id_for_email(&self, email: &str) -> StoreResult<Option<String>> {
        Ok(self.get(keys::email_key(email), true).await?.and_then(|i| get_s(&i, "voter_id")))
    }

    async fn voter(&self, voter_id: &str) -> StoreResult<Option<Voter>> {
        self.get(keys::voter_key(voter_id), true).await?.map(|i| voter_from(&i)).transpose()
    }
}

/// The item holding a budget's counters: the voter's profile, or a trusted browser's item. Both
/// name the counters alike.
pub(crate) fn budget_key(budget: &Budget) -> (String, String) {
    match budget {
        Budget::Account { voter_id } => keys::voter_key(voter_id),
        Budget::Device { hash } => keys::device_key(hash),
    }
}

/// The counter, lock and last-failure attributes of a kind of failure, on either item.
pub(crate) fn failure_attributes(kind: FailureKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        FailureKind::Login => ("failed_logins", "login_locked_until", "failed_logins_at"),
        FailureKind::Answer => ("failed_answers", "answer_locked_until", "failed_answers_at"),
    }
}

/// The failures of a kind as an item stores them (absent attributes read as none).
pub(crate) fn failures_from(item: &Item, kind: FailureKind) -> Failures {
    let (count, until, at) = failure_attributes(kind);
    Failures {
        count: get_n(item, count).unwrap_or(0),
        locked_until: get_n(item, until).unwrap_or(0),
        last_at: get_n(item, at).unwrap_or(0),
    }
}

#[async_trait]
impl FailureCounters for DynamoStore {
    async fn reserve_attempt(
        &self,
        budget: &Budget,
        kind: FailureKind,
        attempt: &Attempt,
    ) -> StoreResult<()> {
        let (count, until, at) = failure_attributes(kind);
        // An absent counter reads as 0 and an absent lock as none.
        let seen = if attempt.seen == 0 {
            format!("(attribute_not_exists({count}) OR {count} = :seen)")
        } else {
            format!("{count} = :seen")
        };
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(budget_key(budget))))
            .update_expression(format!("SET {count} = :next, {until} = :until, {at} = :now"))
            .condition_expression(format!(
                "attribute_exists(pk) AND {seen} AND (attribute_not_exists({until}) OR {until} <= :now)"
            ))
            .expression_attribute_values(":seen", n(attempt.seen))
            .expression_attribute_values(":next", n(attempt.next))
            .expression_attribute_values(":until", n(attempt.locked_until))
            .expression_attribute_values(":now", n(attempt.now))
            .send()
            .await
            .map_err(conditional)?;
        Ok(())
    }

    async fn release_attempt(
        &self,
        budget: &Budget,
        kind: FailureKind,
        attempt: &Attempt,
        lock_before: i64,
    ) -> StoreResult<()> {
        let (count, until, at) = failure_attributes(kind);
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(budget_key(budget))))
            .update_expression(format!("SET {count} = :seen, {until} = :before, {at} = :at"))
            .condition_expression(format!("attribute_exists(pk) AND {count} = :next"))
            .expression_attribute_values(":seen", n(attempt.seen))
            .expression_attribute_values(":next", n(attempt.next))
            .expression_attribute_values(":before", n(lock_before))
            .expression_attribute_values(":at", n(attempt.seen_at))
            .send()
            .await
            .map_err(conditional)?;
        Ok(())
    }
}
