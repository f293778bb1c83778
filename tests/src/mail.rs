//! The voters' mailboxes, as the SES emulator keeps them (`GET /store`), and the links in the mails.

use std::time::{Duration, Instant};

use regex::Regex;
use serde_json::Value;

/// How long a mail may take to arrive before a test gives up.
pub const MAIL_WAIT: Duration = Duration::from_secs(30);

pub fn ses_base_url() -> String {
    std::env::var("SES_BASE_URL")
        .unwrap_or_else(|_| "http://127.0.0.1:8005".into())
        .trim_end_matches('/')
        .to_string()
}

/// Base of every link in a mail; the functions must use this and nothing from the request.
pub fn portal_base_url() -> String {
    std::env::var("PORTAL_BASE_URL")
        .unwrap_or_else(|_| "http://127.0.0.1:9000".into())
        .trim_end_matches('/')
        .to_string()
}

#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Epoch seconds when the emulator received it.
    pub at: i64,
}

impl Mail {
    fn from_store(v: &Value) -> Mail {
        let s = |p: &str| v.pointer(p).and_then(Value::as_str).unwrap_or("").to_string();
        Mail {
            from: s("/from"),
            to: v
                .pointer("/destination/to")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
                .unwrap_or_default(),
            subject: s("/subject"),
            text: s("/body/text"),
            html: s("/body/html"),
            at: v.get("at").and_then(Value::as_i64).unwrap_or(0),
        }
    }

    /// Whether `needle` appears anywhere a reader could see it.
    pub fn contains(&self, needle: &str) -> bool {
        self.subject.contains(needle) || self.text.contains(needle) || self.html.contains(needle)
    }

    fn is_to(&self, email: &str) -> bool {
        self.to.iter().any(|t| t.to_ascii_lowercase().contains(&email.to_ascii_lowercase()))
    }
}

/// Every mail sent to `email` since `since` (epoch seconds), oldest first.
pub async fn mails_to(email: &str, since: i64) -> Vec<Mail> {
    let base = ses_base_url();
    let url = format!("{base}/store?since={since}");
    let reply = reqwest::get(&url).await.unwrap_or_else(|e| {
        panic!("the SES emulator is not reachable at {base} ({e}): start the local stack with scripts/test.sh")
    });
    assert!(reply.status().is_success(), "GET {url} answered {}", reply.status());
    let store: Value = reply.json().await.expect("the SES emulator's store is JSON");
    store
        .get("emails")
        .and_then(Value::as_array)
        .map(|mails| mails.iter().map(Mail::from_store).filter(|m| m.is_to(email)).collect())
        .unwrap_or_default()
}

/// Waits until `email` has more than `already` mails since `since`, and returns the latest one.
pub async fn latest_mail_to(email: &str, since: i64, already: usize) -> Mail {
    let started = Instant::now();
    loop {
        let mails = mails_to(email, since).await;
        if mails.len() > already {
            return mails.last().cloned().unwrap();
        }
        assert!(
            started.elapsed() < MAIL_WAIT,
            "no new mail to {email} after {MAIL_WAIT:?} ({already} seen before, {} now)",
            mails.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// What a mail link carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// `activation` or `reassort`.
    pub page: String,
    pub token: String,
    pub voter_id: String,
    pub url: String,
}

/// The portal link in a mail; the text and HTML versions must carry the same one, built on the
/// configured portal address.
#[track_caller]
pub fn link_in(mail: &Mail) -> Link {
    let pattern =
        Regex::new(r#"(https?://[^\s"'<>?]+)/(activation|reassort|deblocage)#token=([^&\s"'<>]+)&(?:amp;)?electeurId=([^&\s"'<>]+)"#)
            .unwrap();
    let find = |body: &str| {
        pattern.captures(body).map(|c| {
            let url = c[0].replace("&amp;", "&");
            (
                c[1].to_string(),
                Link { page: c[2].into(), token: c[3].into(), voter_id: c[4].into(), url },
            )
        })
    };
    let (base, link) = find(&mail.text)
        .or_else(|| find(&mail.html))
        .unwrap_or_else(|| panic!("no portal link in the mail {:?}:\n{}", mail.subject, mail.text));
    if !mail.html.is_empty() {
        let (_, in_html) =
            find(&mail.html).unwrap_or_else(|| panic!("the HTML part has no link:\n{}", mail.html));
        assert_eq!(in_html, link, "the text and HTML parts carry different links");
    }
    assert_eq!(base, portal_base_url(), "mail links must be built on PORTAL_BASE_URL");
    assert!(
        Regex::new(r"^[A-Za-z0-9_-]{43}$").unwrap().is_match(&link.token),
        "a token is 43 characters of base64url (256 bits): {:?}",
        link.token
    );
    link
}
