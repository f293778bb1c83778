//! The use cases over in-memory adapters: fast checks of the rules, independent of AWS. The same
//! journeys run over HTTP against the emulators in the `e2e` crate.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use shared::config::Config;
use shared::memory::{ManualClock, MemoryMailer, MemoryStore};
use shared::model::{Calendar, Civility, Failures, RollVoter, SessionKind};
use shared::outbox::OutboxStatus;
use shared::ports::{Clock, Roll, Voters};
use shared::services::{
    lock_delay, AccountOpening, ActivationRequests, ClaimFiling, Delivered, Delivery, Login,
    PasswordChoice, Reassort, Wiring, ANSWER_MAX_DELAY, LOGIN_MAX_DELAY,
};
use shared::validate::{Identifier, LoginPassword, RawToken, SecretAnswer, VoterId};
use shared::DomainError;

/// The services of the functions this file exercises, over one in-memory store.
struct Portal {
    activation: ActivationRequests,
    password: PasswordChoice,
    opening: AccountOpening,
    reassort: Reassort,
    login: Login,
    claims: ClaimFiling,
}

struct World {
    portal: Portal,
    delivery: Delivery,
    store: Arc<MemoryStore>,
    mailer: Arc<MemoryMailer>,
    clock: Arc<ManualClock>,
}

const EMAIL: &str = "marie.dupont@ac-versailles.fr";
const PASSWORD: &str = "cheval agrafe batterie";

async fn world() -> World {
    let store = Arc::new(MemoryStore::new());
    let mailer = Arc::new(MemoryMailer::default());
    let now = Utc.with_ymd_and_hms(2026, 11, 2, 8, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(now));
    store
        .put_calendar(&Calendar {
            activation_opens_at: now - Duration::days(1),
            claim_deadline: now + Duration::days(10),
            voting_opens_at: now + Duration::days(20),
            voting_closes_at: now + Duration::days(27),
        })
        .await
        .unwrap();
    store
        .put_roll_voter(&RollVoter {
            voter_id: "1099584".into(),
            email: EMAIL.into(),
            civility: Civility::Mme,
            first_name: "Marie".into(),
            last_name: "Dupont".into(),
            scrutins: vec!["CSA-MEN".into()],
        })
        .await
        .unwrap();
    let config = Config::from_lookup(|k| match k {
        "CALENDAR_CACHE_SECS" => Some("0".into()),
        "PORTAL_BASE_URL" => Some("https://elections.example.fr".into()),
        _ => None,
    })
    .expect("a valid configuration");
    let wiring =
        Wiring { store: store.clone(), mailer: mailer.clone(), clock: clock.clone(), config };
    let portal = Portal {
        activation: ActivationRequests::new(&wiring),
        password: PasswordChoice::new(&wiring),
        opening: AccountOpening::new(&wiring),
        reassort: Reassort::new(&wiring),
        login: Login::new(&wiring),
        claims: ClaimFiling::new(&wiring),
    };
    let delivery = Delivery::new(&wiring);
    World { portal, delivery, store, mailer, clock }
}

fn id() -> Identifier {
    Identifier::parse(EMAIL).unwrap()
}

/// (voter id, token) of the newest link mailed to the voter.
/// Delivers every pending outbox item (as the mailer would), then the mails the voter has.
async fn mails(w: &World) -> Vec<shared::ports::Mail> {
    for item in w.store.outbox() {
        if item.status == OutboxStatus::Pending {
            w.delivery.deliver(&item.id).await.expect("delivery");
        }
    }
    w.mailer.sent_to(EMAIL)
}

async fn last_link(w: &World) -> (VoterId, RawToken) {
    let mail = mails(w).await.pop().expect("a mail");
    let link = mail.text.lines().find(|l| l.starts_with("https://")).expect("a link").to_string();
    let token = link.split("token=").nth(1).unwrap().split('&').next().unwrap();
    let voter = link.split("electeurId=").nth(1).unwrap();
    (VoterId::parse(voter).unwrap(), RawToken::parse(token).unwrap())
}

async fn activated(w: &World) {
    w.portal.activation.request_activation(&id()).await.unwrap();
    let (v, t) = last_link(w).await;
    w.portal.password.set_password(&v, &t, PASSWORD).await.unwrap();
    w.portal
        .opening
        .activate_account(&v, &t, 1, &SecretAnswer::parse("Médor").unwrap())
        .await
        .unwrap();
}

#[tokio::test]
async fn activation_mail_carries_a_link_to_the_configured_portal() {
    let w = world().await;
    w.portal.activation.request_activation(&id()).await.unwrap();
    let mail = mails(&w).await.pop().unwrap();
    assert_eq!(mail.subject, "Création de votre mot de passe Élections");
    assert!(mail.text.contains("https://elections.example.fr/activation#token="));
    assert!(mail.text.contains("electeurId=1099584"));
}

