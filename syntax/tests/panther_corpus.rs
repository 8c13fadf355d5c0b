//! The Panther front end over every YAML file of the corpus.

mod elastic_panther_common;

use elastic_panther_common::{files_under, relative, vendor_corpus};
use rulelens_syntax::panther::{self, yaml, PantherDocument};
use rulelens_syntax::{Language, Tree};

/// Files `saphyr` 0.3.4 rejects: flow mappings closed at their parent key's indentation.
const SAPHYR_REJECTED: &[&str] = &[
    "panther-labs+panther-analysis/queries/snowflake_queries/snowflake_temp_stage_created_signal.yml",
    "panther-labs+panther-analysis/queries/snowflake_queries/snowflake_file_downloaded_signal.yml",
    "panther-labs+panther-analysis/queries/snowflake_queries/snowflake_table_copied_into_stage_signal.yml",
    "panther-labs+panther-analysis/rules/aws_cloudtrail_rules/aws_secretsmanager_retrieve_secrets_multiregion.yml",
];

/// SQL queries that do not lower cleanly today, with the reason each fails.
const KNOWN_SQL_FAILURES: &[(&str, &str)] = &[];

fn panther_tree(tree: &Tree) -> Option<&PantherDocument> {
    match tree {
        Tree::Panther(document) => Some(document),
        _ => None,
    }
}

#[test]
fn every_panther_yaml_loads() {
    let files = files_under(&vendor_corpus("panther"), &["yml", "yaml"]);
    assert!(
        files.len() >= 1200,
        "expected the 1,278 Panther files, found {}",
        files.len()
    );
    let mut failures = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable corpus file");
        let (root, diagnostics) = yaml::load(&text);
        let name = relative(path, "panther");
        if root.is_none() {
            failures.push(format!("{name}: nothing loaded"));
        } else if let Some(first) = diagnostics.first() {
            failures.push(format!("{name}: {}", first.message));
        }
    }
    assert!(
        failures.is_empty(),
        "YAML that does not load:\n{}",
        failures.join("\n")
    );
}

#[test]
fn saphyr_rejected_files_still_load() {
    let root = vendor_corpus("panther");
    for name in SAPHYR_REJECTED {
        let text = std::fs::read_to_string(root.join(name)).expect("corpus file");
        assert!(
            saphyr_rejects(&text),
            "{name} now loads with saphyr; the recovery path is no longer tested by it"
        );
        let parsed = panther::parse(&text);
        assert!(
            parsed.diagnostics.is_empty(),
            "{name}: {:?}",
            parsed.diagnostics
        );
        let document = parsed.documents.first().expect("one rule");
        assert!(document.rule.metadata.id.is_some(), "{name} lost its id");
        let tree = panther_tree(&document.tree).expect("a Panther tree");
        assert!(
            !tree.observed_fields.is_empty(),
            "{name}: the test events after the repaired line were lost"
        );
        // Ranges still point at the original text after the repair.
        let id = document.rule.metadata.id.as_ref().expect("id");
        assert!(
            text[id.range.as_range()].contains(&id.value),
            "{name}: id range is off"
        );
    }
}

fn saphyr_rejects(text: &str) -> bool {
    use saphyr::LoadableYamlNode;
    saphyr::MarkedYaml::load_from_str(text).is_err()
}

#[test]
fn every_detection_and_sql_query_lowers() {
    let files = files_under(&vendor_corpus("panther"), &["yml", "yaml"]);
    let mut detections = 0;
    let mut queries = 0;
    let mut failures = Vec::new();
    let mut still_failing = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable corpus file");
        let parsed = panther::parse(&text);
        let name = relative(path, "panther");
        let Some(document) = parsed.documents.first() else {
            continue;
        };
        let tree = panther_tree(&document.tree).expect("a Panther tree");
        let language = document.rule.language;
        let simple_detection =
            language == Language::PantherDetection && tree.correlation_rule_ids.is_empty();
        if !(simple_detection || language == Language::Sql) {
            continue;
        }
        if simple_detection {
            detections += 1;
        } else {
            queries += 1;
        }
        let predicates = document.rule.predicates().len();
        let problem = if let Some(first) = parsed.diagnostics.first() {
            Some(format!("{} {}", first.lint, first.message))
        } else if predicates == 0 && simple_detection {
            Some("no predicate".to_owned())
        } else if document.rule.logic.is_none() {
            Some("no logic".to_owned())
        } else {
            None
        };
        let known = KNOWN_SQL_FAILURES.iter().any(|(known, _)| *known == name);
        match problem {
            Some(problem) if !known => failures.push(format!("{name}: {problem}")),
            Some(_) => still_failing.push(name),
            None if known => failures.push(format!(
                "{name}: lowers now; remove it from the known failures"
            )),
            None => {}
        }
    }
    assert_eq!(
        still_failing.len(),
        KNOWN_SQL_FAILURES.len(),
        "known failures not seen: {still_failing:?}"
    );
    assert!(detections >= 1, "no YAML-only detection found");
    assert!(
        queries >= 90,
        "expected the 95 SQL queries, found {queries}"
    );
    assert!(
        failures.is_empty(),
        "files that do not lower:\n{}",
        failures.join("\n")
    );
}

#[test]
fn templated_query_is_opaque() {
    let path =
        vendor_corpus("panther").join("panther-labs+panther-analysis/queries/macros/anomalies.yml");
    let text = std::fs::read_to_string(path).expect("corpus file");
    let parsed = panther::parse(&text);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let rule = &parsed.documents.first().expect("a query").rule;
    let Some(rulelens_syntax::Expr::Opaque(opaque)) = &rule.logic else {
        panic!("expected opaque logic, found {:?}", rule.logic);
    };
    assert_eq!(opaque.reason, "templated query");
}

/// The fast `Tests:` reader must give the field names the full YAML parser gives, on every
/// corpus file it reads; files it leaves to the full parser are listed.
#[test]
fn fast_test_fields_match_yaml() {
    use rulelens_syntax::panther::test_fields;

    let files = files_under(&vendor_corpus("panther"), &["yml", "yaml"]);
    let mut differences = Vec::new();
    let mut fallbacks = Vec::new();
    let mut read = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable corpus file");
        let Some(range) = panther::tests_block(&text) else {
            continue;
        };
        let name = relative(path, "panther");
        let (root, _) = yaml::load(&text);
        let reference = root.map_or_else(Vec::new, |root| panther::observed_fields(&root));
        match test_fields::observed_fields(&text[range]) {
            Some(fast) if fast == reference => read += 1,
            Some(fast) => {
                differences.push(format!("{name}:\n  fast {fast:?}\n  yaml {reference:?}"))
            }
            None => fallbacks.push(name),
        }
    }
    eprintln!(
        "fast reader read {read} Tests blocks; {} fell back: {fallbacks:?}",
        fallbacks.len()
    );
    assert!(
        differences.is_empty(),
        "{} differences:\n{}",
        differences.len(),
        differences
            .iter()
            .take(5)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(read > 900, "the fast reader read only {read} Tests blocks");
}
