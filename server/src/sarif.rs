//! SARIF 2.1.0 output for `rulelens check --format sarif`, the format GitHub code scanning
//! and most CI dashboards import.
//!
//! Each lint that appears becomes a `reportingDescriptor` with its summary, its full docs as
//! Markdown help, and its default level. Results point at 1-based lines and columns; SARIF
//! counts columns in Unicode code points by default (`columnKind: unicodeCodePoints`), the
//! same unit the text reporter uses.
//!
//! GitHub code scanning specifics: a relative path is written as a URI relative to the
//! `%SRCROOT%` base (the folder `rulelens check` ran in, which should be the repository root),
//! so run the check from the root on paths inside it. Each result carries a
//! `partialFingerprints` entry built from the lint, the file and the flagged text, so that an
//! alert keeps its identity when lines above it move. No `security-severity` is set: the
//! findings are about the quality of detection rules, not vulnerabilities in them.

use crate::report::Finding;
use rulelens_analysis::lints::find_lint;
use rulelens_syntax::Severity;
use serde_json::{json, Value};
use std::collections::{BTreeSet, HashMap};
use std::io::{self, Write};
use std::path::Path;

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info | Severity::Hint => "note",
    }
}

/// The base that relative artifact URIs resolve against.
const SOURCE_ROOT: &str = "%SRCROOT%";

/// The `partialFingerprints` key; the suffix is bumped whenever the hashed input changes.
const FINGERPRINT_KEY: &str = "rulelensFinding/v1";

/// Percent-encodes a path for a URI, keeping `/` and the characters RFC 3986 allows in a
/// path segment.
fn encode_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        let keep = byte.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&byte);
        if keep {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Builds the artifact location of a path: a URI relative to [`SOURCE_ROOT`] with forward slashes
/// for a relative path, or a `file://` URI for an absolute one.
fn artifact_location(path: &str) -> Value {
    let path = path.replace('\\', "/");
    if Path::new(&path).is_absolute() && path.starts_with('/') {
        return json!({ "uri": format!("file://{}", encode_path(&path)) });
    }
    let relative = path.strip_prefix("./").unwrap_or(&path);
    json!({ "uri": encode_path(relative), "uriBaseId": SOURCE_ROOT })
}

/// Returns the `file://` URI of the working folder, with a trailing slash as SARIF requires of a base.
fn source_root_uri() -> Option<String> {
    let cwd = std::env::current_dir().ok()?;
    let cwd = cwd.to_str()?.replace('\\', "/");
    if !cwd.starts_with('/') {
        return None;
    }
    let mut uri = format!("file://{}", encode_path(&cwd));
    if !uri.ends_with('/') {
        uri.push('/');
    }
    Some(uri)
}

/// 64-bit FNV-1a, used for fingerprints because it is stable across Rust versions and
/// platforms, unlike the standard library's hasher.
fn fnv1a(parts: &[&str]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

/// Computes the fingerprints of the findings, in order: a hash of the lint id, the path and the flagged
/// text with its whitespace collapsed, then `:N` counting equal hashes within the run so that
/// two equal findings in one file keep distinct fingerprints.
fn fingerprints(findings: &[Finding]) -> Vec<String> {
    let mut seen: HashMap<u64, u32> = HashMap::new();
    findings
        .iter()
        .map(|finding| {
            let text = finding
                .snippet
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            let hash = fnv1a(&[finding.lint, &finding.path, &text]);
            let occurrence = seen.entry(hash).or_default();
            *occurrence += 1;
            format!("{hash:016x}:{occurrence}")
        })
        .collect()
}

/// Builds the region of a finding. SARIF requires the end after the start, so an end column before
/// the start column on the same line becomes the start column (an empty region).
fn region(finding: &Finding) -> Value {
    let end_line = finding.end.line.max(finding.start.line);
    let end_column = if end_line == finding.start.line {
        finding.end.column.max(finding.start.column)
    } else {
        finding.end.column
    };
    json!({
        "startLine": finding.start.line,
        "startColumn": finding.start.column,
        "endLine": end_line,
        "endColumn": end_column,
    })
}

/// Builds the finding's secondary locations, such as the first use of a duplicated id. A
/// location in another file has no region, because only its path is known.
fn related_locations(finding: &Finding) -> Value {
    let locations: Vec<Value> = finding
        .related
        .iter()
        .enumerate()
        .map(|(id, related)| {
            let mut physical = json!({ "artifactLocation": artifact_location(&related.path) });
            if let Some(start) = &related.start {
                physical["region"] = json!({
                    "startLine": start.line,
                    "startColumn": start.column,
                });
            }
            json!({
                "id": id,
                "physicalLocation": physical,
                "message": { "text": related.message },
            })
        })
        .collect();
    Value::Array(locations)
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
    let fingerprints = fingerprints(findings);
    let results: Vec<Value> = findings
        .iter()
        .zip(&fingerprints)
        .map(|(finding, fingerprint)| {
            let rule_index = ids.iter().position(|id| *id == finding.lint).unwrap_or(0);
            let mut result = json!({
                "ruleId": finding.lint,
                "ruleIndex": rule_index,
                "level": level(finding.severity),
                "message": { "text": finding.message },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": artifact_location(&finding.path),
                        "region": region(finding),
                    }
                }],
                "partialFingerprints": { FINGERPRINT_KEY: fingerprint },
            });
            if !finding.related.is_empty() {
                result["relatedLocations"] = related_locations(finding);
            }
            result
        })
        .collect();
    let mut run = json!({
        "tool": {
            "driver": {
                "name": "RuleLens",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": results,
    });
    if let Some(root) = source_root_uri() {
        run["originalUriBaseIds"] = json!({ SOURCE_ROOT: { "uri": root } });
    }
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [run]
    })
}

pub fn write_sarif(out: &mut impl Write, findings: &[Finding]) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &sarif_log(findings)).map_err(io::Error::other)?;
    writeln!(out)
}
