//! `calendar show|set`: the election's phases, entered and shown in Europe/Paris time.

use anyhow::{anyhow, bail, Context, Result};
use chrono::{DateTime, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::Paris;
use shared::calendar::Phase;
use shared::model::Calendar;
use shared::ports::Calendars;
use store_dynamodb::admin::JournalEntry;
use store_dynamodb::DynamoStore;

/// New values of `calendar set`; those left out keep the stored value.
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub activation_opens_at: Option<String>,
    pub claim_deadline: Option<String>,
    pub voting_opens_at: Option<String>,
    pub voting_closes_at: Option<String>,
}

/// An instant written as Paris wall-clock time (`2026-12-01T09:00`, seconds optional, a space
/// instead of `T` accepted) or with an explicit offset (`2026-12-01T09:00:00+01:00`, `...Z`).
/// A time that does not exist in Paris (spring change) is refused, and so is one that exists
/// twice (autumn change) unless its offset is given.
pub fn parse_paris(raw: &str) -> Result<DateTime<Utc>> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Ok(t.with_timezone(&Utc));
    }
    let naive = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
        .ok_or_else(|| anyhow!("date « {raw} » illisible : écrivez AAAA-MM-JJTHH:MM, heure de Paris (par exemple 2026-12-01T09:00)"))?;
    match Paris.from_local_datetime(&naive) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => bail!(
            "« {raw} » existe deux fois à Paris (passage à l'heure d'hiver) : précisez le décalage, {} ou {}",
            a.to_rfc3339(),
            b.to_rfc3339()
        ),
        LocalResult::None => bail!("« {raw} » n'existe pas à Paris (passage à l'heure d'été)"),
    }
}

pub fn paris(t: DateTime<Utc>) -> String {
    t.with_timezone(&Paris).format("%d/%m/%Y %H:%M %Z").to_string()
}

/// The calendar as an administrator reads it.
pub fn describe(calendar: &Calendar, now: DateTime<Utc>) -> Vec<String> {
    let row = |label: &str, t: DateTime<Utc>| {
        format!("  {label:<28} {}  ({})", paris(t), t.format("%Y-%m-%dT%H:%M:%SZ"))
    };
    let phase = match calendar.phase(now) {
        Phase::NotOpen => "portail pas encore ouvert".to_string(),
        Phase::Open if calendar.claims_open(now) => {
            "portail ouvert, réclamations ouvertes".to_string()
        }
        Phase::Open => "portail ouvert, réclamations closes".to_string(),
        Phase::Closed => "scrutin clos, portail fermé".to_string(),
    };
    vec![
        "Calendrier de l'élection (heure de Paris, puis UTC) :".to_string(),
        row("ouverture des activations", calendar.activation_opens_at),
        row("clôture des réclamations", calendar.claim_deadline),
        row("ouverture du vote", calendar.voting_opens_at),
        row("clôture du vote", calendar.voting_closes_at),
        format!("Phase actuelle : {phase}"),
    ]
}

fn rfc(t: DateTime<Utc>) -> String {
    t.with_timezone(&Paris).to_rfc3339()
}

pub async fn show(store: &DynamoStore) -> Result<()> {
    match store.calendar().await.context("lecture du calendrier")? {
        Some(c) => describe(&c, Utc::now()).iter().for_each(|l| println!("{l}")),
        None => println!("Aucun calendrier enregistré : le portail refuse toute demande tant qu'il n'y en a pas (calendar set)."),
    }
    Ok(())
}

/// The order of the phases an election follows: the voter spaces open, the claims on the lists
/// close, then the vote opens and closes. Claims are about the lists the vote uses, so they must
/// close no later than the vote opens; the domain's own check
/// ([`Calendar::validate`]) is looser and stays the functions' guard.
pub fn check_order(calendar: &Calendar) -> Result<()> {
    let steps = [
        ("ouverture des activations", calendar.activation_opens_at),
        ("clôture des réclamations", calendar.claim_deadline),
        ("ouverture du vote", calendar.voting_opens_at),
        ("clôture du vote", calendar.voting_closes_at),
    ];
    for pair in steps.windows(2) {
        let ((before, a), (after, b)) = (pair[0], pair[1]);
        let wrong = if before == "ouverture du vote" { a >= b } else { a > b };
        if wrong {
            bail!(
                "calendrier refusé, dates dans le désordre : {before} ({}) doit précéder {after} ({}). \
                 L'ordre attendu : ouverture des activations ≤ clôture des réclamations ≤ ouverture du vote < clôture du vote",
                paris(a),
                paris(b)
            );
        }
    }
    calendar.validate().map_err(|e| anyhow!("calendrier refusé : {e}"))
}

