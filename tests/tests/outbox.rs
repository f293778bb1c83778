//! The mail path through the outbox, on the running stack: a request never waits for SES, and
//! takes the same time for a voter on the roll and an unknown identifier; every mail arrives once;
//! a record delivered twice sends one mail; an address that bounces gets no mail, the failure is
//! listed for the administration and the voter's cap is given back; a link lasts its whole time
//! from its mail's delivery. These tests pause the SES stand-in or the outbox relay (their process
//! groups, `SES_STAND_IN_PID` and `OUTBOX_RELAY_PID`, exported by scripts/lib.sh), so they run one
//! at a time in a binary of their own.

use std::process::Command;
use std::time::{Duration, Instant};

use e2e::voters::store;
use e2e::{flows, median, one_at_a_time, seed_voter, unknown_identifier, Api, Voter};
use serde_json::{json, Value};
use shared::outbox::{OutboxItem, OutboxStatus};
use shared::ports::{LinkTokens, Voters};

/// A paused process group, resumed when dropped (also when the test fails).
struct Paused(String);

impl Paused {
    fn group(variable: &str) -> Paused {
        let pid = std::env::var(variable).unwrap_or_else(|_| {
            panic!("{variable} is not set: run these tests on the stack of scripts/test.sh")
        });
        signal("STOP", &pid);
        Paused(pid)
    }
}

impl Drop for Paused {
    fn drop(&mut self) {
        signal("CONT", &self.0);
    }
}

fn signal(which: &str, pid: &str) {
    let group = format!("-{pid}");
    let done = Command::new("kill").args(["-s", which, "--", &group]).status().expect("kill");
    assert!(done.success(), "kill -s {which} -- {group} failed");
}

/// The outbox items of one voter, oldest first.
async fn outbox_of(voter: &Voter) -> Vec<OutboxItem> {
    let all = store().await.outbox_items().await.expect("read the outbox");
    all.into_iter().filter(|i| i.voter_id == voter.voter_id).collect()
}

/// Waits until the voter's outbox items all satisfy `done`, and returns them.
async fn wait_outbox(voter: &Voter, done: impl Fn(&OutboxItem) -> bool) -> Vec<OutboxItem> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let items = outbox_of(voter).await;
        if !items.is_empty() && items.iter().all(&done) {
            return items;
        }
        assert!(Instant::now() < deadline, "outbox of {} not done: {items:?}", voter.voter_id);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Invokes the mailer directly with one stream record of the outbox item, as the stream would.
async fn invoke_mailer(item: &OutboxItem, sequence: &str) -> Value {
    let url = format!("{}/2015-03-31/functions/mailer/invocations", e2e::api::api_base_url());
    let event = json!({ "Records": [{
        "eventID": sequence,
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "dynamodb": {
            "Keys": { "pk": { "S": format!("OUTBOX#{}", item.id) }, "sk": { "S": "MAIL" } },
            "SequenceNumber": sequence,
        },
    }]});
    let reply = reqwest::Client::new().post(url).json(&event).send().await.expect("invoke");
    assert!(reply.status().is_success(), "the mailer's invocation answered {}", reply.status());
    reply.json().await.expect("the mailer answers JSON")
}

fn percentiles(mut values: Vec<i64>) -> String {
    values.sort_unstable();
    let at =
        |q: f64| values[((values.len() as f64 * q).ceil() as usize).clamp(1, values.len()) - 1];
    format!("p50 {} ms, p90 {} ms, p99 {} ms, max {} ms", at(0.5), at(0.9), at(0.99), at(1.0))
}

#[tokio::test]
async fn with_ses_paused_requests_answer_at_once_alike_and_every_mail_comes_once() {
    let _one = one_at_a_time().await;
    let api = Api::new().await;
    const ROUNDS: usize = 15;
    let mut voters = Vec::new();
    for _ in 0..ROUNDS {
        voters.push(seed_voter().await);
    }
    let pause_started = Instant::now();
    let paused = Paused::group("SES_STAND_IN_PID");
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for voter in &voters {
        let started = Instant::now();
        api.post_json("/api/activate", json!({ "identifier": voter.email })).await.expect(202);
        known.push(started.elapsed().as_millis() as i64);
        let started = Instant::now();
        api.post_json("/api/activate", json!({ "identifier": unknown_identifier() }))
            .await
            .expect(202);
        unknown.push(started.elapsed().as_millis() as i64);
    }
    // Hold SES paused for 10 s in all, as an SES outage would.
    let held = Duration::from_secs(10).saturating_sub(pause_started.elapsed());
    tokio::time::sleep(held).await;
    drop(paused);
    let (k, u) = (median(&known), median(&unknown));
    eprintln!(
        "SES paused: activate on the roll {}, unknown {}",
        percentiles(known.clone()),
        percentiles(unknown.clone())
    );
    assert!(known.iter().all(|&ms| ms < 3_000), "a request waited for SES: {known:?}");
    assert!((k - u).abs() < 50, "medians differ by {} ms (on the roll {k}, unknown {u})", k - u);

    // Every mail arrives once SES is back, none twice.
    let mut delays = Vec::new();
    for voter in &voters {
        let items = wait_outbox(voter, |i| i.status == OutboxStatus::Sent).await;
        assert_eq!(items.len(), 1, "one mail queued for {}", voter.voter_id);
        delays.push(items[0].accepted_at_ms.unwrap() - items[0].asked_at_ms);
        voter.mail_number(1).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    for voter in &voters {
        assert_eq!(voter.mails().await.len(), 1, "{} got its mail more than once", voter.email);
    }
    eprintln!("SES paused 10 s: delivery delays {}", percentiles(delays));
}

#[tokio::test]
async fn an_outbox_record_delivered_twice_sends_one_mail() {
    let _one = one_at_a_time().await;
    let api = Api::new().await;
    let voter = seed_voter().await;
    let item = {
        let _paused = Paused::group("OUTBOX_RELAY_PID");
        api.post_json("/api/activate", json!({ "identifier": voter.email })).await.expect(202);
        let items = outbox_of(&voter).await;
        assert_eq!(items.len(), 1);
        assert_eq!(items[0].status, OutboxStatus::Pending);
        // The same record twice at once, then once more: one mail.
        let (a, b) = tokio::join!(invoke_mailer(&items[0], "1"), invoke_mailer(&items[0], "1"));
        eprintln!("two concurrent deliveries answered {a} and {b}");
        invoke_mailer(&items[0], "1").await;
        items[0].clone()
    };
    // The relay, resumed, delivers the stream's own record too.
    let items = wait_outbox(&voter, |i| i.status == OutboxStatus::Sent).await;
    assert_eq!(items[0].id, item.id);
    voter.mail_number(1).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        voter.mails().await.len(),
        1,
        "a record delivered three times sent more than one mail"
    );
}

