//! Broken and hostile Sigma input: each case ends with a diagnostic at a position, never a
//! panic, a stack overflow or a hang.

use rulelens_syntax::{parse, Diagnostic, Format, LineIndex, ParsedFile};

fn parse_sigma(text: &str) -> ParsedFile {
    parse(Format::Sigma, text)
}

/// Returns the one diagnostic of `lint`, with its 1-based line and column.
fn only(parsed: &ParsedFile, lint: &str, text: &str) -> (Diagnostic, u32, u32) {
    let found: Vec<&Diagnostic> = parsed
        .diagnostics
        .iter()
        .filter(|d| d.lint == lint)
        .collect();
    assert_eq!(found.len(), 1, "{:?}", parsed.diagnostics);
    let diagnostic = found[0].clone();
    let position = LineIndex::new(text).line_col_chars(text, diagnostic.range.start());
    (diagnostic, position.line + 1, position.col + 1)
}

#[test]
fn invalid_yaml_names_position() {
    let text = "title: x\nlogsource:\n    product: windows\ndetection:\n    sel:\n        Image: [a, b\n    condition: sel\n";
    let parsed = parse_sigma(text);
    let (diagnostic, line, _) = only(&parsed, "syntax/yaml", text);
    assert!(
        diagnostic.message.starts_with("invalid YAML"),
        "{diagnostic:?}"
    );
    assert!(line >= 6, "line {line}");
    // The part before the error is still read.
    assert_eq!(parsed.documents.len(), 1);
}

#[test]
fn tab_indentation_names_position() {
    let text = "title: x\nlogsource:\n\tproduct: windows\ndetection:\n    sel:\n        a: b\n    condition: sel\n";
    let parsed = parse_sigma(text);
    let (_, line, column) = only(&parsed, "syntax/yaml", text);
    assert_eq!((line, column), (3, 1));
}

#[test]
fn detection_as_list_names_position() {
    let text = "title: x\nlogsource:\n    product: windows\ndetection:\n    - sel:\n        a: b\n    - condition: sel\n";
    let parsed = parse_sigma(text);
    let (diagnostic, line, column) = only(&parsed, "sigma/invalid-structure", text);
    assert_eq!((line, column), (5, 5));
    assert!(
        diagnostic.message.contains("`detection` must be a mapping"),
        "{diagnostic:?}"
    );
    assert_eq!(parsed.documents.len(), 1);
    assert!(parsed.documents[0].rule.logic.is_none());
}

#[test]
fn ten_thousand_parentheses_hit_depth_limit() {
    let depth = 10_000;
    let condition = format!("{}sel{}", "(".repeat(depth), ")".repeat(depth));
    let text = format!(
        "title: x\nlogsource:\n    product: windows\ndetection:\n    sel:\n        a: b\n    condition: {condition}\n"
    );
    let parsed = parse_sigma(&text);
    let (diagnostic, line, column) = only(&parsed, "sigma/condition-syntax", &text);
    assert!(
        diagnostic.message.contains("deeper than 256 levels"),
        "{diagnostic:?}"
    );
    assert_eq!(line, 7);
    assert_eq!(column as usize, "    condition: ".len() + 256 + 1);
    let logic = parsed.documents[0].rule.logic.as_ref();
    assert!(
        matches!(logic, Some(rulelens_syntax::Expr::Opaque(_))),
        "{logic:?}"
    );
}

#[test]
fn twenty_megabyte_file_completes() {
    let mut text = String::from(
        "title: x\nlogsource:\n    product: windows\ndetection:\n    sel:\n        CommandLine|contains:\n",
    );
    let padding = "x".repeat(400);
    let mut index = 0;
    while text.len() < 20 * 1024 * 1024 {
        // Long values keep the debug-build run short while the file stays 20 MB.
        text.push_str(&format!("            - 'value {index} {padding}'\n"));
        index += 1;
    }
    text.push_str("    condition: sel\n");
    let parsed = parse_sigma(&text);
    assert!(
        parsed.diagnostics.is_empty(),
        "{:?}",
        parsed.diagnostics.first()
    );
    assert_eq!(parsed.documents[0].rule.predicates().len(), index);
}

#[test]
fn twenty_megabyte_garbage_names_position() {
    let mut text = String::from("title: x\ndetection:\n    sel:\n        a: b\n");
    text.push_str(&"x".repeat(20 * 1024 * 1024));
    text.push_str(": [\n");
    let parsed = parse_sigma(&text);
    let (_, line, _) = only(&parsed, "syntax/yaml", &text);
    assert!(line >= 5, "line {line}");
}

#[test]
fn alias_bomb_is_bounded() {
    let mut text =
        String::from("title: x\nlol0: &lol0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in 1..12 {
        let references = vec![format!("*lol{}", level - 1); 9].join(", ");
        text.push_str(&format!("lol{level}: &lol{level} [{references}]\n"));
    }
    text.push_str("logsource:\n    product: windows\ndetection:\n    sel:\n        a: *lol11\n    condition: sel\n");
    let parsed = parse_sigma(&text);
    let (diagnostic, line, _) = only(&parsed, "syntax/yaml", &text);
    assert!(
        diagnostic.message.contains("alias expansion exceeds"),
        "{diagnostic:?}"
    );
    assert!(line >= 3, "line {line}");
}

#[test]
fn half_typed_rule_still_yields_predicates() {
    let text = "title: x\nlogsource:\n    product: windows\ndetection:\n    sel:\n        Image|endswith: '\\cmd.exe'\n        CommandLine|contains: '\n";
    let parsed = parse_sigma(text);
    assert!(!parsed.diagnostics.is_empty());
    assert_eq!(parsed.documents.len(), 1);
}

#[test]
fn empty_and_scalar_files() {
    for text in ["", "\n", "---\n", "just text\n", "- a\n- b\n", "\u{feff}"] {
        let parsed = parse_sigma(text);
        for document in &parsed.documents {
            assert!(document.rule.logic.is_none(), "{text:?}");
        }
    }
    let parsed = parse_sigma("- a\n");
    assert_eq!(parsed.diagnostics.len(), 1, "{:?}", parsed.diagnostics);
    assert_eq!(parsed.diagnostics[0].lint, "sigma/invalid-structure");
}
