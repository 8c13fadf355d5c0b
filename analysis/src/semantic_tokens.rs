//! Semantic tokens for the query parts of a rule: Sigma conditions and modifiers, KQL and SPL,
//! also when the query is embedded in a Sentinel `query:` or a Splunk `search:` YAML scalar.
//!
//! The tokens come from a lexer, not from the parsers, so that a half-typed query is still
//! coloured. Each token is a byte range in the file and never spans a line break. The rest of
//! the YAML or TOML is left to the editor's own grammar.

use rulelens_syntax::embed::{yaml_scalar, EmbeddedText};
use rulelens_syntax::{Format, TextRange};

/// The kind of a token, in the order of the server's token legend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TokenKind {
    Keyword,
    Operator,
    String,
    Number,
    Comment,
    /// A Sigma selection named in a condition, or a KQL `let` name.
    Variable,
    Function,
    /// An SPL macro.
    Macro,
}

impl TokenKind {
    /// Every kind, in legend order.
    pub const ALL: [TokenKind; 8] = [
        TokenKind::Keyword,
        TokenKind::Operator,
        TokenKind::String,
        TokenKind::Number,
        TokenKind::Comment,
        TokenKind::Variable,
        TokenKind::Function,
        TokenKind::Macro,
    ];
}

/// One token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub range: TextRange,
    pub kind: TokenKind,
}

/// KQL words coloured as keywords: tabular operators and their clauses.
const KQL_KEYWORDS: &[&str] = &[
    "let",
    "where",
    "project",
    "extend",
    "summarize",
    "by",
    "join",
    "kind",
    "on",
    "union",
    "lookup",
    "parse",
    "distinct",
    "top",
    "sort",
    "order",
    "take",
    "limit",
    "count",
    "evaluate",
    "invoke",
    "as",
    "and",
    "or",
    "not",
    "with",
    "materialize",
    "datatable",
    "range",
    "print",
    "mv-expand",
    "make-series",
    "project-away",
    "project-rename",
    "asc",
    "desc",
    "inner",
    "leftouter",
    "leftanti",
    "rightanti",
    "innerunique",
    "true",
    "false",
    "ago",
    "between",
];

/// KQL string operators written as words.
const KQL_WORD_OPERATORS: &[&str] = &[
    "has",
    "has_cs",
    "hasprefix",
    "hassuffix",
    "contains",
    "contains_cs",
    "startswith",
    "startswith_cs",
    "endswith",
    "endswith_cs",
    "matches",
    "regex",
    "in",
    "has_any",
    "has_all",
];

/// SPL words coloured as keywords.
const SPL_KEYWORDS: &[&str] = &[
    "AND", "OR", "NOT", "IN", "BY", "by", "AS", "as", "WHERE", "where", "OVER", "LIKE",
];

/// Sigma condition keywords.
const SIGMA_CONDITION_KEYWORDS: &[&str] = &["and", "or", "not", "of", "them", "all", "any", "1"];

/// Lexes a file of `format` into tokens sorted by position.
pub fn semantic_tokens(format: Option<Format>, text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    match format {
        Some(Format::Kql) => lex_kql(text, &mut |range, kind| tokens.push(Token { range, kind })),
        Some(Format::Spl) => lex_spl(text, &mut |range, kind| tokens.push(Token { range, kind })),
        Some(Format::Sigma) => sigma_tokens(text, &mut tokens),
        Some(Format::SentinelYaml) => embedded_tokens(text, "query", lex_kql, &mut tokens),
        Some(Format::SplunkYaml) => embedded_tokens(text, "search", lex_spl, &mut tokens),
        Some(Format::ElasticToml | Format::PantherYaml) | None => {}
    }
    let mut split = Vec::with_capacity(tokens.len());
    for token in tokens {
        split_at_line_breaks(text, token, &mut split);
    }
    split.sort_by_key(|token| (token.range.start, token.range.end));
    split
}

type Lexer = fn(&str, &mut dyn FnMut(TextRange, TokenKind));

