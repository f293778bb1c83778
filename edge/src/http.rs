//! HTTP edge shared by every function: JSON bodies in, JSON replies and errors out, the session
//! cookie, and the one log line per request.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use lambda_http::http::{header, HeaderValue, Method, StatusCode};
use lambda_http::{service_fn, Body, RequestExt, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;

use shared::error::DomainError;
use shared::services::OpenedSession;

pub use lambda_http::Request;

pub type Reply = Result<Response<Body>, DomainError>;

pub const SESSION_COOKIE: &str = "__Host-ee-session";
pub const MAX_BODY_BYTES: usize = 16 * 1024;

fn with_common_headers(mut resp: Response<Body>) -> Response<Body> {
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    resp
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

/// Parses a JSON body: right content type, bounded size, exact fields.
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
    serde_json::from_slice(bytes).map_err(|e| {
        use serde_json::error::Category;
        let what = match e.classify() {
            Category::Syntax | Category::Eof | Category::Io => {
                "le corps n'est pas un JSON valide".to_string()
            }
            Category::Data => format!("champ manquant, inconnu ou de mauvais type ({e})"),
        };
        DomainError::InvalidRequest(what)
    })
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

/// The session id sent in the cookie, if any.
pub fn session_secret(req: &Request) -> Option<String> {
    req.headers()
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == SESSION_COOKIE)
        .map(|(_, v)| v.trim().to_string())
}

/// Sets the session cookie on a reply.
pub fn with_session_cookie(
    mut resp: Response<Body>,
    session: &OpenedSession,
    max_age: Duration,
) -> Response<Body> {
    use secrecy::ExposeSecret;
    let cookie = format!(
        "{SESSION_COOKIE}={}; Path=/; Max-Age={}; Secure; HttpOnly; SameSite=Strict",
        session.secret.expose_secret(),
        max_age.as_secs()
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
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

/// The request loop: every request gets a reply (domain errors become JSON errors, never a bare
/// Lambda failure) and one log line with function, method, route, status and latency. Query
/// strings (which may carry a token) and bodies are never logged.
pub async fn serve<S, H, F>(
    function: &'static str,
    service: Arc<S>,
    handler: H,
) -> Result<(), lambda_http::Error>
where
    S: Send + Sync + 'static,
    H: Fn(Arc<S>, Request) -> F + Send + Sync + 'static,
    F: Future<Output = Reply> + Send + 'static,
{
    let handler = Arc::new(handler);
    lambda_http::run(service_fn(move |req: Request| {
        let service = service.clone();
        let handler = handler.clone();
        async move {
            let start = Instant::now();
            let method = req.method().to_string();
            let path = req.raw_http_path().to_string();
            let resp = match handler(service, req).await {
                Ok(resp) => resp,
                Err(e) => {
                    if e.status() >= 500 {
                        tracing::error!(function, error = ?e, "request failed on a dependency");
                    }
                    error_response(&e)
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
            Ok::<_, std::convert::Infallible>(resp)
        }
    }))
    .await
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
