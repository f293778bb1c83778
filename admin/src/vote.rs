//! `electeur-admin vote …`: the portal's side of the vote. The record is published (sealed)
//! before the vote opens and never changes; the credential lists come from the credential
//! authority (`electeur-codes`), without any voter id; the turnout is read from the émargement's
//! counters. Each change is written with a line of the journal.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use anyhow::{bail, Context, Result};
use chrono::Utc;
use serde::Deserialize;
use shared::ports::Board;
use shared::ports::{Ballots, Calendars, VoteRecords};
use shared::services::voting::{urne_content, vote_state, VoteState};
use store_dynamodb::admin::JournalEntry;
use store_dynamodb::vote::Published;
use store_dynamodb::DynamoStore;
use vote::encoding::Point;
use vote::record::{SealedRecord, BLANK};

async fn record_of(store: &DynamoStore) -> Result<SealedRecord> {
    let text = store
        .election_record()
        .await
        .context("lecture de l'urne")?
        .context("aucun enregistrement d'élection publié (electeur-admin vote publish)")?;
    SealedRecord::from_bytes(text.into_bytes()).map_err(|e| anyhow::anyhow!("{e}"))
}

async fn state(store: &DynamoStore, published: bool) -> Result<VoteState> {
    let cal = store.calendar().await?.context("aucun calendrier chargé")?;
    Ok(vote_state(&cal, published, Utc::now()))
}

