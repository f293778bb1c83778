//! The vote as a test sees it: the sealed election record of the stack, voting codes listed for
//! a test's own voters, ballots built with the `vote` crate as the browser builds them.

use rand::rngs::OsRng;
use serde_json::{json, Value};
use shared::ports::{Ballots, VoteRecords};
use vote::ballot::{encrypt, Ballot};
use vote::credential::{new_code, Credential};
use vote::encoding::Point;
use vote::record::{ElectionRecord, ScrutinRecord, SealedRecord, Trustees, BLANK};

use crate::voters::{store, CAPN_CERTIFIES, CCP_AESH, CSA_ACA_VERSAILLES, CSA_MEN};
use crate::{Api, Reply, Session, Voter};

/// The stack's published election record. The test stack publishes one made by the key holders'
/// ceremony (`scripts/vote-setup.sh`); when a stack has none, a record with a throwaway key is
/// published here (its ballots can be checked but never counted).
pub async fn record() -> SealedRecord {
    let store = store().await;
    if let Some(text) = store.election_record().await.expect("reading the urne") {
        return SealedRecord::from_bytes(text.into_bytes()).expect("the published record");
    }
    let ids: Vec<String> =
        [CSA_MEN, CSA_ACA_VERSAILLES, CAPN_CERTIFIES, CCP_AESH].map(String::from).to_vec();
    let scrutins = store.scrutins(&ids).await.expect("reading the ballots");
    let y = Point::new(
        curve25519_dalek::constants::RISTRETTO_BASEPOINT_POINT
            * vote::transcript::random_scalar(&mut OsRng),
    );
    let sealed = SealedRecord::seal(ElectionRecord {
        version: 1,
        election: "essais-e2e".into(),
        name: "Élection d'essai".into(),
        group: "ristretto255".into(),
        public_key: y,
        trustees: Trustees { presidency: y, commitments: vec![], delegates: vec![] },
        scrutins: scrutins
            .iter()
            .map(|s| {
                let mut lists = s.candidate_lists.clone();
                lists.sort_by_key(|l| l.order);
                ScrutinRecord {
                    id: s.id.clone(),
                    name: s.name.clone(),
                    choices: lists.into_iter().map(|l| l.id).chain([BLANK.to_string()]).collect(),
                }
            })
            .collect(),
    });
    let text = String::from_utf8(sealed.bytes.clone()).unwrap();
    // Two test binaries may race here: whichever record was written first is the one.
    let _ = store.publish_election_record(&text).await;
    let text = store.election_record().await.unwrap().expect("a published record");
    SealedRecord::from_bytes(text.into_bytes()).unwrap()
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
