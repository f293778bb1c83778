//! Casting the vote over HTTP, against the local stack: one vote per voter and scrutin, the same
//! receipt for a request sent again, concurrent casts, every refusal of docs/vote-protocol.md §5
//! (each leaving the urne and the émargement as they were), and the voting window with its
//! 30 minutes of grace. The calendar is global: these tests run one at a time, each with the
//! voting window set by a guard.

use chrono::{Duration, Utc};
use e2e::calendar::CalendarGuard;
use e2e::flows;
use e2e::vote::{ballot, ballots_in, cast, cast_json, listed_code, on_board, record, voted_in};
use e2e::voters::{now_epoch, set_session_instant, CAPN_CERTIFIES, CSA_ACA_VERSAILLES, CSA_MEN};
use e2e::{latest_mail_to, mails_to, one_at_a_time, seed_voter_on, Api};
use shared::model::Calendar;
use vote::ballot::encrypt_vector;
use vote::credential::Credential;

/// The voting window open since `opened_hours_ago`, closing (or closed) `closes_in_minutes` from
/// now.
fn voting(opened_hours_ago: i64, closes_in_minutes: i64) -> Calendar {
    let now = Utc::now();
    Calendar {
        activation_opens_at: now - Duration::days(40),
        claim_deadline: now - Duration::days(20),
        voting_opens_at: now - Duration::hours(opened_hours_ago),
        voting_closes_at: now + Duration::minutes(closes_in_minutes),
    }
}

#[tokio::test]
async fn a_voter_votes_once_in_each_scrutin_and_finds_the_trackers_on_the_board() {
    let _one = one_at_a_time().await;
    let _window = CalendarGuard::set(voting(2, 600)).await;
    let api = Api::new().await;
    let record = record().await;
    let voter = seed_voter_on(&[CSA_MEN, CSA_ACA_VERSAILLES]).await;
    let (_, session) = flows::activate(&api, &voter).await;
    let code = listed_code(&record, &[CSA_MEN, CSA_ACA_VERSAILLES]).await;
    let status = api.get("/api/vote/status").session(&session).send().await;
    status.expect(200);
    assert!(status.body["scrutins"].as_array().unwrap().iter().all(|s| s["voted"] == false));
    for scrutin in [CSA_MEN, CSA_ACA_VERSAILLES] {
        let before = ballots_in(scrutin).await;
        let b = ballot(&record, scrutin, Some("blanc"), &code);
        let seen = mails_to(&voter.email, voter.seeded_at).await.len();
        let receipt = cast(&api, &session, &b).await;
        receipt.expect(201);
        let tracker = receipt.str_at("/tracker").to_string();
        assert_eq!(tracker, b.tracker(&record));
        assert_eq!(receipt.str_at("/fingerprint"), record.fingerprint_hex());
        assert!(on_board(&api, scrutin, &tracker).await, "the tracker is on the board");
        assert_eq!(ballots_in(scrutin).await, before + 1);
        assert!(voted_in(&voter, scrutin).await);
        // the same request again (a lost reply): the same receipt, nothing more
        let again = cast(&api, &session, &b).await;
        again.expect(200);
        assert_eq!(again.str_at("/tracker"), tracker);
        assert_eq!(again.body["already_recorded"], true);
        // another ballot: refused, the vote stays
        cast(&api, &session, &ballot(&record, scrutin, None, &code))
            .await
            .expect_error(409, "already_voted");
        assert_eq!(ballots_in(scrutin).await, before + 1);
        // the receipt mail names the scrutin and carries no tracker
        let mail = latest_mail_to(&voter.email, voter.seeded_at, seen).await;
        assert!(mail.subject.starts_with("A voté"), "{}", mail.subject);
        assert!(!mail.contains(&tracker), "the receipt mail carries no tracker");
    }
    let status = api.get("/api/vote/status").session(&session).send().await;
    assert!(status.body["scrutins"].as_array().unwrap().iter().all(|s| s["voted"] == true));
}

