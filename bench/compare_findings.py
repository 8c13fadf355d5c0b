#!/usr/bin/env python3
"""Summarise the timings and findings of bench/compare.sh.

Reads the timing lines that compare.sh appends (one line per run: tool, wall seconds, user
seconds, system seconds, maximum resident KiB, exit status) and each tool's machine-readable
output on the same Sigma folder:

- RuleLens: `rulelens check --format json`, `{"diagnostics": [{"path", "lint", ...}]}`;
- rsigma: `rsigma rule lint --output-format json`, `{"findings": [{"path", "rule", ...}]}`;
- sigma-cli: `sigma check --junitxml`, one `<testsuite name=KIND>` per issue or error class
  with a `<testcase file=PATH>` per finding.

It prints the median times and the ratios to RuleLens, and the number of findings of each kind
per tool. For each check that two or more tools share (the SHARED_CHECKS table), it also
prints the rule files that one tool flags and another does not. Standard library only.
"""

import argparse
import json
import statistics
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from pathlib import Path

# Checks that mean the same thing in two or more tools, by each tool's own kind names. A tool
# missing from an entry has no such check. The mapping comes from reading each tool's
# documentation and messages. Where a peer's check is broader (rsigma's `invalid_tag` covers
# every tag namespace), the entry's name states it.
SHARED_CHECKS = {
    "invalid YAML": {
        "rulelens": {"syntax/yaml"},
        "rsigma": {"yaml_parse_error", "not_a_mapping"},
    },
    "condition syntax error": {
        "rulelens": {"sigma/condition-syntax"},
        "sigma check": {"SigmaConditionError"},
    },
    "condition names an undefined selection": {
        "rulelens": {"sigma/undefined-selection"},
        "rsigma": {"condition_references_unknown"},
        "sigma check": {"DanglingConditionIssue"},
    },
    "selection not used by the condition": {
        "rulelens": {"sigma/unused-selection"},
        "sigma check": {"DanglingDetectionIssue"},
    },
    "invalid modifier combination": {
        "rulelens": {"sigma/invalid-modifier-combination"},
        "rsigma": {"incompatible_modifiers", "all_with_re"},
        "sigma check": {
            "AllWithoutContainsModifierIssue",
            "Base64OffsetWithoutContainsModifierIssue",
            "WindowsDashCombinedWithAllModifierIssue",
            "ModifierAppliedMultipleIssue",
        },
    },
    "unknown modifier": {
        "rulelens": {"sigma/unknown-modifier"},
        "sigma check": {"SigmaModifierError"},
    },
    "rule id is not a UUID": {
        "rulelens": {"sigma/invalid-id"},
        "rsigma": {"invalid_id"},
        "sigma check": {"SigmaIdentifierError"},
    },
    "two rules share an id": {
        "rulelens": {"sigma/duplicate-id"},
        "sigma check": {"IdentifierCollisionIssue"},
    },
    "malformed ATT&CK tag (peers: any malformed tag)": {
        "rulelens": {"sigma/malformed-attack-tag"},
        "rsigma": {"invalid_tag"},
        "sigma check": {"InvalidTagFormatIssue"},
    },
    "required key missing": {
        "rulelens": {"sigma/missing-required-key"},
        "rsigma": {
            "missing_title",
            "missing_logsource",
            "missing_detection",
            "missing_condition",
        },
        "sigma check": {"SigmaTitleError", "SigmaLogsourceError", "SigmaDetectionError"},
    },
    "Sigma 1.0 aggregation after a pipe": {
        "rulelens": {"sigma/unsupported-aggregation"},
        "rsigma": {"deprecated_aggregation_syntax"},
    },
}

TOOLS = ("rulelens", "rsigma", "sigma check")
EXAMPLES = 5


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--times", type=Path, help="timing lines; omitted with --seeded")
    parser.add_argument(
        "--seeded",
        action="store_true",
        help="the rules are seed_faults.py output: print the kinds each tool reports per fault",
    )
    parser.add_argument("--sigma-root", type=Path, required=True)
    parser.add_argument("--rulelens", type=Path, required=True)
    parser.add_argument("--rsigma", type=Path, required=True)
    parser.add_argument(
        "--sigma-check",
        type=Path,
        required=True,
        help="a JUnit XML report, or with --seeded the folder of one report per fault",
    )
    args = parser.parse_args()

    root = args.sigma_root.resolve()
    findings = {
        "rulelens": read_rulelens(args.rulelens, root),
        "rsigma": read_rsigma(args.rsigma, root),
    }
    if args.seeded:
        findings["sigma check"] = []
        stopped = {}
        for report in sorted(args.sigma_check.glob("*.xml")):
            findings["sigma check"] += read_sigma_check(report, root)
        for note in sorted(args.sigma_check.glob("*.stopped")):
            stopped[note.stem] = note.read_text().strip()
        print_seeded(findings, root, stopped)
        return
    findings["sigma check"] = read_sigma_check(args.sigma_check, root)
    if args.times:
        print_times(args.times)
    print_kinds(findings)
    print_shared(findings)


