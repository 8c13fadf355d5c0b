//! Code actions as plain edits: the fixes a diagnostic carries, "suppress with a reason", and
//! "apply every fix of one lint" at once.
//!
//! A *suppression comment* (read by [`crate::suppression`]) is one line placed above the line a
//! finding starts on, in the comment syntax of the language at that spot:
//!
//! - YAML and TOML: `# rulelens: ignore[lint-id] reason`
//! - KQL, also inside a Sentinel `query: |` block: `// rulelens: ignore[lint-id] reason`
//! - SPL, also inside a Splunk `search: |` block: ```` ``` rulelens: ignore[lint-id] reason ``` ````
//!
//! A line comment covers the next non-blank line. Inside a string that cannot hold a comment
//! (a YAML block scalar that is not a query, a TOML multi-line string) a line comment would
//! change the string, so the edit puts `rulelens: ignore-file[lint-id] reason` above the line
//! where that string's key is written instead. The inserted reason is
//! [`REASON_PLACEHOLDER`], which the user replaces with the real reason.

use rulelens_syntax::{Fix, Format, TextEdit, TextRange};

/// The reason text a new suppression comment carries until the user writes one.
pub const REASON_PLACEHOLDER: &str = "<reason>";

/// A comment syntax for a suppression line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommentStyle {
    /// `# ...` in YAML and TOML.
    Hash,
    /// `// ...` in KQL.
    DoubleSlash,
    /// ```` ``` ... ``` ```` in SPL.
    TripleBacktick,
}

impl CommentStyle {
    /// The whole comment for `body`.
    pub fn comment(self, body: &str) -> String {
        match self {
            CommentStyle::Hash => format!("# {body}"),
            CommentStyle::DoubleSlash => format!("// {body}"),
            CommentStyle::TripleBacktick => format!("``` {body} ```"),
        }
    }
}

/// Where a suppression comment goes and what it covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Placement {
    /// The start of the line the comment is inserted above.
    line_start: usize,
    style: CommentStyle,
    /// The comment must cover the whole file (`ignore-file`), because a line comment cannot
    /// sit on the line before the finding.
    whole_file: bool,
}

impl Placement {
    fn line(line_start: usize, style: CommentStyle) -> Placement {
        Placement {
            line_start,
            style,
            whole_file: false,
        }
    }

    fn file(line_start: usize) -> Placement {
        Placement {
            line_start,
            style: CommentStyle::Hash,
            whole_file: true,
        }
    }
}

/// Builds the edit that inserts a suppression comment for `lint` above the finding at
/// `range` in a file of `format`.
pub fn suppression_edit(
    format: Option<Format>,
    text: &str,
    range: TextRange,
    lint: &str,
) -> TextEdit {
    let offset = floor_boundary(text, range.start());
    let placement = suppression_place(format, text, offset);
    let line = line_at(text, placement.line_start);
    let indent: String = line
        .chars()
        .take_while(|c| *c == ' ' || *c == '\t')
        .collect();
    let newline = if line.ends_with("\r\n") { "\r\n" } else { "\n" };
    let directive = if placement.whole_file {
        "ignore-file"
    } else {
        "ignore"
    };
    let body = format!("rulelens: {directive}[{lint}] {REASON_PLACEHOLDER}");
    TextEdit {
        range: TextRange::empty(placement.line_start),
        new_text: format!("{indent}{}{newline}", placement.style.comment(&body)),
    }
}

fn suppression_place(format: Option<Format>, text: &str, offset: usize) -> Placement {
    let line_start = line_start_of(text, offset);
    match format {
        Some(Format::Kql) => Placement::line(line_start, CommentStyle::DoubleSlash),
        Some(Format::Spl) => Placement::line(line_start, CommentStyle::TripleBacktick),
        Some(Format::ElasticToml) => match toml_multiline_string_start(text, offset) {
            Some(opening_line) => Placement::file(opening_line),
            None => Placement::line(line_start, CommentStyle::Hash),
        },
        Some(Format::Sigma | Format::SentinelYaml | Format::SplunkYaml | Format::PantherYaml)
        | None => yaml_place(format, text, line_start),
    }
}

/// Places a suppression in YAML: inside a block scalar that holds a query, the query
/// language's comment goes on the line before the finding; inside any other block scalar a
/// file-wide comment goes above its key; elsewhere a YAML comment goes above the finding.
fn yaml_place(format: Option<Format>, text: &str, line_start: usize) -> Placement {
    let Some((key, key_line_start)) = enclosing_block_scalar(text, line_start) else {
        return Placement::line(line_start, CommentStyle::Hash);
    };
    match (format, key.as_str()) {
        (Some(Format::SentinelYaml), "query") => {
            Placement::line(line_start, CommentStyle::DoubleSlash)
        }
        (Some(Format::SplunkYaml), "search") => {
            Placement::line(line_start, CommentStyle::TripleBacktick)
        }
        _ => Placement::file(key_line_start),
    }
}

