//! Bad input of every kind gets a clear JSON error with a 4xx, never a 5xx (the client fails any
//! test that receives one) and never a partial write.

use e2e::flows;
use e2e::voters::{random_alnum, CAPN_CERTIFIES, CSA_MEN};
use e2e::{seed_voter, Api, Link, Reply, Secrets, Session};
use serde_json::{json, Value};

/// A POST endpoint with a body that would pass parsing.
struct Endpoint {
    path: &'static str,
    body: Value,
    session: Option<Session>,
    idempotent: bool,
}

impl Endpoint {
    async fn send(&self, api: &Api, body: Vec<u8>, content_type: Option<&str>) -> Reply {
        let mut call = api.post(self.path).raw(body, content_type);
        if let Some(s) = &self.session {
            call = call.session(s);
        }
        if self.idempotent {
            call = call.header("Idempotency-Key", &format!("key-{}", random_alnum(20)));
        }
        call.send().await
    }

    async fn send_json(&self, api: &Api, body: &Value) -> Reply {
        self.send(api, serde_json::to_vec(body).unwrap(), Some("application/json")).await
    }
}

async fn endpoints(api: &Api) -> Vec<Endpoint> {
    let voter = seed_voter().await;
    let (_, session) = flows::activate(api, &voter).await;
    let token = random_alnum(43);
    let id = voter.voter_id.clone();
    let email = voter.email.clone();
    let plain = |path, body| Endpoint { path, body, session: None, idempotent: false };
    vec![
        plain("/api/activate", json!({ "identifier": email })),
        plain(
            "/api/password",
            json!({ "voter_id": id, "token": token, "password": "Hibou-x1y2z3-Tramway" }),
        ),
        plain(
            "/api/activate-account",
            json!({ "voter_id": id, "token": token, "question_id": 1, "answer": "Hortense" }),
        ),
        plain("/api/skip-activation", json!({ "voter_id": id, "token": token })),
        plain(
            "/api/reassort",
            json!({ "identifier": email, "question_id": 1, "answer": "Hortense" }),
        ),
        plain("/api/reassort/confirm", json!({ "voter_id": id, "token": token })),
        plain("/api/login", json!({ "identifier": email, "password": "Hibou-x1y2z3-Tramway" })),
        Endpoint {
            path: "/api/claims",
            body: json!({ "category": "autre", "scrutin_id": null, "text": "Une question sur le vote électronique." }),
            session: Some(session),
            idempotent: true,
        },
    ]
}

#[tokio::test]
async fn malformed_bodies_are_refused_on_every_post_endpoint() {
    let api = Api::new().await;
    for ep in endpoints(&api).await {
        let path = ep.path;
        let first_field = ep.body.as_object().unwrap().keys().next().unwrap().clone();

        ep.send(&api, b"{\"identifier\": ".to_vec(), Some("application/json"))
            .await
            .expect_error(400, "invalid_request");
        ep.send(&api, b"not json at all".to_vec(), Some("application/json"))
            .await
            .expect_error(400, "invalid_request");
        ep.send(&api, b"[]".to_vec(), Some("application/json"))
            .await
            .expect_error(400, "invalid_request");
        ep.send(&api, b"null".to_vec(), Some("application/json"))
            .await
            .expect_error(400, "invalid_request");

        let mut missing = ep.body.clone();
        missing.as_object_mut().unwrap().remove(&first_field);
        let r = ep.send_json(&api, &missing).await;
        assert_eq!(
            (r.status, r.code()),
            (400, "invalid_request"),
            "{path} without `{first_field}`: {}",
            r.text
        );

        for wrong in [json!(42), json!(["a"]), json!({ "a": 1 }), json!(true)] {
            let mut typed = ep.body.clone();
            typed[&first_field] = wrong.clone();
            let r = ep.send_json(&api, &typed).await;
            assert_eq!(
                (r.status, r.code()),
                (400, "invalid_request"),
                "{path} with `{first_field}`={wrong}: {}",
                r.text
            );
        }

        let mut extra = ep.body.clone();
        extra["is_admin"] = json!(true);
        let r = ep.send_json(&api, &extra).await;
        assert_eq!(
            (r.status, r.code()),
            (400, "invalid_request"),
            "{path} with an unknown field: {}",
            r.text
        );
    }
}

