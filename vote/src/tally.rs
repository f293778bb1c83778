//! §8.3–8.5 of the protocol: checking the board, the count (the product of the ciphertexts per
//! choice, the key holders' partial decryptions with their Chaum–Pedersen proofs, their
//! combination, the totals' small discrete logs), the results and their verification.
//!
//! Every check returns a [`Failure`] naming the check ([`Check`]) and what failed, so that the
//! verifier stops on the first one and says which.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::BufRead;

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE as G;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{Identity, VartimeMultiscalarMul};
use serde::{Deserialize, Serialize};

use crate::ballot::{Ballot, BallotVerifier, Proof};
use crate::board::{credentials_chain, read_header, BoardHeader, Chain, ChainKind, Seal};
use crate::encoding::{from_hex32, Num, Point};
use crate::keys::{check_record_keys, lagrange_at_zero, Fragment, Holder};
use crate::record::{SealedRecord, BLANK};
use crate::transcript::{hash_to_scalar, random_scalar, Part};

/// The checks, in the order the verifier makes them (§8.5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// The board file's format.
    Format,
    /// The election record and its fingerprint.
    Record,
    /// The trustees' keys and the election key.
    Keys,
    /// The seal's digest and its counts and chains.
    Seal,
    /// The credential lists (sorted, the seal's digests).
    CredentialList,
    /// Each ballot's proofs and signature.
    BallotProofs,
    /// The ballots' order (scrutin by scrutin, by tracker).
    Order,
    /// Each ballot's credential is on the scrutin's list.
    CredentialOnList,
    /// One ballot per credential.
    OneBallotPerCredential,
    /// The number of ballots equals the number of émargement entries.
    Emargement,
    /// The results are those of this board (election, seal, scrutins).
    Results,
    /// Each partial decryption's proof.
    PartialDecryption,
    /// The presidency and at least two delegates took part.
    KeyHolders,
    /// The totals are the decryptions of the combined ciphertexts.
    Totals,
}

impl Check {
    pub fn name(self) -> &'static str {
        match self {
            Check::Format => "board file format",
            Check::Record => "election record",
            Check::Keys => "trustees' keys",
            Check::Seal => "seal",
            Check::CredentialList => "credential lists",
            Check::BallotProofs => "ballot proofs and signature",
            Check::Order => "ballot order",
            Check::CredentialOnList => "credential on the list",
            Check::OneBallotPerCredential => "one ballot per credential",
            Check::Emargement => "ballots = émargement entries",
            Check::Results => "results of this board",
            Check::PartialDecryption => "partial decryption proof",
            Check::KeyHolders => "presidency and at least two delegates",
            Check::Totals => "totals",
        }
    }
}

/// A failed check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub check: Check,
    pub detail: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.check.name(), self.detail)
    }
}

impl std::error::Error for Failure {}

fn fail<T>(check: Check, detail: impl Into<String>) -> Result<T, Failure> {
    Err(Failure { check, detail: detail.into() })
}

/// A scrutin of a checked board: its counts and, per choice, the product of the ciphertexts
/// `(A_i, B_i) = (Σ alpha_i, Σ beta_i)` over its ballots.
#[derive(Debug, Clone)]
pub struct ScrutinTotals {
    pub id: String,
    pub credentials: u64,
    pub ballots: u64,
    pub emargement: u64,
    pub totals: Vec<(Point, Point)>,
}

/// A board whose every check (§8.5 1–10) passed.
#[derive(Debug, Clone)]
pub struct CheckedBoard {
    pub record: SealedRecord,
    pub seal: Seal,
    pub scrutins: Vec<ScrutinTotals>,
}

/// What a worker gives back for one ballot.
struct Verified {
    scrutin: String,
    tracker: String,
    credential: [u8; 32],
    pairs: Vec<(RistrettoPoint, RistrettoPoint)>,
}

