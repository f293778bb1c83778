//! DynamoDB adapter: the single table of `docs/data-model.md`. Item conversions sit next to the
//! queries that use them; keys come from [`crate::keys`]. Account items are read with strong
//! consistency (a step of the journey must see the step before); ballots are read eventually
//! consistent.

use aws_sdk_dynamodb::Client;

pub mod admin;
mod assistance;
mod audit;
mod ballots;
mod calendar;
mod claims;
mod devices;
mod item;
pub mod keys;
mod links;
mod outbox;
mod roll;
mod roll_search;
mod sessions;
mod table;
pub mod vote;
mod voters;

pub use claims::{claim_item, parse_claim};
pub use roll::roll_entry_item;
pub use table::{ensure_table, ensure_vote_tables};

#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
    /// The urne's table and the émargement's (`docs/data-model.md`, "The vote").
    urne: String,
    emargement: String,
    /// How long each event of a voter's trail is kept (`ttl`), in seconds.
    audit_retention: u64,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        let table = table.into();
        DynamoStore {
            client,
            urne: format!("{table}-urne"),
            emargement: format!("{table}-emargement"),
            table,
            audit_retention: shared::audit::DEFAULT_RETENTION_SECS,
        }
    }

    /// The same store, keeping the events of the trail `secs` seconds (`AUDIT_RETENTION_SECS`).
    pub fn with_audit_retention(mut self, secs: u64) -> Self {
        self.audit_retention = secs;
        self
    }

    /// A store from the standard AWS environment and `TABLE_NAME`; an error when a setting of the
    /// functions' configuration is not valid.
    pub async fn from_env() -> Result<Self, shared::config::ConfigError> {
        let settings = shared::config::Config::from_env()?;
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Ok(DynamoStore::new(Client::new(&config), settings.table_name)
            .with_vote_tables(settings.urne_table_name, settings.emargement_table_name)
            .with_audit_retention(settings.audit_retention.as_secs()))
    }

    /// The same store over these urne and émargement tables (`URNE_TABLE_NAME`,
    /// `EMARGEMENT_TABLE_NAME`).
    pub fn with_vote_tables(
        mut self,
        urne: impl Into<String>,
        emargement: impl Into<String>,
    ) -> Self {
        self.urne = urne.into();
        self.emargement = emargement.into();
        self
    }

    pub fn urne_table(&self) -> &str {
        &self.urne
    }

    pub fn emargement_table(&self) -> &str {
        &self.emargement
    }

    pub fn audit_retention(&self) -> u64 {
        self.audit_retention
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }
}
