//! Newtypes that validate on parse: past the HTTP edge, an invalid value cannot exist.

use crate::texts;
use std::fmt;
use std::sync::LazyLock;

use secrecy::{ExposeSecret, SecretString};
use unicode_normalization::UnicodeNormalization;
use zxcvbn::matching::patterns::MatchPattern;
use zxcvbn::Score;

use crate::error::DomainError;

fn invalid(field: &'static str, message: &str) -> DomainError {
    DomainError::InvalidField { field, message: message.to_string() }
}

/// A voter's identifier: their academic e-mail address, compared lower-case.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Identifier(String);

impl Identifier {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let value = raw.trim().to_lowercase();
        let msg = texts::BAD_IDENTIFIER;
        if value.is_empty() || value.len() > 254 {
            return Err(invalid("identifier", msg));
        }
        let (local, domain) = value.split_once('@').ok_or_else(|| invalid("identifier", msg))?;
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && local.chars().all(|c| c.is_ascii_alphanumeric() || "._+-'".contains(c));
        let labels: Vec<&str> = domain.split('.').collect();
        let domain_ok = labels.len() >= 2
            && labels.iter().all(|l| {
                !l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            });
        if local_ok && domain_ok {
            Ok(Identifier(value))
        } else {
            Err(invalid("identifier", msg))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Identifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Identifier({})", self.0)
    }
}

/// A voter id as carried by mail links (`electeurId`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VoterId(String);

impl VoterId {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let ok =
            !raw.is_empty() && raw.len() <= 32 && raw.chars().all(|c| c.is_ascii_alphanumeric());
        if ok {
            Ok(VoterId(raw.to_string()))
        } else {
            Err(invalid("voter_id", texts::BAD_VOTER_ID))
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A token as typed or clicked by the voter: 43 characters of base64url. The value is secret.
pub struct RawToken(SecretString);

impl RawToken {
    pub const LEN: usize = 43;

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let ok = raw.len() == Self::LEN
            && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if ok {
            Ok(RawToken(SecretString::from(raw.to_string())))
        } else {
            Err(invalid("token", texts::BROKEN_LINK))
        }
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for RawToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RawToken([REDACTED])")
    }
}

/// Lower-case, accents removed, only letters and digits: the form used to compare words.
pub fn fold(s: &str) -> String {
    s.nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Words that make a password guessable at once, whatever digits or symbols surround them.
const COMMON_WORDS: &[&str] = &[
    "password",
    "passw0rd",
    "motdepasse",
    "motdepass",
    "mdp",
    "azerty",
    "azertyuiop",
    "qwerty",
    "qwertyuiop",
    "qwertz",
    "abc",
    "abcdef",
    "abcdefgh",
    "abcdefghijkl",
    "soleil",
    "bonjour",
    "bonsoir",
    "doudou",
    "chouchou",
    "loulou",
    "coucou",
    "jetaime",
    "iloveyou",
    "marseille",
    "paris",
    "lyon",
    "toulouse",
    "bordeaux",
    "lille",
    "nantes",
    "france",
    "admin",
    "administrateur",
    "root",
    "welcome",
    "bienvenue",
    "education",
    "educationnationale",
    "elections",
    "election",
    "electeur",
    "vote",
    "voter",
    "academie",
    "enseignant",
    "professeur",
    "prof",
    "ecole",
    "college",
    "lycee",
    "letmein",
    "secret",
    "secrete",
    "liberte",
    "football",
    "olympiquedemarseille",
    "psg",
    "princesse",
    "dragon",
    "monkey",
    "master",
    "superman",
    "batman",
    "starwars",
    "pokemon",
    "chocolat",
    "camille",
    "nicolas",
    "julien",
    "thomas",
    "marie",
    "sophie",
    "nathalie",
    "isabelle",
    "stephane",
    "celine",
    "amour",
    "bisous",
    "changeme",
    "changemoi",
    "unmotdepasse",
    "test",
    "testtest",
    "utilisateur",
    "user",
    "login",
    "connexion",
    "sesame",
    "ouvretoi",
    "ministere",
    "rectorat",
    "unsa",
    "fsu",
    "snes",
    "cgt",
    "fo",
    "sgen",
    "cfdt",
];

fn is_run(chars: &[char]) -> bool {
    if chars.len() < 4 {
        return false;
    }
    let steps: Vec<i64> = chars.windows(2).map(|w| w[1] as i64 - w[0] as i64).collect();
    steps.iter().all(|s| *s == steps[0]) && steps[0].abs() <= 1
}

/// True when the password is one anybody would try first.
pub fn is_common_password(password: &str) -> bool {
    let folded = fold(password);
    if folded.is_empty() {
        return true;
    }
    let chars: Vec<char> = folded.chars().collect();
    if is_run(&chars) {
        return true;
    }
    // a short pattern repeated ("abcabcabcabc", "azerazerazer")
    for n in 1..=chars.len() / 2 {
        if chars.len() % n == 0 && chars.chunks(n).all(|c| c == &chars[..n]) {
            return true;
        }
    }
    let core: String = folded.trim_matches(|c: char| c.is_ascii_digit()).to_string();
    if core.is_empty() {
        return true; // only digits
    }
    let core_chars: Vec<char> = core.chars().collect();
    if is_run(&core_chars) {
        return true;
    }
    COMMON_WORDS.iter().any(|w| {
        if core == *w {
            return true;
        }
        // the same word repeated, or a word with a year or counter ("motdepasse2026motdepasse")
        let repeated =
            core.len() % w.len() == 0 && core.as_bytes().chunks(w.len()).all(|c| c == w.as_bytes());
        repeated
    })
}

/// French common words and first names, one a line: `data/mots-courants-fr.txt`, whose header
/// states where they come from. Read once per process.
static FRENCH_WORDS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    include_str!("../data/mots-courants-fr.txt")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// The words given to zxcvbn after the voter's own: the portal's vocabulary and the French words
/// most used in passwords ([`COMMON_WORDS`]), then the French list, each word once (zxcvbn keeps
/// the last rank of a word given twice).
static EXTRA_WORDS: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    let mut seen = std::collections::HashSet::new();
    COMMON_WORDS.iter().chain(FRENCH_WORDS.iter()).copied().filter(|w| seen.insert(*w)).collect()
});

