//! Splunk security_content detection YAML: the `search:` and the metadata keys.
//!
//! The file is read with a scanner for the part of YAML these files use: top-level
//! `key: scalar` lines, block sequences of scalars (`data_source:`), and the `tags:` mapping
//! with its `mitre_attack_id:` list. Scalars go through [`yaml_scalar`], which handles every
//! scalar style and maps each byte of the value back to the file. The scanner is used instead
//! of `saphyr` for two reasons: `saphyr` rejects some files that Splunk's own tooling reads
//! (quoted scalars continued at column 0), and it takes longer than the whole SPL pipeline.
//!
//! FIXME: flow sequences (`data_source: [a, b]`) and anchors are not read; the corpus has
//! none in the keys read here.

use super::expand::OffsetMapper;
use super::{parse_search, SplOptions, MISSING_SEARCH};
use crate::diagnostic::Diagnostic;
use crate::embed::{yaml_scalar, EmbeddedText};
use crate::ir::*;
use crate::{Document, ParsedFile, Tree};

/// A search embedded in the file, with the file text to refine where ranges end.
struct EmbeddedSearch<'f> {
    embedded: &'f EmbeddedText,
    file: &'f str,
}

impl OffsetMapper for EmbeddedSearch<'_> {
    fn file_start(&self, offset: usize) -> usize {
        self.embedded.file_offset(offset)
    }

    /// Returns the end of the file text that produced the byte before `offset`. An escape such as
    /// `''` produces one byte from two, so when the next byte's file text starts further on
    /// with no white space between, the range grows to cover the whole escape.
    fn file_end(&self, offset: usize) -> usize {
        if offset == 0 {
            return self.embedded.file_offset(0);
        }
        let mut end = self.embedded.file_offset(offset - 1) + 1;
        while end < self.file.len() && !self.file.is_char_boundary(end) {
            end += 1;
        }
        if offset < self.embedded.text.len() {
            let next = self.embedded.file_offset(offset);
            let between = self.file.get(end..next).unwrap_or(" ");
            if next > end && !between.contains(char::is_whitespace) {
                end = next;
            }
        }
        end.min(self.file.len())
    }
}

/// A top-level key line: the key, where its line starts, and where its value starts.
struct KeyLine<'t> {
    key: &'t str,
    /// Offset of the first non-space character after the colon on the key's line, if any.
    inline_value: Option<usize>,
    /// Offset of the line after the key line.
    next_line: usize,
}

/// Parses a Splunk detection file.
pub fn parse_detection(text: &str, options: &SplOptions<'_>) -> ParsedFile {
    let whole = TextRange::new(0, text.len());
    let mut rule = Rule::new(Format::SplunkYaml, Language::Spl, whole);
    let keys = top_level_keys(text);
    let mut diagnostics = Vec::new();
    let mut declared_data_sources = Vec::new();
    let mut detection_type = None;

    for key in &keys {
        match key.key {
            "name" => rule.metadata.title = scalar_value(text, key),
            "id" => rule.metadata.id = scalar_value(text, key),
            "status" => {
                rule.metadata.status = scalar_value(text, key);
                rule.metadata.deprecated = rule
                    .metadata
                    .status
                    .as_ref()
                    .is_some_and(|status| status.value.eq_ignore_ascii_case("deprecated"));
            }
            // Splunk's `type` (TTP, Anomaly, Hunting) describes how a detection is used, not how
            // severe it is, so it is kept in the tree rather than as the rule's level.
            "type" => detection_type = scalar_value(text, key),
            "data_source" => {
                let end = block_end(text, key.next_line);
                for item in sequence_items(text, key.next_line, end, 0) {
                    declared_data_sources.push(Spanned::new(item.value, item.range));
                }
            }
            "tags" => {
                let end = block_end(text, key.next_line);
                for technique in nested_sequence(text, key.next_line, end, "mitre_attack_id") {
                    rule.metadata.techniques.push(Spanned::new(
                        technique.value.trim().to_ascii_uppercase(),
                        technique.range,
                    ));
                }
            }
            _ => {}
        }
    }

    let search = keys
        .iter()
        .find(|key| key.key == "search")
        .and_then(|key| scalar(text, key));
    let Some(search) = search else {
        diagnostics.push(Diagnostic::error(
            MISSING_SEARCH,
            TextRange::empty(0),
            "detection has no `search:` key at the top level: add the SPL search",
        ));
        let document = super::SplDocument {
            declared_data_sources,
            detection_type,
            ..Default::default()
        };
        return ParsedFile {
            format: Some(Format::SplunkYaml),
            documents: vec![Document {
                rule,
                tree: Tree::Spl(Box::new(document)),
            }],
            diagnostics,
        };
    };

    let mapper = EmbeddedSearch {
        embedded: &search,
        file: text,
    };
    let (mut document, search_diagnostics) =
        parse_search(&search.text, &mapper, search.token_range, options);
    document.declared_data_sources = declared_data_sources;
    document.detection_type = detection_type;
    diagnostics.extend(search_diagnostics);
    let lowered = super::lower::lower(&document);
    rule.logic = lowered.logic;
    rule.data_sources = lowered.data_sources;
    ParsedFile {
        format: Some(Format::SplunkYaml),
        documents: vec![Document {
            rule,
            tree: Tree::Spl(Box::new(document)),
        }],
        diagnostics,
    }
}

