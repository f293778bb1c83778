//! `claims list|export|answer`: the claims voters filed, by ballot and status.

use std::collections::{BTreeSet, HashMap};
use std::io::Write;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};
use chrono_tz::Europe::Paris;
use shared::model::{ClaimStatus, RollVoter};
use shared::ports::StoreError;
use store_dynamodb::admin::{AdminClaim, Backoff, ClaimScope, JournalEntry, BATCH_GET_MAX};
use store_dynamodb::DynamoStore;

/// A claim with the voter who filed it, as far as the roll still knows them.
pub struct Row {
    pub claim: AdminClaim,
    pub voter: Option<RollVoter>,
}

pub fn parse_status(raw: &str) -> Result<ClaimStatus, String> {
    match raw {
        "open" | "ouverte" => Ok(ClaimStatus::Open),
        "answered" | "traitee" | "traitée" => Ok(ClaimStatus::Answered),
        _ => Err(format!("statut « {raw} » inconnu (open ou answered)")),
    }
}

fn status_str(s: ClaimStatus) -> &'static str {
    match s {
        ClaimStatus::Open => "open",
        ClaimStatus::Answered => "answered",
    }
}

fn paris(t: DateTime<Utc>) -> String {
    t.with_timezone(&Paris).to_rfc3339()
}

pub async fn fetch(
    store: &DynamoStore,
    scope: &ClaimScope,
    status: Option<ClaimStatus>,
) -> Result<Vec<Row>> {
    let claims = store.list_claims(scope, status).await.context("lecture des réclamations")?;
    let ids: Vec<String> = claims
        .iter()
        .map(|c| c.claim.voter_id.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut voters: HashMap<String, RollVoter> = HashMap::new();
    for chunk in ids.chunks(BATCH_GET_MAX) {
        voters.extend(
            store.roll_voters(chunk, &Backoff::default()).await.context("lecture des électeurs")?.0,
        );
    }
    Ok(claims
        .into_iter()
        .map(|claim| Row { voter: voters.get(&claim.claim.voter_id).cloned(), claim })
        .collect())
}

pub const EXPORT_COLUMNS: [&str; 14] = [
    "reference",
    "created_at",
    "scrutin_id",
    "category",
    "status",
    "voter_id",
    "email",
    "civility",
    "last_name",
    "first_name",
    "text",
    "acknowledged",
    "answered_at",
    "answered_by",
];

/// Writes the rows as CSV (UTF-8, comma, header line; dates in Paris time with their offset).
pub fn export(rows: &[Row], out: impl Write) -> Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(EXPORT_COLUMNS)?;
    for Row { claim, voter } in rows {
        let c = &claim.claim;
        w.write_record([
            c.reference.as_str(),
            &paris(c.created_at),
            c.scrutin_id.as_deref().unwrap_or(""),
            c.category.as_str(),
            status_str(c.status),
            &c.voter_id,
            voter.as_ref().map_or("", |v| v.email.as_str()),
            voter.as_ref().map_or("", |v| v.civility.as_str()),
            voter.as_ref().map_or("", |v| v.last_name.as_str()),
            voter.as_ref().map_or("", |v| v.first_name.as_str()),
            &c.text,
            if c.acknowledged { "true" } else { "false" },
            &claim.answered_at.map(paris).unwrap_or_default(),
            claim.answered_by.as_deref().unwrap_or(""),
        ])?;
    }
    w.flush()?;
    Ok(())
}

/// One line per claim, for a terminal.
pub fn print(rows: &[Row]) {
    if rows.is_empty() {
        println!("aucune réclamation");
        return;
    }
    for Row { claim, voter } in rows {
        let c = &claim.claim;
        let text: String =
            c.text.chars().take(60).map(|ch| if ch.is_control() { ' ' } else { ch }).collect();
        println!(
            "{}  {}  {:<20} {:<17} {:<8} {:<32} {}{}",
            c.reference,
            c.created_at.with_timezone(&Paris).format("%d/%m/%Y %H:%M"),
            c.scrutin_id.as_deref().unwrap_or("(général)"),
            c.category.as_str(),
            status_str(c.status),
            voter.as_ref().map_or("(retiré de la liste)", |v| v.email.as_str()),
            text,
            if c.text.chars().count() > 60 { "…" } else { "" }
        );
    }
    println!("{} réclamation(s)", rows.len());
}

/// Marks an open claim answered, with a journal line.
pub async fn answer(
    store: &DynamoStore,
    reference: &str,
    operator: &str,
    note: Option<&str>,
) -> Result<AdminClaim> {
    let Some(found) = store.find_claim(reference).await.context("recherche de la réclamation")?
    else {
        bail!("réclamation « {reference} » inconnue");
    };
    if found.claim.status == ClaimStatus::Answered {
        bail!(
            "réclamation {reference} déjà traitée{}{}",
            found
                .answered_at
                .map(|t| format!(" le {}", t.with_timezone(&Paris).format("%d/%m/%Y à %H:%M")))
                .unwrap_or_default(),
            found.answered_by.as_deref().map(|b| format!(" par {b}")).unwrap_or_default()
        );
    }
    let entry =
        JournalEntry::new(operator, "claim-answer", reference, note.unwrap_or("").to_string());
    match store.answer_claim(&found.claim, &entry).await {
        Ok(()) => {}
        Err(StoreError::ConditionFailed) => {
            bail!("réclamation {reference} traitée entre-temps par quelqu'un d'autre")
        }
        Err(e) => return Err(e).context("écriture de la réclamation"),
    }
    let mut answered = found;
    answered.claim.status = ClaimStatus::Answered;
    answered.answered_at = Some(entry.at);
    answered.answered_by = Some(entry.operator);
    Ok(answered)
}
