//! §1 of the protocol: the length-prefixed transcript `T(tag, p1, …, pn)` and the two hashes
//! over it, `Hs` (to a scalar, SHA-512 reduced modulo ℓ) and `Hb` (SHA-256).

use curve25519_dalek::scalar::Scalar;
use sha2::{Digest, Sha256, Sha512};

use crate::encoding::{Num, Point};

pub const DOMAIN: &str = "espace-electeur/vote/v1";

/// One part of a transcript.
pub enum Part<'a> {
    Str(&'a str),
    Bytes(&'a [u8]),
    Point(&'a Point),
    Num(&'a Num),
    Index(u32),
}

fn feed<D: Digest>(h: &mut D, bytes: &[u8]) {
    h.update((bytes.len() as u32).to_be_bytes());
    h.update(bytes);
}

fn transcript<D: Digest>(tag: &str, parts: &[Part]) -> D {
    let mut h = D::new();
    feed(&mut h, DOMAIN.as_bytes());
    feed(&mut h, tag.as_bytes());
    for p in parts {
        match p {
            Part::Str(s) => feed(&mut h, s.as_bytes()),
            Part::Bytes(b) => feed(&mut h, b),
            Part::Point(p) => feed(&mut h, &p.bytes),
            Part::Num(n) => feed(&mut h, n.0.as_bytes()),
            Part::Index(i) => feed(&mut h, &i.to_be_bytes()),
        }
    }
    h
}

/// `Hs(tag, …)`: a challenge.
pub fn hash_to_scalar(tag: &str, parts: &[Part]) -> Scalar {
    let digest: [u8; 64] = transcript::<Sha512>(tag, parts).finalize().into();
    Scalar::from_bytes_mod_order_wide(&digest)
}

/// `Hb(tag, …)`: a digest.
pub fn hash_to_bytes(tag: &str, parts: &[Part]) -> [u8; 32] {
    transcript::<Sha256>(tag, parts).finalize().into()
}

/// A uniform scalar from 64 random bytes.
pub fn random_scalar<R: rand::RngCore + rand::CryptoRng>(rng: &mut R) -> Scalar {
    let mut wide = [0u8; 64];
    rng.fill_bytes(&mut wide);
    Scalar::from_bytes_mod_order_wide(&wide)
}
