//! Helpers shared by the SPL tests: loading the corpus macros and rendering a parsed rule as a
//! compact text listing for snapshots.
//!
//! The listing has one line per node of the logic, indented by depth. A predicate line reads
//! `op field@data_model "normalized" <- text` where `text` is the file text at the value's
//! range, so a snapshot also shows that ranges land on the right characters. Flags follow in
//! brackets: the operator as written, `cs` for a case-sensitive comparison, and the context
//! when it is not `source`.

#![allow(dead_code)]

use rulelens_syntax::corpus_path::corpus_dir;
use rulelens_syntax::spl::MacroTable;
use rulelens_syntax::{Expr, ParsedFile, Predicate, PredicateContext, TextRange, Tree};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// Lists every `.yml` file under `root`, sorted.
pub fn yaml_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                folders.push(path);
            } else if path.extension().is_some_and(|e| e == "yml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// Lists the Splunk repositories of the corpus that contain a `detections` folder.
pub fn splunk_repositories() -> Vec<PathBuf> {
    let splunk = corpus_dir(env!("CARGO_MANIFEST_DIR")).join("splunk");
    let mut repositories: Vec<PathBuf> = std::fs::read_dir(&splunk)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", splunk.display()))
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.join("detections").is_dir())
        .collect();
    repositories.sort();
    assert!(
        !repositories.is_empty(),
        "no Splunk repository under {}",
        splunk.display()
    );
    repositories
}

/// Returns the security_content repository of the corpus.
pub fn security_content() -> PathBuf {
    corpus_dir(env!("CARGO_MANIFEST_DIR")).join("splunk/splunk+security_content")
}

/// Loads the macros of the security_content repository.
pub fn corpus_macros() -> MacroTable {
    let (macros, skipped) = MacroTable::load_dir(&security_content().join("macros"));
    assert!(skipped.is_empty(), "macro files skipped: {skipped:?}");
    macros
}

/// Returns the file text at `range` on one line, shortened past 60 characters.
fn excerpt(text: &str, range: TextRange) -> String {
    let slice = text
        .get(range.as_range())
        .unwrap_or("<range outside the text>");
    let flat: String = slice.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 60 {
        let head: String = flat.chars().take(57).collect();
        format!("{head}...")
    } else {
        flat
    }
}

/// Renders the rules, data sources, filter macro, diagnostics and logic of a parsed file.
pub fn render(text: &str, parsed: &ParsedFile) -> String {
    let mut out = String::new();
    for document in &parsed.documents {
        let rule = &document.rule;
        if let Some(title) = &rule.metadata.title {
            let _ = writeln!(out, "title: {}", title.value);
        }
        let techniques: Vec<&str> = rule
            .metadata
            .techniques
            .iter()
            .map(|t| t.value.as_str())
            .collect();
        if !techniques.is_empty() {
            let _ = writeln!(out, "techniques: {}", techniques.join(", "));
        }
        for source in &rule.data_sources {
            let _ = writeln!(
                out,
                "data source: {:?} {} <- {}",
                source.kind,
                source.value,
                excerpt(text, source.range)
            );
        }
        if let Tree::Spl(spl) = &document.tree {
            if let Some(filter) = &spl.filter_macro {
                let _ = writeln!(
                    out,
                    "filter macro: {} <- {}",
                    filter.name,
                    excerpt(text, filter.range)
                );
            }
        }
        match &rule.logic {
            Some(logic) => render_expr(text, logic, 0, &mut out),
            None => out.push_str("no logic\n"),
        }
    }
    for diagnostic in &parsed.diagnostics {
        let _ = writeln!(
            out,
            "diagnostic: {} {} <- {}",
            diagnostic.lint,
            diagnostic.message,
            excerpt(text, diagnostic.range)
        );
    }
    out
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
            let _ = writeln!(out, "{indent}{name}");
            for item in items {
                render_expr(text, item, depth + 1, out);
            }
        }
        Expr::Not(inner) => {
            let _ = writeln!(out, "{indent}not");
            render_expr(text, inner, depth + 1, out);
        }
        Expr::Predicate(predicate) => {
            let _ = writeln!(out, "{indent}{}", render_predicate(text, predicate));
        }
        Expr::Opaque(opaque) => {
            let _ = writeln!(
                out,
                "{indent}opaque {} <- {}",
                opaque.reason,
                excerpt(text, opaque.range)
            );
        }
    }
}

fn render_predicate(text: &str, predicate: &Predicate) -> String {
    let mut line = predicate.op.name().to_owned();
    match &predicate.field {
        Some(field) => {
            let _ = write!(line, " {}", field.name);
            if let Some(model) = &field.data_model {
                let _ = write!(line, "@{model}");
            }
        }
        None => line.push_str(" _"),
    }
    if let Some(value) = &predicate.value {
        let _ = write!(
            line,
            " {:?} <- {}",
            value.normalized,
            excerpt(text, value.range)
        );
    }
    let mut flags = Vec::new();
    if !predicate.written_op.is_empty() {
        flags.push(predicate.written_op.clone());
    }
    if predicate.case_sensitive {
        flags.push("cs".to_owned());
    }
    match predicate.context {
        PredicateContext::Source => {}
        PredicateContext::Computed => flags.push("computed".to_owned()),
        PredicateContext::Threshold => flags.push("threshold".to_owned()),
        PredicateContext::TimeWindow => flags.push("time-window".to_owned()),
    }
    if !flags.is_empty() {
        let _ = write!(line, " [{}]", flags.join(" "));
    }
    line
}