#[tokio::test]
async fn wrong_content_type_and_oversized_bodies_are_refused() {
    let api = Api::new().await;
    for ep in endpoints(&api).await {
        let path = ep.path;
        let body = serde_json::to_vec(&ep.body).unwrap();
        for ct in [
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
            Some("multipart/form-data; boundary=x"),
            None,
        ] {
            let r = ep.send(&api, body.clone(), ct).await;
            assert_eq!(
                (r.status, r.code()),
                (415, "unsupported_media_type"),
                "{path} sent as {ct:?}: {}",
                r.text
            );
        }
        let mut big = ep.body.clone();
        let first_field = big.as_object().unwrap().keys().next().unwrap().clone();
        big[&first_field] = json!("a".repeat(20 * 1024));
        let r = ep.send_json(&api, &big).await;
        assert_eq!(
            (r.status, r.code()),
            (413, "payload_too_large"),
            "{path} with 20 KiB: {}",
            r.text
        );
        // A charset parameter is still JSON.
        let r = ep.send(&api, body.clone(), Some("application/json; charset=utf-8")).await;
        assert_ne!(r.status, 415, "{path}: `application/json; charset=utf-8` is JSON: {}", r.text);
    }
}

#[tokio::test]
async fn malformed_identifiers_are_invalid_fields() {
    let api = Api::new().await;
    for bad in [
        "",
        "not-an-email",
        "two@@ac-versailles.fr",
        "trailing.dot.@ac-versailles.fr",
        "a@b",
        "espace dans@ac-versailles.fr",
    ] {
        api.post_json("/api/activate", json!({ "identifier": bad })).await.expect_field_error(
            422,
            "invalid_field",
            "identifier",
        );
        api.post_json(
            "/api/reassort",
            json!({ "identifier": bad, "question_id": 1, "answer": "Hortense" }),
        )
        .await
        .expect_field_error(422, "invalid_field", "identifier");
        api.post_json(
            "/api/login",
            json!({ "identifier": bad, "password": "Hibou-x1y2z3-Tramway" }),
        )
        .await
        .expect_field_error(422, "invalid_field", "identifier");
    }
    let long = format!("{}@ac-versailles.fr", "a".repeat(300));
    api.post_json("/api/activate", json!({ "identifier": long })).await.expect_field_error(
        422,
        "invalid_field",
        "identifier",
    );
}

#[tokio::test]
async fn malformed_tokens_and_voter_ids_are_invalid_fields() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let link = flows::request_activation(&api, &voter).await;
    let short = Link { token: "abc".into(), ..link.clone() };
    flows::set_password(&api, &short, &e2e::voters::new_password()).await.expect_field_error(
        422,
        "invalid_field",
        "token",
    );
    let bad_id = Link { voter_id: "not/an id".into(), ..link.clone() };
    flows::skip_activation(&api, &bad_id).await.expect_field_error(
        422,
        "invalid_field",
        "voter_id",
    );
    let r = api.post_json("/api/token", serde_json::json!({ "voter_id": voter.voter_id })).await;
    assert!(
        r.status == 400 || r.status == 422,
        "POST /api/token without token: {} {}",
        r.status,
        r.text
    );
    // None of it touched the real link.
    flows::check_token(&api, &link).await.expect(200);
}

