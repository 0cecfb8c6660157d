#!/usr/bin/env bash
# Runs a command (trunk, cargo) that builds wasm with the `wasm-release` profile, with the standard
# library rebuilt for size, as the Leptos book's "Optimizing WASM Binary Size" suggests:
#   - std, core and alloc compiled from source (the rust-src component, which scripts/bootstrap.sh
#     adds) with this profile's opt-level "z" and LTO, and with std's `optimize_for_size`
#     algorithms instead of the precompiled, speed-tuned ones;
#   - panics abort at once (`-Cpanic=immediate-abort`) instead of formatting a message first. A
#     release build sets no panic hook (src/lib.rs), so the message was never shown anyway; nor
#     are the source locations (`-Zlocation-detail=none`) that `#[track_caller]` functions still
#     pass along.
# Together about 10% of the download (ARCHITECTURE.md, "Widget size"). These are unstable options
# of cargo and rustc: RUSTC_BOOTSTRAP lets the machine's one stable toolchain take them, rather
# than a second, nightly, toolchain to install and keep in step. Every wasm-release build goes
# through here (the bundle and the size peers of `make bench`), so they are built alike and share
# one set of cached artifacts. Debug builds and the browser tests use the precompiled std.
set -euo pipefail
export RUSTC_BOOTSTRAP=1
export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
export CARGO_UNSTABLE_BUILD_STD_FEATURES=optimize_for_size
export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zlocation-detail=none --cfg erase_components"
# Rebuilding std resolves std's own lock file (dlmalloc, moto-rt, ...), crates that no ordinary
# build ever downloads. The bundle is built `--offline` (so trunk never downloads tools of its
# own), which would then fail on a machine whose cargo registry never saw them: fetch them, and
# the project's own dependencies, first. With everything cached this is a quick, local check.
cd "$(dirname "$0")/.."
cargo fetch --target wasm32-unknown-unknown
exec "$@"