fn verify_line(
    record: &SealedRecord,
    verifier: &BallotVerifier,
    line: &str,
) -> Result<Verified, String> {
    let b: Ballot = serde_json::from_str(line).map_err(|e| format!("not a ballot: {e}"))?;
    b.verify_with(record, verifier)
        .map_err(|e| format!("{} (tracker {})", e, b.tracker(record)))?;
    Ok(Verified {
        tracker: b.tracker(record),
        credential: b.credential.bytes,
        pairs: b.choices.iter().map(|c| (c.alpha.point, c.beta.point)).collect(),
        scrutin: b.scrutin,
    })
}

/// Verifies a batch of ballot lines on `threads` threads; the results keep the lines' order.
fn verify_batch(
    record: &SealedRecord,
    verifier: &BallotVerifier,
    lines: &[String],
    threads: usize,
) -> Vec<Result<Verified, String>> {
    let chunk = lines.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|s| {
        let handles: Vec<_> = lines
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || part.iter().map(|l| verify_line(record, verifier, l)).collect())
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h: std::thread::ScopedJoinHandle<Vec<_>>| h.join().expect("a worker"))
            .collect()
    })
}

struct ScrutinState {
    credentials: HashSet<[u8; 32]>,
    used: HashSet<[u8; 32]>,
    urne: Chain,
    sums: Vec<(RistrettoPoint, RistrettoPoint)>,
}

