//! electeur-codes: the credential authority's command (§7 of docs/vote-protocol.md).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use vote_tools::codes::{self, files, GenerateOptions, Refused};

/// Autorité des codes de vote : codes des électeurs, listes de clés publiques pour le portail,
/// notices, registre de l'autorité, réémission d'un code perdu.
///
/// L'exploitant du portail ne lance pas cette commande : il ne reçoit que les clés publiques
/// (credentials.json, puis les mises à jour update.json), jamais les codes ni le registre.
#[derive(Parser)]
#[command(name = "electeur-codes", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Tire un code de vote par électeur et écrit les fichiers du portail, de l'administration
    /// et de l'autorité.
    ///
    /// Écrit dans DIR : credentials.json (pour le portail : par scrutin, les clés publiques triées, sans
    /// identifiant d'électeur), notices.csv et notices.txt (pour l'administration, à remettre
    /// par un autre canal que celui du mot de passe : main propre ou courrier postal),
    /// ledger.json (le registre de l'autorité, qu'elle garde : électeur → clé publique, jamais
    /// les codes). Les fichiers secrets ne sont lisibles que par leur propriétaire ; aucun
    /// fichier existant n'est écrasé.
    Generate {
        /// Identifiant de l'élection : le champ « election » du dossier d'élection.
        #[arg(long)]
        election: String,
        /// La liste électorale au format de l'import du portail (voters.csv) : voter_id,
        /// email, civility, first_name, last_name, scrutins (séparés par « | »).
        #[arg(long, value_name = "ROLL.csv")]
        roll: PathBuf,
        /// Le fichier des scrutins de l'import (scrutins.csv : scrutin_id, name), pour
        /// imprimer leurs noms sur les notices.
        #[arg(long, value_name = "SCRUTINS.csv")]
        scrutins: Option<PathBuf>,
        /// Séparateur des champs (« , » ou « ; »).
        #[arg(long, default_value = ",")]
        delimiter: char,
        /// Dossier où écrire les quatre fichiers (créé au besoin).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Titre en tête des notices.
        #[arg(long, default_value = codes::notice::DEFAULT_TITLE)]
        title: String,
        /// Adresse de l'espace électeur, imprimée sur les notices.
        #[arg(long, value_name = "URL")]
        portal: Option<String>,
        /// Ouverture du vote, heure de Paris (2026-12-01T09:00), imprimée sur les notices.
        #[arg(long, value_name = "AAAA-MM-JJTHH:MM")]
        opens: Option<String>,
        /// Clôture du vote, heure de Paris, imprimée sur les notices.
        #[arg(long, value_name = "AAAA-MM-JJTHH:MM")]
        closes: Option<String>,
        /// DÉMONSTRATION ET ESSAIS SEULEMENT, JAMAIS POUR UNE ÉLECTION RÉELLE : codes
        /// déterministes, les 80 premiers bits de Hb("demo-code", élection, N, voter_id) (§7
        /// du protocole). Qui connaît N connaît tous les codes. Les notices et le registre le
        /// signalent. Sans cette option, les codes viennent du générateur du système.
        #[arg(long, value_name = "N")]
        demo_seed: Option<u64>,
    },
    /// Réémet le code de vote perdu d'un électeur.
    ///
    /// La demande, vérifiée par le portail (question défi et messagerie), est transmise par
    /// l'administration. Écrit dans DIR notice.txt et notice.csv (le nouveau code, à remettre comme les notices) et update.json (pour le
    /// portail : par scrutin, l'ancienne clé publique à révoquer et la nouvelle, sans
    /// identifiant d'électeur) ; l'ancienne clé devient révoquée au registre. Le portail
    /// refuse la mise à jour dans les scrutins où l'ancienne clé a déjà voté.
    Reissue {
        /// Le registre de l'autorité (ledger.json), mis à jour sur place.
        #[arg(long, value_name = "ledger.json")]
        ledger: PathBuf,
        /// Identifiant de l'électeur.
        #[arg(long, value_name = "ID")]
        voter: String,
        /// Dossier où écrire la notice et la mise à jour (créé au besoin).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Motif ou référence de la demande, inscrit au registre.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Tire les codes des électeurs inscrits après generate (add-voter de l'administration).
    ///
    /// Écrit dans DIR notices.txt et notices.csv (leurs notices) et update.json (pour le
    /// portail : leurs clés publiques à ajouter, par scrutin, rien à révoquer) ; ajoute ces
    /// électeurs au registre. Un électeur déjà au registre est refusé (un code perdu se
    /// réémet : reissue). Avec un registre de démonstration, les codes sont ceux de sa graine.
    Enrol {
        /// Le registre de l'autorité (ledger.json), mis à jour sur place.
        #[arg(long, value_name = "ledger.json")]
        ledger: PathBuf,
        /// Les électeurs ajoutés, au format de --roll de generate.
        #[arg(long, value_name = "ROLL.csv")]
        roll: PathBuf,
        /// Séparateur des champs (« , » ou « ; »).
        #[arg(long, default_value = ",")]
        delimiter: char,
        /// Dossier où écrire les notices et la mise à jour (créé au besoin).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Compare les listes de clés publiques du portail au registre.
    ///
    /// Les listes remises au portail, éventuellement suivies des mises à jour de réémission,
    /// doivent s'accorder au registre : autant de clés que d'électeurs par scrutin, chaque clé
    /// à un électeur de ce scrutin, aucune en double. Code de sortie 2 au moindre écart.
    Check {
        #[arg(long, value_name = "credentials.json")]
        credentials: PathBuf,
        #[arg(long, value_name = "ledger.json")]
        ledger: PathBuf,
        /// Mise à jour de réémission (update.json) à appliquer d'abord aux listes, dans
        /// l'ordre donné ; répétable.
        #[arg(long, value_name = "update.json")]
        update: Vec<PathBuf>,
    },
}

/// A line on standard output; a closed pipe (`| head`) is not an error of the run.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Generate {
            election,
            roll,
            scrutins,
            delimiter,
            out,
            title,
            portal,
            opens,
            closes,
            demo_seed,
        } => {
            if !delimiter.is_ascii() {
                return Err(Refused(vec!["séparateur : un caractère ASCII".into()]).into());
            }
            if demo_seed.is_some() {
                eprintln!(
                    "ATTENTION : codes de DÉMONSTRATION (--demo-seed), prévisibles : jamais pour une élection réelle"
                );
            }
            let g = codes::generate(&GenerateOptions {
                election,
                roll,
                scrutins,
                delimiter: delimiter as u8,
                out,
                title,
                portal,
                opens,
                closes,
                demo_seed,
            })?;
            say!("{} électeurs, {} scrutins", g.voters, g.scrutins.len());
            for (s, n) in &g.scrutins {
                say!("  {s} : {n} clés publiques");
            }
            for f in &g.files {
                say!("écrit : {}", f.display());
            }
        }
        Command::Reissue { ledger, voter, out, reason } => {
            let r = codes::reissue(&ledger, &voter, &out, reason.as_deref())?;
            say!(
                "nouveau code pour l'électeur {} ({}) ; ancienne clé révoquée au registre",
                r.voter_id,
                r.scrutins.join(", ")
            );
            for f in &r.files {
                say!("écrit : {}", f.display());
            }
        }
        Command::Enrol { ledger, roll, delimiter, out } => {
            if !delimiter.is_ascii() {
                return Err(Refused(vec!["séparateur : un caractère ASCII".into()]).into());
            }
            let e = codes::enrol(&ledger, &roll, delimiter as u8, &out)?;
            say!("{} électeur(s) ajouté(s) au registre", e.voters);
            for f in &e.files {
                say!("écrit : {}", f.display());
            }
        }
        Command::Check { credentials, ledger, update } => {
            let mut lists: files::CredentialLists = read(&credentials)?;
            let ledger: files::Ledger = read(&ledger)?;
            for p in &update {
                let u: files::CredentialUpdate = read(p)?;
                codes::apply_update(&mut lists, &u)
                    .map_err(|e| Refused(vec![format!("{} : {e}", p.display())]))?;
                say!("mise à jour appliquée : {}", p.display());
            }
            let report = codes::check(&lists, &ledger);
            for line in &report.checked {
                say!("ok : {line}");
            }
            for line in &report.notes {
                say!("note : {line}");
            }
            for line in &report.problems {
                eprintln!("écart : {line}");
            }
            if !report.problems.is_empty() {
                eprintln!("{} écart(s)", report.problems.len());
                return Ok(ExitCode::from(2));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A file given to the command that cannot be read is a refusal (exit status 2).
fn read<T: for<'de> serde::Deserialize<'de>>(path: &Path) -> anyhow::Result<T> {
    files::read_json(path).map_err(|e| Refused(vec![format!("{e:#}")]).into())
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(code) => code,
        Err(e) => match e.downcast_ref::<Refused>() {
            Some(r) => {
                for line in &r.0 {
                    eprintln!("{line}");
                }
                eprintln!("refusé : rien n'a été écrit");
                ExitCode::from(2)
            }
            None => {
                eprintln!("erreur : {e:#}");
                ExitCode::from(1)
            }
        },
    }
}
