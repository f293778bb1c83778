//! Password and secret-answer hashing with argon2id, off the async runtime.

use std::sync::{Mutex, OnceLock};

use argon2::password_hash::{rand_core::OsRng, Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

use crate::error::DomainError;

/// OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
pub const MEMORY_KIB: u32 = 19 * 1024;
pub const ITERATIONS: u32 = 2;
pub const PARALLELISM: u32 = 1;

fn params() -> Params {
    Params::new(MEMORY_KIB, ITERATIONS, PARALLELISM, None).expect("valid argon2 parameters")
}

fn argon2() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params())
}

/// Runs `f` over `count` argon2 blocks of the instance's one buffer, allocated by the first hash
/// and kept for the life of the process (19 MiB at the parameters above). Allocating and freeing
/// that much for every hash made the allocator keep the freed pages: an instance grew to 157 MB
/// after 40 hashes. A second hash running at the same time in the same process (not the case of a
/// Lambda instance, which serves one request at a time) gets a buffer of its own.
fn with_blocks<T>(count: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
    static BLOCKS: Mutex<Vec<Block>> = Mutex::new(Vec::new());
    match BLOCKS.try_lock() {
        Ok(mut blocks) => {
            if blocks.len() < count {
                blocks.resize(count, Block::default());
            }
            f(&mut blocks[..count])
        }
        Err(_) => f(&mut vec![Block::default(); count]),
    }
}

fn internal(what: &str, e: impl std::fmt::Display) -> DomainError {
    DomainError::Internal(format!("argon2 {what}: {e}"))
}

/// Hashes synchronously into the instance's buffer; call through [`hash`] from async code. The
/// result is the PHC string (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`).
pub fn hash_blocking(secret: &str) -> Result<String, DomainError> {
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes).map_err(|e| internal("salt", e))?;
    let argon = argon2();
    let params = params();
    let output = Output::init_with(Params::DEFAULT_OUTPUT_LEN, |out| {
        with_blocks(params.block_count(), |blocks| {
            argon.hash_password_into_with_memory(secret.as_bytes(), salt_bytes, out, blocks)
        })
        .map_err(|_| argon2::password_hash::Error::Password)
    })
    .map_err(|e| internal("hash", e))?;
    phc_string(&salt, output)
}

/// The PHC string of an argon2id output at the project's parameters.
fn phc_string(salt: &SaltString, output: Output) -> Result<String, DomainError> {
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params()).map_err(|e| internal("parameters", e))?,
        salt: Some(salt.as_salt()),
        hash: Some(output),
    };
    Ok(phc.to_string())
}

/// Verifies synchronously, with the parameters the stored hash names, into the instance's buffer;
/// a malformed stored hash counts as a mismatch. The comparison is constant-time (`Output`).
pub fn verify_blocking(secret: &str, phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let version = match parsed.version.map(Version::try_from) {
        None => Version::default(),
        Some(Ok(v)) => v,
        Some(Err(_)) => return false,
    };
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let argon = Argon2::new(algorithm, version, params.clone());
    let computed = Output::init_with(expected.len(), |out| {
        with_blocks(params.block_count(), |blocks| {
            argon.hash_password_into_with_memory(secret.as_bytes(), salt_bytes, out, blocks)
        })
        .map_err(|_| argon2::password_hash::Error::Password)
    });
    matches!(computed, Ok(c) if c == expected)
}

pub async fn hash(secret: String) -> Result<String, DomainError> {
    tokio::task::spawn_blocking(move || hash_blocking(&secret))
        .await
        .map_err(|e| DomainError::Internal(format!("hashing task: {e}")))?
}

pub async fn verify(secret: String, phc: String) -> bool {
    tokio::task::spawn_blocking(move || verify_blocking(&secret, &phc)).await.unwrap_or(false)
}

/// A stored hash that no secret matches, verified against when there is no real hash, so that a
/// request about an unknown or unactivated voter costs the same time as a real check: the PHC
/// string of the project's parameters with a random salt and a random output (no secret hashes
/// to 32 random bytes but by a chance of 2^-256). Made once per instance in microseconds: no hash
/// is computed to make it, so a cold start does not pay one.
pub fn dummy_hash() -> String {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| random_phc().unwrap_or_default()).clone()
}

fn random_phc() -> Result<String, DomainError> {
    use argon2::password_hash::rand_core::RngCore;
    let salt = SaltString::generate(&mut OsRng);
    let mut bytes = [0u8; Params::DEFAULT_OUTPUT_LEN];
    OsRng.fill_bytes(&mut bytes);
    phc_string(&salt, Output::new(&bytes).map_err(|e| internal("output", e))?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The dummy names the parameters of real hashes (so that checking against it costs what a
    /// real check costs), is the same for the life of the instance, and matches nothing.
    #[test]
    fn the_dummy_hash_costs_a_real_check_and_matches_nothing() {
        let dummy = dummy_hash();
        assert!(dummy.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{dummy}");
        assert_eq!(dummy, dummy_hash());
        let parsed = PasswordHash::new(&dummy).unwrap();
        assert_eq!(parsed.hash.unwrap().len(), Params::DEFAULT_OUTPUT_LEN);
        for secret in ["", "dummy hash that no voter can ever match", "cheval agrafe batterie"] {
            assert!(!verify_blocking(secret, &dummy));
        }
        let real = hash_blocking("cheval agrafe batterie").unwrap();
        let real = PasswordHash::new(&real).unwrap();
        assert_eq!(parsed.params, real.params);
    }

    #[test]
    fn hashes_verify_and_use_owasp_parameters() {
        let h = hash_blocking("cheval agrafe batterie").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_blocking("cheval agrafe batterie", &h));
        assert!(!verify_blocking("cheval agrafe batteriE", &h));
        assert!(!verify_blocking("x", "not a hash"));
    }

    /// Hashes made by the crate's own `PasswordHasher` (every hash stored so far) verify, and ours
    /// verify with the crate's `PasswordVerifier`: the buffer changes where the memory lives, not
    /// the hash.
    #[test]
    fn hashes_match_the_crates_own_hasher_both_ways() {
        use argon2::password_hash::{PasswordHasher, PasswordVerifier};
        let salt = SaltString::generate(&mut OsRng);
        let theirs = argon2().hash_password(b"cheval agrafe batterie", &salt).unwrap().to_string();
        assert!(verify_blocking("cheval agrafe batterie", &theirs));
        assert!(!verify_blocking("cheval agrafe batterie!", &theirs));
        let ours = hash_blocking("pluie sur le toit").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(argon2().verify_password(b"pluie sur le toit", &parsed).is_ok());
        // Other parameters than ours (a hash made stronger later) verify too.
        let stronger = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(MEMORY_KIB * 2, 3, 1, None).unwrap(),
        )
        .hash_password(b"x y z", &salt)
        .unwrap()
        .to_string();
        assert!(verify_blocking("x y z", &stronger));
        assert!(!verify_blocking("x y", &stronger));
    }
}
