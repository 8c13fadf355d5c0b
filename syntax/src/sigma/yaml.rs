//! A light YAML tree with byte ranges, built from the `saphyr-parser` event stream.
//!
//! `saphyr-parser` counts positions in characters; this module converts them to byte offsets
//! into the file text. The tree keeps what Sigma needs: scalars with their style, sequences and
//! mappings whose keys keep their own ranges. Aliases are expanded from their anchors within a
//! node budget, so an alias bomb ("billion laughs") stops with a diagnostic instead of filling
//! memory, and nesting deeper than [`MAX_DEPTH`] is reported rather than built.
//!
//! After a syntax error the open containers are closed at the error position, so a half-typed
//! document still yields the part that was read.

use crate::diagnostic::Diagnostic;
use crate::ir::TextRange;
use saphyr_parser::{Event, Parser, ScalarStyle, Span};
use std::borrow::Cow;
use std::collections::HashMap;

/// The lint id of every YAML syntax error.
pub const YAML_SYNTAX: &str = "syntax/yaml";

/// Containers nested deeper than this are not built. Sigma rules nest four levels.
pub const MAX_DEPTH: usize = 256;

/// The number of nodes alias expansion may copy in one file. Sigma rules use no aliases, so
/// any real file stays far below it.
pub const MAX_ALIAS_NODES: usize = 10_000;

/// The style a scalar was written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

/// A node of the YAML tree.
#[derive(Clone, Debug, PartialEq)]
pub struct Node<'a> {
    pub kind: NodeKind<'a>,
    /// The node's text. A quoted scalar's range includes its quotes; a block scalar's range
    /// starts at its first content line, after the `|` or `>` indicator line.
    pub range: TextRange,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind<'a> {
    /// The value borrows from the file text where no unquoting or folding changed it.
    Scalar {
        value: Cow<'a, str>,
        style: Style,
    },
    Sequence(Vec<Node<'a>>),
    Mapping(Vec<(Node<'a>, Node<'a>)>),
}

impl<'a> Node<'a> {
    /// Returns the scalar's text, or `None` for a collection.
    pub fn as_str(&self) -> Option<&str> {
        match &self.kind {
            NodeKind::Scalar { value, .. } => Some(value),
            _ => None,
        }
    }

    /// Returns whether the node is a plain scalar that YAML reads as null (`null`, `~`, or
    /// nothing).
    pub fn is_null(&self) -> bool {
        matches!(
            &self.kind,
            NodeKind::Scalar { value, style: Style::Plain }
                if matches!(value.as_ref(), "" | "~" | "null" | "Null" | "NULL")
        )
    }

    pub fn as_mapping(&self) -> Option<&[(Node<'a>, Node<'a>)]> {
        match &self.kind {
            NodeKind::Mapping(entries) => Some(entries),
            _ => None,
        }
    }

    pub fn as_sequence(&self) -> Option<&[Node<'a>]> {
        match &self.kind {
            NodeKind::Sequence(items) => Some(items),
            _ => None,
        }
    }

