//! The demo election: four ballots, their candidate lists, a few hundred voters and a calendar
//! open now. Re-running it rewrites the same data and keeps the voters' accounts. It goes only
//! into an empty table or one that holds the demo already: never over a real election, unless
//! told so explicitly.

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Europe::Paris;
use shared::model::{Calendar, Candidate, CandidateList, Civility, RollVoter, Scrutin};
use shared::ports::Roll;
use store_dynamodb::admin::{JournalEntry, TableContent};
use store_dynamodb::DynamoStore;

pub(crate) const FIRST_NAMES: &[(&str, Civility)] = &[
    ("Marie", Civility::Mme),
    ("Jean", Civility::M),
    ("Nathalie", Civility::Mme),
    ("Pierre", Civility::M),
    ("Isabelle", Civility::Mme),
    ("Michel", Civility::M),
    ("Sylvie", Civility::Mme),
    ("Philippe", Civility::M),
    ("Catherine", Civility::Mme),
    ("Alain", Civility::M),
    ("Sophie", Civility::Mme),
    ("Nicolas", Civility::M),
    ("Élodie", Civility::Mme),
    ("Stéphane", Civility::M),
    ("Céline", Civility::Mme),
    ("Frédéric", Civility::M),
];

pub(crate) const LAST_NAMES: &[&str] = &[
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefebvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Écuyer",
    "Zidane",
    "Yilmaz",
    "Nguyen",
    "Kowalski",
    "d'Arc",
    "Ollivier",
    "Hoarau",
    "Quéré",
    "Vasseur",
];

fn list(
    scrutin: &str,
    order: u32,
    organisation: &str,
    names: &[(&str, &str, Civility)],
) -> CandidateList {
    CandidateList {
        id: format!("{scrutin}-L{order}"),
        order,
        name: format!("Liste {organisation}"),
        organisation: organisation.to_string(),
        candidates: names
            .iter()
            .enumerate()
            .map(|(i, (first, last, civility))| Candidate {
                rank: i as u32 + 1,
                civility: *civility,
                first_name: first.to_string(),
                last_name: last.to_string(),
            })
            .collect(),
    }
}

pub fn scrutins() -> Vec<Scrutin> {
    use Civility::{Mme, M};
    let organisations = ["UNSA Éducation", "FSU", "SGEN-CFDT", "FO", "SNALC"];
    let mk = |id: &str, name: &str, description: &str, lists: usize| Scrutin {
        id: id.to_string(),
        name: name.to_string(),
        description: description.to_string(),
        candidate_lists: organisations
            .iter()
            .take(lists)
            .enumerate()
            .map(|(i, org)| {
                list(
                    id,
                    i as u32 + 1,
                    org,
                    &[
                        ("Claire", "Aubert", Mme),
                        ("Hugo", "Barre", M),
                        ("Inès", "Carpentier", Mme),
                        ("Louis", "Delmas", M),
                    ],
                )
            })
            .collect(),
    };
    vec![
        mk(
            "CSA-MEN",
            "Comité social d'administration ministériel de l'éducation nationale",
            "Scrutin ministériel : tous les personnels votent.",
            5,
        ),
        mk(
            "CSA-ACA-VERSAILLES",
            "Comité social d'administration de l'académie de Versailles",
            "Scrutin académique.",
            4,
        ),
        mk(
            "CAPN-CERTIFIES",
            "Commission administrative paritaire nationale des professeurs certifiés",
            "Scrutin national du corps des certifiés.",
            3,
        ),
        mk(
            "CCP-AESH",
            "Commission consultative paritaire des AESH",
            "Accompagnants des élèves en situation de handicap.",
            2,
        ),
    ]
}

