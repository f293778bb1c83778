//! The vote's rules over the in-memory store: the window and its grace, the roll, the ballot's
//! proofs, the credential list, one vote per voter and per credential, the same receipt for a
//! request sent again. The same cases run over HTTP against the emulators in `e2e`
//! (`tests/tests/vote.rs`).

use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE as G;
use curve25519_dalek::scalar::Scalar;
use shared::config::Config;
use shared::error::VoteRefusal;
use shared::memory::{ManualClock, MemoryMailer, MemoryStore};
use shared::model::{Calendar, Civility, RollVoter, SessionKind, SessionRecord, Voter};
use shared::ports::{Board, Roll, Voters};
use shared::services::{PublicBoard, Voting, Wiring};
use shared::DomainError;
use vote::ballot::{encrypt, encrypt_vector, Ballot, Proof};
use vote::credential::Credential;
use vote::encoding::{Num, Point};
use vote::record::{ElectionRecord, ScrutinRecord, SealedRecord, Trustees};

struct World {
    voting: Voting,
    board: PublicBoard,
    store: Arc<MemoryStore>,
    clock: Arc<ManualClock>,
    record: SealedRecord,
    opens: DateTime<Utc>,
    closes: DateTime<Utc>,
}

const CODE: &str = "7KQ2-M4XD-0111-9ZZZ";
const OTHER_CODE: &str = "0000-0000-0000-0001";

fn credential(code: &str) -> Credential {
    Credential::from_code("ce-test", code).unwrap()
}

async fn world() -> World {
    let store = Arc::new(MemoryStore::new());
    let opens = Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap();
    let closes = opens + Duration::days(7);
    let clock = Arc::new(ManualClock::new(opens + Duration::hours(1)));
    store
        .put_calendar(&Calendar {
            activation_opens_at: opens - Duration::days(30),
            claim_deadline: opens - Duration::days(10),
            voting_opens_at: opens,
            voting_closes_at: closes,
        })
        .await
        .unwrap();
    for (id, scrutins) in [("1", vec!["A", "B"]), ("2", vec!["A"])] {
        store
            .put_roll_voter(&RollVoter {
                voter_id: id.into(),
                email: format!("v{id}@ac-test.fr"),
                civility: Civility::Mme,
                first_name: "Marie".into(),
                last_name: "Dupont".into(),
                scrutins: scrutins.into_iter().map(String::from).collect(),
            })
            .await
            .unwrap();
    }
    let y = Point::new(&Scalar::from(99u64) * G);
    let choices = |n: usize| (1..=n).map(|i| format!("L{i}")).chain(["blanc".into()]).collect();
    let record = SealedRecord::seal(ElectionRecord {
        version: 1,
        election: "ce-test".into(),
        name: "Essai".into(),
        group: "ristretto255".into(),
        public_key: y,
        trustees: Trustees {
            presidency: y,
            presidency_proof: Proof { challenge: Num(Scalar::ZERO), response: Num(Scalar::ZERO) },
            commitments: vec![],
            delegates: vec![],
        },
        scrutins: vec![
            ScrutinRecord { id: "A".into(), name: "Scrutin A".into(), choices: choices(3) },
            ScrutinRecord { id: "B".into(), name: "Scrutin B".into(), choices: choices(2) },
        ],
    });
    store.publish_vote_record(std::str::from_utf8(&record.bytes).unwrap());
    for s in ["A", "B"] {
        store.add_credentials(
            s,
            &[credential(CODE).public.hex(), credential(OTHER_CODE).public.hex()],
        );
    }
    let config = Config::from_lookup(|k| match k {
        "CALENDAR_CACHE_SECS" => Some("0".into()),
        "PORTAL_BASE_URL" => Some("https://elections.example.fr".into()),
        _ => None,
    })
    .unwrap();
    let wiring = Wiring {
        store: store.clone(),
        mailer: Arc::new(MemoryMailer::default()),
        clock: clock.clone(),
        config,
    };
    World {
        voting: Voting::new(&wiring),
        board: PublicBoard::new(&wiring),
        store,
        clock,
        record,
        opens,
        closes,
    }
}

async fn voter(w: &World, id: &str) -> Voter {
    w.store.voter(id).await.unwrap().unwrap()
}

fn session(voter_id: &str, created_at: DateTime<Utc>) -> SessionRecord {
    SessionRecord {
        hash: "h".into(),
        voter_id: voter_id.into(),
        kind: SessionKind::Activated,
        credentials_version: 0,
        created_at: created_at.timestamp(),
        last_seen_at: created_at.timestamp(),
        absolute_expires_at: created_at.timestamp() + 86_400,
    }
}

fn ballot(w: &World, scrutin: &str, choice: &str, code: &str) -> Ballot {
    encrypt(&w.record, scrutin, choice, &credential(code), &mut rand::thread_rng()).unwrap()
}

