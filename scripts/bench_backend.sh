#!/usr/bin/env bash
# One backend configuration under load, for `make bench`: a sandbox and INSTANCES backend
# processes on DATABASE_URL (all on this machine's two cores, sharing them with the sandbox and
# the load generator), then `checkout-bench load` spread over the instances. Writes
# target/bench/load-NAME.json with the load figures, the CPU seconds each process used, and, on
# PostgreSQL, the commits the run made.
#   scripts/bench_backend.sh NAME INSTANCES DATABASE_URL [--startup]
set -euo pipefail
cd "$(dirname "$0")/.."
name=$1 instances=$2 database_url=$3 startup=${4:-}
out=target/bench
secret=bench-secret
admin=bench-admin-token-0123456789

# Free ports below the kernel's ephemeral range (32768 and up), so that none of the load's
# thousands of client connections can take one between this check and the server's bind.
free_ports() {
  python3 -c 'import random, socket, sys
found = []
while len(found) < int(sys.argv[1]):
    port = random.randrange(20000, 32000)
    s = socket.socket()
    try:
        s.bind(("127.0.0.1", port))
    except OSError:
        continue
    finally:
        s.close()
    if port not in found:
        found.append(port)
print(*found)' "$1"
}
read -ra all_ports < <(free_ports $((instances + 1)))
sandbox_port=${all_ports[0]}
ports=("${all_ports[@]:1}")

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

cpu_seconds() { awk -v hz="$(getconf CLK_TCK)" '{print ($14 + $15) / hz}' "/proc/$1/stat"; }
commits() {
  case "$database_url" in
    postgres*) psql -qtA "$database_url" -c "select xact_commit from pg_stat_database where datname = current_database()" ;;
    *) echo 0 ;;
  esac
}

SANDBOX_SECRET_KEY=$secret SANDBOX_PROCESSING_DELAY_MS=20 SANDBOX_CALLBACK_RETRY_SCALE=0.01 RUST_LOG=warn \
  ${BENCH_BIN_DIR:-target/release}/checkout-sandbox --listen "127.0.0.1:$sandbox_port" >"$out/sandbox-$name.out" 2>"$out/sandbox-$name.log" &
sandbox_pid=$!
pids+=($sandbox_pid)
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$sandbox_port/" >/dev/null 2>&1 && break; sleep 0.1; done
kill -0 "$sandbox_pid" 2>/dev/null || { echo "bench: the sandbox did not start:" >&2; cat "$out/sandbox-$name.log" >&2; exit 1; }
servers=()
server_pids=()
# The load generator is one address standing for thousands of customers: the per-address limits
# (README, "Limits") would refuse all but the first hundred payments, so they are lifted here.
for port in "${ports[@]}"; do
  CHECKOUT_LIMIT_PAYMENTS=1000000 CHECKOUT_LIMIT_SESSIONS=1000000 CHECKOUT_LIMIT_CODE_GUESSES=1000000 \
  CHECKOUT_SECRET_KEY=$secret CHECKOUT_ADMIN_TOKEN=$admin RUST_LOG=warn \
    ${BENCH_BIN_DIR:-target/release}/checkout-server serve --listen "127.0.0.1:$port" --project-id 1234 --brand sandbox \
    --gate-url "http://127.0.0.1:$sandbox_port" --payment-page-url "http://127.0.0.1:$sandbox_port" \
    --database-url "$database_url" --static-dir dist --demo-shop --status-min-age-ms 0 >"$out/server-$name-$port.out" 2>"$out/server-$name-$port.log" &
  server_pids+=($!)
  pids+=($!)
  servers+=("http://127.0.0.1:$port")
  # One at a time: the first creates the schema.
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
  kill -0 "${server_pids[-1]}" 2>/dev/null || { echo "bench: backend $port did not start:" >&2; cat "$out/server-$name-$port.log" >&2; exit 1; }
done
list=$(IFS=,; echo "${servers[*]}")

if [ -n "$startup" ]; then
  echo "bench: widget start-up (10 cold loads)" >&2
  PLAYWRIGHT="$PWD/$out/peers/node_modules/playwright-core/index.mjs" node scripts/bench_startup.mjs "${servers[0]}/" 10 >"$out/startup.json"
  PLAYWRIGHT="$PWD/$out/peers/node_modules/playwright-core/index.mjs" node scripts/bench_startup.mjs "${servers[0]}/" 10 mid-range >"$out/startup-mid-range.json"
  echo "bench: widget start-up per engine (Chromium, Firefox ESR, WebKitGTK; 10 cold loads each)" >&2
  node scripts/bench_engines.mjs "${servers[0]}/" 10 >"$out/startup-engines.json"
fi

echo "bench: backend under load: $name ($instances instance(s))" >&2
commits_before=$(commits)
BENCH_SECRET=$secret BENCH_ADMIN_TOKEN=$admin target/release/checkout-bench load --server "$list" --sandbox "http://127.0.0.1:$sandbox_port" \
  --concurrency 1,50,500 --requests 500 >"$out/load-$name.raw.json"
commits_after=$(commits)
python3 - "$out/load-$name.raw.json" "$out/load-$name.json" "$name" "$instances" "$database_url" "$((commits_after - commits_before))" \
  "$(cpu_seconds "$sandbox_pid")" "$(for pid in "${server_pids[@]}"; do cpu_seconds "$pid"; done | paste -sd,)" \
  "$(for pid in "${server_pids[@]}"; do awk '/VmHWM/{print $2}' "/proc/$pid/status"; done | paste -sd,)" <<'PY'
import json, sys
raw, dest, name, instances, url, commits, sandbox_cpu, server_cpu, peaks = sys.argv[1:]
result = json.load(open(raw))
result.update({
    "name": name, "instances": int(instances), "database": "postgres" if url.startswith("postgres") else "sqlite",
    "commits": int(commits), "cpu_seconds": {"sandbox": float(sandbox_cpu), "servers": [float(c) for c in server_cpu.split(",")]},
    "server_peak_kib": [int(p) for p in peaks.split(",")],
})
json.dump(result, open(dest, "w"))
PY
