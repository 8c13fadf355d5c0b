//! Loading Panther YAML into a small node tree with byte ranges, including files `saphyr`
//! rejects.
//!
//! The tree is built straight from the events of `saphyr-parser`, which is faster than
//! building `saphyr`'s own document tree and converting it. `saphyr-parser` 0.3.4 rejects some
//! YAML that PyYAML accepts: a flow mapping whose closing `}` sits at its parent key's
//! indentation, and a quoted scalar continued at column 0. Loading therefore goes in three
//! steps:
//!
//! 1. Load the text as it is.
//! 2. If that fails, load a repaired copy in which those lines are indented by one more space
//!    (closing `}`/`]` lines, and column-0 lines that do not start a top-level key), and map
//!    positions back to the original text. Such a file gets no diagnostic, because it is
//!    valid YAML.
//! 3. If that fails too, report the error and load each top-level key on its own, so that one
//!    broken key costs only itself.
//!
//! Parser markers count characters and 1-based lines. In an ASCII file loaded as it is, a
//! character index is the byte offset; otherwise [`LineIndex::offset_of_char_col`] converts.

use crate::diagnostic::Diagnostic;
use crate::ir::TextRange;
use crate::line_index::LineIndex;
use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span, SpannedEventReceiver};
use std::borrow::Cow;
use std::ops::Range;

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
    /// Returns the value of `key` when this node is a mapping with the string key `key`.
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

    /// Returns the scalar as text: strings as they are, numbers and booleans as YAML writes them.
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

    /// Returns a name for the node's type, for messages.
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

