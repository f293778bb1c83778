//! `import`: ballots, candidate lists, candidates and voters from CSV files.
//!
//! 1. Every row of every file is checked, and the ballots that voters name are looked up; all
//!    problems are reported with file and line, and nothing is written while there is one.
//! 2. The table is read (BatchGetItem, strongly consistent) to sort ballots and voters into new,
//!    changed and unchanged, and to find identifiers already held by another voter (reported as
//!    problems too).
//! 3. Changed ballots and new ones are written one transaction each; changed voters one
//!    transaction each, as an update of their roll data that keeps their account; new voters with
//!    BatchWriteItem, 25 items a call, sending again what DynamoDB leaves unprocessed.
//!
//! A new voter's profile is written only once their identifier index and electoral-list entries
//! are: a profile in the table means the voter is complete. A second run therefore finds every
//! voter written by the first one unchanged and writes nothing for them; a run that was
//! interrupted resumes by running it again, writing only what is missing. The profile of a voter
//! already in the table is never put (BatchWriteItem cannot check a condition, and a put would
//! wipe the account): only updated.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::future::Future;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use shared::model::{RollVoter, Scrutin};
use store_dynamodb::admin::{
    new_voter_writes, Backoff, JournalEntry, SendStats, BATCH_GET_MAX, BATCH_WRITE_MAX,
};
use store_dynamodb::DynamoStore;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::files::{self, Origin, Problem, Problems, Sources};

/// New voters written together: their secondary items, then their profiles.
const VOTERS_PER_CHUNK: usize = 50;

#[derive(Debug, Clone)]
pub struct Options {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Check and plan only.
    pub dry_run: bool,
    pub progress: bool,
    /// Stops the process abruptly once this many new voters are written and more are half
    /// written: how the tests interrupt an import at a known point.
    pub interrupt_after: Option<u64>,
    pub backoff: Backoff,
}

/// What an import did (or, with `dry_run`, would do).
#[derive(Debug, Default, Clone)]
pub struct Summary {
    pub dry_run: bool,
    pub scrutins_created: u64,
    pub scrutins_updated: u64,
    pub scrutins_unchanged: u64,
    pub voters_created: u64,
    pub voters_updated: u64,
    pub voters_unchanged: u64,
    /// Items written by BatchWriteItem (new voters).
    pub items_written: u64,
    pub writes: SendStats,
    pub reads: SendStats,
    pub read_time: Duration,
    pub write_time: Duration,
    /// The ballots whose electoral list the import may have changed: those of the files, those
    /// the voters name, and those changed voters leave. Their counts are redone after it.
    pub touched_scrutins: BTreeSet<String>,
}

impl Summary {
    pub fn lines(&self) -> Vec<String> {
        let rate = |n: u64, d: Duration| {
            if d.as_secs_f64() > 0.0 {
                n as f64 / d.as_secs_f64()
            } else {
                0.0
            }
        };
        let mut out = vec![
            format!(
                "scrutins : {} créés, {} modifiés, {} inchangés",
                self.scrutins_created, self.scrutins_updated, self.scrutins_unchanged
            ),
            format!(
                "électeurs : {} créés, {} modifiés, {} inchangés",
                self.voters_created, self.voters_updated, self.voters_unchanged
            ),
            format!(
                "lecture : {} appels BatchGetItem ({} clés relues), {:.1} s",
                self.reads.calls,
                self.reads.unprocessed,
                self.read_time.as_secs_f64()
            ),
        ];
        if self.dry_run {
            out.push("simulation : rien n'a été écrit".to_string());
        } else {
            out.push(format!(
                "écriture : {} éléments en {} appels BatchWriteItem ({} éléments renvoyés, {} appels refusés puis refaits), {:.1} s, {:.0} électeurs/s",
                self.items_written,
                self.writes.calls,
                self.writes.unprocessed,
                self.writes.refused,
                self.write_time.as_secs_f64(),
                rate(self.voters_created, self.write_time)
            ));
        }
        out
    }
}

pub enum Outcome {
    /// Something is wrong in the files or conflicts with the table: nothing was written.
    Invalid(Vec<Problem>),
    Done(Summary),
}

/// Runs `f` on every input with at most `concurrency` at once; the first error stops the rest.
async fn concurrently<I, O, F, Fut>(inputs: Vec<I>, concurrency: usize, f: F) -> Result<Vec<O>>
where
    I: Send + 'static,
    O: Send + 'static,
    F: Fn(I) -> Fut,
    Fut: Future<Output = Result<O>> + Send + 'static,
{
    let permits = Arc::new(Semaphore::new(concurrency.max(1)));
    let mut tasks = JoinSet::new();
    let mut out = Vec::new();
    for input in inputs {
        let permit = permits.clone().acquire_owned().await.expect("semaphore never closed");
        let fut = f(input);
        tasks.spawn(async move {
            let r = fut.await;
            drop(permit);
            r
        });
        while let Some(done) = tasks.try_join_next() {
            out.push(done.context("tâche interrompue")??);
        }
    }
    while let Some(done) = tasks.join_next().await {
        out.push(done.context("tâche interrompue")??);
    }
    Ok(out)
}

