//! §6 of the protocol: the election key `x = x_p + x_d`, the presidency fragment and the
//! delegates' distributed key generation (§6.1), without a dealer: each holder's secret is made on
//! their side and never leaves it.
//!
//! The ceremony's messages are plain data (serde): the `electeur-cles` command writes and reads
//! them as files. Each step checks everything it receives and names what fails.

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE as G;
use curve25519_dalek::ristretto::RistrettoPoint;
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{Identity, VartimeMultiscalarMul};
use serde::{Deserialize, Serialize};

use crate::ballot::Proof;
use crate::encoding::{Num, Point};
use crate::record::{DelegateKey, ElectionRecord, Trustees};
use crate::transcript::{hash_to_scalar, random_scalar, Part};
use crate::VoteError;

/// The number of delegates' fragments a decryption needs (R211-573: at least two delegates).
pub const THRESHOLD: usize = 2;
/// The fewest delegates a ceremony accepts (a threshold of 2 among at least 3).
pub const MIN_DELEGATES: usize = 3;

pub const FRAGMENT_KIND: &str = "espace-electeur/fragment/v1";

fn bad(msg: impl Into<String>) -> VoteError {
    VoteError::Keys(msg.into())
}

fn g() -> RistrettoPoint {
    curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT
}

/// A Schnorr proof of knowledge of `x` with `P = x·G`: `A = w·G`,
/// `c = Hs(tag, context…, P, A)`, `s = w − c·x`; valid when `c = Hs(tag, context…, P, s·G + c·P)`.
pub(crate) fn prove_knowledge<R: rand::RngCore + rand::CryptoRng>(
    tag: &str,
    context: &[Part],
    secret: &Scalar,
    public: &Point,
    rng: &mut R,
) -> Proof {
    let w = random_scalar(rng);
    let c = knowledge_challenge(tag, context, public, &Point::new(&w * G));
    Proof { challenge: Num(c), response: Num(w - c * secret) }
}

pub(crate) fn check_knowledge(tag: &str, context: &[Part], public: &Point, proof: &Proof) -> bool {
    let a = RistrettoPoint::vartime_multiscalar_mul(
        [proof.response.0, proof.challenge.0],
        [g(), public.point],
    );
    knowledge_challenge(tag, context, public, &Point::new(a)) == proof.challenge.0
}

fn knowledge_challenge(tag: &str, context: &[Part], public: &Point, a: &Point) -> Scalar {
    let mut parts: Vec<Part> = Vec::with_capacity(context.len() + 2);
    for p in context {
        parts.push(match p {
            Part::Str(s) => Part::Str(s),
            Part::Bytes(b) => Part::Bytes(b),
            Part::Point(p) => Part::Point(p),
            Part::Num(n) => Part::Num(n),
            Part::Index(i) => Part::Index(*i),
        });
    }
    parts.push(Part::Point(public));
    parts.push(Part::Point(a));
    hash_to_scalar(tag, &parts)
}

/// Who holds a fragment: the presidency (president and secretary share one), or delegate `j`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "role", content = "index", rename_all = "lowercase")]
pub enum Holder {
    Presidency,
    Delegate(u32),
}

impl Holder {
    /// The role string and index hashed in proofs: `"presidency"`, 0 or `"delegate"`, `j`.
    pub fn parts(&self) -> (&'static str, u32) {
        match self {
            Holder::Presidency => ("presidency", 0),
            Holder::Delegate(j) => ("delegate", *j),
        }
    }

    /// The fragment's public key in the record.
    pub fn public_key(&self, trustees: &Trustees) -> Option<Point> {
        match self {
            Holder::Presidency => Some(trustees.presidency),
            Holder::Delegate(j) => {
                trustees.delegates.iter().find(|d| d.index == *j).map(|d| d.verification_key)
            }
        }
    }
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Holder::Presidency => write!(f, "the presidency"),
            Holder::Delegate(j) => write!(f, "delegate {j}"),
        }
    }
}

