//! `sigma/missing-required-key`: a rule without `title`, `logsource`, `detection` or a
//! `condition` in its detection.

use super::{report, sigma_documents};
use crate::lints::{FileInput, LintInfo};
use rulelens_syntax::sigma::{SigmaDocument, SigmaDocumentKind};
use rulelens_syntax::{Diagnostic, Severity, TextRange};

pub const INFO: LintInfo = LintInfo {
    id: "sigma/missing-required-key",
    default_severity: Severity::Error,
    summary: "a key the Sigma specification requires is missing",
    docs: "## What it flags\n\nA rule without `title`, `logsource` or `detection`, or whose \
`detection` has no `condition`. A correlation rule needs `title` and `correlation` with \
`type` and `rules`; a filter needs `title`, `logsource` and a `condition` under `filter`. \
Documents cut short by a YAML error are skipped.\n\n\
## Why it matters\n\nSigma converters reject the rule, and without a condition nothing \
says how the selections combine.\n\n## Example\n\n```yaml\ntitle: Suspicious child\n\
detection:\n    selection:\n        ParentImage|endswith: '\\winword.exe'\n```\n\n\
## Fix\n\nAdd the missing key: here `logsource` (for example `category: process_creation` \
and `product: windows`) and `condition: selection` under `detection`.\n",
};

pub fn check(input: &FileInput<'_>, diagnostics: &mut Vec<Diagnostic>) {
    for document in sigma_documents(input) {
        if !document.complete {
            continue;
        }
        for (key, range, hint) in missing_keys(document) {
            report(
                diagnostics,
                &INFO,
                range,
                format!("{} has no `{key}` key; add {hint}", kind_name(document)),
            );
        }
    }
}

fn kind_name(document: &SigmaDocument) -> &'static str {
    match document.kind {
        SigmaDocumentKind::Rule => "rule",
        SigmaDocumentKind::Correlation => "correlation rule",
        SigmaDocumentKind::Filter => "filter",
    }
}

/// Lists the missing keys with the range to report at and a hint of what to add.
fn missing_keys(document: &SigmaDocument) -> Vec<(&'static str, TextRange, &'static str)> {
    // A missing top-level key has no text of its own: point at the start of the document's
    // first key, which is where it would be added.
    let start = document
        .keys
        .first()
        .map_or(document.range.start(), |key| key.key_range.start());
    let at_start = TextRange::empty(start);
    let mut missing = Vec::new();
    if document.key("title").is_none() {
        missing.push((
            "title",
            at_start,
            "a short `title` naming what the rule detects",
        ));
    }
    match document.kind {
        SigmaDocumentKind::Rule | SigmaDocumentKind::Filter => {
            if document.key("logsource").is_none() {
                missing.push((
                    "logsource",
                    at_start,
                    "`logsource` with `product`, `category` or `service`",
                ));
            }
            match &document.detection {
                None if document.key("detection").is_none()
                    && document.kind == SigmaDocumentKind::Rule =>
                {
                    missing.push((
                        "detection",
                        at_start,
                        "`detection` with selections and a `condition`",
                    ));
                }
                Some(detection) if detection.condition_key_range.is_none() => {
                    missing.push((
                        "condition",
                        detection.key_range,
                        "`condition` naming the selections that must match",
                    ));
                }
                _ => {}
            }
        }
        SigmaDocumentKind::Correlation => {
            if let (Some(correlation), Some(key)) =
                (&document.correlation, document.key("correlation"))
            {
                if correlation.correlation_type.is_none() {
                    missing.push(("type", key.key_range, "`type`, such as `event_count`"));
                }
                if correlation.rules.is_empty() {
                    missing.push((
                        "rules",
                        key.key_range,
                        "`rules` listing the correlated rules",
                    ));
                }
            }
        }
    }
    missing
}

#[cfg(test)]
mod tests {
    use super::check;
    use crate::lints::sigma::test_support::{assert_covers, rule_with_detection, run};

    #[test]
    fn complete_rule_passes() {
        let text = rule_with_detection("    sel:\n        a: b\n    condition: sel\n");
        assert_covers(&run(check, &text), &[]);
    }

    #[test]
    fn missing_condition_points_at_detection_key() {
        let text = rule_with_detection("    sel:\n        a: b\n");
        let found = run(check, &text);
        assert_covers(&found, &["detection"]);
        assert!(found[0].1.contains("no `condition` key"));
    }

    #[test]
    fn missing_top_level_keys_point_at_first_key() {
        let text = "description: x\ndetection:\n    sel:\n        a: b\n    condition: sel\n";
        let found = run(check, text);
        assert_covers(&found, &["", ""]);
        assert!(found[0].1.contains("`title`"));
        assert!(found[1].1.contains("`logsource`"));
    }

    #[test]
    fn missing_detection_is_reported() {
        let text = "title: x\nlogsource:\n    product: y\n";
        let found = run(check, text);
        assert_eq!(found.len(), 1);
        assert!(found[0].1.contains("`detection`"));
    }

    #[test]
    fn correlation_needs_type_and_rules() {
        let text = "title: x\ncorrelation:\n    group-by: [a]\n";
        let found = run(check, text);
        assert_covers(&found, &["correlation", "correlation"]);
        let complete = "title: x\ncorrelation:\n    type: event_count\n    rules: [a]\n";
        assert_covers(&run(check, complete), &[]);
    }

    #[test]
    fn document_cut_by_yaml_error_is_skipped() {
        let text = "title: x\ndetection: [\n";
        assert_covers(&run(check, text), &[]);
    }
}