    /// Returns the value of the last entry whose key is the scalar `key`. The last one wins, as
    /// in PyYAML, which Sigma's own tools use.
    pub fn get(&self, key: &str) -> Option<&Node<'a>> {
        self.entry(key).map(|(_, value)| value)
    }

    /// Returns the key node and value node of the last entry named `key`.
    pub fn entry(&self, key: &str) -> Option<(&Node<'a>, &Node<'a>)> {
        self.as_mapping()?
            .iter()
            .rev()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(k, v)| (k, v))
    }

    /// Returns a short noun for the node's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            NodeKind::Scalar { .. } if self.is_null() => "null",
            NodeKind::Scalar { .. } => "a scalar",
            NodeKind::Sequence(_) => "a list",
            NodeKind::Mapping(_) => "a mapping",
        }
    }

    fn count_nodes(&self) -> usize {
        match &self.kind {
            NodeKind::Scalar { .. } => 1,
            NodeKind::Sequence(items) => 1 + items.iter().map(Node::count_nodes).sum::<usize>(),
            NodeKind::Mapping(entries) => {
                1 + entries
                    .iter()
                    .map(|(k, v)| k.count_nodes() + v.count_nodes())
                    .sum::<usize>()
            }
        }
    }

    /// Maps each character of a scalar's value to its byte offset in the file, and adds one
    /// entry for the end.
    ///
    /// Plain and quoted scalars whose value is their text are mapped exactly. Other scalars
    /// (escapes, folded lines) are aligned character by character: each value character maps
    /// to the next equal source character, and a space made from a line break maps to the
    /// break. An escape sequence that stands for a different character maps near its place.
    pub fn char_offsets(&self, file_text: &str) -> Vec<usize> {
        let NodeKind::Scalar { value, style } = &self.kind else {
            return vec![self.range.start()];
        };
        let source = file_text.get(self.range.as_range()).unwrap_or("");
        let base = self.range.start();
        let inner_start = match style {
            Style::SingleQuoted | Style::DoubleQuoted => 1,
            _ => 0,
        };
        let inner = source.get(inner_start..).unwrap_or("");
        if inner.starts_with(value.as_ref()) {
            let mut offsets: Vec<usize> = value
                .char_indices()
                .map(|(i, _)| base + inner_start + i)
                .collect();
            offsets.push(base + inner_start + value.len());
            return offsets;
        }
        align_offsets(inner, base + inner_start, value)
    }
}

/// Maps each character of `value` to the next matching character of `source`.
fn align_offsets(source: &str, base: usize, value: &str) -> Vec<usize> {
    let source_chars: Vec<(usize, char)> = source.char_indices().collect();
    let mut offsets = Vec::with_capacity(value.len() + 1);
    let mut cursor = 0;
    for wanted in value.chars() {
        let found = source_chars
            .get(cursor..)
            .unwrap_or(&[])
            .iter()
            .position(|&(_, c)| c == wanted || (wanted == ' ' && (c == '\n' || c == '\r')));
        match found {
            Some(step) => {
                cursor += step;
                offsets.push(base + source_chars.get(cursor).map_or(source.len(), |p| p.0));
                cursor += 1;
            }
            None => offsets.push(base + source_chars.get(cursor).map_or(source.len(), |&(i, _)| i)),
        }
    }
    offsets.push(base + source_chars.get(cursor).map_or(source.len(), |p| p.0));
    offsets
}

/// One YAML document of a file.
#[derive(Clone, Debug)]
pub struct YamlDocument<'a> {
    /// `None` for an empty document.
    pub root: Option<Node<'a>>,
    pub range: TextRange,
    /// False when a syntax error cut the document short.
    pub complete: bool,
}

/// Every document of a YAML file, and the syntax errors met.
#[derive(Clone, Debug, Default)]
pub struct YamlFile<'a> {
    pub documents: Vec<YamlDocument<'a>>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Converts `saphyr` character indices to byte offsets with a cursor, because the parser
/// reports positions mostly in increasing order.
struct CharToByte<'a> {
    text: &'a str,
    ascii: bool,
    char_index: usize,
    byte_offset: usize,
}

impl<'a> CharToByte<'a> {
    fn new(text: &'a str) -> CharToByte<'a> {
        CharToByte {
            text,
            ascii: text.is_ascii(),
            char_index: 0,
            byte_offset: 0,
        }
    }

    fn offset(&mut self, char_index: usize) -> usize {
        if self.ascii {
            return char_index.min(self.text.len());
        }
        while self.char_index < char_index {
            let Some(c) = self
                .text
                .get(self.byte_offset..)
                .and_then(|s| s.chars().next())
            else {
                return self.text.len();
            };
            self.byte_offset += c.len_utf8();
            self.char_index += 1;
        }
        while self.char_index > char_index {
            let Some(c) = self
                .text
                .get(..self.byte_offset)
                .and_then(|s| s.chars().next_back())
            else {
                break;
            };
            self.byte_offset -= c.len_utf8();
            self.char_index -= 1;
        }
        self.byte_offset
    }

    fn range(&mut self, span: Span) -> TextRange {
        let start = self.offset(span.start.index());
        let end = self.offset(span.end.index()).max(start);
        TextRange::new(start, end)
    }
}

/// An open container while events are read.
enum Open<'a> {
    Sequence {
        items: Vec<Node<'a>>,
        start: usize,
        anchor: usize,
    },
    Mapping {
        entries: Vec<(Node<'a>, Node<'a>)>,
        pending_key: Option<Node<'a>>,
        start: usize,
        anchor: usize,
    },
}

