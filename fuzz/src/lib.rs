//! Invariants shared by the fuzz targets.
//!
//! Every range a front end returns is a byte range into the text it was given: a diagnostic,
//! a fix edit, a predicate, a field, a value, an opaque part, a data source, a metadata value.
//! The checks below assert that each one lies inside the text and starts and ends on a
//! character boundary. The analysis and the server slice the text with these ranges, so a
//! bad range would panic there rather than in the parser.

use rulelens_syntax::sigma::ConditionExpr;
use rulelens_syntax::{Diagnostic, Expr, ParsedFile, Rule, TextRange};

/// Asserts that `range` lies inside `text` and on character boundaries; `what` names the
/// range in the panic message.
pub fn check_range(text: &str, range: TextRange, what: &str) {
    assert!(
        range.start() <= range.end(),
        "{what}: reversed range {}..{}",
        range.start(),
        range.end()
    );
    assert!(
        range.end() <= text.len(),
        "{what}: range {}..{} past the end of a {}-byte text",
        range.start(),
        range.end(),
        text.len()
    );
    assert!(
        text.is_char_boundary(range.start()),
        "{what}: range start {} inside a character",
        range.start()
    );
    assert!(
        text.is_char_boundary(range.end()),
        "{what}: range end {} inside a character",
        range.end()
    );
}

/// Checks every diagnostic, its related locations in the same file and its fix edits. Edits
/// of one fix must also not overlap, or applying them would be ambiguous.
pub fn check_diagnostics(text: &str, diagnostics: &[Diagnostic]) {
    for diagnostic in diagnostics {
        check_range(text, diagnostic.range, diagnostic.lint);
        assert!(
            !diagnostic.message.is_empty(),
            "{}: empty message",
            diagnostic.lint
        );
        for related in &diagnostic.related {
            if related.path.is_none() {
                check_range(text, related.range, "related location");
            }
        }
        for fix in &diagnostic.fixes {
            let mut edits: Vec<TextRange> = fix.edits.iter().map(|edit| edit.range).collect();
            for edit in &edits {
                check_range(text, *edit, "fix edit");
            }
            edits.sort();
            for pair in edits.windows(2) {
                assert!(
                    pair[0].end() <= pair[1].start(),
                    "fix `{}` has overlapping edits",
                    fix.title
                );
            }
        }
    }
}

/// Checks the ranges of every node of a logic tree.
pub fn check_expr(text: &str, expr: &Expr) {
    match expr {
        Expr::And(items) | Expr::Or(items) => {
            for item in items {
                check_expr(text, item);
            }
        }
        Expr::Not(inner) => check_expr(text, inner),
        Expr::Predicate(predicate) => {
            check_range(text, predicate.range, "predicate");
            if let Some(field) = &predicate.field {
                check_range(text, field.range, "predicate field");
            }
            if let Some(value) = &predicate.value {
                check_range(text, value.range, "predicate value");
            }
        }
        Expr::Opaque(opaque) => check_range(text, opaque.range, "opaque part"),
    }
}

/// Checks the ranges of one rule: its own range, metadata, data sources and logic.
pub fn check_rule(text: &str, rule: &Rule) {
    check_range(text, rule.range, "rule");
    let metadata = &rule.metadata;
    let single = [
        &metadata.id,
        &metadata.title,
        &metadata.status,
        &metadata.level,
    ];
    for spanned in single.into_iter().flatten() {
        check_range(text, spanned.range, "metadata value");
    }
    for spanned in metadata.techniques.iter().chain(&metadata.tags) {
        check_range(text, spanned.range, "technique or tag");
    }
    for source in &rule.data_sources {
        check_range(text, source.range, "data source");
    }
    if let Some(logic) = &rule.logic {
        check_expr(text, logic);
    }
}

/// Checks everything a front end returned for one file.
pub fn check_parsed(text: &str, parsed: &ParsedFile) {
    check_diagnostics(text, &parsed.diagnostics);
    for document in &parsed.documents {
        check_rule(text, &document.rule);
    }
}

/// Checks the ranges of a Sigma condition tree.
pub fn check_condition(text: &str, expr: &ConditionExpr) {
    match expr {
        ConditionExpr::And(items) | ConditionExpr::Or(items) => {
            for item in items {
                check_condition(text, item);
            }
        }
        ConditionExpr::Not { inner, keyword } => {
            check_range(text, *keyword, "condition `not`");
            check_condition(text, inner);
        }
        ConditionExpr::Identifier { range, .. } => {
            check_range(text, *range, "condition identifier");
        }
        ConditionExpr::Quantified {
            range,
            target_range,
            ..
        } => {
            check_range(text, *range, "condition quantifier");
            check_range(text, *target_range, "condition quantifier target");
        }
    }
}

/// Returns the byte offset of every character of `text` plus one entry for its end, the
/// offset table the Sigma condition parser takes.
pub fn char_offsets(text: &str) -> Vec<usize> {
    text.char_indices()
        .map(|(offset, _)| offset)
        .chain(std::iter::once(text.len()))
        .collect()
}
