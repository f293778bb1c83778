//! Paths of the HTTP API, as the functions match them. The route table that maps them to functions
//! is `[workspace.metadata.lambda.watch.router]` in the root `Cargo.toml`; the tests of
//! `tests/repo-checks` check that [`API`] lists exactly its `/api` routes.

pub const ELECTION: &str = "/api/election";
pub const ACTIVATE: &str = "/api/activate";
pub const TOKEN: &str = "/api/token";
pub const PASSWORD: &str = "/api/password";
pub const ACTIVATE_ACCOUNT: &str = "/api/activate-account";
pub const SKIP_ACTIVATION: &str = "/api/skip-activation";
pub const QUESTIONS: &str = "/api/questions";
pub const REASSORT: &str = "/api/reassort";
pub const REASSORT_CONFIRM: &str = "/api/reassort/confirm";
pub const UNLOCK: &str = "/api/unlock";
pub const UNLOCK_CONFIRM: &str = "/api/unlock/confirm";
pub const SCRUTINS: &str = "/api/scrutins";
/// `/api/scrutins/{id}/electeurs`
pub const ELECTORAL_LIST_SUFFIX: &str = "/electeurs";
pub const CLAIMS: &str = "/api/claims";
pub const ASSISTANCE: &str = "/api/assistance";
pub const HELP: &str = "/api/help";
pub const LOGIN: &str = "/api/login";
pub const SESSION: &str = "/api/session";
pub const LOGOUT: &str = "/api/logout";
pub const VOTE: &str = "/api/vote";
pub const VOTE_STATUS: &str = "/api/vote/status";
pub const VOTE_CODE: &str = "/api/vote/code";
pub const VOTE_ELECTION: &str = "/api/vote/election";
pub const BOARD: &str = "/api/board";
pub const BOARD_FILE: &str = "/api/board/file";

/// Every API route as (method, path template, function).
pub const API: &[(&str, &str, &str)] = &[
    ("GET", ELECTION, "activate"),
    ("POST", ACTIVATE, "activate"),
    ("POST", TOKEN, "set-password"),
    ("POST", PASSWORD, "set-password"),
    ("POST", ACTIVATE_ACCOUNT, "activate-account"),
    ("POST", SKIP_ACTIVATION, "skip-activation"),
    ("GET", QUESTIONS, "reassort"),
    ("POST", REASSORT, "reassort"),
    ("POST", REASSORT_CONFIRM, "reassort"),
    ("POST", UNLOCK, "reassort"),
    ("POST", UNLOCK_CONFIRM, "reassort"),
    ("GET", SCRUTINS, "list-scrutins"),
    ("GET", "/api/scrutins/{id}/electeurs", "list-scrutins"),
    ("POST", CLAIMS, "submit-claim"),
    ("POST", ASSISTANCE, "submit-claim"),
    ("GET", HELP, "activate"),
    ("POST", LOGIN, "login"),
    ("GET", SESSION, "login"),
    ("POST", LOGOUT, "logout"),
    ("POST", VOTE, "cast-vote"),
    ("GET", VOTE_STATUS, "cast-vote"),
    ("POST", VOTE_CODE, "cast-vote"),
    ("GET", VOTE_ELECTION, "board"),
    ("GET", BOARD, "board"),
    ("GET", BOARD_FILE, "board"),
];

/// The ballot id of `/api/scrutins/{id}/electeurs`, when the path is one.
pub fn electoral_list_scrutin(path: &str) -> Option<&str> {
    path.strip_prefix(SCRUTINS)?
        .strip_prefix('/')?
        .strip_suffix(ELECTORAL_LIST_SUFFIX)
        .filter(|id| !id.contains('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn electoral_list_paths_give_their_ballot() {
        assert_eq!(electoral_list_scrutin("/api/scrutins/CSA-MEN/electeurs"), Some("CSA-MEN"));
        assert_eq!(electoral_list_scrutin("/api/scrutins/a/b/electeurs"), None);
        assert_eq!(electoral_list_scrutin("/api/scrutins"), None);
    }
}
