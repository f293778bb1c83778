//! Every way a request can fail, with the status and the French message the voter reads.

use crate::ports::{MailError, StoreError};
use crate::texts::*;

/// Why a vote is refused (`cast-vote`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoteRefusal {
    /// Before the opening, after the close and its grace, or no sealed election record.
    OutsideWindow,
    /// The voter, or the credential, has voted in this scrutin already.
    AlreadyVoted,
    /// The voter is not on this scrutin's roll.
    NotOnRoll,
    /// The ballot does not decode or its proofs or signature do not verify.
    InvalidBallot,
    /// The credential is not on this scrutin's list (or was replaced by a reissue).
    UnknownCredential,
}

impl VoteRefusal {
    pub fn status(self) -> u16 {
        match self {
            VoteRefusal::OutsideWindow | VoteRefusal::NotOnRoll => 403,
            VoteRefusal::AlreadyVoted => 409,
            VoteRefusal::InvalidBallot | VoteRefusal::UnknownCredential => 422,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            VoteRefusal::OutsideWindow => "outside_window",
            VoteRefusal::AlreadyVoted => "already_voted",
            VoteRefusal::NotOnRoll => "not_on_roll",
            VoteRefusal::InvalidBallot => "invalid_ballot",
            VoteRefusal::UnknownCredential => "unknown_credential",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    #[error("invalid field {field}")]
    InvalidField { field: &'static str, message: String },
    #[error("password rejected")]
    PasswordRejected(String),
    #[error("token invalid")]
    TokenInvalid,
    #[error("token expired")]
    TokenExpired,
    #[error("token used")]
    TokenUsed,
    #[error("password not set")]
    PasswordNotSet,
    #[error("concurrent submission")]
    Conflict,
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("unauthenticated")]
    Unauthenticated,
    #[error("phase closed")]
    PhaseClosed(String),
    #[error("state-changing request from another site")]
    CrossOrigin,
    #[error("claim cap reached")]
    ClaimCapReached(u32),
    /// The identifier has sent as many assistance requests as a day allows.
    #[error("assistance cap reached")]
    AssistanceCapReached(u32),
    #[error("scrutin not found")]
    ScrutinNotFound,
    #[error("invalid cursor")]
    InvalidCursor,
    #[error("idempotency key required")]
    IdempotencyKeyRequired,
    #[error("idempotency key reused with another claim")]
    IdempotencyKeyReused,
    #[error("not found")]
    NotFound,
    #[error("vote refused: {0:?}")]
    VoteRefused(VoteRefusal, String),
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("payload too large")]
    PayloadTooLarge,
    #[error("store unavailable")]
    Store(#[from] StoreError),
    #[error("mail unavailable")]
    Mail(#[from] MailError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl DomainError {
    pub fn status(&self) -> u16 {
        use DomainError::*;
        match self {
            InvalidRequest(_) | InvalidCursor | IdempotencyKeyRequired => 400,
            InvalidCredentials | Unauthenticated => 401,
            PhaseClosed(_) | CrossOrigin => 403,
            ScrutinNotFound | NotFound => 404,
            PasswordNotSet | Conflict => 409,
            VoteRefused(r, _) => r.status(),
            TokenInvalid | TokenExpired | TokenUsed => 410,
            PayloadTooLarge => 413,
            UnsupportedMediaType => 415,
            InvalidField { .. }
            | PasswordRejected(_)
            | IdempotencyKeyReused
            | ClaimCapReached(_) => 422,
            AssistanceCapReached(_) => 429,
            Store(StoreError::ConditionFailed) | Store(StoreError::TransactionConflict) => 409,
            Store(StoreError::Backend(_)) | Mail(_) | Internal(_) => 503,
        }
    }

    pub fn code(&self) -> &'static str {
        use DomainError::*;
        match self {
            InvalidRequest(_) => "invalid_request",
            InvalidField { .. } => "invalid_field",
            PasswordRejected(_) => "password_rejected",
            TokenInvalid => "token_invalid",
            TokenExpired => "token_expired",
            TokenUsed => "token_used",
            PasswordNotSet => "password_not_set",
            Conflict => "conflict",
            InvalidCredentials => "invalid_credentials",
            Unauthenticated => "unauthenticated",
            PhaseClosed(_) => "phase_closed",
            CrossOrigin => "cross_origin_refused",
            ClaimCapReached(_) => "claim_limit_reached",
            AssistanceCapReached(_) => "assistance_limit_reached",
            ScrutinNotFound => "scrutin_not_found",
            InvalidCursor => "invalid_cursor",
            IdempotencyKeyRequired => "idempotency_key_required",
            IdempotencyKeyReused => "idempotency_key_reused",
            NotFound => "not_found",
            VoteRefused(r, _) => r.code(),
            UnsupportedMediaType => "unsupported_media_type",
            PayloadTooLarge => "payload_too_large",
            Store(StoreError::ConditionFailed) | Store(StoreError::TransactionConflict) => {
                "conflict"
            }
            Store(StoreError::Backend(_)) | Mail(_) | Internal(_) => "service_unavailable",
        }
    }

    pub fn field(&self) -> Option<&'static str> {
        match self {
            DomainError::InvalidField { field, .. } => Some(field),
            DomainError::PasswordRejected(_) => Some("password"),
            _ => None,
        }
    }

    pub fn message(&self) -> String {
        use DomainError::*;
        match self {
            InvalidRequest(detail) => format!("{MALFORMED_REQUEST}{detail}"),
            InvalidField { message, .. }
            | PasswordRejected(message)
            | PhaseClosed(message)
            | VoteRefused(_, message) => message.clone(),
            TokenInvalid => LINK_INVALID.into(),
            TokenExpired => LINK_EXPIRED.into(),
            TokenUsed => LINK_USED.into(),
            PasswordNotSet => PASSWORD_NOT_SET.into(),
            Conflict
            | Store(StoreError::ConditionFailed)
            | Store(StoreError::TransactionConflict) => CONFLICT.into(),
            InvalidCredentials => INVALID_CREDENTIALS.into(),
            Unauthenticated => SESSION_ENDED.into(),
            ScrutinNotFound => SCRUTIN_NOT_YOURS.into(),
            InvalidCursor => INVALID_CURSOR.into(),
            IdempotencyKeyRequired => IDEMPOTENCY_KEY_REQUIRED.into(),
            IdempotencyKeyReused => IDEMPOTENCY_KEY_REUSED.into(),
            NotFound => NOT_FOUND.into(),
            CrossOrigin => CROSS_ORIGIN_REFUSED.into(),
            ClaimCapReached(cap) => claim_limit_reached(*cap),
            AssistanceCapReached(cap) => assistance_limit_reached(*cap),
            UnsupportedMediaType => JSON_REQUIRED.into(),
            PayloadTooLarge => PAYLOAD_TOO_LARGE.into(),
            Store(StoreError::Backend(_)) | Mail(_) | Internal(_) => UNAVAILABLE.into(),
        }
    }
}
