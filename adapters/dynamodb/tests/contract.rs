//! The persistence contract: what the services of `shared` rely on from a store, one case per
//! behaviour, each case run alike against the in-memory store (`shared::memory::MemoryStore`) and
//! against this adapter on the local emulator (a table of its own per case, one emulator for the
//! whole binary). Where the two answer differently, the in-memory store is the one to follow
//! DynamoDB.
//!
//! A case is an async fn over any [`Store`]; the `contract!` list at the end makes of each a
//! `memory::<case>` and a `dynamodb::<case>` test.

use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_dynamodb::types::AttributeValue;
use chrono::{TimeZone, Utc};
use local_emulator::Emulator;
use shared::audit::{AuditEvent, AuditKind};
use shared::memory::{sample_mail, MemoryStore};
use shared::model::{
    AccountStatus, AssistanceRequest, AssistanceStatus, AssistanceSubject, AssistanceWindow,
    Calendar, Candidate, CandidateList, Civility, Claim, ClaimCategory, ClaimStatus, DeviceRecord,
    Failures, RollEntry, RollVoter, Scrutin, SessionKind, SessionRecord, TokenPurpose, TokenRecord,
    Voter,
};
use shared::outbox::{Bounce, CapKind, Follow, OutboxItem, OutboxMail, OutboxStatus};
use shared::ports::{
    Activation, Attempt, Budget, ClaimOutcome, FailureKind, RollCursor, Store, StoreError,
};
use shared::roll::ROLL_SHARDS;
use store_dynamodb::DynamoStore;

// ---------------------------------------------------------------------------------------------
// The two stores

async fn memory_store() -> MemoryStore {
    MemoryStore::new()
}

async fn dynamo_store() -> DynamoStore {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let client = Emulator::shared().client();
    let table = format!("contract-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    store_dynamodb::ensure_table(&client, &table).await.expect("create the table");
    DynamoStore::new(client, table)
}

macro_rules! contract {
    ($($case:ident),* $(,)?) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $case() {
                    super::$case(super::memory_store().await).await
                }
            )*
        }
        mod dynamodb {
            $(
                #[tokio::test]
                async fn $case() {
                    super::$case(super::dynamo_store().await).await
                }
            )*
        }
    };
}

// ---------------------------------------------------------------------------------------------
// Fixtures

const CONDITION: Result<(), StoreError> = Err(StoreError::ConditionFailed);
/// The claim cap of the cases that are not about it.
const CAP: u32 = 100;

fn now() -> i64 {
    Utc::now().timestamp()
}

fn roll(voter_id: &str, last_name: &str, first_name: &str, scrutins: &[&str]) -> RollVoter {
    RollVoter {
        voter_id: voter_id.into(),
        email: format!("{}.{}@education.gouv.fr", first_name, voter_id).to_lowercase(),
        civility: Civility::Mme,
        first_name: first_name.into(),
        last_name: last_name.into(),
        scrutins: scrutins.iter().map(|s| s.to_string()).collect(),
    }
}

fn alice() -> RollVoter {
    roll("1000001", "Martin", "Alice", &["CT-MEN"])
}

fn bob() -> RollVoter {
    RollVoter { civility: Civility::M, ..roll("1000002", "Durand", "Bob", &["CT-MEN"]) }
}

async fn voter<S: Store>(store: &S, voter_id: &str) -> Voter {
    store.voter(voter_id).await.expect("read the voter").expect("the voter exists")
}

async fn token<S: Store>(store: &S, hash: &str) -> TokenRecord {
    store.token(hash).await.expect("read the token").expect("the token exists")
}

async fn put<S: Store>(store: &S, roll: &RollVoter) -> Voter {
    store.put_roll_voter(roll).await.expect("put the roll voter");
    voter(store, &roll.voter_id).await
}

/// A link as the services make one: the voter's next generation, an hour to live.
fn link_for(voter: &Voter, hash: &str, purpose: TokenPurpose, now: i64) -> TokenRecord {
    TokenRecord {
        hash: hash.into(),
        voter_id: voter.roll.voter_id.clone(),
        purpose,
        generation: voter.token_generation + 1,
        created_at: now,
        expires_at: now + 3600,
        consumed_at: None,
        pending_password_hash: None,
    }
}

/// Issues a link to the voter as it stands.
async fn issue<S: Store>(
    store: &S,
    voter_id: &str,
    hash: &str,
    purpose: TokenPurpose,
    now: i64,
) -> TokenRecord {
    let v = voter(store, voter_id).await;
    let t = link_for(&v, hash, purpose, now);
    store
        .issue_token(&v, v.token_generation, &[now], &t, &sample_mail(&v.roll.voter_id))
        .await
        .expect("issue the link");
    t
}

/// A link on which a password was chosen, as the step that ends it reads it.
async fn link_with_password<S: Store>(
    store: &S,
    voter_id: &str,
    hash: &str,
    purpose: TokenPurpose,
    password_hash: &str,
    now: i64,
) -> TokenRecord {
    let t = issue(store, voter_id, hash, purpose, now).await;
    store.set_pending_password(&t.hash, password_hash, now).await.expect("keep the password");
    token(store, &t.hash).await
}

fn session_for(
    voter: &Voter,
    hash: &str,
    kind: SessionKind,
    credentials_version: u64,
    now: i64,
) -> SessionRecord {
    SessionRecord {
        hash: hash.into(),
        voter_id: voter.roll.voter_id.clone(),
        kind,
        credentials_version,
        created_at: now,
        last_seen_at: now,
        absolute_expires_at: now + 12 * 3600,
    }
}

fn activation() -> Activation {
    Activation {
        password_hash: "pw-hash".into(),
        question_id: 3,
        answer_hash: "answer-hash".into(),
    }
}

/// A voter whose account was activated through a link (which opened the session `session_hash`).
async fn active<S: Store>(store: &S, roll: &RollVoter, session_hash: &str, now: i64) -> Voter {
    put(store, roll).await;
    let t = link_with_password(
        store,
        &roll.voter_id,
        &format!("act-{}", roll.voter_id),
        TokenPurpose::Activation,
        "pw-hash",
        now,
    )
    .await;
    let v = voter(store, &roll.voter_id).await;
    let s = session_for(&v, session_hash, SessionKind::Activated, v.credentials_version + 1, now);
    store.activate_account(&t, &activation(), &s, now).await.expect("activate the account");
    voter(store, &roll.voter_id).await
}

fn claim(voter_id: &str, reference: &str, key: &str, text: &str) -> Claim {
    Claim {
        reference: reference.into(),
        voter_id: voter_id.into(),
        category: ClaimCategory::ListeElectorale,
        scrutin_id: None,
        text: text.into(),
        created_at: Utc.timestamp_opt(1_772_445_600, 123_000_000).unwrap(),
        status: ClaimStatus::Open,
        fingerprint: format!("fp-{text}"),
        idempotency_key: key.into(),
        acknowledged: false,
    }
}

fn candidate(rank: u32, last_name: &str) -> Candidate {
    Candidate {
        rank,
        civility: Civility::M,
        first_name: "Jean".into(),
        last_name: last_name.into(),
    }
}

fn entry(roll: &RollVoter) -> RollEntry {
    RollEntry {
        civility: roll.civility,
        last_name: roll.last_name.clone(),
        first_name: roll.first_name.clone(),
    }
}

/// Every entry of an electoral list, page after page of `limit`, and the pages' sizes.
async fn whole_list<S: Store>(
    store: &S,
    scrutin_id: &str,
    limit: usize,
) -> (Vec<RollEntry>, Vec<usize>) {
    let mut from = RollCursor { shard: ROLL_SHARDS[0], after: None };
    let (mut all, mut sizes) = (Vec::new(), Vec::new());
    for _ in 0..100 {
        let (page, next) =
            store.electoral_list_page(scrutin_id, from, limit).await.expect("read a page");
        sizes.push(page.len());
        all.extend(page);
        match next {
            Some(cursor) => from = cursor,
            None => return (all, sizes),
        }
    }
    panic!("the electoral list of {scrutin_id} never ends");
}

// ---------------------------------------------------------------------------------------------
// Voters of the roll (Roll::put_roll_voter, Voters)

async fn a_new_voter_reads_back_by_id_and_by_identifier<S: Store>(store: S) {
    let before = now();
    store.put_roll_voter(&alice()).await.unwrap();
    let after = now();

    assert_eq!(store.voter_id_for_email(&alice().email).await.unwrap().as_deref(), Some("1000001"));
    let v = voter(&store, "1000001").await;
    let created = v.token_generation as i64;
    assert!(created > 0 && before <= created && created <= after, "generation {created}");
    assert_eq!(v.credentials_version, v.token_generation, "both start at the creation second");
    assert_eq!(v, Voter::new(alice(), created));

    assert_eq!(store.voter("1000009").await.unwrap(), None);
    assert_eq!(store.voter_id_for_email("nobody@education.gouv.fr").await.unwrap(), None);
}

async fn the_same_roll_voter_again_changes_nothing_and_keeps_the_account<S: Store>(store: S) {
    let t = now();
    put(&store, &alice()).await;
    fail(&store, "1000001", FailureKind::Login, t + 60).await;
    fail(&store, "1000001", FailureKind::Answer, t + 120).await;
    issue(&store, "1000001", "tok-1", TokenPurpose::Activation, t).await;
    let before = voter(&store, "1000001").await;

    store.put_roll_voter(&alice()).await.unwrap();

    assert_eq!(voter(&store, "1000001").await, before);
    assert_eq!(store.voter_id_for_email(&alice().email).await.unwrap().as_deref(), Some("1000001"));
    assert_eq!(whole_list(&store, "CT-MEN", 10).await.0, vec![entry(&alice())]);
}

