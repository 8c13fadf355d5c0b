//! `syntax/yaml`: text that is not valid YAML, reported by the YAML parser.

use crate::lints::LintInfo;
use rulelens_syntax::Severity;

pub const INFO: LintInfo = LintInfo {
    id: "syntax/yaml",
    default_severity: Severity::Error,
    summary: "the file is not valid YAML",
    docs: "## What it flags\n\nThe first place where the text stops being valid YAML: a tab in \
indentation, an unclosed quote or bracket, a key at the wrong indentation. Also YAML nested \
deeper than 256 levels and aliases that would expand to more than 10,000 nodes.\n\n\
## Why it matters\n\nA rule that does not load is not deployed. RuleLens reads what comes \
before the error, so other findings on the rest of the document may be missing.\n\n\
## Example\n\n```yaml\ndetection:\n\tselection:\n        Image: 'C:\\evil.exe'\n```\n\n\
## Fix\n\nFix the YAML at the reported position; indent with spaces only.\n",
};

#[cfg(test)]
mod tests {
    use crate::lints::sigma::test_support::{assert_covers, parser_findings};

    #[test]
    fn tab_indentation_is_reported_at_the_tab() {
        let text = "title: x\ndetection:\n\tselection:\n    a: b\n";
        assert_covers(&parser_findings(super::INFO.id, text), &["\t"]);
    }

    #[test]
    fn unclosed_quote_is_reported() {
        let text = "title: 'unclosed\nlogsource:\n  product: x\n";
        let found = parser_findings(super::INFO.id, text);
        assert_eq!(found.len(), 1);
        assert!(found[0].1.starts_with("invalid YAML"), "{found:?}");
    }

    #[test]
    fn valid_rule_has_no_yaml_error() {
        let text =
            "title: x\nlogsource:\n  product: y\ndetection:\n  sel:\n    a: b\n  condition: sel\n";
        assert_covers(&parser_findings(super::INFO.id, text), &[]);
    }
}
