#!/usr/bin/env bash
# Replays typing into `rulelens server` and prints latency, memory and CPU figures.
#
# Builds the release server and the replay client (tests/examples/lsp_replay.rs), then runs
# the client, which starts the server over stdio with debounce 0. Arguments go to the client:
# a rule path inside the corpus, then an optional index file.
#
#   bench/lsp_replay.sh [RULE_PATH_IN_CORPUS [INDEX_FILE]]
#
# With SMOKE=1 it only checks that the harness runs end to end and prints the figures, for CI;
# it asserts no timing.
set -euo pipefail
cd "$(dirname "$0")/.."
export RULELENS_CORPUS="${RULELENS_CORPUS:-$PWD/../shared/corpus}"
if [[ ! -d "$RULELENS_CORPUS" ]]; then
  echo "error: rule corpus not found at $RULELENS_CORPUS: set RULELENS_CORPUS" >&2
  exit 2
fi

# One workspace-wide build, so that dependencies get the features `cargo test --workspace`
# gives them and are not compiled a second time.
cargo build --release --workspace --bin rulelens --example lsp_replay

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
output="$(target/release/examples/lsp_replay "$@")"
echo "$output"

if [[ "${SMOKE:-0}" == 1 ]]; then
  # The harness worked if every figure line is there; the values are not checked.
  for label in "didChange to publishDiagnostics" "hover over" "completion over" \
    "peak resident memory"; do
    grep -q "$label" <<<"$output" || {
      echo "error: the replay printed no '$label' line" >&2
      exit 1
    }
  done
fi
