//! The voter's notice (R211-553): who it is for, their voting code, their scrutins, how and when
//! to vote. Every French text of the notices is here.

use std::fmt::Write as _;

use anyhow::{anyhow, Result};
use chrono::{Datelike, NaiveDateTime, Timelike, Weekday};

use super::files::NoticeSettings;

pub const DEFAULT_TITLE: &str = "Élections professionnelles";

/// Printed at the head of every notice made from a demo seed.
pub const DEMO_BANNER: &str =
    "*** DÉMONSTRATION — CODE FICTIF, SANS VALEUR POUR UNE ÉLECTION RÉELLE ***";

/// A notice after a reissue says so.
pub const REISSUE_BANNER: &str =
    "NOUVEAU CODE DE VOTE — il remplace le précédent, qui n'est plus accepté.";

/// Paris wall-clock time as the administration's calendar takes it (`2026-12-01T09:00`,
/// seconds optional).
pub fn parse_paris(raw: &str) -> Result<NaiveDateTime> {
    let raw = raw.trim();
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
        .ok_or_else(|| {
            anyhow!("date « {raw} » illisible : écrivez AAAA-MM-JJTHH:MM, heure de Paris (par exemple 2026-12-01T09:00)")
        })
}

const MONTHS: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

fn weekday(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "lundi",
        Weekday::Tue => "mardi",
        Weekday::Wed => "mercredi",
        Weekday::Thu => "jeudi",
        Weekday::Fri => "vendredi",
        Weekday::Sat => "samedi",
        Weekday::Sun => "dimanche",
    }
}

/// `mardi 1er décembre 2026 à 9 h 00`.
pub fn french_date(t: &NaiveDateTime) -> String {
    let day = match t.day() {
        1 => "1er".to_string(),
        d => d.to_string(),
    };
    format!(
        "{} {day} {} {} à {} h {:02}",
        weekday(t.weekday()),
        MONTHS[t.month0() as usize],
        t.year(),
        t.hour(),
        t.minute()
    )
}

/// What one notice is about.
pub struct NoticeFor<'a> {
    pub voter_id: &'a str,
    pub civility: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub scrutins: &'a [String],
    /// In four groups of four.
    pub code: &'a str,
    pub demo: bool,
    pub reissue: bool,
}

/// The text of one notice, ready to print (UTF-8, lines under 80 columns but for long names).
pub fn render(settings: &NoticeSettings, n: &NoticeFor) -> String {
    let mut s = String::new();
    if n.demo {
        let _ = writeln!(s, "{DEMO_BANNER}\n");
    }
    let _ = writeln!(s, "{}", settings.title);
    let _ = writeln!(s, "NOTICE DE VOTE — PERSONNELLE ET CONFIDENTIELLE\n");
    if n.reissue {
        let _ = writeln!(s, "{REISSUE_BANNER}\n");
    }
    let _ = writeln!(s, "{} {} {}", n.civility, n.first_name, n.last_name);
    let _ = writeln!(s, "Identifiant d'électeur : {}\n", n.voter_id);
    let _ = writeln!(s, "Votre code de vote :\n");
    let _ = writeln!(s, "        {}\n", n.code);
    let _ = writeln!(
        s,
        "Ce code est personnel : ne le communiquez à personne. Il ne remplace pas\n\
         votre mot de passe Élections, que vous créez vous-même sur l'espace électeur,\n\
         et aucun service ne vous le demandera, ni par courriel ni par téléphone.\n"
    );
    let _ = writeln!(
        s,
        "Vous votez {} :",
        if n.scrutins.len() == 1 { "au scrutin suivant" } else { "aux scrutins suivants" }
    );
    for id in n.scrutins {
        match settings.scrutin_names.get(id) {
            Some(name) => {
                let _ = writeln!(s, "  - {name} ({id})");
            }
            None => {
                let _ = writeln!(s, "  - {id}");
            }
        }
    }
    let _ = writeln!(s);
    let opens = settings.opens.as_deref().and_then(|t| parse_paris(t).ok());
    let closes = settings.closes.as_deref().and_then(|t| parse_paris(t).ok());
    let _ = writeln!(s, "Quand voter :");
    match (opens, closes) {
        (Some(o), Some(c)) => {
            let _ =
                writeln!(s, "  du {}\n  au {} (heure de Paris).", french_date(&o), french_date(&c));
        }
        (Some(o), None) => {
            let _ = writeln!(s, "  à partir du {} (heure de Paris).", french_date(&o));
        }
        (None, Some(c)) => {
            let _ = writeln!(s, "  jusqu'au {} (heure de Paris).", french_date(&c));
        }
        (None, None) => {
            let _ = writeln!(s, "  pendant la période de vote annoncée sur l'espace électeur.");
        }
    }
    let _ = writeln!(s, "\nComment voter :");
    let _ = match &settings.portal {
        Some(url) => writeln!(s, "  1. Connectez-vous à l'espace électeur,\n       {url}"),
        None => writeln!(s, "  1. Connectez-vous à l'espace électeur"),
    };
    let _ = writeln!(
        s,
        "     avec votre identifiant et votre mot de passe Élections.\n  \
         2. Pour chaque scrutin, choisissez une liste de candidats ou le vote blanc.\n  \
         3. Saisissez ce code de vote : votre bulletin est chiffré sur votre appareil.\n     \
         Un numéro de suivi s'affiche : notez-le, il vous permet de retrouver votre\n     \
         bulletin sur le tableau public de l'urne. Puis validez : ce vote est définitif.\n"
    );
    let _ = writeln!(
        s,
        "Le même code sert pour chacun de vos scrutins ; chaque scrutin se valide à part.\n\
         Code perdu ? Tant que vous n'avez pas voté, demandez-en un nouveau depuis\n\
         l'espace électeur (votre question défi, puis votre messagerie) : le code\n\
         précédent ne sera plus accepté."
    );
    s
}

/// The separator between two notices of the printable file: a page break.
pub const PAGE_BREAK: &str = "\x0c";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_written_in_french() {
        let t = parse_paris("2026-12-01T09:00").unwrap();
        assert_eq!(french_date(&t), "mardi 1er décembre 2026 à 9 h 00");
        let t = parse_paris("2026-12-08 17:30").unwrap();
        assert_eq!(french_date(&t), "mardi 8 décembre 2026 à 17 h 30");
        assert!(parse_paris("08/12/2026").is_err());
    }
}
