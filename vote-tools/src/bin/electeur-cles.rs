//! electeur-cles: the key holders' command (docs/vote-protocol.md §6.1 and §8.3–8.4). The
//! ceremony (the presidency's fragment, the delegates' three rounds, the assembly), the election
//! record, and at the count each holder's partial decryption and their combination.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use serde::{Deserialize, Serialize};
use vote::encoding::Point;
use vote::keys::{self, DelegateState, Fragment, PresidencyKey, Round1, Round2, Round3};
use vote::record::{ElectionRecord, ScrutinRecord, SealedRecord, Trustees, BLANK};
use vote::tally::{self, Partial};
use vote_tools::holder::{
    open_board, read_all_json, read_fragment, read_json, read_passphrase, rewrite_secret,
    write_fragment, write_json, write_secret,
};

#[derive(Parser)]
#[command(name = "electeur-cles", about = "The key holders' command: key ceremony and count")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// A file whose first line is the passphrase the fragment is (to be) kept under (argon2id);
    /// without it the fragment file is plain, of mode 0600.
    #[arg(long, global = true, env = "ELECTEUR_CLES_PASSPHRASE_FILE")]
    passphrase_file: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// The presidency makes its fragment x_p: the secret file (for the president; give the
    /// secretary a copy) and the public key with its proof.
    Presidency {
        #[arg(long)]
        election: String,
        /// The secret fragment (created with mode 0600; must not exist).
        #[arg(long)]
        fragment: PathBuf,
        /// The public key and its proof, for the assembly.
        #[arg(long)]
        out: PathBuf,
    },
    /// A delegate's round of the key generation.
    Delegate {
        #[command(subcommand)]
        round: Round,
    },
    /// Checks every message of the ceremony and writes the trustees and the election key.
    Assemble {
        #[arg(long)]
        election: String,
        #[arg(long)]
        presidency: PathBuf,
        #[arg(long, num_args = 1.., required = true)]
        round1: Vec<PathBuf>,
        #[arg(long, num_args = 1.., required = true)]
        round2: Vec<PathBuf>,
        #[arg(long, num_args = 1.., required = true)]
        round3: Vec<PathBuf>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Writes the election record election.json from the trustees and the scrutins (JSON or TOML:
    /// election, name, scrutins with id, name and lists; "blanc" is added last).
    Record {
        #[arg(long)]
        trustees: PathBuf,
        #[arg(long)]
        scrutins: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
    /// A key holder's part of the count, on their machine: checks the whole board, then decrypts
    /// its share of every total with a proof.
    Partial {
        #[arg(long)]
        board: PathBuf,
        #[arg(long)]
        fragment: PathBuf,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = tally::default_threads())]
        threads: usize,
    },
    /// The count: checks the board and every partial decryption, needs the presidency and at
    /// least two delegates, finds the totals, writes the results and their CSV.
    Combine {
        #[arg(long)]
        board: PathBuf,
        #[arg(long, num_args = 1.., required = true)]
        partial: Vec<PathBuf>,
        /// Registered voters per scrutin, JSON {"<scrutin>": n}; default the credential counts.
        #[arg(long)]
        registered: Option<PathBuf>,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        csv: PathBuf,
        #[arg(long, default_value_t = tally::default_threads())]
        threads: usize,
    },
}

