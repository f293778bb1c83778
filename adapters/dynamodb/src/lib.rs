//! DynamoDB adapter: the single table of `docs/data-model.md`. Item conversions sit next to the
//! queries that use them; keys come from [`crate::keys`]. Account items are read with strong
//! consistency (a step of the journey must see the step before); ballots are read eventually
//! consistent.

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};

use crate::keys::{PK, SK, TTL};
use shared::model::{
    AccountStatus, Calendar, Candidate, CandidateList, Civility, Claim, ClaimCategory, ClaimStatus,
    RollEntry, RollVoter, Scrutin, SessionKind, SessionRecord, TokenPurpose, TokenRecord, Voter,
};
use shared::ports::{
    Accounts, Activation, Ballots, Calendars, ClaimOutcome, Claims, FailureKind, Roll, RollCursor,
    StoreError, StoreResult,
};

/// Bulk and administrative operations of `electeur-admin`.
pub mod admin;
pub mod keys;

type Item = HashMap<String, AttributeValue>;

/// Tokens and sessions stay a week past their expiry for audit, then DynamoDB's TTL removes them.
const KEEP_AFTER_EXPIRY: i64 = 7 * 86_400;

#[derive(Clone)]
pub struct DynamoStore {
    client: Client,
    table: String,
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: impl ToString) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn key((pk, sk): (String, String)) -> Item {
    HashMap::from([(PK.to_string(), s(pk)), (SK.to_string(), s(sk))])
}

fn get_s(item: &Item, name: &str) -> Option<String> {
    item.get(name).and_then(|v| v.as_s().ok()).cloned()
}

fn get_n<T: std::str::FromStr>(item: &Item, name: &str) -> Option<T> {
    item.get(name).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok())
}

fn req_s(item: &Item, name: &str) -> StoreResult<String> {
    get_s(item, name).ok_or_else(|| StoreError::Backend(format!("item lacks attribute {name}")))
}

fn backend<E: std::error::Error + Send + Sync + 'static, R: std::fmt::Debug>(
    e: SdkError<E, R>,
) -> StoreError {
    StoreError::Backend(DisplayErrorContext(e).to_string())
}

/// Maps a single conditional write's error.
fn conditional<E, R>(e: SdkError<E, R>) -> StoreError
where
    E: std::error::Error + ProvideErrorMetadata + Send + Sync + 'static,
    R: std::fmt::Debug,
{
    if e.as_service_error().and_then(|se| se.code()) == Some("ConditionalCheckFailedException") {
        StoreError::ConditionFailed
    } else {
        backend(e)
    }
}

/// Maps a transaction's error: a failed condition or a conflict on any item, else the backend.
fn transaction<R: std::fmt::Debug>(e: SdkError<TransactWriteItemsError, R>) -> StoreError {
    if let Some(TransactWriteItemsError::TransactionCanceledException(c)) = e.as_service_error() {
        let codes: Vec<&str> = c.cancellation_reasons().iter().filter_map(|r| r.code()).collect();
        if codes.contains(&"ConditionalCheckFailed") {
            return StoreError::ConditionFailed;
        }
        if codes.contains(&"TransactionConflict") {
            return StoreError::TransactionConflict;
        }
    }
    if let Some(TransactWriteItemsError::TransactionInProgressException(_)) = e.as_service_error() {
        return StoreError::TransactionConflict;
    }
    backend(e)
}

fn built<T>(r: Result<T, aws_sdk_dynamodb::error::BuildError>) -> StoreResult<T> {
    r.map_err(|e| StoreError::Backend(format!("request build: {e}")))
}

