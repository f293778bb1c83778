//! `cast-vote` and `board`: the voting window, the voter's ballots, and the public board
//! (`docs/vote-protocol.md` §5). The ballot is checked with the `vote` crate; the urne, the
//! émargement and the receipt mail are written in one transaction by the [`Urne`] port.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use tokio::sync::OnceCell;
use vote::ballot::{Ballot, BallotVerifier};
use vote::board::{BoardFile, Seal};
use vote::record::SealedRecord;

use super::attempts::{Guesses, Reservation};
use super::{Election, Sessions, Wiring};
use crate::audit::AuditTrail;
use crate::calendar::{paris, paris_rfc3339};
use crate::error::{DomainError, VoteRefusal};
use crate::mail;
use crate::model::{AccountStatus, FailureKind};
use crate::model::{Calendar, SessionRecord, Voter};
use crate::outbox::{Follow, MailPurpose, OutboxMail};
use crate::ports::{
    Board, BoardPage, Calendars, CastBallot, CastOutcome, Emargement, SessionStore, Urne,
    VoteRecords, Voters,
};
use crate::ports::{CodeRequest, CodeRequests, Devices, FailureCounters, Slot};
use crate::texts;
use crate::validate::SecretAnswer;
use crate::{questions, secrets};

/// R211-572: a voter authenticated before the close may finish voting within 30 minutes.
pub const VOTE_GRACE: Duration = Duration::minutes(30);

/// Where the voting window stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VoteState {
    /// No sealed election record yet.
    Unpublished,
    Before,
    Open,
    /// After the close, within the grace, for sessions opened before the close.
    Grace,
    Closed,
}

pub fn vote_state(cal: &Calendar, published: bool, now: DateTime<Utc>) -> VoteState {
    if !published {
        VoteState::Unpublished
    } else if now < cal.voting_opens_at {
        VoteState::Before
    } else if now < cal.voting_closes_at {
        VoteState::Open
    } else if now < cal.voting_closes_at + VOTE_GRACE {
        VoteState::Grace
    } else {
        VoteState::Closed
    }
}

