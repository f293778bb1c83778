//! HTTP edge shared by every function: JSON bodies in, JSON replies and errors out, the session
//! cookie, and the one log line per request.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lambda_http::aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
use lambda_http::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use lambda_http::lambda_runtime::{self, LambdaEvent};
use lambda_http::request::LambdaRequest;
use lambda_http::{service_fn, Body, RequestExt, Response};
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use shared::error::DomainError;
use shared::services::OpenedSession;

pub use lambda_http::Request;

pub type Reply = Result<Response<Body>, DomainError>;

pub const SESSION_COOKIE: &str = "__Host-ee-session";
/// The cookie of a browser the voter has shown to be theirs: it gives that browser a failure
/// budget of its own at login and réassort.
pub const DEVICE_COOKIE: &str = "__Host-ee-appareil";
pub const MAX_BODY_BYTES: usize = 16 * 1024;

/// Only the portal's own origin, and nothing inline: no inline script, no inline style, no frames;
/// workers (the ballot's) only from the portal's own scripts.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     worker-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; \
     frame-ancestors 'none'";

/// The headers of every response, API and pages alike: the mail links put a token in the page's
/// address, and nothing may carry it elsewhere (`Referrer-Policy`), frame the portal or run a
/// script the portal did not serve.
pub const SECURITY_HEADERS: &[(HeaderName, &str)] = &[
    (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::REFERRER_POLICY, "no-referrer"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::STRICT_TRANSPORT_SECURITY, "max-age=63072000"),
];

/// Puts [`SECURITY_HEADERS`] on a response.
pub fn with_security_headers(mut resp: Response<Body>) -> Response<Body> {
    let h = resp.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        h.insert(name, HeaderValue::from_static(value));
    }
    resp
}

fn with_common_headers(mut resp: Response<Body>) -> Response<Body> {
    resp.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    with_security_headers(resp)
}

/// The origin (`scheme://host[:port]`) of a base URL such as `PORTAL_BASE_URL`.
pub fn origin_of(base_url: &str) -> String {
    let (scheme, rest) = base_url.split_once("://").unwrap_or(("https", base_url));
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    format!("{}://{}", scheme.to_ascii_lowercase(), authority.to_ascii_lowercase())
}

/// Whether a state-changing request comes from another site than the portal: its `Origin`
/// differs from `portal_origin`, or, without `Origin`, its `Sec-Fetch-Site` says another site.
/// A request with neither (a client that is no browser) carries no cookie a browser would send
/// on someone else's behalf, and is let through.
pub fn from_another_site(req: &Request, portal_origin: &str) -> bool {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    if let Some(origin) = req.headers().get(header::ORIGIN) {
        return origin.to_str().map(|o| !o.eq_ignore_ascii_case(portal_origin)).unwrap_or(true);
    }
    matches!(header_value(req, "sec-fetch-site"), Some("cross-site" | "same-site"))
}

/// A JSON reply.
pub fn json<T: Serialize>(status: u16, body: &T) -> Reply {
    let text = serde_json::to_string(body)
        .map_err(|e| DomainError::Internal(format!("serialise reply: {e}")))?;
    let resp = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .body(Body::Text(text))
        .map_err(|e| DomainError::Internal(format!("build reply: {e}")))?;
    Ok(with_common_headers(resp))
}

/// A body that is not JSON (a download), with its content type.
pub fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Reply {
    let resp = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::Binary(body))
        .map_err(|e| DomainError::Internal(format!("build reply: {e}")))?;
    Ok(with_common_headers(resp))
}

/// `204 No Content`.
pub fn no_content() -> Reply {
    let resp = Response::builder()
        .status(204)
        .body(Body::Empty)
        .map_err(|e| DomainError::Internal(e.to_string()))?;
    Ok(with_common_headers(resp))
}