async fn a_changed_roll_voter_keeps_the_account_and_follows_the_new_data<S: Store>(store: S) {
    let t = now();
    put(&store, &alice()).await;
    fail(&store, "1000001", FailureKind::Login, t + 60).await;
    issue(&store, "1000001", "tok-1", TokenPurpose::Activation, t).await;
    let before = voter(&store, "1000001").await;

    let changed =
        RollVoter { last_name: "Dupont".into(), scrutins: vec!["CAP-ATT".into()], ..alice() };
    store.put_roll_voter(&changed).await.unwrap();

    assert_eq!(voter(&store, "1000001").await, Voter { roll: changed.clone(), ..before });
    assert_eq!(store.voter_id_for_email(&alice().email).await.unwrap().as_deref(), Some("1000001"));
    assert_eq!(whole_list(&store, "CT-MEN", 10).await.0, vec![]);
    assert_eq!(whole_list(&store, "CAP-ATT", 10).await.0, vec![entry(&changed)]);
}

async fn a_new_address_voids_links_and_sessions_and_reopens_activation<S: Store>(store: S) {
    let t = now();
    let opened = active(&store, &alice(), "sess-0", t).await;
    assert_eq!(opened.status, AccountStatus::Active);

    let moved = RollVoter { email: "alice.dupont@education.gouv.fr".into(), ..alice() };
    store.put_roll_voter(&moved).await.unwrap();

    let mut expected = Voter { roll: moved.clone(), ..opened };
    expected.address_changed();
    let after = voter(&store, "1000001").await;
    assert_eq!(after, expected);
    assert_eq!(after.status, AccountStatus::NotActivated);
    assert_eq!(after.password_hash, None);
    assert!(after.token_generation > opened.token_generation, "older links die");
    assert!(after.credentials_version > opened.credentials_version, "sessions die");
    assert_eq!(store.voter_id_for_email(&alice().email).await.unwrap(), None);
    assert_eq!(store.voter_id_for_email(&moved.email).await.unwrap().as_deref(), Some("1000001"));
}

async fn a_roll_voter_cannot_take_an_identifier_held_by_another<S: Store>(store: S) {
    put(&store, &alice()).await;
    let taken = RollVoter { email: alice().email, ..bob() };
    assert_eq!(store.put_roll_voter(&taken).await, CONDITION, "a new voter");
    assert_eq!(store.voter("1000002").await.unwrap(), None);

    let bob_before = put(&store, &bob()).await;
    assert_eq!(store.put_roll_voter(&taken).await, CONDITION, "a known voter");
    assert_eq!(voter(&store, "1000002").await, bob_before);
    assert_eq!(store.voter_id_for_email(&alice().email).await.unwrap().as_deref(), Some("1000001"));
    assert_eq!(store.voter_id_for_email(&bob().email).await.unwrap().as_deref(), Some("1000002"));
    assert_eq!(whole_list(&store, "CT-MEN", 10).await.0, vec![entry(&bob()), entry(&alice())]);
}

// ---------------------------------------------------------------------------------------------
// Links (LinkTokens)

async fn issue_token_raises_the_generation_and_stores_the_link_and_mail_window<S: Store>(store: S) {
    let t = now();
    let before = put(&store, &alice()).await;
    let link = link_for(&before, "tok-1", TokenPurpose::Activation, t);

    store
        .issue_token(
            &before,
            before.token_generation,
            &[t - 10, t],
            &link,
            &sample_mail(&before.roll.voter_id),
        )
        .await
        .unwrap();

    assert_eq!(
        voter(&store, "1000001").await,
        Voter {
            token_generation: before.token_generation + 1,
            mail_sent_at: vec![t - 10, t],
            ..before
        }
    );
    assert_eq!(store.token("tok-1").await.unwrap(), Some(link));
    assert_eq!(store.token("tok-9").await.unwrap(), None);
}

async fn issue_token_with_a_stale_generation_writes_nothing<S: Store>(store: S) {
    let t = now();
    let stale = put(&store, &alice()).await;
    issue(&store, "1000001", "tok-1", TokenPurpose::Activation, t).await;
    let current = voter(&store, "1000001").await;

    let late = link_for(&stale, "tok-2", TokenPurpose::Activation, t);
    assert_eq!(
        store
            .issue_token(
                &stale,
                stale.token_generation,
                &[t],
                &late,
                &sample_mail(&stale.roll.voter_id)
            )
            .await,
        CONDITION
    );
    assert_eq!(voter(&store, "1000001").await, current);
    assert_eq!(store.token("tok-2").await.unwrap(), None);

    let same_hash = link_for(&current, "tok-1", TokenPurpose::Reassort, t);
    assert_eq!(
        store
            .issue_token(
                &current,
                current.token_generation,
                &[t],
                &same_hash,
                &sample_mail(&current.roll.voter_id)
            )
            .await,
        CONDITION,
        "a hash already stored"
    );
    assert_eq!(voter(&store, "1000001").await, current);
    assert_eq!(token(&store, "tok-1").await.purpose, TokenPurpose::Activation);

    let unknown = Voter::new(bob(), t);
    let orphan = link_for(&unknown, "tok-3", TokenPurpose::Activation, t);
    assert_eq!(
        store
            .issue_token(
                &unknown,
                unknown.token_generation,
                &[t],
                &orphan,
                &sample_mail(&unknown.roll.voter_id)
            )
            .await,
        CONDITION,
        "a voter not on the roll"
    );
    assert_eq!(store.token("tok-3").await.unwrap(), None);
    assert_eq!(store.voter("1000002").await.unwrap(), None);
}

async fn set_pending_password_keeps_the_hash_on_a_live_link<S: Store>(store: S) {
    let t = now();
    put(&store, &alice()).await;
    let link = issue(&store, "1000001", "tok-1", TokenPurpose::Activation, t).await;

    store.set_pending_password("tok-1", "ph-1", t).await.unwrap();
    assert_eq!(
        token(&store, "tok-1").await,
        TokenRecord { pending_password_hash: Some("ph-1".into()), ..link.clone() }
    );

    store.set_pending_password("tok-1", "ph-2", t + 10).await.unwrap();
    assert_eq!(
        token(&store, "tok-1").await,
        TokenRecord { pending_password_hash: Some("ph-2".into()), ..link }
    );
}

async fn set_pending_password_refuses_a_missing_an_expired_or_a_used_link<S: Store>(store: S) {
    let t = now();
    put(&store, &alice()).await;
    assert_eq!(store.set_pending_password("tok-9", "ph", t).await, CONDITION, "a missing link");
    assert_eq!(store.token("tok-9").await.unwrap(), None);

    let link = issue(&store, "1000001", "tok-1", TokenPurpose::Activation, t).await;
    assert_eq!(
        store.set_pending_password("tok-1", "ph", link.expires_at).await,
        CONDITION,
        "an expired link"
    );
    assert_eq!(token(&store, "tok-1").await, link);

    let link =
        link_with_password(&store, "1000001", "tok-2", TokenPurpose::Activation, "ph", t).await;
    let v = voter(&store, "1000001").await;
    let s = session_for(&v, "sess-1", SessionKind::WithoutActivation, v.credentials_version, t);
    store.skip_activation(&link, &s, t).await.unwrap();
    let used = token(&store, "tok-2").await;
    assert_eq!(store.set_pending_password("tok-2", "other", t).await, CONDITION, "a used link");
    assert_eq!(token(&store, "tok-2").await, used);
}

// ---------------------------------------------------------------------------------------------
// The steps that end a link (AccountOpening)

async fn activate_account_consumes_the_link_once_and_opens_the_account<S: Store>(store: S) {
    let t = now();
    put(&store, &alice()).await;
    let link =
        link_with_password(&store, "1000001", "tok-1", TokenPurpose::Activation, "pw-hash", t)
            .await;
    let before = voter(&store, "1000001").await;
    let s =
        session_for(&before, "sess-1", SessionKind::Activated, before.credentials_version + 1, t);

    store.activate_account(&link, &activation(), &s, t + 5).await.unwrap();

    let after = voter(&store, "1000001").await;
    assert_eq!(
        after,
        Voter {
            status: AccountStatus::Active,
            password_hash: Some("pw-hash".into()),
            question_id: Some(3),
            answer_hash: Some("answer-hash".into()),
            credentials_version: before.credentials_version + 1,
            ..before.clone()
        }
    );
    let consumed = token(&store, "tok-1").await;
    assert_eq!(
        consumed,
        TokenRecord { consumed_at: Some(t + 5), pending_password_hash: None, ..link.clone() },
        "the pending password leaves the link with its use"
    );
    assert_eq!(store.session("sess-1").await.unwrap(), Some(s));

    let again =
        session_for(&before, "sess-2", SessionKind::Activated, after.credentials_version, t);
    assert_eq!(store.activate_account(&link, &activation(), &again, t + 6).await, CONDITION);
    assert_eq!(voter(&store, "1000001").await, after);
    assert_eq!(token(&store, "tok-1").await, consumed);
    assert_eq!(store.session("sess-2").await.unwrap(), None);
}

