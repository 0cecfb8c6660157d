//! The widget's files as a customer's browser gets them (`CHECKOUT_STATIC_DIR`, the built
//! `dist/`): the build's brotli or gzip copy when the browser takes it (tower-http's precompressed
//! files, `Content-Encoding`, `Vary: Accept-Encoding`), each answer with an `ETag` of the file
//! sent (its encoding, length and time), and `Cache-Control: no-cache`, so a returning customer
//! revalidates and downloads nothing again (`304 Not Modified`) while the stable file names
//! merchants link keep working.
//! `.wasm` is served as `application/wasm`, which `WebAssembly.instantiateStreaming` requires to
//! compile while it downloads.

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, Response, StatusCode};
use sha2::Digest;

/// Every static answer must be revalidated: the names are stable, the content is not.
pub const CACHE_CONTROL: &str = "no-cache";

/// Adds the validators and the cache policy to a file's answer, and answers `304` when the
/// browser's `If-None-Match` names the representation it would get. Only whole answers (`200`)
/// get an `ETag`; a range is part of one.
pub fn revalidated(if_none_match: Option<HeaderValue>, response: Response<Body>) -> Response<Body> {
    let (mut parts, body) = response.into_parts();
    parts.headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(CACHE_CONTROL));
    parts.headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if parts.status != StatusCode::OK {
        return Response::from_parts(parts, body);
    }
    let Some(etag) = etag_of(&parts.headers) else { return Response::from_parts(parts, body) };
    let matches = if_none_match
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').map(str::trim).any(|tag| tag == "*" || tag.trim_start_matches("W/") == etag));
    let Ok(etag_value) = HeaderValue::from_str(&etag) else { return Response::from_parts(parts, body) };
    parts.headers.insert(header::ETAG, etag_value);
    if matches {
        parts.status = StatusCode::NOT_MODIFIED;
        for stale in [header::CONTENT_LENGTH, header::CONTENT_ENCODING, header::CONTENT_TYPE, header::ACCEPT_RANGES, header::LAST_MODIFIED] {
            parts.headers.remove(stale);
        }
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, body)
}

/// The `ETag` of the representation `ServeDir` sends: of the file it chose (the original or a
/// copy, told by `Content-Encoding`), its length and its modification time, as nginx builds its
/// own. The body is never read for it, so the file still streams and nothing is hashed per byte;
/// every build writes its files anew, and so changes their time.
fn etag_of(headers: &HeaderMap) -> Option<String> {
    let length = headers.get(header::CONTENT_LENGTH)?;
    let modified = headers.get(header::LAST_MODIFIED)?;
    let encoding = headers.get(header::CONTENT_ENCODING).map_or(&b"identity"[..], HeaderValue::as_bytes);
    let digest =
        sha2::Sha256::new().chain_update(encoding).chain_update(b"\n").chain_update(length).chain_update(b"\n").chain_update(modified).finalize();
    Some(format!("\"{}\"", digest[..16].iter().map(|b| format!("{b:02x}")).collect::<String>()))
}
