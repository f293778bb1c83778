//! The one configuration struct, read once per cold start from the environment.

use std::time::Duration;

/// Settings every function reads. Defaults are the production values (but for `PORTAL_BASE_URL`,
/// which a deployment always sets); local runs override them through the environment (see
/// `scripts/lib.sh`).
#[derive(Debug, Clone)]
pub struct Config {
    /// DynamoDB table holding every item (`TABLE_NAME`).
    pub table_name: String,
    /// Base URL of the web portal; mail links are built from it and never from request headers
    /// (`PORTAL_BASE_URL`).
    pub portal_base_url: String,
    /// Sender of every mail (`MAIL_FROM`).
    pub mail_from: String,
    /// Optional SES configuration set, for bounce and complaint events (`SES_CONFIGURATION_SET`).
    pub ses_configuration_set: Option<String>,
    /// How long a warm instance trusts its copy of the election calendar (`CALENDAR_CACHE_SECS`).
    pub calendar_cache: Duration,
    /// How long ballots and candidate lists are cached in a warm instance (`BALLOT_CACHE_SECS`).
    pub ballot_cache: Duration,
    /// Validity of an activation link (`ACTIVATION_TOKEN_TTL_SECS`).
    pub activation_token_ttl: Duration,
    /// Validity of a réassort link (`REASSORT_TOKEN_TTL_SECS`).
    pub reassort_token_ttl: Duration,
    /// Session idle timeout (`SESSION_IDLE_SECS`).
    pub session_idle: Duration,
    /// Session absolute lifetime (`SESSION_ABSOLUTE_SECS`).
    pub session_absolute: Duration,
    /// Mails (activation or réassort) one voter may receive in a 24-hour window opened by the first
    /// of them (`MAIL_CAP_PER_DAY`).
    pub mail_cap_per_day: u32,
    /// Failures allowed before delays start, for logins and for secret answers (`FREE_ATTEMPTS`).
    pub free_attempts: u32,
    /// Minimum duration of the answers that must not reveal whether an identifier exists
    /// (`RESPONSE_FLOOR_MS`).
    pub response_floor: Duration,
}

impl Config {
    pub fn from_env() -> Self {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Builds the configuration from any key lookup (the environment, or a map in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Self {
        let secs = |key: &str, default: u64| {
            Duration::from_secs(get(key).and_then(|v| v.trim().parse().ok()).unwrap_or(default))
        };
        let num = |key: &str, default: u32| {
            get(key).and_then(|v| v.trim().parse().ok()).unwrap_or(default)
        };
        Config {
            table_name: get("TABLE_NAME").unwrap_or_else(|| "espace-electeur".into()),
            portal_base_url: get("PORTAL_BASE_URL")
                .unwrap_or_else(|| "http://127.0.0.1:9000".into())
                .trim_end_matches('/')
                .to_string(),
            mail_from: get("MAIL_FROM")
                .unwrap_or_else(|| "ne-pas-repondre@elections.example.fr".into()),
            ses_configuration_set: get("SES_CONFIGURATION_SET").filter(|s| !s.is_empty()),
            calendar_cache: secs("CALENDAR_CACHE_SECS", 30),
            ballot_cache: secs("BALLOT_CACHE_SECS", 300),
            activation_token_ttl: secs("ACTIVATION_TOKEN_TTL_SECS", 48 * 3600),
            reassort_token_ttl: secs("REASSORT_TOKEN_TTL_SECS", 2 * 3600),
            session_idle: secs("SESSION_IDLE_SECS", 30 * 60),
            session_absolute: secs("SESSION_ABSOLUTE_SECS", 8 * 3600),
            mail_cap_per_day: num("MAIL_CAP_PER_DAY", 5),
            free_attempts: num("FREE_ATTEMPTS", 3),
            response_floor: Duration::from_millis(
                get("RESPONSE_FLOOR_MS").and_then(|v| v.trim().parse().ok()).unwrap_or(400),
            ),
        }
    }
}
