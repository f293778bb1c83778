//! `electeur-admin`: the administration's command line. Works against the same DynamoDB as the
//! functions (the local emulator through `AWS_ENDPOINT_URL_DYNAMODB`, or any AWS account through the
//! usual AWS environment) and the table named by `--table` or `TABLE_NAME`.
//!
//! Every change to the roll, the calendar or a claim is written with a line of the journal of
//! administrative actions (`journal`), in the same transaction where the change is a single one.

mod assistance;
mod calendar;
mod claims;
mod counts;
mod demo;
mod files;
mod generate;
mod import;
mod mail;
mod vote;
mod voters;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use chrono::Utc;
use clap::{Args, Parser, Subcommand};
use shared::model::ClaimStatus;
use shared::ports::Ballots;
use store_dynamodb::admin::{Backoff, ClaimScope};
use store_dynamodb::{ensure_table, ensure_vote_tables, DynamoStore};

#[derive(Parser)]
#[command(
    name = "electeur-admin",
    version,
    about = "Administration du portail Élections : table, liste électorale, scrutins, calendrier, réclamations, statistiques.",
    long_about = None,
    // `help` is the help texts' command; `--help` still prints the usage.
    disable_help_subcommand = true
)]
struct Cli {
    /// Table DynamoDB.
    #[arg(long, global = true, env = "TABLE_NAME", default_value = "espace-electeur")]
    table: String,
    /// Nom de la personne qui agit, inscrit au journal (par défaut l'utilisateur du système).
    #[arg(long, global = true, env = "ELECTEUR_ADMIN_OPERATOR")]
    operator: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Crée la table DynamoDB et son index s'ils n'existent pas (émulateur local, premiers essais).
    Init,
    /// Charge l'élection de démonstration : scrutins, listes de candidats, quelques centaines
    /// d'électeurs et un calendrier ouvert maintenant.
    Demo {
        /// Nombre d'électeurs de démonstration.
        #[arg(long, default_value_t = 300)]
        voters: usize,
        /// Écrit la démonstration même dans une table qui contient autre chose qu'elle (une vraie
        /// élection) : son calendrier est remplacé, ses électeurs ne sont jamais écrasés. Sans
        /// cette option, la commande refuse et n'écrit rien.
        #[arg(long)]
        force: bool,
    },
    /// Importe scrutins, listes de candidats, candidats et électeurs depuis des fichiers CSV.
    ///
    /// Tout est vérifié avant d'écrire : au moindre problème, chacun est signalé avec fichier et
    /// ligne, et rien n'est écrit. Relancer le même import ne change rien ; un import interrompu
    /// reprend en relançant la même commande. Les comptes des électeurs déjà inscrits (statut,
    /// mot de passe, compteurs) ne sont jamais modifiés.
    Import(ImportArgs),
    /// Écrit une élection fictive au format de l'import (répétitions, mesure de débit).
    Generate {
        /// Nombre d'électeurs.
        #[arg(long)]
        voters: usize,
        /// Dossier où écrire scrutins.csv, lists.csv, candidates.csv et voters.csv.
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
    /// Ajoute un électeur inscrit tardivement (ou met à jour ses données de liste électorale,
    /// sans toucher à son compte) ; inscrit au journal.
    AddVoter {
        #[arg(long)]
        voter_id: String,
        #[arg(long)]
        email: String,
        /// « M. » ou « Mme ».
        #[arg(long)]
        civility: String,
        #[arg(long)]
        first_name: String,
        #[arg(long)]
        last_name: String,
        /// Identifiant d'un scrutin de l'électeur (répéter l'option pour plusieurs).
        #[arg(long = "scrutin", required = true)]
        scrutins: Vec<String>,
        /// Motif, inscrit au journal (par exemple la référence d'une réclamation).
        #[arg(long)]
        reason: Option<String>,
    },
    /// Retire un électeur de la liste électorale : profil, identifiant et inscriptions sur les
    /// listes, en une transaction inscrite au journal. Ses réclamations sont conservées.
    RemoveVoter {
        #[arg(long, conflicts_with = "email", required_unless_present = "email")]
        voter_id: Option<String>,
        #[arg(long)]
        email: Option<String>,
        /// Motif du retrait, inscrit au journal (par exemple la référence de la réclamation).
        #[arg(long)]
        reason: String,
    },
    /// Affiche le journal de sécurité d'un électeur, du plus récent au plus ancien : demandes de
    /// courriel, activation, connexions réussies et échouées, suspensions, réassorts,
    /// déconnexions, réclamations, changements d'adresse. Aucun secret n'y figure.
    VoterTrail {
        #[arg(long, conflicts_with = "email", required_unless_present = "email")]
        voter_id: Option<String>,
        #[arg(long)]
        email: Option<String>,
        /// Nombre maximal d'événements affichés.
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// Compte à nouveau les électeurs des listes électorales nommées (le portail affiche ce
    /// nombre) ; import, add-voter, remove-voter et demo le font d'eux-mêmes.
    CountLists {
        /// Scrutin dont la liste est comptée ; répétable.
        #[arg(long = "scrutin", required = true)]
        scrutins: Vec<String>,
    },
    /// Affiche ou modifie le calendrier de l'élection (heure de Paris).
    Calendar {
        #[command(subcommand)]
        command: CalendarCommand,
    },
    /// Liste, exporte et traite les réclamations.
    Claims {
        #[command(subcommand)]
        command: ClaimsCommand,
    },
    /// Textes de la page d'aide (édito, foire aux questions) : chargement, affichage.
    Help {
        #[command(subcommand)]
        command: HelpCommand,
    },
    /// Liste, exporte et traite les demandes d'assistance envoyées depuis le portail.
    Assistance {
        #[command(subcommand)]
        command: AssistanceCommand,
    },
    /// Compte électeurs, comptes activés, accès sans activation et réclamations, par scrutin.
    ///
    /// Lit toute la table (Scan parallèle) : le coût en lecture suit la taille de la table,
    /// et la commande l'affiche.
    Stats {
        /// Segments du Scan parallèle.
        #[arg(long, default_value_t = 4)]
        segments: u32,
    },
    /// Suit les courriels : l'outbox, les échecs et les adresses qui rejettent.
    Mail {
        #[command(subcommand)]
        command: MailCommand,
    },
    /// Le vote : enregistrement de l'élection, codes publics, participation.
    Vote {
        #[command(subcommand)]
        command: VoteCommand,
    },
    /// Affiche le journal des actions d'administration d'un mois.
    Journal {
        /// Mois, AAAA-MM (par défaut le mois en cours, UTC).
        #[arg(long)]
        month: Option<String>,
    },
}

#[derive(Subcommand)]
enum MailCommand {
    /// Courriels par état et par objet, ceux qui attendent, et les délais entre la demande et
    /// l'acceptation par SES (p50, p90, p99, max).
    Status {
        /// Seulement les courriels demandés dans les N dernières minutes.
        #[arg(long)]
        minutes: Option<i64>,
    },
    /// Courriels abandonnés, avec la raison (adresse rejetée, refus de SES).
    Failed,
    /// Adresses signalées par SES (rejet définitif ou plainte) : à corriger sur la liste.
    Bouncing,
}

#[derive(Subcommand)]
enum VoteCommand {
    /// Publie et scelle l'enregistrement de l'élection (election.json, écrit par electeur-cles)
    /// avant l'ouverture du vote : ses scrutins et leurs choix doivent être ceux du portail. Il ne
    /// change plus ensuite ; le publier à nouveau à l'identique ne change rien.
    Publish {
        #[arg(long)]
        record: PathBuf,
    },
    /// Enregistre les codes publics de vote de chaque scrutin (credentials.json, écrit par
    /// electeur-codes) ; ceux déjà présents ne changent pas.
    Credentials {
        #[arg(long)]
        file: PathBuf,
    },
    /// Applique un renouvellement de code de vote (fichier écrit par electeur-codes reissue) :
    /// l'ancien code est révoqué et le nouveau enregistré, par scrutin, sauf là où l'ancien a voté.
    Reissue {
        #[arg(long)]
        file: PathBuf,
        /// L'électeur dont le code est renouvelé : il en est averti par courriel.
        #[arg(long)]
        voter_id: String,
    },
    /// Écrit les scrutins du portail et leurs listes dans l'ordre du bulletin (scrutins.json),
    /// pour l'enregistrement de l'élection (electeur-cles record).
    Scrutins {
        /// Identifiant de l'élection (celui de l'enregistrement et des codes de vote).
        #[arg(long)]
        election: String,
        /// Nom de l'élection.
        #[arg(long)]
        name: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// Écrit la liste électorale au format de l'import (voters.csv), pour l'autorité qui fait
    /// les codes de vote (electeur-codes generate).
    Roll {
        #[arg(long)]
        out: PathBuf,
    },
    /// Participation par scrutin (émargement), pour le bureau de vote.
    Turnout,
    /// Les demandes de nouveau code de vote en cours (faites sur le portail avec la réponse
    /// secrète), à transmettre à l'autorité des codes.
    CodeRequests,
    /// Scelle l'urne, l'émargement et les compteurs après la clôture et ses 30 minutes : le
    /// sceau (chaînes de hachage, nombres, heure) ne change plus ; une seconde clôture ne change
    /// rien.
    Close,
    /// Écrit le fichier public du tableau d'affichage (enregistrement, codes publics, bulletins,
    /// sceau) depuis l'urne scellée.
    BoardFile {
        #[arg(long)]
        out: PathBuf,
    },
    /// Publie les résultats du dépouillement (electeur-cles combine) sur le portail, une fois.
    Results {
        #[arg(long)]
        file: PathBuf,
    },
    /// Enregistre la fin du délai de recours (heure de Paris, 2026-12-20T17:00), après laquelle
    /// la purge est possible.
    AppealEnds {
        #[arg(long)]
        at: String,
    },
    /// Après le délai de recours : supprime les données personnelles (liste, comptes, sessions,
    /// liens, réclamations, journaux, émargement) ; garde le tableau d'affichage, le sceau et les
    /// résultats.
    Purge,
}

#[derive(Args)]
struct ImportArgs {
    /// Scrutins : scrutin_id, name[, description].
    #[arg(long)]
    scrutins: Option<PathBuf>,
    /// Listes de candidats : list_id, scrutin_id, order, name[, organisation].
    #[arg(long)]
    lists: Option<PathBuf>,
    /// Candidats : list_id, rank, civility, first_name, last_name.
    #[arg(long)]
    candidates: Option<PathBuf>,
    /// Électeurs : voter_id, email, civility, first_name, last_name, scrutins (séparés par « | »).
    #[arg(long)]
    voters: Option<PathBuf>,
    /// Séparateur des champs (« , » ou « ; »).
    #[arg(long, default_value_t = ',')]
    delimiter: char,
    /// Requêtes DynamoDB simultanées.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Vérifie et compte ce qui serait écrit, sans rien écrire.
    #[arg(long)]
    dry_run: bool,
    /// Sans barre de progression.
    #[arg(long)]
    no_progress: bool,
    /// Essais : arrête brutalement le processus au milieu de l'écriture, après ce nombre
    /// d'électeurs écrits.
    #[arg(long, hide = true)]
    interrupt_after: Option<u64>,
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// Affiche le calendrier et la phase actuelle.
    Show,
    /// Modifie une ou plusieurs dates, en heure de Paris (2026-12-01T09:00) ; les autres restent.
    Set {
        #[arg(long)]
        activation_opens: Option<String>,
        #[arg(long)]
        claim_deadline: Option<String>,
        #[arg(long)]
        voting_opens: Option<String>,
        #[arg(long)]
        voting_closes: Option<String>,
    },
}

#[derive(Args)]
struct ClaimsFilter {
    /// Réclamations d'un scrutin.
    #[arg(long, conflicts_with = "general")]
    scrutin: Option<String>,
    /// Réclamations générales (sans scrutin).
    #[arg(long)]
    general: bool,
    /// open ou answered.
    #[arg(long, value_parser = claims::parse_status)]
    status: Option<ClaimStatus>,
}

impl ClaimsFilter {
    fn scope(&self) -> ClaimScope {
        match (&self.scrutin, self.general) {
            (Some(id), _) => ClaimScope::Scrutin(id.clone()),
            (None, true) => ClaimScope::General,
            (None, false) => ClaimScope::All,
        }
    }
}

#[derive(Subcommand)]
enum ClaimsCommand {
    /// Liste les réclamations, des plus anciennes aux plus récentes.
    List {
        #[command(flatten)]
        filter: ClaimsFilter,
    },
    /// Exporte les réclamations en CSV (UTF-8).
    Export {
        #[command(flatten)]
        filter: ClaimsFilter,
        /// Fichier de sortie (par défaut la sortie standard).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Marque une réclamation comme traitée.
    Answer {
        reference: String,
        /// Note inscrite au journal.
        #[arg(long)]
        note: Option<String>,
    },
}

#[derive(Subcommand)]
enum HelpCommand {
    /// Vérifie puis charge un fichier TOML de textes (modèle : `help default`).
    Load {
        file: PathBuf,
        /// Vérifie le fichier sans rien écrire.
        #[arg(long)]
        dry_run: bool,
    },
    /// Affiche les textes servis par le portail, en TOML.
    Show,
    /// Affiche les textes livrés avec le portail, en TOML (point de départ d'un fichier).
    Default,
}

#[derive(Subcommand)]
enum AssistanceCommand {
    /// Liste les demandes d'assistance, des plus anciennes aux plus récentes.
    List {
        /// Les demandes encore sans réponse seulement.
        #[arg(long)]
        open: bool,
    },
    /// Exporte les demandes d'assistance en CSV (UTF-8).
    Export {
        /// Les demandes encore sans réponse seulement.
        #[arg(long)]
        open: bool,
        /// Fichier de sortie (par défaut la sortie standard).
        #[arg(long)]
        csv: Option<PathBuf>,
    },
    /// Répond à une demande : la réponse part à l'adresse de la liste électorale, une seule fois.
    Answer {
        reference: String,
        /// Texte de la réponse (1 à 4000 caractères).
        #[arg(long)]
        message: String,
    },
}

/// Exit status of a run refused for invalid input.
const INVALID_INPUT: u8 = 2;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("erreur : {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn operator(cli: &Option<String>) -> String {
    cli.clone()
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("USERNAME").ok())
        .filter(|o| !o.trim().is_empty())
        .unwrap_or_else(|| "inconnu".into())
}

async fn run(cli: Cli) -> Result<ExitCode> {
    let operator = operator(&cli.operator);
    let from_env = DynamoStore::from_env().await?;
    let vote_table = |name: &str, suffix: &str| {
        std::env::var(name).unwrap_or_else(|_| format!("{}-{suffix}", cli.table))
    };
    let store = DynamoStore::new(from_env.client().clone(), cli.table.clone())
        .with_vote_tables(
            vote_table("URNE_TABLE_NAME", "urne"),
            vote_table("EMARGEMENT_TABLE_NAME", "emargement"),
        )
        .with_audit_retention(from_env.audit_retention());
    if !matches!(cli.command, Command::Init | Command::Generate { .. }) {
        check_table(&store).await?;
    }
    match cli.command {
        Command::Init => {
            let created = ensure_table(store.client(), store.table())
                .await
                .map_err(anyhow::Error::msg)
                .context("création de la table")?;
            let vote_created =
                ensure_vote_tables(store.client(), store.urne_table(), store.emargement_table())
                    .await
                    .map_err(anyhow::Error::msg)
                    .context("création des tables de l'urne et de l'émargement")?;
            println!(
                "tables {} et {}: {}",
                store.urne_table(),
                store.emargement_table(),
                if vote_created { "créées" } else { "déjà présentes" }
            );
            println!(
                "table {}: {}",
                store.table(),
                if created { "créée" } else { "déjà présente" }
            );
        }
        Command::Demo { voters, force } => {
            let first = demo::load(&store, voters, &operator, force).await?;
            counts::recount(&store, &demo::scrutins().into_iter().map(|s| s.id).collect()).await?;
            println!("demo identifier: {first}");
        }
        Command::Import(args) => {
            if !args.delimiter.is_ascii() {
                bail!("séparateur « {} » : un caractère ASCII est attendu", args.delimiter);
            }
            let sources = files::Sources {
                scrutins: args.scrutins,
                lists: args.lists,
                candidates: args.candidates,
                voters: args.voters,
                delimiter: args.delimiter as u8,
            };
            if sources.scrutins.is_none() && sources.voters.is_none() {
                bail!("rien à importer : donnez --scrutins et/ou --voters");
            }
            let opts = import::Options {
                concurrency: args.concurrency.max(1),
                dry_run: args.dry_run,
                progress: !args.no_progress,
                interrupt_after: args.interrupt_after,
                backoff: Backoff::default(),
            };
            match import::run(&store, &sources, &opts, &operator).await? {
                import::Outcome::Invalid(problems) => {
                    for p in &problems {
                        eprintln!("{p}");
                    }
                    eprintln!("{} problème(s) : rien n'a été écrit", problems.len());
                    return Ok(ExitCode::from(INVALID_INPUT));
                }
                import::Outcome::Done(summary) => {
                    summary.lines().iter().for_each(|l| println!("{l}"));
                    if !summary.dry_run {
                        counts::recount(&store, &summary.touched_scrutins).await?;
                    }
                }
            }
        }
        Command::Generate { voters, out, seed } => {
            let ballots = generate::write(&out, voters, seed)?;
            println!("{ballots} scrutins et {voters} électeurs écrits dans {}", out.display());
        }
        Command::AddVoter {
            voter_id,
            email,
            civility,
            first_name,
            last_name,
            scrutins,
            reason,
        } => {
            let fields = voters::NewVoter {
                voter_id: &voter_id,
                email: &email,
                civility: &civility,
                first_name: &first_name,
                last_name: &last_name,
                scrutins: &scrutins,
            };
            let before: Vec<String> = shared::ports::Voters::voter(&store, &voter_id)
                .await
                .context("lecture de l'électeur")?
                .map(|v| v.roll.scrutins)
                .unwrap_or_default();
            let (added, voter) = voters::add(&store, &fields, reason.as_deref(), &operator).await?;
            if !matches!(added, voters::Added::Unchanged) {
                let touched = before.into_iter().chain(voter.scrutins.iter().cloned()).collect();
                counts::recount(&store, &touched).await?;
            }
            match added {
                voters::Added::Created => {
                    println!("électeur {} ajouté ({})", voter.voter_id, voter.email)
                }
                voters::Added::Updated => println!(
                    "électeur {} mis à jour ({}), compte conservé",
                    voter.voter_id, voter.email
                ),
                voters::Added::Unchanged => println!(
                    "électeur {} déjà inscrit à l'identique : rien à faire",
                    voter.voter_id
                ),
            }
        }
        Command::RemoveVoter { voter_id, email, reason } => {
            let voter =
                voters::remove(&store, voter_id.as_deref(), email.as_deref(), &reason, &operator)
                    .await?;
            println!("électeur {} ({}) retiré de la liste électorale", voter.voter_id, voter.email);
            counts::recount(&store, &voter.scrutins.iter().cloned().collect()).await?;
        }
        Command::CountLists { scrutins } => {
            counts::recount(&store, &scrutins.into_iter().collect()).await?
        }
        Command::VoterTrail { voter_id, email, limit } => {
            voters::trail(&store, voter_id.as_deref(), email.as_deref(), limit)
                .await?
                .iter()
                .for_each(|l| println!("{l}"));
        }
        Command::Calendar { command: CalendarCommand::Show } => calendar::show(&store).await?,
        Command::Calendar {
            command:
                CalendarCommand::Set { activation_opens, claim_deadline, voting_opens, voting_closes },
        } => {
            let changes = calendar::Changes {
                activation_opens_at: activation_opens,
                claim_deadline,
                voting_opens_at: voting_opens,
                voting_closes_at: voting_closes,
            };
            let new = calendar::set(&store, &changes, &operator).await?;
            println!("calendrier enregistré ; les fonctions le voient dès que leur copie expire (CALENDAR_CACHE_SECS, 30 s par défaut)");
            calendar::describe(&new, Utc::now()).iter().for_each(|l| println!("{l}"));
        }
        Command::Claims { command: ClaimsCommand::List { filter } } => {
            let rows = claims::fetch(&store, &filter.scope(), filter.status).await?;
            claims::print(&rows);
        }
        Command::Claims { command: ClaimsCommand::Export { filter, out } } => {
            let rows = claims::fetch(&store, &filter.scope(), filter.status).await?;
            match &out {
                Some(path) => {
                    let file = std::fs::File::create(path)
                        .with_context(|| format!("création de {}", path.display()))?;
                    claims::export(&rows, file)?;
                    println!("{} réclamation(s) exportée(s) dans {}", rows.len(), path.display());
                }
                None => claims::export(&rows, std::io::stdout().lock())?,
            }
        }
        Command::Claims { command: ClaimsCommand::Answer { reference, note } } => {
            let answered =
                claims::answer(&store, reference.trim(), &operator, note.as_deref()).await?;
            println!("réclamation {} marquée traitée", answered.claim.reference);
        }
        Command::Help { command: HelpCommand::Load { file, dry_run } } => {
            let source = std::fs::read_to_string(&file)
                .with_context(|| format!("lecture de {}", file.display()))?;
            let texts = match shared::help::HelpTexts::from_toml(&source) {
                Ok(texts) => texts,
                Err(e) => {
                    eprintln!("erreur : {} : {e}", file.display());
                    return Ok(ExitCode::from(INVALID_INPUT));
                }
            };
            let summary = format!(
                "{} paragraphe(s) d'édito, {} question(s)",
                texts.edito.len(),
                texts.faq.len()
            );
            if dry_run {
                println!("{} valide : {summary} (rien n'est écrit)", file.display());
            } else {
                let entry = store_dynamodb::admin::JournalEntry::new(
                    &operator,
                    "help-load",
                    "help",
                    summary.clone(),
                );
                store.put_help_texts_logged(&texts, &entry).await.context("écriture des textes")?;
                println!("textes de l'aide chargés : {summary} ; le portail les sert dès que sa copie expire (CALENDAR_CACHE_SECS)");
            }
        }
        Command::Help { command: HelpCommand::Show } => {
            use shared::ports::HelpPages;
            match store.help_texts().await.context("lecture des textes")? {
                Some(texts) => print!("{}", toml::to_string(&texts).context("écriture TOML")?),
                None => {
                    eprintln!("aucun texte chargé : le portail sert les textes livrés");
                    print!("{}", shared::help::DEFAULT_TOML);
                }
            }
        }
        Command::Help { command: HelpCommand::Default } => print!("{}", shared::help::DEFAULT_TOML),
        Command::Assistance { command: AssistanceCommand::List { open } } => {
            assistance::print(&assistance::fetch(&store, open).await?);
        }
        Command::Assistance { command: AssistanceCommand::Export { open, csv } } => {
            let requests = assistance::fetch(&store, open).await?;
            match &csv {
                Some(path) => {
                    let file = std::fs::File::create(path)
                        .with_context(|| format!("création de {}", path.display()))?;
                    assistance::export(&requests, file)?;
                    println!("{} demande(s) exportée(s) dans {}", requests.len(), path.display());
                }
                None => assistance::export(&requests, std::io::stdout().lock())?,
            }
        }
        Command::Assistance { command: AssistanceCommand::Answer { reference, message } } => {
            let answered =
                assistance::answer(&store, reference.trim(), &operator, &message).await?;
            println!(
                "demande {} traitée : réponse en file d'envoi vers l'adresse de la liste électorale",
                answered.reference
            );
        }
        Command::Stats { segments } => print_stats(&store, segments).await?,
        Command::Mail { command } => {
            let report = match command {
                MailCommand::Status { minutes } => {
                    let now = Utc::now().timestamp_millis();
                    let mut items = store.outbox_items().await.context("lecture de l'outbox")?;
                    if let Some(m) = minutes {
                        items.retain(|i| i.asked_at_ms >= now - m.max(0) * 60_000);
                    }
                    mail::status(&items, now)
                }
                MailCommand::Failed => {
                    mail::failed(&store.outbox_items().await.context("lecture de l'outbox")?)
                }
                MailCommand::Bouncing => {
                    mail::bouncing(&store.bounces().await.context("lecture des adresses")?)
                }
            };
            print!("{report}");
        }
        Command::Vote { command } => match command {
            VoteCommand::Publish { record } => vote::publish(&store, &record, &operator).await?,
            VoteCommand::Credentials { file } => {
                vote::credentials(&store, &file, &operator).await?
            }
            VoteCommand::Reissue { file, voter_id } => {
                vote::reissue(&store, &file, &voter_id, &operator).await?
            }
            VoteCommand::Scrutins { election, name, out } => {
                vote::export_scrutins(&store, &election, &name, &out).await?
            }
            VoteCommand::Roll { out } => vote::export_roll(&store, &out, &operator).await?,
            VoteCommand::Turnout => vote::turnout(&store).await?,
            VoteCommand::CodeRequests => vote::code_requests(&store).await?,
            VoteCommand::Close => vote::close(&store, &operator).await?,
            VoteCommand::BoardFile { out } => vote::board_file(&store, &out).await?,
            VoteCommand::Results { file } => vote::results(&store, &file, &operator).await?,
            VoteCommand::AppealEnds { at } => {
                vote::appeal_ends(&store, calendar::parse_paris(&at)?, &operator).await?
            }
            VoteCommand::Purge => vote::purge(&store, &operator).await?,
        },
        Command::Journal { month } => {
            let month = month.unwrap_or_else(|| Utc::now().format("%Y-%m").to_string());
            if chrono::NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d").is_err() {
                bail!("mois « {month} » invalide (AAAA-MM)");
            }
            let entries = store.journal(&month).await.context("lecture du journal")?;
            for e in &entries {
                println!(
                    "{}  {:<14} {:<14} {:<24} {}",
                    e.at.format("%Y-%m-%dT%H:%M:%SZ"),
                    e.operator,
                    e.action,
                    e.target,
                    e.detail
                );
            }
            println!("{} action(s) en {month}", entries.len());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Fails with a short message when the table cannot be reached, before any other request.
async fn check_table(store: &DynamoStore) -> Result<()> {
    use aws_sdk_dynamodb::error::ProvideErrorMetadata;
    match store.client().describe_table().table_name(store.table()).send().await {
        Ok(_) => Ok(()),
        Err(e) if e.code() == Some("ResourceNotFoundException") => {
            bail!("table {} introuvable : créez-la (electeur-admin init) ou vérifiez TABLE_NAME et AWS_REGION", store.table())
        }
        Err(e) => bail!(
            "DynamoDB injoignable : {}",
            e.message()
                .map(str::to_string)
                .unwrap_or_else(|| aws_sdk_dynamodb::error::DisplayErrorContext(&e).to_string())
        ),
    }
}

async fn print_stats(store: &DynamoStore, segments: u32) -> Result<()> {
    let started = std::time::Instant::now();
    let stats = store.table_stats(segments).await.context("lecture de la table")?;
    let ids: Vec<String> = stats.by_scrutin.keys().cloned().collect();
    let names: std::collections::HashMap<String, String> = store
        .scrutins(&ids)
        .await
        .context("lecture des scrutins")?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let pct = |a: u64, b: u64| if b == 0 { 0.0 } else { 100.0 * a as f64 / b as f64 };
    let t = &stats.total;
    println!("électeurs inscrits        : {}", t.voters);
    println!("comptes activés           : {} ({:.1} %)", t.activated, pct(t.activated, t.voters));
    println!("accès sans activation     : {} accès ; {} électeurs entrés sans activer et toujours non activés", t.accesses_without_activation, t.entered_without_activation);
    println!(
        "réclamations              : {} ({} ouvertes, {} traitées)",
        t.claims_open + t.claims_answered,
        t.claims_open,
        t.claims_answered
    );
    println!();
    println!(
        "{:<22} {:>10} {:>10} {:>8} {:>12} {:>10} {:>10}  nom",
        "scrutin", "électeurs", "activés", "%", "sans activ.", "récl. ouv.", "récl. trt."
    );
    for (id, c) in &stats.by_scrutin {
        println!(
            "{:<22} {:>10} {:>10} {:>7.1}% {:>12} {:>10} {:>10}  {}",
            id,
            c.voters,
            c.activated,
            pct(c.activated, c.voters),
            c.entered_without_activation,
            c.claims_open,
            c.claims_answered,
            names.get(id).map(String::as_str).unwrap_or("(absent de la table)")
        );
    }
    let g = &stats.general;
    println!(
        "{:<22} {:>10} {:>10} {:>8} {:>12} {:>10} {:>10}",
        "(général)", "", "", "", "", g.claims_open, g.claims_answered
    );
    println!();
    println!(
        "coût : Scan de toute la table, {} éléments lus, {:.1} unités de lecture, {:.1} s",
        stats.scanned,
        stats.read_units,
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