/// Lexes the scalar of a top-level `key:` as a query and maps its tokens into the file.
fn embedded_tokens(text: &str, key: &str, lexer: Lexer, tokens: &mut Vec<Token>) {
    let Some(scalar_start) = top_level_scalar_start(text, key) else {
        return;
    };
    let Some(embedded) = yaml_scalar(text, scalar_start) else {
        return;
    };
    lex_embedded(&embedded, lexer, tokens);
}

fn lex_embedded(embedded: &EmbeddedText, lexer: Lexer, tokens: &mut Vec<Token>) {
    lexer(&embedded.text, &mut |range, kind| {
        tokens.push(Token {
            range: embedded.file_range(range),
            kind,
        });
    });
}

/// Finds the offset of the first character of the value of a top-level `key:`.
fn top_level_scalar_start(text: &str, key: &str) -> Option<usize> {
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line
            .strip_prefix(key)
            .and_then(|rest| rest.strip_prefix(':'))
        {
            let value = rest.trim_start_matches([' ', '\t']);
            if !value.trim().is_empty() {
                return Some(line_start + line.len() - value.len());
            }
        }
        line_start += line.len();
    }
    None
}

/// Splits a token that covers line breaks into one token per line.
fn split_at_line_breaks(text: &str, token: Token, out: &mut Vec<Token>) {
    let Some(slice) = text.get(token.range.as_range()) else {
        return;
    };
    let mut start = token.range.start();
    for piece in slice.split_inclusive(['\n', '\r']) {
        let content = piece.trim_end_matches(['\n', '\r']);
        if !content.is_empty() {
            out.push(Token {
                range: TextRange::new(start, start + content.len()),
                kind: token.kind,
            });
        }
        start += piece.len();
    }
}

/// Sigma: the words of each `condition:` value, and the `|modifier`s of detection keys.
fn sigma_tokens(text: &str, tokens: &mut Vec<Token>) {
    let mut in_detection = false;
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let content = line.trim_end_matches(['\n', '\r']);
        if content
            .chars()
            .next()
            .is_some_and(|c| !c.is_whitespace() && c != '#')
        {
            in_detection = content.starts_with("detection:");
        }
        if in_detection {
            sigma_line_tokens(content, line_start, tokens);
        }
        line_start += line.len();
    }
}

fn sigma_line_tokens(line: &str, line_start: usize, tokens: &mut Vec<Token>) {
    let trimmed = line.trim_start();
    let indent = line.len() - trimmed.len();
    let entry = trimmed.strip_prefix("- ").unwrap_or(trimmed);
    let entry_start = line_start + indent + (trimmed.len() - entry.len());
    if let Some(value) = entry.strip_prefix("condition:") {
        let value_start = entry_start + "condition:".len();
        for (offset, word) in words(value) {
            let kind = if SIGMA_CONDITION_KEYWORDS.contains(&word) {
                TokenKind::Keyword
            } else if word == "|" || word == "(" || word == ")" {
                TokenKind::Operator
            } else {
                TokenKind::Variable
            };
            let start = value_start + offset;
            tokens.push(Token {
                range: TextRange::new(start, start + word.len()),
                kind,
            });
        }
        return;
    }
    // `Field|mod1|mod2:`: each modifier name.
    let Some(colon) = entry.find(':') else {
        return;
    };
    let key = &entry[..colon];
    if key.contains(['\'', '"', ' ']) {
        return;
    }
    let mut offset = 0;
    for (index, part) in key.split('|').enumerate() {
        if index > 0 && !part.is_empty() {
            let start = entry_start + offset;
            tokens.push(Token {
                range: TextRange::new(start, start + part.len()),
                kind: TokenKind::Operator,
            });
        }
        offset += part.len() + 1;
    }
}

