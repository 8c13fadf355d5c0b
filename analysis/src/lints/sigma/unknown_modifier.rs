//! `sigma/unknown-modifier`: a `|name` after a field that is not a Sigma value modifier.

use super::{closest, field_items, report, sigma_documents};
use crate::lints::{FileInput, LintInfo};
use rulelens_syntax::sigma::Modifier;
use rulelens_syntax::{Diagnostic, Severity};

pub const INFO: LintInfo = LintInfo {
    id: "sigma/unknown-modifier",
    default_severity: Severity::Error,
    summary: "a field modifier is not one the Sigma specification defines",
    docs: "## What it flags\n\nA modifier after a field name that the Sigma specification does \
not define, such as `|contain` or `|StartsWith` (modifier names are lower case), and an empty \
modifier from a doubled or trailing `|`.\n\n## Why it matters\n\nConverters reject the rule. \
A tool that ignores the modifier would compare the value for equality, so a rule meant to \
match a substring would almost never fire.\n\n## Example\n\n```yaml\n    selection:\n        \
CommandLine|contain: ' -enc '\n```\n\n## Fix\n\nUse a modifier of the specification: \
`contains`, `startswith`, `endswith`, `all`, `re` (with `i`, `m`, `s`), `cidr`, `base64`, \
`base64offset`, `utf16le`, `utf16be`, `utf16`, `wide`, `windash`, `exists`, `lt`, `lte`, \
`gt`, `gte`, `fieldref`, `expand`, `cased`, `neq`, or a timestamp part from `minute` to \
`year`.\n",
};

pub fn check(input: &FileInput<'_>, diagnostics: &mut Vec<Diagnostic>) {
    for document in sigma_documents(input) {
        for item in field_items(document) {
            for modifier in &item.modifiers {
                if Modifier::from_name(&modifier.value).is_some() {
                    continue;
                }
                let message = if modifier.value.is_empty() {
                    format!("`{}` has an empty modifier; remove the extra `|`", item.key)
                } else {
                    let lower = modifier.value.to_lowercase();
                    let names = Modifier::ALL_NAMES.iter().map(|(name, _)| *name);
                    let suggestion = if Modifier::from_name(&lower).is_some() {
                        Some(lower.as_str())
                    } else {
                        closest(&lower, names)
                    };
                    match suggestion {
                        Some(name) => format!(
                            "unknown modifier `{}`; did you mean `{name}`?",
                            modifier.value
                        ),
                        None => format!(
                            "unknown modifier `{}`; use a modifier of the Sigma specification",
                            modifier.value
                        ),
                    }
                };
                let range = if modifier.value.is_empty() {
                    item.key_range
                } else {
                    modifier.range
                };
                report(diagnostics, &INFO, range, message);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::check;
    use crate::lints::sigma::test_support::{assert_covers, item_findings};

    fn findings(item: &str) -> Vec<(String, String)> {
        item_findings(check, item)
    }

    #[test]
    fn misspelt_modifier_points_at_name() {
        let found = findings("CommandLine|contain: x");
        assert_covers(&found, &["contain"]);
        assert!(found[0].1.contains("did you mean `contains`"));
    }

    #[test]
    fn upper_case_modifier_suggests_lower_case() {
        let found = findings("'Image|EndsWith': x");
        assert_covers(&found, &["EndsWith"]);
        assert!(found[0].1.contains("`endswith`"));
    }

    #[test]
    fn second_modifier_range_is_exact() {
        assert_covers(&findings("CommandLine|contains|alll: [a, b]"), &["alll"]);
    }

    #[test]
    fn empty_modifier_points_at_key() {
        assert_covers(&findings("Image||endswith: x"), &["Image||endswith"]);
    }

    #[test]
    fn known_modifiers_pass() {
        assert_covers(&findings("CommandLine|re|i: x"), &[]);
        assert_covers(&findings("Ip|cidr: 10.0.0.0/8"), &[]);
        assert_covers(&findings("Count|gte: 3"), &[]);
    }

    #[test]
    fn multibyte_field_keeps_exact_range() {
        assert_covers(&findings("'Ünïcode|contans': x"), &["contans"]);
    }
}
