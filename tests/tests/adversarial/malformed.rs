//! Malformed requests never earn a 5xx, on any route of the contract, pages included, and an API
//! route answers a malformed request with the API's JSON error (`code` and `message`, a status the
//! contract documents).
//!
//! Two ways in. Most tests go through the public routes of the running stack, as a browser would.
//! Some requests cannot be carried that way by the local emulator (`cargo lambda watch`): it turns
//! each request into an API Gateway event itself and answers a 500 of its own, before any function
//! runs, when a body under a text content type is not UTF-8 or a header value is not UTF-8. On AWS,
//! API Gateway hands such a body to the function base64-encoded (`isBase64Encoded`). Those tests
//! deliver the event that API Gateway builds to the function through the emulator's Lambda invoke
//! API, and read the function's own reply; they also go through the public route with the content
//! type spelt `Application/JSON` (media types are case-insensitive), which the emulator, like API
//! Gateway, hands over base64-encoded.

use std::collections::BTreeMap;

use e2e::contract::{contract, OPENAPI_PATH};
use e2e::{flows, seed_voter, Api, Reply, Session};
use serde_json::{json, Value};

/// The bytes of the issue: not UTF-8, so not JSON either (RFC 8259 requires UTF-8).
const NOT_UTF8: &[u8] = &[0xff, 0xfe, 0x00];

/// An idempotency key of the right shape, for the claims route.
const CLAIM_KEY: &str = "malformed-requests-0001";

/// One operation of the contract: method, path template, the function that serves it (its first
/// tag), whether it takes a body and whether it needs a session.
#[derive(Debug, Clone)]
struct Route {
    method: String,
    template: String,
    function: String,
    has_body: bool,
    needs_session: bool,
}

impl Route {
    /// A concrete path: path parameters get a value that exists in the demo election.
    fn path(&self) -> String {
        self.template.replace("{id}", "CSA-MEN").replace("{file}", "portal.js")
    }

    fn is_api(&self) -> bool {
        self.template.starts_with("/api/")
    }

    fn label(&self) -> String {
        format!("{} {}", self.method, self.template)
    }
}

/// Every operation of docs/openapi.yaml.
fn routes() -> Vec<Route> {
    let text = std::fs::read_to_string(OPENAPI_PATH).expect("docs/openapi.yaml");
    let doc: Value = serde_yaml_ng::from_str(&text).expect("docs/openapi.yaml is YAML");
    let mut routes = Vec::new();
    for (template, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("path item") {
            let Some(function) = op["tags"].get(0).and_then(Value::as_str) else { continue };
            let security = op.get("security").and_then(Value::as_array);
            routes.push(Route {
                method: method.to_uppercase(),
                template: template.clone(),
                function: function.to_string(),
                has_body: op.get("requestBody").is_some(),
                // `[{sessionCookie: []}, {}]` makes the session optional.
                needs_session: security.is_some_and(|s| {
                    !s.is_empty() && s.iter().all(|r| r.as_object().is_some_and(|o| !o.is_empty()))
                }),
            });
        }
    }
    assert!(routes.len() >= 19, "docs/openapi.yaml lists {} operations", routes.len());
    routes
}

fn post_routes_with_a_body() -> Vec<Route> {
    let routes: Vec<Route> = routes().into_iter().filter(|r| r.has_body).collect();
    assert!(routes.iter().all(|r| r.method == "POST"), "a body route that is not a POST");
    assert!(routes.len() >= 8, "only {} routes take a body", routes.len());
    routes
}

/// A body each route accepts as to its shape (every field present and of its type), so that a
/// test that spoils one field checks that field and not an unknown or missing one.
fn valid_body(route: &Route) -> Value {
    let token = "A".repeat(43);
    let identifier = "dominique.martin@ac-versailles.fr";
    match route.template.as_str() {
        "/api/activate" | "/api/unlock" => json!({ "identifier": identifier }),
        "/api/password" => {
            json!({ "voter_id": "A1", "token": token, "password": "Hibou-Tramway-Velo-2026" })
        }
        "/api/activate-account" => {
            json!({ "voter_id": "A1", "token": token, "question_id": 1, "answer": "Medor" })
        }
        "/api/token" | "/api/skip-activation" | "/api/reassort/confirm" | "/api/unlock/confirm" => {
            json!({ "voter_id": "A1", "token": token })
        }
        "/api/reassort" => json!({ "identifier": identifier, "question_id": 1, "answer": "Medor" }),
        "/api/login" => json!({ "identifier": identifier, "password": "Hibou-Tramway-Velo-2026" }),
        "/api/claims" => json!({
            "category": "autre",
            "scrutin_id": "CSA-MEN",
            "text": "Une reclamation assez longue.",
        }),
        "/api/assistance" => json!({
            "identifier": identifier,
            "subject": "autre",
            "message": "Une demande assez longue.",
        }),
        other => panic!("no valid body for {other}: add one here"),
    }
}

