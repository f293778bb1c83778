//! §2 of the protocol: the election record and its fingerprint.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ballot::Proof;
use crate::encoding::{to_hex, Point};
use crate::VoteError;

pub const BLANK: &str = "blanc";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScrutinRecord {
    pub id: String,
    pub name: String,
    /// The electoral lists, in order, then [`BLANK`].
    pub choices: Vec<String>,
}

/// A delegate's published keys (§6.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DelegateKey {
    /// 1-based; the point at which the delegates' polynomial is evaluated for this delegate.
    pub index: u32,
    pub name: String,
    /// This delegate's polynomial commitments `[F_j0, F_j1]` (round 2 of the ceremony).
    pub commitments: Vec<Point>,
    /// Proof of knowledge of the discrete log of `F_j0` (tag `key-polynomial`).
    pub commitment_proof: Proof,
    /// `D_j = d_j·G`, the public key of the delegate's fragment.
    pub verification_key: Point,
    /// Proof of knowledge of `d_j` (tag `key-delegate`).
    pub verification_proof: Proof,
}

/// What the key ceremony publishes (§6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trustees {
    /// `Y_p = x_p·G`, the presidency fragment's public key.
    pub presidency: Point,
    /// Proof of knowledge of `x_p` (tag `key-presidency`).
    pub presidency_proof: Proof,
    /// The public commitments of the delegates' polynomial: `[x_d·G, a·G]`, the sums of the
    /// delegates' own commitments.
    pub commitments: Vec<Point>,
    pub delegates: Vec<DelegateKey>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElectionRecord {
    pub version: u32,
    pub election: String,
    pub name: String,
    pub group: String,
    pub public_key: Point,
    pub trustees: Trustees,
    pub scrutins: Vec<ScrutinRecord>,
}

/// A record with the bytes it was read from: the fingerprint is over those bytes.
#[derive(Debug, Clone)]
pub struct SealedRecord {
    pub record: ElectionRecord,
    pub bytes: Vec<u8>,
    pub fingerprint: [u8; 32],
}

impl SealedRecord {
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, VoteError> {
        let record: ElectionRecord =
            serde_json::from_slice(&bytes).map_err(|e| VoteError::Record(e.to_string()))?;
        if record.version != 1 || record.group != "ristretto255" {
            return Err(VoteError::Record("version 1 over ristretto255 expected".into()));
        }
        for s in &record.scrutins {
            if s.choices.len() < 2 || s.choices.last().map(String::as_str) != Some(BLANK) {
                return Err(VoteError::Record(format!("scrutin {}: lists then blanc", s.id)));
            }
        }
        let fingerprint = Sha256::digest(&bytes).into();
        Ok(SealedRecord { record, bytes, fingerprint })
    }

    /// The record written out once, pretty-printed; its bytes are then what is published.
    pub fn seal(record: ElectionRecord) -> Self {
        let mut bytes = serde_json::to_vec_pretty(&record).expect("a record serialises");
        bytes.push(b'\n');
        Self::from_bytes(bytes).expect("a record built here is valid")
    }

    pub fn fingerprint_hex(&self) -> String {
        to_hex(&self.fingerprint)
    }

    pub fn scrutin(&self, id: &str) -> Option<&ScrutinRecord> {
        self.record.scrutins.iter().find(|s| s.id == id)
    }
}
