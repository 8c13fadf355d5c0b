//! Running the analysis on a snapshot and turning its diagnostics into LSP diagnostics.
//!
//! Each LSP diagnostic carries, besides its range and message:
//!
//! - `code`: the lint id (`sigma/unused-selection`);
//! - `source`: `rulelens`;
//! - `relatedInformation`: the diagnostic's secondary locations, such as peer rules;
//! - `data`: a [`DiagnosticData`] object with the lint id, the `rulelens explain` command that
//!   prints the lint's documentation, the document version the ranges belong to, and every fix
//!   as LSP text edits, so that a code action needs no second analysis.

use super::document::Snapshot;
use super::position::{self, PositionEncoding};
use rulelens_analysis::config::Config;
use rulelens_analysis::{analyze_file, FileInput};
use rulelens_syntax::{Diagnostic, ParsedFile, Severity};
use serde::{Deserialize, Serialize};
use std::time::{Duration, Instant};
use tower_lsp_server::ls_types::{
    self, DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString,
    Range as LspRange, Uri,
};

/// An analysis that takes longer than this is logged as a warning.
pub const SLOW_ANALYSIS: Duration = Duration::from_millis(100);

/// The text in a document that makes the analysis panic when test hooks are on, so that a test
/// can prove a crashing analysis does not take the server down.
pub const TEST_PANIC_MARKER: &str = "rulelens-test-panic";

/// The result of analysing one version of a document.
#[derive(Debug)]
pub struct Analysis {
    pub snapshot: Snapshot,
    /// `None` when the document contains no rule of a known format.
    pub parsed: Option<ParsedFile>,
    /// The findings in byte offsets, for code actions that combine fixes.
    pub findings: Vec<Diagnostic>,
    /// The same findings as sent to the client.
    pub diagnostics: Vec<ls_types::Diagnostic>,
}

/// The `data` of every diagnostic the server sends.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct DiagnosticData {
    pub lint: String,
    /// The command that prints the lint's documentation.
    pub explain: String,
    /// The document version the ranges of `fixes` belong to.
    pub version: i32,
    pub fixes: Vec<FixData>,
}

/// One fix of a diagnostic, in LSP coordinates of [`DiagnosticData::version`].
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct FixData {
    pub title: String,
    pub safe: bool,
    pub edits: Vec<ls_types::TextEdit>,
}

/// Parses and lints one snapshot. Runs on a blocking thread: the caller must not call it on
/// the request loop.
pub fn analyze(
    snapshot: Snapshot,
    config: &Config,
    encoding: PositionEncoding,
    test_hooks: bool,
) -> Analysis {
    let started = Instant::now();
    if test_hooks && snapshot.text.contains(TEST_PANIC_MARKER) {
        panic!("test hook: the document asks the analysis to panic");
    }
    let parsed = rulelens_syntax::parse_path(&snapshot.detection_path, &snapshot.text);
    let diagnostics = match &parsed {
        Some(parsed) => {
            let path = snapshot.detection_path.to_string_lossy();
            let input = FileInput {
                path: &path,
                text: &snapshot.text,
                parsed,
            };
            analyze_file(&input, config)
        }
        None => Vec::new(),
    };
    let lsp_diagnostics = diagnostics
        .iter()
        .map(|diagnostic| to_lsp_diagnostic(&snapshot, diagnostic, encoding))
        .collect();

    let elapsed = started.elapsed();
    if elapsed > SLOW_ANALYSIS {
        tracing::warn!(
            uri = snapshot.uri.as_str(),
            version = snapshot.version,
            bytes = snapshot.text.len(),
            elapsed_ms = elapsed.as_millis() as u64,
            "slow analysis: over {} ms",
            SLOW_ANALYSIS.as_millis()
        );
    }
    Analysis {
        snapshot,
        parsed,
        findings: diagnostics,
        diagnostics: lsp_diagnostics,
    }
}

