//! Every function enforces its phase of the election calendar. These tests rewrite the global
//! calendar, so they run one at a time, in a binary of their own, and always put it back.

use chrono::{Duration, Utc};
use e2e::calendar::CalendarGuard;
use e2e::flows;
use e2e::voters::{random_alnum, CSA_MEN};
use e2e::{seed_voter, unknown_identifier, Api, Link, Reply, Secrets, Session, Voter};
use serde_json::json;
use shared::model::Calendar;

fn calendar(
    opens_in_days: i64,
    claims_close_in_days: i64,
    voting_opens_in_days: i64,
    voting_closes_in_days: i64,
) -> Calendar {
    let now = Utc::now();
    Calendar {
        activation_opens_at: now + Duration::days(opens_in_days),
        claim_deadline: now + Duration::days(claims_close_in_days),
        voting_opens_at: now + Duration::days(voting_opens_in_days),
        voting_closes_at: now + Duration::days(voting_closes_in_days),
    }
}

/// Voters in every state the phases may meet, prepared while the portal is open.
struct Cast {
    active: Voter,
    secrets: Secrets,
    session: Session,
    /// A fresh voter holding an activation link with a password chosen.
    pending: Voter,
    pending_link: Link,
    /// A réassort link of the active voter, password chosen.
    reassort_link: Link,
}

async fn cast(api: &Api) -> Cast {
    let active = seed_voter().await;
    let (secrets, session) = flows::activate(api, &active).await;
    let reassort_link = flows::request_reassort(api, &active, &secrets).await;
    flows::set_password(api, &reassort_link, &e2e::voters::new_password()).await.expect(200);
    let pending = seed_voter().await;
    let pending_link = flows::request_activation(api, &pending).await;
    flows::set_password(api, &pending_link, &e2e::voters::new_password()).await.expect(200);
    Cast { active, secrets, session, pending, pending_link, reassort_link }
}

/// Collects every call that should have been refused for its phase and was not, so that one run
/// shows them all.
#[derive(Default)]
struct Refusals {
    missing: Vec<String>,
}

impl Refusals {
    fn expect_closed(&mut self, what: &str, reply: &Reply) {
        if reply.status != 403 || reply.code() != "phase_closed" {
            self.missing.push(format!("{what}: {} {}", reply.status, reply.text));
        }
    }

    #[track_caller]
    fn assert_none(&self, phase: &str) {
        assert!(
            self.missing.is_empty(),
            "{phase}: these calls should answer 403 phase_closed:\n  {}",
            self.missing.join("\n  ")
        );
    }
}

async fn election(api: &Api) -> Reply {
    let reply = api.get("/api/election").send().await;
    reply.expect(200);
    reply
}

#[tokio::test]
async fn before_opening_activation_and_login_are_closed() {
    let _alone = e2e::one_at_a_time().await;
    let api = Api::new().await;
    let cast = cast(&api).await;
    let fresh = seed_voter().await;
    {
        let _calendar = CalendarGuard::set(calendar(10, 20, 30, 38)).await;
        let info = election(&api).await;
        assert_eq!(info.str_at("/phase"), "not_open");
        assert_eq!(info.body["claims_open"], json!(false));
        assert_eq!(info.str_at("/timezone"), "Europe/Paris");

        let mut r = Refusals::default();
        let closed = api.post_json("/api/activate", json!({ "identifier": fresh.email })).await;
        r.expect_closed("activate", &closed);
        let unknown =
            api.post_json("/api/activate", json!({ "identifier": unknown_identifier() })).await;
        assert_eq!(
            (unknown.status, &unknown.body),
            (closed.status, &closed.body),
            "the closed portal answers alike"
        );
        r.expect_closed(
            "login",
            &flows::login(&api, &cast.active.email, &cast.secrets.password).await,
        );
        r.expect_closed(
            "reassort",
            &flows::ask_reassort(
                &api,
                &cast.active.email,
                cast.secrets.question_id,
                &cast.secrets.answer,
            )
            .await,
        );
        r.expect_closed("token check", &flows::check_token(&api, &cast.pending_link).await);
        r.expect_closed(
            "activate-account",
            &flows::activate_account(&api, &cast.pending_link, &cast.secrets).await,
        );
        r.expect_closed("scrutins", &api.get("/api/scrutins").session(&cast.session).send().await);
        r.assert_none("before opening");
        assert!(fresh.mails().await.is_empty(), "no mail goes out before the opening");
    }
    // Back to the open calendar: nothing was used up.
    flows::login(&api, &cast.active.email, &cast.secrets.password).await.expect(200);
    flows::check_token(&api, &cast.pending_link).await.expect(200);
}

