//! §8.1–8.2 of the protocol: the seal of the urne and the émargement at the close, and the public
//! board file (the record, the credential lists, every ballot, the seal).
//!
//! The board file is JSON Lines: a first line, the [`BoardHeader`], then one line per ballot, the
//! scrutins in the record's order and, within a scrutin, the ballots sorted by tracker. So it is
//! written and checked as a stream, whatever the number of ballots.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use serde::{Deserialize, Serialize};

use crate::ballot::Ballot;
use crate::encoding::{from_hex32, to_hex};
use crate::record::SealedRecord;
use crate::transcript::{hash_to_bytes, Part};
use crate::VoteError;

pub const BOARD_FORMAT: &str = "espace-electeur/board/v1";

fn bad(msg: impl Into<String>) -> VoteError {
    VoteError::Board(msg.into())
}

/// A hash chain over a sorted list: `h_0 = Hb(start, fp, scrutin)`, then
/// `h_i = Hb(step, h_{i−1}, entry_i)`; entries strictly increasing (bytewise), so each appears once.
#[derive(Debug, Clone)]
pub struct Chain {
    step: &'static str,
    head: [u8; 32],
    count: u64,
    last: Option<Vec<u8>>,
}

/// The three chains of a scrutin's seal: the credential list, the urne (trackers) and the
/// émargement (voter ids).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainKind {
    Credentials,
    Urne,
    Emargement,
}

impl ChainKind {
    fn tags(self) -> (&'static str, &'static str) {
        match self {
            ChainKind::Credentials => ("seal-credentials", "seal-credential"),
            ChainKind::Urne => ("seal-urne", "seal-ballot"),
            ChainKind::Emargement => ("seal-emargement", "seal-voter"),
        }
    }
}

impl Chain {
    pub fn new(kind: ChainKind, fp: &[u8; 32], scrutin: &str) -> Self {
        let (start, step) = kind.tags();
        let head = hash_to_bytes(start, &[Part::Bytes(fp), Part::Str(scrutin)]);
        Chain { step, head, count: 0, last: None }
    }

    /// Adds the next entry: a credential's 32 bytes, a tracker's 43 characters, a voter id.
    pub fn push(&mut self, entry: &[u8]) -> Result<(), VoteError> {
        if let Some(last) = &self.last {
            if entry <= last.as_slice() {
                return Err(bad(format!(
                    "entries out of order or repeated at entry {}",
                    self.count + 1
                )));
            }
        }
        self.head = hash_to_bytes(self.step, &[Part::Bytes(&self.head), Part::Bytes(entry)]);
        self.count += 1;
        self.last = Some(entry.to_vec());
        Ok(())
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn digest_hex(&self) -> String {
        to_hex(&self.head)
    }
}

/// The seal of one scrutin.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScrutinSeal {
    pub id: String,
    pub credentials: u64,
    pub credentials_digest: String,
    pub ballots: u64,
    pub urne_digest: String,
    pub emargement: u64,
    pub emargement_digest: String,
}

/// The seal made at the close (§8.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Seal {
    /// The record's fingerprint, hex.
    pub election: String,
    /// The closing time, RFC 3339 in UTC (`2026-12-08T17:30:00Z`).
    pub closed_at: String,
    /// One per scrutin of the record, in its order.
    pub scrutins: Vec<ScrutinSeal>,
    /// `Hb("seal", fp, closed_at, u32(n), for each scrutin: id, u32(credentials),
    /// credentials_digest, u32(ballots), urne_digest, u32(emargement), emargement_digest)`, hex.
    pub digest: String,
}

impl Seal {
    pub fn compute_digest(&self) -> Result<String, VoteError> {
        let fp = from_hex32(&self.election)?;
        let mut digests = vec![];
        for s in &self.scrutins {
            digests.push([
                from_hex32(&s.credentials_digest)?,
                from_hex32(&s.urne_digest)?,
                from_hex32(&s.emargement_digest)?,
            ]);
        }
        let count = |n: u64| u32::try_from(n).map_err(|_| bad("a count beyond 2^32"));
        let mut counts = vec![];
        for s in &self.scrutins {
            counts.push([count(s.credentials)?, count(s.ballots)?, count(s.emargement)?]);
        }
        let n = u32::try_from(self.scrutins.len()).map_err(|_| bad("too many scrutins"))?;
        let mut parts = vec![Part::Bytes(&fp), Part::Str(&self.closed_at), Part::Index(n)];
        for ((s, d), c) in self.scrutins.iter().zip(&digests).zip(&counts) {
            parts.push(Part::Str(&s.id));
            for k in 0..3 {
                parts.push(Part::Index(c[k]));
                parts.push(Part::Bytes(&d[k]));
            }
        }
        Ok(to_hex(&hash_to_bytes("seal", &parts)))
    }

