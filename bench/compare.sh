#!/usr/bin/env bash
# Times RuleLens beside two other Sigma linters on the same rules, in one run, and compares
# what each one finds.
#
#   bench/compare.sh
#
# The peers are installed into $SCRATCH (default /tmp/rulelens-compare), never into the
# repository:
#   - sigma-cli from PyPI, in a virtual environment, run as `sigma check`;
#   - rsigma from crates.io with `cargo install --root`, run as `rsigma rule lint`.
# Each tool then runs $RUNS times (default 5) on $RULELENS_CORPUS/sigma, one after the other
# in turn, so that load from other jobs falls on all of them alike. RuleLens also runs on the
# whole corpus, with only the checks the peers share, and with only the YAML check (reading
# and parsing). `cat` reading every file gives the floor for any tool. The script prints the
# median wall and CPU (user + system) time of each tool, the ratios to RuleLens, and a
# summary of findings by kind from bench/compare_findings.py.
# Outputs stay in $SCRATCH/out.
#
# Environment: SCRATCH, RUNS, RULELENS_CORPUS, SIGMA_CLI_VERSION (default 3.1.0),
# RSIGMA_VERSION (default: the newest that builds with the active toolchain) and
# SKIP_RSIGMA=1, which leaves rsigma out. A peer that fails to install is left out too, and
# the script prints why.
set -euo pipefail
cd "$(dirname "$0")/.."
repo="$PWD"
scratch="${SCRATCH:-/tmp/rulelens-compare}"
runs="${RUNS:-5}"
corpus="${RULELENS_CORPUS:-$repo/../shared/corpus}"
sigma_cli_version="${SIGMA_CLI_VERSION:-3.1.0}"
sigma_rules="$corpus/sigma"

if [[ ! -d "$sigma_rules" ]]; then
  echo "error: Sigma rules not found at $sigma_rules: set RULELENS_CORPUS" >&2
  exit 2
fi
case "$(realpath -m "$scratch")/" in
  "$repo"/*)
    echo "error: SCRATCH=$scratch is inside the repository; pick a folder outside it" >&2
    exit 2
    ;;
esac
mkdir -p "$scratch/out"
out="$scratch/out"

# --- Install the peers --------------------------------------------------------------------

install_sigma_cli() {
  local venv="$scratch/sigma-venv"
  if [[ ! -x "$venv/bin/sigma" ]]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet "sigma-cli==$sigma_cli_version"
  fi
  sigma_bin="$venv/bin/sigma"
}

# Sets rsigma_bin, or leaves it empty and prints why when rsigma cannot be installed.
# `cargo install` rejects a version whose rust-version is newer than the toolchain and names
# the newest one that fits, which is then installed.
install_rsigma() {
  local root="$scratch/rsigma" log="$scratch/rsigma-install.log"
  rsigma_bin=""
  if [[ "${SKIP_RSIGMA:-0}" == 1 ]]; then
    echo "rsigma: left out (SKIP_RSIGMA=1)"
    return
  fi
  if [[ -x "$root/bin/rsigma" ]]; then
    rsigma_bin="$root/bin/rsigma"
    return
  fi
  local version="${RSIGMA_VERSION:-}"
  # Default features stay on: rsigma 0.23.0 does not compile without its `daemon` feature,
  # because `src/commands/disposition_spool.rs` imports `rsigma_runtime` unconditionally.
  local args=(install rsigma --root "$root" --locked)
  if [[ -z "$version" ]] && ! cargo "${args[@]}" >"$log" 2>&1; then
    version="$(sed -n 's/^`rsigma \([0-9.]*\)` supports rustc.*/\1/p' "$log" | head -n1)"
    if [[ -z "$version" ]]; then
      echo "rsigma: left out, cargo install failed: $(grep -m1 '^error' "$log") (see $log)"
      return
    fi
  fi
  if [[ -n "$version" ]] && ! cargo "${args[@]}" --version "$version" >>"$log" 2>&1; then
    echo "rsigma: left out, cargo install --version $version failed:" \
      "$(grep -m1 '^error' "$log") (see $log)"
    return
  fi
  rsigma_bin="$root/bin/rsigma"
}

install_sigma_cli
install_rsigma
cargo build --release --workspace --bin rulelens
rulelens_bin="$repo/target/release/rulelens"

# The validators `attacktag` and `d3_fendtag` download MITRE ATT&CK and D3FEND data from
# GitHub on first use and stop the whole check when that fails. They are excluded, and the
# check runs in a network namespace of its own where `unshare` allows one, which shows that
# nothing else reaches out.
no_network=()
if unshare -n true 2>/dev/null; then
  no_network=(unshare -n)
fi
sigma_check=("${no_network[@]}" "$sigma_bin" check -x attacktag -x d3_fendtag)

# --- Timed runs ---------------------------------------------------------------------------

