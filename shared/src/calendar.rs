//! Phases of the election, derived from the stored calendar. Every function checks the phase it
//! belongs to; instants are shown to voters in Europe/Paris.

use chrono::{DateTime, Utc};
use chrono_tz::Europe::Paris;
use serde::Serialize;

use crate::error::DomainError;
use crate::model::Calendar;
use crate::texts;

pub const TIMEZONE: &str = "Europe/Paris";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    NotOpen,
    Open,
    Closed,
}

/// What a function needs the calendar to allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// Activation, login, réassort, consulting the ballots: from the opening to the close of voting.
    PortalOpen,
    /// Filing a claim: from the opening to the claim deadline.
    ClaimsOpen,
}

/// A date as a voter reads it: "13/10/2026 à 09:00 (heure de Paris)".
pub fn paris(t: DateTime<Utc>) -> String {
    t.with_timezone(&Paris).format("%d/%m/%Y à %H:%M (heure de Paris)").to_string()
}

/// RFC 3339 with the Paris offset, for the API.
pub fn paris_rfc3339(t: DateTime<Utc>) -> String {
    t.with_timezone(&Paris).to_rfc3339()
}

impl Calendar {
    pub fn phase(&self, now: DateTime<Utc>) -> Phase {
        if now < self.activation_opens_at {
            Phase::NotOpen
        } else if now < self.voting_closes_at {
            Phase::Open
        } else {
            Phase::Closed
        }
    }

    pub fn claims_open(&self, now: DateTime<Utc>) -> bool {
        self.phase(now) == Phase::Open && now < self.claim_deadline
    }

    /// Ok when `need` is met at `now`, else the voter-facing reason.
    pub fn require(&self, need: Need, now: DateTime<Utc>) -> Result<(), DomainError> {
        match self.phase(now) {
            Phase::NotOpen => Err(DomainError::PhaseClosed(texts::portal_opens_on(&paris(
                self.activation_opens_at,
            )))),
            Phase::Closed => Err(DomainError::PhaseClosed(texts::portal_closed_since(&paris(
                self.voting_closes_at,
            )))),
            Phase::Open if need == Need::ClaimsOpen && now >= self.claim_deadline => Err(
                DomainError::PhaseClosed(texts::claims_closed_since(&paris(self.claim_deadline))),
            ),
            Phase::Open => Ok(()),
        }
    }

    /// A calendar is coherent when its instants come in order.
    pub fn validate(&self) -> Result<(), String> {
        if !(self.activation_opens_at <= self.claim_deadline
            && self.activation_opens_at <= self.voting_opens_at
            && self.voting_opens_at < self.voting_closes_at
            && self.claim_deadline <= self.voting_closes_at)
        {
            return Err("dates out of order: activation ≤ claim deadline ≤ voting close, activation ≤ voting open < voting close".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn cal() -> Calendar {
        Calendar {
            activation_opens_at: Utc.with_ymd_and_hms(2026, 10, 13, 7, 0, 0).unwrap(),
            claim_deadline: Utc.with_ymd_and_hms(2026, 11, 20, 16, 0, 0).unwrap(),
            voting_opens_at: Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap(),
            voting_closes_at: Utc.with_ymd_and_hms(2026, 12, 8, 16, 0, 0).unwrap(),
        }
    }

    #[test]
    fn phases_follow_the_calendar() {
        let c = cal();
        assert!(c.validate().is_ok());
        assert_eq!(c.phase(Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap()), Phase::NotOpen);
        assert_eq!(c.phase(Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap()), Phase::Open);
        assert_eq!(c.phase(Utc.with_ymd_and_hms(2026, 12, 9, 0, 0, 0).unwrap()), Phase::Closed);
        let after_deadline = Utc.with_ymd_and_hms(2026, 11, 25, 0, 0, 0).unwrap();
        assert!(c.require(Need::PortalOpen, after_deadline).is_ok());
        assert!(c.require(Need::ClaimsOpen, after_deadline).is_err());
    }

    #[test]
    fn dates_are_shown_in_paris_time() {
        // 7:00 UTC is 9:00 in Paris in October (summer time)
        assert_eq!(paris(cal().activation_opens_at), "13/10/2026 à 09:00 (heure de Paris)");
        // 16:00 UTC is 17:00 in December (winter time)
        assert_eq!(paris(cal().voting_closes_at), "08/12/2026 à 17:00 (heure de Paris)");
    }
}
