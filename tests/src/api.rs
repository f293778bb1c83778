//! An HTTP client for the API under test. Every reply is checked against docs/openapi.yaml and
//! against the rule that bad input never earns a 5xx; a test only states what it expects on top.

use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, CONTENT_TYPE, COOKIE, SET_COOKIE};
use reqwest::Method;
use serde_json::Value;

use crate::contract::contract;

/// Name of the session cookie (the `__Host-` prefix pins it to the portal's own origin).
pub const SESSION_COOKIE: &str = "__Host-ee-session";
/// Name of the cookie of a browser the voter has shown to be theirs.
pub const DEVICE_COOKIE: &str = "__Host-ee-appareil";

pub fn api_base_url() -> String {
    std::env::var("API_BASE_URL")
        .unwrap_or_else(|_| "http://127.0.0.1:9000".into())
        .trim_end_matches('/')
        .to_string()
}

/// A client of the API. Build one per test: its connections belong to that test's runtime.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    /// Connects to the API, and fails the test at once with directions when nothing answers.
    pub async fn new() -> Api {
        let base = api_base_url();
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            // The local emulator builds a function on its first call.
            .timeout(Duration::from_secs(180))
            .build()
            .expect("HTTP client");
        if let Err(e) = http.get(format!("{base}/api/election")).send().await {
            panic!(
                "the API is not reachable at {base} ({e}).\n\
                 These tests run against the local stack: start them with scripts/test.sh \
                 (or set API_BASE_URL to a running API)."
            );
        }
        Api { http, base }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn get(&self, path: impl Into<String>) -> Call<'_> {
        self.call(Method::GET, path)
    }

    pub fn post(&self, path: impl Into<String>) -> Call<'_> {
        self.call(Method::POST, path)
    }

    pub fn call(&self, method: Method, path: impl Into<String>) -> Call<'_> {
        Call { api: self, method, path: path.into(), headers: Vec::new(), body: None }
    }

    /// `POST path` with a JSON body, the common case.
    pub async fn post_json(&self, path: &str, body: Value) -> Reply {
        self.post(path).json(&body).send().await
    }
}

/// One request being built.
pub struct Call<'a> {
    api: &'a Api,
    method: Method,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<(Vec<u8>, Option<String>)>,
}

impl Call<'_> {
    pub fn json(mut self, body: &Value) -> Self {
        self.body = Some((serde_json::to_vec(body).unwrap(), Some("application/json".into())));
        self
    }

    /// A body sent as is, with the given Content-Type (none if `None`).
    pub fn raw(mut self, body: impl Into<Vec<u8>>, content_type: Option<&str>) -> Self {
        self.body = Some((body.into(), content_type.map(str::to_string)));
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn session(self, session: &Session) -> Self {
        let cookie = session.cookie_header();
        self.header(COOKIE.as_str(), &cookie)
    }

    pub async fn send(self) -> Reply {
        let url = format!("{}{}", self.api.base, self.path);
        let mut request = self.api.http.request(self.method.clone(), &url);
        for (k, v) in &self.headers {
            request = request.header(k, v);
        }
        if let Some((bytes, content_type)) = self.body {
            if let Some(ct) = content_type {
                request = request.header(CONTENT_TYPE, ct);
            }
            request = request.body(bytes);
        }
        let started = Instant::now();
        let response = request.send().await.unwrap_or_else(|e| {
            panic!("{} {} failed before any reply: {e}", self.method, self.path)
        });
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap_or_else(|e| {
            panic!("{} {}: reading the body failed: {e}", self.method, self.path)
        });
        let elapsed = started.elapsed();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        let reply = Reply {
            method: self.method.to_string(),
            path: self.path,
            status,
            headers,
            text,
            body,
            elapsed,
        };
        reply.check_contract();
        reply
    }
}

/// What the API answered.
#[derive(Debug, Clone)]
pub struct Reply {
    pub method: String,
    pub path: String,
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    /// The body parsed as JSON (`Null` when empty or not JSON).
    pub body: Value,
    pub elapsed: Duration,
}

