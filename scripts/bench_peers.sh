#!/usr/bin/env bash
# Signatures per second of the platform's official SDKs on the same body, installed into a
# scratch folder: npm `ecommpay` 0.1.7 and PyPI `ecommpay-sdk` 1.0.6. Prints one JSON line.
set -euo pipefail
peers=$1
body=crates/protocol/tests/fixtures/seeds/callback_purchase_success.json
node_rate=$(node -e '
  const sign = require(require("path").resolve(process.argv[1], "node_modules/ecommpay/src/signer.js"));
  const body = require(require("path").resolve(process.argv[2])); delete body.signature;
  let n = 0; const start = process.hrtime.bigint(); let out = "";
  while (Number(process.hrtime.bigint() - start) < 2e9) { for (let i = 0; i < 256; i++) out = sign(body, "bench-secret"); n += 256; }
  console.log(JSON.stringify({ per_sec: n / (Number(process.hrtime.bigint() - start) / 1e9), signature: out }));
' "$peers" "$body")
py_rate=$(PYTHONPATH="$(realpath "$peers")/py" python3 -c '
import json, sys, time
from payment_page_sdk.signature_handler import SignatureHandler
body = json.load(open(sys.argv[1])); body.pop("signature", None)
handler = SignatureHandler("bench-secret"); n = 0; start = time.perf_counter(); out = ""
while time.perf_counter() - start < 2:
    for _ in range(64): out = handler.sign(body)
    n += 64
print(json.dumps({"per_sec": n / (time.perf_counter() - start), "signature": out}))
' "$body")
printf '{"node": %s, "python": %s}\n' "$node_rate" "$py_rate"