/// A secret fragment, as its holder keeps it (a file of mode 0600 on their machine).
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fragment {
    pub kind: String,
    pub election: String,
    pub holder: Holder,
    pub public: Point,
    pub secret: Num,
}

impl std::fmt::Debug for Fragment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Fragment({}, {}, {})", self.election, self.holder, self.public.hex())
    }
}

impl Fragment {
    pub fn check(&self) -> Result<(), VoteError> {
        if self.kind != FRAGMENT_KIND {
            return Err(bad(format!("not a key fragment ({})", self.kind)));
        }
        if Point::new(&self.secret.0 * G) != self.public {
            return Err(bad("the fragment's secret does not match its public key"));
        }
        Ok(())
    }
}

// --- The presidency -------------------------------------------------------------------------

/// What the presidency publishes: `Y_p` and the proof that it knows `x_p`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PresidencyKey {
    pub election: String,
    pub public: Point,
    pub proof: Proof,
}

/// The presidency generates `x_p` itself: the fragment (for the president, with a copy for the
/// secretary) and the public key with its proof.
pub fn presidency<R: rand::RngCore + rand::CryptoRng>(
    election: &str,
    rng: &mut R,
) -> (Fragment, PresidencyKey) {
    let x = random_scalar(rng);
    let public = Point::new(&x * G);
    let proof = prove_knowledge("key-presidency", &[Part::Str(election)], &x, &public, rng);
    let fragment = Fragment {
        kind: FRAGMENT_KIND.into(),
        election: election.into(),
        holder: Holder::Presidency,
        public,
        secret: Num(x),
    };
    (fragment, PresidencyKey { election: election.into(), public, proof })
}

impl PresidencyKey {
    pub fn check(&self, election: &str) -> Result<(), VoteError> {
        if self.election != election {
            return Err(bad(format!("the presidency's key is for election {}", self.election)));
        }
        if !check_knowledge("key-presidency", &[Part::Str(election)], &self.public, &self.proof) {
            return Err(bad("the presidency's proof of knowledge does not verify"));
        }
        Ok(())
    }
}

// --- The delegates' key generation ------------------------------------------------------------

/// Round 1, published: a delegate's exchange key `E_j`, to which the others encrypt its shares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Round1 {
    pub election: String,
    pub index: u32,
    pub name: String,
    pub exchange_key: Point,
    pub proof: Proof,
}

/// A share `f_j(k)` encrypted to delegate `k`: `R = r·G`,
/// `ciphertext = f_j(k) + Hs("key-share", election, u32(j), u32(k), R, r·E_k)`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncryptedShare {
    pub to: u32,
    pub ephemeral: Point,
    pub ciphertext: Num,
}

/// Round 2, published: a delegate's commitments `[F_j0, F_j1]`, the proof of knowledge of
/// `a_j0`, and its shares encrypted to each other delegate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Round2 {
    pub election: String,
    pub index: u32,
    pub commitments: Vec<Point>,
    pub proof: Proof,
    pub shares: Vec<EncryptedShare>,
}

/// Round 3, published: a delegate's verification key `D_k` and the proof that it knows `d_k`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Round3 {
    pub election: String,
    pub index: u32,
    pub verification_key: Point,
    pub proof: Proof,
}

/// What a delegate keeps between rounds (secret: its exchange key and, after round 2, its
/// polynomial). A file of mode 0600, deleted once the fragment is written.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DelegateState {
    pub election: String,
    pub index: u32,
    pub name: String,
    pub exchange_secret: Num,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub polynomial: Option<[Num; 2]>,
}

fn exchange_context(election: &str, index: u32) -> [Part<'_>; 2] {
    [Part::Str(election), Part::Index(index)]
}