/// `vote publish`: checks the record against the portal's scrutins and lists, then writes it
/// once, before the vote opens.
pub async fn publish(store: &DynamoStore, file: &Path, operator: &str) -> Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("lecture de {}", file.display()))?;
    let sealed = SealedRecord::from_bytes(bytes).map_err(|e| anyhow::anyhow!("{e}"))?;
    let ids: Vec<String> = sealed.record.scrutins.iter().map(|s| s.id.clone()).collect();
    let portal = store.scrutins(&ids).await.context("lecture des scrutins")?;
    for s in &sealed.record.scrutins {
        let Some(p) = portal.iter().find(|p| p.id == s.id) else {
            bail!("le scrutin {} de l'enregistrement n'existe pas dans le portail", s.id);
        };
        let mut lists: Vec<_> = p.candidate_lists.iter().collect();
        lists.sort_by_key(|l| l.order);
        let expected: Vec<String> =
            lists.iter().map(|l| l.id.clone()).chain([BLANK.to_string()]).collect();
        if s.choices != expected {
            bail!(
                "scrutin {} : les choix de l'enregistrement ({}) ne sont pas les listes du portail dans leur ordre, puis « blanc » ({})",
                s.id,
                s.choices.join(", "),
                expected.join(", ")
            );
        }
    }
    let already = store.election_record().await?.is_some();
    if !already && state(store, true).await? != VoteState::Before {
        bail!("le vote est ouvert ou clos : l'enregistrement de l'élection se publie avant l'ouverture");
    }
    let text =
        String::from_utf8(sealed.bytes.clone()).context("l'enregistrement n'est pas en UTF-8")?;
    match store.publish_election_record(&text).await {
        Ok(Published::Now) => {
            store
                .record(&JournalEntry::new(
                    operator,
                    "vote-publish",
                    &sealed.record.election,
                    sealed.fingerprint_hex(),
                ))
                .await?;
            println!("enregistrement publié et scellé ; empreinte {}", sealed.fingerprint_hex());
        }
        Ok(Published::Already) => {
            println!(
                "enregistrement déjà publié, identique ; empreinte {}",
                sealed.fingerprint_hex()
            )
        }
        Err(shared::ports::StoreError::ConditionFailed) => {
            bail!("un autre enregistrement est déjà publié : il ne peut plus changer")
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CredentialLists {
    election: String,
    scrutins: BTreeMap<String, Vec<String>>,
}

/// `vote credentials`: lists the public credentials of each scrutin (open slots of the urne).
pub async fn credentials(store: &DynamoStore, file: &Path, operator: &str) -> Result<()> {
    let record = record_of(store).await?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("lecture de {}", file.display()))?;
    let lists: CredentialLists =
        serde_json::from_str(&text).context("fichier de codes publics illisible")?;
    if lists.election != record.record.election {
        bail!(
            "ces codes sont ceux de l'élection {}, pas de {}",
            lists.election,
            record.record.election
        );
    }
    if matches!(state(store, true).await?, VoteState::Grace | VoteState::Closed) {
        bail!("le vote est clos : aucun code ne peut plus être ajouté");
    }
    for (scrutin, creds) in &lists.scrutins {
        if record.scrutin(scrutin).is_none() {
            bail!("scrutin {scrutin} inconnu de l'enregistrement de l'élection");
        }
        let registered = store.electoral_list_count(scrutin).await?.unwrap_or(0);
        if creds.len() as u64 > registered {
            bail!(
                "scrutin {scrutin} : {} codes publics pour {registered} électeurs inscrits (un code que personne ne détient ?)",
                creds.len()
            );
        }
        let mut seen = HashSet::new();
        for c in creds {
            Point::parse(c)
                .map_err(|e| anyhow::anyhow!("scrutin {scrutin}, code public {c} : {e}"))?;
            if !seen.insert(c) {
                bail!("scrutin {scrutin} : le code public {c} figure deux fois");
            }
        }
    }
    let mut total = (0usize, 0usize);
    for (scrutin, creds) in &lists.scrutins {
        let mut added = 0;
        for c in creds {
            if store.add_credential(scrutin, c).await? {
                added += 1;
            }
        }
        println!("{scrutin}: {} codes publics, {added} ajoutés", creds.len());
        total.0 += creds.len();
        total.1 += added;
    }
    store
        .record(&JournalEntry::new(
            operator,
            "vote-credentials",
            &lists.election,
            format!("{} codes publics, {} ajoutés", total.0, total.1),
        ))
        .await?;
    Ok(())
}

#[derive(Deserialize)]
struct SlotRef {
    scrutin: String,
    credential: String,
}

#[derive(Deserialize)]
struct Reissue {
    election: String,
    revoke: Vec<SlotRef>,
    add: Vec<SlotRef>,
}

/// `vote reissue`: applies the credential authority's update. Per scrutin with a revoked
/// credential, the old one is revoked and the new one listed in one transaction, unless the old
/// one has voted there; a scrutin with only a new credential (a voter enrolled late) gets it
/// listed. The voter named is mailed that their code was renewed.
pub async fn reissue(
    store: &DynamoStore,
    file: &Path,
    voter_id: &str,
    operator: &str,
) -> Result<()> {
    use shared::ports::Voters;
    let record = record_of(store).await?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("lecture de {}", file.display()))?;
    let update: Reissue =
        serde_json::from_str(&text).context("fichier de renouvellement illisible")?;
    if update.election != record.record.election {
        bail!("ce renouvellement est celui de l'élection {}", update.election);
    }
    if matches!(state(store, true).await?, VoteState::Grace | VoteState::Closed) {
        bail!("le vote est clos : aucun code ne peut plus être renouvelé");
    }
    let voter =
        store.voter(voter_id).await?.with_context(|| format!("électeur {voter_id} inconnu"))?;
    for slot in update.revoke.iter().chain(&update.add) {
        if record.scrutin(&slot.scrutin).is_none() || !voter.roll.scrutins.contains(&slot.scrutin) {
            bail!("scrutin {} : pas un scrutin de l'électeur {voter_id}", slot.scrutin);
        }
        Point::parse(&slot.credential).map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let mut refused = 0;
    for new in &update.add {
        let old = update.revoke.iter().find(|r| r.scrutin == new.scrutin);
        let outcome = match old {
            Some(old) => {
                store.replace_credential(&new.scrutin, &old.credential, &new.credential).await
            }
            None => match store.add_credential(&new.scrutin, &new.credential).await {
                Ok(true) => Ok(()),
                Ok(false) => Err(shared::ports::StoreError::ConditionFailed),
                Err(e) => Err(e),
            },
        };
        match outcome {
            Ok(()) => println!(
                "{} : nouveau code enregistré{}",
                new.scrutin,
                if old.is_some() { ", ancien code révoqué" } else { "" }
            ),
            Err(shared::ports::StoreError::ConditionFailed) => {
                refused += 1;
                println!("{} : refusé (l'ancien code a déjà voté ou n'est pas valable, ou le nouveau existe déjà)", new.scrutin)
            }
            Err(e) => return Err(e.into()),
        }
    }
    if update.revoke.iter().any(|r| !update.add.iter().any(|a| a.scrutin == r.scrutin)) {
        bail!("un scrutin a un code révoqué sans nouveau code : fichier incomplet");
    }
    let applied = update.add.len() - refused;
    let entry = JournalEntry::new(
        operator,
        "vote-reissue",
        voter_id,
        format!("{} scrutins, {refused} refusés", update.add.len()),
    );
    if applied > 0 {
        store.close_code_request(voter_id).await?;
        let now = Utc::now().timestamp_millis();
        let mail = shared::outbox::OutboxMail::new(
            voter_id,
            shared::outbox::MailPurpose::CodeReissued,
            shared::mail::code_reissued(&voter.roll),
            now,
            shared::outbox::Follow::Nothing,
        );
        store.queue_mail_logged(&mail, &entry).await?;
        println!("courriel de renouvellement envoyé à l'électeur");
    } else {
        store.record(&entry).await?;
    }
    if refused > 0 {
        bail!("{refused} scrutin(s) refusé(s)");
    }
    Ok(())
}

/// `vote scrutins`: the portal's scrutins and their lists in ballot order, as the key holders'
/// `electeur-cles record` takes them to write the election record.
pub async fn export_scrutins(
    store: &DynamoStore,
    election: &str,
    name: &str,
    out: &Path,
) -> Result<()> {
    if out.exists() {
        bail!("{} existe déjà : rien n'est écrasé", out.display());
    }
    let ids = store.all_scrutin_ids().await?;
    let scrutins = store.scrutins(&ids).await?;
    let described: Vec<serde_json::Value> = scrutins
        .iter()
        .map(|s| {
            let mut lists: Vec<_> = s.candidate_lists.iter().collect();
            lists.sort_by_key(|l| l.order);
            serde_json::json!({
                "id": s.id,
                "name": s.name,
                "lists": lists.iter().map(|l| l.id.clone()).collect::<Vec<_>>(),
            })
        })
        .collect();
    let file = serde_json::json!({ "election": election, "name": name, "scrutins": described });
    std::fs::write(out, serde_json::to_string_pretty(&file)? + "\n")
        .with_context(|| format!("écriture de {}", out.display()))?;
    println!("{} scrutins écrits dans {}", scrutins.len(), out.display());
    Ok(())
}

/// `vote roll`: the roll as the credential authority receives it (the import's format).
pub async fn export_roll(store: &DynamoStore, out: &Path, operator: &str) -> Result<()> {
    if out.exists() {
        bail!("{} existe déjà : rien n'est écrasé", out.display());
    }
    let mut voters = store.all_roll_voters().await?;
    voters.sort_by(|a, b| a.voter_id.cmp(&b.voter_id));
    let mut w =
        csv::Writer::from_path(out).with_context(|| format!("écriture de {}", out.display()))?;
    w.write_record(["voter_id", "email", "civility", "first_name", "last_name", "scrutins"])?;
    for v in &voters {
        w.write_record([
            v.voter_id.as_str(),
            v.email.as_str(),
            v.civility.as_str(),
            v.first_name.as_str(),
            v.last_name.as_str(),
            v.scrutins.join("|").as_str(),
        ])?;
    }
    w.flush()?;
    store
        .record(&JournalEntry::new(
            operator,
            "vote-roll",
            "liste",
            format!("{} électeurs", voters.len()),
        ))
        .await?;
    println!("{} électeurs écrits dans {}", voters.len(), out.display());
    Ok(())
}

/// `vote code-requests`: the open requests for a new voting code, for the credential authority
/// (`electeur-codes reissue --voter ID`), then `vote reissue --voter-id ID`.
pub async fn code_requests(store: &DynamoStore) -> Result<()> {
    let requests = store.open_code_requests().await?;
    println!("{:<16} {:<26} scrutins sans vote", "électeur", "demandé le");
    for r in &requests {
        let at = chrono::DateTime::from_timestamp(r.asked_at, 0).unwrap_or_default();
        println!(
            "{:<16} {:<26} {}",
            r.voter_id,
            shared::calendar::paris(at),
            r.scrutins.join(", ")
        );
    }
    println!("{} demande(s) en cours", requests.len());
    Ok(())
}

/// `vote turnout`: per scrutin, the émargement count against the registered voters.
pub async fn turnout(store: &DynamoStore) -> Result<()> {
    let record = record_of(store).await?;
    println!("{:<24} {:>10} {:>10} {:>8}", "scrutin", "votants", "inscrits", "part");
    for s in &record.record.scrutins {
        let voted = store.turnout(&s.id).await?;
        let registered = store.electoral_list_count(&s.id).await?.unwrap_or(0);
        let share = if registered > 0 { 100.0 * voted as f64 / registered as f64 } else { 0.0 };
        println!("{:<24} {voted:>10} {registered:>10} {share:>7.2} %", s.id);
    }
    Ok(())
}

async fn seal_of(store: &DynamoStore) -> Result<vote::board::Seal> {
    let text =
        store.vote_seal().await?.context("l'urne n'est pas scellée (electeur-admin vote close)")?;
    serde_json::from_str(&text).context("le sceau enregistré est illisible")
}

/// `vote close`: after the close and its 30 minutes, freezes and seals the urne, the émargement
/// and the counters (`vote-protocol.md` §8.1). A second close changes nothing.
pub async fn close(store: &DynamoStore, operator: &str) -> Result<()> {
    let record = record_of(store).await?;
    if let Some(existing) = store.vote_seal().await? {
        let seal: vote::board::Seal = serde_json::from_str(&existing)?;
        println!(
            "urne déjà scellée le {} ; sceau {} (rien n'a changé)",
            seal.closed_at, seal.digest
        );
        return Ok(());
    }
    if state(store, true).await? != VoteState::Closed {
        bail!("le vote n'est pas clos (clôture plus 30 minutes) : l'urne ne peut pas encore être scellée");
    }
    let (credentials, ballots) = urne_content(store.slots().await?)?;
    let emargement = store.emargement_entries().await?;
    let closed_at = Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let seal = vote::board::seal(&record, &credentials, &ballots, &emargement, &closed_at)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for s in &seal.scrutins {
        let counted = store.turnout(&s.id).await?;
        if s.ballots != s.emargement || counted != s.emargement {
            eprintln!(
                "attention : scrutin {} : {} bulletins, {} émargements, compteur {counted}",
                s.id, s.ballots, s.emargement
            );
        }
    }
    let text = serde_json::to_string(&seal)?;
    match store.write_seal(&text).await? {
        Published::Now => {}
        Published::Already => {}
    }
    store
        .record(&JournalEntry::new(
            operator,
            "vote-close",
            &record.record.election,
            seal.digest.clone(),
        ))
        .await?;
    println!("urne scellée le {closed_at} ; sceau {}", seal.digest);
    for s in &seal.scrutins {
        println!(
            "{:<24} {:>8} bulletins {:>8} émargements {:>8} codes",
            s.id, s.ballots, s.emargement, s.credentials
        );
    }
    Ok(())
}

/// `vote board-file`: the public board file (`vote-protocol.md` §8.2) from the sealed urne.
pub async fn board_file(store: &DynamoStore, out: &Path) -> Result<()> {
    if out.exists() {
        bail!("{} existe déjà : rien n'est écrasé", out.display());
    }
    let record = record_of(store).await?;
    let seal = seal_of(store).await?;
    let board = shared::services::voting::board_file(&record, seal, store.slots().await?)?;
    let count: usize = board.ballots.values().map(Vec::len).sum();
    let file =
        std::fs::File::create(out).with_context(|| format!("écriture de {}", out.display()))?;
    board.write_to(std::io::BufWriter::new(file)).map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("tableau d'affichage écrit dans {} ({count} bulletins)", out.display());
    Ok(())
}

/// `vote results`: publishes the results of the count (`electeur-cles combine`) once, after
/// checking that they are those of this election and this seal.
pub async fn results(store: &DynamoStore, file: &Path, operator: &str) -> Result<()> {
    let record = record_of(store).await?;
    let seal = seal_of(store).await?;
    let text =
        std::fs::read_to_string(file).with_context(|| format!("lecture de {}", file.display()))?;
    let results: vote::tally::Results =
        serde_json::from_str(&text).context("résultats illisibles")?;
    if results.election != record.fingerprint_hex() || results.seal != seal.digest {
        bail!("ces résultats ne sont pas ceux de cette élection et de ce sceau");
    }
    match store.write_results(&serde_json::to_string(&results)?).await {
        Ok(Published::Now) => {
            store
                .record(&JournalEntry::new(
                    operator,
                    "vote-results",
                    &record.record.election,
                    seal.digest,
                ))
                .await?;
            println!("résultats publiés");
        }
        Ok(Published::Already) => println!("résultats déjà publiés, identiques"),
        Err(shared::ports::StoreError::ConditionFailed) => {
            bail!("d'autres résultats sont déjà publiés")
        }
        Err(e) => return Err(e.into()),
    }
    Ok(())
}

/// `vote appeal-ends`: records the end of the appeal period, after which the purge may run.
pub async fn appeal_ends(
    store: &DynamoStore,
    at: chrono::DateTime<Utc>,
    operator: &str,
) -> Result<()> {
    let cal = store.calendar().await?.context("aucun calendrier")?;
    if at <= cal.voting_closes_at {
        bail!("la fin du délai de recours vient après la clôture du vote");
    }
    let entry = JournalEntry::new(operator, "vote-appeal-ends", "calendrier", at.to_rfc3339());
    store.set_appeal_ends(at.timestamp(), &entry).await?;
    println!("fin du délai de recours : {}", shared::calendar::paris(at));
    Ok(())
}

/// `vote purge`: after the appeal period, deletes the personal data and keeps the sealed board,
/// the seal and the results (`data-protection.md`).
pub async fn purge(store: &DynamoStore, operator: &str) -> Result<()> {
    let record = record_of(store).await?;
    seal_of(store).await?;
    if store.vote_results().await?.is_none() {
        bail!("les résultats ne sont pas publiés : rien n'est purgé avant le dépouillement");
    }
    let ends = store.appeal_ends().await?.context(
        "la fin du délai de recours n'est pas enregistrée (electeur-admin vote appeal-ends)",
    )?;
    if Utc::now().timestamp() < ends {
        bail!("le délai de recours n'est pas écoulé : rien n'est purgé");
    }
    let (portal, emargement) = store.purge_personal_data().await?;
    store
        .record(&JournalEntry::new(
            operator,
            "vote-purge",
            &record.record.election,
            format!("{portal} éléments du portail, {emargement} émargements supprimés"),
        ))
        .await?;
    println!(
        "données personnelles supprimées : {portal} éléments du portail, {emargement} émargements"
    );
    Ok(())
}
