//! A fast reader for the YAML subset that Sigma rules are written in, building the same tree
//! as [`super::yaml`] directly from the text.
//!
//! The subset: block mappings and sequences indented with spaces, plain scalars (also over
//! several lines), single- and double-quoted scalars, literal block scalars (`|`, `|-`, `|+`),
//! one-line flow sequences of scalars, comments, and `---` between documents. Anything else
//! (anchors, aliases, tags, flow mappings, folded block scalars, tabs, directives, blank lines
//! inside a multi-line scalar, or any syntax error) makes [`parse`] return `None`, and the
//! caller falls back to the full parser, which also reports the errors. A corpus test checks
//! that both readers build equal trees for every file this one accepts.

use super::yaml::{Node, NodeKind, Style, YamlDocument};
use crate::ir::TextRange;
use std::borrow::Cow;

/// Nesting deeper than this is left to the full parser, which reports it.
const MAX_DEPTH: usize = 64;

/// One line of the text, without its line break.
#[derive(Clone, Copy, Debug)]
struct Line {
    start: usize,
    end: usize,
    /// The number of leading spaces.
    indent: usize,
    /// True for a line with only spaces, or only a comment after them.
    blank: bool,
}

/// Returned when the text leaves the subset.
#[derive(Debug)]
struct Unsupported;

type Result<T> = std::result::Result<T, Unsupported>;

struct Reader<'a> {
    text: &'a str,
    bytes: &'a [u8],
    lines: Vec<Line>,
    depth: usize,
}

/// Reads every document of `text`, or returns `None` when the text leaves the subset.
pub fn parse(text: &str) -> Option<Vec<YamlDocument<'_>>> {
    let lines = split_lines(text).ok()?;
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        lines,
        depth: 0,
    };
    reader.documents().ok()
}

fn split_lines(text: &str) -> Result<Vec<Line>> {
    let bytes = text.as_bytes();
    let mut lines = Vec::with_capacity(bytes.len() / 24 + 1);
    let mut start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    while start < bytes.len() {
        let rest = bytes.get(start..).unwrap_or(&[]);
        let newline = rest.iter().position(|&b| b == b'\n');
        let next = newline.map_or(bytes.len(), |at| start + at + 1);
        let mut end = newline.map_or(bytes.len(), |at| start + at);
        if end > start && bytes.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        let line = bytes.get(start..end).unwrap_or(&[]);
        if line.contains(&b'\t') || line.contains(&b'\r') {
            return Err(Unsupported);
        }
        let indent = line.iter().take_while(|&&b| b == b' ').count();
        let blank = matches!(line.get(indent), None | Some(b'#'));
        lines.push(Line {
            start,
            end,
            indent,
            blank,
        });
        start = next;
    }
    Ok(lines)
}

fn is_space_or_end(byte: Option<&u8>) -> bool {
    matches!(byte, None | Some(b' '))
}

impl<'a> Reader<'a> {
    fn line(&self, index: usize) -> Result<Line> {
        self.lines.get(index).copied().ok_or(Unsupported)
    }

    fn byte(&self, offset: usize) -> Option<&u8> {
        self.bytes.get(offset)
    }

