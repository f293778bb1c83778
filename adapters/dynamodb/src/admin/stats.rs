//! Statistics of the table for the administration.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::ReturnConsumedCapacity;

use crate::item::*;
use crate::DynamoStore;
use shared::model::AccountStatus;
use shared::ports::{StoreError, StoreResult};

/// Counts of one ballot (or of the whole election).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub voters: u64,
    pub activated: u64,
    /// Voters not activated who entered the portal without activation at least once.
    pub entered_without_activation: u64,
    /// Accesses without activation, all voters together.
    pub accesses_without_activation: u64,
    pub claims_open: u64,
    pub claims_answered: u64,
}

impl Counts {
    pub(crate) fn add(&mut self, o: &Counts) {
        self.voters += o.voters;
        self.activated += o.activated;
        self.entered_without_activation += o.entered_without_activation;
        self.accesses_without_activation += o.accesses_without_activation;
        self.claims_open += o.claims_open;
        self.claims_answered += o.claims_answered;
    }
}

/// What a full read of the table counted.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct TableStats {
    pub total: Counts,
    pub by_scrutin: BTreeMap<String, Counts>,
    /// Claims that name no ballot.
    pub general: Counts,
    /// Items DynamoDB read to count (every item of the table).
    pub scanned: u64,
    /// Read capacity units the Scan consumed, as DynamoDB reported them.
    pub read_units: f64,
}

impl TableStats {
    pub(crate) fn merge(&mut self, o: TableStats) {
        self.total.add(&o.total);
        for (id, c) in o.by_scrutin {
            self.by_scrutin.entry(id).or_default().add(&c);
        }
        self.general.add(&o.general);
        self.scanned += o.scanned;
        self.read_units += o.read_units;
    }

    pub(crate) fn count(&mut self, item: &Item) {
        match get_s(item, "type").as_deref() {
            Some("voter") => {
                let active =
                    get_s(item, "status").as_deref() == Some(AccountStatus::Active.as_str());
                let skips: u64 = get_n(item, "skip_count").unwrap_or(0);
                let one = Counts {
                    voters: 1,
                    activated: active as u64,
                    entered_without_activation: (!active && skips > 0) as u64,
                    accesses_without_activation: skips,
                    ..Counts::default()
                };
                self.total.add(&one);
                let scrutins =
                    item.get("scrutins").and_then(|v| v.as_l().ok()).cloned().unwrap_or_default();
                for id in scrutins.iter().filter_map(|v| v.as_s().ok()) {
                    self.by_scrutin.entry(id.clone()).or_default().add(&one);
                }
            }
            Some("claim") => {
                let answered = get_s(item, "status").as_deref() == Some("answered");
                let one = Counts {
                    claims_open: (!answered) as u64,
                    claims_answered: answered as u64,
                    ..Counts::default()
                };
                self.total.add(&one);
                match get_s(item, "scrutin_id") {
                    Some(id) => self.by_scrutin.entry(id).or_default().add(&one),
                    None => self.general.add(&one),
                }
            }
            _ => {}
        }
    }
}

impl DynamoStore {
    /// Counts voters, activations, accesses without activation and claims, by ballot, with a
    /// parallel Scan of the whole table in `segments` segments. Every item is read once: the cost
    /// is the size of the table (see `read_units`), whatever the filter keeps.
    pub async fn table_stats(&self, segments: u32) -> StoreResult<TableStats> {
        let segments = segments.max(1);
        let mut tasks = tokio::task::JoinSet::new();
        for segment in 0..segments {
            let this = self.clone();
            tasks.spawn(async move {
                let mut stats = TableStats::default();
                let mut start: Option<Item> = None;
                loop {
                    let mut scan = this
                        .client
                        .scan()
                        .table_name(&this.table)
                        .projection_expression("#type, #status, skip_count, scrutins, scrutin_id")
                        .filter_expression("#type IN (:voter, :claim)")
                        .expression_attribute_names("#type", "type")
                        .expression_attribute_names("#status", "status")
                        .expression_attribute_values(":voter", s("voter"))
                        .expression_attribute_values(":claim", s("claim"))
                        .return_consumed_capacity(ReturnConsumedCapacity::Total)
                        .set_exclusive_start_key(start.take());
                    if segments > 1 {
                        scan = scan.segment(segment as i32).total_segments(segments as i32);
                    }
                    let out = scan.send().await.map_err(backend)?;
                    stats.scanned += out.scanned_count as u64;
                    stats.read_units +=
                        out.consumed_capacity.and_then(|c| c.capacity_units).unwrap_or(0.0);
                    for item in out.items.unwrap_or_default() {
                        stats.count(&item);
                    }
                    match out.last_evaluated_key {
                        Some(k) => start = Some(k),
                        None => break,
                    }
                }
                Ok::<_, StoreError>(stats)
            });
        }
        let mut total = TableStats::default();
        while let Some(joined) = tasks.join_next().await {
            total.merge(joined.map_err(|e| StoreError::Backend(format!("scan task: {e}")))??);
        }
        Ok(total)
    }
}