/// Round 1: delegate `index` makes its exchange key.
pub fn round1<R: rand::RngCore + rand::CryptoRng>(
    election: &str,
    index: u32,
    name: &str,
    rng: &mut R,
) -> Result<(DelegateState, Round1), VoteError> {
    if index == 0 {
        return Err(bad("delegates are numbered from 1"));
    }
    let e = random_scalar(rng);
    let exchange_key = Point::new(&e * G);
    let ctx = [Part::Str(election), Part::Index(index), Part::Str(name)];
    let proof = prove_knowledge("key-exchange", &ctx, &e, &exchange_key, rng);
    let state = DelegateState {
        election: election.into(),
        index,
        name: name.into(),
        exchange_secret: Num(e),
        polynomial: None,
    };
    Ok((state, Round1 { election: election.into(), index, name: name.into(), exchange_key, proof }))
}

/// Checks a set of round-1 messages: one election, indices exactly `1..=N` with `N ≥ 3`, each
/// proof. Returns them sorted by index.
pub fn check_round1(election: &str, msgs: &[Round1]) -> Result<Vec<Round1>, VoteError> {
    let mut msgs = msgs.to_vec();
    msgs.sort_by_key(|m| m.index);
    if msgs.len() < MIN_DELEGATES {
        return Err(bad(format!("{} delegates; at least {MIN_DELEGATES} needed", msgs.len())));
    }
    for (i, m) in msgs.iter().enumerate() {
        if m.index != i as u32 + 1 {
            return Err(bad(format!("the delegates must be numbered 1 to {}", msgs.len())));
        }
        if m.election != election {
            return Err(bad(format!(
                "delegate {}'s round 1 is for election {}",
                m.index, m.election
            )));
        }
        let ctx = [Part::Str(election), Part::Index(m.index), Part::Str(&m.name)];
        if !check_knowledge("key-exchange", &ctx, &m.exchange_key, &m.proof) {
            return Err(bad(format!("delegate {}'s exchange key proof does not verify", m.index)));
        }
    }
    Ok(msgs)
}

fn share_pad(election: &str, from: u32, to: u32, ephemeral: &Point, shared: &Point) -> Scalar {
    hash_to_scalar(
        "key-share",
        &[
            Part::Str(election),
            Part::Index(from),
            Part::Index(to),
            Part::Point(ephemeral),
            Part::Point(shared),
        ],
    )
}

/// Round 2: the delegate draws its polynomial `f_j(z) = a_j0 + a_j1·z`, commits to it and
/// encrypts `f_j(k)` to every other delegate `k`.
pub fn round2<R: rand::RngCore + rand::CryptoRng>(
    state: &mut DelegateState,
    round1: &[Round1],
    rng: &mut R,
) -> Result<Round2, VoteError> {
    if state.polynomial.is_some() {
        return Err(bad("round 2 was already made with this state"));
    }
    let all = check_round1(&state.election, round1)?;
    let me = all
        .iter()
        .find(|m| m.index == state.index)
        .ok_or_else(|| bad(format!("no round 1 of delegate {}", state.index)))?;
    if me.exchange_key.point != &state.exchange_secret.0 * G {
        return Err(bad("this delegate's round 1 is not the one of its state"));
    }
    let a = [random_scalar(rng), random_scalar(rng)];
    let commitments = vec![Point::new(&a[0] * G), Point::new(&a[1] * G)];
    let ctx = [Part::Str(&state.election), Part::Index(state.index), Part::Point(&commitments[1])];
    let proof = prove_knowledge("key-polynomial", &ctx, &a[0], &commitments[0], rng);
    let mut shares = vec![];
    for other in all.iter().filter(|m| m.index != state.index) {
        let value = a[0] + a[1] * Scalar::from(other.index);
        let r = random_scalar(rng);
        let ephemeral = Point::new(&r * G);
        let shared = Point::new(r * other.exchange_key.point);
        let pad = share_pad(&state.election, state.index, other.index, &ephemeral, &shared);
        shares.push(EncryptedShare { to: other.index, ephemeral, ciphertext: Num(value + pad) });
    }
    state.polynomial = Some([Num(a[0]), Num(a[1])]);
    Ok(Round2 { election: state.election.clone(), index: state.index, commitments, proof, shares })
}

