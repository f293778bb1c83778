//! The credential authority (§7 of `docs/vote-protocol.md`), which the portal's operator does not
//! run: voting codes for every voter of the roll, the public credential lists for the portal, the
//! voters' notices, the authority's ledger, reissues and their checks.

pub mod files;
pub mod notice;
pub mod roll;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use rand::rngs::OsRng;
use vote::credential::{display_code, new_code, Credential, ALPHABET, CODE_LEN};
use vote::encoding::Point;
use vote::transcript::{hash_to_bytes, Part};

use files::{
    Access, CredentialLists, CredentialUpdate, Issued, Ledger, LedgerVoter, NoticeRow,
    NoticeSettings, Outputs, ScrutinCredential, Status, LEDGER_VERSION,
};
use notice::NoticeFor;
use roll::RollEntry;

pub const CREDENTIALS_FILE: &str = "credentials.json";
pub const NOTICES_CSV: &str = "notices.csv";
pub const NOTICES_TXT: &str = "notices.txt";
pub const LEDGER_FILE: &str = "ledger.json";
pub const REISSUE_CSV: &str = "notice.csv";
pub const REISSUE_TXT: &str = "notice.txt";
pub const UPDATE_FILE: &str = "update.json";

/// A run refused for what it was given (exit status 2); each line says why.
#[derive(Debug)]
pub struct Refused(pub Vec<String>);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.join("\n"))
    }
}

impl std::error::Error for Refused {}

fn refused(message: impl Into<String>) -> anyhow::Error {
    Refused(vec![message.into()]).into()
}

/// A demo code: the first 80 bits of `Hb("demo-code", election, u64 seed, voter id)` in the
/// code alphabet. Anyone who knows the seed knows every code: for demos and tests only.
pub fn demo_code(election: &str, seed: u64, voter_id: &str) -> String {
    let digest = hash_to_bytes(
        "demo-code",
        &[Part::Str(election), Part::Bytes(&seed.to_be_bytes()), Part::Str(voter_id)],
    );
    let mut bits: u128 = 0;
    for b in &digest[..10] {
        bits = bits << 8 | u128::from(*b);
    }
    (0..CODE_LEN)
        .map(|i| ALPHABET[((bits >> (5 * (CODE_LEN - 1 - i))) & 31) as usize] as char)
        .collect()
}

/// The public credential (hex) of each code, on every core.
fn derive_all(election: &str, codes: &[String]) -> Vec<String> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8);
    let chunk = codes.len().div_ceil(threads).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = codes
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|code| {
                            Credential::from_code(election, code)
                                .expect("a code made here is well formed")
                                .public
                                .hex()
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("deriving does not panic")).collect()
    })
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn check_election_id(election: &str) -> Result<()> {
    if election.is_empty() || election.len() > 64 || election.chars().any(char::is_control) {
        return Err(refused(format!(
            "identifiant d'élection « {election} » invalide (1 à 64 caractères imprimables)"
        )));
    }
    Ok(())
}

/// What `generate` is given.
pub struct GenerateOptions {
    pub election: String,
    pub roll: PathBuf,
    pub scrutins: Option<PathBuf>,
    pub delimiter: u8,
    pub out: PathBuf,
    pub title: String,
    pub portal: Option<String>,
    pub opens: Option<String>,
    pub closes: Option<String>,
    /// Deterministic codes (demo and tests only).
    pub demo_seed: Option<u64>,
}

/// What `generate` did.
pub struct Generated {
    pub voters: usize,
    /// Scrutin → number of credentials.
    pub scrutins: BTreeMap<String, usize>,
    pub files: Vec<PathBuf>,
}

fn notice_row(v: &RollEntry, code: &str) -> NoticeRow {
    NoticeRow {
        voter_id: v.voter_id.clone(),
        email: v.email.clone(),
        civility: v.civility.clone(),
        first_name: v.first_name.clone(),
        last_name: v.last_name.clone(),
        scrutins: v.scrutins.join("|"),
        code: display_code(code),
    }
}