/// When the line at `line_start` is content of a YAML block scalar (`key: |` or `key: >`),
/// returns the key and the start of the key's line.
///
/// Walks up through lines of decreasing indentation: content lines of a block scalar may be
/// indented more than its first line, so the first less-indented line that is not a block
/// scalar header does not settle it until indentation 0 is reached.
fn enclosing_block_scalar(text: &str, line_start: usize) -> Option<(String, usize)> {
    let line = line_at(text, line_start);
    if line.trim().is_empty() {
        return None;
    }
    let mut smallest_indent = indentation(line);
    let mut cursor = line_start;
    while cursor > 0 && smallest_indent > 0 {
        let previous_start = line_start_of(text, cursor - 1);
        let previous = line_at(text, previous_start);
        cursor = previous_start;
        if previous.trim().is_empty() {
            continue;
        }
        let indent = indentation(previous);
        if indent >= smallest_indent {
            continue;
        }
        if let Some(key) = block_scalar_key(previous) {
            return Some((key, previous_start));
        }
        smallest_indent = indent;
    }
    None
}

/// The key of a `key: |` or `- key: >-` block scalar header line.
fn block_scalar_key(line: &str) -> Option<String> {
    let trimmed = line.trim();
    let trimmed = trimmed.strip_prefix("- ").unwrap_or(trimmed).trim_start();
    let (key, rest) = trimmed.split_once(':')?;
    let rest = rest.split(" #").next().unwrap_or_default().trim();
    let is_header = rest.strip_prefix(['|', '>']).is_some_and(|indicators| {
        indicators
            .chars()
            .all(|c| matches!(c, '+' | '-' | '1'..='9'))
    });
    let key = key.trim().trim_matches(['"', '\'']);
    (is_header && !key.is_empty()).then(|| key.to_owned())
}

/// When `offset` is inside a TOML multi-line string, the start of the line that opens it.
fn toml_multiline_string_start(text: &str, offset: usize) -> Option<usize> {
    let mut open: Option<(&str, usize)> = None;
    let mut index = 0;
    let bytes = text.as_bytes();
    while index < offset.min(text.len()) {
        let rest = bytes.get(index..).unwrap_or_default();
        let delimiter = if rest.starts_with(b"'''") {
            Some("'''")
        } else if rest.starts_with(b"\"\"\"") {
            Some("\"\"\"")
        } else {
            None
        };
        match (delimiter, open) {
            (Some(found), None) => {
                open = Some((found, line_start_of(text, index)));
                index += 3;
            }
            (Some(found), Some((opened, _))) if found == opened => {
                open = None;
                index += 3;
            }
            _ => index += 1,
        }
    }
    open.map(|(_, line_start)| line_start)
}

/// Combines the fixes of several diagnostics into one edit list, or `None` when two edits
/// overlap and the fixes cannot be applied together.
pub fn combine_fixes<'a>(fixes: impl IntoIterator<Item = &'a Fix>) -> Option<Vec<TextEdit>> {
    let mut edits: Vec<TextEdit> = fixes
        .into_iter()
        .flat_map(|fix| fix.edits.iter().cloned())
        .collect();
    edits.sort_by_key(|edit| (edit.range.start, edit.range.end));
    edits.dedup();
    let overlapping = edits
        .windows(2)
        .any(|pair| pair[0].range.end > pair[1].range.start || pair[0].range == pair[1].range);
    (!overlapping).then_some(edits)
}

fn floor_boundary(text: &str, offset: usize) -> usize {
    rulelens_syntax::line_index::floor_char_boundary(text, offset)
}

/// The start of the line holding byte `offset`. Lines end at LF, CRLF or a lone CR.
fn line_start_of(text: &str, offset: usize) -> usize {
    let offset = floor_boundary(text, offset);
    let before = text.get(..offset).unwrap_or_default();
    before
        .rfind(['\n', '\r'])
        .map_or(0, |terminator| terminator + 1)
}

/// The line starting at `line_start`, with its terminator.
fn line_at(text: &str, line_start: usize) -> &str {
    let rest = text.get(line_start..).unwrap_or_default();
    match rest.find(['\n', '\r']) {
        Some(end) if rest.get(end..end + 2) == Some("\r\n") => &rest[..end + 2],
        Some(end) => &rest[..end + 1],
        None => rest,
    }
}

