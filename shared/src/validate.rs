//! Newtypes that validate on parse: past the HTTP edge, an invalid value cannot exist.

use crate::texts;
use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use unicode_normalization::UnicodeNormalization;

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

/// A new password, checked against the rules; its value is secret and never logged.
pub struct NewPassword(SecretString);

impl NewPassword {
    pub const MIN_CHARS: usize = 12;
    pub const MAX_CHARS: usize = 128;

    /// `personal` holds the voter's identifier and names, which the password may not contain.
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
        let folded = fold(raw);
        for word in personal {
            let w = fold(word);
            if w.len() >= 4 && folded.contains(&w) {
                return Err(reject(texts::PASSWORD_PERSONAL));
            }
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
