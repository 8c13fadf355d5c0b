//! Reporters for `rulelens check`: human-readable text and JSON.
//!
//! Positions are 1-based lines and columns, columns counted in Unicode scalar values, the
//! convention of compilers and of most editors' "go to line:column".

use crate::files::LoadedFile;
use rulelens_syntax::{Diagnostic, Fix, Severity};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::{self, Write};

/// Text or JSON, for commands without a SARIF form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// A diagnostic placed in a file, ready to print.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub path: String,
    pub lint: &'static str,
    pub severity: Severity,
    pub message: String,
    pub start: Position,
    pub end: Position,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<RelatedFinding>,
    /// Fixes as byte-offset edits; `--fix` applies the safe ones.
    #[serde(skip)]
    pub fixes: Vec<Fix>,
    /// The flagged text, at most [`SNIPPET_MAX_BYTES`] bytes of it, which keeps a SARIF
    /// fingerprint stable when lines above the finding move.
    #[serde(skip)]
    pub snippet: String,
}

/// How much of the flagged text a finding keeps for its fingerprint.
pub const SNIPPET_MAX_BYTES: usize = 200;

/// A secondary location of a finding.
#[derive(Debug, Clone, Serialize)]
pub struct RelatedFinding {
    pub path: String,
    /// The location's start when it is in the finding's own file. A location in another file
    /// has none, because that file's text is not at hand.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<Position>,
    pub message: String,
}

/// Returns the text of `range` in `text`, cut at a character boundary after [`SNIPPET_MAX_BYTES`].
fn snippet(text: &str, range: std::ops::Range<usize>) -> String {
    let Some(flagged) = text.get(range) else {
        return String::new();
    };
    let mut end = flagged.len().min(SNIPPET_MAX_BYTES);
    while !flagged.is_char_boundary(end) {
        end -= 1;
    }
    flagged[..end].to_owned()
}

impl Finding {
    pub fn new(file: &LoadedFile, diagnostic: Diagnostic) -> Finding {
        let position = |offset: usize| {
            let at = file.lines.line_col_chars(&file.text, offset);
            Position {
                line: at.line + 1,
                column: at.col + 1,
            }
        };
        let path = file.display_path();
        Finding {
            start: position(diagnostic.range.start()),
            end: position(diagnostic.range.end()),
            related: diagnostic
                .related
                .iter()
                .map(|related| RelatedFinding {
                    path: related.path.clone().unwrap_or_else(|| path.clone()),
                    start: related
                        .path
                        .is_none()
                        .then(|| position(related.range.start())),
                    message: related.message.clone(),
                })
                .collect(),
            path,
            snippet: snippet(&file.text, diagnostic.range.as_range()),
            fixes: diagnostic.fixes,
            lint: diagnostic.lint,
            severity: diagnostic.severity,
            message: diagnostic.message,
        }
    }
}

/// Counts for the summary line and the JSON `summary` object.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    pub files: usize,
    pub rules: usize,
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
    pub hints: usize,
    /// Files and rules per format (`sigma`, `kql`, ...).
    pub languages: BTreeMap<&'static str, LanguageCount>,
}

#[derive(Debug, Default, Serialize)]
pub struct LanguageCount {
    pub files: usize,
    pub rules: usize,
}

impl Summary {
    pub fn of(files: &[&LoadedFile], findings: &[Finding]) -> Summary {
        let mut summary = Summary {
            files: files.len(),
            ..Summary::default()
        };
        for file in files {
            let Some(parsed) = &file.parsed else {
                continue;
            };
            let rules = parsed.rule_count();
            summary.rules += rules;
            if let Some(format) = parsed.format {
                let count = summary.languages.entry(format.name()).or_default();
                count.files += 1;
                count.rules += rules;
            }
        }
        for finding in findings {
            match finding.severity {
                Severity::Error => summary.errors += 1,
                Severity::Warning => summary.warnings += 1,
                Severity::Info => summary.infos += 1,
                Severity::Hint => summary.hints += 1,
            }
        }
        summary
    }
}

pub fn write_text(out: &mut impl Write, findings: &[Finding], summary: &Summary) -> io::Result<()> {
    for finding in findings {
        writeln!(
            out,
            "{}:{}:{}: {}[{}] {}",
            finding.path,
            finding.start.line,
            finding.start.column,
            finding.severity.name(),
            finding.lint,
            finding.message
        )?;
        for related in &finding.related {
            match &related.start {
                Some(start) => writeln!(
                    out,
                    "    note: {}:{}:{}: {}",
                    related.path, start.line, start.column, related.message
                )?,
                None => writeln!(out, "    note: {}: {}", related.path, related.message)?,
            }
        }
    }
    // Hints are rare (a lint set to `hint` in the configuration), so they are named only
    // when there are some.
    let hints = if summary.hints > 0 {
        format!(", {}", plural(summary.hints, "hint"))
    } else {
        String::new()
    };
    writeln!(
        out,
        "checked {} ({}): {}, {}, {}{hints}",
        plural(summary.files, "file"),
        plural(summary.rules, "rule"),
        plural(summary.errors, "error"),
        plural(summary.warnings, "warning"),
        plural(summary.infos, "info")
    )
}

#[derive(Serialize)]
struct JsonReport<'a> {
    diagnostics: &'a [Finding],
    summary: &'a Summary,
}

pub fn write_json(out: &mut impl Write, findings: &[Finding], summary: &Summary) -> io::Result<()> {
    serde_json::to_writer_pretty(
        &mut *out,
        &JsonReport {
            diagnostics: findings,
            summary,
        },
    )
    .map_err(io::Error::other)?;
    writeln!(out)
}

/// `1 file`, `2 files`.
pub fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("{count} {noun}")
    } else {
        format!("{count} {noun}s")
    }
}