/// A voter with a session, for the routes that check one before they read the body.
async fn session(api: &Api) -> Session {
    let voter = seed_voter().await;
    flows::activate(api, &voter).await.1
}

/// The headers a route needs to get as far as its body: the session, and for a claim its key.
fn route_headers(route: &Route, session: &Session) -> Vec<(String, String)> {
    let mut headers = Vec::new();
    if route.needs_session {
        headers.push(("cookie".to_string(), session.cookie_header()));
    }
    if route.template == "/api/claims" {
        headers.push(("idempotency-key".to_string(), CLAIM_KEY.to_string()));
    }
    headers
}

/// `method path` with a raw body under a content type, with the route's own headers.
async fn send(
    api: &Api,
    route: &Route,
    path: &str,
    session: &Session,
    body: &[u8],
    content_type: Option<&str>,
) -> Reply {
    let mut call = api.call(route.method.parse().unwrap(), path);
    for (name, value) in route_headers(route, session) {
        call = call.header(&name, &value);
    }
    if route.method != "GET" || !body.is_empty() {
        call = call.raw(body.to_vec(), content_type);
    }
    call.send().await
}

/// The API's JSON error: a 4xx, JSON, with a `code` and a `message` (the client has already checked
/// the reply against the contract and that it is not a 5xx).
#[track_caller]
fn assert_json_error(what: &str, status: u16, content_type: Option<&str>, body: &str) -> Value {
    assert!((400..500).contains(&status), "{what}: expected a 4xx, got {status}\nbody: {body}");
    assert!(
        content_type.is_some_and(|c| c.to_ascii_lowercase().starts_with("application/json")),
        "{what}: {status} is not JSON (content-type {content_type:?})\nbody: {body}"
    );
    let value: Value = serde_json::from_str(body)
        .unwrap_or_else(|e| panic!("{what}: {status} with a body that is not JSON ({e}): {body}"));
    for field in ["code", "message"] {
        assert!(
            value.get(field).and_then(Value::as_str).is_some_and(|s| !s.is_empty()),
            "{what}: {status} without `{field}`: {body}"
        );
    }
    value
}

#[track_caller]
fn expect_json_error(what: &str, reply: &Reply) -> Value {
    let content_type = reply.headers.get("content-type").and_then(|v| v.to_str().ok());
    assert_json_error(what, reply.status, content_type, &reply.text)
}

#[track_caller]
fn expect_error_code(what: &str, reply: &Reply, codes: &[&str]) {
    let body = expect_json_error(what, reply);
    let code = body["code"].as_str().unwrap_or("");
    assert!(
        codes.contains(&code),
        "{what}: code {code}, expected one of {codes:?}: {}",
        reply.text
    );
}

/// What the local emulator answers when it fails by itself, before or after the function; no
/// function of the portal answers this.
const EMULATOR_500: &str =
    r#"{"type":"https://httpstatuses.com/500","status":500,"title":"Internal Server Error"}"#;

/// `GET path` of a page, checked like every reply (no 5xx, the contract). The emulator now and then
/// fails to read back a page reply (17 and 30 KiB) from the function and answers its own 500
/// instead: that reply, and only that one, is asked again, up to three times.
async fn get_page(api: &Api, path: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let client = reqwest::Client::new();
    for _ in 0..3 {
        let mut request = client.get(format!("{}{path}", api.base()));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let response = request.send().await.unwrap_or_else(|e| panic!("GET {path}: {e}"));
        let status = response.status().as_u16();
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let body = response.text().await.unwrap_or_default();
        if status == 500 && body == EMULATOR_500 {
            continue;
        }
        assert!(status < 500, "GET {path} answered {status}\nbody: {body}");
        if let Err(e) = contract().check("GET", path, status, content_type.as_deref(), &body) {
            panic!("GET {path} → {status}: {e}\nbody: {body}");
        }
        return (status, body);
    }
    panic!("GET {path}: the emulator failed three times in a row");
}

