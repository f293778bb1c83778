//! The verifier on a generated election with known votes: the published totals equal them, and
//! each fault of the board or the results is refused, named.

use std::collections::BTreeMap;

use vote::ballot::{encrypt, Ballot};
use vote::board::{seal, BoardFile};
use vote::credential::{new_code, Credential};
use vote::keys::Holder;
use vote::tally::{self, Check, Failure, Results};
use vote_tools::generate::{generate, Generated, Plan, CLOSED_AT};

fn election() -> Generated {
    let plan = Plan { scrutins: 2, choices: 4, ballots: 60, threads: 2, ..Plan::default() };
    generate(&plan).unwrap()
}

fn check(board: &BoardFile) -> Result<tally::CheckedBoard, Failure> {
    tally::check_board(&board.to_bytes()[..], 2, &mut |_| {})
}

fn count(g: &Generated, holders: &[usize]) -> Results {
    let b = check(&g.board).unwrap();
    let mut rng = rand::thread_rng();
    let parts: Vec<_> =
        holders.iter().map(|&i| tally::partial(&b, &g.fragments[i], &mut rng).unwrap()).collect();
    tally::combine(&b, &parts, None).unwrap()
}

fn verify(board: &BoardFile, results: &Results) -> Result<(), Check> {
    let b = check(board).map_err(|f| f.check)?;
    tally::verify_results(&b, results, &mut |_| {}).map_err(|f| f.check)
}

fn ballot_for(g: &Generated, scrutin: &str, code: &str, choice: &str) -> Ballot {
    let c = Credential::from_code(&g.record.record.election, code).unwrap();
    encrypt(&g.record, scrutin, choice, &c, &mut rand::thread_rng()).unwrap()
}

/// The board again with other ballots, sorted, and the seal kept as it was.
fn with_ballots(g: &Generated, ballots: BTreeMap<String, Vec<Ballot>>) -> BoardFile {
    let mut sorted = ballots;
    for list in sorted.values_mut() {
        list.sort_by_key(|b| b.tracker(&g.record));
    }
    BoardFile { header: g.board.header.clone(), ballots: sorted }
}

#[test]
fn the_published_totals_are_the_votes_cast_and_everything_verifies() {
    let g = election();
    let results = count(&g, &[0, 1, 3]);
    for s in &results.scrutins {
        let got: Vec<u64> = s.lists.iter().map(|l| l.votes).chain([s.blanks]).collect();
        assert_eq!(got, g.votes[&s.id], "scrutin {}", s.id);
        assert_eq!(s.ballots, 30);
        assert_eq!(s.registered, 33);
        assert_eq!(s.turnout, 90.91);
    }
    assert_eq!(verify(&g.board, &results), Ok(()));
    // every pair of delegates gives the same totals
    let other = count(&g, &[0, 2, 3]);
    assert_eq!(other.scrutins, results.scrutins);
    let csv = results.to_csv();
    assert!(csv.starts_with("scrutin,nom,ligne,valeur\nS1,Scrutin 1,LISTE-1,"), "{csv}");
    // the board file reads back as written
    let back = BoardFile::read_from(&g.board.to_bytes()[..]).unwrap();
    assert_eq!(back.to_bytes(), g.board.to_bytes());
}

#[test]
fn an_altered_ballot_is_refused() {
    let g = election();
    let results = count(&g, &[0, 1, 2]);
    let mut ballots = g.board.ballots.clone();
    let b = &mut ballots.get_mut("S1").unwrap()[3];
    b.choices[1].beta = b.choices[2].beta;
    assert_eq!(verify(&with_ballots(&g, ballots), &results), Err(Check::BallotProofs));
    // a ballot moved from one scrutin to the other
    let mut ballots = g.board.ballots.clone();
    let mut moved = ballots.get_mut("S1").unwrap().remove(0);
    moved.scrutin = "S2".into();
    ballots.get_mut("S2").unwrap().push(moved);
    assert_eq!(verify(&with_ballots(&g, ballots), &results), Err(Check::BallotProofs));
}

#[test]
fn a_removed_ballot_is_refused_by_the_seal_or_the_emargement() {
    let g = election();
    let results = count(&g, &[0, 1, 2]);
    let mut ballots = g.board.ballots.clone();
    ballots.get_mut("S2").unwrap().remove(5);
    let board = with_ballots(&g, ballots.clone());
    assert_eq!(verify(&board, &results), Err(Check::Seal));
    // sealed again without the ballot, the émargement still counts it
    let resealed =
        seal(&g.record, &g.board.header.credentials, &ballots, &g.emargement, CLOSED_AT).unwrap();
    let board = BoardFile::new(
        g.board.header.record.clone(),
        g.board.header.credentials.clone(),
        ballots,
        resealed,
    )
    .unwrap();
    assert_eq!(verify(&board, &results), Err(Check::Emargement));
}

