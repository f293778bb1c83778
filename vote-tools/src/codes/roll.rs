//! The roll as the administration exports it to the credential authority: the `voters.csv` of
//! the portal's import (`docs/admin.md`), read with the same checks (the portal's own
//! validators), and optionally the import's `scrutins.csv` for the ballots' names on the notices.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use serde::Deserialize;
use shared::model::Civility;
use shared::validate::{Identifier, VoterId};

/// Most ballots one voter votes in (as the import).
pub const MAX_SCRUTINS_PER_VOTER: usize = 7;

/// One voter of the roll, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollEntry {
    pub voter_id: String,
    pub email: String,
    pub civility: String,
    pub first_name: String,
    pub last_name: String,
    /// In the order of the file, no repeat.
    pub scrutins: Vec<String>,
}

#[derive(Deserialize)]
struct VoterRow {
    voter_id: String,
    email: String,
    civility: String,
    first_name: String,
    last_name: String,
    scrutins: String,
}

#[derive(Deserialize)]
struct ScrutinRow {
    scrutin_id: String,
    name: String,
    // `description` may be there too: the notices do not print it.
}

const VOTER_COLUMNS: (&[&str], &[&str]) =
    (&["voter_id", "email", "civility", "first_name", "last_name", "scrutins"], &[]);
const SCRUTIN_COLUMNS: (&[&str], &[&str]) = (&["scrutin_id", "name"], &["description"]);

/// Every problem of a file, as `file:line: message`.
pub type Problems = Vec<String>;

/// Reads the rows of a CSV file whose header names the columns in any order (a byte-order mark
/// is accepted, fields are trimmed), as the import does.
fn rows<T: for<'de> Deserialize<'de>>(
    path: &Path,
    delimiter: u8,
    (required, optional): (&[&str], &[&str]),
    problems: &mut Problems,
) -> Vec<(T, u64)> {
    let file = path.display().to_string();
    let mut reader =
        match csv::ReaderBuilder::new().delimiter(delimiter).trim(csv::Trim::All).from_path(path) {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("{file}:0: lecture impossible : {e}"));
                return Vec::new();
            }
        };
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            problems.push(format!("{file}:1: en-tête illisible : {e}"));
            return Vec::new();
        }
    };
    let before = problems.len();
    let mut seen = HashSet::new();
    for name in headers.iter() {
        if !seen.insert(name) {
            problems.push(format!("{file}:1: colonne « {name} » en double"));
        } else if !required.contains(&name) && !optional.contains(&name) {
            problems.push(format!("{file}:1: colonne inconnue « {name} »"));
        }
    }
    for name in required {
        if !seen.contains(name) {
            problems.push(format!("{file}:1: colonne obligatoire « {name} » absente"));
        }
    }
    if problems.len() > before {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(line, |p| p.line());
                if record.iter().all(str::is_empty) {
                    continue;
                }
                match record.deserialize::<T>(Some(&headers)) {
                    Ok(row) => out.push((row, line)),
                    Err(e) => problems.push(format!("{file}:{line}: ligne illisible : {e}")),
                }
            }
            Err(e) => {
                let line = e.position().map_or(line, |p| p.line());
                let io = matches!(e.kind(), csv::ErrorKind::Io(_));
                problems.push(format!("{file}:{line}: ligne illisible : {e}"));
                if io {
                    break;
                }
            }
        }
    }
    out
}

fn person_name(raw: &str, what: &str) -> Result<String, String> {
    let value = raw.trim();
    if value.is_empty() {
        Err(format!("{what} vide"))
    } else if value.chars().count() > 100 {
        Err(format!("{what} de plus de 100 caractères"))
    } else if value.chars().any(char::is_control) {
        Err(format!("{what} avec un caractère non imprimable"))
    } else {
        Ok(value.to_string())
    }
}

fn scrutin_id(raw: &str) -> Result<String, String> {
    shared::validate::scrutin_id(raw, "scrutin_id")
        .map_err(|_| format!("identifiant de scrutin « {raw} » invalide"))
}

