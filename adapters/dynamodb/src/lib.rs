//! DynamoDB adapter: the single table of `docs/data-model.md`. Item conversions sit next to the
//! queries that use them; keys come from [`crate::keys`]. Account items are read with strong
//! consistency (a step of the journey must see the step before); ballots are read eventually
//! consistent.

use aws_sdk_dynamodb::Client;

pub mod admin;
mod ballots;
mod calendar;
mod claims;
mod devices;
mod item;
pub mod keys;
mod links;
mod roll;
mod roll_search;
mod sessions;
mod table;
mod voters;

pub use claims::{claim_item, parse_claim};
pub use roll::roll_entry_item;
pub use table::ensure_table;

#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

impl DynamoStore {
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        DynamoStore { client, table: table.into() }
    }

    /// A store from the standard AWS environment and `TABLE_NAME`; an error when a setting of the
    /// functions' configuration is not valid.
    pub async fn from_env() -> Result<Self, shared::config::ConfigError> {
        let table = shared::config::Config::from_env()?.table_name;
        let config = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
        Ok(DynamoStore::new(Client::new(&config), table))
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn table(&self) -> &str {
        &self.table
    }
}
