//! One voter from the roll to a réassort, every step as the voter guide describes it.

use std::collections::HashSet;

use e2e::flows::{self, ACTIVATION_SUBJECT};
use e2e::voters::{new_password, CCP_AESH, CSA_ACA_VERSAILLES, CSA_MEN};
use e2e::{link_in, seed_voter_named, Api, Secrets, Session};
use serde_json::{json, Value};

#[tokio::test]
async fn voter_opens_account_files_claim_and_recovers_password() {
    let api = Api::new().await;
    let last_name = format!("Aabadie{}", e2e::voters::random_letters(6));
    let voter = seed_voter_named(&[CSA_MEN, CSA_ACA_VERSAILLES, CCP_AESH], &last_name).await;
    // Two more names in other shards of the list, and one voter of other ballots.
    let suffix = e2e::voters::random_letters(6);
    let companions = [
        seed_voter_named(&[CCP_AESH], &format!("Moreau{suffix}")).await,
        seed_voter_named(&[CCP_AESH], &format!("Zidane{suffix}")).await,
    ];
    let outsider = seed_voter_named(&[CSA_MEN], &format!("Lambert{suffix}")).await;
    let secrets = Secrets::new();

    // 1. Asking to open the voter space.
    let reply = api.post_json("/api/activate", json!({ "identifier": voter.email })).await;
    reply.expect(202);
    assert_eq!(reply.str_at("/status"), "accepted");

    // 2. The mail and its link.
    let mail = voter.mail_number(1).await;
    assert_eq!(mail.subject, ACTIVATION_SUBJECT);
    let link = link_in(&mail);
    assert_eq!(link.page, "activation");
    assert_eq!(link.voter_id, voter.voter_id);
    assert!(
        link.url.starts_with(&format!("{}/activation#token=", e2e::mail::portal_base_url())),
        "activation link: {}",
        link.url
    );

    // Opening the link (as a mail scanner would) shows the portal and consumes nothing; the
    // fragment, with the token, stays in the browser.
    let page_path = link.url.trim_start_matches(&e2e::mail::portal_base_url());
    let page = api.get(page_path.split('#').next().unwrap_or_default().to_string()).send().await;
    page.expect(200);

    // 3. Checking the token, twice: checking never consumes it.
    for _ in 0..2 {
        let reply = flows::check_token(&api, &link).await;
        reply.expect(200);
        assert_eq!(reply.str_at("/purpose"), "activation");
        assert_eq!(reply.body["password_set"], json!(false));
        assert_eq!(reply.str_at("/civility"), voter.civility.as_str());
        assert_eq!(reply.str_at("/last_name"), voter.last_name);
    }

    // 4. Creating the password, which leads to the challenge questions.
    let reply = flows::set_password(&api, &link, &secrets.password).await;
    reply.expect(200);
    assert_eq!(reply.str_at("/purpose"), "activation");
    assert_eq!(reply.str_at("/next"), "choose_challenge");
    let questions = reply.body["questions"].as_array().expect("questions");
    let listed = api.get("/api/questions").send().await;
    listed.expect(200);
    assert_eq!(
        &listed.body["questions"], &reply.body["questions"],
        "one list of challenge questions"
    );
    assert!(questions.len() >= 2, "a choice of questions: {}", reply.text);
    assert!(
        questions.iter().any(|q| q["id"] == json!(secrets.question_id)),
        "question {} is offered: {}",
        secrets.question_id,
        reply.text
    );
    let reply = flows::check_token(&api, &link).await;
    reply.expect(200);
    assert_eq!(reply.body["password_set"], json!(true));

    // 5. ACTIVER MON COMPTE.
    let reply = flows::activate_account(&api, &link, &secrets).await;
    reply.expect(201);
    assert_eq!(reply.str_at("/status"), "active");
    assert_eq!(reply.str_at("/session/kind"), "activated");
    let session = reply.session();

    let reply = api.get("/api/session").session(&session).send().await;
    reply.expect(200);
    assert_eq!(reply.str_at("/voter/voter_id"), voter.voter_id);
    assert_eq!(reply.str_at("/voter/email"), voter.email);
    assert_eq!(reply.body["voter"]["activated"], json!(true));

    // 6. Mes scrutins: the voter's ballots, candidate lists in ballot order.
    let reply = api.get("/api/scrutins").session(&session).send().await;
    reply.expect(200);
    assert_eq!(reply.str_at("/voter/voter_id"), voter.voter_id);
    assert_eq!(reply.str_at("/voter/last_name"), voter.last_name);
    let scrutins = reply.body["scrutins"].as_array().expect("scrutins");
    let ids: HashSet<&str> = scrutins.iter().filter_map(|s| s["id"].as_str()).collect();
    let expected: HashSet<&str> = voter.scrutins.iter().map(String::as_str).collect();
    assert_eq!(ids, expected, "exactly the voter's ballots");
    for scrutin in scrutins {
        let lists = scrutin["candidate_lists"].as_array().unwrap();
        assert!(!lists.is_empty(), "the demo ballot {} has candidate lists", scrutin["id"]);
        let orders: Vec<i64> = lists.iter().map(|l| l["order"].as_i64().unwrap()).collect();
        assert!(
            orders.windows(2).all(|w| w[0] < w[1]),
            "lists of {} in ballot order: {orders:?}",
            scrutin["id"]
        );
        for list in lists {
            let ranks: Vec<i64> = list["candidates"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["rank"].as_i64().unwrap())
                .collect();
            assert!(
                ranks.windows(2).all(|w| w[0] < w[1]),
                "candidates of {} in rank order: {ranks:?}",
                list["id"]
            );
        }
    }

    // 7. The electoral list of a ballot, page by page, through every shard of the alphabet. (The
    // local stack caches no page, BALLOT_CACHE_SECS=0: a cached first page would not show a voter
    // added a moment ago.)
    let entries = walk_electoral_list(&api, &session, CCP_AESH).await;
    for name in [&voter.last_name, &companions[0].last_name, &companions[1].last_name] {
        let found = entries.iter().filter(|e| e["last_name"] == json!(name)).count();
        assert_eq!(
            found, 1,
            "{name} must appear once in the electoral list of {CCP_AESH}, found {found} times"
        );
    }
    assert!(
        !entries.iter().any(|e| e["last_name"] == json!(outsider.last_name)),
        "a voter of other ballots shows in the list of {CCP_AESH}"
    );

    // 7b. A search by name finds the voter however the name is typed, and only in that list; the
    // list's count is the one the administration stored last.
    let typed = voter.last_name.to_uppercase().replace(' ', "  ");
    let path = format!("/api/scrutins/{CCP_AESH}/electeurs?q={}", encode_query(&typed));
    let reply = api.get(path).session(&session).send().await;
    reply.expect(200);
    let found = reply.body["electeurs"].as_array().unwrap();
    assert!(
        found.iter().any(|e| e["last_name"] == json!(voter.last_name)),
        "searching {typed:?} did not find {}: {}",
        voter.last_name,
        reply.body
    );
    assert!(found.iter().all(|e| e["last_name"] != json!(outsider.last_name)));
    assert_eq!(reply.body["q"], json!(typed));
    let reply =
        api.get(format!("/api/scrutins/{CCP_AESH}/electeurs?q=a")).session(&session).send().await;
    reply.expect(422);
    assert_eq!(reply.str_at("/field"), "q");
    let counted = shared::ports::Roll::count_roll(&e2e::voters::store().await, CCP_AESH)
        .await
        .expect("count the list");
    assert!(counted >= 3, "{CCP_AESH} counted {counted}");
    let reply =
        api.get(format!("/api/scrutins/{CCP_AESH}/electeurs")).session(&session).send().await;
    let total = reply.body["total"].as_u64().expect("a total once counted");
    assert!(total >= 3, "{CCP_AESH} total {total}");

    // 8. A claim, retried with the same Idempotency-Key.
    let key = format!("claim-{}", e2e::voters::random_alnum(16));
    let claim = json!({
        "category": "liste_electorale",
        "scrutin_id": CSA_ACA_VERSAILLES,
        "text": "Mon affectation a changé à la rentrée : je ne devrais plus figurer sur cette liste.",
    });
    let mails_before = voter.mails().await.len();
    let first = api
        .post("/api/claims")
        .session(&session)
        .header("Idempotency-Key", &key)
        .json(&claim)
        .send()
        .await;
    first.expect(201);
    let reference = first.str_at("/reference").to_string();
    assert!(reference.starts_with("REC-"), "claim reference: {reference}");
    assert_eq!(first.body["category"], claim["category"]);
    assert_eq!(first.body["scrutin_id"], claim["scrutin_id"]);
    assert_eq!(first.body["text"], claim["text"]);
    let retry = api
        .post("/api/claims")
        .session(&session)
        .header("Idempotency-Key", &key)
        .json(&claim)
        .send()
        .await;
    retry.expect(200);
    assert_eq!(retry.str_at("/reference"), reference, "a retry returns the same claim");
    assert_eq!(retry.body["created_at"], first.body["created_at"]);
    let ack = voter.mail_number(mails_before + 1).await;
    assert!(
        ack.contains(&reference),
        "the acknowledgement names the claim {reference}:\n{}",
        ack.text
    );
    assert_eq!(
        voter.mails().await.len(),
        mails_before + 1,
        "one acknowledgement, not one per retry"
    );

    // 9. Logging out ends the session.
    let reply = api.post("/api/logout").session(&session).send().await;
    reply.expect(204);
    let cleared = reply.session_cookie().expect("logout clears the cookie");
    assert!(cleared.clears(), "logout cookie should clear the session: {}", cleared.raw);
    api.get("/api/scrutins").session(&session).send().await.expect_error(401, "unauthenticated");

    // 10. Logging in again.
    let reply = flows::login(&api, &voter.email, &secrets.password).await;
    reply.expect(200);
    assert_eq!(reply.str_at("/voter/voter_id"), voter.voter_id);
    assert_eq!(reply.str_at("/session/kind"), "activated");
    let login_session = reply.session();
    api.get("/api/scrutins").session(&login_session).send().await.expect(200);

    // 11. Réassort: question and answer, then the mailbox.
    let mails_before = voter.mails().await.len();
    let reply = flows::ask_reassort(&api, &voter.email, secrets.question_id, &secrets.answer).await;
    reply.expect(202);
    assert_eq!(reply.str_at("/status"), "accepted");
    let mail = voter.mail_number(mails_before + 1).await;
    let link = link_in(&mail);
    assert_eq!(link.page, "reassort", "the latest mail is the réassort: {}", mail.subject);
    assert_eq!(link.voter_id, voter.voter_id);
    let reply = flows::check_token(&api, &link).await;
    reply.expect(200);
    assert_eq!(reply.str_at("/purpose"), "reassort");
    let new_pass = new_password();
    let reply = flows::set_password(&api, &link, &new_pass).await;
    reply.expect(200);
    assert_eq!(reply.str_at("/purpose"), "reassort");
    assert_eq!(reply.str_at("/next"), "confirm_reassort");
    let reply = flows::confirm_reassort(&api, &link).await;
    reply.expect(200);
    assert_eq!(reply.str_at("/status"), "password_changed");
    let new_session = reply.session();
    assert_ne!(new_session, login_session);

    // A réassort ends every other session.
    api.get("/api/scrutins")
        .session(&login_session)
        .send()
        .await
        .expect_error(401, "unauthenticated");
    api.get("/api/scrutins").session(&new_session).send().await.expect(200);

    // 12. Only the new password opens the account now.
    flows::login(&api, &voter.email, &new_pass).await.expect(200);
    flows::login(&api, &voter.email, &secrets.password)
        .await
        .expect_error(401, "invalid_credentials");

    // No mail ever carries a password or the secret answer.
    for mail in voter.mails().await {
        for secret in [&secrets.password, &new_pass, &secrets.answer] {
            assert!(!mail.contains(secret), "the mail {:?} reveals a secret", mail.subject);
        }
    }
}

/// Every entry of an electoral list, read two at a time; checks the page size and that every
/// cursor leads on.
async fn walk_electoral_list(api: &Api, session: &Session, scrutin: &str) -> Vec<Value> {
    let mut seen: Vec<Value> = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..2000 {
        let mut path = format!("/api/scrutins/{scrutin}/electeurs?limit=2");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={}", encode_query(c)));
        }
        let reply = api.get(path).session(session).send().await;
        reply.expect(200);
        assert_eq!(reply.str_at("/scrutin_id"), scrutin);
        let entries = reply.body["electeurs"].as_array().unwrap().clone();
        assert!(entries.len() <= 2, "limit=2 gave {} entries", entries.len());
        seen.extend(entries);
        match reply.body["next_cursor"].as_str() {
            Some(next) => {
                assert_ne!(Some(next), cursor.as_deref(), "the cursor must move on");
                cursor = Some(next.to_string());
            }
            None => return seen,
        }
    }
    panic!("the electoral list of {scrutin} did not end within 4000 entries");
}

/// Percent-encodes a query value (cursors are opaque and may hold any character).
pub fn encode_query(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}
