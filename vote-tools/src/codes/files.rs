//! The files of the credential authority (§7 of `docs/vote-protocol.md`): the credential lists
//! and the reissue updates for the portal, the authority's ledger, the notices; and how they are
//! written (never over an existing file; the secret ones readable by their owner only).

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde::{Deserialize, Serialize};

/// `credentials.json`, loaded by the portal: per scrutin, the sorted public credentials of its
/// voters. No voter id, no e-mail, no name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialLists {
    pub election: String,
    pub scrutins: BTreeMap<String, Vec<String>>,
}

/// One public credential on one scrutin's list.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScrutinCredential {
    pub scrutin: String,
    pub credential: String,
}

/// The update a reissue sends to the portal: per scrutin, the credential withdrawn and the one
/// put in its place. The portal applies a scrutin's pair only if the withdrawn credential is on
/// that list and has not voted there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CredentialUpdate {
    pub election: String,
    pub revoke: Vec<ScrutinCredential>,
    pub add: Vec<ScrutinCredential>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Active,
    Revoked,
}

/// One credential issued to a voter. The code it comes from is never kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Issued {
    pub credential: String,
    pub status: Status,
    /// RFC 3339, UTC.
    pub issued_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
    /// Why it was issued (a reissue's reference), if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LedgerVoter {
    pub email: String,
    pub civility: String,
    pub first_name: String,
    pub last_name: String,
    pub scrutins: Vec<String>,
    /// Oldest first; exactly one is active.
    pub credentials: Vec<Issued>,
}

impl LedgerVoter {
    pub fn active(&self) -> Option<&Issued> {
        self.credentials.iter().find(|c| c.status == Status::Active)
    }
}

/// What the notices say besides the voter's own data, kept so that a reissued notice says the
/// same.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeSettings {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub portal: Option<String>,
    /// Paris wall-clock time, `AAAA-MM-JJTHH:MM`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opens: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closes: Option<String>,
    /// Scrutin id → name, when the scrutins' file was given.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub scrutin_names: BTreeMap<String, String>,
}

/// `ledger.json`, the authority's private file: who holds which public credential.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ledger {
    pub version: u32,
    pub election: String,
    /// Set when the codes were derived from a demo seed: not a real election.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub demo_seed: Option<u64>,
    pub notice: NoticeSettings,
    pub voters: BTreeMap<String, LedgerVoter>,
}

pub const LEDGER_VERSION: u32 = 1;

/// A row of `notices.csv` (and of a reissue's `notice.csv`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeRow {
    pub voter_id: String,
    pub email: String,
    pub civility: String,
    pub first_name: String,
    pub last_name: String,
    /// Separated by `|`, as in the roll.
    pub scrutins: String,
    /// In four groups of four.
    pub code: String,
}

pub fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    let bytes = std::fs::read(path).with_context(|| format!("lecture de {}", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("{} illisible", path.display()))
}

/// Who may read a file written here.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The owner only (codes, the ledger).
    Private,
    /// Default permissions (public credentials, the portal's update).
    Shared,
}

/// A new file: refused if the path exists.
pub fn create_new(path: &Path, access: Access) -> Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if access == Access::Private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = access;
    options.open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            anyhow::anyhow!("{} existe déjà : rien n'est écrasé", path.display())
        } else {
            anyhow::Error::new(e).context(format!("création de {}", path.display()))
        }
    })
}

/// Refuses before any work if one of the outputs is already there.
pub fn refuse_existing(paths: &[PathBuf]) -> Result<()> {
    for p in paths {
        if p.exists() {
            bail!("{} existe déjà : rien n'est écrasé", p.display());
        }
    }
    Ok(())
}

/// The files one run creates, removed again if the run fails before its end.
#[derive(Default)]
pub struct Outputs {
    written: Vec<PathBuf>,
    done: bool,
}

impl Outputs {
    /// Writes one new file with `fill`.
    pub fn write(
        &mut self,
        path: &Path,
        access: Access,
        fill: impl FnOnce(&mut BufWriter<File>) -> Result<()>,
    ) -> Result<()> {
        let file = create_new(path, access)?;
        self.written.push(path.to_path_buf());
        let mut w = BufWriter::new(file);
        fill(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all().with_context(|| format!("écriture de {}", path.display()))?;
        Ok(())
    }

    pub fn write_json<T: Serialize>(
        &mut self,
        path: &Path,
        access: Access,
        value: &T,
    ) -> Result<()> {
        self.write(path, access, |w| {
            serde_json::to_writer_pretty(&mut *w, value)?;
            w.write_all(b"\n")?;
            Ok(())
        })
    }

    pub fn paths(&self) -> &[PathBuf] {
        &self.written
    }

    /// The run went through: the files stay.
    pub fn keep(mut self) -> Vec<PathBuf> {
        self.done = true;
        std::mem::take(&mut self.written)
    }
}

impl Drop for Outputs {
    fn drop(&mut self) {
        if !self.done {
            for p in &self.written {
                let _ = std::fs::remove_file(p);
            }
        }
    }
}

/// Replaces the ledger in one step (a new file beside it, then a rename), owner-only. The new
/// file's name doubles as a lock: a second reissue at the same time finds it and stops.
pub fn replace_ledger(path: &Path, ledger: &Ledger) -> Result<()> {
    let mut name = path.file_name().context("chemin du registre sans nom de fichier")?.to_owned();
    name.push(".nouveau");
    let tmp = path.with_file_name(name);
    let file = create_new(&tmp, Access::Private).with_context(|| {
        format!(
            "{} existe : une autre réémission est en cours, ou une réémission interrompue l'a laissé (vérifiez le registre avant de le supprimer)",
            tmp.display()
        )
    })?;
    let result = (|| -> Result<()> {
        let mut w = BufWriter::new(file);
        serde_json::to_writer_pretty(&mut w, ledger)?;
        w.write_all(b"\n")?;
        w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, path)?;
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| format!("mise à jour de {}", path.display()))
}
