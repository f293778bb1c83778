//! Two submissions of one token at once: exactly one wins, and the account is whole.
//!
//! The local emulator serves concurrent calls in parallel only when started with
//! `--concurrency`; scripts/test.sh does so, otherwise these tests pass without proving much.

use e2e::flows;
use e2e::{seed_voter, Api, Reply, Secrets};
use serde_json::json;

const RACERS: usize = 8;

async fn race<F, Fut>(submit: F) -> Vec<Reply>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Reply> + Send + 'static,
{
    let handles: Vec<_> = (0..RACERS).map(|i| tokio::spawn(submit(i))).collect();
    let mut replies = Vec::new();
    for h in handles {
        replies.push(h.await.expect("a racer panicked"));
    }
    replies
}

#[track_caller]
fn assert_one_winner(replies: &[Reply], success: u16) {
    let summary: Vec<String> =
        replies.iter().map(|r| format!("{} {}", r.status, r.code())).collect();
    let winners = replies.iter().filter(|r| r.status == success).count();
    assert_eq!(winners, 1, "exactly one {success} expected among {summary:?}");
    // A loser learns that the link is spent: 409 while the winner is still writing, 410 once it
    // is done (`token_used`, or `token_invalid` once the account moved on to a new generation).
    for r in replies.iter().filter(|r| r.status != success) {
        assert!(
            (r.status == 409 && r.code() == "conflict")
                || (r.status == 410 && ["token_used", "token_invalid"].contains(&r.code())),
            "a loser gets 409 conflict or 410 token_used/token_invalid, not {} {}",
            r.status,
            r.text
        );
    }
    println!("race outcome: {summary:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_activations_with_one_token_make_one_account() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let secrets = Secrets::new();
    let link = flows::request_activation(&api, &voter).await;
    flows::set_password(&api, &link, &secrets.password).await.expect(200);

    let replies = race(|i| {
        let api = api.clone();
        let body = json!({
            "voter_id": link.voter_id,
            "token": link.token,
            "question_id": secrets.question_id,
            "answer": format!("{} {i}", secrets.answer),
        });
        async move { api.post_json("/api/activate-account", body).await }
    })
    .await;
    assert_one_winner(&replies, 201);

    let winner = replies.iter().find(|r| r.status == 201).unwrap();
    let reply = api.get("/api/session").session(&winner.session()).send().await;
    reply.expect(200);
    assert_eq!(reply.body["voter"]["activated"], json!(true));
    flows::login(&api, &voter.email, &secrets.password).await.expect(200);
    // Only the losers' sessions do not exist: none of them set a cookie.
    for r in replies.iter().filter(|r| r.status != 201) {
        assert!(
            r.session_cookie().is_none_or(|c| c.clears()),
            "a losing submission opened a session"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_skips_with_one_token_open_one_session() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let secrets = Secrets::new();
    let link = flows::request_activation(&api, &voter).await;
    flows::set_password(&api, &link, &secrets.password).await.expect(200);

    let replies = race(|_| {
        let api = api.clone();
        let link = link.clone();
        async move { flows::skip_activation(&api, &link).await }
    })
    .await;
    assert_one_winner(&replies, 200);

    let winner = replies.iter().find(|r| r.status == 200).unwrap();
    let reply = api.get("/api/scrutins").session(&winner.session()).send().await;
    reply.expect(200);
    assert_eq!(reply.body["voter"]["activated"], json!(false));
    flows::login(&api, &voter.email, &secrets.password)
        .await
        .expect_error(401, "invalid_credentials");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn activation_racing_a_skip_leaves_one_outcome() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let secrets = Secrets::new();
    let link = flows::request_activation(&api, &voter).await;
    flows::set_password(&api, &link, &secrets.password).await.expect(200);

    let replies = race(|i| {
        let api = api.clone();
        let link = link.clone();
        let secrets = secrets.clone();
        async move {
            if i % 2 == 0 {
                flows::activate_account(&api, &link, &secrets).await
            } else {
                flows::skip_activation(&api, &link).await
            }
        }
    })
    .await;
    let winners: Vec<&Reply> =
        replies.iter().filter(|r| r.status == 200 || r.status == 201).collect();
    assert_eq!(
        winners.len(),
        1,
        "one submission wins: {:?}",
        replies.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    let login = flows::login(&api, &voter.email, &secrets.password).await;
    if winners[0].status == 201 {
        login.expect(200);
    } else {
        login.expect_error(401, "invalid_credentials");
    }
}