fn check_round2_proof(election: &str, m: &Round2) -> Result<(), VoteError> {
    if m.election != election {
        return Err(bad(format!("delegate {}'s round 2 is for election {}", m.index, m.election)));
    }
    if m.commitments.len() != THRESHOLD {
        return Err(bad(format!("delegate {} must publish {THRESHOLD} commitments", m.index)));
    }
    let ctx = [Part::Str(election), Part::Index(m.index), Part::Point(&m.commitments[1])];
    if !check_knowledge("key-polynomial", &ctx, &m.commitments[0], &m.proof) {
        return Err(bad(format!("delegate {}'s polynomial proof does not verify", m.index)));
    }
    Ok(())
}

/// `F_0 + k·F_1`: the public value of a degree-1 polynomial's commitment at `k`.
fn commitment_at(commitments: &[Point], k: u32) -> RistrettoPoint {
    commitments[0].point + Scalar::from(k) * commitments[1].point
}

/// Checks the round-2 set against round 1: the same delegates, each proof, one share to each
/// other delegate. Returns them sorted by index.
fn check_round2(
    election: &str,
    round1: &[Round1],
    round2: &[Round2],
) -> Result<Vec<Round2>, VoteError> {
    let mut msgs = round2.to_vec();
    msgs.sort_by_key(|m| m.index);
    if msgs.len() != round1.len() || msgs.iter().zip(round1).any(|(a, b)| a.index != b.index) {
        return Err(bad("round 2 needs one message from each delegate of round 1"));
    }
    for m in &msgs {
        check_round2_proof(election, m)?;
        let mut to: Vec<u32> = m.shares.iter().map(|s| s.to).collect();
        to.sort_unstable();
        let expected: Vec<u32> = round1.iter().map(|r| r.index).filter(|&i| i != m.index).collect();
        if to != expected {
            return Err(bad(format!(
                "delegate {} must send one share to each other delegate",
                m.index
            )));
        }
    }
    Ok(msgs)
}

/// Round 3: the delegate decrypts the shares sent to it, checks each against its sender's
/// commitments (`s·G = F_j0 + k·F_j1`), adds them with its own into its fragment
/// `d_k = Σ_j f_j(k)` and publishes `D_k` with a proof of knowledge.
pub fn round3<R: rand::RngCore + rand::CryptoRng>(
    state: &DelegateState,
    round1: &[Round1],
    round2: &[Round2],
    rng: &mut R,
) -> Result<(Fragment, Round3), VoteError> {
    let election = &state.election;
    let r1 = check_round1(election, round1)?;
    let r2 = check_round2(election, &r1, round2)?;
    let poly = state.polynomial.ok_or_else(|| bad("this state has not made round 2"))?;
    let k = state.index;
    let mine = r2
        .iter()
        .find(|m| m.index == k)
        .ok_or_else(|| bad(format!("no round 2 of delegate {k}")))?;
    if mine.commitments[0].point != &poly[0].0 * G || mine.commitments[1].point != &poly[1].0 * G {
        return Err(bad("this delegate's round 2 is not the one of its state"));
    }
    let mut d = poly[0].0 + poly[1].0 * Scalar::from(k);
    for m in r2.iter().filter(|m| m.index != k) {
        let share = m.shares.iter().find(|s| s.to == k).expect("checked by check_round2");
        let shared = Point::new(state.exchange_secret.0 * share.ephemeral.point);
        let value = share.ciphertext.0 - share_pad(election, m.index, k, &share.ephemeral, &shared);
        if &value * G != commitment_at(&m.commitments, k) {
            return Err(bad(format!(
                "the share from delegate {} does not match its commitments: the ceremony must restart",
                m.index
            )));
        }
        d += value;
    }
    let public = Point::new(&d * G);
    let proof = prove_knowledge("key-delegate", &exchange_context(election, k), &d, &public, rng);
    let fragment = Fragment {
        kind: FRAGMENT_KIND.into(),
        election: election.clone(),
        holder: Holder::Delegate(k),
        public,
        secret: Num(d),
    };
    Ok((fragment, Round3 { election: election.clone(), index: k, verification_key: public, proof }))
}

