//! The security trail of each voter: what happened to their account, when, and nothing secret.
//!
//! An event is written in the same atomic write as the change it records wherever there is one
//! (the adapters add it to the change's transaction: a refused change leaves no event, and no event
//! appears without its change). The one exception is a failure found by a check: a wrong password
//! or a wrong answer is known only after the attempt was reserved, so `login_failed` and the
//! `locked` it may bring are written afterwards, in a write of their own ([`record_failure`]).
//! An event never holds a password, an answer, a token, a cookie, an address or an IP address:
//! its kind, its time and at most a short non-secret detail (the kind of session, a claim
//! reference, which counter locked). Every event expires through the store's TTL after the
//! retention of the configuration (`AUDIT_RETENTION_SECS`, `docs/security.md`).

use async_trait::async_trait;

use crate::ports::{Attempt, FailureKind, StoreResult};
use crate::texts;

/// What happened. The codes are stable: they are stored, shown by `electeur-admin` and returned by
/// the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditKind {
    /// An activation link was mailed.
    ActivationAsked,
    /// The account was activated (password, question and answer saved); a session opened.
    AccountActivated,
    /// A session opened from an activation link without activating.
    AccessWithoutActivation,
    /// A session opened after a right password.
    LoginSucceeded,
    /// A password was checked and was wrong.
    LoginFailed,
    /// A wrong password or answer set a delay before the next attempt.
    Locked,
    /// A réassort lifted a delay that was running.
    Unlocked,
    /// A réassort link was mailed (the answer was right).
    ReassortAsked,
    /// A réassort link replaced the password; a session opened, every other one ended.
    ReassortUsed,
    /// The voter logged out.
    SessionEnded,
    /// A claim was filed.
    ClaimFiled,
    /// The administration changed the voter's address on the roll.
    AddressChanged,
    /// An unlock link was mailed.
    UnlockAsked,
    /// A browser became trusted through an unlock link.
    DeviceTrusted,
    /// A vote was recorded in a scrutin (the detail names the scrutin; nothing of the ballot).
    VoteRecorded,
}

impl AuditKind {
    pub const ALL: [AuditKind; 15] = [
        AuditKind::ActivationAsked,
        AuditKind::AccountActivated,
        AuditKind::AccessWithoutActivation,
        AuditKind::LoginSucceeded,
        AuditKind::LoginFailed,
        AuditKind::Locked,
        AuditKind::Unlocked,
        AuditKind::ReassortAsked,
        AuditKind::ReassortUsed,
        AuditKind::SessionEnded,
        AuditKind::ClaimFiled,
        AuditKind::AddressChanged,
        AuditKind::UnlockAsked,
        AuditKind::DeviceTrusted,
        AuditKind::VoteRecorded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AuditKind::ActivationAsked => "activation_asked",
            AuditKind::AccountActivated => "account_activated",
            AuditKind::AccessWithoutActivation => "access_without_activation",
            AuditKind::LoginSucceeded => "login_succeeded",
            AuditKind::LoginFailed => "login_failed",
            AuditKind::Locked => "locked",
            AuditKind::Unlocked => "unlocked",
            AuditKind::ReassortAsked => "reassort_asked",
            AuditKind::ReassortUsed => "reassort_used",
            AuditKind::SessionEnded => "session_ended",
            AuditKind::ClaimFiled => "claim_filed",
            AuditKind::AddressChanged => "address_changed",
            AuditKind::UnlockAsked => "unlock_asked",
            AuditKind::DeviceTrusted => "device_trusted",
            AuditKind::VoteRecorded => "vote_recorded",
        }
    }

    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == code)
    }

    /// The French label shown to voters and to the administration.
    pub fn label(self) -> &'static str {
        texts::audit_label(self)
    }

    /// The event of a link mailed for `purpose`.
    pub fn asked(purpose: crate::model::TokenPurpose) -> Self {
        match purpose {
            crate::model::TokenPurpose::Activation => AuditKind::ActivationAsked,
            crate::model::TokenPurpose::Reassort => AuditKind::ReassortAsked,
            crate::model::TokenPurpose::Unlock => AuditKind::UnlockAsked,
        }
    }

    /// The events that open a session: the connections a voter is shown, to notice one that was
    /// not theirs.
    pub fn is_connection(self) -> bool {
        matches!(
            self,
            AuditKind::LoginSucceeded
                | AuditKind::AccountActivated
                | AuditKind::AccessWithoutActivation
                | AuditKind::ReassortUsed
        )
    }
}

/// One event of a voter's trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    pub voter_id: String,
    pub kind: AuditKind,
    /// Epoch seconds.
    pub at: i64,
    /// A short detail that is never a secret: the kind of session, a claim reference, the counter
    /// that locked.
    pub detail: Option<String>,
}