/// Splits a Sigma condition into words with their byte offsets: runs of non-space characters,
/// with parentheses and `|` as words of their own.
fn words(text: &str) -> Vec<(usize, &str)> {
    let mut found = Vec::new();
    let mut start: Option<usize> = None;
    for (index, c) in text.char_indices() {
        let single = matches!(c, '(' | ')' | '|');
        if c.is_whitespace() || single || c == '#' {
            if let Some(word_start) = start.take() {
                found.push((word_start, &text[word_start..index]));
            }
            if c == '#' {
                return found;
            }
            if single {
                found.push((index, &text[index..index + 1]));
            }
        } else if start.is_none() {
            start = Some(index);
        }
    }
    if let Some(word_start) = start {
        found.push((word_start, &text[word_start..]));
    }
    found
}

/// A byte scanner shared by the KQL and SPL lexers.
struct Scanner<'a> {
    text: &'a str,
    position: usize,
}

impl<'a> Scanner<'a> {
    fn rest(&self) -> &'a str {
        self.text.get(self.position..).unwrap_or_default()
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    /// Advances past a quoted string that starts at the cursor, honouring `\` escapes.
    fn skip_string(&mut self, quote: char, escapes: bool) {
        self.position += quote.len_utf8();
        let mut escaped = false;
        for (index, c) in self.rest().char_indices() {
            if escaped {
                escaped = false;
            } else if escapes && c == '\\' {
                escaped = true;
            } else if c == quote || c == '\n' {
                self.position += index + c.len_utf8();
                return;
            }
        }
        self.position = self.text.len();
    }

    /// Advances while `accept` is true and returns the skipped text.
    fn take_while(&mut self, accept: impl Fn(char) -> bool) -> &'a str {
        let rest = self.rest();
        let length = rest.find(|c: char| !accept(c)).unwrap_or(rest.len());
        self.position += length;
        rest.get(..length).unwrap_or_default()
    }
}

/// The KQL query of a file: the whole text of a `.kql` file, or the `query:` scalar of a
/// Sentinel rule with its mapping back to file offsets.
pub(crate) struct KqlQuery {
    pub text: String,
    embedded: Option<EmbeddedText>,
}

impl KqlQuery {
    pub fn of_file(format: Option<Format>, text: &str) -> Option<KqlQuery> {
        match format {
            Some(Format::Kql) => Some(KqlQuery {
                text: text.to_owned(),
                embedded: None,
            }),
            Some(Format::SentinelYaml) => {
                let embedded = yaml_scalar(text, top_level_scalar_start(text, "query")?)?;
                Some(KqlQuery {
                    text: embedded.text.clone(),
                    embedded: Some(embedded),
                })
            }
            _ => None,
        }
    }

    /// Maps a range of the query text to the file.
    pub fn file_range(&self, range: TextRange) -> TextRange {
        match &self.embedded {
            Some(embedded) => embedded.file_range(range),
            None => range,
        }
    }