fn civility(item: &Item, name: &str) -> StoreResult<Civility> {
    Civility::parse(&req_s(item, name)?).ok_or_else(|| StoreError::Backend("bad civility".into()))
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

    async fn get(&self, k: (String, String), consistent: bool) -> StoreResult<Option<Item>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key(k)))
            .consistent_read(consistent)
            .send()
            .await
            .map_err(backend)?;
        Ok(out.item)
    }

    /// Every item of one partition, page after page.
    pub(crate) async fn partition(&self, pk: &str, consistent: bool) -> StoreResult<Vec<Item>> {
        let mut items = Vec::new();
        let mut start: Option<Item> = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(&self.table)
                .key_condition_expression("pk = :pk")
                .expression_attribute_values(":pk", s(pk))
                .consistent_read(consistent)
                .set_exclusive_start_key(start.take())
                .send()
                .await
                .map_err(backend)?;
            items.extend(out.items.unwrap_or_default());
            match out.last_evaluated_key {
                Some(k) => start = Some(k),
                None => break,
            }
        }
        Ok(items)
    }

    fn put(&self, item: Item, condition: Option<&str>) -> StoreResult<Put> {
        built(
            Put::builder()
                .table_name(&self.table)
                .set_item(Some(item))
                .set_condition_expression(condition.map(str::to_string))
                .build(),
        )
    }

    fn consume_token(&self, token: &TokenRecord, now: i64) -> StoreResult<Update> {
        built(
            Update::builder()
                .table_name(&self.table)
                .set_key(Some(key(keys::token_key(&token.hash))))
                .update_expression("SET consumed_at = :now")
                .condition_expression(
                    "attribute_not_exists(consumed_at) AND expires_at > :now AND voter_id = :vid AND purpose = :purpose AND pending_password_hash = :ph",
                )
                .expression_attribute_values(":now", n(now))
                .expression_attribute_values(":vid", s(&token.voter_id))
                .expression_attribute_values(":purpose", s(token.purpose.as_str()))
                .expression_attribute_values(":ph", s(token.pending_password_hash.clone().unwrap_or_default()))
                .build(),
        )
    }

    /// The transaction that ends a mailed link: consumes the token, changes the voter, opens a
    /// session. Nothing of it is written unless every condition holds.
    async fn consume_token_with(
        &self,
        token: &TokenRecord,
        voter: Update,
        session: &SessionRecord,
        now: i64,
    ) -> StoreResult<()> {
        self.transact(vec![
            TransactWriteItem::builder().update(self.consume_token(token, now)?).build(),
            TransactWriteItem::builder().update(voter).build(),
            self.put_session(session)?,
        ])
        .await
    }

    async fn transact(&self, items: Vec<TransactWriteItem>) -> StoreResult<()> {
        self.client
            .transact_write_items()
            .set_transact_items(Some(items))
            .send()
            .await
            .map_err(transaction)?;
        Ok(())
    }

    fn session_item(&self, session: &SessionRecord) -> Item {
        let mut item = key(keys::session_key(&session.hash));
        item.insert("type".into(), s("session"));
        item.insert("voter_id".into(), s(&session.voter_id));
        item.insert("kind".into(), s(session.kind.as_str()));
        item.insert("cred_version".into(), n(session.credentials_version));
        item.insert("created_at".into(), n(session.created_at));
        item.insert("last_seen_at".into(), n(session.last_seen_at));
        item.insert("absolute_expires_at".into(), n(session.absolute_expires_at));
        item.insert(TTL.into(), n(session.absolute_expires_at + KEEP_AFTER_EXPIRY));
        item
    }

    fn put_session(&self, session: &SessionRecord) -> StoreResult<TransactWriteItem> {
        Ok(TransactWriteItem::builder()
            .put(self.put(self.session_item(session), Some("attribute_not_exists(pk)"))?)
            .build())
    }
}

