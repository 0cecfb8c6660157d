#!/usr/bin/env bash
# `make bench`: widget size, widget start-up in headless Chromium, signature speed against the
# platform's official SDKs and raw HMAC, and the backend under load on loopback. Prints a table
# and writes target/bench/results.json. Bounded in count and time; nothing leaves this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
out=target/bench
mkdir -p "$out/peers"

echo "bench: building (release)" >&2
cargo build --release -q -p checkout-bench -p checkout-sandbox -p checkout-server
scripts/wasm-release.sh trunk build --release --offline >/dev/null 2>&1

# The size peers (crates/size-floor), built exactly like the widget, so the table shows what Leptos
# itself weighs, what the primitives the widget is specified on add, and what the checkout adds.
# The wasm-opt passes, features and strips are those of index.html's data-wasm-opt-params.
build_size_peer() { # folder, cargo features
  echo "bench: the size peer in $out/$1" >&2
  scripts/wasm-release.sh cargo build -q -p leptos-size-floor --lib --target wasm32-unknown-unknown --profile wasm-release ${2:+--features "$2"}
  rm -rf "$out/$1" && mkdir -p "$out/$1"
  wasm-bindgen --target web --no-typescript --out-dir "$out/$1" target/wasm32-unknown-unknown/wasm-release/leptos_size_floor.wasm
  wasm-opt -O1 --converge --monomorphize --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int --enable-mutable-globals \
    --enable-multivalue --enable-reference-types --strip-producers --strip-target-features "$out/$1/leptos_size_floor_bg.wasm" -o "$out/$1/leptos_size_floor_bg.wasm"
  esbuild "$out/$1/leptos_size_floor.js" --minify --format=esm --target=es2020 --log-level=warning --allow-overwrite --outfile="$out/$1/leptos_size_floor.js"
}
build_size_peer floor csr
build_size_peer floor-primitives csr,primitives

# The peers, installed into a scratch folder.
if [ ! -d "$out/peers/node_modules/ecommpay" ] || [ ! -d "$out/peers/node_modules/playwright-core" ]; then
  echo "bench: installing npm ecommpay 0.1.7 and playwright-core into $out/peers" >&2
  (cd "$out/peers" && { [ -f package.json ] || npm init -y >/dev/null; } && npm install --no-audit --no-fund --loglevel=error ecommpay@0.1.7 playwright-core@1)
fi
if [ ! -d "$out/peers/py/payment_page_sdk" ]; then
  echo "bench: installing PyPI ecommpay-sdk 1.0.6 into $out/peers/py" >&2
  python3 -m pip install -q --no-deps --target "$out/peers/py" ecommpay-sdk==1.0.6 2>/dev/null
fi

echo "bench: signatures" >&2
target/release/checkout-bench signature --seconds 2 >"$out/signature.json"
target/release/checkout-bench disk --dir "$out" --seconds 2 >"$out/disk.json"
scripts/bench_peers.sh "$out/peers" >"$out/peers.json"

# The backend: SQLite (one instance; the widget start-up is measured against it too), then
# PostgreSQL with one instance and with two, in a throwaway cluster with fsync on like production.
rm -f "$out"/bench.db* "$out"/load-*.json
scripts/bench_backend.sh sqlite-1 1 "sqlite://$PWD/$out/bench.db?mode=rwc" --startup
PG_EXTRA_OPTIONS="-c fsync=on -c synchronous_commit=on" scripts/with-postgres.sh bash -c '
  set -e
  for instances in 1 2; do
    psql -qX "$CHECKOUT_TEST_POSTGRES_URL" -c "create database bench$instances" >/dev/null
    scripts/bench_backend.sh "postgres-$instances" "$instances" "${CHECKOUT_TEST_POSTGRES_URL%/*}/bench$instances"
  done'

echo "bench: webhooks (creations with them off, on, and to a shop that never answers; deliveries)" >&2
target/release/checkout-bench webhooks --bin target/release --dir "$out" --payments 1000 --concurrency 50 >"$out/webhooks.json"

python3 scripts/bench_report.py "$out" dist
