//! The one configuration struct, read once per cold start from the environment.

use std::time::Duration;

/// Settings every function reads. Defaults are the production values (but for `PORTAL_BASE_URL`,
/// which a deployment always sets); local runs override them through the environment (see
/// `scripts/lib.sh`).
#[derive(Debug, Clone)]
pub struct Config {
    /// DynamoDB table holding every item (`TABLE_NAME`).
    pub table_name: String,
    /// The urne's table: election record, credential slots and ballots, seal, results
    /// (`URNE_TABLE_NAME`, by default `<TABLE_NAME>-urne`).
    pub urne_table_name: String,
    /// The émargement's table: who voted where, and the turnout counters
    /// (`EMARGEMENT_TABLE_NAME`, by default `<TABLE_NAME>-emargement`).
    pub emargement_table_name: String,
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
    /// Claims one voter may file over the whole election (`CLAIM_CAP`).
    pub claim_cap: u32,
    /// Assistance requests one identifier may send in a sliding 24-hour window
    /// (`ASSISTANCE_CAP_PER_DAY`), whether it is on the roll or not.
    pub assistance_cap_per_day: u32,
    /// Failures allowed before delays start, for logins and for secret answers (`FREE_ATTEMPTS`).
    pub free_attempts: u32,
    /// One failure of a budget is forgiven for each such period without a failure
    /// (`FAILURE_DECAY_SECS`).
    pub failure_decay: Duration,
    /// How long a browser stays trusted after the login or unlock link that made it so
    /// (`DEVICE_TTL_SECS`).
    pub device_ttl: Duration,
    /// Validity of an unlock link (`UNLOCK_TOKEN_TTL_SECS`).
    pub unlock_token_ttl: Duration,
    /// Unlock mails one voter may receive in a 24-hour window opened by the first of them
    /// (`UNLOCK_MAIL_CAP_PER_DAY`), counted apart from the other mails.
    pub unlock_mail_cap_per_day: u32,
    /// Mails one mailer instance hands to SES per second at most (`MAIL_SEND_RATE`).
    pub mail_send_rate: u32,
    /// How long a mailer holds an outbox item it took before another may take it over
    /// (`MAIL_LEASE_SECS`).
    pub mail_lease: Duration,
    /// How long a mailer waits out SES's throttling within one delivery before the stream
    /// delivers the record again (`MAIL_THROTTLE_WAIT_SECS`).
    pub mail_throttle_wait: Duration,
    /// Minimum duration of the answers that must not reveal whether an identifier exists
    /// (`RESPONSE_FLOOR_MS`).
    pub response_floor: Duration,
    /// How long the store keeps each event of a voter's security trail (`AUDIT_RETENTION_SECS`,
    /// 180 days by default: until the appeal period after the vote is over, `docs/security.md`).
    pub audit_retention: Duration,
}

/// A setting of the environment that does not parse, or lies outside its range. A function whose
/// configuration is wrong does not start: a typo must not silently put a security setting back
/// to its default.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("configuration: {variable}={value:?} is not valid: expected {expected}")]
pub struct ConfigError {
    /// The environment variable, e.g. `FREE_ATTEMPTS`.
    pub variable: &'static str,
    /// Its value, as found.
    pub value: String,
    /// What it should be, e.g. `a whole number from 0 to 20`.
    pub expected: String,
}

/// A whole-number setting: its variable, default, accepted range and unit.
struct Number {
    variable: &'static str,
    default: u64,
    min: u64,
    max: u64,
    /// How the value reads, e.g. `seconds`; empty for a count.
    unit: &'static str,
}

const CALENDAR_CACHE_SECS: Number =
    Number { variable: "CALENDAR_CACHE_SECS", default: 30, min: 0, max: 3600, unit: "seconds" };
const BALLOT_CACHE_SECS: Number =
    Number { variable: "BALLOT_CACHE_SECS", default: 300, min: 0, max: DAY, unit: "seconds" };
const ACTIVATION_TOKEN_TTL_SECS: Number = Number {
    variable: "ACTIVATION_TOKEN_TTL_SECS",
    default: 48 * 3600,
    min: 1,
    max: 30 * DAY,
    unit: "seconds",
};
const REASSORT_TOKEN_TTL_SECS: Number = Number {
    variable: "REASSORT_TOKEN_TTL_SECS",
    default: 2 * 3600,
    min: 1,
    max: 30 * DAY,
    unit: "seconds",
};
const SESSION_IDLE_SECS: Number =
    Number { variable: "SESSION_IDLE_SECS", default: 30 * 60, min: 1, max: DAY, unit: "seconds" };