fn voter_from(item: &Item) -> StoreResult<Voter> {
    let scrutins = item
        .get("scrutins")
        .and_then(|v| v.as_l().ok())
        .map(|l| l.iter().filter_map(|x| x.as_s().ok().cloned()).collect())
        .unwrap_or_default();
    Ok(Voter {
        roll: RollVoter {
            voter_id: req_s(item, "voter_id")?,
            email: req_s(item, "email")?,
            civility: civility(item, "civility")?,
            first_name: req_s(item, "first_name")?,
            last_name: req_s(item, "last_name")?,
            scrutins,
        },
        status: if get_s(item, "status").as_deref() == Some("active") {
            AccountStatus::Active
        } else {
            AccountStatus::NotActivated
        },
        password_hash: get_s(item, "password_hash"),
        question_id: get_n(item, "question_id"),
        answer_hash: get_s(item, "answer_hash"),
        token_generation: get_n(item, "token_gen").unwrap_or(0),
        credentials_version: get_n(item, "cred_version").unwrap_or(0),
        mail_window_start: get_n(item, "mail_window_start").unwrap_or(0),
        mail_count: get_n(item, "mail_count").unwrap_or(0),
        failed_logins: get_n(item, "failed_logins").unwrap_or(0),
        login_locked_until: get_n(item, "login_locked_until").unwrap_or(0),
        failed_answers: get_n(item, "failed_answers").unwrap_or(0),
        answer_locked_until: get_n(item, "answer_locked_until").unwrap_or(0),
        accesses_without_activation: get_n(item, "skip_count").unwrap_or(0),
    })
}

fn token_from(item: &Item) -> StoreResult<TokenRecord> {
    let pk = req_s(item, PK)?;
    Ok(TokenRecord {
        hash: pk.trim_start_matches("TOKEN#").to_string(),
        voter_id: req_s(item, "voter_id")?,
        purpose: TokenPurpose::parse(&req_s(item, "purpose")?)
            .ok_or_else(|| StoreError::Backend("bad purpose".into()))?,
        generation: get_n(item, "generation").unwrap_or(0),
        created_at: get_n(item, "created_at").unwrap_or(0),
        expires_at: get_n(item, "expires_at").unwrap_or(0),
        consumed_at: get_n(item, "consumed_at"),
        pending_password_hash: get_s(item, "pending_password_hash"),
    })
}

fn session_from(item: &Item) -> StoreResult<SessionRecord> {
    let pk = req_s(item, PK)?;
    Ok(SessionRecord {
        hash: pk.trim_start_matches("SESSION#").to_string(),
        voter_id: req_s(item, "voter_id")?,
        kind: SessionKind::parse(&req_s(item, "kind")?)
            .ok_or_else(|| StoreError::Backend("bad session kind".into()))?,
        credentials_version: get_n(item, "cred_version").unwrap_or(0),
        created_at: get_n(item, "created_at").unwrap_or(0),
        last_seen_at: get_n(item, "last_seen_at").unwrap_or(0),
        absolute_expires_at: get_n(item, "absolute_expires_at").unwrap_or(0),
    })
}

fn claim_from(item: &Item) -> StoreResult<Claim> {
    let created_at = DateTime::parse_from_rfc3339(&req_s(item, "created_at")?)
        .map_err(|e| StoreError::Backend(format!("bad claim date: {e}")))?
        .with_timezone(&Utc);
    Ok(Claim {
        reference: req_s(item, "reference")?,
        voter_id: req_s(item, "voter_id")?,
        category: ClaimCategory::parse(&req_s(item, "category")?)
            .ok_or_else(|| StoreError::Backend("bad category".into()))?,
        scrutin_id: get_s(item, "scrutin_id"),
        text: req_s(item, "text")?,
        created_at,
        status: if get_s(item, "status").as_deref() == Some("answered") {
            ClaimStatus::Answered
        } else {
            ClaimStatus::Open
        },
        fingerprint: get_s(item, "fingerprint").unwrap_or_default(),
        idempotency_key: get_s(item, "idempotency_key").unwrap_or_default(),
        acknowledged: item
            .get("acknowledged")
            .and_then(|v| v.as_bool().ok())
            .copied()
            .unwrap_or(false),
    })
}