/// Finds the keys written at column 0.
fn top_level_keys(text: &str) -> Vec<KeyLine<'_>> {
    let mut keys = Vec::new();
    let mut line_start = 0;
    while line_start < text.len() {
        let line_end = text[line_start..]
            .find('\n')
            .map_or(text.len(), |relative| line_start + relative);
        let line = &text[line_start..line_end];
        let line = line.strip_prefix('\u{feff}').unwrap_or(line);
        let skipped = line_end - line_start - line.len();
        // Only the key's own bytes are scanned, so long description lines cost nothing.
        let colon = line
            .bytes()
            .position(|b| !(b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
            .filter(|&at| at > 0 && line.as_bytes().get(at) == Some(&b':'));
        if let Some(colon) = colon {
            let key = &line[..colon];
            let after = &line[colon + 1..];
            // A key is followed by a space or the end of the line, unlike `http://x`.
            if after.is_empty() || after.starts_with([' ', '\t', '\r']) {
                let value_offset = after.len() - after.trim_start().len();
                let value = after.trim();
                let inline_value = (!value.is_empty() && !value.starts_with('#'))
                    .then(|| line_start + skipped + colon + 1 + value_offset);
                keys.push(KeyLine {
                    key,
                    inline_value,
                    next_line: (line_end + 1).min(text.len()),
                });
            }
        }
        line_start = line_end + 1;
    }
    keys
}

/// Reads the scalar value of a top-level key, on its line or starting on the next lines.
fn scalar(text: &str, key: &KeyLine<'_>) -> Option<EmbeddedText> {
    let start = match key.inline_value {
        Some(start) => start,
        None => {
            // A plain or quoted scalar may start on the next, indented line.
            let rest = text.get(key.next_line..)?;
            let content = rest.len() - rest.trim_start().len();
            let start = key.next_line + content;
            let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
            if start >= text.len() || start == line_start || rest.trim_start().starts_with("- ") {
                return None;
            }
            start
        }
    };
    yaml_scalar(text, start)
}

fn scalar_value(text: &str, key: &KeyLine<'_>) -> Option<Spanned<String>> {
    let value = scalar(text, key)?;
    let trimmed = value.text.trim();
    if trimmed.is_empty() {
        return None;
    }
    Some(Spanned::new(trimmed.to_owned(), value.token_range))
}

/// Returns the offset where the block that starts at `start` ends: the next line at column 0 that is
/// not blank and not a comment.
fn block_end(text: &str, start: usize) -> usize {
    let mut line_start = start;
    while line_start < text.len() {
        let line_end = text[line_start..]
            .find('\n')
            .map_or(text.len(), |relative| line_start + relative);
        let line = &text[line_start..line_end];
        let at_column_zero = line
            .bytes()
            .next()
            .is_some_and(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'#'));
        // A sequence may sit at column 0 under its key.
        if at_column_zero && !line.starts_with("- ") && line != "-" {
            return line_start;
        }
        line_start = line_end + 1;
    }
    text.len()
}

/// One item of a block sequence.
struct Item {
    value: String,
    range: TextRange,
}

