#!/usr/bin/env bash
# Runs each fuzz target in turn for a set time and prints executions and crashes per target.
#
# Usage: fuzz/run.sh SECONDS [TARGET...]    (every target when none is given)
#
# Build first with fuzz/build.sh and seed with fuzz/seed.py. One target runs at a time on one
# core. A run stops at its first crash, leak or timeout; the input is written to
# fuzz/artifacts/TARGET/ and the libFuzzer log to fuzz/artifacts/TARGET/run.log. An input
# that runs longer than 10 s counts as a hang, and one that needs more than 2 GB as a crash.
set -euo pipefail
cd "$(dirname "$0")"

if [[ $# -lt 1 || ! $1 =~ ^[0-9]+$ ]]; then
    echo "usage: fuzz/run.sh SECONDS [TARGET...]" >&2
    exit 2
fi
seconds=$1
shift
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
    mapfile -t targets < <(sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v '^rulelens-fuzz$')
fi

host=$(rustc -vV | sed -n 's/^host: //p')
printf '%-18s %12s %8s %10s %8s\n' target executions seconds cpu_s crashes
for target in "${targets[@]}"; do
    binary="target/$host/release/$target"
    if [[ ! -x $binary ]]; then
        echo "$binary not found; run fuzz/build.sh first" >&2
        exit 2
    fi
    mkdir -p "corpus/$target" "artifacts/$target"
    log="artifacts/$target/run.log"
    # The position targets check every character boundary against a per-line scan, which is
    # quadratic in the line length; 512-byte inputs keep each run short.
    options=()
    case $target in
        line_index | lsp_position) options+=(-max_len=512) ;;
    esac
    before=$(find "artifacts/$target" -type f ! -name run.log ! -name time | wc -l)
    # libFuzzer exits non-zero on a crash; the table reports it, so the loop goes on.
    /usr/bin/time -f '%e %U %S' -o "artifacts/$target/time" \
        "$binary" "corpus/$target" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="artifacts/$target/" "${options[@]}" >"$log" 2>&1 || true
    executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    elapsed=$(awk 'END { printf "%.0f", $1 }' "artifacts/$target/time")
    cpu=$(awk 'END { printf "%.0f", $2 + $3 }' "artifacts/$target/time")
    after=$(find "artifacts/$target" -type f ! -name run.log ! -name time | wc -l)
    printf '%-18s %12s %8s %10s %8s\n' "$target" "${executions:-?}" "${elapsed:-?}" "$cpu" \
        "$((after - before))"
done
