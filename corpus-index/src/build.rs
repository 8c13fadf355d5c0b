//! Building an index from rule folders: find files, parse them in parallel through the
//! front ends, and hand every rule to the [`IndexBuilder`].
//!
//! A file that cannot be read, is not text, or makes a front end panic is skipped and listed
//! in the [`BuildReport`]; the build goes on. Files no front end claims (Splunk macros,
//! READMEs, licences) are counted and otherwise ignored.

use crate::taxonomy::Taxonomy;
use crate::write::IndexBuilder;
use rayon::prelude::*;
use rulelens_syntax::{Format, Rule, Severity};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Folders nested deeper than this are not read, which also stops symlink cycles that a
/// file system reports as plain folders.
const MAX_FOLDER_DEPTH: usize = 64;

/// A file the build left out, with the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedFile {
    pub path: PathBuf,
    pub reason: String,
}

/// Counts and skipped files of a build, for `rulelens index build` to print.
#[derive(Clone, Debug, Default)]
pub struct BuildReport {
    pub files_seen: usize,
    /// Files a front end claimed, per format.
    pub rule_files: BTreeMap<&'static str, usize>,
    /// Files of a format whose front end returned no rule, per format. Until a front end
    /// exists for a format, all of its files land here.
    pub files_without_rules: BTreeMap<&'static str, usize>,
    pub files_with_syntax_errors: usize,
    pub rules: usize,
    pub skipped: Vec<SkippedFile>,
}

/// An error that stops a build before it writes an index.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("input {path} does not exist; pass folders or files that hold rules")]
    InputNotFound { path: PathBuf },
    #[error("cannot list folder {path}: {error}; check its permissions")]
    ListFolder {
        path: PathBuf,
        /// Shown in the message rather than as an error source, so it is printed once.
        error: std::io::Error,
    },
    #[error(
        "no rule files found in {inputs}; expected Sigma, Sentinel, Splunk, Elastic or Panther \
         rules (.yml, .yaml, .toml, .kql, .txt, .spl)"
    )]
    NoRules { inputs: String },
}

/// The outcome of reading one file.
enum FileOutcome {
    NotARule,
    Skipped(SkippedFile),
    Parsed {
        format: Format,
        rules: Vec<Rule>,
        syntax_errors: u32,
    },
}

/// Builds an index from `inputs` (folders or files) and returns its bytes with a report.
///
/// The bytes depend only on the rule files' relative paths and contents: files are sorted,
/// parsed in parallel and added in order.
pub fn build_index(
    inputs: &[PathBuf],
    taxonomy: &Taxonomy,
) -> Result<(Vec<u8>, BuildReport), BuildError> {
    let files = collect_files(inputs)?;
    let outcomes: Vec<FileOutcome> = files
        .par_iter()
        .map(|(absolute, _)| read_file(absolute))
        .collect();

    let mut report = BuildReport {
        files_seen: files.len(),
        ..BuildReport::default()
    };
    let mut builder = IndexBuilder::new(taxonomy);
    for input in inputs {
        builder.add_input(&input_name(input));
    }
    for ((_, relative), outcome) in files.iter().zip(outcomes) {
        match outcome {
            FileOutcome::NotARule => {}
            FileOutcome::Skipped(skipped) => report.skipped.push(skipped),
            FileOutcome::Parsed {
                format,
                rules,
                syntax_errors,
            } => {
                *report.rule_files.entry(format.name()).or_default() += 1;
                if rules.is_empty() {
                    *report.files_without_rules.entry(format.name()).or_default() += 1;
                }
                if syntax_errors > 0 {
                    report.files_with_syntax_errors += 1;
                }
                for (document, rule) in rules.iter().enumerate() {
                    builder.add_rule(relative, document, rule, syntax_errors);
                    report.rules += 1;
                }
            }
        }
    }

    if report.rule_files.is_empty() {
        let names: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
        return Err(BuildError::NoRules {
            inputs: names.join(", "),
        });
    }
    builder.set_file_counts(report.files_seen, report.skipped.len());
    Ok((builder.finish(), report))
}

/// Returns the name an input is recorded under: its last path component.
fn input_name(input: &Path) -> String {
    let resolved = std::fs::canonicalize(input).unwrap_or_else(|_| input.to_path_buf());
    resolved.file_name().map_or_else(
        || input.display().to_string(),
        |name| name.to_string_lossy().into_owned(),
    )
}