#[tokio::test]
async fn unknown_identifier_gets_the_same_outcome_and_no_mail() {
    let w = world().await;
    let unknown = Identifier::parse("personne@ac-versailles.fr").unwrap();
    assert!(w.portal.activation.request_activation(&unknown).await.is_ok());
    assert!(w.mailer.sent.lock().unwrap().is_empty());
}

#[tokio::test]
async fn activation_link_is_single_use() {
    let w = world().await;
    w.portal.activation.request_activation(&id()).await.unwrap();
    let (v, t) = last_link(&w).await;
    w.portal.password.set_password(&v, &t, PASSWORD).await.unwrap();
    let answer = SecretAnswer::parse("Médor").unwrap();
    w.portal.opening.activate_account(&v, &t, 1, &answer).await.unwrap();
    let again = w.portal.opening.activate_account(&v, &t, 1, &answer).await;
    assert!(matches!(again, Err(DomainError::TokenUsed | DomainError::TokenInvalid)), "{again:?}");
}

#[tokio::test]
async fn checking_a_link_does_not_consume_it() {
    let w = world().await;
    w.portal.activation.request_activation(&id()).await.unwrap();
    let (v, t) = last_link(&w).await;
    for _ in 0..3 {
        assert!(!w.portal.password.check_token(&v, &t).await.unwrap().password_set);
    }
    w.portal.password.set_password(&v, &t, PASSWORD).await.unwrap();
    assert!(w.portal.password.check_token(&v, &t).await.unwrap().password_set);
}

#[tokio::test]
async fn a_newer_request_voids_older_links() {
    let w = world().await;
    w.portal.activation.request_activation(&id()).await.unwrap();
    let (v, old) = last_link(&w).await;
    w.portal.activation.request_activation(&id()).await.unwrap();
    let (_, new) = last_link(&w).await;
    assert!(matches!(
        w.portal.password.set_password(&v, &old, PASSWORD).await,
        Err(DomainError::TokenInvalid)
    ));
    assert!(w.portal.password.set_password(&v, &new, PASSWORD).await.is_ok());
}

#[tokio::test]
async fn expired_links_are_refused() {
    let w = world().await;
    w.portal.activation.request_activation(&id()).await.unwrap();
    let (v, t) = last_link(&w).await;
    w.clock.advance(49 * 3600);
    assert!(matches!(
        w.portal.password.set_password(&v, &t, PASSWORD).await,
        Err(DomainError::TokenExpired)
    ));
}

#[tokio::test]
async fn a_link_is_bound_to_its_voter() {
    let w = world().await;
    w.portal.activation.request_activation(&id()).await.unwrap();
    let (_, t) = last_link(&w).await;
    let other = VoterId::parse("42").unwrap();
    assert!(matches!(
        w.portal.password.check_token(&other, &t).await,
        Err(DomainError::TokenInvalid)
    ));
}

#[tokio::test]
async fn skipping_activation_saves_nothing() {
    let w = world().await;
    w.portal.activation.request_activation(&id()).await.unwrap();
    let (v, t) = last_link(&w).await;
    assert!(matches!(
        w.portal.opening.skip_activation(&v, &t).await,
        Err(DomainError::PasswordNotSet)
    ));
    w.portal.password.set_password(&v, &t, PASSWORD).await.unwrap();
    let session = w.portal.opening.skip_activation(&v, &t).await.unwrap();
    assert_eq!(session.record.kind, SessionKind::WithoutActivation);
    let voter = w.store.voter("1099584").await.unwrap().unwrap();
    assert!(voter.password_hash.is_none());
    assert_eq!(voter.accesses_without_activation, 1);
    let login = w.portal.login.login(&id(), &LoginPassword::parse(PASSWORD).unwrap(), None).await;
    assert!(matches!(login, Err(DomainError::InvalidCredentials)));
}

#[tokio::test]
async fn login_works_after_activation_and_fails_alike_otherwise() {
    let w = world().await;
    activated(&w).await;
    assert!(w
        .portal
        .login
        .login(&id(), &LoginPassword::parse(PASSWORD).unwrap(), None)
        .await
        .is_ok());
    let wrong = w
        .portal
        .login
        .login(&id(), &LoginPassword::parse("pas le bon mot de passe").unwrap(), None)
        .await;
    let unknown = w
        .portal
        .login
        .login(
            &Identifier::parse("x@ac-lyon.fr").unwrap(),
            &LoginPassword::parse(PASSWORD).unwrap(),
            None,
        )
        .await;
    assert_eq!(wrong.err().unwrap().message(), unknown.err().unwrap().message());
}

