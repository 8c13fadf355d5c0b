//! The first pass over a search: comments blanked out and macro calls expanded.
//!
//! Splunk expands macros as text before it parses a search, and this pass does the same, so
//! the parser reads one string. [`OriginMap`] records where each part of that string came
//! from: text the user wrote maps back byte for byte, and text that a macro produced maps to
//! the whole macro call in the user's text, so a predicate from `` `process_cmd` `` points at
//! the call. Nested calls inside a definition map to the outermost call.
//!
//! Comments (```` ```text``` ````) are replaced by spaces of the same byte length, so the
//! offsets of everything after them stay the same.

use super::macros::{MacroDefinition, MacroTable};
use super::MacroCall;
use crate::diagnostic::{Diagnostic, Severity};
use crate::ir::TextRange;

/// Nested macro calls deeper than this are not expanded and are reported; a macro that calls
/// itself stops here.
pub const MAX_MACRO_DEPTH: usize = 32;

/// The expanded search may grow to this many bytes beyond the user's text; past it, calls are
/// left unexpanded and reported. It stops macros that double their text at each level.
pub const MAX_EXPANSION_GROWTH: usize = 1 << 20;

/// The source of one run of the expanded text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    /// Copied from the user's text starting at this offset, one byte for one byte.
    User(usize),
    /// Produced by the macro call at this range of the user's text.
    Macro(TextRange),
}

#[derive(Clone, Copy, Debug)]
struct Segment {
    expanded_start: usize,
    origin: Origin,
}

/// Maps offsets of a search text to offsets of the file that contains it, for a search embedded
/// in YAML.
pub trait OffsetMapper {
    /// Returns the file offset where the search text's byte `offset` starts.
    fn file_start(&self, offset: usize) -> usize;
    /// Returns the file offset where a range of the search text that ends at `offset` ends.
    fn file_end(&self, offset: usize) -> usize;
}

/// The mapping of a search that is the whole file.
#[derive(Clone, Copy, Debug, Default)]
pub struct IdentityMapper;

impl OffsetMapper for IdentityMapper {
    fn file_start(&self, offset: usize) -> usize {
        offset
    }

    fn file_end(&self, offset: usize) -> usize {
        offset
    }
}

/// Maps byte offsets of the expanded text back to ranges of the file.
#[derive(Clone)]
pub struct OriginMap<'a> {
    /// Sorted by `expanded_start`; each segment runs to the start of the next one.
    segments: Vec<Segment>,
    expanded_len: usize,
    outer: &'a dyn OffsetMapper,
}

impl std::fmt::Debug for OriginMap<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OriginMap")
            .field("segments", &self.segments)
            .field("expanded_len", &self.expanded_len)
            .finish_non_exhaustive()
    }
}

impl OriginMap<'_> {
    fn push(&mut self, expanded_start: usize, origin: Origin) {
        if let Some(last) = self.segments.last_mut() {
            if last.expanded_start == expanded_start {
                last.origin = origin;
                return;
            }
        }
        self.segments.push(Segment {
            expanded_start,
            origin,
        });
    }

    fn segment_at(&self, offset: usize) -> Option<&Segment> {
        let index = self
            .segments
            .partition_point(|segment| segment.expanded_start <= offset);
        self.segments.get(index.checked_sub(1)?)
    }

    /// Maps a range of the expanded text to the user's text. A range that starts or ends in
    /// macro output grows to cover the whole call.
    pub fn map(&self, start: usize, end: usize) -> TextRange {
        let end = end.max(start);
        let mapped_start = match self.segment_at(start) {
            Some(Segment {
                expanded_start,
                origin: Origin::User(user),
            }) => self.outer.file_start(user + (start - expanded_start)),
            Some(Segment {
                origin: Origin::Macro(call),
                ..
            }) => call.start(),
            None => self.outer.file_start(start),
        };
        let last = if end > start { end - 1 } else { start };
        let mapped_end = match self.segment_at(last) {
            Some(Segment {
                expanded_start,
                origin: Origin::User(user),
            }) => self.outer.file_end(user + (end - expanded_start)),
            Some(Segment {
                origin: Origin::Macro(call),
                ..
            }) => call.end(),
            None => self.outer.file_end(end),
        };
        TextRange::new(mapped_start.min(mapped_end), mapped_end.max(mapped_start))
    }

    /// Returns whether the byte at `offset` of the expanded text came from a macro.
    pub fn is_from_macro(&self, offset: usize) -> bool {
        matches!(
            self.segment_at(offset),
            Some(Segment {
                origin: Origin::Macro(_),
                ..
            })
        )
    }

    pub fn expanded_len(&self) -> usize {
        self.expanded_len
    }
}

