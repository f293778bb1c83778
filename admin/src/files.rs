//! The CSV files of an import: reading and checking every row before anything is written.
//!
//! Files are UTF-8 (a byte-order mark is accepted), with a header line naming the columns in any
//! order; `docs/admin.md` lists the columns and `docs/examples/` holds a sample of each file.
//! Every problem found is kept with its file and line, so that one run reports them all.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use shared::model::{Candidate, CandidateList, Civility, RollVoter, Scrutin};
use shared::validate::{Identifier, VoterId};

/// Most ballots one voter votes in.
pub const MAX_SCRUTINS_PER_VOTER: usize = 7;
/// Most candidate lists of one ballot (a ballot is written in one transaction).
pub const MAX_LISTS_PER_SCRUTIN: usize = 40;
/// Separator of the ballots of a voter in the `scrutins` column.
pub const SCRUTIN_SEPARATOR: char = '|';

/// Where a row came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub file: String,
    pub line: u64,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// One thing wrong with the input, at a file and line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub at: Origin,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

/// The files of one import; any of them may be left out, but candidate lists and candidates
/// come with the ballots they belong to.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub scrutins: Option<PathBuf>,
    pub lists: Option<PathBuf>,
    pub candidates: Option<PathBuf>,
    pub voters: Option<PathBuf>,
    pub delimiter: u8,
}

/// What the files hold once checked.
#[derive(Debug, Default)]
pub struct Parsed {
    pub scrutins: Vec<(Scrutin, Origin)>,
    pub voters: Vec<(RollVoter, Origin)>,
}

#[derive(Deserialize)]
struct ScrutinRow {
    scrutin_id: String,
    name: String,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
struct ListRow {
    list_id: String,
    scrutin_id: String,
    order: String,
    name: String,
    #[serde(default)]
    organisation: String,
}

#[derive(Deserialize)]
struct CandidateRow {
    list_id: String,
    rank: String,
    civility: String,
    first_name: String,
    last_name: String,
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

const SCRUTIN_COLUMNS: (&[&str], &[&str]) = (&["scrutin_id", "name"], &["description"]);
const LIST_COLUMNS: (&[&str], &[&str]) =
    (&["list_id", "scrutin_id", "order", "name"], &["organisation"]);
const CANDIDATE_COLUMNS: (&[&str], &[&str]) =
    (&["list_id", "rank", "civility", "first_name", "last_name"], &[]);
const VOTER_COLUMNS: (&[&str], &[&str]) =
    (&["voter_id", "email", "civility", "first_name", "last_name", "scrutins"], &[]);

/// Collects the problems of one run.
#[derive(Default)]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn add(&mut self, at: &Origin, message: impl Into<String>) {
        self.0.push(Problem { at: at.clone(), message: message.into() });
    }
}

fn display_name(path: &Path) -> String {
    path.display().to_string()
}