/// The number of threads to use by default: every core.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Reads and checks a whole board file as a stream (§8.5 1–10): the record, the keys, the seal,
/// the credential lists, then every ballot (proofs and signature, order, credential on the list,
/// one per credential, the urne chain), and the counts against the seal and the émargement.
/// `log` receives a line per check passed.
pub fn check_board<R: BufRead>(
    mut r: R,
    threads: usize,
    log: &mut dyn FnMut(String),
) -> Result<CheckedBoard, Failure> {
    let header: BoardHeader =
        read_header(&mut r).map_err(|e| Failure { check: Check::Format, detail: e.to_string() })?;
    let record = SealedRecord::from_bytes(header.record.clone().into_bytes())
        .map_err(|e| Failure { check: Check::Record, detail: e.to_string() })?;
    log(format!(
        "{}: {} ({}), fingerprint {}, {} scrutins",
        Check::Record.name(),
        record.record.election,
        record.record.name,
        record.fingerprint_hex(),
        record.record.scrutins.len()
    ));
    check_record_keys(&record.record)
        .map_err(|e| Failure { check: Check::Keys, detail: e.to_string() })?;
    log(format!(
        "{}: presidency and {} delegates (threshold 2), every proof of knowledge, Y = {}",
        Check::Keys.name(),
        record.record.trustees.delegates.len(),
        record.record.public_key.hex()
    ));
    let seal = header.seal;
    if seal.election != record.fingerprint_hex() {
        return fail(Check::Seal, format!("the seal is for election {}", seal.election));
    }
    match seal.compute_digest() {
        Ok(d) if d == seal.digest => {}
        Ok(d) => return fail(Check::Seal, format!("digest {} recomputed as {d}", seal.digest)),
        Err(e) => return fail(Check::Seal, e.to_string()),
    }
    let ids: Vec<&str> = record.record.scrutins.iter().map(|s| s.id.as_str()).collect();
    let sealed: Vec<&str> = seal.scrutins.iter().map(|s| s.id.as_str()).collect();
    if ids != sealed {
        return fail(Check::Seal, "the seal does not list the record's scrutins in order");
    }
    log(format!(
        "{}: digest {} recomputed, closed at {}",
        Check::Seal.name(),
        seal.digest,
        seal.closed_at
    ));
    if let Some(id) = header.credentials.keys().find(|k| !ids.contains(&k.as_str())) {
        return fail(Check::CredentialList, format!("a list for scrutin {id}, not in the record"));
    }
    let mut states = vec![];
    for (s, ss) in record.record.scrutins.iter().zip(&seal.scrutins) {
        let list = header.credentials.get(&s.id).map_or(&[][..], |v| v);
        let chain = credentials_chain(&record.fingerprint, &s.id, list)
            .map_err(|e| Failure { check: Check::CredentialList, detail: e.to_string() })?;
        if chain.count() != ss.credentials || chain.digest_hex() != ss.credentials_digest {
            return fail(
                Check::Seal,
                format!("scrutin {}: the credential list is not the sealed one", s.id),
            );
        }
        let credentials = list.iter().map(|c| from_hex32(c).expect("checked")).collect();
        states.push(ScrutinState {
            credentials,
            used: HashSet::new(),
            urne: Chain::new(ChainKind::Urne, &record.fingerprint, &s.id),
            sums: vec![(RistrettoPoint::identity(), RistrettoPoint::identity()); s.choices.len()],
        });
    }
    log(format!(
        "{}: {} credentials, sorted, as sealed",
        Check::CredentialList.name(),
        states.iter().map(|s| s.credentials.len()).sum::<usize>()
    ));
    let verifier = BallotVerifier::new(&record);
    let index: HashMap<&str, usize> = ids.iter().enumerate().map(|(i, s)| (*s, i)).collect();
    let mut current = 0usize;
    let mut line_no = 1usize;
    let batch = 512 * threads.max(1);
    let mut lines = Vec::with_capacity(batch);
    let mut done = false;
    while !done {
        lines.clear();
        for _ in 0..batch {
            let mut l = String::new();
            match r.read_line(&mut l) {
                Ok(0) => {
                    done = true;
                    break;
                }
                Ok(_) => {
                    if l.ends_with('\n') {
                        l.pop();
                    }
                    lines.push(l);
                }
                Err(e) => return fail(Check::Format, e.to_string()),
            }
        }
        for v in verify_batch(&record, &verifier, &lines, threads) {
            line_no += 1;
            let v = match v {
                Ok(v) => v,
                Err(e) => return fail(Check::BallotProofs, format!("line {line_no}: {e}")),
            };
            let i = index[v.scrutin.as_str()]; // verify() checked that the scrutin exists
            if i < current {
                return fail(
                    Check::Order,
                    format!(
                        "line {line_no}: a ballot of {} after those of {}",
                        v.scrutin, ids[current]
                    ),
                );
            }
            current = i;
            let st = &mut states[i];
            if st.urne.push(v.tracker.as_bytes()).is_err() {
                return fail(
                    Check::Order,
                    format!("line {line_no}: tracker {} not after the previous one", v.tracker),
                );
            }
            if !st.credentials.contains(&v.credential) {
                return fail(
                    Check::CredentialOnList,
                    format!(
                        "line {line_no}: tracker {}: its credential is not on the list of {}",
                        v.tracker, v.scrutin
                    ),
                );
            }
            if !st.used.insert(v.credential) {
                return fail(
                    Check::OneBallotPerCredential,
                    format!(
                        "line {line_no}: tracker {}: its credential has already voted in {}",
                        v.tracker, v.scrutin
                    ),
                );
            }
            for (sum, (a, b)) in st.sums.iter_mut().zip(v.pairs) {
                sum.0 += a;
                sum.1 += b;
            }
        }
    }
    let mut scrutins = vec![];
    for ((s, st), ss) in record.record.scrutins.iter().zip(states).zip(&seal.scrutins) {
        if st.urne.count() != ss.ballots || st.urne.digest_hex() != ss.urne_digest {
            return fail(
                Check::Seal,
                format!(
                    "scrutin {}: {} ballots on the board, {} sealed, or the urne chain differs",
                    s.id,
                    st.urne.count(),
                    ss.ballots
                ),
            );
        }
        if ss.ballots != ss.emargement {
            return fail(
                Check::Emargement,
                format!(
                    "scrutin {}: {} ballots, {} émargement entries",
                    s.id, ss.ballots, ss.emargement
                ),
            );
        }
        log(format!(
            "scrutin {}: {} ballots: proofs and signatures, by tracker, credentials on the list ({}), one per credential, urne chain as sealed, = {} émargement entries",
            s.id, ss.ballots, ss.credentials, ss.emargement
        ));
        scrutins.push(ScrutinTotals {
            id: s.id.clone(),
            credentials: ss.credentials,
            ballots: ss.ballots,
            emargement: ss.emargement,
            totals: st.sums.into_iter().map(|(a, b)| (Point::new(a), Point::new(b))).collect(),
        });
    }
    Ok(CheckedBoard { record, seal, scrutins })
}