fn write_notice_csv(w: &mut dyn Write, rows: &[NoticeRow]) -> Result<()> {
    let mut csv = csv::Writer::from_writer(w);
    for r in rows {
        csv.serialize(r)?;
    }
    csv.flush()?;
    Ok(())
}

/// `generate`: a fresh code for every voter of the roll, and the four files.
pub fn generate(opts: &GenerateOptions) -> Result<Generated> {
    check_election_id(&opts.election)?;
    let voters = roll::read_roll(&opts.roll, opts.delimiter).map_err(Refused)?;
    let scrutin_names = match &opts.scrutins {
        Some(path) => roll::read_scrutin_names(path, opts.delimiter).map_err(Refused)?,
        None => BTreeMap::new(),
    };
    if !scrutin_names.is_empty() {
        let missing: BTreeSet<&str> = voters
            .iter()
            .flat_map(|v| v.scrutins.iter())
            .filter(|s| !scrutin_names.contains_key(*s))
            .map(String::as_str)
            .collect();
        if !missing.is_empty() {
            return Err(refused(format!(
                "scrutin(s) de la liste électorale absent(s) du fichier des scrutins : {}",
                missing.into_iter().collect::<Vec<_>>().join(", ")
            )));
        }
    }
    for t in [&opts.opens, &opts.closes].into_iter().flatten() {
        notice::parse_paris(t).map_err(|e| refused(e.to_string()))?;
    }
    let settings = NoticeSettings {
        title: opts.title.clone(),
        portal: opts.portal.clone(),
        opens: opts.opens.clone(),
        closes: opts.closes.clone(),
        scrutin_names,
    };
    let paths: Vec<PathBuf> =
        [CREDENTIALS_FILE, NOTICES_CSV, NOTICES_TXT, LEDGER_FILE].map(|f| opts.out.join(f)).into();
    files::refuse_existing(&paths).map_err(|e| refused(e.to_string()))?;

    let codes: Vec<String> = match opts.demo_seed {
        Some(seed) => voters.iter().map(|v| demo_code(&opts.election, seed, &v.voter_id)).collect(),
        None => voters.iter().map(|_| new_code(&mut OsRng)).collect(),
    };
    let credentials = derive_all(&opts.election, &codes);
    let mut seen = HashSet::with_capacity(credentials.len());
    if !credentials.iter().all(|c| seen.insert(c.as_str())) {
        // 80 random bits: not expected in the lifetime of the universe, but never issued twice.
        anyhow::bail!("deux codes tirés identiques : relancez la commande");
    }

    let mut lists: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut ledger_voters = BTreeMap::new();
    let issued_at = now();
    for (v, credential) in voters.iter().zip(&credentials) {
        for s in &v.scrutins {
            lists.entry(s.clone()).or_default().push(credential.clone());
        }
        ledger_voters.insert(
            v.voter_id.clone(),
            LedgerVoter {
                email: v.email.clone(),
                civility: v.civility.clone(),
                first_name: v.first_name.clone(),
                last_name: v.last_name.clone(),
                scrutins: v.scrutins.clone(),
                credentials: vec![Issued {
                    credential: credential.clone(),
                    status: Status::Active,
                    issued_at: issued_at.clone(),
                    revoked_at: None,
                    reason: None,
                }],
            },
        );
    }
    for list in lists.values_mut() {
        list.sort_unstable();
    }
    let counts = lists.iter().map(|(s, l)| (s.clone(), l.len())).collect();
    let public = CredentialLists { election: opts.election.clone(), scrutins: lists };
    let ledger = Ledger {
        version: LEDGER_VERSION,
        election: opts.election.clone(),
        demo_seed: opts.demo_seed,
        notice: settings,
        voters: ledger_voters,
    };
    let rows: Vec<NoticeRow> =
        voters.iter().zip(&codes).map(|(v, code)| notice_row(v, code)).collect();

    std::fs::create_dir_all(&opts.out)
        .with_context(|| format!("création du dossier {}", opts.out.display()))?;
    let mut out = Outputs::default();
    out.write_json(&paths[0], Access::Shared, &public)?;
    out.write(&paths[1], Access::Private, |w| write_notice_csv(w, &rows))?;
    out.write(&paths[2], Access::Private, |w| {
        for (i, (v, row)) in voters.iter().zip(&rows).enumerate() {
            if i > 0 {
                w.write_all(notice::PAGE_BREAK.as_bytes())?;
            }
            let text = notice::render(
                &ledger.notice,
                &NoticeFor {
                    voter_id: &v.voter_id,
                    civility: &v.civility,
                    first_name: &v.first_name,
                    last_name: &v.last_name,
                    scrutins: &v.scrutins,
                    code: &row.code,
                    demo: opts.demo_seed.is_some(),
                    reissue: false,
                },
            );
            w.write_all(text.as_bytes())?;
        }
        Ok(())
    })?;
    out.write_json(&paths[3], Access::Private, &ledger)?;
    Ok(Generated { voters: voters.len(), scrutins: counts, files: out.keep() })
}

