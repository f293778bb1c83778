//! The shared test vectors of `vectors/v1.json`, checked here and by the browser's code
//! (`functions/portal/assets/vote/ballot.test.mjs`). `UPDATE_VECTORS=1 cargo test -p vote --test
//! vectors` writes them again (new random ballots; every derived value must still match).

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE as G;
use rand::SeedableRng;
use serde_json::{json, Value};
use vote::ballot::{encrypt, encrypt_vector, Ballot};
use vote::credential::{normalise_code, Credential};
use vote::encoding::{from_hex32, to_hex, Num, Point};
use vote::record::{ElectionRecord, ScrutinRecord, SealedRecord};
use vote::transcript::{hash_to_bytes, hash_to_scalar, Part};

const PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/v1.json");

fn parts(v: &Value) -> (Vec<String>, Vec<Vec<u8>>) {
    // strings and byte strings kept apart so that `Part`s can borrow them
    let (mut s, mut b) = (vec![], vec![]);
    for p in v.as_array().unwrap() {
        if let Some(x) = p.get("str") {
            s.push(x.as_str().unwrap().to_string());
        } else if let Some(x) = p.get("bytes") {
            let h = x.as_str().unwrap();
            b.push(
                (0..h.len())
                    .step_by(2)
                    .map(|j| u8::from_str_radix(&h[j..j + 2], 16).unwrap())
                    .collect(),
            );
        }
    }
    (s, b)
}

fn transcript_parts<'a>(v: &Value, s: &'a [String], b: &'a [Vec<u8>]) -> Vec<Part<'a>> {
    let (mut si, mut bi) = (0, 0);
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            if p.get("str").is_some() {
                si += 1;
                Part::Str(&s[si - 1])
            } else if p.get("bytes").is_some() {
                bi += 1;
                Part::Bytes(&b[bi - 1])
            } else {
                Part::Index(p["index"].as_u64().unwrap() as u32)
            }
        })
        .collect()
}