/// Reads the rows of one file into `T`, checking the header first. Rows that cannot be read are
/// reported and skipped; a file that cannot be opened is one problem at line 0.
fn rows<T: for<'de> Deserialize<'de>>(
    path: &Path,
    delimiter: u8,
    columns: (&[&str], &[&str]),
    problems: &mut Problems,
) -> Vec<(T, Origin)> {
    let file = display_name(path);
    let mut reader =
        match csv::ReaderBuilder::new().delimiter(delimiter).trim(csv::Trim::All).from_path(path) {
            Ok(r) => r,
            Err(e) => {
                problems.add(&Origin { file, line: 0 }, format!("lecture impossible : {e}"));
                return Vec::new();
            }
        };
    let header_at = Origin { file: file.clone(), line: 1 };
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            problems.add(&header_at, format!("en-tête illisible : {e}"));
            return Vec::new();
        }
    };
    let (required, optional) = columns;
    let mut seen = HashSet::new();
    let mut header_ok = true;
    for name in headers.iter() {
        if !seen.insert(name.to_string()) {
            problems.add(&header_at, format!("colonne « {name} » en double"));
            header_ok = false;
        } else if !required.contains(&name) && !optional.contains(&name) {
            let expected: Vec<&str> = required.iter().chain(optional.iter()).copied().collect();
            problems.add(
                &header_at,
                format!(
                    "colonne inconnue « {name} » (colonnes attendues : {})",
                    expected.join(", ")
                ),
            );
            header_ok = false;
        }
    }
    for name in required {
        if !seen.contains(*name) {
            problems.add(&header_at, format!("colonne obligatoire « {name} » absente"));
            header_ok = false;
        }
    }
    if !header_ok {
        return Vec::new();
    }
    let mut out = Vec::new();
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let at = Origin {
                    file: file.clone(),
                    line: record.position().map_or(line, |p| p.line()),
                };
                if record.iter().all(str::is_empty) {
                    continue; // a blank line
                }
                match record.deserialize::<T>(Some(&headers)) {
                    Ok(row) => out.push((row, at)),
                    Err(e) => problems.add(&at, format!("ligne illisible : {e}")),
                }
            }
            Err(e) => {
                let at =
                    Origin { file: file.clone(), line: e.position().map_or(line, |p| p.line()) };
                match e.kind() {
                    csv::ErrorKind::Io(_) => {
                        problems.add(&at, format!("lecture interrompue : {e}"));
                        break;
                    }
                    csv::ErrorKind::Utf8 { .. } => {
                        problems.add(&at, "texte qui n'est pas en UTF-8")
                    }
                    csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                        problems.add(&at, format!("{len} champs au lieu de {expected_len}"))
                    }
                    _ => problems.add(&at, format!("ligne illisible : {e}")),
                }
            }
        }
    }
    out
}

/// A name as printed on lists: required, at most 100 characters, nothing unprintable.
pub fn person_name(raw: &str, what: &str) -> Result<String, String> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(format!("{what} vide"));
    }
    if value.chars().count() > 100 {
        return Err(format!("{what} de plus de 100 caractères"));
    }
    if value.chars().any(char::is_control) {
        return Err(format!("{what} avec un caractère non imprimable"));
    }
    Ok(value.to_string())
}

fn text(raw: &str, what: &str, max: usize, required: bool) -> Result<String, String> {
    let value = raw.trim();
    if required && value.is_empty() {
        return Err(format!("{what} vide"));
    }
    if value.chars().count() > max {
        return Err(format!("{what} de plus de {max} caractères"));
    }
    if value.chars().any(|c| c.is_control() && c != '\n') {
        return Err(format!("{what} avec un caractère non imprimable"));
    }
    Ok(value.to_string())
}

pub fn civility(raw: &str) -> Result<Civility, String> {
    Civility::parse(raw).ok_or_else(|| format!("civilité « {raw} » inconnue (M. ou Mme)"))
}

pub fn scrutin_id(raw: &str) -> Result<String, String> {
    shared::validate::scrutin_id(raw, "scrutin_id").map_err(|_| {
        format!(
            "identifiant de scrutin « {raw} » invalide (1 à 64 lettres, chiffres, « - » ou « _ »)"
        )
    })
}

fn positive(raw: &str, what: &str, max: u32) -> Result<u32, String> {
    match raw.trim().parse::<u32>() {
        Ok(v) if (1..=max).contains(&v) => Ok(v),
        _ => Err(format!("{what} « {raw} » invalide (entier de 1 à {max})")),
    }
}