    fn slice(&self, start: usize, end: usize) -> Result<&'a str> {
        self.text.get(start..end).ok_or(Unsupported)
    }

    /// Returns the index of the next non-blank line at or after `index`.
    fn next_content(&self, mut index: usize) -> usize {
        while self.lines.get(index).is_some_and(|line| line.blank) {
            index += 1;
        }
        index
    }

    fn is_marker(&self, line: Line, marker: &[u8]) -> bool {
        line.indent == 0
            && self.bytes.get(line.start..line.start + 3) == Some(marker)
            && (line.start + 3 == line.end || self.byte(line.start + 3) == Some(&b' '))
    }

    fn documents(&mut self) -> Result<Vec<YamlDocument<'a>>> {
        let mut documents = Vec::new();
        let mut index = self.next_content(0);
        let mut explicit_start: Option<usize> = None;
        while index < self.lines.len() {
            let line = self.line(index)?;
            if self.is_marker(line, b"...") || self.byte(line.start) == Some(&b'%') {
                return Err(Unsupported);
            }
            if self.is_marker(line, b"---") {
                if line.start + 3 != line.end
                    && !self
                        .slice(line.start + 3, line.end)?
                        .trim_start()
                        .starts_with('#')
                {
                    return Err(Unsupported);
                }
                if let Some(start) = explicit_start {
                    // An empty document between two markers.
                    documents.push(empty_document(start));
                }
                explicit_start = Some(line.start);
                index = self.next_content(index + 1);
                continue;
            }
            let (root, next) = self.block_node(index, line.start + line.indent, None)?;
            let start = explicit_start.unwrap_or(root.range.start());
            documents.push(YamlDocument {
                range: TextRange::new(start, root.range.end().max(start)),
                root: Some(root),
                complete: true,
            });
            explicit_start = None;
            index = self.next_content(next);
            if let Some(line) = self.lines.get(index) {
                if !self.is_marker(*line, b"---") {
                    return Err(Unsupported);
                }
            }
        }
        if let Some(start) = explicit_start {
            documents.push(empty_document(start));
        }
        Ok(documents)
    }

    /// Reads the node that starts at byte `at` on line `index`. `parent_indent` is the
    /// indentation of the enclosing block (`None` at the document root); continuation lines
    /// must be indented deeper. Returns the node and the index of the line after it.
    fn block_node(
        &mut self,
        index: usize,
        at: usize,
        parent_indent: Option<usize>,
    ) -> Result<(Node<'a>, usize)> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Unsupported);
        }
        let line = self.line(index)?;
        let column = at - line.start;
        let result = if self.byte(at) == Some(&b'-') && is_space_or_end(self.byte(at + 1)) {
            self.block_sequence(index, column)
        } else if self.key_end(at, line.end)?.is_some() {
            self.block_mapping(index, column)
        } else {
            self.scalar_value(index, at, parent_indent)
        };
        self.depth -= 1;
        result
    }

    /// If a mapping key starts at `at`, returns the range of the key text and the offset of
    /// its colon.
    fn key_end(&self, at: usize, line_end: usize) -> Result<Option<(TextRange, usize)>> {
        match self.byte(at) {
            Some(b'\'' | b'"') => {
                let close = self.quote_end_on_line(at, line_end)?;
                let Some(close) = close else {
                    return Ok(None);
                };
                let mut colon = close;
                while self.byte(colon) == Some(&b' ') {
                    colon += 1;
                }
                let is_key = colon < line_end
                    && self.byte(colon) == Some(&b':')
                    && is_space_or_end(self.bytes.get(colon + 1).filter(|_| colon + 1 < line_end));
                Ok(is_key.then_some((TextRange::new(at, close), colon)))
            }
            Some(b'[' | b'{' | b'&' | b'*' | b'!' | b'|' | b'>' | b'%' | b'@' | b'`' | b'?') => {
                Ok(None)
            }
            _ => {
                let mut position = at;
                while position < line_end {
                    let byte = self.byte(position);
                    if byte == Some(&b':')
                        && (position + 1 == line_end || self.byte(position + 1) == Some(&b' '))
                    {
                        let key = self.slice(at, position)?.trim_end();
                        if key.is_empty() {
                            return Err(Unsupported);
                        }
                        return Ok(Some((TextRange::new(at, at + key.len()), position)));
                    }
                    if byte == Some(&b'#') && self.byte(position - 1) == Some(&b' ') {
                        return Ok(None);
                    }
                    position += 1;
                }
                Ok(None)
            }
        }
    }

    /// Returns the offset just past the closing quote of the quoted scalar at `at`, if it
    /// closes on this line.
    fn quote_end_on_line(&self, at: usize, line_end: usize) -> Result<Option<usize>> {
        let quote = *self.byte(at).ok_or(Unsupported)?;
        Ok(self.find_close(quote, at + 1, line_end))
    }

    /// Returns the offset just past the first closing `quote` in `from..line_end`. It skips
    /// `''` in single quotes and backslash escapes in double quotes.
    fn find_close(&self, quote: u8, from: usize, line_end: usize) -> Option<usize> {
        let mut position = from;
        while position < line_end {
            match self.byte(position) {
                Some(b'\\') if quote == b'"' => position += 2,
                Some(&b) if b == quote => {
                    if quote == b'\'' && self.byte(position + 1) == Some(&b'\'') {
                        position += 2;
                    } else {
                        return Some(position + 1);
                    }
                }
                _ => position += 1,
            }
        }
        None
    }

    fn block_mapping(&mut self, first_index: usize, column: usize) -> Result<(Node<'a>, usize)> {
        let mut entries = Vec::new();
        let mut index = first_index;
        let mut at = self.line(index)?.start + column;
        let start = at;
        loop {
            let line = self.line(index)?;
            let (key_range, colon) = self.key_end(at, line.end)?.ok_or(Unsupported)?;
            let key = self.key_node(key_range)?;
            let mut value_at = colon + 1;
            while value_at < line.end && self.byte(value_at) == Some(&b' ') {
                value_at += 1;
            }
            let rest_is_empty = value_at >= line.end || self.byte(value_at) == Some(&b'#');
            let (value, next) = if rest_is_empty {
                self.nested_value(index, column, colon)?
            } else {
                self.scalar_value(index, value_at, Some(column))?
            };
            entries.push((key, value));

            let following = self.next_content(next);
            let Some(next_line) = self.lines.get(following).copied() else {
                index = following;
                break;
            };
            if next_line.indent < column || self.is_marker(next_line, b"---") {
                index = following;
                break;
            }
            if next_line.indent > column {
                return Err(Unsupported);
            }
            index = following;
            at = next_line.start + column;
        }
        let end = entries.last().map_or(start, |(_, value)| value.range.end());
        Ok((
            Node {
                kind: NodeKind::Mapping(entries),
                range: TextRange::new(start, end.max(start)),
            },
            index,
        ))
    }

    /// Reads the value of a key whose line ends after the colon: a block on the next lines, or a
    /// null scalar at `null_offset` (the colon, where saphyr-parser puts it).
    fn nested_value(
        &mut self,
        key_index: usize,
        key_column: usize,
        null_offset: usize,
    ) -> Result<(Node<'a>, usize)> {
        let following = self.next_content(key_index + 1);
        if let Some(line) = self.lines.get(following).copied() {
            let starts_sequence = self.byte(line.start + line.indent) == Some(&b'-')
                && is_space_or_end(
                    self.bytes
                        .get(line.start + line.indent + 1)
                        .filter(|_| line.start + line.indent + 1 < line.end),
                );
            let deeper = line.indent > key_column;
            let same_column_sequence = line.indent == key_column && starts_sequence;
            if (deeper || same_column_sequence) && !self.is_marker(line, b"---") {
                let (mut node, next) =
                    self.block_node(following, line.start + line.indent, Some(key_column))?;
                if same_column_sequence && !deeper {
                    // saphyr-parser starts a sequence written at its key's indentation at the
                    // first item's value rather than at the dash; match it.
                    if let NodeKind::Sequence(items) = &node.kind {
                        let first = items
                            .first()
                            .map_or(node.range.start(), |i| i.range.start());
                        node.range = TextRange::new(first.min(node.range.end()), node.range.end());
                    }
                }
                return Ok((node, next));
            }
        }
        Ok((null_at(null_offset), key_index + 1))
    }

    fn block_sequence(&mut self, first_index: usize, column: usize) -> Result<(Node<'a>, usize)> {
        let mut items = Vec::new();
        let mut index = first_index;
        let start = self.line(index)?.start + column;
        loop {
            let line = self.line(index)?;
            let dash = line.start + column;
            let mut item_at = dash + 1;
            while item_at < line.end && self.byte(item_at) == Some(&b' ') {
                item_at += 1;
            }
            let rest_is_empty = item_at >= line.end || self.byte(item_at) == Some(&b'#');
            let (item, next) = if rest_is_empty {
                self.nested_value(index, column, dash + 1)?
            } else {
                self.block_node(index, item_at, Some(column))?
            };
            items.push(item);

            let following = self.next_content(next);
            let Some(next_line) = self.lines.get(following).copied() else {
                index = following;
                break;
            };
            let is_item = next_line.indent == column
                && self.byte(next_line.start + column) == Some(&b'-')
                && is_space_or_end(
                    self.bytes
                        .get(next_line.start + column + 1)
                        .filter(|_| next_line.start + column + 1 < next_line.end),
                );
            if !is_item {
                if next_line.indent > column {
                    return Err(Unsupported);
                }
                index = following;
                break;
            }
            index = following;
        }
        let end = items.last().map_or(start, |item| item.range.end());
        Ok((
            Node {
                kind: NodeKind::Sequence(items),
                range: TextRange::new(start, end.max(start)),
            },
            index,
        ))
    }

    fn key_node(&self, range: TextRange) -> Result<Node<'a>> {
        let raw = self.slice(range.start(), range.end())?;
        let (value, style) = match raw.as_bytes().first() {
            Some(b'\'') => (
                unquote_single(raw.get(1..raw.len() - 1).ok_or(Unsupported)?),
                Style::SingleQuoted,
            ),
            Some(b'"') => (
                unescape_double(raw.get(1..raw.len() - 1).ok_or(Unsupported)?)?,
                Style::DoubleQuoted,
            ),
            _ => (Cow::Borrowed(raw), Style::Plain),
        };
        Ok(Node {
            kind: NodeKind::Scalar { value, style },
            range,
        })
    }

    fn scalar_value(
        &mut self,
        index: usize,
        at: usize,
        parent_indent: Option<usize>,
    ) -> Result<(Node<'a>, usize)> {
        let parent = parent_indent.ok_or(Unsupported)?;
        match self.byte(at) {
            Some(b'\'' | b'"') => self.quoted(index, at, parent),
            Some(b'|') => self.literal(index, at, parent),
            Some(b'[') => self.flow_sequence(index, at),
            Some(
                b'{' | b'&' | b'*' | b'!' | b'>' | b'%' | b'@' | b'`' | b'?' | b',' | b']' | b'}',
            ) => Err(Unsupported),
            Some(b'-') if is_space_or_end(self.byte(at + 1)) => Err(Unsupported),
            _ => self.plain(index, at, parent),
        }
    }

    /// Returns the end of a plain scalar's text on one line, before a ` #` comment and without
    /// trailing spaces. Rejects `: ` inside, which would start a mapping.
    fn plain_end(&self, at: usize, line_end: usize) -> Result<usize> {
        let mut position = at;
        let mut end = at;
        while position < line_end {
            match self.byte(position) {
                Some(b'#') if position > at && self.byte(position - 1) == Some(&b' ') => break,
                Some(b':')
                    if position + 1 == line_end || self.byte(position + 1) == Some(&b' ') =>
                {
                    return Err(Unsupported)
                }
                Some(b' ') => {}
                _ => end = position + 1,
            }
            position += 1;
        }
        // Step to the end of the last character, which may be multi-byte.
        while end < line_end && !self.text.is_char_boundary(end) {
            end += 1;
        }
        Ok(end)
    }

    fn plain(&mut self, index: usize, at: usize, parent: usize) -> Result<(Node<'a>, usize)> {
        let line = self.line(index)?;
        let mut end = self.plain_end(at, line.end)?;
        let first_line = self.slice(at, end)?;
        let mut folded: Option<String> = None;
        let mut has_comment = self.slice(end, line.end)?.trim_start().starts_with('#');
        let mut next = index + 1;
        // Continuation lines fold into the value with one space each.
        while let Some(continuation) = self.lines.get(next).copied() {
            if continuation.indent <= parent {
                break;
            }
            if continuation.blank || has_comment {
                // A blank line would fold to a line break, and a comment ends the scalar:
                // both are left to the full parser.
                if continuation.blank
                    && self.next_content(next) < self.lines.len()
                    && self.line(self.next_content(next))?.indent > parent
                {
                    return Err(Unsupported);
                }
                break;
            }
            let content = continuation.start + continuation.indent;
            let continuation_end = self.plain_end(content, continuation.end)?;
            let value = folded.get_or_insert_with(|| first_line.to_owned());
            value.push(' ');
            value.push_str(self.slice(content, continuation_end)?);
            end = continuation_end;
            has_comment = self
                .slice(continuation_end, continuation.end)?
                .trim_start()
                .starts_with('#');
            next += 1;
        }
        Ok((
            Node {
                kind: NodeKind::Scalar {
                    value: folded.map_or(Cow::Borrowed(first_line), Cow::Owned),
                    style: Style::Plain,
                },
                range: TextRange::new(at, end),
            },
            next,
        ))
    }

    fn quoted(&mut self, index: usize, at: usize, parent: usize) -> Result<(Node<'a>, usize)> {
        let quote = *self.byte(at).ok_or(Unsupported)?;
        let style = if quote == b'\'' {
            Style::SingleQuoted
        } else {
            Style::DoubleQuoted
        };
        let mut line_index = index;
        let mut pieces: Vec<&str> = Vec::new();
        let mut piece_start = at + 1;
        let close = loop {
            let line = self.line(line_index)?;
            if let Some(close) = self.find_close(quote, piece_start, line.end) {
                pieces.push(self.slice(piece_start, close - 1)?);
                break close;
            }
            let text = self.slice(piece_start, line.end)?;
            if quote == b'"' && text.ends_with('\\') {
                return Err(Unsupported);
            }
            pieces.push(text);
            line_index += 1;
            let next = self.lines.get(line_index).copied().ok_or(Unsupported)?;
            let next_is_empty = self.slice(next.start, next.end)?.trim().is_empty();
            if next_is_empty || next.indent <= parent {
                return Err(Unsupported);
            }
            piece_start = next.start + next.indent;
        };
        let line = self.line(line_index)?;
        let rest = self.slice(close, line.end)?.trim_start();
        if !rest.is_empty() && !rest.starts_with('#') {
            return Err(Unsupported);
        }
        if !rest.is_empty() && self.byte(close) != Some(&b' ') {
            return Err(Unsupported);
        }

        let value = match pieces.as_slice() {
            // A one-line scalar needs no folding, and its value can borrow from the text.
            [single] if quote == b'\'' => unquote_single(single),
            [single] => unescape_double(single)?,
            _ => {
                let folded = fold_lines(&pieces);
                let value = if quote == b'\'' {
                    unquote_single(&folded)
                } else {
                    unescape_double(&folded)?
                };
                Cow::Owned(value.into_owned())
            }
        };
        Ok((
            Node {
                kind: NodeKind::Scalar { value, style },
                range: TextRange::new(at, close),
            },
            line_index + 1,
        ))
    }

    fn literal(&mut self, index: usize, at: usize, parent: usize) -> Result<(Node<'a>, usize)> {
        let line = self.line(index)?;
        let header = self.slice(at + 1, line.end)?;
        let (chomping, comment) = match header.as_bytes().first() {
            Some(b'-') => (b'-', &header[1..]),
            Some(b'+') => (b'+', &header[1..]),
            _ => (b' ', header),
        };
        let comment = comment.trim_start();
        if !comment.is_empty() && !comment.starts_with('#') {
            return Err(Unsupported);
        }
        if !comment.is_empty() && !header.contains(" #") {
            return Err(Unsupported);
        }

        // The content indentation is that of the first non-empty line.
        let mut next = index + 1;
        let mut content_indent = None;
        while let Some(candidate) = self.lines.get(next) {
            let is_empty = self
                .slice(candidate.start, candidate.end)?
                .trim()
                .is_empty();
            if !is_empty {
                content_indent = Some(candidate.indent);
                break;
            }
            next += 1;
        }
        let Some(indent) = content_indent.filter(|&indent| indent > parent) else {
            return Err(Unsupported);
        };

        let mut lines_text: Vec<&str> = Vec::new();
        let mut last_content = None;
        let mut scan = index + 1;
        let mut start = None;
        while let Some(candidate) = self.lines.get(scan).copied() {
            let text = self.slice(candidate.start, candidate.end)?;
            let is_empty = text.trim().is_empty();
            if !is_empty && candidate.indent < indent {
                break;
            }
            if is_empty {
                if candidate.indent > indent {
                    return Err(Unsupported);
                }
                lines_text.push("");
            } else {
                if start.is_none() {
                    start = Some(candidate.start + indent);
                }
                lines_text.push(text.get(indent..).ok_or(Unsupported)?);
                last_content = Some(lines_text.len());
            }
            scan += 1;
        }
        let content_lines = last_content.unwrap_or(0);
        let mut value = lines_text.get(..content_lines).unwrap_or(&[]).join("\n");
        match chomping {
            b'-' => {}
            b'+' => {
                value.push('\n');
                for _ in content_lines..lines_text.len() {
                    value.push('\n');
                }
            }
            _ => value.push('\n'),
        }
        // Like saphyr, the range runs from the first content character to the start of the
        // line after the scalar, trailing empty lines included.
        let end = self.lines.get(scan).map_or(self.text.len(), |l| l.start);
        let start = start.ok_or(Unsupported)?;
        if self.lines.get(scan).is_none() && !self.text.ends_with('\n') {
            return Err(Unsupported);
        }
        Ok((
            Node {
                kind: NodeKind::Scalar {
                    value: Cow::Owned(value),
                    style: Style::Literal,
                },
                range: TextRange::new(start, end.max(start)),
            },
            scan,
        ))
    }

    fn flow_sequence(&self, index: usize, at: usize) -> Result<(Node<'a>, usize)> {
        let line = self.line(index)?;
        let mut items = Vec::new();
        let mut position = at + 1;
        let skip_spaces = |mut p: usize| {
            while p < line.end && self.byte(p) == Some(&b' ') {
                p += 1;
            }
            p
        };
        position = skip_spaces(position);
        let close;
        if self.byte(position) == Some(&b']') {
            close = position + 1;
        } else {
            loop {
                let item_start = position;
                let (item, after) = match self.byte(item_start) {
                    Some(b'\'' | b'"') => {
                        let item_end = self
                            .quote_end_on_line(item_start, line.end)?
                            .ok_or(Unsupported)?;
                        let raw = self.slice(item_start + 1, item_end - 1)?;
                        let (value, style) = if self.byte(item_start) == Some(&b'\'') {
                            (unquote_single(raw), Style::SingleQuoted)
                        } else {
                            (unescape_double(raw)?, Style::DoubleQuoted)
                        };
                        let node = Node {
                            kind: NodeKind::Scalar { value, style },
                            range: TextRange::new(item_start, item_end),
                        };
                        (node, item_end)
                    }
                    Some(b'[' | b'{' | b']' | b',' | b'&' | b'*' | b'!' | b'#') | None => {
                        return Err(Unsupported)
                    }
                    _ => {
                        let mut item_end = item_start;
                        let mut scan = item_start;
                        while scan < line.end {
                            match self.byte(scan) {
                                Some(b',' | b']' | b'[' | b'{' | b'}') => break,
                                Some(b':') if is_space_or_end(self.byte(scan + 1)) => {
                                    return Err(Unsupported)
                                }
                                Some(b'#') if self.byte(scan - 1) == Some(&b' ') => {
                                    return Err(Unsupported)
                                }
                                Some(b' ') => {}
                                _ => item_end = scan + 1,
                            }
                            scan += 1;
                        }
                        while item_end < line.end && !self.text.is_char_boundary(item_end) {
                            item_end += 1;
                        }
                        let node = Node {
                            kind: NodeKind::Scalar {
                                value: Cow::Borrowed(self.slice(item_start, item_end)?),
                                style: Style::Plain,
                            },
                            range: TextRange::new(item_start, item_end),
                        };
                        (node, item_end)
                    }
                };
                items.push(item);
                position = skip_spaces(after);
                match self.byte(position) {
                    Some(b',') if position < line.end => {
                        position = skip_spaces(position + 1);
                        if self.byte(position) == Some(&b']') {
                            return Err(Unsupported);
                        }
                    }
                    Some(b']') if position < line.end => {
                        close = position + 1;
                        break;
                    }
                    _ => return Err(Unsupported),
                }
            }
        }
        let rest = self.slice(close, line.end)?;
        let trimmed = rest.trim_start();
        if !trimmed.is_empty() && (!trimmed.starts_with('#') || !rest.starts_with(' ')) {
            return Err(Unsupported);
        }
        Ok((
            Node {
                kind: NodeKind::Sequence(items),
                range: TextRange::new(at, close),
            },
            index + 1,
        ))
    }
}

