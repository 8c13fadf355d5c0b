//! Navigation as plain data: document symbols, go to definition, find references, rename,
//! and folding ranges.
//!
//! Ranges are byte offsets; folding ranges are zero-based line numbers.

use crate::lints::FileInput;
use rulelens_syntax::TextRange;

/// What a symbol is, for the editor's outline icon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SymbolKind {
    /// A whole rule (one YAML document).
    Rule,
    /// A Sigma selection.
    Selection,
    /// A Sigma condition.
    Condition,
    /// A KQL `let` binding.
    Binding,
    /// An SPL macro call.
    Macro,
}

/// One entry of the document outline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    pub name: String,
    pub kind: SymbolKind,
    /// The whole extent of the symbol.
    pub range: TextRange,
    /// The name, which the editor selects.
    pub name_range: TextRange,
    pub children: Vec<Symbol>,
}

/// A foldable block of lines, both inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fold {
    pub start_line: u32,
    pub end_line: u32,
}

/// Folding ranges from indentation: a line followed by more-indented lines folds down to the
/// last of them. This fits YAML, and the indented pipelines of KQL and SPL. TOML tables fold
/// from their `[header]` to the line before the next header.
pub fn folding_ranges(input: &FileInput<'_>) -> Vec<Fold> {
    let lines: Vec<&str> = input.text.lines().collect();
    let mut folds = Vec::new();
    if input.parsed.format == Some(rulelens_syntax::Format::ElasticToml) {
        toml_folds(&lines, &mut folds);
        return folds;
    }
    // A stack of (line, indentation) of lines whose block is still open.
    let mut open: Vec<(usize, usize)> = Vec::new();
    let mut last_content = 0;
    for (number, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        while let Some(&(start, start_indent)) = open.last() {
            if indent > start_indent {
                break;
            }
            open.pop();
            push_fold(&mut folds, start, last_content);
        }
        open.push((number, indent));
        last_content = number;
    }
    while let Some((start, _)) = open.pop() {
        push_fold(&mut folds, start, last_content);
    }
    folds.sort_by_key(|fold| (fold.start_line, fold.end_line));
    folds
}

fn toml_folds(lines: &[&str], folds: &mut Vec<Fold>) {
    let mut header: Option<usize> = None;
    let mut last_content = 0;
    for (number, line) in lines.iter().enumerate() {
        if line.trim_start().starts_with('[') && !line.starts_with(' ') {
            if let Some(start) = header {
                push_fold(folds, start, last_content);
            }
            header = Some(number);
        }
        if !line.trim().is_empty() {
            last_content = number;
        }
    }
    if let Some(start) = header {
        push_fold(folds, start, last_content);
    }
}

fn push_fold(folds: &mut Vec<Fold>, start: usize, end: usize) {
    if end > start {
        folds.push(Fold {
            start_line: u32::try_from(start).unwrap_or(u32::MAX),
            end_line: u32::try_from(end).unwrap_or(u32::MAX),
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rulelens_syntax::{Format, ParsedFile};

    fn folds(format: Format, text: &str) -> Vec<(u32, u32)> {
        let parsed = ParsedFile {
            format: Some(format),
            ..ParsedFile::default()
        };
        let input = FileInput {
            path: "rule",
            text,
            parsed: &parsed,
        };
        folding_ranges(&input)
            .into_iter()
            .map(|fold| (fold.start_line, fold.end_line))
            .collect()
    }

    #[test]
    fn yaml_folds_by_indentation() {
        let text = "title: x\nlogsource:\n  product: windows\ndetection:\n  selection:\n    \
Image: a\n\n    User: b\n  condition: selection\nlevel: low\n";
        assert_eq!(folds(Format::Sigma, text), vec![(1, 2), (3, 8), (4, 7)]);
    }

    #[test]
    fn toml_folds_by_table() {
        let text =
            "[metadata]\ncreation_date = \"x\"\n\n[rule]\nname = \"y\"\nquery = '''\na\n'''\n";
        assert_eq!(folds(Format::ElasticToml, text), vec![(0, 1), (3, 7)]);
    }
}
