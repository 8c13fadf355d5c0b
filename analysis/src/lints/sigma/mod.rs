//! Structural lints for Sigma rules: the form of the YAML document, its selections, modifiers,
//! conditions, tags and ids, before any comparison with the corpus.
//!
//! Keys inherited from an `action: global` document appear in every rule of the file, so the
//! helpers here drop a diagnostic that an earlier document of the same file already produced
//! at the same range.

pub mod condition_syntax;
pub mod deprecated_attack_technique;
pub mod duplicate_id;
pub mod invalid_id;
pub mod invalid_modifier_combination;
pub mod invalid_structure;
pub mod malformed_attack_tag;
pub mod missing_required_key;
pub mod undefined_selection;
pub mod unknown_modifier;
pub mod unsupported_aggregation;
pub mod unused_selection;
pub mod yaml_syntax;

use super::{FileInput, LintInfo};
use rulelens_syntax::sigma::document::ListEntry;
use rulelens_syntax::sigma::{FieldItem, SelectionBody, SigmaDocument};
use rulelens_syntax::{Diagnostic, TextRange, Tree};

/// Returns the Sigma documents of a file. Other formats have none.
pub(crate) fn sigma_documents<'a>(
    input: &'a FileInput<'_>,
) -> impl Iterator<Item = &'a SigmaDocument> + 'a {
    input.parsed.documents.iter().filter_map(|document| {
        // Other languages add their own `Tree` variants.
        #[allow(irrefutable_let_patterns, unreachable_patterns)]
        match &document.tree {
            Tree::Sigma(sigma) => Some(sigma.as_ref()),
            _ => None,
        }
    })
}

/// Collects every field item of a document's selections, in list entries too.
pub(crate) fn field_items(document: &SigmaDocument) -> Vec<&FieldItem> {
    let mut items = Vec::new();
    let Some(detection) = &document.detection else {
        return items;
    };
    for selection in &detection.selections {
        match &selection.body {
            SelectionBody::Map(map) => items.extend(map),
            SelectionBody::List(entries) => {
                for entry in entries {
                    if let ListEntry::Map(map) = entry {
                        items.extend(map);
                    }
                }
            }
            SelectionBody::Invalid => {}
        }
    }
    items
}

/// Adds a diagnostic of `info`'s lint and default severity, unless the same one is there.
pub(crate) fn report(
    diagnostics: &mut Vec<Diagnostic>,
    info: &LintInfo,
    range: TextRange,
    message: String,
) {
    let duplicate = diagnostics
        .iter()
        .any(|d| d.lint == info.id && d.range == range && d.message == message);
    if !duplicate {
        diagnostics.push(Diagnostic::new(
            info.id,
            info.default_severity,
            range,
            message,
        ));
    }
}

/// Finds the name of `candidates` closest to `written`, within two edits, for "did you mean".
pub(crate) fn closest<'a>(
    written: &str,
    candidates: impl Iterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .map(|candidate| (edit_distance(written, candidate), candidate))
        .filter(|&(distance, _)| distance <= 2)
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, candidate)| candidate)
}

/// Computes the Levenshtein distance between two short names.
fn edit_distance(a: &str, b: &str) -> usize {
    let b_chars: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b_chars.len()).collect();
    for (i, a_char) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, b_char) in b_chars.iter().enumerate() {
            let substitution = previous[j] + usize::from(a_char != *b_char);
            let deletion = previous[j + 1] + 1;
            let insertion = current[j] + 1;
            current.push(substitution.min(deletion).min(insertion));
        }
        previous = current;
    }
    previous.last().copied().unwrap_or(0)
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Runs one lint on a fixture and lists what it found as the text each range covers.

    use crate::lints::{FileCheck, FileInput};
    use rulelens_syntax::{parse, Diagnostic, Format, ParsedFile};

    pub(crate) fn parse_sigma(text: &str) -> ParsedFile {
        parse(Format::Sigma, text)
    }

    /// Runs `check` on `text` and returns each diagnostic as (covered text, message).
    pub(crate) fn run(check: FileCheck, text: &str) -> Vec<(String, String)> {
        let parsed = parse_sigma(text);
        let input = FileInput {
            path: "rule.yml",
            text,
            parsed: &parsed,
        };
        let mut diagnostics = Vec::new();
        check(&input, &mut diagnostics);
        covered(text, &diagnostics)
    }

    /// Parses `text` and returns the diagnostics of lint `id` as (covered text, message).
    pub(crate) fn parser_findings(id: &str, text: &str) -> Vec<(String, String)> {
        let parsed = parse_sigma(text);
        let found: Vec<Diagnostic> = parsed
            .diagnostics
            .into_iter()
            .filter(|d| d.lint == id)
            .collect();
        covered(text, &found)
    }

    fn covered(text: &str, diagnostics: &[Diagnostic]) -> Vec<(String, String)> {
        diagnostics
            .iter()
            .map(|d| {
                let slice = text.get(d.range.as_range()).unwrap_or("<bad range>");
                (slice.to_owned(), d.message.clone())
            })
            .collect()
    }

    /// Asserts that the findings cover exactly `expected`, in order.
    pub(crate) fn assert_covers(found: &[(String, String)], expected: &[&str]) {
        let covered: Vec<&str> = found.iter().map(|(slice, _)| slice.as_str()).collect();
        assert_eq!(covered, expected, "findings: {found:#?}");
    }

    /// Runs `check` on a rule whose only selection contains the field item `item`.
    pub(crate) fn item_findings(check: FileCheck, item: &str) -> Vec<(String, String)> {
        let detection = format!("    sel:\n        {item}\n    condition: sel\n");
        run(check, &rule_with_detection(&detection))
    }

    /// Builds a rule with every required key and `detection_body` under `detection`.
    pub(crate) fn rule_with_detection(detection_body: &str) -> String {
        format!(
            "title: Test rule\nid: 5f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0\nstatus: test\n\
             logsource:\n    product: windows\n    category: process_creation\n\
             detection:\n{detection_body}level: high\n"
        )
    }

    #[test]
    fn closest_name_within_two_edits() {
        let names = ["contains", "startswith", "endswith"];
        assert_eq!(
            super::closest("contain", names.into_iter()),
            Some("contains")
        );
        assert_eq!(
            super::closest("startwith", names.into_iter()),
            Some("startswith")
        );
        assert_eq!(super::closest("xyz", names.into_iter()), None);
    }
}
