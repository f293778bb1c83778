//! The table itself: its creation where it is missing.

use aws_sdk_dynamodb::error::DisplayErrorContext;
use aws_sdk_dynamodb::Client;

use crate::keys::{self, PK, SK, TTL};

/// The table's stream: each written item's new image, which the mailer reads through the Streams
/// API (as `infra/template.yaml` declares it).
/// The stream the `mailer` function reads the outbox from: keys only, so that no mail's text (a
/// link's secret) is copied into it; the mailer reads the item itself.
fn stream_spec() -> Result<aws_sdk_dynamodb::types::StreamSpecification, String> {
    use aws_sdk_dynamodb::types::{StreamSpecification, StreamViewType};
    StreamSpecification::builder()
        .stream_enabled(true)
        .stream_view_type(StreamViewType::KeysOnly)
        .build()
        .map_err(|e| e.to_string())
}

/// A string attribute of a key.
fn attr(name: &str) -> Result<aws_sdk_dynamodb::types::AttributeDefinition, String> {
    aws_sdk_dynamodb::types::AttributeDefinition::builder()
        .attribute_name(name)
        .attribute_type(aws_sdk_dynamodb::types::ScalarAttributeType::S)
        .build()
        .map_err(|e| e.to_string())
}

/// One element of a key schema.
fn key_el(
    name: &str,
    t: aws_sdk_dynamodb::types::KeyType,
) -> Result<aws_sdk_dynamodb::types::KeySchemaElement, String> {
    aws_sdk_dynamodb::types::KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(t)
        .build()
        .map_err(|e| e.to_string())
}

/// Creates the table, its index and its stream when missing (local emulator and first deploy
/// checks), and turns the stream on for a table made before it had one; the deployed table comes
/// from `infra/template.yaml` with the same definition. True when the table was created.
pub async fn ensure_table(client: &Client, table: &str) -> Result<bool, String> {
    use aws_sdk_dynamodb::types::{
        BillingMode, GlobalSecondaryIndex, KeyType, Projection, ProjectionType,
        TimeToLiveSpecification,
    };
    if let Ok(found) = client.describe_table().table_name(table).send().await {
        let streaming = found
            .table()
            .and_then(|t| t.stream_specification())
            .is_some_and(|s| s.stream_enabled());
        if !streaming {
            client
                .update_table()
                .table_name(table)
                .stream_specification(stream_spec()?)
                .send()
                .await
                .map_err(|e| DisplayErrorContext(e).to_string())?;
        }
        return Ok(false);
    }
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
        .stream_specification(stream_spec()?)
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

/// Creates the urne's and the émargement's tables when missing (`pk`, `sk`; the urne with its
/// `board` index, on the slots that hold a ballot). Neither has a stream: nothing records when a
/// ballot was written. True when one was created.
pub async fn ensure_vote_tables(
    client: &Client,
    urne: &str,
    emargement: &str,
) -> Result<bool, String> {
    use aws_sdk_dynamodb::types::{
        BillingMode, GlobalSecondaryIndex, KeyType, Projection, ProjectionType,
    };
    let mut created = false;
    for (table, with_board) in [(urne, true), (emargement, false)] {
        if client.describe_table().table_name(table).send().await.is_ok() {
            continue;
        }
        let mut req = client
            .create_table()
            .table_name(table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attr(PK)?)
            .attribute_definitions(attr(SK)?)
            .key_schema(key_el(PK, KeyType::Hash)?)
            .key_schema(key_el(SK, KeyType::Range)?);
        if with_board {
            let gsi = GlobalSecondaryIndex::builder()
                .index_name(keys::BOARD_INDEX)
                .key_schema(key_el(keys::BOARD_PK, KeyType::Hash)?)
                .key_schema(key_el(keys::BOARD_SK, KeyType::Range)?)
                .projection(
                    Projection::builder()
                        .projection_type(ProjectionType::Include)
                        .non_key_attributes("tracker")
                        .build(),
                )
                .build()
                .map_err(|e| e.to_string())?;
            req = req
                .attribute_definitions(attr(keys::BOARD_PK)?)
                .attribute_definitions(attr(keys::BOARD_SK)?)
                .global_secondary_indexes(gsi);
        }
        req.send().await.map_err(|e| DisplayErrorContext(e).to_string())?;
        created = true;
    }
    Ok(created)
}