impl AuditEvent {
    pub fn new(voter_id: &str, kind: AuditKind, at: i64, detail: Option<&str>) -> Self {
        AuditEvent { voter_id: voter_id.to_string(), kind, at, detail: detail.map(str::to_string) }
    }

    /// When the store may delete the event: its time plus the retention.
    pub fn expires_at(&self, retention_secs: u64) -> i64 {
        self.at.saturating_add(i64::try_from(retention_secs).unwrap_or(i64::MAX))
    }
}

/// The retention of the trail when `AUDIT_RETENTION_SECS` is not set: 180 days (see
/// `docs/security.md`).
pub const DEFAULT_RETENTION_SECS: u64 = 180 * 24 * 3600;

/// How many connections the welcome page shows.
pub const LAST_CONNECTIONS: usize = 5;

/// The trail: the events the change writes do not carry (a failure found by a check), and reading
/// a voter's events back.
#[async_trait]
pub trait AuditTrail: Send + Sync {
    /// Writes one event alone (unconditional; only for failures found after the attempt's write).
    async fn record_event(&self, event: &AuditEvent) -> StoreResult<()>;
    /// The voter's `limit` latest events, newest first, those of `kinds` only (every kind when
    /// empty).
    async fn trail(
        &self,
        voter_id: &str,
        kinds: &[AuditKind],
        limit: usize,
    ) -> StoreResult<Vec<AuditEvent>>;
}

/// The detail of a `locked` event: which counter locked.
pub fn lock_detail(kind: FailureKind) -> &'static str {
    match kind {
        FailureKind::Login => "login",
        FailureKind::Answer => "answer",
    }
}

/// After a secret checked wrong on a reserved `attempt`: records `login_failed` for a password,
/// and `locked` when the failure left a delay. Never fails the request: a trail that cannot be
/// written is logged (without the secret) and the voter gets the same answer.
pub async fn record_failure(
    trail: &dyn AuditTrail,
    voter_id: &str,
    kind: FailureKind,
    attempt: &Attempt,
) {
    let mut events = Vec::new();
    if kind == FailureKind::Login {
        events.push(AuditEvent::new(voter_id, AuditKind::LoginFailed, attempt.now, None));
    }
    if attempt.locked_until > attempt.now {
        events.push(AuditEvent::new(
            voter_id,
            AuditKind::Locked,
            attempt.now,
            Some(lock_detail(kind)),
        ));
    }
    for event in events {
        if let Err(e) = trail.record_event(&event).await {
            tracing::warn!(voter_id, kind = event.kind.as_str(), error = %e, "audit event not written");
        }
    }
}

/// After a réassort replaced the password (and cleared the counters): records `unlocked` when a
/// delay was running on the account as read before.
pub async fn record_unlock(trail: &dyn AuditTrail, voter: &crate::model::Voter, now: i64) {
    let locks = [
        (voter.login_locked_until, FailureKind::Login),
        (voter.answer_locked_until, FailureKind::Answer),
    ];
    for (until, kind) in locks {
        if until > now {
            let event = AuditEvent::new(
                &voter.roll.voter_id,
                AuditKind::Unlocked,
                now,
                Some(lock_detail(kind)),
            );
            if let Err(e) = trail.record_event(&event).await {
                tracing::warn!(voter_id = %voter.roll.voter_id, error = %e, "audit event not written");
            }
        }
    }
}

/// The kinds of event that open a session (see [`AuditKind::is_connection`]).
pub fn connection_kinds() -> Vec<AuditKind> {
    AuditKind::ALL.into_iter().filter(|k| k.is_connection()).collect()
}

/// The voter's [`LAST_CONNECTIONS`] latest connections, newest first.
pub async fn last_connections(
    trail: &dyn AuditTrail,
    voter_id: &str,
) -> StoreResult<Vec<AuditEvent>> {
    trail.trail(voter_id, &connection_kinds(), LAST_CONNECTIONS).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_every_kind_has_a_label() {
        for kind in AuditKind::ALL {
            assert_eq!(AuditKind::parse(kind.as_str()), Some(kind));
            assert!(!kind.label().is_empty());
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.as_str()));
        }
        assert_eq!(AuditKind::parse("nothing"), None);
    }

    #[test]
    fn an_event_expires_after_the_retention() {
        let event = AuditEvent::new("V1", AuditKind::LoginSucceeded, 1_000, None);
        assert_eq!(event.expires_at(DEFAULT_RETENTION_SECS), 1_000 + 180 * 86_400);
    }
}