/// Lists every file under `inputs` as (path to open, path to record), sorted by the recorded
/// path. Recorded paths are relative to their input folder, prefixed with the input's name when
/// there are several inputs, and always use `/`.
fn collect_files(inputs: &[PathBuf]) -> Result<Vec<(PathBuf, String)>, BuildError> {
    let mut files = Vec::new();
    for input in inputs {
        if !input.exists() {
            return Err(BuildError::InputNotFound {
                path: input.clone(),
            });
        }
        let prefix = if inputs.len() > 1 {
            format!("{}/", input_name(input))
        } else {
            String::new()
        };
        if input.is_file() {
            files.push((input.clone(), format!("{prefix}{}", input_name(input))));
            continue;
        }
        let mut found = Vec::new();
        walk_folder(input, 0, &mut found)?;
        for path in found {
            let relative = path.strip_prefix(input).unwrap_or(&path);
            let parts: Vec<String> = relative
                .components()
                .map(|part| part.as_os_str().to_string_lossy().into_owned())
                .collect();
            files.push((path.clone(), format!("{prefix}{}", parts.join("/"))));
        }
    }
    files.sort_by(|a, b| a.1.cmp(&b.1));
    files.dedup_by(|a, b| a.1 == b.1);
    Ok(files)
}

fn walk_folder(folder: &Path, depth: usize, found: &mut Vec<PathBuf>) -> Result<(), BuildError> {
    if depth > MAX_FOLDER_DEPTH {
        return Ok(());
    }
    let entries = std::fs::read_dir(folder).map_err(|error| BuildError::ListFolder {
        path: folder.to_path_buf(),
        error,
    })?;
    for entry in entries.flatten() {
        let path = entry.path();
        // `DirEntry::file_type` does not follow symlinks, so a link to a folder is not walked.
        let Ok(file_type) = entry.file_type() else {
            continue;
        };
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if file_type.is_dir() && !hidden {
            walk_folder(&path, depth + 1, found)?;
        } else if file_type.is_file() {
            found.push(path);
        }
    }
    Ok(())
}

fn read_file(path: &Path) -> FileOutcome {
    // Only files whose name a front end could claim are opened at all.
    if rulelens_syntax::detect_format(path, "").is_none() && !is_yaml_or_toml(path) {
        return FileOutcome::NotARule;
    }
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) => {
            return FileOutcome::Skipped(SkippedFile {
                path: path.to_path_buf(),
                reason: format!("cannot read file: {error}"),
            })
        }
    };
    let text = match rulelens_syntax::source::decode(&bytes) {
        Ok(text) => text,
        Err(diagnostic) => {
            return FileOutcome::Skipped(SkippedFile {
                path: path.to_path_buf(),
                reason: diagnostic.message,
            })
        }
    };
    // A front-end bug must not stop a build of thousands of files: contain it to the file.
    let parsed = std::panic::catch_unwind(|| rulelens_syntax::parse_path(path, text));
    match parsed {
        Ok(None) => FileOutcome::NotARule,
        Ok(Some(parsed)) => FileOutcome::Parsed {
            format: parsed.format.unwrap_or(Format::Sigma),
            syntax_errors: count_errors(&parsed.diagnostics),
            // A query file of comments alone is not a rule; counting it would skew reach.
            rules: parsed
                .documents
                .into_iter()
                .filter(|document| !document.is_empty_query())
                .map(|document| document.rule)
                .collect(),
        },
        Err(_) => FileOutcome::Skipped(SkippedFile {
            path: path.to_path_buf(),
            reason: "the front end panicked on this file; please report it".to_owned(),
        }),
    }
}

/// Extensions whose files are told apart by content, so they must be read to decide.
fn is_yaml_or_toml(path: &Path) -> bool {
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    matches!(
        extension.to_ascii_lowercase().as_str(),
        "yml" | "yaml" | "toml" | "txt"
    )
}

fn count_errors(diagnostics: &[rulelens_syntax::Diagnostic]) -> u32 {
    let errors = diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.severity == Severity::Error)
        .count();
    u32::try_from(errors).unwrap_or(u32::MAX)
}
