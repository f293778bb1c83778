//! Guesses at a secret (a password, a secret answer), counted on a budget before the secret is
//! checked. A browser the voter has shown to be theirs (its device cookie) has a budget of its own;
//! every other client shares the account's. Failures decay, so that a rare wrong guess never adds
//! up to a lock, and locks grow from one minute, doubling, up to a ceiling per kind.

use std::sync::Arc;

use secrecy::SecretString;

use super::{Wiring, DAY};
use crate::config::Config;
use crate::error::DomainError;
use crate::model::{DeviceRecord, FailureKind, Failures, Voter};
use crate::ports::{Attempt, Budget, Devices, FailureCounters, StoreError};
use crate::tokens;
use crate::validate::RawToken;

/// Longest wait imposed after failed logins: a day.
pub const LOGIN_MAX_DELAY: i64 = DAY;
/// Longest wait imposed after wrong secret answers: an hour, since the answer gates the réassort.
pub const ANSWER_MAX_DELAY: i64 = 3600;

/// Delay imposed after `failures` failures in force: none for the first free attempts, then one
/// minute doubling each time, up to `max` seconds.
pub fn lock_delay(failures: u32, free_attempts: u32, max: i64) -> i64 {
    if failures < free_attempts {
        return 0;
    }
    let exp = (failures - free_attempts).min(20);
    (60i64 << exp).min(max)
}

/// The budget an attempt is counted on, as read.
#[derive(Debug, Clone)]
pub struct Counted {
    pub budget: Budget,
    pub failures: Failures,
    /// The trusted browser the attempt came from, if any.
    pub device: Option<DeviceRecord>,
}

/// What an attempt may do once counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// The secret may be checked; the attempt is already counted as a failure.
    Check(Attempt),
    /// Refused unchecked: a lock runs, or another attempt was counted first.
    Refused,
}

pub struct Guesses {
    failures: Arc<dyn FailureCounters>,
    devices: Arc<dyn Devices>,
    config: Config,
}

impl Guesses {
    pub fn new<S: FailureCounters + Devices + 'static>(w: &Wiring<S>) -> Self {
        Guesses { failures: w.store.clone(), devices: w.store.clone(), config: w.config.clone() }
    }

    /// The trusted browser behind a device cookie, if it is one of `voter`'s and still valid.
    pub async fn trusted_device(
        &self,
        voter: &Voter,
        cookie: Option<&str>,
        now: i64,
    ) -> Result<Option<DeviceRecord>, DomainError> {
        let Some(cookie) = cookie.filter(|c| c.len() == RawToken::LEN) else {
            return Ok(None);
        };
        let device = self.devices.device(&tokens::hash_token(cookie)).await?;
        Ok(device.filter(|d| d.voter_id == voter.roll.voter_id && d.expires_at > now))
    }

    /// The budget of an attempt of `kind` on `voter`'s account from the browser holding `cookie`.
    pub async fn budget(
        &self,
        voter: &Voter,
        cookie: Option<&str>,
        kind: FailureKind,
        now: i64,
    ) -> Result<Counted, DomainError> {
        Ok(match self.trusted_device(voter, cookie, now).await? {
            Some(device) => Counted {
                budget: Budget::Device { hash: device.hash.clone() },
                failures: device.failures(kind),
                device: Some(device),
            },
            None => Counted {
                budget: Budget::Account { voter_id: voter.roll.voter_id.clone() },
                failures: voter.failures(kind),
                device: None,
            },
        })
    }

    /// Counts an attempt as a failure before its secret is checked, on the count just read: of
    /// guesses sent together on one budget, one is checked and the others are refused unchecked.
    pub async fn reserve(
        &self,
        counted: &Counted,
        kind: FailureKind,
        now: i64,
    ) -> Result<Reservation, DomainError> {
        let f = counted.failures;
        if f.locked_until > now {
            return Ok(Reservation::Refused);
        }
        let decay = self.config.failure_decay.as_secs() as i64;
        let next = f.effective(now, decay) + 1;
        let max = match kind {
            FailureKind::Login => LOGIN_MAX_DELAY,
            FailureKind::Answer => ANSWER_MAX_DELAY,
        };
        let attempt = Attempt {
            seen: f.count,
            seen_at: f.last_at,
            next,
            now,
            locked_until: now + lock_delay(next, self.config.free_attempts, max),
        };
        match self.failures.reserve_attempt(&counted.budget, kind, &attempt).await {
            Ok(()) => Ok(Reservation::Check(attempt)),
            Err(StoreError::ConditionFailed | StoreError::TransactionConflict) => {
                Ok(Reservation::Refused)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Gives back an attempt whose secret was right (best effort: a failure is only logged).
    pub async fn give_back(&self, counted: &Counted, kind: FailureKind, attempt: &Attempt) {
        let given_back = self
            .failures
            .release_attempt(&counted.budget, kind, attempt, counted.failures.locked_until)
            .await;
        if let Err(e) = given_back {
            tracing::info!(error = %e, "right secret, attempt not given back");
        }
    }
}

/// A browser just trusted: the record to store and the secret for its cookie.
pub struct NewDevice {
    pub record: DeviceRecord,
    pub secret: SecretString,
}

impl std::fmt::Debug for NewDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewDevice")
            .field("record", &self.record)
            .field("secret", &"[REDACTED]")
            .finish()
    }
}

/// A new trusted browser of `voter_id`, with fresh budgets, not yet stored.
pub fn new_device(voter_id: &str, now: i64, config: &Config) -> NewDevice {
    let secret = tokens::new_secret();
    let record = DeviceRecord {
        hash: tokens::hash_secret(&secret),
        voter_id: voter_id.to_string(),
        created_at: now,
        expires_at: now + config.device_ttl.as_secs() as i64,
        login: Failures::default(),
        answer: Failures::default(),
    };
    NewDevice { record, secret }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_decay_one_per_period_without_failure() {
        let f = Failures { count: 5, locked_until: 1_000, last_at: 1_000 };
        assert_eq!(f.effective(1_000, 3600), 5);
        assert_eq!(f.effective(1_000 + 3599, 3600), 5);
        assert_eq!(f.effective(1_000 + 3600, 3600), 4);
        assert_eq!(f.effective(1_000 + 5 * 3600, 3600), 0);
        assert_eq!(f.effective(1_000 + 500 * 3600, 3600), 0);
    }
}
