//! The error-tolerant SPL parser: expanded search text to a [`Pipeline`].
//!
//! The parser reads the text that [`expand`](super::expand) produced and maps every range
//! back to the user's text through the [`OriginMap`]. It never stops at an error: it reports
//! a diagnostic, skips what it cannot read, and goes on with the next term or command.
//!
//! Search expressions follow the `search` command's precedence: `NOT`, then `OR`, then `AND`
//! (implicit between terms). Eval expressions (`where`, `eval`) bind `AND` before `OR`.
//! Nesting of parentheses, `NOT` and subsearches is limited to [`MAX_NESTING`] levels.

use super::ast::*;
use super::commands::{command_class, CommandClass};
use super::expand::OriginMap;
use crate::diagnostic::{Diagnostic, Severity};
use crate::ir::TextRange;

/// Parentheses, `NOT`s and subsearches nested deeper than this are skipped and reported, so
/// that hostile input cannot overflow the stack.
pub const MAX_NESTING: usize = 256;

/// Subsearches nested deeper than this are skipped and reported. A subsearch level takes
/// several times the stack of a parenthesis, so it has its own, lower limit; real searches
/// nest two or three levels.
pub const MAX_SUBSEARCH_DEPTH: usize = 32;

/// Parses an expanded search. Returns the pipeline and the syntax errors found.
pub fn parse_pipeline(text: &str, origins: &OriginMap<'_>) -> (Pipeline, Vec<Diagnostic>) {
    let mut parser = Parser {
        text,
        bytes: text.as_bytes(),
        position: 0,
        origins,
        diagnostics: Vec::new(),
        nesting: 0,
        subsearch_depth: 0,
        skipped_too_deep: false,
    };
    let pipeline = parser.pipeline();
    (pipeline, parser.diagnostics)
}

struct Parser<'t> {
    text: &'t str,
    bytes: &'t [u8],
    position: usize,
    origins: &'t OriginMap<'t>,
    diagnostics: Vec<Diagnostic>,
    nesting: usize,
    subsearch_depth: usize,
    /// Set when a too-deep expression made the parser skip to the end of the command: the
    /// closing parentheses were skipped, not missing, so the enclosing levels report nothing.
    skipped_too_deep: bool,
}

/// A token of an eval expression.
#[derive(Clone, Debug, PartialEq)]
enum EvalToken {
    Number(String),
    String(String),
    /// A bare or single-quoted field name.
    Name {
        text: String,
        quoted: bool,
    },
    Operator(&'static str),
    OpenParen,
    CloseParen,
    OpenBracket,
    Comma,
    Macro(String),
    /// The end of the command: `|`, the end of the text, or `]` of a subsearch.
    End,
    Unexpected(char),
}

fn is_space(byte: u8) -> bool {
    byte.is_ascii_whitespace()
}

/// Bytes that end a search word.
fn ends_search_word(byte: u8) -> bool {
    is_space(byte) || matches!(byte, b'(' | b')' | b'[' | b']' | b'|' | b',')
}

fn is_number_text(text: &str) -> bool {
    text.parse::<f64>().is_ok()
        || text
            .strip_prefix("0x")
            .is_some_and(|hex| !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn is_name_start_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'{' | b'@' | b'$')
}

fn is_eval_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'.' | b'{' | b'}' | b'@' | b'$')
}

