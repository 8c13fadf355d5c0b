//! `sigma/invalid-structure`: a Sigma key whose value has the wrong YAML type, reported while
//! the document is read.

use crate::lints::LintInfo;
use rulelens_syntax::Severity;

pub const INFO: LintInfo = LintInfo {
    id: "sigma/invalid-structure",
    default_severity: Severity::Error,
    summary: "a Sigma key has a value of the wrong type",
    docs: "## What it flags\n\nA value of the wrong YAML type: `detection` or `logsource` that \
is not a mapping, `tags` that is not a list, a selection that is empty or holds nested lists, \
a field whose value is a mapping, a condition that is not text.\n\n\
## Why it matters\n\nSigma tools reject the rule, and RuleLens cannot read the logic it was \
meant to hold.\n\n## Example\n\n```yaml\ndetection:\n    - selection:\n        Image: a\n```\n\n\
## Fix\n\nWrite the value in the form the Sigma specification gives: `detection` is a mapping \
of selection names and a `condition`; a selection is a mapping of fields or a list.\n",
};

#[cfg(test)]
mod tests {
    use crate::lints::sigma::test_support::{assert_covers, parser_findings};

    #[test]
    fn detection_as_list_is_reported_at_value() {
        let text = "title: x\nlogsource:\n    product: y\ndetection:\n    - sel: a\n    - condition: sel\n";
        let found = parser_findings(super::INFO.id, text);
        assert_eq!(found.len(), 1);
        assert!(found[0].0.starts_with("- sel: a"), "{found:?}");
        assert!(found[0].1.contains("found a list"), "{found:?}");
    }

    #[test]
    fn field_with_mapping_value_is_reported() {
        let text = "title: x\nlogsource:\n    product: y\ndetection:\n    sel:\n        Image:\n            a: b\n    condition: sel\n";
        assert_covers(&parser_findings(super::INFO.id, text), &["a: b"]);
    }

    #[test]
    fn well_formed_rule_passes() {
        let text = "title: x\ntags:\n    - attack.execution\nlogsource:\n    product: y\ndetection:\n    sel:\n        Image: a\n    condition: sel\n";
        assert_covers(&parser_findings(super::INFO.id, text), &[]);
    }
}