    pub fn scrutin(&self, id: &str) -> Option<&ScrutinSeal> {
        self.scrutins.iter().find(|s| s.id == id)
    }
}

/// A scrutin's credential list into its chain (the list sorted, as published).
pub fn credentials_chain(
    fp: &[u8; 32],
    scrutin: &str,
    list: &[String],
) -> Result<Chain, VoteError> {
    let mut chain = Chain::new(ChainKind::Credentials, fp, scrutin);
    for c in list {
        let bytes =
            from_hex32(c).map_err(|e| bad(format!("scrutin {scrutin}: credential {c}: {e}")))?;
        chain
            .push(&bytes)
            .map_err(|e| bad(format!("scrutin {scrutin}: the credential list: {e}")))?;
    }
    Ok(chain)
}

/// Seals the close from the trackers of the urne (any order) and the émargement's
/// (scrutin, voter id) entries (any order); the voter ids go into the digest only.
pub fn seal_trackers(
    record: &SealedRecord,
    credentials: &BTreeMap<String, Vec<String>>,
    trackers: &BTreeMap<String, Vec<String>>,
    emargement: &[(String, String)],
    closed_at: &str,
) -> Result<Seal, VoteError> {
    for id in credentials.keys().chain(trackers.keys()).chain(emargement.iter().map(|e| &e.0)) {
        if record.scrutin(id).is_none() {
            return Err(bad(format!("scrutin {id} is not in the record")));
        }
    }
    let fp = &record.fingerprint;
    let mut by_scrutin: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (s, v) in emargement {
        by_scrutin.entry(s).or_default().push(v);
    }
    let mut scrutins = vec![];
    for s in &record.record.scrutins {
        let creds = credentials_chain(fp, &s.id, credentials.get(&s.id).map_or(&[], |v| v))?;
        let mut urne = Chain::new(ChainKind::Urne, fp, &s.id);
        let mut sorted: Vec<&String> = trackers.get(&s.id).map_or(vec![], |v| v.iter().collect());
        sorted.sort();
        for t in sorted {
            urne.push(t.as_bytes()).map_err(|e| bad(format!("scrutin {}: urne: {e}", s.id)))?;
        }
        let mut em = Chain::new(ChainKind::Emargement, fp, &s.id);
        let mut voters = by_scrutin.remove(s.id.as_str()).unwrap_or_default();
        voters.sort();
        for v in voters {
            em.push(v.as_bytes()).map_err(|e| bad(format!("scrutin {}: émargement: {e}", s.id)))?;
        }
        scrutins.push(ScrutinSeal {
            id: s.id.clone(),
            credentials: creds.count(),
            credentials_digest: creds.digest_hex(),
            ballots: urne.count(),
            urne_digest: urne.digest_hex(),
            emargement: em.count(),
            emargement_digest: em.digest_hex(),
        });
    }
    let mut seal = Seal {
        election: record.fingerprint_hex(),
        closed_at: closed_at.into(),
        scrutins,
        digest: String::new(),
    };
    seal.digest = seal.compute_digest()?;
    Ok(seal)
}

/// Seals the close from the ballots of the urne (per scrutin, any order).
pub fn seal(
    record: &SealedRecord,
    credentials: &BTreeMap<String, Vec<String>>,
    ballots: &BTreeMap<String, Vec<Ballot>>,
    emargement: &[(String, String)],
    closed_at: &str,
) -> Result<Seal, VoteError> {
    let trackers = ballots
        .iter()
        .map(|(s, bs)| (s.clone(), bs.iter().map(|b| b.tracker(record)).collect()))
        .collect();
    seal_trackers(record, credentials, &trackers, emargement, closed_at)
}

/// The board file's first line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BoardHeader {
    /// [`BOARD_FORMAT`].
    pub format: String,
    /// The exact text of `election.json` (its fingerprint is over these bytes).
    pub record: String,
    /// Per scrutin, the sorted public credentials (hex), as the portal received them.
    pub credentials: BTreeMap<String, Vec<String>>,
    pub seal: Seal,
}

/// The whole board in memory: the header and the ballots per scrutin (sorted by tracker).
#[derive(Debug, Clone)]
pub struct BoardFile {
    pub header: BoardHeader,
    pub ballots: BTreeMap<String, Vec<Ballot>>,
}

