//! Each voter has a security trail: every step of their account is recorded with the change that
//! makes it, without a secret, expires after the retention, and the welcome page shows the last
//! connections so that a takeover can be noticed.

use aws_sdk_dynamodb::types::AttributeValue;
use e2e::voters::{random_alnum, store};
use e2e::{flows, seed_voter, Api, Session, Voter};
use serde_json::json;
use shared::audit::{AuditEvent, AuditKind};
use shared::ports::{AuditTrail, Roll};

/// Failures allowed before delays start, as the local stack sets it.
fn free_attempts() -> usize {
    std::env::var("FREE_ATTEMPTS").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(3)
}

/// The retention of the trail, as the local stack sets it.
fn retention() -> i64 {
    std::env::var("AUDIT_RETENTION_SECS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(shared::audit::DEFAULT_RETENTION_SECS as i64)
}

/// The voter's trail, oldest first.
async fn trail(voter: &Voter) -> Vec<AuditEvent> {
    let mut events = store().await.trail(&voter.voter_id, &[], 200).await.expect("read the trail");
    events.reverse();
    events
}

fn kinds(events: &[AuditEvent]) -> Vec<AuditKind> {
    events.iter().map(|e| e.kind).collect()
}

/// Every item of the voter's trail as the table holds it, as text.
async fn raw_items(voter: &Voter) -> Vec<std::collections::HashMap<String, AttributeValue>> {
    let store = store().await;
    store
        .client()
        .query()
        .table_name(store.table())
        .key_condition_expression("pk = :pk AND begins_with(sk, :audit)")
        .expression_attribute_values(":pk", AttributeValue::S(format!("VOTER#{}", voter.voter_id)))
        .expression_attribute_values(":audit", AttributeValue::S("AUDIT#".into()))
        .consistent_read(true)
        .send()
        .await
        .expect("query the trail")
        .items
        .unwrap_or_default()
}

async fn file_claim(api: &Api, session: &Session) -> String {
    let reply = api
        .post("/api/claims")
        .session(session)
        .header("Idempotency-Key", &format!("audit-{}", random_alnum(12)))
        .json(&json!({
            "category": "liste_electorale",
            "scrutin_id": null,
            "text": "Mon établissement d'affectation est faux sur la liste électorale.",
        }))
        .send()
        .await;
    reply.expect(201);
    reply.str_at("/reference").to_string()
}

#[tokio::test]
async fn every_step_of_the_account_is_in_the_trail_and_nothing_secret() {
    use AuditKind::*;
    let api = Api::new().await;
    let voter = seed_voter().await;
    let activation = flows::request_activation(&api, &voter).await;
    let secrets = e2e::voters::Secrets::new();
    flows::set_password(&api, &activation, &secrets.password).await.expect(200);
    let first = flows::activate_account(&api, &activation, &secrets).await;
    first.expect(201);
    let first = first.session();
    api.post("/api/logout").session(&first).send().await.expect(204);

    let wrong = format!("Mauvais-{}-Hibou", random_alnum(8));
    for _ in 0..free_attempts() {
        flows::login(&api, &voter.email, &wrong).await.expect_error(401, "invalid_credentials");
    }
    // Locked: refused before any check, and not recorded again.
    flows::login(&api, &voter.email, &wrong).await.expect_error(401, "invalid_credentials");

    let link = flows::request_reassort(&api, &voter, &secrets).await;
    let password = e2e::voters::new_password();
    flows::set_password(&api, &link, &password).await.expect(200);
    let after_reassort = flows::confirm_reassort(&api, &link).await;
    after_reassort.expect(200);
    let login = flows::login(&api, &voter.email, &password).await;
    login.expect(200);
    let session = login.session();
    let reference = file_claim(&api, &session).await;

    // The welcome page's reply: the last connections, newest first, nothing secret.
    let me = api.get("/api/session").session(&session).send().await;
    me.expect(200);
    let connections = me.body["last_connections"].as_array().expect("last_connections").clone();
    let shown: Vec<&str> = connections.iter().map(|c| c["kind"].as_str().unwrap()).collect();
    assert_eq!(shown, ["login_succeeded", "reassort_used", "account_activated"], "{}", me.text);
    assert_eq!(connections[0]["label"], "Connexion réussie");
    assert!(connections.iter().all(|c| c["at"]
        .as_str()
        .is_some_and(|at| at.ends_with("+01:00") || at.ends_with("+02:00"))));

    let moved = Voter { email: format!("nouvelle.{}", voter.email), ..voter.clone() };
    store().await.put_roll_voter(&moved.roll()).await.expect("address changed");

    let events = trail(&voter).await;
    let mut expected = vec![ActivationAsked, AccountActivated, SessionEnded];
    expected.extend(std::iter::repeat_n(LoginFailed, free_attempts()));
    expected.extend([
        Locked,
        ReassortAsked,
        ReassortUsed,
        Unlocked,
        LoginSucceeded,
        ClaimFiled,
        AddressChanged,
    ]);
    assert_eq!(kinds(&events), expected, "{events:#?}");
    let claim = events.iter().find(|e| e.kind == ClaimFiled).unwrap();
    assert_eq!(claim.detail.as_deref(), Some(reference.as_str()));

    // Nothing secret in any item, and each one expires after the retention.
    let items = raw_items(&voter).await;
    assert_eq!(items.len(), events.len());
    let secrets_used = [
        secrets.password.as_str(),
        password.as_str(),
        wrong.as_str(),
        secrets.answer.as_str(),
        activation.token.as_str(),
        link.token.as_str(),
        first.value.as_str(),
        session.value.as_str(),
        voter.email.as_str(),
    ];
    for item in &items {
        let text = format!("{item:?}");
        for secret in secrets_used {
            assert!(!text.contains(secret), "a trail item holds a secret: {text}");
        }
        let at: i64 = item["at"].as_n().unwrap().parse().unwrap();
        let ttl: i64 = item["ttl"].as_n().unwrap().parse().unwrap();
        assert_eq!(ttl, at + retention(), "{text}");
    }
}

#[tokio::test]
async fn an_access_without_activation_is_recorded_once_and_shown() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let link = flows::request_activation(&api, &voter).await;
    flows::set_password(&api, &link, &e2e::voters::new_password()).await.expect(200);
    let entered = flows::skip_activation(&api, &link).await;
    entered.expect(200);
    let session = entered.session();
    // The link is used: a second try is refused and leaves no event.
    let again = flows::skip_activation(&api, &link).await;
    assert!(again.status >= 400, "{}", again.text);

    assert_eq!(
        kinds(&trail(&voter).await),
        [AuditKind::ActivationAsked, AuditKind::AccessWithoutActivation]
    );
    let me = api.get("/api/session").session(&session).send().await;
    me.expect(200);
    assert_eq!(me.body["last_connections"][0]["kind"], "access_without_activation", "{}", me.text);
    assert_eq!(me.body["last_connections"][0]["label"], "Accès sans activation");
}