async fn skip_activation_consumes_the_link_once_and_counts_the_visit<S: Store>(store: S) {
    let t = now();
    put(&store, &alice()).await;
    let link =
        link_with_password(&store, "1000001", "tok-1", TokenPurpose::Activation, "ph", t).await;
    let before = voter(&store, "1000001").await;
    let s = session_for(
        &before,
        "sess-1",
        SessionKind::WithoutActivation,
        before.credentials_version,
        t,
    );

    store.skip_activation(&link, &s, t + 5).await.unwrap();

    let after = voter(&store, "1000001").await;
    assert_eq!(after, Voter { accesses_without_activation: 1, ..before.clone() });
    let consumed = token(&store, "tok-1").await;
    assert_eq!(
        consumed,
        TokenRecord { consumed_at: Some(t + 5), pending_password_hash: None, ..link.clone() },
        "the pending password leaves the link with its use"
    );
    assert_eq!(store.session("sess-1").await.unwrap(), Some(s));

    let again = session_for(&before, "sess-2", SessionKind::WithoutActivation, 0, t);
    assert_eq!(store.skip_activation(&link, &again, t + 6).await, CONDITION);
    assert_eq!(voter(&store, "1000001").await, after);
    assert_eq!(token(&store, "tok-1").await, consumed);
    assert_eq!(store.session("sess-2").await.unwrap(), None);

    // the account stays as it was: the next link opens it again
    let next =
        link_with_password(&store, "1000001", "tok-2", TokenPurpose::Activation, "ph", t).await;
    let s3 = session_for(&after, "sess-3", SessionKind::WithoutActivation, 0, t);
    store.skip_activation(&next, &s3, t + 7).await.unwrap();
    assert_eq!(voter(&store, "1000001").await.accesses_without_activation, 2);
}

async fn complete_reassort_consumes_the_link_once_and_replaces_the_password<S: Store>(store: S) {
    let t = now();
    active(&store, &alice(), "sess-0", t).await;
    fail(&store, "1000001", FailureKind::Login, t + 60).await;
    fail(&store, "1000001", FailureKind::Answer, t + 120).await;
    let link =
        link_with_password(&store, "1000001", "tok-r", TokenPurpose::Reassort, "new-hash", t).await;
    let before = voter(&store, "1000001").await;
    let cv = before.credentials_version;
    let s = session_for(&before, "sess-1", SessionKind::Activated, cv + 1, t);

    store.complete_reassort(&link, cv, &s, t + 5).await.unwrap();

    let after = voter(&store, "1000001").await;
    assert_eq!(
        after,
        Voter {
            password_hash: Some("new-hash".into()),
            credentials_version: cv + 1,
            failed_logins: 0,
            login_locked_until: 0,
            failed_answers: 0,
            answer_locked_until: 0,
            ..before.clone()
        }
    );
    let consumed = token(&store, "tok-r").await;
    assert_eq!(
        consumed,
        TokenRecord { consumed_at: Some(t + 5), pending_password_hash: None, ..link.clone() },
        "the pending password leaves the link with its use"
    );
    assert_eq!(store.session("sess-1").await.unwrap(), Some(s));

    let again = session_for(&before, "sess-2", SessionKind::Activated, cv + 2, t);
    assert_eq!(store.complete_reassort(&link, cv + 1, &again, t + 6).await, CONDITION);
    assert_eq!(voter(&store, "1000001").await, after);
    assert_eq!(token(&store, "tok-r").await, consumed);
    assert_eq!(store.session("sess-2").await.unwrap(), None);
}

async fn complete_reassort_refuses_a_stale_credentials_version<S: Store>(store: S) {
    let t = now();
    active(&store, &alice(), "sess-0", t).await;
    let link =
        link_with_password(&store, "1000001", "tok-r", TokenPurpose::Reassort, "new-hash", t).await;
    let before = voter(&store, "1000001").await;
    let cv = before.credentials_version - 1;
    let s = session_for(&before, "sess-1", SessionKind::Activated, cv + 1, t);

    assert_eq!(store.complete_reassort(&link, cv, &s, t).await, CONDITION);
    assert_eq!(voter(&store, "1000001").await, before);
    assert_eq!(token(&store, "tok-r").await, link);
    assert_eq!(store.session("sess-1").await.unwrap(), None);
}

async fn link_steps_refuse_a_link_without_password_replaced_changed_or_expired<S: Store>(store: S) {
    let t = now();
    let before = put(&store, &alice()).await;
    let s = session_for(&before, "sess-1", SessionKind::Activated, 0, t);
    let act = activation();

    let bare = issue(&store, "1000001", "tok-1", TokenPurpose::Activation, t).await;
    assert_eq!(store.activate_account(&bare, &act, &s, t).await, CONDITION, "no password");
    assert_eq!(store.skip_activation(&bare, &s, t).await, CONDITION, "no password");

    store.set_pending_password("tok-1", "ph-1", t).await.unwrap();
    let replaced = token(&store, "tok-1").await;
    let newer =
        link_with_password(&store, "1000001", "tok-2", TokenPurpose::Activation, "ph-a", t).await;
    assert_eq!(store.activate_account(&replaced, &act, &s, t).await, CONDITION, "replaced");
    assert_eq!(store.skip_activation(&replaced, &s, t).await, CONDITION, "replaced");

    store.set_pending_password("tok-2", "ph-b", t).await.unwrap();
    assert_eq!(store.activate_account(&newer, &act, &s, t).await, CONDITION, "password changed");
    assert_eq!(store.skip_activation(&newer, &s, t).await, CONDITION, "password changed");

    let newer = token(&store, "tok-2").await;
    let at = newer.expires_at;
    assert_eq!(store.activate_account(&newer, &act, &s, at).await, CONDITION, "expired");
    assert_eq!(store.skip_activation(&newer, &s, at).await, CONDITION, "expired");

    put(&store, &bob()).await;
    let foreign = TokenRecord { voter_id: "1000002".into(), ..newer.clone() };
    assert_eq!(store.skip_activation(&foreign, &s, t).await, CONDITION, "another voter's");

    let v = voter(&store, "1000001").await;
    assert_eq!(v.status, AccountStatus::NotActivated);
    assert_eq!(v.accesses_without_activation, 0);
    assert_eq!(v.credentials_version, before.credentials_version);
    assert_eq!(token(&store, "tok-1").await.consumed_at, None);
    assert_eq!(token(&store, "tok-2").await, newer);
    assert_eq!(store.session("sess-1").await.unwrap(), None);
}

async fn opening_a_session_refuses_a_session_hash_in_use<S: Store>(store: S) {
    let t = now();
    let a = active(&store, &alice(), "sess-a", t).await;
    let held = store.session("sess-a").await.unwrap().expect("the activation's session");
    fail(&store, "1000001", FailureKind::Login, t + 60).await;
    let a = voter(&store, &a.roll.voter_id).await;

    let login = session_for(&a, "sess-a", SessionKind::Activated, a.credentials_version, t + 1);
    assert_eq!(
        store.open_login_session(&a, &login, &account("1000001"), None).await,
        CONDITION,
        "login"
    );
    assert_eq!(voter(&store, "1000001").await, a);

    let link =
        link_with_password(&store, "1000001", "tok-r", TokenPurpose::Reassort, "new", t).await;
    let a = voter(&store, "1000001").await;
    let s = session_for(&a, "sess-a", SessionKind::Activated, a.credentials_version + 1, t + 1);
    assert_eq!(
        store.complete_reassort(&link, a.credentials_version, &s, t + 1).await,
        CONDITION,
        "réassort"
    );
    assert_eq!(voter(&store, "1000001").await, a);
    assert_eq!(token(&store, "tok-r").await, link);

    put(&store, &bob()).await;
    let link =
        link_with_password(&store, "1000002", "tok-b", TokenPurpose::Activation, "ph", t).await;
    let b = voter(&store, "1000002").await;
    let s = session_for(&b, "sess-a", SessionKind::Activated, b.credentials_version + 1, t + 1);
    assert_eq!(store.activate_account(&link, &activation(), &s, t + 1).await, CONDITION);
    let s = session_for(&b, "sess-a", SessionKind::WithoutActivation, b.credentials_version, t);
    assert_eq!(store.skip_activation(&link, &s, t + 1).await, CONDITION);
    assert_eq!(voter(&store, "1000002").await, b);
    assert_eq!(token(&store, "tok-b").await, link);

    assert_eq!(store.session("sess-a").await.unwrap(), Some(held));
}

// ---------------------------------------------------------------------------------------------
// Failures and sessions (FailureCounters, SessionStore)

/// Counts one failure of `kind` as the services do: an attempt reserved on the count read and
/// not given back.
async fn fail<S: Store>(store: &S, voter_id: &str, kind: FailureKind, locked_until: i64) {
    let f = voter(store, voter_id).await.failures(kind);
    let attempt = Attempt {
        seen: f.count,
        seen_at: f.last_at,
        next: f.count + 1,
        now: f.locked_until.max(now()),
        locked_until,
    };
    store.reserve_attempt(&account(voter_id), kind, &attempt).await.unwrap();
}

fn account(voter_id: &str) -> Budget {
    Budget::Account { voter_id: voter_id.into() }
}

/// A first attempt on a budget that has counted nothing, at `now`.
fn first_attempt(now: i64, locked_until: i64) -> Attempt {
    Attempt { seen: 0, seen_at: 0, next: 1, now, locked_until }
}

async fn reserve_attempt_counts_each_attempt_and_sets_the_lock<S: Store>(store: S) {
    let t = now();
    let before = put(&store, &alice()).await;

    fail(&store, "1000001", FailureKind::Login, t + 60).await;
    fail(&store, "1000001", FailureKind::Login, t + 30).await;
    fail(&store, "1000001", FailureKind::Answer, t + 300).await;

    let after = voter(&store, "1000001").await;
    assert_eq!(after.failed_logins_at, t + 60, "the second failure waited for the first lock");
    assert!(after.failed_answers_at >= t);
    assert_eq!(
        after,
        Voter {
            failed_logins: 2,
            login_locked_until: t + 30,
            failed_logins_at: t + 60,
            failed_answers: 1,
            answer_locked_until: t + 300,
            failed_answers_at: after.failed_answers_at,
            ..before
        }
    );
    let attempt = first_attempt(t, t);
    assert_eq!(
        store.reserve_attempt(&account("1000009"), FailureKind::Login, &attempt).await,
        CONDITION
    );
    let device = Budget::Device { hash: "no-such-device".into() };
    assert_eq!(store.reserve_attempt(&device, FailureKind::Login, &attempt).await, CONDITION);
    assert_eq!(store.voter("1000009").await.unwrap(), None);
}