#[tokio::test]
async fn repeated_login_failures_lock_until_a_delay_and_reassort_unlocks() {
    let w = world().await;
    activated(&w).await;
    let bad = LoginPassword::parse("pas le bon mot de passe").unwrap();
    for _ in 0..3 {
        let _ = w.portal.login.login(&id(), &bad, None).await;
    }
    let good = LoginPassword::parse(PASSWORD).unwrap();
    assert!(
        matches!(
            w.portal.login.login(&id(), &good, None).await,
            Err(DomainError::InvalidCredentials)
        ),
        "locked"
    );
    // réassort through the mailbox still works and unlocks
    w.portal
        .reassort
        .request_reassort(&id(), 1, &SecretAnswer::parse("medor").unwrap(), None)
        .await
        .unwrap();
    let (v, t) = last_link(&w).await;
    w.portal.password.set_password(&v, &t, "un tout autre mot de passe").await.unwrap();
    w.portal.reassort.confirm_reassort(&v, &t).await.unwrap();
    assert!(w
        .portal
        .login
        .login(&id(), &LoginPassword::parse("un tout autre mot de passe").unwrap(), None)
        .await
        .is_ok());
}

/// Guesses one budget allows from `start` to `end` (seconds) to a client that guesses again as
/// soon as each lock runs out, failures decaying by one per `decay` seconds.
fn guesses_allowed(max: i64, decay: i64, span: i64) -> u32 {
    let (mut t, mut tries, mut f) = (0i64, 0u32, Failures::default());
    while t < span {
        tries += 1;
        let next = f.effective(t, decay) + 1;
        let lock = lock_delay(next, 3, max);
        f = Failures { count: next, locked_until: t + lock, last_at: t };
        t += lock.max(1);
    }
    tries
}

#[tokio::test]
async fn the_mail_cap_slides_so_that_no_window_edge_doubles_it() {
    let w = world().await;
    w.portal.activation.request_activation(&id()).await.unwrap();
    // Four more just before the day of the first mail ends: the cap (5) is reached.
    w.clock.advance(86_400 - 60);
    for _ in 0..6 {
        w.portal.activation.request_activation(&id()).await.unwrap();
    }
    assert_eq!(mails(&w).await.len(), 5);
    // Just after that day: only the first mail has left the last 24 hours, so one more goes.
    w.clock.advance(61);
    for _ in 0..6 {
        w.portal.activation.request_activation(&id()).await.unwrap();
    }
    assert_eq!(mails(&w).await.len(), 6, "at most the cap in any 24 hours, window edges included");
    // A day after the burst, the cap is whole again.
    w.clock.advance(86_400);
    for _ in 0..6 {
        w.portal.activation.request_activation(&id()).await.unwrap();
    }
    assert_eq!(mails(&w).await.len(), 11);
}

#[tokio::test]
async fn lock_delays_grow_and_bound_the_guesses_of_the_whole_election() {
    assert_eq!(lock_delay(2, 3, LOGIN_MAX_DELAY), 0);
    assert_eq!(lock_delay(3, 3, LOGIN_MAX_DELAY), 60);
    assert_eq!(lock_delay(4, 3, LOGIN_MAX_DELAY), 120);
    assert_eq!(lock_delay(40, 3, LOGIN_MAX_DELAY), 86_400);
    assert_eq!(lock_delay(40, 3, ANSWER_MAX_DELAY), 3600);
    let decay = 6 * 3600;
    // Password guesses on one budget from the opening of activation to the close of voting
    // (8 weeks): the decay lets about three a day through, far too few against a password that
    // scores 3 or more.
    let eight_weeks = guesses_allowed(LOGIN_MAX_DELAY, decay, 56 * 86_400);
    assert!(eight_weeks < 200, "{eight_weeks} password guesses in 8 weeks");
    // Secret-answer guesses in one day.
    let one_day = guesses_allowed(ANSWER_MAX_DELAY, decay, 86_400);
    assert!(one_day < 40, "{one_day} answer guesses in a day");
}

#[tokio::test]
async fn an_occasional_wrong_password_never_adds_up_to_a_lock() {
    let w = world().await;
    activated(&w).await;
    let bad = LoginPassword::parse("pas le bon mot de passe").unwrap();
    let good = LoginPassword::parse(PASSWORD).unwrap();
    // Escalated first: twelve failures in a row.
    for _ in 0..12 {
        let _ = w.portal.login.login(&id(), &bad, None).await;
        let until = w.store.voter("1099584").await.unwrap().unwrap().login_locked_until;
        w.clock.advance((until - w.clock.now().timestamp()).max(0));
    }
    // Then one wrong password a day, from elsewhere, for two weeks: the voter still logs in.
    for _ in 0..14 {
        w.clock.advance(86_400);
        let _ = w.portal.login.login(&id(), &bad, None).await;
    }
    w.clock.advance(60);
    assert!(
        w.portal.login.login(&id(), &good, None).await.is_ok(),
        "one wrong password a day keeps the voter out"
    );
}

