//! Helpers shared by the Elastic and Panther integration tests: corpus walking and a compact
//! text rendering of lowered rules for snapshots.

#![allow(dead_code)]

use rulelens_syntax::{Expr, ParsedFile, Predicate, Rule, TextRange};
use std::path::{Path, PathBuf};

/// Lists every file under `folder` whose name ends with one of `extensions`, sorted by path.
pub fn files_under(folder: &Path, extensions: &[&str]) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut pending = vec![folder.to_path_buf()];
    while let Some(directory) = pending.pop() {
        let entries = std::fs::read_dir(&directory)
            .unwrap_or_else(|error| panic!("cannot read {}: {error}", directory.display()));
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| extensions.contains(&e))
            {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Returns the corpus folder of one vendor (`elastic`, `panther`).
pub fn vendor_corpus(vendor: &str) -> PathBuf {
    rulelens_syntax::corpus_path::corpus_dir(env!("CARGO_MANIFEST_DIR")).join(vendor)
}

/// Returns the path relative to the vendor folder, for failure lists.
pub fn relative(path: &Path, vendor: &str) -> String {
    let root = vendor_corpus(vendor);
    path.strip_prefix(&root)
        .unwrap_or(path)
        .to_string_lossy()
        .into_owned()
}

/// Renders a file's rules as an indented listing: metadata lines, then the logic tree with
/// each predicate as `field op value` and the quoted source text of its range.
pub fn render(text: &str, parsed: &ParsedFile) -> String {
    let mut out = String::new();
    for document in &parsed.documents {
        render_rule(text, &document.rule, &mut out);
    }
    for diagnostic in &parsed.diagnostics {
        out.push_str(&format!(
            "diagnostic {} {:?}: {}\n",
            diagnostic.lint, diagnostic.range, diagnostic.message
        ));
    }
    out
}

/// Renders one query's logic and diagnostics, for tests of a single query language.
pub fn render_query(
    text: &str,
    logic: Option<&Expr>,
    diagnostics: &[rulelens_syntax::Diagnostic],
) -> String {
    let mut out = String::new();
    match logic {
        Some(logic) => render_expr(text, logic, 0, &mut out),
        None => out.push_str("no logic\n"),
    }
    for diagnostic in diagnostics {
        out.push_str(&format!(
            "diagnostic {} {}: {}\n",
            diagnostic.lint,
            snippet(text, diagnostic.range),
            diagnostic.message
        ));
        for related in &diagnostic.related {
            out.push_str(&format!(
                "  related {}: {}\n",
                snippet(text, related.range),
                related.message
            ));
        }
    }
    out
}

fn render_rule(text: &str, rule: &Rule, out: &mut String) {
    let metadata = &rule.metadata;
    let value = |s: &Option<rulelens_syntax::Spanned<String>>| {
        s.as_ref().map_or("-".to_owned(), |s| s.value.clone())
    };
    out.push_str(&format!("language {:?}\n", rule.language));
    out.push_str(&format!("id {}\n", value(&metadata.id)));
    out.push_str(&format!("title {}\n", value(&metadata.title)));
    out.push_str(&format!(
        "level {} deprecated {}\n",
        value(&metadata.level),
        metadata.deprecated
    ));
    let techniques: Vec<&str> = metadata
        .techniques
        .iter()
        .map(|t| t.value.as_str())
        .collect();
    out.push_str(&format!("techniques {}\n", techniques.join(" ")));
    for source in &rule.data_sources {
        out.push_str(&format!("source {:?} {}\n", source.kind, source.value));
    }
    match &rule.logic {
        Some(logic) => render_expr(text, logic, 0, out),
        None => out.push_str("no logic\n"),
    }
}

fn render_expr(text: &str, expr: &Expr, depth: usize, out: &mut String) {
    let indent = "  ".repeat(depth);
    match expr {
        Expr::And(items) | Expr::Or(items) => {
            let name = if matches!(expr, Expr::And(_)) {
                "and"
            } else {
                "or"
            };
            out.push_str(&format!("{indent}{name}\n"));
            for item in items {
                render_expr(text, item, depth + 1, out);
            }
        }
        Expr::Not(inner) => {
            out.push_str(&format!("{indent}not\n"));
            render_expr(text, inner, depth + 1, out);
        }
        Expr::Predicate(predicate) => {
            out.push_str(&format!("{indent}{}\n", render_predicate(text, predicate)));
        }
        Expr::Opaque(opaque) => out.push_str(&format!(
            "{indent}opaque ({}) {}\n",
            opaque.reason,
            snippet(text, opaque.range)
        )),
    }
}

fn render_predicate(text: &str, predicate: &Predicate) -> String {
    let field = predicate
        .field
        .as_ref()
        .map_or("*".to_owned(), |f| f.name.clone());
    let value = predicate
        .value
        .as_ref()
        .map_or(String::new(), |v| format!(" {:?}", v.normalized));
    let case = if predicate.case_sensitive { "" } else { " (i)" };
    let context = match predicate.context {
        rulelens_syntax::PredicateContext::Source => "",
        rulelens_syntax::PredicateContext::Computed => " [computed]",
        rulelens_syntax::PredicateContext::Threshold => " [threshold]",
        rulelens_syntax::PredicateContext::TimeWindow => " [time window]",
    };
    format!(
        "{field} {}{value}{case}{context} @ {}",
        predicate.op.name(),
        snippet(text, predicate.range)
    )
}

/// Returns the source text of a range on one line, shortened past 60 characters.
pub fn snippet(text: &str, range: TextRange) -> String {
    let source = text.get(range.as_range()).unwrap_or("<invalid range>");
    let flat: String = source.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 60 {
        let head: String = flat.chars().take(57).collect();
        format!("`{head}...`")
    } else {
        format!("`{flat}`")
    }
}