/// Checks the fields of one voter, as a CSV row or the options of `add-voter` give them. All the
/// problems of the row are returned together.
pub fn voter(
    voter_id: &str,
    email: &str,
    civility_raw: &str,
    first_name: &str,
    last_name: &str,
    scrutins: &[&str],
) -> Result<RollVoter, Vec<String>> {
    let mut errors = Vec::new();
    let voter_id = VoterId::parse(voter_id.trim()).map(|v| v.as_str().to_string()).map_err(|_| {
        errors.push(format!(
            "identifiant d'électeur « {voter_id} » invalide (1 à 32 lettres ou chiffres)"
        ))
    });
    let email = Identifier::parse(email)
        .map(|v| v.as_str().to_string())
        .map_err(|_| errors.push(format!("adresse électronique « {email} » invalide")));
    let civility = civility(civility_raw).map_err(|e| errors.push(e));
    let first_name = person_name(first_name, "prénom").map_err(|e| errors.push(e));
    let last_name = person_name(last_name, "nom").map_err(|e| errors.push(e));
    let mut ids = Vec::new();
    let mut seen = HashSet::new();
    for raw in scrutins {
        match scrutin_id(raw.trim()) {
            Ok(id) if !seen.insert(id.clone()) => {
                errors.push(format!("scrutin « {id} » cité deux fois"))
            }
            Ok(id) => ids.push(id),
            Err(e) => errors.push(e),
        }
    }
    if scrutins.is_empty() {
        errors.push("aucun scrutin".to_string());
    } else if scrutins.len() > MAX_SCRUTINS_PER_VOTER {
        errors.push(format!("{} scrutins (au plus {MAX_SCRUTINS_PER_VOTER})", scrutins.len()));
    }
    match (voter_id, email, civility, first_name, last_name) {
        (Ok(voter_id), Ok(email), Ok(civility), Ok(first_name), Ok(last_name))
            if errors.is_empty() =>
        {
            Ok(RollVoter { voter_id, email, civility, first_name, last_name, scrutins: ids })
        }
        _ => Err(errors),
    }
}

/// Splits the `scrutins` column of a voter.
pub fn split_scrutins(raw: &str) -> Vec<&str> {
    raw.split(SCRUTIN_SEPARATOR).map(str::trim).filter(|s| !s.is_empty()).collect()
}

