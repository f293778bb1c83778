//! Ports: what the services need from the outside world, as small traits. The DynamoDB, SES and
//! in-memory adapters implement them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

pub use crate::audit::AuditTrail;
pub use crate::model::FailureKind;
use crate::model::{
    AssistanceRequest, AssistanceWindow, Calendar, Claim, DeviceRecord, RollEntry, RollVoter,
    Scrutin, SessionRecord, TokenRecord, Voter,
};
use crate::outbox::{Bounce, OutboxItem, OutboxMail};

#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum StoreError {
    /// A condition of the write did not hold: somebody else changed the item first.
    #[error("condition failed")]
    ConditionFailed,
    /// Another transaction on the same items was in flight.
    #[error("transaction conflict")]
    TransactionConflict,
    /// The store could not be reached or refused the request.
    #[error("store backend: {0}")]
    Backend(String),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// A mail SES did not accept.
#[derive(Debug, Clone, thiserror::Error)]
#[error("mail backend ({}): {message}", if *.permanent { "permanent" } else { "transient" })]
pub struct MailError {
    /// True when sending the same mail again cannot succeed (rejected message or address, bad
    /// request); false for throttling, quotas, time-outs and unreachable endpoints.
    pub permanent: bool,
    /// True for throttling (the sending rate or quota): the mailer waits and tries again.
    pub throttled: bool,
    pub message: String,
}

impl MailError {
    pub fn permanent(message: impl Into<String>) -> Self {
        MailError { permanent: true, throttled: false, message: message.into() }
    }
    pub fn transient(message: impl Into<String>) -> Self {
        MailError { permanent: false, throttled: false, message: message.into() }
    }
    pub fn throttled(message: impl Into<String>) -> Self {
        MailError { permanent: false, throttled: true, message: message.into() }
    }
}

/// What the password and answer changes of a completed activation save on the account.
#[derive(Debug, Clone)]
pub struct Activation {
    pub password_hash: String,
    pub question_id: u8,
    pub answer_hash: String,
}

// The accounts, one small port per capability, so that each service (and so each function)
// names exactly what it may read and write. Each method is one atomic write or one read; the
// transactions name what they check.

/// Finding a voter of the roll and their account.
#[async_trait]
pub trait Voters: Send + Sync {
    async fn voter_id_for_email(&self, email: &str) -> StoreResult<Option<String>>;
    async fn voter(&self, voter_id: &str) -> StoreResult<Option<Voter>>;
}

/// The single-use links mailed to voters.
#[async_trait]
pub trait LinkTokens: Send + Sync {
    /// Raises the voter's token generation from `expected_generation` (voiding older links), records
    /// the times of the mails of the last day (`mail_sent_at`, this one included), and stores the
    /// new token and the mail that carries its link in the outbox: one transaction.
    async fn issue_token(
        &self,
        voter: &Voter,
        expected_generation: u64,
        mail_sent_at: &[i64],
        token: &TokenRecord,
        mail: &OutboxMail,
    ) -> StoreResult<()>;
    async fn token(&self, hash: &str) -> StoreResult<Option<TokenRecord>>;
    /// Keeps a pending password hash on an unconsumed, unexpired token.
    async fn set_pending_password(
        &self,
        token_hash: &str,
        password_hash: &str,
        now: i64,
    ) -> StoreResult<()>;
}

/// The steps that end a link by opening the account, or a visit, or a new password.
#[async_trait]
pub trait AccountOpening: Send + Sync {
    /// Consumes the activation token, saves the credentials, marks the account active and opens a
    /// session: one transaction.
    async fn activate_account(
        &self,
        token: &TokenRecord,
        activation: &Activation,
        session: &SessionRecord,
        now: i64,
    ) -> StoreResult<()>;
    /// Consumes the activation token and opens a session, saving nothing on the account but a
    /// counter: one transaction.
    async fn skip_activation(
        &self,
        token: &TokenRecord,
        session: &SessionRecord,
        now: i64,
    ) -> StoreResult<()>;
    /// Consumes the réassort token, replaces the password, raises the credentials version (ending
    /// every other session), clears failure counters and opens a session: one transaction.
    async fn complete_reassort(
        &self,
        token: &TokenRecord,
        expected_credentials_version: u64,
        session: &SessionRecord,
        now: i64,
    ) -> StoreResult<()>;
}

