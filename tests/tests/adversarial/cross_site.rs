//! A state-changing request sent from another site is refused before it changes anything, even
//! with the voter's valid session cookie: its `Origin` (or, without one, its `Sec-Fetch-Site`)
//! must be the portal's.

use e2e::voters::random_alnum;
use e2e::{flows, seed_voter, Api};
use serde_json::json;

const EVIL: &str = "https://evil.example";

/// The portal's origin, as the functions know it (`PORTAL_BASE_URL`).
fn portal_origin() -> String {
    let base = std::env::var("PORTAL_BASE_URL").unwrap_or_else(|_| e2e::api::api_base_url());
    lambda_edge::http::origin_of(&base)
}

fn claim_body() -> serde_json::Value {
    json!({ "category": "liste_electorale", "scrutin_id": null, "text": "Mon nom est mal orthographié." })
}

#[tokio::test]
async fn a_claim_posted_from_another_site_is_refused_and_not_filed() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let (_, session) = flows::activate(&api, &voter).await;
    let key = format!("cross-site-{}", random_alnum(12));

    for (header, value) in [("Origin", EVIL), ("Sec-Fetch-Site", "cross-site")] {
        api.post("/api/claims")
            .session(&session)
            .header("Idempotency-Key", &key)
            .header(header, value)
            .json(&claim_body())
            .send()
            .await
            .expect_error(403, "cross_origin_refused");
    }
    // Nothing was filed under that key: the same request from the portal creates the claim now.
    api.post("/api/claims")
        .session(&session)
        .header("Idempotency-Key", &key)
        .header("Origin", &portal_origin())
        .json(&claim_body())
        .send()
        .await
        .expect(201);
}

#[tokio::test]
async fn every_state_changing_route_refuses_another_site() {
    let api = Api::new().await;
    for path in [
        "/api/activate",
        "/api/password",
        "/api/activate-account",
        "/api/skip-activation",
        "/api/reassort",
        "/api/reassort/confirm",
        "/api/login",
        "/api/logout",
    ] {
        api.post(path)
            .header("Origin", EVIL)
            .json(&json!({}))
            .send()
            .await
            .expect_error(403, "cross_origin_refused");
    }
}

#[tokio::test]
async fn the_portal_own_origin_and_reads_from_anywhere_are_served() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let (secrets, _) = flows::activate(&api, &voter).await;
    api.post("/api/login")
        .header("Origin", &portal_origin())
        .header("Sec-Fetch-Site", "same-origin")
        .json(&json!({ "identifier": voter.email, "password": secrets.password }))
        .send()
        .await
        .expect(200);
    api.get("/api/election").header("Origin", EVIL).send().await.expect(200);
}