impl<'t> Parser<'t> {
    // ----- positions and diagnostics -----

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.position).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<u8> {
        self.bytes.get(self.position + offset).copied()
    }

    fn range(&self, start: usize, end: usize) -> TextRange {
        self.origins.map(start, end)
    }

    /// Records a syntax error. Callers often mark the byte after the position (`position + 1`),
    /// which can be past the end of the text or inside a multi-byte character, so the range is
    /// clamped to the text and widened to whole characters here.
    fn error(&mut self, lint: &'static str, start: usize, end: usize, message: String) {
        let start = crate::line_index::floor_char_boundary(self.text, start);
        let mut end = end.clamp(start, self.text.len());
        while !self.text.is_char_boundary(end) {
            end += 1;
        }
        let range = self.range(start, end);
        self.diagnostics
            .push(Diagnostic::error(lint, range, message));
    }

    fn skip_spaces(&mut self) {
        loop {
            match self.peek() {
                Some(byte) if is_space(byte) => self.position += 1,
                // A byte-order mark inside the text counts as white space.
                Some(0xEF) if self.text[self.position..].starts_with('\u{feff}') => {
                    self.position += 3;
                }
                _ => break,
            }
        }
    }

    /// Advances past one character.
    fn bump_char(&mut self) {
        let width = self.text[self.position..]
            .chars()
            .next()
            .map_or(1, char::len_utf8);
        self.position += width;
    }

    /// Returns whether the command ends here: end of text, `|`, or `]` inside a subsearch.
    fn at_command_end(&self) -> bool {
        match self.peek() {
            None | Some(b'|') => true,
            Some(b']') => self.subsearch_depth > 0,
            _ => false,
        }
    }

    /// Returns whether the text at the cursor is `keyword` as a whole word. `exact_case`
    /// is for the search command's boolean operators, which must be upper case.
    fn at_keyword(&self, keyword: &str, exact_case: bool) -> bool {
        let end = self.position + keyword.len();
        let Some(candidate) = self.text.get(self.position..end) else {
            return false;
        };
        let matches = if exact_case {
            candidate == keyword
        } else {
            candidate.eq_ignore_ascii_case(keyword)
        };
        matches
            && self
                .bytes
                .get(end)
                .is_none_or(|&b| is_space(b) || matches!(b, b'(' | b'[' | b'"' | b'|' | b']'))
    }

    fn enter_nesting(&mut self, start: usize) -> bool {
        if self.nesting >= MAX_NESTING {
            let end = self.skip_to_command_end();
            self.error(
                super::NESTING_TOO_DEEP,
                start,
                end.max(start + 1).min(self.text.len()),
                format!(
                    "expression nests deeper than {MAX_NESTING} levels, so the rest of the \
                     command is skipped: split it into simpler parts"
                ),
            );
            self.skipped_too_deep = true;
            return false;
        }
        self.nesting += 1;
        true
    }

    /// Skips to the end of the command without reading it; returns the offset reached.
    fn skip_to_command_end(&mut self) -> usize {
        let mut in_quotes = false;
        let mut bracket_depth = 0usize;
        while let Some(byte) = self.peek() {
            match byte {
                b'\\' => {
                    self.position += 1;
                    if self.peek().is_some() {
                        self.bump_char();
                    }
                    continue;
                }
                b'"' => in_quotes = !in_quotes,
                b'[' if !in_quotes => bracket_depth += 1,
                b']' if !in_quotes && bracket_depth > 0 => bracket_depth -= 1,
                b'|' | b']' if !in_quotes && bracket_depth == 0 && self.at_command_end() => break,
                _ => {}
            }
            self.bump_char();
        }
        self.position
    }

    // ----- pipelines and commands -----

    fn pipeline(&mut self) -> Pipeline {
        let start = self.position;
        let mut commands = Vec::new();
        loop {
            self.skip_spaces();
            let segment_start = self.position;
            let mut has_pipe = false;
            match self.peek() {
                None => break,
                Some(b']') if self.subsearch_depth > 0 => break,
                Some(b']') => {
                    self.error(
                        super::UNBALANCED_BRACKET,
                        self.position,
                        self.position + 1,
                        "`]` closes no subsearch: remove it or add the matching `[`".to_owned(),
                    );
                    self.position += 1;
                    continue;
                }
                Some(b'|') => {
                    has_pipe = true;
                    self.position += 1;
                    self.skip_spaces();
                }
                Some(_) => {}
            }
            if self.at_command_end() {
                if has_pipe {
                    self.error(
                        super::EMPTY_PIPE_SEGMENT,
                        segment_start,
                        segment_start + 1,
                        "no command after `|`: add a command or remove the `|`".to_owned(),
                    );
                }
                continue;
            }
            let first = commands.is_empty();
            if !first && !has_pipe {
                // A command stopped before the end of its segment; skip what is left.
                let end = self.skip_to_command_end();
                self.error(
                    super::UNEXPECTED_TOKEN,
                    segment_start,
                    end.max(segment_start + 1).min(self.text.len()),
                    "unexpected text after the command: check for a missing `|` or quote"
                        .to_owned(),
                );
                continue;
            }
            let command = self.command(first, has_pipe);
            commands.push(command);
        }
        Pipeline {
            commands,
            range: self.range(start, self.position),
        }
    }

    fn command_name(&mut self) -> (String, usize, usize) {
        let start = self.position;
        while let Some(byte) = self.peek() {
            if byte.is_ascii_alphanumeric() || byte == b'_' {
                self.position += 1;
            } else {
                break;
            }
        }
        let name = self.text[start..self.position].to_ascii_lowercase();
        (name, start, self.position)
    }

    fn command(&mut self, first: bool, has_pipe: bool) -> Command {
        let start = self.position;
        self.skipped_too_deep = false;
        if self.peek() == Some(b'`') && has_pipe {
            let name = self.macro_token();
            let end = self.skip_to_command_end();
            let kind = CommandKind::Macro { name: name.clone() };
            return self.finish_command(name, start, start, start, end, kind);
        }

        let (name, name_start, name_end) = self.command_name();
        let explicit = has_pipe
            || name == "search"
            || (!name.is_empty() && command_class(&name) == Some(CommandClass::Generating));
        if first && !explicit {
            // The implicit `search` at the start of a search or subsearch.
            self.position = start;
            let expression = self.search_expression(false);
            let end = self.position;
            let kind = CommandKind::Search(expression);
            return self.finish_command("search".to_owned(), start, start, start, end, kind);
        }
        if name.is_empty() {
            let end = self.skip_to_command_end();
            self.error(
                super::UNEXPECTED_TOKEN,
                start,
                end.max(start + 1).min(self.text.len()),
                "expected a command name after `|`".to_owned(),
            );
            let kind = CommandKind::Other;
            return self.finish_command(String::new(), start, start, start, end, kind);
        }

        let mut subsearches = Vec::new();
        let kind = self.command_arguments(&name, name_start, name_end, &mut subsearches);
        self.skip_spaces();
        if !self.at_command_end() {
            let rest_start = self.position;
            let end = self.skip_to_command_end();
            self.error(
                super::UNEXPECTED_TOKEN,
                rest_start,
                end.max(rest_start + 1).min(self.text.len()),
                format!("unexpected text in `{name}`: check for a missing operator or quote"),
            );
        }

        let end = self.position;
        let mut command = self.finish_command(name, start, name_start, name_end, end, kind);
        command.subsearches = subsearches;
        command
    }

    /// Reads the arguments of the command `name`, whose name ends at the cursor.
    fn command_arguments(
        &mut self,
        name: &str,
        name_start: usize,
        name_end: usize,
        subsearches: &mut Vec<Pipeline>,
    ) -> CommandKind {
        match name {
            "search" => CommandKind::Search(self.search_expression(false)),
            "where" => CommandKind::Where(self.where_arguments()),
            "eval" => CommandKind::Eval(self.eval_assignments()),
            "tstats" | "mstats" => self.tstats_arguments(subsearches),
            "stats" | "chart" | "timechart" | "eventstats" | "streamstats" | "top" | "rare"
            | "sistats" | "geostats" => self.stats_arguments(subsearches),
            "rename" => CommandKind::Rename(self.rename_arguments()),
            "regex" => self.regex_arguments(),
            "join" => self.join_arguments(subsearches),
            "from" | "datamodel" => self.datamodel_arguments(name, subsearches),
            "lookup" | "rex" | "spath" | "iplocation" | "inputlookup" => {
                self.extract_arguments(name, subsearches)
            }
            "foreach" => {
                // The subsearch of `foreach` is a template with `<<FIELD>>` markers, not
                // SPL, so it is skipped as text.
                self.skip_template_arguments();
                CommandKind::Other
            }
            _ => {
                if command_class(name).is_none() {
                    let range = self.range(name_start, name_end);
                    self.diagnostics.push(Diagnostic::new(
                        super::UNKNOWN_COMMAND,
                        Severity::Warning,
                        range,
                        format!(
                            "unknown command `{name}`: check the spelling, or ignore this if an \
                             installed app adds it"
                        ),
                    ));
                }
                self.skip_arguments(subsearches);
                CommandKind::Other
            }
        }
    }

    fn join_arguments(&mut self, subsearches: &mut Vec<Pipeline>) -> CommandKind {
        let options_start = self.position;
        self.skip_arguments(subsearches);
        // Options come before the subsearch: `join type=left user [search ...]`.
        let options = &self.text[options_start..self.position];
        let options = options
            .split('[')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let outer = options.contains("type=outer") || options.contains("type=left");
        CommandKind::Join { outer }
    }

    fn finish_command(
        &self,
        name: String,
        start: usize,
        name_start: usize,
        name_end: usize,
        end: usize,
        kind: CommandKind,
    ) -> Command {
        let trimmed_end = start.max(self.text[..end].trim_end().len());
        Command {
            name,
            name_range: self.range(name_start, name_end),
            range: self.range(start, trimmed_end),
            kind,
            subsearches: Vec::new(),
        }
    }

    /// Reads an unexpanded macro call at the cursor and returns its name.
    fn macro_token(&mut self) -> String {
        let start = self.position;
        self.position += 1;
        let close = self.text[self.position..].find('`');
        let end = close.map_or(self.text.len(), |relative| self.position + relative);
        let body = &self.text[self.position..end];
        let name = body.split('(').next().unwrap_or(body).trim().to_owned();
        self.position = (end + 1).min(self.text.len()).max(start + 1);
        name
    }

    /// Skips the arguments of a command, reading subsearches and checking brackets and
    /// quotes on the way.
    fn skip_arguments(&mut self, subsearches: &mut Vec<Pipeline>) {
        let mut open_parens: Vec<usize> = Vec::new();
        loop {
            if self.at_command_end() {
                break;
            }
            let Some(byte) = self.peek() else { break };
            match byte {
                b'"' => {
                    self.quoted_string();
                }
                b'(' => {
                    open_parens.push(self.position);
                    self.position += 1;
                }
                b')' => {
                    if open_parens.pop().is_none() {
                        self.report_stray_paren();
                    }
                    self.position += 1;
                }
                b'[' => {
                    if let Some((pipeline, _)) = self.subsearch() {
                        subsearches.push(pipeline);
                    }
                }
                b']' => {
                    self.error(
                        super::UNBALANCED_BRACKET,
                        self.position,
                        self.position + 1,
                        "`]` closes no subsearch: remove it or add the matching `[`".to_owned(),
                    );
                    self.position += 1;
                }
                b'`' => {
                    self.macro_token();
                }
                b'\\' => {
                    self.position += 1;
                    if self.peek().is_some() {
                        self.bump_char();
                    }
                }
                _ => self.bump_char(),
            }
        }
        for open in open_parens {
            self.report_unclosed_paren(open);
        }
    }

    /// Skips arguments whose brackets hold a template rather than a subsearch.
    fn skip_template_arguments(&mut self) {
        let mut bracket_depth = 0usize;
        loop {
            if bracket_depth == 0 && self.at_command_end() {
                break;
            }
            match self.peek() {
                None => break,
                Some(b'"') => {
                    self.quoted_string();
                }
                Some(b'[') => {
                    bracket_depth += 1;
                    self.position += 1;
                }
                Some(b']') => {
                    bracket_depth = bracket_depth.saturating_sub(1);
                    self.position += 1;
                }
                Some(_) => self.bump_char(),
            }
        }
    }

    fn report_stray_paren(&mut self) {
        self.error(
            super::UNBALANCED_PARENTHESIS,
            self.position,
            self.position + 1,
            "`)` closes no parenthesis: remove it or add the matching `(`".to_owned(),
        );
    }

    fn report_unclosed_paren(&mut self, open: usize) {
        if self.skipped_too_deep {
            return;
        }
        self.error(
            super::UNBALANCED_PARENTHESIS,
            open,
            open + 1,
            "`(` is never closed: add the matching `)`".to_owned(),
        );
    }

    /// Reads a double-quoted string at the cursor; returns its value with escapes resolved.
    fn quoted_string(&mut self) -> String {
        let start = self.position;
        self.position += 1;
        let mut value = String::new();
        loop {
            match self.peek() {
                None => {
                    self.error(
                        super::UNTERMINATED_STRING,
                        start,
                        self.text.len(),
                        "string is never closed: add the closing `\"`".to_owned(),
                    );
                    break;
                }
                Some(b'"') => {
                    self.position += 1;
                    break;
                }
                Some(b'\\') => {
                    self.position += 1;
                    match self.peek() {
                        Some(b'\\') => value.push('\\'),
                        Some(b'"') => value.push('"'),
                        Some(_) => {
                            value.push('\\');
                            continue;
                        }
                        None => {
                            value.push('\\');
                            continue;
                        }
                    }
                    self.position += 1;
                }
                Some(_) => {
                    let before = self.position;
                    self.position += 1;
                    while self
                        .peek()
                        .is_some_and(|next| next != b'"' && next != b'\\')
                    {
                        self.position += 1;
                    }
                    value.push_str(&self.text[before..self.position]);
                }
            }
        }
        value
    }

    /// Reads a subsearch at `[`; returns `None` when nesting is too deep.
    fn subsearch(&mut self) -> Option<(Pipeline, TextRange)> {
        let start = self.position;
        if self.subsearch_depth >= MAX_SUBSEARCH_DEPTH {
            let end = self.skip_to_command_end();
            self.error(
                super::NESTING_TOO_DEEP,
                start,
                end.max(start + 1).min(self.text.len()),
                format!(
                    "subsearches nest deeper than {MAX_SUBSEARCH_DEPTH} levels, so the rest of \
                     the command is skipped: split the search"
                ),
            );
            self.skipped_too_deep = true;
            return None;
        }
        if !self.enter_nesting(start) {
            return None;
        }

        self.position += 1;
        self.subsearch_depth += 1;
        let mut pipeline = self.pipeline();
        self.subsearch_depth -= 1;
        if self.peek() == Some(b']') {
            self.position += 1;
        } else {
            self.error(
                super::UNBALANCED_BRACKET,
                start,
                start + 1,
                "subsearch `[` is never closed: add the matching `]`".to_owned(),
            );
        }
        self.nesting -= 1;
        let range = self.range(start, self.position);
        pipeline.range = range;
        Some((pipeline, range))
    }

    // ----- search expressions -----

    /// Reads a word of a search expression. At a field position (`stop_at_operator`), the
    /// word ends before `=`, `!=`, `<` and `>`; a value may contain them.
    fn search_word(&mut self, stop_at_operator: bool) -> Option<Word> {
        let start = self.position;
        let mut value = String::new();
        let mut quoted = false;
        while let Some(byte) = self.peek() {
            match byte {
                b'"' => {
                    quoted = true;
                    value.push_str(&self.quoted_string());
                }
                b'\\' => {
                    self.position += 1;
                    match self.peek() {
                        Some(escaped @ (b'\\' | b'"')) => {
                            value.push(escaped as char);
                            self.position += 1;
                        }
                        _ => value.push('\\'),
                    }
                }
                b'=' | b'<' | b'>' if stop_at_operator => break,
                b'!' if stop_at_operator && self.peek_at(1) == Some(b'=') => break,
                _ if ends_search_word(byte) => break,
                _ => {
                    // Copy the run of ordinary bytes at once. Every byte that stops the run
                    // is ASCII, so the run ends on a character boundary.
                    let before = self.position;
                    self.position += 1;
                    while let Some(next) = self.peek() {
                        let special = matches!(next, b'"' | b'\\' | b'=' | b'<' | b'>' | b'!')
                            || ends_search_word(next);
                        if special {
                            break;
                        }
                        self.position += 1;
                    }
                    value.push_str(&self.text[before..self.position]);
                }
            }
        }
        (self.position > start).then(|| Word {
            source: self.text[start..self.position].to_owned(),
            value,
            quoted,
            range: self.range(start, self.position),
        })
    }

    /// Reads a search expression up to the end of the command, `)` of an enclosing group,
    /// or, for `tstats`, the `by` clause.
    fn search_expression(&mut self, stop_at_by: bool) -> Option<SearchNode> {
        self.search_and(stop_at_by, 0)
    }

    fn at_search_end(&self, stop_at_by: bool, paren_depth: usize) -> bool {
        if self.at_command_end() {
            return true;
        }
        if paren_depth > 0 && self.peek() == Some(b')') {
            return true;
        }
        stop_at_by && (self.at_keyword("by", false) || self.at_keyword("groupby", false))
    }

    fn search_and(&mut self, stop_at_by: bool, paren_depth: usize) -> Option<SearchNode> {
        let mut items = Vec::new();
        loop {
            self.skip_spaces();
            if self.at_search_end(stop_at_by, paren_depth) {
                break;
            }
            match self.peek() {
                Some(b')') => {
                    self.report_stray_paren();
                    self.position += 1;
                    continue;
                }
                Some(b']') => {
                    self.error(
                        super::UNBALANCED_BRACKET,
                        self.position,
                        self.position + 1,
                        "`]` closes no subsearch: remove it or add the matching `[`".to_owned(),
                    );
                    self.position += 1;
                    continue;
                }
                _ => {}
            }
            if self.at_keyword("AND", true) {
                if items.is_empty() {
                    self.report_missing_operand("AND");
                }
                self.position += 3;
                continue;
            }
            if self.at_keyword("OR", true) {
                self.report_missing_operand("OR");
                self.position += 2;
                continue;
            }
            let before = self.position;
            if let Some(item) = self.search_or(stop_at_by, paren_depth) {
                items.push(item);
            }
            if self.position == before {
                // Nothing could be read here; step over one character so the loop ends.
                self.bump_char();
            }
        }
        match items.len() {
            0 => None,
            1 => items.pop(),
            _ => Some(SearchNode::And(items)),
        }
    }

    fn report_missing_operand(&mut self, operator: &str) {
        let start = self.position;
        self.error(
            super::MISSING_OPERAND,
            start,
            start + operator.len(),
            format!("`{operator}` has no term on one side: add the term or remove `{operator}`"),
        );
    }

    fn search_or(&mut self, stop_at_by: bool, paren_depth: usize) -> Option<SearchNode> {
        let first = self.search_unary(stop_at_by, paren_depth)?;
        let mut items = vec![first];
        loop {
            let save = self.position;
            self.skip_spaces();
            if !self.at_keyword("OR", true) {
                self.position = save;
                break;
            }
            let operator_start = self.position;
            self.position += 2;
            self.skip_spaces();
            if self.at_search_end(stop_at_by, paren_depth)
                || self.at_keyword("OR", true)
                || self.at_keyword("AND", true)
            {
                self.position = operator_start;
                self.report_missing_operand("OR");
                self.position = operator_start + 2;
                break;
            }
            match self.search_unary(stop_at_by, paren_depth) {
                Some(item) => items.push(item),
                None => break,
            }
        }
        if items.len() == 1 {
            items.pop()
        } else {
            Some(SearchNode::Or(items))
        }
    }

    fn search_unary(&mut self, stop_at_by: bool, paren_depth: usize) -> Option<SearchNode> {
        self.skip_spaces();
        if self.at_keyword("NOT", true) {
            let start = self.position;
            if !self.enter_nesting(start) {
                return None;
            }
            self.position += 3;
            self.skip_spaces();
            let inner = if self.at_search_end(stop_at_by, paren_depth) {
                self.position = start;
                self.report_missing_operand("NOT");
                self.position = start + 3;
                None
            } else {
                self.search_unary(stop_at_by, paren_depth)
            };
            self.nesting -= 1;
            let inner = inner?;
            let range = self.range(start, start + 3).cover(inner.range());
            return Some(SearchNode::Not {
                inner: Box::new(inner),
                range,
            });
        }
        self.search_primary(paren_depth)
    }

    fn search_primary(&mut self, paren_depth: usize) -> Option<SearchNode> {
        let start = self.position;
        match self.peek()? {
            b'(' => {
                if !self.enter_nesting(start) {
                    return None;
                }
                self.position += 1;
                let inner = self.search_and(false, paren_depth + 1);
                self.skip_spaces();
                if self.peek() == Some(b')') {
                    self.position += 1;
                } else {
                    self.report_unclosed_paren(start);
                }
                self.nesting -= 1;
                inner
            }
            b'[' => {
                let (pipeline, range) = self.subsearch()?;
                Some(SearchNode::Subsearch {
                    pipeline: Box::new(pipeline),
                    range,
                })
            }
            b'`' => {
                let name = self.macro_token();
                Some(SearchNode::Macro {
                    name,
                    range: self.range(start, self.position),
                })
            }
            _ => self.search_term(),
        }
    }

    /// Reads the comparison operator at the cursor, if any.
    fn compare_operator(&mut self) -> Option<CompareOp> {
        let (op, width) = match (self.peek()?, self.peek_at(1)) {
            (b'!', Some(b'=')) => (CompareOp::Ne, 2),
            (b'<', Some(b'=')) => (CompareOp::Le, 2),
            (b'>', Some(b'=')) => (CompareOp::Ge, 2),
            (b'=', Some(b'=')) => (CompareOp::Eq, 2),
            (b'=', _) => (CompareOp::Eq, 1),
            (b'<', _) => (CompareOp::Lt, 1),
            (b'>', _) => (CompareOp::Gt, 1),
            _ => return None,
        };
        self.position += width;
        Some(op)
    }

    fn search_term(&mut self) -> Option<SearchNode> {
        let start = self.position;
        let Some(field) = self.search_word(true) else {
            return self.search_term_without_field(start);
        };
        if !field.quoted && self.peek() == Some(b'(') {
            let directive = field.value.to_ascii_uppercase();
            if directive == "TERM" || directive == "CASE" {
                return Some(self.term_directive(start));
            }
        }
        let after_field = self.position;
        self.skip_spaces();
        let operator_start = self.position;
        if let Some(op) = self.compare_operator() {
            self.skip_spaces();
            let value = if self.peek() == Some(b'`') {
                let value_start = self.position;
                self.macro_token();
                Some(self.word_from(value_start))
            } else {
                self.search_word(false)
            };
            let Some(value) = value else {
                self.error(
                    super::MISSING_OPERAND,
                    operator_start,
                    operator_start + op.text().len(),
                    format!(
                        "`{}{}` has no value: add a value after the operator",
                        field.source,
                        op.text()
                    ),
                );
                return Some(SearchNode::Invalid(self.range(start, self.position)));
            };
            let range = field.range.cover(value.range);
            return Some(SearchNode::Compare {
                field,
                op,
                value,
                range,
            });
        }
        if self.at_keyword("IN", false) {
            let save = self.position;
            self.position += 2;
            self.skip_spaces();
            if self.peek() == Some(b'(') {
                return Some(self.in_list(field));
            }
            self.position = save;
        }
        self.position = after_field;
        Some(SearchNode::Keyword(field))
    }

    /// Reads `TERM(x)` or `CASE(x)`, whose name ends at the `(` under the cursor, as one
    /// keyword with the value `x`.
    fn term_directive(&mut self, start: usize) -> SearchNode {
        let open = self.position;
        self.position += 1;
        let inner_start = self.position;
        let close = self.text[inner_start..].find([')', '|']);
        let inner_end = close.map_or(self.text.len(), |relative| inner_start + relative);
        self.position = inner_end;
        if self.peek() == Some(b')') {
            self.position += 1;
        } else {
            self.report_unclosed_paren(open);
        }
        let inner = self.text[inner_start..inner_end].trim();
        SearchNode::Keyword(Word {
            source: self.text[start..self.position].to_owned(),
            value: inner.trim_matches('"').to_owned(),
            quoted: false,
            range: self.range(start, self.position),
        })
    }

    fn word_from(&self, start: usize) -> Word {
        let source = self.text[start..self.position].to_owned();
        Word {
            value: source.clone(),
            source,
            quoted: false,
            range: self.range(start, self.position),
        }
    }

    /// Handles a term that starts with an operator or a comma.
    fn search_term_without_field(&mut self, start: usize) -> Option<SearchNode> {
        if self.peek() == Some(b',') {
            self.position += 1;
            return None;
        }
        if self.compare_operator().is_some() {
            self.skip_spaces();
            let _ = self.search_word(false);
            self.error(
                super::MISSING_OPERAND,
                start,
                self.position,
                "comparison has no field name: add the field before the operator".to_owned(),
            );
            return Some(SearchNode::Invalid(self.range(start, self.position)));
        }
        None
    }

    /// Reads `(a, b, c)` after `field IN`.
    fn in_list(&mut self, field: Word) -> SearchNode {
        let open = self.position;
        self.position += 1;
        let mut values = Vec::new();
        loop {
            self.skip_spaces();
            match self.peek() {
                Some(b')') => {
                    self.position += 1;
                    break;
                }
                Some(b',') => self.position += 1,
                None | Some(b'|') | Some(b']') => {
                    self.report_unclosed_paren(open);
                    break;
                }
                Some(b'(') | Some(b'[') => {
                    let start = self.position;
                    self.position += 1;
                    self.error(
                        super::UNEXPECTED_TOKEN,
                        start,
                        start + 1,
                        "unexpected bracket in an `IN` list: quote the value".to_owned(),
                    );
                }
                Some(b'`') => {
                    let start = self.position;
                    self.macro_token();
                    values.push(self.word_from(start));
                }
                Some(_) => match self.search_word(false) {
                    Some(word) => values.push(word),
                    None => self.bump_char(),
                },
            }
        }
        let range = field.range.cover(self.range(open, self.position));
        SearchNode::In {
            field,
            values,
            range,
        }
    }

    // ----- command arguments -----

    fn tstats_arguments(&mut self, subsearches: &mut Vec<Pipeline>) -> CommandKind {
        let mut datamodel = None;
        let mut filter = None;
        let mut by = Vec::new();
        loop {
            self.skip_spaces();
            if self.at_command_end() {
                break;
            }
            if self.at_keyword("from", false) {
                self.position += 4;
                self.skip_spaces();
                datamodel = self.datamodel_clause().or(datamodel);
            } else if self.at_keyword("where", false) {
                self.position += 5;
                filter = self.search_expression(true);
            } else if self.at_keyword("by", false) || self.at_keyword("groupby", false) {
                self.skip_word();
                by = self.field_list(subsearches);
            } else {
                self.skip_argument(subsearches);
            }
        }
        CommandKind::Tstats {
            datamodel,
            filter,
            by,
        }
    }

    /// Reads `datamodel=X.Y`, `datamodel:X.Y` or `datamodel X.Y` after `from`.
    fn datamodel_clause(&mut self) -> Option<Word> {
        let key = self.search_word(true)?;
        let key_lower = key.value.to_ascii_lowercase();
        let prefix = "datamodel:";
        if key_lower.starts_with(prefix) {
            // `datamodel:X.Y` is one word, because `:` does not end a word. The prefix is
            // ASCII, so the value's byte at its length is a character boundary.
            let rest = key.value.get(prefix.len()..).unwrap_or_default().to_owned();
            return Some(Word {
                source: rest.clone(),
                value: rest,
                quoted: key.quoted,
                range: key.range,
            });
        }
        if key_lower != "datamodel" {
            return None;
        }
        self.skip_spaces();
        if self.peek() == Some(b'=') {
            self.position += 1;
            self.skip_spaces();
        }
        self.search_word(true)
    }

    fn skip_word(&mut self) {
        while let Some(byte) = self.peek() {
            if ends_search_word(byte) {
                break;
            }
            self.bump_char();
        }
    }

    /// Skips one argument: a quoted string, a parenthesised group, a subsearch or a word.
    fn skip_argument(&mut self, subsearches: &mut Vec<Pipeline>) {
        let before = self.position;
        match self.peek() {
            Some(b'"') => {
                self.quoted_string();
            }
            Some(b'(') => self.skip_group(subsearches),
            Some(b')') => {
                self.report_stray_paren();
                self.position += 1;
            }
            Some(b'[') => {
                if let Some((pipeline, _)) = self.subsearch() {
                    subsearches.push(pipeline);
                }
            }
            Some(b'`') => {
                self.macro_token();
            }
            Some(b',') => self.position += 1,
            _ => {
                let _ = self.search_word(false);
            }
        }
        if self.position == before && self.peek().is_some() {
            self.bump_char();
        }
    }

    /// Skips a parenthesised group, such as the argument list of `count(x)`.
    fn skip_group(&mut self, subsearches: &mut Vec<Pipeline>) {
        let open = self.position;
        self.position += 1;
        let mut depth = 1usize;
        while depth > 0 {
            if self.at_command_end() {
                self.report_unclosed_paren(open);
                return;
            }
            match self.peek() {
                Some(b'(') => {
                    depth += 1;
                    self.position += 1;
                }
                Some(b')') => {
                    depth -= 1;
                    self.position += 1;
                }
                Some(b'"') => {
                    self.quoted_string();
                }
                Some(b'[') => {
                    if let Some((pipeline, _)) = self.subsearch() {
                        subsearches.push(pipeline);
                    }
                }
                Some(_) => self.bump_char(),
                None => return,
            }
        }
    }

    /// Reads a list of field names separated by spaces or commas, up to the end of the
    /// command.
    fn field_list(&mut self, subsearches: &mut Vec<Pipeline>) -> Vec<Word> {
        let mut fields = Vec::new();
        loop {
            self.skip_spaces();
            if self.at_command_end() {
                break;
            }
            if self.peek() == Some(b',') {
                self.position += 1;
                continue;
            }
            match self.peek() {
                Some(b'(' | b'[' | b')' | b'`') => self.skip_argument(subsearches),
                _ => match self.search_word(false) {
                    Some(word) => fields.push(word),
                    None => self.skip_argument(subsearches),
                },
            }
        }
        fields
    }

    fn regex_arguments(&mut self) -> CommandKind {
        self.skip_spaces();
        let first = self.search_word(true);
        self.skip_spaces();
        let (field, negated, pattern) = match self.compare_operator() {
            Some(op @ (CompareOp::Eq | CompareOp::Ne)) => {
                self.skip_spaces();
                (first, op == CompareOp::Ne, self.search_word(false))
            }
            Some(_) => (first, false, None),
            None => (None, false, first),
        };
        let _ = self.skip_to_command_end();
        CommandKind::Regex {
            field,
            negated,
            pattern,
        }
    }

    /// Reads `from datamodel X.Y`, `from datamodel:X.Y` and `datamodel X Y search`.
    fn datamodel_arguments(&mut self, name: &str, subsearches: &mut Vec<Pipeline>) -> CommandKind {
        self.skip_spaces();
        let datamodel = if name == "from" {
            self.datamodel_clause()
        } else {
            let model = self.search_word(false);
            self.skip_spaces();
            let dataset = self.search_word(false);
            match (model, dataset) {
                (Some(model), Some(dataset)) if !dataset.value.eq_ignore_ascii_case("search") => {
                    Some(Word {
                        source: format!("{}.{}", model.source, dataset.source),
                        value: format!("{}.{}", model.value, dataset.value),
                        quoted: false,
                        range: model.range.cover(dataset.range),
                    })
                }
                (model, _) => model,
            }
        };
        self.skip_arguments(subsearches);
        CommandKind::DataModel { datamodel }
    }

    fn stats_arguments(&mut self, subsearches: &mut Vec<Pipeline>) -> CommandKind {
        let mut by = Vec::new();
        let mut outputs = Vec::new();
        loop {
            self.skip_spaces();
            if self.at_command_end() {
                break;
            }
            if self.at_keyword("by", false) {
                self.position += 2;
                by = self.field_list(subsearches);
            } else if self.at_keyword("as", false) {
                self.position += 2;
                self.skip_spaces();
                if let Some(word) = self.search_word(false) {
                    outputs.push(word);
                }
            } else {
                self.skip_argument(subsearches);
            }
        }
        CommandKind::Stats { by, outputs }
    }

    fn rename_arguments(&mut self) -> Vec<(Word, Word)> {
        let mut pairs = Vec::new();
        loop {
            self.skip_spaces();
            if self.at_command_end() {
                break;
            }
            if self.peek() == Some(b',') {
                self.position += 1;
                continue;
            }
            let Some(old) = self.search_word(false) else {
                self.skip_argument(&mut Vec::new());
                continue;
            };
            self.skip_spaces();
            if !self.at_keyword("as", false) {
                self.error(
                    super::UNEXPECTED_TOKEN,
                    self.position,
                    self.position + 1,
                    format!("`rename {}` needs `as` and a new name", old.source),
                );
                continue;
            }
            self.position += 2;
            self.skip_spaces();
            match self.search_word(false) {
                Some(new) => pairs.push((old, new)),
                None => {
                    self.error(
                        super::MISSING_OPERAND,
                        self.position.saturating_sub(2),
                        self.position,
                        format!("`rename {} as` needs a new name", old.source),
                    );
                }
            }
        }
        pairs
    }

    /// Reads the arguments of commands that add fields: `lookup ... OUTPUT a, b`,
    /// `rex "(?<name>...)"` and `spath output=name`.
    fn extract_arguments(&mut self, name: &str, subsearches: &mut Vec<Pipeline>) -> CommandKind {
        let mut outputs = Vec::new();
        let mut after_output_keyword = false;
        loop {
            self.skip_spaces();
            if self.at_command_end() {
                break;
            }
            if self.at_keyword("output", false) || self.at_keyword("outputnew", false) {
                self.skip_word();
                after_output_keyword = true;
                continue;
            }
            if self.peek() == Some(b'"') {
                let pattern = self.quoted_string();
                if name == "rex" {
                    outputs.extend(named_groups(&pattern));
                }
                continue;
            }
            if !matches!(self.peek(), Some(b'(' | b'[' | b')' | b'`' | b',')) {
                if let Some(word) = self.search_word(false) {
                    let lower = word.value.to_ascii_lowercase();
                    if let Some(output) = lower.strip_prefix("output=") {
                        outputs.push(word.value[word.value.len() - output.len()..].to_owned());
                    } else if after_output_keyword && lower != "as" {
                        outputs.push(word.value);
                    }
                    continue;
                }
            }
            self.skip_argument(subsearches);
        }
        CommandKind::Extract { outputs }
    }

    // ----- eval expressions -----

    fn where_arguments(&mut self) -> Option<EvalNode> {
        self.skip_spaces();
        if self.at_command_end() {
            self.error(
                super::MISSING_OPERAND,
                self.position.saturating_sub(5),
                self.position,
                "`where` has no condition: add one or remove the command".to_owned(),
            );
            return None;
        }
        Some(self.eval_or())
    }

    fn eval_assignments(&mut self) -> Vec<Assignment> {
        let mut assignments = Vec::new();
        loop {
            self.skip_spaces();
            if self.at_command_end() {
                break;
            }
            if self.peek() == Some(b',') {
                self.position += 1;
                continue;
            }
            let start = self.position;
            // The name before `=` is read up to the `=`, so it may hold `-` and `:`, which
            // an expression would read as operators.
            let field = match self.search_word(true) {
                Some(mut word) => {
                    if let Some(inner) = word
                        .value
                        .strip_prefix('\'')
                        .and_then(|rest| rest.strip_suffix('\''))
                    {
                        word.value = inner.to_owned();
                    }
                    word
                }
                None => {
                    let end = self.skip_to_command_end();
                    self.error(
                        super::UNEXPECTED_TOKEN,
                        start,
                        end.max(start + 1).min(self.text.len()),
                        "`eval` expects `name = expression`".to_owned(),
                    );
                    break;
                }
            };
            self.skip_spaces();
            if self.peek() == Some(b'=') && self.peek_at(1) != Some(b'=') {
                self.position += 1;
            } else {
                self.error(
                    super::MISSING_OPERAND,
                    start,
                    self.position,
                    format!("`eval {}` needs `=` and an expression", field.source),
                );
                let _ = self.skip_to_command_end();
                break;
            }
            let value = self.eval_or();
            assignments.push(Assignment { field, value });
        }
        assignments
    }

    /// Lexes the next eval token; returns it with its start and end offsets.
    fn next_eval_token(&mut self) -> (EvalToken, usize, usize) {
        self.skip_spaces();
        let start = self.position;
        if self.at_command_end() {
            return (EvalToken::End, start, start);
        }
        let Some(byte) = self.peek() else {
            return (EvalToken::End, start, start);
        };
        let token = match byte {
            b'"' => EvalToken::String(self.quoted_string()),
            b'\'' => {
                self.position += 1;
                let close = self.text[self.position..].find('\'');
                let end = close.map_or(self.text.len(), |relative| self.position + relative);
                let text = self.text[self.position..end].to_owned();
                if close.is_none() {
                    self.error(
                        super::UNTERMINATED_STRING,
                        start,
                        end,
                        "field name in single quotes is never closed: add the closing `'`"
                            .to_owned(),
                    );
                }
                self.position = (end + 1).min(self.text.len());
                EvalToken::Name { text, quoted: true }
            }
            b'(' => {
                self.position += 1;
                EvalToken::OpenParen
            }
            b')' => {
                self.position += 1;
                EvalToken::CloseParen
            }
            b'[' => EvalToken::OpenBracket,
            b',' => {
                self.position += 1;
                EvalToken::Comma
            }
            b'`' => EvalToken::Macro(self.macro_token()),
            b'.' if self.peek_at(1).is_some_and(|b| b.is_ascii_digit()) => {
                self.position += 1;
                while self.peek().is_some_and(|b| b.is_ascii_alphanumeric()) {
                    self.position += 1;
                }
                EvalToken::Number(self.text[start..self.position].to_owned())
            }
            b'0'..=b'9' => {
                while self.peek().is_some_and(is_eval_name_byte) {
                    self.position += 1;
                }
                let text = self.text[start..self.position].to_owned();
                if is_number_text(&text) {
                    EvalToken::Number(text)
                } else {
                    EvalToken::Name {
                        text,
                        quoted: false,
                    }
                }
            }
            _ if is_eval_name_byte(byte) && byte != b'.' => {
                // A dot joins two parts of a name (`Processes.process`); before a quote or
                // a space it is the concatenation operator.
                while let Some(next) = self.peek() {
                    let joins = if next == b'.' || next == b':' {
                        self.peek_at(1).is_some_and(is_name_start_byte)
                    } else {
                        is_eval_name_byte(next)
                    };
                    if !joins {
                        break;
                    }
                    self.position += 1;
                }
                EvalToken::Name {
                    text: self.text[start..self.position].to_owned(),
                    quoted: false,
                }
            }
            _ => {
                let two = self.text.get(start..start + 2).unwrap_or_default();
                let operator = match two {
                    "==" => Some("=="),
                    "!=" => Some("!="),
                    "<=" => Some("<="),
                    ">=" => Some(">="),
                    _ => None,
                };
                if let Some(operator) = operator {
                    self.position += 2;
                    EvalToken::Operator(operator)
                } else {
                    let operator = match byte {
                        b'=' => Some("="),
                        b'<' => Some("<"),
                        b'>' => Some(">"),
                        b'+' => Some("+"),
                        b'-' => Some("-"),
                        b'*' => Some("*"),
                        b'/' => Some("/"),
                        b'%' => Some("%"),
                        b'.' => Some("."),
                        _ => None,
                    };
                    match operator {
                        Some(operator) => {
                            self.position += 1;
                            EvalToken::Operator(operator)
                        }
                        None => {
                            let c = self.text[start..].chars().next().unwrap_or(' ');
                            self.bump_char();
                            EvalToken::Unexpected(c)
                        }
                    }
                }
            }
        };
        (token, start, self.position)
    }

    /// Returns the next token without consuming it.
    fn peek_eval_token(&mut self) -> EvalToken {
        let save = self.position;
        let diagnostics = self.diagnostics.len();
        let (token, _, _) = self.next_eval_token();
        self.position = save;
        self.diagnostics.truncate(diagnostics);
        token
    }

    /// Consumes the next token when it is the keyword `keyword` (any case).
    fn eat_eval_keyword(&mut self, keyword: &str) -> bool {
        let save = self.position;
        match self.next_eval_token() {
            (
                EvalToken::Name {
                    text,
                    quoted: false,
                },
                _,
                _,
            ) if text.eq_ignore_ascii_case(keyword) => true,
            _ => {
                self.position = save;
                false
            }
        }
    }

    fn binary(op: BinaryOp, left: EvalNode, right: EvalNode) -> EvalNode {
        let range = left.range().cover(right.range());
        EvalNode::Binary {
            op,
            left: Box::new(left),
            right: Box::new(right),
            range,
        }
    }

    /// Reads operands joined by the boolean `keyword`, each read with `operand`.
    fn eval_boolean(
        &mut self,
        keyword: &str,
        op: BinaryOp,
        operand: fn(&mut Self) -> EvalNode,
    ) -> EvalNode {
        let first = operand(self);
        let mut operands = vec![first];
        while self.eat_eval_keyword(keyword) {
            operands.push(operand(self));
        }
        if operands.len() == 1 {
            return operands
                .pop()
                .unwrap_or(EvalNode::Invalid(TextRange::default()));
        }
        let range = cover_all(operands.iter().map(EvalNode::range));
        EvalNode::Logical {
            op,
            operands,
            range,
        }
    }

    /// Returns whether an arithmetic chain that started at `start` has grown past the
    /// nesting limit, because its left-nested tree is as deep as it is long. Reports it once
    /// and skips the rest of the command.
    fn chain_too_long(&mut self, length: usize, start: usize) -> bool {
        if length < MAX_NESTING {
            return false;
        }
        let end = self.skip_to_command_end();
        self.error(
            super::NESTING_TOO_DEEP,
            start,
            end.max(start + 1).min(self.text.len()),
            format!(
                "expression chains more than {MAX_NESTING} operators, so the rest of the \
                 command is skipped: split it into simpler parts"
            ),
        );
        true
    }

    fn eval_or(&mut self) -> EvalNode {
        self.eval_boolean("OR", BinaryOp::Or, Self::eval_xor)
    }

    fn eval_xor(&mut self) -> EvalNode {
        self.eval_boolean("XOR", BinaryOp::Xor, Self::eval_and)
    }

    fn eval_and(&mut self) -> EvalNode {
        self.eval_boolean("AND", BinaryOp::And, Self::eval_not)
    }

    fn eval_not(&mut self) -> EvalNode {
        let start = self.position;
        let save = self.position;
        let is_not = match self.next_eval_token() {
            (
                EvalToken::Name {
                    text,
                    quoted: false,
                },
                _,
                _,
            ) => {
                // `NOT(x)` is the operator too, since eval has no `not()` function.
                text.eq_ignore_ascii_case("NOT")
            }
            _ => false,
        };
        if !is_not {
            self.position = save;
            return self.eval_compare();
        }
        if !self.enter_nesting(start) {
            return EvalNode::Invalid(self.range(start, self.position));
        }
        let inner = self.eval_not();
        self.nesting -= 1;
        let range = self.range(start, start + 3).cover(inner.range());
        EvalNode::Not {
            inner: Box::new(inner),
            range,
        }
    }

    fn eval_compare(&mut self) -> EvalNode {
        let left = self.eval_concat();
        let save = self.position;
        let op = match self.next_eval_token() {
            (EvalToken::Operator("=" | "=="), _, _) => BinaryOp::Eq,
            (EvalToken::Operator("!="), _, _) => BinaryOp::Ne,
            (EvalToken::Operator("<"), _, _) => BinaryOp::Lt,
            (EvalToken::Operator("<="), _, _) => BinaryOp::Le,
            (EvalToken::Operator(">"), _, _) => BinaryOp::Gt,
            (EvalToken::Operator(">="), _, _) => BinaryOp::Ge,
            (
                EvalToken::Name {
                    text,
                    quoted: false,
                },
                _,
                _,
            ) if text.eq_ignore_ascii_case("LIKE") => BinaryOp::Like,
            (
                EvalToken::Name {
                    text,
                    quoted: false,
                },
                _,
                _,
            ) if text.eq_ignore_ascii_case("IN") => {
                return self.eval_in_list(left);
            }
            _ => {
                self.position = save;
                return left;
            }
        };
        let right = self.eval_concat();
        Self::binary(op, left, right)
    }

    fn eval_in_list(&mut self, value: EvalNode) -> EvalNode {
        let open = self.position;
        let mut list = Vec::new();
        match self.next_eval_token() {
            (EvalToken::OpenParen, _, _) => {}
            (_, start, end) => {
                self.error(
                    super::MISSING_OPERAND,
                    start,
                    end.max(start + 1).min(self.text.len()),
                    "`IN` needs a list in parentheses".to_owned(),
                );
                self.position = open;
                let range = value.range();
                return EvalNode::In {
                    value: Box::new(value),
                    list,
                    range,
                };
            }
        }
        self.eval_arguments(open, &mut list);
        let range = value.range().cover(self.range(open, self.position));
        EvalNode::In {
            value: Box::new(value),
            list,
            range,
        }
    }

    /// Reads comma-separated expressions up to `)`; the `(` was consumed at `open`.
    fn eval_arguments(&mut self, open: usize, arguments: &mut Vec<EvalNode>) {
        if !self.enter_nesting(open) {
            return;
        }
        loop {
            match self.peek_eval_token() {
                EvalToken::CloseParen => {
                    self.next_eval_token();
                    break;
                }
                EvalToken::Comma => {
                    self.next_eval_token();
                }
                EvalToken::End => {
                    self.report_unclosed_paren(open);
                    break;
                }
                _ => {
                    let before = self.position;
                    arguments.push(self.eval_or());
                    if self.position == before {
                        self.bump_char();
                    }
                    match self.peek_eval_token() {
                        EvalToken::Comma | EvalToken::CloseParen | EvalToken::End => {}
                        _ => {
                            let (_, start, end) = self.next_eval_token();
                            self.error(
                                super::UNEXPECTED_TOKEN,
                                start,
                                end.max(start + 1).min(self.text.len()),
                                "expected `,` or `)` in the argument list".to_owned(),
                            );
                        }
                    }
                }
            }
        }
        self.nesting -= 1;
    }

    fn eval_concat(&mut self) -> EvalNode {
        let start = self.position;
        let mut left = self.eval_additive();
        let mut length = 0;
        loop {
            length += 1;
            if self.chain_too_long(length, start) {
                return left;
            }
            let save = self.position;
            match self.next_eval_token() {
                (EvalToken::Operator("."), _, _) => {
                    let right = self.eval_additive();
                    left = Self::binary(BinaryOp::Concat, left, right);
                }
                _ => {
                    self.position = save;
                    return left;
                }
            }
        }
    }

    fn eval_additive(&mut self) -> EvalNode {
        let start = self.position;
        let mut left = self.eval_multiplicative();
        let mut length = 0;
        loop {
            length += 1;
            if self.chain_too_long(length, start) {
                return left;
            }
            let save = self.position;
            let op = match self.next_eval_token() {
                (EvalToken::Operator("+"), _, _) => BinaryOp::Add,
                (EvalToken::Operator("-"), _, _) => BinaryOp::Subtract,
                _ => {
                    self.position = save;
                    return left;
                }
            };
            let right = self.eval_multiplicative();
            left = Self::binary(op, left, right);
        }
    }

    fn eval_multiplicative(&mut self) -> EvalNode {
        let start = self.position;
        let mut left = self.eval_unary();
        let mut length = 0;
        loop {
            length += 1;
            if self.chain_too_long(length, start) {
                return left;
            }
            let save = self.position;
            let op = match self.next_eval_token() {
                (EvalToken::Operator("*"), _, _) => BinaryOp::Multiply,
                (EvalToken::Operator("/"), _, _) => BinaryOp::Divide,
                (EvalToken::Operator("%"), _, _) => BinaryOp::Modulo,
                _ => {
                    self.position = save;
                    return left;
                }
            };
            let right = self.eval_unary();
            left = Self::binary(op, left, right);
        }
    }

    fn eval_unary(&mut self) -> EvalNode {
        let save = self.position;
        match self.next_eval_token() {
            (EvalToken::Operator("-"), start, _) => {
                if !self.enter_nesting(start) {
                    return EvalNode::Invalid(self.range(start, self.position));
                }
                let inner = self.eval_unary();
                self.nesting -= 1;
                let range = self.range(start, start + 1).cover(inner.range());
                EvalNode::Negate {
                    inner: Box::new(inner),
                    range,
                }
            }
            _ => {
                self.position = save;
                self.eval_primary()
            }
        }
    }

    fn eval_primary(&mut self) -> EvalNode {
        let (token, start, end) = self.next_eval_token();
        match token {
            EvalToken::Number(text) => EvalNode::Number {
                text,
                range: self.range(start, end),
            },
            EvalToken::String(value) => EvalNode::String {
                value,
                range: self.range(start, end),
            },
            EvalToken::Name { text, quoted } => {
                if !quoted && self.peek_eval_token() == EvalToken::OpenParen {
                    let (_, open, _) = self.next_eval_token();
                    let mut arguments = Vec::new();
                    self.eval_arguments(open, &mut arguments);
                    return EvalNode::Call {
                        name: text.to_ascii_lowercase(),
                        arguments,
                        range: self.range(start, self.position),
                    };
                }
                EvalNode::Field {
                    name: text,
                    range: self.range(start, end),
                }
            }
            EvalToken::OpenParen => {
                if !self.enter_nesting(start) {
                    return EvalNode::Invalid(self.range(start, self.position));
                }
                let inner = self.eval_or();
                match self.peek_eval_token() {
                    EvalToken::CloseParen => {
                        self.next_eval_token();
                    }
                    _ => self.report_unclosed_paren(start),
                }
                self.nesting -= 1;
                inner
            }
            EvalToken::OpenBracket => match self.subsearch() {
                Some((pipeline, range)) => EvalNode::Subsearch {
                    pipeline: Box::new(pipeline),
                    range,
                },
                None => EvalNode::Invalid(self.range(start, self.position)),
            },
            EvalToken::Macro(name) => EvalNode::Macro {
                name,
                range: self.range(start, end),
            },
            EvalToken::End => {
                let at = start.min(self.text.len());
                self.error(
                    super::MISSING_OPERAND,
                    at.saturating_sub(1),
                    at,
                    "expression is incomplete: add the missing operand".to_owned(),
                );
                EvalNode::Invalid(self.range(at, at))
            }
            EvalToken::CloseParen => {
                self.position = start;
                self.error(
                    super::MISSING_OPERAND,
                    start,
                    start + 1,
                    "expected an operand before `)`".to_owned(),
                );
                EvalNode::Invalid(self.range(start, start))
            }
            EvalToken::Comma | EvalToken::Operator(_) | EvalToken::Unexpected(_) => {
                self.error(
                    super::UNEXPECTED_TOKEN,
                    start,
                    end.max(start + 1).min(self.text.len()),
                    format!(
                        "unexpected `{}` in an expression",
                        self.text.get(start..end).unwrap_or_default()
                    ),
                );
                EvalNode::Invalid(self.range(start, end))
            }
        }
    }
}

/// Returns the names of the named groups `(?<name>...)` and `(?P<name>...)` of a regular expression.
fn named_groups(pattern: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = pattern;
    while let Some(index) = rest.find("(?") {
        rest = &rest[index + 2..];
        let after = rest.strip_prefix('P').unwrap_or(rest);
        if let Some(name_part) = after.strip_prefix('<') {
            if let Some(close) = name_part.find('>') {
                let name = &name_part[..close];
                if !name.is_empty() && !name.starts_with(['=', '!']) {
                    names.push(name.to_owned());
                }
            }
        }
    }
    names
}