/// Reads and checks every file. Ballots named by voters are checked against the ballots of the
/// files here; those found in neither the files nor the table are reported by the import.
pub fn read(sources: &Sources) -> (Parsed, Problems) {
    let mut problems = Problems::default();
    let mut parsed = Parsed::default();
    let d = sources.delimiter;

    if sources.scrutins.is_none() {
        for (given, what) in [(&sources.lists, "--lists"), (&sources.candidates, "--candidates")] {
            if let Some(path) = given {
                problems.add(
                    &Origin { file: display_name(path), line: 0 },
                    format!("{what} s'importe avec les scrutins qu'il complète (--scrutins)"),
                );
            }
        }
    }
    if let (Some(path), None) = (&sources.candidates, &sources.lists) {
        problems.add(
            &Origin { file: display_name(path), line: 0 },
            "--candidates s'importe avec les listes qu'il complète (--lists)",
        );
    }

    // ballots
    let mut scrutins: BTreeMap<String, (Scrutin, Origin)> = BTreeMap::new();
    if let Some(path) = &sources.scrutins {
        for (row, at) in rows::<ScrutinRow>(path, d, SCRUTIN_COLUMNS, &mut problems) {
            let id = scrutin_id(&row.scrutin_id).map_err(|e| problems.add(&at, e));
            let name =
                text(&row.name, "nom du scrutin", 200, true).map_err(|e| problems.add(&at, e));
            let description = text(&row.description, "description", 2000, false)
                .map_err(|e| problems.add(&at, e));
            if let (Ok(id), Ok(name), Ok(description)) = (id, name, description) {
                if let Some((_, first)) = scrutins.get(&id) {
                    problems.add(&at, format!("scrutin « {id} » déjà décrit ligne {}", first.line));
                } else {
                    scrutins.insert(
                        id.clone(),
                        (Scrutin { id, name, description, candidate_lists: Vec::new() }, at),
                    );
                }
            }
        }
    }

    // candidate lists, keyed by list id
    let mut lists: HashMap<String, (String, CandidateList, Origin)> = HashMap::new();
    if let Some(path) = &sources.lists {
        let mut orders: HashMap<(String, u32), u64> = HashMap::new();
        for (row, at) in rows::<ListRow>(path, d, LIST_COLUMNS, &mut problems) {
            let id = scrutin_id(&row.list_id).map_err(|_| {
                problems.add(&at, format!("identifiant de liste « {} » invalide", row.list_id))
            });
            let scrutin = scrutin_id(&row.scrutin_id).map_err(|e| problems.add(&at, e));
            let order = positive(&row.order, "ordre", 9999).map_err(|e| problems.add(&at, e));
            let name =
                text(&row.name, "nom de la liste", 300, true).map_err(|e| problems.add(&at, e));
            let organisation = text(&row.organisation, "organisation", 300, false)
                .map_err(|e| problems.add(&at, e));
            let (Ok(id), Ok(scrutin), Ok(order), Ok(name), Ok(organisation)) =
                (id, scrutin, order, name, organisation)
            else {
                continue;
            };
            if !scrutins.contains_key(&scrutin) {
                problems.add(&at, format!("scrutin « {scrutin} » absent du fichier des scrutins"));
                continue;
            }
            if let Some((_, _, first)) = lists.get(&id) {
                problems.add(&at, format!("liste « {id} » déjà décrite ligne {}", first.line));
                continue;
            }
            if let Some(first) = orders.insert((scrutin.clone(), order), at.line) {
                problems.add(
                    &at,
                    format!("ordre {order} déjà pris dans le scrutin « {scrutin} » ligne {first}"),
                );
                continue;
            }
            lists.insert(
                id.clone(),
                (
                    scrutin,
                    CandidateList { id, order, name, organisation, candidates: Vec::new() },
                    at,
                ),
            );
        }
    }

    // candidates
    if let Some(path) = &sources.candidates {
        let mut ranks: HashMap<(String, u32), u64> = HashMap::new();
        for (row, at) in rows::<CandidateRow>(path, d, CANDIDATE_COLUMNS, &mut problems) {
            let list = row.list_id.trim().to_string();
            let rank = positive(&row.rank, "rang", 10_000).map_err(|e| problems.add(&at, e));
            let civility = civility(&row.civility).map_err(|e| problems.add(&at, e));
            let first_name =
                person_name(&row.first_name, "prénom").map_err(|e| problems.add(&at, e));
            let last_name = person_name(&row.last_name, "nom").map_err(|e| problems.add(&at, e));
            let Some((_, candidate_list, _)) = lists.get_mut(&list) else {
                problems.add(&at, format!("liste « {list} » absente du fichier des listes"));
                continue;
            };
            let (Ok(rank), Ok(civility), Ok(first_name), Ok(last_name)) =
                (rank, civility, first_name, last_name)
            else {
                continue;
            };
            if let Some(first) = ranks.insert((list.clone(), rank), at.line) {
                problems.add(
                    &at,
                    format!("rang {rank} déjà pris dans la liste « {list} » ligne {first}"),
                );
                continue;
            }
            candidate_list.candidates.push(Candidate { rank, civility, first_name, last_name });
        }
    }
    let mut lists: Vec<(String, CandidateList, Origin)> = lists.into_values().collect();
    lists.sort_by_key(|(_, l, _)| l.order);
    for (scrutin, mut list, _) in lists {
        list.candidates.sort_by_key(|c| c.rank);
        if let Some((s, _)) = scrutins.get_mut(&scrutin) {
            s.candidate_lists.push(list);
        }
    }
    for (s, at) in scrutins.values() {
        if s.candidate_lists.len() > MAX_LISTS_PER_SCRUTIN {
            problems.add(
                at,
                format!(
                    "{} listes de candidats (au plus {MAX_LISTS_PER_SCRUTIN})",
                    s.candidate_lists.len()
                ),
            );
        }
    }
    parsed.scrutins = scrutins.into_values().collect();

    // voters
    if let Some(path) = &sources.voters {
        let mut ids: HashMap<String, u64> = HashMap::new();
        let mut emails: HashMap<String, u64> = HashMap::new();
        for (row, at) in rows::<VoterRow>(path, d, VOTER_COLUMNS, &mut problems) {
            match voter(
                &row.voter_id,
                &row.email,
                &row.civility,
                &row.first_name,
                &row.last_name,
                &split_scrutins(&row.scrutins),
            ) {
                Err(errors) => errors.into_iter().for_each(|e| problems.add(&at, e)),
                Ok(v) => {
                    let mut duplicate = false;
                    if let Some(first) = ids.get(&v.voter_id) {
                        problems.add(
                            &at,
                            format!(
                                "identifiant d'électeur « {} » déjà présent ligne {first}",
                                v.voter_id
                            ),
                        );
                        duplicate = true;
                    }
                    if let Some(first) = emails.get(&v.email) {
                        problems.add(
                            &at,
                            format!("adresse « {} » déjà présente ligne {first}", v.email),
                        );
                        duplicate = true;
                    }
                    if !duplicate {
                        ids.insert(v.voter_id.clone(), at.line);
                        emails.insert(v.email.clone(), at.line);
                        parsed.voters.push((v, at));
                    }
                }
            }
        }
    }
    (parsed, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, content).unwrap();
        path
    }

    /// A scratch folder removed at the end of the test.
    struct TempDir(PathBuf);

    impl std::ops::Deref for TempDir {
        type Target = Path;
        fn deref(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn temp_dir(tag: &str) -> TempDir {
        let dir =
            std::env::temp_dir().join(format!("electeur-admin-files-{tag}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    #[test]
    fn a_valid_set_of_files_reads_whole() {
        let dir = temp_dir("valid");
        let sources = Sources {
            scrutins: Some(write(
                &dir,
                "s.csv",
                "\u{feff}scrutin_id,name,description\nCSA-MEN,Comité ministériel,\"Tous, sans exception\"\n",
            )),
            lists: Some(write(
                &dir,
                "l.csv",
                "list_id,scrutin_id,order,name,organisation\nL2,CSA-MEN,2,Liste B,Org B\nL1,CSA-MEN,1,Liste A,\n",
            )),
            candidates: Some(write(
                &dir,
                "c.csv",
                "list_id,rank,civility,first_name,last_name\nL1,2,M.,Hugo,Barre\nL1,1,Mme,Claire,Aubert\n",
            )),
            voters: Some(write(
                &dir,
                "v.csv",
                "email,voter_id,civility,first_name,last_name,scrutins\n Marie.Curie@AC-Paris.fr ,42,Mme,Marie,Curie,CSA-MEN\n\n",
            )),
            delimiter: b',',
        };
        let (parsed, problems) = read(&sources);
        assert!(problems.0.is_empty(), "{:?}", problems.0);
        let (s, _) = &parsed.scrutins[0];
        assert_eq!(s.description, "Tous, sans exception");
        assert_eq!(s.candidate_lists.iter().map(|l| l.order).collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(s.candidate_lists[0].candidates[0].last_name, "Aubert");
        let (v, at) = &parsed.voters[0];
        assert_eq!(v.email, "marie.curie@ac-paris.fr");
        assert_eq!(at.line, 2);
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let dir = temp_dir("invalid");
        let voters = "voter_id,email,civility,first_name,last_name,scrutins\n\
                      1,a@ac-paris.fr,Mme,Ada,Lovelace,CSA-MEN\n\
                      1,b@ac-paris.fr,M.,Bob,Martin,CSA-MEN\n\
                      3,a@ac-paris.fr,M.,Carl,Martin,CSA-MEN\n\
                      4,pas-une-adresse,Dr,,Martin,\n\
                      5,e@ac-paris.fr,M.,Eve,Martin,A|A\n\
                      6,f@ac-paris.fr,M.,Fred\n";
        let sources = Sources {
            voters: Some(write(&dir, "v.csv", voters)),
            delimiter: b',',
            ..Sources::default()
        };
        let (parsed, problems) = read(&sources);
        let lines: Vec<String> =
            problems.0.iter().map(|p| format!("{}:{}", p.at.line, p.message)).collect();
        assert_eq!(parsed.voters.len(), 1);
        let expect = [
            "3:identifiant d'électeur « 1 » déjà présent ligne 2",
            "4:adresse « a@ac-paris.fr » déjà présente ligne 2",
            "5:adresse électronique « pas-une-adresse » invalide",
            "5:civilité « Dr » inconnue (M. ou Mme)",
            "5:prénom vide",
            "5:aucun scrutin",
            "6:scrutin « A » cité deux fois",
            "7:4 champs au lieu de 6",
        ];
        for e in expect {
            assert!(lines.iter().any(|l| l == e), "missing {e} in {lines:#?}");
        }
        assert_eq!(lines.len(), expect.len(), "{lines:#?}");
    }

    #[test]
    fn headers_are_checked_before_rows() {
        let dir = temp_dir("headers");
        let sources = Sources {
            voters: Some(write(
                &dir,
                "v.csv",
                "voter_id,emial,civility,first_name,last_name,scrutins\n1,a@ac.fr,M.,A,B,X\n",
            )),
            delimiter: b',',
            ..Sources::default()
        };
        let (_, problems) = read(&sources);
        let lines: Vec<String> = problems.0.iter().map(ToString::to_string).collect();
        assert!(
            lines.iter().any(|l| l.ends_with(
                "v.csv:1: colonne inconnue « emial » (colonnes attendues : voter_id, email, civility, first_name, last_name, scrutins)"
            )),
            "{lines:?}"
        );
        assert!(
            lines.iter().any(|l| l.ends_with("v.csv:1: colonne obligatoire « email » absente")),
            "{lines:?}"
        );
    }

    #[test]
    fn lists_and_candidates_must_point_at_known_parents() {
        let dir = temp_dir("parents");
        let sources = Sources {
            scrutins: Some(write(&dir, "s.csv", "scrutin_id,name\nA,Scrutin A\nA,Encore A\n")),
            lists: Some(write(
                &dir,
                "l.csv",
                "list_id,scrutin_id,order,name\nL1,A,1,Liste 1\nL2,B,1,Liste 2\nL3,A,1,Liste 3\nL4,A,zéro,Liste 4\n",
            )),
            candidates: Some(write(&dir, "c.csv", "list_id,rank,civility,first_name,last_name\nL1,1,M.,A,B\nL9,1,M.,A,B\nL1,1,Mme,C,D\n")),
            voters: None,
            delimiter: b',',
        };
        let (_, problems) = read(&sources);
        let lines: Vec<String> = problems
            .0
            .iter()
            .map(|p| {
                format!("{}:{}:{}", p.at.file.rsplit('/').next().unwrap(), p.at.line, p.message)
            })
            .collect();
        for e in [
            "s.csv:3:scrutin « A » déjà décrit ligne 2",
            "l.csv:3:scrutin « B » absent du fichier des scrutins",
            "l.csv:4:ordre 1 déjà pris dans le scrutin « A » ligne 2",
            "l.csv:5:ordre « zéro » invalide (entier de 1 à 9999)",
            "c.csv:3:liste « L9 » absente du fichier des listes",
            "c.csv:4:rang 1 déjà pris dans la liste « L1 » ligne 2",
        ] {
            assert!(lines.iter().any(|l| l == e), "missing {e} in {lines:#?}");
        }
    }

    #[test]
    fn semicolon_files_read_with_the_delimiter_option() {
        let dir = temp_dir("semicolon");
        let sources = Sources {
            voters: Some(write(
                &dir,
                "v.csv",
                "voter_id;email;civility;first_name;last_name;scrutins\n7;g@ac-lyon.fr;M.;Gérard;Ollivier;A|B\n",
            )),
            delimiter: b';',
            ..Sources::default()
        };
        let (parsed, problems) = read(&sources);
        assert!(problems.0.is_empty(), "{:?}", problems.0);
        assert_eq!(parsed.voters[0].0.scrutins, vec!["A", "B"]);
    }
}