async fn reserve_attempt_refuses_a_count_changed_since_read_or_a_running_lock<S: Store>(store: S) {
    let t = now();
    put(&store, &alice()).await;
    let alice = account("1000001");
    let first = first_attempt(t, t + 60);
    store.reserve_attempt(&alice, FailureKind::Login, &first).await.unwrap();
    let counted = voter(&store, "1000001").await;

    // A guess read with the same count as the first: refused, nothing written.
    assert_eq!(store.reserve_attempt(&alice, FailureKind::Login, &first).await, CONDITION);
    // The right count, but the lock of the first runs past now.
    let locked = Attempt { seen: 1, seen_at: t, next: 2, now: t + 59, locked_until: t + 120 };
    assert_eq!(store.reserve_attempt(&alice, FailureKind::Login, &locked).await, CONDITION);
    assert_eq!(voter(&store, "1000001").await, counted);
    // Answers are counted apart from logins.
    store.reserve_attempt(&alice, FailureKind::Answer, &first_attempt(t, t)).await.unwrap();
    // Once the lock has run out, the next attempt is taken; it writes the count after decay.
    let later = Attempt { seen: 1, seen_at: t, next: 1, now: t + 60, locked_until: t + 180 };
    store.reserve_attempt(&alice, FailureKind::Login, &later).await.unwrap();
    assert_eq!(
        voter(&store, "1000001").await,
        Voter {
            failed_logins: 1,
            login_locked_until: t + 180,
            failed_logins_at: t + 60,
            failed_answers: 1,
            answer_locked_until: t,
            failed_answers_at: t,
            ..counted
        }
    );
}

async fn release_attempt_gives_the_attempt_back_once<S: Store>(store: S) {
    let t = now();
    let before = put(&store, &alice()).await;
    fail(&store, "1000001", FailureKind::Answer, t + 5).await;
    let counted = voter(&store, "1000001").await;
    let attempt = Attempt {
        seen: 1,
        seen_at: counted.failed_answers_at,
        next: 2,
        now: t + 5,
        locked_until: t + 60,
    };
    let alice = account("1000001");
    store.reserve_attempt(&alice, FailureKind::Answer, &attempt).await.unwrap();

    store.release_attempt(&alice, FailureKind::Answer, &attempt, t + 5).await.unwrap();
    assert_eq!(voter(&store, "1000001").await, counted);
    // Given back already: the count no longer holds the attempt.
    assert_eq!(
        store.release_attempt(&alice, FailureKind::Answer, &attempt, t + 5).await,
        CONDITION
    );
    assert_eq!(voter(&store, "1000001").await, counted);
    assert_ne!(counted, before);
}

async fn open_login_session_clears_login_failures_and_opens_a_session<S: Store>(store: S) {
    let t = now();
    active(&store, &alice(), "sess-0", t).await;
    fail(&store, "1000001", FailureKind::Login, t + 60).await;
    fail(&store, "1000001", FailureKind::Answer, t + 120).await;
    let before = voter(&store, "1000001").await;
    let s = session_for(&before, "sess-1", SessionKind::Activated, before.credentials_version, t);

    store.open_login_session(&before, &s, &account("1000001"), None).await.unwrap();

    assert_eq!(
        voter(&store, "1000001").await,
        Voter { failed_logins: 0, login_locked_until: 0, failed_logins_at: 0, ..before }
    );
    assert_eq!(store.session("sess-1").await.unwrap(), Some(s));
}

async fn open_login_session_refuses_a_stale_session_or_an_account_not_active<S: Store>(store: S) {
    let t = now();
    let b = put(&store, &bob()).await;
    let s = session_for(&b, "sess-b", SessionKind::Activated, b.credentials_version, t);
    assert_eq!(
        store.open_login_session(&b, &s, &account("1000002"), None).await,
        CONDITION,
        "not activated"
    );
    assert_eq!(store.session("sess-b").await.unwrap(), None);

    active(&store, &alice(), "sess-0", t).await;
    fail(&store, "1000001", FailureKind::Login, t + 60).await;
    let a = voter(&store, "1000001").await;
    let s = session_for(&a, "sess-a", SessionKind::Activated, a.credentials_version - 1, t);
    assert_eq!(
        store.open_login_session(&a, &s, &account("1000001"), None).await,
        CONDITION,
        "stale credentials"
    );
    assert_eq!(voter(&store, "1000001").await, a);
    assert_eq!(store.session("sess-a").await.unwrap(), None);
}

fn device_for(voter_id: &str, hash: &str, now: i64) -> DeviceRecord {
    DeviceRecord {
        hash: hash.into(),
        voter_id: voter_id.into(),
        created_at: now,
        expires_at: now + 86_400,
        login: Failures::default(),
        answer: Failures::default(),
    }
}

async fn a_login_trusts_a_device_whose_budget_is_apart_from_the_account<S: Store>(store: S) {
    let t = now();
    active(&store, &alice(), "sess-0", t).await;
    fail(&store, "1000001", FailureKind::Login, t + 60).await;
    let a = voter(&store, "1000001").await;
    let device = device_for("1000001", "dev-1", t);
    let s = session_for(&a, "sess-1", SessionKind::Activated, a.credentials_version, t);
    store.open_login_session(&a, &s, &account("1000001"), Some(&device)).await.unwrap();
    assert_eq!(store.device("dev-1").await.unwrap(), Some(device.clone()));
    assert_eq!(store.device("dev-2").await.unwrap(), None);

    // Failures on the device leave the account's budget alone, and the reverse.
    let on_device = Budget::Device { hash: "dev-1".into() };
    store.reserve_attempt(&on_device, FailureKind::Login, &first_attempt(t, t + 60)).await.unwrap();
    fail(&store, "1000001", FailureKind::Login, t + 90).await;
    let counted = store.device("dev-1").await.unwrap().unwrap();
    assert_eq!(counted.login, Failures { count: 1, locked_until: t + 60, last_at: t });
    assert_eq!(counted.answer, Failures::default());
    let a = voter(&store, "1000001").await;
    assert_eq!((a.failed_logins, a.login_locked_until), (1, t + 90));

    // A login from the device clears the device's failures, not the account's.
    let s = session_for(&a, "sess-2", SessionKind::Activated, a.credentials_version, t);
    store.open_login_session(&a, &s, &on_device, None).await.unwrap();
    assert_eq!(store.device("dev-1").await.unwrap(), Some(device.clone()));
    assert_eq!(voter(&store, "1000001").await.failed_logins, 1);

    // The same device is never stored twice, and another voter's device is no budget of Bob's.
    let s = session_for(&a, "sess-3", SessionKind::Activated, a.credentials_version, t);
    let again = DeviceRecord { created_at: t + 1, ..device.clone() };
    assert_eq!(
        store.open_login_session(&a, &s, &account("1000001"), Some(&again)).await,
        CONDITION
    );
    let b = active(&store, &bob(), "sess-b", t).await;
    let s = session_for(&b, "sess-4", SessionKind::Activated, b.credentials_version, t);
    assert_eq!(store.open_login_session(&b, &s, &on_device, None).await, CONDITION);
    assert_eq!(store.session("sess-3").await.unwrap(), None);
    assert_eq!(store.session("sess-4").await.unwrap(), None);
}

async fn an_unlock_link_keeps_other_links_and_trusts_one_device_once<S: Store>(store: S) {
    let t = now();
    active(&store, &alice(), "sess-0", t).await;
    let reassort = issue(&store, "1000001", "tok-r", TokenPurpose::Reassort, t).await;
    let before = voter(&store, "1000001").await;
    let unlock = TokenRecord {
        generation: before.token_generation,
        ..link_for(&before, "tok-u", TokenPurpose::Unlock, t)
    };

    assert_eq!(
        store
            .issue_unlock_token(&before, 1, &[t], &unlock, &sample_mail(&before.roll.voter_id))
            .await,
        CONDITION,
        "count"
    );
    store
        .issue_unlock_token(&before, 0, &[t], &unlock, &sample_mail(&before.roll.voter_id))
        .await
        .unwrap();
    let after = voter(&store, "1000001").await;
    assert_eq!(after, Voter { unlock_sent_at: vec![t], unlock_count: 1, ..before.clone() });
    assert_eq!(token(&store, "tok-u").await, unlock);
    assert_eq!(token(&store, "tok-r").await, reassort, "the réassort link stays valid");
    let second = TokenRecord { hash: "tok-u2".into(), ..unlock.clone() };
    assert_eq!(
        store
            .issue_unlock_token(&after, 0, &[t], &second, &sample_mail(&after.roll.voter_id))
            .await,
        CONDITION,
        "raced"
    );

    // Only an unlock token trusts a device, once.
    let device = device_for("1000001", "dev-u", t);
    assert_eq!(store.trust_device(&reassort, &device, t + 1).await, CONDITION, "not an unlock");
    store.trust_device(&unlock, &device, t + 1).await.unwrap();
    assert_eq!(store.device("dev-u").await.unwrap(), Some(device.clone()));
    assert_eq!(token(&store, "tok-u").await.consumed_at, Some(t + 1));
    let other = device_for("1000001", "dev-v", t);
    assert_eq!(store.trust_device(&unlock, &other, t + 2).await, CONDITION, "used");
    assert_eq!(store.device("dev-v").await.unwrap(), None);

    // A newer link (a new generation) voids an unlock link not yet used.
    let a = voter(&store, "1000001").await;
    let late = TokenRecord {
        generation: a.token_generation,
        ..link_for(&a, "tok-u3", TokenPurpose::Unlock, t)
    };
    store.issue_unlock_token(&a, 1, &[t, t], &late, &sample_mail(&a.roll.voter_id)).await.unwrap();
    issue(&store, "1000001", "tok-r2", TokenPurpose::Reassort, t).await;
    assert_eq!(store.trust_device(&late, &other, t + 3).await, CONDITION, "voided");
    assert_eq!(store.device("dev-v").await.unwrap(), None);
}