/// Where an attempt is counted: the account's budget, shared by every browser it does not trust,
/// or the budget of one trusted browser (by the hash of its cookie).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Budget {
    Account { voter_id: String },
    Device { hash: String },
}

/// One guess at a secret (a password or a secret answer), taken before the secret is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attempt {
    /// The failure counter as stored when read; the write holds only if it still is.
    pub seen: u32,
    /// The time of the last failure as stored when read (given back by `release_attempt`).
    pub seen_at: i64,
    /// The counter the attempt writes: the failures still in force after decay, plus this one.
    pub next: u32,
    /// Now, in epoch seconds: the attempt is refused while a lock runs past it.
    pub now: i64,
    /// The lock the attempt sets, as if it failed (epoch seconds; `now` or less for none).
    pub locked_until: i64,
}

/// Failed logins and secret answers. An attempt is counted as a failure before its secret is
/// checked, in one conditional write on the count read: of any number of concurrent guesses read
/// with the same count, one is checked and the others are refused unchecked.
#[async_trait]
pub trait FailureCounters: Send + Sync {
    /// Sets the counter of `kind` on `budget` to `attempt.next`, its last failure to `attempt.now`
    /// and its lock to `attempt.locked_until`, if the counter still holds `attempt.seen` and no
    /// lock runs past `attempt.now`; else `ConditionFailed` and nothing written.
    async fn reserve_attempt(
        &self,
        budget: &Budget,
        kind: FailureKind,
        attempt: &Attempt,
    ) -> StoreResult<()>;

    /// Gives back an attempt whose secret was right: the counter returns to `attempt.seen`, the
    /// last failure to `attempt.seen_at` and the lock to `lock_before`, if nothing was counted
    /// since; else `ConditionFailed`.
    async fn release_attempt(
        &self,
        budget: &Budget,
        kind: FailureKind,
        attempt: &Attempt,
        lock_before: i64,
    ) -> StoreResult<()>;
}

/// Browsers that voters have shown to be theirs.
#[async_trait]
pub trait Devices: Send + Sync {
    async fn device(&self, hash: &str) -> StoreResult<Option<DeviceRecord>>;
}

/// The mailbox's way around a lock: a link that makes the browser opening it trusted.
#[async_trait]
pub trait DeviceTrust: Send + Sync {
    /// Records the times of the unlock mails of the last day (`unlock_sent_at`, this one included),
    /// raises the unlock count from `unlock_count_seen`, and stores the token, if the voter's token
    /// generation is still `token.generation` and the count still `unlock_count_seen`: one
    /// transaction. Other links stay valid.
    async fn issue_unlock_token(
        &self,
        voter: &Voter,
        unlock_count_seen: u32,
        unlock_sent_at: &[i64],
        token: &TokenRecord,
        mail: &OutboxMail,
    ) -> StoreResult<()>;
    /// Consumes the unlock token and stores the trusted browser, if the voter is still active
    /// and the token's generation still current: one transaction.
    async fn trust_device(
        &self,
        token: &TokenRecord,
        device: &DeviceRecord,
        now: i64,
    ) -> StoreResult<()>;
}

/// Sessions of voters.
#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Opens a session after a good password, clearing the login failures of the budget the
    /// attempt was counted on and storing `new_device`, the browser now trusted, if any: one
    /// transaction.
    async fn open_login_session(
        &self,
        voter: &Voter,
        session: &SessionRecord,
        budget: &Budget,
        new_device: Option<&DeviceRecord>,
    ) -> StoreResult<()>;
    async fn session(&self, hash: &str) -> StoreResult<Option<SessionRecord>>;
    async fn touch_session(&self, hash: &str, now: i64) -> StoreResult<()>;
    /// Ends a session (logout) and records `session_ended` in the same transaction; a missing
    /// session is no error and records nothing.
    async fn delete_session(&self, hash: &str, now: i64) -> StoreResult<()>;
}