#[tokio::test]
async fn twenty_concurrent_casts_of_one_voter_make_one_ballot_and_one_emargement() {
    let _one = one_at_a_time().await;
    let _window = CalendarGuard::set(voting(2, 600)).await;
    let api = Api::new().await;
    let record = record().await;
    let voter = seed_voter_on(&[CSA_MEN]).await;
    let (_, session) = flows::activate(&api, &voter).await;
    let code = listed_code(&record, &[CSA_MEN]).await;
    let other_code = listed_code(&record, &[CSA_MEN]).await;
    let before = ballots_in(CSA_MEN).await;
    // 20 different ballots of the voter, half under a second code of the same scrutin
    let ballots: Vec<_> = (0..20)
        .map(|i| ballot(&record, CSA_MEN, None, if i % 2 == 0 { &code } else { &other_code }))
        .collect();
    let replies = futures::future::join_all(ballots.iter().map(|b| cast(&api, &session, b))).await;
    let created = replies.iter().filter(|r| r.status == 201).count();
    let refused = replies.iter().filter(|r| r.status == 409 && r.code() == "already_voted").count();
    assert_eq!(
        (created, refused),
        (1, 19),
        "{:?}",
        replies.iter().map(|r| (r.status, r.code().to_string())).collect::<Vec<_>>()
    );
    assert_eq!(ballots_in(CSA_MEN).await, before + 1);
    assert!(voted_in(&voter, CSA_MEN).await);
}

#[tokio::test]
async fn bad_ballots_are_refused_and_leave_the_urne_and_the_emargement_unchanged() {
    let _one = one_at_a_time().await;
    let _window = CalendarGuard::set(voting(2, 600)).await;
    let api = Api::new().await;
    let record = record().await;
    let alice = seed_voter_on(&[CSA_MEN, CSA_ACA_VERSAILLES]).await;
    let (_, alice_session) = flows::activate(&api, &alice).await;
    let alice_code = listed_code(&record, &[CSA_MEN, CSA_ACA_VERSAILLES]).await;
    let bob = seed_voter_on(&[CSA_MEN]).await;
    let (_, bob_session) = flows::activate(&api, &bob).await;
    let bob_code = listed_code(&record, &[CSA_MEN]).await;
    let bob_credential = Credential::from_code(&record.record.election, &bob_code).unwrap();

    let before = ballots_in(CSA_MEN).await;
    let good = ballot(&record, CSA_MEN, None, &alice_code);
    let mut forged = good.clone();
    forged.choices[0].proof[1].response = forged.choices[0].proof[0].response;
    let mut altered = good.clone();
    altered.choices.swap(0, 1);
    let two = encrypt_vector(
        &record,
        CSA_MEN,
        &record
            .scrutin(CSA_MEN)
            .unwrap()
            .choices
            .iter()
            .enumerate()
            .map(|(i, _)| i < 2)
            .collect::<Vec<_>>(),
        &Credential::from_code(&record.record.election, &alice_code).unwrap(),
        &mut rand::rngs::OsRng,
    )
    .unwrap();
    let mut copied = good.clone();
    copied.credential = bob_credential.public;
    let mut moved = ballot(&record, CSA_ACA_VERSAILLES, None, &alice_code);
    moved.scrutin = CSA_MEN.into();
    let mut other_election = good.clone();
    other_election.election = "00".repeat(32);
    for (why, b) in [
        ("a forged proof", &forged),
        ("ciphertexts swapped", &altered),
        ("two choices", &two),
        ("moved from another scrutin", &moved),
        ("another election's", &other_election),
    ] {
        let reply = cast(&api, &alice_session, b).await;
        assert!(
            reply.status == 422 && reply.code() == "invalid_ballot",
            "{why}: {} {}",
            reply.status,
            reply.text
        );
    }
    // a ballot copied under Bob's credential, sent by Bob: its proofs name Alice's credential
    cast(&api, &bob_session, &copied).await.expect_error(422, "invalid_ballot");
    // a code never listed
    let unknown = ballot(&record, CSA_MEN, None, "ZZZZ-ZZZZ-ZZZZ-ZZZ0");
    cast(&api, &alice_session, &unknown).await.expect_error(422, "unknown_credential");
    // Alice is on no list of CAPN-CERTIFIES
    let not_hers = ballot(&record, CAPN_CERTIFIES, None, &alice_code);
    cast(&api, &alice_session, &not_hers).await.expect_error(403, "not_on_roll");
    // not JSON of a ballot
    cast_json(&api, &alice_session, serde_json::json!({"scrutin": CSA_MEN}))
        .await
        .expect_error(422, "invalid_ballot");
    assert_eq!(ballots_in(CSA_MEN).await, before, "nothing entered the urne");
    assert!(!voted_in(&alice, CSA_MEN).await && !voted_in(&bob, CSA_MEN).await);

    // Alice votes; Bob then tries her (used) code: refused
    cast(&api, &alice_session, &good).await.expect(201);
    let reused = ballot(&record, CSA_MEN, None, &alice_code);
    cast(&api, &bob_session, &reused).await.expect_error(409, "already_voted");
    assert!(!voted_in(&bob, CSA_MEN).await);
    assert_eq!(ballots_in(CSA_MEN).await, before + 1);
    // without a session
    let anonymous = api
        .post("/api/vote")
        .json(&serde_json::json!({ "ballot": ballot(&record, CSA_MEN, None, &bob_code) }))
        .send()
        .await;
    anonymous.expect_error(401, "unauthenticated");
}