/// The lowest zxcvbn score a new password may have: 3 ("safely unguessable", at least 10^8
/// guesses). See docs/security.md for why.
pub const MIN_STRENGTH: Score = Score::Three;

/// Case kept, accents removed and ligatures spelled out ("Été" → "Ete", "cœur" → "coeur"): the
/// French lists are written without accents, and an attacker tries both spellings alike.
fn without_accents(s: &str) -> String {
    s.replace('œ', "oe")
        .replace('Œ', "OE")
        .replace('æ', "ae")
        .replace('Æ', "AE")
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .collect()
}

/// The keys a French (AZERTY) keyboard types, named by their place on a QWERTY one: zxcvbn knows
/// only QWERTY walks, so "azertyuiop" or "wxcvbn" are scored as "qwertyuiop" and "zxcvbn".
fn azerty_as_qwerty(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'a' => 'q',
            'q' => 'a',
            'z' => 'w',
            'w' => 'z',
            'm' => ';',
            ',' => 'm',
            ';' => ',',
            ':' => '.',
            '!' => '/',
            'A' => 'Q',
            'Q' => 'A',
            'Z' => 'W',
            'W' => 'Z',
            'M' => ':',
            '?' => 'M',
            '.' => '<',
            '/' => '>',
            '§' => '?',
            c => c,
        })
        .collect()
}

/// The voter's data as zxcvbn user inputs: each value lower-case, its folded form and its words
/// of 3 letters or more ("marie.dupont" → "marie", "dupont"; "Le Marchand" → "lemarchand").
fn personal_inputs(personal: &[&str]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |w: String| {
        if !w.is_empty() && !out.contains(&w) {
            out.push(w);
        }
    };
    for value in personal {
        let lower = without_accents(value).to_lowercase();
        push(fold(value));
        for part in lower.split(|c: char| !c.is_alphanumeric()) {
            if part.chars().count() >= 3 {
                push(part.to_string());
            }
        }
        push(lower);
    }
    out
}

