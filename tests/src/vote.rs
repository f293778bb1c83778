//! The vote as a test sees it: the sealed election record of the stack, voting codes listed for
//! a test's own voters, ballots built with the `vote` crate as the browser builds them.

use rand::rngs::OsRng;
use serde_json::{json, Value};
use shared::ports::VoteRecords;
use vote::ballot::{encrypt, Ballot};
use vote::credential::{new_code, Credential};
use vote::record::SealedRecord;

use crate::voters::store;
use crate::{Api, Reply, Session, Voter};

/// The stack's published election record: the test stack publishes the one the key holders'
/// ceremony made (`setup_vote` in `scripts/lib.sh`).
pub async fn record() -> SealedRecord {
    let text = store()
        .await
        .election_record()
        .await
        .expect("reading the urne")
        .expect("the test stack publishes an election record (setup_vote in scripts/lib.sh)");
    SealedRecord::from_bytes(text.into_bytes()).expect("the published record")
}

/// A fresh voting code listed for `scrutins` (as the credential authority and
/// `electeur-admin vote credentials` would).
pub async fn listed_code(record: &SealedRecord, scrutins: &[&str]) -> String {
    let code = new_code(&mut OsRng);
    let public = Credential::from_code(&record.record.election, &code).unwrap().public.hex();
    let store = store().await;
    for s in scrutins {
        assert!(store.add_credential(s, &public).await.expect("listing a credential"));
    }
    code
}

/// A ballot for `choice` (a list id, or "blanc"; `None` for the first list).
pub fn ballot(record: &SealedRecord, scrutin: &str, choice: Option<&str>, code: &str) -> Ballot {
    let s = record.scrutin(scrutin).expect("a scrutin of the record");
    let choice = choice.unwrap_or(&s.choices[0]);
    let cred = Credential::from_code(&record.record.election, code).unwrap();
    encrypt(record, scrutin, choice, &cred, &mut OsRng).expect("a ballot")
}

/// `POST /api/vote` with any JSON as the ballot.
pub async fn cast_json(api: &Api, session: &Session, ballot: Value) -> Reply {
    api.post("/api/vote").session(session).json(&json!({ "ballot": ballot })).send().await
}

/// `POST /api/vote` with a ballot, as the browser sends it.
pub async fn cast(api: &Api, session: &Session, ballot: &Ballot) -> Reply {
    cast_json(api, session, serde_json::to_value(ballot).expect("a ballot serialises")).await
}

pub async fn on_board(api: &Api, scrutin: &str, tracker: &str) -> bool {
    let reply = api.get(format!("/api/board?scrutin={scrutin}&tracker={tracker}")).send().await;
    reply.expect(200);
    reply.body["found"] == Value::Bool(true)
}

pub async fn ballots_in(scrutin: &str) -> u64 {
    use shared::ports::Board;
    store().await.ballot_count(scrutin).await.expect("counting ballots")
}

pub async fn voted_in(voter: &Voter, scrutin: &str) -> bool {
    use shared::ports::Emargement;
    !store()
        .await
        .voted_in(&voter.voter_id, &[scrutin.to_string()])
        .await
        .expect("reading the émargement")
        .is_empty()
}
