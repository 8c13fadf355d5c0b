#!/usr/bin/env python3
"""Write copies of corpus Sigma rules with one known fault each, for bench/compare.sh.

The public Sigma rules are clean, so the checks that RuleLens, rsigma and sigma-cli share
rarely fire on them. This script copies a few rules per fault into OUT/FAULT/, changes each
copy in one place, and bench/compare_findings.py --seeded then shows which tool reports what
on each folder. Rules are picked in path order, so every run writes the same files.

Usage: seed_faults.py SIGMA_RULES_FOLDER OUT_FOLDER
"""

import re
import shutil
import sys
from pathlib import Path

COPIES = 3


def replace_once(pattern, replacement):
    """Return a fault that substitutes the first match of `pattern`, or None when none."""

    def apply(text):
        changed, count = re.subn(pattern, replacement, text, count=1, flags=re.MULTILINE)
        return changed if count else None

    return apply


def insert_unused_selection(text):
    if "\ndetection:\n" not in text:
        return None
    extra = "\ndetection:\n    unused_selection:\n        Image|endswith: '\\seeded.exe'\n"
    return text.replace("\ndetection:\n", extra, 1)


# Each fault: a name (the folder) and a function from rule text to faulty text, or None when
# the rule has no place for that fault.
FAULTS = {
    "undefined-selection": replace_once(
        r"^    condition: selection$", "    condition: selection and not filter_seeded"
    ),
    "unused-selection": insert_unused_selection,
    "condition-syntax": replace_once(r"^    condition: selection$", "    condition: selection and"),
    "pipe-aggregation": replace_once(
        r"^    condition: selection$", "    condition: selection | count() by Image > 5"
    ),
    # The first eight digits of the rule's own id, so that the copies do not share an id.
    "invalid-id": replace_once(r"^id: ([0-9a-f]{8})-[0-9a-f-]{27}$", r"id: \1"),
    "unknown-modifier": replace_once(r"\|contains:", "|contians:"),
    "modifier-combination": replace_once(r"\|endswith:", "|endswith|startswith:"),
    "missing-title": replace_once(r"^title: .*\n", ""),
    "attack-tag-typo": replace_once(r"^    - attack\.execution$", "    - attack.execuion"),
    "attack-tag-uppercase": replace_once(r"^    - attack\.t(\d{4})$", r"    - attack.T\1"),
    "invalid-yaml": replace_once(r"^detection:$", "detection:\n  broken: [unclosed"),
}


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    rules = sorted(Path(sys.argv[1]).rglob("*.yml"))
    out = Path(sys.argv[2])
    if out.exists():
        shutil.rmtree(out)
    # Rules from the main `rules` folder only, so that deprecated and unsupported rules, which
    # may carry faults of their own, stay out.
    rules = [rule for rule in rules if "/rules/" in rule.as_posix()]
    used = set()
    for fault, apply in FAULTS.items():
        written = 0
        for rule in rules:
            if written == COPIES:
                break
            if rule in used:
                continue
            changed = apply(rule.read_text(encoding="utf-8"))
            if changed is None:
                continue
            target = out / fault / rule.name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(changed, encoding="utf-8")
            used.add(rule)
            written += 1
        if written < COPIES:
            sys.exit(f"error: only {written} rules have a place for the fault {fault}")

    # Two copies of one rule under other names: the same id twice.
    source = next(rule for rule in rules if rule not in used)
    for name in ("duplicate_id_first_copy.yml", "duplicate_id_second_copy.yml"):
        target = out / "duplicate-id" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


if __name__ == "__main__":
    main()
