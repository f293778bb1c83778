//! Files of the key holders' and the verifier's commands: JSON in and out, secret files of mode
//! 0600 that are never overwritten, the board file as a buffered stream.

use std::fs::{File, OpenOptions};
use std::io::{BufReader, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::{Context, Result};
use serde::de::DeserializeOwned;
use serde::Serialize;

pub fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("reading {}", path.display()))
}

pub fn read_all_json<T: DeserializeOwned>(paths: &[std::path::PathBuf]) -> Result<Vec<T>> {
    paths.iter().map(|p| read_json(p)).collect()
}

fn pretty<T: Serialize>(value: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("serialisable");
    bytes.push(b'\n');
    bytes
}

/// A public file (a ceremony message, a partial decryption, the results).
pub fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    std::fs::write(path, pretty(value)).with_context(|| format!("writing {}", path.display()))
}

/// A secret file: created with mode 0600, refused if it exists (a fragment is never replaced by
/// mistake).
pub fn write_secret<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {} (it must not exist)", path.display()))?;
    f.write_all(&pretty(value))?;
    f.sync_all()?;
    Ok(())
}

/// Replaces a secret file (the delegate's state between rounds), keeping mode 0600.
pub fn rewrite_secret<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let _ = std::fs::remove_file(&tmp);
    write_secret(&tmp, value)?;
    std::fs::rename(&tmp, path).with_context(|| format!("replacing {}", path.display()))
}

pub fn open_board(path: &Path) -> Result<BufReader<File>> {
    let f = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    Ok(BufReader::with_capacity(1 << 20, f))
}

// --- Fragments under a passphrase ------------------------------------------------------------

use vote::encoding::{from_hex32, to_hex, Num, Point};
use vote::keys::{Fragment, Holder};

pub const PROTECTED_KIND: &str = "espace-electeur/fragment-protected/v1";
/// argon2id's memory (KiB), passes and lanes for a fragment's passphrase: one derivation per
/// use, on the holder's machine, so costly on purpose.
const ARGON2: (u32, u32, u32) = (65_536, 3, 1);

/// A fragment whose secret is XORed with `argon2id(passphrase, salt)` (32 bytes). A wrong
/// passphrase is seen because the secret then does not match the public key.
#[derive(Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtectedFragment {
    pub kind: String,
    pub election: String,
    pub holder: Holder,
    pub public: Point,
    /// 16 bytes, hex.
    pub salt: String,
    /// argon2id's memory in KiB, passes and lanes.
    pub argon2id: [u32; 3],
    /// The secret's 32 bytes XOR the derived pad, hex.
    pub ciphertext: String,
}

fn pad(passphrase: &str, salt: &[u8], p: [u32; 3]) -> Result<[u8; 32]> {
    let params = argon2::Params::new(p[0], p[1], p[2], Some(32))
        .map_err(|e| anyhow::anyhow!("argon2 parameters: {e}"))?;
    let a = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = [0u8; 32];
    a.hash_password_into(passphrase.as_bytes(), salt, &mut out)
        .map_err(|e| anyhow::anyhow!("argon2: {e}"))?;
    Ok(out)
}

/// Reads the first line of a passphrase file.
pub fn read_passphrase(path: &Path) -> Result<String> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let line = text.lines().next().unwrap_or("").to_string();
    anyhow::ensure!(line.chars().count() >= 12, "a passphrase of at least 12 characters");
    Ok(line)
}

/// Writes a fragment (mode 0600, never overwritten), under the passphrase if one is given.
pub fn write_fragment(path: &Path, f: &Fragment, passphrase: Option<&str>) -> Result<()> {
    let Some(pass) = passphrase else { return write_secret(path, f) };
    let mut salt = [0u8; 16];
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut salt);
    let p = [ARGON2.0, ARGON2.1, ARGON2.2];
    let pad = pad(pass, &salt, p)?;
    let mut ct = *f.secret.0.as_bytes();
    for (c, k) in ct.iter_mut().zip(pad) {
        *c ^= k;
    }
    write_secret(
        path,
        &ProtectedFragment {
            kind: PROTECTED_KIND.into(),
            election: f.election.clone(),
            holder: f.holder,
            public: f.public,
            salt: to_hex(&salt),
            argon2id: p,
            ciphertext: to_hex(&ct),
        },
    )
}

/// Reads a fragment, plain or under a passphrase, and checks it.
pub fn read_fragment(path: &Path, passphrase: Option<&str>) -> Result<Fragment> {
    let v: serde_json::Value = read_json(path)?;
    let f = if v.get("kind").and_then(|k| k.as_str()) == Some(PROTECTED_KIND) {
        let p: ProtectedFragment = serde_json::from_value(v)?;
        let pass = passphrase.ok_or_else(|| {
            anyhow::anyhow!("{} is under a passphrase: give --passphrase-file", path.display())
        })?;
        let salt: Vec<u8> = (0..p.salt.len() / 2)
            .map(|i| u8::from_str_radix(&p.salt[2 * i..2 * i + 2], 16))
            .collect::<Result<_, _>>()?;
        let mut bytes = from_hex32(&p.ciphertext)?;
        for (c, k) in bytes.iter_mut().zip(pad(pass, &salt, p.argon2id)?) {
            *c ^= k;
        }
        let secret =
            Num::parse(&to_hex(&bytes)).map_err(|_| anyhow::anyhow!("wrong passphrase"))?;
        Fragment {
            kind: vote::keys::FRAGMENT_KIND.into(),
            election: p.election,
            holder: p.holder,
            public: p.public,
            secret,
        }
    } else {
        serde_json::from_value(v).with_context(|| format!("reading {}", path.display()))?
    };
    f.check()
        .map_err(|_| anyhow::anyhow!("{}: wrong passphrase or damaged fragment", path.display()))?;
    Ok(f)
}