const SESSION_ABSOLUTE_SECS: Number = Number {
    variable: "SESSION_ABSOLUTE_SECS",
    default: 8 * 3600,
    min: 1,
    max: 7 * DAY,
    unit: "seconds",
};
const MAIL_CAP_PER_DAY: Number =
    Number { variable: "MAIL_CAP_PER_DAY", default: 5, min: 1, max: 100, unit: "" };
const CLAIM_CAP: Number = Number { variable: "CLAIM_CAP", default: 10, min: 1, max: 100, unit: "" };
const ASSISTANCE_CAP_PER_DAY: Number =
    Number { variable: "ASSISTANCE_CAP_PER_DAY", default: 3, min: 1, max: 50, unit: "" };
const FREE_ATTEMPTS: Number =
    Number { variable: "FREE_ATTEMPTS", default: 3, min: 0, max: 20, unit: "" };
const FAILURE_DECAY_SECS: Number =
    Number { variable: "FAILURE_DECAY_SECS", default: 6 * 3600, min: 1, max: DAY, unit: "seconds" };
const DEVICE_TTL_SECS: Number = Number {
    variable: "DEVICE_TTL_SECS",
    default: 90 * DAY,
    min: 60,
    max: 400 * DAY,
    unit: "seconds",
};
const UNLOCK_TOKEN_TTL_SECS: Number = Number {
    variable: "UNLOCK_TOKEN_TTL_SECS",
    default: 24 * 3600,
    min: 1,
    max: 7 * DAY,
    unit: "seconds",
};
const UNLOCK_MAIL_CAP_PER_DAY: Number =
    Number { variable: "UNLOCK_MAIL_CAP_PER_DAY", default: 3, min: 1, max: 20, unit: "" };
const MAIL_SEND_RATE: Number =
    Number { variable: "MAIL_SEND_RATE", default: 10, min: 1, max: 1000, unit: "" };
const MAIL_LEASE_SECS: Number =
    Number { variable: "MAIL_LEASE_SECS", default: 60, min: 5, max: 900, unit: "seconds" };
const MAIL_THROTTLE_WAIT_SECS: Number =
    Number { variable: "MAIL_THROTTLE_WAIT_SECS", default: 20, min: 0, max: 600, unit: "seconds" };
/// The response floor's default: about three times the slowest path of the floored routes
/// measured without it (`docs/performance.md`, "The response floor").
pub const DEFAULT_RESPONSE_FLOOR_MS: u64 = 200;
const RESPONSE_FLOOR_MS: Number = Number {
    variable: "RESPONSE_FLOOR_MS",
    default: DEFAULT_RESPONSE_FLOOR_MS,
    min: 0,
    max: 10_000,
    unit: "milliseconds",
};

const AUDIT_RETENTION_SECS: Number = Number {
    variable: "AUDIT_RETENTION_SECS",
    default: crate::audit::DEFAULT_RETENTION_SECS,
    min: DAY,
    max: 3 * 365 * DAY,
    unit: "seconds",
};

const DAY: u64 = 24 * 3600;

/// Every whole-number setting, for the tests.
#[cfg(test)]
const NUMBERS: [&Number; 19] = [
    &CALENDAR_CACHE_SECS,
    &BALLOT_CACHE_SECS,
    &ACTIVATION_TOKEN_TTL_SECS,
    &REASSORT_TOKEN_TTL_SECS,
    &SESSION_IDLE_SECS,
    &SESSION_ABSOLUTE_SECS,
    &MAIL_CAP_PER_DAY,
    &CLAIM_CAP,
    &ASSISTANCE_CAP_PER_DAY,
    &FREE_ATTEMPTS,
    &FAILURE_DECAY_SECS,
    &DEVICE_TTL_SECS,
    &UNLOCK_TOKEN_TTL_SECS,
    &UNLOCK_MAIL_CAP_PER_DAY,
    &MAIL_SEND_RATE,
    &MAIL_LEASE_SECS,
    &MAIL_THROTTLE_WAIT_SECS,
    &RESPONSE_FLOOR_MS,
    &AUDIT_RETENTION_SECS,
];

impl Number {
    /// The value of the setting: the default when it is absent or empty (blanks aside), else a
    /// whole number within the range, or an error naming the variable and the value.
    fn read(&self, get: &impl Fn(&str) -> Option<String>) -> Result<u64, ConfigError> {
        let Some(raw) = get(self.variable) else { return Ok(self.default) };
        let text = raw.trim();
        if text.is_empty() {
            return Ok(self.default);
        }
        match text.parse::<u64>() {
            Ok(value) if (self.min..=self.max).contains(&value) => Ok(value),
            _ => {
                Err(ConfigError { variable: self.variable, value: raw, expected: self.expected() })
            }
        }
    }

