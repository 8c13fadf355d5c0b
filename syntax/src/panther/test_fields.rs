//! A fast reader of the field names in a Panther `Tests:` block.
//!
//! Sample events make up about three quarters of the bytes of Panther files, and RuleLens needs
//! only their field names from them. This reader walks the block line by line: block mappings
//! by indentation, and flow mappings (the JSON style most tests use) with a small scanner. It
//! returns `None` on anything it does not model (tabs, anchors, tags, quoted scalars over
//! several lines, a line that is neither a key nor a list item), and the caller then loads the
//! block with the full YAML parser. A corpus test checks that both give the same names.
//!
//! A field name is the dotted path from the event (`Log:` or `Resource:` of a test) to a
//! scalar or null value. List items add no path part, and empty mappings and lists add no
//! name, as in [`super::observed_fields`].

use std::borrow::Cow;

/// The keys of a test that hold its sample event.
const EVENT_KEYS: &[&str] = &["Log", "Resource"];

/// The maximum nesting of flow collections followed.
const MAX_DEPTH: usize = 64;

/// Reads the field names of the `Tests:` block `block`, which starts with its `Tests:` line.
pub fn observed_fields(block: &str) -> Option<Vec<String>> {
    let mut lines = block.split_inclusive('\n');
    let first = lines.next()?;
    let after_key = first.trim_end().strip_prefix("Tests:")?;
    if !after_key.trim().is_empty() && !after_key.trim_start().starts_with('#') {
        return None;
    }
    let mut reader = BlockReader {
        stack: Vec::new(),
        fields: Vec::new(),
    };
    let mut offset = first.len();
    let rest = block.get(offset..)?;
    let mut remaining = rest;
    while !remaining.is_empty() {
        let line_end = remaining.find('\n').map_or(remaining.len(), |i| i + 1);
        let line = remaining.get(..line_end)?;
        let consumed = reader.line(line, remaining)?;
        let step = consumed.max(line_end);
        offset += step;
        remaining = block.get(offset..)?;
    }
    reader.finish();
    let mut fields = reader.fields;
    fields.sort();
    fields.dedup();
    Some(fields)
}

/// One open block-mapping key.
struct Open {
    indent: usize,
    key: String,
    has_children: bool,
}

struct BlockReader {
    stack: Vec<Open>,
    fields: Vec<String>,
}

impl BlockReader {
    /// Reads one line; `from_line` is the text from this line to the end of the block, for
    /// flow collections and block scalars that span lines. Returns the bytes consumed.
    fn line(&mut self, line: &str, from_line: &str) -> Option<usize> {
        let content = line.trim_end_matches(['\n', '\r']);
        let trimmed = content.trim_start_matches(' ');
        if trimmed.is_empty() || trimmed.starts_with('#') {
            return Some(line.len());
        }
        if trimmed.starts_with('\t') {
            return None;
        }
        let mut indent = content.len() - trimmed.len();
        let mut body = trimmed;
        // `- ` items: the content after the marker sits at a deeper indentation.
        let mut item = false;
        while body == "-" || body.starts_with("- ") {
            self.close(indent, true);
            item = true;
            let after = body.get(1..)?;
            let spaces = after.len() - after.trim_start_matches(' ').len();
            indent += 1 + spaces;
            body = after.trim_start_matches(' ');
            if body.is_empty() {
                return Some(line.len());
            }
        }
        if !item {
            self.close(indent, false);
        }
        self.mark_parent();

        if body.starts_with('{') || body.starts_with('[') {
            let mut scanner = FlowScanner {
                text: from_line,
                position: offset_in(line, body),
                path: self.path().unwrap_or_default(),
                fields: &mut self.fields,
            };
            scanner.value(0)?;
            return scanner.end_of_line().map(|()| scanner.position);
        }
        let Some((key, value)) = split_key(body)? else {
            // A scalar list item: the enclosing key's value is a list of scalars.
            if item {
                if let Some(path) = self.path() {
                    self.record(path);
                }
                return Some(line.len());
            }
            return None;
        };
        let path = match self.path() {
            Some(prefix) => format!("{prefix}.{key}"),
            None => key.clone(),
        };
        let value = value.trim();
        if value.is_empty() || value.starts_with('#') {
            self.stack.push(Open {
                indent,
                key,
                has_children: false,
            });
            return Some(line.len());
        }
        if value.starts_with(['&', '*', '!', '?']) {
            return None;
        }
        if value.starts_with('{') || value.starts_with('[') {
            let mut scanner = FlowScanner {
                text: from_line,
                position: offset_in(line, value),
                fields: &mut self.fields,
                path,
            };
            scanner.value(0)?;
            return scanner.end_of_line().map(|()| scanner.position);
        }
        if value.starts_with('|') || value.starts_with('>') {
            self.record_event(&path);
            return Some(block_scalar_length(from_line, indent));
        }
        if (value.starts_with('"') || value.starts_with('\'')) && !quoted_closes(value) {
            return None;
        }
        self.record_event(&path);
        Some(line.len())
    }

