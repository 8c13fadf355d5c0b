//! A configurable tokenizer for the expression languages RuleLens reads beside Sigma: EQL,
//! ES|QL, Panther SQL and the Python subset of Panther rules.
//!
//! The languages share identifiers, numbers, quoted strings, comments and operator symbols;
//! [`LexerConfig`] sets the differences (quote characters, comment markers, raw strings).
//! Offsets are bytes into the query text. The tokenizer never fails: an unterminated string or
//! comment becomes a token that runs to the end of the text plus an error.

use std::borrow::Cow;

/// What a token is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// A name, possibly dotted (`process.name`, `event.get`).
    Ident,
    /// A name quoted with the language's identifier quote (backticks, SQL double quotes).
    QuotedIdent,
    Number,
    /// A string literal; [`Token::value`] holds the decoded text.
    Str,
    /// An operator or punctuation symbol, in [`Token::value`].
    Symbol,
}

/// One token with its decoded value and its byte range in the query text. Symbols borrow
/// their text, so that the most frequent tokens cost no allocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub value: Cow<'static, str>,
    pub start: usize,
    pub end: usize,
}

impl Token {
    /// Returns whether the token is the keyword `word`, compared without case.
    pub fn is_keyword(&self, word: &str) -> bool {
        self.kind == TokenKind::Ident && self.value.eq_ignore_ascii_case(word)
    }

    pub fn is_symbol(&self, symbol: &str) -> bool {
        // Symbols are one to three bytes; comparing them inline avoids a `memcmp` call.
        self.kind == TokenKind::Symbol
            && self.value.len() == symbol.len()
            && self.value.bytes().zip(symbol.bytes()).all(|(a, b)| a == b)
    }
}

/// A tokenizer error: an unterminated string or comment, or a character no token starts with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexError {
    pub kind: LexErrorKind,
    pub start: usize,
    pub end: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LexErrorKind {
    UnterminatedString,
    UnterminatedComment,
    UnexpectedCharacter,
}

/// The lexical differences between the languages.
#[derive(Clone, Copy, Debug)]
pub struct LexerConfig {
    /// Characters that open a string literal.
    pub string_quotes: &'static [char],
    /// The character that quotes an identifier, if any.
    pub identifier_quote: Option<char>,
    /// Whether a backslash escapes the next character inside strings.
    pub backslash_escapes: bool,
    /// Whether a doubled quote inside a string is one quote (SQL `'it''s'`).
    pub doubled_quote_escapes: bool,
    /// Whether `"""..."""` is a raw string (EQL, ES|QL, Python).
    pub triple_quoted_raw: bool,
    pub line_comments: &'static [&'static str],
    pub block_comments: bool,
    /// Characters allowed to start an identifier besides letters and `_`.
    pub identifier_start_extra: &'static [char],
}

/// Operator symbols, longest first so that the first match is the longest.
const SYMBOLS: &[&str] = &[
    "===", "!==", "==", "!=", "<>", "<=", ">=", "::", "||", "&&", "**", "->", "<", ">", "=", "(",
    ")", "[", "]", "{", "}", ",", ":", "|", "+", "-", "*", "/", "%", "~", "!", "?", ".", ";", "@",
];

/// Splits `text` into tokens, skipping whitespace and comments.
pub fn tokenize(text: &str, config: &LexerConfig) -> (Vec<Token>, Vec<LexError>) {
    let mut lexer = Lexer {
        text,
        config,
        position: 0,
        tokens: Vec::new(),
        errors: Vec::new(),
    };
    lexer.run();
    (lexer.tokens, lexer.errors)
}

struct Lexer<'a> {
    text: &'a str,
    config: &'a LexerConfig,
    position: usize,
    tokens: Vec<Token>,
    errors: Vec<LexError>,
}