/// The demo voters: everybody votes in the ministry-wide and academic ballots, then in the ballot
/// of their corps.
pub fn voters(count: usize) -> Vec<RollVoter> {
    let mut seen = std::collections::HashSet::new();
    (0..count)
        .map(|i| {
            let (first, civility) = FIRST_NAMES[i % FIRST_NAMES.len()];
            let last = LAST_NAMES[(i / FIRST_NAMES.len() + i) % LAST_NAMES.len()];
            let base =
                format!("{}.{}", shared::validate::fold(first), shared::validate::fold(last));
            let mut local = base.clone();
            let mut n = 1;
            while !seen.insert(local.clone()) {
                n += 1;
                local = format!("{base}{n}");
            }
            let corps = if i % 4 == 3 { "CCP-AESH" } else { "CAPN-CERTIFIES" };
            RollVoter {
                voter_id: format!("{}", 1_000_001 + i),
                email: format!("{local}@ac-versailles.fr"),
                civility,
                first_name: first.to_string(),
                last_name: last.to_string(),
                scrutins: vec!["CSA-MEN".into(), "CSA-ACA-VERSAILLES".into(), corps.into()],
            }
        })
        .collect()
}

/// A calendar open now, in the order of a real one and on round Paris hours: the voter spaces
/// opened a week ago at 9:00, claims close in eight days at 17:00, the vote opens two days later at
/// 9:00 and closes a week after at 17:00. Every step of the demo but voting is possible today.
pub fn calendar() -> Calendar {
    let today = Utc::now().with_timezone(&Paris).date_naive();
    let at = |days: i64, hour: u32| -> DateTime<Utc> {
        let day = today + Duration::days(days);
        let wall = day.and_hms_opt(hour, 0, 0).expect("a valid hour");
        // 9:00 and 17:00 exist once in Paris on every day of the year
        Paris.from_local_datetime(&wall).earliest().expect("an hour Paris has").with_timezone(&Utc)
    };
    Calendar {
        activation_opens_at: at(-7, 9),
        claim_deadline: at(8, 17),
        voting_opens_at: at(10, 9),
        voting_closes_at: at(17, 17),
    }
}

/// Loads everything, records it in the journal, and returns the identifier of the first demo
/// voter. Refuses a table that holds anything but the demo, unless `force`.
pub async fn load(
    store: &DynamoStore,
    count: usize,
    operator: &str,
    force: bool,
) -> Result<String> {
    match store.table_content().await.context("lecture de la table")? {
        TableContent::Empty | TableContent::Demo => {}
        TableContent::Other if force => {
            println!(
                "la table {} ne contient pas que la démonstration : elle y est écrite quand même (--force)",
                store.table()
            );
        }
        TableContent::Other => bail!(
            "la table {} contient une élection qui n'est pas la démonstration : rien n'est écrit. \
             Choisissez une autre table (TABLE_NAME), ou ajoutez --force pour y écrire la \
             démonstration quand même",
            store.table()
        ),
    }
    store.mark_demo(&Utc::now().to_rfc3339()).await.context("marque de démonstration")?;
    for s in scrutins() {
        store.put_scrutin(&s).await.with_context(|| format!("scrutin {}", s.id))?;
    }
    let voters = voters(count.max(1));
    let mut tasks = tokio::task::JoinSet::new();
    for chunk in voters.chunks(voters.len().div_ceil(8)) {
        let store = store.clone();
        let chunk = chunk.to_vec();
        tasks.spawn(async move {
            for v in &chunk {
                store
                    .put_roll_voter(v)
                    .await
                    .with_context(|| format!("électeur {}", v.voter_id))?;
            }
            Ok::<_, anyhow::Error>(())
        });
    }
    while let Some(r) = tasks.join_next().await {
        r.context("tâche d'import")??;
    }
    store.put_calendar(&calendar()).await.context("calendrier")?;
    let detail =
        format!("{} scrutins, {} électeurs, calendrier ouvert", scrutins().len(), voters.len());
    store
        .record(&JournalEntry::new(operator, "demo", "élection de démonstration", detail))
        .await
        .context("journal")?;
    println!("{} scrutins, {} électeurs, calendrier ouvert", scrutins().len(), voters.len());
    Ok(voters[0].email.clone())
}
