//! Every DynamoDB key of the single table, in one place. `docs/data-model.md` describes the items.

pub const PK: &str = "pk";
pub const SK: &str = "sk";
pub const GSI1: &str = "gsi1";
pub const GSI1_PK: &str = "gsi1pk";
pub const GSI1_SK: &str = "gsi1sk";
/// Epoch seconds after which DynamoDB may delete the item (it may lag by days: code checks expiry).
pub const TTL: &str = "ttl";

pub fn voter_key(voter_id: &str) -> (String, String) {
    (format!("VOTER#{voter_id}"), "PROFILE".into())
}

pub fn email_key(email: &str) -> (String, String) {
    (format!("EMAIL#{email}"), "VOTER".into())
}

pub fn token_key(hash: &str) -> (String, String) {
    (format!("TOKEN#{hash}"), "TOKEN".into())
}

/// A mail waiting in, or delivered from, the outbox.
pub fn outbox_key(id: &str) -> (String, String) {
    (format!("OUTBOX#{id}"), "MAIL".into())
}

pub fn outbox_id_of(pk: &str) -> &str {
    pk.trim_start_matches("OUTBOX#")
}

/// An address SES reported as bouncing or complaining (lower case, as on the roll).
pub fn bounce_key(email: &str) -> (String, String) {
    (format!("BOUNCE#{email}"), "BOUNCE".into())
}

/// A trusted browser, by the hash of its device cookie.
pub fn device_key(hash: &str) -> (String, String) {
    (format!("DEVICE#{hash}"), "DEVICE".into())
}

pub fn device_hash_of(pk: &str) -> &str {
    pk.trim_start_matches("DEVICE#")
}

pub fn session_key(hash: &str) -> (String, String) {
    (format!("SESSION#{hash}"), "SESSION".into())
}

pub fn scrutin_key(scrutin_id: &str) -> (String, String) {
    (format!("SCRUTIN#{scrutin_id}"), "META".into())
}

pub fn scrutin_pk(scrutin_id: &str) -> String {
    format!("SCRUTIN#{scrutin_id}")
}

pub const CANDIDATE_LIST_PREFIX: &str = "LIST#";

pub fn candidate_list_sk(order: u32) -> String {
    format!("{CANDIDATE_LIST_PREFIX}{order:04}")
}

pub use shared::roll::{roll_shard, ROLL_SHARDS};

pub fn roll_pk(scrutin_id: &str, shard: char) -> String {
    format!("ROLL#{scrutin_id}#{shard}")
}

/// The stored count of a ballot's electoral list: beside its shards (`ROLL#<id>#<letter>`), so
/// that the functions reading the list read it under the same key prefix. A ballot id holds no
/// `#`, and a shard is one character: no shard can be named `COUNT`.
pub fn roll_count_key(scrutin_id: &str) -> (String, String) {
    (format!("ROLL#{scrutin_id}#COUNT"), "COUNT".into())
}

/// Sort key of a roll entry: the electoral list's order (see [`shared::roll::order_key`]).
pub fn roll_sk(last_name: &str, first_name: &str, voter_id: &str) -> String {
    shared::roll::order_key(last_name, first_name, voter_id)
}

/// The events of a voter's security trail sit in the voter's partition, under this prefix.
pub const AUDIT_PREFIX: &str = "AUDIT#";

/// Sort key of an event of a voter's trail: its time (epoch seconds, twelve digits, so that the
/// keys sort by time) and a random part that keeps events of the same second apart.
pub fn audit_sk(at: i64, unique: &str) -> String {
    format!("{AUDIT_PREFIX}{:012}#{unique}", at.max(0))
}

pub fn claim_sk(reference: &str) -> String {
    format!("CLAIM#{reference}")
}

/// A claim's reference, unique over the whole election: its item names the voter who holds it.
pub fn claim_reference_key(reference: &str) -> (String, String) {
    (format!("CLAIMREF#{reference}"), "CLAIMREF".into())
}

pub fn idempotency_sk(key: &str) -> String {
    format!("IDEMPOTENCY#{key}")
}

/// Claims are listed by ballot for the administration through GSI1.
pub fn claims_by_scrutin_pk(scrutin_id: Option<&str>) -> String {
    format!("CLAIMS#{}", scrutin_id.unwrap_or("GENERAL"))
}

/// Every assistance request sits in one partition, so that the administration lists them with
/// one Query (`docs/data-model.md`: their rate is bounded by the caps and the web ACL).
pub fn assistance_key(reference: &str) -> (String, String) {
    ("ASSISTANCE".into(), format!("REQUEST#{reference}"))
}

pub fn assistance_pk() -> String {
    assistance_key("").0
}