pub fn claim_item(claim: &Claim) -> Item {
    let mut item = key((keys::voter_key(&claim.voter_id).0, keys::claim_sk(&claim.reference)));
    item.insert("type".into(), s("claim"));
    item.insert("reference".into(), s(&claim.reference));
    item.insert("voter_id".into(), s(&claim.voter_id));
    item.insert("category".into(), s(claim.category.as_str()));
    if let Some(id) = &claim.scrutin_id {
        item.insert("scrutin_id".into(), s(id));
    }
    item.insert("text".into(), s(&claim.text));
    item.insert("created_at".into(), s(claim.created_at.to_rfc3339()));
    item.insert(
        "status".into(),
        s(match claim.status {
            ClaimStatus::Open => "open",
            ClaimStatus::Answered => "answered",
        }),
    );
    item.insert("fingerprint".into(), s(&claim.fingerprint));
    item.insert("idempotency_key".into(), s(&claim.idempotency_key));
    item.insert("acknowledged".into(), AttributeValue::Bool(claim.acknowledged));
    item.insert(keys::GSI1_PK.into(), s(keys::claims_by_scrutin_pk(claim.scrutin_id.as_deref())));
    item.insert(
        keys::GSI1_SK.into(),
        s(format!("{}#{}", claim.created_at.to_rfc3339(), claim.reference)),
    );
    item
}

pub fn parse_claim(item: &Item) -> StoreResult<Claim> {
    claim_from(item)
}

fn scrutin_from(items: &[Item]) -> StoreResult<Option<Scrutin>> {
    let Some(meta) = items.iter().find(|i| get_s(i, SK).as_deref() == Some("META")) else {
        return Ok(None);
    };
    let mut lists = Vec::new();
    for item in items
        .iter()
        .filter(|i| get_s(i, SK).is_some_and(|sk| sk.starts_with(keys::CANDIDATE_LIST_PREFIX)))
    {
        let mut candidates = Vec::new();
        for c in item
            .get("candidates")
            .and_then(|v| v.as_l().ok())
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            let m = c.as_m().map_err(|_| StoreError::Backend("bad candidate".into()))?;
            candidates.push(Candidate {
                rank: get_n(m, "rank").unwrap_or(0),
                civility: civility(m, "civility")?,
                first_name: req_s(m, "first_name")?,
                last_name: req_s(m, "last_name")?,
            });
        }
        candidates.sort_by_key(|c| c.rank);
        lists.push(CandidateList {
            id: req_s(item, "list_id")?,
            order: get_n(item, "order").unwrap_or(0),
            name: req_s(item, "name")?,
            organisation: get_s(item, "organisation").unwrap_or_default(),
            candidates,
        });
    }
    lists.sort_by_key(|l| l.order);
    Ok(Some(Scrutin {
        id: req_s(meta, "scrutin_id")?,
        name: req_s(meta, "name")?,
        description: get_s(meta, "description").unwrap_or_default(),
        candidate_lists: lists,
    }))
}

#[async_trait]
impl Accounts for DynamoStore {
    async fn voter_id_for_email(&self, email: &str) -> StoreResult<Option<String>> {
        Ok(self.get(keys::email_key(email), true).await?.and_then(|i| get_s(&i, "voter_id")))
    }

    async fn voter(&self, voter_id: &str) -> StoreResult<Option<Voter>> {
        self.get(keys::voter_key(voter_id), true).await?.map(|i| voter_from(&i)).transpose()
    }

    async fn issue_token(
        &self,
        voter: &Voter,
        expected_generation: u64,
        mail_window_start: i64,
        mail_count: u32,
        token: &TokenRecord,
    ) -> StoreResult<()> {
        let update = built(
            Update::builder()
                .table_name(&self.table)
                .set_key(Some(key(keys::voter_key(&voter.roll.voter_id))))
                .update_expression(
                    "SET token_gen = :new, mail_window_start = :ws, mail_count = :mc",
                )
                .condition_expression("token_gen = :old")
                .expression_attribute_values(":new", n(expected_generation + 1))
                .expression_attribute_values(":old", n(expected_generation))
                .expression_attribute_values(":ws", n(mail_window_start))
                .expression_attribute_values(":mc", n(mail_count))
                .build(),
        )?;
        let mut item = key(keys::token_key(&token.hash));
        item.insert("type".into(), s("token"));
        item.insert("voter_id".into(), s(&token.voter_id));
        item.insert("purpose".into(), s(token.purpose.as_str()));
        item.insert("generation".into(), n(token.generation));
        item.insert("created_at".into(), n(token.created_at));
        item.insert("expires_at".into(), n(token.expires_at));
        item.insert(TTL.into(), n(token.expires_at + KEEP_AFTER_EXPIRY));
        let put = self.put(item, Some("attribute_not_exists(pk)"))?;
        self.transact(vec![
            TransactWriteItem::builder().update(update).build(),
            TransactWriteItem::builder().put(put).build(),
        ])
        .await
    }

