#!/usr/bin/env python3
"""Fill each fuzz target's corpus folder with inputs taken from the public rule corpus.

Usage: fuzz/seed.py [CORPUS] [--per-target N]

CORPUS defaults to $RULELENS_CORPUS, else ../shared/corpus beside the repository. Each target
gets the file kind it reads. The front ends get whole rule files. The query-language targets get
the query text alone (Sentinel `query:`, Splunk `search:`, Elastic `query` by `language`), and
the condition parser gets Sigma `condition:` values. The index reader gets small index files
built by `rulelens index build`. Targets whose input starts with a selector or a
header byte get that byte in front. Files are sampled evenly from the sorted list, so a rerun
writes the same seeds. Files under fuzz/corpus are named by the SHA-1 of their content, as
libFuzzer names the inputs it adds.
"""

import argparse
import hashlib
import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import yaml

FUZZ_DIR = Path(__file__).resolve().parent
REPO_DIR = FUZZ_DIR.parent
# Larger inputs slow every execution and add little: the bugs fuzzing finds sit in short text.
MAX_SEED_BYTES = 64 * 1024

# Selector bytes of `parse_any_format`, in the order of its FORMATS table.
ANY_FORMAT_SELECTOR = {
    "sigma": 0,
    "sentinel": 1,
    "kql": 2,
    "splunk": 3,
    "elastic": 5,
    "panther": 6,
}


def sample(paths, count):
    """Return `count` paths spread evenly over the sorted `paths`."""
    paths = sorted(p for p in paths if p.stat().st_size <= MAX_SEED_BYTES)
    if len(paths) <= count:
        return paths
    step = len(paths) / count
    return [paths[int(i * step)] for i in range(count)]


def write_seed(target, data):
    folder = FUZZ_DIR / "corpus" / target
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)


