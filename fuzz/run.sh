#!/usr/bin/env bash
# Runs every fuzz target (or those named) for SECONDS each with libFuzzer
# through cargo-fuzz. Crashes land in fuzz/artifacts/TARGET/; copy each one
# into fuzz/regressions/TARGET/ once fixed, where the test suite replays it
# (tests/fuzz_regressions.rs).
#
# usage: fuzz/run.sh [SECONDS] [TARGET...]
# cargo-fuzz needs a nightly compiler for its sanitizers; on a stable
# toolchain the script sets RUSTC_BOOTSTRAP=1 and runs without a sanitizer
# (coverage-guided, panics and aborts still caught; out-of-bounds reads in
# Rust are panics anyway).
set -euo pipefail
cd "$(dirname "$0")"
SECONDS_EACH=${1:-60}
shift || true
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
    mapfile -t TARGETS < <(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v '^pgtls-fuzz$')
fi
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
SANITIZER=(--sanitizer none)
if rustc --version | grep -q nightly; then SANITIZER=(); else export RUSTC_BOOTSTRAP=1; fi
# New inputs go to a scratch corpus; the committed seeds stay small.
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for t in "${TARGETS[@]}"; do
    mkdir -p "corpus/$t" "$WORK/$t"
    echo "== $t (${SECONDS_EACH}s)"
    cargo fuzz run "${SANITIZER[@]}" "$t" "$WORK/$t" "corpus/$t" -- \
        -max_total_time="$SECONDS_EACH" -rss_limit_mb=2048 -timeout=10 -max_len=65536 2>&1 \
        | grep -E "^(#[0-9]+.*(DONE|pulse)|Done|==|SUMMARY|.*panicked)" | tail -3
done