impl Reply {
    fn check_contract(&self) {
        assert!(
            self.status < 500,
            "{} {} answered {} (never expected: bad input gets a 4xx, and the local stack is healthy)\nbody: {}",
            self.method,
            self.path,
            self.status,
            self.text
        );
        let content_type = self.headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok());
        if let Err(e) =
            contract().check(&self.method, &self.path, self.status, content_type, &self.text)
        {
            panic!("{} {} → {}: {e}\nbody: {}", self.method, self.path, self.status, self.text);
        }
    }

    /// The error code of an error body.
    pub fn code(&self) -> &str {
        self.body.get("code").and_then(Value::as_str).unwrap_or("")
    }

    /// A string field of the body, by JSON pointer (`/session/kind`).
    pub fn str_at(&self, pointer: &str) -> &str {
        self.body.pointer(pointer).and_then(Value::as_str).unwrap_or_else(|| {
            panic!("{} {}: no string at {pointer} in {}", self.method, self.path, self.text)
        })
    }

    /// Fails the test unless the status is `status`; returns the reply for chaining.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Self {
        assert_eq!(
            self.status, status,
            "{} {}: expected {status}, got {}\nbody: {}",
            self.method, self.path, self.status, self.text
        );
        self
    }

    /// Fails the test unless this is the error `status` with code `code`.
    #[track_caller]
    pub fn expect_error(&self, status: u16, code: &str) -> &Self {
        assert!(
            self.status == status && self.code() == code,
            "{} {}: expected {status} {code}, got {}\nbody: {}",
            self.method,
            self.path,
            self.status,
            self.text
        );
        self
    }

    /// Like [`Reply::expect_error`], and the error names `field`.
    #[track_caller]
    pub fn expect_field_error(&self, status: u16, code: &str, field: &str) -> &Self {
        self.expect_error(status, code);
        assert_eq!(
            self.body.get("field").and_then(Value::as_str),
            Some(field),
            "{} {}: the error should name the field `{field}`\nbody: {}",
            self.method,
            self.path,
            self.text
        );
        self
    }

    /// Every `Set-Cookie` header of the reply.
    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect()
    }

    /// The session cookie this reply sets, if any.
    pub fn session_cookie(&self) -> Option<SetCookie> {
        self.set_cookies()
            .iter()
            .filter_map(|c| SetCookie::parse(c))
            .find(|c| c.name == SESSION_COOKIE)
    }

    /// The device cookie this reply sets, checked for every protective attribute, if any.
    #[track_caller]
    pub fn device_cookie(&self) -> Option<String> {
        let cookie = self
            .set_cookies()
            .iter()
            .filter_map(|c| SetCookie::parse(c))
            .find(|c| c.name == DEVICE_COOKIE)?;
        cookie.assert_protected();
        Some(format!("{DEVICE_COOKIE}={}", cookie.value))
    }

    /// The session this reply opens: the cookie must be there with every protective attribute.
    #[track_caller]
    pub fn session(&self) -> Session {
        let cookie = self.session_cookie().unwrap_or_else(|| {
            panic!(
                "{} {}: no {SESSION_COOKIE} cookie set; Set-Cookie: {:?}",
                self.method,
                self.path,
                self.set_cookies()
            )
        });
        cookie.assert_protected();
        assert!(!cookie.value.is_empty(), "the session cookie is empty: {}", cookie.raw);
        Session { value: cookie.value }
    }
}

/// A parsed `Set-Cookie` header.
#[derive(Debug, Clone)]
pub struct SetCookie {
    pub raw: String,
    pub name: String,
    pub value: String,
    /// Attributes, names lower-cased, values as given (empty for flags).
    pub attributes: Vec<(String, String)>,
}

impl SetCookie {
    pub fn parse(raw: &str) -> Option<SetCookie> {
        let mut parts = raw.split(';');
        let (name, value) = parts.next()?.split_once('=')?;
        let attributes = parts
            .map(|p| {
                let p = p.trim();
                match p.split_once('=') {
                    Some((k, v)) => (k.trim().to_ascii_lowercase(), v.trim().to_string()),
                    None => (p.to_ascii_lowercase(), String::new()),
                }
            })
            .collect();
        Some(SetCookie {
            raw: raw.to_string(),
            name: name.trim().into(),
            value: value.trim().into(),
            attributes,
        })
    }

    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// `Path=/; Secure; HttpOnly; SameSite=Strict` and no `Domain`, as the `__Host-` prefix demands.
    #[track_caller]
    pub fn assert_protected(&self) {
        assert_eq!(self.attribute("path"), Some("/"), "cookie without Path=/: {}", self.raw);
        assert!(self.attribute("secure").is_some(), "cookie without Secure: {}", self.raw);
        assert!(self.attribute("httponly").is_some(), "cookie without HttpOnly: {}", self.raw);
        assert!(
            self.attribute("samesite").is_some_and(|v| v.eq_ignore_ascii_case("strict")),
            "cookie without SameSite=Strict: {}",
            self.raw
        );
        assert!(
            self.attribute("domain").is_none(),
            "a __Host- cookie must not carry Domain: {}",
            self.raw
        );
    }

    /// True when the cookie tells the browser to forget it.
    pub fn clears(&self) -> bool {
        self.value.is_empty()
            || self.attribute("max-age").is_some_and(|v| v.parse::<i64>().is_ok_and(|s| s <= 0))
            || self.attribute("expires").is_some_and(|v| v.contains("1970"))
    }
}

/// A session cookie held by the test, sent back by hand: an HTTP client's cookie store would not
/// send a `Secure` cookie over the plain HTTP of the local stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub value: String,
}

impl Session {
    pub fn cookie_header(&self) -> String {
        format!("{SESSION_COOKIE}={}", self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_session_cookie_attributes() {
        let c = SetCookie::parse(
            "__Host-ee-session=abc; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=1800",
        )
        .unwrap();
        assert_eq!(c.name, SESSION_COOKIE);
        assert_eq!(c.value, "abc");
        c.assert_protected();
        assert!(!c.clears());
        let gone = SetCookie::parse(
            "__Host-ee-session=; Path=/; Secure; HttpOnly; SameSite=Strict; Max-Age=0",
        )
        .unwrap();
        assert!(gone.clears());
    }
}
