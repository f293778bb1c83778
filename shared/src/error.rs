//! Every way a request can fail, with the status and the French message the voter reads.

use crate::ports::{MailError, StoreError};

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
            PhaseClosed(_) => 403,
            ScrutinNotFound | NotFound => 404,
            PasswordNotSet | Conflict => 409,
            TokenInvalid | TokenExpired | TokenUsed => 410,
            PayloadTooLarge => 413,
            UnsupportedMediaType => 415,
            InvalidField { .. } | PasswordRejected(_) | IdempotencyKeyReused => 422,
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
            ScrutinNotFound => "scrutin_not_found",
            InvalidCursor => "invalid_cursor",
            IdempotencyKeyRequired => "idempotency_key_required",
            IdempotencyKeyReused => "idempotency_key_reused",
            NotFound => "not_found",
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
            InvalidRequest(detail) => format!("La requête est mal formée : {detail}"),
            InvalidField { message, .. } | PasswordRejected(message) | PhaseClosed(message) => message.clone(),
            TokenInvalid => "Ce lien n'est pas valide ou a été remplacé par un lien plus récent. Demandez un nouveau courriel si besoin.".into(),
            TokenExpired => "Ce lien a expiré. Demandez un nouveau courriel depuis la page d'accueil du portail.".into(),
            TokenUsed => "Ce lien a déjà été utilisé. Connectez-vous ou demandez un nouveau courriel.".into(),
            PasswordNotSet => "Créez d'abord votre mot de passe Élections.".into(),
            Conflict | Store(StoreError::ConditionFailed) | Store(StoreError::TransactionConflict) => {
                "Une autre demande vient d'être traitée pour ce compte. Rechargez la page puis réessayez.".into()
            }
            InvalidCredentials => "Identifiant ou mot de passe incorrect, ou trop de tentatives récentes. Réessayez plus tard, ou demandez un réassort ; si votre espace n'est pas encore activé, demandez le courriel d'activation.".into(),
            Unauthenticated => "Votre session a expiré ou n'existe pas. Connectez-vous à nouveau.".into(),
            ScrutinNotFound => "Ce scrutin ne fait pas partie de vos scrutins.".into(),
            InvalidCursor => "Le curseur de pagination est invalide.".into(),
            IdempotencyKeyRequired => "L'en-tête Idempotency-Key est obligatoire pour déposer une réclamation.".into(),
            IdempotencyKeyReused => "Cette clé Idempotency-Key a déjà servi pour une autre réclamation.".into(),
            NotFound => "Ressource introuvable.".into(),
            UnsupportedMediaType => "Le corps de la requête doit être du JSON (Content-Type: application/json).".into(),
            PayloadTooLarge => "La requête est trop volumineuse.".into(),
            Store(StoreError::Backend(_)) | Mail(_) | Internal(_) => {
                "Le service est momentanément indisponible. Votre demande n'a pas été enregistrée ; réessayez dans quelques instants.".into()
            }
        }
    }
}