/// Joins the lines of a multi-line quoted scalar with one space each, trimming the spaces
/// around each line break, as YAML line folding does.
fn fold_lines(pieces: &[&str]) -> String {
    let mut folded = String::new();
    let last = pieces.len().saturating_sub(1);
    for (position, piece) in pieces.iter().enumerate() {
        let mut text = *piece;
        if position > 0 {
            folded.push(' ');
            text = text.trim_start_matches(' ');
        }
        if position < last {
            text = text.trim_end_matches(' ');
        }
        folded.push_str(text);
    }
    folded
}

fn empty_document(start: usize) -> YamlDocument<'static> {
    YamlDocument {
        root: None,
        range: TextRange::empty(start),
        complete: true,
    }
}

fn null_at(offset: usize) -> Node<'static> {
    Node {
        kind: NodeKind::Scalar {
            value: Cow::Borrowed(""),
            style: Style::Plain,
        },
        range: TextRange::empty(offset),
    }
}

fn unquote_single(text: &str) -> Cow<'_, str> {
    if text.contains("''") {
        Cow::Owned(text.replace("''", "'"))
    } else {
        Cow::Borrowed(text)
    }
}

/// Resolves the escapes of a double-quoted scalar; rare escapes leave the subset.
fn unescape_double(text: &str) -> Result<Cow<'_, str>> {
    if !text.contains('\\') {
        return Ok(Cow::Borrowed(text));
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let escaped = match chars.next().ok_or(Unsupported)? {
            '\\' => '\\',
            '"' => '"',
            '/' => '/',
            ' ' => ' ',
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            '0' => '\0',
            _ => return Err(Unsupported),
        };
        out.push(escaped);
    }
    Ok(Cow::Owned(out))
}

