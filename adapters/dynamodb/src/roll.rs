//! What the administration writes through the `Roll` port: the calendar, voters of the roll and
//! ballots.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};

use crate::keys::{self};
use shared::model::{AccountStatus, Calendar, RollVoter, Scrutin};
use shared::ports::{Roll, StoreResult};

/// Bulk and administrative operations of `electeur-admin`.
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

    /// Writes a voter of the roll, its identifier index and its electoral-list entries in one
    /// transaction. Account state (status, credentials, counters) of a voter already imported is
    /// kept: re-importing the same roll changes nothing.
    async fn put_roll_voter(&self, voter: &RollVoter) -> StoreResult<()> {
        let update = built(
            Update::builder()
                .table_name(&self.table)
                .set_key(Some(key(keys::voter_key(&voter.voter_id))))
                .update_expression(
                    "SET #type = :type, voter_id = :vid, email = :email, civility = :civ, first_name = :fn, last_name = :ln, scrutins = :scr, \
                     #status = if_not_exists(#status, :not_activated), token_gen = if_not_exists(token_gen, :zero), \
                     cred_version = if_not_exists(cred_version, :zero)",
                )
                .expression_attribute_names("#type", "type")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":type", s("voter"))
                .expression_attribute_values(":vid", s(&voter.voter_id))
                .expression_attribute_values(":email", s(&voter.email))
                .expression_attribute_values(":civ", s(voter.civility.as_str()))
                .expression_attribute_values(":fn", s(&voter.first_name))
                .expression_attribute_values(":ln", s(&voter.last_name))
                .expression_attribute_values(":scr", AttributeValue::L(voter.scrutins.iter().map(s).collect()))
                .expression_attribute_values(":not_activated", s(AccountStatus::NotActivated.as_str()))
                .expression_attribute_values(":zero", n(0))
                .build(),
        )?;
        let mut email = key(keys::email_key(&voter.email));
        email.insert("type".into(), s("email"));
        email.insert("voter_id".into(), s(&voter.voter_id));
        let email_put = built(
            Put::builder()
                .table_name(&self.table)
                .set_item(Some(email))
                .condition_expression("attribute_not_exists(pk) OR voter_id = :vid")
                .expression_attribute_values(":vid", s(&voter.voter_id))
                .build(),
        )?;
        let mut items = vec![
            TransactWriteItem::builder().update(update).build(),
            TransactWriteItem::builder().put(email_put).build(),
        ];
        for scrutin in &voter.scrutins {
            items.push(
                TransactWriteItem::builder()
                    .put(self.put(roll_entry_item(voter, scrutin), None)?)
                    .build(),
            );
        }
        self.transact(items).await
    }

    async fn put_scrutin(&self, scrutin: &Scrutin) -> StoreResult<()> {
        let mut items = Vec::new();
        for item in scrutin_items(scrutin) {
            items.push(TransactWriteItem::builder().put(self.put(item, None)?).build());
        }
        self.transact(items).await
    }
}
