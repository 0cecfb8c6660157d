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
for needle in "HMAC-SHA512" "signature mismatch" "Hmac" "sandbox-secret" "demo-secret"; do
  if grep -qaF "$needle" "$dist"/*; then fail "found '$needle' in the bundle: signing code or a secret leaked in"; fi
done

# The size budget: everything a merchant's page downloads for the widget, gzip, at most 90 KB,
# read strictly as 90 000 bytes.
budget=90000
total=0
for file in "$dist"/kz-mobile-checkout_bg.wasm "$dist"/kz-mobile-checkout.js "$dist"/kz-mobile-checkout.css "$dist"/kz-mobile-checkout-loader.js; do
  total=$((total + $(gzip -9c "$file" | wc -c)))
done
[ "$total" -le "$budget" ] || fail "the widget is $total bytes gzip, over its budget of $budget (ARCHITECTURE.md, \"Widget size\")"
echo "check-bundle: ok; widget total $total bytes gzip ($((total / 1024)) KiB), budget $budget"
