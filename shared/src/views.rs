//! The JSON shapes the API returns for the domain's records (see `docs/openapi.yaml`).

use serde::Serialize;

use crate::calendar::{paris_rfc3339, Phase};
use crate::config::Config;
use crate::model::{
    AccountStatus, Civility, Claim, ClaimCategory, SessionKind, SessionRecord, TokenPurpose, Voter,
};
use crate::services::MailStatus;

#[derive(Debug, Serialize)]
pub struct SessionView {
    pub kind: SessionKind,
    pub expires_at: String,
    pub idle_timeout_seconds: u64,
}

impl SessionView {
    pub fn of(session: &SessionRecord, config: &Config) -> Self {
        let expires =
            chrono::DateTime::from_timestamp(session.absolute_expires_at, 0).unwrap_or_default();
        SessionView {
            kind: session.kind,
            expires_at: paris_rfc3339(expires),
            idle_timeout_seconds: config.session_idle.as_secs(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct VoterView {
    pub voter_id: String,
    pub civility: Civility,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
    pub activated: bool,
}

impl VoterView {
    pub fn of(voter: &Voter) -> Self {
        VoterView {
            voter_id: voter.roll.voter_id.clone(),
            civility: voter.roll.civility,
            first_name: voter.roll.first_name.clone(),
            last_name: voter.roll.last_name.clone(),
            email: voter.roll.email.clone(),
            activated: voter.status == AccountStatus::Active,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ClaimView {
    pub reference: String,
    pub category: ClaimCategory,
    pub scrutin_id: Option<String>,
    pub text: String,
    pub created_at: String,
    pub acknowledgement_mail: MailStatus,
}

impl ClaimView {
    pub fn of(claim: &Claim, mail: MailStatus) -> Self {
        ClaimView {
            reference: claim.reference.clone(),
            category: claim.category,
            scrutin_id: claim.scrutin_id.clone(),
            text: claim.text.clone(),
            created_at: paris_rfc3339(claim.created_at),
            acknowledgement_mail: mail,
        }
    }
}

/// `GET /api/election`.
#[derive(Debug, Clone, Serialize)]
pub struct ElectionView {
    pub phase: Phase,
    pub claims_open: bool,
    pub calendar: CalendarView,
    pub timezone: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct CalendarView {
    pub activation_opens_at: String,
    pub claim_deadline: String,
    pub voting_opens_at: String,
    pub voting_closes_at: String,
}

/// `GET /api/token`: what a link is for.
#[derive(Debug, Clone, Serialize)]
pub struct TokenView {
    pub purpose: TokenPurpose,
    pub password_set: bool,
    pub civility: Civility,
    pub last_name: String,
}

/// An event of the voter's trail, as the welcome page shows it (`GET /api/session`,
/// `last_connections`): what, when (Paris time) and its French label; nothing secret.
#[derive(Debug, Serialize)]
pub struct AuditEventView {
    pub kind: crate::audit::AuditKind,
    pub label: &'static str,
    pub at: String,
}

impl AuditEventView {
    pub fn of(event: &crate::audit::AuditEvent) -> Self {
        let at = chrono::DateTime::from_timestamp(event.at, 0).unwrap_or_default();
        AuditEventView { kind: event.kind, label: event.kind.label(), at: paris_rfc3339(at) }
    }
}