#[tokio::test]
async fn guesses_from_elsewhere_do_not_lock_out_the_voters_own_browser() {
    let w = world().await;
    activated(&w).await;
    let good = LoginPassword::parse(PASSWORD).unwrap();
    let first = w.portal.login.login(&id(), &good, None).await.unwrap();
    use secrecy::ExposeSecret;
    let device = first.new_device.expect("a first login trusts the browser");
    let cookie = device.secret.expose_secret().to_string();
    let bad = LoginPassword::parse("pas le bon mot de passe").unwrap();
    for _ in 0..12 {
        let _ = w.portal.login.login(&id(), &bad, None).await;
    }
    assert!(
        matches!(
            w.portal.login.login(&id(), &good, None).await,
            Err(DomainError::InvalidCredentials)
        ),
        "the account's shared budget is locked"
    );
    let again = w.portal.login.login(&id(), &good, Some(&cookie)).await.unwrap();
    assert!(again.new_device.is_none(), "the browser was trusted already");
    // The device's own failures lock the device only.
    for _ in 0..3 {
        let _ = w.portal.login.login(&id(), &bad, Some(&cookie)).await;
    }
    assert!(w.portal.login.login(&id(), &good, Some(&cookie)).await.is_err());
    // A cookie of another account's browser, or made up, counts on the shared budget.
    assert!(w.portal.login.login(&id(), &good, Some(&"x".repeat(43))).await.is_err());
}

#[tokio::test]
async fn the_mailbox_trusts_a_browser_while_the_account_is_locked() {
    let w = world().await;
    activated(&w).await;
    let bad = LoginPassword::parse("pas le bon mot de passe").unwrap();
    let good = LoginPassword::parse(PASSWORD).unwrap();
    for _ in 0..12 {
        let _ = w.portal.login.login(&id(), &bad, None).await;
    }
    assert!(w.portal.login.login(&id(), &good, None).await.is_err(), "locked");
    let reassort_links = mails(&w).await.len();
    w.portal.reassort.request_unlock(&id()).await.unwrap();
    let mail = mails(&w).await.last().unwrap().clone();
    assert_eq!(mails(&w).await.len(), reassort_links + 1);
    assert!(mail.text.contains("https://elections.example.fr/deblocage#token="), "{}", mail.text);
    let (v, t) = last_link(&w).await;
    // An unlock link sets no password, and opens no session by itself.
    assert!(matches!(
        w.portal.password.set_password(&v, &t, "un tout autre mot de passe").await,
        Err(DomainError::TokenInvalid)
    ));
    let device = w.portal.reassort.confirm_unlock(&v, &t).await.unwrap();
    use secrecy::ExposeSecret;
    let cookie = device.secret.expose_secret().to_string();
    assert!(w.portal.login.login(&id(), &good, Some(&cookie)).await.is_ok());
    assert!(w.portal.login.login(&id(), &good, None).await.is_err(), "still locked elsewhere");
    assert!(matches!(w.portal.reassort.confirm_unlock(&v, &t).await, Err(DomainError::TokenUsed)));
    // Capped apart from the other mails: three a day.
    for _ in 0..5 {
        w.portal.reassort.request_unlock(&id()).await.unwrap();
    }
    assert_eq!(mails(&w).await.len(), reassort_links + 3);
    w.portal.activation.request_activation(&id()).await.unwrap();
}

#[tokio::test]
async fn reassort_ends_every_other_session() {
    let w = world().await;
    activated(&w).await;
    let old = w.portal.login.login(&id(), &LoginPassword::parse(PASSWORD).unwrap(), None).await;
    use secrecy::ExposeSecret;
    let old_secret = old.unwrap().session.secret.expose_secret().to_string();
    assert!(w.portal.login.sessions.authenticate(Some(&old_secret)).await.is_ok());
    w.portal
        .reassort
        .request_reassort(&id(), 1, &SecretAnswer::parse("MÉDOR ").unwrap(), None)
        .await
        .unwrap();
    let (v, t) = last_link(&w).await;
    assert!(mails(&w).await.last().unwrap().subject.starts_with("Réassort"));
    w.portal.password.set_password(&v, &t, "un tout autre mot de passe").await.unwrap();
    let new = w.portal.reassort.confirm_reassort(&v, &t).await.unwrap();
    assert!(matches!(
        w.portal.login.sessions.authenticate(Some(&old_secret)).await,
        Err(DomainError::Unauthenticated)
    ));
    assert!(w.portal.login.sessions.authenticate(Some(new.secret.expose_secret())).await.is_ok());
}