/// The JSON error a voter's browser receives.
pub fn error_response(e: &DomainError) -> Response<Body> {
    let mut body = serde_json::json!({ "code": e.code(), "message": e.message() });
    if let Some(field) = e.field() {
        body["field"] = serde_json::Value::String(field.to_string());
    }
    let resp = Response::builder()
        .status(StatusCode::from_u16(e.status()).unwrap_or(StatusCode::SERVICE_UNAVAILABLE))
        .header(header::CONTENT_TYPE, "application/json; charset=utf-8")
        .body(Body::Text(body.to_string()))
        .unwrap_or_else(|_| Response::new(Body::Empty));
    with_common_headers(resp)
}

/// Parses a JSON body: right content type, bounded size, exact fields, no NUL character in any
/// string. The body may come as text or, when API Gateway judged it binary (bytes that are not
/// UTF-8, for one), base64-decoded as `Body::Binary`: either way these bytes are parsed, and bytes
/// that are not JSON get 400 `invalid_request`.
pub fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T, DomainError> {
    let content_type =
        req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let mime = content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let bytes: &[u8] = match req.body() {
        Body::Empty => b"",
        Body::Text(t) => t.as_bytes(),
        Body::Binary(b) => b,
        _ => b"",
    };
    if bytes.len() > MAX_BODY_BYTES {
        return Err(DomainError::PayloadTooLarge);
    }
    if mime != "application/json" {
        return Err(DomainError::UnsupportedMediaType);
    }
    let parsed = serde_json::from_slice(bytes).map_err(|e| {
        use serde_json::error::Category;
        let what = match e.classify() {
            Category::Syntax | Category::Eof | Category::Io => {
                "le corps n'est pas un JSON valide".to_string()
            }
            Category::Data => format!("champ manquant, inconnu ou de mauvais type ({e})"),
        };
        DomainError::InvalidRequest(what)
    })?;
    // JSON may spell U+0000 (`\u0000`), but no field of the API holds one: a field that would drop
    // it in normalising (a secret answer) must not take it for another character.
    if serde_json::from_slice::<Value>(bytes).is_ok_and(|v| holds_nul(&v)) {
        return Err(DomainError::InvalidRequest("un texte contient le caractère nul".into()));
    }
    Ok(parsed)
}

/// Whether a key or a string anywhere in `value` holds U+0000.
fn holds_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::Array(items) => items.iter().any(holds_nul),
        Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        _ => false,
    }
}

pub fn query_param(req: &Request, name: &str) -> Option<String> {
    req.query_string_parameters_ref().and_then(|q| q.first(name).map(str::to_string))
}

pub fn header_value<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// A named path parameter of the route, e.g. `id` of `/api/scrutins/{id}/electeurs`.
pub fn path_param(req: &Request, name: &str) -> Option<String> {
    req.path_parameters_ref().and_then(|p| p.first(name).map(str::to_string))
}

/// The value of a cookie of the request, if any.
fn cookie(req: &Request, name: &str) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim().to_string())
}

/// The session id sent in the cookie, if any.
pub fn session_secret(req: &Request) -> Option<String> {
    cookie(req, SESSION_COOKIE)
}

/// The device cookie's secret, if the browser sent one.
pub fn device_secret(req: &Request) -> Option<String> {
    cookie(req, DEVICE_COOKIE)
}

/// Sets the device cookie of a browser just trusted on a reply.
pub fn with_device_cookie(
    resp: Response<Body>,
    secret: &SecretString,
    max_age: Duration,
) -> Response<Body> {
    set_cookie(resp, DEVICE_COOKIE, secret, max_age)
}