/// Digits and symbols read as the letters they stand for ("P@ssw0rd" → "Password"); `one` is the
/// letter read for "1" ("i" or "l").
fn unleet(s: &str, one: char) -> String {
    s.chars()
        .map(|c| match c {
            '4' | '@' => 'a',
            '8' => 'b',
            '(' | '{' | '[' | '<' => 'c',
            '3' => 'e',
            '6' | '9' => 'g',
            '1' => one,
            '!' | '|' => 'i',
            '0' => 'o',
            '$' | '5' => 's',
            '7' | '+' => 't',
            '%' => 'x',
            '2' => 'z',
            c => c,
        })
        .collect()
}

/// True when the password holds the voter's identifier or names (4 letters or more), read as
/// typed, with digits and symbols read as letters, or backwards.
fn holds_personal_data(raw: &str, personal: &[&str]) -> bool {
    let words: Vec<String> = personal
        .iter()
        .flat_map(|value| {
            let parts: Vec<String> =
                without_accents(value).split(|c: char| !c.is_alphanumeric()).map(fold).collect();
            parts.into_iter().chain(std::iter::once(fold(value)))
        })
        .filter(|w| w.chars().count() >= 4)
        .collect();
    let forms = [fold(raw), fold(&unleet(raw, 'i')), fold(&unleet(raw, 'l'))];
    forms.iter().any(|form| {
        let backwards: String = form.chars().rev().collect();
        words.iter().any(|w| form.contains(w.as_str()) || backwards.contains(w.as_str()))
    })
}

/// Runs of 3 or more of one character shortened to one ("Sooooleil" → "Soleil").
fn collapse_runs(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let mut j = i;
        while j < chars.len() && chars[j] == chars[i] {
            j += 1;
        }
        let run = if j - i >= 3 { 1 } else { j - i };
        out.extend(std::iter::repeat_n(chars[i], run));
        i = j;
    }
    out
}

/// Ranks up to this count as common: a dictionary word of zxcvbn (English passwords, words,
/// names) or of the user inputs (the voter's data, then the French words) within the first 10,000.
const COMMON_RANK: usize = 10_000;

/// True when every part of the password that holds a letter is one same common word, a keyboard
/// walk, a sequence or a repeat of those: a common word dressed up with case, substitutions,
/// repeats, digits, dates and symbols around it ("Summer2024!!", "Bonjour2024Bonjour"). zxcvbn
/// rates some of these 3 (its estimate adds a floor for each part), which is not enough here.
fn one_word_dressed_up(sequence: &[zxcvbn::Match]) -> bool {
    fn walk(matches: &[zxcvbn::Match], words: &mut Vec<String>, lettered: &mut bool) -> bool {
        for m in matches {
            if !m.token.chars().any(char::is_alphabetic) {
                continue;
            }
            *lettered = true;
            let guessable = match &m.pattern {
                MatchPattern::Dictionary(d) if d.rank <= COMMON_RANK => {
                    if !words.contains(&d.matched_word) {
                        words.push(d.matched_word.clone());
                    }
                    true
                }
                MatchPattern::Spatial(_) | MatchPattern::Sequence(_) => true,
                MatchPattern::Repeat(r) => walk(&r.base_matches, words, lettered),
                _ => false,
            };
            if !guessable {
                return false;
            }
        }
        true
    }
    let (mut words, mut lettered) = (Vec::new(), false);
    walk(sequence, &mut words, &mut lettered) && lettered && words.len() <= 1
}

/// The characters of a password that zxcvbn reads (its own cap is 100): its cost grows with the
/// length and the digits and symbols that may stand for letters, up to a tenth of a second a call
/// at 100. A longer password is rated on its start, which can only underrate it.
const ESTIMATED_CHARS: usize = 64;