impl BoardFile {
    /// Builds the board from the sealed close; the ballots are sorted here, and the seal's urne
    /// and credential digests are checked against them.
    pub fn new(
        record_text: String,
        credentials: BTreeMap<String, Vec<String>>,
        mut ballots: BTreeMap<String, Vec<Ballot>>,
        seal: Seal,
    ) -> Result<Self, VoteError> {
        let record = SealedRecord::from_bytes(record_text.clone().into_bytes())?;
        let mut trackers = BTreeMap::new();
        for (s, list) in ballots.iter_mut() {
            let mut keyed: Vec<(String, Ballot)> =
                list.drain(..).map(|b| (b.tracker(&record), b)).collect();
            keyed.sort_by(|a, b| a.0.cmp(&b.0));
            for (_, b) in &keyed {
                if &b.scrutin != s {
                    return Err(bad(format!("a ballot of scrutin {} filed under {s}", b.scrutin)));
                }
            }
            trackers.insert(s.clone(), keyed.iter().map(|k| k.0.clone()).collect::<Vec<_>>());
            *list = keyed.into_iter().map(|k| k.1).collect();
        }
        let check = seal_trackers(&record, &credentials, &trackers, &[], &seal.closed_at)?;
        for (a, b) in check.scrutins.iter().zip(&seal.scrutins) {
            if a.id != b.id
                || a.ballots != b.ballots
                || a.urne_digest != b.urne_digest
                || a.credentials_digest != b.credentials_digest
            {
                return Err(bad(format!("the seal does not match scrutin {}", a.id)));
            }
        }
        if check.scrutins.len() != seal.scrutins.len() {
            return Err(bad("the seal does not list the record's scrutins"));
        }
        Ok(BoardFile {
            header: BoardHeader {
                format: BOARD_FORMAT.into(),
                record: record_text,
                credentials,
                seal,
            },
            ballots,
        })
    }

    /// Writes the file: the header line, then the ballots, scrutin by scrutin in the record's
    /// order, each sorted by tracker.
    pub fn write_to<W: Write>(&self, mut w: W) -> Result<(), VoteError> {
        let record = SealedRecord::from_bytes(self.header.record.clone().into_bytes())?;
        write_header(&mut w, &self.header)?;
        for s in &record.record.scrutins {
            for b in self.ballots.get(&s.id).map_or(&[][..], |v| v) {
                write_ballot(&mut w, b)?;
            }
        }
        w.flush().map_err(|e| bad(e.to_string()))
    }

    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = vec![];
        self.write_to(&mut out).expect("writing to memory");
        out
    }

    /// Reads a whole board into memory (tests and small boards; the count and the verifier read
    /// it as a stream, [`read_header`] then the ballot lines).
    pub fn read_from<R: BufRead>(mut r: R) -> Result<Self, VoteError> {
        let header = read_header(&mut r)?;
        let mut ballots: BTreeMap<String, Vec<Ballot>> = BTreeMap::new();
        for (n, line) in r.lines().enumerate() {
            let line = line.map_err(|e| bad(e.to_string()))?;
            let b: Ballot = serde_json::from_str(&line)
                .map_err(|e| bad(format!("line {}: not a ballot: {e}", n + 2)))?;
            ballots.entry(b.scrutin.clone()).or_default().push(b);
        }
        Ok(BoardFile { header, ballots })
    }
}

/// Writes the header line. A board too large to hold in memory is written as a stream: this,
/// then [`write_ballot`] for each ballot, scrutin by scrutin in the record's order, by tracker.
pub fn write_header<W: Write>(w: &mut W, header: &BoardHeader) -> Result<(), VoteError> {
    serde_json::to_writer(&mut *w, header).map_err(|e| bad(e.to_string()))?;
    w.write_all(b"\n").map_err(|e| bad(e.to_string()))
}

/// Writes one ballot line.
pub fn write_ballot<W: Write>(w: &mut W, ballot: &Ballot) -> Result<(), VoteError> {
    serde_json::to_writer(&mut *w, ballot).map_err(|e| bad(e.to_string()))?;
    w.write_all(b"\n").map_err(|e| bad(e.to_string()))
}

/// Reads the first line of a board file.
pub fn read_header<R: BufRead>(r: &mut R) -> Result<BoardHeader, VoteError> {
    let mut line = String::new();
    r.read_line(&mut line).map_err(|e| bad(e.to_string()))?;
    let header: BoardHeader = serde_json::from_str(line.trim_end())
        .map_err(|e| bad(format!("line 1: not a board header: {e}")))?;
    if header.format != BOARD_FORMAT {
        return Err(bad(format!("format {} (expected {BOARD_FORMAT})", header.format)));
    }
    Ok(header)
}
