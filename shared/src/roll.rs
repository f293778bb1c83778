//! The order of electoral lists: shards by initial, then folded names. Stores partition the
//! lists this way and cursors name a shard, so it belongs to the domain, not to one adapter.

use crate::validate::fold;

/// Shards of an electoral list: one per initial letter, so that no partition holds a whole
/// ministry-wide ballot, and the list still reads in alphabetical order shard after shard.
pub const ROLL_SHARDS: &[char] = &[
    'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P', 'Q', 'R', 'S',
    'T', 'U', 'V', 'W', 'X', 'Y', 'Z', '_',
];

/// The shard of a last name: its first letter without accent, '_' for anything else.
pub fn roll_shard(last_name: &str) -> char {
    let folded = fold(last_name);
    match folded.chars().next().map(|c| c.to_ascii_uppercase()) {
        Some(c) if c.is_ascii_uppercase() => c,
        _ => '_',
    }
}

/// Position of a voter in an electoral list: folded names then the voter id, so that the list reads
/// alphabetically and homonyms stay distinct.
pub fn order_key(last_name: &str, first_name: &str, voter_id: &str) -> String {
    format!("{}#{}#{}", fold(last_name), fold(first_name), voter_id)
}

/// The folded prefix a name search looks for, or `None` when the query holds fewer than two
/// letters or digits: a search by one initial would be a whole shard.
pub fn search_prefix(query: &str) -> Option<String> {
    let folded = fold(query);
    (folded.chars().count() >= 2).then_some(folded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_fold_accents_and_oddities() {
        assert_eq!(roll_shard("Écrivain"), 'E');
        assert_eq!(roll_shard("d'Artagnan"), 'D');
        assert_eq!(roll_shard("Ølsen"), '_');
        assert_eq!(roll_shard(""), '_');
    }

    #[test]
    fn a_search_folds_like_the_list_and_needs_two_characters() {
        assert_eq!(search_prefix("Le Goff").as_deref(), Some("legoff"));
        assert_eq!(search_prefix(" d'Ar").as_deref(), Some("dar"));
        assert_eq!(search_prefix("É"), None);
        assert_eq!(search_prefix("-- '"), None);
        let prefix = search_prefix("ÉLU").unwrap();
        assert!(order_key("Éluard", "Paul", "1").starts_with(&prefix));
        assert_eq!(roll_shard(&prefix), roll_shard("Éluard"));
    }
}
