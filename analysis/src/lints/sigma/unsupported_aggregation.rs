//! `sigma/unsupported-aggregation`: a Sigma 1.0 aggregation after a pipe in a condition,
//! reported by the condition parser.

use crate::lints::LintInfo;
use rulelens_syntax::Severity;

pub const INFO: LintInfo = LintInfo {
    id: "sigma/unsupported-aggregation",
    default_severity: Severity::Warning,
    summary: "the condition uses a Sigma 1.0 aggregation after a pipe",
    docs: "## What it flags\n\nThe part of a condition from a pipe on, such as \
`| count(TargetUserName) by IpAddress > 10` or `| near ...`.\n\n\
## Why it matters\n\nSigma 2.0 replaced pipe aggregations with correlation rules, and \
current converters such as pySigma reject them. RuleLens treats the aggregation as \
unknown logic.\n\n## Example\n\n```yaml\n    condition: selection | count() by IpAddress > 10\n```\n\n\
## Fix\n\nKeep the selection logic in this rule and express the aggregation as a separate \
correlation rule (`correlation: type: event_count`) that names this rule.\n",
};

#[cfg(test)]
mod tests {
    use crate::lints::sigma::test_support::{assert_covers, parser_findings, rule_with_detection};

    #[test]
    fn pipe_aggregation_covers_pipe_to_end() {
        let text = rule_with_detection(
            "    selection:\n        Image: a\n    condition: selection | count() by Host > 5\n",
        );
        assert_covers(
            &parser_findings(super::INFO.id, &text),
            &["| count() by Host > 5"],
        );
    }

    #[test]
    fn condition_without_pipe_passes() {
        let text =
            rule_with_detection("    selection:\n        Image: a\n    condition: selection\n");
        assert_covers(&parser_findings(super::INFO.id, &text), &[]);
    }
}
