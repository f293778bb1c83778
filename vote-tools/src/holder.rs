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