struct Builder<'a> {
    positions: CharToByte<'a>,
    stack: Vec<Open<'a>>,
    anchors: HashMap<usize, Node<'a>>,
    alias_nodes_left: usize,
    alias_budget_reported: bool,
    /// Containers opened past [`MAX_DEPTH`] that are skipped until they close.
    skipped_depth: usize,
    /// The start offset of the outermost skipped container.
    skipped_start: usize,
    root: Option<Node<'a>>,
    diagnostics: Vec<Diagnostic>,
}

impl<'a> Builder<'a> {
    /// Adds a finished node to the innermost open container, or makes it the root.
    fn push(&mut self, node: Node<'a>, anchor: usize) {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            Some(Open::Sequence { items, .. }) => items.push(node),
            Some(Open::Mapping {
                entries,
                pending_key,
                ..
            }) => match pending_key.take() {
                Some(key) => entries.push((key, node)),
                None => *pending_key = Some(node),
            },
            None => self.root = Some(node),
        }
    }

    fn open(&mut self, container: Open<'a>, range: TextRange) {
        if self.skipped_depth > 0 || self.stack.len() >= MAX_DEPTH {
            if self.skipped_depth == 0 {
                self.skipped_start = range.start();
                self.diagnostics.push(Diagnostic::error(
                    YAML_SYNTAX,
                    range,
                    format!("YAML nesting is deeper than {MAX_DEPTH} levels; flatten this part"),
                ));
            }
            self.skipped_depth += 1;
            return;
        }
        self.stack.push(container);
    }

    /// Closes the innermost container. A flow collection ends at its closing bracket
    /// (`flow_end`); a block collection ends with its last child, not at the next key's line.
    fn close(&mut self, flow_end: Option<usize>) {
        if self.skipped_depth > 0 {
            self.skipped_depth -= 1;
            if self.skipped_depth == 0 {
                // The skipped container still fills its slot, so that keys and values stay
                // paired.
                self.push(
                    Node {
                        kind: NodeKind::Scalar {
                            value: Cow::Borrowed(""),
                            style: Style::Plain,
                        },
                        range: TextRange::new(
                            self.skipped_start,
                            flow_end
                                .unwrap_or(self.skipped_start)
                                .max(self.skipped_start),
                        ),
                    },
                    0,
                );
            }
            return;
        }
        let Some(open) = self.stack.pop() else {
            return;
        };
        let (node, anchor) = match open {
            Open::Sequence {
                items,
                start,
                anchor,
            } => {
                let last_child_end = items.last().map_or(start + 1, |item| item.range.end());
                let flow_end = flow_end.map(|end| self.closing_bracket(last_child_end, end));
                let end = flow_end.unwrap_or(last_child_end).max(start);
                (
                    Node {
                        kind: NodeKind::Sequence(items),
                        range: TextRange::new(start, end),
                    },
                    anchor,
                )
            }
            Open::Mapping {
                mut entries,
                pending_key,
                start,
                anchor,
            } => {
                if let Some(key) = pending_key {
                    // A key without a value, cut short by an error.
                    let value = Node {
                        kind: NodeKind::Scalar {
                            value: Cow::Borrowed(""),
                            style: Style::Plain,
                        },
                        range: TextRange::empty(key.range.end()),
                    };
                    entries.push((key, value));
                }
                let last_child_end = entries
                    .last()
                    .map_or(start + 1, |(_, value)| value.range.end());
                let flow_end = flow_end.map(|end| self.closing_bracket(last_child_end, end));
                let end = flow_end.unwrap_or(last_child_end).max(start);
                (
                    Node {
                        kind: NodeKind::Mapping(entries),
                        range: TextRange::new(start, end),
                    },
                    anchor,
                )
            }
        };
        self.push(node, anchor);
    }

    /// Returns the offset just past the first `]` or `}` in `from..limit`. saphyr-parser 0.3.4
    /// extends the span of a closing bracket over a comment that follows it on the line.
    fn closing_bracket(&self, from: usize, limit: usize) -> usize {
        let bytes = self.positions.text.as_bytes();
        (from..limit)
            .find(|&i| matches!(bytes.get(i), Some(b']' | b'}')))
            .map_or(limit, |i| i + 1)
    }

    fn alias(&mut self, anchor: usize, range: TextRange) {
        let copy = match self.anchors.get(&anchor) {
            Some(node) => {
                let size = node.count_nodes();
                if size <= self.alias_nodes_left {
                    self.alias_nodes_left -= size;
                    Some(node.clone())
                } else if self.alias_budget_reported {
                    None
                } else {
                    self.alias_budget_reported = true;
                    self.diagnostics.push(Diagnostic::error(
                        YAML_SYNTAX,
                        range,
                        format!(
                            "alias expansion exceeds {MAX_ALIAS_NODES} nodes; \
                             write the values out instead of nesting aliases"
                        ),
                    ));
                    None
                }
            }
            None => None,
        };
        let node = copy.unwrap_or(Node {
            kind: NodeKind::Scalar {
                value: Cow::Borrowed(""),
                style: Style::Plain,
            },
            range,
        });
        self.push(node, 0);
    }
}

