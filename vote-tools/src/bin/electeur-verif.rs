//! electeur-verif: anyone's verifier of a closed election (docs/vote-protocol.md §8.5). From the
//! public board file and the published results alone it checks the record and its keys, the
//! seal, every ballot, the credentials, the émargement counts, the partial decryptions, the
//! key holders and the totals; it prints each check passed and stops on the first failure,
//! naming it (exit status 1).
//!
//! `electeur-verif bench` generates an election and measures the count and the verification.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use vote::tally::{self, Results};
use vote_tools::generate::{generate, Plan};
use vote_tools::holder::{open_board, read_json};

#[derive(Parser)]
#[command(
    name = "electeur-verif",
    about = "Verifies a closed election from its public board file and its published results",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// The board file (GET /api/board's download, or electeur-admin vote board-file).
    board: Option<PathBuf>,
    /// The published results (electeur-cles combine).
    results: Option<PathBuf>,
    #[arg(long, default_value_t = tally::default_threads())]
    threads: usize,
}

#[derive(Subcommand)]
enum Command {
    /// Generates an election with known votes and measures the count and the verification.
    Bench(Bench),
}

#[derive(Args)]
struct Bench {
    #[arg(long, default_value_t = 100_000)]
    ballots: usize,
    /// Choices per scrutin, blank included.
    #[arg(long, default_value_t = 9)]
    choices: usize,
    #[arg(long, default_value_t = 1)]
    scrutins: usize,
    /// Where the board file is written (default: the system's temporary directory).
    #[arg(long)]
    dir: Option<PathBuf>,
    #[arg(long, default_value_t = tally::default_threads())]
    threads: usize,
    /// The whole election the figures are scaled to.
    #[arg(long, default_value_t = 1_500_000)]
    scale_to: usize,
    /// Keeps the board file and writes the results next to it (to time `electeur-verif BOARD
    /// RESULTS` itself afterwards).
    #[arg(long)]
    keep: bool,
}

/// CPU seconds of this process so far (user + system), from /proc.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after = stat.rsplit_once(')').map_or("", |(_, a)| a);
    let f: Vec<f64> = after.split_whitespace().filter_map(|x| x.parse().ok()).collect();
    // after the name: the state (not a number, skipped), then fields 4 (ppid) onwards: utime
    // is field 14, stime 15, in clock ticks of 1/100 s
    if f.len() > 11 {
        (f[10] + f[11]) / 100.0
    } else {
        0.0
    }
}

struct Timer {
    wall: Instant,
    cpu: f64,
}

impl Timer {
    fn start() -> Self {
        Timer { wall: Instant::now(), cpu: cpu_seconds() }
    }
    fn stop(&self) -> (f64, f64) {
        (self.wall.elapsed().as_secs_f64(), cpu_seconds() - self.cpu)
    }
}

