//! The fixed list of challenge questions ("questions défi").

use serde::Serialize;

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Question {
    pub id: u8,
    pub text: &'static str,
}

pub const QUESTIONS: &[Question] = &[
    Question { id: 1, text: "Quel est le nom de votre premier animal de compagnie ?" },
    Question { id: 2, text: "Dans quelle ville avez-vous obtenu votre premier poste ?" },
    Question { id: 3, text: "Quel est le prénom de votre meilleur ami d'enfance ?" },
    Question { id: 4, text: "Quel est le nom de votre école primaire ?" },
    Question { id: 5, text: "Quel était le métier de votre grand-père maternel ?" },
    Question { id: 6, text: "Quel est le titre de votre livre préféré ?" },
    Question { id: 7, text: "Dans quelle rue habitiez-vous à dix ans ?" },
];

pub fn find(id: i64) -> Option<Question> {
    QUESTIONS.iter().copied().find(|q| i64::from(q.id) == id)
}

/// The error for a question id that is not in the list.
pub fn unknown() -> crate::DomainError {
    crate::DomainError::InvalidField {
        field: "question_id",
        message: crate::texts::UNKNOWN_QUESTION.into(),
    }
}