/// The assistance requests of one identifier over the last day, by the identifier's hash.
pub fn assistance_window_key(identifier_hash: &str) -> (String, String) {
    (format!("ASSISTCAP#{identifier_hash}"), "WINDOW".into())
}

/// The mark of a table that holds the demo election (`electeur-admin demo`) and nothing else.
pub fn demo_mark_key() -> (String, String) {
    ("ELECTION".into(), "DEMO".into())
}

pub fn calendar_key() -> (String, String) {
    ("ELECTION".into(), "CALENDAR".into())
}

/// The help texts of `/aide` (`electeur-admin help load`), beside the calendar.
pub fn help_key() -> (String, String) {
    ("ELECTION".into(), "HELP".into())
}

/// The journal of administrative actions, one partition per month (`YYYY-MM`).
pub fn journal_pk(month: &str) -> String {
    format!("JOURNAL#{month}")
}

/// What a partition key names, read back: the address of an identifier item, the hash of a token
/// or session item (the inverse of the builders above).
pub fn email_of(pk: &str) -> &str {
    pk.trim_start_matches("EMAIL#")
}

pub fn token_hash_of(pk: &str) -> &str {
    pk.trim_start_matches("TOKEN#")
}

pub fn session_hash_of(pk: &str) -> &str {
    pk.trim_start_matches("SESSION#")
}

/// A voter's open request for a new voting code (in their partition).
pub fn code_request_key(voter_id: &str) -> (String, String) {
    (voter_key(voter_id).0, "CODEREQ".into())
}
pub const CODE_REQUEST_SK: &str = "CODEREQ";

/// The end of the appeal period after the vote (the purge waits for it).
pub fn appeal_key() -> (String, String) {
    ("ELECTION".into(), "APPEAL".into())
}

// The vote's two tables (`docs/data-model.md`, "The vote"). Both have `pk` and `sk`.

/// Urne: the published election record, the seal and the results.
pub fn election_record_key() -> (String, String) {
    ("ELECTION".into(), "RECORD".into())
}
pub fn election_seal_key() -> (String, String) {
    ("ELECTION".into(), "SEAL".into())
}
pub fn election_results_key() -> (String, String) {
    ("ELECTION".into(), "RESULTS".into())
}

/// Urne: one slot per (scrutin, public credential), made when the credential is listed and filled
/// by the ballot cast with it. One item per partition: no hot key in the rush.
pub fn slot_key(scrutin_id: &str, credential: &str) -> (String, String) {
    (format!("SLOT#{scrutin_id}#{credential}"), "SLOT".into())
}
pub const SLOT_PREFIX: &str = "SLOT#";

/// Urne: the board index (`board`), on the slots that hold a ballot: partition per scrutin and
/// first character of the tracker, sorted by tracker.
pub const BOARD_INDEX: &str = "board";
pub const BOARD_PK: &str = "board_pk";
pub const BOARD_SK: &str = "board_sk";
pub fn board_pk(scrutin_id: &str, bucket: char) -> String {
    format!("BOARD#{scrutin_id}#{bucket}")
}
/// The characters a tracker starts with, in the order DynamoDB sorts strings (bytes).
pub const BOARD_BUCKETS: &str = "-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz";

/// Counters split over this many items, so that no one item takes every vote of a scrutin.
pub const COUNTER_SHARDS: u32 = 16;
pub fn counter_shard(of: &str) -> u32 {
    use sha2::{Digest, Sha256};
    u32::from(Sha256::digest(of.as_bytes())[0]) % COUNTER_SHARDS
}
/// Urne: how many ballots a scrutin's urne holds, in shards.
pub fn ballot_count_key(scrutin_id: &str, shard: u32) -> (String, String) {
    (format!("COUNT#{scrutin_id}"), format!("SHARD#{shard:02}"))
}
pub fn ballot_count_pk(scrutin_id: &str) -> String {
    format!("COUNT#{scrutin_id}")
}

/// Émargement: one entry per (scrutin, voter), in partitions spread by the voter's shard.
pub fn emargement_key(scrutin_id: &str, voter_id: &str) -> (String, String) {
    (format!("EMARG#{scrutin_id}#{:02}", counter_shard(voter_id)), format!("VOTER#{voter_id}"))
}
pub fn emargement_pk(scrutin_id: &str, shard: u32) -> String {
    format!("EMARG#{scrutin_id}#{shard:02}")
}
/// Émargement: the turnout counter of a scrutin, in shards.
pub fn turnout_key(scrutin_id: &str, shard: u32) -> (String, String) {
    (format!("TURNOUT#{scrutin_id}"), format!("SHARD#{shard:02}"))
}
pub fn turnout_pk(scrutin_id: &str) -> String {
    format!("TURNOUT#{scrutin_id}")
}
