# The two commands of the README: `make demo` and `make test`. Both bootstrap first.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
# Tools `cargo install`ed by bootstrap: in $$CARGO_HOME/bin when that is set, else ~/.cargo/bin.
export PATH := $(CURDIR)/tools/node_modules/.bin:$(if $(CARGO_HOME),$(CARGO_HOME)/bin:)$(HOME)/.cargo/bin:$(PATH)
export CHROMEDRIVER ?= /usr/bin/chromedriver
DEMO_PORT ?= 8080

.PHONY: bootstrap build demo test lint test-native test-browser check-wasm check-bundle check-types test-e2e screenshots bench soak

bootstrap:
	@scripts/bootstrap.sh

## The widget bundle in dist/ (release, no file hashes; std rebuilt for size, see the script).
build: bootstrap
	scripts/wasm-release.sh trunk build --release --offline

## The sandbox, the backend and the widget, with a checkout session; Ctrl-C stops them all.
demo: build
	DEMO_PORT=$(DEMO_PORT) scripts/demo.sh

## Every test: formatting, lints, native tests, browser tests, the bundle and its checks.
test: bootstrap lint test-native check-wasm test-browser check-bundle check-types test-e2e

# Never `--all-features` on the workspace: the widget's `csr` and `ssr` are one per build (see
# Cargo.toml). Natively the backend enables `ssr`; in the browser, `csr` is named.
NATIVE_FEATURES = --features leptos-size-floor/primitives
WIDGET_WASM = -p kz-mobile-checkout --target wasm32-unknown-unknown --features csr
lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets $(NATIVE_FEATURES) -- -D warnings
	cargo clippy $(WIDGET_WASM) --all-targets -- -D warnings

## Native tests; the server's suites run on SQLite and on a throwaway PostgreSQL started here.
test-native:
	scripts/with-postgres.sh cargo test --workspace $(NATIVE_FEATURES)

## The protocol crate is pure and must build for the browser, with and without its features.
check-wasm:
	cargo check -p checkout-protocol --target wasm32-unknown-unknown
	cargo check -p checkout-protocol --target wasm32-unknown-unknown --features signing
	cargo check -p checkout-protocol --target wasm32-unknown-unknown --features webhook

# The widget's browser tests (wasm-bindgen-test), in Chromium and in Firefox ESR: the runner takes
# the browser from the driver it is given (GECKODRIVER before CHROMEDRIVER, so unset for Chromium).
# The drivers leave a 70 MB profile per run in $$TMPDIR when the runner stops them; kept under
# target/ and wiped here, so repeated runs do not fill /tmp.
BROWSER_TESTS = WASM_BINDGEN_TEST_TIMEOUT=180 cargo test $(WIDGET_WASM) --test web --test web_otp
test-browser:
	rm -rf target/tmp/browser && mkdir -p target/tmp/browser
	env -u GECKODRIVER TMPDIR=$(CURDIR)/target/tmp/browser $(BROWSER_TESTS)
	rm -rf target/tmp/browser && mkdir -p target/tmp/browser
	env -u CHROMEDRIVER GECKODRIVER=$$(command -v geckodriver || echo geckodriver-not-installed) TMPDIR=$(CURDIR)/target/tmp/browser $(BROWSER_TESTS)

check-bundle: build
	scripts/check-bundle.sh dist

## The shipped TypeScript declarations, against a merchant's file (strict tsc).
check-types: build
	tsc -p tests/types

## The end-to-end suite: real sandbox and backend processes, the release widget, Chromium; the
## main journeys also in Firefox ESR and WebKitGTK (engines.spec.ts, over WebDriver).
test-e2e: build
	cargo build -q -p checkout-sandbox -p checkout-server
	cd tests/e2e && npx playwright test

## The README's screenshots of every screen in kk/ru/en, taken by the end-to-end suite.
screenshots: build
	cargo build -q -p checkout-sandbox -p checkout-server
	cd tests/e2e && E2E_SCREENSHOTS=$(CURDIR)/docs/screenshots npx playwright test render_locales

## Size, start-up, signature and load figures against peers; writes target/bench/results.json.
bench: bootstrap
	scripts/bench.sh

## Not part of `make test`: 20 minutes of mixed customers on two instances on a throwaway
## PostgreSQL, with the platform slowed and cut off and instances killed at random; then every
## payment is audited (lost and duplicated must be 0) and each process's memory is reported.
## SOAK_MINUTES=2 make soak for a short run.
SOAK_MINUTES ?= 20
soak: bootstrap
	cargo build -q --release -p checkout-sandbox -p checkout-server -p checkout-bench
	mkdir -p target/soak
	scripts/with-postgres.sh target/release/checkout-bench soak --minutes $(SOAK_MINUTES) | tee target/soak/report.json
