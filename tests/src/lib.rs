//! Helpers of the black-box suite. The tests talk to the running API over HTTP as a browser
//! would, read the mails the SES emulator caught, and seed their own voters on the roll, so that
//! every test starts from a state nobody else touches.
//!
//! Start the local stack and the suite with `scripts/test.sh`; the addresses come from
//! `API_BASE_URL`, `SES_BASE_URL`, `PORTAL_BASE_URL`, `TABLE_NAME` and the standard AWS
//! environment.

pub mod api;
pub mod calendar;
pub mod contract;
pub mod flows;
pub mod mail;
pub mod vote;
pub mod voters;

pub use api::{Api, Reply, Session, SetCookie, SESSION_COOKIE};
pub use mail::{latest_mail_to, link_in, mails_to, Link, Mail};
pub use voters::{seed_voter, seed_voter_named, seed_voter_on, unknown_identifier, Secrets, Voter};

/// Median of durations or other ordered figures (the upper one for an even count).
pub fn median<T: Copy + Ord>(values: &[T]) -> T {
    let mut sorted = values.to_vec();
    sorted.sort();
    sorted[sorted.len() / 2]
}

/// Runs the tests of one binary one at a time where they must not overlap (the election
/// calendar is global; timings want a quiet stack). Hold the guard for the whole test.
pub async fn one_at_a_time() -> tokio::sync::MutexGuard<'static, ()> {
    static LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    LOCK.lock().await
}
