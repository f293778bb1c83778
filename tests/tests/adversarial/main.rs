//! The portal tried as an attacker would, through the HTTP API of the running stack: one module
//! per rule of `docs/security.md`, each test written to fail if its rule is broken.

mod address_change;
mod audit;
mod claims_cap;
mod cross_site;
mod guessing;
mod headers;
mod link_tokens;
mod lockout;
mod malformed;
