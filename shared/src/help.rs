//! The texts of the help page (`/aide`): the edito and the questions of the FAQ. They are data the
//! administration loads (`electeur-admin help load FILE.toml`); until it does, the portal serves
//! the defaults shipped in `shared/help/default.toml`. Plain text only: the page writes each
//! paragraph as text, never as markup.

use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

/// The texts shipped with the portal.
pub const DEFAULT_TOML: &str = include_str!("../help/default.toml");

static DEFAULTS: LazyLock<HelpTexts> = LazyLock::new(|| {
    HelpTexts::from_toml(DEFAULT_TOML).expect("shared/help/default.toml is valid help texts")
});

/// Most paragraphs of the edito, entries of the FAQ, paragraphs of an answer.
pub const MAX_EDITO_PARAGRAPHS: usize = 10;
pub const MAX_FAQ_ENTRIES: usize = 40;
pub const MAX_ANSWER_PARAGRAPHS: usize = 10;
/// Longest question, and longest paragraph, in characters.
pub const MAX_QUESTION_CHARS: usize = 300;
pub const MAX_PARAGRAPH_CHARS: usize = 3000;
/// Largest whole set of texts, in bytes of JSON (a DynamoDB item holds 400 KB).
pub const MAX_TOTAL_BYTES: usize = 100_000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HelpTexts {
    pub edito: Vec<String>,
    pub faq: Vec<FaqEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaqEntry {
    pub question: String,
    pub answer: Vec<String>,
    /// The portal adds the dates of the election's calendar under this answer.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub calendar: bool,
}

/// The texts shipped with the portal, served while the table holds none.
pub fn defaults() -> HelpTexts {
    DEFAULTS.clone()
}

fn text(what: &str, s: &str, max: usize) -> Result<(), String> {
    let n = s.trim().chars().count();
    if n == 0 {
        return Err(format!("{what} : texte vide"));
    }
    if n > max {
        return Err(format!("{what} : {n} caractères, {max} au plus"));
    }
    if s.chars().any(|c| c.is_control()) {
        return Err(format!("{what} : caractère de contrôle"));
    }
    if s.contains('<') && s.contains('>') {
        return Err(format!("{what} : texte brut attendu, sans balise HTML"));
    }
    Ok(())
}

impl HelpTexts {
    /// Parses and checks a TOML file of help texts; the message says what is wrong, in French,
    /// for the administration.
    pub fn from_toml(source: &str) -> Result<HelpTexts, String> {
        let texts: HelpTexts = toml::from_str(source).map_err(|e| format!("TOML : {e}"))?;
        texts.check()?;
        Ok(texts)
    }

    /// The limits a set of texts must keep.
    pub fn check(&self) -> Result<(), String> {
        if self.edito.is_empty() || self.edito.len() > MAX_EDITO_PARAGRAPHS {
            return Err(format!("édito : de 1 à {MAX_EDITO_PARAGRAPHS} paragraphes"));
        }
        for (i, p) in self.edito.iter().enumerate() {
            text(&format!("édito, paragraphe {}", i + 1), p, MAX_PARAGRAPH_CHARS)?;
        }
        if self.faq.is_empty() || self.faq.len() > MAX_FAQ_ENTRIES {
            return Err(format!("faq : de 1 à {MAX_FAQ_ENTRIES} questions"));
        }
        for (i, entry) in self.faq.iter().enumerate() {
            let what = format!("faq, question {}", i + 1);
            text(&what, &entry.question, MAX_QUESTION_CHARS)?;
            if entry.answer.is_empty() || entry.answer.len() > MAX_ANSWER_PARAGRAPHS {
                return Err(format!("{what} : réponse de 1 à {MAX_ANSWER_PARAGRAPHS} paragraphes"));
            }
            for (j, p) in entry.answer.iter().enumerate() {
                text(&format!("{what}, paragraphe {}", j + 1), p, MAX_PARAGRAPH_CHARS)?;
            }
        }
        let size = serde_json::to_string(self).map(|s| s.len()).unwrap_or(usize::MAX);
        if size > MAX_TOTAL_BYTES {
            return Err(format!("textes trop longs : {size} octets, {MAX_TOTAL_BYTES} au plus"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_texts_are_valid_and_answer_the_voters_questions() {
        let d = defaults();
        assert_eq!(d.edito.len(), 3);
        assert!(d.faq.len() >= 8);
        assert!(d.faq.iter().any(|e| e.question.contains("ACCÈS SANS ACTIVATION")));
        assert_eq!(d.faq.iter().filter(|e| e.calendar).count(), 1);
    }

    #[test]
    fn markup_unknown_fields_and_empty_texts_are_refused() {
        let ok = "edito = [\"Bonjour.\"]\n[[faq]]\nquestion = \"Q ?\"\nanswer = [\"R.\"]\n";
        assert!(HelpTexts::from_toml(ok).is_ok());
        let html = ok.replace("R.", "<script>alert(1)</script>");
        assert!(HelpTexts::from_toml(&html).unwrap_err().contains("HTML"));
        let unknown = format!("{ok}lien = \"x\"\n");
        assert!(HelpTexts::from_toml(&unknown).unwrap_err().starts_with("TOML"));
        let empty = ok.replace("Bonjour.", " ");
        assert!(HelpTexts::from_toml(&empty).unwrap_err().contains("vide"));
        let none = "edito = [\"Bonjour.\"]\nfaq = []\n";
        assert!(HelpTexts::from_toml(none).is_err());
    }
}
