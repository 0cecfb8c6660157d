"""Assembles the measurements of scripts/bench.sh into a table and target/bench/results.json."""
import datetime
import gzip
import json
import os
import platform
import sys

out, dist = sys.argv[1], sys.argv[2]

# bench.sh installs Google's brotli module here; without it the table says n/a.
sys.path.insert(0, os.path.join(out, "peers", "py-brotli"))
try:
    import brotli
except ImportError:
    brotli = None


def load(name):
    with open(os.path.join(out, name)) as f:
        return json.load(f)


sizes = {}
for name, file in [("wasm", "kz-mobile-checkout_bg.wasm"), ("JS glue", "kz-mobile-checkout.js"), ("CSS", "kz-mobile-checkout.css"), ("loader", "kz-mobile-checkout-loader.js")]:
    data = open(os.path.join(dist, file), "rb").read()
    sizes[name] = {"raw": len(data), "gzip": len(gzip.compress(data, 9)), "brotli": len(brotli.compress(data)) if brotli else None}
sizes["total"] = {k: (sum(v[k] for v in sizes.values()) if all(v[k] is not None for v in sizes.values()) else None) for k in ("raw", "gzip", "brotli")}
def peer_sizes(folder):
    """Sizes of a size peer built by bench.sh into target/bench/<folder>."""
    measured = {}
    for name, file in [("wasm", "leptos_size_floor_bg.wasm"), ("JS glue", "leptos_size_floor.js")]:
        data = open(os.path.join(out, folder, file), "rb").read()
        measured[name] = {"raw": len(data), "gzip": len(gzip.compress(data, 9))}
    measured["total"] = {k: sum(v[k] for v in measured.values()) for k in ("raw", "gzip")}
    return measured


floor, floor_primitives = peer_sizes("floor"), peer_sizes("floor-primitives")

signature, peers, startup = load("signature.json"), load("peers.json"), load("startup.json")
disk = load("disk.json")
mid_range = load("startup-mid-range.json") if os.path.exists(os.path.join(out, "startup-mid-range.json")) else None
backends = [load(f"load-{name}.json") for name in ("sqlite-1", "postgres-1", "postgres-2") if os.path.exists(os.path.join(out, f"load-{name}.json"))]
ours = signature["ours_per_sec"]
same = peers["node"]["signature"] == signature["signature"] == peers["python"]["signature"]

kib = lambda n: "n/a" if n is None else f"{n / 1024:.1f} KiB"
lines = []
lines.append(f"Benchmarks, {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, {platform.platform()}")
lines.append("")
lines.append("Widget transfer size               raw        gzip       brotli")
for name, s in sizes.items():
    lines.append(f"  {name:<28}{kib(s['raw']):>11}{kib(s['gzip']):>12}{kib(s['brotli']):>12}")
ours_code = sizes["wasm"]["gzip"] + sizes["JS glue"]["gzip"]
# Read strictly: bytes, not KiB. Aim 120 000 (Adyen Web's 121.5 KB min+gzip), limit 150 000.
aim, limit = 120_000, 150_000
lines.append(f"  peer: a Leptos 0.8 counter built the same way (crates/size-floor): wasm {kib(floor['wasm']['gzip'])}, JS glue {kib(floor['JS glue']['gzip'])} gzip")
lines.append(f"    the whole checkout's wasm + JS glue are {ours_code / floor['total']['gzip']:.2f}x the counter's")
lines.append(f"  peer: the counter using once each primitive the widget is specified on (LocalResource, Action, gloo-net")
lines.append(f"    fetch + serde-wasm-bindgen decode, EventSource): wasm {kib(floor_primitives['wasm']['gzip'])}, JS glue {kib(floor_primitives['JS glue']['gzip'])} gzip,")
lines.append(f"    {floor_primitives['total']['gzip']:,} bytes: {floor_primitives['total']['gzip'] / limit:.0%} of the limit before any screen, text or style;")
lines.append(f"    the checkout's wasm + JS glue are {ours_code / floor_primitives['total']['gzip']:.2f}x it, {ours_code - floor_primitives['total']['gzip']:,} bytes more")
total = sizes['total']['gzip']
lines.append(f"  aim: total gzip at most 120,000 bytes: {'met' if total <= aim else 'NOT met'}, {total:,} bytes ({total / aim:.2f}x the aim)")
lines.append(f"  limit: total gzip at most 150,000 bytes: {'met' if total <= limit else 'NOT met'} ({total / limit:.2f}x the limit); brotli " + (f"{sizes['total']['brotli']:,} bytes" if brotli else "n/a (no brotli module)"))
lines.append("")
lines.append(f"Widget start-up, headless Chromium, median of {startup['loads']} cold loads")
lines.append(f"  navigation start to first interactive screen   {startup['first_screen_ms']:8.0f} ms")
lines.append(f"  submit to OTP screen (local backend + sandbox)  {startup['otp_screen_ms']:8.0f} ms   (sandbox processing delay 20 ms)")
if mid_range:
    lines.append(f"  a mid-range phone (CPU x4, 1.6 Mbit/s, 150 ms RTT through the DevTools protocol), median of {mid_range['loads']}:")
    lines.append(f"    navigation start to first interactive screen {mid_range['first_screen_ms']:8.0f} ms   ({mid_range['first_screen_ms'] / startup['first_screen_ms']:.1f}x unthrottled)")
    lines.append(f"    submit to OTP screen                         {mid_range['otp_screen_ms']:8.0f} ms   ({mid_range['otp_screen_ms'] / startup['otp_screen_ms']:.1f}x unthrottled)")