/// Sets a host-only, script-proof, same-site cookie on a reply.
fn set_cookie(
    mut resp: Response<Body>,
    name: &str,
    secret: &SecretString,
    max_age: Duration,
) -> Response<Body> {
    use secrecy::ExposeSecret;
    let cookie = format!(
        "{name}={}; Path=/; Max-Age={}; Secure; HttpOnly; SameSite=Strict",
        secret.expose_secret(),
        max_age.as_secs()
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// Sets the session cookie on a reply.
pub fn with_session_cookie(
    resp: Response<Body>,
    session: &OpenedSession,
    max_age: Duration,
) -> Response<Body> {
    set_cookie(resp, SESSION_COOKIE, &session.secret, max_age)
}

pub fn clearing_session_cookie(mut resp: Response<Body>) -> Response<Body> {
    let cookie = format!("{SESSION_COOKIE}=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Strict");
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// Runs `f` and then waits until at least `floor` has passed, so that replies which must not
/// reveal whether an identifier exists take the same time whatever path they took.
pub async fn uniform<F: Future>(floor: Duration, f: F) -> F::Output {
    let start = Instant::now();
    let out = f.await;
    if let Some(rest) = floor.checked_sub(start.elapsed()) {
        tokio::time::sleep(rest).await;
    }
    out
}

/// `(method, path)` of a request, for routing inside a function that serves several routes.
pub fn route(req: &Request) -> (Method, String) {
    (req.method().clone(), req.raw_http_path().trim_end_matches('/').to_string())
}

/// The request loop: every event gets an HTTP reply and one log line with function, method,
/// route, status and latency. Domain errors become JSON errors, never a bare Lambda failure; an
/// event that `lambda_http` cannot turn into a request (a header value `http` refuses, a body
/// that claims base64 and is not) gets 400 `invalid_request` rather than failing the invocation,
/// which API Gateway would answer with a 500 of its own. Query strings (which may carry a token)
/// and bodies are never logged.
pub async fn serve<S, H, F>(
    function: &'static str,
    portal_origin: String,
    service: Arc<S>,
    handler: H,
) -> Result<(), lambda_http::Error>
where
    S: Send + Sync + 'static,
    H: Fn(Arc<S>, Request) -> F + Send + Sync + 'static,
    F: Future<Output = Reply> + Send + 'static,
{
    let handler = Arc::new(handler);
    let portal_origin = Arc::new(portal_origin);
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
        let service = service.clone();
        let handler = handler.clone();
        let portal_origin = portal_origin.clone();
        async move {
            let start = Instant::now();
            let (method, path, resp) = match read_event(event) {
                Ok(req) => {
                    let method = req.method().to_string();
                    let path = req.raw_http_path().to_string();
                    let outcome = if from_another_site(&req, &portal_origin) {
                        tracing::warn!(function, method = %method, route = %path, "request from another site refused");
                        Err(DomainError::CrossOrigin)
                    } else {
                        handler(service, req).await
                    };
                    let resp = match outcome {
                        Ok(resp) => resp,
                        Err(e) => {
                            if e.status() >= 500 {
                                tracing::error!(function, error = ?e, "request failed on a dependency");
                            }
                            error_response(&e)
                        }
                    };
                    (method, path, resp)
                }
                Err(unreadable) => {
                    tracing::warn!(function, error = %unreadable.error, "unreadable request event");
                    let e = DomainError::InvalidRequest("en-têtes ou corps illisibles".into());
                    (unreadable.method, unreadable.path, error_response(&e))
                }
            };
            tracing::info!(
                function,
                method = %method,
                route = %path,
                status = resp.status().as_u16(),
                latency_ms = start.elapsed().as_millis() as u64,
                "request"
            );
            Ok::<_, std::convert::Infallible>(api_gateway_response(resp))
        }
    }))
    .await
}

/// An event that is not a request `lambda_http` can build, with what the log line may show of it
/// (never a header value nor the body).
#[derive(Debug)]
struct UnreadableEvent {
    method: String,
    path: String,
    error: &'static str,
}

/// Turns an API Gateway HTTP API event (payload format 2.0, the only one these functions are
/// behind) into the request `lambda_http` would have built from it.
fn read_event(event: LambdaEvent<Value>) -> Result<Request, UnreadableEvent> {
    let LambdaEvent { payload, context } = event;
    let text = |pointer: &str| payload.pointer(pointer).and_then(Value::as_str).unwrap_or("-");
    let unreadable = |error: &'static str| UnreadableEvent {
        method: text("/requestContext/http/method").chars().take(16).collect(),
        path: text("/rawPath").chars().take(256).collect(),
        error,
    };
    // The error would quote the value it refused, which may be a cookie: it is not logged.
    let event = ApiGatewayV2httpRequest::deserialize(&payload)
        .map_err(|_| unreadable("not an API Gateway HTTP API request"))?;
    // `lambda_http` decodes a base64 body with `expect`: a body that is not base64 would panic.
    let request = std::panic::catch_unwind(|| Request::from(LambdaRequest::ApiGatewayV2(event)))
        .map_err(|_| unreadable("body marked base64 that does not decode"))?;
    Ok(request.with_lambda_context(context))
}