def load_yaml(path):
    """Return the YAML mapping of `path`, or None when PyYAML cannot read it."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError):
        return None
    return document if isinstance(document, dict) else None


def seed_sigma(corpus, count):
    files = sample((corpus / "sigma").rglob("*.yml"), count)
    for path in files:
        text = path.read_text(encoding="utf-8")
        write_seed("sigma_yaml", text)
        write_seed("parse_any_format", bytes([ANY_FORMAT_SELECTOR["sigma"]]) + text.encode())
    # Conditions repeat a few shapes, so every file is read to collect the rarer ones.
    for path in sorted((corpus / "sigma").rglob("*.yml")):
        document = load_yaml(path) or {}
        condition = (document.get("detection") or {}).get("condition")
        conditions = condition if isinstance(condition, list) else [condition]
        for value in conditions:
            if isinstance(value, str):
                write_seed("sigma_condition", value)
    return files


def seed_kusto(corpus, count):
    yaml_files = sample(
        [p for p in (corpus / "kusto").rglob("*") if p.suffix in (".yaml", ".yml")], count
    )
    for path in yaml_files:
        text = path.read_text(encoding="utf-8", errors="replace")
        write_seed("parse_any_format", bytes([ANY_FORMAT_SELECTOR["sentinel"]]) + text.encode())
        query = (load_yaml(path) or {}).get("query")
        if isinstance(query, str):
            write_seed("kql", query)
    plain = sample([p for p in (corpus / "kusto").rglob("*") if p.suffix in (".txt", ".kql")], count)
    for path in plain:
        text = path.read_text(encoding="utf-8", errors="replace")
        write_seed("kql", text)
        write_seed("parse_any_format", bytes([ANY_FORMAT_SELECTOR["kql"]]) + text.encode())
    return yaml_files + plain


def seed_splunk(corpus, count):
    files = sample((corpus / "splunk").rglob("detections/**/*.yml"), count)
    for path in files:
        text = path.read_text(encoding="utf-8")
        write_seed("parse_any_format", bytes([ANY_FORMAT_SELECTOR["splunk"]]) + text.encode())
        search = (load_yaml(path) or {}).get("search")
        if isinstance(search, str):
            write_seed("spl", search)
    return files


def seed_elastic(corpus, count):
    # Sample per language, so that the 212 ES|QL rules are not crowded out by EQL and kuery.
    by_language = {}
    for path in sorted((corpus / "elastic").rglob("*.toml")):
        if path.stat().st_size > MAX_SEED_BYTES:
            continue
        try:
            rule = tomllib.loads(path.read_text(encoding="utf-8")).get("rule", {})
        except (tomllib.TOMLDecodeError, UnicodeDecodeError):
            continue
        by_language.setdefault(rule.get("language"), []).append((path, rule.get("query")))
    files = []
    for language, rules in by_language.items():
        for path, query in [rules[int(i * len(rules) / count)] for i in range(min(count, len(rules)))]:
            text = path.read_text(encoding="utf-8")
            write_seed("elastic_toml", text)
            write_seed("parse_any_format", bytes([ANY_FORMAT_SELECTOR["elastic"]]) + text.encode())
            if language in ("kuery", "eql", "esql") and isinstance(query, str):
                write_seed(language, query)
            files.append(path)
    return files


def seed_panther(corpus, count):
    files = sample([p for p in (corpus / "panther").rglob("*") if p.suffix in (".yml", ".yaml")], count)
    for path in files:
        text = path.read_text(encoding="utf-8")
        write_seed("panther_yaml", text)
        write_seed("parse_any_format", bytes([ANY_FORMAT_SELECTOR["panther"]]) + text.encode())
    return files


def seed_text_targets(files):
    """Seed the position targets with rule texts, also with CRLF and lone CR line ends."""
    for path in files:
        text = path.read_text(encoding="utf-8", errors="replace")
        for variant in (text, text.replace("\n", "\r\n"), text.replace("\n", "\r")):
            write_seed("line_index", variant)
            # Two client positions (line 1 column 3, line 0 column 200) before the text.
            write_seed("lsp_position", b"\x01\x00\x03\x00\x00\x00\xc8\x00" + variant.encode())


def seed_index(corpus):
    """Build three small indexes, one per vendor mix, and seed them raw and header-repaired."""
    binary = REPO_DIR / "target" / "release" / "rulelens"
    if not binary.exists():
        sys.exit(f"{binary} not found; run `cargo build --release -p rulelens` first")
    picks = [
        sample((corpus / "sigma").rglob("*.yml"), 6),
        sample((corpus / "elastic").rglob("*.toml"), 6),
        sample((corpus / "sigma").rglob("*.yml"), 3) + sample((corpus / "kusto").rglob("*.yaml"), 3),
    ]
    with tempfile.TemporaryDirectory() as scratch:
        for number, files in enumerate(picks):
            out = Path(scratch) / f"seed{number}.rlidx"
            subprocess.run(
                [binary, "index", "build", "--out", out, *files],
                check=True,
                stdout=subprocess.DEVNULL,
            )
            data = out.read_bytes()
            write_seed("index_bytes", b"\x00" + data)
            write_seed("index_bytes", b"\x01" + data)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_corpus = os.environ.get("RULELENS_CORPUS", str(REPO_DIR.parent / "shared" / "corpus"))
    parser.add_argument("corpus", nargs="?", default=default_corpus)
    parser.add_argument("--per-target", type=int, default=300, help="files sampled per vendor")
    arguments = parser.parse_args()
    corpus = Path(arguments.corpus)
    if not (corpus / "sigma").is_dir():
        sys.exit(f"rule corpus not found at {corpus}; pass its path or set RULELENS_CORPUS")

    count = arguments.per_target
    files = seed_sigma(corpus, count)
    files += seed_kusto(corpus, count)
    files += seed_splunk(corpus, count)
    files += seed_elastic(corpus, count)
    files += seed_panther(corpus, count)
    # Every tenth rule file is enough variety of characters and line ends for the positions.
    seed_text_targets(files[::10])
    seed_index(corpus)

    for folder in sorted((FUZZ_DIR / "corpus").iterdir()):
        print(f"{folder.name}: {sum(1 for _ in folder.iterdir())} seeds")


if __name__ == "__main__":
    main()
