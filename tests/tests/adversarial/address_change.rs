//! When the administration corrects a voter's address, whoever held the old address loses every
//! way in: the links mailed there and the sessions opened from them die, and the account opened
//! from the old address goes back to "not activated", for the holder of the new one to open.

use e2e::voters::store;
use e2e::{flows, seed_voter, Api, Voter};
use shared::ports::Roll;

/// The administration's correction, through the roll's one write path (the import's).
async fn move_address(voter: &Voter) -> Voter {
    let moved = Voter { email: format!("nouvelle.{}", voter.email), ..voter.clone() };
    store().await.put_roll_voter(&moved.roll()).await.expect("address changed");
    moved
}

#[tokio::test]
async fn a_new_address_ends_the_old_holder_links_and_sessions() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let (secrets, session) = flows::activate(&api, &voter).await;
    let link = flows::request_reassort(&api, &voter, &secrets).await;

    let moved = move_address(&voter).await;

    api.get("/api/scrutins").session(&session).send().await.expect_error(401, "unauthenticated");
    flows::check_token(&api, &link).await.expect_error(410, "token_invalid");
    flows::login(&api, &voter.email, &secrets.password)
        .await
        .expect_error(401, "invalid_credentials");
    flows::login(&api, &moved.email, &secrets.password)
        .await
        .expect_error(401, "invalid_credentials");

    // The holder of the new address opens the account anew.
    let (_, fresh) = flows::activate(&api, &moved).await;
    api.get("/api/scrutins").session(&fresh).send().await.expect(200);
}

#[tokio::test]
async fn a_new_address_voids_a_pending_activation_link() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let link = flows::request_activation(&api, &voter).await;

    move_address(&voter).await;

    flows::check_token(&api, &link).await.expect_error(410, "token_invalid");
}