#[tokio::test]
async fn passwords_outside_the_rules_are_rejected_without_using_the_link() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let link = flows::request_activation(&api, &voter).await;
    let local_part = voter.email.split('@').next().unwrap().to_string();
    let rejected = [
        ("11 characters", "Kq7#mZ2!pL9".to_string()),
        ("129 characters", format!("Hibou-{}", "x9".repeat(62)).chars().take(129).collect()),
        ("common", "motdepasse123".to_string()),
        ("common, in capitals", "AZERTYUIOP2024".to_string()),
        ("only digits", "123456789012".to_string()),
        ("a common word dressed up", "Summer2024!!".to_string()),
        ("a French word repeated around a year", "Bonjour2024Bonjour".to_string()),
        ("substitutions", "P@ssw0rd12345".to_string()),
        ("the identifier", format!("x{}x", voter.email)),
        ("the identifier's local part", format!("Zz-{local_part}-zZ")),
        ("the last name", format!("Vive-{}-2026", voter.last_name.to_uppercase())),
    ];
    for (why, password) in &rejected {
        let r = flows::set_password(&api, &link, password).await;
        assert!(
            r.status == 422 && r.code() == "password_rejected" && r.body["field"] == json!("password"),
            "a password with {why} must be rejected (422 password_rejected, field password), got {} {}",
            r.status,
            r.text
        );
        assert!(!r.text.contains(password.as_str()), "the error repeats the password");
    }
    let reply = flows::check_token(&api, &link).await;
    reply.expect(200);
    assert_eq!(reply.body["password_set"], json!(false), "a rejected password is not kept");
    // Exactly 12 and exactly 128 characters are fine.
    flows::set_password(&api, &link, "Kq7#mZ2!pL9x").await.expect(200);
    let long: String = format!("Hibou-{}", "x9".repeat(62)).chars().take(128).collect();
    flows::set_password(&api, &link, &long).await.expect(200);
}

#[tokio::test]
async fn challenge_outside_the_list_is_rejected() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let secrets = Secrets::new();
    let link = flows::request_activation(&api, &voter).await;
    flows::set_password(&api, &link, &secrets.password).await.expect(200);
    for question_id in [0, 99, -1] {
        let bad = Secrets { question_id, ..secrets.clone() };
        flows::activate_account(&api, &link, &bad).await.expect_field_error(
            422,
            "invalid_field",
            "question_id",
        );
    }
    for answer in ["", " ", "a", "ab", "aaaa", &voter.last_name, &"x".repeat(200)] {
        let bad = Secrets { answer: answer.to_string(), ..secrets.clone() };
        flows::activate_account(&api, &link, &bad).await.expect_field_error(
            422,
            "invalid_field",
            "answer",
        );
    }
    // Nothing was written: the link still activates the account.
    flows::activate_account(&api, &link, &secrets).await.expect(201);
}

#[tokio::test]
async fn claims_outside_the_rules_are_rejected() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let (_, session) = flows::activate(&api, &voter).await;
    let claim = |category: &str, scrutin: Value, text: &str| json!({ "category": category, "scrutin_id": scrutin, "text": text });
    let good_text = "Mon nom est mal orthographié sur la liste électorale.";
    let post = |body: Value, key: Option<String>| {
        let api = api.clone();
        let session = session.clone();
        async move {
            let mut call = api.post("/api/claims").session(&session).json(&body);
            if let Some(k) = key {
                call = call.header("Idempotency-Key", &k);
            }
            call.send().await
        }
    };
    let key = || Some(format!("k-{}", random_alnum(20)));

    post(claim("autre", json!(null), "Trop court"), key()).await.expect(201); // exactly 10 characters
    post(claim("autre", json!(null), "Trop cour"), key()).await.expect_field_error(
        422,
        "invalid_field",
        "text",
    );
    post(claim("autre", json!(null), "          "), key()).await.expect_field_error(
        422,
        "invalid_field",
        "text",
    );
    post(claim("autre", json!(null), &"é".repeat(4001)), key()).await.expect_field_error(
        422,
        "invalid_field",
        "text",
    );
    post(claim("reclamation_inconnue", json!(null), good_text), key()).await.expect_field_error(
        422,
        "invalid_field",
        "category",
    );
    post(claim("liste_electorale", json!(CAPN_CERTIFIES), good_text), key())
        .await
        .expect_field_error(422, "invalid_field", "scrutin_id");
    post(claim("liste_electorale", json!("SCRUTIN-INCONNU"), good_text), key())
        .await
        .expect_field_error(422, "invalid_field", "scrutin_id");

    post(claim("liste_electorale", json!(CSA_MEN), good_text), None)
        .await
        .expect_error(400, "idempotency_key_required");
    for bad_key in ["short", "with space in it", &"k".repeat(65), "accentué-clé"] {
        let r =
            post(claim("liste_electorale", json!(CSA_MEN), good_text), Some(bad_key.to_string()))
                .await;
        assert!(
            r.status == 400 || r.status == 422,
            "Idempotency-Key {bad_key:?}: {} {}",
            r.status,
            r.text
        );
    }

    let same = key();
    post(claim("liste_electorale", json!(CSA_MEN), good_text), same.clone()).await.expect(201);
    post(
        claim("liste_electorale", json!(CSA_MEN), "Un tout autre texte de réclamation."),
        same.clone(),
    )
    .await
    .expect_error(422, "idempotency_key_reused");
    post(claim("autre", json!(CSA_MEN), good_text), same)
        .await
        .expect_error(422, "idempotency_key_reused");
}

