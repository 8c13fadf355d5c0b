//! `sigma/undefined-selection`: a condition that names a selection `detection` does not
//! define, or a pattern that matches none.

use super::{closest, report, sigma_documents};
use crate::lints::{FileInput, LintInfo};
use rulelens_syntax::sigma::ReferenceKind;
use rulelens_syntax::{Diagnostic, Severity};

pub const INFO: LintInfo = LintInfo {
    id: "sigma/undefined-selection",
    default_severity: Severity::Error,
    summary: "the condition names a selection that does not exist",
    docs: "## What it flags\n\nA name in a `condition` that is not a selection of the same \
`detection`, a `name*` pattern after `1 of` or `all of` that matches no selection, and \
`them` in a detection without selections. Names are case-sensitive.\n\n\
## Why it matters\n\nConverters reject the rule. A misspelt filter name in \
`and not filter` would otherwise drop the exclusion the author meant.\n\n\
## Example\n\n```yaml\n    selection: ...\n    filter_main: ...\n    condition: selection and not filter\n```\n\n\
## Fix\n\nCorrect the name to the selection's name (`filter_main`), or use a pattern such as \
`1 of filter_*`.\n",
};

pub fn check(input: &FileInput<'_>, diagnostics: &mut Vec<Diagnostic>) {
    for document in sigma_documents(input) {
        let Some(detection) = &document.detection else {
            continue;
        };
        for reference in &document.references {
            if !reference.selections.is_empty() {
                continue;
            }
            let message = match reference.kind {
                ReferenceKind::Name => {
                    let names = detection.selections.iter().map(|s| s.name.as_str());
                    match closest(&reference.text, names) {
                        Some(name) => format!(
                            "no selection is named `{}`; did you mean `{name}`?",
                            reference.text
                        ),
                        None => format!(
                            "no selection is named `{}`; define it under `detection` or \
                             correct the name",
                            reference.text
                        ),
                    }
                }
                ReferenceKind::Pattern => format!(
                    "the pattern `{}` matches no selection; correct the pattern or the \
                     selection names",
                    reference.text
                ),
                ReferenceKind::Them => {
                    "`them` matches no selection; add selections under `detection`".to_owned()
                }
            };
            report(diagnostics, &INFO, reference.range, message);
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
    fn undefined_name_points_at_word() {
        let found = findings(
            "    selection:\n        a: b\n    filter_main:\n        c: d\n    condition: selection and not filter_mian\n",
        );
        assert_covers(&found, &["filter_mian"]);
        assert!(
            found[0].1.contains("did you mean `filter_main`"),
            "{found:?}"
        );
    }

    #[test]
    fn pattern_without_match_is_reported() {
        let found = findings(
            "    selection:\n        a: b\n    condition: selection and not 1 of filter_*\n",
        );
        assert_covers(&found, &["filter_*"]);
    }

    #[test]
    fn names_are_case_sensitive() {
        let found = findings("    Selection:\n        a: b\n    condition: selection\n");
        assert_covers(&found, &["selection"]);
    }

    #[test]
    fn defined_names_and_patterns_pass() {
        let found = findings(
            "    selection_a:\n        a: b\n    selection_b:\n        c: d\n    condition: all of selection_* or 1 of them\n",
        );
        assert_covers(&found, &[]);
    }
}
