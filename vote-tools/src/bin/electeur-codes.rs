//! electeur-codes: see docs/vote-protocol.md.

fn main() {
    eprintln!("electeur-codes: not written yet");
    std::process::exit(2);
}
