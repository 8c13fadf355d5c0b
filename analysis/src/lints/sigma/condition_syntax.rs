//! `sigma/condition-syntax`: a `condition` the Sigma condition grammar rejects, reported by
//! the condition parser.

use crate::lints::LintInfo;
use rulelens_syntax::Severity;

pub const INFO: LintInfo = LintInfo {
    id: "sigma/condition-syntax",
    default_severity: Severity::Error,
    summary: "the condition is not valid Sigma condition syntax",
    docs: "## What it flags\n\nA `condition` that does not parse: a missing operand, an \
unbalanced parenthesis, `1 of` without `them` or a pattern, two selection names without \
`and` or `or`, or parentheses and `not`s nested deeper than 256 levels.\n\n\
## Why it matters\n\nSigma converters reject the rule, so it never reaches the SIEM.\n\n\
## Example\n\n```yaml\n    condition: selection and (filter or\n```\n\n\
## Fix\n\nComplete the expression at the reported word. The grammar is `and`, `or`, `not`, \
parentheses, and `1 of`/`any of`/`all of` followed by `them` or a `name*` pattern.\n",
};

#[cfg(test)]
mod tests {
    use crate::lints::sigma::test_support::{assert_covers, parser_findings, rule_with_detection};

    fn findings(condition: &str) -> Vec<(String, String)> {
        let text = rule_with_detection(&format!(
            "    selection:\n        Image: a\n    condition: {condition}\n"
        ));
        parser_findings(super::INFO.id, &text)
    }

    #[test]
    fn missing_operand_points_at_word() {
        assert_covers(&findings("selection and or selection"), &["or"]);
        assert_covers(&findings("selection selection"), &["selection"]);
        assert_covers(&findings("1 of"), &[""]);
    }

    #[test]
    fn unclosed_parenthesis_points_at_end() {
        let found = findings("(selection or selection");
        assert_covers(&found, &[""]);
        assert!(found[0].1.contains("expected `)`"));
    }

    #[test]
    fn valid_conditions_pass() {
        assert_covers(&findings("selection"), &[]);
        assert_covers(&findings("not (selection) and 1 of them"), &[]);
    }

    #[test]
    fn deep_nesting_is_reported() {
        let condition = format!("{}selection{}", "(".repeat(10_000), ")".repeat(10_000));
        let found = findings(&condition);
        assert_eq!(found.len(), 1);
        assert!(found[0].1.contains("deeper than 256 levels"), "{found:?}");
        assert_eq!(found[0].0, "(");
    }
}
