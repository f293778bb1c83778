//! The voter portal: one HTML page (the same for `/`, `/activation`, `/reassort`, `/deblocage`,
//! `/aide` and the public board `/urne`), its script, its style sheet, and the ballot's modules (the
//! ballot of `docs/vote-protocol.md`, its worker and the bundled curve library, from `assets/vote/`,
//! served flat under `/assets/` so that their relative imports resolve the same on disk and in the
//! browser). The page talks to the JSON API only; this function holds no state and calls no other
//! service.
//!
//! Every response carries a strict content security policy and `Referrer-Policy: no-referrer`: the
//! mail links put a token in the page's address, and nothing may carry it elsewhere.

use std::sync::LazyLock;

pub use lambda_edge::http::{CONTENT_SECURITY_POLICY, SECURITY_HEADERS};
use lambda_http::http::{header, HeaderValue, Method, StatusCode};
use lambda_http::{Body, Request, RequestExt, Response};

const INDEX_HTML: &str = include_str!("../assets/index.html");
const PORTAL_JS: &str = include_str!("../assets/portal.js");
const PORTAL_CSS: &str = include_str!("../assets/portal.css");
const FAVICON_SVG: &str = include_str!("../assets/favicon.svg");
const TUTORIAL_VOTER_SVG: &str = include_str!("../assets/tutoriel-parcours-electeur.svg");
const TUTORIAL_VOTE_SVG: &str = include_str!("../assets/tutoriel-parcours-de-vote.svg");
const TUTORIAL_REASSORT_SVG: &str = include_str!("../assets/tutoriel-reassorts.svg");
const BALLOT_JS: &str = include_str!("../assets/vote/ballot.js");
const VOTE_WORKER_JS: &str = include_str!("../assets/vote/vote-worker.js");
/// @noble/curves and @noble/hashes in one module, written by `scripts/bundle-vendor.sh`.
const NOBLE_JS: &str = include_str!("../assets/vote/noble.js");

/// Placeholder in `index.html` replaced by [`asset_version`], so that a new release never meets a
/// stale cached script or style sheet.
const VERSION_PLACEHOLDER: &str = "__ASSET_VERSION__";

const HTML_CACHE: &str = "no-store";
const ASSET_CACHE_PINNED: &str = "public, max-age=31536000, immutable";
const ASSET_CACHE_UNPINNED: &str = "no-cache";

/// FNV-1a over the text assets, computed at compile time.
const fn fingerprint() -> u64 {
    let parts: [&[u8]; 10] = [
        PORTAL_JS.as_bytes(),
        BALLOT_JS.as_bytes(),
        VOTE_WORKER_JS.as_bytes(),
        NOBLE_JS.as_bytes(),
        PORTAL_CSS.as_bytes(),
        FAVICON_SVG.as_bytes(),
        TUTORIAL_VOTER_SVG.as_bytes(),
        TUTORIAL_VOTE_SVG.as_bytes(),
        TUTORIAL_REASSORT_SVG.as_bytes(),
        INDEX_HTML.as_bytes(),
    ];
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut p = 0;
    while p < parts.len() {
        let bytes = parts[p];
        let mut i = 0;
        while i < bytes.len() {
            hash ^= bytes[i] as u64;
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
            i += 1;
        }
        p += 1;
    }
    hash
}

static ASSET_VERSION: LazyLock<String> = LazyLock::new(|| format!("{:016x}", fingerprint()));
static PAGE: LazyLock<String> =
    LazyLock::new(|| INDEX_HTML.replace(VERSION_PLACEHOLDER, asset_version()));

/// The version string the page appends to its asset addresses (`?v=...`).
pub fn asset_version() -> &'static str {
    ASSET_VERSION.as_str()
}

/// The HTML page as served, with asset addresses pinned to [`asset_version`].
pub fn page() -> &'static str {
    PAGE.as_str()
}

/// What a path resolves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Page,
    Asset { content_type: &'static str, body: &'static str },
    NotFound,
}