/// What `reissue` did.
pub struct Reissued {
    pub voter_id: String,
    pub scrutins: Vec<String>,
    pub files: Vec<PathBuf>,
}

/// `reissue`: a new code for one voter, the notice, the portal's update, and the ledger with
/// the old credential revoked.
pub fn reissue(
    ledger_path: &Path,
    voter_id: &str,
    out_dir: &Path,
    reason: Option<&str>,
) -> Result<Reissued> {
    let mut ledger: Ledger =
        files::read_json(ledger_path).map_err(|e| refused(format!("{e:#}")))?;
    if ledger.version != LEDGER_VERSION {
        return Err(refused(format!("registre de version {} inconnue", ledger.version)));
    }
    let paths: Vec<PathBuf> =
        [REISSUE_TXT, REISSUE_CSV, UPDATE_FILE].map(|f| out_dir.join(f)).into();
    files::refuse_existing(&paths).map_err(|e| refused(e.to_string()))?;
    let known: HashSet<String> = ledger
        .voters
        .values()
        .flat_map(|v| v.credentials.iter().map(|c| c.credential.clone()))
        .collect();
    let voter = ledger
        .voters
        .get(voter_id)
        .ok_or_else(|| refused(format!("électeur « {voter_id} » absent du registre")))?;
    let old = voter
        .active()
        .ok_or_else(|| refused(format!("électeur « {voter_id} » sans code en vigueur")))?
        .credential
        .clone();

    let code = new_code(&mut OsRng);
    let credential = Credential::from_code(&ledger.election, &code)?.public.hex();
    if known.contains(&credential) {
        anyhow::bail!("code tiré identique à un code déjà émis : relancez la commande");
    }
    let update = CredentialUpdate {
        election: ledger.election.clone(),
        revoke: voter
            .scrutins
            .iter()
            .map(|s| ScrutinCredential { scrutin: s.clone(), credential: old.clone() })
            .collect(),
        add: voter
            .scrutins
            .iter()
            .map(|s| ScrutinCredential { scrutin: s.clone(), credential: credential.clone() })
            .collect(),
    };
    let entry = RollEntry {
        voter_id: voter_id.to_string(),
        email: voter.email.clone(),
        civility: voter.civility.clone(),
        first_name: voter.first_name.clone(),
        last_name: voter.last_name.clone(),
        scrutins: voter.scrutins.clone(),
    };
    let row = notice_row(&entry, &code);
    let text = notice::render(
        &ledger.notice,
        &NoticeFor {
            voter_id,
            civility: &entry.civility,
            first_name: &entry.first_name,
            last_name: &entry.last_name,
            scrutins: &entry.scrutins,
            code: &row.code,
            demo: ledger.demo_seed.is_some(),
            reissue: true,
        },
    );

    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("création du dossier {}", out_dir.display()))?;
    let mut out = Outputs::default();
    out.write(&paths[0], Access::Private, |w| Ok(w.write_all(text.as_bytes())?))?;
    out.write(&paths[1], Access::Private, |w| write_notice_csv(w, std::slice::from_ref(&row)))?;
    out.write_json(&paths[2], Access::Shared, &update)?;

    let at = now();
    let voter = ledger.voters.get_mut(voter_id).expect("found above");
    for c in voter.credentials.iter_mut().filter(|c| c.status == Status::Active) {
        c.status = Status::Revoked;
        c.revoked_at = Some(at.clone());
    }
    voter.credentials.push(Issued {
        credential,
        status: Status::Active,
        issued_at: at,
        revoked_at: None,
        reason: reason.map(str::to_string),
    });
    let scrutins = voter.scrutins.clone();
    files::replace_ledger(ledger_path, &ledger)?;
    Ok(Reissued { voter_id: voter_id.to_string(), scrutins, files: out.keep() })
}