// ---------------------------------------------------------------------------------------------
// The outbox (OutboxDelivery, Bounces)

/// A link mail as the services queue one with its token.
fn link_mail_for(voter: &Voter, token: &TokenRecord, at: i64) -> OutboxMail {
    let mail = sample_mail(&voter.roll.voter_id);
    OutboxMail {
        follow: Follow::Link {
            token_hash: token.hash.clone(),
            valid_secs: 3600,
            cap: CapKind::Mail,
            counted_at: at,
        },
        asked_at_ms: at * 1000,
        ..mail
    }
}

async fn an_outbox_item_is_taken_once_and_marked_sent_with_its_link_valid_from_then<S: Store>(
    store: S,
) {
    let t = now();
    let v = put(&store, &alice()).await;
    let link = link_for(&v, "tok-o", TokenPurpose::Activation, t);
    let mail = link_mail_for(&v, &link, t);
    store.issue_token(&v, v.token_generation, &[t], &link, &mail).await.unwrap();
    let queued = store.outbox_item(&mail.id).await.unwrap().expect("queued with the token");
    assert_eq!(queued, OutboxItem::pending(&mail));

    let ms = t * 1000;
    store.take_for_sending(&mail.id, ms, ms - 60_000).await.unwrap();
    assert_eq!(store.take_for_sending(&mail.id, ms + 1, ms - 59_999).await, CONDITION, "held");
    let taken = store.outbox_item(&mail.id).await.unwrap().unwrap();
    assert_eq!(
        (taken.status, taken.attempts, taken.claimed_at_ms),
        (OutboxStatus::Sending, 1, Some(ms))
    );

    // Accepted two hours late: the link lasts its hour from then.
    let accepted = ms + 7_200_000;
    assert_eq!(store.mark_sent(&taken, ms + 1, accepted, "m-1").await, CONDITION, "not its claim");
    store.mark_sent(&taken, ms, accepted, "m-1").await.unwrap();
    let sent = store.outbox_item(&mail.id).await.unwrap().unwrap();
    assert_eq!(sent.status, OutboxStatus::Sent);
    assert_eq!(sent.mail, None, "the text leaves the outbox");
    assert_eq!((sent.accepted_at_ms, sent.message_id.as_deref()), (Some(accepted), Some("m-1")));
    assert_eq!(token(&store, "tok-o").await.expires_at, t + 7200 + 3600);
    assert_eq!(store.take_for_sending(&mail.id, accepted, accepted).await, CONDITION, "done");
}

async fn an_outbox_item_put_back_or_left_stale_is_taken_again_and_can_fail<S: Store>(store: S) {
    let t = now();
    let v = put(&store, &alice()).await;
    let link = link_for(&v, "tok-f", TokenPurpose::Activation, t);
    let mail = link_mail_for(&v, &link, t);
    store.issue_token(&v, v.token_generation, &[t - 5, t], &link, &mail).await.unwrap();
    let ms = t * 1000;
    store.take_for_sending(&mail.id, ms, ms - 60_000).await.unwrap();
    assert_eq!(store.put_back(&mail.id, ms + 1).await, CONDITION, "not its claim");
    store.put_back(&mail.id, ms).await.unwrap();
    store.take_for_sending(&mail.id, ms + 10, ms - 60_000).await.unwrap();
    // A mailer that stopped: past the lease, another takes it over.
    store.take_for_sending(&mail.id, ms + 70_000, ms + 10_000).await.unwrap();
    let taken = store.outbox_item(&mail.id).await.unwrap().unwrap();
    assert_eq!(taken.attempts, 3);
    assert_eq!(store.mark_failed(&taken, ms + 10, "rejected").await, CONDITION, "taken over");
    store.mark_failed(&taken, ms + 70_000, "rejected").await.unwrap();
    let failed = store.outbox_item(&mail.id).await.unwrap().unwrap();
    assert_eq!(
        (failed.status, failed.failure.as_deref(), failed.mail),
        (OutboxStatus::Failed, Some("rejected"), None)
    );

    // Its place in the cap goes back, on the generation read.
    let read = voter(&store, "1000001").await;
    let next = link_for(&read, "tok-g", TokenPurpose::Activation, t);
    let sent_at = [t - 5, t, t + 1];
    store
        .issue_token(&read, read.token_generation, &sent_at, &next, &sample_mail("1000001"))
        .await
        .unwrap();
    assert_eq!(store.give_back_cap_place(&read, CapKind::Mail, t).await, CONDITION, "stale");
    let current = voter(&store, "1000001").await;
    store.give_back_cap_place(&current, CapKind::Mail, t).await.unwrap();
    assert_eq!(voter(&store, "1000001").await.mail_sent_at, vec![t - 5, t + 1]);
    // A time no longer in the list: nothing to give back.
    let current = voter(&store, "1000001").await;
    store.give_back_cap_place(&current, CapKind::Mail, t).await.unwrap();
    assert_eq!(voter(&store, "1000001").await, current);
}

async fn a_bounce_is_kept_per_address<S: Store>(store: S) {
    let b = Bounce {
        email: "alice.1000001@education.gouv.fr".into(),
        kind: "bounce".into(),
        at_ms: 5,
        detail: "550 user unknown".into(),
    };
    assert_eq!(store.bounce(&b.email).await.unwrap(), None);
    store.record_bounce(&b).await.unwrap();
    assert_eq!(store.bounce(&b.email).await.unwrap(), Some(b.clone()));
    let again = Bounce { kind: "complaint".into(), at_ms: 9, ..b.clone() };
    store.record_bounce(&again).await.unwrap();
    assert_eq!(store.bounce(&b.email).await.unwrap(), Some(again));
}

async fn a_session_reads_back_is_touched_and_deleted<S: Store>(store: S) {
    let t = now();
    let a = active(&store, &alice(), "sess-0", t).await;
    let s = session_for(&a, "sess-1", SessionKind::Activated, a.credentials_version, t);
    store.open_login_session(&a, &s, &account("1000001"), None).await.unwrap();
    assert_eq!(store.session("sess-1").await.unwrap(), Some(s.clone()));

    store.touch_session("sess-1", t + 90).await.unwrap();
    assert_eq!(
        store.session("sess-1").await.unwrap(),
        Some(SessionRecord { last_seen_at: t + 90, ..s })
    );

    store.delete_session("sess-1", t + 100).await.unwrap();
    assert_eq!(store.session("sess-1").await.unwrap(), None);
    store.delete_session("sess-1", t + 101).await.expect("deleting a missing session is no error");
    assert!(store.session("sess-0").await.unwrap().is_some(), "the other session stays");
}

async fn touching_a_missing_session_fails_and_creates_nothing<S: Store>(store: S) {
    let t = now();
    assert_eq!(store.touch_session("sess-9", t).await, CONDITION);
    assert_eq!(store.session("sess-9").await.unwrap(), None);
}

// ---------------------------------------------------------------------------------------------
// Claims

async fn file_claim_stores_once_per_voter_and_idempotency_key<S: Store>(store: S) {
    put(&store, &alice()).await;
    put(&store, &bob()).await;
    let first = claim("1000001", "REC-1", "key-1", "absent de la liste");
    assert_eq!(
        store.file_claim(&first, CAP, &sample_mail(&first.voter_id)).await.unwrap(),
        ClaimOutcome::Created
    );

    let retry = claim("1000001", "REC-2", "key-1", "autre texte");
    assert_eq!(
        store.file_claim(&retry, CAP, &sample_mail(&retry.voter_id)).await.unwrap(),
        ClaimOutcome::Existing(first.clone())
    );

    let other_voter = claim("1000002", "REC-9", "key-1", "absent de la liste");
    assert_eq!(
        store.file_claim(&other_voter, CAP, &sample_mail(&other_voter.voter_id)).await.unwrap(),
        ClaimOutcome::Created
    );

    let on_ballot = Claim {
        scrutin_id: Some("CT-MEN".into()),
        category: ClaimCategory::ListeCandidats,
        ..claim("1000001", "REC-3", "key-2", "liste incomplète")
    };
    assert_eq!(
        store.file_claim(&on_ballot, CAP, &sample_mail(&on_ballot.voter_id)).await.unwrap(),
        ClaimOutcome::Created
    );
    assert_eq!(
        store.file_claim(&on_ballot, CAP, &sample_mail(&on_ballot.voter_id)).await.unwrap(),
        ClaimOutcome::Existing(on_ballot)
    );
    assert_eq!(
        store.file_claim(&retry, CAP, &sample_mail(&retry.voter_id)).await.unwrap(),
        ClaimOutcome::Existing(first)
    );
}

async fn file_claim_refuses_a_reference_in_use_and_writes_nothing<S: Store>(store: S) {
    put(&store, &alice()).await;
    put(&store, &bob()).await;
    let first = claim("1000001", "REC-1", "key-1", "absent de la liste");
    store.file_claim(&first, CAP, &sample_mail(&first.voter_id)).await.unwrap();

    let clash = claim("1000001", "REC-1", "key-2", "autre texte");
    assert_eq!(
        store.file_claim(&clash, CAP, &sample_mail(&clash.voter_id)).await,
        Err(StoreError::TransactionConflict)
    );

    assert_eq!(
        store.file_claim(&first, CAP, &sample_mail(&first.voter_id)).await.unwrap(),
        ClaimOutcome::Existing(first.clone())
    );
    let next = Claim { reference: "REC-2".into(), ..clash };
    assert_eq!(
        store.file_claim(&next, CAP, &sample_mail(&next.voter_id)).await.unwrap(),
        ClaimOutcome::Created,
        "key-2 was free"
    );
}

