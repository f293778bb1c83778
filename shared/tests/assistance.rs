//! The assistance request and its answer over the in-memory store: who gets a mail, the cap per
//! identifier, the request tied to a session, one answer only.
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use shared::config::Config;
use shared::memory::{ManualClock, MemoryMailer, MemoryStore};
use shared::model::{AssistanceStatus, AssistanceSubject, Civility, RollVoter};
use shared::outbox::{MailPurpose, OutboxStatus};
use shared::ports::{AssistanceFollowUp, Clock, Roll, Voters};
use shared::services::assistance::{answer, AnswerRefused, AssistanceDesk, Requester};
use shared::services::Wiring;
use shared::validate::Identifier;
use shared::DomainError;

async fn store_with_voter() -> Arc<MemoryStore> {
    let store = Arc::new(MemoryStore::new());
    let voter = RollVoter {
        voter_id: "1099584".into(),
        email: "marie.dupont@ac-versailles.fr".into(),
        civility: Civility::Mme,
        first_name: "Marie".into(),
        last_name: "Dupont".into(),
        scrutins: vec![],
    };
    store.put_roll_voter(&voter).await.unwrap();
    store
}

fn desk(store: &Arc<MemoryStore>, clock: &Arc<ManualClock>) -> AssistanceDesk {
    let config = Config::from_lookup(|_| None).expect("defaults");
    AssistanceDesk::new(&Wiring {
        store: store.clone(),
        mailer: Arc::new(MemoryMailer::default()),
        clock: clock.clone(),
        config,
    })
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap()))
}

fn id(s: &str) -> Requester {
    Requester::Identifier(Identifier::parse(s).unwrap())
}

const MESSAGE: &str = "Je n'ai jamais reçu le courriel d'activation.";

#[tokio::test]
async fn a_known_identifier_gets_one_acknowledgement_at_the_roll_address() {
    let (store, clock) = (store_with_voter().await, clock());
    let desk = desk(&store, &clock);
    let reference = desk
        .request(
            id(" Marie.Dupont@AC-Versailles.fr "),
            AssistanceSubject::CourrielNonRecu,
            MESSAGE.into(),
        )
        .await
        .unwrap();
    assert!(reference.starts_with("AS-") && reference.len() == 13, "{reference}");
    let mails = store.outbox();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].to, "marie.dupont@ac-versailles.fr");
    assert_eq!(mails[0].purpose, MailPurpose::AssistanceAcknowledgement);
    let text = &mails[0].mail.as_ref().unwrap().text;
    assert!(text.contains(&reference) && !text.contains(MESSAGE), "{text}");
    let stored = store.assistance_request(&reference).await.unwrap().unwrap();
    assert_eq!(stored.voter_id.as_deref(), Some("1099584"));
    assert!(!stored.from_session);
    assert_eq!(stored.message, MESSAGE);
}

#[tokio::test]
async fn an_unknown_identifier_is_stored_and_mails_nobody() {
    let (store, clock) = (store_with_voter().await, clock());
    let desk = desk(&store, &clock);
    let reference = desk
        .request(id("inconnu@ac-lyon.fr"), AssistanceSubject::Autre, MESSAGE.into())
        .await
        .unwrap();
    assert!(store.outbox().is_empty(), "no mail to a typed address");
    let stored = store.assistance_request(&reference).await.unwrap().unwrap();
    assert_eq!(stored.voter_id, None);
    assert_eq!(stored.identifier, "inconnu@ac-lyon.fr");
}

#[tokio::test]
async fn each_identifier_is_capped_over_a_sliding_day() {
    let (store, clock) = (store_with_voter().await, clock());
    let desk = desk(&store, &clock);
    for who in ["marie.dupont@ac-versailles.fr", "inconnu@ac-lyon.fr"] {
        for _ in 0..3 {
            desk.request(id(who), AssistanceSubject::Autre, MESSAGE.into()).await.unwrap();
            clock.advance(3600);
        }
        let refused = desk.request(id(who), AssistanceSubject::Autre, MESSAGE.into()).await;
        assert!(matches!(refused, Err(DomainError::AssistanceCapReached(3))), "{who}: {refused:?}");
    }
    // The day slides: the unknown identifier's first request (3 hours after the start) leaves
    // its window 24 hours after it was sent, not at a fixed hour.
    clock.advance(21 * 3600 - 1);
    let still =
        desk.request(id("inconnu@ac-lyon.fr"), AssistanceSubject::Autre, MESSAGE.into()).await;
    assert!(matches!(still, Err(DomainError::AssistanceCapReached(3))), "{still:?}");
    clock.advance(2);
    desk.request(id("inconnu@ac-lyon.fr"), AssistanceSubject::Autre, MESSAGE.into()).await.unwrap();
    assert_eq!(store.outbox().len(), 3, "the known voter's three acknowledgements");
}

#[tokio::test]
async fn a_session_ties_the_request_to_its_voter() {
    let (store, clock) = (store_with_voter().await, clock());
    let desk = desk(&store, &clock);
    let voter = store.voter("1099584").await.unwrap().unwrap();
    let reference = desk
        .request(
            Requester::Session(Box::new(voter)),
            AssistanceSubject::MesScrutins,
            MESSAGE.into(),
        )
        .await
        .unwrap();
    let stored = store.assistance_request(&reference).await.unwrap().unwrap();
    assert_eq!(stored.voter_id.as_deref(), Some("1099584"));
    assert!(stored.from_session);
    assert_eq!(store.outbox().len(), 1);
}

#[tokio::test]
async fn an_answer_goes_to_the_roll_address_once() {
    let (store, clock) = (store_with_voter().await, clock());
    let desk = desk(&store, &clock);
    let known = desk
        .request(id("marie.dupont@ac-versailles.fr"), AssistanceSubject::Autre, MESSAGE.into())
        .await
        .unwrap();
    clock.advance(60);
    let now = clock.now();
    let answered =
        answer(store.as_ref(), &known, "gestion", "Voici la réponse.", now).await.unwrap();
    assert_eq!(answered.status, AssistanceStatus::Answered);
    let mails = store.outbox();
    assert_eq!(mails.len(), 2);
    assert_eq!(mails[1].purpose, MailPurpose::AssistanceAnswer);
    assert_eq!(mails[1].to, "marie.dupont@ac-versailles.fr");
    assert_eq!(mails[1].status, OutboxStatus::Pending);
    let again = answer(store.as_ref(), &known, "gestion", "Encore.", now).await;
    assert!(matches!(again, Err(AnswerRefused::AlreadyAnswered(_))), "{again:?}");
    assert_eq!(store.outbox().len(), 2);

    let unknown = desk
        .request(id("inconnu@ac-lyon.fr"), AssistanceSubject::Autre, MESSAGE.into())
        .await
        .unwrap();
    let refused = answer(store.as_ref(), &unknown, "gestion", "Réponse.", now).await;
    assert!(matches!(refused, Err(AnswerRefused::NoRollAddress(_))), "{refused:?}");
    assert!(matches!(
        answer(store.as_ref(), "AS-NOPE", "gestion", "Réponse.", now).await,
        Err(AnswerRefused::Unknown)
    ));
}
