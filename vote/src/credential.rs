//! §3 of the protocol: voting codes, secret and public credentials.

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE as G;
use curve25519_dalek::scalar::Scalar;

use crate::encoding::Point;
use crate::transcript::{hash_to_scalar, Part};
use crate::VoteError;

/// Crockford base32: no I, L, O, U.
pub const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
pub const CODE_LEN: usize = 16;

/// The code as the voter may type it (spaces, dashes, lower case, O for 0, I or L for 1) into its
/// 16 characters.
pub fn normalise_code(typed: &str) -> Result<String, VoteError> {
    let mut out = String::with_capacity(CODE_LEN);
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            ' ' | '-' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
            return Err(VoteError::Code("a character that a voting code does not have"));
        }
        out.push(c);
    }
    if out.len() != CODE_LEN {
        return Err(VoteError::Code("a voting code has 16 characters"));
    }
    Ok(out)
}

/// The code in four groups of four, as printed on a notice.
pub fn display_code(code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    chars.chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

/// A fresh code: 80 bits from the operating system's generator.
pub fn new_code<R: rand::RngCore + rand::CryptoRng>(rng: &mut R) -> String {
    (0..CODE_LEN).map(|_| ALPHABET[(rng.next_u32() & 31) as usize] as char).collect()
}

/// A voter's signing key and the public credential the board lists.
pub struct Credential {
    pub secret: Scalar,
    pub public: Point,
}

impl Credential {
    pub fn from_code(election: &str, typed_code: &str) -> Result<Self, VoteError> {
        let code = normalise_code(typed_code)?;
        let secret = hash_to_scalar("credential", &[Part::Str(election), Part::Str(&code)]);
        Ok(Credential { secret, public: Point::new(&secret * G) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_as_voters_type_them() {
        assert_eq!(
            normalise_code("7kq2-m4xd o1il 9zzz").unwrap(),
            "7KQ2M4XD0111".to_string() + "9ZZZ"
        );
        assert!(normalise_code("7KQ2-M4XD-0111-9ZZ").is_err());
        assert!(normalise_code("7KQ2-M4XD-0111-9ZZU").is_err());
        assert_eq!(display_code("7KQ2M4XD01119ZZZ"), "7KQ2-M4XD-0111-9ZZZ");
        let a = Credential::from_code("ce2026", "7KQ2-M4XD-0111-9ZZZ").unwrap();
        let b = Credential::from_code("ce2026", "7kq2m4xdo1li9zzz").unwrap();
        let c = Credential::from_code("autre", "7KQ2-M4XD-0111-9ZZZ").unwrap();
        assert_eq!(a.public, b.public);
        assert_ne!(a.public, c.public);
    }
}