async fn file_claim_refuses_a_reference_held_by_another_voter<S: Store>(store: S) {
    put(&store, &alice()).await;
    put(&store, &bob()).await;
    let alices = claim("1000001", "REC-1", "key-1", "absent de la liste");
    store.file_claim(&alices, CAP, &sample_mail(&alices.voter_id)).await.unwrap();

    let bobs = claim("1000002", "REC-1", "key-1", "absent de la liste");
    assert_eq!(
        store.file_claim(&bobs, CAP, &sample_mail(&bobs.voter_id)).await,
        Err(StoreError::TransactionConflict)
    );
    assert_eq!(voter(&store, "1000002").await.claims_filed, 0, "nothing counted");
    let next = Claim { reference: "REC-2".into(), ..bobs };
    assert_eq!(
        store.file_claim(&next, CAP, &sample_mail(&next.voter_id)).await.unwrap(),
        ClaimOutcome::Created
    );
}

async fn file_claim_counts_each_claim_and_refuses_past_the_cap<S: Store>(store: S) {
    put(&store, &alice()).await;
    let first = claim("1000001", "REC-1", "key-1", "absent de la liste");
    let second = claim("1000001", "REC-2", "key-2", "prénom mal orthographié");
    assert_eq!(
        store.file_claim(&first, 2, &sample_mail(&first.voter_id)).await.unwrap(),
        ClaimOutcome::Created
    );
    assert_eq!(
        store.file_claim(&second, 2, &sample_mail(&second.voter_id)).await.unwrap(),
        ClaimOutcome::Created
    );
    assert_eq!(voter(&store, "1000001").await.claims_filed, 2);

    let third = claim("1000001", "REC-3", "key-3", "une troisième réclamation");
    assert_eq!(
        store.file_claim(&third, 2, &sample_mail(&third.voter_id)).await.unwrap(),
        ClaimOutcome::CapReached
    );
    // A retry of a claim already filed is still answered at the cap.
    assert_eq!(
        store.file_claim(&first, 2, &sample_mail(&first.voter_id)).await.unwrap(),
        ClaimOutcome::Existing(first.clone())
    );
    assert_eq!(voter(&store, "1000001").await.claims_filed, 2);
    // Nothing of the refused claim was stored: with a higher cap it is created.
    assert_eq!(
        store.file_claim(&third, 3, &sample_mail(&third.voter_id)).await.unwrap(),
        ClaimOutcome::Created
    );
    assert_eq!(voter(&store, "1000001").await.claims_filed, 3);

    let nobody = claim("1000009", "REC-1", "key-1", "électeur absent du registre");
    assert!(
        store.file_claim(&nobody, 2, &sample_mail(&nobody.voter_id)).await.is_err(),
        "a claim needs a voter of the roll"
    );
}

async fn mark_claim_acknowledged_is_seen_by_a_retry<S: Store>(store: S) {
    put(&store, &alice()).await;
    put(&store, &bob()).await;
    let first = claim("1000001", "REC-1", "key-1", "absent de la liste");
    store.file_claim(&first, CAP, &sample_mail(&first.voter_id)).await.unwrap();

    store.mark_claim_acknowledged("1000001", "REC-1").await.unwrap();

    assert_eq!(
        store.file_claim(&first, CAP, &sample_mail(&first.voter_id)).await.unwrap(),
        ClaimOutcome::Existing(Claim { acknowledged: true, ..first })
    );
}

async fn mark_claim_acknowledged_refuses_a_missing_claim<S: Store>(store: S) {
    put(&store, &alice()).await;
    put(&store, &bob()).await;
    let first = claim("1000001", "REC-1", "key-1", "absent de la liste");
    assert_eq!(store.mark_claim_acknowledged("1000001", "REC-1").await, CONDITION, "none filed");
    store.file_claim(&first, CAP, &sample_mail(&first.voter_id)).await.unwrap();
    assert_eq!(
        store.mark_claim_acknowledged("1000002", "REC-1").await,
        CONDITION,
        "another voter's reference"
    );
    assert_eq!(
        store.file_claim(&first, CAP, &sample_mail(&first.voter_id)).await.unwrap(),
        ClaimOutcome::Existing(first)
    );
}

// ---------------------------------------------------------------------------------------------
// Ballots and electoral lists

async fn scrutins_come_in_the_order_asked_with_their_candidate_lists<S: Store>(store: S) {
    let ct = Scrutin {
        id: "CT-MEN".into(),
        name: "Comité social d'administration ministériel".into(),
        description: "Scrutin de liste".into(),
        candidate_lists: vec![
            CandidateList {
                id: "L2".into(),
                order: 2,
                name: "Liste deux".into(),
                organisation: "Syndicat B".into(),
                candidates: vec![candidate(2, "Petit"), candidate(1, "Grand")],
            },
            CandidateList {
                id: "L1".into(),
                order: 1,
                name: "Liste un".into(),
                organisation: String::new(),
                candidates: vec![candidate(1, "Moreau")],
            },
        ],
    };
    let cap = Scrutin {
        id: "CAP-ATT".into(),
        name: "CAP des attachés".into(),
        description: String::new(),
        candidate_lists: vec![],
    };
    store.put_scrutin(&ct).await.unwrap();
    store.put_scrutin(&cap).await.unwrap();

    let in_ballot_order = Scrutin {
        candidate_lists: vec![
            ct.candidate_lists[1].clone(),
            CandidateList {
                candidates: vec![candidate(1, "Grand"), candidate(2, "Petit")],
                ..ct.candidate_lists[0].clone()
            },
        ],
        ..ct.clone()
    };
    let asked = ["CAP-ATT".to_string(), "NONE".into(), "CT-MEN".into()];
    assert_eq!(store.scrutins(&asked).await.unwrap(), vec![cap.clone(), in_ballot_order.clone()]);
    assert_eq!(
        store.scrutins(&["CT-MEN".to_string(), "CAP-ATT".into()]).await.unwrap(),
        vec![in_ballot_order, cap]
    );
    assert_eq!(store.scrutins(&[]).await.unwrap(), vec![]);
}

async fn electoral_list_pages_across_shards_in_alphabetical_order<S: Store>(store: S) {
    // in the list's order: shard by initial, folded names, then voter id; '_' last
    let voters = [
        roll("2000008", "Adam", "Zoé", &["CT-MEN"]),
        roll("2000002", "Bernard", "Anne", &["CT-MEN"]),
        roll("2000007", "Bernard", "Anne", &["CT-MEN", "CAP-ATT"]),
        roll("2000003", "Bernard", "Émile", &["CT-MEN"]),
        roll("2000005", "d'Artagnan", "Charles", &["CT-MEN"]),
        roll("2000004", "Eco", "Umberto", &["CT-MEN"]),
        roll("2000001", "Éluard", "Paul", &["CT-MEN"]),
        roll("2000006", "Zola", "Émile", &["CT-MEN"]),
        roll("2000009", "Ølsen", "Ole", &["CT-MEN"]),
    ];
    for v in voters.iter().rev() {
        store.put_roll_voter(v).await.unwrap();
    }
    store.put_roll_voter(&roll("2000010", "Martin", "Léa", &["CAP-ATT"])).await.unwrap();
    let expected: Vec<RollEntry> = voters.iter().map(entry).collect();

    assert_eq!(whole_list(&store, "CT-MEN", 100).await, (expected.clone(), vec![9]));
    assert_eq!(whole_list(&store, "CT-MEN", 3).await, (expected.clone(), vec![3, 3, 3]));
    assert_eq!(whole_list(&store, "CT-MEN", 4).await, (expected.clone(), vec![4, 4, 1]));
    assert_eq!(whole_list(&store, "CT-MEN", 1).await, (expected, vec![1; 9]));
    assert_eq!(
        whole_list(&store, "CAP-ATT", 2).await.0,
        vec![entry(&voters[2]), entry(&roll("2000010", "Martin", "Léa", &[]))]
    );

    // a cursor in the middle of a shard goes on from there
    let first = RollCursor { shard: ROLL_SHARDS[0], after: None };
    let (page, next) = store.electoral_list_page("CT-MEN", first, 2).await.unwrap();
    assert_eq!(page, vec![entry(&voters[0]), entry(&voters[1])]);
    let next = next.expect("more to come");
    assert_eq!(next.shard, 'B');
    let (page, _) = store.electoral_list_page("CT-MEN", next, 2).await.unwrap();
    assert_eq!(page, vec![entry(&voters[2]), entry(&voters[3])]);

    let nothing = RollCursor { shard: ROLL_SHARDS[0], after: None };
    assert_eq!(store.electoral_list_page("NONE", nothing, 10).await.unwrap(), (vec![], None));
}

