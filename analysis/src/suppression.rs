//! Inline suppression comments.
//!
//! A comment of the form `rulelens: ignore[lint-id, other-id] reason` silences those lints on
//! the line it is on when it trails code, or on the next non-blank line when it stands alone.
//! `rulelens: ignore-file[lint-id] reason` silences them in the whole file. The comment uses
//! the language's own syntax: `#` in YAML and TOML, `//` in KQL, a triple-backtick comment in
//! SPL. A reason is required, so that a reviewer can tell why the finding was accepted, and a
//! suppression that silences nothing is itself reported.

use crate::lints::find_lint;
use rulelens_syntax::{Diagnostic, Format, LineIndex, Severity, TextRange};

/// The lint id of a suppression comment that cannot be read.
pub const INVALID_SUPPRESSION: &str = "syntax/invalid-suppression";
/// The lint id of a suppression comment that silenced nothing.
pub const UNUSED_SUPPRESSION: &str = "syntax/unused-suppression";

const MARKER: &str = "rulelens:";

/// What a suppression covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One zero-based line.
    Line(usize),
    File,
}

/// One suppression comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suppression {
    pub lints: Vec<&'static str>,
    pub scope: Scope,
    pub reason: String,
    /// The range of the comment text from `rulelens:` to the end of the comment.
    pub range: TextRange,
}

/// The comment starters of a format. YAML formats accept `//` too because Sentinel queries
/// embedded in YAML may carry KQL comments.
fn comment_starters(format: Format) -> &'static [&'static str] {
    match format {
        Format::Kql => &["//"],
        Format::Spl => &["```"],
        Format::SentinelYaml => &["#", "//"],
        Format::SplunkYaml => &["#", "```"],
        Format::Sigma | Format::PantherYaml | Format::ElasticToml => &["#"],
    }
}

/// Finds the suppression comments of a file, with a diagnostic for each malformed one.
pub fn parse_suppressions(text: &str, format: Format) -> (Vec<Suppression>, Vec<Diagnostic>) {
    let mut suppressions = Vec::new();
    let mut errors = Vec::new();
    // Nearly every file has no marker; one substring search spares building its line index.
    if !text.contains(MARKER) {
        return (suppressions, errors);
    }
    let lines = LineIndex::new(text);
    for line in 0..lines.line_count() {
        let start = lines.line_start(line);
        let end = lines.line_start(line + 1);
        let line_text = &text[start..end];
        let Some(marker) = line_text.find(MARKER) else {
            continue;
        };
        let before = &line_text[..marker];
        let Some(starter) = comment_starters(format)
            .iter()
            .filter_map(|starter| before.rfind(starter))
            .max()
        else {
            continue;
        };
        // Only white space may stand between the comment starter and the marker.
        let between = &before[starter..];
        let between = between.trim_start_matches(['#', '/', '`']);
        if !between.trim().is_empty() {
            continue;
        }
        let stands_alone = before[..starter].trim().is_empty();
        let body_start = start + marker + MARKER.len();
        let body = line_text[marker + MARKER.len()..]
            .trim_end_matches(['\r', '\n'])
            .trim_end_matches("```");
        let range = TextRange::new(start + marker, body_start + body.trim_end().len());
        match parse_body(body) {
            Ok((lints, file_scope, reason)) => {
                let scope = if file_scope {
                    Scope::File
                } else if stands_alone {
                    Scope::Line(next_code_line(text, &lines, line))
                } else {
                    Scope::Line(line)
                };
                suppressions.push(Suppression {
                    lints,
                    scope,
                    reason,
                    range,
                });
            }
            Err(message) => errors.push(Diagnostic::new(
                INVALID_SUPPRESSION,
                Severity::Warning,
                range,
                message,
            )),
        }
    }
    (suppressions, errors)
}

/// The next line after `line` that is not blank.
fn next_code_line(text: &str, lines: &LineIndex, line: usize) -> usize {
    (line + 1..lines.line_count())
        .find(|&candidate| {
            let start = lines.line_start(candidate);
            let end = lines.line_start(candidate + 1);
            !text[start..end].trim().is_empty()
        })
        .unwrap_or(line + 1)
}

