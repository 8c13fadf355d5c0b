//! A fast reader for the TOML that detection-rule files use, with the `toml` crate as the
//! reference and fallback.
//!
//! Elastic rule files spend most of their bytes in long multi-line strings (`note`,
//! `description`). In a `perf` profile of `bench_elastic_panther`, the `toml` crate's lexer
//! took about 70% of the Elastic time on them. This reader finds the end of a string with a
//! substring search and borrows its text when it has no escapes. It builds the same
//! [`DeTable`] the `toml` crate returns, so the rest of the front end does not know which
//! reader ran. A corpus test checks that both readers give the same tables.
//!
//! It supports comments, `[table]` and `[[array.of.tables]]` headers, bare, quoted and
//! dotted keys, the four string forms, arrays, inline tables, booleans, and numbers and
//! dates by handing their token to the `toml` crate. On anything else (and on every error,
//! duplicate key or redefined table) it returns `None`, and the caller parses with the
//! `toml` crate, which reports the error with its range.

use std::borrow::Cow;
use toml::de::{DeArray, DeTable, DeValue};
use toml::Spanned;

/// The maximum nesting of arrays and inline tables the reader follows.
const MAX_DEPTH: usize = 64;

/// Parses `text`, or returns `None` when the `toml` crate must read it instead.
pub fn parse(text: &str) -> Option<Spanned<DeTable<'_>>> {
    let mut reader = Reader { text, position: 0 };
    let mut root = DeTable::new();
    // The current header: each part with whether it names an array of tables.
    let mut header: Vec<(Spanned<Cow<'_, str>>, bool)> = Vec::new();
    loop {
        reader.skip_blank_lines();
        let Some(byte) = reader.peek() else {
            break;
        };
        if byte == b'[' {
            header = reader.header(&mut root)?;
        } else {
            let keys = reader.key_path()?;
            reader.skip_spaces();
            reader.expect(b'=')?;
            reader.skip_spaces();
            let value = reader.value(0)?;
            reader.end_of_line()?;
            let table = table_at(&mut root, &header)?;
            insert_dotted(table, keys, value)?;
        }
    }
    Some(Spanned::new(0..text.len(), root))
}

struct Reader<'i> {
    text: &'i str,
    position: usize,
}