#[tokio::test]
async fn after_claim_deadline_claims_are_closed_but_ballots_stay_open() {
    let _alone = e2e::one_at_a_time().await;
    let api = Api::new().await;
    let cast = cast(&api).await;
    let _calendar = CalendarGuard::set(calendar(-30, -1, 5, 13)).await;
    let info = election(&api).await;
    assert_eq!(info.str_at("/phase"), "open");
    assert_eq!(info.body["claims_open"], json!(false));

    let claim = json!({ "category": "liste_electorale", "scrutin_id": CSA_MEN, "text": "Mon nom manque sur la liste." });
    api.post("/api/claims")
        .session(&cast.session)
        .header("Idempotency-Key", &format!("late-{}", random_alnum(16)))
        .json(&claim)
        .send()
        .await
        .expect_error(403, "phase_closed");
    api.get("/api/scrutins").session(&cast.session).send().await.expect(200);
    api.get(format!("/api/scrutins/{CSA_MEN}/electeurs?limit=5"))
        .session(&cast.session)
        .send()
        .await
        .expect(200);
    flows::login(&api, &cast.active.email, &cast.secrets.password).await.expect(200);
    let fresh = seed_voter().await;
    flows::request_activation(&api, &fresh).await;
}

#[tokio::test]
async fn after_voting_closes_everything_is_closed() {
    let _alone = e2e::one_at_a_time().await;
    let api = Api::new().await;
    let cast = cast(&api).await;
    {
        let _calendar = CalendarGuard::set(calendar(-60, -40, -20, -10)).await;
        let info = election(&api).await;
        assert_eq!(info.str_at("/phase"), "closed");
        assert_eq!(info.body["claims_open"], json!(false));

        let mut r = Refusals::default();
        r.expect_closed(
            "activate",
            &api.post_json("/api/activate", json!({ "identifier": cast.pending.email })).await,
        );
        r.expect_closed("token check", &flows::check_token(&api, &cast.pending_link).await);
        r.expect_closed(
            "password",
            &flows::set_password(&api, &cast.pending_link, &e2e::voters::new_password()).await,
        );
        r.expect_closed(
            "activate-account",
            &flows::activate_account(&api, &cast.pending_link, &cast.secrets).await,
        );
        r.expect_closed("skip-activation", &flows::skip_activation(&api, &cast.pending_link).await);
        r.expect_closed(
            "reassort",
            &flows::ask_reassort(
                &api,
                &cast.active.email,
                cast.secrets.question_id,
                &cast.secrets.answer,
            )
            .await,
        );
        r.expect_closed(
            "reassort confirm",
            &flows::confirm_reassort(&api, &cast.reassort_link).await,
        );
        r.expect_closed(
            "login",
            &flows::login(&api, &cast.active.email, &cast.secrets.password).await,
        );
        r.expect_closed("session", &api.get("/api/session").session(&cast.session).send().await);
        r.expect_closed("scrutins", &api.get("/api/scrutins").session(&cast.session).send().await);
        r.expect_closed(
            "electoral list",
            &api.get(format!("/api/scrutins/{CSA_MEN}/electeurs"))
                .session(&cast.session)
                .send()
                .await,
        );
        let claim = json!({ "category": "autre", "scrutin_id": null, "text": "Une réclamation bien trop tardive." });
        r.expect_closed(
            "claims",
            &api.post("/api/claims")
                .session(&cast.session)
                .header("Idempotency-Key", &format!("late-{}", random_alnum(16)))
                .json(&claim)
                .send()
                .await,
        );
        r.assert_none("after the close of voting");
        // Logging out stays possible.
        api.post("/api/logout").session(&cast.session).send().await.expect(204);
    }
    // The links refused while closed were not used up.
    flows::check_token(&api, &cast.pending_link).await.expect(200);
    flows::confirm_reassort(&api, &cast.reassort_link).await.expect(200);
}
