//! Fresh voters for every test, written straight onto the roll through the domain crate, so that
//! tests share the running stack without sharing state.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::types::AttributeValue;
use rand::distributions::Alphanumeric;
use rand::Rng;
use shared::model::{Civility, RollVoter};
use shared::ports::Roll;
use store_dynamodb::DynamoStore;

use crate::mail::{latest_mail_to, mails_to, Mail};

/// The ballots of the demo election loaded before the tests.
pub const CSA_MEN: &str = "CSA-MEN";
pub const CSA_ACA_VERSAILLES: &str = "CSA-ACA-VERSAILLES";
pub const CAPN_CERTIFIES: &str = "CAPN-CERTIFIES";
pub const CCP_AESH: &str = "CCP-AESH";

/// Where test voters vote unless a test says otherwise. `CAPN-CERTIFIES` is left out so that
/// every voter has a ballot that is not theirs, and `CCP-AESH` so that its electoral list stays
/// short enough to page through whole.
pub const DEFAULT_SCRUTINS: &[&str] = &[CSA_MEN, CSA_ACA_VERSAILLES];

pub fn now_epoch() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970").as_secs() as i64
}

pub fn random_alnum(n: usize) -> String {
    rand::thread_rng().sample_iter(&Alphanumeric).take(n).map(char::from).collect()
}

pub fn random_letters(n: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..n).map(|_| (b'a' + rng.gen_range(0..26u8)) as char).collect()
}

/// A voter id nobody else uses: time-ordered prefix, random tail, within `[0-9A-Za-z]{1,32}`.
pub fn unique_voter_id() -> String {
    let millis = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_millis();
    format!("T{}{}", to_base36(millis), random_alnum(10))
}

fn to_base36(mut n: u128) -> String {
    const DIGITS: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap()
}

/// An academic address that is on no roll.
pub fn unknown_identifier() -> String {
    format!("inconnu.{}@ac-versailles.fr", random_letters(12))
}

/// A test voter, as seeded on the roll.
#[derive(Debug, Clone)]
pub struct Voter {
    pub voter_id: String,
    pub email: String,
    pub civility: Civility,
    pub first_name: String,
    pub last_name: String,
    pub scrutins: Vec<String>,
    /// Epoch seconds just before seeding: the voter's mails are those received since.
    pub seeded_at: i64,
}

impl Voter {
    /// The voter as the roll holds them.
    pub fn roll(&self) -> RollVoter {
        RollVoter {
            voter_id: self.voter_id.clone(),
            email: self.email.clone(),
            civility: self.civility,
            first_name: self.first_name.clone(),
            last_name: self.last_name.clone(),
            scrutins: self.scrutins.clone(),
        }
    }

    /// Every mail this voter received, oldest first.
    pub async fn mails(&self) -> Vec<Mail> {
        mails_to(&self.email, self.seeded_at).await
    }

    /// Waits for the voter's mail number `n` (1-based) and returns the latest one.
    pub async fn mail_number(&self, n: usize) -> Mail {
        latest_mail_to(&self.email, self.seeded_at, n - 1).await
    }
}

/// What a voter chooses while opening their account.
#[derive(Debug, Clone)]
pub struct Secrets {
    pub password: String,
    pub question_id: i64,
    pub answer: String,
}

impl Secrets {
    pub fn new() -> Secrets {
        Secrets {
            password: new_password(),
            question_id: 3,
            answer: format!("Hortense {}", random_letters(6)),
        }
    }
}

impl Default for Secrets {
    fn default() -> Self {
        Self::new()
    }
}

/// A password that passes every rule: long, uncommon, unrelated to the test voters' names.
pub fn new_password() -> String {
    format!("Hibou-{}-Tramway", random_alnum(10))
}

/// The domain crate's store, on the table the functions use (TABLE_NAME and the standard AWS
/// environment, as the functions read them).
pub async fn store() -> DynamoStore {
    DynamoStore::from_env().await.unwrap_or_else(|e| panic!("{e}"))
}

/// A fresh voter on the default ballots.
pub async fn seed_voter() -> Voter {
    seed_voter_on(DEFAULT_SCRUTINS).await
}

/// A fresh voter on the given ballots.
pub async fn seed_voter_on(scrutins: &[&str]) -> Voter {
    let suffix = random_letters(8);
    seed_voter_named(scrutins, &format!("Essai{suffix}")).await
}

/// A fresh voter with a chosen last name (to place them in an electoral list).
pub async fn seed_voter_named(scrutins: &[&str], last_name: &str) -> Voter {
    let voter_id = unique_voter_id();
    let voter = Voter {
        email: format!("dominique.{}@ac-versailles.fr", voter_id.to_ascii_lowercase()),
        voter_id,
        civility: if rand::thread_rng().gen_bool(0.5) { Civility::M } else { Civility::Mme },
        first_name: "Dominique".into(),
        last_name: last_name.to_string(),
        scrutins: scrutins.iter().map(|s| s.to_string()).collect(),
        seeded_at: now_epoch() - 1,
    };
    let roll = voter.roll();
    store().await.put_roll_voter(&roll).await.unwrap_or_else(|e| {
        panic!(
            "seeding voter {} failed ({e:?}): is the DynamoDB emulator up? Start the local stack with scripts/test.sh",
            roll.voter_id
        )
    });
    voter
}

/// Sets a number attribute of an existing item, for the few states a test cannot wait for.
async fn set_number(key: (String, String), attribute: &str, value: i64) {
    let store = store().await;
    store
        .client()
        .update_item()
        .table_name(store.table())
        .key(store_dynamodb::keys::PK, AttributeValue::S(key.0))
        .key(store_dynamodb::keys::SK, AttributeValue::S(key.1))
        .update_expression("SET #attr = :value")
        .condition_expression("attribute_exists(#pk)")
        .expression_attribute_names("#attr", attribute)
        .expression_attribute_names("#pk", store_dynamodb::keys::PK)
        .expression_attribute_values(":value", AttributeValue::N(value.to_string()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("setting {attribute} of an item: {e:?}"));
}

/// Moves a mailed token's expiry into the past, as if the voter came back too late.
pub async fn expire_token(raw_token: &str) {
    let key = store_dynamodb::keys::token_key(&shared::tokens::hash_token(raw_token));
    set_number(key, "expires_at", now_epoch() - 60).await;
}

/// Sets an instant (epoch seconds) of a session as the store keeps it: `last_seen_at` for the
/// idle timeout, `absolute_expires_at` for its lifetime.
pub async fn set_session_instant(session: &crate::Session, attribute: &str, at: i64) {
    let key = store_dynamodb::keys::session_key(&shared::tokens::hash_token(&session.value));
    set_number(key, attribute, at).await;
}