// --- Partial decryptions ---------------------------------------------------------------------

/// One choice's partial decryption `P = s·A` with its Chaum–Pedersen proof that
/// `log_G(S) = log_A(P)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartialDecryption {
    pub factor: Point,
    pub proof: Proof,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScrutinPartial {
    pub id: String,
    /// One per choice, in the record's order.
    pub decryptions: Vec<PartialDecryption>,
}

/// A key holder's partial decryption of every total (the file `electeur-cles partial` writes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Partial {
    /// The record's fingerprint, hex.
    pub election: String,
    /// The seal's digest, hex.
    pub seal: String,
    pub holder: Holder,
    /// The fragment's public key (`Y_p` or `D_j`).
    pub public: Point,
    pub scrutins: Vec<ScrutinPartial>,
}

#[allow(clippy::too_many_arguments)]
fn partial_challenge(
    fp: &[u8; 32],
    scrutin: &str,
    choice: u32,
    holder: Holder,
    public: &Point,
    a: &Point,
    factor: &Point,
    w1: &Point,
    w2: &Point,
) -> Scalar {
    let (role, index) = holder.parts();
    hash_to_scalar(
        "partial",
        &[
            Part::Bytes(fp),
            Part::Str(scrutin),
            Part::Index(choice),
            Part::Str(role),
            Part::Index(index),
            Part::Point(public),
            Part::Point(a),
            Part::Point(factor),
            Part::Point(w1),
            Part::Point(w2),
        ],
    )
}

/// A key holder's part of the count, on their machine: `P_i = s·A_i` for every total, proved.
pub fn partial<R: rand::RngCore + rand::CryptoRng>(
    board: &CheckedBoard,
    fragment: &Fragment,
    rng: &mut R,
) -> Result<Partial, Failure> {
    let keys = |d: String| Failure { check: Check::Keys, detail: d };
    fragment.check().map_err(|e| keys(e.to_string()))?;
    if fragment.election != board.record.record.election {
        return Err(keys(format!("the fragment is for election {}", fragment.election)));
    }
    if fragment.holder.public_key(&board.record.record.trustees) != Some(fragment.public) {
        return Err(keys(format!("the record does not list this fragment of {}", fragment.holder)));
    }
    let s = fragment.secret.0;
    let mut scrutins = vec![];
    for t in &board.scrutins {
        let mut decryptions = vec![];
        for (i, (a, _)) in t.totals.iter().enumerate() {
            let factor = Point::new(s * a.point);
            let w = random_scalar(rng);
            let (w1, w2) = (Point::new(&w * G), Point::new(w * a.point));
            let c = partial_challenge(
                &board.record.fingerprint,
                &t.id,
                i as u32,
                fragment.holder,
                &fragment.public,
                a,
                &factor,
                &w1,
                &w2,
            );
            decryptions.push(PartialDecryption {
                factor,
                proof: Proof { challenge: Num(c), response: Num(w - c * s) },
            });
        }
        scrutins.push(ScrutinPartial { id: t.id.clone(), decryptions });
    }
    Ok(Partial {
        election: board.record.fingerprint_hex(),
        seal: board.seal.digest.clone(),
        holder: fragment.holder,
        public: fragment.public,
        scrutins,
    })
}