impl<'a> Lexer<'a> {
    fn rest(&self) -> &'a str {
        self.text.get(self.position..).unwrap_or_default()
    }

    fn run(&mut self) {
        while let Some(c) = self.rest().chars().next() {
            let start = self.position;
            if c.is_whitespace() || c == '\u{feff}' {
                self.position += c.len_utf8();
            } else if self.skip_comment() {
            } else if self.config.string_quotes.contains(&c) {
                self.read_string(c);
            } else if Some(c) == self.config.identifier_quote {
                self.read_quoted_identifier(c);
            } else if c.is_ascii_digit() {
                self.read_number();
            } else if is_identifier_start(c) || self.config.identifier_start_extra.contains(&c) {
                self.read_identifier();
            } else if let Some(symbol) = symbol_at(self.rest()) {
                self.position += symbol.len();
                self.push(TokenKind::Symbol, symbol, start);
            } else {
                self.position += c.len_utf8();
                self.errors.push(LexError {
                    kind: LexErrorKind::UnexpectedCharacter,
                    start,
                    end: self.position,
                });
            }
        }
    }

    fn push(&mut self, kind: TokenKind, value: impl Into<Cow<'static, str>>, start: usize) {
        self.tokens.push(Token {
            kind,
            value: value.into(),
            start,
            end: self.position,
        });
    }

    fn skip_comment(&mut self) -> bool {
        let rest = self.rest();
        if self
            .config
            .line_comments
            .iter()
            .any(|m| rest.starts_with(m))
        {
            let length = rest.find(['\n', '\r']).unwrap_or(rest.len());
            self.position += length;
            return true;
        }
        if self.config.block_comments && rest.starts_with("/*") {
            let start = self.position;
            match rest.get(2..).and_then(|r| r.find("*/")) {
                Some(end) => self.position += end + 4,
                None => {
                    self.position = self.text.len();
                    self.errors.push(LexError {
                        kind: LexErrorKind::UnterminatedComment,
                        start,
                        end: self.position,
                    });
                }
            }
            return true;
        }
        false
    }

    fn read_string(&mut self, quote: char) {
        let start = self.position;
        let triple: String = std::iter::repeat_n(quote, 3).collect();
        if self.config.triple_quoted_raw && self.rest().starts_with(&triple) {
            let body = self.rest().get(3..).unwrap_or_default();
            match body.find(&triple) {
                Some(end) => {
                    let value = body.get(..end).unwrap_or_default().to_owned();
                    self.position += 3 + end + 3;
                    self.push(TokenKind::Str, value, start);
                }
                None => self.unterminated_string(start, body.to_owned()),
            }
            return;
        }
        self.position += quote.len_utf8();
        let mut value = String::new();
        loop {
            let Some(c) = self.rest().chars().next() else {
                self.unterminated_string(start, value);
                return;
            };
            self.position += c.len_utf8();
            if c == quote {
                if self.config.doubled_quote_escapes && self.rest().starts_with(quote) {
                    self.position += quote.len_utf8();
                    value.push(quote);
                    continue;
                }
                self.push(TokenKind::Str, value, start);
                return;
            }
            if c == '\\' && self.config.backslash_escapes {
                if let Some(next) = self.rest().chars().next() {
                    self.position += next.len_utf8();
                    value.push(unescape(next));
                    continue;
                }
            }
            value.push(c);
        }
    }

    fn unterminated_string(&mut self, start: usize, value: String) {
        self.position = self.text.len();
        self.errors.push(LexError {
            kind: LexErrorKind::UnterminatedString,
            start,
            end: self.position,
        });
        self.push(TokenKind::Str, value, start);
    }

    fn read_quoted_identifier(&mut self, quote: char) {
        let start = self.position;
        let body = self.rest().get(quote.len_utf8()..).unwrap_or_default();
        match body.find(quote) {
            Some(end) => {
                let value = body.get(..end).unwrap_or_default().to_owned();
                self.position += quote.len_utf8() * 2 + end;
                self.push(TokenKind::QuotedIdent, value, start);
            }
            None => self.unterminated_string(start, body.to_owned()),
        }
    }

    fn read_number(&mut self) {
        let start = self.position;
        let rest = self.rest();
        let mut length = 0;
        let mut seen_dot = false;
        for (index, c) in rest.char_indices() {
            let part_of_number = c.is_ascii_alphanumeric()
                || c == '_'
                || (c == '.'
                    && !seen_dot
                    && rest
                        .get(index + 1..)
                        .and_then(|r| r.chars().next())
                        .is_some_and(|n| n.is_ascii_digit()));
            if !part_of_number {
                break;
            }
            seen_dot |= c == '.';
            length = index + c.len_utf8();
        }
        self.position += length;
        let value = rest.get(..length).unwrap_or_default().to_owned();
        self.push(TokenKind::Number, value, start);
    }

    /// Reads a dotted name. A dot joins two parts only when a name character follows it, so
    /// `a.b` is one token while `f(x).y` keeps its dot as a symbol.
    ///
    /// A dotted name may hold quoted segments, such as EQL `items.`0`.name`; the value keeps
    /// the segment without its quotes.
    fn read_identifier(&mut self) {
        let start = self.position;
        let quote = self.config.identifier_quote;
        let mut value = String::new();
        let mut chars = self.rest().char_indices().peekable();
        let mut length = 0;
        while let Some((index, c)) = chars.next() {
            let next = chars.peek().map(|(_, n)| *n);
            let dot_continues = c == '.'
                && next.is_some_and(|n| is_identifier_continue(n) || n == '@' || Some(n) == quote);
            if Some(c) == quote && value.ends_with('.') {
                let body = self.rest().get(index + c.len_utf8()..).unwrap_or_default();
                let Some(end) = body.find(c) else {
                    break;
                };
                value.push_str(body.get(..end).unwrap_or_default());
                length = index + c.len_utf8() * 2 + end;
                while chars.peek().is_some_and(|(i, _)| *i < length) {
                    chars.next();
                }
                continue;
            }
            let continues = is_identifier_continue(c)
                || (index == 0 && self.config.identifier_start_extra.contains(&c))
                || dot_continues;
            if !continues {
                break;
            }
            value.push(c);
            length = index + c.len_utf8();
        }
        self.position += length;
        self.push(TokenKind::Ident, value, start);
    }
}

