//! Kibana Query Language (`language = "kuery"`): parsing and lowering.
//!
//! Grammar, as Kibana reads it: `or` binds looser than `and`, `not` prefixes a clause, and a
//! clause is `(query)`, `field:{nested query}`, `field:value`, `field:(value or value)`,
//! `field < value` (also `<=`, `>`, `>=`) or a bare value that matches any field. Keywords
//! ignore case. An unquoted value runs up to a special character (`\():<>"{}`) or a keyword
//! between spaces, so `field: hello world` is one value. In it, `*` is a wildcard and `\`
//! escapes the next character. A quoted value is a phrase without wildcards.
//!
//! Lowering: values compare case-sensitively, because the ECS fields rules test are keyword
//! fields, which Elasticsearch matches exactly. A lone `*` is an existence test, a value in
//! CIDR notation (`10.0.0.0/8`) is a `cidr_match`, as Elasticsearch reads it on `ip` fields,
//! and `field:{...}` prefixes the inner field names with `field.`.

use super::lower::{and_of, classify_glob, field, not_of, or_of, string_value, typed_value};
use super::lower::{PredicateParts, QueryMap};
use super::query::QueryOutput;
use crate::diagnostic::{Diagnostic, Related};
use crate::ir::{Expr, Op, Opaque, PredicateContext, ValueKind};

pub const UNTERMINATED_STRING: &str = "syntax/kuery-unterminated-string";
pub const UNEXPECTED_TOKEN: &str = "syntax/kuery-unexpected-token";
pub const TOO_DEEP: &str = "syntax/kuery-too-deep";

/// The maximum nesting of parentheses and braces the parser follows.
const MAX_DEPTH: usize = 256;

#[derive(Clone, Debug, PartialEq)]
enum TokenKind {
    Open,
    Close,
    OpenBrace,
    CloseBrace,
    Colon,
    Range(&'static str),
    Or,
    And,
    Not,
    Literal {
        value: String,
        /// One flag per character of `value`: the character was escaped.
        escaped: Vec<bool>,
        quoted: bool,
    },
}

#[derive(Clone, Debug)]
struct Token {
    kind: TokenKind,
    start: usize,
    end: usize,
}

const SPECIAL: &[char] = &['\\', '(', ')', ':', '<', '>', '"', '{', '}'];

struct Tokenizer<'a> {
    text: &'a str,
    position: usize,
    tokens: Vec<Token>,
    diagnostics: Vec<(usize, usize, &'static str, String)>,
}

impl Tokenizer<'_> {
    fn rest(&self) -> &str {
        self.text.get(self.position..).unwrap_or_default()
    }

    fn run(&mut self) {
        while let Some(c) = self.rest().chars().next() {
            let start = self.position;
            let symbol = match c {
                '(' => Some(TokenKind::Open),
                ')' => Some(TokenKind::Close),
                '{' => Some(TokenKind::OpenBrace),
                '}' => Some(TokenKind::CloseBrace),
                ':' => Some(TokenKind::Colon),
                _ => None,
            };
            if c.is_whitespace() || c == '\u{feff}' {
                self.position += c.len_utf8();
            } else if let Some(kind) = symbol {
                self.position += 1;
                self.push(kind, start);
            } else if c == '<' || c == '>' {
                let op = match (c, self.rest().get(1..2)) {
                    ('<', Some("=")) => "<=",
                    ('>', Some("=")) => ">=",
                    ('<', _) => "<",
                    _ => ">",
                };
                self.position += op.len();
                self.push(TokenKind::Range(op), start);
            } else if c == '"' {
                self.read_quoted();
            } else {
                self.read_unquoted();
            }
        }
    }

    fn push(&mut self, kind: TokenKind, start: usize) {
        self.tokens.push(Token {
            kind,
            start,
            end: self.position,
        });
    }