#[tokio::test]
async fn a_bouncing_address_gets_no_mail_the_failure_is_listed_and_the_cap_is_given_back() {
    let _one = one_at_a_time().await;
    let api = Api::new().await;
    let voter = seed_voter().await;
    // SES reports the address as bouncing (its event, through SNS).
    let ses_event = json!({
        "eventType": "Bounce",
        "bounce": { "bounceType": "Permanent", "bouncedRecipients": [
            { "emailAddress": voter.email.to_uppercase(), "diagnosticCode": "smtp; 550 5.1.1 user unknown" }
        ]},
        "mail": { "messageId": "essai" },
    });
    let sns = json!({ "Records": [{ "EventSource": "aws:sns", "Sns": { "Message": ses_event.to_string() } }] });
    let url = format!("{}/2015-03-31/functions/mailer/invocations", e2e::api::api_base_url());
    let reply = reqwest::Client::new().post(url).json(&sns).send().await.expect("invoke");
    assert!(reply.status().is_success());

    let reply = api.post_json("/api/activate", json!({ "identifier": voter.email })).await;
    reply.expect(202);
    let unknown =
        api.post_json("/api/activate", json!({ "identifier": unknown_identifier() })).await;
    assert_eq!(reply.body, unknown.body, "a bouncing address gets the public reply");

    let items = wait_outbox(&voter, |i| i.status == OutboxStatus::Failed).await;
    assert!(items[0].failure.as_deref().unwrap_or("").contains("bounce"), "{:?}", items[0].failure);
    assert!(voter.mails().await.is_empty(), "a bouncing address was mailed");
    let profile = store().await.voter(&voter.voter_id).await.unwrap().unwrap();
    assert!(profile.mail_sent_at.is_empty(), "the failed mail kept its place in the cap");

    // The administration sees the failure and the address.
    let listed = admin_output(&["mail", "failed"]);
    assert!(listed.contains(&voter.email), "mail failed does not list it:\n{listed}");
    let bouncing = admin_output(&["mail", "bouncing"]);
    assert!(bouncing.contains(&voter.email), "mail bouncing does not list it:\n{bouncing}");
}

/// The output of `electeur-admin ARGS` against the stack's table: its prebuilt binary from
/// `WORKSPACE_BIN_DIR` when set (scripts/lib.sh), else through `cargo run`.
fn admin_output(args: &[&str]) -> String {
    let mut command = match std::env::var_os("WORKSPACE_BIN_DIR").filter(|dir| !dir.is_empty()) {
        Some(dir) => Command::new(std::path::Path::new(&dir).join("electeur-admin")),
        None => {
            let mut cargo = Command::new("cargo");
            cargo.args(["run", "--quiet", "-p", "electeur-admin", "--"]);
            cargo
        }
    };
    let out = command.args(args).output().expect("electeur-admin");
    assert!(
        out.status.success(),
        "electeur-admin {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).to_string()
}

#[tokio::test]
async fn a_link_lasts_its_whole_time_from_its_mails_delivery_and_works_when_late() {
    let _one = one_at_a_time().await;
    let api = Api::new().await;
    let voter = seed_voter().await;
    let (secrets, _) = flows::activate(&api, &voter).await;
    let before = voter.mails().await.len();
    {
        let _paused = Paused::group("OUTBOX_RELAY_PID");
        flows::ask_reassort(&api, &voter.email, secrets.question_id, &secrets.answer)
            .await
            .expect(202);
        tokio::time::sleep(Duration::from_secs(4)).await;
    }
    let mail = voter.mail_number(before + 1).await;
    let link = e2e::link_in(&mail);
    let items = wait_outbox(&voter, |i| i.status == OutboxStatus::Sent).await;
    let late = items.last().unwrap();
    let delay = late.accepted_at_ms.unwrap() - late.asked_at_ms;
    assert!(delay >= 3_500, "the mailer was paused, yet the mail left after {delay} ms");
    let token = store()
        .await
        .token(&shared::tokens::hash_token(&link.token))
        .await
        .unwrap()
        .expect("the link's token");
    let valid_secs = token.expires_at - late.accepted_at_ms.unwrap().div_euclid(1000);
    assert!(
        valid_secs >= 7_200 - 1,
        "the link's time ran from the request, not from the delivery: {valid_secs} s left"
    );
    flows::set_password(&api, &link, &e2e::voters::new_password()).await.expect(200);
    flows::confirm_reassort(&api, &link).await.expect(200);
}