/// The longest operator symbol at the start of `rest`.
fn symbol_at(rest: &str) -> Option<&'static str> {
    let first = rest.as_bytes().first()?;
    SYMBOLS
        .iter()
        .filter(|symbol| symbol.as_bytes().first() == Some(first))
        .find(|symbol| rest.starts_with(**symbol))
        .copied()
}

fn is_identifier_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_identifier_continue(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn unescape(c: char) -> char {
    match c {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        '0' => '\0',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: LexerConfig = LexerConfig {
        string_quotes: &['"'],
        identifier_quote: Some('`'),
        backslash_escapes: true,
        doubled_quote_escapes: false,
        triple_quoted_raw: true,
        line_comments: &["//"],
        block_comments: true,
        identifier_start_extra: &['@'],
    };

    fn values(text: &str) -> Vec<String> {
        tokenize(text, &CONFIG)
            .0
            .into_iter()
            .map(|t| t.value.into_owned())
            .collect()
    }

    #[test]
    fn dotted_names_and_symbols() {
        assert_eq!(
            values("process.name : \"a\\\\b\" and x != 1.5"),
            vec!["process.name", ":", "a\\b", "and", "x", "!=", "1.5"]
        );
        assert_eq!(values("@timestamp >= 3"), vec!["@timestamp", ">=", "3"]);
        assert_eq!(values("a.`0`.b == 1"), vec!["a.0.b", "==", "1"]);
    }

    #[test]
    fn raw_strings_and_comments() {
        assert_eq!(
            values("x == \"\"\"C:\\a\"\"\" // tail\n/* c */ y"),
            vec!["x", "==", "C:\\a", "y"]
        );
    }

    #[test]
    fn unterminated_string_is_reported() {
        let (tokens, errors) = tokenize("x == \"abc", &CONFIG);
        assert_eq!(tokens.len(), 3);
        assert_eq!(
            errors.first().map(|e| e.kind),
            Some(LexErrorKind::UnterminatedString)
        );
    }
}
