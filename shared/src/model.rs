//! The records of the domain, as the services see them. Storage details (keys, attribute names)
//! stay in the adapters.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Civility {
    #[serde(rename = "M.")]
    M,
    #[serde(rename = "Mme")]
    Mme,
}

impl Civility {
    pub fn as_str(self) -> &'static str {
        match self {
            Civility::M => "M.",
            Civility::Mme => "Mme",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "M." | "M" | "m" | "m." => Some(Civility::M),
            "Mme" | "MME" | "mme" => Some(Civility::Mme),
            _ => None,
        }
    }
}

/// A line of the electoral roll, as the administration imports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollVoter {
    pub voter_id: String,
    /// Academic e-mail address: the voter's identifier, stored lower-case.
    pub email: String,
    pub civility: Civility,
    pub first_name: String,
    pub last_name: String,
    /// Ids of the ballots (scrutins) this voter votes in.
    pub scrutins: Vec<String>,
}

impl RollVoter {
    /// What a password or a secret answer may not be made of: the identifier, its local part, the
    /// last and first names.
    pub fn personal_data(&self) -> [&str; 4] {
        let local = self.email.split('@').next().unwrap_or_default();
        [self.email.as_str(), local, self.last_name.as_str(), self.first_name.as_str()]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountStatus {
    /// On the roll; no password saved yet (also after an access without activation).
    NotActivated,
    /// Password, challenge question and secret answer saved for good.
    Active,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::NotActivated => "not_activated",
            AccountStatus::Active => "active",
        }
    }
}

/// The account of one voter: roll data plus everything the portal keeps about them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voter {
    pub roll: RollVoter,
    pub status: AccountStatus,
    pub password_hash: Option<String>,
    pub question_id: Option<u8>,
    pub answer_hash: Option<String>,
    /// Raised by every mail request; a token is valid only while it carries the current value, so a
    /// newer request voids older links.
    pub token_generation: u64,
    /// Raised by every credential change; a session is valid only while it carries the current value.
    pub credentials_version: u64,
    /// When (epoch s) the activation and réassort mails of the last 24 hours were sent, oldest
    /// first: the mail cap counts them over a sliding day.
    pub mail_sent_at: Vec<i64>,
    /// Failed logins counted on the account's shared budget (browsers it does not trust), the lock
    /// they set, and when the last of them was counted (epoch s).
    pub failed_logins: u32,
    pub login_locked_until: i64,
    pub failed_logins_at: i64,
    /// The same for wrong secret answers.
    pub failed_answers: u32,
    pub answer_locked_until: i64,
    pub failed_answers_at: i64,
    /// The same for unlock mails, capped apart from `mail_sent_at`, so that unlock requests cannot
    /// spend the réassort's mails; and how many unlock mails were ever sent (raised by each).
    pub unlock_sent_at: Vec<i64>,
    pub unlock_count: u32,
    pub accesses_without_activation: u32,
    /// Claims the voter has filed, held under the per-voter cap.
    pub claims_filed: u32,
}

impl Voter {
    /// The failures of `kind` counted on the account's shared budget.
    pub fn failures(&self, kind: FailureKind) -> Failures {
        match kind {
            FailureKind::Login => Failures {
                count: self.failed_logins,
                locked_until: self.login_locked_until,
                last_at: self.failed_logins_at,
            },
            FailureKind::Answer => Failures {
                count: self.failed_answers,
                locked_until: self.answer_locked_until,
                last_at: self.failed_answers_at,
            },
        }
    }

    /// What a new address on the roll does to the account: the links mailed to the old address
    /// and every session die (the generation and the credentials version move on), and an account
    /// opened from the old address goes back to "not activated", its credentials forgotten; the
    /// holder of the new address opens it anew.
    pub fn address_changed(&mut self) {
        self.token_generation += 1;
        self.credentials_version += 1;
        self.status = AccountStatus::NotActivated;
        self.password_hash = None;
        self.question_id = None;
        self.answer_hash = None;
    }