fn generate() -> Value {
    let mut rng = rand::rngs::StdRng::seed_from_u64(2026);
    let transcripts = [
        ("choice", json!([{"str": "S1"}, {"index": 3}, {"bytes": "00ff10"}])),
        ("credential", json!([{"str": "ce2026-demo"}, {"str": "7KQ2M4XD01119ZZZ"}])),
        ("vide", json!([])),
        ("é", json!([{"str": "électeur"}, {"bytes": ""}, {"index": 4294967295u32}])),
    ];
    let transcript: Vec<Value> = transcripts
        .iter()
        .map(|(tag, p)| {
            let (s, b) = parts(p);
            let ps = transcript_parts(p, &s, &b);
            json!({"tag": tag, "parts": p, "hs": Num(hash_to_scalar(tag, &ps)).hex(), "hb": to_hex(&hash_to_bytes(tag, &ps))})
        })
        .collect();
    let codes: Vec<Value> = ["7kq2-m4xd-o1il-9zzz", "0000 0000 0000 0001", "ZZZZ-ZZZZ-ZZZZ-ZZZZ"]
        .iter()
        .map(|typed| {
            let c = Credential::from_code("ce2026-demo", typed).unwrap();
            json!({"election": "ce2026-demo", "typed": typed, "normalised": normalise_code(typed).unwrap(),
                   "secret": Num(c.secret).hex(), "public": c.public.hex()})
        })
        .collect();
    // a whole key ceremony (§6.1): the presidency and three delegates
    let (trustees, y, fragments) =
        vote::keys::ceremony("ce2026-demo", &["Délégué A", "Délégué B", "Délégué C"], &mut rng)
            .unwrap();
    let x = fragments[0].secret.0
        + vote::keys::lagrange_at_zero(1, &[1, 2]) * fragments[1].secret.0
        + vote::keys::lagrange_at_zero(2, &[1, 2]) * fragments[2].secret.0;
    assert_eq!(Point::new(&x * G), y);
    let record = SealedRecord::seal(ElectionRecord {
        version: 1,
        election: "ce2026-demo".into(),
        name: "Élections professionnelles 2026 (vecteurs)".into(),
        group: "ristretto255".into(),
        public_key: y,
        trustees,
        scrutins: vec![
            ScrutinRecord {
                id: "CTM".into(),
                name: "Comité social ministériel".into(),
                choices: ["L1", "L2", "L3", "L4", "L5", "L6", "L7", "L8", "blanc"]
                    .map(String::from)
                    .to_vec(),
            },
            ScrutinRecord {
                id: "CAPA".into(),
                name: "CAPA".into(),
                choices: ["L1", "L2", "blanc"].map(String::from).to_vec(),
            },
        ],
    });
    let cred = Credential::from_code("ce2026-demo", "7kq2-m4xd-o1il-9zzz").unwrap();
    let other = Credential::from_code("ce2026-demo", "0000 0000 0000 0001").unwrap();
    let mut ballots = vec![];
    for (scrutin, choice) in [("CTM", "L3"), ("CTM", "blanc"), ("CAPA", "L1")] {
        let b = encrypt(&record, scrutin, choice, &cred, &mut rng).unwrap();
        ballots.push(json!({"scrutin": scrutin, "choice": choice, "code": "7kq2-m4xd-o1il-9zzz",
            "ballot": b, "digest": b.digest_hex(&record), "tracker": b.tracker(&record)}));
    }
    let good = encrypt(&record, "CAPA", "L2", &cred, &mut rng).unwrap();
    let mut invalid = vec![];
    let mut copied = good.clone();
    copied.credential = other.public;
    invalid.push(
        json!({"why": "copied under another credential", "error": "choice 0", "ballot": copied}),
    );
    let mut moved = good.clone();
    moved.scrutin = "CTM".into();
    invalid.push(json!({"why": "moved to another scrutin", "error": "count", "ballot": moved}));
    let two = encrypt_vector(&record, "CAPA", &[true, true, false], &cred, &mut rng).unwrap();
    invalid.push(json!({"why": "two choices", "error": "sum", "ballot": two}));
    let mut resigned = good.clone();
    resigned.signature = encrypt(&record, "CAPA", "L2", &other, &mut rng).unwrap().signature;
    invalid.push(
        json!({"why": "signature of another code", "error": "signature", "ballot": resigned}),
    );
    let mut swapped = good.clone();
    swapped.choices.swap(0, 1);
    invalid.push(json!({"why": "ciphertexts swapped", "error": "choice 0", "ballot": swapped}));
    // §8: a closed election of two ballots in CAPA, its board file, the partial decryptions of
    // the presidency and delegates 1 and 3, the results
    let third = Credential::from_code("ce2026-demo", "ZZZZ-ZZZZ-ZZZZ-ZZZZ").unwrap();
    let mut credentials = std::collections::BTreeMap::new();
    let mut capa: Vec<String> = [&cred, &other, &third].iter().map(|c| c.public.hex()).collect();
    capa.sort();
    credentials.insert("CAPA".to_string(), capa);
    let mut urne = std::collections::BTreeMap::new();
    urne.insert(
        "CAPA".to_string(),
        vec![
            encrypt(&record, "CAPA", "L2", &cred, &mut rng).unwrap(),
            encrypt(&record, "CAPA", "L2", &other, &mut rng).unwrap(),
        ],
    );
    let emargement = vec![
        ("CAPA".to_string(), "A-0001".to_string()),
        ("CAPA".to_string(), "A-0002".to_string()),
    ];
    let sealed =
        vote::board::seal(&record, &credentials, &urne, &emargement, "2026-12-08T17:30:00Z")
            .unwrap();
    let board = vote::board::BoardFile::new(
        String::from_utf8(record.bytes.clone()).unwrap(),
        credentials,
        urne,
        sealed,
    )
    .unwrap();
    let board_text = String::from_utf8(board.to_bytes()).unwrap();
    let checked = vote::tally::check_board(board_text.as_bytes(), 1, &mut |_| {}).unwrap();
    let partials: Vec<_> = [0, 1, 3]
        .iter()
        .map(|&i| vote::tally::partial(&checked, &fragments[i], &mut rng).unwrap())
        .collect();
    let results = vote::tally::combine(&checked, &partials, None).unwrap();
    json!({
        "about": "Test vectors of docs/vote-protocol.md, version 1. Every ballot of `ballots` verifies; every ballot of `invalid` fails with the named check; `count` is a closed election (§8) whose board file and results verify.",
        "count": {"emargement": emargement, "board": board_text, "seal_digest": board.header.seal.digest, "results": results},
        "transcript": transcript,
        "codes": codes,
        "election_secret_key": Num(x).hex(),
        "record": String::from_utf8(record.bytes.clone()).unwrap(),
        "fingerprint": record.fingerprint_hex(),
        "ballots": ballots,
        "invalid": invalid,
    })
}

fn error_kind(e: &vote::VoteError) -> String {
    use vote::VoteError::*;
    match e {
        ChoiceProof(i) => format!("choice {i}"),
        SumProof => "sum".into(),
        Signature => "signature".into(),
        WrongChoiceCount { .. } => "count".into(),
        other => other.to_string(),
    }
}

