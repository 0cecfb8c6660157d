//! The widget's files as a customer's browser gets them (`CHECKOUT_STATIC_DIR`, the built
//! `dist/`): the build's brotli or gzip copy when the browser takes it (tower-http's precompressed
//! files, `Content-Encoding`, `Vary: Accept-Encoding`), each answer with a strong `ETag` of the
//! bytes sent, and `Cache-Control: no-cache`, so a returning customer revalidates and downloads
//! nothing again (`304 Not Modified`) while the stable file names merchants link keep working.
//! `.wasm` is served as `application/wasm`, which `WebAssembly.instantiateStreaming` requires to
//! compile while it downloads.

use axum::body::Body;
use axum::http::{header, HeaderValue, Method, Response, StatusCode};
use sha2::Digest;

/// Every static answer must be revalidated: the names are stable, the content is not.
pub const CACHE_CONTROL: &str = "no-cache";

/// The largest static file hashed for its `ETag` (the widget's wasm is well under 1 MiB).
const LARGEST: usize = 16 * 1024 * 1024;

/// Adds the validators and the cache policy to a file's answer, and answers `304` when the
/// browser's `If-None-Match` names the bytes it would get. Only whole `GET` answers get an
/// `ETag` (a `HEAD` has no body to hash, a range is part of one).
pub async fn revalidated(method: &Method, if_none_match: Option<HeaderValue>, response: Response<Body>) -> Response<Body> {
    let (mut parts, body) = response.into_parts();
    parts.headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL));
    parts.headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if *method != Method::GET || parts.status != StatusCode::OK {
        return Response::from_parts(parts, body);
    }
    let Ok(bytes) = axum::body::to_bytes(body, LARGEST).await else {
        return Response::builder().status(StatusCode::INTERNAL_SERVER_ERROR).body(Body::empty()).unwrap_or_default();
    };
    let digest = sha2::Sha256::digest(&bytes);
    let etag = format!("\"{}\"", digest[..16].iter().map(|b| format!("{b:02x}")).collect::<String>());
    let Ok(etag_value) = HeaderValue::from_str(&etag) else { return Response::from_parts(parts, Body::from(bytes)) };
    parts.headers.insert(header::ETAG, etag_value);
    let matches = if_none_match
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').map(str::trim).any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag));
    if matches {
        parts.status = StatusCode::NOT_MODIFIED;
        for stale in [header::CONTENT_LENGTH, header::CONTENT_ENCODING, header::CONTENT_TYPE, header::ACCEPT_RANGES, header::LAST_MODIFIED] {
            parts.headers.remove(stale);
        }
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}
