//! electeur-verif: see docs/vote-protocol.md.

fn main() {
    eprintln!("electeur-verif: not written yet");
    std::process::exit(2);
}
