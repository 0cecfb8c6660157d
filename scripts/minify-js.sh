#!/usr/bin/env bash
# Trunk's post-build hook: in release builds, minifies the widget's JavaScript, wasm-bindgen's
# glue and the loader, and the stylesheets (a quarter of what a merchant's page downloads besides the wasm; about
# 2.5 KiB gzip of the widget's size budget). The readable loader stays in www/. esbuild comes from
# tools/, which scripts/bootstrap.sh installs from the lock file. Then scripts/pin-dist.mjs writes
# the glue's and the wasm's sha384 into the loader and dist/integrity.json; last, once every file
# is final, scripts/compress-dist.mjs writes their brotli and gzip copies (one hook: trunk may run
# separate hooks of a stage at once).
set -euo pipefail
[ "${TRUNK_PROFILE:-}" = release ] || exit 0
esbuild="${TRUNK_SOURCE_DIR:-.}/tools/node_modules/.bin/esbuild"
for name in kz-mobile-checkout.js kz-mobile-checkout-loader.js; do
  file="$TRUNK_STAGING_DIR/$name"
  [ -f "$file" ] || { echo "minify-js: $file is missing" >&2; exit 1; }
  "$esbuild" "$file" --minify --format=esm --target=es2020 --log-level=warning --allow-overwrite --outfile="$file"
done
for name in kz-mobile-checkout.css demo.css; do
  file="$TRUNK_STAGING_DIR/$name"
  [ -f "$file" ] || { echo "minify-js: $file is missing" >&2; exit 1; }
  "$esbuild" "$file" --minify --log-level=warning --allow-overwrite --outfile="$file"
done
node "${TRUNK_SOURCE_DIR:-.}/scripts/pin-dist.mjs"
node "${TRUNK_SOURCE_DIR:-.}/scripts/compress-dist.mjs"
