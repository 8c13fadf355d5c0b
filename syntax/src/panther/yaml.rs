//! Loading Panther YAML into a small node tree with byte ranges, including files `saphyr`
//! rejects.
//!
//! `saphyr` 0.3.4 rejects some YAML that PyYAML, which Panther's own tooling uses, accepts:
//! a flow mapping whose closing `}` sits at its parent key's indentation, and a quoted scalar
//! continued at column 0. Loading therefore goes in three steps:
//!
//! 1. load the text as it is;
//! 2. if that fails, load a repaired copy in which those lines are indented by one more space
//!    (closing `}`/`]` lines, and column-0 lines that do not start a top-level key), mapping
//!    positions back to the original text; such a file gets no diagnostic, because it is
//!    valid YAML;
//! 3. if that fails too, report the error and load each top-level key on its own, so that one
//!    broken key costs only itself.
//!
//! `saphyr` markers count characters and 1-based lines; [`LineIndex::offset_of_char_col`]
//! turns them into byte offsets.

use crate::diagnostic::Diagnostic;
use crate::ir::TextRange;
use crate::line_index::LineIndex;
use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

pub const INVALID_YAML: &str = "syntax/panther-invalid-yaml";

/// The maximum nesting of YAML collections converted; deeper nodes become null.
const MAX_DEPTH: usize = 256;

/// One YAML node with the byte range of its text in the file.
#[derive(Clone, Debug, PartialEq)]
pub struct YamlNode {
    pub value: YamlValue,
    pub range: TextRange,
}

#[derive(Clone, Debug, PartialEq)]
pub enum YamlValue {
    Null,
    Bool(bool),
    Integer(i64),
    Float(f64),
    String(String),
    Sequence(Vec<YamlNode>),
    /// Entries in file order.
    Mapping(Vec<(YamlNode, YamlNode)>),
}

impl YamlNode {
    /// The value of `key` when this node is a mapping with a string key `key`.
    pub fn get(&self, key: &str) -> Option<&YamlNode> {
        match &self.value {
            YamlValue::Mapping(entries) => entries
                .iter()
                .find(|(k, _)| matches!(&k.value, YamlValue::String(s) if s == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            YamlValue::String(s) => Some(s),
            _ => None,
        }
    }

    /// The scalar as text: strings as they are, numbers and booleans as YAML writes them.
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            YamlValue::String(s) => Some(s.clone()),
            YamlValue::Integer(i) => Some(i.to_string()),
            YamlValue::Float(f) => Some(f.to_string()),
            YamlValue::Bool(b) => Some(b.to_string()),
            YamlValue::Null => Some("null".to_owned()),
            _ => None,
        }
    }

    pub fn as_sequence(&self) -> Option<&[YamlNode]> {
        match &self.value {
            YamlValue::Sequence(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_mapping(&self) -> Option<&[(YamlNode, YamlNode)]> {
        match &self.value {
            YamlValue::Mapping(entries) => Some(entries),
            _ => None,
        }
    }

    /// A name for the node's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self.value {
            YamlValue::Null => "null",
            YamlValue::Bool(_) => "a boolean",
            YamlValue::Integer(_) | YamlValue::Float(_) => "a number",
            YamlValue::String(_) => "a string",
            YamlValue::Sequence(_) => "a list",
            YamlValue::Mapping(_) => "a mapping",
        }
    }
}

/// The loaded document, or `None` when nothing could be read, with the diagnostics.
pub fn load(text: &str) -> (Option<YamlNode>, Vec<Diagnostic>) {
    let direct = MarkedYaml::load_from_str(text);
    let first_error = match direct {
        Ok(documents) => {
            let positions = Positions::new(text, text, 0, Vec::new());
            let root = documents.first().map(|d| positions.convert(d, 0));
            return (root, positions.depth_diagnostic().into_iter().collect());
        }
        Err(error) => error,
    };

    let (repaired, shifted_lines) = repair(text);
    if let Ok(documents) = MarkedYaml::load_from_str(&repaired) {
        let positions = Positions::new(text, &repaired, 0, shifted_lines);
        let root = documents.first().map(|d| positions.convert(d, 0));
        return (root, positions.depth_diagnostic().into_iter().collect());
    }

    let marker = first_error.marker();
    let index = LineIndex::new(text);
    let offset = index.offset_of_char_col(text, marker.line().saturating_sub(1), marker.col());
    let diagnostic = Diagnostic::error(
        INVALID_YAML,
        TextRange::empty(offset),
        format!("invalid YAML: {}; fix the syntax here", first_error.info()),
    );
    let root = load_by_top_level_key(text, &repaired, &shifted_lines);
    (root, vec![diagnostic])
}

/// Indents the lines `saphyr` rejects by one space. Returns the new text and, per line,
/// whether a space was inserted.
fn repair(text: &str) -> (String, Vec<bool>) {
    let mut repaired = String::with_capacity(text.len() + 64);
    let mut shifted = Vec::new();
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_start_matches(' ');
        let closes_flow = trimmed.starts_with('}') || trimmed.starts_with(']');
        let at_column_zero = line.len() == trimmed.len()
            && !trimmed.trim().is_empty()
            && !starts_top_level_key(trimmed)
            && !trimmed.starts_with('#')
            && !trimmed.starts_with("---")
            && !trimmed.starts_with("...")
            && !trimmed.starts_with("- ");
        let shift = closes_flow || at_column_zero;
        if shift {
            repaired.push(' ');
        }
        repaired.push_str(line);
        shifted.push(shift);
    }
    (repaired, shifted)
}

