//! §4 of the protocol: a ballot for one scrutin, its proofs, signature and tracker.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE as G_TABLE;
use curve25519_dalek::ristretto::{RistrettoPoint, VartimeRistrettoPrecomputation};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{Identity, VartimeMultiscalarMul, VartimePrecomputedMultiscalarMul};
use serde::{Deserialize, Serialize};

use crate::credential::Credential;
use crate::encoding::{from_hex32, to_hex, Num, Point};
use crate::record::{ScrutinRecord, SealedRecord};
use crate::transcript::{hash_to_bytes, hash_to_scalar, random_scalar, Part};
use crate::VoteError;

fn g() -> RistrettoPoint {
    curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Proof {
    pub challenge: Num,
    pub response: Num,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EncryptedChoice {
    pub alpha: Point,
    pub beta: Point,
    /// Branch 0 ("encrypts 0") then branch 1.
    pub proof: [Proof; 2],
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ballot {
    /// The record's fingerprint, hex.
    pub election: String,
    pub scrutin: String,
    pub credential: Point,
    pub choices: Vec<EncryptedChoice>,
    pub sum_proof: Proof,
    pub signature: Proof,
}

/// The context every proof of a ballot hashes.
struct Context<'a> {
    fp: &'a [u8; 32],
    scrutin: &'a str,
    credential: &'a Point,
    y: RistrettoPoint,
}

impl Context<'_> {
    fn choice_challenge(
        &self,
        i: u32,
        alpha: &Point,
        beta: &Point,
        commits: &[Point; 4],
    ) -> Scalar {
        hash_to_scalar(
            "choice",
            &[
                Part::Bytes(self.fp),
                Part::Str(self.scrutin),
                Part::Point(self.credential),
                Part::Index(i),
                Part::Point(alpha),
                Part::Point(beta),
                Part::Point(&commits[0]),
                Part::Point(&commits[1]),
                Part::Point(&commits[2]),
                Part::Point(&commits[3]),
            ],
        )
    }

    fn sum_challenge(&self, choices: &[(Point, Point)], a: &Point, b: &Point) -> Scalar {
        let mut parts =
            vec![Part::Bytes(self.fp), Part::Str(self.scrutin), Part::Point(self.credential)];
        for (alpha, beta) in choices {
            parts.push(Part::Point(alpha));
            parts.push(Part::Point(beta));
        }
        parts.push(Part::Point(a));
        parts.push(Part::Point(b));
        hash_to_scalar("sum", &parts)
    }

    fn signature_challenge(&self, digest: &[u8; 32], a: &Point) -> Scalar {
        hash_to_scalar(
            "signature",
            &[
                Part::Bytes(self.fp),
                Part::Str(self.scrutin),
                Part::Point(self.credential),
                Part::Bytes(digest),
                Part::Point(a),
            ],
        )
    }
}

/// `D`, the body digest of §4.4.
fn body_digest(
    fp: &[u8; 32],
    scrutin: &str,
    credential: &Point,
    choices: &[EncryptedChoice],
    sum: &Proof,
) -> [u8; 32] {
    let mut parts = vec![Part::Bytes(fp), Part::Str(scrutin), Part::Point(credential)];
    for c in choices {
        parts.push(Part::Point(&c.alpha));
        parts.push(Part::Point(&c.beta));
        for p in &c.proof {
            parts.push(Part::Num(&p.challenge));
            parts.push(Part::Num(&p.response));
        }
    }
    parts.push(Part::Num(&sum.challenge));
    parts.push(Part::Num(&sum.response));
    hash_to_bytes("ballot", &parts)
}

/// The choice a voter makes in one scrutin: the index of a list, or the last index for blank.
pub fn choice_vector(scrutin: &ScrutinRecord, choice: &str) -> Option<Vec<bool>> {
    let i = scrutin.choices.iter().position(|c| c == choice)?;
    Some((0..scrutin.choices.len()).map(|k| k == i).collect())
}

/// Builds and proves a ballot (§4.1–4.4) choosing `choice` (a list id or "blanc").
pub fn encrypt<R: rand::RngCore + rand::CryptoRng>(
    record: &SealedRecord,
    scrutin_id: &str,
    choice: &str,
    credential: &Credential,
    rng: &mut R,
) -> Result<Ballot, VoteError> {
    let scrutin =
        record.scrutin(scrutin_id).ok_or_else(|| VoteError::UnknownScrutin(scrutin_id.into()))?;
    let vector = choice_vector(scrutin, choice)
        .ok_or_else(|| VoteError::UnknownScrutin(format!("{scrutin_id}/{choice}")))?;
    encrypt_vector(record, scrutin_id, &vector, credential, rng)
}

/// Builds a ballot for any 0/1 vector. Only [`encrypt`]'s vectors (exactly one choice) make a
/// ballot that verifies; tests use this to build the others.
pub fn encrypt_vector<R: rand::RngCore + rand::CryptoRng>(
    record: &SealedRecord,
    scrutin_id: &str,
    vector: &[bool],
    credential: &Credential,
    rng: &mut R,
) -> Result<Ballot, VoteError> {
    let y = record.record.public_key.point;
    let ctx =
        Context { fp: &record.fingerprint, scrutin: scrutin_id, credential: &credential.public, y };
    let mut choices = Vec::with_capacity(vector.len());
    let mut total_r = Scalar::ZERO;
    for (i, &chosen) in vector.iter().enumerate() {
        let r = random_scalar(rng);
        total_r += r;
        let m = if chosen { 1usize } else { 0 };
        let alpha = Point::new(&r * G_TABLE);
        let beta = Point::new(r * y + if chosen { g() } else { RistrettoPoint::identity() });
        // the simulated branch
        let o = 1 - m;
        let c_o = random_scalar(rng);
        let s_o = random_scalar(rng);
        let (a_o, b_o) = commitments(&ctx, &alpha, &beta, o, c_o, s_o);
        // the real branch
        let w = random_scalar(rng);
        let a_m = Point::new(&w * G_TABLE);
        let b_m = Point::new(w * y);
        let commits = if m == 0 { [a_m, b_m, a_o, b_o] } else { [a_o, b_o, a_m, b_m] };
        let c = ctx.choice_challenge(i as u32, &alpha, &beta, &commits);
        let c_m = c - c_o;
        let s_m = w - c_m * r;
        let real = Proof { challenge: Num(c_m), response: Num(s_m) };
        let simulated = Proof { challenge: Num(c_o), response: Num(s_o) };
        let proof = if m == 0 { [real, simulated] } else { [simulated, real] };
        choices.push(EncryptedChoice { alpha, beta, proof });
    }
    let pairs: Vec<(Point, Point)> = choices.iter().map(|c| (c.alpha, c.beta)).collect();
    let w = random_scalar(rng);
    let c = ctx.sum_challenge(&pairs, &Point::new(&w * G_TABLE), &Point::new(w * y));
    let sum_proof = Proof { challenge: Num(c), response: Num(w - c * total_r) };
    let digest = body_digest(ctx.fp, scrutin_id, &credential.public, &choices, &sum_proof);
    let w = random_scalar(rng);
    let c = ctx.signature_challenge(&digest, &Point::new(&w * G_TABLE));
    let signature = Proof { challenge: Num(c), response: Num(w - c * credential.secret) };
    Ok(Ballot {
        election: record.fingerprint_hex(),
        scrutin: scrutin_id.to_string(),
        credential: credential.public,
        choices,
        sum_proof,
        signature,
    })
}

/// `A_b = s·G + c·alpha`, `B_b = s·Y + c·(beta − b·G)`.
fn commitments(
    ctx: &Context,
    alpha: &Point,
    beta: &Point,
    b: usize,
    c: Scalar,
    s: Scalar,
) -> (Point, Point) {
    let a = RistrettoPoint::vartime_multiscalar_mul([s, c], [g(), alpha.point]);
    let shifted = if b == 1 { beta.point - g() } else { beta.point };
    let bb = RistrettoPoint::vartime_multiscalar_mul([s, c], [ctx.y, shifted]);
    (Point::new(a), Point::new(bb))
}

/// What the verification of many ballots of one record shares: precomputed tables for `G` and
/// the election key `Y`, so that each commitment is one mixed multiscalar multiplication.
pub struct BallotVerifier {
    table: VartimeRistrettoPrecomputation,
    half: Scalar,
}

impl BallotVerifier {
    pub fn new(record: &SealedRecord) -> Self {
        BallotVerifier {
            table: VartimeRistrettoPrecomputation::new([g(), record.record.public_key.point]),
            half: Scalar::from(2u64).invert(),
        }
    }

    /// `(a·G + b·Y + c·P) / 2`: the commitments are computed halved, then doubled and compressed
    /// all at once (one field inversion per ballot instead of one per commitment).
    fn half(&self, a: Scalar, b: Scalar, c: Scalar, p: RistrettoPoint) -> RistrettoPoint {
        self.table.vartime_mixed_multiscalar_mul(
            [a * self.half, b * self.half],
            [c * self.half],
            [p],
        )
    }
}

impl Ballot {
    /// Checks §4.6 1–2 against the record: the election, the scrutin, the number of choices,
    /// every proof and the signature. The credential list and uniqueness are the caller's (§4.6 3).
    pub fn verify(&self, record: &SealedRecord) -> Result<(), VoteError> {
        self.verify_with(record, &BallotVerifier::new(record))
    }

    /// [`Ballot::verify`] with the tables of `verifier` (made once for many ballots).
    pub fn verify_with(
        &self,
        record: &SealedRecord,
        verifier: &BallotVerifier,
    ) -> Result<(), VoteError> {
        if from_hex32(&self.election).ok() != Some(record.fingerprint) {
            return Err(VoteError::WrongElection(self.election.clone()));
        }
        let scrutin = record
            .scrutin(&self.scrutin)
            .ok_or_else(|| VoteError::UnknownScrutin(self.scrutin.clone()))?;
        if self.choices.len() != scrutin.choices.len() {
            return Err(VoteError::WrongChoiceCount {
                expected: scrutin.choices.len(),
                found: self.choices.len(),
            });
        }
        let ctx = Context {
            fp: &record.fingerprint,
            scrutin: &self.scrutin,
            credential: &self.credential,
            y: record.record.public_key.point,
        };
        let zero = Scalar::ZERO;
        let v = verifier;
        // every commitment, halved: per choice A_0, B_0, A_1, B_1; then the sum proof's A', B';
        // then the signature's A
        let mut halves = Vec::with_capacity(4 * self.choices.len() + 3);
        let mut sum_a = RistrettoPoint::identity();
        let mut sum_b = RistrettoPoint::identity();
        for c in &self.choices {
            let (c0, s0) = (c.proof[0].challenge.0, c.proof[0].response.0);
            let (c1, s1) = (c.proof[1].challenge.0, c.proof[1].response.0);
            halves.push(v.half(s0, zero, c0, c.alpha.point));
            halves.push(v.half(zero, s0, c0, c.beta.point));
            halves.push(v.half(s1, zero, c1, c.alpha.point));
            // B_1 = s_1·Y + c_1·(beta − G)
            halves.push(v.half(-c1, s1, c1, c.beta.point));
            sum_a += c.alpha.point;
            sum_b += c.beta.point;
        }
        let (c, s) = (self.sum_proof.challenge.0, self.sum_proof.response.0);
        halves.push(v.half(s, zero, c, sum_a));
        // B' = s·Y + c·(B − G)
        halves.push(v.half(-c, s, c, sum_b));
        let (sc, ss) = (self.signature.challenge.0, self.signature.response.0);
        halves.push(v.half(ss, zero, sc, self.credential.point));
        let commits: Vec<Point> = RistrettoPoint::double_and_compress_batch(&halves)
            .into_iter()
            .zip(&halves)
            .map(|(bytes, h)| Point { point: h + h, bytes: bytes.to_bytes() })
            .collect();
        for (i, c) in self.choices.iter().enumerate() {
            let k = &commits[4 * i..4 * i + 4];
            let expected =
                ctx.choice_challenge(i as u32, &c.alpha, &c.beta, &[k[0], k[1], k[2], k[3]]);
            if c.proof[0].challenge.0 + c.proof[1].challenge.0 != expected {
                return Err(VoteError::ChoiceProof(i));
            }
        }
        let n = 4 * self.choices.len();
        let pairs: Vec<(Point, Point)> = self.choices.iter().map(|c| (c.alpha, c.beta)).collect();
        if ctx.sum_challenge(&pairs, &commits[n], &commits[n + 1]) != c {
            return Err(VoteError::SumProof);
        }
        let digest = self.digest(record);
        if ctx.signature_challenge(&digest, &commits[n + 2]) != sc {
            return Err(VoteError::Signature);
        }
        Ok(())
    }

    fn digest(&self, record: &SealedRecord) -> [u8; 32] {
        body_digest(
            &record.fingerprint,
            &self.scrutin,
            &self.credential,
            &self.choices,
            &self.sum_proof,
        )
    }

    /// §4.5: the tracker, base64url without padding.
    pub fn tracker(&self, record: &SealedRecord) -> String {
        let d = self.digest(record);
        let t = hash_to_bytes(
            "tracker",
            &[
                Part::Bytes(&d),
                Part::Num(&self.signature.challenge),
                Part::Num(&self.signature.response),
            ],
        );
        URL_SAFE_NO_PAD.encode(t)
    }

    /// The body digest as hex (in the test vectors).
    pub fn digest_hex(&self, record: &SealedRecord) -> String {
        to_hex(&self.digest(record))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{ElectionRecord, ScrutinRecord, Trustees};

    pub(crate) fn record(y: RistrettoPoint) -> SealedRecord {
        let list =
            |n: usize| (1..=n).map(|i| format!("L{i}")).chain(["blanc".to_string()]).collect();
        SealedRecord::seal(ElectionRecord {
            version: 1,
            election: "test".into(),
            name: "Essai".into(),
            group: "ristretto255".into(),
            public_key: Point::new(y),
            trustees: Trustees {
                presidency: Point::new(y),
                presidency_proof: Proof {
                    challenge: Num(Scalar::ZERO),
                    response: Num(Scalar::ZERO),
                },
                commitments: vec![],
                delegates: vec![],
            },
            scrutins: vec![
                ScrutinRecord { id: "S1".into(), name: "Un".into(), choices: list(3) },
                ScrutinRecord { id: "S2".into(), name: "Deux".into(), choices: list(3) },
            ],
        })
    }

    #[test]
    fn a_ballot_verifies_and_any_change_is_refused() {
        let mut rng = rand::thread_rng();
        let y = &random_scalar(&mut rng) * G_TABLE;
        let rec = record(y);
        let cred = Credential::from_code("test", "0000-0000-0000-0001").unwrap();
        let other = Credential::from_code("test", "0000-0000-0000-0002").unwrap();
        for choice in ["L1", "L3", "blanc"] {
            let b = encrypt(&rec, "S1", choice, &cred, &mut rng).unwrap();
            assert_eq!(b.verify(&rec), Ok(()));
            assert_eq!(b.tracker(&rec).len(), 43);
        }
        let b = encrypt(&rec, "S1", "L2", &cred, &mut rng).unwrap();
        // copied under another credential
        let mut copied = b.clone();
        copied.credential = other.public;
        assert_eq!(copied.verify(&rec), Err(VoteError::ChoiceProof(0)));
        // copied into another scrutin
        let mut moved = b.clone();
        moved.scrutin = "S2".into();
        assert_eq!(moved.verify(&rec), Err(VoteError::ChoiceProof(0)));
        // another election
        let rec2 = record(y + G_TABLE.basepoint());
        assert!(matches!(b.verify(&rec2), Err(VoteError::WrongElection(_))));
        // one ciphertext swapped
        let mut altered = b.clone();
        altered.choices.swap(0, 1);
        assert_eq!(altered.verify(&rec), Err(VoteError::ChoiceProof(0)));
        // the signature of another code
        let mut forged = b.clone();
        forged.signature = encrypt(&rec, "S1", "L2", &other, &mut rng).unwrap().signature;
        assert_eq!(forged.verify(&rec), Err(VoteError::Signature));
        // a choice removed
        let mut short = b.clone();
        short.choices.pop();
        assert!(matches!(short.verify(&rec), Err(VoteError::WrongChoiceCount { .. })));
        // two choices, or none
        for v in [[true, true, false, false], [false, false, false, false]] {
            let two = encrypt_vector(&rec, "S1", &v, &cred, &mut rng).unwrap();
            assert_eq!(two.verify(&rec), Err(VoteError::SumProof));
        }
        // a choice encrypting 2 (its 0/1 proof cannot be made)
        let mut bad = b.clone();
        bad.choices[1].beta = Point::new(bad.choices[1].beta.point + G_TABLE.basepoint());
        assert_eq!(bad.verify(&rec), Err(VoteError::ChoiceProof(1)));
    }
}