/// Ok when a ballot of this session may be cast at `now`; else the voter-facing refusal.
pub fn check_window(
    cal: &Calendar,
    published: bool,
    session: &SessionRecord,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let refuse = |m: String| Err(DomainError::VoteRefused(VoteRefusal::OutsideWindow, m));
    match vote_state(cal, published, now) {
        VoteState::Open => Ok(()),
        VoteState::Grace if session.created_at < cal.voting_closes_at.timestamp() => Ok(()),
        VoteState::Unpublished => refuse(texts::VOTE_NOT_PUBLISHED.into()),
        VoteState::Before => refuse(texts::vote_opens_on(&paris(cal.voting_opens_at))),
        VoteState::Grace | VoteState::Closed => {
            refuse(texts::vote_closed_since(&paris(cal.voting_closes_at)))
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct VoteElectionView {
    /// The record's exact text: the browser hashes it to check the fingerprint.
    pub record: Option<String>,
    pub fingerprint: Option<String>,
    pub voting_opens_at: String,
    pub voting_closes_at: String,
    pub state: VoteState,
    pub seal: Option<serde_json::Value>,
    pub results: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScrutinVoteStatus {
    pub id: String,
    pub name: String,
    pub voted: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Receipt {
    pub scrutin: String,
    pub tracker: String,
    pub fingerprint: String,
    pub already_recorded: bool,
}

/// The published record with the verifier's tables for its key, made once per instance: once
/// published the record never changes.
struct Published {
    record: Arc<SealedRecord>,
    verifier: BallotVerifier,
}

struct RecordCache {
    records: Arc<dyn VoteRecords>,
    cell: OnceCell<Arc<Published>>,
}

impl RecordCache {
    async fn published(&self) -> Result<Option<Arc<Published>>, DomainError> {
        if let Some(p) = self.cell.get() {
            return Ok(Some(p.clone()));
        }
        let Some(text) = self.records.election_record().await? else { return Ok(None) };
        let sealed = SealedRecord::from_bytes(text.into_bytes())
            .map_err(|e| DomainError::Internal(format!("stored election record: {e}")))?;
        let published =
            Published { verifier: BallotVerifier::new(&sealed), record: Arc::new(sealed) };
        Ok(Some(self.cell.get_or_init(|| async { Arc::new(published) }).await.clone()))
    }

    async fn get(&self) -> Result<Option<Arc<SealedRecord>>, DomainError> {
        Ok(self.published().await?.map(|p| p.record.clone()))
    }
}

pub struct Voting {
    election: Election,
    pub sessions: Sessions,
    guesses: Guesses,
    audit: Arc<dyn AuditTrail>,
    code_requests: Arc<dyn CodeRequests>,
    record: RecordCache,
    urne: Arc<dyn Urne>,
    emargement: Arc<dyn Emargement>,
}

impl Voting {
    pub fn new<S>(w: &Wiring<S>) -> Self
    where
        S: Calendars
            + Voters
            + SessionStore
            + VoteRecords
            + Urne
            + Emargement
            + FailureCounters
            + Devices
            + AuditTrail
            + CodeRequests
            + 'static,
    {
        Voting {
            election: Election::new(w),
            sessions: Sessions::new(w),
            guesses: Guesses::new(w),
            audit: w.store.clone(),
            code_requests: w.store.clone(),
            record: RecordCache { records: w.store.clone(), cell: OnceCell::new() },
            urne: w.store.clone(),
            emargement: w.store.clone(),
        }
    }

    /// `GET /api/vote/status`: the voter's scrutins (in the record's order) and where they have
    /// voted; none before the record is published.
    pub async fn status(&self, voter: &Voter) -> Result<Vec<ScrutinVoteStatus>, DomainError> {
        let Some(record) = self.record.get().await? else { return Ok(vec![]) };
        let voted = self.emargement.voted_in(&voter.roll.voter_id, &voter.roll.scrutins).await?;
        Ok(record
            .record
            .scrutins
            .iter()
            .filter(|s| voter.roll.scrutins.contains(&s.id))
            .map(|s| ScrutinVoteStatus {
                voted: voted.contains(&s.id),
                id: s.id.clone(),
                name: s.name.clone(),
            })
            .collect())
    }

    /// `POST /api/vote/code`: a logged-in voter who lost their voting code asks for a new one,
    /// with their challenge question and answer (counted on the answer's failure budget, as a
    /// réassort). The request is stored for the administration to pass on to the credential
    /// authority, and the voter's mailbox is told (§7.3). Refused once the voter has voted in
    /// every scrutin of theirs, or while a request is open.
    pub async fn request_code(
        &self,
        voter: &Voter,
        question_id: i64,
        answer: &SecretAnswer,
        device_cookie: Option<&str>,
    ) -> Result<(), DomainError> {
        let refuse = |field: &'static str, m: &str| {
            Err(DomainError::InvalidField { field, message: m.to_string() })
        };
        if questions::find(question_id).is_none() {
            return Err(questions::unknown());
        }
        let Some(record) = self.record.get().await? else {
            return Err(DomainError::VoteRefused(
                VoteRefusal::OutsideWindow,
                texts::VOTE_NOT_PUBLISHED.into(),
            ));
        };
        let cal = self.election.calendar().await?;
        let now = self.election.now();
        if matches!(vote_state(&cal, true, now), VoteState::Grace | VoteState::Closed) {
            return Err(DomainError::VoteRefused(
                VoteRefusal::OutsideWindow,
                texts::vote_closed_since(&paris(cal.voting_closes_at)),
            ));
        }
        if voter.status != AccountStatus::Active {
            return refuse("answer", texts::CODE_REQUEST_NOT_ACTIVATED);
        }
        let voted = self.emargement.voted_in(&voter.roll.voter_id, &voter.roll.scrutins).await?;
        let left: Vec<String> = record
            .record
            .scrutins
            .iter()
            .filter(|s| voter.roll.scrutins.contains(&s.id) && !voted.contains(&s.id))
            .map(|s| s.id.clone())
            .collect();
        if left.is_empty() {
            return refuse("answer", texts::CODE_REQUEST_NOTHING_LEFT);
        }
        let at = now.timestamp();
        let counted = self.guesses.budget(voter, device_cookie, FailureKind::Answer, at).await?;
        let Reservation::Check(attempt) =
            self.guesses.reserve(&counted, FailureKind::Answer, at).await?
        else {
            return refuse("answer", texts::CODE_REQUEST_LOCKED);
        };
        let stored = voter.answer_hash.clone().unwrap_or_else(secrets::dummy_hash);
        let right = secrets::verify(answer.expose().to_string(), stored).await
            && voter.question_id == Some(question_id as u8);
        if !right {
            crate::audit::record_failure(
                self.audit.as_ref(),
                &voter.roll.voter_id,
                FailureKind::Answer,
                &attempt,
            )
            .await;
            return refuse("answer", texts::CODE_REQUEST_WRONG_ANSWER);
        }
        self.guesses.give_back(&counted, FailureKind::Answer, &attempt).await;
        let request =
            CodeRequest { voter_id: voter.roll.voter_id.clone(), asked_at: at, scrutins: left };
        let mail = OutboxMail::new(
            &voter.roll.voter_id,
            MailPurpose::CodeRequested,
            mail::code_requested(&voter.roll),
            now.timestamp_millis(),
            Follow::Nothing,
        );
        if !self.code_requests.request_code(&request, &mail).await? {
            return refuse("answer", texts::CODE_REQUEST_ALREADY);
        }
        tracing::info!(voter_id = %voter.roll.voter_id, "new voting code asked");
        Ok(())
    }

    /// `POST /api/vote`: checks the window, the roll and the ballot, then writes it (§5).
    pub async fn cast(
        &self,
        session: &SessionRecord,
        voter: &Voter,
        ballot: Ballot,
    ) -> Result<Receipt, DomainError> {
        let published = self.record.published().await?;
        let cal = self.election.calendar().await?;
        let now = self.election.now();
        check_window(&cal, published.is_some(), session, now)?;
        let published = published.expect("checked by the window");
        let record = &published.record;
        if !voter.roll.scrutins.contains(&ballot.scrutin) {
            return Err(DomainError::VoteRefused(
                VoteRefusal::NotOnRoll,
                texts::VOTE_NOT_ON_ROLL.into(),
            ));
        }
        ballot.verify_with(record, &published.verifier).map_err(|e| {
            DomainError::VoteRefused(
                VoteRefusal::InvalidBallot,
                texts::vote_invalid_ballot(&e.to_string()),
            )
        })?;
        let tracker = ballot.tracker(record);
        let scrutin_name = record
            .scrutin(&ballot.scrutin)
            .map(|s| s.name.clone())
            .unwrap_or_else(|| ballot.scrutin.clone());
        let cast = CastBallot {
            scrutin_id: ballot.scrutin.clone(),
            credential: ballot.credential.hex(),
            tracker: tracker.clone(),
            ballot: serde_json::to_string(&ballot)
                .map_err(|e| DomainError::Internal(e.to_string()))?,
            voter_id: voter.roll.voter_id.clone(),
            at: now.timestamp(),
        };
        let receipt_mail = OutboxMail::new(
            &voter.roll.voter_id,
            MailPurpose::VoteReceipt,
            mail::vote_receipt(&voter.roll, &scrutin_name, &paris(now)),
            now.timestamp_millis(),
            Follow::Nothing,
        );
        let receipt = |already_recorded| Receipt {
            scrutin: ballot.scrutin.clone(),
            tracker: tracker.clone(),
            fingerprint: record.fingerprint_hex(),
            already_recorded,
        };
        // Nothing here logs the tracker or the credential next to the voter.
        // Concurrent casts of one voter or one credential cancel each other's transactions: try
        // again, so that each gets a definite answer (one is recorded, the others refused).
        let mut outcome = self.urne.cast(&cast, &receipt_mail).await;
        for attempt in 1..=4u64 {
            if !matches!(outcome, Err(crate::ports::StoreError::TransactionConflict)) {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(15 * attempt)).await;
            outcome = self.urne.cast(&cast, &receipt_mail).await;
        }
        match outcome? {
            CastOutcome::Recorded => {
                tracing::info!(scrutin = %cast.scrutin_id, "vote recorded");
                Ok(receipt(false))
            }
            CastOutcome::SameBallot => Ok(receipt(true)),
            CastOutcome::AlreadyVoted => Err(DomainError::VoteRefused(
                VoteRefusal::AlreadyVoted,
                texts::VOTE_ALREADY_CAST.into(),
            )),
            CastOutcome::UnknownCredential => Err(DomainError::VoteRefused(
                VoteRefusal::UnknownCredential,
                texts::VOTE_UNKNOWN_CREDENTIAL.into(),
            )),
            CastOutcome::Sealed => Err(DomainError::VoteRefused(
                VoteRefusal::OutsideWindow,
                texts::vote_closed_since(&paris(cal.voting_closes_at)),
            )),
        }
    }
}

/// `board`: the public election record and the trackers of each scrutin.
pub struct PublicBoard {
    election: Election,
    records: Arc<dyn VoteRecords>,
    record: RecordCache,
    board: Arc<dyn Board>,
}

pub const BOARD_PAGE_MAX: usize = 200;

impl PublicBoard {
    pub fn new<S>(w: &Wiring<S>) -> Self
    where
        S: Calendars + VoteRecords + Board + 'static,
    {
        PublicBoard {
            election: Election::new(w),
            records: w.store.clone(),
            record: RecordCache { records: w.store.clone(), cell: OnceCell::new() },
            board: w.store.clone(),
        }
    }

    /// `GET /api/vote/election`.
    pub async fn election(&self) -> Result<VoteElectionView, DomainError> {
        let cal = self.election.calendar().await?;
        let record = self.record.get().await?;
        let json = |t: Option<String>| t.and_then(|t| serde_json::from_str(&t).ok());
        let (seal, results) = match record {
            Some(_) => {
                (json(self.records.vote_seal().await?), json(self.records.vote_results().await?))
            }
            None => (None, None),
        };
        Ok(VoteElectionView {
            state: vote_state(&cal, record.is_some(), self.election.now()),
            fingerprint: record.as_ref().map(|r| r.fingerprint_hex()),
            record: record.map(|r| String::from_utf8_lossy(&r.bytes).into_owned()),
            voting_opens_at: paris_rfc3339(cal.voting_opens_at),
            voting_closes_at: paris_rfc3339(cal.voting_closes_at),
            seal,
            results,
        })
    }

    async fn known_scrutin(&self, scrutin_id: &str) -> Result<(), DomainError> {
        let record = self.record.get().await?.ok_or(DomainError::ScrutinNotFound)?;
        record.scrutin(scrutin_id).map(|_| ()).ok_or(DomainError::ScrutinNotFound)
    }

    pub async fn page(
        &self,
        scrutin_id: &str,
        after: Option<&str>,
        limit: usize,
    ) -> Result<(u64, BoardPage), DomainError> {
        self.known_scrutin(scrutin_id).await?;
        let page = self.board.board_page(scrutin_id, after, limit.clamp(1, BOARD_PAGE_MAX)).await?;
        Ok((self.board.ballot_count(scrutin_id).await?, page))
    }

    pub async fn find(&self, scrutin_id: &str, tracker: &str) -> Result<bool, DomainError> {
        self.known_scrutin(scrutin_id).await?;
        Ok(self.board.on_board(scrutin_id, tracker).await?)
    }
}

/// Per scrutin, the sorted public credentials (hex).
pub type CredentialLists = BTreeMap<String, Vec<String>>;
/// Per scrutin, the ballots of the urne.
pub type UrneBallots = BTreeMap<String, Vec<Ballot>>;

/// What the urne holds at the close, per scrutin: the listed credentials (open, or having voted;
/// never one replaced without a ballot), sorted, and the ballots.
pub fn urne_content(slots: Vec<Slot>) -> Result<(CredentialLists, UrneBallots), DomainError> {
    let mut credentials: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut ballots: BTreeMap<String, Vec<Ballot>> = BTreeMap::new();
    for slot in slots {
        if !slot.open && slot.ballot.is_none() {
            continue;
        }
        credentials.entry(slot.scrutin_id.clone()).or_default().push(slot.credential);
        if let Some(json) = slot.ballot {
            let b: Ballot = serde_json::from_str(&json)
                .map_err(|e| DomainError::Internal(format!("a ballot of the urne: {e}")))?;
            ballots.entry(slot.scrutin_id).or_default().push(b);
        }
    }
    for list in credentials.values_mut() {
        list.sort();
    }
    Ok((credentials, ballots))
}

/// The public board file (`vote-protocol.md` §8.2) of a sealed urne, checked against its seal.
pub fn board_file(
    record: &SealedRecord,
    seal: Seal,
    slots: Vec<Slot>,
) -> Result<BoardFile, DomainError> {
    let (credentials, ballots) = urne_content(slots)?;
    let text = String::from_utf8_lossy(&record.bytes).into_owned();
    BoardFile::new(text, credentials, ballots, seal)
        .map_err(|e| DomainError::Internal(format!("the urne does not match its seal: {e}")))
}

impl PublicBoard {
    /// `GET /api/board/file`: the board file once the urne is sealed, as JSON Lines.
    pub async fn file(&self) -> Result<Vec<u8>, DomainError> {
        let record = self.record.get().await?.ok_or(DomainError::NotFound)?;
        let seal = self.records.vote_seal().await?.ok_or(DomainError::NotFound)?;
        let seal: Seal = serde_json::from_str(&seal)
            .map_err(|e| DomainError::Internal(format!("stored seal: {e}")))?;
        Ok(board_file(&record, seal, self.board.slots().await?)?.to_bytes())
    }
}

/// A tracker as typed: 43 characters of base64url.
pub fn valid_tracker(t: &str) -> bool {
    t.len() == 43 && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
