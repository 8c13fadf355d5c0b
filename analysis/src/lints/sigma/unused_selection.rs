//! `sigma/unused-selection`: a selection that no condition refers to.

use super::{report, sigma_documents};
use crate::lints::{FileInput, LintInfo};
use rulelens_syntax::{Diagnostic, Severity};
use std::collections::HashSet;

pub const INFO: LintInfo = LintInfo {
    id: "sigma/unused-selection",
    default_severity: Severity::Warning,
    summary: "a selection is not used by any condition",
    docs: "## What it flags\n\nA selection of `detection` that no condition names, directly, \
through a `name*` pattern, or through `them`. Detections whose condition does not parse are \
skipped.\n\n## Why it matters\n\nAn unused selection is usually a filter the author meant to \
exclude and forgot to add to the condition, so the rule is noisier than intended.\n\n\
## Example\n\n```yaml\n    selection: ...\n    filter_optional_teams: ...\n\
    condition: selection and not filter_main\n```\n\n\
## Fix\n\nUse the selection in the condition (`and not 1 of filter_*`), or delete it.\n",
};

pub fn check(input: &FileInput<'_>, diagnostics: &mut Vec<Diagnostic>) {
    for document in sigma_documents(input) {
        let Some(detection) = &document.detection else {
            continue;
        };
        let every_condition_parsed = !detection.conditions.is_empty()
            && detection.conditions.iter().all(|c| c.expr.is_some());
        if !every_condition_parsed {
            continue;
        }
        let used: HashSet<usize> = document
            .references
            .iter()
            .flat_map(|reference| reference.selections.iter().copied())
            .collect();
        for (index, selection) in detection.selections.iter().enumerate() {
            if !used.contains(&index) {
                report(
                    diagnostics,
                    &INFO,
                    selection.name_range,
                    format!(
                        "selection `{}` is not used by the condition; add it to the condition \
                         or delete it",
                        selection.name
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::check;
    use crate::lints::sigma::test_support::{assert_covers, rule_with_detection, run};

    fn findings(detection: &str) -> Vec<(String, String)> {
        run(check, &rule_with_detection(detection))
    }

    #[test]
    fn forgotten_filter_is_reported_at_name() {
        let found = findings(
            "    selection:\n        a: b\n    filter_main:\n        c: d\n    filter_extra:\n        e: f\n    condition: selection and not filter_main\n",
        );
        assert_covers(&found, &["filter_extra"]);
    }

    #[test]
    fn patterns_and_them_count_as_use() {
        let found = findings(
            "    selection:\n        a: b\n    filter_a:\n        c: d\n    condition: selection and not 1 of filter_*\n",
        );
        assert_covers(&found, &[]);
        let found = findings(
            "    sel_a:\n        a: b\n    sel_b:\n        c: d\n    condition: 1 of them\n",
        );
        assert_covers(&found, &[]);
    }

    #[test]
    fn underscore_selection_is_not_in_them() {
        let found = findings(
            "    sel:\n        a: b\n    _helper:\n        c: d\n    condition: all of them\n",
        );
        assert_covers(&found, &["_helper"]);
    }

    #[test]
    fn broken_condition_is_skipped() {
        let found =
            findings("    sel:\n        a: b\n    other:\n        c: d\n    condition: sel and\n");
        assert_covers(&found, &[]);
    }
}