/// Loads the first document of `text`, or `None` when nothing could be read, with the
/// diagnostics.
pub fn load(text: &str) -> (Option<YamlNode>, Vec<Diagnostic>) {
    let direct = Positions::new(text, true, 0, Vec::new());
    let first_error = match build(text, &direct) {
        Ok(root) => return (root, direct.depth_diagnostic().into_iter().collect()),
        Err(error) => error,
    };

    let (repaired, shifted_lines) = repair(text);
    let positions = Positions::new(text, false, 0, shifted_lines.clone());
    if let Ok(root) = build(&repaired, &positions) {
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

/// Loads `text` with the whole lines of `skipped` emptied, so that their content costs no
/// parsing; ranges still point into `text`. Falls back to [`load`] when that fails.
pub fn load_skipping(
    text: &str,
    skipped: Option<Range<usize>>,
) -> (Option<YamlNode>, Vec<Diagnostic>) {
    let Some(range) = skipped else {
        return load(text);
    };
    let parts = (
        text.get(..range.start),
        text.get(range.clone()),
        text.get(range.end..),
    );
    let (Some(before), Some(inside), Some(after)) = parts else {
        return load(text);
    };
    let mut emptied = String::with_capacity(before.len() + after.len() + 256);
    emptied.push_str(before);
    emptied.extend(std::iter::repeat_n('\n', inside.matches('\n').count()));
    emptied.push_str(after);
    let positions = Positions::new(text, false, 0, Vec::new());
    match build(&emptied, &positions) {
        Ok(root) => (root, positions.depth_diagnostic().into_iter().collect()),
        Err(_) => load(text),
    }
}

/// Runs the `saphyr` event parser over `text` and builds the first document.
fn build(text: &str, positions: &Positions<'_>) -> Result<Option<YamlNode>, ScanError> {
    let mut builder = Builder {
        positions,
        stack: Vec::new(),
        root: None,
        skipped_depth: 0,
    };
    Parser::new_from_str(text).load(&mut builder, false)?;
    Ok(builder.root)
}

/// A collection whose items are still arriving.
enum Frame {
    Sequence(Vec<YamlNode>, usize),
    Mapping(Vec<(YamlNode, YamlNode)>, Option<YamlNode>, usize),
}

/// Builds [`YamlNode`]s from parser events.
struct Builder<'p, 'a> {
    positions: &'p Positions<'a>,
    stack: Vec<Frame>,
    root: Option<YamlNode>,
    /// Collections opened past [`MAX_DEPTH`] and not closed yet; their content is dropped.
    skipped_depth: usize,
}

impl<'input> SpannedEventReceiver<'input> for Builder<'_, '_> {
    fn on_event(&mut self, event: Event<'input>, span: Span) {
        match event {
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if self.skipped_depth > 0 || self.stack.len() >= MAX_DEPTH {
                    self.positions.truncated.set(true);
                    self.skipped_depth += 1;
                    return;
                }
                let start = self.positions.offset(&span.start);
                self.stack
                    .push(if matches!(event, Event::SequenceStart(..)) {
                        Frame::Sequence(Vec::new(), start)
                    } else {
                        Frame::Mapping(Vec::new(), None, start)
                    });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if self.skipped_depth > 0 {
                    self.skipped_depth -= 1;
                    if self.skipped_depth == 0 {
                        let at = self.positions.offset(&span.end);
                        self.add(YamlNode {
                            value: YamlValue::Null,
                            range: TextRange::empty(at),
                        });
                    }
                    return;
                }
                let Some(frame) = self.stack.pop() else {
                    return;
                };
                let end = self.positions.offset(&span.end);
                let (value, start) = match frame {
                    Frame::Sequence(items, start) => (YamlValue::Sequence(items), start),
                    Frame::Mapping(entries, _, start) => (YamlValue::Mapping(entries), start),
                };
                let mut end = end.max(start);
                // A flow collection's span stops before its closing bracket; include it.
                let closer = self
                    .positions
                    .original
                    .get(end..)
                    .and_then(|r| r.chars().next());
                if matches!(closer, Some(']' | '}')) {
                    end += 1;
                }
                self.add(YamlNode {
                    value,
                    range: TextRange::new(start, end),
                });
            }
            Event::Scalar(text, style, ..) => {
                if self.skipped_depth > 0 {
                    return;
                }
                let start = self.positions.offset(&span.start);
                let end = self.positions.offset(&span.end).max(start);
                self.add(YamlNode {
                    value: resolve_scalar(text, style),
                    range: TextRange::new(start, end),
                });
            }
            Event::Alias(..) if self.skipped_depth == 0 => {
                let at = self.positions.offset(&span.start);
                self.add(YamlNode {
                    value: YamlValue::Null,
                    range: TextRange::empty(at),
                });
            }
            _ => {}
        }
    }
}

impl Builder<'_, '_> {
    fn add(&mut self, node: YamlNode) {
        match self.stack.last_mut() {
            Some(Frame::Sequence(items, _)) => items.push(node),
            Some(Frame::Mapping(entries, pending_key, _)) => match pending_key.take() {
                Some(key) => entries.push((key, node)),
                None => *pending_key = Some(node),
            },
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
        }
    }
}

/// Resolves a scalar with the YAML 1.2 core schema: quoted scalars are strings, plain ones
/// may be null, booleans, integers or floats.
fn resolve_scalar(text: Cow<'_, str>, style: ScalarStyle) -> YamlValue {
    if style != ScalarStyle::Plain {
        return YamlValue::String(text.into_owned());
    }
    match text.as_ref() {
        "" | "~" | "null" | "Null" | "NULL" => return YamlValue::Null,
        "true" | "True" | "TRUE" => return YamlValue::Bool(true),
        "false" | "False" | "FALSE" => return YamlValue::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return YamlValue::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return YamlValue::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return YamlValue::Float(f64::NAN),
        _ => {}
    }
    if let Some(integer) = parse_integer(&text) {
        return YamlValue::Integer(integer);
    }
    let looks_float = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && text.bytes().any(|b| b.is_ascii_digit());
    if looks_float {
        if let Ok(float) = text.parse::<f64>() {
            return YamlValue::Float(float);
        }
    }
    YamlValue::String(text.into_owned())
}

fn parse_integer(text: &str) -> Option<i64> {
    if let Some(hex) = text.strip_prefix("0x") {
        return i64::from_str_radix(hex, 16).ok();
    }
    if let Some(octal) = text.strip_prefix("0o") {
        return i64::from_str_radix(octal, 8).ok();
    }
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
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

pub(crate) fn starts_top_level_key(line: &str) -> bool {
    let starts_like_key = line
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
    if !starts_like_key {
        return false;
    }
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
        let block_line = repaired
            .get(..start)
            .map_or(0, |before| before.matches('\n').count());
        let positions = Positions::new(text, false, block_line, shifted.to_vec());
        let Ok(Some(YamlNode {
            value: YamlValue::Mapping(block_entries),
            ..
        })) = build(block, &positions)
        else {
            continue;
        };
        entries.extend(block_entries);
    }
    if entries.is_empty() {
        return None;
    }
    Some(YamlNode {
        value: YamlValue::Mapping(entries),
        range: TextRange::new(0, text.len()),
    })
}

/// Turns parser markers in a loaded text (the file, its repaired copy, one block of it, or a
/// copy with a block emptied) into byte offsets of the original file. Every such text keeps
/// the original's line numbering, and a column differs only on a line the repair indented.
struct Positions<'a> {
    original: &'a str,
    index: LineIndex,
    /// The line of the original text where the loaded text starts.
    block_line: usize,
    /// Per line: the repair inserted one space at its start.
    shifted_lines: Vec<bool>,
    /// The loaded text is the original, so a character index is a character offset.
    identity: bool,
    ascii: bool,
    /// Set when a node nested deeper than [`MAX_DEPTH`] was replaced by null.
    truncated: std::cell::Cell<bool>,
}

impl<'a> Positions<'a> {
    fn new(
        original: &'a str,
        identity: bool,
        block_line: usize,
        shifted_lines: Vec<bool>,
    ) -> Positions<'a> {
        Positions {
            original,
            index: LineIndex::new(original),
            block_line,
            shifted_lines,
            identity,
            ascii: original.is_ascii(),
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

    /// Converts a marker (a 1-based line and a character column of the loaded text) to a
    /// byte offset of the original text.
    fn offset(&self, marker: &saphyr_parser::Marker) -> usize {
        if self.identity && self.ascii {
            return marker.index().min(self.original.len());
        }
        let line = marker.line().saturating_sub(1) + self.block_line;
        let shifted = self.shifted_lines.get(line).copied().unwrap_or(false);
        let col = if shifted {
            marker.col().saturating_sub(1)
        } else {
            marker.col()
        };
        if self.ascii {
            self.index.offset_of_byte_col(self.original, line, col)
        } else {
            self.index.offset_of_char_col(self.original, line, col)
        }
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