/// What `enrol` did.
pub struct Enrolled {
    pub voters: usize,
    pub files: Vec<PathBuf>,
}

/// `enrol`: codes for voters added to the roll after `generate` (the administration's
/// `add-voter`): their notices, an update for the portal that only adds, and the ledger. A voter
/// already in the ledger is refused (a lost code is a reissue). With a demo ledger the codes are
/// the demo codes of the same seed.
pub fn enrol(
    ledger_path: &Path,
    roll_path: &Path,
    delimiter: u8,
    out_dir: &Path,
) -> Result<Enrolled> {
    let mut ledger: Ledger =
        files::read_json(ledger_path).map_err(|e| refused(format!("{e:#}")))?;
    if ledger.version != LEDGER_VERSION {
        return Err(refused(format!("registre de version {} inconnue", ledger.version)));
    }
    let voters = roll::read_roll(roll_path, delimiter).map_err(Refused)?;
    let known_voters: Vec<String> = voters
        .iter()
        .filter(|v| ledger.voters.contains_key(&v.voter_id))
        .map(|v| {
            format!(
                "électeur « {} » déjà au registre (un code perdu se réémet : reissue)",
                v.voter_id
            )
        })
        .collect();
    if !known_voters.is_empty() {
        return Err(Refused(known_voters).into());
    }
    let paths: Vec<PathBuf> =
        [NOTICES_TXT, NOTICES_CSV, UPDATE_FILE].map(|f| out_dir.join(f)).into();
    files::refuse_existing(&paths).map_err(|e| refused(e.to_string()))?;

    let codes: Vec<String> = match ledger.demo_seed {
        Some(seed) => {
            voters.iter().map(|v| demo_code(&ledger.election, seed, &v.voter_id)).collect()
        }
        None => voters.iter().map(|_| new_code(&mut OsRng)).collect(),
    };
    let credentials = derive_all(&ledger.election, &codes);
    let mut seen: HashSet<&str> = ledger
        .voters
        .values()
        .flat_map(|v| v.credentials.iter().map(|c| c.credential.as_str()))
        .collect();
    if !credentials.iter().all(|c| seen.insert(c.as_str())) {
        anyhow::bail!("code tiré identique à un code déjà émis : relancez la commande");
    }
    let mut add: Vec<ScrutinCredential> = voters
        .iter()
        .zip(&credentials)
        .flat_map(|(v, c)| {
            v.scrutins
                .iter()
                .map(|s| ScrutinCredential { scrutin: s.clone(), credential: c.clone() })
        })
        .collect();
    // Sorted, so that the update does not keep the roll's order.
    add.sort();
    let update = CredentialUpdate { election: ledger.election.clone(), revoke: Vec::new(), add };
    let rows: Vec<NoticeRow> =
        voters.iter().zip(&codes).map(|(v, code)| notice_row(v, code)).collect();

    std::fs::create_dir_all(out_dir)
        .with_context(|| format!("création du dossier {}", out_dir.display()))?;
    let mut out = Outputs::default();
    out.write(&paths[0], Access::Private, |w| {
        for (i, (v, row)) in voters.iter().zip(&rows).enumerate() {
            if i > 0 {
                w.write_all(notice::PAGE_BREAK.as_bytes())?;
            }
            let text = notice::render(
                &ledger.notice,
                &NoticeFor {
                    voter_id: &v.voter_id,
                    civility: &v.civility,
                    first_name: &v.first_name,
                    last_name: &v.last_name,
                    scrutins: &v.scrutins,
                    code: &row.code,
                    demo: ledger.demo_seed.is_some(),
                    reissue: false,
                },
            );
            w.write_all(text.as_bytes())?;
        }
        Ok(())
    })?;
    out.write(&paths[1], Access::Private, |w| write_notice_csv(w, &rows))?;
    out.write_json(&paths[2], Access::Shared, &update)?;
    let at = now();
    for (v, credential) in voters.iter().zip(credentials) {
        ledger.voters.insert(
            v.voter_id.clone(),
            LedgerVoter {
                email: v.email.clone(),
                civility: v.civility.clone(),
                first_name: v.first_name.clone(),
                last_name: v.last_name.clone(),
                scrutins: v.scrutins.clone(),
                credentials: vec![Issued {
                    credential,
                    status: Status::Active,
                    issued_at: at.clone(),
                    revoked_at: None,
                    reason: Some("inscription tardive".to_string()),
                }],
            },
        );
    }
    files::replace_ledger(ledger_path, &ledger)?;
    Ok(Enrolled { voters: voters.len(), files: out.keep() })
}

