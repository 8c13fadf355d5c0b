//! The KQL lexer: query text to a flat list of tokens with byte offsets into that text.
//!
//! The lexer never fails. Text it cannot read becomes an [`TokenKind::Unknown`] token, and an
//! unterminated string becomes a string token that ends at the line end (or, for a multi-line
//! ```` ``` ```` string, at the end of the text) with a diagnostic.
//!
//! Terms: a *typed literal* is a scalar literal written as a type name and a raw body in
//! parentheses, such as `datetime(2021-01-01 10:00)` or `guid(...)`, whose body is not an
//! expression and is kept as one token.

/// The kind of a token. Keywords are [`TokenKind::Ident`] tokens because KQL does not
/// reserve them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// A name: letters, digits and `_`, starting with a letter, `_` or `$` (`$left`).
    /// `in~` is one identifier token so that the parser reads the operator whole.
    Ident,
    /// A negated word operator such as `!has`, `!in~` or `!contains_cs`.
    NegatedWord,
    /// Any string literal form; [`string_value`] decodes it.
    String,
    Number,
    /// A number with a unit, such as `1d`, `5m` or `100ms`.
    Timespan,
    /// A typed literal such as `datetime(2021-01-01)`.
    TypedLiteral,
    Pipe,
    Semicolon,
    Comma,
    Dot,
    DotDot,
    Colon,
    OpenParen,
    CloseParen,
    OpenBracket,
    CloseBracket,
    OpenBrace,
    CloseBrace,
    /// `=`
    Assign,
    /// `==`
    EqEq,
    /// `!=` or `<>`
    NotEq,
    /// `=~`
    EqTilde,
    /// `!~`
    NotTilde,
    Less,
    LessEq,
    Greater,
    GreaterEq,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    /// `=>`, used in lambda-like arguments of a few plugins.
    Arrow,
    /// A character KQL does not use outside strings and comments.
    Unknown,
}

/// One token: its kind and its byte range in the query text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub start: u32,
    pub end: u32,
}

impl Token {
    pub fn text(self, source: &str) -> &str {
        source
            .get(self.start as usize..self.end as usize)
            .unwrap_or_default()
    }
}

/// A lexing problem, as a byte range in the query text and a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LexError {
    pub lint: &'static str,
    pub start: usize,
    pub end: usize,
    pub message: String,
}

/// The scalar type names whose literal body is raw text in parentheses.
const TYPED_LITERAL_NAMES: &[&str] = &[
    "datetime", "timespan", "time", "guid", "int", "long", "real", "double", "decimal", "bool",
    "boolean", "date",
];

/// Splits `source` into tokens, skipping whitespace, `//` comments and a byte-order mark.
pub fn tokenize(source: &str) -> (Vec<Token>, Vec<LexError>) {
    let mut lexer = Lexer {
        source,
        bytes: source.as_bytes(),
        position: 0,
        tokens: Vec::with_capacity(source.len() / 4),
        errors: Vec::new(),
    };
    lexer.run();
    (lexer.tokens, lexer.errors)
}

struct Lexer<'a> {
    source: &'a str,
    bytes: &'a [u8],
    position: usize,
    tokens: Vec<Token>,
    errors: Vec<LexError>,
}