/// The last step, by anyone: checks every message of the ceremony and assembles the record's
/// `trustees` object and the election key `Y = Y_p + Σ_j F_j0`.
pub fn assemble(
    election: &str,
    presidency: &PresidencyKey,
    round1: &[Round1],
    round2: &[Round2],
    round3: &[Round3],
) -> Result<(Trustees, Point), VoteError> {
    presidency.check(election)?;
    let r1 = check_round1(election, round1)?;
    let r2 = check_round2(election, &r1, round2)?;
    let mut r3 = round3.to_vec();
    r3.sort_by_key(|m| m.index);
    if r3.len() != r1.len() || r3.iter().zip(&r1).any(|(a, b)| a.index != b.index) {
        return Err(bad("round 3 needs one message from each delegate"));
    }
    let delegates = r1
        .iter()
        .zip(&r2)
        .zip(&r3)
        .map(|((a, b), c)| {
            if c.election != election {
                return Err(bad(format!(
                    "delegate {}'s round 3 is for election {}",
                    c.index, c.election
                )));
            }
            Ok(DelegateKey {
                index: a.index,
                name: a.name.clone(),
                commitments: b.commitments.clone(),
                commitment_proof: b.proof,
                verification_key: c.verification_key,
                verification_proof: c.proof,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let commitments = (0..THRESHOLD)
        .map(|i| Point::new(r2.iter().map(|m| m.commitments[i].point).sum()))
        .collect();
    let trustees = Trustees {
        presidency: presidency.public,
        presidency_proof: presidency.proof,
        commitments,
        delegates,
    };
    let y = check_trustees(election, &trustees)?;
    Ok((trustees, y))
}

/// Checks a record's `trustees` (§6.1, "what a verifier checks") and returns the election key
/// they define, `Y = Y_p + C_0`.
pub fn check_trustees(election: &str, t: &Trustees) -> Result<Point, VoteError> {
    if !check_knowledge(
        "key-presidency",
        &[Part::Str(election)],
        &t.presidency,
        &t.presidency_proof,
    ) {
        return Err(bad("the presidency's proof of knowledge does not verify"));
    }
    if t.delegates.len() < MIN_DELEGATES {
        return Err(bad(format!(
            "{} delegates; at least {MIN_DELEGATES} needed",
            t.delegates.len()
        )));
    }
    if t.commitments.len() != THRESHOLD {
        return Err(bad(format!("{THRESHOLD} commitments expected")));
    }
    let mut sums = [RistrettoPoint::identity(); THRESHOLD];
    for (i, d) in t.delegates.iter().enumerate() {
        if d.index != i as u32 + 1 {
            return Err(bad("the delegates must be listed in order, numbered from 1"));
        }
        if d.commitments.len() != THRESHOLD {
            return Err(bad(format!("delegate {} must have {THRESHOLD} commitments", d.index)));
        }
        let ctx = [Part::Str(election), Part::Index(d.index), Part::Point(&d.commitments[1])];
        if !check_knowledge("key-polynomial", &ctx, &d.commitments[0], &d.commitment_proof) {
            return Err(bad(format!("delegate {}'s polynomial proof does not verify", d.index)));
        }
        let ctx = exchange_context(election, d.index);
        if !check_knowledge("key-delegate", &ctx, &d.verification_key, &d.verification_proof) {
            return Err(bad(format!(
                "delegate {}'s verification key proof does not verify",
                d.index
            )));
        }
        for (s, c) in sums.iter_mut().zip(&d.commitments) {
            *s += c.point;
        }
    }
    if t.commitments.iter().zip(&sums).any(|(c, s)| c.point != *s) {
        return Err(bad("the commitments are not the sums of the delegates' commitments"));
    }
    for d in &t.delegates {
        if d.verification_key.point != commitment_at(&t.commitments, d.index) {
            return Err(bad(format!(
                "delegate {}'s verification key does not match the commitments",
                d.index
            )));
        }
    }
    Ok(Point::new(t.presidency.point + t.commitments[0].point))
}

/// Checks a whole record's keys: the trustees and `public_key = Y_p + C_0`.
pub fn check_record_keys(record: &ElectionRecord) -> Result<(), VoteError> {
    let y = check_trustees(&record.election, &record.trustees)?;
    if y != record.public_key {
        return Err(bad("the public key is not the presidency's key plus the delegates'"));
    }
    Ok(())
}

/// A whole ceremony in memory (tests, benchmarks, vectors): the presidency and `n` delegates.
pub fn ceremony<R: rand::RngCore + rand::CryptoRng>(
    election: &str,
    names: &[&str],
    rng: &mut R,
) -> Result<(Trustees, Point, Vec<Fragment>), VoteError> {
    let (pf, pk) = presidency(election, rng);
    let mut states = vec![];
    let mut r1 = vec![];
    for (i, name) in names.iter().enumerate() {
        let (s, m) = round1(election, i as u32 + 1, name, rng)?;
        states.push(s);
        r1.push(m);
    }
    let r2 = states.iter_mut().map(|s| round2(s, &r1, rng)).collect::<Result<Vec<_>, _>>()?;
    let mut fragments = vec![pf];
    let mut r3 = vec![];
    for s in &states {
        let (f, m) = round3(s, &r1, &r2, rng)?;
        fragments.push(f);
        r3.push(m);
    }
    let (trustees, y) = assemble(election, &pk, &r1, &r2, &r3)?;
    Ok((trustees, y, fragments))
}

/// The Lagrange coefficient at 0 of delegate `j` among `set` (degree-1 polynomial, any set of at
/// least two distinct indices): `λ_j = Π_{k ∈ set, k ≠ j} k / (k − j)`.
pub fn lagrange_at_zero(j: u32, set: &[u32]) -> Scalar {
    let mut num = Scalar::ONE;
    let mut den = Scalar::ONE;
    for &k in set.iter().filter(|&&k| k != j) {
        num *= Scalar::from(k);
        den *= Scalar::from(k) - Scalar::from(j);
    }
    num * den.invert()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ceremony_gives_a_key_that_the_presidency_and_any_two_delegates_rebuild() {
        let mut rng = rand::thread_rng();
        let (t, y, f) = ceremony("e", &["A", "B", "C", "D"], &mut rng).unwrap();
        assert_eq!(check_trustees("e", &t).unwrap(), y);
        assert!(check_trustees("other", &t).is_err());
        let d = |j: usize| f[j].secret.0;
        for set in [[1u32, 2], [2, 4], [3, 1]] {
            let xd: Scalar = set.iter().map(|&j| lagrange_at_zero(j, &set) * d(j as usize)).sum();
            assert_eq!(Point::new(&(f[0].secret.0 + xd) * G), y);
        }
        // any two delegates alone do not make the key
        assert_ne!(Point::new(&(d(1) + d(2)) * G), y);
        // a changed verification key is seen
        let mut t2 = t.clone();
        t2.delegates[1].verification_key = t.delegates[2].verification_key;
        assert!(check_trustees("e", &t2).is_err());
        for frag in &f {
            frag.check().unwrap();
        }
    }

    #[test]
    fn a_bad_share_is_named() {
        let mut rng = rand::thread_rng();
        let mut states = vec![];
        let mut r1 = vec![];
        for j in 1..=3 {
            let (s, m) = round1("e", j, "x", &mut rng).unwrap();
            states.push(s);
            r1.push(m);
        }
        let mut r2: Vec<Round2> =
            states.iter_mut().map(|s| round2(s, &r1, &mut rng).unwrap()).collect();
        r2[1].shares[0].ciphertext = Num(r2[1].shares[0].ciphertext.0 + Scalar::ONE);
        let err = round3(&states[0], &r1, &r2, &mut rng).unwrap_err();
        assert!(err.to_string().contains("from delegate 2"), "{err}");
    }
}