impl<'i> Reader<'i> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.position).copied()
    }

    fn rest(&self) -> &'i str {
        self.text.get(self.position..).unwrap_or_default()
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        (self.peek() == Some(byte)).then(|| self.position += 1)
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.position += 1;
        }
    }

    fn skip_comment(&mut self) {
        if self.peek() == Some(b'#') {
            let length = self.rest().find('\n').unwrap_or(self.rest().len());
            self.position += length;
        }
    }

    /// Skips spaces, comments and line breaks.
    fn skip_blank_lines(&mut self) {
        loop {
            self.skip_spaces();
            self.skip_comment();
            match self.peek() {
                Some(b'\n') => self.position += 1,
                Some(b'\r') if self.rest().starts_with("\r\n") => self.position += 2,
                _ => return,
            }
        }
    }

    fn end_of_line(&mut self) -> Option<()> {
        self.skip_spaces();
        self.skip_comment();
        match self.peek() {
            None | Some(b'\n') => Some(()),
            Some(b'\r') if self.rest().starts_with("\r\n") => Some(()),
            _ => None,
        }
    }

    /// Reads `[a.b]` or `[[a.b]]` and creates the table it names.
    fn header(&mut self, root: &mut DeTable<'i>) -> Option<Vec<(Spanned<Cow<'i, str>>, bool)>> {
        let start = self.position;
        let array = self.rest().starts_with("[[");
        self.position += if array { 2 } else { 1 };
        self.skip_spaces();
        let keys = self.key_path()?;
        self.skip_spaces();
        let close = if array { "]]" } else { "]" };
        if !self.rest().starts_with(close) {
            return None;
        }
        self.position += close.len();
        self.end_of_line()?;
        let range = start..self.position;

        let (last, parents) = keys.split_last()?;
        let parent_path: Vec<(Spanned<Cow<'i, str>>, bool)> =
            parents.iter().map(|k| (k.clone(), false)).collect();
        let parent = table_at(root, &parent_path)?;
        if array {
            let entry = parent
                .entry(last.clone())
                .or_insert_with(|| Spanned::new(range.clone(), DeValue::Array(DeArray::new())));
            let DeValue::Array(items) = entry.get_mut() else {
                return None;
            };
            items.push(Spanned::new(range, DeValue::Table(DeTable::new())));
        } else {
            let entry = parent
                .entry(last.clone())
                .or_insert_with(|| Spanned::new(range, DeValue::Table(DeTable::new())));
            if !matches!(entry.get_ref(), DeValue::Table(_)) {
                return None;
            }
        }
        let mut path = parent_path;
        path.push((last.clone(), array));
        Some(path)
    }

    fn key_path(&mut self) -> Option<Vec<Spanned<Cow<'i, str>>>> {
        let mut keys = vec![self.key()?];
        loop {
            self.skip_spaces();
            if self.peek() != Some(b'.') {
                return Some(keys);
            }
            self.position += 1;
            self.skip_spaces();
            keys.push(self.key()?);
        }
    }

    fn key(&mut self) -> Option<Spanned<Cow<'i, str>>> {
        let start = self.position;
        match self.peek()? {
            b'"' | b'\'' => {
                let (value, end) = self.single_line_string()?;
                Some(Spanned::new(start..end, value))
            }
            _ => {
                let length = self
                    .rest()
                    .bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
                    .count();
                if length == 0 {
                    return None;
                }
                self.position += length;
                let key = self.text.get(start..self.position)?;
                Some(Spanned::new(start..self.position, Cow::Borrowed(key)))
            }
        }
    }

    fn value(&mut self, depth: usize) -> Option<Spanned<DeValue<'i>>> {
        if depth > MAX_DEPTH {
            return None;
        }
        let start = self.position;
        let value = match self.peek()? {
            b'"' | b'\'' => DeValue::String(self.string()?),
            b'[' => DeValue::Array(self.array(depth)?),
            b'{' => DeValue::Table(self.inline_table(depth)?),
            _ => self.scalar()?,
        };
        Some(Spanned::new(start..self.position, value))
    }

    fn string(&mut self) -> Option<Cow<'i, str>> {
        let rest = self.rest();
        if rest.starts_with("\"\"\"") || rest.starts_with("'''") {
            return self.multi_line_string();
        }
        let (value, end) = self.single_line_string()?;
        self.position = end;
        Some(value)
    }

    /// Reads `"..."` or `'...'` at the cursor; returns the value and the end offset, and
    /// moves the cursor past the string.
    fn single_line_string(&mut self) -> Option<(Cow<'i, str>, usize)> {
        let start = self.position;
        let quote = self.peek()?;
        let body = self.text.get(start + 1..)?;
        let mut escaped = false;
        let mut end = None;
        for (index, byte) in body.bytes().enumerate() {
            match byte {
                b'\n' | b'\r' => return None,
                b'\\' if quote == b'"' => escaped = true,
                _ if byte == quote => {
                    if quote == b'"' && is_escaped(body.as_bytes(), index) {
                        continue;
                    }
                    end = Some(index);
                    break;
                }
                _ => {}
            }
        }
        let end = end?;
        let close = start + 1 + end;
        self.position = close + 1;
        let value = if escaped {
            Cow::Owned(decode_escapes(self.text.get(start + 1..close)?, false)?)
        } else {
            Cow::Borrowed(self.text.get(start + 1..close)?)
        };
        Some((value, self.position))
    }

    fn multi_line_string(&mut self) -> Option<Cow<'i, str>> {
        let start = self.position;
        let basic = self.peek()? == b'"';
        let delimiter = if basic { "\"\"\"" } else { "'''" };
        let body_start = start + 3;
        let body = self.text.get(body_start..)?;
        let quote_char = if basic { '"' } else { '\'' };
        let mut search = 0;
        let close = loop {
            // Search for one quote character, which runs on `memchr`, because a substring
            // search for the three-quote delimiter was a visible cost on long descriptions.
            let found = search + body.get(search..)?.find(quote_char)?;
            if !body.get(found..)?.starts_with(delimiter) {
                search = found + 1;
                continue;
            }
            if basic && is_escaped(body.as_bytes(), found) {
                search = found + 1;
                continue;
            }
            break found;
        };
        // Up to two quotes right before the closing delimiter belong to the text.
        let quote = delimiter.as_bytes().first().copied()?;
        let extra = body
            .get(close + 3..)?
            .bytes()
            .take(2)
            .take_while(|b| *b == quote)
            .count();
        let content_end = body_start + close + extra;
        self.position = content_end + 3;
        let content = self.text.get(body_start..content_end)?;
        let content = content
            .strip_prefix("\r\n")
            .or_else(|| content.strip_prefix('\n'))
            .unwrap_or(content);
        if basic && content.contains('\\') {
            return Some(Cow::Owned(decode_escapes(content, true)?));
        }
        Some(Cow::Borrowed(content))
    }

    fn array(&mut self, depth: usize) -> Option<DeArray<'i>> {
        self.position += 1;
        let mut items = DeArray::new();
        loop {
            self.skip_blank_lines();
            if self.peek()? == b']' {
                self.position += 1;
                return Some(items);
            }
            items.push(self.value(depth + 1)?);
            self.skip_blank_lines();
            match self.peek()? {
                b',' => self.position += 1,
                b']' => {
                    self.position += 1;
                    return Some(items);
                }
                _ => return None,
            }
        }
    }

    fn inline_table(&mut self, depth: usize) -> Option<DeTable<'i>> {
        self.position += 1;
        let mut table = DeTable::new();
        loop {
            self.skip_blank_lines();
            if self.peek()? == b'}' {
                self.position += 1;
                return Some(table);
            }
            let keys = self.key_path()?;
            self.skip_spaces();
            self.expect(b'=')?;
            self.skip_spaces();
            let value = self.value(depth + 1)?;
            insert_dotted(&mut table, keys, value)?;
            self.skip_blank_lines();
            match self.peek()? {
                b',' => self.position += 1,
                b'}' => {
                    self.position += 1;
                    return Some(table);
                }
                _ => return None,
            }
        }
    }

    /// Booleans, numbers and dates: the token up to a delimiter, read by the `toml` crate.
    fn scalar(&mut self) -> Option<DeValue<'i>> {
        let length = self
            .rest()
            .find([',', ']', '}', '#', '\n', '\r'])
            .unwrap_or(self.rest().len());
        let token = self.rest().get(..length)?.trim_end();
        if token.is_empty() {
            return None;
        }
        self.position += token.len();
        match token {
            "true" => Some(DeValue::Boolean(true)),
            "false" => Some(DeValue::Boolean(false)),
            _ => DeValue::parse(token).ok().map(Spanned::into_inner),
        }
    }
}

