//! The table as `ensure_table` makes it on the local emulator: its stream (each item's new image,
//! which the mailer reads), also turned on for a table made before the table had one.

use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    StreamViewType,
};
use local_emulator::Emulator;

async fn stream_of(client: &aws_sdk_dynamodb::Client, table: &str) -> Option<StreamViewType> {
    let found = client.describe_table().table_name(table).send().await.expect("describe");
    let spec = found.table()?.stream_specification()?;
    spec.stream_enabled().then(|| spec.stream_view_type().cloned()).flatten()
}

#[tokio::test]
async fn a_new_table_has_a_stream_of_new_images() {
    let client = Emulator::shared().client();
    let table = format!("table-new-{}", std::process::id());
    assert!(store_dynamodb::ensure_table(&client, &table).await.expect("create"));
    assert_eq!(stream_of(&client, &table).await, Some(StreamViewType::KeysOnly));
    // A second call finds the table as it is and changes nothing.
    assert!(!store_dynamodb::ensure_table(&client, &table).await.expect("again"));
    assert_eq!(stream_of(&client, &table).await, Some(StreamViewType::KeysOnly));
}

#[tokio::test]
async fn a_table_without_a_stream_gets_one() {
    let client = Emulator::shared().client();
    let table = format!("table-old-{}", std::process::id());
    let key = |name: &str, t| KeySchemaElement::builder().attribute_name(name).key_type(t).build();
    let attr = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
    };
    client
        .create_table()
        .table_name(&table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attr("pk").unwrap())
        .attribute_definitions(attr("sk").unwrap())
        .key_schema(key("pk", KeyType::Hash).unwrap())
        .key_schema(key("sk", KeyType::Range).unwrap())
        .send()
        .await
        .expect("create a table without a stream");
    assert_eq!(stream_of(&client, &table).await, None);
    assert!(!store_dynamodb::ensure_table(&client, &table).await.expect("ensure"));
    assert_eq!(stream_of(&client, &table).await, Some(StreamViewType::KeysOnly));
}
