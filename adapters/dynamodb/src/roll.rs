//! What the administration writes through the `Roll` port: the calendar, voters of the roll and
//! ballots.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::TransactWriteItem;

use crate::keys;
use shared::model::{Calendar, RollVoter, Scrutin};
use shared::ports::{Roll, StoreResult, Voters};

use crate::ballots::scrutin_items;
use crate::calendar::calendar_item;
use crate::item::*;
use crate::DynamoStore;

/// The roll entry item of one voter in one ballot.
pub fn roll_entry_item(voter: &RollVoter, scrutin_id: &str) -> Item {
    let shard = keys::roll_shard(&voter.last_name);
    let mut item = key((
        keys::roll_pk(scrutin_id, shard),
        keys::roll_sk(&voter.last_name, &voter.first_name, &voter.voter_id),
    ));
    item.insert("type".into(), s("roll_entry"));
    item.insert("voter_id".into(), s(&voter.voter_id));
    item.insert("civility".into(), s(voter.civility.as_str()));
    item.insert("last_name".into(), s(&voter.last_name));
    item.insert("first_name".into(), s(&voter.first_name));
    item
}

#[async_trait]
impl Roll for DynamoStore {
    async fn put_help_texts(&self, texts: &shared::help::HelpTexts) -> StoreResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(crate::calendar::help_item(texts)?))
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }

    async fn put_calendar(&self, calendar: &Calendar) -> StoreResult<()> {
        let item = calendar_item(calendar);
        self.client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item))
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }

    /// The one way to add or change a single voter of the roll, with the rules of the import
    /// (`admin::voters`): a voter new to the table is created with its identifier index and
    /// electoral-list entries ([`DynamoStore::create_roll_voter`]); a known voter's roll data is
    /// replaced, keeping the account state ([`DynamoStore::replace_roll_voter`]); the same data
    /// again changes nothing.
    async fn put_roll_voter(&self, voter: &RollVoter) -> StoreResult<()> {
        match self.voter(&voter.voter_id).await? {
            None => self.create_roll_voter(voter, None, None).await,
            Some(current) if current.roll == *voter => Ok(()),
            Some(current) => self.replace_roll_voter(&current.roll, voter, None, None).await,
        }
    }

    async fn put_scrutin(&self, scrutin: &Scrutin) -> StoreResult<()> {
        let mut items = Vec::new();
        for item in scrutin_items(scrutin) {
            items.push(TransactWriteItem::builder().put(self.put(item, None)?).build());
        }
        self.transact(items).await
    }

    async fn count_roll(&self, scrutin_id: &str) -> StoreResult<u64> {
        crate::roll_search::count_and_store(self, scrutin_id).await
    }
}
