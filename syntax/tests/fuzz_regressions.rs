//! Inputs that the fuzz targets in `fuzz/` found to crash a front end, minimized with
//! libFuzzer's `-minimize_crash=1`, each checked against the invariant its target asserts:
//! no panic, and every diagnostic and predicate range inside the text on character
//! boundaries.

use rulelens_syntax::{ParsedFile, TextRange};

/// Asserts that every diagnostic and predicate range of `parsed` lies inside `text` on
/// character boundaries.
fn assert_ranges_inside(text: &str, parsed: &ParsedFile) {
    let check = |range: TextRange, what: &str| {
        assert!(
            range.end() <= text.len(),
            "{what} range {range:?} past the end of {text:?}"
        );
        assert!(
            text.is_char_boundary(range.start()),
            "{what} range {range:?} starts inside a character of {text:?}"
        );
        assert!(
            text.is_char_boundary(range.end()),
            "{what} range {range:?} ends inside a character of {text:?}"
        );
    };
    for diagnostic in &parsed.diagnostics {
        check(diagnostic.range, diagnostic.lint);
    }
    for document in &parsed.documents {
        for (predicate, _) in document.rule.predicates() {
            check(predicate.range, "predicate");
        }
    }
}

#[test]
fn spl_rename_without_as_at_end() {
    // The error for a missing `as` marked the byte after the old name, past the end here.
    for text in ["|rename\0", "|rename x", "| rename a b", "|rename x é"] {
        let parsed = rulelens_syntax::spl::parse(text);
        assert!(!parsed.diagnostics.is_empty(), "no diagnostic for {text:?}");
        assert_ranges_inside(text, &parsed);
    }
}

#[test]
fn kql_function_parameters_stray_bracket() {
    // A `]` before any `[` in a `let` function's parameter list underflowed the bracket depth,
    // which panics where overflow checks are on (`cargo test` without `--release`).
    let minimized = "let h=(]{";
    let parsed = rulelens_syntax::kql::parse(rulelens_syntax::Format::Kql, minimized);
    assert!(
        !parsed.diagnostics.is_empty(),
        "no diagnostic for the unclosed parameter list"
    );
    assert_ranges_inside(minimized, &parsed);

    for text in ["let f = (x: string]) { x }", "let g=(]]) {1}; g()"] {
        let parsed = rulelens_syntax::kql::parse(rulelens_syntax::Format::Kql, text);
        assert_ranges_inside(text, &parsed);
    }
}
