//! What the vote's command-line tools share (files, output).

pub mod codes;
pub mod generate;
pub mod holder;