/// The output of the first pass.
#[derive(Debug)]
pub struct Expansion<'a> {
    pub text: String,
    pub origins: OriginMap<'a>,
    /// Every macro call in the user's text, expanded or not.
    pub calls: Vec<MacroCall>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Options of the first pass.
#[derive(Clone, Copy, Debug)]
pub struct ExpandOptions<'a> {
    pub macros: &'a MacroTable,
    /// Reports each call of a macro that is not in the table, at info level.
    pub report_unknown_macros: bool,
}

/// Blanks comments and expands macro calls in `text`. Ranges are mapped to the file through
/// `outer`.
pub fn expand<'a>(
    text: &str,
    options: ExpandOptions<'_>,
    outer: &'a dyn OffsetMapper,
) -> Expansion<'a> {
    let mut expander = Expander {
        options,
        output: String::with_capacity(text.len()),
        origins: OriginMap {
            segments: Vec::new(),
            expanded_len: 0,
            outer,
        },
        calls: Vec::new(),
        diagnostics: Vec::new(),
        budget: text.len().saturating_add(MAX_EXPANSION_GROWTH),
        budget_reported: false,
    };
    expander.expand_user_text(text);
    expander.origins.expanded_len = expander.output.len();
    Expansion {
        text: expander.output,
        origins: expander.origins,
        calls: expander.calls,
        diagnostics: expander.diagnostics,
    }
}

struct Expander<'a, 'o> {
    options: ExpandOptions<'a>,
    output: String,
    origins: OriginMap<'o>,
    calls: Vec<MacroCall>,
    diagnostics: Vec<Diagnostic>,
    /// The byte length the output may reach.
    budget: usize,
    budget_reported: bool,
}

/// A macro call found in some text, with offsets into that text.
struct FoundCall<'t> {
    /// Offset of the opening backtick.
    start: usize,
    /// Offset just past the closing backtick.
    end: usize,
    name: &'t str,
    arguments: Vec<String>,
}

impl Expander<'_, '_> {
    fn file_range(&self, start: usize, end: usize) -> TextRange {
        let outer = self.origins.outer;
        let file_start = outer.file_start(start);
        TextRange::new(file_start, outer.file_end(end).max(file_start))
    }

    fn expand_user_text(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let mut copied_until = 0;
        let mut position = 0;
        let mut in_quotes = false;
        self.origins.push(0, Origin::User(0));
        while let Some(&byte) = bytes.get(position) {
            match byte {
                b'\\' => position += 2,
                b'"' => {
                    in_quotes = !in_quotes;
                    position += 1;
                }
                b'`' if !in_quotes && text[position..].starts_with("```") => {
                    self.copy_user(text, copied_until, position);
                    let end = self.blank_comment(text, position);
                    copied_until = end;
                    position = end;
                }
                b'`' if !in_quotes => {
                    self.copy_user(text, copied_until, position);
                    position = self.user_macro_call(text, position);
                    copied_until = position;
                }
                _ => position += 1,
            }
        }
        self.copy_user(text, copied_until, text.len());
    }

    fn copy_user(&mut self, text: &str, start: usize, end: usize) {
        let end = end.min(text.len());
        if start >= end {
            return;
        }
        self.origins.push(self.output.len(), Origin::User(start));
        self.output.push_str(&text[start..end]);
    }

    /// Writes spaces for the comment that starts at `start` and returns the offset after it.
    fn blank_comment(&mut self, text: &str, start: usize) -> usize {
        let body_start = start + 3;
        let end = match text.get(body_start..).and_then(|rest| rest.find("```")) {
            Some(relative) => body_start + relative + 3,
            None => {
                self.diagnostics.push(Diagnostic::error(
                    super::UNTERMINATED_COMMENT,
                    self.file_range(start, body_start),
                    "comment opened with ``` is never closed: add ``` where it ends",
                ));
                text.len()
            }
        };
        self.origins.push(self.output.len(), Origin::User(start));
        self.output.extend(std::iter::repeat_n(' ', end - start));
        end
    }

    /// Handles the backtick at `start` of the user's text and returns where to continue.
    fn user_macro_call(&mut self, text: &str, start: usize) -> usize {
        let Some(found) = find_call(text, start) else {
            let name_end = text[start + 1..]
                .find(|c: char| c.is_whitespace() || c == '|')
                .map_or(text.len(), |relative| start + 1 + relative);
            self.diagnostics.push(Diagnostic::error(
                super::UNTERMINATED_BACKTICK,
                self.file_range(start, name_end),
                "macro call opened with ` is never closed: add a closing backtick",
            ));
            // The backtick becomes a space so the rest of the search is still read.
            self.origins.push(self.output.len(), Origin::User(start));
            self.output.push(' ');
            return start + 1;
        };
        let range = self.file_range(found.start, found.end);
        let mut call = MacroCall {
            name: found.name.to_owned(),
            arguments: found.arguments.clone(),
            range,
            expanded: false,
        };
        if super::is_filter_macro_name(found.name) {
            // The tuning hook stays as written: lowering records it rather than its logic.
            self.copy_user(text, found.start, found.end);
        } else {
            call.expanded = self.expand_call(text, &found, range, 0);
        }
        self.calls.push(call);
        found.end
    }

