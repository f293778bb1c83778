//! `electeur-admin mail`: the outbox as the administration follows it. `status` counts the mails
//! by state and purpose and gives the delay from the request to SES's acceptance (percentiles);
//! `failed` lists the mails given up, with why; `bouncing` the addresses SES reported, to be
//! corrected on the roll before opening day.

use std::collections::BTreeMap;

use shared::outbox::{Bounce, OutboxItem, OutboxStatus};

/// The delay percentiles of the mails sent, in milliseconds: (p50, p90, p99, max).
pub fn delay_percentiles(items: &[OutboxItem]) -> Option<(i64, i64, i64, i64)> {
    let mut delays: Vec<i64> =
        items.iter().filter_map(|i| Some(i.accepted_at_ms? - i.asked_at_ms)).collect();
    if delays.is_empty() {
        return None;
    }
    delays.sort_unstable();
    let at =
        |q: f64| delays[((delays.len() as f64 * q).ceil() as usize).clamp(1, delays.len()) - 1];
    Some((at(0.50), at(0.90), at(0.99), *delays.last().expect("not empty")))
}

/// The report of `mail status`.
pub fn status(items: &[OutboxItem], now_ms: i64) -> String {
    let mut counts: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for item in items {
        *counts.entry((item.status.as_str(), item.purpose.as_str())).or_default() += 1;
    }
    let mut out = String::new();
    out.push_str(&format!("{:<10} {:<24} {:>8}\n", "état", "courriel", "nombre"));
    for ((state, purpose), n) in &counts {
        out.push_str(&format!("{state:<10} {purpose:<24} {n:>8}\n"));
    }
    let waiting: Vec<&OutboxItem> = items
        .iter()
        .filter(|i| matches!(i.status, OutboxStatus::Pending | OutboxStatus::Sending))
        .collect();
    let oldest = waiting.iter().map(|i| now_ms - i.asked_at_ms).max();
    out.push_str(&format!(
        "en attente : {} (le plus ancien depuis {})\n",
        waiting.len(),
        oldest.map(|ms| format!("{:.1} s", ms as f64 / 1000.0)).unwrap_or_else(|| "-".into())
    ));
    match delay_percentiles(items) {
        Some((p50, p90, p99, max)) => out.push_str(&format!(
            "délai demande -> acceptation par SES : p50 {p50} ms, p90 {p90} ms, p99 {p99} ms, max {max} ms ({} courriels envoyés)\n",
            items.iter().filter(|i| i.accepted_at_ms.is_some()).count()
        )),
        None => out.push_str("délai demande -> acceptation par SES : aucun courriel envoyé\n"),
    }
    out
}

/// The report of `mail failed`.
pub fn failed(items: &[OutboxItem]) -> String {
    let mut out = String::new();
    let failed: Vec<&OutboxItem> =
        items.iter().filter(|i| i.status == OutboxStatus::Failed).collect();
    for item in &failed {
        out.push_str(&format!(
            "{}  {:<22} électeur {:<12} {:<40} {}\n",
            item.id,
            item.purpose.as_str(),
            item.voter_id,
            item.to,
            item.failure.as_deref().unwrap_or("")
        ));
    }
    out.push_str(&format!("{} courriel(s) en échec\n", failed.len()));
    out
}

/// The report of `mail bouncing`.
pub fn bouncing(bounces: &[Bounce]) -> String {
    let mut out = String::new();
    for b in bounces {
        out.push_str(&format!("{:<40} {:<10} {}\n", b.email, b.kind, b.detail));
    }
    out.push_str(&format!("{} adresse(s) signalée(s) par SES\n", bounces.len()));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::memory::sample_mail;

    fn sent(asked: i64, accepted: Option<i64>) -> OutboxItem {
        let mut item = OutboxItem::pending(&sample_mail("1"));
        item.asked_at_ms = asked;
        item.accepted_at_ms = accepted;
        item.status = if accepted.is_some() { OutboxStatus::Sent } else { OutboxStatus::Pending };
        item
    }

    #[test]
    fn delays_are_read_from_the_mails_sent_only() {
        let mut items: Vec<OutboxItem> = (1..=100).map(|d| sent(1_000, Some(1_000 + d))).collect();
        items.push(sent(5, None));
        assert_eq!(delay_percentiles(&items), Some((50, 90, 99, 100)));
        assert_eq!(delay_percentiles(&[sent(5, None)]), None);
        let report = status(&items, 2_005);
        assert!(report.contains("en attente : 1 (le plus ancien depuis 2.0 s)"), "{report}");
        assert!(report.contains("p50 50 ms, p90 90 ms, p99 99 ms, max 100 ms"), "{report}");
    }
}