/// Checks one partial decryption against the board: its election, seal and holder, and every
/// proof.
pub fn check_partial(board: &CheckedBoard, p: &Partial) -> Result<(), Failure> {
    let bad = |d: String| Failure { check: Check::PartialDecryption, detail: d };
    if p.election != board.record.fingerprint_hex() || p.seal != board.seal.digest {
        return Err(bad(format!("{}: made for another election or another seal", p.holder)));
    }
    if p.holder.public_key(&board.record.record.trustees) != Some(p.public) {
        return Err(bad(format!("{}: not a key holder of the record", p.holder)));
    }
    if p.scrutins.len() != board.scrutins.len() {
        return Err(bad(format!("{}: not one part per scrutin", p.holder)));
    }
    for (sp, t) in p.scrutins.iter().zip(&board.scrutins) {
        if sp.id != t.id || sp.decryptions.len() != t.totals.len() {
            return Err(bad(format!("{}: scrutin {}: not one part per choice", p.holder, t.id)));
        }
        for (i, (d, (a, _))) in sp.decryptions.iter().zip(&t.totals).enumerate() {
            let (c, s) = (d.proof.challenge.0, d.proof.response.0);
            let w1 =
                RistrettoPoint::vartime_multiscalar_mul([s, c], [G.basepoint(), p.public.point]);
            let w2 = RistrettoPoint::vartime_multiscalar_mul([s, c], [a.point, d.factor.point]);
            let expected = partial_challenge(
                &board.record.fingerprint,
                &t.id,
                i as u32,
                p.holder,
                &p.public,
                a,
                &d.factor,
                &Point::new(w1),
                &Point::new(w2),
            );
            if expected != c {
                return Err(bad(format!(
                    "{}: scrutin {}, choice {}: the proof does not verify",
                    p.holder, t.id, i
                )));
            }
        }
    }
    Ok(())
}

/// Checks the set of holders: each at most once, the presidency, at least two delegates.
pub fn check_holders(partials: &[Partial]) -> Result<(), Failure> {
    let mut seen = HashSet::new();
    for p in partials {
        if !seen.insert(p.holder) {
            return fail(Check::KeyHolders, format!("{} appears twice", p.holder));
        }
    }
    let delegates = partials.iter().filter(|p| matches!(p.holder, Holder::Delegate(_))).count();
    if !seen.contains(&Holder::Presidency) || delegates < crate::keys::THRESHOLD {
        return fail(
            Check::KeyHolders,
            format!(
                "the count needs the presidency and at least two delegates; it has {}the presidency and {delegates} delegate(s)",
                if seen.contains(&Holder::Presidency) { "" } else { "not " }
            ),
        );
    }
    Ok(())
}

/// The decrypted `t·G` of each choice of each scrutin:
/// `M_i = B_i − P_presidency,i − Σ_j λ_j·P_j,i`, over the delegates present.
fn combined(board: &CheckedBoard, partials: &[Partial]) -> Vec<Vec<RistrettoPoint>> {
    let set: Vec<u32> = partials
        .iter()
        .filter_map(|p| match p.holder {
            Holder::Delegate(j) => Some(j),
            Holder::Presidency => None,
        })
        .collect();
    let weights: Vec<Scalar> = partials
        .iter()
        .map(|p| match p.holder {
            Holder::Presidency => Scalar::ONE,
            Holder::Delegate(j) => lagrange_at_zero(j, &set),
        })
        .collect();
    board
        .scrutins
        .iter()
        .enumerate()
        .map(|(k, t)| {
            t.totals
                .iter()
                .enumerate()
                .map(|(i, (_, b))| {
                    let shares = RistrettoPoint::vartime_multiscalar_mul(
                        &weights,
                        partials.iter().map(|p| p.scrutins[k].decryptions[i].factor.point),
                    );
                    b.point - shares
                })
                .collect()
        })
        .collect()
}

/// The `t` in `[0, bound]` with `t·G = m`, by baby-step giant-step (about `2·√bound` additions).
pub fn discrete_log(m: &RistrettoPoint, bound: u64) -> Option<u64> {
    let step = ((bound + 1) as f64).sqrt().ceil() as u64 + 1;
    let g = G.basepoint();
    let mut baby = HashMap::with_capacity(step as usize);
    let mut p = RistrettoPoint::identity();
    for j in 0..step {
        baby.insert(p.compress().to_bytes(), j);
        p += g;
    }
    let giant = Scalar::from(step) * g;
    let mut q = *m;
    let mut i = 0u64;
    while i * step <= bound {
        if let Some(j) = baby.get(&q.compress().to_bytes()) {
            let t = i * step + j;
            return (t <= bound).then_some(t);
        }
        q -= giant;
        i += 1;
    }
    None
}

