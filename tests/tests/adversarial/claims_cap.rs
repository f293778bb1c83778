//! A voter cannot file claims without limit: each one sends an acknowledgement mail, and a flood
//! of them would spend the SES quota every voter's activation mail needs.

use e2e::voters::random_alnum;
use e2e::{flows, seed_voter, Api};
use serde_json::json;

/// Claims one voter may file: `CLAIM_CAP` as the local stack sets it, else the functions' default.
fn claim_cap() -> usize {
    std::env::var("CLAIM_CAP").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(10)
}

#[tokio::test]
async fn claims_past_the_cap_are_refused_and_send_no_mail() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let (_, session) = flows::activate(&api, &voter).await;
    let mails_before = voter.mails().await.len();
    let file = |n: usize| {
        let key = format!("flood-{n}-{}", random_alnum(10));
        let body = json!({
            "category": "autre",
            "scrutin_id": null,
            "text": format!("Réclamation numéro {n} sur mon espace électeur."),
        });
        let (api, session) = (&api, &session);
        async move {
            api.post("/api/claims")
                .session(session)
                .header("Idempotency-Key", &key)
                .json(&body)
                .send()
                .await
        }
    };

    let cap = claim_cap();
    for n in 0..cap {
        file(n).await.expect(201);
    }
    for n in cap..cap + 5 {
        let refused = file(n).await;
        refused.expect_error(422, "claim_limit_reached");
        assert!(refused.str_at("/message").contains(&cap.to_string()), "{}", refused.text);
    }

    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(
        voter.mails().await.len() - mails_before,
        cap,
        "one acknowledgement per claim filed, none for the refused ones"
    );
}
