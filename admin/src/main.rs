//! `electeur-admin`: the administration's command line. Works against the same DynamoDB as the
//! functions (the local emulator through `AWS_ENDPOINT_URL_DYNAMODB`, or any AWS account through the
//! usual AWS environment) and the table named by `TABLE_NAME`.

mod demo;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use shared::dynamo::{ensure_table, DynamoStore};
use shared::model::{Civility, RollVoter};
use shared::ports::Roll;
use shared::validate::{Identifier, VoterId};

#[derive(Parser)]
#[command(name = "electeur-admin", version, about = "Administration du portail Élections : table, liste électorale, calendrier, réclamations.")]
struct Cli {
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
    },
    /// Ajoute (ou met à jour) un électeur inscrit tardivement sur la liste électorale.
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
    },
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let store = DynamoStore::from_env().await;
    match cli.command {
        Command::Init => {
            let created = ensure_table(store.client(), store.table()).await.map_err(anyhow::Error::msg).context("création de la table")?;
            println!("table {}: {}", store.table(), if created { "créée" } else { "déjà présente" });
        }
        Command::Demo { voters } => {
            let first = demo::load(&store, voters).await?;
            println!("demo identifier: {first}");
        }
        Command::AddVoter { voter_id, email, civility, first_name, last_name, scrutins } => {
            let Some(civility) = Civility::parse(&civility) else { bail!("civilité inconnue : {civility} (M. ou Mme)") };
            let voter = RollVoter {
                voter_id: VoterId::parse(&voter_id).map_err(|e| anyhow::anyhow!(e.message()))?.as_str().to_string(),
                email: Identifier::parse(&email).map_err(|e| anyhow::anyhow!(e.message()))?.as_str().to_string(),
                civility,
                first_name,
                last_name,
                scrutins,
            };
            store.put_roll_voter(&voter).await.context("écriture de l'électeur")?;
            println!("électeur {} ajouté ({})", voter.voter_id, voter.email);
        }
    }
    Ok(())
}
