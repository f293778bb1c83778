//! electeur-cles: see docs/vote-protocol.md.

fn main() {
    eprintln!("electeur-cles: not written yet");
    std::process::exit(2);
}