    fn read_quoted(&mut self) {
        let start = self.position;
        self.position += 1;
        let mut value = String::new();
        let mut escaped = Vec::new();
        loop {
            let Some(c) = self.rest().chars().next() else {
                self.diagnostics.push((
                    start,
                    self.position,
                    UNTERMINATED_STRING,
                    "unterminated quoted value; add the closing `\"`".to_owned(),
                ));
                break;
            };
            self.position += c.len_utf8();
            if c == '"' {
                break;
            }
            if c == '\\' {
                if let Some(next) = self.rest().chars().next() {
                    self.position += next.len_utf8();
                    value.push(unescape(next));
                    escaped.push(true);
                    continue;
                }
            }
            value.push(c);
            escaped.push(false);
        }
        self.push(
            TokenKind::Literal {
                value,
                escaped,
                quoted: true,
            },
            start,
        );
    }

    fn read_unquoted(&mut self) {
        let start = self.position;
        let mut value = String::new();
        let mut escaped = Vec::new();
        let mut end = self.position;
        while let Some(c) = self.rest().chars().next() {
            if c == '\\' {
                self.position += 1;
                if let Some(next) = self.rest().chars().next() {
                    self.position += next.len_utf8();
                    value.push(unescape(next));
                    escaped.push(true);
                }
                end = self.position;
                continue;
            }
            if SPECIAL.contains(&c) {
                break;
            }
            if c.is_whitespace() && (is_keyword(&value, &escaped) || self.value_ends_at_space()) {
                break;
            }
            self.position += c.len_utf8();
            value.push(c);
            escaped.push(false);
            if !c.is_whitespace() {
                end = self.position;
            }
        }
        // Trailing spaces belong to no value.
        let trimmed_length = value.trim_end().len();
        value.truncate(trimmed_length);
        escaped.truncate(value.chars().count());
        self.position = end;
        let keyword = if escaped.iter().any(|e| *e) {
            None
        } else {
            match value.to_ascii_lowercase().as_str() {
                "or" => Some(TokenKind::Or),
                "and" => Some(TokenKind::And),
                "not" => Some(TokenKind::Not),
                _ => None,
            }
        };
        let kind = keyword.unwrap_or(TokenKind::Literal {
            value,
            escaped,
            quoted: false,
        });
        self.push(kind, start);
    }

    /// At a space inside an unquoted value: the value ends when only spaces, a special
    /// character or a keyword follow.
    fn value_ends_at_space(&self) -> bool {
        let after = self.rest().trim_start();
        let Some(next) = after.chars().next() else {
            return true;
        };
        if SPECIAL.contains(&next) && next != '\\' {
            return true;
        }
        let word_end = after
            .find(|c: char| c.is_whitespace() || c == '(' || c == '"')
            .unwrap_or(after.len());
        let word = after.get(..word_end).unwrap_or_default();
        ["or", "and", "not"]
            .iter()
            .any(|k| word.eq_ignore_ascii_case(k))
    }
}

/// Returns whether an unescaped value is `or`, `and` or `not`.
fn is_keyword(value: &str, escaped: &[bool]) -> bool {
    !escaped.iter().any(|e| *e)
        && ["or", "and", "not"]
            .iter()
            .any(|k| value.eq_ignore_ascii_case(k))
}

fn unescape(c: char) -> char {
    match c {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        other => other,
    }
}

struct Parser<'a> {
    text: &'a str,
    tokens: Vec<Token>,
    position: usize,
    text_length: usize,
    map: &'a dyn QueryMap,
    diagnostics: Vec<Diagnostic>,
    depth: usize,
    too_deep: bool,
}

