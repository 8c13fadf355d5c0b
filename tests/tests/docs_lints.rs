//! Keeps `docs/lints/` in step with the lint registry.
//!
//! Each lint in `rulelens_analysis::LINTS` has one page, `docs/lints/<namespace>/<name>.md`,
//! made from its id, default severity, summary and documentation, and `docs/lints/README.md`
//! lists them all. The test fails when a page is missing, stale or left over from a removed
//! lint. With `RULELENS_UPDATE_DOCS=1` it writes the pages instead, so that the fix for a
//! failure is one command.

use rulelens_analysis::lints::{Check, Lint};
use rulelens_analysis::LINTS;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const GENERATED_NOTE: &str = "<!-- Generated from the lint registry by tests/tests/docs_lints.rs. \
Edit the lint's documentation in analysis/src/lints/, then run \
`RULELENS_UPDATE_DOCS=1 cargo test -p rulelens-e2e --test docs_lints`. -->";

fn lints_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/lints")
}

/// The page path of a lint, relative to `docs/lints/`.
fn page_path(id: &str) -> PathBuf {
    match id.split_once('/') {
        Some((namespace, name)) => Path::new(namespace).join(format!("{name}.md")),
        None => PathBuf::from(format!("{id}.md")),
    }
}

fn checked_by(lint: &Lint) -> &'static str {
    match lint.check {
        Check::Parser => "the file reader or a parser, while the file is read",
        Check::File(_) => "a lint over each file",
        Check::Corpus(_) => "a lint over each file, against the corpus index",
        Check::Workspace(_) => "a lint over all files checked together",
    }
}

/// Returns `text` with its first letter in upper case, to stand as a sentence.
fn sentence_case(text: &str) -> String {
    let mut characters = text.chars();
    match characters.next() {
        Some(first) => first.to_uppercase().chain(characters).collect(),
        None => String::new(),
    }
}

/// Renders the page of one lint.
fn render_page(lint: &Lint) -> String {
    let info = lint.info;
    // Lint docs start their sections at `##`, under the page's `#` title.
    format!(
        "{GENERATED_NOTE}\n\n# `{id}`\n\n{summary}.\n\n\
         | default severity | reported by |\n| --- | --- |\n| {severity} | {checked_by} |\n\n\
         {docs}\n\
         ## Configuration\n\n\
         Change the severity or switch the lint off in `.rulelens.toml`:\n\n\
         ```toml\n[lints]\n\"{id}\" = \"off\"\n```\n\n\
         Silence one finding with a comment that gives the reason, such as \
         `# rulelens: ignore[{id}] REASON` in YAML and TOML. \
         See [suppression](../../suppression.md).\n",
        id = info.id,
        summary = sentence_case(info.summary),
        severity = info.default_severity.name(),
        checked_by = checked_by(lint),
        docs = info.docs.trim_end().to_owned() + "\n",
    )
}

/// Renders the index of every lint, grouped by namespace in registry order.
fn render_index() -> String {
    let mut text = format!(
        "{GENERATED_NOTE}\n\n# Lints\n\n\
         Every lint has a stable id, `namespace/name`, and a default severity that \
         `.rulelens.toml` or the editor settings can change. `rulelens explain ID` prints the \
         same documentation in a terminal.\n"
    );
    let mut namespaces: Vec<&str> = Vec::new();
    for lint in LINTS {
        let namespace = lint.info.id.split('/').next().unwrap_or(lint.info.id);
        if !namespaces.contains(&namespace) {
            namespaces.push(namespace);
        }
    }
    for namespace in namespaces {
        text.push_str(&format!(
            "\n## `{namespace}/`\n\n| lint | default | what it flags |\n| --- | --- | --- |\n"
        ));
        for lint in LINTS
            .iter()
            .filter(|lint| lint.info.id.split('/').next() == Some(namespace))
        {
            let path = page_path(lint.info.id);
            text.push_str(&format!(
                "| [`{id}`]({path}) | {severity} | {summary} |\n",
                id = lint.info.id,
                path = path.display(),
                severity = lint.info.default_severity.name(),
                summary = lint.info.summary.replace('|', "\\|"),
            ));
        }
    }
    text
}

/// Every generated file, by path relative to `docs/lints/`.
fn expected_files() -> BTreeMap<PathBuf, String> {
    let mut files = BTreeMap::new();
    files.insert(PathBuf::from("README.md"), render_index());
    for lint in LINTS {
        files.insert(page_path(lint.info.id), render_page(lint));
    }
    files
}

/// The Markdown files now under `docs/lints/`, relative to it.
fn existing_files(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|extension| extension == "md") {
                let relative = path.strip_prefix(root).expect("path under docs/lints");
                found.push(relative.to_path_buf());
            }
        }
    }
    found.sort();
    found
}

fn write_files(root: &Path, expected: &BTreeMap<PathBuf, String>) {
    for stale in existing_files(root) {
        if !expected.contains_key(&stale) {
            std::fs::remove_file(root.join(&stale)).expect("remove a page of a removed lint");
        }
    }
    for (relative, text) in expected {
        let path = root.join(relative);
        std::fs::create_dir_all(path.parent().expect("page folder")).expect("create folder");
        std::fs::write(&path, text).expect("write lint page");
    }
}

#[test]
fn lint_pages_match_registry() {
    let root = lints_dir();
    let expected = expected_files();
    if std::env::var_os("RULELENS_UPDATE_DOCS").is_some_and(|value| value == "1") {
        write_files(&root, &expected);
    }

    let mut problems = Vec::new();
    for (relative, text) in &expected {
        match std::fs::read_to_string(root.join(relative)) {
            Ok(current) if current == *text => {}
            Ok(_) => problems.push(format!("stale: docs/lints/{}", relative.display())),
            Err(_) => problems.push(format!("missing: docs/lints/{}", relative.display())),
        }
    }
    for existing in existing_files(&root) {
        if !expected.contains_key(&existing) {
            problems.push(format!("no such lint: docs/lints/{}", existing.display()));
        }
    }
    assert!(
        problems.is_empty(),
        "the lint pages differ from the registry:\n{}\n\
         run `RULELENS_UPDATE_DOCS=1 cargo test -p rulelens-e2e --test docs_lints`",
        problems.join("\n")
    );
}

#[test]
fn lint_page_names_are_unique() {
    let mut seen = BTreeMap::new();
    for lint in LINTS {
        let path = page_path(lint.info.id);
        if let Some(previous) = seen.insert(path.clone(), lint.info.id) {
            panic!(
                "{previous} and {} share the page {}",
                lint.info.id,
                path.display()
            );
        }
    }
    assert_eq!(seen.len(), LINTS.len());
}