fn starts_top_level_key(line: &str) -> bool {
    let Some(colon) = line.find(':') else {
        return false;
    };
    let key = line.get(..colon).unwrap_or_default();
    let after = line.get(colon + 1..).unwrap_or_default();
    !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        && (after.is_empty() || after.starts_with([' ', '\t', '\r', '\n']))
}

/// Loads each top-level key of the repaired text on its own and joins the ones that load.
fn load_by_top_level_key(text: &str, repaired: &str, shifted: &[bool]) -> Option<YamlNode> {
    let mut entries = Vec::new();
    let mut block_starts: Vec<usize> = Vec::new();
    let mut offset = 0;
    for line in repaired.split_inclusive('\n') {
        if starts_top_level_key(line) {
            block_starts.push(offset);
        }
        offset += line.len();
    }
    for (position, &start) in block_starts.iter().enumerate() {
        let end = block_starts
            .get(position + 1)
            .copied()
            .unwrap_or(repaired.len());
        let Some(block) = repaired.get(start..end) else {
            continue;
        };
        let Ok(documents) = MarkedYaml::load_from_str(block) else {
            continue;
        };
        let positions = Positions::new(text, repaired, start, shifted.to_vec());
        if let Some(YamlNode {
            value: YamlValue::Mapping(block_entries),
            ..
        }) = documents.first().map(|d| positions.convert(d, 0))
        {
            entries.extend(block_entries);
        }
    }
    if entries.is_empty() {
        return None;
    }
    Some(YamlNode {
        value: YamlValue::Mapping(entries),
        range: TextRange::new(0, text.len()),
    })
}

/// Turns `saphyr` markers in a loaded text (the file, its repaired copy or one block of it)
/// into byte offsets of the original file.
struct Positions<'a> {
    original: &'a str,
    repaired: &'a str,
    repaired_index: LineIndex,
    /// The line of the repaired text where the loaded text starts.
    block_line: usize,
    shifted_lines: Vec<bool>,
    /// Spaces inserted before each line of the repaired text.
    inserted_before: Vec<usize>,
    /// Set when a node nested deeper than [`MAX_DEPTH`] was replaced by null.
    truncated: std::cell::Cell<bool>,
}