    async fn token(&self, hash: &str) -> StoreResult<Option<TokenRecord>> {
        self.get(keys::token_key(hash), true).await?.map(|i| token_from(&i)).transpose()
    }

    async fn set_pending_password(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: i64,
    ) -> StoreResult<()> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::token_key(token_hash))))
            .update_expression("SET pending_password_hash = :ph")
            .condition_expression(
                "attribute_exists(pk) AND attribute_not_exists(consumed_at) AND expires_at > :now",
            )
            .expression_attribute_values(":ph", s(password_hash))
            .expression_attribute_values(":now", n(now))
            .send()
            .await
            .map_err(conditional)?;
        Ok(())
    }

    async fn activate_account(
        &self,
        token: &TokenRecord,
        activation: &Activation,
        session: &SessionRecord,
        now: i64,
    ) -> StoreResult<()> {
        let voter = built(
            Update::builder()
                .table_name(&self.table)
                .set_key(Some(key(keys::voter_key(&token.voter_id))))
                .update_expression(
                    "SET password_hash = :ph, question_id = :q, answer_hash = :ah, #status = :active, activated_at = :now, cred_version = cred_version + :one",
                )
                .condition_expression("token_gen = :gen AND #status = :not_activated")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":ph", s(&activation.password_hash))
                .expression_attribute_values(":q", n(activation.question_id))
                .expression_attribute_values(":ah", s(&activation.answer_hash))
                .expression_attribute_values(":active", s(AccountStatus::Active.as_str()))
                .expression_attribute_values(":not_activated", s(AccountStatus::NotActivated.as_str()))
                .expression_attribute_values(":now", n(now))
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":gen", n(token.generation))
                .build(),
        )?;
        self.consume_token_with(token, voter, session, now).await
    }

    async fn skip_activation(
        &self,
        token: &TokenRecord,
        session: &SessionRecord,
        now: i64,
    ) -> StoreResult<()> {
        let voter = built(
            Update::builder()
                .table_name(&self.table)
                .set_key(Some(key(keys::voter_key(&token.voter_id))))
                .update_expression("ADD skip_count :one SET last_access_without_activation = :now")
                .condition_expression("token_gen = :gen AND #status = :not_activated")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":one", n(1))
                .expression_attribute_values(":now", n(now))
                .expression_attribute_values(":gen", n(token.generation))
                .expression_attribute_values(
                    ":not_activated",
                    s(AccountStatus::NotActivated.as_str()),
                )
                .build(),
        )?;
        self.consume_token_with(token, voter, session, now).await
    }

    async fn complete_reassort(
        &self,
        token: &TokenRecord,
        expected_credentials_version: u64,
        session: &SessionRecord,
        now: i64,
    ) -> StoreResult<()> {
        let voter = built(
            Update::builder()
                .table_name(&self.table)
                .set_key(Some(key(keys::voter_key(&token.voter_id))))
                .update_expression(
                    "SET password_hash = :ph, cred_version = :new, failed_logins = :zero, login_locked_until = :zero, failed_answers = :zero, answer_locked_until = :zero, password_changed_at = :now",
                )
                .condition_expression("token_gen = :gen AND #status = :active AND cred_version = :old")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":ph", s(token.pending_password_hash.clone().unwrap_or_default()))
                .expression_attribute_values(":new", n(expected_credentials_version + 1))
                .expression_attribute_values(":old", n(expected_credentials_version))
                .expression_attribute_values(":zero", n(0))
                .expression_attribute_values(":now", n(now))
                .expression_attribute_values(":gen", n(token.generation))
                .expression_attribute_values(":active", s(AccountStatus::Active.as_str()))
                .build(),
        )?;
        self.consume_token_with(token, voter, session, now).await
    }

    async fn record_failure(
        &self,
        voter_id: &str,
        kind: FailureKind,
        locked_until: i64,
    ) -> StoreResult<()> {
        let (count, until) = match kind {
            FailureKind::Login => ("failed_logins", "login_locked_until"),
            FailureKind::Answer => ("failed_answers", "answer_locked_until"),
        };
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::voter_key(voter_id))))
            .update_expression(format!(
                "SET {count} = if_not_exists({count}, :zero) + :one, {until} = :until"
            ))
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":zero", n(0))
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":until", n(locked_until))
            .send()
            .await
            .map_err(conditional)?;
        Ok(())
    }

    async fn open_login_session(&self, voter: &Voter, session: &SessionRecord) -> StoreResult<()> {
        let update = built(
            Update::builder()
                .table_name(&self.table)
                .set_key(Some(key(keys::voter_key(&voter.roll.voter_id))))
                .update_expression(
                    "SET failed_logins = :zero, login_locked_until = :zero, last_login_at = :now",
                )
                .condition_expression("cred_version = :cv AND #status = :active")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":zero", n(0))
                .expression_attribute_values(":now", n(session.created_at))
                .expression_attribute_values(":cv", n(session.credentials_version))
                .expression_attribute_values(":active", s(AccountStatus::Active.as_str()))
                .build(),
        )?;
        self.transact(vec![
            TransactWriteItem::builder().update(update).build(),
            self.put_session(session)?,
        ])
        .await
    }

    async fn session(&self, hash: &str) -> StoreResult<Option<SessionRecord>> {
        self.get(keys::session_key(hash), true).await?.map(|i| session_from(&i)).transpose()
    }

    async fn touch_session(&self, hash: &str, now: i64) -> StoreResult<()> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::session_key(hash))))
            .update_expression("SET last_seen_at = :now")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":now", n(now))
            .send()
            .await
            .map_err(conditional)?;
        Ok(())
    }

    async fn delete_session(&self, hash: &str) -> StoreResult<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key(keys::session_key(hash))))
            .send()
            .await
            .map_err(backend)?;
        Ok(())
    }
}