/// What `check` found: what agrees, and every problem.
#[derive(Debug, Default)]
pub struct CheckReport {
    pub checked: Vec<String>,
    pub notes: Vec<String>,
    pub problems: Vec<String>,
}

/// `check`: the portal's credential lists against the ledger. Every credential on a scrutin's
/// list belongs to one voter of that scrutin, each voter of the scrutin has exactly one of
/// their credentials there, no credential is listed twice or issued to two voters.
pub fn check(lists: &CredentialLists, ledger: &Ledger) -> CheckReport {
    let mut r = CheckReport::default();
    if ledger.version != LEDGER_VERSION {
        r.problems.push(format!("registre de version {} inconnue", ledger.version));
        return r;
    }
    if lists.election != ledger.election {
        r.problems.push(format!(
            "listes de l'élection « {} », registre de l'élection « {} »",
            lists.election, ledger.election
        ));
        return r;
    }
    if let Some(seed) = ledger.demo_seed {
        r.notes.push(format!(
            "registre de DÉMONSTRATION (graine {seed}) : ces codes ne valent pas pour une élection réelle"
        ));
    }

    // The ledger alone: each credential issued once, each voter one active credential.
    let mut owner: HashMap<&str, (&str, Status)> = HashMap::new();
    let mut voters_of: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let mut issued = 0usize;
    for (id, v) in &ledger.voters {
        let active = v.credentials.iter().filter(|c| c.status == Status::Active).count();
        if active != 1 {
            r.problems.push(format!("électeur {id} : {active} codes en vigueur au registre"));
        }
        for c in &v.credentials {
            issued += 1;
            if Point::parse(&c.credential).is_err() {
                r.problems.push(format!("électeur {id} : clé publique illisible au registre"));
            }
            if let Some((other, _)) = owner.insert(&c.credential, (id, c.status)) {
                r.problems.push(format!(
                    "clé publique {} émise deux fois au registre (électeurs {other} et {id})",
                    c.credential
                ));
            }
        }
        for s in &v.scrutins {
            voters_of.entry(s).or_default().insert(id);
        }
    }
    r.checked.push(format!(
        "élection {} : {} électeurs au registre, {issued} clés publiques émises, chacune une fois",
        ledger.election,
        ledger.voters.len()
    ));

    let listed: BTreeSet<&str> = lists.scrutins.keys().map(String::as_str).collect();
    let expected: BTreeSet<&str> = voters_of.keys().copied().collect();
    for s in expected.difference(&listed) {
        r.problems.push(format!("scrutin {s} : au registre, absent des listes"));
    }
    for s in listed.difference(&expected) {
        r.problems.push(format!("scrutin {s} : dans les listes, aucun électeur au registre"));
    }

    let mut revoked_listed = 0usize;
    for (scrutin, list) in &lists.scrutins {
        let before = r.problems.len();
        let mut seen_voters: HashSet<&str> = HashSet::new();
        for (i, c) in list.iter().enumerate() {
            if Point::parse(c).is_err() {
                r.problems.push(format!("scrutin {scrutin} : « {c} » n'est pas une clé publique"));
            }
            if i > 0 && list[i - 1] >= *c {
                r.problems
                    .push(format!("scrutin {scrutin} : liste non triée ou clé {c} en double"));
            }
            match owner.get(c.as_str()) {
                None => {
                    r.problems.push(format!("scrutin {scrutin} : clé {c} inconnue du registre"))
                }
                Some((id, status)) => {
                    let on_scrutin =
                        voters_of.get(scrutin.as_str()).is_some_and(|set| set.contains(id));
                    if !on_scrutin {
                        r.problems.push(format!(
                            "scrutin {scrutin} : clé {c} d'un électeur ({id}) qui ne vote pas à ce scrutin"
                        ));
                    } else if !seen_voters.insert(id) {
                        r.problems
                            .push(format!("scrutin {scrutin} : deux clés du même électeur ({id})"));
                    }
                    if *status == Status::Revoked {
                        revoked_listed += 1;
                    }
                }
            }
        }
        let registered = voters_of.get(scrutin.as_str()).map_or(0, BTreeSet::len);
        if let Some(set) = voters_of.get(scrutin.as_str()) {
            let missing = set.iter().filter(|id| !seen_voters.contains(**id)).count();
            if missing > 0 {
                r.problems.push(format!(
                    "scrutin {scrutin} : {missing} électeur(s) du registre sans clé sur la liste"
                ));
            }
        }
        if r.problems.len() == before {
            r.checked.push(format!(
                "scrutin {scrutin} : {} clés publiques pour {registered} électeurs, une par électeur",
                list.len()
            ));
        }
    }
    if revoked_listed > 0 {
        r.notes.push(format!(
            "{revoked_listed} clé(s) révoquée(s) encore sur une liste : mise à jour du portail pas encore appliquée, ou refusée là où l'ancienne clé avait déjà voté"
        ));
    }
    if r.problems.is_empty() {
        r.checked.push("aucune clé publique en double, aucune inconnue du registre".to_string());
    }
    r
}

