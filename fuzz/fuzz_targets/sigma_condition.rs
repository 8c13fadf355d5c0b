//! The Sigma condition parser alone, on arbitrary text. No panic; every identifier, `not`,
//! quantifier, aggregation and diagnostic range lies inside the text on character boundaries;
//! a condition that parses yields no `sigma/condition-syntax` error.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rulelens_fuzz::{char_offsets, check_condition, check_diagnostics, check_range};
use rulelens_syntax::sigma::condition::{parse, CONDITION_SYNTAX};
use rulelens_syntax::TextRange;

fuzz_target!(|text: &str| {
    let offsets = char_offsets(text);
    let parsed = parse(text, &offsets, TextRange::new(0, text.len()));
    check_diagnostics(text, &parsed.diagnostics);
    if let Some(aggregation) = &parsed.aggregation {
        check_range(text, aggregation.range, "aggregation");
    }
    match &parsed.expr {
        Some(expr) => {
            check_condition(text, expr);
            assert!(
                parsed
                    .diagnostics
                    .iter()
                    .all(|d| d.lint != CONDITION_SYNTAX),
                "a parsed condition also carries a syntax error"
            );
        }
        None => assert!(
            !parsed.diagnostics.is_empty(),
            "a condition that did not parse has no diagnostic"
        ),
    }
});
