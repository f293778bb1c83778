//! A generated election with known votes, for the tests and the benchmark: a whole key ceremony,
//! a record, credentials, ballots cast with codes, the émargement, the seal and the board file.

use std::collections::BTreeMap;

use anyhow::Result;
use rand::{Rng, SeedableRng};
use vote::ballot::{encrypt, Ballot};
use vote::board::{seal, BoardFile};
use vote::credential::{new_code, Credential};
use vote::keys::{ceremony, Fragment};
use vote::record::{ElectionRecord, ScrutinRecord, SealedRecord, BLANK};

pub const CLOSED_AT: &str = "2026-12-08T17:30:00Z";

#[derive(Debug, Clone)]
pub struct Plan {
    pub election: String,
    pub scrutins: usize,
    /// Choices per scrutin, blank included (at least 2).
    pub choices: usize,
    /// Ballots in all, shared among the scrutins.
    pub ballots: usize,
    /// Registered voters who do not vote, per 100 voters who do.
    pub abstention: usize,
    pub seed: u64,
    pub threads: usize,
}

impl Default for Plan {
    fn default() -> Self {
        Plan {
            election: "essai".into(),
            scrutins: 1,
            choices: 9,
            ballots: 1000,
            abstention: 10,
            seed: 2026,
            threads: vote::tally::default_threads(),
        }
    }
}

pub struct Generated {
    pub record: SealedRecord,
    pub board: BoardFile,
    /// The presidency's, then delegates 1, 2, 3.
    pub fragments: Vec<Fragment>,
    /// Per scrutin, the votes cast per choice (blank last).
    pub votes: BTreeMap<String, Vec<u64>>,
    /// Per scrutin, the voting code of one voter who did not vote (tests cast with it).
    pub abstainers: BTreeMap<String, String>,
    /// Per scrutin, the (scrutin, voter id) émargement entries.
    pub emargement: Vec<(String, String)>,
}

/// A slice of a scrutin's voters: their credentials, the ballots of those who voted, the votes
/// per choice, the codes of those who did not.
type Cast = (Vec<String>, Vec<Ballot>, Vec<u64>, Vec<String>);

/// Casts the ballots of `voting` of `voters` new voters of a scrutin.
fn cast(
    record: &SealedRecord,
    scrutin: &ScrutinRecord,
    voters: usize,
    voting: usize,
    seed: u64,
) -> Result<Cast> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut creds = vec![];
    let mut ballots = vec![];
    let mut votes = vec![0u64; scrutin.choices.len()];
    let mut idle = vec![];
    for i in 0..voters {
        let code = new_code(&mut rng);
        let c = Credential::from_code(&record.record.election, &code)?;
        creds.push(c.public.hex());
        if i < voting {
            // lists more or less popular; blank sometimes
            let k = rng.gen_range(0..scrutin.choices.len() * 2) % scrutin.choices.len();
            votes[k] += 1;
            ballots.push(encrypt(record, &scrutin.id, &scrutin.choices[k], &c, &mut rng)?);
        } else {
            idle.push(code);
        }
    }
    Ok((creds, ballots, votes, idle))
}

/// Ballots cast on an existing record (the scrutins' sizes from `plan.ballots`, its other
/// fields ignored but the seed, the abstention and the threads); `fragments` are passed through.
pub fn generate_with(
    record: SealedRecord,
    fragments: Vec<Fragment>,
    plan: &Plan,
) -> Result<Generated> {
    let n = record.record.scrutins.len();
    let mut credentials = BTreeMap::new();
    let mut ballots = BTreeMap::new();
    let mut votes = BTreeMap::new();
    let mut abstainers = BTreeMap::new();
    let mut emargement = vec![];
    let threads = plan.threads.max(1);
    for (si, s) in record.record.scrutins.iter().enumerate() {
        let voting = plan.ballots / n + usize::from(si < plan.ballots % n);
        let registered = voting + (voting * plan.abstention).div_ceil(100).max(1);
        // the voters in `threads` slices, each with its own generator
        let per = registered.div_ceil(threads);
        let parts: Vec<_> = std::thread::scope(|scope| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let start = (t * per).min(registered);
                    let end = ((t + 1) * per).min(registered);
                    let vote_end = voting.clamp(start, end);
                    let seed = plan.seed ^ ((si as u64 + 1) << 40) ^ (t as u64 + 1);
                    let record = &record;
                    scope.spawn(move || cast(record, s, end - start, vote_end - start, seed))
                })
                .collect();
            handles.into_iter().map(|h| h.join().expect("a worker")).collect()
        });
        let (mut cs, mut bs, mut vs, mut idle) =
            (vec![], vec![], vec![0u64; s.choices.len()], vec![]);
        for p in parts {
            let (c, b, v, i) = p?;
            cs.extend(c);
            bs.extend(b);
            idle.extend(i);
            for (a, x) in vs.iter_mut().zip(v) {
                *a += x;
            }
        }
        cs.sort();
        for i in 0..bs.len() {
            emargement.push((s.id.clone(), format!("agent-{si}-{i:07}")));
        }
        abstainers.insert(s.id.clone(), idle.pop().expect("one abstainer at least"));
        credentials.insert(s.id.clone(), cs);
        ballots.insert(s.id.clone(), bs);
        votes.insert(s.id.clone(), vs);
    }
    let sealed = seal(&record, &credentials, &ballots, &emargement, CLOSED_AT)?;
    let text = String::from_utf8(record.bytes.clone())?;
    let board = BoardFile::new(text, credentials, ballots, sealed)?;
    Ok(Generated { record, board, fragments, votes, abstainers, emargement })
}

/// A whole generated election: a ceremony with three delegates, a record of `plan.scrutins`
/// scrutins of `plan.choices` choices, the ballots.
pub fn generate(plan: &Plan) -> Result<Generated> {
    anyhow::ensure!(plan.choices >= 2 && plan.scrutins >= 1, "at least 2 choices and 1 scrutin");
    let mut rng = rand::rngs::StdRng::seed_from_u64(plan.seed);
    let (trustees, y, fragments) =
        ceremony(&plan.election, &["Délégué 1", "Délégué 2", "Délégué 3"], &mut rng)?;
    let scrutins: Vec<ScrutinRecord> = (1..=plan.scrutins)
        .map(|s| ScrutinRecord {
            id: format!("S{s}"),
            name: format!("Scrutin {s}"),
            choices: (1..plan.choices)
                .map(|l| format!("LISTE-{l}"))
                .chain([BLANK.to_string()])
                .collect(),
        })
        .collect();
    let record = SealedRecord::seal(ElectionRecord {
        version: 1,
        election: plan.election.clone(),
        name: "Élection d'essai".into(),
        group: "ristretto255".into(),
        public_key: y,
        trustees,
        scrutins,
    });
    generate_with(record, fragments, plan)
}
