//! SARIF 2.1.0 output for `rulelens check --format sarif`, the format GitHub code scanning
//! and most CI dashboards import.
//!
//! Each lint that appears becomes a `reportingDescriptor` with its summary, its full docs as
//! Markdown help, and its default level. Results point at 1-based lines and columns; SARIF
//! counts columns in Unicode code points by default (`columnKind: unicodeCodePoints`), the
//! same unit the text reporter uses.

use crate::report::Finding;
use rulelens_analysis::lints::find_lint;
use rulelens_syntax::Severity;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::io::{self, Write};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Hint => "note",
    }
}

/// The `file://`-free relative URI of a path, with forward slashes, as code scanning expects.
fn artifact_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let path = path.strip_prefix("./").unwrap_or(&path);
    path.replace(' ', "%20")
}

fn rule_descriptor(id: &str) -> Value {
    let Some(lint) = find_lint(id) else {
        return json!({ "id": id });
    };
    json!({
        "id": id,
        "name": id.replace(['/', '-'], "_"),
        "shortDescription": { "text": lint.info.summary },
        "fullDescription": { "text": lint.info.summary },
        "help": { "text": lint.info.docs, "markdown": lint.info.docs },
        "defaultConfiguration": { "level": level(lint.info.default_severity) },
        "properties": { "explain": format!("rulelens explain {id}") }
    })
}

/// Builds the SARIF log for the findings of one run.
pub fn sarif_log(findings: &[Finding]) -> Value {
    let ids: BTreeSet<&str> = findings.iter().map(|f| f.lint).collect();
    let ids: Vec<&str> = ids.into_iter().collect();
    let rules: Vec<Value> = ids.iter().map(|id| rule_descriptor(id)).collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|finding| {
            let rule_index = ids.iter().position(|id| *id == finding.lint).unwrap_or(0);
            json!({
                "ruleId": finding.lint,
                "ruleIndex": rule_index,
                "level": level(finding.severity),
                "message": { "text": finding.message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": artifact_uri(&finding.path) },
                        "region": {
                            "startLine": finding.start.line,
                            "startColumn": finding.start.column,
                            "endLine": finding.end.line,
                            "endColumn": finding.end.column.max(finding.start.column),
                        }
                    }
                }]
            })
        })
        .collect();
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "RuleLens",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

pub fn write_sarif(out: &mut impl Write, findings: &[Finding]) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &sarif_log(findings)).map_err(io::Error::other)?;
    writeln!(out)
}
