//! The voter journey through the HTTP API, one module per concern. Tests here run in parallel;
//! each seeds its own voters. Tests that change the election calendar live in `phases.rs`.

mod assistance;
mod bad_input;
mod claims_export;
mod concurrency;
mod full_journey;
mod help_texts;
mod lockout;
mod mail_cap;
mod no_disclosure;
mod sessions;
mod skip_activation;
mod tokens;
