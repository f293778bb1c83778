//! Mail requests are capped per voter, so that nobody can flood an academic inbox; the cap shows
//! nowhere in the replies.

use std::time::Duration;

use e2e::flows;
use e2e::{link_in, seed_voter, Api};
use serde_json::json;

/// Mails one voter may ask for in a day: `MAIL_CAP_PER_DAY` as the local stack sets it, else the
/// functions' default.
fn cap() -> usize {
    std::env::var("MAIL_CAP_PER_DAY").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(5)
}

#[tokio::test]
async fn activation_mails_stop_at_the_daily_cap_with_the_same_reply() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let cap = cap();
    let mut replies = Vec::new();
    for _ in 0..cap + 3 {
        let reply = api.post_json("/api/activate", json!({ "identifier": voter.email })).await;
        reply.expect(202);
        replies.push(reply);
    }
    for (i, r) in replies.iter().enumerate() {
        assert_eq!(
            r.body,
            replies[0].body,
            "request {} got another reply than the first: {}",
            i + 1,
            r.text
        );
    }

    voter.mail_number(cap).await;
    // Give a late mail the time to show up before counting.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mails = voter.mails().await;
    assert_eq!(mails.len(), cap, "{} requests must give {cap} mails, not {}", cap + 3, mails.len());

    // The requests refused for the cap did not void the last link that was mailed.
    let last = link_in(mails.last().unwrap());
    flows::check_token(&api, &last).await.expect(200);
    let reply = flows::check_token(&api, &link_in(&mails[0])).await;
    reply.expect_error(410, "token_invalid");
}
