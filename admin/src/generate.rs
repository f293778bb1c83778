//! `generate`: a synthetic election in the import's CSV format, for rehearsals and for measuring
//! the import. Names are drawn from the demo's lists; identifiers are unique by construction.

use std::path::Path;

use anyhow::{Context, Result};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use shared::validate::fold;

use crate::demo::{FIRST_NAMES, LAST_NAMES};

const ACADEMIES: &[&str] =
    &["versailles", "creteil", "paris", "lyon", "lille", "bordeaux", "rennes", "toulouse"];
const CORPS: &[(&str, &str)] = &[
    ("CAPN-CERTIFIES", "Commission administrative paritaire nationale des professeurs certifiés"),
    ("CAPN-AGREGES", "Commission administrative paritaire nationale des professeurs agrégés"),
    (
        "CAPN-PLP",
        "Commission administrative paritaire nationale des professeurs de lycée professionnel",
    ),
    ("CAPN-PE", "Commission administrative paritaire nationale des professeurs des écoles"),
    ("CCP-AESH", "Commission consultative paritaire des AESH"),
];
const ORGANISATIONS: &[&str] =
    &["UNSA Éducation", "FSU", "SGEN-CFDT", "FO", "SNALC", "CGT Éduc'action", "SUD Éducation"];

/// Writes `scrutins.csv`, `lists.csv`, `candidates.csv` and `voters.csv` into `dir`; returns
/// the number of ballots.
pub fn write(dir: &Path, voters: usize, seed: u64) -> Result<usize> {
    std::fs::create_dir_all(dir).with_context(|| format!("création de {}", dir.display()))?;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut ballots: Vec<(String, String)> = vec![(
        "CSA-MEN".into(),
        "Comité social d'administration ministériel de l'éducation nationale".into(),
    )];
    for a in ACADEMIES {
        ballots.push((
            format!("CSA-ACA-{}", a.to_uppercase()),
            format!("Comité social d'administration de l'académie de {}", capitalise(a)),
        ));
    }
    for (id, name) in CORPS {
        ballots.push((id.to_string(), name.to_string()));
    }

    let mut s = csv::Writer::from_path(dir.join("scrutins.csv"))?;
    s.write_record(["scrutin_id", "name", "description"])?;
    let mut l = csv::Writer::from_path(dir.join("lists.csv"))?;
    l.write_record(["list_id", "scrutin_id", "order", "name", "organisation"])?;
    let mut c = csv::Writer::from_path(dir.join("candidates.csv"))?;
    c.write_record(["list_id", "rank", "civility", "first_name", "last_name"])?;
    for (i, (id, name)) in ballots.iter().enumerate() {
        s.write_record([id.as_str(), name, "Scrutin de démonstration généré."])?;
        for order in 1..=(3 + i % 5) {
            let org = ORGANISATIONS[(i + order) % ORGANISATIONS.len()];
            let list_id = format!("{id}-L{order}");
            l.write_record([
                list_id.as_str(),
                id,
                &order.to_string(),
                &format!("Liste {org}"),
                org,
            ])?;
            for rank in 1..=6 {
                let (first, civility) = FIRST_NAMES[rng.gen_range(0..FIRST_NAMES.len())];
                let last = LAST_NAMES[rng.gen_range(0..LAST_NAMES.len())];
                c.write_record([
                    list_id.as_str(),
                    &rank.to_string(),
                    civility.as_str(),
                    first,
                    last,
                ])?;
            }
        }
    }
    s.flush()?;
    l.flush()?;
    c.flush()?;

    let mut v = csv::Writer::from_path(dir.join("voters.csv"))?;
    v.write_record(["voter_id", "email", "civility", "first_name", "last_name", "scrutins"])?;
    for i in 0..voters {
        let (first, civility) = FIRST_NAMES[rng.gen_range(0..FIRST_NAMES.len())];
        let last = LAST_NAMES[rng.gen_range(0..LAST_NAMES.len())];
        let academy = ACADEMIES[rng.gen_range(0..ACADEMIES.len())];
        let corps = CORPS[rng.gen_range(0..CORPS.len())].0;
        let email = format!("{}.{}{}@ac-{academy}.fr", fold(first), fold(last), i + 1);
        let scrutins = format!("CSA-MEN|CSA-ACA-{}|{corps}", academy.to_uppercase());
        v.write_record([
            &format!("G{:08}", i + 1),
            &email,
            civility.as_str(),
            first,
            last,
            &scrutins,
        ])?;
    }
    v.flush()?;
    Ok(ballots.len())
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next().map(|f| f.to_uppercase().chain(c).collect()).unwrap_or_default()
}
