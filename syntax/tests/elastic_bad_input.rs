//! Broken, half-typed and hostile Elastic input: every case ends with diagnostics that carry
//! ranges inside the text, never with a panic or a hang.

mod elastic_panther_common;

use elastic_panther_common::{files_under, vendor_corpus};
use rulelens_syntax::elastic::{
    self, eql, esql, kuery, lower::ShiftMap, lucene, query::QueryOutput,
};
use rulelens_syntax::{Language, ParsedFile};

type QueryParser = fn(&str, &dyn rulelens_syntax::elastic::lower::QueryMap) -> QueryOutput;

const PARSERS: &[(&str, QueryParser)] = &[
    ("kuery", kuery::parse),
    ("eql", eql::parse),
    ("esql", esql::parse),
    ("lucene", lucene::parse),
];

fn assert_ranges_inside(text: &str, parsed: &ParsedFile) {
    for diagnostic in &parsed.diagnostics {
        assert!(
            diagnostic.range.end() <= text.len(),
            "{} range {:?} is past the end {}",
            diagnostic.lint,
            diagnostic.range,
            text.len()
        );
    }
}

#[test]
fn malformed_toml_reports_range() {
    let text = "[metadata]\nmaturity = \"production\n[rule]\nname = \"x\"\nquery = '''a:b'''\n";
    let parsed = elastic::parse(text);
    let error = parsed
        .diagnostics
        .iter()
        .find(|d| d.lint == elastic::INVALID_TOML)
        .expect("an invalid-toml diagnostic");
    assert!(error.range.start() >= text.find("maturity").unwrap_or_default());
    assert!(error.range.end() <= text.len());
    assert_ranges_inside(text, &parsed);
}

#[test]
fn missing_rule_table_reported() {
    let parsed = elastic::parse("[metadata]\nmaturity = \"production\"\n");
    let lints: Vec<&str> = parsed.diagnostics.iter().map(|d| d.lint).collect();
    assert_eq!(lints, [elastic::MISSING_RULE_TABLE]);
    assert!(parsed.documents.is_empty());
}

#[test]
fn unknown_language_points_at_value() {
    let text = "[rule]\nname = \"x\"\nlanguage = \"sql\"\nquery = \"select 1\"\n";
    let parsed = elastic::parse(text);
    let diagnostic = parsed
        .diagnostics
        .iter()
        .find(|d| d.lint == elastic::UNKNOWN_LANGUAGE)
        .expect("an unknown-language diagnostic");
    assert_eq!(&text[diagnostic.range.as_range()], "\"sql\"");
    assert!(
        diagnostic.message.contains("`sql`"),
        "{}",
        diagnostic.message
    );
    let rule = &parsed.documents.first().expect("the rule").rule;
    assert!(matches!(rule.logic, Some(rulelens_syntax::Expr::Opaque(_))));
}

#[test]
fn wrong_types_are_reported() {
    let text = "[rule]\nname = 5\nindex = \"logs-*\"\nrisk_score = \"high\"\ntags = [1]\n";
    let parsed = elastic::parse(text);
    let mut wrong: Vec<&str> = parsed
        .diagnostics
        .iter()
        .filter(|d| d.lint == elastic::WRONG_TYPE)
        .map(|d| &text[d.range.as_range()])
        .collect();
    wrong.sort_unstable();
    assert_eq!(wrong, ["\"high\"", "1", "5"]);
    let rule = &parsed.documents.first().expect("the rule").rule;
    assert_eq!(
        rule.data_sources.len(),
        1,
        "a single index string is one pattern"
    );
}

#[test]
fn half_typed_value_gets_one_error() {
    // `risk_score = ` as typed so far: TOML cannot read the value, and the rule reader must
    // not add a type error for whatever the parser's recovery put in its place.
    let text = "[rule]\nname = \"x\"\nrisk_score = \nlanguage = \"kuery\"\nquery = '''a:b'''\n";
    let parsed = elastic::parse(text);
    let lints: Vec<&str> = parsed.diagnostics.iter().map(|d| d.lint).collect();
    assert_eq!(lints, [elastic::INVALID_TOML], "{:?}", parsed.diagnostics);
    assert_ranges_inside(text, &parsed);
}

#[test]
fn unclosed_array_gets_one_error() {
    for value in ["tags = [", "tags = [\"a\",", "index = [ \"logs-*\""] {
        let text = format!(
            "[rule]\nname = \"x\"\n{value}\nlanguage = \"kuery\"\nquery = '''a:b'''\nversion = 1\n"
        );
        let parsed = elastic::parse(&text);
        let lints: Vec<&str> = parsed.diagnostics.iter().map(|d| d.lint).collect();
        assert_eq!(
            lints,
            [elastic::INVALID_TOML],
            "{value}: {:?}",
            parsed.diagnostics
        );
        assert_ranges_inside(&text, &parsed);
    }
}