fn indentation(line: &str) -> usize {
    line.chars().take_while(|c| *c == ' ' || *c == '\t').count()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Applies the suppression for the finding that starts at `$0` and returns the new text.
    fn suppress(format: Format, fixture: &str) -> String {
        let offset = fixture.find("$0").expect("fixture has a $0 cursor");
        let text = fixture.replacen("$0", "", 1);
        let edit = suppression_edit(
            Some(format),
            &text,
            TextRange::new(offset, offset + 1),
            "corpus/noisy-indicator-alone",
        );
        let mut result = text.clone();
        result.replace_range(edit.range.as_range(), &edit.new_text);
        result
    }

    #[test]
    fn sigma_suppression_above_line() {
        let result = suppress(
            Format::Sigma,
            "detection:\n    selection:\n        $0Image|endswith: '\\x.exe'\n",
        );
        assert_eq!(
            result,
            "detection:\n    selection:\n        \
# rulelens: ignore[corpus/noisy-indicator-alone] <reason>\n        Image|endswith: '\\x.exe'\n"
        );
    }

    #[test]
    fn kql_suppression_uses_double_slash() {
        let result = suppress(
            Format::Kql,
            "SigninLogs\n| where $0IPAddress == '1.2.3.4'\n",
        );
        assert_eq!(
            result,
            "SigninLogs\n// rulelens: ignore[corpus/noisy-indicator-alone] <reason>\n\
| where IPAddress == '1.2.3.4'\n"
        );
    }

    #[test]
    fn spl_suppression_uses_backticks_crlf() {
        let result = suppress(Format::Spl, "index=main\r\n| search $0user=x\r\n");
        assert_eq!(
            result,
            "index=main\r\n``` rulelens: ignore[corpus/noisy-indicator-alone] <reason> ```\r\n\
| search user=x\r\n"
        );
    }

    #[test]
    fn sentinel_block_query_uses_kql_comment() {
        let result = suppress(
            Format::SentinelYaml,
            "id: x\nquery: |\n  SigninLogs\n    | where $0A == 1\n",
        );
        assert_eq!(
            result,
            "id: x\nquery: |\n  SigninLogs\n    \
// rulelens: ignore[corpus/noisy-indicator-alone] <reason>\n    | where A == 1\n"
        );
    }

    #[test]
    fn splunk_one_line_search_goes_above_key() {
        let result = suppress(Format::SplunkYaml, "name: x\nsearch: '| tstats $0count'\n");
        assert_eq!(
            result,
            "name: x\n# rulelens: ignore[corpus/noisy-indicator-alone] <reason>\n\
search: '| tstats count'\n"
        );
    }

    #[test]
    fn sigma_description_block_goes_above_key() {
        let result = suppress(
            Format::Sigma,
            "title: t\ndescription: |\n  first\n    $0second\nlevel: low\n",
        );
        assert_eq!(
            result,
            "title: t\n# rulelens: ignore-file[corpus/noisy-indicator-alone] <reason>\n\
description: |\n  first\n    second\nlevel: low\n"
        );
    }

    #[test]
    fn toml_multiline_query_goes_above_key() {
        let result = suppress(
            Format::ElasticToml,
            "[rule]\nquery = '''\nprocess where $0x\n'''\n",
        );
        assert_eq!(
            result,
            "[rule]\n# rulelens: ignore-file[corpus/noisy-indicator-alone] <reason>\n\
query = '''\nprocess where x\n'''\n"
        );
    }

    /// Every placement gives a comment that the suppression reader accepts and that covers
    /// the finding, once the edit is applied.
    #[test]
    fn suppressions_cover_their_finding() {
        let cases = [
            (Format::Sigma, "detection:\n  sel:\n    $0Image: x\n"),
            (Format::Sigma, "title: t\ndescription: |\n  a\n  $0b\n"),
            (Format::Kql, "T\n| where $0A == 1\n"),
            (Format::Spl, "index=a\r\n| search $0b=1\r\n"),
            (Format::SentinelYaml, "query: |\n  T\n  | where $0A == 1\n"),
            (
                Format::SplunkYaml,
                "search: |\n  index=a\n  | where $0b=1\n",
            ),
            (Format::SplunkYaml, "name: x\nsearch: '| tstats $0count'\n"),
            (
                Format::ElasticToml,
                "[rule]\nquery = '''\nprocess where $0x\n'''\n",
            ),
        ];
        for (format, fixture) in cases {
            let offset = fixture.find("$0").expect("fixture has a $0 cursor");
            let text = fixture.replacen("$0", "", 1);
            let lint = "syntax/unknown-format";
            let edit = suppression_edit(Some(format), &text, TextRange::empty(offset), lint);
            let mut edited = text.clone();
            edited.replace_range(edit.range.as_range(), &edit.new_text);
            let moved = offset + edit.new_text.len();
            let finding = rulelens_syntax::Diagnostic::error(lint, TextRange::empty(moved), "x");
            let kept =
                crate::suppression::apply_suppressions(&edited, format, vec![finding], &|_| true);
            assert_eq!(
                kept,
                Vec::new(),
                "{format:?} fixture {fixture:?} gave {edited:?}"
            );
        }
    }

    #[test]
    fn combine_rejects_overlapping_edits() {
        let fix = |start: usize, end: usize| Fix {
            title: "t".to_owned(),
            edits: vec![TextEdit {
                range: TextRange::new(start, end),
                new_text: "x".to_owned(),
            }],
            safe: true,
        };
        let combined = combine_fixes([&fix(10, 12), &fix(0, 2)]).expect("disjoint edits combine");
        assert_eq!(combined.first().map(|e| e.range.start()), Some(0));
        assert_eq!(combine_fixes([&fix(0, 5), &fix(3, 6)]), None);
        // The same fix offered by two diagnostics is applied once.
        assert_eq!(
            combine_fixes([&fix(0, 2), &fix(0, 2)]).map(|e| e.len()),
            Some(1)
        );
    }
}
