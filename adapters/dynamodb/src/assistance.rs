//! Assistance requests: one partition of requests, one window item per identifier, and the
//! outbox mails that go with them.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, Put, TransactWriteItem, Update};
use chrono::{DateTime, Utc};

use crate::admin::JournalEntry;
use crate::item::*;
use crate::keys::{self, TTL};
use crate::DynamoStore;
use shared::model::{AssistanceRequest, AssistanceStatus, AssistanceSubject, AssistanceWindow};
use shared::outbox::OutboxMail;
use shared::ports::{AssistanceFollowUp, AssistanceRequests, StoreError, StoreResult};

const DAY: i64 = 86_400;

fn date(item: &Item, name: &str) -> StoreResult<Option<DateTime<Utc>>> {
    get_s(item, name)
        .map(|d| {
            DateTime::parse_from_rfc3339(&d)
                .map(|d| d.with_timezone(&Utc))
                .map_err(|e| StoreError::Backend(format!("bad assistance date: {e}")))
        })
        .transpose()
}

fn request_from(item: &Item) -> StoreResult<AssistanceRequest> {
    Ok(AssistanceRequest {
        reference: req_s(item, "reference")?,
        identifier: req_s(item, "identifier")?,
        voter_id: get_s(item, "voter_id"),
        from_session: item.get("from_session").and_then(|v| v.as_bool().ok()).copied()
            == Some(true),
        subject: AssistanceSubject::parse(&req_s(item, "subject")?)
            .ok_or_else(|| StoreError::Backend("bad assistance subject".into()))?,
        message: req_s(item, "message")?,
        created_at: date(item, "created_at")?
            .ok_or_else(|| StoreError::Backend("assistance request without date".into()))?,
        status: if get_s(item, "status").as_deref() == Some("answered") {
            AssistanceStatus::Answered
        } else {
            AssistanceStatus::Open
        },
        answered_at: date(item, "answered_at")?,
        answered_by: get_s(item, "answered_by"),
        answer: get_s(item, "answer"),
    })
}

impl DynamoStore {
    fn assistance_item(&self, r: &AssistanceRequest) -> Item {
        let mut item = key(keys::assistance_key(&r.reference));
        item.insert("type".into(), s("assistance"));
        item.insert("reference".into(), s(&r.reference));
        item.insert("identifier".into(), s(&r.identifier));
        if let Some(id) = &r.voter_id {
            item.insert("voter_id".into(), s(id));
        }
        item.insert("from_session".into(), AttributeValue::Bool(r.from_session));
        item.insert("subject".into(), s(r.subject.as_str()));
        item.insert("message".into(), s(&r.message));
        item.insert("created_at".into(), s(r.created_at.to_rfc3339()));
        item.insert("status".into(), s(r.status.as_str()));
        // Kept as long as the security trail, then DynamoDB's TTL removes it.
        item.insert(TTL.into(), n(r.created_at.timestamp() + self.audit_retention() as i64));
        item
    }
}

#[async_trait]
impl AssistanceRequests for DynamoStore {
    async fn assistance_window(&self, identifier_hash: &str) -> StoreResult<AssistanceWindow> {
        Ok(match self.get(keys::assistance_window_key(identifier_hash), true).await? {
            Some(item) => AssistanceWindow {
                version: get_n(&item, "version").unwrap_or(0),
                sent_at: get_numbers(&item, "sent_at"),
            },
            None => AssistanceWindow::default(),
        })
    }

    async fn file_assistance(
        &self,
        request: &AssistanceRequest,
        identifier_hash: &str,
        seen: &AssistanceWindow,
        sent_at: &[i64],
        acknowledgement: Option<&OutboxMail>,
    ) -> StoreResult<()> {
        let mut window = key(keys::assistance_window_key(identifier_hash));
        window.insert("type".into(), s("assistance_window"));
        window.insert("version".into(), n(seen.version + 1));
        window.insert("sent_at".into(), numbers(sent_at));
        let last = sent_at.iter().copied().max().unwrap_or(request.created_at.timestamp());
        window.insert(TTL.into(), n(last + DAY));
        let window_put = if seen.version == 0 {
            self.put(window, Some("attribute_not_exists(pk)"))?
        } else {
            built(
                Put::builder()
                    .table_name(&self.table)
                    .set_item(Some(window))
                    .condition_expression("version = :seen")
                    .expression_attribute_values(":seen", n(seen.version))
                    .build(),
            )?
        };
        let mut writes = vec![
            TransactWriteItem::builder().put(window_put).build(),
            TransactWriteItem::builder()
                .put(self.put(self.assistance_item(request), Some("attribute_not_exists(pk)"))?)
                .build(),
        ];
        if let Some(mail) = acknowledgement {
            writes.push(self.put_outbox(mail)?);
        }
        self.transact(writes).await
    }
}

#[async_trait]
impl AssistanceFollowUp for DynamoStore {
    async fn assistance_request(&self, reference: &str) -> StoreResult<Option<AssistanceRequest>> {
        self.get(keys::assistance_key(reference), true).await?.map(|i| request_from(&i)).transpose()
    }

    async fn assistance_requests(&self) -> StoreResult<Vec<AssistanceRequest>> {
        let mut all: Vec<AssistanceRequest> = self
            .partition(&keys::assistance_pk(), true)
            .await?
            .iter()
            .map(request_from)
            .collect::<StoreResult<_>>()?;
        all.sort_by(|a, b| (a.created_at, &a.reference).cmp(&(b.created_at, &b.reference)));
        Ok(all)
    }

    async fn answer_assistance(
        &self,
        reference: &str,
        at: DateTime<Utc>,
        by: &str,
        text: &str,
        answer: &OutboxMail,
    ) -> StoreResult<()> {
        let update = built(
            Update::builder()
                .table_name(&self.table)
                .set_key(Some(key(keys::assistance_key(reference))))
                .update_expression(
                    "SET #status = :answered, answered_at = :at, answered_by = :by, answer = :text",
                )
                .condition_expression("attribute_exists(pk) AND #status = :open")
                .expression_attribute_names("#status", "status")
                .expression_attribute_values(":answered", s("answered"))
                .expression_attribute_values(":open", s("open"))
                .expression_attribute_values(":at", s(at.to_rfc3339()))
                .expression_attribute_values(":by", s(by))
                .expression_attribute_values(":text", s(text))
                .build(),
        )?;
        let mut entry = JournalEntry::new(by, "assistance-answer", reference, "");
        entry.at = at;
        self.transact(vec![
            TransactWriteItem::builder().update(update).build(),
            self.put_outbox(answer)?,
            self.journal_put(&entry)?,
        ])
        .await
    }
}