#[test]
fn machine_learning_rule_has_metadata_only() {
    let text = "[metadata]\nmaturity = \"deprecated\"\n[rule]\nrule_id = \"r1\"\nname = \"ML\"\n\
                type = \"machine_learning\"\nseverity = \"Low\"\n";
    let parsed = elastic::parse(text);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let rule = &parsed.documents.first().expect("the rule").rule;
    assert_eq!(rule.language, Language::None);
    assert!(rule.logic.is_none());
    assert!(rule.metadata.deprecated);
    assert_eq!(
        rule.metadata.level.as_ref().map(|l| l.value.as_str()),
        Some("low")
    );
}

#[test]
fn query_ranges_map_through_escapes() {
    let text = "[rule]\nlanguage = \"eql\"\nquery = \"process where process.executable : \\\"C:\\\\\\\\Temp\\\\\\\\*\\\" and user.name == \\\"bob\\\"\"\n";
    let parsed = elastic::parse(text);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let rule = &parsed.documents.first().expect("the rule").rule;
    let predicates = rule.predicates();
    let user = predicates
        .iter()
        .find(|(p, _)| p.field.as_ref().is_some_and(|f| f.name == "user.name"))
        .expect("the user.name predicate");
    assert_eq!(&text[user.0.range.as_range()], "user.name == \\\"bob\\\"");
    let path = predicates
        .iter()
        .find(|(p, _)| {
            p.field
                .as_ref()
                .is_some_and(|f| f.name == "process.executable")
        })
        .expect("the executable predicate");
    let value = path.0.value.as_ref().expect("a value");
    assert_eq!(value.written, "C:\\Temp\\*");
    assert_eq!(
        &text[value.range.as_range()],
        "\\\"C:\\\\\\\\Temp\\\\\\\\*\\\""
    );
}

/// One corpus rule per language, cut at every character boundary.
#[test]
fn corpus_queries_cut_at_every_byte() {
    let files = files_under(&vendor_corpus("elastic"), &["toml"]);
    for (language, parse) in PARSERS {
        let marker = format!("language = \"{language}\"");
        let path = files
            .iter()
            .find(|p| std::fs::read_to_string(p).is_ok_and(|t| t.contains(&marker)))
            .unwrap_or_else(|| panic!("no {language} rule in the corpus"));
        let text = std::fs::read_to_string(path).expect("corpus file");
        let parsed = elastic::parse(&text);
        let document = parsed.documents.first().expect("a rule");
        let rulelens_syntax::Tree::Elastic(tree) = &document.tree else {
            panic!("not an Elastic tree");
        };
        let query = &tree.query.as_ref().expect("a query").value;
        for cut in (0..=query.len()).filter(|&i| query.is_char_boundary(i)) {
            let partial = &query[..cut];
            let output = parse(partial, &ShiftMap(0));
            for diagnostic in &output.diagnostics {
                assert!(
                    diagnostic.range.end() <= partial.len(),
                    "{language} cut at {cut}: {} range {:?}",
                    diagnostic.lint,
                    diagnostic.range
                );
            }
        }
        // The whole file cut at every tenth byte exercises the TOML reader as well.
        for cut in (0..=text.len())
            .step_by(10)
            .filter(|&i| text.is_char_boundary(i))
        {
            let partial = &text[..cut];
            assert_ranges_inside(partial, &elastic::parse(partial));
        }
    }
}

#[test]
fn deep_nesting_is_cut_off() {
    let cases: Vec<(QueryParser, String, &str)> = vec![
        (
            kuery::parse,
            format!("{}a:b{}", "(".repeat(5000), ")".repeat(5000)),
            kuery::TOO_DEEP,
        ),
        (
            kuery::parse,
            format!("{}a:b", "not ".repeat(5000)),
            kuery::TOO_DEEP,
        ),
        (
            eql::parse,
            format!("any where {}a == 1{}", "(".repeat(5000), ")".repeat(5000)),
            eql::LINT_IDS.too_deep,
        ),
        (
            eql::parse,
            format!("any where {}a == 1", "not ".repeat(5000)),
            eql::LINT_IDS.too_deep,
        ),
        (
            esql::parse,
            format!("from a | where {}a == 1", "not ".repeat(5000)),
            esql::LINT_IDS.too_deep,
        ),
        (
            lucene::parse,
            format!("{}a:b", "NOT ".repeat(5000)),
            lucene::SYNTAX_ERROR,
        ),
    ];
    for (parse, query, lint) in cases {
        let output = parse(&query, &ShiftMap(0));
        let too_deep: Vec<_> = output
            .diagnostics
            .iter()
            .filter(|d| d.lint == lint)
            .collect();
        assert!(!too_deep.is_empty(), "no {lint} for {}...", &query[..20]);
        assert!(
            output.diagnostics.len() < 10,
            "{} diagnostics for one cut-off",
            output.diagnostics.len()
        );
    }
}

#[test]
fn huge_query_parses() {
    let query = "process.name:a or ".repeat(50_000) + "process.name:b";
    let output = kuery::parse(&query, &ShiftMap(0));
    assert!(output.diagnostics.is_empty());
    let rulelens_syntax::Expr::Or(items) = output.logic.expect("logic") else {
        panic!("expected an or");
    };
    assert_eq!(items.len(), 50_001);
}