    /// Closes the keys at or deeper than `indent`; a `- ` item closes only deeper ones, since
    /// YAML lets a list sit at its key's indentation.
    fn close(&mut self, indent: usize, item: bool) {
        while let Some(top) = self.stack.last() {
            let closes = if item {
                top.indent > indent
            } else {
                top.indent >= indent
            };
            if !closes {
                return;
            }
            let Some(open) = self.stack.pop() else {
                return;
            };
            if !open.has_children {
                // A key with nothing under it has a null value, which counts as a field.
                let prefix = self.path();
                let path = match prefix {
                    Some(prefix) => format!("{prefix}.{}", open.key),
                    None => open.key,
                };
                self.record_event(&path);
            }
        }
    }

    fn mark_parent(&mut self) {
        if let Some(top) = self.stack.last_mut() {
            top.has_children = true;
        }
    }

    fn finish(&mut self) {
        self.close(0, false);
    }

    /// Returns the dotted path of the open keys, or `None` at the top.
    fn path(&self) -> Option<String> {
        if self.stack.is_empty() {
            return None;
        }
        let keys: Vec<&str> = self.stack.iter().map(|open| open.key.as_str()).collect();
        Some(keys.join("."))
    }

    fn record_event(&mut self, path: &str) {
        self.record(path.to_owned());
    }

    /// Keeps a path under `Log` or `Resource`, without that first part.
    fn record(&mut self, path: String) {
        if let Some(field) = event_field(&path) {
            self.fields.push(field.to_owned());
        }
    }
}

/// Returns the byte offset of `part`, a slice of `line`, within `line`.
fn offset_in(line: &str, part: &str) -> usize {
    (part.as_ptr() as usize).saturating_sub(line.as_ptr() as usize)
}

fn event_field(path: &str) -> Option<&str> {
    let (first, rest) = path.split_once('.')?;
    EVENT_KEYS.contains(&first).then_some(rest)
}

/// Splits `key: value`. Returns `Some(None)` when the line has no key, and `None` for a
/// key the full parser must read.
fn split_key(body: &str) -> Option<Option<(String, &str)>> {
    if body.starts_with('"') || body.starts_with('\'') {
        let quote = body.chars().next()?;
        let close = body.get(1..)?.find(quote)? + 1;
        let key = body.get(1..close)?;
        if key.contains('\\') || key.contains(quote) {
            return None;
        }
        let after = body.get(close + 1..)?.trim_start_matches(' ');
        // A quoted scalar without a colon after it is a value, such as a list item.
        let Some(value) = after.strip_prefix(':') else {
            let rest = after.trim();
            return (rest.is_empty() || rest.starts_with('#')).then_some(None);
        };
        return Some(Some((key.to_owned(), value)));
    }
    let colon = body.match_indices(':').map(|(i, _)| i).find(|&i| {
        body.get(i + 1..)
            .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t']))
    });
    let Some(colon) = colon else {
        return Some(None);
    };
    let key = body.get(..colon)?.trim_end();
    if key.is_empty() || key.contains(" #") {
        return None;
    }
    // Plain keys YAML would read as something other than a string are left to the full parser.
    if matches!(
        key,
        "~" | "null" | "Null" | "NULL" | "true" | "True" | "TRUE" | "false" | "False" | "FALSE"
    ) || (key.contains('.') && key.parse::<f64>().is_ok())
        || key.starts_with("0x")
        || key.starts_with("0o")
    {
        return None;
    }
    Some(Some((key.to_owned(), body.get(colon + 1..)?)))
}