#[async_trait]
impl Ballots for DynamoStore {
    async fn scrutins(&self, ids: &[String]) -> StoreResult<Vec<Scrutin>> {
        let mut tasks = tokio::task::JoinSet::new();
        for (i, id) in ids.iter().enumerate() {
            let this = self.clone();
            let pk = keys::scrutin_pk(id);
            tasks.spawn(async move {
                let items = this.partition(&pk, false).await?;
                Ok::<_, StoreError>((i, scrutin_from(&items)?))
            });
        }
        let mut found = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            let (i, scrutin) =
                joined.map_err(|e| StoreError::Backend(format!("query task: {e}")))??;
            if let Some(scrutin) = scrutin {
                found.push((i, scrutin));
            }
        }
        found.sort_by_key(|(i, _)| *i);
        Ok(found.into_iter().map(|(_, s)| s).collect())
    }

    async fn electoral_list_page(
        &self,
        scrutin_id: &str,
        from: RollCursor,
        limit: usize,
    ) -> StoreResult<(Vec<RollEntry>, Option<RollCursor>)> {
        let mut out: Vec<(char, String, RollEntry)> = Vec::new();
        let start = keys::ROLL_SHARDS.iter().position(|c| *c == from.shard).unwrap_or(0);
        for (i, shard) in keys::ROLL_SHARDS.iter().enumerate().skip(start) {
            let pk = keys::roll_pk(scrutin_id, *shard);
            let mut exclusive = if i == start { from.after.clone() } else { None };
            loop {
                // one more than needed tells whether another page exists
                let wanted = (limit + 1 - out.len()) as i32;
                let out_page = self
                    .client
                    .query()
                    .table_name(&self.table)
                    .key_condition_expression("pk = :pk")
                    .expression_attribute_values(":pk", s(&pk))
                    .set_exclusive_start_key(
                        exclusive.as_ref().map(|sk| key((pk.clone(), sk.clone()))),
                    )
                    .limit(wanted)
                    .send()
                    .await
                    .map_err(backend)?;
                for item in out_page.items.unwrap_or_default() {
                    let sk = req_s(&item, SK)?;
                    out.push((
                        *shard,
                        sk,
                        RollEntry {
                            civility: civility(&item, "civility")?,
                            last_name: req_s(&item, "last_name")?,
                            first_name: req_s(&item, "first_name")?,
                        },
                    ));
                }
                if out.len() > limit {
                    out.truncate(limit);
                    let (shard, after, _) = out.last().cloned().expect("limit is at least 1");
                    return Ok((
                        out.into_iter().map(|(_, _, e)| e).collect(),
                        Some(RollCursor { shard, after: Some(after) }),
                    ));
                }
                match out_page.last_evaluated_key.and_then(|k| get_s(&k, SK)) {
                    Some(sk) => exclusive = Some(sk),
                    None => break,
                }
            }
        }
        Ok((out.into_iter().map(|(_, _, e)| e).collect(), None))
    }
}