#[cfg(test)]
mod tests {
    use super::parse;
    use crate::sigma::yaml::parse_full;

    /// Asserts that the subset reader accepts `text` and builds what the full parser builds.
    fn check_same(text: &str) {
        let fast = parse(text).unwrap_or_else(|| panic!("subset reader rejected {text:?}"));
        let full = parse_full(text);
        assert!(full.diagnostics.is_empty(), "{:?}", full.diagnostics);
        assert_eq!(fast.len(), full.documents.len(), "{text:?}");
        for (a, b) in fast.iter().zip(&full.documents) {
            assert_eq!(a.root, b.root, "{text:?}");
            assert_eq!(a.range, b.range, "{text:?}");
        }
    }

    #[test]
    fn block_structures_match_full_parser() {
        check_same("a: 1\nb:\n  - x\n  - k: v\n    k2: v2\nc:\n- same column\n- items\nd: last\n");
        check_same("sel:\n    - a: b\n      c:\n        - d\n    - e\n");
        check_same("a:\nb: ~\n");
        check_same("- top level list\n- k: v\n");
    }

    #[test]
    fn scalars_match_full_parser() {
        check_same(
            "a: plain é value   # comment\nb: 'it''s' # c\nc: \"q\\\"x\\\\\"\nd: http://x:80/y\n",
        );
        check_same(
            "a: plain\n  continued\n  again\nb: 'quoted\n  folded'\nc: \"double\n   folded\"\n",
        );
        check_same("a: |\n  line one\n\n  line three\n\nb: |-\n  strip\nc: |+\n  keep\n\nd: x\n");
        check_same("a: [x, 'y', \"z\", 4]\nb: []\nc: [ spaced ]  # c\n");
    }

    #[test]
    fn documents_bom_and_crlf_match_full_parser() {
        check_same("\u{feff}a: 1\n---\nb: 2\n---\n# only a comment\nc: 3\n");
        check_same("a: 1\r\nb:\r\n  - x\r\n");
        check_same("# leading comment\n\na: 1\n");
    }

    #[test]
    fn constructs_outside_subset_are_rejected() {
        for text in [
            "a: &x 1\nb: *x\n",
            "a: !tag 1\n",
            "a: {b: 1}\n",
            "a: >\n  folded\n",
            "a:\n\tb: 1\n",
            "a: [x,\n  y]\n",
            "a: plain\n\n  with blank line\n",
            "a: b: c\n",
            "a: 1\n  b: 2\n",
            "%YAML 1.2\n---\na: 1\n",
            "a: 'unclosed\n",
            "just a scalar\n",
        ] {
            assert!(parse(text).is_none(), "accepted {text:?}");
        }
    }
}