/// Parses and lowers a kuery query whose text is `text`, with ranges mapped by `map`.
pub fn parse(text: &str, map: &dyn QueryMap) -> QueryOutput {
    let mut tokenizer = Tokenizer {
        text,
        position: 0,
        tokens: Vec::new(),
        diagnostics: Vec::new(),
    };
    tokenizer.run();
    let mut diagnostics: Vec<Diagnostic> = tokenizer
        .diagnostics
        .into_iter()
        .map(|(start, end, lint, message)| {
            Diagnostic::error(lint, map.file_range(start, end), message)
        })
        .collect();
    let mut parser = Parser {
        text,
        tokens: tokenizer.tokens,
        position: 0,
        text_length: text.len(),
        map,
        diagnostics: Vec::new(),
        depth: 0,
        too_deep: false,
    };
    let logic = if parser.tokens.is_empty() {
        None
    } else {
        let mut parts = vec![parser.or_query(None)];
        // After an error, read on: the clauses after a broken one still count, joined with
        // `and` as the author most likely meant.
        while parser.position < parser.tokens.len() {
            parser.unexpected("`and`, `or` or the end of the query");
            let before = parser.position;
            if matches!(
                parser.peek(),
                Some(TokenKind::Close | TokenKind::CloseBrace)
            ) {
                parser.position += 1;
                continue;
            }
            parts.push(parser.or_query(None));
            if parser.position == before {
                parser.position += 1;
            }
        }
        Some(and_of(parts))
    };
    diagnostics.append(&mut parser.diagnostics);
    QueryOutput {
        logic,
        diagnostics,
        data_sources: Vec::new(),
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<&TokenKind> {
        self.tokens.get(self.position).map(|t| &t.kind)
    }

    fn span_of_next(&self) -> (usize, usize) {
        self.tokens
            .get(self.position)
            .map_or((self.text_length, self.text_length), |t| (t.start, t.end))
    }

    fn last_end(&self) -> usize {
        self.position
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .map_or(0, |t| t.end)
    }

    fn unexpected(&mut self, expected: &str) {
        if self.too_deep {
            return;
        }
        let (start, end) = self.span_of_next();
        let found = match self.text.get(start..end) {
            Some(token) if self.position < self.tokens.len() => format!("`{token}`"),
            _ => "the end of the query".to_owned(),
        };
        self.diagnostics.push(Diagnostic::error(
            UNEXPECTED_TOKEN,
            self.map.file_range(start, end),
            format!("expected {expected}, found {found}"),
        ));
    }

    fn enter(&mut self) -> bool {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            if !self.too_deep {
                let (start, end) = self.span_of_next();
                self.diagnostics.push(Diagnostic::error(
                    TOO_DEEP,
                    self.map.file_range(start, end),
                    format!("query nests deeper than {MAX_DEPTH} levels; simplify it"),
                ));
            }
            self.too_deep = true;
            self.position = self.tokens.len();
            return false;
        }
        true
    }

    fn opaque(&self, start: usize, end: usize) -> Expr {
        Expr::Opaque(Opaque {
            range: self.map.file_range(start, end.max(start)),
            reason: "syntax error".to_owned(),
        })
    }

    /// `prefix` is the field of an enclosing `field:{...}`.
    fn or_query(&mut self, prefix: Option<&str>) -> Expr {
        if !self.enter() {
            let (start, end) = self.span_of_next();
            return self.opaque(start, end);
        }
        let mut items = vec![self.and_query(prefix)];
        while self.peek() == Some(&TokenKind::Or) {
            self.position += 1;
            items.push(self.and_query(prefix));
        }
        self.depth -= 1;
        or_of(items)
    }

    fn and_query(&mut self, prefix: Option<&str>) -> Expr {
        let mut items = vec![self.not_query(prefix)];
        while self.peek() == Some(&TokenKind::And) {
            self.position += 1;
            items.push(self.not_query(prefix));
        }
        and_of(items)
    }

    fn not_query(&mut self, prefix: Option<&str>) -> Expr {
        if self.peek() == Some(&TokenKind::Not) {
            self.position += 1;
            if !self.enter() {
                let (start, end) = self.span_of_next();
                return self.opaque(start, end);
            }
            let inner = self.not_query(prefix);
            self.depth -= 1;
            return not_of(inner);
        }
        self.sub_query(prefix)
    }

    fn sub_query(&mut self, prefix: Option<&str>) -> Expr {
        let (start, end) = self.span_of_next();
        match self.peek().cloned() {
            Some(TokenKind::Open) => {
                self.position += 1;
                let inner = self.or_query(prefix);
                self.expect_close(TokenKind::Close, ")", start);
                inner
            }
            Some(TokenKind::Literal {
                value,
                escaped,
                quoted,
            }) => {
                self.position += 1;
                self.after_literal(prefix, value, escaped, quoted, (start, end))
            }
            _ => {
                self.unexpected("a field, a value or `(`");
                if !matches!(
                    self.peek(),
                    Some(TokenKind::Close | TokenKind::CloseBrace) | None
                ) {
                    self.position += 1;
                }
                self.opaque(start, end)
            }
        }
    }

    fn expect_close(&mut self, kind: TokenKind, symbol: &str, opened_at: usize) {
        if self.peek() == Some(&kind) {
            self.position += 1;
            return;
        }
        if self.too_deep {
            return;
        }
        let (start, end) = self.span_of_next();
        let diagnostic = Diagnostic::error(
            UNEXPECTED_TOKEN,
            self.map.file_range(start, end),
            format!("missing `{symbol}` to close an open group; add it"),
        )
        .with_related(Related {
            path: None,
            range: self.map.file_range(opened_at, opened_at + 1),
            message: "the group opens here".to_owned(),
        });
        self.diagnostics.push(diagnostic);
    }

    fn after_literal(
        &mut self,
        prefix: Option<&str>,
        value: String,
        escaped: Vec<bool>,
        quoted: bool,
        span: (usize, usize),
    ) -> Expr {
        let name = match prefix {
            Some(prefix) => format!("{prefix}.{value}"),
            None => value.clone(),
        };
        match self.peek().cloned() {
            Some(TokenKind::Colon) => {
                self.position += 1;
                if self.peek() == Some(&TokenKind::OpenBrace) {
                    let open = self.span_of_next().0;
                    self.position += 1;
                    let inner = self.or_query(Some(&name));
                    self.expect_close(TokenKind::CloseBrace, "}", open);
                    return inner;
                }
                self.value_expression(&name, span)
            }
            Some(TokenKind::Range(op)) => {
                self.position += 1;
                self.range_expression(&name, span, op)
            }
            _ => self.free_text(&value, &escaped, quoted, span),
        }
    }

    fn free_text(&self, value: &str, escaped: &[bool], quoted: bool, span: (usize, usize)) -> Expr {
        let range = self.map.file_range(span.0, span.1);
        let normalized = if quoted {
            value.to_owned()
        } else {
            classify_glob(value, escaped, false).1
        };
        PredicateParts {
            field: None,
            op: Op::Match,
            value: Some(string_value(value, &normalized, false, range)),
            written_op: "",
            case_sensitive: false,
            context: PredicateContext::Source,
            range,
        }
        .into_expr()
    }

    fn range_expression(&mut self, name: &str, field_span: (usize, usize), op: &str) -> Expr {
        let (start, end) = self.span_of_next();
        let Some(TokenKind::Literal { value, .. }) = self.peek().cloned() else {
            self.unexpected("a value after the range operator");
            return self.opaque(field_span.0, self.last_end());
        };
        self.position += 1;
        let value_range = self.map.file_range(start, end);
        let kind = if super::lower::looks_numeric(&value) {
            ValueKind::Number
        } else {
            ValueKind::String
        };
        let ir_op = match op {
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            _ => Op::Ge,
        };
        PredicateParts {
            field: Some(field(name, self.map.file_range(field_span.0, field_span.1))),
            op: ir_op,
            value: Some(typed_value(&value, kind, value_range)),
            written_op: op,
            case_sensitive: true,
            context: PredicateContext::Source,
            range: self.map.file_range(field_span.0, end),
        }
        .into_expr()
    }

    /// Reads the value side of `field:...`: one value, or a parenthesised list joined with
    /// `or`/`and`/`not`.
    fn value_expression(&mut self, name: &str, field_span: (usize, usize)) -> Expr {
        match self.peek().cloned() {
            Some(TokenKind::Open) => {
                let open = self.span_of_next().0;
                self.position += 1;
                let values = self.value_or_list(name, field_span);
                self.expect_close(TokenKind::Close, ")", open);
                values
            }
            Some(TokenKind::Literal {
                value,
                escaped,
                quoted,
            }) => {
                let (start, end) = self.span_of_next();
                self.position += 1;
                self.field_value(
                    name,
                    field_span,
                    &value,
                    &escaped,
                    quoted,
                    (start, end),
                    true,
                )
            }
            _ => {
                self.unexpected("a value after `:`");
                self.opaque(field_span.0, self.last_end())
            }
        }
    }

    fn value_or_list(&mut self, name: &str, field_span: (usize, usize)) -> Expr {
        if !self.enter() {
            return self.opaque(field_span.0, self.last_end());
        }
        let mut items = vec![self.value_and_list(name, field_span)];
        while self.peek() == Some(&TokenKind::Or) {
            self.position += 1;
            items.push(self.value_and_list(name, field_span));
        }
        self.depth -= 1;
        or_of(items)
    }

    fn value_and_list(&mut self, name: &str, field_span: (usize, usize)) -> Expr {
        let mut items = vec![self.value_not(name, field_span)];
        while self.peek() == Some(&TokenKind::And) {
            self.position += 1;
            items.push(self.value_not(name, field_span));
        }
        and_of(items)
    }

    fn value_not(&mut self, name: &str, field_span: (usize, usize)) -> Expr {
        if self.peek() == Some(&TokenKind::Not) {
            self.position += 1;
            if !self.enter() {
                return self.opaque(field_span.0, self.last_end());
            }
            let inner = self.value_not(name, field_span);
            self.depth -= 1;
            return not_of(inner);
        }
        match self.peek().cloned() {
            Some(TokenKind::Open) => {
                let open = self.span_of_next().0;
                self.position += 1;
                let inner = self.value_or_list(name, field_span);
                self.expect_close(TokenKind::Close, ")", open);
                inner
            }
            Some(TokenKind::Literal {
                value,
                escaped,
                quoted,
            }) => {
                let (start, end) = self.span_of_next();
                self.position += 1;
                self.field_value(
                    name,
                    field_span,
                    &value,
                    &escaped,
                    quoted,
                    (start, end),
                    false,
                )
            }
            _ => {
                let (start, end) = self.span_of_next();
                self.unexpected("a value");
                if !matches!(self.peek(), Some(TokenKind::Close) | None) {
                    self.position += 1;
                }
                self.opaque(start, end)
            }
        }
    }

    /// Builds one `field:value` predicate. A single value's predicate covers `field:value`, and
    /// a list item's predicate covers the item.
    #[allow(clippy::too_many_arguments)]
    fn field_value(
        &self,
        name: &str,
        field_span: (usize, usize),
        value: &str,
        escaped: &[bool],
        quoted: bool,
        value_span: (usize, usize),
        single: bool,
    ) -> Expr {
        let value_range = self.map.file_range(value_span.0, value_span.1);
        let range = if single {
            self.map.file_range(field_span.0, value_span.1)
        } else {
            value_range
        };
        let field = field(name, self.map.file_range(field_span.0, field_span.1));
        let (op, normalized) = if quoted {
            (Op::Eq, value.to_owned())
        } else {
            classify_glob(value, escaped, false)
        };
        let cidr = op == Op::Eq && super::lower::is_cidr(value);
        let op = if cidr { Op::CidrMatch } else { op };
        let value = if op == Op::IsNotNull {
            None
        } else if cidr {
            Some(typed_value(value, ValueKind::Cidr, value_range))
        } else if !quoted && matches!(value, "true" | "false") {
            Some(typed_value(value, ValueKind::Bool, value_range))
        } else if !quoted && super::lower::looks_numeric(value) {
            Some(typed_value(value, ValueKind::Number, value_range))
        } else {
            Some(string_value(value, &normalized, true, value_range))
        };
        PredicateParts {
            field: Some(field),
            op,
            value,
            written_op: ":",
            case_sensitive: true,
            context: PredicateContext::Source,
            range,
        }
        .into_expr()
    }
}