/// Why a password is too easy to guess, if it is: zxcvbn's estimate with the voter's data and the
/// French words as user inputs, on the password as typed (accents removed) and as typed on an
/// AZERTY keyboard, must reach [`MIN_STRENGTH`]; and neither these nor the password with its runs
/// collapsed may be one common word dressed up.
fn weakness(raw: &str, personal: &[&str]) -> Option<&'static str> {
    let personal = personal_inputs(personal);
    let mut inputs: Vec<&str> = personal.iter().map(String::as_str).collect();
    inputs.extend(EXTRA_WORDS.iter().copied().filter(|w| !personal.iter().any(|p| p == w)));
    let plain: String = without_accents(raw).chars().take(ESTIMATED_CHARS).collect();
    let collapsed = collapse_runs(&plain);
    let mut candidates = vec![(azerty_as_qwerty(&plain), true), (plain.clone(), true)];
    if collapsed != plain {
        candidates.push((collapsed, false));
    }
    for (candidate, scored) in candidates {
        let estimate = zxcvbn::zxcvbn(&candidate, &inputs);
        let weak = scored && estimate.score() < MIN_STRENGTH;
        if weak || one_word_dressed_up(estimate.sequence()) {
            let uses_personal = estimate.sequence().iter().any(|m| {
                matches!(&m.pattern, MatchPattern::Dictionary(d) if personal.contains(&d.matched_word))
            });
            return Some(if uses_personal {
                texts::PASSWORD_PERSONAL
            } else {
                texts::PASSWORD_TOO_COMMON
            });
        }
    }
    None
}

/// A new password, checked against the rules; its value is secret and never logged.
pub struct NewPassword(SecretString);

impl NewPassword {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 128;

    /// `personal` holds the voter's identifier and names, which the password may not contain nor
    /// be guessed from.
    pub fn parse(raw: &str, personal: &[&str]) -> Result<Self, DomainError> {
        let reject = |message: &str| DomainError::PasswordRejected(message.to_string());
        let n = raw.chars().count();
        if n < Self::MIN_CHARS {
            return Err(reject(texts::PASSWORD_TOO_SHORT));
        }
        if n > Self::MAX_CHARS {
            return Err(reject(texts::PASSWORD_TOO_LONG));
        }
        if raw.chars().any(char::is_control) {
            return Err(reject(texts::PASSWORD_UNPRINTABLE));
        }
        if is_common_password(raw) {
            return Err(reject(texts::PASSWORD_TOO_COMMON));
        }
        if holds_personal_data(raw, personal) {
            return Err(reject(texts::PASSWORD_PERSONAL));
        }
        if let Some(message) = weakness(raw, personal) {
            return Err(reject(message));
        }
        Ok(NewPassword(SecretString::from(raw.to_string())))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword([REDACTED])")
    }
}

/// A password typed at login: only its length is checked, the hash decides.
pub struct LoginPassword(SecretString);

impl LoginPassword {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        if raw.is_empty() || raw.chars().count() > NewPassword::MAX_CHARS {
            return Err(invalid("password", texts::LOGIN_PASSWORD_LENGTH));
        }
        Ok(LoginPassword(SecretString::from(raw.to_string())))
    }
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for LoginPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LoginPassword([REDACTED])")
    }
}

/// A secret answer, normalised (case, accents, spaces, punctuation) before hashing so that
/// "Médor" and "  medor " match.
pub struct SecretAnswer(SecretString);

impl SecretAnswer {
    /// Letters or digits an answer needs when it is chosen ([`Self::check_for`]).
    pub const MIN_CHOSEN: usize = 3;

