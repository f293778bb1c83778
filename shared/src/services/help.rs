//! `GET /api/help` (served by `activate`): the texts of the help page, cached like the calendar;
//! the shipped defaults while the administration has loaded none, or when the store cannot be
//! read (the help page is the one a voter in trouble needs most).

use std::sync::Arc;

use super::cache::TtlCache;
use super::Wiring;
use crate::help::{self, HelpTexts};
use crate::ports::HelpPages;

pub struct HelpDesk {
    pages: Arc<dyn HelpPages>,
    cache: TtlCache<(), HelpTexts>,
}

impl HelpDesk {
    pub fn new<S: HelpPages + 'static>(w: &Wiring<S>) -> Self {
        HelpDesk { pages: w.store.clone(), cache: TtlCache::new(w.config.calendar_cache) }
    }

    pub async fn texts(&self) -> HelpTexts {
        if let Some(texts) = self.cache.get(&()) {
            return texts;
        }
        match self.pages.help_texts().await {
            Ok(Some(texts)) => {
                self.cache.insert((), texts.clone());
                texts
            }
            Ok(None) => {
                let texts = help::defaults();
                self.cache.insert((), texts.clone());
                texts
            }
            Err(e) => {
                // Not cached: the next request reads the store again.
                tracing::warn!(error = %e, "help texts not readable, the defaults served");
                help::defaults()
            }
        }
    }
}