// --- Results ---------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListResult {
    pub id: String,
    pub votes: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScrutinResult {
    pub id: String,
    pub name: String,
    /// Votes per electoral list, in the record's order.
    pub lists: Vec<ListResult>,
    pub blanks: u64,
    /// Ballots in the urne (= émargement entries).
    pub ballots: u64,
    /// Registered voters: the scrutin's credentials, unless the count was given the roll's.
    pub registered: u64,
    /// `ballots / registered` in percent, rounded to two decimals.
    pub turnout: f64,
}

/// The results of the count (`electeur-cles combine`), with the partial decryptions that make
/// them checkable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Results {
    /// The record's fingerprint, hex.
    pub election: String,
    /// The seal's digest, hex.
    pub seal: String,
    pub closed_at: String,
    pub scrutins: Vec<ScrutinResult>,
    pub partials: Vec<Partial>,
}

/// Percent with two decimals, rounded half up, from integers.
pub fn turnout(ballots: u64, registered: u64) -> f64 {
    if registered == 0 {
        return 0.0;
    }
    ((ballots as u128 * 10_000 + registered as u128 / 2) / registered as u128) as f64 / 100.0
}

/// The count: checks every partial and the holders, combines, finds each total.
pub fn combine(
    board: &CheckedBoard,
    partials: &[Partial],
    registered: Option<&BTreeMap<String, u64>>,
) -> Result<Results, Failure> {
    for p in partials {
        check_partial(board, p)?;
    }
    check_holders(partials)?;
    let mut partials = partials.to_vec();
    partials.sort_by_key(|p| p.holder);
    let m = combined(board, &partials);
    let mut scrutins = vec![];
    for ((t, s), ms) in board.scrutins.iter().zip(&board.record.record.scrutins).zip(&m) {
        let mut votes = vec![];
        for (i, mi) in ms.iter().enumerate() {
            match discrete_log(mi, t.ballots) {
                Some(v) => votes.push(v),
                None => {
                    return fail(
                        Check::Totals,
                        format!(
                            "scrutin {}, choice {}: no total up to {}",
                            t.id, s.choices[i], t.ballots
                        ),
                    )
                }
            }
        }
        let reg = registered.and_then(|r| r.get(&t.id).copied()).unwrap_or(t.credentials);
        let blanks = votes.pop().expect("blanc is last");
        scrutins.push(ScrutinResult {
            id: t.id.clone(),
            name: s.name.clone(),
            lists: s
                .choices
                .iter()
                .zip(votes)
                .map(|(c, v)| ListResult { id: c.clone(), votes: v })
                .collect(),
            blanks,
            ballots: t.ballots,
            registered: reg,
            turnout: turnout(t.ballots, reg),
        });
    }
    let results = Results {
        election: board.record.fingerprint_hex(),
        seal: board.seal.digest.clone(),
        closed_at: board.seal.closed_at.clone(),
        scrutins,
        partials,
    };
    verify_results(board, &results, &mut |_| {})?;
    Ok(results)
}