    /// The account of a voter added to the roll at `created_at` (epoch seconds). Its link
    /// generation and credentials version start at that second rather than at 0, so that a link or
    /// a session issued to a voter removed from the roll never becomes valid again if the voter is
    /// added back.
    pub fn new(roll: RollVoter, created_at: i64) -> Self {
        Voter {
            roll,
            status: AccountStatus::NotActivated,
            password_hash: None,
            question_id: None,
            answer_hash: None,
            token_generation: created_at.max(0) as u64,
            credentials_version: created_at.max(0) as u64,
            mail_sent_at: Vec::new(),
            failed_logins: 0,
            login_locked_until: 0,
            failed_logins_at: 0,
            failed_answers: 0,
            answer_locked_until: 0,
            failed_answers_at: 0,
            unlock_sent_at: Vec::new(),
            unlock_count: 0,
            accesses_without_activation: 0,
            claims_filed: 0,
        }
    }
}

/// A failure to count (a login or a secret answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    Login,
    Answer,
}

/// The failures of one kind counted on one budget (an account's shared budget, or a trusted
/// browser's own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Failures {
    /// Failures as stored, before decay.
    pub count: u32,
    /// Epoch seconds until which attempts are refused unchecked.
    pub locked_until: i64,
    /// When the last failure was counted (epoch seconds).
    pub last_at: i64,
}

impl Failures {
    /// The failures still held against the budget at `now`: one is forgiven for each whole
    /// `decay_secs` since the last one, so that an occasional wrong guess never adds up to a lock.
    pub fn effective(&self, now: i64, decay_secs: i64) -> u32 {
        if decay_secs <= 0 || now <= self.last_at {
            return self.count;
        }
        let forgiven = (now - self.last_at) / decay_secs;
        self.count.saturating_sub(forgiven.min(u32::MAX as i64) as u32)
    }
}

/// A browser the voter has shown to be theirs (a login with the right password, or an unlock link
/// from their mailbox): its cookie gives it a failure budget of its own, which guesses from
/// elsewhere do not spend. Known to the store only by the hash of its cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRecord {
    pub hash: String,
    pub voter_id: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub login: Failures,
    pub answer: Failures,
}

impl DeviceRecord {
    pub fn failures(&self, kind: FailureKind) -> Failures {
        match kind {
            FailureKind::Login => self.login,
            FailureKind::Answer => self.answer,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenPurpose {
    Activation,
    Reassort,
    /// Trusting the browser that opens it, for a voter whose account is locked by guesses.
    Unlock,
}

impl TokenPurpose {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::Activation => "activation",
            TokenPurpose::Reassort => "reassort",
            TokenPurpose::Unlock => "unlock",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "activation" => Some(TokenPurpose::Activation),
            "reassort" => Some(TokenPurpose::Reassort),
            "unlock" => Some(TokenPurpose::Unlock),
            _ => None,
        }
    }
}

/// A mailed single-use token, known to the store only by its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub hash: String,
    pub voter_id: String,
    pub purpose: TokenPurpose,
    /// The voter's `token_generation` when it was issued.
    pub generation: u64,
    pub created_at: i64,
    pub expires_at: i64,
    pub consumed_at: Option<i64>,
    /// Argon2id hash of the password chosen with this token, kept here until the flow completes.
    pub pending_password_hash: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SessionKind {
    Activated,
    WithoutActivation,
}

impl SessionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::Activated => "activated",
            SessionKind::WithoutActivation => "without_activation",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "activated" => Some(SessionKind::Activated),
            "without_activation" => Some(SessionKind::WithoutActivation),
            _ => None,
        }
    }
}

/// A portal session, known to the store only by the hash of its cookie value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub hash: String,
    pub voter_id: String,
    pub kind: SessionKind,
    /// The voter's `credentials_version` when it was opened.
    pub credentials_version: u64,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub absolute_expires_at: i64,
}

/// The election calendar, stored as data; instants are UTC, shown in Europe/Paris.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    pub activation_opens_at: DateTime<Utc>,
    pub claim_deadline: DateTime<Utc>,
    pub voting_opens_at: DateTime<Utc>,
    pub voting_closes_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Candidate {
    pub rank: u32,
    pub civility: Civility,
    pub first_name: String,
    pub last_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CandidateList {
    pub id: String,
    pub order: u32,
    pub name: String,
    pub organisation: String,
    pub candidates: Vec<Candidate>,
}

/// A ballot with its candidate lists in ballot order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scrutin {
    pub id: String,
    pub name: String,
    pub description: String,
    pub candidate_lists: Vec<CandidateList>,
}

