//! The widget's files on the wire (issue 27): the build's brotli or gzip copy by the browser's
//! `Accept-Encoding`, `Vary`, `application/wasm`, a strong `ETag` per encoding, `304` on a match,
//! and a cache policy of revalidation. In-process through `oneshot`, against a folder laid out
//! as `dist/` is, with the copies the build writes.

use axum::body::Body;
use axum::http::{HeaderMap, Request};
use checkout_server::config::Config;
use checkout_server::App;
use http_body_util::BodyExt;
use tower::ServiceExt;

async fn get(app: &App, path: &str, headers: &[(&str, &str)]) -> (u16, HeaderMap, Vec<u8>) {
    let mut request = Request::builder().method("GET").uri(path);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = checkout_server::app(app.clone()).oneshot(request.body(Body::empty()).unwrap()).await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.into_body().collect().await.unwrap().to_bytes().to_vec())
}

#[tokio::test]
async fn the_widget_files_go_out_compressed_validated_and_revalidated() {
    let dir = std::env::temp_dir().join(format!("checkout-static-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // What the build writes: the file, and its copies (their bytes need not really be brotli
    // here: the server sends them as they are).
    std::fs::write(dir.join("kz-mobile-checkout_bg.wasm"), b"\0asm original bytes").unwrap();
    std::fs::write(dir.join("kz-mobile-checkout_bg.wasm.br"), b"brotli bytes").unwrap();
    std::fs::write(dir.join("kz-mobile-checkout_bg.wasm.gz"), b"gzip bytes").unwrap();
    std::fs::write(dir.join("kz-mobile-checkout.css"), b".kzc-root{}").unwrap();
    let mut config = Config::for_tests("http://127.0.0.1:9", 1234, "server-test-secret");
    config.static_dir = Some(dir.clone());
    let app = App::new(config).await.unwrap();
    let wasm = "/kz-mobile-checkout_bg.wasm";

    let (status, brotli, body) = get(&app, wasm, &[("accept-encoding", "gzip, deflate, br")]).await;
    assert_eq!((status, body.as_slice()), (200, &b"brotli bytes"[..]));
    assert_eq!(brotli["content-encoding"], "br");
    assert_eq!(brotli["content-type"], "application/wasm", "instantiateStreaming needs it");
    assert_eq!(brotli["vary"], "accept-encoding");
    assert_eq!(brotli["cache-control"], "no-cache");

    let (_, gzip, body) = get(&app, wasm, &[("accept-encoding", "gzip")]).await;
    assert_eq!((gzip["content-encoding"].to_str().unwrap(), body.as_slice()), ("gzip", &b"gzip bytes"[..]));
    let (_, plain, body) = get(&app, wasm, &[]).await;
    assert!(plain.get("content-encoding").is_none());
    assert_eq!(body, b"\0asm original bytes");
    // One ETag per representation, so a cache never mixes them up.
    let tags: Vec<&str> = [&brotli, &gzip, &plain].iter().map(|h| h["etag"].to_str().unwrap()).collect();
    assert!(tags.iter().all(|t| t.starts_with('"') && t.ends_with('"')), "strong validators: {tags:?}");
    assert!(tags[0] != tags[1] && tags[1] != tags[2] && tags[0] != tags[2], "{tags:?}");

    // A returning customer downloads nothing again.
    let (status, not_modified, body) = get(&app, wasm, &[("accept-encoding", "br"), ("if-none-match", tags[0])]).await;
    assert_eq!(status, 304);
    assert!(body.is_empty());
    assert_eq!(not_modified["etag"], tags[0]);
    // A changed file (an upgrade) is sent whole.
    std::fs::write(dir.join("kz-mobile-checkout_bg.wasm.br"), b"new brotli bytes").unwrap();
    let (status, _, body) = get(&app, wasm, &[("accept-encoding", "br"), ("if-none-match", tags[0])]).await;
    assert_eq!((status, body.as_slice()), (200, &b"new brotli bytes"[..]));
    // A file without copies is sent as it is, validated the same way.
    let (status, css, _) = get(&app, "/kz-mobile-checkout.css", &[("accept-encoding", "br")]).await;
    assert_eq!(status, 200);
    assert!(css.get("content-encoding").is_none() && css.get("etag").is_some());
    std::fs::remove_dir_all(dir).unwrap();
}