/// Maps a request path (without query) to what it serves.
pub fn resolve(path: &str) -> Resource {
    match path {
        "/" | "/activation" | "/reassort" | "/deblocage" | "/aide" | "/assistance" | "/urne" => {
            Resource::Page
        }
        "/assets/portal.js" => {
            Resource::Asset { content_type: "text/javascript; charset=utf-8", body: PORTAL_JS }
        }
        "/assets/portal.css" => {
            Resource::Asset { content_type: "text/css; charset=utf-8", body: PORTAL_CSS }
        }
        "/assets/ballot.js" => {
            Resource::Asset { content_type: "text/javascript; charset=utf-8", body: BALLOT_JS }
        }
        "/assets/vote-worker.js" => {
            Resource::Asset { content_type: "text/javascript; charset=utf-8", body: VOTE_WORKER_JS }
        }
        "/assets/noble.js" => {
            Resource::Asset { content_type: "text/javascript; charset=utf-8", body: NOBLE_JS }
        }
        "/assets/favicon.svg" => {
            Resource::Asset { content_type: "image/svg+xml", body: FAVICON_SVG }
        }
        "/assets/tutoriel-parcours-electeur.svg" => {
            Resource::Asset { content_type: "image/svg+xml", body: TUTORIAL_VOTER_SVG }
        }
        "/assets/tutoriel-parcours-de-vote.svg" => {
            Resource::Asset { content_type: "image/svg+xml", body: TUTORIAL_VOTE_SVG }
        }
        "/assets/tutoriel-reassorts.svg" => {
            Resource::Asset { content_type: "image/svg+xml", body: TUTORIAL_REASSORT_SVG }
        }
        _ => Resource::NotFound,
    }
}