/// The lists as they are after the portal applied these updates in full (what the authority
/// expects when no voter had voted yet).
pub fn apply_update(lists: &mut CredentialLists, update: &CredentialUpdate) -> Result<()> {
    if update.election != lists.election {
        return Err(refused("mise à jour d'une autre élection"));
    }
    for r in &update.revoke {
        let list = lists
            .scrutins
            .get_mut(&r.scrutin)
            .ok_or_else(|| refused(format!("scrutin {} absent des listes", r.scrutin)))?;
        let pos = list
            .binary_search(&r.credential)
            .map_err(|_| refused(format!("scrutin {} : clé à révoquer absente", r.scrutin)))?;
        list.remove(pos);
    }
    for a in &update.add {
        let list = lists
            .scrutins
            .get_mut(&a.scrutin)
            .ok_or_else(|| refused(format!("scrutin {} absent des listes", a.scrutin)))?;
        match list.binary_search(&a.credential) {
            Ok(_) => return Err(refused(format!("scrutin {} : clé ajoutée déjà là", a.scrutin))),
            Err(pos) => list.insert(pos, a.credential.clone()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_codes_are_fixed_by_the_seed_and_valid() {
        let a = demo_code("demo", 7, "2000001");
        assert_eq!(a, demo_code("demo", 7, "2000001"));
        assert_ne!(a, demo_code("demo", 8, "2000001"));
        assert_ne!(a, demo_code("demo", 7, "2000002"));
        assert_ne!(a, demo_code("autre", 7, "2000001"));
        assert_eq!(vote::credential::normalise_code(&a).unwrap(), a);
    }
}