#[test]
fn the_shared_vectors_hold() {
    if std::env::var("UPDATE_VECTORS").as_deref() == Ok("1") {
        let mut text = serde_json::to_string_pretty(&generate()).unwrap();
        text.push('\n');
        std::fs::write(PATH, text).unwrap();
    }
    let v: Value = serde_json::from_str(&std::fs::read_to_string(PATH).unwrap()).unwrap();
    for t in v["transcript"].as_array().unwrap() {
        let (s, b) = parts(&t["parts"]);
        let ps = transcript_parts(&t["parts"], &s, &b);
        let tag = t["tag"].as_str().unwrap();
        assert_eq!(Num(hash_to_scalar(tag, &ps)).hex(), t["hs"], "Hs of {tag}");
        assert_eq!(to_hex(&hash_to_bytes(tag, &ps)), t["hb"], "Hb of {tag}");
    }
    for c in v["codes"].as_array().unwrap() {
        let cred =
            Credential::from_code(c["election"].as_str().unwrap(), c["typed"].as_str().unwrap())
                .unwrap();
        assert_eq!(Num(cred.secret).hex(), c["secret"]);
        assert_eq!(cred.public.hex(), c["public"]);
    }
    let record =
        SealedRecord::from_bytes(v["record"].as_str().unwrap().as_bytes().to_vec()).unwrap();
    assert_eq!(record.fingerprint_hex(), v["fingerprint"]);
    let x = Num::parse(v["election_secret_key"].as_str().unwrap()).unwrap();
    assert_eq!(Point::new(&x.0 * G), record.record.public_key);
    vote::keys::check_record_keys(&record.record).unwrap();
    for b in v["ballots"].as_array().unwrap() {
        let ballot: Ballot = serde_json::from_value(b["ballot"].clone()).unwrap();
        assert_eq!(ballot.verify(&record), Ok(()), "{}", b["choice"]);
        assert_eq!(ballot.digest_hex(&record), b["digest"]);
        assert_eq!(ballot.tracker(&record), b["tracker"]);
        // decrypting with the key gives the choice
        let scrutin = record.scrutin(&ballot.scrutin).unwrap();
        let chosen: Vec<&str> = ballot
            .choices
            .iter()
            .zip(&scrutin.choices)
            .filter(|(c, _)| {
                c.beta.point - x.0 * c.alpha.point
                    != curve25519_dalek::ristretto::RistrettoPoint::default()
            })
            .map(|(_, name)| name.as_str())
            .collect();
        assert_eq!(chosen, vec![b["choice"].as_str().unwrap()]);
    }
    for b in v["invalid"].as_array().unwrap() {
        let ballot: Ballot = serde_json::from_value(b["ballot"].clone()).unwrap();
        let err = ballot.verify(&record).expect_err(b["why"].as_str().unwrap());
        assert_eq!(error_kind(&err), b["error"], "{}", b["why"]);
    }
    // ballots made by the browser's code, when present
    let browser = concat!(env!("CARGO_MANIFEST_DIR"), "/vectors/from-browser.json");
    if let Ok(text) = std::fs::read_to_string(browser) {
        let v: Value = serde_json::from_str(&text).unwrap();
        for b in v["ballots"].as_array().unwrap() {
            let ballot: Ballot = serde_json::from_value(b["ballot"].clone()).unwrap();
            assert_eq!(ballot.verify(&record), Ok(()), "browser ballot {}", b["choice"]);
            assert_eq!(ballot.tracker(&record), b["tracker"]);
        }
    }
    // §8: the count's board and results verify, with the seal's digest
    let count = &v["count"];
    let board = count["board"].as_str().unwrap();
    let checked = vote::tally::check_board(board.as_bytes(), 1, &mut |_| {}).unwrap();
    assert_eq!(checked.seal.digest, count["seal_digest"]);
    assert_eq!(checked.seal.compute_digest().unwrap(), checked.seal.digest);
    let em: Vec<(String, String)> = serde_json::from_value(count["emargement"].clone()).unwrap();
    let header = vote::board::read_header(&mut board.as_bytes()).unwrap();
    let all = vote::board::BoardFile::read_from(board.as_bytes()).unwrap();
    let again =
        vote::board::seal(&record, &header.credentials, &all.ballots, &em, &checked.seal.closed_at)
            .unwrap();
    assert_eq!(again, checked.seal);
    let results: vote::tally::Results = serde_json::from_value(count["results"].clone()).unwrap();
    vote::tally::verify_results(&checked, &results, &mut |_| {}).unwrap();
    assert_eq!(results.scrutins[1].lists[1].votes, 2);
    let _ = from_hex32;
}
