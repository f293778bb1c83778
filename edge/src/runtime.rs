//! Cold start of a function: configuration, SDK clients (built once, reused by every request),
//! the function's service wired to DynamoDB, SES and the wall clock, and the request loop.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use mailer_ses::SesMailer;
use shared::config::{Config, ConfigError};
use shared::ports::{Calendars, SystemClock};
use shared::services::Wiring;
use store_dynamodb::DynamoStore;

use crate::http::{self, Reply, Request};

/// The adapters of production, from the environment; an error when a setting is not valid.
pub async fn wiring_from_env() -> Result<Wiring<DynamoStore>, ConfigError> {
    let config = Config::from_env()?;
    let aws = aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await;
    let store = DynamoStore::new(aws_sdk_dynamodb::Client::new(&aws), config.table_name.clone())
        .with_vote_tables(config.urne_table_name.clone(), config.emargement_table_name.clone())
        .with_audit_retention(config.audit_retention.as_secs());
    let mailer = SesMailer::new(
        aws_sdk_sesv2::Client::new(&aws),
        config.mail_from.clone(),
        config.ses_configuration_set.clone(),
    );
    Ok(Wiring {
        store: Arc::new(store),
        mailer: Arc::new(mailer),
        clock: Arc::new(SystemClock),
        config,
    })
}

/// Runs a function: logs, its service built by `build` from the production wiring, then
/// `handler` for every request. Once ready it logs `cold start done` with how long the
/// configuration and SDK clients took and how long the warm-up (the first DynamoDB request) took,
/// in milliseconds.
pub async fn run<S, B, H, F>(
    function: &'static str,
    build: B,
    handler: H,
) -> Result<(), lambda_http::Error>
where
    S: Send + Sync + 'static,
    B: FnOnce(&Wiring<DynamoStore>) -> S,
    H: Fn(Arc<S>, Request) -> F + Send + Sync + 'static,
    F: Future<Output = Reply> + Send + 'static,
{
    let started = Instant::now();
    crate::telemetry::init();
    // A setting that is not valid stops the cold start: no request is served with a default in
    // its place.
    let wiring = match wiring_from_env().await {
        Ok(wiring) => wiring,
        Err(e) => {
            tracing::error!(function, error = %e, "cold start stopped: invalid configuration");
            return Err(e.into());
        }
    };
    let service = Arc::new(build(&wiring));
    let clients = started.elapsed();
    // Work done once at cold start rather than in the first voter's request: the connection (and
    // in AWS the TLS session) to DynamoDB, opened by reading the calendar.
    if let Err(e) = wiring.store.calendar().await {
        tracing::warn!(function, error = %e, "calendar not readable at start");
    }
    let warmup = started.elapsed() - clients;
    tracing::info!(
        function,
        clients_ms = clients.as_secs_f64() * 1e3,
        warmup_ms = warmup.as_secs_f64() * 1e3,
        "cold start done"
    );
    let portal_origin = http::origin_of(&wiring.config.portal_base_url);
    http::serve(function, portal_origin, service, handler).await
}