fn progress_bar(enabled: bool, len: u64, what: &str) -> ProgressBar {
    if !enabled || len == 0 {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({per_sec}, reste {eta})")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

/// How the roll of the files stands against the table.
struct VoterPlan {
    new: Vec<RollVoter>,
    changed: Vec<(RollVoter, RollVoter)>,
    unchanged: u64,
    /// Identifier index entries left by an interrupted import, which a voter may take over.
    stale_holders: HashMap<String, String>,
}

async fn plan_voters(
    store: &DynamoStore,
    voters: &[(RollVoter, Origin)],
    opts: &Options,
    reads: &mut SendStats,
    problems: &mut Problems,
) -> Result<VoterPlan> {
    let bar = progress_bar(opts.progress, voters.len() as u64, "lecture des profils");
    let chunks: Vec<Vec<String>> = voters
        .chunks(BATCH_GET_MAX)
        .map(|c| c.iter().map(|(v, _)| v.voter_id.clone()).collect())
        .collect();
    let found = concurrently(chunks, opts.concurrency, |ids| {
        let store = store.clone();
        let backoff = opts.backoff;
        let bar = bar.clone();
        async move {
            let r = store.roll_voters(&ids, &backoff).await.context("lecture des profils")?;
            bar.inc(ids.len() as u64);
            Ok(r)
        }
    })
    .await?;
    bar.finish_and_clear();
    let mut existing: HashMap<String, RollVoter> = HashMap::new();
    for (map, stats) in found {
        reads.add(stats);
        existing.extend(map);
    }

    let mut plan = VoterPlan {
        new: Vec::new(),
        changed: Vec::new(),
        unchanged: 0,
        stale_holders: HashMap::new(),
    };
    // identifiers to look up: those of new voters and the new ones of changed voters
    let mut to_check: Vec<(String, String, Origin)> = Vec::new();
    for (voter, at) in voters {
        match existing.get(&voter.voter_id) {
            None => {
                to_check.push((voter.email.clone(), voter.voter_id.clone(), at.clone()));
                plan.new.push(voter.clone());
            }
            Some(old) if old == voter => plan.unchanged += 1,
            Some(old) => {
                if old.email != voter.email {
                    to_check.push((voter.email.clone(), voter.voter_id.clone(), at.clone()));
                }
                plan.changed.push((old.clone(), voter.clone()));
            }
        }
    }

    let chunks: Vec<Vec<String>> = to_check
        .chunks(BATCH_GET_MAX)
        .map(|c| c.iter().map(|(e, _, _)| e.clone()).collect())
        .collect();
    let found = concurrently(chunks, opts.concurrency, |emails| {
        let store = store.clone();
        let backoff = opts.backoff;
        async move {
            store
                .email_holders(&emails, &backoff)
                .await
                .context("lecture de l'index des identifiants")
        }
    })
    .await?;
    let mut holders: HashMap<String, String> = HashMap::new();
    for (map, stats) in found {
        reads.add(stats);
        holders.extend(map);
    }

    // an identifier held by another voter is taken only if that voter's profile does not hold it
    let others: BTreeSet<String> = to_check
        .iter()
        .filter_map(|(email, id, _)| {
            holders.get(email).filter(|h| *h != id && !existing.contains_key(*h)).cloned()
        })
        .collect();
    let chunks: Vec<Vec<String>> = others
        .into_iter()
        .collect::<Vec<_>>()
        .chunks(BATCH_GET_MAX)
        .map(<[String]>::to_vec)
        .collect();
    let found = concurrently(chunks, opts.concurrency, |ids| {
        let store = store.clone();
        let backoff = opts.backoff;
        async move { store.roll_voters(&ids, &backoff).await.context("lecture des profils") }
    })
    .await?;
    let mut holder_profiles = existing;
    for (map, stats) in found {
        reads.add(stats);
        holder_profiles.extend(map);
    }
    for (email, voter_id, at) in &to_check {
        let Some(holder) = holders.get(email).filter(|h| *h != voter_id) else { continue };
        match holder_profiles.get(holder) {
            Some(p) if &p.email == email => problems.add(
                at,
                format!("l'adresse « {email} » est celle de l'électeur « {holder} » dans la table : changez d'abord l'adresse de celui-ci, ou retirez-le"),
            ),
            _ => {
                plan.stale_holders.insert(voter_id.clone(), holder.clone());
            }
        }
    }
    Ok(plan)
}

/// A ballot of the files completed from the table with what the import was not given: without
/// a lists file, a ballot keeps its candidate lists; without a candidates file, a list keeps the
/// candidates of the list of the same id.
fn complete(mut new: Scrutin, old: Option<&Scrutin>, sources: &Sources) -> Scrutin {
    let old_lists = old.map(|o| o.candidate_lists.as_slice()).unwrap_or_default();
    if sources.lists.is_none() {
        new.candidate_lists = old_lists.to_vec();
    } else if sources.candidates.is_none() {
        for list in &mut new.candidate_lists {
            list.candidates = old_lists
                .iter()
                .find(|o| o.id == list.id)
                .map(|o| o.candidates.clone())
                .unwrap_or_default();
        }
    }
    new
}

/// Ballots of the files against the table: (old, new) for every ballot to write.
async fn plan_scrutins(
    store: &DynamoStore,
    sources: &Sources,
    scrutins: &[(Scrutin, Origin)],
    summary: &mut Summary,
) -> Result<Vec<(Option<Scrutin>, Scrutin)>> {
    let mut to_write = Vec::new();
    for (scrutin, _) in scrutins {
        let old = store
            .scrutin_consistent(&scrutin.id)
            .await
            .with_context(|| format!("lecture du scrutin {}", scrutin.id))?;
        let scrutin = &complete(scrutin.clone(), old.as_ref(), sources);
        match old {
            Some(old) if &old == scrutin => summary.scrutins_unchanged += 1,
            Some(old) => {
                summary.scrutins_updated += 1;
                to_write.push((Some(old), scrutin.clone()));
            }
            None => {
                summary.scrutins_created += 1;
                to_write.push((None, scrutin.clone()));
            }
        }
    }
    Ok(to_write)
}

/// A stable shuffle: new voters are written in the order of a hash of their id, so that a roll
/// sorted by name does not send every write of a moment to one electoral-list partition.
fn spread(voters: &mut [RollVoter]) {
    voters.sort_by_cached_key(|v| {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        v.voter_id.hash(&mut h);
        h.finish()
    });
}

struct ChunkDone {
    voters: u64,
    items: u64,
    stats: SendStats,
}

async fn write_new_voters(
    store: &DynamoStore,
    mut voters: Vec<RollVoter>,
    opts: &Options,
    summary: &mut Summary,
) -> Result<()> {
    spread(&mut voters);
    let created_at = chrono::Utc::now().timestamp();
    let bar = progress_bar(opts.progress, voters.len() as u64, "écriture des électeurs");
    let committed = Arc::new(AtomicU64::new(0));
    let chunks: Vec<Vec<RollVoter>> =
        voters.chunks(VOTERS_PER_CHUNK).map(<[RollVoter]>::to_vec).collect();
    let done = concurrently(chunks, opts.concurrency, |chunk| {
        let store = store.clone();
        let backoff = opts.backoff;
        let bar = bar.clone();
        let committed = committed.clone();
        let interrupt_after = opts.interrupt_after;
        async move {
            let mut before = Vec::new();
            let mut profiles = Vec::new();
            for v in &chunk {
                let w = new_voter_writes(v, created_at)
                    .with_context(|| format!("électeur {}", v.voter_id))?;
                before.extend(w.before);
                profiles.push(w.profile);
            }
            let items = (before.len() + profiles.len()) as u64;
            let mut stats = SendStats::default();
            for batch in before.chunks(BATCH_WRITE_MAX) {
                stats.add(
                    store
                        .batch_write(batch.to_vec(), &backoff)
                        .await
                        .context("écriture par lots")?,
                );
            }
            if interrupt_after.is_some_and(|n| committed.load(Ordering::SeqCst) >= n) {
                bar.abandon();
                eprintln!(
                    "import interrompu (essai) après {} électeurs",
                    committed.load(Ordering::SeqCst)
                );
                std::process::exit(3);
            }
            for batch in profiles.chunks(BATCH_WRITE_MAX) {
                stats.add(
                    store
                        .batch_write(batch.to_vec(), &backoff)
                        .await
                        .context("écriture par lots")?,
                );
            }
            committed.fetch_add(chunk.len() as u64, Ordering::SeqCst);
            bar.inc(chunk.len() as u64);
            Ok(ChunkDone { voters: chunk.len() as u64, items, stats })
        }
    })
    .await;
    bar.finish_and_clear();
    let done = done?;
    for chunk in done {
        summary.voters_created += chunk.voters;
        summary.items_written += chunk.items;
        summary.writes.add(chunk.stats);
    }
    Ok(())
}

/// Checks the files against themselves and the table, then writes what differs.
pub async fn run(
    store: &DynamoStore,
    sources: &Sources,
    opts: &Options,
    operator: &str,
) -> Result<Outcome> {
    let (parsed, mut problems) = files::read(sources);

    // ballots named by voters must be in the files or in the table
    let in_files: HashSet<&str> = parsed.scrutins.iter().map(|(s, _)| s.id.as_str()).collect();
    let named: BTreeSet<String> = parsed
        .voters
        .iter()
        .flat_map(|(v, _)| v.scrutins.iter())
        .filter(|id| !in_files.contains(id.as_str()))
        .cloned()
        .collect();
    let mut in_table = HashSet::new();
    for chunk in named.into_iter().collect::<Vec<_>>().chunks(BATCH_GET_MAX) {
        in_table.extend(
            store
                .existing_scrutins(chunk, &opts.backoff)
                .await
                .context("lecture des scrutins de la table")?,
        );
    }
    for (voter, at) in &parsed.voters {
        for id in &voter.scrutins {
            if !in_files.contains(id.as_str()) && !in_table.contains(id) {
                problems.add(
                    at,
                    format!(
                        "scrutin « {id} » inconnu : absent du fichier des scrutins et de la table"
                    ),
                );
            }
        }
    }
    if !problems.0.is_empty() {
        return Ok(Outcome::Invalid(problems.0));
    }
    println!(
        "fichiers valides : {} scrutins, {} électeurs",
        parsed.scrutins.len(),
        parsed.voters.len()
    );

    let mut summary = Summary { dry_run: opts.dry_run, ..Summary::default() };
    let started = Instant::now();
    let scrutins = plan_scrutins(store, sources, &parsed.scrutins, &mut summary).await?;
    let mut reads = SendStats::default();
    let plan = plan_voters(store, &parsed.voters, opts, &mut reads, &mut problems).await?;
    summary.reads = reads;
    summary.read_time = started.elapsed();
    if !problems.0.is_empty() {
        return Ok(Outcome::Invalid(problems.0));
    }
    summary.voters_unchanged = plan.unchanged;
    if opts.dry_run {
        summary.voters_created = plan.new.len() as u64;
        summary.voters_updated = plan.changed.len() as u64;
        return Ok(Outcome::Done(summary));
    }

    summary.touched_scrutins = parsed
        .scrutins
        .iter()
        .map(|(s, _)| s.id.clone())
        .chain(parsed.voters.iter().flat_map(|(v, _)| v.scrutins.iter().cloned()))
        .chain(plan.changed.iter().flat_map(|(old, _)| old.scrutins.iter().cloned()))
        .collect();
    let started = Instant::now();
    let result = write(store, scrutins, plan, opts, &mut summary, operator).await;
    summary.write_time = started.elapsed();

    let detail = summary.lines().join(" ; ");
    let detail = match &result {
        Ok(()) => detail,
        Err(e) => format!("échec, à relancer ({e:#}) ; {detail}"),
    };
    let entry = JournalEntry::new(operator, "import", &files_named(sources), detail);
    store.record(&entry).await.context("écriture du journal")?;
    result?;
    Ok(Outcome::Done(summary))
}

/// Step 3: ballots, then changed voters, then new voters.
async fn write(
    store: &DynamoStore,
    scrutins: Vec<(Option<Scrutin>, Scrutin)>,
    plan: VoterPlan,
    opts: &Options,
    summary: &mut Summary,
    operator: &str,
) -> Result<()> {
    for (old, new) in &scrutins {
        store
            .replace_scrutin(old.as_ref(), new)
            .await
            .with_context(|| format!("écriture du scrutin {}", new.id))?;
    }
    let stale = Arc::new(plan.stale_holders);
    let updated = concurrently(plan.changed, opts.concurrency, |(old, new)| {
        let store = store.clone();
        let stale = stale.clone();
        // A new address voids the voter's links and sessions and reopens activation: each one is
        // journaled in its own transaction.
        let entry = (old.email != new.email).then(|| {
            JournalEntry::new(
                operator,
                "changement d'adresse",
                &new.voter_id,
                format!(
                    "{} → {} ; liens et sessions annulés, compte à activer de nouveau",
                    old.email, new.email
                ),
            )
        });
        async move {
            store
                .replace_roll_voter(
                    &old,
                    &new,
                    stale.get(&new.voter_id).map(String::as_str),
                    entry.as_ref(),
                )
                .await
                .map_err(|e| {
                    anyhow!(
                        "électeur {} : {e} (modifié pendant l'import ? relancez la commande)",
                        new.voter_id
                    )
                })
        }
    })
    .await?;
    summary.voters_updated = updated.len() as u64;
    write_new_voters(store, plan.new, opts, summary).await
}

fn files_named(sources: &Sources) -> String {
    [&sources.scrutins, &sources.lists, &sources.candidates, &sources.voters]
        .iter()
        .filter_map(|p| p.as_ref())
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().to_string()))
        .collect::<Vec<_>>()
        .join(", ")
}