def print_times(path):
    """Print the median wall and CPU time, peak memory, and the ratios to RuleLens."""
    runs = defaultdict(list)
    for line in path.read_text().splitlines():
        name, wall, user, system, rss, status = line.split()
        runs[name].append((float(wall), float(user) + float(system), int(rss), int(status)))
    medians = {}
    print("\n## Times (median of runs; CPU is user + system)\n")
    print("| tool | runs | wall s | CPU s | max RSS MiB | exit status |")
    print("| --- | ---: | ---: | ---: | ---: | --- |")
    for name, samples in runs.items():
        wall = statistics.median(sample[0] for sample in samples)
        cpu = statistics.median(sample[1] for sample in samples)
        rss = max(sample[2] for sample in samples) / 1024
        statuses = sorted({sample[3] for sample in samples})
        medians[name] = (wall, cpu)
        print(f"| {name} | {len(samples)} | {wall:.3f} | {cpu:.2f} | {rss:.0f} | {statuses} |")
    bases = {
        "rulelens-sigma": "every lint",
        "rulelens-shared": "only the checks the peers share",
        "rulelens-parse": "only reading and parsing",
    }
    for base_name, label in bases.items():
        base = medians.get(base_name)
        if not base:
            continue
        print(f"\nHow many times slower than `{base_name}` ({label}), same Sigma folder:\n")
        for name in ("rsigma", "sigma-check"):
            if name in medians:
                wall, cpu = medians[name]
                cpu_ratio = f"{cpu / base[1]:.1f}x" if base[1] > 0 else "n/a"
                print(f"- {name}: {wall / base[0]:.1f}x wall, {cpu_ratio} CPU")


def relative(path, root):
    resolved = Path(path).resolve()
    try:
        return str(resolved.relative_to(root))
    except ValueError:
        return str(path)


def read_rulelens(path, root):
    report = json.loads(path.read_text())
    return [(relative(d["path"], root), d["lint"]) for d in report["diagnostics"]]


def read_rsigma(path, root):
    if not path.exists():
        return None
    report = json.loads(path.read_text())
    return [(relative(f["path"], root), f["rule"]) for f in report["findings"]]


def read_sigma_check(path, root):
    found = []
    for suite in ET.parse(path).getroot().iter("testsuite"):
        for case in suite.iter("testcase"):
            if case.find("failure") is not None or case.find("error") is not None:
                found.append((relative(case.get("file", ""), root), suite.get("name")))
    return found


def print_kinds(findings):
    print("\n## Findings by kind\n")
    for tool in TOOLS:
        if findings[tool] is None:
            print(f"{tool}: not run")
            continue
        kinds = Counter(kind for _, kind in findings[tool])
        files = len({file for file, _ in findings[tool]})
        print(f"{tool}: {len(findings[tool])} findings in {files} files")
        for kind, count in kinds.most_common():
            print(f"  {count:6d}  {kind}")


def print_shared(findings):
    """For each shared check, print per tool the flagged files and the files others miss."""
    print("\n## Checks two or more tools share: rule files flagged\n")
    for check, kinds_by_tool in SHARED_CHECKS.items():
        flagged = {}
        for tool, kinds in kinds_by_tool.items():
            if findings[tool] is not None:
                flagged[tool] = {file for file, kind in findings[tool] if kind in kinds}
        counts = ", ".join(f"{tool} {len(files)}" for tool, files in flagged.items())
        print(f"- {check}: {counts}")
        for tool, files in flagged.items():
            for other, other_files in flagged.items():
                missed = sorted(files - other_files)
                if other == tool or not missed:
                    continue
                shown = ", ".join(missed[:EXAMPLES])
                more = f" and {len(missed) - EXAMPLES} more" if len(missed) > EXAMPLES else ""
                print(f"  - {len(missed)} flagged by {tool}, not by {other}: {shown}{more}")


def print_seeded(findings, root, stopped):
    """Print, per seeded fault, how many of its files each tool flags and with which kinds.

    `stopped` maps a fault to the last message of a `sigma check` run that ended without a
    report.
    """
    print("\n## Seeded faults: files flagged and kinds reported, per tool\n")
    print("| fault | files | " + " | ".join(TOOLS) + " |")
    print("| --- | ---: |" + " --- |" * len(TOOLS))
    for fault in sorted(folder.name for folder in root.iterdir() if folder.is_dir()):
        files = len(list((root / fault).glob("*.yml")))
        cells = []
        for tool in TOOLS:
            if findings[tool] is None:
                cells.append("not run")
                continue
            in_fault = [(file, kind) for file, kind in findings[tool] if file.startswith(fault + "/")]
            flagged = len({file for file, _ in in_fault})
            kinds = Counter(kind for _, kind in in_fault)
            # Corpus lints compare with the public rules these copies came from; leave them out.
            listed = ", ".join(
                f"{kind} {count}" for kind, count in sorted(kinds.items())
                if not kind.startswith("corpus/")
            )
            if tool == "sigma check" and fault in stopped:
                cells.append(f"run stopped: {stopped[fault]}")
            else:
                cells.append(f"{flagged}: {listed}" if listed else str(flagged))
        print(f"| {fault} | {files} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
