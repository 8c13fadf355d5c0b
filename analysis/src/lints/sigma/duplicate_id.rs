//! `sigma/duplicate-id`: two Sigma documents among the files checked with the same `id`.

use super::sigma_documents;
use crate::lints::{FileInput, LintInfo};
use rulelens_syntax::{Diagnostic, Related, Severity, TextRange};
use std::collections::HashMap;

pub const INFO: LintInfo = LintInfo {
    id: "sigma/duplicate-id",
    default_severity: Severity::Error,
    summary: "two rules share one id",
    docs: "## What it flags\n\nA Sigma `id` that another document among the files checked \
already uses, compared case-insensitively. The first occurrence, in the order the files were \
given, is kept; each later one is reported with a pointer to the first.\n\n\
## Why it matters\n\nTools key rules by id: a SIEM import overwrites one rule with the other, \
and `related` links and correlation rules point at the wrong rule.\n\n\
## Example\n\nA rule copied to a new file to make a variant, with the `id` left unchanged.\n\n\
## Fix\n\nGive the copy a new UUID, and add the original to its `related` list with \
`type: derived`.\n",
};

pub fn check(files: &[FileInput<'_>], diagnostics: &mut Vec<(usize, Diagnostic)>) {
    // The first place each id was seen: file index and range.
    let mut first_seen: HashMap<String, (usize, TextRange)> = HashMap::new();
    for (file_index, file) in files.iter().enumerate() {
        for document in sigma_documents(file) {
            let Some(id) = &document.id else {
                continue;
            };
            let key = id.value.to_lowercase();
            match first_seen.get(&key) {
                None => {
                    first_seen.insert(key, (file_index, id.range));
                }
                // Documents of one file that inherit the id from `action: global` share the
                // range: that is one id written once.
                Some(&(first_file, first_range))
                    if first_file == file_index && first_range == id.range => {}
                Some(&(first_file, first_range)) => {
                    let first_path = files.get(first_file).map_or("", |f| f.path);
                    let diagnostic = Diagnostic::new(
                        INFO.id,
                        INFO.default_severity,
                        id.range,
                        format!(
                            "rule id `{}` is already used in {first_path}; give this rule a \
                             new UUID",
                            id.value
                        ),
                    )
                    .with_related(Related {
                        path: (first_file != file_index).then(|| first_path.to_owned()),
                        range: first_range,
                        message: "first use of the id".to_owned(),
                    });
                    diagnostics.push((file_index, diagnostic));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::check;
    use crate::lints::sigma::test_support::parse_sigma;
    use crate::lints::FileInput;

    const RULE: &str = "title: x\nid: 5f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0\nlogsource:\n    product: y\ndetection:\n    sel:\n        a: b\n    condition: sel\n";

    #[test]
    fn same_id_in_two_files_is_reported_once() {
        let other = RULE.replace("title: x", "title: y").replace("5f1e", "5F1E");
        let parsed = [
            parse_sigma(RULE),
            parse_sigma(&other),
            parse_sigma(&RULE.replace("5f1e", "0000")),
        ];
        let texts = [RULE, other.as_str(), RULE];
        let files: Vec<FileInput<'_>> = ["a.yml", "b.yml", "c.yml"]
            .iter()
            .zip(texts.iter().zip(parsed.iter()))
            .map(|(path, (text, parsed))| FileInput { path, text, parsed })
            .collect();
        let mut found = Vec::new();
        check(&files, &mut found);
        assert_eq!(found.len(), 1, "{found:?}");
        let (file_index, diagnostic) = &found[0];
        assert_eq!(*file_index, 1);
        assert_eq!(
            &other[diagnostic.range.as_range()],
            "5F1E2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
        );
        assert_eq!(diagnostic.related[0].path.as_deref(), Some("a.yml"));
        assert!(diagnostic.message.contains("already used in a.yml"));
    }

    #[test]
    fn global_id_shared_by_documents_is_not_duplicate() {
        let text = "action: global\ntitle: x\nid: 5f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0\nlogsource:\n    product: y\ndetection:\n    condition: sel\n---\ndetection:\n    sel:\n        a: b\n---\ndetection:\n    sel:\n        c: d\n";
        let parsed = parse_sigma(text);
        assert_eq!(parsed.documents.len(), 2);
        let files = [FileInput {
            path: "a.yml",
            text,
            parsed: &parsed,
        }];
        let mut found = Vec::new();
        check(&files, &mut found);
        assert!(found.is_empty(), "{found:?}");
    }
}