#[derive(Subcommand)]
enum Round {
    /// Round 1: the delegate's exchange key (its secret goes into the state file).
    Round1 {
        #[arg(long)]
        election: String,
        /// 1-based, as agreed among the delegates.
        #[arg(long)]
        index: u32,
        #[arg(long)]
        name: String,
        /// The delegate's secret state between rounds (mode 0600).
        #[arg(long)]
        state: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
    /// Round 2: from every delegate's round 1, the polynomial's commitments and the shares
    /// encrypted to the others.
    Round2 {
        #[arg(long)]
        state: PathBuf,
        #[arg(long, num_args = 1.., required = true)]
        round1: Vec<PathBuf>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Round 3: checks the shares received, writes the delegate's fragment and its verification
    /// key; the state file is then deleted.
    Round3 {
        #[arg(long)]
        state: PathBuf,
        #[arg(long, num_args = 1.., required = true)]
        round1: Vec<PathBuf>,
        #[arg(long, num_args = 1.., required = true)]
        round2: Vec<PathBuf>,
        #[arg(long)]
        fragment: PathBuf,
        #[arg(long)]
        out: PathBuf,
    },
}

/// What the assembly writes: the record's `trustees` and the election key.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrusteesFile {
    election: String,
    public_key: Point,
    trustees: Trustees,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScrutinsFile {
    election: String,
    name: String,
    scrutins: Vec<ScrutinDescription>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScrutinDescription {
    id: String,
    name: String,
    lists: Vec<String>,
}

fn read_scrutins(path: &Path) -> Result<ScrutinsFile> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    if path.extension().is_some_and(|e| e == "toml") {
        toml::from_str(&text).with_context(|| format!("reading {}", path.display()))
    } else {
        serde_json::from_str(&text).with_context(|| format!("reading {}", path.display()))
    }
}

fn build_record(t: TrusteesFile, s: ScrutinsFile) -> Result<SealedRecord> {
    if t.election != s.election {
        bail!("the trustees are for election {}, the scrutins for {}", t.election, s.election);
    }
    let y = keys::check_trustees(&t.election, &t.trustees)?;
    if y != t.public_key {
        bail!("the public key is not the presidency's key plus the delegates'");
    }
    let mut ids = std::collections::BTreeSet::new();
    let mut scrutins = vec![];
    for d in s.scrutins {
        if !ids.insert(d.id.clone()) {
            bail!("scrutin {} twice", d.id);
        }
        let mut lists = std::collections::BTreeSet::new();
        if d.lists.is_empty() || d.lists.iter().any(|l| l == BLANK || !lists.insert(l.clone())) {
            bail!("scrutin {}: at least one list, each once, and not \"{BLANK}\"", d.id);
        }
        let choices = d.lists.into_iter().chain([BLANK.to_string()]).collect();
        scrutins.push(ScrutinRecord { id: d.id, name: d.name, choices });
    }
    if scrutins.is_empty() {
        bail!("no scrutin");
    }
    Ok(SealedRecord::seal(ElectionRecord {
        version: 1,
        election: t.election,
        name: s.name,
        group: "ristretto255".into(),
        public_key: t.public_key,
        trustees: t.trustees,
        scrutins,
    }))
}

fn check_board(path: &Path, threads: usize) -> Result<tally::CheckedBoard> {
    let board = tally::check_board(open_board(path)?, threads, &mut |line| eprintln!("ok  {line}"))
        .map_err(|f| anyhow::anyhow!("the board fails the check of {f}"))?;
    Ok(board)
}

fn run(cli: Cli) -> Result<()> {
    let mut rng = rand::rngs::OsRng;
    let passphrase = cli.passphrase_file.as_deref().map(read_passphrase).transpose()?;
    let passphrase = passphrase.as_deref();
    match cli.command {
        Command::Presidency { election, fragment, out } => {
            let (f, public) = keys::presidency(&election, &mut rng);
            write_fragment(&fragment, &f, passphrase)?;
            write_json(&out, &public)?;
            println!("presidency key {} (fragment in {})", public.public.hex(), fragment.display());
        }
        Command::Delegate { round } => match round {
            Round::Round1 { election, index, name, state, out } => {
                let (s, m) = keys::round1(&election, index, &name, &mut rng)?;
                write_secret(&state, &s)?;
                write_json(&out, &m)?;
                println!("delegate {index}: exchange key {}", m.exchange_key.hex());
            }
            Round::Round2 { state, round1, out } => {
                let mut s: DelegateState = read_json(&state)?;
                let r1: Vec<Round1> = read_all_json(&round1)?;
                let m = keys::round2(&mut s, &r1, &mut rng)?;
                rewrite_secret(&state, &s)?;
                write_json(&out, &m)?;
                println!(
                    "delegate {}: commitments and {} encrypted shares",
                    s.index,
                    m.shares.len()
                );
            }
            Round::Round3 { state, round1, round2, fragment, out } => {
                let s: DelegateState = read_json(&state)?;
                let r1: Vec<Round1> = read_all_json(&round1)?;
                let r2: Vec<Round2> = read_all_json(&round2)?;
                let (f, m) = keys::round3(&s, &r1, &r2, &mut rng)?;
                write_fragment(&fragment, &f, passphrase)?;
                write_json(&out, &m)?;
                std::fs::remove_file(&state)?;
                println!(
                    "delegate {}: every share checked; verification key {} (fragment in {})",
                    s.index,
                    m.verification_key.hex(),
                    fragment.display()
                );
            }
        },
        Command::Assemble { election, presidency, round1, round2, round3, out } => {
            let p: PresidencyKey = read_json(&presidency)?;
            let r1: Vec<Round1> = read_all_json(&round1)?;
            let r2: Vec<Round2> = read_all_json(&round2)?;
            let r3: Vec<Round3> = read_all_json(&round3)?;
            let (trustees, public_key) = keys::assemble(&election, &p, &r1, &r2, &r3)?;
            let n = trustees.delegates.len();
            write_json(&out, &TrusteesFile { election, public_key, trustees })?;
            println!("the presidency and {n} delegates; election key {}", public_key.hex());
        }
        Command::Record { trustees, scrutins, out } => {
            let record = build_record(read_json(&trustees)?, read_scrutins(&scrutins)?)?;
            std::fs::write(&out, &record.bytes)
                .with_context(|| format!("writing {}", out.display()))?;
            println!("{} written; fingerprint {}", out.display(), record.fingerprint_hex());
        }
        Command::Partial { board, fragment, out, threads } => {
            let f: Fragment = read_fragment(&fragment, passphrase)?;
            let b = check_board(&board, threads)?;
            let p = tally::partial(&b, &f, &mut rng)?;
            tally::check_partial(&b, &p)?;
            write_json(&out, &p)?;
            println!("partial decryption of {} written to {}", f.holder, out.display());
        }
        Command::Combine { board, partial, registered, out, csv, threads } => {
            let parts: Vec<Partial> = read_all_json(&partial)?;
            // who took part is known before the board is read
            tally::check_holders(&parts)?;
            let b = check_board(&board, threads)?;
            let registered: Option<BTreeMap<String, u64>> =
                registered.map(|p| read_json(&p)).transpose()?;
            let results = tally::combine(&b, &parts, registered.as_ref())?;
            write_json(&out, &results)?;
            std::fs::write(&csv, results.to_csv())
                .with_context(|| format!("writing {}", csv.display()))?;
            for s in &results.scrutins {
                let lists: Vec<String> =
                    s.lists.iter().map(|l| format!("{} {}", l.id, l.votes)).collect();
                println!(
                    "{}: {}, blanc {}; {} ballots of {} registered ({} %)",
                    s.id,
                    lists.join(", "),
                    s.blanks,
                    s.ballots,
                    s.registered,
                    s.turnout
                );
            }
        }
    }
    Ok(())
}

fn main() {
    if let Err(e) = run(Cli::parse()) {
        eprintln!("electeur-cles: {e:#}");
        std::process::exit(1);
    }
}
