//! Domain of the espace-electeur portal.
//!
//! What lives here: the voter lifecycle (roll → activation → active account), the newtypes that
//! validate input at the edge, the ports the services talk to (store, mailer, clock), one service
//! per use case, and the adapters (DynamoDB, SES v2, in memory). Each Lambda in `functions/` is a
//! thin binary around one of these services; the HTTP plumbing they share is in [`http`].

pub mod calendar;
pub mod config;
pub mod dynamo;
pub mod error;
pub mod http;
pub mod keys;
pub mod mail;
pub mod memory;
pub mod model;
pub mod ports;
pub mod questions;
pub mod routes;
pub mod runtime;
pub mod secrets;
pub mod service;
pub mod ses;
pub mod telemetry;
pub mod tokens;
pub mod validate;
pub mod views;

pub use config::Config;
pub use error::DomainError;
