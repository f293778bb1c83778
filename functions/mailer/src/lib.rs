//! The events the `mailer` function takes, and what it answers:
//! - a batch of DynamoDB stream records (the outbox items, by key): each item is delivered in
//!   order; the first that must be tried again is reported in `batchItemFailures`, and the stream
//!   delivers it and those after it again (the ones done already are skipped then);
//! - SNS notifications carrying SES events: a permanent bounce or a complaint marks the address.
//!
//! Anything else is logged and ignored.

use std::sync::Arc;

use lambda_http::lambda_runtime::{self, service_fn, LambdaEvent};
use serde_json::{json, Value};
use shared::outbox::Bounce;
use shared::services::{Delivered, Delivery};

/// The outbox id of a stream record, if it is the insertion of an outbox item.
pub fn outbox_id(record: &Value) -> Option<&str> {
    if record["eventName"] != "INSERT" {
        return None;
    }
    record["dynamodb"]["Keys"]["pk"]["S"].as_str()?.strip_prefix("OUTBOX#")
}

/// The addresses an SES event (as SNS carries it) reports as bouncing for good or complaining,
/// with the kind and SES's diagnostic.
pub fn bounces_in(message: &Value, at_ms: i64) -> Vec<Bounce> {
    let kind = message["eventType"].as_str().or(message["notificationType"].as_str());
    let (kind, recipients) = match kind {
        Some("Bounce") if message["bounce"]["bounceType"] == "Permanent" => {
            ("bounce", &message["bounce"]["bouncedRecipients"])
        }
        Some("Complaint") => ("complaint", &message["complaint"]["complainedRecipients"]),
        _ => return Vec::new(),
    };
    recipients
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| {
            let email = r["emailAddress"].as_str()?.trim().to_lowercase();
            let detail = r["diagnosticCode"].as_str().unwrap_or_default();
            Some(Bounce {
                email,
                kind: kind.to_string(),
                at_ms,
                detail: detail.chars().take(300).collect(),
            })
        })
        .collect()
}

/// Handles one invocation.
pub async fn handle(delivery: &Delivery, event: Value, now_ms: i64) -> Value {
    let records = event["Records"].as_array().cloned().unwrap_or_default();
    let mut failures = Vec::new();
    for record in &records {
        if record["eventSource"] == "aws:dynamodb" {
            let Some(id) = outbox_id(record) else { continue };
            let outcome = match delivery.deliver(id).await {
                Ok(outcome) => outcome,
                Err(e) => Delivered::Retry(e.to_string()),
            };
            if let Delivered::Retry(why) = outcome {
                tracing::info!(outbox_id = id, why, "to be delivered again");
                let sequence = record["dynamodb"]["SequenceNumber"].as_str().unwrap_or(id);
                failures.push(json!({ "itemIdentifier": sequence }));
                break;
            }
        } else if record["EventSource"] == "aws:sns" {
            let message: Value = record["Sns"]["Message"]
                .as_str()
                .and_then(|m| serde_json::from_str(m).ok())
                .unwrap_or(Value::Null);
            for bounce in bounces_in(&message, now_ms) {
                if let Err(e) = delivery.record_bounce(&bounce).await {
                    tracing::error!(error = %e, "bounce not recorded");
                }
            }
        } else {
            tracing::warn!("record of an unknown source, ignored");
        }
    }
    json!({ "batchItemFailures": failures })
}

/// The function: the production wiring, then one [`handle`] per invocation.
pub async fn run() -> Result<(), lambda_http::Error> {
    lambda_edge::telemetry::init();
    let wiring = match lambda_edge::runtime::wiring_from_env().await {
        Ok(wiring) => wiring,
        Err(e) => {
            tracing::error!(function = "mailer", error = %e, "cold start stopped: invalid configuration");
            return Err(e.into());
        }
    };
    let delivery = Arc::new(Delivery::new(&wiring));
    let clock = wiring.clock.clone();
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let (delivery, clock) = (delivery.clone(), clock.clone());
        async move {
            let now_ms = clock.now().timestamp_millis();
            Ok::<Value, lambda_runtime::Error>(handle(&delivery, event.payload, now_ms).await)
        }
    }))
    .await
}
