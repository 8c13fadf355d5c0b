//! Every Sigma rule of the public corpus loads without a syntax error and yields logic.

mod common;

use rulelens_syntax::corpus_path::corpus_dir;
use rulelens_syntax::{detect_format, parse, Format, Tree};

#[test]
fn sigma_corpus_parses_without_errors() {
    let folder = corpus_dir(env!("CARGO_MANIFEST_DIR")).join("sigma");
    let files = common::yaml_files(&folder);
    assert!(files.len() > 3000, "only {} Sigma files found", files.len());

    let mut failures = Vec::new();
    let mut rules = 0;
    let mut predicates = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        assert_eq!(
            detect_format(path, &text),
            Some(Format::Sigma),
            "{}",
            path.display()
        );
        let parsed = parse(Format::Sigma, &text);
        for diagnostic in &parsed.diagnostics {
            failures.push(format!(
                "{}:{:?}: {} {}",
                path.display(),
                diagnostic.range,
                diagnostic.lint,
                diagnostic.message
            ));
        }
        if parsed.documents.is_empty() {
            failures.push(format!("{}: no rule read", path.display()));
        }
        for document in &parsed.documents {
            rules += 1;
            let Tree::Sigma(sigma) = &document.tree else {
                panic!("{}: a tree of another language", path.display());
            };
            if sigma.detection.is_none() {
                failures.push(format!("{}: no detection read", path.display()));
            }
            let count = document.rule.predicates().len();
            if count == 0 {
                failures.push(format!("{}: no predicate lowered", path.display()));
            }
            predicates += count;
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(rules >= files.len());
    assert!(
        predicates > rules * 2,
        "{predicates} predicates for {rules} rules"
    );
}