#[tokio::test]
async fn wrong_answers_send_nothing_and_are_counted() {
    let w = world().await;
    activated(&w).await;
    let before = mails(&w).await.len();
    w.portal
        .reassort
        .request_reassort(&id(), 1, &SecretAnswer::parse("rex").unwrap(), None)
        .await
        .unwrap();
    w.portal
        .reassort
        .request_reassort(&id(), 2, &SecretAnswer::parse("medor").unwrap(), None)
        .await
        .unwrap();
    assert_eq!(mails(&w).await.len(), before);
    assert_eq!(w.store.voter("1099584").await.unwrap().unwrap().failed_answers, 2);
}

#[tokio::test]
async fn mails_are_capped_per_account_and_per_day() {
    let w = world().await;
    for _ in 0..8 {
        w.portal.activation.request_activation(&id()).await.unwrap();
    }
    assert_eq!(mails(&w).await.len(), 5);
    w.clock.advance(86_400);
    w.portal.activation.request_activation(&id()).await.unwrap();
    assert_eq!(mails(&w).await.len(), 6);
}

#[tokio::test]
async fn a_failing_mailer_does_not_change_the_reply() {
    let w = world().await;
    w.mailer.failing.store(true, Ordering::SeqCst);
    assert!(w.portal.activation.request_activation(&id()).await.is_ok());
}

#[tokio::test]
async fn sessions_expire_when_idle() {
    let w = world().await;
    activated(&w).await;
    let s = w.portal.login.login(&id(), &LoginPassword::parse(PASSWORD).unwrap(), None).await;
    let s = s.unwrap().session;
    use secrecy::ExposeSecret;
    w.clock.advance(31 * 60);
    assert!(matches!(
        w.portal.login.sessions.authenticate(Some(s.secret.expose_secret())).await,
        Err(DomainError::Unauthenticated)
    ));
}

#[tokio::test]
async fn the_calendar_gates_every_phase() {
    let w = world().await;
    w.clock.advance(-2 * 86_400);
    assert!(matches!(
        w.portal.activation.request_activation(&id()).await,
        Err(DomainError::PhaseClosed(_))
    ));
    w.clock.advance(2 * 86_400 + 11 * 86_400);
    assert!(w.portal.activation.request_activation(&id()).await.is_ok());
    let voter = w.store.voter("1099584").await.unwrap().unwrap();
    let claim = w
        .portal
        .claims
        .file_claim(
            &voter,
            shared::model::ClaimCategory::Autre,
            None,
            "texte assez long".into(),
            "cle-unique-1".into(),
        )
        .await;
    assert!(matches!(claim, Err(DomainError::PhaseClosed(_))));
}

#[tokio::test]
async fn a_retried_claim_is_stored_once() {
    let w = world().await;
    let voter = w.store.voter("1099584").await.unwrap().unwrap();
    let cat = shared::model::ClaimCategory::ListeElectorale;
    let first = w
        .portal
        .claims
        .file_claim(
            &voter,
            cat,
            Some("CSA-MEN".into()),
            "Je ne figure pas sur la liste".into(),
            "cle-unique-1".into(),
        )
        .await
        .unwrap();
    let again = w
        .portal
        .claims
        .file_claim(
            &voter,
            cat,
            Some("CSA-MEN".into()),
            "Je ne figure pas sur la liste".into(),
            "cle-unique-1".into(),
        )
        .await
        .unwrap();
    assert!(first.created && !again.created);
    assert_eq!(first.claim.reference, again.claim.reference);
    assert_eq!(w.store.claims_of("1099584").len(), 1);
    let other = w
        .portal
        .claims
        .file_claim(&voter, cat, None, "Un tout autre texte ici".into(), "cle-unique-1".into())
        .await;
    assert!(matches!(other, Err(DomainError::IdempotencyKeyReused)));
    let foreign = w
        .portal
        .claims
        .file_claim(
            &voter,
            cat,
            Some("CAPN".into()),
            "Je ne figure pas sur la liste".into(),
            "cle-unique-2".into(),
        )
        .await;
    assert!(matches!(foreign, Err(DomainError::InvalidField { field: "scrutin_id", .. })));
}

