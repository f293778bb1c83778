//! `add-voter` and `remove-voter`: one voter at a time, each change one transaction with its
//! journal line; `voter-trail`: a voter's security trail.

use anyhow::{bail, Context, Result};
use shared::model::RollVoter;
use shared::ports::{AuditTrail, StoreError, Voters};
use shared::validate::Identifier;
use store_dynamodb::admin::{Backoff, JournalEntry};
use store_dynamodb::DynamoStore;

use crate::files;

fn describe(v: &RollVoter) -> String {
    format!(
        "{} {} {} <{}>, scrutins {}",
        v.civility.as_str(),
        v.first_name,
        v.last_name,
        v.email,
        v.scrutins.join("|")
    )
}

/// What `add-voter` did.
#[derive(Debug, PartialEq, Eq)]
pub enum Added {
    Created,
    Updated,
    Unchanged,
}

/// The fields of `add-voter`, as typed.
pub struct NewVoter<'a> {
    pub voter_id: &'a str,
    pub email: &'a str,
    pub civility: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub scrutins: &'a [String],
}

/// Adds a voter to the roll (a late registration), or brings their roll data up to date if they
/// are on it; their account is kept either way.
pub async fn add(
    store: &DynamoStore,
    f: &NewVoter<'_>,
    reason: Option<&str>,
    operator: &str,
) -> Result<(Added, RollVoter)> {
    let scrutins: Vec<&str> = f.scrutins.iter().flat_map(|s| files::split_scrutins(s)).collect();
    let voter = files::voter(f.voter_id, f.email, f.civility, f.first_name, f.last_name, &scrutins)
        .map_err(|errors| anyhow::anyhow!("électeur refusé : {}", errors.join(" ; ")))?;
    let backoff = Backoff::default();
    let known =
        store.existing_scrutins(&voter.scrutins, &backoff).await.context("lecture des scrutins")?;
    let unknown: Vec<&str> =
        voter.scrutins.iter().filter(|s| !known.contains(*s)).map(String::as_str).collect();
    if !unknown.is_empty() {
        bail!("scrutin(s) inconnu(s) dans la table : {}", unknown.join(", "));
    }
    let old = store
        .roll_voters(std::slice::from_ref(&voter.voter_id), &backoff)
        .await
        .context("lecture du profil")?
        .0
        .remove(&voter.voter_id);
    if old.as_ref() == Some(&voter) {
        return Ok((Added::Unchanged, voter));
    }
    let mut stale = None;
    if old.as_ref().is_none_or(|o| o.email != voter.email) {
        let holder = store
            .email_holders(std::slice::from_ref(&voter.email), &backoff)
            .await
            .context("lecture de l'index")?
            .0
            .remove(&voter.email);
        if let Some(holder) = holder.filter(|h| *h != voter.voter_id) {
            let profile = store
                .roll_voters(std::slice::from_ref(&holder), &backoff)
                .await
                .context("lecture du profil")?
                .0
                .remove(&holder);
            if profile.is_some_and(|p| p.email == voter.email) {
                bail!("l'adresse {} est celle de l'électeur {holder} : changez d'abord son adresse, ou retirez-le", voter.email);
            }
            stale = Some(holder);
        }
    }
    let reason = reason.map(|r| format!(" ; motif : {r}")).unwrap_or_default();
    let result = match &old {
        None => {
            let entry = JournalEntry::new(
                operator,
                "add-voter",
                &voter.voter_id,
                format!("{}{reason}", describe(&voter)),
            );
            store
                .create_roll_voter(&voter, stale.as_deref(), Some(&entry))
                .await
                .map(|()| Added::Created)
        }
        Some(old) => {
            let entry = JournalEntry::new(
                operator,
                "update-voter",
                &voter.voter_id,
                format!("avant : {} ; après : {}{reason}", describe(old), describe(&voter)),
            );
            store
                .replace_roll_voter(old, &voter, stale.as_deref(), Some(&entry))
                .await
                .map(|()| Added::Updated)
        }
    };
    match result {
        Ok(added) => Ok((added, voter)),
        Err(StoreError::ConditionFailed) => {
            bail!("l'électeur {} ou son adresse a changé entre-temps : recommencez", voter.voter_id)
        }
        Err(e) => Err(e).context("écriture de l'électeur"),
    }
}

/// The voter id given, or the one the identifier index gives for the address.
async fn resolve(
    store: &DynamoStore,
    voter_id: Option<&str>,
    email: Option<&str>,
) -> Result<String> {
    Ok(match (voter_id, email) {
        (Some(id), _) => id.to_string(),
        (None, Some(email)) => {
            let email = Identifier::parse(email)
                .map_err(|_| anyhow::anyhow!("adresse « {email} » invalide"))?;
            match store.voter_id_for_email(email.as_str()).await.context("lecture de l'index")? {
                Some(id) => id,
                None => bail!("aucun électeur d'adresse {}", email.as_str()),
            }
        }
        (None, None) => bail!("désignez l'électeur : --voter-id ou --email"),
    })
}

/// `voter-trail`: the voter's security trail, newest first, one line per event: the time in
/// Paris and in UTC, the code, the French label and the detail.
pub async fn trail(
    store: &DynamoStore,
    voter_id: Option<&str>,
    email: Option<&str>,
    limit: usize,
) -> Result<Vec<String>> {
    let voter_id = resolve(store, voter_id, email).await?;
    let events =
        store.trail(&voter_id, &[], limit).await.context("lecture du journal de sécurité")?;
    let mut lines = vec![format!(
        "électeur {voter_id} : {} événement(s), du plus récent au plus ancien",
        events.len()
    )];
    for e in &events {
        let at = chrono::DateTime::from_timestamp(e.at, 0).unwrap_or_default();
        let detail = e.detail.as_deref().map(|d| format!(" ({d})")).unwrap_or_default();
        lines.push(format!(
            "  {}  {}  {:<26} {}{detail}",
            crate::calendar::paris(at),
            at.format("%Y-%m-%dT%H:%M:%SZ"),
            e.kind.as_str(),
            e.kind.label()
        ));
    }
    Ok(lines)
}

/// Removes a voter from the roll, found by voter id or by identifier (e-mail).
pub async fn remove(
    store: &DynamoStore,
    voter_id: Option<&str>,
    email: Option<&str>,
    reason: &str,
    operator: &str,
) -> Result<RollVoter> {
    if reason.trim().is_empty() {
        bail!("donnez le motif du retrait (--reason), par exemple la référence de la réclamation");
    }
    let voter_id = resolve(store, voter_id, email).await?;
    let Some(voter) = store
        .roll_voters(std::slice::from_ref(&voter_id), &Backoff::default())
        .await
        .context("lecture du profil")?
        .0
        .remove(&voter_id)
    else {
        bail!("l'électeur {voter_id} n'est pas sur la liste électorale");
    };
    let entry = JournalEntry::new(
        operator,
        "remove-voter",
        &voter_id,
        format!("{} ; motif : {}", describe(&voter), reason.trim()),
    );
    match store.remove_roll_voter(&voter, &entry).await {
        Ok(()) => Ok(voter),
        Err(StoreError::ConditionFailed) => {
            bail!("l'électeur {voter_id} a changé entre-temps : recommencez")
        }
        Err(e) => Err(e).context("retrait de l'électeur"),
    }
}
