//! Builds from bad input: no rules, unreadable and binary files, missing inputs.

use rulelens_corpus::{build_index, BuildError, Index, Taxonomy};
use std::borrow::Cow;
use std::path::PathBuf;

const SIGMA_RULE: &str = "title: t\nlogsource:\n  category: process_creation\n\
detection:\n  selection:\n    Image|endswith: '\\\\cmd.exe'\n  condition: selection\n";

fn folder() -> tempfile::TempDir {
    match tempfile::tempdir() {
        Ok(folder) => folder,
        Err(error) => panic!("cannot create a temporary folder: {error}"),
    }
}

fn write(path: PathBuf, bytes: &[u8]) {
    if let Err(error) = std::fs::write(&path, bytes) {
        panic!("cannot write {}: {error}", path.display());
    }
}

#[test]
fn folder_without_rules_is_error() {
    let dir = folder();
    write(dir.path().join("README.md"), b"# not a rule\n");
    let result = build_index(&[dir.path().to_path_buf()], Taxonomy::builtin());
    let message = result
        .err()
        .map(|error| error.to_string())
        .unwrap_or_default();
    assert!(message.starts_with("no rule files found in"), "{message}");
    assert!(
        message.contains(&dir.path().display().to_string()),
        "{message}"
    );
}

#[test]
fn missing_input_is_error() {
    let result = build_index(&[PathBuf::from("/nonexistent/rules")], Taxonomy::builtin());
    assert!(matches!(result, Err(BuildError::InputNotFound { .. })));
}

#[test]
fn bad_files_are_skipped_and_reported() {
    let dir = folder();
    write(dir.path().join("good.yml"), SIGMA_RULE.as_bytes());
    write(dir.path().join("binary.yml"), b"title: x\0\x01\x02");
    write(
        dir.path().join("latin1.yml"),
        b"title: caf\xe9\ndetection:\nlogsource:\n",
    );
    let built = build_index(&[dir.path().to_path_buf()], Taxonomy::builtin());
    let Ok((bytes, report)) = built else {
        panic!("build failed: {:?}", built.err());
    };
    let mut skipped: Vec<String> = report
        .skipped
        .iter()
        .map(|file| {
            let name = file
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned());
            format!("{}: {}", name.unwrap_or_default(), file.reason)
        })
        .collect();
    skipped.sort();
    assert_eq!(skipped.len(), 2, "{skipped:?}");
    assert!(
        skipped[0].starts_with("binary.yml: file is binary"),
        "{skipped:?}"
    );
    assert!(
        skipped[1].starts_with("latin1.yml: invalid UTF-8 at byte 10"),
        "{skipped:?}"
    );
    assert_eq!(report.rule_files.get("sigma"), Some(&1));
    let index = Index::from_bytes(Cow::Owned(bytes), None);
    assert!(index.is_ok(), "{:?}", index.err());
}

#[test]
fn build_is_deterministic_across_paths() {
    let first = folder();
    let second = folder();
    for dir in [&first, &second] {
        std::fs::create_dir_all(dir.path().join("rules/sub")).unwrap_or_default();
        write(dir.path().join("rules/sub/a.yml"), SIGMA_RULE.as_bytes());
        write(dir.path().join("rules/b.yml"), SIGMA_RULE.as_bytes());
    }
    let build = |dir: &tempfile::TempDir| {
        build_index(&[dir.path().join("rules")], Taxonomy::builtin()).map(|(bytes, _)| bytes)
    };
    let (a, b) = (build(&first), build(&second));
    assert!(a.is_ok());
    assert_eq!(a.ok(), b.ok());
}
