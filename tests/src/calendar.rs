//! The election calendar is global: a test that needs another phase sets it through a guard
//! that puts the saved one back when dropped, on failure too. Such tests run one at a time
//! ([`crate::one_at_a_time`]), in a binary of their own.

use shared::model::Calendar;
use shared::ports::{Calendars, Roll};

use crate::voters::store;

/// Sets the calendar for one test and restores the saved one when dropped, on failure too.
pub struct CalendarGuard {
    saved: Calendar,
}

impl CalendarGuard {
    pub async fn set(calendar: Calendar) -> CalendarGuard {
        let store = store().await;
        let saved = store
            .calendar()
            .await
            .expect("reading the calendar")
            .expect("the local stack loads an election calendar before the tests");
        store.put_calendar(&calendar).await.expect("writing the calendar");
        CalendarGuard { saved }
    }
}

impl Drop for CalendarGuard {
    fn drop(&mut self) {
        let saved = self.saved;
        // Drop cannot await: restore from a runtime of its own, on a thread of its own.
        let restored = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                store().await.put_calendar(&saved).await.map_err(|e| format!("{e:?}"))
            })
        })
        .join();
        match restored {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("could not restore the election calendar: {e}"),
            Err(_) => {
                eprintln!("could not restore the election calendar: the restoring thread panicked")
            }
        }
    }
}
