#!/usr/bin/env bash
# Installs everything the build and the tests need on a fresh machine (Debian 12, rustup, root or
# sudo, package registries reachable). Idempotent: each step checks first, so a second run takes
# seconds. Both README commands (`make demo`, `make test`) run it.
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
# The wasm-bindgen CLI must match the library byte for byte; Cargo.toml pins it with `=`.
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\(.*\)"$/\1/p' Cargo.toml)

say() { printf 'bootstrap: %s\n' "$*"; }
as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

apt_updated=
apt_install() {
  if [ -z "$apt_updated" ]; then
    as_root apt-get update -qq
    apt_updated=1
  fi
  say "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Rust: the wasm target, rustfmt and clippy, and the standard library's source, which the release
# widget is built from (scripts/wasm-release.sh).
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi
for component in rustfmt clippy rust-src; do
  if ! rustup component list --installed | grep -q "^$component"; then rustup component add "$component"; fi
done

# Debian packages: the three browser engines and their WebDriver servers for the browser tests
# (Chromium; Firefox ESR, whose geckodriver comes from crates.io below; WebKitGTK's MiniBrowser
# with WebKitWebDriver, which needs a display: Xvfb, started by xvfb-run, which needs xauth),
# Node.js for the npm tools, and PostgreSQL.
missing=()
command -v chromium >/dev/null || missing+=(chromium)
command -v chromedriver >/dev/null || missing+=(chromium-driver)
command -v firefox-esr >/dev/null || missing+=(firefox-esr)
command -v WebKitWebDriver >/dev/null || missing+=(webkit2gtk-driver)
command -v xvfb-run >/dev/null || missing+=(xvfb)
command -v xauth >/dev/null || missing+=(xauth)
command -v npm >/dev/null || missing+=(nodejs npm)
# scripts/with-postgres.sh picks free ports with it; the machines have it, a minimal Debian may not.
command -v python3 >/dev/null || missing+=(python3)
# The webhook verifiers of the README, in PHP beside Node and Python (make test runs all three).
command -v php >/dev/null || missing+=(php-cli)
# PostgreSQL's server, for the tests and the benchmark's second database (never started as a service).
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

# Cargo-installed tools. trunk 0.22 needs a newer rustc than these machines have.
if ! trunk --version 2>/dev/null | grep -qF "$TRUNK_VERSION"; then
  say "cargo install trunk $TRUNK_VERSION (about 10 minutes on 2 cores)"
  cargo install trunk --version "$TRUNK_VERSION" --locked
fi
if ! wasm-bindgen --version 2>/dev/null | grep -qF "$WASM_BINDGEN_VERSION"; then
  # Not --locked: one locked dependency of the CLI is missing from the registry.
  say "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 5 minutes)"
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
fi

GECKODRIVER_VERSION=0.37.1
if ! geckodriver --version 2>/dev/null | grep -qF "$GECKODRIVER_VERSION"; then
  say "cargo install geckodriver $GECKODRIVER_VERSION (about 3 minutes)"
  cargo install geckodriver --version "$GECKODRIVER_VERSION" --locked
fi

# npm tools, from the lock file: binaryen's wasm-opt (Debian's binaryen 108 corrupts the externref
# table that this wasm-bindgen emits, so the bundle would fail at start-up).
install_npm() {
  local dir=$1
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    say "npm ci in $dir"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}
install_npm tools
if [ -f tests/e2e/package-lock.json ]; then install_npm tests/e2e; fi

say "ready"
