#!/usr/bin/env bash
# `make demo`: the sandbox, the backend (embedded SQLite, demo secret, demo admin token, sandbox
# brand) serving the built widget, and a fresh checkout session. One terminal; Ctrl-C stops all.
set -euo pipefail
cd "$(dirname "$0")/.."

SERVER_PORT=${DEMO_PORT:-8080}
SANDBOX_PORT=${DEMO_SANDBOX_PORT:-8081}
# How long a code stays valid, in seconds: the platform's 80 by default; DEMO_OTP_TTL_SECS=10
# shows an expired code and "send a new code" without the wait. Both sides must agree.
OTP_TTL=${DEMO_OTP_TTL_SECS:-80}
case "$OTP_TTL" in '' | *[!0-9]* | 0) echo "demo: DEMO_OTP_TTL_SECS must be a whole number of seconds above 0" >&2; exit 2 ;; esac
# Demo values only: the sandbox refuses anything that looks like a live secret.
export SANDBOX_SECRET_KEY=demo-secret
export CHECKOUT_SECRET_KEY=demo-secret
export CHECKOUT_ADMIN_TOKEN=demo-admin-token-change-me
export CHECKOUT_PROJECT_ID=1234
export SANDBOX_PROJECT_ID=1234
# The backend's webhooks go to the demo shop's own endpoint, which marks an order paid only from a
# delivery whose signature it verified (README, "Webhooks"); retries 100 times faster than live.
export CHECKOUT_WEBHOOK_URL="http://127.0.0.1:$SERVER_PORT/demo/webhooks"
export CHECKOUT_WEBHOOK_SECRET=demo-webhook-secret-change-me
export CHECKOUT_WEBHOOK_RETRY_SCALE=0.01

cargo build -q -p checkout-sandbox -p checkout-server
mkdir -p target/demo

pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "demo: stopped"
}
trap cleanup EXIT INT TERM

target/debug/checkout-sandbox --listen "127.0.0.1:$SANDBOX_PORT" --otp-ttl-secs "$OTP_TTL" \
  --callback-url "http://127.0.0.1:$SERVER_PORT/callbacks/gate" \
  --cashin-url "http://127.0.0.1:$SERVER_PORT/webservice/cash-in" >target/demo/sandbox.out 2>target/demo/sandbox.log &
pids+=($!)
target/debug/checkout-server serve --listen "127.0.0.1:$SERVER_PORT" --brand sandbox \
  --gate-url "http://127.0.0.1:$SANDBOX_PORT" --payment-page-url "http://127.0.0.1:$SANDBOX_PORT" \
  --database-url "sqlite://target/demo/checkout.db?mode=rwc" --static-dir dist \
  --otp-ttl-secs "$OTP_TTL" --status-min-age-ms 2000 --reconcile-after-secs 20 --demo-shop >target/demo/server.out 2>target/demo/server.log &
pids+=($!)

for _ in $(seq 1 100); do
  if curl -fsS "http://127.0.0.1:$SERVER_PORT/healthz" >/dev/null 2>&1; then break; fi
  sleep 0.1
done
session=$(target/debug/checkout-server sessions create --server "http://127.0.0.1:$SERVER_PORT" \
  --amount 1299000 --customer-id demo-customer --first-name Aigerim --last-name Nurlanova --email aigerim@example.kz \
  --methods mobile)

cat <<INFO

  demo shop            http://127.0.0.1:$SERVER_PORT/
  sandbox SMS inbox    http://127.0.0.1:$SANDBOX_PORT/sandbox/inbox
  payments, callbacks  http://127.0.0.1:$SANDBOX_PORT/sandbox/developer
  sandbox test phones  http://127.0.0.1:$SANDBOX_PORT/
  backend API          http://127.0.0.1:$SERVER_PORT/api/openapi.json
  webhooks             http://127.0.0.1:$SERVER_PORT/admin/events (Authorization: Bearer $CHECKOUT_ADMIN_TOKEN)
  a checkout session   $session  (GET http://127.0.0.1:$SERVER_PORT/api/sessions/$session)
  codes valid for      $OTP_TTL s (DEMO_OTP_TTL_SECS)
  logs                 target/demo/*.log

  Ctrl-C stops everything.
INFO
wait