/// The API Gateway HTTP API response for a reply, as `lambda_http` builds it: cookies apart, a
/// `Body::Binary` base64-encoded.
fn api_gateway_response(resp: Response<Body>) -> ApiGatewayV2httpResponse {
    let (parts, body) = resp.into_parts();
    let mut headers = parts.headers;
    let cookies = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .map(str::to_string)
        .collect();
    headers.remove(header::SET_COOKIE);
    let (is_base64_encoded, body) = match body {
        Body::Empty => (false, None),
        b @ Body::Text(_) => (false, Some(b)),
        b @ Body::Binary(_) => (true, Some(b)),
        _ => (false, None),
    };
    let mut out = ApiGatewayV2httpResponse::default();
    out.status_code = i64::from(parts.status.as_u16());
    out.headers = headers;
    out.multi_value_headers = HeaderMap::new();
    out.body = body;
    out.is_base64_encoded = is_base64_encoded;
    out.cookies = cookies;
    out
}

/// Body of the steps that end a mailed link: `{"voter_id", "token"}`.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkBody {
    pub voter_id: String,
    pub token: String,
}

impl LinkBody {
    pub fn parse(
        &self,
    ) -> Result<(shared::validate::VoterId, shared::validate::RawToken), DomainError> {
        Ok((
            shared::validate::VoterId::parse(&self.voter_id)?,
            shared::validate::RawToken::parse(&self.token)?,
        ))
    }
}

