//! Snapshots of lowered Elastic rules: ten corpus rules per query language, spread evenly
//! over the sorted file list, rendered with the compact listing of `elastic_panther_common::render`.
//!
//! Update with `UPDATE_EXPECT=1 cargo test -p rulelens-syntax --test elastic_snapshots`.

mod elastic_panther_common;

use elastic_panther_common::{files_under, relative, render, vendor_corpus};
use expect_test::{expect_file, ExpectFile};

/// Renders ten rules whose `language` line is `language`.
fn snapshot_language(language: &str) -> String {
    let marker = format!("language = \"{language}\"");
    let files: Vec<_> = files_under(&vendor_corpus("elastic"), &["toml"])
        .into_iter()
        .filter(|path| {
            std::fs::read_to_string(path).is_ok_and(|text| text.lines().any(|l| l.trim() == marker))
        })
        .collect();
    assert!(!files.is_empty(), "no {language} rules in the corpus");
    let count = files.len().min(10);
    let mut out = String::new();
    for index in 0..count {
        let Some(path) = files.get(index * files.len() / count) else {
            continue;
        };
        let text = std::fs::read_to_string(path).expect("readable corpus file");
        let parsed = rulelens_syntax::elastic::parse(&text);
        out.push_str(&format!("== {}\n", relative(path, "elastic")));
        out.push_str(&render(&text, &parsed));
        out.push('\n');
    }
    out
}

fn check(language: &str, expected: ExpectFile) {
    expected.assert_eq(&snapshot_language(language));
}

#[test]
fn eql_rules_snapshot() {
    check("eql", expect_file!["fixtures/elastic/snapshots/eql.txt"]);
}

#[test]
fn kuery_rules_snapshot() {
    check(
        "kuery",
        expect_file!["fixtures/elastic/snapshots/kuery.txt"],
    );
}

#[test]
fn esql_rules_snapshot() {
    check("esql", expect_file!["fixtures/elastic/snapshots/esql.txt"]);
}

#[test]
fn lucene_rule_snapshot() {
    check(
        "lucene",
        expect_file!["fixtures/elastic/snapshots/lucene.txt"],
    );
}
