//! What every request and answer passes through, whatever route it takes: a bound on the URI,
//! the answers for unknown routes and wrong methods, security headers, and request ids.

use axum::extract::{Request, State};
use axum::http::{header, HeaderName, HeaderValue, Method, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_http::request_id::{MakeRequestId, RequestId};

use crate::error::ServiceError;
use checkout_protocol::api::ErrorCode;

/// Longest URI (path and query) the backend reads. Its own URIs are under 200 bytes; 8 KiB is
/// what common proxies accept. (Beyond 64 KiB hyper refuses a request line itself, before any
/// of this code runs, with an empty 414.)
pub const MAX_URI_BYTES: usize = 8 * 1024;

/// Path prefixes whose answers are API data, never pages: no caching, ever.
const API_PREFIXES: [&str; 6] = ["/api/", "/admin/", "/callbacks/", "/webservice/", "/demo/", "/healthz"];

pub fn is_api(path: &str) -> bool {
    API_PREFIXES.iter().any(|prefix| path.starts_with(prefix) || path == prefix.trim_end_matches('/'))
}

/// Refuses over-long URIs with the structured error, before routing.
pub async fn bound_uri(request: Request, next: Next) -> Response {
    let length = request.uri().path_and_query().map_or(0, |pq| pq.as_str().len());
    if length > MAX_URI_BYTES {
        return ServiceError::new(ErrorCode::UriTooLong, format!("the URI is {length} bytes; at most {MAX_URI_BYTES} are read")).into_response();
    }
    next.run(request).await
}

/// Unknown routes.
pub async fn not_found(uri: Uri) -> ServiceError {
    ServiceError::new(ErrorCode::NotFound, format!("no such endpoint: {}", uri.path()))
}

/// Known routes called with another HTTP method.
pub async fn method_not_allowed(method: Method, uri: Uri) -> ServiceError {
    ServiceError::new(ErrorCode::HttpMethodNotAllowed, format!("{method} is not allowed on {}", uri.path()))
}

/// The security headers (README, "Security headers"): `nosniff` on everything; `no-store` on API
/// answers; on pages a Content-Security-Policy that allows the widget and the Payment Page and
/// nothing else, no framing and no referrer path; HSTS when the public URL is https. Made once
/// from the configuration, not per answer.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    page_policy: Option<HeaderValue>,
    hsts: bool,
}

impl SecurityHeaders {
    /// The headers for this configuration.
    pub fn new(config: &crate::config::Config) -> SecurityHeaders {
        SecurityHeaders {
            page_policy: HeaderValue::from_str(&page_policy(&config.payment_page_url)).ok(),
            hsts: config.public_url.starts_with("https://"),
        }
    }
}

/// Middleware adding [`SecurityHeaders`] to every answer.
pub async fn security_headers(State(headers): State<SecurityHeaders>, request: Request, next: Next) -> Response {
    let api = is_api(request.uri().path());
    let mut response = next.run(request).await;
    let out = response.headers_mut();
    out.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if api {
        out.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    } else {
        if let Some(policy) = &headers.page_policy {
            out.insert(header::CONTENT_SECURITY_POLICY, policy.clone());
        }
        out.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
        out.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    if headers.hsts {
        out.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
    response
}

/// The pages' policy: the widget's own (README, "Content-Security-Policy") plus the Payment Page's
/// script and frame from the platform's origin; never framed.
pub fn page_policy(payment_page_url: &str) -> String {
    let platform = origin_of(payment_page_url);
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' {platform}; style-src 'self'; img-src 'self' data:; connect-src 'self'; \
         frame-src {platform}; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> &str {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    url[after_scheme..].find('/').map_or(url, |slash| &url[..after_scheme + slash])
}

/// The header carrying the request id, set when the client sent none and echoed in the answer.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Random request ids: unguessable, so one request's log lines cannot be confused with, or
/// looked up by, another client's.
#[derive(Clone, Copy, Debug, Default)]
pub struct RandomRequestId;

impl MakeRequestId for RandomRequestId {
    fn make_request_id<B>(&mut self, _: &Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&format!("req-{}", crate::random::random_hex(12))).ok().map(RequestId::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_policy_names_the_platform_origin_only() {
        assert_eq!(origin_of("https://paymentpage.ecommpay.com/some/path"), "https://paymentpage.ecommpay.com");
        assert_eq!(origin_of("http://127.0.0.1:8081"), "http://127.0.0.1:8081");
        let policy = page_policy("http://127.0.0.1:8081/");
        assert!(policy.contains("script-src 'self' 'wasm-unsafe-eval' http://127.0.0.1:8081;"), "{policy}");
        assert!(policy.contains("frame-ancestors 'none'"));
    }

    #[test]
    fn api_paths_are_told_from_pages() {
        for api in ["/api/sessions/x", "/admin/payments", "/callbacks/gate", "/webservice/cash-in", "/demo/sessions", "/healthz"] {
            assert!(is_api(api), "{api}");
        }
        for page in ["/", "/index.html", "/kz-mobile-checkout.js", "/apix", "/administrator"] {
            assert!(!is_api(page), "{page}");
        }
    }
}