#[async_trait]
impl Claims for DynamoStore {
    async fn file_claim(&self, claim: &Claim) -> StoreResult<ClaimOutcome> {
        let voter_pk = keys::voter_key(&claim.voter_id).0;
        let mut idem = key((voter_pk.clone(), keys::idempotency_sk(&claim.idempotency_key)));
        idem.insert("type".into(), s("idempotency"));
        idem.insert("reference".into(), s(&claim.reference));
        let puts = vec![
            TransactWriteItem::builder()
                .put(self.put(idem, Some("attribute_not_exists(pk)"))?)
                .build(),
            TransactWriteItem::builder()
                .put(self.put(claim_item(claim), Some("attribute_not_exists(pk)"))?)
                .build(),
        ];
        match self.transact(puts).await {
            Ok(()) => Ok(ClaimOutcome::Created),
            Err(StoreError::ConditionFailed) => {
                let idem = self
                    .get((voter_pk.clone(), keys::idempotency_sk(&claim.idempotency_key)), true)
                    .await?
                    .ok_or(StoreError::TransactionConflict)?;
                let reference = req_s(&idem, "reference")?;
                let existing = self
                    .get((voter_pk, keys::claim_sk(&reference)), true)
                    .await?
                    .ok_or(StoreError::TransactionConflict)?;
                Ok(ClaimOutcome::Existing(claim_from(&existing)?))
            }
            Err(e) => Err(e),
        }
    }

    async fn mark_claim_acknowledged(&self, voter_id: &str, reference: &str) -> StoreResult<()> {
        self.client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key((keys::voter_key(voter_id).0, keys::claim_sk(reference)))))
            .update_expression("SET acknowledged = :t")
            .condition_expression("attribute_exists(pk)")
            .expression_attribute_values(":t", AttributeValue::Bool(true))
            .send()
            .await
            .map_err(conditional)?;
        Ok(())
    }
}