/// Every account port at once (the administration, the tests and the adapters' contract suite).
pub trait Accounts:
    Voters + LinkTokens + AccountOpening + FailureCounters + Devices + DeviceTrust + SessionStore
{
}
impl<T> Accounts for T where
    T: Voters
        + LinkTokens
        + AccountOpening
        + FailureCounters
        + Devices
        + DeviceTrust
        + SessionStore
{
}

/// A position in a ballot's electoral list, opaque to clients.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RollCursor {
    pub shard: char,
    pub after: Option<String>,
}

/// Ballots, candidate lists and electoral lists: read-mostly data written by the administration.
#[async_trait]
pub trait Ballots: Send + Sync {
    async fn scrutins(&self, ids: &[String]) -> StoreResult<Vec<Scrutin>>;
    async fn electoral_list_page(
        &self,
        scrutin_id: &str,
        from: RollCursor,
        limit: usize,
    ) -> StoreResult<(Vec<RollEntry>, Option<RollCursor>)>;
    /// The entries of one electoral list whose folded last name starts with `prefix` (folded, not
    /// empty: see [`crate::roll::search_prefix`]), in the list's order, after the sort key `after`
    /// of a previous page. They all lie in one shard, the prefix's.
    async fn electoral_list_search(
        &self,
        scrutin_id: &str,
        prefix: &str,
        after: Option<String>,
        limit: usize,
    ) -> StoreResult<(Vec<RollEntry>, Option<RollCursor>)>;
    /// How many voters the electoral list holds, as last counted by [`Roll::count_roll`]; `None`
    /// when it was never counted.
    async fn electoral_list_count(&self, scrutin_id: &str) -> StoreResult<Option<u64>>;
}

/// Outcome of filing a claim under an idempotency key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimOutcome {
    Created,
    /// The key was used before: the claim stored then.
    Existing(Claim),
    /// The voter has filed as many claims as the cap allows: nothing stored.
    CapReached,
}

#[async_trait]
pub trait Claims: Send + Sync {
    /// Stores the claim, its idempotency key and its acknowledgement mail in the outbox together
    /// and counts it on the voter's profile, unless the key exists (`Existing`) or the voter has
    /// filed `cap` claims (`CapReached`): one transaction.
    async fn file_claim(
        &self,
        claim: &Claim,
        cap: u32,
        acknowledgement: &OutboxMail,
    ) -> StoreResult<ClaimOutcome>;
    async fn mark_claim_acknowledged(&self, voter_id: &str, reference: &str) -> StoreResult<()>;
}

/// The assistance requests as the portal files them (with or without a session).
#[async_trait]
pub trait AssistanceRequests: Send + Sync {
    /// The requests counted on an identifier (by the hash of its normalised form) over the last
    /// day; the default window when none was ever stored.
    async fn assistance_window(&self, identifier_hash: &str) -> StoreResult<AssistanceWindow>;
    /// Stores the request, the identifier's new window (`sent_at`, at `seen.version + 1`) and the
    /// acknowledgement mail, if any, in the outbox: one transaction, refused (`ConditionFailed`,
    /// nothing written) if the window is no longer at `seen.version` or the reference exists.
    async fn file_assistance(
        &self,
        request: &AssistanceRequest,
        identifier_hash: &str,
        seen: &AssistanceWindow,
        sent_at: &[i64],
        acknowledgement: Option<&OutboxMail>,
    ) -> StoreResult<()>;
}

/// The follow-up of assistance requests by the administration (`electeur-admin assistance`). No
/// function of the portal is given this port.
#[async_trait]
pub trait AssistanceFollowUp: Send + Sync {
    async fn assistance_request(&self, reference: &str) -> StoreResult<Option<AssistanceRequest>>;
    /// Every request, oldest first.
    async fn assistance_requests(&self) -> StoreResult<Vec<AssistanceRequest>>;
    /// Marks an open request answered (at `at`, by `by`, with `answer`'s text) and stores the
    /// mail of the answer in the outbox: one transaction, refused (`ConditionFailed`, nothing
    /// written) if the request is unknown or not open.
    async fn answer_assistance(
        &self,
        reference: &str,
        at: DateTime<Utc>,
        by: &str,
        text: &str,
        answer: &OutboxMail,
    ) -> StoreResult<()>;
}

