use thiserror::Error;

/// Why a ballot, a record or a proof is refused. Each variant names the check that failed, so a
/// verifier can say which one.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum VoteError {
    #[error("invalid encoding: {0}")]
    Encoding(String),
    #[error("the ballot is for another election (fingerprint {0})")]
    WrongElection(String),
    #[error("unknown scrutin {0}")]
    UnknownScrutin(String),
    #[error("the ballot has {found} choices, the scrutin {expected}")]
    WrongChoiceCount { expected: usize, found: usize },
    #[error("the proof of choice {0} (0 or 1) does not verify")]
    ChoiceProof(usize),
    #[error("the proof that exactly one choice is made does not verify")]
    SumProof,
    #[error("the credential's signature does not verify")]
    Signature,
    #[error("invalid voting code: {0}")]
    Code(&'static str),
    #[error("invalid election record: {0}")]
    Record(String),
    #[error("key ceremony: {0}")]
    Keys(String),
    #[error("board file: {0}")]
    Board(String),
}
