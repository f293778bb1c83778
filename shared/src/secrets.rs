//! Password and secret-answer hashing with argon2id, off the async runtime.

use std::sync::OnceLock;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::DomainError;

/// OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
pub const MEMORY_KIB: u32 = 19 * 1024;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;

fn argon2() -> Argon2<'static> {
    let params =
        Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes synchronously; call through [`hash`] from async code.
pub fn hash_blocking(secret: &str) -> Result<String, DomainError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| DomainError::Internal(format!("argon2 hash: {e}")))
}

/// Verifies synchronously; a malformed stored hash counts as a mismatch.
pub fn verify_blocking(secret: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => argon2().verify_password(secret.as_bytes(), &parsed).is_ok(),
        Err(_) => false,
    }
}

pub async fn hash(secret: String) -> Result<String, DomainError> {
    tokio::task::spawn_blocking(move || hash_blocking(&secret))
        .await
        .map_err(|e| DomainError::Internal(format!("hashing task: {e}")))?
}

pub async fn verify(secret: String, phc: String) -> bool {
    tokio::task::spawn_blocking(move || verify_blocking(&secret, &phc)).await.unwrap_or(false)
}

/// A hash of nothing anybody knows, verified against when there is no real hash, so that a
/// request about an unknown or unactivated voter costs the same time as a real check.
pub fn dummy_hash() -> String {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY
        .get_or_init(|| {
            hash_blocking("dummy hash that no voter can ever match").unwrap_or_default()
        })
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_use_owasp_parameters() {
        let h = hash_blocking("cheval agrafe batterie").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_blocking("cheval agrafe batterie", &h));
        assert!(!verify_blocking("cheval agrafe batteriE", &h));
        assert!(!verify_blocking("x", "not a hash"));
    }
}
