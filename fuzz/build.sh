#!/usr/bin/env bash
# Builds the fuzz targets with LLVM's SanitizerCoverage instrumentation and `--cfg fuzzing`,
# which libFuzzer needs, using only the stable toolchain (no cargo-fuzz, no nightly flags).
#
# Usage: fuzz/build.sh [TARGET...]    (every target when none is given)
#
# Debug assertions and overflow checks stay on, as under `cargo fuzz`, so an arithmetic
# overflow is a crash. AddressSanitizer is left off: the crates under test have no `unsafe`
# code, and without it each run executes about twice as many inputs.
set -euo pipefail
cd "$(dirname "$0")"

host=$(rustc -vV | sed -n 's/^host: //p')
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module \
-Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
-Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares \
-Cdebug-assertions -Coverflow-checks -Cforce-frame-pointers"

bins=()
for target in "$@"; do
    bins+=(--bin "$target")
done
# `--target` keeps the instrumentation flags off build scripts and procedural macros.
cargo build --release --target "$host" "${bins[@]}"