lines.append("")
lines.append(f"Signature of the seeds' purchase callback ({signature['canonical_bytes']}-byte canonical string); all three agree: {same}")
lines.append(f"  {'implementation':<40}{'signatures/s':>14}   ratio")
lines.append(f"  {'checkout-protocol (Rust)':<40}{ours:>14,.0f}   1.00")
lines.append(f"  {'raw HMAC-SHA512, same string (ceiling)':<40}{signature['raw_hmac_per_sec']:>14,.0f}   ours at {ours / signature['raw_hmac_per_sec']:.2f}x of it (goal: within 1.5x, i.e. >= 0.67)")
lines.append(f"  {'npm ecommpay 0.1.7 (Node)':<40}{peers['node']['per_sec']:>14,.0f}   ours {ours / peers['node']['per_sec']:.1f}x faster (goal: 10x)")
lines.append(f"  {'PyPI ecommpay-sdk 1.0.6 (Python)':<40}{peers['python']['per_sec']:>14,.0f}   ours {ours / peers['python']['per_sec']:.1f}x faster")
lines.append("")
lines.append("Backend under load (loopback; the sandbox as the platform; every process shares this machine's 2 cores:")
lines.append("the load generator, the sandbox and each backend instance. SQLite on disk with synchronous=FULL; PostgreSQL 15")
lines.append("in a throwaway cluster with fsync on. Customers' steps alternate between the instances.)")
lines.append(f"The disk under target/bench: {disk['durable_writes_per_sec']:,.0f} durable writes/s (4 KiB, then fdatasync: what one")
lines.append("SQLite commit waits for; a payment creation and the callback it causes are four commits, so compare runs by it.)")
goals = {"sqlite": (1500, 50), "postgres": (1500, 60)}
summary = []
for run in backends:
    label = f"{run['database']}, {run['instances']} instance{'s' if run['instances'] > 1 else ''}"
    lines.append("")
    lines.append(f"  {label}")
    lines.append(f"  {'phase':<22}{'customers':>10}{'requests':>10}{'errors':>8}{'per second':>12}{'p50 ms':>9}{'p99 ms':>9}")
    for row in run["load"]:
        if "rate_per_sec" in row:
            lines.append(f"  {row['phase']:<22}{row['concurrency']:>10}{row['requests']:>10}{row['errors']:>8}{row['rate_per_sec']:>12,.0f}{row['p50_ms']:>9.1f}{row['p99_ms']:>9.1f}")
        else:
            lines.append(f"  final states at {row['concurrency']:>3} customers: {row['payments']} payments, {row['not_succeeded']} not succeeded, {row['duplicated_at_platform']} duplicated at the platform")
    cpu = run["cpu_seconds"]
    lines.append(f"  CPU seconds: backend {' + '.join(f'{c:.1f}' for c in cpu['servers'])}, sandbox {cpu['sandbox']:.1f}; peak memory per instance {', '.join(f'{p / 1024:.1f}' for p in run['server_peak_kib'])} MiB"
                 + (f"; {run['commits']:,} PostgreSQL commits" if run["database"] == "postgres" else ""))
    creation50 = next((r for r in run["load"] if r.get("phase") == "payment creation" and r["concurrency"] == 50), None)
    if creation50:
        rate, p99 = goals[run["database"]]
        # A phase with refused requests measured something else than creations: never "met".
        errors = creation50["errors"]
        met = errors == 0 and creation50["rate_per_sec"] >= rate and creation50["p99_ms"] <= p99
        lines.append(f"  goal at 50 customers: >= {rate:,} creations/s with p99 <= {p99} ms: {creation50['rate_per_sec']:,.0f}/s, p99 {creation50['p99_ms']:.1f} ms ({'met' if met else 'not met'})"
                     + (f"; {errors} of {creation50['requests']} requests failed" if errors else ""))
        summary.append((label, creation50))
    lines.append(f"  nothing lost: {run['lost'] == 0} ({run['lost']} short of their final state); nothing duplicated: {run['duplicated'] == 0}")
if len(summary) > 1 and summary[0][1]["rate_per_sec"] > 0:
    base = summary[0][1]["rate_per_sec"]
    lines.append("")
    lines.append("  payment creations/s at 50 customers, as a ratio to SQLite with one instance: " + ", ".join(f"{label} {row['rate_per_sec'] / base:.2f}" for label, row in summary))
table = "\n".join(lines)
print(table)
results = {"sizes": sizes, "size_peer": floor, "size_peer_primitives": floor_primitives, "startup": startup, "startup_mid_range": mid_range, "signature": signature, "disk": disk, "peers": peers, "backends": backends, "table": table}
with open(os.path.join(out, "results.json"), "w") as f:
    json.dump(results, f, indent=2)
print(f"\nresults written to {os.path.join(out, 'results.json')}")
