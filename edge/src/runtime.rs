//! Cold start of a function: configuration, SDK clients (built once, reused by every request) and
//! the request loop.

use std::future::Future;
use std::sync::Arc;

use shared::config::{Config, ConfigError};
use store_dynamodb::DynamoStore;
use crate::http::{self, Reply, Request};
use shared::ports::SystemClock;
use shared::service::Portal;
use mailer_ses::SesMailer;

/// The portal wired to DynamoDB, SES and the wall clock, from the environment; an error when a
/// setting is not valid.
pub async fn portal_from_env() -> Result<Portal, ConfigError> {
    let config = Config::from_env()?;
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), config.table_name.clone());
    let mailer = SesMailer::new(
        aws_sdk_sesv2::Client::new(&aws),
        config.mail_from.clone(),
        config.ses_configuration_set.clone(),
    );
    Ok(Portal::new(Arc::new(store), Arc::new(mailer), Arc::new(SystemClock), config))
}

/// Runs a function: logs, portal, then `handler` for every request.
pub async fn run<H, F>(function: &'static str, handler: H) -> Result<(), lambda_http::Error>
where
    H: Fn(Arc<Portal>, Request) -> F + Send + Sync + 'static,
    F: Future<Output = Reply> + Send + 'static,
{
    crate::telemetry::init();
    // A setting that is not valid stops the cold start: no request is served with a default in
    // its place.
    let portal = match portal_from_env().await {
        Ok(portal) => Arc::new(portal),
        Err(e) => {
            tracing::error!(function, error = %e, "cold start stopped: invalid configuration");
            return Err(e.into());
        }
    };
    // Work done once at cold start rather than in the first voter's request: the dummy hash, and
    // the connection (and in AWS the TLS session) to DynamoDB, opened by reading the calendar.
    tokio::task::spawn_blocking(shared::secrets::dummy_hash).await.ok();
    if let Err(e) = portal.calendar().await {
        tracing::warn!(function, error = %e, "calendar not readable at start");
    }
    http::serve(function, portal, handler).await
}
