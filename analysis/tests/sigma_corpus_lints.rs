//! The structural lints on the whole Sigma corpus: only the findings judged real remain.

use rulelens_analysis::config::Config;
use rulelens_analysis::{analyze_file, analyze_workspace, FileInput};
use rulelens_syntax::corpus_path::corpus_dir;
use rulelens_syntax::{parse, Format, LineIndex, ParsedFile};
use std::path::{Path, PathBuf};

fn yaml_files(folder: &Path, found: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(folder) else {
        panic!("cannot read {}", folder.display());
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "yml" || e == "yaml") {
            found.push(path);
        }
    }
}

/// Findings on the corpus that are real problems in the rules, as
/// (file name, lint id, text at the range), with the reason each is real.
const REAL_FINDINGS: &[(&str, &str, &str)] = &[
    // `attack.ds0005` is an ATT&CK data source id. The Sigma tag specification defines only
    // technique, group, software and tactic tags in the `attack` namespace, so tools that read
    // techniques from tags skip it.
    (
        "posh_ps_create_volume_shadow_copy.yml",
        "sigma/malformed-attack-tag",
        "attack.ds0005",
    ),
];

#[test]
fn sigma_corpus_has_only_known_findings() {
    // The corpus lints compare rules with each other and have their own corpus tests.
    let config = Config {
        ignore: vec!["corpus".to_owned(), "field".to_owned()],
        ..Config::default()
    };
    let root = corpus_dir(env!("CARGO_MANIFEST_DIR")).join("sigma");
    let mut paths = Vec::new();
    yaml_files(&root, &mut paths);
    paths.sort();
    let texts: Vec<String> = paths
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap_or_default())
        .collect();
    let parsed: Vec<ParsedFile> = texts.iter().map(|t| parse(Format::Sigma, t)).collect();
    let names: Vec<String> = paths
        .iter()
        .map(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    let inputs: Vec<FileInput<'_>> = names
        .iter()
        .zip(texts.iter().zip(parsed.iter()))
        .map(|(path, (text, parsed))| FileInput { path, text, parsed })
        .collect();

    let mut found = Vec::new();
    for (index, input) in inputs.iter().enumerate() {
        for diagnostic in analyze_file(input, &config) {
            found.push((index, diagnostic));
        }
    }
    found.extend(analyze_workspace(&inputs, &config));

    let mut unexpected = Vec::new();
    let mut seen = Vec::new();
    for (index, diagnostic) in &found {
        let text = &texts[*index];
        let covered = text.get(diagnostic.range.as_range()).unwrap_or("");
        let key = (names[*index].as_str(), diagnostic.lint, covered);
        if REAL_FINDINGS.contains(&key) {
            seen.push(key);
            continue;
        }
        let line = LineIndex::new(text).line_col(diagnostic.range.start()).line + 1;
        unexpected.push(format!(
            "{}:{line}: {} {} [{covered}]",
            paths[*index].display(),
            diagnostic.lint,
            diagnostic.message
        ));
    }
    assert!(
        unexpected.is_empty(),
        "{} unexpected findings:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
    for expected in REAL_FINDINGS {
        assert!(
            seen.contains(expected),
            "expected finding not reported: {expected:?}"
        );
    }
}
