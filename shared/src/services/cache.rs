//! The one time-limited cache of the services: a warm instance keeps what hardly changes during
//! the election (the calendar, ballots, first pages of electoral lists) for a configured time, so
//! that the voter's request does not read DynamoDB for it. A zero lifetime turns caching off.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct TtlCache<K, V> {
    ttl: Duration,
    entries: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    pub fn new(ttl: Duration) -> Self {
        TtlCache { ttl, entries: Mutex::new(HashMap::new()) }
    }

    /// The value kept for `key`, unless caching is off or it is older than the lifetime.
    pub fn get(&self, key: &K) -> Option<V> {
        self.get_at(key, Instant::now())
    }

    pub fn insert(&self, key: K, value: V) {
        self.insert_at(key, value, Instant::now());
    }

    fn get_at(&self, key: &K, now: Instant) -> Option<V> {
        if self.ttl.is_zero() {
            return None;
        }
        let entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match entries.get(key) {
            Some((at, value)) if now.saturating_duration_since(*at) < self.ttl => {
                Some(value.clone())
            }
            _ => None,
        }
    }

    fn insert_at(&self, key: K, value: V, now: Instant) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        entries.insert(key, (now, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_is_kept_for_its_lifetime_then_dropped() {
        let cache = TtlCache::new(Duration::from_secs(30));
        let start = Instant::now();
        cache.insert_at("calendar", 1, start);
        assert_eq!(cache.get_at(&"calendar", start + Duration::from_secs(29)), Some(1));
        assert_eq!(cache.get_at(&"calendar", start + Duration::from_secs(30)), None);
    }

    #[test]
    fn a_zero_lifetime_keeps_nothing() {
        let cache = TtlCache::new(Duration::ZERO);
        cache.insert("ballot", 7);
        assert_eq!(cache.get(&"ballot"), None);
    }

    #[test]
    fn keys_are_independent_and_a_newer_value_replaces_the_older() {
        let cache = TtlCache::new(Duration::from_secs(60));
        let start = Instant::now();
        cache.insert_at("a", 1, start);
        cache.insert_at("b", 2, start);
        cache.insert_at("a", 3, start + Duration::from_secs(50));
        assert_eq!(cache.get_at(&"a", start + Duration::from_secs(100)), Some(3));
        assert_eq!(cache.get_at(&"b", start + Duration::from_secs(100)), None);
        assert_eq!(cache.get_at(&"missing", start), None);
    }
}