#[tokio::test]
async fn common_or_personal_passwords_are_refused_and_keep_the_link() {
    let w = world().await;
    w.portal.activation.request_activation(&id()).await.unwrap();
    let (v, t) = last_link(&w).await;
    for password in [
        "P@ssw0rd12345",
        "Bonjour2024Bonjour",
        "S0leil2024!!",
        "M4rie-Dup0nt-92",
        "tnopuD-eiraM-2026",
    ] {
        let r = w.portal.password.set_password(&v, &t, password).await;
        assert!(matches!(r, Err(DomainError::PasswordRejected(_))), "{password}: {r:?}");
    }
    assert!(!w.portal.password.check_token(&v, &t).await.unwrap().password_set);
    w.portal.password.set_password(&v, &t, PASSWORD).await.unwrap();
}

#[tokio::test]
async fn trivial_answers_are_refused_at_activation_and_keep_the_link() {
    let w = world().await;
    w.portal.activation.request_activation(&id()).await.unwrap();
    let (v, t) = last_link(&w).await;
    w.portal.password.set_password(&v, &t, PASSWORD).await.unwrap();
    for answer in ["ab", "aaaa", "Marie", "DUPONT", "marie.dupont", "Marie Dupont"] {
        let r = w
            .portal
            .opening
            .activate_account(&v, &t, 1, &SecretAnswer::parse(answer).unwrap())
            .await;
        assert!(
            matches!(r, Err(DomainError::InvalidField { field: "answer", .. })),
            "{answer}: {r:?}"
        );
    }
    let voter = w.store.voter("1099584").await.unwrap().unwrap();
    assert!(voter.answer_hash.is_none(), "a refused answer is not saved");
    w.portal
        .opening
        .activate_account(&v, &t, 1, &SecretAnswer::parse("Médor").unwrap())
        .await
        .unwrap();
}

#[tokio::test]
async fn an_answer_chosen_before_the_rules_still_opens_reassort() {
    use shared::ports::{AccountOpening as _, Activation, Clock as _, LinkTokens as _};
    let w = world().await;
    w.portal.activation.request_activation(&id()).await.unwrap();
    let (v, t) = last_link(&w).await;
    w.portal.password.set_password(&v, &t, PASSWORD).await.unwrap();
    // An account activated with the voter's first name as answer, as the rules allowed before.
    let token = w.store.token(&shared::tokens::hash_token(t.expose())).await.unwrap().unwrap();
    let activation = Activation {
        password_hash: token.pending_password_hash.clone().unwrap(),
        question_id: 1,
        answer_hash: shared::secrets::hash("marie".into()).await.unwrap(),
    };
    let now = w.clock.now().timestamp();
    let session = shared::model::SessionRecord {
        hash: "session-avant".into(),
        voter_id: "1099584".into(),
        kind: SessionKind::Activated,
        credentials_version: 1,
        created_at: now,
        last_seen_at: now,
        absolute_expires_at: now + 3600,
    };
    w.store.activate_account(&token, &activation, &session, now).await.unwrap();
    let before = mails(&w).await.len();
    w.portal
        .reassort
        .request_reassort(&id(), 1, &SecretAnswer::parse("Marie").unwrap(), None)
        .await
        .unwrap();
    assert_eq!(mails(&w).await.len(), before + 1, "the réassort mail is sent");
    assert!(mails(&w).await.last().unwrap().subject.starts_with("Réassort"));
}

// ---- the security trail ---------------------------------------------------------------------

use shared::audit::AuditTrail as _;
use shared::audit::{self, AuditEvent, AuditKind};

/// The voter's whole trail, oldest first.
async fn trail(w: &World) -> Vec<AuditEvent> {
    let mut events = w.store.trail("1099584", &[], 100).await.unwrap();
    events.reverse();
    events
}

fn kinds_of(events: &[AuditEvent]) -> Vec<AuditKind> {
    events.iter().map(|e| e.kind).collect()
}

