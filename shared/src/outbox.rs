//! The transactional outbox: every mail the portal sends is first an item written in the same
//! transaction as the state change that calls for it (the link's token, the claim). No request
//! ever calls SES; the `mailer` function delivers the items, fed by the table's stream.

use serde::{Deserialize, Serialize};

use crate::ports::Mail;
use crate::tokens;

/// What a mail is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MailPurpose {
    Activation,
    Reassort,
    Unlock,
    ClaimAcknowledgement,
    VoteReceipt,
    CodeReissued,
    CodeRequested,
    AssistanceAcknowledgement,
    AssistanceAnswer,
}

impl MailPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            MailPurpose::Activation => "activation",
            MailPurpose::Reassort => "reassort",
            MailPurpose::Unlock => "unlock",
            MailPurpose::ClaimAcknowledgement => "claim_acknowledgement",
            MailPurpose::VoteReceipt => "vote_receipt",
            MailPurpose::CodeReissued => "code_reissued",
            MailPurpose::CodeRequested => "code_requested",
            MailPurpose::AssistanceAcknowledgement => "assistance_acknowledgement",
            MailPurpose::AssistanceAnswer => "assistance_answer",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            MailPurpose::Activation,
            MailPurpose::Reassort,
            MailPurpose::Unlock,
            MailPurpose::ClaimAcknowledgement,
            MailPurpose::VoteReceipt,
            MailPurpose::CodeReissued,
            MailPurpose::CodeRequested,
            MailPurpose::AssistanceAcknowledgement,
            MailPurpose::AssistanceAnswer,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
}

/// Which of the voter's mail caps a mail was counted in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapKind {
    /// Activation and réassort mails (`MAIL_CAP_PER_DAY`).
    Mail,
    /// Unlock mails (`UNLOCK_MAIL_CAP_PER_DAY`).
    Unlock,
}

impl CapKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CapKind::Mail => "mail",
            CapKind::Unlock => "unlock",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "mail" => Some(CapKind::Mail),
            "unlock" => Some(CapKind::Unlock),
            _ => None,
        }
    }
}

/// What the delivery of a mail does besides sending it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Follow {
    Nothing,
    /// A link: its token is valid for `valid_secs` from the moment SES accepts the mail, however
    /// late that is; and if the mail fails for good, its place in the voter's cap (counted at
    /// `counted_at`) is given back.
    Link {
        token_hash: String,
        valid_secs: i64,
        cap: CapKind,
        counted_at: i64,
    },
    /// A claim's acknowledgement: the claim is marked acknowledged once the mail is accepted.
    Claim {
        reference: String,
    },
}

/// A mail waiting in the outbox, as the request wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMail {
    /// Unique, and in the order of asking: `<asked_at ms, 13 digits>-<random>`.
    pub id: String,
    pub voter_id: String,
    pub purpose: MailPurpose,
    pub mail: Mail,
    /// When the request asked for it (epoch milliseconds).
    pub asked_at_ms: i64,
    pub follow: Follow,
}

impl OutboxMail {
    pub fn new(
        voter_id: &str,
        purpose: MailPurpose,
        mail: Mail,
        asked_at_ms: i64,
        follow: Follow,
    ) -> Self {
        OutboxMail {
            id: format!("{asked_at_ms:013}-{}", tokens::short_code(10)),
            voter_id: voter_id.to_string(),
            purpose,
            mail,
            asked_at_ms,
            follow,
        }
    }
}

/// Where an outbox item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutboxStatus {
    /// Written, not yet taken by a mailer.
    Pending,
    /// Taken by a mailer at `claimed_at_ms`: being sent.
    Sending,
    /// Accepted by SES at `accepted_at_ms`.
    Sent,
    /// Given up: `failure` says why.
    Failed,
}

impl OutboxStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxStatus::Pending => "pending",
            OutboxStatus::Sending => "sending",
            OutboxStatus::Sent => "sent",
            OutboxStatus::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(OutboxStatus::Pending),
            "sending" => Some(OutboxStatus::Sending),
            "sent" => Some(OutboxStatus::Sent),
            "failed" => Some(OutboxStatus::Failed),
            _ => None,
        }
    }
}

/// An outbox item with its delivery state. Once the mail is sent or has failed, its text is
/// removed (it held the link's secret): `mail` is then `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    pub id: String,
    pub voter_id: String,
    pub purpose: MailPurpose,
    pub to: String,
    pub mail: Option<Mail>,
    pub asked_at_ms: i64,
    pub follow: Follow,
    pub status: OutboxStatus,
    /// Sends tried (a retry after a transient failure adds one).
    pub attempts: u32,
    pub claimed_at_ms: Option<i64>,
    pub accepted_at_ms: Option<i64>,
    pub message_id: Option<String>,
    pub failure: Option<String>,
}

impl OutboxItem {
    /// The item as the request writes it.
    pub fn pending(mail: &OutboxMail) -> Self {
        OutboxItem {
            id: mail.id.clone(),
            voter_id: mail.voter_id.clone(),
            purpose: mail.purpose,
            to: mail.mail.to.clone(),
            mail: Some(mail.mail.clone()),
            asked_at_ms: mail.asked_at_ms,
            follow: mail.follow.clone(),
            status: OutboxStatus::Pending,
            attempts: 0,
            claimed_at_ms: None,
            accepted_at_ms: None,
            message_id: None,
            failure: None,
        }
    }
}

/// An address SES reported as bouncing, or whose holder complained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounce {
    pub email: String,
    /// `bounce` (permanent) or `complaint`.
    pub kind: String,
    pub at_ms: i64,
    /// SES's diagnostic, if any (never a mail's content).
    pub detail: String,
}