fn with_session<'a>(call: e2e::api::Call<'a>, session: Option<&Session>) -> e2e::api::Call<'a> {
    match session {
        Some(s) => call.session(s),
        None => call,
    }
}

#[tokio::test]
async fn session_endpoints_refuse_requests_without_a_valid_session() {
    let api = Api::new().await;
    let forged = Session { value: random_alnum(43) };
    for session in [None, Some(&forged), Some(&Session { value: String::new() })] {
        let with = |call| with_session(call, session);
        with(api.get("/api/scrutins")).send().await.expect_error(401, "unauthenticated");
        with(api.get(format!("/api/scrutins/{CSA_MEN}/electeurs")))
            .send()
            .await
            .expect_error(401, "unauthenticated");
        with(api.get("/api/session")).send().await.expect_error(401, "unauthenticated");
        with(api.post("/api/claims"))
            .header("Idempotency-Key", &format!("k-{}", random_alnum(20)))
            .json(&json!({ "category": "autre", "scrutin_id": null, "text": "Une question sans session." }))
            .send()
            .await
            .expect_error(401, "unauthenticated");
        // Logging out without a session is harmless.
        with(api.post("/api/logout")).send().await.expect(204);
    }
}

#[tokio::test]
async fn electoral_list_of_another_ballot_is_not_found_and_cursors_are_checked() {
    let api = Api::new().await;
    let voter = seed_voter().await;
    let (_, session) = flows::activate(&api, &voter).await;
    for scrutin in [CAPN_CERTIFIES, "SCRUTIN-INCONNU"] {
        api.get(format!("/api/scrutins/{scrutin}/electeurs"))
            .session(&session)
            .send()
            .await
            .expect_error(404, "scrutin_not_found");
    }
    for cursor in ["not-a-cursor", "%00%01", "eyJmb28iOiJiYXIifQ", &"A".repeat(2000)] {
        api.get(format!("/api/scrutins/{CSA_MEN}/electeurs?cursor={cursor}"))
            .session(&session)
            .send()
            .await
            .expect_error(400, "invalid_cursor");
    }
    for limit in ["0", "101", "-1", "deux"] {
        let r = api
            .get(format!("/api/scrutins/{CSA_MEN}/electeurs?limit={limit}"))
            .session(&session)
            .send()
            .await;
        assert!(r.status == 400 || r.status == 422, "limit={limit}: {} {}", r.status, r.text);
    }
    let r = api.get(format!("/api/scrutins/{CSA_MEN}/electeurs")).session(&session).send().await;
    r.expect(200);
    assert!(
        r.body["electeurs"].as_array().unwrap().len() <= 50,
        "the default page holds at most 50 names"
    );
}