    fn expected(&self) -> String {
        let unit = if self.unit.is_empty() { String::new() } else { format!(" of {}", self.unit) };
        format!("a whole number{unit} from {} to {}", self.min, self.max)
    }

    fn secs(&self, get: &impl Fn(&str) -> Option<String>) -> Result<Duration, ConfigError> {
        self.read(get).map(Duration::from_secs)
    }

    fn count(&self, get: &impl Fn(&str) -> Option<String>) -> Result<u32, ConfigError> {
        // Every range of a count fits in u32.
        self.read(get).map(|value| u32::try_from(value).expect("range within u32"))
    }
}

impl Config {
    /// The configuration of the environment, or the first setting that is not valid.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Builds the configuration from any key lookup (the environment, or a map in tests). A
    /// whole-number setting that is absent or empty takes its default; one that does not parse or
    /// lies outside its range is an error.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let table_name = get("TABLE_NAME").unwrap_or_else(|| "espace-electeur".into());
        Ok(Config {
            urne_table_name: get("URNE_TABLE_NAME").unwrap_or_else(|| format!("{table_name}-urne")),
            emargement_table_name: get("EMARGEMENT_TABLE_NAME")
                .unwrap_or_else(|| format!("{table_name}-emargement")),
            table_name,
            portal_base_url: get("PORTAL_BASE_URL")
                .unwrap_or_else(|| "http://127.0.0.1:9000".into())
                .trim_end_matches('/')
                .to_string(),
            mail_from: get("MAIL_FROM")
                .unwrap_or_else(|| "ne-pas-repondre@elections.example.fr".into()),
            ses_configuration_set: get("SES_CONFIGURATION_SET").filter(|s| !s.is_empty()),
            calendar_cache: CALENDAR_CACHE_SECS.secs(&get)?,
            ballot_cache: BALLOT_CACHE_SECS.secs(&get)?,
            activation_token_ttl: ACTIVATION_TOKEN_TTL_SECS.secs(&get)?,
            reassort_token_ttl: REASSORT_TOKEN_TTL_SECS.secs(&get)?,
            session_idle: SESSION_IDLE_SECS.secs(&get)?,
            session_absolute: SESSION_ABSOLUTE_SECS.secs(&get)?,
            mail_cap_per_day: MAIL_CAP_PER_DAY.count(&get)?,
            claim_cap: CLAIM_CAP.count(&get)?,
            assistance_cap_per_day: ASSISTANCE_CAP_PER_DAY.count(&get)?,
            free_attempts: FREE_ATTEMPTS.count(&get)?,
            failure_decay: FAILURE_DECAY_SECS.secs(&get)?,
            device_ttl: DEVICE_TTL_SECS.secs(&get)?,
            unlock_token_ttl: UNLOCK_TOKEN_TTL_SECS.secs(&get)?,
            unlock_mail_cap_per_day: UNLOCK_MAIL_CAP_PER_DAY.count(&get)?,
            mail_send_rate: MAIL_SEND_RATE.count(&get)?,
            mail_lease: MAIL_LEASE_SECS.secs(&get)?,
            mail_throttle_wait: MAIL_THROTTLE_WAIT_SECS.secs(&get)?,
            response_floor: Duration::from_millis(RESPONSE_FLOOR_MS.read(&get)?),
            audit_retention: AUDIT_RETENTION_SECS.secs(&get)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn config(settings: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let settings: HashMap<String, String> =
            settings.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| settings.get(k).cloned())
    }

    #[test]
    fn absent_settings_take_the_defaults() {
        let c = config(&[]).unwrap();
        assert_eq!(c.table_name, "espace-electeur");
        assert_eq!(c.portal_base_url, "http://127.0.0.1:9000");
        assert_eq!(c.mail_from, "ne-pas-repondre@elections.example.fr");
        assert_eq!(c.ses_configuration_set, None);
        assert_eq!(c.calendar_cache, Duration::from_secs(30));
        assert_eq!(c.ballot_cache, Duration::from_secs(300));
        assert_eq!(c.activation_token_ttl, Duration::from_secs(48 * 3600));
        assert_eq!(c.reassort_token_ttl, Duration::from_secs(2 * 3600));
        assert_eq!(c.session_idle, Duration::from_secs(30 * 60));
        assert_eq!(c.session_absolute, Duration::from_secs(8 * 3600));
        assert_eq!(c.mail_cap_per_day, 5);
        assert_eq!(c.free_attempts, 3);
        assert_eq!(c.response_floor, Duration::from_millis(200));
        assert_eq!(c.audit_retention, Duration::from_secs(180 * 86_400));
    }

    #[test]
    fn empty_numeric_settings_take_the_defaults() {
        for number in NUMBERS {
            for empty in ["", "  "] {
                let c = config(&[(number.variable, empty)])
                    .unwrap_or_else(|e| panic!("{}={empty:?}: {e}", number.variable));
                let defaults = config(&[]).unwrap();
                assert_eq!(
                    format!("{c:?}"),
                    format!("{defaults:?}"),
                    "{}={empty:?}",
                    number.variable
                );
            }
        }
    }

    #[test]
    fn valid_values_parse() {
        let c = config(&[
            ("TABLE_NAME", "elections-2026"),
            ("PORTAL_BASE_URL", "https://elections.example.fr/"),
            ("MAIL_FROM", "bureau@example.fr"),
            ("SES_CONFIGURATION_SET", "portail"),
            ("CALENDAR_CACHE_SECS", "0"),
            ("BALLOT_CACHE_SECS", " 60 "),
            ("ACTIVATION_TOKEN_TTL_SECS", "86400"),
            ("REASSORT_TOKEN_TTL_SECS", "3600"),
            ("SESSION_IDLE_SECS", "600"),
            ("SESSION_ABSOLUTE_SECS", "7200"),
            ("MAIL_CAP_PER_DAY", "2"),
            ("FREE_ATTEMPTS", "0"),
            ("RESPONSE_FLOOR_MS", "250"),
        ])
        .unwrap();
        assert_eq!(c.table_name, "elections-2026");
        assert_eq!(c.portal_base_url, "https://elections.example.fr");
        assert_eq!(c.mail_from, "bureau@example.fr");
        assert_eq!(c.ses_configuration_set.as_deref(), Some("portail"));
        assert_eq!(c.calendar_cache, Duration::ZERO);
        assert_eq!(c.ballot_cache, Duration::from_secs(60));
        assert_eq!(c.activation_token_ttl, Duration::from_secs(86400));
        assert_eq!(c.reassort_token_ttl, Duration::from_secs(3600));
        assert_eq!(c.session_idle, Duration::from_secs(600));
        assert_eq!(c.session_absolute, Duration::from_secs(7200));
        assert_eq!(c.mail_cap_per_day, 2);
        assert_eq!(c.free_attempts, 0);
        assert_eq!(c.response_floor, Duration::from_millis(250));
    }

    #[test]
    fn the_bounds_of_each_range_are_accepted() {
        for number in NUMBERS {
            for bound in [number.min, number.max] {
                let value = bound.to_string();
                assert!(
                    config(&[(number.variable, &value)]).is_ok(),
                    "{}={value} must be accepted",
                    number.variable
                );
            }
        }
    }

    #[test]
    fn every_numeric_setting_rejects_garbage() {
        for number in NUMBERS {
            let below = number.min.checked_sub(1).map(|v| v.to_string());
            let above = (number.max + 1).to_string();
            let garbage =
                ["abc", "-5", "lots", "1.5", "12s", "0x10", "1e3", "3 4", "99999999999999999999"];
            for value in garbage.iter().copied().chain(below.as_deref()).chain([above.as_str()]) {
                let error = config(&[(number.variable, value)])
                    .expect_err(&format!("{}={value:?} must be refused", number.variable));
                assert_eq!(error.variable, number.variable);
                assert_eq!(error.value, value);
                let message = error.to_string();
                assert!(
                    message.contains(number.variable) && message.contains(value),
                    "the message names the variable and the value: {message}"
                );
            }
        }
    }

    #[test]
    fn the_message_says_what_is_expected() {
        let error = config(&[("SESSION_IDLE_SECS", "-5")]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "configuration: SESSION_IDLE_SECS=\"-5\" is not valid: expected a whole number of \
             seconds from 1 to 86400"
        );
        let error = config(&[("FREE_ATTEMPTS", "abc")]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "configuration: FREE_ATTEMPTS=\"abc\" is not valid: expected a whole number from 0 to 20"
        );
        let error = config(&[("RESPONSE_FLOOR_MS", "lots")]).unwrap_err();
        assert!(error.to_string().contains("of milliseconds from 0 to 10000"), "{error}");
    }
}