/// The help texts of `/aide`, as the administration loaded them.
#[async_trait]
pub trait HelpPages: Send + Sync {
    /// The texts last loaded; `None` while none was (the portal then serves its defaults).
    async fn help_texts(&self) -> StoreResult<Option<crate::help::HelpTexts>>;
}

#[async_trait]
pub trait Calendars: Send + Sync {
    async fn calendar(&self) -> StoreResult<Option<Calendar>>;
}

/// What the administration writes: the roll, the ballots and the calendar (the admin CLI, the demo
/// election, the tests). No function of the portal is given this port.
#[async_trait]
pub trait Roll: Send + Sync {
    async fn put_calendar(&self, calendar: &Calendar) -> StoreResult<()>;
    /// Replaces the help texts (checked by [`crate::help::HelpTexts::check`] before).
    async fn put_help_texts(&self, texts: &crate::help::HelpTexts) -> StoreResult<()>;
    async fn put_roll_voter(&self, voter: &RollVoter) -> StoreResult<()>;
    async fn put_scrutin(&self, scrutin: &Scrutin) -> StoreResult<()>;
    /// Counts the entries of a ballot's electoral list and stores that count for
    /// [`Ballots::electoral_list_count`]; returns it. The administration runs it after every
    /// change to the roll.
    async fn count_roll(&self, scrutin_id: &str) -> StoreResult<u64>;
}

/// Everything the store offers: the adapters implement all of it, each service takes only its part.
pub trait Store:
    Accounts
    + Ballots
    + Claims
    + Calendars
    + Roll
    + AuditTrail
    + OutboxDelivery
    + Bounces
    + AssistanceRequests
    + AssistanceFollowUp
    + HelpPages
{
}
impl<T> Store for T where
    T: Accounts
        + Ballots
        + Claims
        + Calendars
        + Roll
        + AuditTrail
        + OutboxDelivery
        + Bounces
        + AssistanceRequests
        + AssistanceFollowUp
        + HelpPages
{
}

/// The mailer's side of the outbox. Each method is one conditional write (or one transaction).
#[async_trait]
pub trait OutboxDelivery: Send + Sync {
    async fn outbox_item(&self, id: &str) -> StoreResult<Option<OutboxItem>>;
    /// Takes a pending item for sending (`Sending`, one more attempt, `claimed_at_ms = now_ms`);
    /// also an item left `Sending` since before `stale_before_ms` (a mailer that stopped between
    /// taking it and marking it). `ConditionFailed` when another mailer has it or it is done.
    async fn take_for_sending(
        &self,
        id: &str,
        now_ms: i64,
        stale_before_ms: i64,
    ) -> StoreResult<()>;
    /// Gives an item taken for sending back to `Pending` after a transient failure, if it is
    /// still the claim taken at `claimed_at_ms`.
    async fn put_back(&self, id: &str, claimed_at_ms: i64) -> StoreResult<()>;
    /// Marks a taken item sent and removes its text; in the same transaction, what its delivery
    /// does (`Follow`): a link's token valid from `accepted_at_ms`, a claim acknowledged.
    async fn mark_sent(
        &self,
        item: &OutboxItem,
        claimed_at_ms: i64,
        accepted_at_ms: i64,
        message_id: &str,
    ) -> StoreResult<()>;
    /// Marks a taken item failed for good and removes its text.
    async fn mark_failed(
        &self,
        item: &OutboxItem,
        claimed_at_ms: i64,
        failure: &str,
    ) -> StoreResult<()>;
    /// Gives the place a failed link mail took in the voter's cap back: the time `counted_at`
    /// leaves `mail_sent_at` (or `unlock_sent_at`), on the condition that the voter's generation
    /// (or unlock count) is still the one of `voter`, as read.
    async fn give_back_cap_place(
        &self,
        voter: &Voter,
        cap: crate::outbox::CapKind,
        counted_at: i64,
    ) -> StoreResult<()>;
}

/// Addresses that bounce or complained, from SES's events.
#[async_trait]
pub trait Bounces: Send + Sync {
    async fn record_bounce(&self, bounce: &Bounce) -> StoreResult<()>;
    async fn bounce(&self, email: &str) -> StoreResult<Option<Bounce>>;
}