/// Reads the block sequence under `key:` inside `start..end` (a nested mapping).
fn nested_sequence(text: &str, start: usize, end: usize, key: &str) -> Vec<Item> {
    let block = text.get(start..end).unwrap_or_default();
    let mut offset = start;
    for line in block.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if let Some(rest) = trimmed.strip_prefix(key).and_then(|r| r.strip_prefix(':')) {
            let next = offset + line.len();
            if rest.trim().is_empty() {
                return sequence_items(text, next, end, indent);
            }
            return Vec::new();
        }
        offset += line.len();
    }
    Vec::new()
}

/// Reads `- item` lines from `start`, while their indentation is at least `min_indent`.
fn sequence_items(text: &str, start: usize, end: usize, min_indent: usize) -> Vec<Item> {
    let mut items = Vec::new();
    let block = text.get(start..end).unwrap_or_default();
    let mut offset = start;
    for line in block.split_inclusive('\n') {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if trimmed.trim().is_empty() || trimmed.starts_with('#') {
            offset += line.len();
            continue;
        }
        let Some(after_dash) = trimmed.strip_prefix('-') else {
            break;
        };
        if indent < min_indent
            || !(after_dash.starts_with([' ', '\r', '\n']) || after_dash.is_empty())
        {
            break;
        }
        let value_start = offset + indent + 1 + (after_dash.len() - after_dash.trim_start().len());
        if let Some(value) = yaml_scalar(text, value_start) {
            let trimmed_value = value.text.trim();
            if !trimmed_value.is_empty() {
                items.push(Item {
                    value: trimmed_value.to_owned(),
                    range: value.token_range,
                });
            }
        }
        offset += line.len();
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spl::MacroTable;

    fn parse(text: &str) -> ParsedFile {
        parse_detection(
            text,
            &SplOptions {
                macros: &MacroTable::new(),
                report_unknown_macros: false,
            },
        )
    }

    #[test]
    fn metadata_keys_are_read() {
        let text = "name: Some Detection\nid: abc-1\ntype: TTP\nstatus: deprecated\n\
                    data_source:\n- Sysmon EventID 1\nsearch: '`sysmon` EventCode=1'\ntags:\n  \
                    analytic_story:\n  - x\n  mitre_attack_id:\n  - t1059.001\n  - T1003\n  \
                    product:\n  - Splunk\n";
        let parsed = parse(text);

        let rule = &parsed.documents[0].rule;
        let title = rule.metadata.title.as_ref().map(|t| t.value.as_str());
        assert_eq!(title, Some("Some Detection"));
        assert_eq!(
            rule.metadata.id.as_ref().map(|t| t.value.as_str()),
            Some("abc-1")
        );
        assert!(rule.metadata.deprecated);
        assert_eq!(rule.metadata.level, None);

        let Tree::Spl(document) = &parsed.documents[0].tree else {
            panic!("not an SPL tree");
        };
        let detection_type = document.detection_type.as_ref().map(|t| t.value.as_str());
        assert_eq!(detection_type, Some("TTP"));
        let declared: Vec<&str> = document
            .declared_data_sources
            .iter()
            .map(|d| d.value.as_str())
            .collect();
        assert_eq!(declared, vec!["Sysmon EventID 1"]);

        let techniques: Vec<&str> = rule
            .metadata
            .techniques
            .iter()
            .map(|t| t.value.as_str())
            .collect();
        assert_eq!(techniques, vec!["T1059.001", "T1003"]);
        let first = &rule.metadata.techniques[0];
        assert_eq!(&text[first.range.as_range()], "t1059.001");
    }

    #[test]
    fn search_ranges_map_through_quotes() {
        let text = "search: '| tstats count where x=''a'' y=\"b c\" by z'\n";
        let parsed = parse(text);
        assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
        let rule = &parsed.documents[0].rule;
        let predicates = rule.predicates();
        assert_eq!(predicates.len(), 2);
        let value_texts: Vec<&str> = predicates
            .iter()
            .filter_map(|(predicate, _)| predicate.value.as_ref())
            .map(|value| &text[value.range.as_range()])
            .collect();
        assert_eq!(value_texts, vec!["''a''", "\"b c\""]);
    }

    #[test]
    fn missing_search_is_reported() {
        let parsed = parse("name: x\n");
        assert_eq!(parsed.diagnostics.len(), 1);
        assert_eq!(parsed.diagnostics[0].lint, MISSING_SEARCH);
    }
}
