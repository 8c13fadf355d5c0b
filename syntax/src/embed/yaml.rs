//! Reading one YAML scalar straight from the file text, keeping where each byte came from.
//!
//! `saphyr` returns a scalar's value but not the position of each of its characters, and a
//! query inside a folded or quoted scalar needs those to point diagnostics at the right
//! column. This module scans the scalar again with the YAML 1.2 rules for the five scalar
//! styles: plain, single-quoted, double-quoted, literal (`|`) and folded (`>`).

use super::EmbeddedText;
use crate::ir::TextRange;

/// Reads the YAML scalar whose token starts at byte `start` of `file`.
///
/// `start` may be the first character of the token (a quote, the `|` or `>` indicator, the
/// first character of a plain scalar) or the first content character of a block scalar, which
/// is where `saphyr` spans for block scalars begin. Returns `None` when `start` is out of range
/// or not on a character boundary.
pub fn yaml_scalar(file: &str, start: usize) -> Option<EmbeddedText> {
    if start > file.len() || !file.is_char_boundary(start) {
        return None;
    }
    if let Some(header) = block_header_before(file, start) {
        return Some(block_scalar(file, header));
    }
    let scalar = match file.as_bytes().get(start) {
        Some(b'|' | b'>') => block_scalar(file, start),
        Some(b'\'') => single_quoted(file, start),
        Some(b'"') => double_quoted(file, start),
        _ => plain(file, start),
    };
    Some(scalar)
}

/// The leading spaces of the line that contains `offset`.
fn line_indent(file: &str, offset: usize) -> usize {
    let line_start = file[..offset].rfind('\n').map_or(0, |i| i + 1);
    file[line_start..]
        .bytes()
        .take_while(|&b| b == b' ')
        .count()
}

