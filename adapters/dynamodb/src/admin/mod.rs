//! What the administration does to the table and no function does: bulk reads and writes of the
//! roll (BatchGetItem, BatchWriteItem with retries of what DynamoDB left unprocessed), the
//! replacement of a voter's roll data or of a ballot in one transaction, the removal of a voter,
//! the follow-up of claims, statistics, and the journal of administrative actions.
//!
//! Used by `electeur-admin` only. Item layouts are those of the item families of the crate: a profile written
//! here reads back through [`shared::ports::Voters::voter`], a ballot through
//! [`shared::ports::Ballots::scrutins`], a calendar through [`shared::ports::Calendars::calendar`].

mod ballots;
mod batch;
mod claims;
mod demo;
mod journal;
mod mail;
mod stats;
mod voters;

pub use batch::*;
pub use claims::*;
pub use demo::*;
pub use journal::*;
pub use stats::*;
pub use voters::*;

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use aws_sdk_dynamodb::types::AttributeValue;

    use super::*;
    use crate::item::{n, s, Item};
    use shared::ports::StoreError;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn quick() -> Backoff {
        Backoff { base: Duration::from_millis(1), cap: Duration::from_millis(4), max_attempts: 4 }
    }

    #[test]
    fn delays_grow_then_stay_under_the_cap() {
        let b = Backoff {
            base: Duration::from_millis(10),
            cap: Duration::from_millis(200),
            max_attempts: 5,
        };
        for attempt in 1..20 {
            let d = b.delay(attempt);
            let ceiling = Duration::from_millis(10 * (1u64 << attempt.min(16)))
                .min(Duration::from_millis(200));
            assert!(d >= ceiling / 2 && d <= ceiling, "attempt {attempt}: {d:?}");
        }
    }

    #[tokio::test]
    async fn unprocessed_items_are_sent_again_until_done() {
        let calls = AtomicU32::new(0);
        let (found, stats) = until_processed((0..10).collect::<Vec<u32>>(), &quick(), |pending| {
            let call = calls.fetch_add(1, Ordering::SeqCst);
            async move {
                // the first two calls leave half of what they got
                let keep = if call < 2 { pending.len() / 2 } else { 0 };
                let (unprocessed, done) = pending.split_at(keep);
                Sent::Answered { found: done.to_vec(), unprocessed: unprocessed.to_vec() }
            }
        })
        .await
        .unwrap();
        let mut found = found;
        found.sort();
        assert_eq!(found, (0..10).collect::<Vec<u32>>());
        assert_eq!(stats.calls, 3);
        assert_eq!(stats.unprocessed, 5 + 2);
    }

    #[tokio::test]
    async fn refused_calls_are_retried_then_given_up() {
        let calls = AtomicU32::new(0);
        let result = until_processed(vec![1u32, 2], &quick(), |_pending| {
            calls.fetch_add(1, Ordering::SeqCst);
            async { Sent::<u32, u32>::Refused("throttled".into()) }
        })
        .await;
        assert!(matches!(result, Err(StoreError::Backend(m)) if m.contains("throttled")));
        assert_eq!(calls.load(Ordering::SeqCst), 4);

        let calls = AtomicU32::new(0);
        let (found, stats) = until_processed(vec![1u32, 2], &quick(), |pending| {
            let call = calls.fetch_add(1, Ordering::SeqCst);
            async move {
                if call < 2 {
                    Sent::Refused("throttled".into())
                } else {
                    Sent::Answered { found: pending, unprocessed: vec![] }
                }
            }
        })
        .await
        .unwrap();
        assert_eq!(found, vec![1, 2]);
        assert_eq!(stats, SendStats { calls: 3, unprocessed: 0, refused: 2 });
    }

    #[tokio::test]
    async fn a_batch_that_never_progresses_fails() {
        let result = until_processed(vec![1u32], &quick(), |pending| async move {
            Sent::<u32, u32>::Answered { found: vec![], unprocessed: pending }
        })
        .await;
        assert!(matches!(result, Err(StoreError::Backend(m)) if m.contains("unprocessed")));
    }

    #[test]
    fn stats_count_voters_and_claims_by_ballot() {
        let mut stats = TableStats::default();
        let voter = |status: &str, skips: u32, scrutins: &[&str]| {
            let mut item = Item::new();
            item.insert("type".into(), s("voter"));
            item.insert("status".into(), s(status));
            item.insert("skip_count".into(), n(skips));
            item.insert(
                "scrutins".into(),
                AttributeValue::L(scrutins.iter().map(|x| s(*x)).collect()),
            );
            item
        };
        stats.count(&voter("active", 0, &["A", "B"]));
        stats.count(&voter("not_activated", 2, &["A"]));
        stats.count(&voter("active", 1, &["B"]));
        let mut claim = Item::new();
        claim.insert("type".into(), s("claim"));
        claim.insert("status".into(), s("open"));
        claim.insert("scrutin_id".into(), s("A"));
        stats.count(&claim);
        claim.remove("scrutin_id");
        claim.insert("status".into(), s("answered"));
        stats.count(&claim);
        assert_eq!(
            stats.total,
            Counts {
                voters: 3,
                activated: 2,
                entered_without_activation: 1,
                accesses_without_activation: 3,
                claims_open: 1,
                claims_answered: 1
            }
        );
        assert_eq!(
            stats.by_scrutin["A"],
            Counts {
                voters: 2,
                activated: 1,
                entered_without_activation: 1,
                accesses_without_activation: 2,
                claims_open: 1,
                claims_answered: 0
            }
        );
        assert_eq!(stats.general.claims_answered, 1);
    }
}
