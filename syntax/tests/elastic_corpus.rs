//! The Elastic front end over every TOML rule of the corpus.

mod elastic_panther_common;

use elastic_panther_common::{files_under, relative, vendor_corpus};
use rulelens_syntax::{elastic, Language};
use std::collections::BTreeMap;

/// Queries that do not parse cleanly today, with the reason each fails.
const KNOWN_QUERY_FAILURES: &[(&str, &str)] = &[];

#[test]
fn every_elastic_rule_parses() {
    let folder = vendor_corpus("elastic");
    let files = files_under(&folder, &["toml"]);
    assert!(
        files.len() >= 2000,
        "expected the 2,192 Elastic rules, found {}",
        files.len()
    );

    let mut toml_failures = Vec::new();
    let mut query_failures = Vec::new();
    let mut totals: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable corpus file");
        let parsed = elastic::parse(&text);
        let name = relative(path, "elastic");
        let toml_errors: Vec<_> = parsed
            .diagnostics
            .iter()
            .filter(|d| d.lint == elastic::INVALID_TOML || d.lint == elastic::MISSING_RULE_TABLE)
            .collect();
        if !toml_errors.is_empty() {
            toml_failures.push(format!(
                "{name}: {:?}",
                toml_errors.first().map(|d| &d.message)
            ));
            continue;
        }
        let Some(document) = parsed.documents.first() else {
            toml_failures.push(format!("{name}: no rule read"));
            continue;
        };
        let language = document.rule.language;
        if language == Language::None {
            continue;
        }
        let entry = totals.entry(format!("{language:?}")).or_default();
        entry.0 += 1;
        if parsed.diagnostics.is_empty() {
            entry.1 += 1;
        } else {
            let first = parsed
                .diagnostics
                .first()
                .map(|d| format!("{} {}: {}", d.lint, snippet_at(&text, d.range), d.message));
            query_failures.push((name, first.unwrap_or_default()));
        }
    }

    eprintln!("queries per language (total, without errors): {totals:?}");
    assert!(
        toml_failures.is_empty(),
        "TOML failures:\n{}",
        toml_failures.join("\n")
    );
    for (language, (total, clean)) in &totals {
        let ratio = *clean as f64 / *total as f64;
        assert!(
            ratio >= 0.99,
            "{language}: {clean} of {total} queries parse without errors ({:.2}%)",
            ratio * 100.0
        );
    }
    let unexpected: Vec<String> = query_failures
        .iter()
        .filter(|(name, _)| !KNOWN_QUERY_FAILURES.iter().any(|(known, _)| known == name))
        .map(|(name, message)| format!("{name}: {message}"))
        .collect();
    assert!(
        unexpected.is_empty(),
        "queries with syntax errors:\n{}",
        unexpected.join("\n")
    );
    let fixed: Vec<&str> = KNOWN_QUERY_FAILURES
        .iter()
        .filter(|(known, _)| !query_failures.iter().any(|(name, _)| name == known))
        .map(|(known, _)| *known)
        .collect();
    assert!(
        fixed.is_empty(),
        "known failures that now parse; remove them: {fixed:?}"
    );
}

fn snippet_at(text: &str, range: rulelens_syntax::TextRange) -> String {
    elastic_panther_common::snippet(text, range)
}

/// The fast TOML reader must read every corpus file, and read it as the `toml` crate does:
/// the same keys, the same scalar values and the same ranges for them.
#[test]
fn fast_toml_matches_toml_crate() {
    use rulelens_syntax::elastic::fast_toml;
    use toml::de::{DeTable, DeValue};

    fn compare(
        path: &str,
        fast: &toml::Spanned<DeValue<'_>>,
        reference: &toml::Spanned<DeValue<'_>>,
        problems: &mut Vec<String>,
    ) {
        match (fast.get_ref(), reference.get_ref()) {
            (DeValue::Table(a), DeValue::Table(b)) => compare_tables(path, a, b, problems),
            (DeValue::Array(a), DeValue::Array(b)) => {
                if a.len() != b.len() {
                    problems.push(format!("{path}: array lengths {} and {}", a.len(), b.len()));
                }
                for (x, y) in a.iter().zip(b.iter()) {
                    compare(path, x, y, problems);
                }
            }
            (a, b) => {
                if format!("{a:?}") != format!("{b:?}") || fast.span() != reference.span() {
                    problems.push(format!(
                        "{path}: {a:?} at {:?} but {b:?} at {:?}",
                        fast.span(),
                        reference.span()
                    ));
                }
            }
        }
    }

    fn compare_tables(path: &str, a: &DeTable<'_>, b: &DeTable<'_>, problems: &mut Vec<String>) {
        let keys_a: Vec<_> = a.keys().map(|k| k.get_ref().to_string()).collect();
        let keys_b: Vec<_> = b.keys().map(|k| k.get_ref().to_string()).collect();
        if keys_a != keys_b {
            problems.push(format!("{path}: keys {keys_a:?} but {keys_b:?}"));
            return;
        }
        for ((key, x), (_, y)) in a.iter().zip(b.iter()) {
            compare(&format!("{path}.{}", key.get_ref()), x, y, problems);
        }
    }

    let files = files_under(&vendor_corpus("elastic"), &["toml"]);
    let mut problems = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable corpus file");
        let name = relative(path, "elastic");
        let Some(fast) = fast_toml::parse(&text) else {
            problems.push(format!("{name}: the fast reader fell back"));
            continue;
        };
        let reference = DeTable::parse(&text).expect("valid TOML");
        compare_tables(&name, fast.get_ref(), reference.get_ref(), &mut problems);
    }
    assert!(
        problems.is_empty(),
        "{} differences:\n{}",
        problems.len(),
        problems
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}
