//! Checks `embed::yaml_scalar` against `saphyr` on every Sentinel `query:` and Splunk
//! `search:` in the corpus: the value read from the file text must equal the value the YAML
//! library loads.

use rulelens_syntax::corpus_path::corpus_dir;
use rulelens_syntax::embed::{yaml_scalar, EmbeddedText};
use rulelens_syntax::LineIndex;
use rulelens_syntax::TextRange;
use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};
use std::path::{Path, PathBuf};

fn yaml_files(root: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            yaml_files(&path, out);
        } else if matches!(
            path.extension().and_then(|e| e.to_str()),
            Some("yml" | "yaml")
        ) {
            out.push(path);
        }
    }
}

/// Compares every top-level `key` string value in the files under `folder`; returns how many
/// values were compared and the mismatches.
fn compare_values(folder: &str, key: &str) -> (usize, Vec<String>) {
    let mut files = Vec::new();
    yaml_files(
        &corpus_dir(env!("CARGO_MANIFEST_DIR")).join(folder),
        &mut files,
    );
    files.sort();
    let mut compared = 0;
    let mut mismatches = Vec::new();
    for path in files {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        // Files saphyr rejects are outside this check.
        let Ok(documents) = MarkedYaml::load_from_str(&text) else {
            continue;
        };
        let lines = LineIndex::new(&text);
        for document in &documents {
            let YamlData::Mapping(map) = &document.data else {
                continue;
            };
            for (name, value) in map {
                let is_key = matches!(&name.data, YamlData::Value(Scalar::String(s)) if s == key);
                let YamlData::Value(Scalar::String(expected)) = &value.data else {
                    continue;
                };
                if !is_key {
                    continue;
                }
                let start = lines.offset_of_char_col(
                    &text,
                    value.span.start.line() - 1,
                    value.span.start.col(),
                );
                compared += 1;
                let scalar = yaml_scalar(&text, start);
                if let Some(scalar) = &scalar {
                    mismatches.extend(unmapped_words(&text, scalar, &path));
                }
                let got = scalar.map(|s| s.text);
                if got.as_deref() != Some(expected.as_ref())
                    && !saphyr_extra_break(&text, &got, expected)
                {
                    mismatches.push(format!("{}: {:?} != {:?}", path.display(), got, expected));
                }
            }
        }
    }
    (compared, mismatches)
}

/// Checks that every word of the value maps back to the same word in the file.
fn unmapped_words(file: &str, scalar: &EmbeddedText, path: &Path) -> Vec<String> {
    let mut errors = Vec::new();
    let value = &scalar.text;
    let mut start = None;
    for (i, c) in value
        .char_indices()
        .chain(std::iter::once((value.len(), ' ')))
    {
        match (c.is_alphanumeric() || c == '_', start) {
            (true, None) => start = Some(i),
            (false, Some(from)) => {
                let range = scalar.file_range(TextRange::new(from, i));
                if file.get(range.as_range()) != value.get(from..i) {
                    errors.push(format!(
                        "{}: {:?} maps to {:?}",
                        path.display(),
                        &value[from..i],
                        file.get(range.as_range())
                    ));
                }
                start = None;
            }
            _ => {}
        }
    }
    errors
}

/// saphyr 0.3.4 keeps one more line break than YAML 1.2 (and PyYAML) when a clipped block
/// scalar's last line holds only indentation spaces and the file ends without a line break.
fn saphyr_extra_break(file: &str, got: &Option<String>, expected: &str) -> bool {
    let ends_in_spaces = file.ends_with(' ');
    got.as_ref()
        .is_some_and(|got| ends_in_spaces && format!("{got}\n") == expected)
}

#[test]
fn sentinel_queries_match_saphyr() {
    let (compared, mismatches) = compare_values("kusto", "query");
    assert!(compared > 2000, "only {compared} queries found");
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn splunk_searches_match_saphyr() {
    let (compared, mismatches) = compare_values("splunk", "search");
    assert!(compared > 1500, "only {compared} searches found");
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn sigma_descriptions_match_saphyr() {
    let (compared, mismatches) = compare_values("sigma", "description");
    assert!(compared > 3000, "only {compared} descriptions found");
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
