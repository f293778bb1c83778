//! The services' own cost over the in-memory store, against one bare argon2id hash of the
//! project's parameters, measured side by side in one run. `scripts/bench.sh services` runs it and
//! checks the ratios (docs/performance.md): a login costs at most 1.15 bare verifications (its one
//! hash and the rest of the request), and reading the ballots a small fraction of one.

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use shared::config::Config;
use shared::memory::{ManualClock, MemoryMailer, MemoryStore};
use shared::model::{Calendar, Civility, RollVoter};
use shared::ports::{Roll, Voters};
use shared::secrets;
use shared::services::{
    AccountOpening, ActivationRequests, BallotCatalog, Login, PasswordChoice, Wiring,
};
use shared::validate::{Identifier, LoginPassword, RawToken, SecretAnswer, VoterId};

const EMAIL: &str = "marie.dupont@ac-versailles.fr";
const PASSWORD: &str = "cheval agrafe batterie";

struct World {
    login: Login,
    catalog: BallotCatalog,
    store: Arc<MemoryStore>,
}

/// One voter on the roll of the ministry-wide ballot, activated through the services.
async fn world() -> World {
    let store = Arc::new(MemoryStore::new());
    let mailer = Arc::new(MemoryMailer::default());
    let now = Utc.with_ymd_and_hms(2026, 11, 2, 8, 0, 0).unwrap();
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
        "BALLOT_CACHE_SECS" => Some("0".into()),
        "PORTAL_BASE_URL" => Some("https://elections.example.fr".into()),
        _ => None,
    })
    .expect("a valid configuration");
    let clock = Arc::new(ManualClock::new(now));
    let wiring = Wiring { store: store.clone(), mailer: mailer.clone(), clock, config };
    let id = Identifier::parse(EMAIL).unwrap();
    ActivationRequests::new(&wiring).request_activation(&id).await.unwrap();
    // The request queued its mail in the outbox (the mailer function would send it).
    let queued = store.outbox().pop().expect("the activation mail");
    let mail = queued.mail.expect("its text");
    let link = mail.text.lines().find(|l| l.starts_with("https://")).expect("a link").to_string();
    let token = link.split("token=").nth(1).unwrap().split('&').next().unwrap();
    let voter = link.split("electeurId=").nth(1).unwrap();
    let (voter, token) = (VoterId::parse(voter).unwrap(), RawToken::parse(token).unwrap());
    PasswordChoice::new(&wiring).set_password(&voter, &token, PASSWORD).await.unwrap();
    AccountOpening::new(&wiring)
        .activate_account(&voter, &token, 1, &SecretAnswer::parse("Médor").unwrap())
        .await
        .unwrap();
    World { login: Login::new(&wiring), catalog: BallotCatalog::new(&wiring), store }
}

fn services(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let w = rt.block_on(world());
    let id = Identifier::parse(EMAIL).unwrap();
    let password = LoginPassword::parse(PASSWORD).unwrap();
    let phc = secrets::hash_blocking(PASSWORD).unwrap();
    let voter = rt
        .block_on(async {
            let vid = w.store.voter_id_for_email(EMAIL).await.unwrap().unwrap();
            w.store.voter(&vid).await
        })
        .unwrap()
        .unwrap();

    let mut g = c.benchmark_group("services");
    g.sample_size(20);
    g.bench_function("argon2id_verify", |b| {
        b.iter(|| assert!(secrets::verify_blocking(PASSWORD, &phc)))
    });
    g.bench_function("login", |b| {
        b.iter(|| rt.block_on(w.login.login(&id, &password, None)).expect("login"))
    });
    g.bench_function("my_scrutins", |b| {
        b.iter(|| rt.block_on(w.catalog.my_scrutins(&voter)).expect("ballots"))
    });
    g.finish();
}

criterion_group!(benches, services);
criterion_main!(benches);
