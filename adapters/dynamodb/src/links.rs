//! Mailed links (token items) and the transactions that end them.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{TransactWriteItem, Update};

use crate::keys::{self, PK, TTL};
use shared::audit::{AuditEvent, AuditKind};
use shared::model::{AccountStatus, SessionRecord, TokenPurpose, TokenRecord, Voter};
use shared::outbox::OutboxMail;
use shared::ports::{AccountOpening, Activation, LinkTokens, StoreError, StoreResult};

use crate::item::*;
use crate::DynamoStore;

impl DynamoStore {
    /// The update that uses a link once: unused, unexpired, this voter's and purpose's, and with
    /// the password read on it (an unlock link, which sets no password, with none).
    pub(crate) fn consume_token(&self, token: &TokenRecord, now: i64) -> StoreResult<Update> {
        let unused = "attribute_not_exists(consumed_at) AND expires_at > :now AND voter_id = :vid AND purpose = :purpose";
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key(keys::token_key(&token.hash))))
            // The pending password leaves the link with its use: after a visit without
            // activation it would otherwise stay on the token item for days.
            .update_expression("SET consumed_at = :now REMOVE pending_password_hash")
            .expression_attribute_values(":now", n(now))
            .expression_attribute_values(":vid", s(&token.voter_id))
            .expression_attribute_values(":purpose", s(token.purpose.as_str()));
        // A link that sets a password is used with the one read on it (none read: refused); an
        // unlock link carries none.
        let update = if token.purpose == TokenPurpose::Unlock {
            update.condition_expression(format!(
                "{unused} AND attribute_not_exists(pending_password_hash)"
            ))
        } else {
            let ph = token.pending_password_hash.clone().unwrap_or_default();
            update
                .condition_expression(format!("{unused} AND pending_password_hash = :ph"))
                .expression_attribute_values(":ph", s(ph))
        };
        built(update.build())
    }

    /// The put of a new token item; it must not exist.
    pub(crate) fn put_token(&self, token: &TokenRecord) -> StoreResult<TransactWriteItem> {
        let mut item = key(keys::token_key(&token.hash));
        item.insert("type".into(), s("token"));
        item.insert("voter_id".into(), s(&token.voter_id));
        item.insert("purpose".into(), s(token.purpose.as_str()));
        item.insert("generation".into(), n(token.generation));
        item.insert("created_at".into(), n(token.created_at));
        item.insert("expires_at".into(), n(token.expires_at));
        item.insert(TTL.into(), n(token.expires_at + KEEP_AFTER_EXPIRY));
        let put = self.put(item, Some("attribute_not_exists(pk)"))?;
        Ok(TransactWriteItem::builder().put(put).build())
    }

    /// The transaction that ends a mailed link: consumes the token, changes the voter, opens a
    /// session and records the step (`kind`) in the voter's trail. Nothing of it is written unless
    /// every condition holds.
    pub(crate) async fn consume_token_with(
        &self,
        token: &TokenRecord,
        voter: Update,
        session: &SessionRecord,
        now: i64,
        kind: AuditKind,
    ) -> StoreResult<()> {
        self.transact(vec![
            TransactWriteItem::builder().update(self.consume_token(token, now)?).build(),
            TransactWriteItem::builder().update(voter).build(),
            self.put_session(session)?,
            self.audit_put(&AuditEvent::new(&token.voter_id, kind, now, None))?,
        ])
        .await
    }
}

pub(crate) fn token_from(item: &Item) -> StoreResult<TokenRecord> {
    let pk = req_s(item, PK)?;
    Ok(TokenRecord {
        hash: keys::token_hash_of(&pk).to_string(),
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

#[async_trait]
impl LinkTokens for DynamoStore {
    async fn issue_token(
        &self,
        voter: &Voter,
        expected_generation: u64,
        mail_sent_at: &[i64],
        token: &TokenRecord,
        mail: &OutboxMail,
    ) -> StoreResult<()> {
        let update = built(
            Update::builder()
                .table_name(&self.table)
                .set_key(Some(key(keys::voter_key(&voter.roll.voter_id))))
                .update_expression("SET token_gen = :new, mail_sent_at = :sent")
                .condition_expression("token_gen = :old")
                .expression_attribute_values(":new", n(expected_generation + 1))
                .expression_attribute_values(":old", n(expected_generation))
                .expression_attribute_values(":sent", numbers(mail_sent_at))
                .build(),
        )?;
        let asked = AuditEvent::new(
            &token.voter_id,
            AuditKind::asked(token.purpose),
            token.created_at,
            None,
        );
        self.transact(vec![
            TransactWriteItem::builder().update(update).build(),
            self.put_token(token)?,
            self.put_outbox(mail)?,
            self.audit_put(&asked)?,
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
}

#[async_trait]
impl AccountOpening for DynamoStore {
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
        self.consume_token_with(token, voter, session, now, AuditKind::AccountActivated).await
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
        self.consume_token_with(token, voter, session, now, AuditKind::AccessWithoutActivation)
            .await
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
        self.consume_token_with(token, voter, session, now, AuditKind::ReassortUsed).await
    }
}
