//! `sigma/invalid-id`: a rule `id` that is not a UUID.

use super::{report, sigma_documents};
use crate::lints::{FileInput, LintInfo};
use rulelens_syntax::{Diagnostic, Severity};

pub const INFO: LintInfo = LintInfo {
    id: "sigma/invalid-id",
    default_severity: Severity::Error,
    summary: "the rule id is not a UUID",
    docs: "## What it flags\n\nAn `id` that is not a UUID in its canonical text form: 32 \
hexadecimal digits in groups of 8, 4, 4, 4 and 12 separated by hyphens.\n\n\
## Why it matters\n\nThe Sigma specification requires a UUID so that rules keep one identity \
across renames and forks, and other rules refer to it from `related` and correlation \
`rules`.\n\n## Example\n\n```yaml\nid: my-rule-1\n```\n\n\
## Fix\n\nGenerate a random (version 4) UUID, for example with `uuidgen`, and use it as the \
`id`.\n",
};

/// Whether `text` is a UUID in the 8-4-4-4-12 hexadecimal form.
pub fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    let lengths = [8, 4, 4, 4, 12];
    groups.len() == lengths.len()
        && groups.iter().zip(lengths).all(|(group, length)| {
            group.len() == length && group.bytes().all(|b| b.is_ascii_hexdigit())
        })
}

pub fn check(input: &FileInput<'_>, diagnostics: &mut Vec<Diagnostic>) {
    for document in sigma_documents(input) {
        let Some(id) = &document.id else {
            continue;
        };
        if !is_uuid(&id.value) {
            report(
                diagnostics,
                &INFO,
                id.range,
                format!(
                    "rule id `{}` is not a UUID; generate one with `uuidgen`",
                    id.value
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{check, is_uuid};
    use crate::lints::sigma::test_support::{assert_covers, run};

    #[test]
    fn uuid_forms() {
        assert!(is_uuid("5f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"));
        assert!(is_uuid("5F1E2D3C-4B5A-4968-8776-A5B4C3D2E1F0"));
        assert!(!is_uuid("5f1e2d3c4b5a49688776a5b4c3d2e1f0"));
        assert!(!is_uuid("5f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f"));
        assert!(!is_uuid("zf1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"));
        assert!(!is_uuid(""));
    }

    #[test]
    fn invalid_id_points_at_value() {
        let text = "title: x\nid: 'my-rule-1'\nlogsource:\n    product: y\ndetection:\n    sel:\n        a: b\n    condition: sel\n";
        assert_covers(&run(check, text), &["'my-rule-1'"]);
        let valid = text.replace("'my-rule-1'", "5f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0");
        assert_covers(&run(check, &valid), &[]);
    }
}