/// Resolves the escapes of a basic string's content; a multi-line string may also end a line
/// with a backslash, which removes the line break and the whitespace after it. Returns `None`
/// on an invalid escape, so that the `toml` crate reports it.
fn decode_escapes(content: &str, multi_line: bool) -> Option<String> {
    let mut decoded = String::with_capacity(content.len());
    let mut rest = content;
    while let Some(backslash) = rest.find('\\') {
        decoded.push_str(rest.get(..backslash)?);
        let after = rest.get(backslash + 1..)?;
        let next = after.chars().next()?;
        let (character, length) = match next {
            'b' => ('\u{8}', 1),
            't' => ('\t', 1),
            'n' => ('\n', 1),
            'f' => ('\u{c}', 1),
            'r' => ('\r', 1),
            'e' => ('\u{1b}', 1),
            '"' => ('"', 1),
            '\\' => ('\\', 1),
            'x' | 'u' | 'U' => {
                let digits = match next {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let code = u32::from_str_radix(after.get(1..1 + digits)?, 16).ok()?;
                (char::from_u32(code)?, 1 + digits)
            }
            ' ' | '\t' | '\n' | '\r' if multi_line => {
                let trimmed = after.trim_start_matches([' ', '\t']);
                if !trimmed.starts_with(['\n', '\r']) {
                    return None;
                }
                rest = after.trim_start_matches([' ', '\t', '\n', '\r']);
                continue;
            }
            _ => return None,
        };
        decoded.push(character);
        rest = after.get(length..)?;
    }
    decoded.push_str(rest);
    Some(decoded)
}

/// Returns whether the byte at `index` follows an odd number of backslashes.
fn is_escaped(bytes: &[u8], index: usize) -> bool {
    let backslashes = bytes
        .get(..index)
        .unwrap_or_default()
        .iter()
        .rev()
        .take_while(|b| **b == b'\\')
        .count();
    backslashes % 2 == 1
}

/// Finds the table a header path names: tables by key, arrays of tables by their last
/// element.
fn table_at<'t, 'i>(
    root: &'t mut DeTable<'i>,
    path: &[(Spanned<Cow<'i, str>>, bool)],
) -> Option<&'t mut DeTable<'i>> {
    let mut table = root;
    for (key, _) in path {
        let range = key.span();
        let entry = table
            .entry(key.clone())
            .or_insert_with(|| Spanned::new(range, DeValue::Table(DeTable::new())));
        table = match entry.get_mut() {
            DeValue::Table(inner) => inner,
            DeValue::Array(items) => match items.iter_mut().last()?.get_mut() {
                DeValue::Table(inner) => inner,
                _ => return None,
            },
            _ => return None,
        };
    }
    Some(table)
}

/// Inserts `a.b.c = value`, creating the tables `a` and `a.b`; a repeated key fails.
fn insert_dotted<'i>(
    table: &mut DeTable<'i>,
    mut keys: Vec<Spanned<Cow<'i, str>>>,
    value: Spanned<DeValue<'i>>,
) -> Option<()> {
    let last = keys.pop()?;
    let mut target = table;
    for key in keys {
        let range = key.span();
        let entry = target
            .entry(key)
            .or_insert_with(|| Spanned::new(range, DeValue::Table(DeTable::new())));
        let DeValue::Table(inner) = entry.get_mut() else {
            return None;
        };
        target = inner;
    }
    if target.contains_key(&last) {
        return None;
    }
    target.insert(last, value);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys_of(table: &DeTable<'_>) -> Vec<String> {
        table.keys().map(|k| k.get_ref().to_string()).collect()
    }

    #[test]
    fn reads_rule_shape() {
        let text = "[metadata]\nmaturity = \"production\" # c\n\n[rule]\nrisk_score = 47\n\
                    tags = [\n  \"a\",\n  'b',\n]\nquery = '''\nx:y\n'''\nnote = \"\"\"\nq\\\"\"\"\"\n\
                    [[rule.threat]]\nframework = \"MITRE\"\n[[rule.threat.technique]]\nid = \"T1\"\n\
                    [rule.threat.tactic]\nid = \"TA1\"\n[[rule.threat]]\nx = { a = 1, b.c = true }\n";
        let root = parse(text).expect("the fast reader handles this file");
        let root = root.get_ref();
        assert_eq!(keys_of(root), ["metadata", "rule"]);
        let rule = root
            .get("rule")
            .and_then(|r| r.get_ref().as_table())
            .expect("rule");
        let query = rule.get("query").expect("query");
        assert_eq!(query.get_ref().as_str(), Some("x:y\n"));
        assert_eq!(&text[query.span()], "'''\nx:y\n'''");
        assert_eq!(
            rule.get("note").and_then(|n| n.get_ref().as_str()),
            Some("q\"")
        );
        let threats = rule
            .get("threat")
            .and_then(|t| t.get_ref().as_array())
            .expect("threat");
        assert_eq!(threats.len(), 2);
        let first = threats
            .iter()
            .next()
            .and_then(|t| t.get_ref().as_table())
            .expect("table");
        assert_eq!(keys_of(first), ["framework", "tactic", "technique"]);
    }

    #[test]
    fn falls_back_on_errors() {
        assert!(parse("a = 1\na = 2\n").is_none());
        assert!(parse("a = \"open\n").is_none());
        assert!(parse("[a\nb = 1\n").is_none());
        assert!(parse("a = 1 b\n").is_none());
    }
}