#[test]
fn an_added_ballot_with_valid_proofs_is_refused_under_an_unknown_or_a_reused_credential() {
    let g = election();
    let results = count(&g, &[0, 1, 2]);
    // a code nobody was given
    let code = new_code(&mut rand::thread_rng());
    let extra = ballot_for(&g, "S1", &code, "LISTE-2");
    assert_eq!(extra.verify(&g.record), Ok(()));
    let mut ballots = g.board.ballots.clone();
    ballots.get_mut("S1").unwrap().push(extra);
    assert_eq!(verify(&with_ballots(&g, ballots), &results), Err(Check::CredentialOnList));
    // an abstainer's code, twice
    let code = &g.abstainers["S1"];
    let mut ballots = g.board.ballots.clone();
    ballots.get_mut("S1").unwrap().push(ballot_for(&g, "S1", code, "LISTE-1"));
    ballots.get_mut("S1").unwrap().push(ballot_for(&g, "S1", code, "blanc"));
    assert_eq!(verify(&with_ballots(&g, ballots), &results), Err(Check::OneBallotPerCredential));
    // once, with the seal and the émargement made to match: the results no longer do
    let mut ballots = g.board.ballots.clone();
    ballots.get_mut("S1").unwrap().push(ballot_for(&g, "S1", code, "LISTE-1"));
    let mut em = g.emargement.clone();
    em.push(("S1".into(), "someone".into()));
    let resealed = seal(&g.record, &g.board.header.credentials, &ballots, &em, CLOSED_AT).unwrap();
    let board = BoardFile::new(
        g.board.header.record.clone(),
        g.board.header.credentials.clone(),
        ballots,
        resealed,
    )
    .unwrap();
    assert_eq!(verify(&board, &results), Err(Check::Results));
}

#[test]
fn a_changed_seal_is_refused() {
    let g = election();
    let results = count(&g, &[0, 1, 2]);
    let mut board = g.board.clone();
    board.header.seal.closed_at = "2026-12-08T18:30:00Z".into();
    assert_eq!(verify(&board, &results), Err(Check::Seal));
    // the digest made to match, the urne chain no longer does
    let mut board = g.board.clone();
    board.header.seal.scrutins[0].urne_digest = board.header.seal.scrutins[1].urne_digest.clone();
    board.header.seal.digest = board.header.seal.compute_digest().unwrap();
    assert_eq!(verify(&board, &results), Err(Check::Seal));
    // a credential added to a list after the seal
    let mut board = g.board.clone();
    let list = board.header.credentials.get_mut("S1").unwrap();
    list.push("f".repeat(64).replace('f', "e"));
    list.sort();
    let got = verify(&board, &results);
    assert!(matches!(got, Err(Check::Seal) | Err(Check::CredentialList)), "{got:?}");
}

#[test]
fn a_wrong_partial_decryption_is_refused() {
    let g = election();
    let mut results = count(&g, &[0, 1, 2]);
    // delegate 1's part of one total replaced by the presidency's
    let other = results.partials[0].scrutins[0].decryptions[2].factor;
    results.partials[1].scrutins[0].decryptions[2].factor = other;
    assert_eq!(verify(&g.board, &results), Err(Check::PartialDecryption));
    // the combine refuses it too
    let b = check(&g.board).unwrap();
    let err = tally::combine(&b, &results.partials, None).unwrap_err();
    assert_eq!(err.check, Check::PartialDecryption);
    assert!(err.detail.contains("delegate 1"), "{err}");
}

#[test]
fn a_count_with_the_president_and_one_delegate_only_is_refused() {
    let g = election();
    let mut results = count(&g, &[0, 1, 2]);
    results.partials.retain(|p| p.holder != Holder::Delegate(2));
    assert_eq!(verify(&g.board, &results), Err(Check::KeyHolders));
    let b = check(&g.board).unwrap();
    let mut rng = rand::thread_rng();
    let parts: Vec<_> =
        [0, 3].iter().map(|&i| tally::partial(&b, &g.fragments[i], &mut rng).unwrap()).collect();
    assert_eq!(tally::combine(&b, &parts, None).unwrap_err().check, Check::KeyHolders);
    // three delegates without the presidency
    let parts: Vec<_> =
        [1, 2, 3].iter().map(|&i| tally::partial(&b, &g.fragments[i], &mut rng).unwrap()).collect();
    assert_eq!(tally::combine(&b, &parts, None).unwrap_err().check, Check::KeyHolders);
    // one delegate twice
    let twice = vec![
        tally::partial(&b, &g.fragments[0], &mut rng).unwrap(),
        tally::partial(&b, &g.fragments[1], &mut rng).unwrap(),
        tally::partial(&b, &g.fragments[1], &mut rng).unwrap(),
    ];
    assert_eq!(tally::combine(&b, &twice, None).unwrap_err().check, Check::KeyHolders);
}

#[test]
fn a_result_off_by_one_vote_is_refused() {
    let g = election();
    let good = count(&g, &[0, 1, 2]);
    let mut results = good.clone();
    results.scrutins[1].lists[0].votes += 1;
    assert_eq!(verify(&g.board, &results), Err(Check::Totals));
    // one vote moved from a list to blank: the sum still holds, the decryption does not
    let mut results = good.clone();
    let s = &mut results.scrutins[0];
    let i = s.lists.iter().position(|l| l.votes > 0).unwrap();
    s.lists[i].votes -= 1;
    s.blanks += 1;
    assert_eq!(verify(&g.board, &results), Err(Check::Totals));
    // a wrong turnout
    let mut results = good;
    results.scrutins[0].turnout += 1.0;
    assert_eq!(verify(&g.board, &results), Err(Check::Totals));
}
