//! The count of voters of each electoral list, which the portal shows ("N électeurs",
//! "page X sur Y"). It is not kept up by each write of the roll: every command that changes the
//! roll (`import`, `add-voter`, `remove-voter`, `demo`) counts again, once it has written, the
//! lists it touched, from the list entries themselves (strongly consistent COUNT queries over
//! every shard), and stores the figure. Only those commands change the lists, so the figure is
//! exact once they are done; `count-lists` counts again by hand (after an interrupted import, for
//! instance).

use std::collections::BTreeSet;

use anyhow::{Context, Result};
use shared::ports::Roll;
use store_dynamodb::DynamoStore;

/// Counts the lists of `scrutins` again and prints each figure.
pub async fn recount(store: &DynamoStore, scrutins: &BTreeSet<String>) -> Result<()> {
    for id in scrutins {
        let count = store
            .count_roll(id)
            .await
            .with_context(|| format!("décompte de la liste électorale {id}"))?;
        println!("liste électorale {id} : {count} électeur(s)");
    }
    Ok(())
}