/// The indentation of the node that owns a scalar starting at `offset`: the column of the
/// mapping key (or sequence dash) on the scalar's first line.
fn parent_indent(file: &str, offset: usize) -> usize {
    let line_start = file[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line = &file[line_start..offset];
    let indent = line.bytes().take_while(|&b| b == b' ').count();
    // `- key: value` puts the mapping one level deeper than the dash.
    let mut rest = &line[indent..];
    let mut column = indent;
    while let Some(after_dash) = rest.strip_prefix("- ") {
        let spaces = after_dash.bytes().take_while(|&b| b == b' ').count();
        column += 2 + spaces;
        rest = &after_dash[spaces..];
    }
    column
}

/// When `start` is the first content character of a block scalar, returns the offset of the
/// `|` or `>` indicator on an earlier line.
fn block_header_before(file: &str, start: usize) -> Option<usize> {
    let line_start = file[..start].rfind('\n').map_or(0, |i| i + 1);
    if !file[line_start..start].bytes().all(|b| b == b' ') {
        return None;
    }
    let mut end = line_start.checked_sub(1)?;
    loop {
        let previous_start = file[..end].rfind('\n').map_or(0, |i| i + 1);
        let line = file[previous_start..end].trim_end_matches('\r');
        if line.trim().is_empty() {
            end = previous_start.checked_sub(1)?;
            continue;
        }
        let code = strip_comment(line).trim_end();
        let header_len = code
            .bytes()
            .rev()
            .take_while(|b| matches!(b, b'-' | b'+' | b'0'..=b'9'))
            .count();
        let indicator_at = code.len().checked_sub(header_len + 1)?;
        let indicator = code.as_bytes().get(indicator_at)?;
        let before = code[..indicator_at].bytes().last();
        let is_header = matches!(indicator, b'|' | b'>')
            && matches!(before, None | Some(b' ' | b'\t' | b':' | b'-'));
        return is_header.then_some(previous_start + indicator_at);
    }
}

/// The line without a trailing ` #` comment; quotes are not tracked because a block scalar
/// header line holds no quoted text after the indicator.
fn strip_comment(line: &str) -> &str {
    match line.find(" #") {
        Some(at) => &line[..at],
        None => line,
    }
}

/// Splits `file[from..]` into lines, yielding `(line_start, content_end, next_line_start)`.
fn lines_from(file: &str, from: usize) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    let mut position = from;
    std::iter::from_fn(move || {
        if position >= file.len() {
            return None;
        }
        let start = position;
        let (content_end, next) = match file[start..].find('\n') {
            Some(i) => (start + i, start + i + 1),
            None => (file.len(), file.len()),
        };
        position = next;
        let content_end = if file[start..content_end].ends_with('\r') {
            content_end - 1
        } else {
            content_end
        };
        Some((start, content_end, next))
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Chomping {
    Strip,
    Clip,
    Keep,
}

/// A literal or folded block scalar whose indicator is at `header`.
fn block_scalar(file: &str, header: usize) -> EmbeddedText {
    let mut text = EmbeddedText::new(header);
    let folded = file.as_bytes().get(header) == Some(&b'>');
    let parent = parent_indent(file, header);

    let header_end = file[header..].find('\n').map_or(file.len(), |i| header + i);
    let mut chomping = Chomping::Clip;
    let mut explicit_indent = None;
    for byte in file[header + 1..header_end].bytes() {
        match byte {
            b'-' => chomping = Chomping::Strip,
            b'+' => chomping = Chomping::Keep,
            b'1'..=b'9' => explicit_indent = Some(parent + usize::from(byte - b'0')),
            _ => break,
        }
    }
    let body_start = (header_end + 1).min(file.len());

    let lines: Vec<(usize, usize, usize)> = lines_from(file, body_start).collect();
    let indent = explicit_indent.unwrap_or_else(|| {
        lines
            .iter()
            .map(|&(start, end, _)| &file[start..end])
            .find(|line| !line.trim().is_empty())
            .map_or(parent + 1, |line| {
                line.bytes().take_while(|&b| b == b' ').count()
            })
    });
    let mut end_of_token = body_start;
    // Whether the previous content line was a "normal" folded line, so a single break
    // between two of them becomes a space.
    let mut previous_folds = false;
    let mut pending_breaks: Vec<usize> = Vec::new();
    let mut seen_content = false;

    for (start, content_end, next) in lines {
        let line = &file[start..content_end];
        let spaces = line.bytes().take_while(|&b| b == b' ').count();
        // A line of spaces is empty only up to the indentation; spaces past it are content.
        let blank = spaces == line.len() && spaces <= indent;
        if !blank && (spaces < indent || indent <= parent) {
            break;
        }
        end_of_token = next;
        if blank {
            pending_breaks.push(content_end);
            continue;
        }
        let content_start = start + indent;
        let more_indented = line.as_bytes().get(indent) == Some(&b' ')
            || line.as_bytes().get(indent) == Some(&b'\t');
        if seen_content {
            let line_break = pending_breaks.first().copied().unwrap_or(start);
            let folds = folded && previous_folds && !more_indented;
            if folds && pending_breaks.len() == 1 {
                text.push_synthetic(" ", line_break);
            } else if folds {
                for &at in pending_breaks.iter().skip(1) {
                    text.push_synthetic("\n", at);
                }
            } else {
                for &at in &pending_breaks {
                    text.push_synthetic("\n", at);
                }
            }
        } else {
            // Leading empty lines are kept, one line break each.
            for &at in &pending_breaks {
                text.push_synthetic("\n", at);
            }
        }
        pending_breaks.clear();
        pending_breaks.push(content_end);
        text.push_copied(&file[content_start..content_end], content_start);
        seen_content = true;
        previous_folds = !more_indented;
    }

    // Chomping decides what happens to the final line break and trailing blank lines.
    if seen_content {
        match chomping {
            Chomping::Strip => {}
            Chomping::Clip => {
                if let Some(&at) = pending_breaks.first() {
                    text.push_synthetic("\n", at);
                }
            }
            Chomping::Keep => {
                for &at in &pending_breaks {
                    text.push_synthetic("\n", at);
                }
            }
        }
    } else if chomping == Chomping::Keep {
        for &at in &pending_breaks {
            text.push_synthetic("\n", at);
        }
    }
    let trimmed_end = file[..end_of_token].trim_end_matches(['\n', '\r']).len();
    text.token_range = TextRange::new(header, trimmed_end.max(header));
    text
}

/// Folds the line breaks met inside a quoted or multi-line plain scalar: one break becomes a
/// space, each further empty line a newline. `breaks` holds the offsets of the breaks.
fn push_folded_breaks(text: &mut EmbeddedText, breaks: &[usize]) {
    match breaks {
        [] => {}
        [only] => text.push_synthetic(" ", *only),
        [_, rest @ ..] => {
            for &at in rest {
                text.push_synthetic("\n", at);
            }
        }
    }
}

/// Skips the indentation of a continuation line and counts the line break that ended the
/// previous one. Returns the offset of the next content character.
fn skip_line_break(file: &str, at: usize, breaks: &mut Vec<usize>) -> usize {
    let bytes = file.as_bytes();
    let mut position = at;
    loop {
        match bytes.get(position) {
            Some(b'\r') => position += 1,
            Some(b'\n') => {
                breaks.push(position);
                position += 1;
            }
            Some(b' ' | b'\t') => position += 1,
            _ => return position,
        }
    }
}

fn single_quoted(file: &str, start: usize) -> EmbeddedText {
    let mut text = EmbeddedText::new(start);
    let bytes = file.as_bytes();
    let mut position = start + 1;
    let mut run_start = position;
    while position < bytes.len() {
        match bytes[position] {
            b'\'' if bytes.get(position + 1) == Some(&b'\'') => {
                text.push_copied(&file[run_start..position + 1], run_start);
                position += 2;
                run_start = position;
            }
            b'\'' => {
                text.push_copied(&file[run_start..position], run_start);
                text.token_range = TextRange::new(start, position + 1);
                return text;
            }
            b'\n' | b'\r' => {
                let content = file[run_start..position].trim_end_matches([' ', '\t']);
                text.push_copied(content, run_start);
                let mut breaks = Vec::new();
                position = skip_line_break(file, position, &mut breaks);
                push_folded_breaks(&mut text, &breaks);
                run_start = position;
            }
            _ => position += 1,
        }
    }
    // Unterminated: keep what was read so the query can still be parsed.
    text.push_copied(&file[run_start..], run_start);
    text.token_range = TextRange::new(start, file.len());
    text
}

fn double_quoted(file: &str, start: usize) -> EmbeddedText {
    let mut text = EmbeddedText::new(start);
    let bytes = file.as_bytes();
    let mut position = start + 1;
    let mut run_start = position;
    while position < bytes.len() {
        match bytes[position] {
            b'"' => {
                text.push_copied(&file[run_start..position], run_start);
                text.token_range = TextRange::new(start, position + 1);
                return text;
            }
            b'\\' => {
                text.push_copied(&file[run_start..position], run_start);
                position = double_quoted_escape(file, position, &mut text);
                run_start = position;
            }
            b'\n' | b'\r' => {
                let content = file[run_start..position].trim_end_matches([' ', '\t']);
                text.push_copied(content, run_start);
                let mut breaks = Vec::new();
                position = skip_line_break(file, position, &mut breaks);
                push_folded_breaks(&mut text, &breaks);
                run_start = position;
            }
            _ => position += 1,
        }
    }
    text.push_copied(&file[run_start..], run_start);
    text.token_range = TextRange::new(start, file.len());
    text
}

/// Resolves the escape whose backslash is at `at` and returns the offset after it.
fn double_quoted_escape(file: &str, at: usize, text: &mut EmbeddedText) -> usize {
    let bytes = file.as_bytes();
    let Some(&code) = bytes.get(at + 1) else {
        return file.len();
    };
    let simple = match code {
        b'0' => Some("\0"),
        b'a' => Some("\u{7}"),
        b'b' => Some("\u{8}"),
        b't' | b'\t' => Some("\t"),
        b'n' => Some("\n"),
        b'v' => Some("\u{b}"),
        b'f' => Some("\u{c}"),
        b'r' => Some("\r"),
        b'e' => Some("\u{1b}"),
        b' ' => Some(" "),
        b'"' => Some("\""),
        b'/' => Some("/"),
        b'\\' => Some("\\"),
        b'N' => Some("\u{85}"),
        b'_' => Some("\u{a0}"),
        b'L' => Some("\u{2028}"),
        b'P' => Some("\u{2029}"),
        _ => None,
    };
    if let Some(value) = simple {
        text.push_synthetic(value, at);
        return at + 2;
    }
    match code {
        // An escaped line break joins the lines without a space.
        b'\n' | b'\r' => {
            let mut breaks = Vec::new();
            skip_line_break(file, at + 1, &mut breaks)
        }
        b'x' | b'u' | b'U' => {
            let digits = match code {
                b'x' => 2,
                b'u' => 4,
                _ => 8,
            };
            let hex = file.get(at + 2..at + 2 + digits).unwrap_or("");
            let decoded = u32::from_str_radix(hex, 16).ok().and_then(char::from_u32);
            match decoded {
                Some(c) if hex.len() == digits => {
                    text.push_synthetic(c.encode_utf8(&mut [0; 4]), at);
                    at + 2 + digits
                }
                // An invalid escape is kept as written so the query parser sees the text.
                _ => {
                    text.push_copied(&file[at..at + 2], at);
                    at + 2
                }
            }
        }
        _ => {
            let width = file[at + 1..].chars().next().map_or(1, char::len_utf8);
            text.push_copied(&file[at..at + 1 + width], at);
            at + 1 + width
        }
    }
}

/// A plain scalar: it ends at `: `, ` #`, or a line indented no deeper than its parent.
fn plain(file: &str, start: usize) -> EmbeddedText {
    let mut text = EmbeddedText::new(start);
    let line_start = file[..start].rfind('\n').map_or(0, |i| i + 1);
    let starts_line = file[line_start..start].bytes().all(|b| b == b' ');
    // A plain scalar alone on its line belongs to the key above it, so continuation lines
    // only need to be indented as deep as the first line.
    let parent = if starts_line {
        line_indent(file, start).saturating_sub(1)
    } else {
        parent_indent(file, start).min(line_indent(file, start))
    };
    let mut end = start;
    let mut breaks: Vec<usize> = Vec::new();
    let mut first = true;
    for (line_start, content_end, _) in
        lines_from(file, file[..start].rfind('\n').map_or(0, |i| i + 1))
    {
        let from = if first { start } else { line_start };
        let line = &file[from..content_end];
        if !first {
            let spaces = line
                .bytes()
                .take_while(|&b| b == b' ' || b == b'\t')
                .count();
            if line.trim().is_empty() {
                breaks.push(content_end);
                continue;
            }
            if spaces <= parent || line[spaces..].starts_with('#') {
                break;
            }
        }
        let content_from = if first {
            from
        } else {
            from + line
                .bytes()
                .take_while(|&b| b == b' ' || b == b'\t')
                .count()
        };
        let mut content = &file[content_from..content_end];
        if let Some(at) = content.find(" #") {
            content = &content[..at];
        }
        let stops_at_key = content
            .find(": ")
            .or_else(|| content.strip_suffix(':').map(str::len));
        if let Some(at) = stops_at_key {
            content = &content[..at];
        }
        let content = content.trim_end_matches([' ', '\t']);
        if !first {
            if breaks.is_empty() {
                text.push_synthetic(" ", line_start.saturating_sub(1));
            } else {
                push_folded_breaks(
                    &mut text,
                    &[&[line_start.saturating_sub(1)][..], &breaks[..]].concat(),
                );
            }
            breaks.clear();
        }
        text.push_copied(content, content_from);
        end = content_from + content.len();
        first = false;
        if stops_at_key.is_some() {
            break;
        }
    }
    text.token_range = TextRange::new(start, end.max(start));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads the value of `key` in `file` and checks that each byte maps back to itself.
    fn check(file: &str, key: &str, expected: &str) -> EmbeddedText {
        let key_at = file.find(&format!("{key}:")).expect("key in fixture");
        let value_at = key_at + key.len() + 1;
        let start = value_at + file[value_at..].bytes().take_while(|&b| b == b' ').count();
        let scalar = yaml_scalar(file, start).expect("scalar");
        assert_eq!(scalar.text, expected, "value of {key}");
        scalar
    }

    /// Asserts that `needle`, found in the value, maps to the same text in the file.
    fn assert_maps(file: &str, scalar: &EmbeddedText, needle: &str) {
        let at = scalar.text.find(needle).expect("needle in value");
        let range = scalar.file_range(TextRange::new(at, at + needle.len()));
        assert_eq!(&file[range.as_range()], needle);
    }

    #[test]
    fn literal_block_keeps_lines() {
        let file = "query: |\n  SigninLogs\n  | where ResultType == 0\n\nnext: 1\n";
        let scalar = check(file, "query", "SigninLogs\n| where ResultType == 0\n");
        assert_maps(file, &scalar, "ResultType");
        assert_eq!(
            scalar.token_range.start(),
            file.find('|').unwrap_or_default()
        );
    }

    #[test]
    fn folded_block_with_strip_chomping() {
        let file = "search: >-\n  index=main\n  sourcetype=x\n\n  | stats count\nx: 1\n";
        let scalar = check(file, "search", "index=main sourcetype=x\n| stats count");
        assert_maps(file, &scalar, "sourcetype=x");
        assert_maps(file, &scalar, "stats");
    }

    #[test]
    fn block_scalar_from_content_start() {
        let file = "query: |-  # comment\n    A\n    B\n";
        let content = file.find('A').unwrap_or_default();
        let scalar = yaml_scalar(file, content).expect("scalar");
        assert_eq!(scalar.text, "A\nB");
    }

    #[test]
    fn keep_chomping_keeps_trailing_breaks() {
        let file = "q: |+\n  a\n\n\nz: 1\n";
        check(file, "q", "a\n\n\n");
    }

    #[test]
    fn single_quoted_with_doubled_quotes_and_folding() {
        let file = "search: '| tstats count where x=''a b''\n  and y=1'\n";
        let scalar = check(file, "search", "| tstats count where x='a b' and y=1");
        assert_maps(file, &scalar, "y=1");
        assert_maps(file, &scalar, "tstats");
    }

    #[test]
    fn double_quoted_escapes() {
        let file = "query: \"a\\tb \\\"c\\\" \\u00e9\\\n  d\"\n";
        let scalar = check(file, "query", "a\tb \"c\" éd");
        assert_maps(file, &scalar, "d");
    }

    #[test]
    fn plain_multi_line_folds() {
        let file = "query: SecurityEvent\n  | where EventID == 4625 # note\nnext: 1\n";
        let scalar = check(file, "query", "SecurityEvent | where EventID == 4625");
        assert_maps(file, &scalar, "EventID");
    }

    #[test]
    fn crlf_lines_map_back() {
        let file = "query: |\r\n  A\r\n  B == 1\r\n";
        let scalar = check(file, "query", "A\nB == 1\n");
        assert_maps(file, &scalar, "B == 1");
    }

    #[test]
    fn unterminated_quote_reads_to_end() {
        let file = "q: 'abc";
        check(file, "q", "abc");
    }

    #[test]
    fn multibyte_text_maps_back() {
        let file = "q: |\n  名前 == \"😀\"\n";
        let scalar = check(file, "q", "名前 == \"😀\"\n");
        assert_maps(file, &scalar, "😀");
    }

    #[test]
    fn out_of_range_start_is_none() {
        assert!(yaml_scalar("a: b", 99).is_none());
        assert!(yaml_scalar("a: é", 4).is_none());
    }
}
