//! Test helpers shared by the KQL tests: a compact text listing of a parsed file's tables,
//! diagnostics and logic tree, for snapshot comparisons.
//!
//! The listing has one line per node, indented two spaces per level. A predicate line reads
//! `field op "normalized value" [notes] (as written_op) @line:column`, where the position is
//! the 1-based line and character column of the value (or of the predicate without a value)
//! in the file, so snapshots also check that ranges map back into YAML correctly.

use rulelens_syntax::{Expr, LineIndex, ParsedFile, Predicate, PredicateContext, TextRange};
use std::fmt::Write;

/// Renders the tables, diagnostics and logic of every rule in `parsed`.
pub fn render(text: &str, parsed: &ParsedFile) -> String {
    let lines = LineIndex::new(text);
    let position = |range: TextRange| {
        let at = lines.line_col_chars(text, range.start());
        format!("@{}:{}", at.line + 1, at.col + 1)
    };
    let mut out = String::new();
    for document in &parsed.documents {
        let tables: Vec<&str> = document
            .rule
            .data_sources
            .iter()
            .map(|source| source.value.as_str())
            .collect();
        let _ = writeln!(out, "tables: {}", tables.join(", "));
        match &document.rule.logic {
            Some(logic) => render_expr(logic, 0, &position, &mut out),
            None => out.push_str("no logic\n"),
        }
    }
    for diagnostic in &parsed.diagnostics {
        let _ = writeln!(
            out,
            "{} {} {}",
            diagnostic.lint,
            position(diagnostic.range),
            diagnostic.message
        );
    }
    out
}

fn render_expr(
    expr: &Expr,
    depth: usize,
    position: &dyn Fn(TextRange) -> String,
    out: &mut String,
) {
    let indent = "  ".repeat(depth);
    match expr {
        Expr::And(items) | Expr::Or(items) => {
            let name = if matches!(expr, Expr::And(_)) {
                "and"
            } else {
                "or"
            };
            let _ = writeln!(out, "{indent}{name}");
            for item in items {
                render_expr(item, depth + 1, position, out);
            }
        }
        Expr::Not(inner) => {
            let _ = writeln!(out, "{indent}not");
            render_expr(inner, depth + 1, position, out);
        }
        Expr::Predicate(predicate) => {
            let _ = writeln!(out, "{indent}{}", render_predicate(predicate, position));
        }
        Expr::Opaque(opaque) => {
            let _ = writeln!(
                out,
                "{indent}opaque {} {}",
                opaque.reason,
                position(opaque.range)
            );
        }
    }
}

fn render_predicate(predicate: &Predicate, position: &dyn Fn(TextRange) -> String) -> String {
    let mut line = match &predicate.field {
        Some(field) => field.name.clone(),
        None => "*".to_owned(),
    };
    let _ = write!(line, " {}", predicate.op.name());
    if let Some(value) = &predicate.value {
        let _ = write!(line, " {:?}", value.normalized);
    }
    let mut notes = Vec::new();
    if predicate.case_sensitive {
        notes.push("cased");
    }
    match predicate.context {
        PredicateContext::Source => {}
        PredicateContext::Computed => notes.push("computed"),
        PredicateContext::Threshold => notes.push("threshold"),
        PredicateContext::TimeWindow => notes.push("time window"),
    }
    if !notes.is_empty() {
        let _ = write!(line, " [{}]", notes.join(", "));
    }
    let at = predicate
        .value
        .as_ref()
        .map_or(predicate.range, |value| value.range);
    let _ = write!(line, " (as {}) {}", predicate.written_op, position(at));
    line
}
