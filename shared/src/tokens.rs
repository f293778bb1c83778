//! Random secrets handed to voters (mail tokens, session ids) and the hashes the store keeps.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::rngs::OsRng;
use rand::RngCore;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};

/// 256 random bits from the operating system, as 43 characters of base64url.
pub fn new_secret() -> SecretString {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    SecretString::from(URL_SAFE_NO_PAD.encode(bytes))
}

/// The only form in which a token or session id is stored: hex SHA-256. The secrets carry 256 bits
/// of entropy, so a fast hash is enough.
pub fn hash_token(raw: &str) -> String {
    let digest = Sha256::digest(raw.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn hash_secret(secret: &SecretString) -> String {
    hash_token(secret.expose_secret())
}

/// Short random code for human-facing references (claims), without ambiguous characters.
pub fn short_code(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = vec![0u8; len];
    OsRng.fill_bytes(&mut bytes);
    bytes.iter().map(|b| ALPHABET[*b as usize % ALPHABET.len()] as char).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_43_chars_and_distinct() {
        let a = new_secret();
        let b = new_secret();
        assert_eq!(a.expose_secret().len(), 43);
        assert_ne!(a.expose_secret(), b.expose_secret());
        assert_eq!(hash_secret(&a).len(), 64);
    }
}