/// One row of `voters.csv`, checked as the import checks it.
fn entry(row: &VoterRow) -> Result<RollEntry, Vec<String>> {
    let mut errors = Vec::new();
    let voter_id = VoterId::parse(&row.voter_id)
        .map(|v| v.as_str().to_string())
        .map_err(|_| format!("identifiant d'électeur « {} » invalide", row.voter_id));
    let email = Identifier::parse(&row.email)
        .map(|v| v.as_str().to_string())
        .map_err(|_| format!("adresse électronique « {} » invalide", row.email));
    let civility = Civility::parse(&row.civility)
        .map(|c| c.as_str().to_string())
        .ok_or_else(|| format!("civilité « {} » inconnue (M. ou Mme)", row.civility));
    let first_name = person_name(&row.first_name, "prénom");
    let last_name = person_name(&row.last_name, "nom");
    let raw: Vec<&str> = row.scrutins.split('|').map(str::trim).filter(|s| !s.is_empty()).collect();
    let mut scrutins = Vec::new();
    let mut seen = HashSet::new();
    for s in &raw {
        match scrutin_id(s) {
            Ok(id) if !seen.insert(id.clone()) => {
                errors.push(format!("scrutin « {id} » cité deux fois"))
            }
            Ok(id) => scrutins.push(id),
            Err(e) => errors.push(e),
        }
    }
    if raw.is_empty() {
        errors.push("aucun scrutin".to_string());
    } else if raw.len() > MAX_SCRUTINS_PER_VOTER {
        errors.push(format!("{} scrutins (au plus {MAX_SCRUTINS_PER_VOTER})", raw.len()));
    }
    match (voter_id, email, civility, first_name, last_name) {
        (Ok(voter_id), Ok(email), Ok(civility), Ok(first_name), Ok(last_name))
            if errors.is_empty() =>
        {
            Ok(RollEntry { voter_id, email, civility, first_name, last_name, scrutins })
        }
        (a, b, c, d, e) => {
            let fields = [a.err(), b.err(), c.err(), d.err(), e.err()];
            let mut all: Vec<String> = fields.into_iter().flatten().collect();
            all.extend(errors);
            Err(all)
        }
    }
}

/// Reads and checks the whole roll: every problem is returned, with its line.
pub fn read_roll(path: &Path, delimiter: u8) -> Result<Vec<RollEntry>, Problems> {
    let mut problems = Problems::new();
    let file = path.display().to_string();
    let mut out = Vec::new();
    let mut ids: HashMap<String, u64> = HashMap::new();
    let mut emails: HashMap<String, u64> = HashMap::new();
    for (row, line) in rows::<VoterRow>(path, delimiter, VOTER_COLUMNS, &mut problems) {
        match entry(&row) {
            Err(errors) => {
                problems.extend(errors.into_iter().map(|e| format!("{file}:{line}: {e}")))
            }
            Ok(v) => {
                let mut duplicate = false;
                if let Some(first) = ids.get(&v.voter_id) {
                    problems.push(format!(
                        "{file}:{line}: identifiant d'électeur « {} » déjà présent ligne {first}",
                        v.voter_id
                    ));
                    duplicate = true;
                }
                if let Some(first) = emails.get(&v.email) {
                    problems.push(format!(
                        "{file}:{line}: adresse « {} » déjà présente ligne {first}",
                        v.email
                    ));
                    duplicate = true;
                }
                if !duplicate {
                    ids.insert(v.voter_id.clone(), line);
                    emails.insert(v.email.clone(), line);
                    out.push(v);
                }
            }
        }
    }
    if out.is_empty() && problems.is_empty() {
        problems.push(format!("{file}: aucun électeur"));
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// Reads the import's `scrutins.csv`: scrutin id → name.
pub fn read_scrutin_names(
    path: &Path,
    delimiter: u8,
) -> Result<BTreeMap<String, String>, Problems> {
    let mut problems = Problems::new();
    let file = path.display().to_string();
    let mut names = BTreeMap::new();
    for (row, line) in rows::<ScrutinRow>(path, delimiter, SCRUTIN_COLUMNS, &mut problems) {
        let name = row.name.trim();
        match scrutin_id(&row.scrutin_id) {
            Err(e) => problems.push(format!("{file}:{line}: {e}")),
            Ok(_) if name.is_empty() || name.chars().any(char::is_control) => {
                problems.push(format!("{file}:{line}: nom du scrutin vide ou non imprimable"))
            }
            Ok(id) => {
                if names.insert(id.clone(), name.to_string()).is_some() {
                    problems.push(format!("{file}:{line}: scrutin « {id} » déjà décrit"));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(names)
    } else {
        Err(problems)
    }
}