/// An outgoing mail, in French, with a plain-text and an HTML body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[async_trait]
pub trait Mailer: Send + Sync {
    /// Hands the mail to SES; SES's message id when it accepted it.
    async fn send(&self, mail: &Mail) -> Result<String, MailError>;
}

pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

// The vote: the urne and the émargement are two stores apart (two tables, two roles in AWS);
// `docs/vote-protocol.md` §5 says what each holds.

/// A ballot to write into the urne, with the émargement entry of its voter: one transaction.
#[derive(Debug, Clone)]
pub struct CastBallot {
    pub scrutin_id: String,
    /// The public credential, hex.
    pub credential: String,
    pub tracker: String,
    /// The ballot as JSON, as the board publishes it.
    pub ballot: String,
    pub voter_id: String,
    /// When the vote is recorded (epoch seconds): the voter's trail only, never the urne.
    pub at: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CastOutcome {
    /// Urne, émargement, counters, receipt mail and the voter's trail written together.
    Recorded,
    /// This very ballot is in the urne already and the voter is on the émargement: a request sent
    /// again after a lost reply.
    SameBallot,
    /// The voter is on the émargement, or the credential has voted, with another ballot.
    AlreadyVoted,
    /// No open slot for this credential in this scrutin (never listed, or replaced).
    UnknownCredential,
    /// The urne is sealed.
    Sealed,
}

/// One page of a scrutin's trackers on the board, in tracker order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BoardPage {
    pub trackers: Vec<String>,
    /// The last tracker of the page when more follow.
    pub next: Option<String>,
}

/// The published election record, the seal and the results (public, in the urne's table).
#[async_trait]
pub trait VoteRecords: Send + Sync {
    /// The record's exact text, once published.
    async fn election_record(&self) -> StoreResult<Option<String>>;
    /// The seal's text (JSON), once the urne is closed.
    async fn vote_seal(&self) -> StoreResult<Option<String>>;
    /// The results' text (JSON), once the count is published.
    async fn vote_results(&self) -> StoreResult<Option<String>>;
}

/// Writing a ballot (urne and émargement together).
#[async_trait]
pub trait Urne: Send + Sync {
    async fn cast(&self, ballot: &CastBallot, receipt: &OutboxMail) -> StoreResult<CastOutcome>;
}

/// Who has voted where (the émargement), for the voter's own page.
#[async_trait]
pub trait Emargement: Send + Sync {
    /// Among `scrutins`, those where the voter is on the émargement.
    async fn voted_in(&self, voter_id: &str, scrutins: &[String]) -> StoreResult<Vec<String>>;
}

/// A credential's slot in the urne, with the ballot cast with it if any (public data).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub scrutin_id: String,
    pub credential: String,
    /// False once replaced by a reissue.
    pub open: bool,
    /// The ballot's JSON.
    pub ballot: Option<String>,
}

/// The public board: trackers per scrutin.
#[async_trait]
pub trait Board: Send + Sync {
    /// Every slot of the urne (the whole urne is public: read to write the board file).
    async fn slots(&self) -> StoreResult<Vec<Slot>>;
    async fn board_page(
        &self,
        scrutin_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> StoreResult<BoardPage>;
    async fn on_board(&self, scrutin_id: &str, tracker: &str) -> StoreResult<bool>;
    /// How many ballots the scrutin's urne holds.
    async fn ballot_count(&self, scrutin_id: &str) -> StoreResult<u64>;
}

/// A voter's request for a new voting code, for the administration to pass on to the credential
/// authority (`docs/vote-protocol.md` §7.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeRequest {
    pub voter_id: String,
    /// Epoch seconds.
    pub asked_at: i64,
    /// The scrutins the voter had not voted in when asking.
    pub scrutins: Vec<String>,
}

#[async_trait]
pub trait CodeRequests: Send + Sync {
    /// Stores the request, unless one is open already, with the mail that tells the voter: one
    /// transaction. False when one was open (nothing written).
    async fn request_code(&self, request: &CodeRequest, mail: &OutboxMail) -> StoreResult<bool>;
}
