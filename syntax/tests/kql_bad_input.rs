//! Broken, truncated, deeply nested and huge KQL: every case returns diagnostics with ranges
//! and never panics, overflows the stack or hangs.

use rulelens_syntax::corpus_path::corpus_dir;
use rulelens_syntax::{parse, Diagnostic, Format, ParsedFile};

fn lints(parsed: &ParsedFile) -> Vec<&'static str> {
    parsed.diagnostics.iter().map(|d| d.lint).collect()
}

fn assert_ranges_inside(text: &str, diagnostics: &[Diagnostic]) {
    for diagnostic in diagnostics {
        assert!(
            diagnostic.range.end() <= text.len(),
            "{} range {:?} past the end {}",
            diagnostic.lint,
            diagnostic.range,
            text.len()
        );
        assert!(text.is_char_boundary(diagnostic.range.start()));
        assert!(text.is_char_boundary(diagnostic.range.end()));
    }
}

fn corpus_text(relative: &str) -> String {
    let path = corpus_dir(env!("CARGO_MANIFEST_DIR"))
        .join("kusto")
        .join(relative);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

#[test]
fn query_cut_at_every_byte() {
    let files = [
        (
            "cloudflare+Azure-Sentinel/Detections/SecurityEvent/ExcessiveLogonFailures.yaml",
            Format::SentinelYaml,
        ),
        (
            "cloudflare+Azure-Sentinel/Hunting Queries/MultipleDataSources/PersistViaIFEORegistryKey.yaml",
            Format::SentinelYaml,
        ),
        (
            "Bert-JanP+Hunting-Queries-Detection-Rules/MISP/Sentinel/MISP-IP-ProofPoint.txt",
            Format::Kql,
        ),
    ];
    for (relative, format) in files {
        let text = corpus_text(relative);
        let mut cuts_with_errors = 0;
        for cut in 0..=text.len() {
            let Some(prefix) = text.get(..cut) else {
                continue;
            };
            let parsed = parse(format, prefix);
            assert_ranges_inside(prefix, &parsed.diagnostics);
            assert_eq!(parsed.documents.len(), 1, "{relative} cut at {cut}");
            if !parsed.diagnostics.is_empty() {
                cuts_with_errors += 1;
            }
        }
        assert!(cuts_with_errors > 0, "{relative}: no cut gave a diagnostic");
    }
}

#[test]
fn ten_thousand_nested_parentheses() {
    let depth = 10_000;
    let text = format!(
        "SecurityEvent | where {}EventID == 4625{}",
        "(".repeat(depth),
        ")".repeat(depth)
    );
    let parsed = parse(Format::Kql, &text);
    assert_eq!(lints(&parsed), vec!["syntax/kql-nesting-too-deep"]);
    assert_ranges_inside(&text, &parsed.diagnostics);
    let start = parsed.diagnostics[0].range.start();
    assert_eq!(&text[start..start + 1], "(");
}

#[test]
fn deep_nesting_of_every_kind() {
    let depth = 10_000;
    let cases = [
        format!("T | where {}a{}", "not(".repeat(depth), ")".repeat(depth)),
        format!(
            "T | where a in ({}1{})",
            "[".repeat(depth),
            "]".repeat(depth)
        ),
        format!(
            "T | where a == dynamic({}{})",
            "{\"k\":".repeat(depth),
            "}".repeat(depth)
        ),
        format!("T | where a == {}1", "-".repeat(depth)),
        format!("T | where {}", "(".repeat(depth)),
        format!(
            "let f = (){}T{};f",
            "{ let g = () ".repeat(depth),
            "}".repeat(depth)
        ),
        "T | join (".repeat(depth),
    ];
    for text in cases {
        let parsed = parse(Format::Kql, &text);
        assert!(
            !parsed.diagnostics.is_empty(),
            "no diagnostic for {}",
            &text[..40]
        );
        assert_ranges_inside(&text, &parsed.diagnostics);
    }
    // A long member path is valid and stays flat.
    let path = format!("T | where a == {}c", "b.".repeat(depth));
    assert!(parse(Format::Kql, &path).diagnostics.is_empty());
}

#[test]
fn twenty_megabyte_query_completes() {
    let mut text = String::from("let names = dynamic([\"a\", \"b\"]);\nSecurityEvent\n");
    let padding = "x".repeat(180);
    let mut step: usize = 0;
    while text.len() < 20 * 1024 * 1024 {
        if step % 100 == 0 {
            text.push_str(&format!("| where CommandLine has \"tool{step}\"\n"));
        } else {
            text.push_str(&format!("| extend c{step} = strcat(\"{padding}\", A)\n"));
        }
        step += 1;
    }
    let parsed = parse(Format::Kql, &text);
    assert!(
        parsed.diagnostics.is_empty(),
        "{:?}",
        parsed.diagnostics.first()
    );
    let predicates = parsed.documents[0].rule.predicates().len();
    assert_eq!(predicates, step.div_ceil(100));
}

#[test]
fn long_or_chain_stays_flat() {
    let terms: Vec<String> = (0..100_000).map(|i| format!("A == \"{i}\"")).collect();
    let text = format!("T | where {}", terms.join(" or "));
    let parsed = parse(Format::Kql, &text);
    assert!(parsed.diagnostics.is_empty());
    assert_eq!(parsed.documents[0].rule.predicates().len(), 100_000);
}

#[test]
fn unbalanced_quotes_are_reported_where_they_start() {
    let cases = [
        ("T | where a == \"abc", "\"abc"),
        ("T | where a == 'abc\n| take 1", "'abc"),
        ("T | where a == @\"C:\\x", "@\"C:\\x"),
        ("T | where a == h'secret", "h'secret"),
        ("T | evaluate python(```\nprint(1)\n", "```"),
    ];
    for (text, reported) in cases {
        let parsed = parse(Format::Kql, text);
        let unterminated: Vec<&Diagnostic> = parsed
            .diagnostics
            .iter()
            .filter(|d| d.lint == "syntax/kql-unterminated-string")
            .collect();
        assert_eq!(unterminated.len(), 1, "{text}: {:?}", parsed.diagnostics);
        let range = unterminated[0].range;
        assert_eq!(&text[range.as_range()], reported, "{text}");
    }
}

#[test]
fn yaml_query_that_is_not_a_string() {
    let cases = [
        ("id: x\nquery: 42\n", "42", "a number"),
        (
            "id: x\nquery:\n  - SecurityEvent\n  - x\n",
            "- SecurityEvent",
            "a list",
        ),
        ("id: x\nquery: {a: 1}\n", "{", "a mapping"),
    ];
    for (text, at, found) in cases {
        let parsed = parse(Format::SentinelYaml, text);
        assert_eq!(
            lints(&parsed),
            vec!["syntax/kql-query-not-string"],
            "{text}"
        );
        let diagnostic = &parsed.diagnostics[0];
        assert!(diagnostic.message.contains(found), "{}", diagnostic.message);
        assert!(
            text[diagnostic.range.start()..].starts_with(at),
            "{text}: range {:?}",
            diagnostic.range
        );
        assert!(parsed.documents[0].rule.logic.is_none());
    }
}

#[test]
fn broken_yaml_still_reads_the_query() {
    let text = "id: x\nname: [unclosed\nquery: |\n  SecurityEvent\n  | where EventID == 4625\n";
    let parsed = parse(Format::SentinelYaml, text);
    assert_eq!(lints(&parsed), vec!["syntax/kql-invalid-yaml"]);
    assert_eq!(parsed.documents[0].rule.predicates().len(), 1);
}

#[test]
fn self_referencing_lets_finish() {
    // Following every leg would take 2^15 steps, past the lowering's follow budget.
    let mut text = String::from("let l0 = T | where A == 1;\n");
    for level in 1..16 {
        let previous = level - 1;
        text.push_str(&format!("let l{level} = union l{previous}, l{previous};\n"));
    }
    text.push_str("l15\n");
    let parsed = parse(Format::Kql, &text);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    assert!(parsed.documents[0].rule.logic.is_some());

    let recursive = "let f = () { union f, f | where B == 2 }; f";
    let parsed = parse(Format::Kql, recursive);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
}

#[test]
fn many_lets_tables_and_literals_stay_linear() {
    let count = 200_000;
    let mut lets = String::new();
    for index in 0..count {
        lets.push_str(&format!("let v{index} = \"x{index}\";\n"));
    }
    let names: Vec<String> = (0..count).map(|index| format!("v{index}")).collect();
    lets.push_str(&format!("T | where A in ({})", names.join(", ")));
    let parsed = parse(Format::Kql, &lets);
    assert!(
        parsed.diagnostics.is_empty(),
        "{:?}",
        parsed.diagnostics.first()
    );
    assert_eq!(parsed.documents[0].rule.predicates().len(), count);

    let tables: Vec<String> = (0..count).map(|index| format!("T{index}")).collect();
    let union = format!("union {} | where A == 1", tables.join(", "));
    let parsed = parse(Format::Kql, &union);
    // Each union leg spends one step of the lowering's follow budget (10,000 steps).
    let tables = parsed.documents[0].rule.data_sources.len();
    assert!((10_000..count).contains(&tables), "{tables} tables");

    let literals = format!("T | where A == {}", "datetime(".repeat(count));
    let parsed = parse(Format::Kql, &literals);
    assert!(!parsed.diagnostics.is_empty());
}
