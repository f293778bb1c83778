//! The vote protocol of `docs/vote-protocol.md`, section by section: encodings and transcripts
//! (§1), the election record (§2), voting codes and credentials (§3), ballots (§4), keys (§6),
//! the count and its verification (§8). No I/O and no AWS type: the portal's functions, the key
//! holders' and the credential authority's commands and the verifier all use this crate.

pub mod ballot;
pub mod board;
pub mod credential;
pub mod encoding;
pub mod error;
pub mod keys;
pub mod record;
pub mod tally;
pub mod transcript;

pub use error::VoteError;