#[async_trait]
impl Calendars for DynamoStore {
    async fn calendar(&self) -> StoreResult<Option<Calendar>> {
        let Some(item) = self.get(keys::calendar_key(), true).await? else { return Ok(None) };
        let at = |name: &str| -> StoreResult<DateTime<Utc>> {
            DateTime::parse_from_rfc3339(&req_s(&item, name)?)
                .map(|d| d.with_timezone(&Utc))
                .map_err(|e| StoreError::Backend(format!("calendar {name}: {e}")))
        };
        Ok(Some(Calendar {
            activation_opens_at: at("activation_opens_at")?,
            claim_deadline: at("claim_deadline")?,
            voting_opens_at: at("voting_opens_at")?,
            voting_closes_at: at("voting_closes_at")?,
        }))
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
}

/// The one calendar item, as the functions read it.
pub(crate) fn calendar_item(calendar: &Calendar) -> Item {
    let mut item = key(keys::calendar_key());
    item.insert("type".into(), s("calendar"));
    item.insert("activation_opens_at".into(), s(calendar.activation_opens_at.to_rfc3339()));
    item.insert("claim_deadline".into(), s(calendar.claim_deadline.to_rfc3339()));
    item.insert("voting_opens_at".into(), s(calendar.voting_opens_at.to_rfc3339()));
    item.insert("voting_closes_at".into(), s(calendar.voting_closes_at.to_rfc3339()));
    item.insert("updated_at".into(), s(Utc::now().to_rfc3339()));
    item
}

/// The items of a ballot: its META item then one item per candidate list.
pub(crate) fn scrutin_items(scrutin: &Scrutin) -> Vec<Item> {
    let mut meta = key(keys::scrutin_key(&scrutin.id));
    meta.insert("type".into(), s("scrutin"));
    meta.insert("scrutin_id".into(), s(&scrutin.id));
    meta.insert("name".into(), s(&scrutin.name));
    meta.insert("description".into(), s(&scrutin.description));
    let mut items = vec![meta];
    for list in &scrutin.candidate_lists {
        let mut item = key((keys::scrutin_pk(&scrutin.id), keys::candidate_list_sk(list.order)));
        item.insert("type".into(), s("candidate_list"));
        item.insert("list_id".into(), s(&list.id));
        item.insert("order".into(), n(list.order));
        item.insert("name".into(), s(&list.name));
        item.insert("organisation".into(), s(&list.organisation));
        let candidates = list
            .candidates
            .iter()
            .map(|c| {
                AttributeValue::M(HashMap::from([
                    ("rank".to_string(), n(c.rank)),
                    ("civility".to_string(), s(c.civility.as_str())),
                    ("first_name".to_string(), s(&c.first_name)),
                    ("last_name".to_string(), s(&c.last_name)),
                ]))
            })
            .collect();
        item.insert("candidates".into(), AttributeValue::L(candidates));
        items.push(item);
    }
    items
}

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

/// Creates the table and its index when missing (local emulator and first deploy checks); the
/// deployed table comes from `infra/template.yaml` with the same definition.
pub async fn ensure_table(client: &Client, table: &str) -> Result<bool, String> {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType,
        Projection, ProjectionType, ScalarAttributeType, TimeToLiveSpecification,
    };
    if client.describe_table().table_name(table).send().await.is_ok() {
        return Ok(false);
    }
    let attr = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .map_err(|e| e.to_string())
    };
    let key_el = |name: &str, t: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(t)
            .build()
            .map_err(|e| e.to_string())
    };
    let gsi = GlobalSecondaryIndex::builder()
        .index_name(keys::GSI1)
        .key_schema(key_el(keys::GSI1_PK, KeyType::Hash)?)
        .key_schema(key_el(keys::GSI1_SK, KeyType::Range)?)
        .projection(Projection::builder().projection_type(ProjectionType::All).build())
        .build()
        .map_err(|e| e.to_string())?;
    client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr(PK)?)
        .attribute_definitions(attr(SK)?)
        .attribute_definitions(attr(keys::GSI1_PK)?)
        .attribute_definitions(attr(keys::GSI1_SK)?)
        .key_schema(key_el(PK, KeyType::Hash)?)
        .key_schema(key_el(SK, KeyType::Range)?)
        .global_secondary_indexes(gsi)
        .send()
        .await
        .map_err(|e| DisplayErrorContext(e).to_string())?;
    client
        .update_time_to_live()
        .table_name(table)
        .time_to_live_specification(
            TimeToLiveSpecification::builder()
                .attribute_name(TTL)
                .enabled(true)
                .build()
                .map_err(|e| e.to_string())?,
        )
        .send()
        .await
        .map_err(|e| DisplayErrorContext(e).to_string())?;
    Ok(true)
}