#[tokio::test]
async fn the_window_opens_closes_and_keeps_30_minutes_for_sessions_opened_before_the_close() {
    let _one = one_at_a_time().await;
    let api = Api::new().await;
    let record = record().await;
    let voter = seed_voter_on(&[CSA_MEN, CSA_ACA_VERSAILLES]).await;
    let (_, session) = flows::activate(&api, &voter).await;
    let code = listed_code(&record, &[CSA_MEN, CSA_ACA_VERSAILLES]).await;
    {
        // not open yet
        let now = Utc::now();
        let _w = CalendarGuard::set(Calendar {
            voting_opens_at: now + Duration::hours(1),
            voting_closes_at: now + Duration::days(7),
            ..voting(0, 0)
        })
        .await;
        cast(&api, &session, &ballot(&record, CSA_MEN, None, &code))
            .await
            .expect_error(403, "outside_window");
    }
    {
        // closed 10 minutes ago: a session opened after the close is refused, one opened before
        // may still vote
        let _w = CalendarGuard::set(voting(5, -10)).await;
        let b = ballot(&record, CSA_MEN, None, &code);
        cast(&api, &session, &b).await.expect_error(403, "outside_window");
        set_session_instant(&session, "created_at", now_epoch() - 3600).await;
        cast(&api, &session, &b).await.expect(201);
    }
    {
        // 31 minutes after the close: nobody
        let _w = CalendarGuard::set(voting(5, -31)).await;
        cast(&api, &session, &ballot(&record, CSA_ACA_VERSAILLES, None, &code))
            .await
            .expect_error(403, "outside_window");
    }
    assert!(voted_in(&voter, CSA_MEN).await && !voted_in(&voter, CSA_ACA_VERSAILLES).await);
}

#[tokio::test]
async fn a_lost_code_is_asked_for_with_the_challenge_answer_and_the_mailbox_is_told() {
    let _one = one_at_a_time().await;
    let _window = CalendarGuard::set(voting(2, 600)).await;
    let api = Api::new().await;
    let voter = seed_voter_on(&[CSA_MEN]).await;
    let (secrets, session) = flows::activate(&api, &voter).await;
    let ask = |question_id: i64, answer: String| {
        let api = &api;
        let session = &session;
        async move {
            api.post("/api/vote/code")
                .session(session)
                .json(&serde_json::json!({ "question_id": question_id, "answer": answer }))
                .send()
                .await
        }
    };
    let wrong = ask(secrets.question_id, "pas la bonne réponse".into()).await;
    wrong.expect_error(422, "invalid_field");
    assert_eq!(wrong.body["field"], "answer");
    let seen = mails_to(&voter.email, voter.seeded_at).await.len();
    ask(secrets.question_id, secrets.answer.clone()).await.expect(202);
    let mail = latest_mail_to(&voter.email, voter.seeded_at, seen).await;
    assert_eq!(mail.subject, "Demande de nouveau code de vote");
    let open = e2e::voters::store().await.open_code_requests().await.unwrap();
    assert!(open.iter().any(|r| r.voter_id == voter.voter_id && r.scrutins == [CSA_MEN]));
    // one request at a time
    ask(secrets.question_id, secrets.answer.clone()).await.expect_error(422, "invalid_field");
    // without a session
    api.post("/api/vote/code")
        .json(&serde_json::json!({ "question_id": secrets.question_id, "answer": secrets.answer }))
        .send()
        .await
        .expect_error(401, "unauthenticated");
}
