//! Sessions end after an idle time and after an absolute lifetime, whatever the cookie says.

use chrono::{DateTime, Utc};
use e2e::flows;
use e2e::voters::{now_epoch, set_session_instant};
use e2e::{seed_voter, Api};

#[tokio::test]
async fn session_states_its_limits() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let (_, session) = flows::activate(&api, &voter).await;
    let reply = api.get("/api/session").session(&session).send().await;
    reply.expect(200);
    let expires_at = DateTime::parse_from_rfc3339(reply.str_at("/session/expires_at"))
        .unwrap()
        .with_timezone(&Utc);
    let left = expires_at - Utc::now();
    assert!(
        left > chrono::Duration::minutes(5) && left <= chrono::Duration::hours(24),
        "a fresh session should last minutes to hours, not {left}"
    );
    let idle = reply.body["session"]["idle_timeout_seconds"].as_i64().unwrap();
    assert!((60..=3600).contains(&idle), "idle timeout of {idle} s");
}

#[tokio::test]
async fn idle_session_is_refused() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let (_, session) = flows::activate(&api, &voter).await;
    api.get("/api/scrutins").session(&session).send().await.expect(200);
    set_session_instant(&session, "last_seen_at", now_epoch() - 2 * 3600).await;
    api.get("/api/scrutins").session(&session).send().await.expect_error(401, "unauthenticated");
    api.get("/api/session").session(&session).send().await.expect_error(401, "unauthenticated");
}

#[tokio::test]
async fn session_past_its_lifetime_is_refused_even_when_active() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let (secrets, session) = flows::activate(&api, &voter).await;
    set_session_instant(&session, "absolute_expires_at", now_epoch() - 1).await;
    api.get("/api/scrutins").session(&session).send().await.expect_error(401, "unauthenticated");
    // Logging in again gives a new, working session.
    let fresh = flows::login(&api, &voter.email, &secrets.password).await.expect(200).session();
    api.get("/api/scrutins").session(&fresh).send().await.expect(200);
}