    /// Writes the expansion of `found` (a call inside `text`) to the output, mapped to
    /// `call_range`. Returns whether it was expanded; an unknown macro is copied as written.
    fn expand_call(
        &mut self,
        text: &str,
        found: &FoundCall<'_>,
        call_range: TextRange,
        depth: usize,
    ) -> bool {
        let call_text = &text[found.start..found.end];
        let builtin;
        let definition = match self.options.macros.get(found.name, found.arguments.len()) {
            Some(definition) => Some(definition),
            None => {
                builtin = builtin_definition(found.name, found.arguments.len());
                builtin.as_ref()
            }
        };
        let Some(definition) = definition else {
            self.report_unknown(found, call_range);
            self.write_macro_text(call_text, call_range);
            return false;
        };

        if depth >= MAX_MACRO_DEPTH {
            self.diagnostics.push(Diagnostic::error(
                super::MACRO_RECURSION,
                call_range,
                format!(
                    "macro `{}` nests more than {MAX_MACRO_DEPTH} levels deep, so it is not \
                     expanded: check the macro definitions for a call to itself",
                    found.name
                ),
            ));
            self.write_macro_text(call_text, call_range);
            return false;
        }

        let body = definition.substitute(&found.arguments);
        if self.output.len() + body.len() > self.budget {
            if !self.budget_reported {
                self.budget_reported = true;
                self.diagnostics.push(Diagnostic::error(
                    super::MACRO_RECURSION,
                    call_range,
                    format!(
                        "macro `{}` expands past {MAX_EXPANSION_GROWTH} bytes, so the rest \
                         is not expanded: check the macro definitions for repeated calls",
                        found.name
                    ),
                ));
            }
            self.write_macro_text(call_text, call_range);
            return false;
        }

        // Spaces around the body keep it from joining the words beside the call.
        self.write_macro_text(" ", call_range);
        self.expand_macro_body(&body, call_range, depth + 1);
        self.write_macro_text(" ", call_range);
        true
    }

    fn expand_macro_body(&mut self, body: &str, call_range: TextRange, depth: usize) {
        let bytes = body.as_bytes();
        let mut copied_until = 0;
        let mut position = 0;
        let mut in_quotes = false;
        while let Some(&byte) = bytes.get(position) {
            match byte {
                b'\\' => position += 2,
                b'"' => {
                    in_quotes = !in_quotes;
                    position += 1;
                }
                b'`' if !in_quotes => {
                    let Some(found) = find_call(body, position) else {
                        // An unterminated backtick in a definition stays as text; the
                        // parser reads it as part of a word.
                        position += 1;
                        continue;
                    };
                    self.write_macro_text(&body[copied_until..position], call_range);
                    self.expand_call(body, &found, call_range, depth);
                    position = found.end;
                    copied_until = position;
                }
                _ => position += 1,
            }
        }
        let tail = body.get(copied_until..).unwrap_or_default();
        self.write_macro_text(tail, call_range);
    }

    fn write_macro_text(&mut self, text: &str, call_range: TextRange) {
        if text.is_empty() {
            return;
        }
        self.origins
            .push(self.output.len(), Origin::Macro(call_range));
        self.output.push_str(text);
    }

    fn report_unknown(&mut self, found: &FoundCall<'_>, call_range: TextRange) {
        if !self.options.report_unknown_macros {
            return;
        }
        let message = if self.options.macros.has_name(found.name) {
            format!(
                "macro `{}` is not defined with {} argument(s): check the call against the \
                 definition",
                found.name,
                found.arguments.len()
            )
        } else {
            format!(
                "macro `{}` is not defined in the loaded macros: add its definition to read \
                 its logic",
                found.name
            )
        };
        self.diagnostics.push(Diagnostic::new(
            super::UNKNOWN_MACRO,
            Severity::Info,
            call_range,
            message,
        ));
    }
}

