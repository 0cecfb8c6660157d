#!/usr/bin/env bash
# Checks the built widget bundle: every file a merchant links exists under a stable name, and no
# signing code or secret made it in (the widget must never be able to sign).
set -euo pipefail
dist=${1:-dist}
fail() { echo "check-bundle: $*" >&2; exit 1; }

for file in kz-mobile-checkout.js kz-mobile-checkout_bg.wasm kz-mobile-checkout.css kz-mobile-checkout-loader.js index.html; do
  [ -s "$dist/$file" ] || fail "missing $dist/$file"
done

# The signing module's own error texts and the HMAC implementation's names; none may appear.
# The compressed copies (.br, .gz) hold the same bytes; their random-looking content is not searched.
originals=()
for file in "$dist"/*; do
  case "$file" in *.br | *.gz) ;; *) originals+=("$file") ;; esac
done
for needle in "HMAC-SHA512" "signature mismatch" "Hmac" "sandbox-secret" "demo-secret"; do
  if grep -qaF "$needle" "${originals[@]}"; then fail "found '$needle' in the bundle: signing code or a secret leaked in"; fi
done
# Every file a browser downloads has its brotli and gzip copies (scripts/compress-dist.mjs).
for file in kz-mobile-checkout.js kz-mobile-checkout_bg.wasm kz-mobile-checkout.css kz-mobile-checkout-loader.js; do
  for copy in br gz; do [ -s "$dist/$file.$copy" ] || fail "missing $dist/$file.$copy"; done
done

# The size: everything a merchant's page downloads for the widget, gzip. The aim is 120 000 bytes
# and the issue's limit 150 000; the figure itself is `make bench`'s (README, "Figures"). The
# ceiling is the figure when it was set plus 3% (ARCHITECTURE.md, "Build notes"): this fails a
# regression past it, and says how far from the limit the bundle is.
aim=120000
limit=150000
ceiling=186500
total=0
for file in "$dist"/kz-mobile-checkout_bg.wasm "$dist"/kz-mobile-checkout.js "$dist"/kz-mobile-checkout.css "$dist"/kz-mobile-checkout-loader.js; do
  total=$((total + $(gzip -9c "$file" | wc -c)))
done
[ "$total" -le "$ceiling" ] || fail "the widget is $total bytes gzip, over its measured ceiling of $ceiling (ARCHITECTURE.md, \"Widget size\"); a build that bypassed scripts/wasm-release.sh is about 10% larger"
if [ "$total" -gt "$limit" ]; then
  echo "check-bundle: widget total $total bytes gzip: over the $limit limit by $((total - limit)) (aim $aim); see ARCHITECTURE.md, \"Widget size\""
else
  echo "check-bundle: ok; widget total $total bytes gzip ($((total / 1024)) KiB), limit $limit, aim $aim"
fi