fn bench(b: Bench) -> Result<()> {
    let plan = Plan {
        scrutins: b.scrutins,
        choices: b.choices,
        ballots: b.ballots,
        threads: b.threads,
        ..Plan::default()
    };
    println!(
        "vote bench: {} ballots, {} choices, {} scrutin(s), {} threads",
        b.ballots, b.choices, b.scrutins, b.threads
    );
    let t = Timer::start();
    let g = generate(&plan)?;
    let (w, c) = t.stop();
    println!("generate (ceremony, codes, ballots with proofs, seal): {w:.1} s wall, {c:.1} s CPU");
    let dir = b.dir.unwrap_or_else(std::env::temp_dir);
    let path = dir.join(format!("board-{}-{}.jsonl", b.ballots, std::process::id()));
    {
        let f = std::fs::File::create(&path).with_context(|| path.display().to_string())?;
        g.board.write_to(std::io::BufWriter::with_capacity(1 << 20, f))?;
    }
    let size = std::fs::metadata(&path)?.len();
    let per100k = size as f64 * 100_000.0 / b.ballots as f64;
    println!(
        "board file: {:.1} MB, {:.1} MB per 100,000 ballots",
        size as f64 / 1e6,
        per100k / 1e6
    );
    drop(g.board);
    let t = Timer::start();
    let board = tally::check_board(open_board(&path)?, b.threads, &mut |_| {})?;
    let (check_w, check_c) = t.stop();
    println!(
        "board check (every ballot's proofs and signature, credentials, seal): {check_w:.1} s wall, {check_c:.1} s CPU, {:.3} ms CPU per ballot",
        check_c * 1000.0 / b.ballots as f64
    );
    let mut rng = rand::rngs::OsRng;
    let t = Timer::start();
    let partials = g
        .fragments
        .iter()
        .map(|f| tally::partial(&board, f, &mut rng))
        .collect::<Result<Vec<_>, _>>()?;
    let (part_w, _) = t.stop();
    let t = Timer::start();
    let results = tally::combine(&board, &partials, None)?;
    let (comb_w, _) = t.stop();
    let t = Timer::start();
    tally::verify_results(&board, &results, &mut |_| {})?;
    let (res_w, _) = t.stop();
    for s in &results.scrutins {
        let got: Vec<u64> = s.lists.iter().map(|l| l.votes).chain([s.blanks]).collect();
        anyhow::ensure!(
            got == g.votes[&s.id],
            "scrutin {}: totals differ from the votes cast",
            s.id
        );
    }
    println!(
        "partial decryptions ({} holders, proved): {:.1} ms; combine (every partial checked, totals found): {:.1} ms; results check: {:.1} ms; totals = the votes cast",
        partials.len(),
        part_w * 1000.0,
        comb_w * 1000.0,
        res_w * 1000.0
    );
    let scale = b.scale_to as f64 / b.ballots as f64;
    let count = check_w + comb_w + part_w / partials.len() as f64;
    let verify = check_w + res_w;
    println!(
        "count (combine's board check + one holder's partial + combine): {count:.1} s; scaled to {}: {:.1} min",
        b.scale_to,
        count * scale / 60.0
    );
    println!(
        "verification (board check + results check): {verify:.1} s wall, {check_c:.1} s CPU; scaled to {}: {:.1} min wall, {:.0} CPU-seconds (goal: under 30 min)",
        b.scale_to,
        verify * scale / 60.0,
        check_c * scale
    );
    println!("board file scaled to {}: {:.2} GB", b.scale_to, size as f64 * scale / 1e9);
    if b.keep {
        let results_path = path.with_extension("results.json");
        vote_tools::holder::write_json(&results_path, &results)?;
        println!("kept: {} {}", path.display(), results_path.display());
    } else {
        std::fs::remove_file(&path)?;
    }
    Ok(())
}

fn verify(board: PathBuf, results: PathBuf, threads: usize) -> Result<bool> {
    let results: Results = read_json(&results)?;
    let mut log = |line: String| println!("ok  {line}");
    let outcome = tally::check_board(open_board(&board)?, threads, &mut log)
        .and_then(|b| tally::verify_results(&b, &results, &mut log));
    match outcome {
        Ok(()) => {
            println!("VERIFIED: every check passed");
            Ok(true)
        }
        Err(f) => {
            println!("FAILED  {}: {}", f.check.name(), f.detail);
            Ok(false)
        }
    }
}

fn main() {
    let cli = Cli::parse();
    let outcome = match (cli.command, cli.board, cli.results) {
        (Some(Command::Bench(b)), _, _) => bench(b).map(|_| true),
        (None, Some(board), Some(results)) => verify(board, results, cli.threads),
        _ => Err(anyhow::anyhow!("usage: electeur-verif BOARD RESULTS, or electeur-verif bench")),
    };
    match outcome {
        Ok(true) => {}
        Ok(false) => std::process::exit(1),
        Err(e) => {
            eprintln!("electeur-verif: {e:#}");
            std::process::exit(2);
        }
    }
}