# run_timed NAME OUTPUT_FILE COMMAND...: runs the command once, appends "NAME wall user sys
# max_rss_kib status" to $out/times.txt, and keeps its standard output in OUTPUT_FILE. Wall
# time comes from bash's microsecond clock, because /usr/bin/time rounds it to 10 ms. That
# is a sixth of the fastest runs here. User and system time keep its 10 ms steps.
run_timed() {
  local name="$1" output="$2"
  shift 2
  local status=0 started finished
  started="$EPOCHREALTIME"
  /usr/bin/time -f "%U %S %M" -o "$out/time.tmp" "$@" >"$output" 2>"$out/$name.stderr" ||
    status=$?
  finished="$EPOCHREALTIME"
  local wall
  wall="$(awk -v a="$started" -v b="$finished" 'BEGIN { printf "%.4f", b - a }')"
  echo "$name $wall $(tail -n1 "$out/time.tmp") $status" >>"$out/times.txt"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' \
  /proc/meminfo), $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n1)"
echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ), load before: $(cut -d' ' -f1-3 /proc/loadavg)"
rsigma_version="not installed"
[[ -n "$rsigma_bin" ]] && rsigma_version="$("$rsigma_bin" --version 2>&1 | head -n1)"
echo "versions: $("$rulelens_bin" --version), $rsigma_version," \
  "sigma-cli $("$scratch/sigma-venv/bin/pip" show sigma-cli | sed -n 's/^Version: //p')," \
  "pySigma $("$scratch/sigma-venv/bin/pip" show pysigma | sed -n 's/^Version: //p')"
echo "rules: $(find "$sigma_rules" -name '*.yml' | wc -l) Sigma files in $sigma_rules"

# Outputs of an earlier run go, so that a tool left out this time has no output file and the
# summary marks it as not run.
rm -f "$out"/*.json "$out"/*.xml "$out"/*.txt "$out"/*.stderr
: >"$out/times.txt"
for run in $(seq 1 "$runs"); do
  echo "run $run of $runs"
  run_timed rulelens-sigma "$out/rulelens-sigma.json" \
    "$rulelens_bin" check --format json "$sigma_rules"
  if [[ -n "$rsigma_bin" ]]; then
    run_timed rsigma "$out/rsigma.json" \
      "$rsigma_bin" rule lint --output-format json --no-stats "$sigma_rules"
  fi
  run_timed sigma-check "$out/sigma-check.txt" \
    "${sigma_check[@]}" --junitxml "$out/sigma-check.xml" "$sigma_rules"
  run_timed rulelens-corpus "$out/rulelens-corpus.json" \
    "$rulelens_bin" check --format json "$corpus"
  # Only the checks that the peers also make: Sigma structure and YAML syntax.
  run_timed rulelens-shared "$out/rulelens-shared.json" \
    "$rulelens_bin" check --select sigma,syntax --format json "$sigma_rules"
  # Reading and parsing every file with a single lint on: RuleLens's own floor.
  run_timed rulelens-parse "$out/rulelens-parse.json" \
    "$rulelens_bin" check --select syntax/yaml --format json "$sigma_rules"
  # Reading every file and nothing else, on both cores: a floor for any tool.
  run_timed read-only /dev/null \
    bash -c 'find "$1" -name "*.yml" -print0 | xargs -0 -P 2 -n 2000 cat' _ "$sigma_rules"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 "$repo/bench/compare_findings.py" --times "$out/times.txt" \
  --sigma-root "$sigma_rules" \
  --rulelens "$out/rulelens-sigma.json" \
  --rsigma "$out/rsigma.json" \
  --sigma-check "$out/sigma-check.xml"

# --- Seeded faults ------------------------------------------------------------------------

# Copies of corpus rules with one known fault each, so that the checks the tools share have
# something to find. Each tool runs once on them, untimed.
seeded="$scratch/seeded"
python3 "$repo/bench/seed_faults.py" "$sigma_rules" "$seeded"
"$rulelens_bin" check --format json "$seeded" >"$out/seeded-rulelens.json" || true
if [[ -n "$rsigma_bin" ]]; then
  "$rsigma_bin" rule lint --output-format json --no-stats "$seeded" >"$out/seeded-rsigma.json" ||
    true
fi
# `sigma check` stops at the first file that is not valid YAML, so it runs once per fault
# folder, and a run that stops leaves its last error line in FAULT.stopped instead of a report.
rm -rf "$out/seeded-sigma-check"
mkdir -p "$out/seeded-sigma-check"
for folder in "$seeded"/*/; do
  fault="$(basename "$folder")"
  report="$out/seeded-sigma-check/$fault.xml"
  "${sigma_check[@]}" --junitxml "$report" "$folder" >"$out/seeded-sigma-check/$fault.txt" 2>&1 ||
    true
  if [[ ! -f "$report" ]]; then
    grep 'Error' "$out/seeded-sigma-check/$fault.txt" | tail -n1 >"${report%.xml}.stopped" || true
  fi
done
python3 "$repo/bench/compare_findings.py" --seeded \
  --sigma-root "$seeded" \
  --rulelens "$out/seeded-rulelens.json" \
  --rsigma "$out/seeded-rsigma.json" \
  --sigma-check "$out/seeded-sigma-check"
