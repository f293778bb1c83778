//! Domain of the espace-electeur portal.
//!
//! What lives here: the voter lifecycle (roll → activation → active account), the newtypes that
//! validate input at the edge, the ports the services talk to (store, mailer, clock), the services
//! (one method per use case), the texts voters read, tokens and secrets. Nothing here knows AWS or
//! Lambda: the adapters (`store-dynamodb`, `mailer-ses`) implement the ports, and `lambda-edge`
//! turns HTTP requests into service calls. `docs/architecture.md` draws the crates.

pub mod audit;
pub mod calendar;
pub mod config;
pub mod error;
pub mod help;
pub mod mail;
#[cfg(feature = "test-support")]
pub mod memory;
pub mod model;
pub mod outbox;
pub mod ports;
pub mod questions;
pub mod roll;
pub mod secrets;
pub mod services;
pub mod texts;
pub mod tokens;
pub mod validate;
pub mod views;

pub use config::{Config, ConfigError};
pub use error::DomainError;
