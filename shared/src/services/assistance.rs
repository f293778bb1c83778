//! The assistance request (`POST /api/assistance`, served by `submit-claim`): sent with or
//! without a session, stored with a reference, capped per identifier, acknowledged by a mail to
//! the roll address of a known voter only; and its answer by the administration.

use std::sync::Arc;

use super::links::within_cap;
use super::{voter_by_identifier, Wiring};
use crate::error::DomainError;
use crate::mail;
use crate::model::{AssistanceRequest, AssistanceStatus, AssistanceSubject, Voter};
use crate::outbox::{Follow, MailPurpose, OutboxMail};
use crate::ports::{AssistanceFollowUp, AssistanceRequests, Clock, StoreError, Voters};
use crate::tokens;
use crate::validate::Identifier;

/// Who sends a request: a voter behind a session, or anyone typing an identifier.
#[derive(Debug, Clone)]
pub enum Requester {
    Session(Box<Voter>),
    Identifier(Identifier),
}

/// A new reference: `AS-` and 10 characters of a 32-letter alphabet (50 bits), drawn by the
/// system's generator. Nothing is read by reference on the portal; a reference is still not
/// guessable, so that a reply cannot be used to reach another's request.
pub fn new_reference() -> String {
    format!("AS-{}", tokens::short_code(10))
}

/// The key of an identifier's window: the hash of its normalised form, so that the count of an
/// identifier on no roll does not keep the typed address in a key.
pub fn identifier_hash(identifier: &str) -> String {
    tokens::hash_token(&format!("assistance\0{identifier}"))
}

pub struct AssistanceDesk {
    voters: Arc<dyn Voters>,
    requests: Arc<dyn AssistanceRequests>,
    clock: Arc<dyn Clock>,
    cap: u32,
}

impl AssistanceDesk {
    pub fn new<S: Voters + AssistanceRequests + 'static>(w: &Wiring<S>) -> Self {
        AssistanceDesk {
            voters: w.store.clone(),
            requests: w.store.clone(),
            clock: w.clock.clone(),
            cap: w.config.assistance_cap_per_day,
        }
    }

    /// Stores the request and gives its reference. The outcome is the same whether the identifier
    /// is on the roll or not (the caller also keeps the same response time); only a voter of the
    /// roll gets the acknowledgement, at the roll address. `AssistanceCapReached` once the
    /// identifier has sent `ASSISTANCE_CAP_PER_DAY` requests in the last 24 hours, known or not.
    pub async fn request(
        &self,
        who: Requester,
        subject: AssistanceSubject,
        message: String,
    ) -> Result<String, DomainError> {
        let (identifier, voter, from_session) = match who {
            Requester::Session(voter) => (voter.roll.email.to_lowercase(), Some(*voter), true),
            Requester::Identifier(id) => {
                let voter = voter_by_identifier(self.voters.as_ref(), &id).await?;
                (id.as_str().to_string(), voter, false)
            }
        };
        let key = identifier_hash(&identifier);
        // A lost race (another request of the same identifier, a reference drawn twice) reads the
        // window again and tries once more, a few times at most.
        for _ in 0..4 {
            let now = self.clock.now();
            let window = self.requests.assistance_window(&key).await?;
            let Some(sent_at) = within_cap(&window.sent_at, self.cap, now.timestamp()) else {
                tracing::info!(
                    from_session,
                    "assistance request refused: the identifier's cap is reached"
                );
                return Err(DomainError::AssistanceCapReached(self.cap));
            };
            let request = AssistanceRequest {
                reference: new_reference(),
                identifier: identifier.clone(),
                voter_id: voter.as_ref().map(|v| v.roll.voter_id.clone()),
                from_session,
                subject,
                message: message.clone(),
                created_at: now,
                status: AssistanceStatus::Open,
                answered_at: None,
                answered_by: None,
                answer: None,
            };
            let acknowledgement = voter.as_ref().map(|v| {
                OutboxMail::new(
                    &v.roll.voter_id,
                    MailPurpose::AssistanceAcknowledgement,
                    mail::assistance_acknowledgement(&v.roll, &request),
                    now.timestamp_millis(),
                    Follow::Nothing,
                )
            });
            match self
                .requests
                .file_assistance(&request, &key, &window, &sent_at, acknowledgement.as_ref())
                .await
            {
                Ok(()) => {
                    tracing::info!(
                        reference = %request.reference,
                        known = voter.is_some(),
                        from_session,
                        "assistance request stored"
                    );
                    return Ok(request.reference);
                }
                Err(StoreError::ConditionFailed | StoreError::TransactionConflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Conflict)
    }
}

/// Why the administration's answer was not sent.
#[derive(Debug, thiserror::Error)]
pub enum AnswerRefused {
    #[error("unknown request")]
    Unknown,
    #[error("already answered")]
    AlreadyAnswered(AssistanceRequest),
    /// The identifier is on no roll (or the voter left it): there is no address to answer to.
    #[error("no roll address")]
    NoRollAddress(AssistanceRequest),
    #[error("store: {0}")]
    Store(#[from] StoreError),
}

/// Answers an open request: the answer goes to the roll address of the request's voter, through
/// the outbox, in the same transaction that marks the request answered; a second answer is
/// refused.
pub async fn answer<S>(
    store: &S,
    reference: &str,
    operator: &str,
    text: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<AssistanceRequest, AnswerRefused>
where
    S: AssistanceFollowUp + Voters + ?Sized,
{
    let request = store.assistance_request(reference).await?.ok_or(AnswerRefused::Unknown)?;
    if request.status == AssistanceStatus::Answered {
        return Err(AnswerRefused::AlreadyAnswered(request));
    }
    let voter = match &request.voter_id {
        Some(id) => store.voter(id).await?,
        None => None,
    };
    let Some(voter) = voter else { return Err(AnswerRefused::NoRollAddress(request)) };
    let mail = OutboxMail::new(
        &voter.roll.voter_id,
        MailPurpose::AssistanceAnswer,
        mail::assistance_answer(&voter.roll, reference, text),
        now.timestamp_millis(),
        Follow::Nothing,
    );
    match store.answer_assistance(reference, now, operator, text, &mail).await {
        Ok(()) => {}
        Err(StoreError::ConditionFailed) => {
            let again = store.assistance_request(reference).await?.ok_or(AnswerRefused::Unknown)?;
            return Err(AnswerRefused::AlreadyAnswered(again));
        }
        Err(e) => return Err(e.into()),
    }
    let mut answered = request;
    answered.status = AssistanceStatus::Answered;
    answered.answered_at = Some(now);
    answered.answered_by = Some(operator.to_string());
    answered.answer = Some(text.to_string());
    Ok(answered)
}