/// Checks published results against a checked board (§8.5 11–14).
pub fn verify_results(
    board: &CheckedBoard,
    results: &Results,
    log: &mut dyn FnMut(String),
) -> Result<(), Failure> {
    if results.election != board.record.fingerprint_hex()
        || results.seal != board.seal.digest
        || results.closed_at != board.seal.closed_at
    {
        return fail(Check::Results, "the results are for another election or another seal");
    }
    let rec = &board.record.record;
    if results.scrutins.len() != rec.scrutins.len() {
        return fail(Check::Results, "not one result per scrutin of the record");
    }
    for (r, s) in results.scrutins.iter().zip(&rec.scrutins) {
        let lists: Vec<&str> = r.lists.iter().map(|l| l.id.as_str()).collect();
        let expected: Vec<&str> =
            s.choices.iter().map(String::as_str).filter(|c| *c != BLANK).collect();
        if r.id != s.id || r.name != s.name || lists != expected {
            return fail(
                Check::Results,
                format!("scrutin {}: not the record's scrutin and lists", s.id),
            );
        }
    }
    log(format!("{}: election, seal and scrutins", Check::Results.name()));
    for p in &results.partials {
        check_partial(board, p)?;
    }
    log(format!(
        "{}: {} partial decryptions, every Chaum–Pedersen proof",
        Check::PartialDecryption.name(),
        results.partials.len()
    ));
    check_holders(&results.partials)?;
    let mut holders: Vec<String> = results.partials.iter().map(|p| p.holder.to_string()).collect();
    holders.sort();
    log(format!("{}: {}", Check::KeyHolders.name(), holders.join(", ")));
    let m = combined(board, &results.partials);
    for ((r, t), ms) in results.scrutins.iter().zip(&board.scrutins).zip(&m) {
        let votes: Vec<u64> = r.lists.iter().map(|l| l.votes).chain([r.blanks]).collect();
        for (i, (v, mi)) in votes.iter().zip(ms).enumerate() {
            if &(&Scalar::from(*v) * G) != mi {
                let name = &rec.scrutins.iter().find(|s| s.id == r.id).expect("checked").choices[i];
                return fail(
                    Check::Totals,
                    format!(
                        "scrutin {}, {name}: {v} votes published, not the decrypted total",
                        r.id
                    ),
                );
            }
        }
        if r.ballots != t.ballots || votes.iter().sum::<u64>() != t.ballots {
            return fail(
                Check::Totals,
                format!(
                    "scrutin {}: {} ballots published, {} in the urne, votes sum to {}",
                    r.id,
                    r.ballots,
                    t.ballots,
                    votes.iter().sum::<u64>()
                ),
            );
        }
        if r.registered < r.ballots || r.turnout != turnout(r.ballots, r.registered) {
            return fail(
                Check::Totals,
                format!(
                    "scrutin {}: registered {} and turnout {} do not fit {} ballots",
                    r.id, r.registered, r.turnout, r.ballots
                ),
            );
        }
        log(format!(
            "scrutin {}: totals {} + blanc {} = {} ballots, registered {}{}, turnout {} %",
            r.id,
            r.lists.iter().map(|l| format!("{} {}", l.id, l.votes)).collect::<Vec<_>>().join(", "),
            r.blanks,
            r.ballots,
            r.registered,
            if r.registered == t.credentials {
                " (the credentials)"
            } else {
                " (given with the count)"
            },
            r.turnout
        ));
    }
    Ok(())
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

impl Results {
    /// The CSV for the minutes: one line per scrutin and list, then blanks, ballots, registered
    /// and turnout.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("scrutin,nom,ligne,valeur\n");
        for s in &self.scrutins {
            let mut row = |what: &str, value: String| {
                out.push_str(&format!(
                    "{},{},{},{}\n",
                    csv_field(&s.id),
                    csv_field(&s.name),
                    csv_field(what),
                    value
                ));
            };
            for l in &s.lists {
                row(&l.id, l.votes.to_string());
            }
            row("blancs", s.blanks.to_string());
            row("votants", s.ballots.to_string());
            row("inscrits", s.registered.to_string());
            row("participation (%)", format!("{:.2}", s.turnout));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_are_found_up_to_the_bound_and_not_beyond() {
        for (t, bound) in [(0u64, 0u64), (0, 10), (7, 7), (1000, 1000), (999, 5000), (12345, 20000)]
        {
            let m = &Scalar::from(t) * G;
            assert_eq!(discrete_log(&m, bound), Some(t), "{t} ≤ {bound}");
        }
        assert_eq!(discrete_log(&(&Scalar::from(11u64) * G), 10), None);
        assert_eq!(turnout(1, 3), 33.33);
        assert_eq!(turnout(2, 3), 66.67);
        assert_eq!(turnout(0, 0), 0.0);
    }
}