#[tokio::test]
async fn the_trail_records_each_step_of_the_journey_and_no_secret() {
    use AuditKind::*;
    let w = world().await;
    activated(&w).await;
    let (_, activation_token) = last_link(&w).await;
    let bad = LoginPassword::parse("pas le bon mot de passe").unwrap();
    for _ in 0..3 {
        w.clock.advance(1);
        let _ = w.portal.login.login(&id(), &bad, None).await;
    }
    w.clock.advance(1);
    w.portal
        .reassort
        .request_reassort(&id(), 1, &SecretAnswer::parse("medor").unwrap(), None)
        .await
        .unwrap();
    let (v, t) = last_link(&w).await;
    w.portal.password.set_password(&v, &t, "un tout autre mot de passe").await.unwrap();
    w.clock.advance(1);
    w.portal.reassort.confirm_reassort(&v, &t).await.unwrap();
    w.clock.advance(1);
    let done = w
        .portal
        .login
        .login(&id(), &LoginPassword::parse("un tout autre mot de passe").unwrap(), None)
        .await
        .unwrap();
    let (session, voter) = (done.session, done.voter);
    w.clock.advance(1);
    let filed = w
        .portal
        .claims
        .file_claim(
            &voter,
            shared::model::ClaimCategory::ListeElectorale,
            None,
            "Mon nom est mal orthographié sur la liste.".into(),
            "cle-audit-0001".into(),
        )
        .await
        .unwrap();
    w.clock.advance(1);
    let cookie = secrecy::ExposeSecret::expose_secret(&session.secret).to_string();
    w.portal.login.sessions.logout(Some(&cookie)).await.unwrap();

    let events = trail(&w).await;
    assert_eq!(
        kinds_of(&events),
        [
            ActivationAsked,
            AccountActivated,
            LoginFailed,
            LoginFailed,
            LoginFailed,
            Locked,
            ReassortAsked,
            ReassortUsed,
            Unlocked,
            LoginSucceeded,
            ClaimFiled,
            SessionEnded,
        ]
    );
    let detail = |k: AuditKind| events.iter().find(|e| e.kind == k).unwrap().detail.clone();
    assert_eq!(detail(Locked).as_deref(), Some("login"));
    assert_eq!(detail(Unlocked).as_deref(), Some("login"));
    assert_eq!(detail(ClaimFiled), Some(filed.claim.reference.clone()));
    assert_eq!(detail(SessionEnded).as_deref(), Some("activated"));
    let written = format!("{events:?}");
    let secrets = [
        PASSWORD,
        "un tout autre mot de passe",
        "pas le bon mot de passe",
        "Médor",
        "medor",
        t.expose(),
        activation_token.expose(),
        &cookie,
        &session.record.hash,
        EMAIL,
    ];
    for secret in secrets {
        assert!(!written.contains(secret), "the trail holds a secret: {written}");
    }
}

#[tokio::test]
async fn wrong_answers_record_the_lock_of_answers_and_no_login_failure() {
    let w = world().await;
    activated(&w).await;
    for _ in 0..3 {
        w.portal
            .reassort
            .request_reassort(&id(), 1, &SecretAnswer::parse("pas la réponse").unwrap(), None)
            .await
            .unwrap();
    }
    let events = trail(&w).await;
    assert_eq!(
        kinds_of(&events),
        [AuditKind::ActivationAsked, AuditKind::AccountActivated, AuditKind::Locked]
    );
    assert_eq!(events[2].detail.as_deref(), Some("answer"));
}

#[tokio::test]
async fn a_login_refused_unchecked_records_nothing() {
    let w = world().await;
    activated(&w).await;
    let bad = LoginPassword::parse("pas le bon mot de passe").unwrap();
    for _ in 0..3 {
        let _ = w.portal.login.login(&id(), &bad, None).await;
    }
    let before = trail(&w).await.len();
    // Locked: the next tries are refused before any password check, and leave no event (an
    // attacker cannot fill the trail).
    for _ in 0..5 {
        let _ = w.portal.login.login(&id(), &bad, None).await;
    }
    assert_eq!(trail(&w).await.len(), before);
}

#[tokio::test]
async fn the_last_connections_are_the_sessions_opened_newest_first() {
    let w = world().await;
    activated(&w).await;
    let good = LoginPassword::parse(PASSWORD).unwrap();
    for _ in 0..6 {
        w.clock.advance(60);
        w.portal.login.login(&id(), &good, None).await.unwrap();
    }
    let last = audit::last_connections(w.store.as_ref(), "1099584").await.unwrap();
    assert_eq!(last.len(), audit::LAST_CONNECTIONS);
    assert!(last.iter().all(|e| e.kind == AuditKind::LoginSucceeded));
    assert!(last.windows(2).all(|p| p[0].at > p[1].at), "newest first: {last:?}");
    assert_eq!(last[0].at, w.clock.now().timestamp());
}

// ---------------------------------------------------------------------------------------------
// The outbox and its delivery (the `mailer` function's service)

#[tokio::test]
async fn a_request_only_queues_its_mail_and_a_record_delivered_twice_sends_one() {
    let w = world().await;
    w.portal.activation.request_activation(&id()).await.unwrap();
    assert!(w.mailer.sent_to(EMAIL).is_empty(), "the request itself sends nothing");
    let item = w.store.outbox().pop().expect("one mail queued");
    assert_eq!(item.status, OutboxStatus::Pending);
    assert_eq!(w.delivery.deliver(&item.id).await.unwrap(), Delivered::Sent);
    assert_eq!(w.delivery.deliver(&item.id).await.unwrap(), Delivered::Done);
    assert_eq!(w.mailer.sent_to(EMAIL).len(), 1);
    let sent = w.store.outbox().pop().unwrap();
    assert_eq!(sent.status, OutboxStatus::Sent);
    assert!(sent.mail.is_none(), "the text, with the link's secret, leaves the outbox once sent");
    assert!(sent.accepted_at_ms.is_some());
}