/// Parses every YAML document of `text`, with the fast reader of the Sigma YAML subset when
/// the text stays inside it, and with `saphyr-parser` otherwise.
pub fn parse(text: &str) -> YamlFile<'_> {
    match super::yaml_subset::parse(text) {
        Some(documents) => YamlFile {
            documents,
            diagnostics: Vec::new(),
        },
        None => parse_full(text),
    }
}

/// Parses every YAML document of `text` with `saphyr-parser`, which reads all of YAML 1.2 and
/// reports syntax errors.
pub fn parse_full(text: &str) -> YamlFile<'_> {
    let mut file = YamlFile::default();
    let mut builder = Builder {
        positions: CharToByte::new(text),
        stack: Vec::new(),
        anchors: HashMap::new(),
        alias_nodes_left: MAX_ALIAS_NODES,
        alias_budget_reported: false,
        skipped_depth: 0,
        skipped_start: 0,
        root: None,
        diagnostics: Vec::new(),
    };
    let mut document_start = 0;
    let mut last_end = 0;
    for result in Parser::new_from_str(text) {
        let (event, span) = match result {
            Ok(pair) => pair,
            Err(error) => {
                let marker = error.marker();
                let mut at = builder.positions.offset(marker.index());
                // saphyr reports a tab error just past the tab; point at the tab itself.
                if error.info().contains("tab")
                    && at > 0
                    && text.as_bytes().get(at - 1) == Some(&b'\t')
                {
                    at -= 1;
                }
                let end = next_char_end(text, at);
                builder.diagnostics.push(Diagnostic::error(
                    YAML_SYNTAX,
                    TextRange::new(at, end),
                    format!("invalid YAML: {}", error.info()),
                ));
                while !builder.stack.is_empty() || builder.skipped_depth > 0 {
                    builder.close(None);
                }
                if let Some(root) = builder.root.take() {
                    file.documents.push(YamlDocument {
                        root: Some(root),
                        range: TextRange::new(document_start, at.max(document_start)),
                        complete: false,
                    });
                }
                break;
            }
        };
        let range = builder.positions.range(span);
        last_end = last_end.max(range.end());
        match event {
            Event::DocumentStart(_) => {
                document_start = range.start();
                builder.root = None;
                builder.anchors.clear();
            }
            Event::DocumentEnd => {
                let end = builder
                    .root
                    .as_ref()
                    .map_or(document_start, |root| root.range.end())
                    .max(document_start);
                file.documents.push(YamlDocument {
                    root: builder.root.take(),
                    range: TextRange::new(document_start, end),
                    complete: true,
                });
            }
            Event::Scalar(value, style, anchor, _tag) => {
                if builder.skipped_depth == 0 {
                    let style = convert_style(style);
                    let node = Node {
                        kind: NodeKind::Scalar { value, style },
                        range: quoted_range(text, range, style),
                    };
                    builder.push(node, anchor);
                }
            }
            Event::SequenceStart(anchor, _tag) => builder.open(
                Open::Sequence {
                    items: Vec::new(),
                    start: range.start(),
                    anchor,
                },
                range,
            ),
            Event::MappingStart(anchor, _tag) => builder.open(
                Open::Mapping {
                    entries: Vec::new(),
                    pending_key: None,
                    start: range.start(),
                    anchor,
                },
                range,
            ),
            Event::SequenceEnd | Event::MappingEnd => {
                builder.close((!range.is_empty()).then_some(range.end()));
            }
            Event::Alias(anchor) => {
                if builder.skipped_depth == 0 {
                    builder.alias(anchor, range);
                }
            }
            Event::StreamStart | Event::StreamEnd | Event::Nothing => {}
        }
    }
    file.diagnostics = builder.diagnostics;
    file
}

