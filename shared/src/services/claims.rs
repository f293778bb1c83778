//! `submit-claim`: a claim (réclamation) filed once per idempotency key, with its acknowledgement
//! mail queued in the same transaction.

use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{BallotCatalog, Election, Sessions, Wiring};
use crate::calendar::Need;
use crate::config::Config;
use crate::error::DomainError;
use crate::mail;
use crate::model::{Claim, ClaimCategory, ClaimStatus, Voter};
use crate::outbox::{Follow, MailPurpose, OutboxMail};
use crate::ports::{Ballots, Calendars, ClaimOutcome, Claims, SessionStore, StoreError, Voters};
use crate::texts;
use crate::tokens;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MailStatus {
    /// In the outbox, written with the claim: the mailer delivers it.
    Queued,
    /// Accepted by SES already (a retry of a claim filed earlier).
    Sent,
}

#[derive(Debug, Clone)]
pub struct FiledClaim {
    pub claim: Claim,
    /// False when an earlier submission with the same key had stored it.
    pub created: bool,
    pub acknowledgement: MailStatus,
}

pub struct ClaimFiling {
    election: Election,
    pub sessions: Sessions,
    claims: Arc<dyn Claims>,
    catalog: BallotCatalog,
    pub config: Config,
}

impl ClaimFiling {
    pub fn new<S>(w: &Wiring<S>) -> Self
    where
        S: Calendars + Voters + SessionStore + Ballots + Claims + 'static,
    {
        ClaimFiling {
            election: Election::new(w),
            sessions: Sessions::new(w),
            claims: w.store.clone(),
            catalog: BallotCatalog::new(w),
            config: w.config.clone(),
        }
    }

    pub async fn file_claim(
        &self,
        voter: &Voter,
        category: ClaimCategory,
        scrutin_id: Option<String>,
        text: String,
        key: String,
    ) -> Result<FiledClaim, DomainError> {
        self.election.require(Need::ClaimsOpen).await?;
        if let Some(id) = &scrutin_id {
            if !voter.roll.scrutins.contains(id) {
                return Err(DomainError::InvalidField {
                    field: "scrutin_id",
                    message: texts::SCRUTIN_NOT_YOURS.into(),
                });
            }
        }
        let now = self.election.now();
        let fingerprint = {
            let mut h = Sha256::new();
            h.update(category.as_str().as_bytes());
            h.update([0]);
            h.update(scrutin_id.as_deref().unwrap_or("").as_bytes());
            h.update([0]);
            h.update(text.as_bytes());
            h.finalize().iter().map(|b| format!("{b:02x}")).collect::<String>()
        };
        let mut claim = Claim {
            reference: format!("REC-{}-{}", now.format("%Y%m%d"), tokens::short_code(6)),
            voter_id: voter.roll.voter_id.clone(),
            category,
            scrutin_id,
            text,
            created_at: now,
            status: ClaimStatus::Open,
            fingerprint,
            idempotency_key: key,
            acknowledged: false,
        };
        let cap = self.config.claim_cap;
        let scrutin_name = match &claim.scrutin_id {
            Some(id) => self
                .catalog
                .my_scrutins(voter)
                .await
                .ok()
                .and_then(|all| all.into_iter().find(|s| &s.id == id).map(|s| s.name)),
            None => None,
        };
        let acknowledgement = |claim: &Claim| {
            OutboxMail::new(
                &voter.roll.voter_id,
                MailPurpose::ClaimAcknowledgement,
                mail::claim_acknowledgement(&voter.roll, claim, scrutin_name.as_deref()),
                now.timestamp_millis(),
                Follow::Claim { reference: claim.reference.clone() },
            )
        };
        // A reference is unique over the election; one drawn twice (1 in 2 billion a day) is
        // drawn again.
        let mut outcome = self.claims.file_claim(&claim, cap, &acknowledgement(&claim)).await;
        for _ in 0..3 {
            if !matches!(outcome, Err(StoreError::TransactionConflict)) {
                break;
            }
            claim.reference = format!("REC-{}-{}", now.format("%Y%m%d"), tokens::short_code(6));
            outcome = self.claims.file_claim(&claim, cap, &acknowledgement(&claim)).await;
        }
        let (stored, created) = match outcome? {
            ClaimOutcome::Created => (claim, true),
            ClaimOutcome::Existing(existing) if existing.fingerprint == claim.fingerprint => {
                (existing, false)
            }
            ClaimOutcome::Existing(_) => return Err(DomainError::IdempotencyKeyReused),
            ClaimOutcome::CapReached => {
                tracing::info!(voter_id = %voter.roll.voter_id, cap, "claim refused: the voter's cap is reached");
                return Err(DomainError::ClaimCapReached(cap));
            }
        };
        let acknowledgement =
            if stored.acknowledged { MailStatus::Sent } else { MailStatus::Queued };
        if created {
            tracing::info!(voter_id = %voter.roll.voter_id, reference = %stored.reference, "claim filed, acknowledgement queued");
        }
        Ok(FiledClaim { claim: stored, created, acknowledgement })
    }
}