#[tokio::test]
async fn a_transient_failure_leaves_the_mail_to_be_delivered_again() {
    let w = world().await;
    w.portal.activation.request_activation(&id()).await.unwrap();
    let item = w.store.outbox().pop().unwrap();
    w.mailer.failing.store(true, Ordering::SeqCst);
    assert!(matches!(w.delivery.deliver(&item.id).await.unwrap(), Delivered::Retry(_)));
    assert_eq!(w.store.outbox().pop().unwrap().status, OutboxStatus::Pending);
    w.mailer.failing.store(false, Ordering::SeqCst);
    assert_eq!(w.delivery.deliver(&item.id).await.unwrap(), Delivered::Sent);
    assert_eq!(w.mailer.sent_to(EMAIL).len(), 1);
    assert_eq!(w.store.outbox().pop().unwrap().attempts, 2);
}

#[tokio::test]
async fn a_mail_that_fails_for_good_is_marked_and_gives_its_place_in_the_cap_back() {
    let w = world().await;
    w.mailer.rejecting.lock().unwrap().push(EMAIL.into());
    for _ in 0..5 {
        w.portal.activation.request_activation(&id()).await.unwrap();
        let pending = w.store.outbox().into_iter().find(|i| i.status == OutboxStatus::Pending);
        let item = pending.expect("a mail queued");
        assert!(matches!(w.delivery.deliver(&item.id).await.unwrap(), Delivered::Failed(_)));
    }
    let voter = w.store.voter("1099584").await.unwrap().unwrap();
    assert!(voter.mail_sent_at.is_empty(), "failed mails spent the cap: {:?}", voter.mail_sent_at);
    let failed = w.store.outbox().into_iter().filter(|i| i.status == OutboxStatus::Failed).count();
    assert_eq!(failed, 5);
    // Once the address is corrected (here: accepted again), the voter's next request is mailed.
    w.mailer.rejecting.lock().unwrap().clear();
    w.portal.activation.request_activation(&id()).await.unwrap();
    assert_eq!(mails(&w).await.len(), 1);
}

#[tokio::test]
async fn an_address_that_bounced_gets_no_more_mail_and_the_same_reply() {
    let w = world().await;
    w.delivery
        .record_bounce(&shared::outbox::Bounce {
            email: EMAIL.into(),
            kind: "bounce".into(),
            at_ms: 0,
            detail: "550 5.1.1 user unknown".into(),
        })
        .await
        .unwrap();
    w.portal.activation.request_activation(&id()).await.unwrap();
    let item = w.store.outbox().pop().unwrap();
    let Delivered::Failed(reason) = w.delivery.deliver(&item.id).await.unwrap() else {
        panic!("a bouncing address was mailed")
    };
    assert!(reason.contains("bounce"), "{reason}");
    assert!(w.mailer.sent_to(EMAIL).is_empty());
}

#[tokio::test]
async fn a_link_is_valid_for_its_whole_time_from_its_mails_delivery_however_late() {
    let w = world().await;
    activated(&w).await;
    w.portal
        .reassort
        .request_reassort(&id(), 1, &SecretAnswer::parse("medor").unwrap(), None)
        .await
        .unwrap();
    // The mailer is late by three hours; the réassort link lasts two.
    w.clock.advance(3 * 3600);
    let (v, t) = last_link(&w).await;
    w.clock.advance(3600);
    w.portal.password.set_password(&v, &t, "un tout autre mot de passe").await.unwrap();
    w.portal.reassort.confirm_reassort(&v, &t).await.unwrap();
}

#[tokio::test]
async fn a_claims_acknowledgement_is_queued_with_it_and_marks_it_once_sent() {
    let w = world().await;
    activated(&w).await;
    let voter = w.store.voter("1099584").await.unwrap().unwrap();
    let filed = w
        .portal
        .claims
        .file_claim(
            &voter,
            shared::model::ClaimCategory::Autre,
            None,
            "Une question sur mon inscription.".into(),
            "cle-outbox-0001".into(),
        )
        .await
        .unwrap();
    assert_eq!(filed.acknowledgement, shared::services::MailStatus::Queued);
    let before = w.store.claims_of("1099584");
    assert!(!before[0].acknowledged);
    let mails = mails(&w).await;
    assert!(mails.last().unwrap().text.contains(&filed.claim.reference));
    assert!(w.store.claims_of("1099584")[0].acknowledged);
}