/// Trims a quoted scalar's range to its closing quote. `saphyr-parser` 0.3.4 extends the
/// span of a quoted scalar over the spaces and comment that follow it on the line.
fn quoted_range(text: &str, range: TextRange, style: Style) -> TextRange {
    let quote = match style {
        Style::SingleQuoted => b'\'',
        Style::DoubleQuoted => b'"',
        _ => return range,
    };
    let bytes = text.as_bytes();
    let mut position = range.start() + 1;
    while position < range.end() {
        match bytes.get(position) {
            Some(b'\\') if quote == b'"' => position += 2,
            Some(&b) if b == quote => {
                if quote == b'\'' && bytes.get(position + 1) == Some(&b'\'') {
                    position += 2;
                } else {
                    return TextRange::new(range.start(), position + 1);
                }
            }
            _ => position += 1,
        }
    }
    range
}

fn convert_style(style: ScalarStyle) -> Style {
    match style {
        ScalarStyle::Plain => Style::Plain,
        ScalarStyle::SingleQuoted => Style::SingleQuoted,
        ScalarStyle::DoubleQuoted => Style::DoubleQuoted,
        ScalarStyle::Literal => Style::Literal,
        ScalarStyle::Folded => Style::Folded,
    }
}

/// Returns the end of the character at `offset`, so that an error range covers one character.
fn next_char_end(text: &str, offset: usize) -> usize {
    text.get(offset..)
        .and_then(|rest| rest.chars().next())
        .map_or(offset, |c| offset + c.len_utf8())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn root(text: &str) -> Node<'_> {
        let file = parse(text);
        assert!(file.diagnostics.is_empty(), "{:?}", file.diagnostics);
        file.documents
            .into_iter()
            .next()
            .and_then(|d| d.root)
            .unwrap_or_else(|| panic!("no root in {text:?}"))
    }

    fn slice(text: &str, range: TextRange) -> &str {
        &text[range.as_range()]
    }

    #[test]
    fn scalar_ranges_are_bytes_on_multibyte_text() {
        let text = "\u{feff}tïtle: \"é quoted\"\nk2: plain é value\n'ké': 'x''y'\n";
        let root = root(text);
        let entries = root.as_mapping().unwrap_or(&[]);
        assert_eq!(entries.len(), 3);
        assert_eq!(slice(text, entries[0].0.range), "tïtle");
        assert_eq!(slice(text, entries[0].1.range), "\"é quoted\"");
        assert_eq!(slice(text, entries[1].1.range), "plain é value");
        assert_eq!(slice(text, entries[2].0.range), "'ké'");
        assert_eq!(slice(text, entries[2].1.range), "'x''y'");
        assert_eq!(entries[2].1.as_str(), Some("x'y"));
    }

    #[test]
    fn block_scalar_range_starts_at_content() {
        let text = "a: |\n  line é\n  two\nb: x\n";
        let root = root(text);
        let value = root.get("a").map(|n| n.range).unwrap_or_default();
        assert!(slice(text, value).starts_with("line é"));
    }

    #[test]
    fn char_offsets_follow_folded_plain_scalar() {
        let text = "c: sel and\n    not filter\n";
        let root = root(text);
        let node = root.get("c").cloned().unwrap_or_else(|| panic!("no c"));
        assert_eq!(node.as_str(), Some("sel and not filter"));
        let offsets = node.char_offsets(text);
        let not_at = "sel and ".len();
        assert_eq!(offsets[not_at], text.find("not").unwrap_or(0));
        assert_eq!(offsets.len(), "sel and not filter".len() + 1);
    }

    #[test]
    fn char_offsets_skip_quote_escapes() {
        let text = "c: 'it''s é'\n";
        let root = root(text);
        let node = root.get("c").cloned().unwrap_or_else(|| panic!("no c"));
        let offsets = node.char_offsets(text);
        assert_eq!(offsets[3], text.find('s').unwrap_or(0));
        assert_eq!(offsets[5], text.find('é').unwrap_or(0));
    }

    #[test]
    fn multiple_documents_keep_their_ranges() {
        let text = "a: 1\n---\nb: 2\n";
        let file = parse(text);
        assert_eq!(file.documents.len(), 2);
        assert!(slice(text, file.documents[1].range).contains("b: 2"));
    }

    #[test]
    fn syntax_error_keeps_partial_document() {
        let text = "a: 1\nb: [x, y\nc: 3\n";
        let file = parse(text);
        assert_eq!(file.diagnostics.len(), 1);
        assert_eq!(file.diagnostics[0].lint, YAML_SYNTAX);
        assert_eq!(file.documents.len(), 1);
        assert!(!file.documents[0].complete);
        let root = file.documents[0].root.clone();
        assert_eq!(
            root.and_then(|r| r.get("a").cloned())
                .and_then(|n| n.as_str().map(str::to_owned)),
            Some("1".to_owned())
        );
    }

    #[test]
    fn alias_bomb_is_bounded() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..10 {
            let previous = level - 1;
            let refs = vec![format!("*a{previous}"); 10].join(", ");
            text.push_str(&format!("a{level}: &a{level} [{refs}]\n"));
        }
        let file = parse(&text);
        assert_eq!(file.diagnostics.len(), 1, "{:?}", file.diagnostics);
        assert!(file.diagnostics[0].message.contains("alias expansion"));
        assert!(file.diagnostics[0].range.start() > 0);
    }

    #[test]
    fn deep_nesting_is_reported_not_built() {
        let depth = 10_000;
        let text = format!("a: {}{}\n", "[".repeat(depth), "]".repeat(depth));
        let file = parse(&text);
        assert_eq!(file.diagnostics.len(), 1, "{:?}", file.diagnostics);
        // saphyr-parser stops at its own recursion limit just before ours is reached.
        let diagnostic = &file.diagnostics[0];
        assert_eq!(diagnostic.lint, YAML_SYNTAX);
        assert!(diagnostic.range.start() > 3 + 200, "{diagnostic:?}");
        assert!(
            diagnostic.range.start() <= 3 + MAX_DEPTH + 2,
            "{diagnostic:?}"
        );
    }
}