/// One line of a ballot's electoral list as voters see it: names only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RollEntry {
    pub civility: Civility,
    pub last_name: String,
    pub first_name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimCategory {
    ListeElectorale,
    ListeCandidats,
    AccesPortail,
    Autre,
}

impl ClaimCategory {
    pub const ALL: [ClaimCategory; 4] = [
        ClaimCategory::ListeElectorale,
        ClaimCategory::ListeCandidats,
        ClaimCategory::AccesPortail,
        ClaimCategory::Autre,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ClaimCategory::ListeElectorale => "liste_electorale",
            ClaimCategory::ListeCandidats => "liste_candidats",
            ClaimCategory::AccesPortail => "acces_portail",
            ClaimCategory::Autre => "autre",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ClaimCategory::ListeElectorale => "Liste électorale",
            ClaimCategory::ListeCandidats => "Listes de candidats",
            ClaimCategory::AccesPortail => "Accès au portail",
            ClaimCategory::Autre => "Autre",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClaimStatus {
    Open,
    Answered,
}

/// A claim (réclamation) filed by a voter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub reference: String,
    pub voter_id: String,
    pub category: ClaimCategory,
    pub scrutin_id: Option<String>,
    pub text: String,
    pub created_at: DateTime<Utc>,
    pub status: ClaimStatus,
    /// Hash of (category, ballot, text): a retry must carry the same claim.
    pub fingerprint: String,
    pub idempotency_key: String,
    /// True once the acknowledgement mail went out.
    pub acknowledged: bool,
}

/// What an assistance request is about: a fixed list, so that a request can be sorted without
/// reading it, and so that no text of the requester ever reaches a mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssistanceSubject {
    CourrielNonRecu,
    LienInutilisable,
    MotDePassePerdu,
    ConnexionBloquee,
    MesScrutins,
    Autre,
}

impl AssistanceSubject {
    pub const ALL: [AssistanceSubject; 6] = [
        AssistanceSubject::CourrielNonRecu,
        AssistanceSubject::LienInutilisable,
        AssistanceSubject::MotDePassePerdu,
        AssistanceSubject::ConnexionBloquee,
        AssistanceSubject::MesScrutins,
        AssistanceSubject::Autre,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AssistanceSubject::CourrielNonRecu => "courriel_non_recu",
            AssistanceSubject::LienInutilisable => "lien_inutilisable",
            AssistanceSubject::MotDePassePerdu => "mot_de_passe_perdu",
            AssistanceSubject::ConnexionBloquee => "connexion_bloquee",
            AssistanceSubject::MesScrutins => "mes_scrutins",
            AssistanceSubject::Autre => "autre",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AssistanceSubject::CourrielNonRecu => "Je n'ai pas reçu le courriel",
            AssistanceSubject::LienInutilisable => "Le lien du courriel ne fonctionne pas",
            AssistanceSubject::MotDePassePerdu => "Mot de passe perdu",
            AssistanceSubject::ConnexionBloquee => "Connexion impossible ou bloquée",
            AssistanceSubject::MesScrutins => "Mes scrutins, les listes électorales",
            AssistanceSubject::Autre => "Autre question",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssistanceStatus {
    Open,
    Answered,
}

impl AssistanceStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AssistanceStatus::Open => "open",
            AssistanceStatus::Answered => "answered",
        }
    }
}

/// A request for assistance, sent from the portal with or without a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssistanceRequest {
    /// `AS-` and 10 characters of [`crate::tokens::short_code`]: about 2^50 values.
    pub reference: String,
    /// The identifier as typed (lower case), or the roll address of the session's voter.
    pub identifier: String,
    /// The voter of the roll the identifier (or the session) belongs to; `None` when it is on
    /// no roll.
    pub voter_id: Option<String>,
    /// True when the request came with a session: the voter is the session's, not a guess from
    /// a typed identifier.
    pub from_session: bool,
    pub subject: AssistanceSubject,
    pub message: String,
    pub created_at: DateTime<Utc>,
    pub status: AssistanceStatus,
    pub answered_at: Option<DateTime<Utc>>,
    pub answered_by: Option<String>,
    /// The administration's answer, as mailed to the roll address.
    pub answer: Option<String>,
}

/// The requests counted on one identifier over the last day, as stored; `version` 0 when none
/// was ever stored. A new count is written only if the version is still the one read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssistanceWindow {
    pub version: u64,
    pub sent_at: Vec<i64>,
}