fn refusal(r: Result<impl std::fmt::Debug, DomainError>) -> VoteRefusal {
    match r {
        Err(DomainError::VoteRefused(why, _)) => why,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn a_vote_is_recorded_once_and_a_retry_gets_the_same_receipt() {
    let w = world().await;
    let v = voter(&w, "1").await;
    let s = session("1", w.clock.now_utc());
    let b = ballot(&w, "A", "L2", CODE);
    let first = w.voting.cast(&s, &v, b.clone()).await.unwrap();
    assert!(!first.already_recorded);
    assert_eq!(first.tracker, b.tracker(&w.record));
    let again = w.voting.cast(&s, &v, b.clone()).await.unwrap();
    assert!(again.already_recorded);
    assert_eq!(again.tracker, first.tracker);
    // another ballot of the same voter: refused, with the same or another credential
    assert_eq!(
        refusal(w.voting.cast(&s, &v, ballot(&w, "A", "L1", CODE)).await),
        VoteRefusal::AlreadyVoted
    );
    assert_eq!(
        refusal(w.voting.cast(&s, &v, ballot(&w, "A", "blanc", OTHER_CODE)).await),
        VoteRefusal::AlreadyVoted
    );
    // another voter with the used credential
    let v2 = voter(&w, "2").await;
    assert_eq!(
        refusal(
            w.voting.cast(&session("2", w.clock.now_utc()), &v2, ballot(&w, "A", "L1", CODE)).await
        ),
        VoteRefusal::AlreadyVoted
    );
    let (ballots, emarged) = w.store.urne_of("A");
    assert_eq!((ballots.len(), emarged), (1, 1));
    assert_eq!(w.store.ballot_count("A").await.unwrap(), 1);
    assert!(w.board.find("A", &first.tracker).await.unwrap());
    let status = w.voting.status(&v).await.unwrap();
    assert_eq!(
        status.iter().map(|s| (s.id.as_str(), s.voted)).collect::<Vec<_>>(),
        [("A", true), ("B", false)]
    );
}

#[tokio::test]
async fn bad_ballots_are_refused_and_leave_nothing() {
    let w = world().await;
    let v = voter(&w, "1").await;
    let s = session("1", w.clock.now_utc());
    let good = ballot(&w, "A", "L1", CODE);
    let mut copied = good.clone();
    copied.credential = credential(OTHER_CODE).public;
    let mut moved = ballot(&w, "B", "L1", CODE);
    moved.scrutin = "A".into();
    let two = encrypt_vector(
        &w.record,
        "A",
        &[true, true, false, false],
        &credential(CODE),
        &mut rand::thread_rng(),
    )
    .unwrap();
    for (why, b) in [
        ("copied under another credential", copied),
        ("moved from another scrutin", moved),
        ("two choices", two),
    ] {
        assert_eq!(refusal(w.voting.cast(&s, &v, b).await), VoteRefusal::InvalidBallot, "{why}");
    }
    let unknown = ballot(&w, "A", "L1", "ZZZZ-ZZZZ-ZZZZ-ZZZZ");
    assert_eq!(refusal(w.voting.cast(&s, &v, unknown).await), VoteRefusal::UnknownCredential);
    // voter 2 is not on B's roll
    let v2 = voter(&w, "2").await;
    assert_eq!(
        refusal(
            w.voting
                .cast(&session("2", w.clock.now_utc()), &v2, ballot(&w, "B", "L1", OTHER_CODE))
                .await
        ),
        VoteRefusal::NotOnRoll
    );
    assert_eq!(w.store.urne_of("A"), (vec![], 0));
    assert_eq!(w.store.urne_of("B"), (vec![], 0));
}

#[tokio::test]
async fn the_window_opens_closes_and_keeps_30_minutes_for_sessions_opened_before_the_close() {
    let w = world().await;
    let v = voter(&w, "1").await;
    w.clock.set(w.opens - Duration::seconds(1));
    let early = session("1", w.clock.now_utc());
    assert_eq!(
        refusal(w.voting.cast(&early, &v, ballot(&w, "A", "L1", CODE)).await),
        VoteRefusal::OutsideWindow
    );
    // 29 minutes after the close, a session opened before it may still vote; one opened after
    // the close may not
    w.clock.set(w.closes + Duration::minutes(29));
    let before_close = session("1", w.closes - Duration::minutes(5));
    let after_close = session("1", w.closes + Duration::minutes(1));
    assert_eq!(
        refusal(w.voting.cast(&after_close, &v, ballot(&w, "A", "L1", CODE)).await),
        VoteRefusal::OutsideWindow
    );
    w.voting.cast(&before_close, &v, ballot(&w, "A", "L1", CODE)).await.unwrap();
    w.clock.set(w.closes + Duration::minutes(30));
    assert_eq!(
        refusal(w.voting.cast(&before_close, &v, ballot(&w, "B", "L1", CODE)).await),
        VoteRefusal::OutsideWindow
    );
}

#[tokio::test]
async fn nothing_is_cast_into_a_sealed_urne() {
    let w = world().await;
    let v = voter(&w, "1").await;
    w.store.seal_urne("{}");
    let s = session("1", w.clock.now_utc());
    assert_eq!(
        refusal(w.voting.cast(&s, &v, ballot(&w, "A", "L1", CODE)).await),
        VoteRefusal::OutsideWindow
    );
    assert_eq!(w.store.urne_of("A"), (vec![], 0));
}