// ---------------------------------------------------------------------------------------------
// The Lambda invoke API of the emulator: the event as API Gateway builds it, to the function.
// ---------------------------------------------------------------------------------------------

fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// An API Gateway HTTP API event (payload format 2.0) for `route`, with these headers and this
/// body, base64-encoded as API Gateway sends a body that is not text.
fn apigw_event(route: &Route, headers: &BTreeMap<String, String>, body: Option<&[u8]>) -> Value {
    let path = route.path();
    // API Gateway passes the cookies apart from the other headers.
    let mut headers = headers.clone();
    let cookies: Vec<String> = headers.remove("cookie").into_iter().collect();
    let mut event = json!({
        "version": "2.0",
        "routeKey": format!("{} {}", route.method, route.template),
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "adversarial",
            "domainName": "127.0.0.1",
            "domainPrefix": "adversarial",
            "http": {
                "method": route.method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": "127.0.0.1",
                "userAgent": "adversarial-suite",
            },
            "requestId": "adversarial-malformed",
            "routeKey": format!("{} {}", route.method, route.template),
            "stage": "$default",
            "time": "01/Dec/2026:10:00:00 +0000",
            "timeEpoch": 1796119200000_i64,
        },
        "isBase64Encoded": false,
    });
    if !cookies.is_empty() {
        event["cookies"] = json!(cookies);
    }
    if let Some(body) = body {
        event["body"] = Value::String(base64(body));
        event["isBase64Encoded"] = Value::Bool(true);
    }
    event
}

/// What a function answered to an event: the status, content type and body of its HTTP reply.
#[derive(Debug)]
struct Invoked {
    status: u16,
    content_type: Option<String>,
    body: String,
}

