//! The election calendar as the services see it: read once per cache lifetime, and the phase
//! checks every use case starts with.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::cache::TtlCache;
use super::Wiring;
use crate::calendar::{paris_rfc3339, Need, TIMEZONE};
use crate::error::DomainError;
use crate::model::Calendar;
use crate::ports::{Calendars, Clock};
use crate::texts;
use crate::views::{CalendarView, ElectionView};

pub struct Election {
    calendars: Arc<dyn Calendars>,
    clock: Arc<dyn Clock>,
    cache: TtlCache<(), Calendar>,
}

impl Election {
    pub fn new<S: Calendars + 'static>(w: &Wiring<S>) -> Self {
        Election {
            calendars: w.store.clone(),
            clock: w.clock.clone(),
            cache: TtlCache::new(w.config.calendar_cache),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub async fn calendar(&self) -> Result<Calendar, DomainError> {
        if let Some(cal) = self.cache.get(&()) {
            return Ok(cal);
        }
        let cal = self
            .calendars
            .calendar()
            .await?
            .ok_or_else(|| DomainError::PhaseClosed(texts::CALENDAR_NOT_PUBLISHED.into()))?;
        self.cache.insert((), cal);
        Ok(cal)
    }

    pub async fn require(&self, need: Need) -> Result<(), DomainError> {
        self.calendar().await?.require(need, self.now())
    }

    /// `GET /api/election`: the phase and the dates, in Paris time.
    pub async fn view(&self) -> Result<ElectionView, DomainError> {
        let cal = self.calendar().await?;
        let now = self.now();
        Ok(ElectionView {
            phase: cal.phase(now),
            claims_open: cal.claims_open(now),
            calendar: CalendarView {
                activation_opens_at: paris_rfc3339(cal.activation_opens_at),
                claim_deadline: paris_rfc3339(cal.claim_deadline),
                voting_opens_at: paris_rfc3339(cal.voting_opens_at),
                voting_closes_at: paris_rfc3339(cal.voting_closes_at),
            },
            timezone: TIMEZONE,
        })
    }
}