impl Lexer<'_> {
    fn run(&mut self) {
        while let Some(&byte) = self.bytes.get(self.position) {
            let start = self.position;
            match byte {
                b' ' | b'\t' | b'\r' | b'\n' | b'\x0b' | b'\x0c' => self.position += 1,
                b'/' if self.peek(1) == Some(b'/') => self.skip_line_comment(),
                b'\'' | b'"' => self.quoted_string(start, start, false),
                b'`' if self.bytes[start..].starts_with(b"```") => self.multi_line_string(start),
                b'@' if matches!(self.peek(1), Some(b'\'' | b'"')) => {
                    self.quoted_string(start, start + 1, true)
                }
                b'h' | b'H' if self.is_obfuscated_string_start() => self.obfuscated_string(start),
                b'0'..=b'9' => self.number(start),
                b'.' if self.peek(1).is_some_and(|b| b.is_ascii_digit())
                    && !self.previous_is(TokenKind::Dot) =>
                {
                    self.number(start)
                }
                b'a'..=b'z' | b'A'..=b'Z' | b'_' | b'$' => self.identifier(start),
                b'!' => self.bang(start),
                0x80.. => self.non_ascii(start),
                _ => self.punctuation(start, byte),
            }
        }
    }

    fn peek(&self, ahead: usize) -> Option<u8> {
        self.bytes.get(self.position + ahead).copied()
    }

    fn previous_is(&self, kind: TokenKind) -> bool {
        self.tokens.last().is_some_and(|token| token.kind == kind)
    }

    fn push(&mut self, kind: TokenKind, start: usize, end: usize) {
        self.tokens.push(Token {
            kind,
            start: to_u32(start),
            end: to_u32(end),
        });
        self.position = end;
    }

    fn error(&mut self, lint: &'static str, start: usize, end: usize, message: String) {
        self.errors.push(LexError {
            lint,
            start,
            end,
            message,
        });
    }

    fn skip_line_comment(&mut self) {
        self.position = line_end(self.bytes, self.position);
    }

    /// Reads `'..'` or `".."` (with backslash escapes) or a verbatim `@'..'` (where a doubled
    /// quote escapes). `token_start` includes any prefix; `quote_at` is the opening quote.
    fn quoted_string(&mut self, token_start: usize, quote_at: usize, verbatim: bool) {
        let quote = self.bytes.get(quote_at).copied().unwrap_or(b'"');
        let mut at = quote_at + 1;
        loop {
            match self.bytes.get(at) {
                None | Some(b'\n' | b'\r') => {
                    self.error(
                        "syntax/kql-unterminated-string",
                        token_start,
                        at,
                        format!(
                            "unterminated string: add the closing {} before the end of the line",
                            char::from(quote)
                        ),
                    );
                    self.push(TokenKind::String, token_start, at);
                    return;
                }
                Some(b'\\') if !verbatim => at = (at + 2).min(self.bytes.len()),
                Some(&b) if b == quote => {
                    if verbatim && self.bytes.get(at + 1) == Some(&quote) {
                        at += 2;
                    } else {
                        self.push(TokenKind::String, token_start, at + 1);
                        return;
                    }
                }
                Some(_) => at += 1,
            }
        }
    }

    fn multi_line_string(&mut self, start: usize) {
        match self
            .source
            .get(start + 3..)
            .and_then(|rest| rest.find("```"))
        {
            Some(close) => self.push(TokenKind::String, start, start + 3 + close + 3),
            None => {
                self.error(
                    "syntax/kql-unterminated-string",
                    start,
                    start + 3,
                    "unterminated multi-line string: add the closing ``` after its text".to_owned(),
                );
                self.push(TokenKind::String, start, self.bytes.len());
            }
        }
    }

    /// `h'..'`, `H".."`, `h@'..'`: strings hidden from query logs, read like plain ones.
    fn is_obfuscated_string_start(&self) -> bool {
        let previous_is_word = self.position > 0
            && self
                .bytes
                .get(self.position - 1)
                .is_some_and(|&b| is_identifier_byte(b));
        !previous_is_word
            && match self.peek(1) {
                Some(b'\'' | b'"') => true,
                Some(b'@') => matches!(self.peek(2), Some(b'\'' | b'"')),
                _ => false,
            }
    }

    fn obfuscated_string(&mut self, start: usize) {
        if self.peek(1) == Some(b'@') {
            self.quoted_string(start, start + 2, true);
        } else {
            self.quoted_string(start, start + 1, false);
        }
    }

    fn number(&mut self, start: usize) {
        let bytes = self.bytes;
        let mut at = start;
        if bytes.get(at) == Some(&b'0') && matches!(bytes.get(at + 1), Some(b'x' | b'X')) {
            at += 2;
            while bytes.get(at).is_some_and(u8::is_ascii_hexdigit) {
                at += 1;
            }
            self.push(TokenKind::Number, start, at);
            return;
        }
        at = skip_digits(bytes, at);
        // A fraction, but not the `..` of a range.
        if bytes.get(at) == Some(&b'.') && bytes.get(at + 1).is_some_and(u8::is_ascii_digit) {
            at = skip_digits(bytes, at + 1);
        } else if bytes.get(at) == Some(&b'.') && bytes.get(at + 1) != Some(&b'.') {
            at += 1;
        }
        if matches!(bytes.get(at), Some(b'e' | b'E')) {
            let mut exponent = at + 1;
            if matches!(bytes.get(exponent), Some(b'+' | b'-')) {
                exponent += 1;
            }
            if bytes.get(exponent).is_some_and(u8::is_ascii_digit) {
                at = skip_digits(bytes, exponent);
            }
        }
        if bytes.get(at).is_some_and(u8::is_ascii_alphabetic) {
            while bytes.get(at).is_some_and(u8::is_ascii_alphabetic) {
                at += 1;
            }
            self.push(TokenKind::Timespan, start, at);
        } else {
            self.push(TokenKind::Number, start, at);
        }
    }

    fn identifier(&mut self, start: usize) {
        let mut end = start + 1;
        while self.bytes.get(end).is_some_and(|&b| is_identifier_byte(b)) {
            end += 1;
        }
        let word = self.source.get(start..end).unwrap_or_default();
        if word == "in" && self.bytes.get(end) == Some(&b'~') {
            end += 1;
        }
        if TYPED_LITERAL_NAMES.contains(&word) && self.try_typed_literal(start, end) {
            return;
        }
        self.push(TokenKind::Ident, start, end);
    }

    /// Reads `datetime(...)` as one token when the parentheses close on the same line.
    fn try_typed_literal(&mut self, start: usize, name_end: usize) -> bool {
        let mut at = name_end;
        while matches!(self.bytes.get(at), Some(b' ' | b'\t')) {
            at += 1;
        }
        if self.bytes.get(at) != Some(&b'(') {
            return false;
        }
        // Typed literal bodies are short. The bound keeps a long line of unclosed
        // `datetime(` from being scanned to its end once per occurrence.
        let window = self
            .bytes
            .get(at..(at + 256).min(self.bytes.len()))
            .unwrap_or_default();
        let Some(close) = window
            .iter()
            .take_while(|&&b| b != b'\n' && b != b'\r')
            .position(|&b| b == b')')
        else {
            return false;
        };
        self.push(TokenKind::TypedLiteral, start, at + close + 1);
        true
    }

    fn bang(&mut self, start: usize) {
        match self.peek(1) {
            Some(b'=') => self.push(TokenKind::NotEq, start, start + 2),
            Some(b'~') => self.push(TokenKind::NotTilde, start, start + 2),
            Some(b) if b.is_ascii_alphabetic() => {
                let mut end = start + 1;
                while self.bytes.get(end).is_some_and(|&b| is_identifier_byte(b)) {
                    end += 1;
                }
                if self.bytes.get(end) == Some(&b'~') {
                    end += 1;
                }
                self.push(TokenKind::NegatedWord, start, end);
            }
            _ => self.push(TokenKind::Unknown, start, start + 1),
        }
    }

    /// Skips a byte-order mark, a zero-width character or other Unicode whitespace, and reads
    /// other letters as a name because column names in some tables are not ASCII.
    fn non_ascii(&mut self, start: usize) {
        let rest = self.source.get(start..).unwrap_or_default();
        let character = rest.chars().next().unwrap_or(' ');
        let width = character.len_utf8();
        // Zero-width characters (U+200B to U+200D, U+2060) appear in published queries
        // copied from web pages; they are as invisible as spaces.
        let is_invisible = matches!(
            character,
            '\u{feff}' | '\u{200b}' | '\u{200c}' | '\u{200d}' | '\u{2060}'
        );
        if character.is_whitespace() || is_invisible {
            self.position += width;
        } else if character.is_alphabetic() {
            let mut end = start + width;
            while let Some(next) = self.source.get(end..).and_then(|rest| rest.chars().next()) {
                if next.is_alphanumeric() || next == '_' {
                    end += next.len_utf8();
                } else {
                    break;
                }
            }
            self.push(TokenKind::Ident, start, end);
        } else {
            self.push(TokenKind::Unknown, start, start + width);
        }
    }

    fn punctuation(&mut self, start: usize, byte: u8) {
        let next = self.peek(1);
        let (kind, width) = match (byte, next) {
            (b'|', _) => (TokenKind::Pipe, 1),
            (b';', _) => (TokenKind::Semicolon, 1),
            (b',', _) => (TokenKind::Comma, 1),
            (b'.', Some(b'.')) => (TokenKind::DotDot, 2),
            (b'.', _) => (TokenKind::Dot, 1),
            (b':', _) => (TokenKind::Colon, 1),
            (b'(', _) => (TokenKind::OpenParen, 1),
            (b')', _) => (TokenKind::CloseParen, 1),
            (b'[', _) => (TokenKind::OpenBracket, 1),
            (b']', _) => (TokenKind::CloseBracket, 1),
            (b'{', _) => (TokenKind::OpenBrace, 1),
            (b'}', _) => (TokenKind::CloseBrace, 1),
            (b'=', Some(b'=')) => (TokenKind::EqEq, 2),
            (b'=', Some(b'~')) => (TokenKind::EqTilde, 2),
            (b'=', Some(b'>')) => (TokenKind::Arrow, 2),
            (b'=', _) => (TokenKind::Assign, 1),
            (b'<', Some(b'=')) => (TokenKind::LessEq, 2),
            (b'<', Some(b'>')) => (TokenKind::NotEq, 2),
            (b'<', _) => (TokenKind::Less, 1),
            (b'>', Some(b'=')) => (TokenKind::GreaterEq, 2),
            (b'>', _) => (TokenKind::Greater, 1),
            (b'+', _) => (TokenKind::Plus, 1),
            (b'-', _) => (TokenKind::Minus, 1),
            (b'*', _) => (TokenKind::Star, 1),
            (b'/', _) => (TokenKind::Slash, 1),
            (b'%', _) => (TokenKind::Percent, 1),
            _ => (TokenKind::Unknown, 1),
        };
        self.push(kind, start, start + width);
    }
}