/// Definitions used when the table has none: macros of the Splunk Common Information Model
/// app, which every detection that uses them expects to be installed. Only macros that do
/// not filter events are built in, so a missing table never adds logic.
fn builtin_definition(name: &str, argument_count: usize) -> Option<MacroDefinition> {
    match (name, argument_count) {
        ("drop_dm_object_name", 1) => Some(MacroDefinition {
            name: name.to_owned(),
            arguments: vec!["object".to_owned()],
            definition: "rename $object$.* AS *".to_owned(),
        }),
        _ => None,
    }
}

/// Reads the macro call whose opening backtick is at `start`; `None` when it is not closed.
fn find_call(text: &str, start: usize) -> Option<FoundCall<'_>> {
    let body_start = start + 1;
    let relative_end = text.get(body_start..)?.find('`')?;
    let body_end = body_start + relative_end;
    let body = &text[body_start..body_end];
    let (name, arguments) = match body.find('(') {
        Some(open) if body.trim_end().ends_with(')') => {
            let inner = body.trim_end();
            let inner = &inner[open + 1..inner.len() - 1];
            (&body[..open], split_arguments(inner))
        }
        _ => (body, Vec::new()),
    };
    Some(FoundCall {
        start,
        end: body_end + 1,
        name: name.trim(),
        arguments,
    })
}

/// Splits macro arguments at commas outside quotes and parentheses.
fn split_arguments(inner: &str) -> Vec<String> {
    if inner.trim().is_empty() {
        return Vec::new();
    }
    let mut arguments = Vec::new();
    let mut depth = 0usize;
    let mut in_quotes = false;
    let mut escaped = false;
    let mut current = String::new();
    for c in inner.chars() {
        if escaped {
            escaped = false;
            current.push(c);
            continue;
        }
        match c {
            '\\' => escaped = true,
            '"' => in_quotes = !in_quotes,
            '(' if !in_quotes => depth += 1,
            ')' if !in_quotes => depth = depth.saturating_sub(1),
            ',' if !in_quotes && depth == 0 => {
                arguments.push(current.trim().to_owned());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    arguments.push(current.trim().to_owned());
    arguments
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(definitions: &[(&str, &[&str], &str)]) -> MacroTable {
        let mut table = MacroTable::new();
        for (name, arguments, definition) in definitions {
            table.insert(MacroDefinition {
                name: (*name).to_owned(),
                arguments: arguments.iter().map(|a| (*a).to_owned()).collect(),
                definition: (*definition).to_owned(),
            });
        }
        table
    }

    fn run(text: &str, macros: &MacroTable) -> Expansion<'static> {
        expand(
            text,
            ExpandOptions {
                macros,
                report_unknown_macros: true,
            },
            &IdentityMapper,
        )
    }

    #[test]
    fn expansion_maps_to_call_range() {
        let macros = table(&[("m", &["f"], "$f$=1 `inner`"), ("inner", &[], "b=2")]);
        let text = "a=0 `m(x)` c=3";
        let expansion = run(text, &macros);
        assert_eq!(expansion.text, "a=0  x=1  b=2   c=3");
        let x = expansion.text.find("x=1").unwrap_or_default();
        assert_eq!(expansion.origins.map(x, x + 3), TextRange::new(4, 10));
        let c = expansion.text.find("c=3").unwrap_or_default();
        assert_eq!(expansion.origins.map(c, c + 3), TextRange::new(11, 14));
        assert_eq!(expansion.calls.len(), 1);
        assert!(expansion.calls[0].expanded);
    }

    #[test]
    fn comments_become_spaces() {
        let expansion = run("a ```note `m` ``` b", &MacroTable::new());
        assert_eq!(expansion.text, format!("a {} b", " ".repeat(15)));
        assert!(expansion.calls.is_empty());
    }

    #[test]
    fn self_recursive_macro_is_bounded() {
        let macros = table(&[("loop", &[], "x `loop`")]);
        let expansion = run("`loop`", &macros);
        let recursion: Vec<_> = expansion
            .diagnostics
            .iter()
            .filter(|d| d.lint == super::super::MACRO_RECURSION)
            .collect();
        assert_eq!(recursion.len(), 1);
        assert_eq!(recursion[0].range, TextRange::new(0, 6));
    }

    #[test]
    fn unknown_macro_reported_when_asked() {
        let expansion = run("`nope(1)` | `x_filter`", &MacroTable::new());
        let lints: Vec<_> = expansion.diagnostics.iter().map(|d| d.lint).collect();
        assert_eq!(lints, vec![super::super::UNKNOWN_MACRO]);
        assert_eq!(expansion.text, "`nope(1)` | `x_filter`");
    }

    #[test]
    fn macro_arguments_split_outside_quotes() {
        let arguments = split_arguments(r#""a,b", f(x, y) , c"#);
        assert_eq!(arguments, vec![r#""a,b""#, "f(x, y)", "c"]);
    }
}