async fn electoral_list_search_pages_by_name_and_the_count_is_what_was_counted<S: Store>(store: S) {
    let voters = [
        roll("3000001", "Le Goff", "Anne", &["CT-MEN"]),
        roll("3000002", "Legoff", "Bruno", &["CT-MEN"]),
        roll("3000003", "Le Gall", "Chloé", &["CT-MEN"]),
        roll("3000004", "Lefèvre", "Denis", &["CT-MEN", "CAP-ATT"]),
        roll("3000005", "Martin", "Léa", &["CT-MEN"]),
        roll("3000006", "Legoff", "Zoé", &["CAP-ATT"]),
    ];
    for v in &voters {
        store.put_roll_voter(v).await.unwrap();
    }
    assert_eq!(store.electoral_list_count("CT-MEN").await.unwrap(), None, "never counted");

    // case, accents, spaces: the list's folding; only the ballot asked; in the list's order
    let (page, next) = store.electoral_list_search("CT-MEN", "legoff", None, 10).await.unwrap();
    assert_eq!(page, vec![entry(&voters[0]), entry(&voters[1])]);
    assert_eq!(next, None);
    let (page, next) = store.electoral_list_search("CT-MEN", "le", None, 2).await.unwrap();
    assert_eq!(page, vec![entry(&voters[3]), entry(&voters[2])]);
    let next = next.expect("a second page");
    assert_eq!(next.shard, 'L');
    let (page, next) = store.electoral_list_search("CT-MEN", "le", next.after, 2).await.unwrap();
    assert_eq!(page, vec![entry(&voters[0]), entry(&voters[1])]);
    assert_eq!(next, None, "exactly two left: no empty page after");
    assert_eq!(store.electoral_list_search("CT-MEN", "zz", None, 5).await.unwrap(), (vec![], None));
    assert_eq!(store.electoral_list_search("NONE", "le", None, 5).await.unwrap(), (vec![], None));

    assert_eq!(store.count_roll("CT-MEN").await.unwrap(), 5);
    assert_eq!(store.count_roll("CAP-ATT").await.unwrap(), 2);
    assert_eq!(store.count_roll("NONE").await.unwrap(), 0);
    assert_eq!(store.electoral_list_count("CT-MEN").await.unwrap(), Some(5));
    // a voter leaving a ballot counts once counted again
    store.put_roll_voter(&roll("3000005", "Martin", "Léa", &["CAP-ATT"])).await.unwrap();
    assert_eq!(store.electoral_list_count("CT-MEN").await.unwrap(), Some(5));
    assert_eq!(store.count_roll("CT-MEN").await.unwrap(), 4);
    assert_eq!(store.count_roll("CAP-ATT").await.unwrap(), 3);
    assert_eq!(store.electoral_list_count("CAP-ATT").await.unwrap(), Some(3));
}

// ---------------------------------------------------------------------------------------------
// The calendar

async fn the_calendar_reads_back_as_written<S: Store>(store: S) {
    assert_eq!(store.calendar().await.unwrap(), None);
    let at = |d: u32, h: u32| Utc.with_ymd_and_hms(2026, 3, d, h, 0, 0).unwrap();
    let calendar = Calendar {
        activation_opens_at: at(2, 8),
        claim_deadline: at(9, 17),
        voting_opens_at: at(16, 9),
        voting_closes_at: at(23, 16),
    };
    store.put_calendar(&calendar).await.unwrap();
    assert_eq!(store.calendar().await.unwrap(), Some(calendar));

    let moved = Calendar { claim_deadline: at(10, 17), ..calendar };
    store.put_calendar(&moved).await.unwrap();
    assert_eq!(store.calendar().await.unwrap(), Some(moved));
}

// ---------------------------------------------------------------------------------------------
// The security trail (AuditTrail, and the event each change writes with itself)

async fn kinds<S: Store>(store: &S, voter_id: &str) -> Vec<AuditKind> {
    store.trail(voter_id, &[], 100).await.expect("read the trail").iter().map(|e| e.kind).collect()
}

async fn each_change_records_its_event_newest_first<S: Store>(store: S) {
    let t = now();
    let a = active(&store, &alice(), "sess-0", t).await;
    use AuditKind::*;
    assert_eq!(kinds(&store, "1000001").await, [AccountActivated, ActivationAsked]);

    let s = session_for(&a, "sess-1", SessionKind::Activated, a.credentials_version, t + 1);
    store.open_login_session(&a, &s, &account(&a.roll.voter_id), None).await.unwrap();
    store.delete_session("sess-1", t + 2).await.unwrap();
    store.delete_session("sess-1", t + 3).await.unwrap();
    let c = claim("1000001", "REF-AUDIT", "key-audit-1", "une réclamation");
    assert_eq!(
        store.file_claim(&c, CAP, &sample_mail(&c.voter_id)).await.unwrap(),
        ClaimOutcome::Created
    );
    assert!(matches!(
        store.file_claim(&c, CAP, &sample_mail(&c.voter_id)).await.unwrap(),
        ClaimOutcome::Existing(_)
    ));

    let r =
        link_with_password(&store, "1000001", "rea-1", TokenPurpose::Reassort, "new", t + 4).await;
    let a = voter(&store, "1000001").await;
    let s = session_for(&a, "sess-2", SessionKind::Activated, a.credentials_version + 1, t + 5);
    store.complete_reassort(&r, a.credentials_version, &s, t + 5).await.unwrap();
    let moved = RollVoter { email: "nouvelle.alice@education.gouv.fr".into(), ..alice() };
    store.put_roll_voter(&moved).await.unwrap();

    // The claim's time is its own (a fixed date of the fixture), the address change the clock's.
    let trail = store.trail("1000001", &[], 100).await.unwrap();
    let mut by_time: Vec<AuditKind> =
        trail.iter().filter(|e| e.kind != ClaimFiled).map(|e| e.kind).collect();
    by_time.retain(|k| *k != AddressChanged);
    assert_eq!(
        by_time,
        [
            ReassortUsed,
            ReassortAsked,
            SessionEnded,
            LoginSucceeded,
            AccountActivated,
            ActivationAsked
        ]
    );
    assert_eq!(trail.iter().filter(|e| e.kind == AddressChanged).count(), 1, "{trail:?}");
    let filed: Vec<&AuditEvent> = trail.iter().filter(|e| e.kind == ClaimFiled).collect();
    assert_eq!(filed.len(), 1, "a retry files nothing and records nothing: {trail:?}");
    assert_eq!(filed[0].detail.as_deref(), Some("REF-AUDIT"));
    assert_eq!(filed[0].at, c.created_at.timestamp());
    let ended = trail.iter().find(|e| e.kind == SessionEnded).unwrap();
    assert_eq!((ended.at, ended.detail.as_deref()), (t + 2, Some("activated")));
    assert!(trail.iter().all(|e| e.voter_id == "1000001"));
    assert_eq!(kinds(&store, "1000002").await, [], "nothing in another voter's trail");
}

async fn a_refused_change_records_no_event<S: Store>(store: S) {
    let t = now();
    let a = active(&store, &alice(), "sess-0", t).await;
    let first = claim("1000001", "REF-ONE", "key-one-1", "une réclamation");
    assert_eq!(
        store.file_claim(&first, 1, &sample_mail(&first.voter_id)).await.unwrap(),
        ClaimOutcome::Created
    );
    let before = kinds(&store, "1000001").await;

    let stale = link_for(&a, "tok-stale", TokenPurpose::Reassort, t);
    let refused = store
        .issue_token(&a, a.token_generation - 1, &[t], &stale, &sample_mail(&a.roll.voter_id))
        .await;
    assert_eq!(refused, CONDITION);
    let used = token(&store, "act-1000001").await;
    let s = session_for(&a, "sess-x", SessionKind::Activated, a.credentials_version, t);
    assert_eq!(store.activate_account(&used, &activation(), &s, t).await, CONDITION);
    assert_eq!(store.skip_activation(&used, &s, t).await, CONDITION);
    let old = session_for(&a, "sess-y", SessionKind::Activated, a.credentials_version - 1, t);
    assert_eq!(
        store.open_login_session(&a, &old, &account(&a.roll.voter_id), None).await,
        CONDITION
    );
    store.delete_session("no-such-session", t).await.unwrap();
    let c = claim("1000001", "REF-CAP", "key-cap-1", "une réclamation");
    assert_eq!(
        store.file_claim(&c, 1, &sample_mail(&c.voter_id)).await.unwrap(),
        ClaimOutcome::CapReached
    );

    assert_eq!(kinds(&store, "1000001").await, before);
}

async fn the_trail_reads_newest_first_by_kind_and_limit<S: Store>(store: S) {
    let t = now();
    put(&store, &alice()).await;
    use AuditKind::*;
    for (i, kind) in [LoginSucceeded, LoginFailed, LoginSucceeded, Locked, LoginSucceeded]
        .into_iter()
        .enumerate()
    {
        let detail = (kind == Locked).then_some("login");
        store.record_event(&AuditEvent::new("1000001", kind, t + i as i64, detail)).await.unwrap();
    }
    store.record_event(&AuditEvent::new("1000002", LoginSucceeded, t + 9, None)).await.unwrap();

    let last = store.trail("1000001", &[LoginSucceeded], 2).await.unwrap();
    assert_eq!(
        last,
        [
            AuditEvent::new("1000001", LoginSucceeded, t + 4, None),
            AuditEvent::new("1000001", LoginSucceeded, t + 2, None),
        ]
    );
    let all = store.trail("1000001", &[], 10).await.unwrap();
    assert_eq!(all.iter().map(|e| e.at - t).collect::<Vec<_>>(), [4, 3, 2, 1, 0]);
    assert_eq!(all[1].detail.as_deref(), Some("login"));
    // The voter's profile, in the same partition, is not an event.
    assert_eq!(voter(&store, "1000001").await.roll, alice());
    // Events of the same second come back in the order written, newest first.
    store.record_event(&AuditEvent::new("1000001", LoginFailed, t + 20, None)).await.unwrap();
    store.record_event(&AuditEvent::new("1000001", Locked, t + 20, None)).await.unwrap();
    assert_eq!(kinds(&store, "1000001").await[..2], [Locked, LoginFailed]);
}