impl<'a> Positions<'a> {
    fn new(
        original: &'a str,
        repaired: &'a str,
        block_start: usize,
        shifted_lines: Vec<bool>,
    ) -> Positions<'a> {
        let repaired_index = LineIndex::new(repaired);
        let block_line = repaired_index.line_of(block_start);
        let mut inserted_before = Vec::with_capacity(shifted_lines.len() + 1);
        let mut total = 0;
        for shifted in &shifted_lines {
            inserted_before.push(total);
            total += usize::from(*shifted);
        }
        inserted_before.push(total);
        Positions {
            original,
            repaired,
            repaired_index,
            block_line,
            shifted_lines,
            inserted_before,
            truncated: std::cell::Cell::new(false),
        }
    }

    /// Reports the depth cut-off, if one happened.
    fn depth_diagnostic(&self) -> Option<Diagnostic> {
        self.truncated.get().then(|| {
            Diagnostic::error(
                INVALID_YAML,
                TextRange::empty(0),
                format!("YAML nests deeper than {MAX_DEPTH} levels; flatten it"),
            )
        })
    }

    /// The original byte offset of a 1-based line and a character column of the loaded text.
    fn offset(&self, marker: &saphyr_parser::Marker) -> usize {
        let line = marker.line().saturating_sub(1) + self.block_line;
        let repaired_offset =
            self.repaired_index
                .offset_of_char_col(self.repaired, line, marker.col());
        let line_start = self.repaired_index.line_start(line);
        let shifted_here = self.shifted_lines.get(line).copied().unwrap_or(false);
        let inserted = self
            .inserted_before
            .get(line)
            .copied()
            .unwrap_or_else(|| self.inserted_before.last().copied().unwrap_or(0));
        let own = usize::from(shifted_here && repaired_offset > line_start);
        let original = repaired_offset.saturating_sub(inserted + own);
        crate::line_index::floor_char_boundary(self.original, original)
    }

    fn convert(&self, node: &MarkedYaml<'_>, depth: usize) -> YamlNode {
        let start = self.offset(&node.span.start);
        let end = self.offset(&node.span.end).max(start);
        let mut range = TextRange::new(start, end);
        if depth > MAX_DEPTH {
            self.truncated.set(true);
            return YamlNode {
                value: YamlValue::Null,
                range,
            };
        }
        let value = match &node.data {
            YamlData::Value(scalar) => scalar_value(scalar),
            YamlData::Representation(text, ..) => YamlValue::String(text.to_string()),
            YamlData::Sequence(items) => {
                YamlValue::Sequence(items.iter().map(|i| self.convert(i, depth + 1)).collect())
            }
            YamlData::Mapping(entries) => YamlValue::Mapping(
                entries
                    .iter()
                    .map(|(k, v)| (self.convert(k, depth + 1), self.convert(v, depth + 1)))
                    .collect(),
            ),
            YamlData::Tagged(_, inner) => return self.convert(inner, depth + 1),
            _ => YamlValue::Null,
        };
        // A flow collection's span stops before its closing bracket; include it.
        let collection = matches!(value, YamlValue::Sequence(_) | YamlValue::Mapping(_));
        let closer = self
            .original
            .get(range.end()..)
            .and_then(|r| r.chars().next());
        if collection && matches!(closer, Some(']' | '}')) {
            range = TextRange::new(range.start(), range.end() + 1);
        }
        YamlNode { value, range }
    }
}

fn scalar_value(scalar: &Scalar<'_>) -> YamlValue {
    match scalar {
        Scalar::Null => YamlValue::Null,
        Scalar::Boolean(b) => YamlValue::Bool(*b),
        Scalar::Integer(i) => YamlValue::Integer(*i),
        Scalar::FloatingPoint(f) => YamlValue::Float(f.into_inner()),
        Scalar::String(s) => YamlValue::String(s.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flow_mapping_closed_at_parent_indent_loads() {
        let text = "A: 1\nTests:\n  - Log: {\n      \"x\": 1\n    }\n    Name: n\n";
        let (root, diagnostics) = load(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let root = root.expect("a document");
        let name = root
            .get("Tests")
            .and_then(|t| t.as_sequence())
            .and_then(|t| t.first())
            .and_then(|t| t.get("Name"))
            .expect("the Name key");
        assert_eq!(&text[name.range.as_range()], "n");
    }

    #[test]
    fn quoted_scalar_continued_at_column_zero() {
        let text = "Description: \"one\ntwo\"\nSeverity: High\n";
        let (root, diagnostics) = load(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        let root = root.expect("a document");
        assert_eq!(
            root.get("Description").and_then(|d| d.as_str()),
            Some("one two")
        );
        let severity = root.get("Severity").expect("severity");
        assert_eq!(&text[severity.range.as_range()], "High");
    }

    #[test]
    fn broken_key_costs_only_itself() {
        let text = "RuleID: a\nTags: [x, \nSeverity: Low\n";
        let (root, diagnostics) = load(text);
        assert_eq!(diagnostics.len(), 1);
        let root = root.expect("the keys that load");
        assert_eq!(root.get("RuleID").and_then(|d| d.as_str()), Some("a"));
        assert_eq!(root.get("Severity").and_then(|d| d.as_str()), Some("Low"));
        assert!(root.get("Tags").is_none());
    }
}