type ParsedBody = (Vec<&'static str>, bool, String);

/// Parses ` ignore[ids] reason` or ` ignore-file[ids] reason`.
fn parse_body(body: &str) -> Result<ParsedBody, String> {
    let body = body.trim_start();
    let (file_scope, rest) = if let Some(rest) = body.strip_prefix("ignore-file") {
        (true, rest)
    } else if let Some(rest) = body.strip_prefix("ignore") {
        (false, rest)
    } else {
        return Err(
            "invalid suppression: expected `rulelens: ignore[lint-id] reason` or \
             `rulelens: ignore-file[lint-id] reason`"
                .to_owned(),
        );
    };
    let Some(rest) = rest.strip_prefix('[') else {
        return Err(
            "invalid suppression: name the lints in brackets, as `ignore[lint-id]`".to_owned(),
        );
    };
    let Some((ids, reason)) = rest.split_once(']') else {
        return Err("invalid suppression: the lint list has no closing `]`".to_owned());
    };
    let mut lints = Vec::new();
    for id in ids.split(',').map(str::trim) {
        match find_lint(id) {
            Some(lint) => lints.push(lint.info.id),
            None => {
                return Err(format!(
                    "invalid suppression: unknown lint id `{id}`; run `rulelens explain` to list the ids"
                ))
            }
        }
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(
            "suppression without a reason: add why the finding is accepted after the `]`"
                .to_owned(),
        );
    }
    Ok((lints, file_scope, reason.to_owned()))
}

/// Removes the diagnostics that suppressions cover and reports unused suppressions.
///
/// `enabled` tells whether a lint runs at all, so that a suppression of a lint switched off
/// in the configuration is not reported as unused.
pub fn apply_suppressions(
    text: &str,
    format: Format,
    diagnostics: Vec<Diagnostic>,
    enabled: &dyn Fn(&str) -> bool,
) -> Vec<Diagnostic> {
    let (suppressions, mut kept) = parse_suppressions(text, format);
    if suppressions.is_empty() {
        kept.extend(diagnostics);
        return kept;
    }
    let lines = LineIndex::new(text);
    let mut used = vec![false; suppressions.len()];
    for diagnostic in diagnostics {
        let line = lines.line_of(diagnostic.range.start());
        let covering = suppressions.iter().position(|suppression| {
            let in_scope = match suppression.scope {
                Scope::File => true,
                Scope::Line(covered) => covered == line,
            };
            in_scope && suppression.lints.contains(&diagnostic.lint)
        });
        match covering {
            Some(index) => used[index] = true,
            None => kept.push(diagnostic),
        }
    }
    for (suppression, used) in suppressions.iter().zip(used) {
        let any_enabled = suppression.lints.iter().any(|lint| enabled(lint));
        if !used && any_enabled {
            kept.push(Diagnostic::new(
                UNUSED_SUPPRESSION,
                Severity::Warning,
                suppression.range,
                format!(
                    "unused suppression: no {} finding here; remove the comment",
                    suppression.lints.join(", ")
                ),
            ));
        }
    }
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    fn diagnostic(lint: &'static str, text: &str, needle: &str) -> Diagnostic {
        let at = text.find(needle).expect("needle in text");
        Diagnostic::error(lint, TextRange::new(at, at + needle.len()), "finding")
    }

    #[test]
    fn own_line_comment_covers_next_line() {
        let text = "a: 1\n# rulelens: ignore[syntax/binary-file] vendor file\n\nb: 2\nc: 3\n";
        let kept = apply_suppressions(
            text,
            Format::Sigma,
            vec![
                diagnostic("syntax/binary-file", text, "b: 2"),
                diagnostic("syntax/binary-file", text, "c: 3"),
            ],
            &|_| true,
        );
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].range.start(), text.find("c: 3").unwrap_or_default());
    }

    #[test]
    fn trailing_comment_covers_its_line() {
        let text = "let x = 1; // rulelens: ignore[syntax/invalid-utf8] legacy\nT | where a\n";
        let kept = apply_suppressions(
            text,
            Format::Kql,
            vec![diagnostic("syntax/invalid-utf8", text, "let")],
            &|_| true,
        );
        assert!(kept.is_empty(), "{kept:?}");
    }

    #[test]
    fn file_scope_and_spl_comment() {
        let text = "```rulelens: ignore-file[syntax/binary-file] generated```\nindex=main x=1\n";
        let kept = apply_suppressions(
            text,
            Format::Spl,
            vec![diagnostic("syntax/binary-file", text, "x=1")],
            &|_| true,
        );
        assert!(kept.is_empty(), "{kept:?}");
    }

    #[test]
    fn unused_suppression_is_reported() {
        let text = "# rulelens: ignore[syntax/binary-file] old reason\na: 1\n";
        let kept = apply_suppressions(text, Format::Sigma, Vec::new(), &|_| true);
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].lint, UNUSED_SUPPRESSION);
        assert_eq!(kept[0].range.start(), 2);

        let disabled = apply_suppressions(text, Format::Sigma, Vec::new(), &|_| false);
        assert!(disabled.is_empty());
    }

    #[test]
    fn malformed_suppressions_are_reported() {
        let cases = [
            (
                "# rulelens: ignore[syntax/binary-file]\n",
                "without a reason",
            ),
            (
                "# rulelens: ignore[sigma/nope] why\n",
                "unknown lint id `sigma/nope`",
            ),
            ("# rulelens: ignore syntax/binary-file why\n", "in brackets"),
            ("# rulelens: ignore[syntax/binary-file why\n", "no closing"),
            ("# rulelens: skip[syntax/binary-file] why\n", "expected"),
        ];
        for (text, expected) in cases {
            let (suppressions, errors) = parse_suppressions(text, Format::Sigma);
            assert!(suppressions.is_empty(), "{text}");
            assert_eq!(errors.len(), 1, "{text}");
            assert!(
                errors[0].message.contains(expected),
                "{text}: {}",
                errors[0].message
            );
            assert_eq!(errors[0].lint, INVALID_SUPPRESSION);
        }
    }

    #[test]
    fn marker_outside_comment_is_ignored() {
        let text = "title: 'rulelens: ignore[x]'\n";
        let (suppressions, errors) = parse_suppressions(text, Format::Sigma);
        assert!(suppressions.is_empty());
        assert!(errors.is_empty());
    }
}