/// Applies `changes` to the stored calendar, checks the order of the dates and stores the result
/// with a journal line. Functions see it once their cached copy expires (`CALENDAR_CACHE_SECS`).
pub async fn set(store: &DynamoStore, changes: &Changes, operator: &str) -> Result<Calendar> {
    let parse = |v: &Option<String>| v.as_deref().map(parse_paris).transpose();
    let (a, c, vo, vc) = (
        parse(&changes.activation_opens_at)?,
        parse(&changes.claim_deadline)?,
        parse(&changes.voting_opens_at)?,
        parse(&changes.voting_closes_at)?,
    );
    if a.is_none() && c.is_none() && vo.is_none() && vc.is_none() {
        bail!("rien à changer : donnez au moins une date (--activation-opens, --claim-deadline, --voting-opens, --voting-closes)");
    }
    let old = store.calendar().await.context("lecture du calendrier")?;
    let new = match old {
        Some(old) => Calendar {
            activation_opens_at: a.unwrap_or(old.activation_opens_at),
            claim_deadline: c.unwrap_or(old.claim_deadline),
            voting_opens_at: vo.unwrap_or(old.voting_opens_at),
            voting_closes_at: vc.unwrap_or(old.voting_closes_at),
        },
        None => match (a, c, vo, vc) {
            (Some(a), Some(c), Some(vo), Some(vc)) => Calendar {
                activation_opens_at: a,
                claim_deadline: c,
                voting_opens_at: vo,
                voting_closes_at: vc,
            },
            _ => bail!("aucun calendrier enregistré : donnez les quatre dates"),
        },
    };
    check_order(&new)?;
    let detail = match old {
        Some(o) => format!(
            "avant : {} / {} / {} / {} ; après : {} / {} / {} / {}",
            rfc(o.activation_opens_at),
            rfc(o.claim_deadline),
            rfc(o.voting_opens_at),
            rfc(o.voting_closes_at),
            rfc(new.activation_opens_at),
            rfc(new.claim_deadline),
            rfc(new.voting_opens_at),
            rfc(new.voting_closes_at)
        ),
        None => format!(
            "premier calendrier : {} / {} / {} / {}",
            rfc(new.activation_opens_at),
            rfc(new.claim_deadline),
            rfc(new.voting_opens_at),
            rfc(new.voting_closes_at)
        ),
    };
    let entry = JournalEntry::new(operator, "calendar-set", "calendrier", detail);
    store.put_calendar_logged(&new, &entry).await.context("écriture du calendrier")?;
    Ok(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paris_wall_clock_is_converted_to_utc() {
        // winter time: UTC+1
        assert_eq!(
            parse_paris("2026-12-01T09:00").unwrap(),
            Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap()
        );
        // summer time: UTC+2
        assert_eq!(
            parse_paris("2026-10-13 09:00:30").unwrap(),
            Utc.with_ymd_and_hms(2026, 10, 13, 7, 0, 30).unwrap()
        );
        // an explicit offset wins
        assert_eq!(
            parse_paris("2026-12-01T09:00:00Z").unwrap(),
            Utc.with_ymd_and_hms(2026, 12, 1, 9, 0, 0).unwrap()
        );
    }

    fn example() -> Calendar {
        Calendar {
            activation_opens_at: parse_paris("2026-10-13T09:00").unwrap(),
            claim_deadline: parse_paris("2026-11-20T17:00").unwrap(),
            voting_opens_at: parse_paris("2026-12-01T09:00").unwrap(),
            voting_closes_at: parse_paris("2026-12-08T17:00").unwrap(),
        }
    }

    #[test]
    fn phases_must_follow_each_other() {
        assert!(check_order(&example()).is_ok());
        // claims may close when the vote opens, not after
        let at_opening = Calendar { claim_deadline: example().voting_opens_at, ..example() };
        assert!(check_order(&at_opening).is_ok());
        let refused = [
            // claims closing on 21 December, after the vote opened on the 11th
            Calendar {
                claim_deadline: parse_paris("2026-12-21T17:00").unwrap(),
                voting_opens_at: parse_paris("2026-12-11T09:00").unwrap(),
                voting_closes_at: parse_paris("2026-12-30T17:00").unwrap(),
                ..example()
            },
            Calendar { claim_deadline: parse_paris("2026-10-12T17:00").unwrap(), ..example() },
            Calendar { voting_closes_at: example().voting_opens_at, ..example() },
            Calendar { voting_closes_at: parse_paris("2026-11-30T17:00").unwrap(), ..example() },
        ];
        for calendar in refused {
            let error = check_order(&calendar).unwrap_err().to_string();
            assert!(error.contains("dans le désordre"), "{error}");
        }
    }

    #[test]
    fn the_demo_calendar_is_in_order_on_round_paris_hours() {
        let demo = crate::demo::calendar();
        check_order(&demo).unwrap();
        let now = Utc::now();
        assert!(demo.activation_opens_at < now && now < demo.claim_deadline, "claims open today");
        assert!(now < demo.voting_opens_at, "the vote is still to come");
        for t in [
            demo.activation_opens_at,
            demo.claim_deadline,
            demo.voting_opens_at,
            demo.voting_closes_at,
        ] {
            let local = t.with_timezone(&Paris);
            assert_eq!(local.format("%M:%S").to_string(), "00:00", "{local}");
        }
    }

    #[test]
    fn missing_and_doubled_hours_are_refused() {
        assert!(parse_paris("2026-03-29T02:30").unwrap_err().to_string().contains("n'existe pas"));
        assert!(parse_paris("2026-10-25T02:30").unwrap_err().to_string().contains("deux fois"));
        assert!(parse_paris("2026-10-25T02:30:00+02:00").is_ok());
        assert!(parse_paris("1er décembre").is_err());
    }
}