/// Builds the response for a method, a path and the `v` query parameter of an asset request.
pub fn respond(method: &Method, path: &str, version: Option<&str>) -> Response<Body> {
    let head_only = method == Method::HEAD;
    let resource =
        if method == Method::GET || head_only { resolve(path) } else { Resource::NotFound };
    let (status, content_type, cache, body): (StatusCode, &'static str, &'static str, String) =
        match resource {
            Resource::Page => {
                (StatusCode::OK, "text/html; charset=utf-8", HTML_CACHE, page().to_owned())
            }
            Resource::Asset { content_type, body } => {
                let cache = if version == Some(asset_version()) {
                    ASSET_CACHE_PINNED
                } else {
                    ASSET_CACHE_UNPINNED
                };
                (StatusCode::OK, content_type, cache, body.to_owned())
            }
            Resource::NotFound => (
                StatusCode::NOT_FOUND,
                "application/json; charset=utf-8",
                "no-store",
                r#"{"code":"not_found","message":"La page demandée n'existe pas."}"#.to_owned(),
            ),
        };
    let body = if head_only { Body::Empty } else { Body::Text(body) };
    let mut response = Response::new(body);
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    for (name, value) in SECURITY_HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// The Lambda handler. Logs the method, the path and the status, never the query string: it
/// carries the mail links' tokens.
pub async fn handle(req: Request) -> Result<Response<Body>, std::convert::Infallible> {
    let path = req.raw_http_path();
    let path = if path.is_empty() { req.uri().path() } else { path };
    let query = req.query_string_parameters_ref();
    let version = query.and_then(|q| q.first("v"));
    let response = respond(req.method(), path, version);
    tracing::info!(
        method = %req.method(),
        path = %path,
        status = response.status().as_u16(),
        "portal request"
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(response: &Response<Body>) -> &str {
        match response.body() {
            Body::Text(t) => t,
            Body::Empty => "",
            Body::Binary(_) => panic!("binary body"),
            _ => panic!("unexpected body"),
        }
    }

    fn header<'a>(response: &'a Response<Body>, name: &str) -> &'a str {
        response
            .headers()
            .get(name)
            .unwrap_or_else(|| panic!("missing header {name}"))
            .to_str()
            .unwrap()
    }

    fn assert_security_headers(response: &Response<Body>) {
        assert_eq!(header(response, "content-security-policy"), CONTENT_SECURITY_POLICY);
        assert_eq!(header(response, "x-content-type-options"), "nosniff");
        assert_eq!(header(response, "referrer-policy"), "no-referrer");
        assert_eq!(header(response, "x-frame-options"), "DENY");
    }

    #[test]
    fn the_three_page_paths_serve_the_same_uncached_page() {
        for path in ["/", "/activation", "/reassort", "/deblocage", "/aide", "/assistance", "/urne"]
        {
            let response = respond(&Method::GET, path, None);
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            assert_eq!(header(&response, "content-type"), "text/html; charset=utf-8");
            assert_eq!(header(&response, "cache-control"), "no-store");
            assert_security_headers(&response);
            assert_eq!(text(&response), page());
        }
    }

    #[test]
    fn the_page_pins_its_assets_to_the_current_version() {
        let html = page();
        assert!(!html.contains(VERSION_PLACEHOLDER));
        let version = asset_version();
        assert_eq!(version.len(), 16);
        assert!(html.contains(&format!("/assets/portal.js?v={version}")));
        assert!(html.contains(&format!("/assets/portal.css?v={version}")));
    }

    /// An attribute such as ` onclick=` in the markup.
    fn has_inline_handler(html: &str) -> bool {
        html.match_indices(" on").any(|(at, _)| {
            let rest = &html[at + 3..];
            let name_len = rest.bytes().take_while(u8::is_ascii_lowercase).count();
            name_len > 0 && rest[name_len..].starts_with('=')
        })
    }

    #[test]
    fn the_page_loads_nothing_from_elsewhere_and_runs_nothing_inline() {
        for svg in [TUTORIAL_VOTER_SVG, TUTORIAL_VOTE_SVG, TUTORIAL_REASSORT_SVG] {
            // the assets' content security policy applies inside an SVG image too
            assert!(!svg.contains("<style") && !svg.contains("style="), "inline style in an SVG");
            assert!(!svg.contains("<script") && !has_inline_handler(svg), "script in an SVG");
        }
        for body in [INDEX_HTML, PORTAL_JS, PORTAL_CSS, BALLOT_JS, VOTE_WORKER_JS, NOBLE_JS] {
            assert!(!body.contains("http://"), "absolute http address in an asset");
            assert!(!body.contains("https://"), "absolute https address in an asset");
            assert!(!body.contains("@import"), "style sheet import");
        }
        assert!(!INDEX_HTML.contains("style="), "inline style attribute");
        assert!(!has_inline_handler(INDEX_HTML), "inline event handler");
        assert_eq!(INDEX_HTML.matches("<script").count(), 1);
        assert!(INDEX_HTML.contains("<script src=\"/assets/portal.js"));
        assert!(INDEX_HTML.contains("<html lang=\"fr\">"));
    }

    /// What a module imports: the specifier of each `from '…'` or `import '…'`.
    fn imports(js: &str) -> Vec<&str> {
        ["from '", "from\"", "import '", "import\"", "import("]
            .iter()
            .flat_map(|start| js.match_indices(start).map(move |(at, _)| &js[at + start.len()..]))
            .map(|rest| {
                let rest = rest.trim_start_matches(['\'', '"']);
                &rest[..rest.find(['\'', '"']).unwrap_or(rest.len())]
            })
            .collect()
    }

    /// The ballot's modules import only each other, by the relative names under which the portal
    /// serves them: no bare import for the browser to fail on, nothing from elsewhere.
    #[test]
    fn the_ballot_modules_import_only_what_the_portal_serves() {
        assert_eq!(imports(BALLOT_JS), ["./noble.js"]);
        assert_eq!(imports(VOTE_WORKER_JS), ["./ballot.js"]);
        assert_eq!(imports(NOBLE_JS), Vec::<&str>::new());
        for name in ["noble.js", "ballot.js"] {
            let response = respond(&Method::GET, &format!("/assets/{name}"), None);
            assert_eq!(response.status(), StatusCode::OK, "{name}");
        }
        assert!(NOBLE_JS.starts_with("// Generated by scripts/bundle-vendor.sh"));
        assert!(NOBLE_JS.contains("@noble/curves 2.") && NOBLE_JS.contains("@noble/hashes 2."));
    }

    #[test]
    fn assets_have_their_content_types() {
        let cases = [
            ("/assets/portal.js", "text/javascript; charset=utf-8", PORTAL_JS),
            ("/assets/portal.css", "text/css; charset=utf-8", PORTAL_CSS),
            ("/assets/ballot.js", "text/javascript; charset=utf-8", BALLOT_JS),
            ("/assets/vote-worker.js", "text/javascript; charset=utf-8", VOTE_WORKER_JS),
            ("/assets/noble.js", "text/javascript; charset=utf-8", NOBLE_JS),
            ("/assets/favicon.svg", "image/svg+xml", FAVICON_SVG),
            ("/assets/tutoriel-parcours-electeur.svg", "image/svg+xml", TUTORIAL_VOTER_SVG),
            ("/assets/tutoriel-parcours-de-vote.svg", "image/svg+xml", TUTORIAL_VOTE_SVG),
            ("/assets/tutoriel-reassorts.svg", "image/svg+xml", TUTORIAL_REASSORT_SVG),
        ];
        for (path, content_type, body) in cases {
            let response = respond(&Method::GET, path, Some(asset_version()));
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            assert_eq!(header(&response, "content-type"), content_type);
            assert_security_headers(&response);
            assert_eq!(text(&response), body);
        }
    }

    #[test]
    fn only_the_current_version_is_cached_for_long() {
        let pinned = respond(&Method::GET, "/assets/portal.js", Some(asset_version()));
        assert_eq!(header(&pinned, "cache-control"), ASSET_CACHE_PINNED);
        for version in [None, Some("0000000000000000"), Some("")] {
            let response = respond(&Method::GET, "/assets/portal.css", version);
            assert_eq!(header(&response, "cache-control"), "no-cache");
        }
    }

    #[test]
    fn anything_else_is_a_json_not_found() {
        let paths = [
            "/assets/",
            "/assets/index.html",
            "/assets/../Cargo.toml",
            "/assets/portal.js/",
            "/assets/vote/ballot.js",
            "/assets/ballot.test.mjs",
            "/activation/",
            "/api/unknown",
            "/index.html",
            "",
        ];
        for path in paths {
            let response = respond(&Method::GET, path, None);
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{path}");
            assert_eq!(header(&response, "content-type"), "application/json; charset=utf-8");
            assert_security_headers(&response);
            assert_eq!(
                text(&response),
                r#"{"code":"not_found","message":"La page demandée n'existe pas."}"#
            );
        }
        for method in [Method::POST, Method::PUT, Method::DELETE, Method::OPTIONS] {
            let response = respond(&method, "/", None);
            assert_eq!(response.status(), StatusCode::NOT_FOUND, "{method}");
        }
    }

    #[test]
    fn head_sends_headers_without_a_body() {
        let response = respond(&Method::HEAD, "/", None);
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(text(&response), "");
        assert_eq!(header(&response, "content-type"), "text/html; charset=utf-8");
        assert_security_headers(&response);
    }

    #[tokio::test]
    async fn the_handler_routes_on_the_raw_path_and_reads_the_version() {
        use lambda_http::aws_lambda_events::query_map::QueryMap;
        use std::collections::HashMap;

        let request = lambda_http::http::Request::builder()
            .method("GET")
            .uri("/assets/portal.css?v=x")
            .body(Body::Empty)
            .unwrap()
            .with_raw_http_path("/assets/portal.css")
            .with_query_string_parameters(QueryMap::from(HashMap::from([(
                "v".to_owned(),
                asset_version().to_owned(),
            )])));
        let response = handle(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header(&response, "cache-control"), ASSET_CACHE_PINNED);

        let request = lambda_http::http::Request::builder()
            .method("GET")
            .uri("/activation?token=abc&electeurId=1")
            .body(Body::Empty)
            .unwrap()
            .with_raw_http_path("/activation");
        let response = handle(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(header(&response, "referrer-policy"), "no-referrer");
    }
}
