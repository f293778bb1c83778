//! Every response, API and pages, carries the same security headers.

use e2e::Api;
use serde_json::json;

const EXPECTED: &[(&str, &str)] = &[
    ("strict-transport-security", "max-age=63072000"),
    ("referrer-policy", "no-referrer"),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
];

#[tokio::test]
async fn api_replies_and_pages_carry_the_security_headers() {
    let api = Api::new().await;
    let replies = vec![
        api.get("/api/election").send().await,
        api.get("/api/questions").send().await,
        api.post("/api/activate").json(&json!({ "identifier": "x@ac-lyon.fr" })).send().await,
        api.post("/api/login").json(&json!({})).send().await,
        api.get("/api/scrutins").send().await,
        api.post("/api/logout").send().await,
        api.get("/").send().await,
        api.get("/assets/portal.js").send().await,
        api.get("/assets/nothing-here.js").send().await,
    ];
    for reply in &replies {
        for (name, value) in EXPECTED {
            assert_eq!(
                reply.headers.get(*name).and_then(|v| v.to_str().ok()),
                Some(*value),
                "{} {} ({}) lacks {name}",
                reply.method,
                reply.path,
                reply.status
            );
        }
        let csp = reply.headers.get("content-security-policy").and_then(|v| v.to_str().ok());
        assert!(
            csp.is_some_and(
                |c| c.contains("default-src 'none'") && c.contains("frame-ancestors 'none'")
            ),
            "{} {} ({}) lacks the content security policy",
            reply.method,
            reply.path,
            reply.status
        );
    }
}