    /// An answer as typed, at activation or at réassort: at most 128 characters, at least 2 letters
    /// or digits once normalised (the floor of the answers chosen before [`Self::check_for`]).
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let n = raw.chars().count();
        if n > 128 {
            return Err(invalid("answer", texts::ANSWER_TOO_LONG));
        }
        let normal = normalise_answer(raw);
        if normal.chars().filter(|c| *c != ' ').count() < 2 {
            return Err(invalid("answer", texts::ANSWER_TOO_SHORT));
        }
        Ok(SecretAnswer(SecretString::from(normal)))
    }
    /// The rules for an answer being chosen (at activation), beyond those of [`Self::parse`]: at
    /// least [`Self::MIN_CHOSEN`] letters or digits, not one character repeated, and neither the
    /// voter's identifier, its local part or names, nor a part of them (compared folded).
    /// `personal` is as for [`NewPassword::parse`]. Not applied at réassort, where an answer chosen
    /// before these rules must still be recognised.
    pub fn check_for(&self, personal: &[&str]) -> Result<(), DomainError> {
        let compact: String = self.expose().chars().filter(|c| *c != ' ').collect();
        if compact.chars().count() < Self::MIN_CHOSEN {
            return Err(invalid("answer", texts::ANSWER_TOO_SHORT));
        }
        let mut chars = compact.chars();
        let first = chars.next();
        if chars.all(|c| Some(c) == first) {
            return Err(invalid("answer", texts::ANSWER_ONE_CHARACTER));
        }
        if personal.iter().any(|value| fold(value).contains(compact.as_str())) {
            return Err(invalid("answer", texts::ANSWER_PERSONAL));
        }
        Ok(())
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for SecretAnswer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretAnswer([REDACTED])")
    }
}

/// Lower-case, accents removed, punctuation dropped, runs of spaces folded to one.
pub fn normalise_answer(raw: &str) -> String {
    let cleaned: String = raw
        .nfd()
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Text of a claim: 10 to 4000 characters once trimmed.
pub fn claim_text(raw: &str) -> Result<String, DomainError> {
    let text = raw.trim();
    let n = text.chars().count();
    if !(10..=4000).contains(&n) {
        return Err(invalid("text", texts::CLAIM_TEXT_LENGTH));
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err(invalid("text", texts::CLAIM_TEXT_UNPRINTABLE));
    }
    Ok(text.to_string())
}

/// The message of an assistance request: 10 to 2000 characters once trimmed, printable.
pub fn assistance_message(raw: &str) -> Result<String, DomainError> {
    let text = raw.trim();
    let n = text.chars().count();
    if !(10..=2000).contains(&n) {
        return Err(invalid("message", texts::ASSISTANCE_MESSAGE_LENGTH));
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err(invalid("message", texts::ASSISTANCE_MESSAGE_UNPRINTABLE));
    }
    Ok(text.to_string())
}

/// `Idempotency-Key` header of a claim: 8 to 64 of `[A-Za-z0-9_-]`.
pub fn idempotency_key(raw: Option<&str>) -> Result<String, DomainError> {
    let key =
        raw.map(str::trim).filter(|k| !k.is_empty()).ok_or(DomainError::IdempotencyKeyRequired)?;
    let ok = (8..=64).contains(&key.len())
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(key.to_string())
    } else {
        Err(invalid("Idempotency-Key", texts::BAD_IDEMPOTENCY_KEY))
    }
}

