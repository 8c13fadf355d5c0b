//! Bad input for the SPL front end: truncated searches, unclosed brackets and backticks, a
//! macro that calls itself, deep nesting and a 20 MB search. Each gives diagnostics with
//! ranges inside the text and never a panic or a hang.

mod spl_support;

use rulelens_syntax::spl::{self, MacroDefinition, MacroTable};
use rulelens_syntax::{ParsedFile, TextRange};
use spl_support::{corpus_macros, security_content};

/// Asserts that every range of the result lies inside `text` on character boundaries.
fn assert_ranges_inside(text: &str, parsed: &ParsedFile) {
    let check = |range: TextRange, what: &str| {
        assert!(
            range.end() <= text.len(),
            "{what} range {range:?} past {}",
            text.len()
        );
        assert!(
            text.is_char_boundary(range.start()) && text.is_char_boundary(range.end()),
            "{what} range {range:?} splits a character"
        );
    };
    for diagnostic in &parsed.diagnostics {
        check(diagnostic.range, diagnostic.lint);
    }
    for document in &parsed.documents {
        for (predicate, _) in document.rule.predicates() {
            check(predicate.range, "predicate");
            if let Some(value) = &predicate.value {
                check(value.range, "value");
            }
        }
        for source in &document.rule.data_sources {
            check(source.range, "data source");
        }
    }
}

fn lints(parsed: &ParsedFile) -> Vec<&'static str> {
    parsed.diagnostics.iter().map(|d| d.lint).collect()
}

fn table(definitions: &[(&str, &[&str], &str)]) -> MacroTable {
    let mut macros = MacroTable::new();
    for (name, arguments, definition) in definitions {
        macros.insert(MacroDefinition {
            name: (*name).to_owned(),
            arguments: arguments.iter().map(|a| (*a).to_owned()).collect(),
            definition: (*definition).to_owned(),
        });
    }
    macros
}

#[test]
fn search_cut_at_every_byte() {
    let searches = [
        "| tstats count from datamodel=Endpoint.Processes where Processes.process_name IN \
         (\"a.exe\", b*) NOT Processes.user=\"SYSTEM\" by Processes.dest \
         | `drop_dm_object_name(Processes)` | where match(process, \"(?i)x\") AND \
         cidrmatch(\"10.0.0.0/8\", dest) | `x_filter`",
        "`sysmon` EventCode=1 Image=\"*\\\\évil.exe\" [search index=a | fields user] \
         ```comment``` | eval x=if(like(lower(a), \"%b%\"), 1, 0) | stats count by x \
         | where count > 5 OR x=\"ü\"",
    ];
    let macros = corpus_macros();
    for search in searches {
        for cut in 0..=search.len() {
            let Some(prefix) = search.get(..cut) else {
                continue;
            };
            let parsed = spl::parse_with_macros(prefix, &macros);
            assert_ranges_inside(prefix, &parsed);
        }
    }
}

#[test]
fn detection_yaml_cut_at_every_byte() {
    let macros = corpus_macros();
    let detections = [
        "endpoint/windows_cached_domain_credentials_reg_query.yml",
        "network/detect_large_outbound_icmp_packets.yml",
    ];
    for relative in detections {
        let path = security_content().join("detections").join(relative);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
        for cut in 0..=text.len() {
            let Some(prefix) = text.get(..cut) else {
                continue;
            };
            let parsed = spl::parse_yaml_with_macros(prefix, &macros);
            assert_ranges_inside(prefix, &parsed);
        }
    }
}

#[test]
fn unterminated_backtick_points_at_backtick() {
    let text = "index=a `sysmon EventCode=1 | stats count";
    let parsed = spl::parse(text);
    assert_eq!(lints(&parsed), vec![spl::UNTERMINATED_BACKTICK]);
    assert_eq!(parsed.diagnostics[0].range, TextRange::new(8, 15));
    // The rest of the search is still read.
    let predicates = parsed.documents[0].rule.predicates();
    let fields: Vec<String> = predicates
        .iter()
        .filter_map(|(p, _)| p.field.as_ref().map(|f| f.name.clone()))
        .collect();
    assert_eq!(fields, vec!["EventCode".to_owned()]);
}

#[test]
fn unterminated_subsearch_points_at_bracket() {
    let text = "index=a NOT [search index=b | fields user";
    let parsed = spl::parse(text);
    assert_eq!(lints(&parsed), vec![spl::UNBALANCED_BRACKET]);
    assert_eq!(parsed.diagnostics[0].range, TextRange::new(12, 13));
}

