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
trunk build --release --offline >/dev/null 2>&1

# The size peer: a Leptos counter (crates/size-floor) built exactly like the widget, so the table
# shows what Leptos itself weighs and what the checkout adds. The wasm-opt features are those of
# index.html's data-wasm-opt-params.
echo "bench: the size peer (a Leptos counter)" >&2
cargo build -q -p leptos-size-floor --lib --target wasm32-unknown-unknown --profile wasm-release
rm -rf "$out/floor" && mkdir -p "$out/floor"
wasm-bindgen --target web --no-typescript --out-dir "$out/floor" target/wasm32-unknown-unknown/wasm-release/leptos_size_floor.wasm
wasm-opt -Oz --enable-bulk-memory --enable-sign-ext --enable-nontrapping-float-to-int --enable-mutable-globals \
  --enable-multivalue --enable-reference-types "$out/floor/leptos_size_floor_bg.wasm" -o "$out/floor/leptos_size_floor_bg.wasm"
esbuild "$out/floor/leptos_size_floor.js" --minify --format=esm --target=es2020 --log-level=warning --allow-overwrite --outfile="$out/floor/leptos_size_floor.js"

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
scripts/bench_peers.sh "$out/peers" >"$out/peers.json"

read -r server_port sandbox_port < <(python3 -c 'import socket
ports=[]
for _ in range(2):
    s=socket.socket(); s.bind(("127.0.0.1",0)); ports.append(s.getsockname()[1]); s.close()
print(*ports)')
secret=bench-secret
admin=bench-admin-token-0123456789
rm -f "$out"/bench.db*
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

SANDBOX_SECRET_KEY=$secret SANDBOX_PROCESSING_DELAY_MS=20 SANDBOX_CALLBACK_RETRY_SCALE=0.01 \
  target/release/checkout-sandbox --listen "127.0.0.1:$sandbox_port" >"$out/sandbox.out" 2>"$out/sandbox.log" &
pids+=($!)
CHECKOUT_SECRET_KEY=$secret CHECKOUT_ADMIN_TOKEN=$admin RUST_LOG=warn \
  target/release/checkout-server serve --listen "127.0.0.1:$server_port" --project-id 1234 --brand sandbox \
  --gate-url "http://127.0.0.1:$sandbox_port" --payment-page-url "http://127.0.0.1:$sandbox_port" \
  --database-url "sqlite://$out/bench.db?mode=rwc" --static-dir dist --demo-shop --status-min-age-ms 0 >"$out/server.out" 2>"$out/server.log" &
server_pid=$!
pids+=($server_pid)
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$server_port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

echo "bench: widget start-up (10 cold loads)" >&2
PLAYWRIGHT="$PWD/$out/peers/node_modules/playwright-core/index.mjs" node scripts/bench_startup.mjs "http://127.0.0.1:$server_port/" 10 >"$out/startup.json"

echo "bench: backend under load" >&2
BENCH_SECRET=$secret BENCH_ADMIN_TOKEN=$admin target/release/checkout-bench load --server "http://127.0.0.1:$server_port" --concurrency 1,50,500 --requests 500 >"$out/load.json"
python3 -c 'import json, sys
fields = dict(line.split(":", 1) for line in open(f"/proc/{sys.argv[1]}/status"))
print(json.dumps({k: int(fields[k].split()[0]) for k in ("VmHWM", "VmRSS")}))' "$server_pid" >"$out/memory.json"

python3 scripts/bench_report.py "$out" dist