/// Converts one diagnostic of `snapshot` to its LSP form.
pub fn to_lsp_diagnostic(
    snapshot: &Snapshot,
    diagnostic: &Diagnostic,
    encoding: PositionEncoding,
) -> ls_types::Diagnostic {
    let range_of = |range| position::range_of(&snapshot.rope, range, encoding);
    let related: Vec<DiagnosticRelatedInformation> = diagnostic
        .related
        .iter()
        .filter_map(|related| {
            let location = match &related.path {
                None => Location::new(snapshot.uri.clone(), range_of(related.range)),
                // The server reads no file the client did not send, so it cannot place a byte
                // range in another file. The location is that file's start.
                Some(path) => Location::new(uri_of_path(path)?, LspRange::default()),
            };
            Some(DiagnosticRelatedInformation {
                location,
                message: related.message.clone(),
            })
        })
        .collect();
    let data = DiagnosticData {
        lint: diagnostic.lint.to_owned(),
        explain: format!("rulelens explain {}", diagnostic.lint),
        version: snapshot.version,
        fixes: diagnostic
            .fixes
            .iter()
            .map(|fix| FixData {
                title: fix.title.clone(),
                safe: fix.safe,
                edits: fix
                    .edits
                    .iter()
                    .map(|edit| {
                        ls_types::TextEdit::new(range_of(edit.range), edit.new_text.clone())
                    })
                    .collect(),
            })
            .collect(),
    };
    ls_types::Diagnostic {
        range: range_of(diagnostic.range),
        severity: Some(severity(diagnostic.severity)),
        code: Some(NumberOrString::String(diagnostic.lint.to_owned())),
        code_description: None,
        source: Some("rulelens".to_owned()),
        message: diagnostic.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        tags: None,
        data: serde_json::to_value(data).ok(),
    }
}

fn severity(severity: Severity) -> DiagnosticSeverity {
    match severity {
        Severity::Error => DiagnosticSeverity::ERROR,
        Severity::Warning => DiagnosticSeverity::WARNING,
        Severity::Info => DiagnosticSeverity::INFORMATION,
        Severity::Hint => DiagnosticSeverity::HINT,
    }
}

/// Makes a `file:` URI for a related path. Relative corpus paths cannot be made into one.
fn uri_of_path(path: &str) -> Option<Uri> {
    let path = std::path::Path::new(path);
    if path.is_absolute() {
        Uri::from_file_path(path)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lsp::document::OpenDocument;
    use rulelens_syntax::{Fix, Related, TextEdit, TextRange};
    use tower_lsp_server::ls_types::Position;

    #[test]
    fn diagnostic_carries_lint_fix_and_related() {
        let uri: Uri = "file:///rules/r.kql".parse().expect("valid uri");
        let text = "T | where A == '漢字'\n| where B == 1\n";
        let snapshot = OpenDocument::new(&uri, "kql", text, 7).snapshot(&uri);
        let value_start = text.find('\'').unwrap_or_default();
        let diagnostic = Diagnostic::new(
            "corpus/noisy-indicator-alone",
            Severity::Warning,
            TextRange::new(value_start, value_start + 8),
            "value is used by 900 rules",
        )
        .with_related(Related {
            path: None,
            range: TextRange::new(0, 1),
            message: "table".to_owned(),
        })
        .with_related(Related {
            path: Some("/corpus/peer.kql".to_owned()),
            range: TextRange::new(40, 50),
            message: "peer rule".to_owned(),
        })
        .with_fix(Fix {
            title: "Exclude x".to_owned(),
            edits: vec![TextEdit {
                range: TextRange::empty(text.len()),
                new_text: "| where C != 2\n".to_owned(),
            }],
            safe: true,
        });

        let lsp = to_lsp_diagnostic(&snapshot, &diagnostic, PositionEncoding::Utf16);
        assert_eq!(
            lsp.range,
            LspRange::new(Position::new(0, 15), Position::new(0, 19))
        );
        assert_eq!(
            lsp.code,
            Some(NumberOrString::String(
                "corpus/noisy-indicator-alone".to_owned()
            ))
        );
        let related = lsp.related_information.clone().unwrap_or_default();
        assert_eq!(related.len(), 2);
        assert_eq!(related[1].location.uri.as_str(), "file:///corpus/peer.kql");

        let data: DiagnosticData =
            serde_json::from_value(lsp.data.clone().unwrap_or_default()).expect("data parses");
        assert_eq!(
            data.explain,
            "rulelens explain corpus/noisy-indicator-alone"
        );
        assert_eq!(data.version, 7);
        assert_eq!(data.fixes[0].edits[0].range.start, Position::new(2, 0));

        let utf8 = to_lsp_diagnostic(&snapshot, &diagnostic, PositionEncoding::Utf8);
        assert_eq!(
            utf8.range,
            LspRange::new(Position::new(0, 15), Position::new(0, 23))
        );
    }
}