/// A ballot id as found in paths and claims.
pub fn scrutin_id(raw: &str, field: &'static str) -> Result<String, DomainError> {
    let ok = !raw.is_empty()
        && raw.len() <= 64
        && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(raw.to_string())
    } else {
        Err(invalid(field, texts::BAD_SCRUTIN_ID))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn identifiers_are_lowercased_and_checked() {
        assert_eq!(
            Identifier::parse(" Marie.Dupont@AC-Versailles.fr ").unwrap().as_str(),
            "marie.dupont@ac-versailles.fr"
        );
        for bad in [
            "",
            "marie",
            "@ac.fr",
            "marie@",
            "marie@ac",
            "ma rie@ac.fr",
            "marie..d@ac.fr",
            "m@-ac.fr",
        ] {
            assert!(Identifier::parse(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn passwords_follow_the_length_rules() {
        assert!(NewPassword::parse("court", &[]).is_err());
        assert!(NewPassword::parse(&"x".repeat(129), &[]).is_err());
        assert!(NewPassword::parse("cheval agrafe batterie", &[]).is_ok());
        assert!(NewPassword::parse(
            &"é".repeat(6).chars().chain("tyuiopqs".chars()).collect::<String>(),
            &[]
        )
        .is_ok());
    }

    #[test]
    fn common_passwords_are_rejected() {
        for p in [
            "motdepasse123",
            "Azertyuiop12",
            "123456789012",
            "Password!2026",
            "aaaaaaaaaaaa",
            "abcdefghijkl",
            "soleilsoleil",
        ] {
            assert!(NewPassword::parse(p, &[]).is_err(), "{p} accepted");
        }
    }

    #[test]
    fn passwords_containing_the_identifier_or_name_are_rejected() {
        let personal = ["marie.dupont@ac-versailles.fr", "marie.dupont", "Dupont", "Marie"];
        assert!(NewPassword::parse("Dupont-des-bois-77", &personal).is_err());
        assert!(NewPassword::parse("chez marie.dupont ok", &personal).is_err());
        assert!(NewPassword::parse("cheval agrafe batterie", &personal).is_ok());
    }

    #[test]
    fn answers_are_normalised() {
        assert_eq!(normalise_answer("  Médor   le Chien! "), "medor le chien");
        assert_eq!(normalise_answer("ÉCOLE Jules-Ferry"), "ecole jules ferry");
        assert!(SecretAnswer::parse("  !! ").is_err());
    }

    #[test]
    fn debug_output_never_shows_secrets() {
        let p = NewPassword::parse("cheval agrafe batterie", &[]).unwrap();
        assert!(!format!("{p:?}").contains("cheval"));
        let a = SecretAnswer::parse("Médor").unwrap();
        assert!(!format!("{a:?}").contains("medor"));
    }

    /// The voter of the tests: identifier, its local part, last and first names, as the services
    /// pass them.
    const VOTER: [&str; 4] = ["marie.dupont@ac-versailles.fr", "marie.dupont", "Dupont", "Marie"];
    const OTHER_VOTER: [&str; 4] =
        ["hortense.lemarchand@ac-lyon.fr", "hortense.lemarchand", "Le Marchand", "Hortense"];

    /// A voter of the load test (tests/load).
    const LOAD_VOTER: [&str; 4] =
        ["charge.setup3.r1@ac-versailles.fr", "charge.setup3.r1", "ChargeD", "Camille"];

    fn refused(password: &str, personal: &[&str]) -> bool {
        matches!(NewPassword::parse(password, personal), Err(DomainError::PasswordRejected(_)))
    }

    #[test]
    fn the_common_passwords_reported_are_refused() {
        for p in [
            "P@ssw0rd12345",
            "1q2w3e4r5t6y",
            "Summer2024!!",
            "qwertyuiopasdfgh",
            "abcd1234abcd",
            "Bonjour2024Bonjour",
            "motdepasse2026motdepasse",
        ] {
            assert!(refused(p, &VOTER), "{p} accepted");
            assert!(refused(p, &[]), "{p} accepted without personal data");
        }
    }

    #[test]
    fn english_common_passwords_are_refused_with_the_usual_transformations() {
        for p in [
            "Password123!",
            "iloveyou2024",
            "Sunshine2024!",
            "Football1234",
            "Dr@g0nDr@g0n",
            "Princess!2024",
            "Superman12345",
            "LetMeIn123456",
            "Welcome@2026",
            "trustno1trustno1",
            "1qaz2wsx3edc",
            "zxcvbnm12345",
            "monkeymonkey1",
            "Shadow!!2024",
            "asdfghjkl;'[",
            "!QAZ2wsx#EDC",
        ] {
            assert!(refused(p, &[]), "{p} accepted");
        }
    }

    #[test]
    fn french_common_passwords_are_refused_with_the_usual_transformations() {
        for p in [
            "Motdepasse!2026",
            "s0leil2024", // 10 characters: too short already
            "S0leil2024!!",
            "azertyuiop123",
            "Bonjour!!2024",
            "Printemps2024!",
            "Pr1ntemps2024",
            "Papillon2025!",
            "Princesse123!",
            "Vacances2024!!",
            "nathalie1975!!",
            "Francois1980!",
            "ch0c0l4t2024!",
            "Doudou!Doudou!",
            "Coeur2024!!!",
            "Chouchou2024!",
            "Sooooleil2024",
            "Jetaime!2024",
            "wxcvbn123456",
            "azsxdcfvgbhn",
            "aqwzsxedcrfv",
            "poiuytreza123",
        ] {
            assert!(refused(p, &[]), "{p} accepted");
        }
    }

    #[test]
    fn passwords_made_of_the_voters_names_are_refused() {
        for p in [
            "MarieDupont2026!",
            "M4rie-Dup0nt-92",
            "dupont.marie.1975",
            "tnopuD-eiraM-2026",
            "Marie!Marie!2026",
        ] {
            assert!(refused(p, &VOTER), "{p} accepted");
        }
        for p in ["L3m4rch4nd-1975", "LeMarchand1975!", "H0rt3ns3-2024!!"] {
            assert!(refused(p, &OTHER_VOTER), "{p} accepted");
        }
        // a word of the identifier's local part
        assert!(refused("une phrase de passe pour la charge", &LOAD_VOTER));
    }

    #[test]
    fn strong_passphrases_are_accepted() {
        let long: String = format!("Hibou-{}", "x9".repeat(62)).chars().take(128).collect();
        for p in [
            "cheval agrafe batterie",
            "cheval agrafe pluie 42",
            "un tout autre mot de passe",
            "nouveau mot de passe 2026",
            "une phrase de passe pour le banc de mesure",
            "Hibou-k3J9xQ2mPa-Tramway",
            "Kq7#mZ2!pL9x",
            "Tournesol 9f3a1c2e sur le canal du Midi",
            "Éléphant rose et tramway bleu",
            long.as_str(),
        ] {
            for personal in [&VOTER[..], &OTHER_VOTER, &LOAD_VOTER, &[]] {
                let r = NewPassword::parse(p, personal);
                assert!(r.is_ok(), "{p} refused: {:?}", r.err().map(|e| e.message()));
            }
        }
    }

    #[test]
    fn trivial_answers_are_refused_when_chosen() {
        for a in [
            "ab",
            " a-b ",
            "aaaa",
            "A a a",
            "1111",
            "marie",
            "MARIE",
            "Dupont",
            "dupont",
            "Marie Dupont",
            "marie.dupont",
            "marie.dupont@ac-versailles.fr",
            "mari",
            "Versailles",
        ] {
            let answer = SecretAnswer::parse(a).expect("a typed answer");
            assert!(
                matches!(
                    answer.check_for(&VOTER),
                    Err(DomainError::InvalidField { field: "answer", .. })
                ),
                "{a:?} accepted"
            );
        }
        for a in ["Le Marchand", "lemarchand", "Hortense"] {
            let answer = SecretAnswer::parse(a).unwrap();
            assert!(answer.check_for(&OTHER_VOTER).is_err(), "{a:?} accepted");
        }
        assert!(SecretAnswer::parse("charge").unwrap().check_for(&LOAD_VOTER).is_err());
        assert!(SecretAnswer::parse("Médor le chien").unwrap().check_for(&LOAD_VOTER).is_ok());
    }

    #[test]
    fn good_answers_are_accepted_when_chosen() {
        for a in
            ["Médor", "rex", "Rivière des Castors", "Marie Curie", "Jules-Ferry", "Hortense abcdef"]
        {
            let answer = SecretAnswer::parse(a).unwrap();
            assert!(answer.check_for(&VOTER).is_ok(), "{a:?} refused");
        }
        // Typed at réassort, an answer only needs 2 letters: one chosen before the rule still works.
        assert!(SecretAnswer::parse("io").is_ok());
        assert!(SecretAnswer::parse("marie").is_ok());
    }

    proptest! {
        #[test]
        fn answer_normalisation_is_idempotent(s in "\\PC{0,40}") {
            let once = normalise_answer(&s);
            prop_assert_eq!(normalise_answer(&once), once.clone());
        }

        #[test]
        fn identifier_parse_never_panics(s in "\\PC{0,80}") {
            let _ = Identifier::parse(&s);
        }

        #[test]
        fn valid_identifiers_roundtrip(local in "[a-z][a-z0-9]{0,10}(\\.[a-z0-9]{1,10})?", dom in "[a-z]{2,10}") {
            let email = format!("{local}@ac-{dom}.fr");
            let parsed = Identifier::parse(&email).unwrap();
            prop_assert_eq!(parsed.as_str(), email.as_str());
        }
    }
}