fn is_identifier_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

fn skip_digits(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(u8::is_ascii_digit) {
        at += 1;
    }
    at
}

fn line_end(bytes: &[u8], from: usize) -> usize {
    bytes
        .get(from..)
        .and_then(|rest| rest.iter().position(|&b| b == b'\n' || b == b'\r'))
        .map_or(bytes.len(), |found| from + found)
}

fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// Decodes the text of a string token: strips the prefix and quotes and resolves escapes.
/// An unterminated string decodes to the text after its opening quote.
pub fn string_value(token_text: &str) -> String {
    let text = token_text
        .strip_prefix(['h', 'H'])
        .filter(|rest| rest.starts_with(['\'', '"', '@']))
        .unwrap_or(token_text);
    if let Some(body) = text.strip_prefix("```") {
        return body.strip_suffix("```").unwrap_or(body).to_owned();
    }
    let (verbatim, quoted) = match text.strip_prefix('@') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let mut chars = quoted.chars();
    let quote = chars.next().unwrap_or('"');
    let mut out = String::with_capacity(quoted.len());
    while let Some(c) = chars.next() {
        if c == quote {
            if verbatim && chars.as_str().starts_with(quote) {
                chars.next();
                out.push(quote);
                continue;
            }
            break;
        }
        if c != '\\' || verbatim {
            out.push(c);
            continue;
        }
        // Unknown escapes keep the escaped character.
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str) -> Vec<TokenKind> {
        tokenize(source).0.iter().map(|t| t.kind).collect()
    }

    #[test]
    fn lexes_operators_and_negated_words() {
        use TokenKind::*;
        assert_eq!(
            kinds("a !in~ (1) and b !has 'x' | where c =~ d"),
            vec![
                Ident,
                NegatedWord,
                OpenParen,
                Number,
                CloseParen,
                Ident,
                Ident,
                NegatedWord,
                String,
                Pipe,
                Ident,
                Ident,
                EqTilde,
                Ident
            ]
        );
        assert_eq!(kinds("x in~ (y)")[1], Ident);
    }

    #[test]
    fn lexes_every_string_form() {
        let source = r#"'a\'b' "c\\d" @'e''f' @"g\h" h'i' H@"j" ```k
l```"#;
        let (tokens, errors) = tokenize(source);
        assert!(errors.is_empty(), "{errors:?}");
        let values: Vec<String> = tokens
            .iter()
            .map(|t| string_value(t.text(source)))
            .collect();
        assert_eq!(values, vec!["a'b", "c\\d", "e'f", "g\\h", "i", "j", "k\nl"]);
    }

    #[test]
    fn unterminated_string_ends_at_line_end() {
        let (tokens, errors) = tokenize("where a == 'abc\n| take 1");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].lint, "syntax/kql-unterminated-string");
        assert_eq!((errors[0].start, errors[0].end), (11, 15));
        assert_eq!(tokens.last().map(|t| t.kind), Some(TokenKind::Number));
    }

    #[test]
    fn numbers_timespans_and_typed_literals() {
        use TokenKind::*;
        assert_eq!(
            kinds("1 1.5 1e3 0x1F 5m 100ms 1.5d datetime(2021-01-01 10:00) 1..2"),
            vec![
                Number,
                Number,
                Number,
                Number,
                Timespan,
                Timespan,
                Timespan,
                TypedLiteral,
                Number,
                DotDot,
                Number
            ]
        );
    }
}