#[test]
fn stray_closers_and_empty_segments() {
    let cases: &[(&str, &str, &str)] = &[
        ("a=1 ) b=2", spl::UNBALANCED_PARENTHESIS, ")"),
        ("a=1 (b=2 OR c=3", spl::UNBALANCED_PARENTHESIS, "("),
        ("a=1 ] b=2", spl::UNBALANCED_BRACKET, "]"),
        ("a=1 | | stats count", spl::EMPTY_PIPE_SEGMENT, "|"),
        ("a=1 |", spl::EMPTY_PIPE_SEGMENT, "|"),
        (
            "a=\"open | stats count",
            spl::UNTERMINATED_STRING,
            "\"open | stats count",
        ),
        ("a=1 | frobnicate x", spl::UNKNOWN_COMMAND, "frobnicate"),
        ("a= | stats count", spl::MISSING_OPERAND, "="),
        ("a=1 OR", spl::MISSING_OPERAND, "OR"),
        ("a=1 | where", spl::MISSING_OPERAND, "where"),
        ("a=1 ``` note", spl::UNTERMINATED_COMMENT, "```"),
        ("a=1 | where x=1 y", spl::UNEXPECTED_TOKEN, "y"),
    ];
    for (text, lint, marked) in cases {
        let parsed = spl::parse(text);
        assert_eq!(lints(&parsed), vec![*lint], "{text}");
        let range = parsed.diagnostics[0].range;
        assert_eq!(&text[range.as_range()], *marked, "{text}");
    }
}

#[test]
fn self_recursive_macro_is_reported() {
    let macros = table(&[("loop", &[], "a=1 `loop`")]);
    let text = "index=x `loop` | stats count";
    let parsed = spl::parse_with_macros(text, &macros);
    assert_eq!(lints(&parsed), vec![spl::MACRO_RECURSION]);
    assert_eq!(&text[parsed.diagnostics[0].range.as_range()], "`loop`");
}

#[test]
fn mutually_recursive_macros_are_reported() {
    let macros = table(&[
        ("ping", &["x"], "`pong($x$)`"),
        ("pong", &["y"], "`ping($y$)`"),
    ]);
    let parsed = spl::parse_with_macros("`ping(1)`", &macros);
    assert_eq!(lints(&parsed), vec![spl::MACRO_RECURSION]);
    assert_eq!(parsed.diagnostics[0].range, TextRange::new(0, 9));
}

#[test]
fn doubling_macros_stop_at_size_limit() {
    // Each level doubles the text: 2^30 copies unless the size budget stops it.
    let mut definitions: Vec<(String, String)> = Vec::new();
    for level in 0..30 {
        let next = format!("`m{}` `m{}`", level + 1, level + 1);
        definitions.push((format!("m{level}"), next));
    }
    definitions.push(("m30".to_owned(), "a=1".to_owned()));
    let mut macros = MacroTable::new();
    for (name, definition) in definitions {
        macros.insert(MacroDefinition {
            name,
            arguments: Vec::new(),
            definition,
        });
    }
    let parsed = spl::parse_with_macros("`m0`", &macros);
    assert_eq!(lints(&parsed), vec![spl::MACRO_RECURSION]);
}

#[test]
fn deep_nesting_is_reported() {
    for (open, close) in [("(", ")"), ("NOT ", ""), ("[search ", "]")] {
        let text = format!("{}a=1{}", open.repeat(100_000), close.repeat(100_000));
        let parsed = spl::parse(&text);
        assert!(
            lints(&parsed).contains(&spl::NESTING_TOO_DEEP),
            "{open}: {:?}",
            lints(&parsed)
        );
        assert_ranges_inside(&text, &parsed);
    }
    let text = format!("{}{}a=1", "[search ".repeat(31), "(".repeat(300));
    let parsed = spl::parse(&text);
    assert!(lints(&parsed).contains(&spl::NESTING_TOO_DEEP));
    let text = format!(
        "a=1 | where {}x=1{}",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let parsed = spl::parse(&text);
    assert!(lints(&parsed).contains(&spl::NESTING_TOO_DEEP));
    let text = format!("a=1 | where x = 1{}", " + 1".repeat(100_000));
    let parsed = spl::parse(&text);
    assert!(lints(&parsed).contains(&spl::NESTING_TOO_DEEP));
}

/// Balanced parentheses past the depth limit give one nesting error, not an unclosed-`(`
/// error for every level whose `)` the parser skipped.
#[test]
fn deep_balanced_nesting_is_one_error() {
    for text in [
        format!("index=x {}a=1{}", "(".repeat(257), ")".repeat(257)),
        format!("a=1 | where {}x=1{}", "(".repeat(300), ")".repeat(300)),
    ] {
        let parsed = spl::parse(&text);
        assert_eq!(
            lints(&parsed),
            vec![spl::NESTING_TOO_DEEP],
            "{}",
            &text[..20]
        );
    }
}

#[test]
fn long_where_condition_stays_flat() {
    let terms: Vec<String> = (0..50_000).map(|i| format!("x=\"{i}\"")).collect();
    let text = format!("a=1 | where {}", terms.join(" OR "));
    let parsed = spl::parse(&text);
    assert!(parsed.diagnostics.is_empty());
    assert_eq!(parsed.documents[0].rule.predicates().len(), 50_001);
}

#[test]
fn search_of_twenty_megabytes() {
    let term = "process_name=\"cmd.exe\" OR ";
    let count = 20 * 1024 * 1024 / term.len();
    let text = format!("index=a ({}x=1) | stats count by host", term.repeat(count));
    let parsed = spl::parse(&text);
    assert!(parsed.diagnostics.is_empty());
    assert_eq!(parsed.documents[0].rule.predicates().len(), count + 1);
}