fn quoted_closes(value: &str) -> bool {
    let Some(quote) = value.chars().next() else {
        return false;
    };
    let body = value.get(1..).unwrap_or_default();
    if quote == '\'' {
        return body.replace("''", "").contains('\'');
    }
    let mut escaped = false;
    for c in body.chars() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => return true,
            _ => escaped = false,
        }
    }
    false
}

/// Counts the bytes of a block scalar's header line and of the lines indented deeper than
/// `indent`.
fn block_scalar_length(from_line: &str, indent: usize) -> usize {
    let mut length = 0;
    for (index, line) in from_line.split_inclusive('\n').enumerate() {
        let content = line.trim_end_matches(['\n', '\r']);
        let line_indent = content.len() - content.trim_start_matches(' ').len();
        let blank = content.trim().is_empty();
        if index > 0 && !blank && line_indent <= indent {
            break;
        }
        length += line.len();
    }
    length
}

/// Reads a flow collection (JSON style) and records the dotted paths of its scalar values.
struct FlowScanner<'t, 'f> {
    text: &'t str,
    position: usize,
    fields: &'f mut Vec<String>,
    /// The dotted path of the value being read; empty at the top.
    path: String,
}

impl<'t> FlowScanner<'t, '_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.position).copied()
    }

    fn skip_blank(&mut self) {
        while let Some(byte) = self.peek() {
            match byte {
                b' ' | b'\n' | b'\r' => self.position += 1,
                b'#' => {
                    let rest = self.text.get(self.position..).unwrap_or_default();
                    self.position += rest.find('\n').unwrap_or(rest.len());
                }
                _ => return,
            }
        }
    }

    /// After the collection: only spaces or a comment may follow on its last line.
    fn end_of_line(&mut self) -> Option<()> {
        while self.peek() == Some(b' ') {
            self.position += 1;
        }
        match self.peek() {
            None => Some(()),
            Some(b'\n') => {
                self.position += 1;
                Some(())
            }
            Some(b'\r') => {
                self.position += 1;
                if self.peek() == Some(b'\n') {
                    self.position += 1;
                }
                Some(())
            }
            Some(b'#') => {
                let rest = self.text.get(self.position..).unwrap_or_default();
                self.position += rest.find('\n').map_or(rest.len(), |i| i + 1);
                Some(())
            }
            _ => None,
        }
    }

    fn record(&mut self) {
        if let Some(field) = event_field(&self.path) {
            self.fields.push(field.to_owned());
        }
    }

    fn value(&mut self, depth: usize) -> Option<()> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.skip_blank();
        match self.peek()? {
            b'{' => self.mapping(depth),
            b'[' => self.sequence(depth),
            b'"' | b'\'' => {
                self.string()?;
                self.record();
                Some(())
            }
            b'&' | b'*' | b'!' | b'?' => None,
            _ => {
                let rest = self.text.get(self.position..)?;
                let length = rest.find([',', '}', ']', '\n', '\r']).unwrap_or(rest.len());
                let token = rest.get(..length)?;
                if token.contains(": ") || token.trim().is_empty() {
                    return None;
                }
                self.position += length;
                self.record();
                Some(())
            }
        }
    }

    fn mapping(&mut self, depth: usize) -> Option<()> {
        self.position += 1;
        loop {
            self.skip_blank();
            if self.peek()? == b'}' {
                self.position += 1;
                return Some(());
            }
            let key = match self.peek()? {
                b'"' | b'\'' => self.string()?,
                _ => {
                    let rest = self.text.get(self.position..)?;
                    let length = rest.find([':', ',', '}', '\n'])?;
                    let key = rest.get(..length)?.trim();
                    self.position += length;
                    if key.is_empty() {
                        return None;
                    }
                    Cow::Borrowed(key)
                }
            };
            self.skip_blank();
            if self.peek()? != b':' {
                return None;
            }
            self.position += 1;
            let parent_length = self.path.len();
            if !self.path.is_empty() {
                self.path.push('.');
            }
            self.path.push_str(&key);
            self.value(depth + 1)?;
            self.path.truncate(parent_length);
            self.skip_blank();
            match self.peek()? {
                b',' => self.position += 1,
                b'}' => {
                    self.position += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn sequence(&mut self, depth: usize) -> Option<()> {
        self.position += 1;
        loop {
            self.skip_blank();
            if self.peek()? == b']' {
                self.position += 1;
                return Some(());
            }
            self.value(depth + 1)?;
            self.skip_blank();
            match self.peek()? {
                b',' => self.position += 1,
                b']' => {
                    self.position += 1;
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// Reads a quoted string and returns its value; escapes other than `\"`, `\\` and `''`
    /// are left to the full parser.
    fn string(&mut self) -> Option<Cow<'t, str>> {
        let quote = self.peek()?;
        let body = self.text.get(self.position + 1..)?;
        // Most strings hold no escape: borrow those instead of copying them character by
        // character, because sample-event strings are most of a Panther file's bytes.
        let stop = body
            .bytes()
            .position(|b| b == quote || b == b'\n' || (quote == b'"' && b == b'\\'))?;
        let doubled_quote = quote == b'\'' && body.as_bytes().get(stop + 1) == Some(&b'\'');
        if body.as_bytes().get(stop) == Some(&quote) && !doubled_quote {
            self.position += 1 + stop + 1;
            return body.get(..stop).map(Cow::Borrowed);
        }
        let mut value = String::new();
        let mut chars = body.char_indices();
        while let Some((index, c)) = chars.next() {
            if c == '\n' {
                return None;
            }
            if quote == b'"' && c == '\\' {
                let (_, next) = chars.next()?;
                if next != '"' && next != '\\' && next != '/' {
                    return None;
                }
                value.push(next);
                continue;
            }
            if c == char::from(quote) {
                if quote == b'\'' && body.get(index + 1..).is_some_and(|r| r.starts_with('\'')) {
                    chars.next();
                    value.push('\'');
                    continue;
                }
                self.position += 1 + index + 1;
                return Some(Cow::Owned(value));
            }
            value.push(c);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_and_flow_events() {
        let block = "Tests:\n  - Name: a\n    ExpectedResult: true\n    Log:\n      eventName: x\n      userIdentity:\n        type: Root\n      tags:\n      - one\n      empty:\n    Mocks:\n      - objectName: m\n  - Name: b\n    Log: {\"a\": {\"b\": 1, \"c\": [1, {\"d\": null}]}, \"e\": \"x\"}\n  - Name: c\n    Resource:\n      {\n        \"Policy\": \"p\",\n        \"Rules\": []\n      }\n";
        assert_eq!(
            observed_fields(block),
            Some(
                [
                    "a.b",
                    "a.c",
                    "a.c.d",
                    "e",
                    "empty",
                    "eventName",
                    "Policy",
                    "tags",
                    "userIdentity.type"
                ]
                .iter()
                .map(|s| (*s).to_owned())
                .collect::<Vec<_>>()
            )
            .map(|mut v| {
                v.sort();
                v
            })
        );
    }

    #[test]
    fn unmodelled_forms_fall_back() {
        assert_eq!(observed_fields("Tests:\n  - Log: &a {x: 1}\n"), None);
        assert_eq!(
            observed_fields("Tests:\n  - Log:\n      m: \"two\n        lines\"\n"),
            None
        );
        assert_eq!(observed_fields("Tests: []\n"), None);
    }
}
