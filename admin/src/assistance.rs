//! `assistance list|export|answer`: the assistance requests sent from the portal, with or
//! without a session, and the answer mailed to the roll address of the voter.

use std::io::Write;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};
use chrono_tz::Europe::Paris;
use shared::model::{AssistanceRequest, AssistanceStatus};
use shared::ports::AssistanceFollowUp;
use shared::services::assistance::{self, AnswerRefused};
use store_dynamodb::DynamoStore;

fn paris(t: DateTime<Utc>) -> String {
    t.with_timezone(&Paris).to_rfc3339()
}

/// Every request, oldest first; the open ones only with `open_only`.
pub async fn fetch(store: &DynamoStore, open_only: bool) -> Result<Vec<AssistanceRequest>> {
    let mut all = store.assistance_requests().await.context("lecture des demandes d'assistance")?;
    if open_only {
        all.retain(|r| r.status == AssistanceStatus::Open);
    }
    Ok(all)
}

pub const EXPORT_COLUMNS: [&str; 12] = [
    "reference",
    "created_at",
    "status",
    "subject",
    "identifier",
    "voter_id",
    "from_session",
    "message",
    "answered_at",
    "answered_by",
    "answer",
    "on_roll",
];

/// Writes the requests as CSV (UTF-8, comma, header line; dates in Paris time with their offset).
pub fn export(requests: &[AssistanceRequest], out: impl Write) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(EXPORT_COLUMNS)?;
    for r in requests {
        w.write_record([
            r.reference.as_str(),
            &paris(r.created_at),
            r.status.as_str(),
            r.subject.as_str(),
            &r.identifier,
            r.voter_id.as_deref().unwrap_or(""),
            if r.from_session { "true" } else { "false" },
            &r.message,
            &r.answered_at.map(paris).unwrap_or_default(),
            r.answered_by.as_deref().unwrap_or(""),
            r.answer.as_deref().unwrap_or(""),
            if r.voter_id.is_some() { "true" } else { "false" },
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// One line per request, for a terminal.
pub fn print(requests: &[AssistanceRequest]) {
    if requests.is_empty() {
        println!("aucune demande d'assistance");
        return;
    }
    for r in requests {
        let text: String =
            r.message.chars().take(50).map(|ch| if ch.is_control() { ' ' } else { ch }).collect();
        println!(
            "{}  {}  {:<8} {:<18} {:<36} {:<22} {}{}",
            r.reference,
            r.created_at.with_timezone(&Paris).format("%d/%m/%Y %H:%M"),
            r.status.as_str(),
            r.subject.as_str(),
            r.identifier,
            match (&r.voter_id, r.from_session) {
                (Some(id), true) => format!("{id} (connecté)"),
                (Some(id), false) => id.clone(),
                (None, _) => "(hors liste)".into(),
            },
            text,
            if r.message.chars().count() > 50 { "…" } else { "" }
        );
    }
    println!("{} demande(s)", requests.len());
}

/// The text of an answer: 1 to 4000 characters once trimmed.
pub fn answer_text(raw: &str) -> Result<String> {
    let text = raw.trim();
    let n = text.chars().count();
    if n == 0 || n > 4000 {
        bail!("la réponse doit contenir entre 1 et 4000 caractères ({n})");
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        bail!("la réponse contient un caractère non imprimable");
    }
    Ok(text.to_string())
}

/// Answers an open request: the answer is queued in the outbox for the roll address and the
/// request marked answered in one transaction, with a journal line.
pub async fn answer(
    store: &DynamoStore,
    reference: &str,
    operator: &str,
    message: &str,
) -> Result<AssistanceRequest> {
    let text = answer_text(message)?;
    match assistance::answer(store, reference, operator, &text, Utc::now()).await {
        Ok(answered) => Ok(answered),
        Err(AnswerRefused::Unknown) => bail!("demande d'assistance « {reference} » inconnue"),
        Err(AnswerRefused::AlreadyAnswered(r)) => bail!(
            "demande {reference} déjà traitée{}{} : aucune seconde réponse n'est envoyée",
            r.answered_at
                .map(|t| format!(" le {}", t.with_timezone(&Paris).format("%d/%m/%Y à %H:%M")))
                .unwrap_or_default(),
            r.answered_by.as_deref().map(|b| format!(" par {b}")).unwrap_or_default()
        ),
        Err(AnswerRefused::NoRollAddress(r)) => bail!(
            "demande {reference} : l'identifiant {} ne figure sur aucune liste électorale ; \
             aucune réponse n'est envoyée à une adresse saisie (à traiter par un autre canal)",
            r.identifier
        ),
        Err(AnswerRefused::Store(e)) => Err(e).context("écriture de la réponse"),
    }
}
