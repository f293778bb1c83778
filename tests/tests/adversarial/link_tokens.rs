//! Mailed tokens never travel in a URL that a server sees: the links carry them in the fragment,
//! which browsers do not send, and the page posts them to the API.

use e2e::{flows, seed_voter, Api};

#[tokio::test]
async fn mail_links_keep_the_token_out_of_every_url_a_server_sees() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let (secrets, _) = flows::activate(&api, &voter).await;
    let reassort = flows::request_reassort(&api, &voter, &secrets).await;
    let unlock = flows::request_unlock(&api, &voter).await;
    for link in [&reassort, &unlock] {
        let url = reqwest::Url::parse(&link.url).expect("a link");
        assert_eq!(url.query(), None, "a link with a query the server would log: {}", link.url);
        let fragment = url.fragment().unwrap_or_default();
        assert!(fragment.contains(&format!("token={}", link.token)), "no token in {}", link.url);
        // The page asks the API in a POST body.
        flows::check_token(&api, link).await.expect(200);
    }
}