/// Invokes `route`'s function with `event` through the emulator's Lambda invoke API. Fails the test
/// unless the function answered with an HTTP reply (a function error is a 500 on AWS).
async fn invoke(api: &Api, route: &Route, event: &Value) -> Invoked {
    let url = format!("{}/2015-03-31/functions/{}/invocations", api.base(), route.function);
    let response = reqwest::Client::new()
        .post(&url)
        .json(event)
        .send()
        .await
        .unwrap_or_else(|e| panic!("invoking {}: {e}", route.function));
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    assert_eq!(
        status,
        200,
        "{}: the function failed on the event instead of answering it (API Gateway turns that into \
         a 500): {text}",
        route.label()
    );
    let payload: Value = serde_json::from_str(&text).unwrap_or_else(|e| {
        panic!("{}: the invocation result is not JSON ({e}): {text}", route.label())
    });
    let status = payload["statusCode"].as_u64().unwrap_or_else(|| {
        panic!("{}: the function's reply is not an API Gateway response: {text}", route.label())
    }) as u16;
    let content_type = payload["headers"]
        .as_object()
        .and_then(|h| h.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-type")))
        .and_then(|(_, v)| v.as_str())
        .map(str::to_string);
    let body = payload["body"].as_str().unwrap_or("").to_string();
    assert!(
        !payload["isBase64Encoded"].as_bool().unwrap_or(false),
        "{}: the function answered a base64 body: {text}",
        route.label()
    );
    assert!(status < 500, "{} answered {status} to the event\nbody: {body}", route.label());
    if let Err(e) =
        contract().check(&route.method, &route.path(), status, content_type.as_deref(), &body)
    {
        panic!("{} → {status}: {e}\nbody: {body}", route.label());
    }
    Invoked { status, content_type, body }
}

fn event_headers(route: &Route, session: &Session, content_type: &str) -> BTreeMap<String, String> {
    let mut headers: BTreeMap<String, String> = route_headers(route, session).into_iter().collect();
    headers.insert("content-type".into(), content_type.into());
    headers.insert("host".into(), "127.0.0.1".into());
    headers
}

// ---------------------------------------------------------------------------------------------
// The tests, one per kind of malformed input.
// ---------------------------------------------------------------------------------------------

/// `ff fe 00` as a JSON body, on every route that takes one: 400 `invalid_request`.
#[tokio::test]
async fn a_body_that_is_not_utf8_gets_400_invalid_request_on_every_post_route() {
    let api = Api::new().await;
    let session = session(&api).await;
    for route in post_routes_with_a_body() {
        let what = format!("{} with a body that is not UTF-8", route.label());

        // As API Gateway delivers it: base64-encoded, with the client's content type.
        let event = apigw_event(
            &route,
            &event_headers(&route, &session, "application/json"),
            Some(NOT_UTF8),
        );
        let reply = invoke(&api, &route, &event).await;
        let body =
            assert_json_error(&what, reply.status, reply.content_type.as_deref(), &reply.body);
        assert_eq!(body["code"], "invalid_request", "{what}: {}", reply.body);

        // Through the public route of the emulator.
        let reply =
            send(&api, &route, &route.path(), &session, NOT_UTF8, Some("Application/JSON")).await;
        expect_error_code(&what, &reply, &["invalid_request"]);
    }
}

/// An event the HTTP library cannot turn into a request (here a header value with a control
/// character, which `http` refuses) is still answered by the function, with the API's JSON 400,
/// rather than failing the invocation (a 500 from API Gateway); on every function of the API.
/// The portal's pages run their own loop of `lambda_http`, which fails such an event before any
/// code of the portal runs (see docs/security.md).
#[tokio::test]
async fn an_event_the_http_library_cannot_read_gets_a_json_400_from_every_api_function() {
    let api = Api::new().await;
    let session = session(&api).await;
    let mut functions_seen = std::collections::BTreeSet::new();
    for route in routes().into_iter().filter(Route::is_api) {
        if !functions_seen.insert(route.function.clone()) {
            continue;
        }
        let mut headers = event_headers(&route, &session, "application/json");
        headers.insert("x-adversarial".into(), "a\u{7f}b".into());
        let body = route.has_body.then_some(&b"{}"[..]);
        let reply = invoke(&api, &route, &apigw_event(&route, &headers, body)).await;
        let what = format!("{} ({}) with an unreadable header", route.label(), route.function);
        let body =
            assert_json_error(&what, reply.status, reply.content_type.as_deref(), &reply.body);
        assert_eq!(reply.status, 400, "{what}: {}", reply.body);
        assert_eq!(body["code"], "invalid_request", "{what}: {}", reply.body);
    }
    assert!(functions_seen.len() >= 9, "only {} functions tried", functions_seen.len());
}

/// JSON cut short, or not an object: 400 `invalid_request` on every route that takes a body.
#[tokio::test]
async fn truncated_or_misshapen_json_gets_400_on_every_post_route() {
    let api = Api::new().await;
    let session = session(&api).await;
    let bodies: &[&[u8]] = &[
        b"{\"identifier\": \"dominique.martin@ac-versailles.fr\"",
        b"{\"voter_id\": \"A1\", \"token\": \"",
        b"{",
        b"",
        b"[]",
        b"null",
        b"\"text\"",
        b"\xef\xbb\xbf{}",
        b"{} {}",
    ];
    for route in post_routes_with_a_body() {
        for body in bodies {
            let what =
                format!("{} with the body {:?}", route.label(), String::from_utf8_lossy(body));
            let reply =
                send(&api, &route, &route.path(), &session, body, Some("application/json")).await;
            expect_error_code(&what, &reply, &["invalid_request"]);
        }
        // Nested deeper than the parser goes.
        let deep = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        let reply =
            send(&api, &route, &route.path(), &session, deep.as_bytes(), Some("application/json"))
                .await;
        expect_error_code(
            &format!("{} nested 200 deep", route.label()),
            &reply,
            &["invalid_request"],
        );
    }
}

/// Numbers out of any range, or a number where a string is expected, in every field of every
/// body, and in the electoral list's `limit`: a JSON 4xx.
#[tokio::test]
async fn huge_numbers_get_a_json_4xx() {
    let api = Api::new().await;
    let session = session(&api).await;
    let numbers = [
        "1e400".to_string(),
        "-1e400".into(),
        "18446744073709551616".into(),
        "-9223372036854775809".into(),
        "340282366920938463463374607431768211456".into(),
        "1.5".into(),
        "-1".into(),
        "9".repeat(5000),
    ];
    for route in post_routes_with_a_body() {
        let valid = valid_body(&route);
        for field in valid.as_object().unwrap().keys() {
            for number in &numbers {
                let mut body = valid.clone();
                body[field] = Value::String("__NUMBER__".into());
                let text = body.to_string().replace("\"__NUMBER__\"", number);
                let what =
                    format!("{} with {field} = {}", route.label(), &number[..number.len().min(24)]);
                let reply = send(
                    &api,
                    &route,
                    &route.path(),
                    &session,
                    text.as_bytes(),
                    Some("application/json"),
                )
                .await;
                expect_json_error(&what, &reply);
            }
        }
    }
    for limit in ["99999999999999999999", "1e3", "-1", "0", "1.0", "0x10", &"9".repeat(3000)] {
        let path = format!("/api/scrutins/CSA-MEN/electeurs?limit={limit}");
        let reply = api.get(&path).session(&session).send().await;
        let what = format!("limit={}", &limit[..limit.len().min(24)]);
        expect_error_code(&what, &reply, &["invalid_field", "invalid_request"]);
    }
}

/// NUL bytes, raw (not JSON) or escaped (JSON, but no field allows them), in bodies, queries and
/// paths: a JSON 4xx.
#[tokio::test]
async fn nul_bytes_get_a_json_4xx() {
    let api = Api::new().await;
    let session = session(&api).await;
    for route in post_routes_with_a_body() {
        for raw in [&b"\0\0\0"[..], b"{\"identifier\":\"a\0@ac-versailles.fr\"}", b"{\0}"] {
            let what = format!("{} with a raw NUL", route.label());
            let reply =
                send(&api, &route, &route.path(), &session, raw, Some("application/json")).await;
            expect_error_code(&what, &reply, &["invalid_request"]);
        }
        let valid = valid_body(&route);
        for (field, value) in valid.as_object().unwrap() {
            let Some(value) = value.as_str() else { continue };
            for spoilt in [format!("{value}\0"), format!("\0{value}"), "\0".to_string()] {
                let mut body = valid.clone();
                body[field] = Value::String(spoilt);
                let what = format!("{} with NUL in {field}", route.label());
                let reply = send(
                    &api,
                    &route,
                    &route.path(),
                    &session,
                    body.to_string().as_bytes(),
                    Some("application/json"),
                )
                .await;
                expect_json_error(&what, &reply);
            }
        }
    }
    for path in [
        "/api/scrutins/%00/electeurs",
        "/api/scrutins/CSA-MEN%00/electeurs",
        "/api/scrutins/CSA-MEN/electeurs?cursor=%00",
        "/api/scrutins/CSA-MEN/electeurs?limit=1%00",
        "/assets/portal.js%00",
        "/assets/%00",
    ] {
        let reply = api.get(path).session(&session).send().await;
        expect_json_error(&format!("GET {path}"), &reply);
    }
}

/// A body under any content type but `application/json`: 415 `unsupported_media_type`.
#[tokio::test]
async fn wrong_content_types_get_415() {
    let api = Api::new().await;
    let session = session(&api).await;
    let content_types = [
        None,
        Some(""),
        Some("text/plain"),
        Some("text/json"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=xyz"),
        Some("application/xml"),
        Some("application/jsonx"),
        Some("application/json-patch+json"),
        Some("application/octet-stream"),
        Some("json"),
        Some(";application/json"),
    ];
    for route in post_routes_with_a_body() {
        for content_type in content_types {
            let what = format!("{} as {content_type:?}", route.label());
            let reply = send(&api, &route, &route.path(), &session, b"{}", content_type).await;
            expect_error_code(&what, &reply, &["unsupported_media_type"]);
        }
    }
}

/// Percent-encoding that does not decode (a lone `%`, `%zz`, bytes that are not UTF-8) in the
/// query or the path: never a 5xx; an API route answers a JSON 4xx, a page is served or its 404 is
/// JSON.
#[tokio::test]
async fn bad_percent_encoding_in_queries_and_paths_is_answered_without_a_5xx() {
    let api = Api::new().await;
    let session = session(&api).await;
    let api_paths = [
        "/api/scrutins/%ff%fe/electeurs",
        "/api/scrutins/%zz/electeurs",
        "/api/scrutins/%/electeurs",
        "/api/scrutins/CSA-MEN/electeurs?cursor=%ff%fe",
        "/api/scrutins/CSA-MEN/electeurs?cursor=%zz&limit=%",
        "/api/scrutins/CSA-MEN/electeurs?limit=%ff",
    ];
    for path in api_paths {
        let reply = api.get(path).session(&session).send().await;
        expect_json_error(&format!("GET {path}"), &reply);
    }
    // Query strings the API ignores change nothing.
    for path in ["/api/election?%ff=%zz&%", "/api/questions?%", "/api/session?x=%ff"] {
        let reply = api.get(path).session(&session).send().await;
        assert!(reply.status < 500, "GET {path}: {}", reply.status);
    }
    for route in post_routes_with_a_body() {
        let path = format!("{}?%ff=%zz&%", route.path());
        let reply = send(&api, &route, &path, &session, b"{}", Some("application/json")).await;
        expect_json_error(&format!("POST {path}"), &reply);
    }
    for path in ["/assets/%ff", "/assets/%zz", "/assets/%", "/assets/%2e%2e%2fCargo.toml"] {
        let reply = api.get(path).send().await;
        expect_error_code(&format!("GET {path}"), &reply, &["not_found"]);
    }
    for path in ["/?%ff", "/activation?token=%ff&electeurId=%zz", "/reassort?%"] {
        let (status, _) = get_page(&api, path, &[]).await;
        assert_eq!(status, 200, "GET {path}: the page is served");
    }
}

/// Header values far longer than any the API uses (8 KiB, under API Gateway's 10 KiB for the
/// request line and headers): a JSON 4xx where the header matters, never a 5xx anywhere.
#[tokio::test]
async fn overlong_headers_get_a_json_4xx() {
    let api = Api::new().await;
    let session = session(&api).await;
    let long = "A".repeat(8 * 1024);
    for route in routes() {
        let path = route.path();
        let body: &[u8] = if route.has_body { b"{}" } else { b"" };
        let content_type = route.has_body.then_some("application/json");

        // A long header the API does not read.
        if !route.is_api() {
            get_page(&api, &path, &[("x-padding", &long)]).await;
            continue;
        }
        let mut call = api.call(route.method.parse().unwrap(), &path).header("x-padding", &long);
        for (name, value) in route_headers(&route, &session) {
            call = call.header(&name, &value);
        }
        if route.has_body {
            call = call.raw(body.to_vec(), content_type);
        }
        let reply = call.send().await;
        assert!(reply.status < 500, "{} with a long header: {}", route.label(), reply.status);

        // A long session cookie where one is read.
        if route.needs_session {
            let mut call = api
                .call(route.method.parse().unwrap(), &path)
                .header("cookie", &format!("{}={long}", e2e::SESSION_COOKIE));
            if route.template == "/api/claims" {
                call = call.header("idempotency-key", CLAIM_KEY);
            }
            if route.has_body {
                call = call.raw(body.to_vec(), content_type);
            }
            let reply = call.send().await;
            expect_error_code(
                &format!("{} with a long cookie", route.label()),
                &reply,
                &["unauthenticated"],
            );
        }

        // A long content type where a body is read.
        if route.has_body && route.is_api() {
            let reply = send(&api, &route, &path, &session, b"{}", Some(&long)).await;
            expect_error_code(
                &format!("{} with a long content type", route.label()),
                &reply,
                &["unsupported_media_type"],
            );
        }
    }
    let claims = routes().into_iter().find(|r| r.template == "/api/claims").expect("claims");
    let reply = api
        .post("/api/claims")
        .session(&session)
        .header("idempotency-key", &long)
        .json(&json!({"category": "autre", "text": "Une réclamation assez longue."}))
        .send()
        .await;
    expect_error_code(
        &format!("{} with a long Idempotency-Key", claims.label()),
        &reply,
        &["invalid_field", "invalid_request"],
    );
}

/// A request that matches no route of the table (a path it does not list, or a method its path
/// does not take) is answered at once as API Gateway answers it, before any function runs: 404
/// with `{"message":"Not Found"}`, never a wait for a function nor a 5xx. On every route of the
/// contract with every other common method, and on paths next to the routes.
#[tokio::test]
async fn a_request_that_matches_no_route_gets_the_gateway_404_at_once() {
    let api = Api::new().await;
    let mut requests: Vec<(&str, String)> = Vec::new();
    for route in routes() {
        for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
            if method != route.method {
                requests.push((method, route.path()));
            }
        }
    }
    let near = [
        "/nowhere",
        "/api",
        "/api/nowhere",
        "/api/election/more",
        "/api/scrutins//electeurs",
        "/api/scrutins/CSA-MEN",
        "/assets/",
        "/assets/css/portal.css",
        "/activation/more",
        "/.env",
    ];
    for path in near {
        requests.push(("GET", path.to_string()));
        requests.push(("POST", path.to_string()));
    }
    for (method, path) in requests {
        let mut call = api.call(method.parse().unwrap(), &path);
        if method != "GET" {
            call = call.json(&json!({}));
        }
        let reply = tokio::time::timeout(std::time::Duration::from_secs(10), call.send())
            .await
            .unwrap_or_else(|_| panic!("{method} {path}: no answer within 10 s"));
        assert_eq!(reply.status, 404, "{method} {path}: {}", reply.text);
        assert_eq!(reply.body, json!({ "message": "Not Found" }), "{method} {path}");
    }
}