/// DynamoDB only: each event carries its expiry for the table's TTL, the retention given.
#[tokio::test]
async fn dynamodb_audit_items_expire_after_the_retention() {
    let store = dynamo_store().await.with_audit_retention(1_000);
    let t = now();
    put(&store, &alice()).await;
    let event = AuditEvent::new("1000001", AuditKind::LoginFailed, t, None);
    shared::ports::AuditTrail::record_event(&store, &event).await.unwrap();
    let out = store
        .client()
        .query()
        .table_name(store.table())
        .key_condition_expression("pk = :pk AND begins_with(sk, :audit)")
        .expression_attribute_values(":pk", AttributeValue::S("VOTER#1000001".into()))
        .expression_attribute_values(":audit", AttributeValue::S("AUDIT#".into()))
        .send()
        .await
        .unwrap();
    let items = out.items.unwrap_or_default();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["ttl"], AttributeValue::N((t + 1_000).to_string()));
    assert_eq!(items[0]["kind"], AttributeValue::S("login_failed".into()));
}

// ---------------------------------------------------------------------------------------------
// Assistance requests

fn assistance(reference: &str, voter_id: Option<&str>, at: i64) -> AssistanceRequest {
    AssistanceRequest {
        reference: reference.into(),
        identifier: "alice.1000001@education.gouv.fr".into(),
        voter_id: voter_id.map(str::to_string),
        from_session: false,
        subject: AssistanceSubject::CourrielNonRecu,
        message: "Je n'ai pas reçu le courriel.".into(),
        created_at: Utc.timestamp_opt(at, 0).unwrap(),
        status: AssistanceStatus::Open,
        answered_at: None,
        answered_by: None,
        answer: None,
    }
}

async fn file_assistance_stores_the_request_its_window_and_its_acknowledgement_together<
    S: Store,
>(
    store: S,
) {
    let t = now();
    assert_eq!(store.assistance_window("h1").await.unwrap(), AssistanceWindow::default());
    let known = assistance("AS-KNOWN00001", Some("1000001"), t - 10);
    let ack = sample_mail("1000001");
    let seen = AssistanceWindow::default();
    store.file_assistance(&known, "h1", &seen, &[t - 10], Some(&ack)).await.unwrap();
    assert_eq!(store.assistance_request("AS-KNOWN00001").await.unwrap(), Some(known.clone()));
    let window = store.assistance_window("h1").await.unwrap();
    assert_eq!(window, AssistanceWindow { version: 1, sent_at: vec![t - 10] });
    let queued = store.outbox_item(&ack.id).await.unwrap().expect("queued with the request");
    assert_eq!(queued.status, OutboxStatus::Pending);
    assert_eq!(queued.to, ack.mail.to);

    // An identifier on no roll: the request alone, no mail.
    let unknown = AssistanceRequest {
        identifier: "inconnu@ac-lyon.fr".into(),
        ..assistance("AS-UNKNOWN001", None, t)
    };
    store.file_assistance(&unknown, "h2", &seen, &[t], None).await.unwrap();
    let window = store.assistance_window("h1").await.unwrap();
    store
        .file_assistance(
            &assistance("AS-KNOWN00002", Some("1000001"), t),
            "h1",
            &window,
            &[t - 10, t],
            None,
        )
        .await
        .unwrap();
    assert_eq!(store.assistance_window("h1").await.unwrap().version, 2);
    let all: Vec<String> =
        store.assistance_requests().await.unwrap().into_iter().map(|r| r.reference).collect();
    assert_eq!(all, ["AS-KNOWN00001", "AS-KNOWN00002", "AS-UNKNOWN001"], "oldest first");
    assert_eq!(store.assistance_request("AS-UNKNOWN001").await.unwrap(), Some(unknown));
}

async fn file_assistance_refuses_a_stale_window_or_a_reference_in_use_and_writes_nothing<
    S: Store,
>(
    store: S,
) {
    let t = now();
    let seen = AssistanceWindow::default();
    let first = assistance("AS-FIRST00001", Some("1000001"), t);
    store.file_assistance(&first, "h1", &seen, &[t], None).await.unwrap();
    // Read before the first was written: refused, nothing of it stored.
    let late = assistance("AS-LATE000001", Some("1000001"), t);
    let ack = sample_mail("1000001");
    let stale = store.file_assistance(&late, "h1", &seen, &[t, t], Some(&ack)).await;
    assert_eq!(stale, CONDITION);
    assert_eq!(store.assistance_request("AS-LATE000001").await.unwrap(), None);
    assert_eq!(store.outbox_item(&ack.id).await.unwrap(), None);
    // A reference drawn twice: refused, the window stays as it was.
    let window = store.assistance_window("h1").await.unwrap();
    let again = assistance("AS-FIRST00001", None, t + 1);
    assert_eq!(store.file_assistance(&again, "h2", &seen, &[t + 1], None).await, CONDITION);
    assert_eq!(store.assistance_window("h2").await.unwrap(), AssistanceWindow::default());
    assert_eq!(store.assistance_window("h1").await.unwrap(), window);
    assert_eq!(store.assistance_request("AS-FIRST00001").await.unwrap(), Some(first));
}

async fn answer_assistance_marks_an_open_request_answered_once_with_its_mail<S: Store>(store: S) {
    let t = now();
    let request = assistance("AS-ANSWER0001", Some("1000001"), t);
    store.file_assistance(&request, "h1", &AssistanceWindow::default(), &[t], None).await.unwrap();
    let at = Utc.timestamp_opt(t + 60, 0).unwrap();
    let mail = sample_mail("1000001");
    store
        .answer_assistance("AS-ANSWER0001", at, "gestion", "Voici la réponse.", &mail)
        .await
        .unwrap();
    let answered = store.assistance_request("AS-ANSWER0001").await.unwrap().unwrap();
    assert_eq!(answered.status, AssistanceStatus::Answered);
    assert_eq!(answered.answered_at, Some(at));
    assert_eq!(answered.answered_by.as_deref(), Some("gestion"));
    assert_eq!(answered.answer.as_deref(), Some("Voici la réponse."));
    assert!(store.outbox_item(&mail.id).await.unwrap().is_some(), "the answer's mail is queued");

    let second = sample_mail("1000001");
    let twice = store.answer_assistance("AS-ANSWER0001", at, "autre", "Encore.", &second).await;
    assert_eq!(twice, CONDITION);
    assert_eq!(store.outbox_item(&second.id).await.unwrap(), None, "no second mail");
    let kept = store.assistance_request("AS-ANSWER0001").await.unwrap().unwrap();
    assert_eq!(kept.answered_by.as_deref(), Some("gestion"));
    let third = sample_mail("1000001");
    assert_eq!(store.answer_assistance("AS-NONE000001", at, "g", "R.", &third).await, CONDITION);
    assert_eq!(store.outbox_item(&third.id).await.unwrap(), None);
}

contract! {
    an_outbox_item_is_taken_once_and_marked_sent_with_its_link_valid_from_then,
    an_outbox_item_put_back_or_left_stale_is_taken_again_and_can_fail,
    a_bounce_is_kept_per_address,
    a_login_trusts_a_device_whose_budget_is_apart_from_the_account,
    an_unlock_link_keeps_other_links_and_trusts_one_device_once,
    a_new_voter_reads_back_by_id_and_by_identifier,
    the_same_roll_voter_again_changes_nothing_and_keeps_the_account,
    a_changed_roll_voter_keeps_the_account_and_follows_the_new_data,
    a_new_address_voids_links_and_sessions_and_reopens_activation,
    a_roll_voter_cannot_take_an_identifier_held_by_another,
    issue_token_raises_the_generation_and_stores_the_link_and_mail_window,
    issue_token_with_a_stale_generation_writes_nothing,
    set_pending_password_keeps_the_hash_on_a_live_link,
    set_pending_password_refuses_a_missing_an_expired_or_a_used_link,
    activate_account_consumes_the_link_once_and_opens_the_account,
    skip_activation_consumes_the_link_once_and_counts_the_visit,
    complete_reassort_consumes_the_link_once_and_replaces_the_password,
    complete_reassort_refuses_a_stale_credentials_version,
    link_steps_refuse_a_link_without_password_replaced_changed_or_expired,
    opening_a_session_refuses_a_session_hash_in_use,
    reserve_attempt_counts_each_attempt_and_sets_the_lock,
    reserve_attempt_refuses_a_count_changed_since_read_or_a_running_lock,
    release_attempt_gives_the_attempt_back_once,
    open_login_session_clears_login_failures_and_opens_a_session,
    open_login_session_refuses_a_stale_session_or_an_account_not_active,
    a_session_reads_back_is_touched_and_deleted,
    touching_a_missing_session_fails_and_creates_nothing,
    file_claim_stores_once_per_voter_and_idempotency_key,
    file_claim_refuses_a_reference_in_use_and_writes_nothing,
    file_claim_counts_each_claim_and_refuses_past_the_cap,
    file_claim_refuses_a_reference_held_by_another_voter,
    mark_claim_acknowledged_is_seen_by_a_retry,
    mark_claim_acknowledged_refuses_a_missing_claim,
    scrutins_come_in_the_order_asked_with_their_candidate_lists,
    electoral_list_pages_across_shards_in_alphabetical_order,
    electoral_list_search_pages_by_name_and_the_count_is_what_was_counted,
    the_calendar_reads_back_as_written,
    each_change_records_its_event_newest_first,
    a_refused_change_records_no_event,
    the_trail_reads_newest_first_by_kind_and_limit,
    file_assistance_stores_the_request_its_window_and_its_acknowledgement_together,
    file_assistance_refuses_a_stale_window_or_a_reference_in_use_and_writes_nothing,
    answer_assistance_marks_an_open_request_answered_once_with_its_mail,
}
