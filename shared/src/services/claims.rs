//! `submit-claim`: a claim (réclamation) filed once per idempotency key, and its acknowledgement
//! mail.

use std::sync::Arc;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::{BallotCatalog, Election, Sessions, Wiring};
use crate::calendar::Need;
use crate::config::Config;
use crate::error::DomainError;
use crate::mail;
use crate::model::{Claim, ClaimCategory, ClaimStatus, Voter};
use crate::ports::{
    Ballots, Calendars, ClaimOutcome, Claims, Mailer, SessionStore, StoreError, Voters,
};
use crate::texts;
use crate::tokens;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MailStatus {
    Sent,
    Failed,
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
    mailer: Arc<dyn Mailer>,
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
            mailer: w.mailer.clone(),
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
        // A reference is unique over the election; one drawn twice (1 in 2 billion a day) is
        // drawn again.
        let mut outcome = self.claims.file_claim(&claim, cap).await;
        for _ in 0..3 {
            if !matches!(outcome, Err(StoreError::TransactionConflict)) {
                break;
            }
            claim.reference = format!("REC-{}-{}", now.format("%Y%m%d"), tokens::short_code(6));
            outcome = self.claims.file_claim(&claim, cap).await;
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
        let acknowledgement = if stored.acknowledged {
            MailStatus::Sent
        } else {
            self.acknowledge(voter, &stored).await
        };
        if created {
            tracing::info!(voter_id = %voter.roll.voter_id, reference = %stored.reference, "claim filed");
        }
        Ok(FiledClaim { claim: stored, created, acknowledgement })
    }

    /// Mails the acknowledgement and records it; a failure is logged and the next retry of the
    /// same submission tries again.
    async fn acknowledge(&self, voter: &Voter, claim: &Claim) -> MailStatus {
        let scrutin_name = match &claim.scrutin_id {
            Some(id) => self
                .catalog
                .my_scrutins(voter)
                .await
                .ok()
                .and_then(|all| all.into_iter().find(|s| &s.id == id).map(|s| s.name)),
            None => None,
        };
        let message = mail::claim_acknowledgement(&voter.roll, claim, scrutin_name.as_deref());
        match self.mailer.send(&message).await {
            Ok(()) => {
                if let Err(e) =
                    self.claims.mark_claim_acknowledged(&claim.voter_id, &claim.reference).await
                {
                    tracing::warn!(reference = %claim.reference, error = %e, "acknowledgement sent but not recorded");
                }
                MailStatus::Sent
            }
            Err(e) => {
                tracing::error!(reference = %claim.reference, error = %e, "mail_send_failed");
                MailStatus::Failed
            }
        }
    }
}