/// The reply of a step that opened a session: `{"status", "session"}` and the cookie.
pub fn session_opened(
    status: u16,
    label: &str,
    session: &OpenedSession,
    config: &shared::config::Config,
) -> Reply {
    let reply = json(
        status,
        &serde_json::json!({
            "status": label,
            "session": shared::views::SessionView::of(&session.record, config),
        }),
    )?;
    Ok(with_session_cookie(reply, session, config.session_absolute))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(headers: &[(&str, &str)]) -> Request {
        let mut builder =
            lambda_http::http::Request::builder().method(Method::POST).uri("/api/claims");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(Body::Empty).unwrap()
    }

    #[test]
    fn the_origin_of_a_base_url_is_its_scheme_host_and_port() {
        assert_eq!(origin_of("https://Elections.example.fr/"), "https://elections.example.fr");
        assert_eq!(origin_of("http://127.0.0.1:9000"), "http://127.0.0.1:9000");
        assert_eq!(origin_of("https://e.example.fr/portail?x=1"), "https://e.example.fr");
    }

    #[test]
    fn a_state_changing_request_from_another_site_is_recognised() {
        let portal = "https://elections.example.fr";
        assert!(from_another_site(&post(&[("origin", "https://evil.example")]), portal));
        assert!(from_another_site(&post(&[("origin", "null")]), portal));
        assert!(from_another_site(&post(&[("sec-fetch-site", "cross-site")]), portal));
        assert!(from_another_site(&post(&[("sec-fetch-site", "same-site")]), portal));
        assert!(!from_another_site(&post(&[("origin", "https://elections.example.fr")]), portal));
        assert!(!from_another_site(&post(&[("sec-fetch-site", "same-origin")]), portal));
        assert!(!from_another_site(&post(&[]), portal), "no browser, no ambient cookie");
        let get = lambda_http::http::Request::builder()
            .method(Method::GET)
            .uri("/api/scrutins")
            .header("origin", "https://evil.example")
            .body(Body::Empty)
            .unwrap();
        assert!(!from_another_site(&get, portal), "reads change nothing");
    }

    #[test]
    fn every_reply_carries_the_security_headers() {
        for resp in [
            json(200, &serde_json::json!({})).unwrap(),
            no_content().unwrap(),
            error_response(&DomainError::NotFound),
        ] {
            for (name, value) in SECURITY_HEADERS {
                assert_eq!(
                    resp.headers().get(name).and_then(|v| v.to_str().ok()),
                    Some(*value),
                    "{name}"
                );
            }
            assert_eq!(resp.headers().get(header::CACHE_CONTROL).unwrap(), "no-store");
        }
    }

    use lambda_http::Context;

    fn event(headers: Value, body: Option<&str>, base64: bool) -> LambdaEvent<Value> {
        let payload = serde_json::json!({
            "version": "2.0",
            "routeKey": "POST /api/activate",
            "rawPath": "/api/activate",
            "rawQueryString": "token=secret",
            "headers": headers,
            "requestContext": {
                "http": { "method": "POST", "path": "/api/activate", "protocol": "HTTP/1.1",
                          "sourceIp": "127.0.0.1", "userAgent": "test" },
                "requestId": "r", "routeKey": "POST /api/activate", "stage": "$default",
                "time": "01/Dec/2026:10:00:00 +0000", "timeEpoch": 0,
            },
            "body": body,
            "isBase64Encoded": base64,
        });
        LambdaEvent::new(payload, Context::default())
    }

    #[test]
    fn a_base64_body_that_is_not_utf8_is_read_as_bytes_and_refused_as_json() {
        let req = read_event(event(
            serde_json::json!({ "content-type": "application/json" }),
            Some("//4A"),
            true,
        ))
        .unwrap();
        assert!(matches!(req.body(), Body::Binary(b) if b == &[0xff, 0xfe, 0x00]));
        let e = json_body::<Value>(&req).unwrap_err();
        assert_eq!((e.status(), e.code()), (400, "invalid_request"));
    }

    #[test]
    fn an_event_lambda_http_cannot_read_is_unreadable_not_a_panic() {
        let bad_header = event(serde_json::json!({ "x-test": "a\u{7f}b" }), None, false);
        let e = read_event(bad_header).unwrap_err();
        assert_eq!((e.method.as_str(), e.path.as_str()), ("POST", "/api/activate"));
        let bad_base64 = event(serde_json::json!({}), Some("not base64!"), true);
        assert!(read_event(bad_base64).is_err());
    }

    #[test]
    fn a_nul_in_any_string_of_the_body_is_refused() {
        for body in [r#"{"a":"x\u0000"}"#, r#"{"a":["\u0000"]}"#, r#"{"a\u0000":1}"#] {
            let req = read_event(event(
                serde_json::json!({ "content-type": "application/json" }),
                Some(body),
                false,
            ))
            .unwrap();
            let e = json_body::<Value>(&req).unwrap_err();
            assert_eq!((e.status(), e.code()), (400, "invalid_request"), "{body}");
        }
        // The six characters `\u0000`, escaped, are text like any other.
        let req = read_event(event(
            serde_json::json!({ "content-type": "application/json" }),
            Some(r#"{"a":"\\u0000"}"#),
            false,
        ))
        .unwrap();
        assert_eq!(json_body::<Value>(&req).unwrap()["a"], "\\u0000");
    }

    #[test]
    fn replies_keep_status_headers_cookies_and_body() {
        let reply = json(400, &serde_json::json!({ "code": "x" })).unwrap();
        let reply = clearing_session_cookie(reply);
        let out = api_gateway_response(reply);
        assert_eq!(out.status_code, 400);
        assert_eq!(out.cookies.len(), 1);
        assert!(out.cookies[0].starts_with(SESSION_COOKIE));
        assert!(out.headers.get(header::SET_COOKIE).is_none());
        assert_eq!(out.headers[header::CONTENT_TYPE], "application/json; charset=utf-8");
        assert!(!out.is_base64_encoded);
        assert!(matches!(out.body, Some(Body::Text(ref t)) if t == r#"{"code":"x"}"#));
        let empty = api_gateway_response(no_content().unwrap());
        assert_eq!((empty.status_code, empty.body.is_none()), (204, true));
    }
}
