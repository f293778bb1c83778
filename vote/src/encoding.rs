//! §1 of the protocol: points and scalars as 64 lowercase hex digits, decoded canonically.

use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::VoteError;

const HEX: &[u8; 16] = b"0123456789abcdef";

pub fn to_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[(b >> 4) as usize] as char);
        s.push(HEX[(b & 15) as usize] as char);
    }
    s
}

/// 64 lowercase hex digits into 32 bytes; anything else (upper case included) is refused, so that
/// one value has one spelling.
pub fn from_hex32(s: &str) -> Result<[u8; 32], VoteError> {
    let b = s.as_bytes();
    if b.len() != 64 {
        return Err(VoteError::Encoding(format!("expected 64 hex digits, got {}", b.len())));
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Ok(c - b'0'),
        b'a'..=b'f' => Ok(c - b'a' + 10),
        _ => Err(VoteError::Encoding("not a lowercase hex digit".into())),
    };
    let mut out = [0u8; 32];
    for (i, pair) in b.chunks(2).enumerate() {
        out[i] = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Ok(out)
}

/// A ristretto255 point that keeps its canonical encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Point {
    pub point: RistrettoPoint,
    pub bytes: [u8; 32],
}

impl Point {
    pub fn new(point: RistrettoPoint) -> Self {
        Point { point, bytes: point.compress().to_bytes() }
    }

    pub fn parse(s: &str) -> Result<Self, VoteError> {
        let bytes = from_hex32(s)?;
        let point = CompressedRistretto(bytes)
            .decompress()
            .ok_or_else(|| VoteError::Encoding("not a ristretto255 point".into()))?;
        Ok(Point { point, bytes })
    }

    pub fn hex(&self) -> String {
        to_hex(&self.bytes)
    }
}

impl From<RistrettoPoint> for Point {
    fn from(p: RistrettoPoint) -> Self {
        Point::new(p)
    }
}

/// A scalar modulo ℓ; a non-canonical encoding is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Num(pub Scalar);

impl Num {
    pub fn parse(s: &str) -> Result<Self, VoteError> {
        let bytes = from_hex32(s)?;
        Option::<Scalar>::from(Scalar::from_canonical_bytes(bytes))
            .map(Num)
            .ok_or_else(|| VoteError::Encoding("scalar not below the group order".into()))
    }

    pub fn hex(&self) -> String {
        to_hex(self.0.as_bytes())
    }
}

impl From<Scalar> for Num {
    fn from(s: Scalar) -> Self {
        Num(s)
    }
}

impl Serialize for Point {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.hex())
    }
}

impl<'de> Deserialize<'de> for Point {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Point::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.hex())
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Num::parse(&s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT as G;

    #[test]
    fn points_and_scalars_round_trip_and_refuse_other_spellings() {
        let p = Point::new(G * Scalar::from(7u64));
        assert_eq!(Point::parse(&p.hex()).unwrap(), p);
        assert!(Point::parse(&p.hex().to_uppercase()).is_err());
        assert!(Point::parse(&"ff".repeat(32)).is_err());
        let n = Num(Scalar::from(42u64));
        assert_eq!(Num::parse(&n.hex()).unwrap(), n);
        // ℓ itself is not canonical
        let l = "edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010";
        assert!(Num::parse(l).is_err());
    }
}