    /// Maps a file offset into the query text, when it lies inside the query.
    pub fn query_offset(&self, file_offset: usize) -> Option<usize> {
        let Some(embedded) = &self.embedded else {
            return Some(file_offset);
        };
        // The mapping is monotonic, so a binary search over query offsets finds it.
        let (mut low, mut high) = (0, embedded.text.len());
        while low < high {
            let middle = low + (high - low) / 2;
            if embedded.file_offset(middle) < file_offset {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        (embedded.file_offset(low) == file_offset).then_some(low)
    }
}

/// Finds the identifiers of a KQL query outside strings and comments, with `let` bindings
/// marked: `(range, is_let_binding)`. Member names after `.` (`Properties.name`) and the unit
/// letters of literals (`1h`, `0x1f`) are not identifiers that a `let` can bind, so they are
/// left out.
pub(crate) fn kql_identifiers(text: &str) -> Vec<(TextRange, bool)> {
    let mut scanner = Scanner { text, position: 0 };
    let mut found = Vec::new();
    let mut after_let = false;
    let mut after_dot = false;
    while let Some(c) = scanner.peek() {
        let start = scanner.position;
        let rest = scanner.rest();
        let next = rest[c.len_utf8()..].chars().next();
        if rest.starts_with("//") {
            scanner.take_while(|c| c != '\n');
        } else if c == '\'' || c == '"' {
            scanner.skip_string(c, true);
        } else if matches!(c, '@' | 'h' | 'H') && matches!(next, Some('\'' | '"')) {
            // `@'C:\dir\'` has no escapes; `h'secret'` is an obfuscated string.
            scanner.position += 1;
            scanner.skip_string(next.unwrap_or('\''), c != '@');
        } else if c.is_ascii_digit() {
            scanner.take_while(|c| c.is_ascii_alphanumeric() || c == '.');
        } else if c.is_alphabetic() || c == '_' {
            let word = scanner.take_while(|c| c.is_alphanumeric() || c == '_');
            if !after_dot && (!is_kql_reserved(word) || after_let) {
                found.push((TextRange::new(start, scanner.position), after_let));
            }
            after_let = word == "let";
        } else {
            scanner.position += c.len_utf8();
            if !c.is_whitespace() {
                after_let = false;
            }
        }
        after_dot = c == '.';
    }
    found
}

/// Whether `word` is a KQL keyword or word operator, which cannot name a `let`.
pub(crate) fn is_kql_reserved(word: &str) -> bool {
    KQL_KEYWORDS.contains(&word) || KQL_WORD_OPERATORS.contains(&word)
}

fn is_identifier_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

fn lex_kql(text: &str, emit: &mut dyn FnMut(TextRange, TokenKind)) {
    let mut scanner = Scanner { text, position: 0 };
    let mut after_let = false;
    while let Some(c) = scanner.peek() {
        let start = scanner.position;
        let rest = scanner.rest();
        if rest.starts_with("//") {
            scanner.take_while(|c| c != '\n');
            emit(TextRange::new(start, scanner.position), TokenKind::Comment);
        } else if c == '\'' || c == '"' {
            scanner.skip_string(c, true);
            emit(TextRange::new(start, scanner.position), TokenKind::String);
        } else if (c == '@' || c == 'h' || c == 'H') && rest[1..].starts_with(['\'', '"']) {
            let quote = rest[1..].chars().next().unwrap_or('\'');
            scanner.position += 1;
            scanner.skip_string(quote, c != '@');
            emit(TextRange::new(start, scanner.position), TokenKind::String);
        } else if c.is_ascii_digit() {
            scanner.take_while(|c| c.is_ascii_alphanumeric() || c == '.');
            emit(TextRange::new(start, scanner.position), TokenKind::Number);
        } else if c.is_alphabetic() || c == '_' {
            let word = scanner.take_while(is_identifier_char);
            let range = TextRange::new(start, scanner.position);
            if after_let {
                emit(range, TokenKind::Variable);
                after_let = false;
            } else if KQL_KEYWORDS.contains(&word) {
                emit(range, TokenKind::Keyword);
                after_let = word == "let";
            } else if KQL_WORD_OPERATORS.contains(&word) {
                emit(range, TokenKind::Operator);
            } else if scanner.peek() == Some('(') {
                emit(range, TokenKind::Function);
            }
        } else if c == '!' && rest[1..].starts_with(|c: char| c.is_ascii_alphabetic()) {
            // `!has`, `!in~`, `!contains`.
            scanner.position += 1;
            let word = scanner.take_while(is_identifier_char);
            if KQL_WORD_OPERATORS.contains(&word) {
                scanner.take_while(|c| c == '~');
                emit(TextRange::new(start, scanner.position), TokenKind::Operator);
            }
        } else if "=!<>|~".contains(c) {
            scanner.take_while(|c| "=!<>|~".contains(c));
            emit(TextRange::new(start, scanner.position), TokenKind::Operator);
        } else {
            scanner.position += c.len_utf8();
        }
    }
}

fn lex_spl(text: &str, emit: &mut dyn FnMut(TextRange, TokenKind)) {
    let mut scanner = Scanner { text, position: 0 };
    let mut after_pipe = false;
    while let Some(c) = scanner.peek() {
        let start = scanner.position;
        let rest = scanner.rest();
        if let Some(comment) = rest.strip_prefix("```") {
            let end = comment
                .find("```")
                .map_or(text.len(), |i| start + 3 + i + 3);
            scanner.position = end;
            emit(TextRange::new(start, end), TokenKind::Comment);
        } else if c == '`' {
            let end = rest[1..]
                .find('`')
                .map_or(text.len(), |i| start + 1 + i + 1);
            scanner.position = end;
            emit(TextRange::new(start, end), TokenKind::Macro);
            after_pipe = false;
        } else if c == '"' {
            scanner.skip_string('"', true);
            emit(TextRange::new(start, scanner.position), TokenKind::String);
        } else if c == '|' {
            scanner.position += 1;
            emit(TextRange::new(start, scanner.position), TokenKind::Operator);
            after_pipe = true;
        } else if c.is_ascii_digit() && !after_pipe {
            scanner.take_while(|c| c.is_ascii_digit() || c == '.');
            emit(TextRange::new(start, scanner.position), TokenKind::Number);
        } else if c.is_alphanumeric() || c == '_' {
            let word = scanner.take_while(|c| is_identifier_char(c) || c == '.' || c == ':');
            let range = TextRange::new(start, scanner.position);
            if after_pipe {
                emit(range, TokenKind::Keyword);
                after_pipe = false;
            } else if SPL_KEYWORDS.contains(&word) {
                emit(range, TokenKind::Keyword);
            } else if scanner.peek() == Some('(') {
                emit(range, TokenKind::Function);
            }
        } else if "=!<>".contains(c) {
            scanner.take_while(|c| "=!<>".contains(c));
            emit(TextRange::new(start, scanner.position), TokenKind::Operator);
        } else {
            scanner.position += c.len_utf8();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders the tokens as `kind:text` pairs.
    fn check(format: Format, text: &str, expected: &[&str]) {
        let rendered: Vec<String> = semantic_tokens(Some(format), text)
            .iter()
            .map(|token| format!("{:?}:{}", token.kind, &text[token.range.as_range()]))
            .collect();
        assert_eq!(rendered, expected);
    }

    #[test]
    fn sigma_condition_and_modifiers() {
        check(
            Format::Sigma,
            "title: not this\ndetection:\n  sel:\n    Image|endswith|all: x\n  \
condition: sel and not 1 of filter_*\n",
            &[
                "Operator:endswith",
                "Operator:all",
                "Variable:sel",
                "Keyword:and",
                "Keyword:not",
                "Keyword:1",
                "Keyword:of",
                "Variable:filter_*",
            ],
        );
    }

    #[test]
    fn kql_tokens() {
        check(
            Format::Kql,
            "let x = 5; // note\nT | where A !has 'a\\'b' and strlen(B) > 2",
            &[
                "Keyword:let",
                "Variable:x",
                "Operator:=",
                "Number:5",
                "Comment:// note",
                "Operator:|",
                "Keyword:where",
                "Operator:!has",
                "String:'a\\'b'",
                "Keyword:and",
                "Function:strlen",
                "Operator:>",
                "Number:2",
            ],
        );
    }

    #[test]
    fn spl_tokens() {
        check(
            Format::Spl,
            "index=a NOT user=\"x\" ```why``` | `sysmon` | stats count by host",
            &[
                "Operator:=",
                "Keyword:NOT",
                "Operator:=",
                "String:\"x\"",
                "Comment:```why```",
                "Operator:|",
                "Macro:`sysmon`",
                "Operator:|",
                "Keyword:stats",
                "Keyword:by",
            ],
        );
    }

    #[test]
    fn sentinel_block_query_maps_to_file() {
        let text = "id: x\nquery: |\n  SigninLogs\n  | where A has 'b'\n";
        check(
            Format::SentinelYaml,
            text,
            &["Operator:|", "Keyword:where", "Operator:has", "String:'b'"],
        );
    }

    #[test]
    fn multi_line_comment_splits_per_line() {
        check(
            Format::Spl,
            "a ```x\r\ny``` b",
            &["Comment:```x", "Comment:y```"],
        );
    }
}
