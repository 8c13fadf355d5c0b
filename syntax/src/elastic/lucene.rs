//! Lucene query syntax (`language = "lucene"`): parsing and lowering of the subset detection
//! rules use.
//!
//! Supported: `field:value`, `field:"phrase"`, `field:/regex/`, `field:(a OR b)`,
//! `field:[low TO high]`, `AND`/`OR`/`NOT` (also `&&`, `||`, `!`), `+`/`-` prefixes and
//! parentheses. Terms next to each other without an operator are joined with `OR`, the
//! Lucene default. Boosts (`^2`) and fuzziness (`~1`) are read and ignored.

use super::lower::{and_of, classify_glob, field, not_of, or_of, string_value, typed_value};
use super::lower::{PredicateParts, QueryMap};
use super::query::QueryOutput;
use crate::diagnostic::Diagnostic;
use crate::ir::{Expr, Op, Opaque, PredicateContext, Value, ValueKind};

pub const SYNTAX_ERROR: &str = "syntax/elastic-lucene-syntax-error";

const MAX_DEPTH: usize = 256;

#[derive(Clone, Debug, PartialEq)]
enum Kind {
    Open,
    Close,
    Colon,
    And,
    Or,
    Not,
    Required,
    Term { value: String, escaped: Vec<bool> },
    Phrase(String),
    Regex(String),
    Range { low: String, high: String },
}

#[derive(Clone, Debug)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

fn tokenize(text: &str, errors: &mut Vec<(usize, usize, String)>) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut position = 0;
    while let Some(c) = text.get(position..).and_then(|r| r.chars().next()) {
        let start = position;
        let rest = text.get(position..).unwrap_or_default();
        let simple = match c {
            '(' => Some(Kind::Open),
            ')' => Some(Kind::Close),
            ':' => Some(Kind::Colon),
            '!' => Some(Kind::Not),
            '+' => Some(Kind::Required),
            '-' => Some(Kind::Not),
            _ => None,
        };
        if c.is_whitespace() {
            position += c.len_utf8();
        } else if let Some(kind) = simple {
            position += 1;
            tokens.push(Token {
                kind,
                start,
                end: position,
            });
        } else if rest.starts_with("&&") || rest.starts_with("||") {
            position += 2;
            let kind = if c == '&' { Kind::And } else { Kind::Or };
            tokens.push(Token {
                kind,
                start,
                end: position,
            });
        } else if matches!(c, '"' | '/' | '[' | '{') {
            let (kind, end) = read_delimited(text, start, c, errors);
            position = end;
            tokens.push(Token { kind, start, end });
        } else {
            let (kind, end) = read_term(text, start);
            position = end.max(start + c.len_utf8());
            tokens.push(Token {
                kind,
                start,
                end: position,
            });
        }
    }
    tokens
}

/// Reads a phrase, a regex or a range from its opening character to its closing one.
fn read_delimited(
    text: &str,
    start: usize,
    open: char,
    errors: &mut Vec<(usize, usize, String)>,
) -> (Kind, usize) {
    let closers: &[char] = match open {
        '[' | '{' => &[']', '}'],
        '"' => &['"'],
        _ => &['/'],
    };
    let mut body = String::new();
    let mut end = None;
    let mut chars = text.get(start + 1..).unwrap_or_default().char_indices();
    while let Some((index, next)) = chars.next() {
        if next == '\\' {
            if let Some((_, escaped)) = chars.next() {
                body.push(escaped);
            }
            continue;
        }
        if closers.contains(&next) {
            end = Some(start + 1 + index + 1);
            break;
        }
        body.push(next);
    }
    let end = end.unwrap_or_else(|| {
        errors.push((
            start,
            text.len(),
            format!(
                "unterminated `{open}`; add the closing `{}`",
                closers.first().copied().unwrap_or('"')
            ),
        ));
        text.len()
    });
    let kind = match open {
        '"' => Kind::Phrase(body),
        '/' => Kind::Regex(body),
        _ => {
            let mut bounds = body.splitn(2, " TO ");
            let low = bounds.next().unwrap_or_default().trim().to_owned();
            let high = bounds.next().unwrap_or_default().trim().to_owned();
            Kind::Range { low, high }
        }
    };
    (kind, end)
}

/// Reads an unquoted term up to whitespace or a special character; `\` escapes one character.
fn read_term(text: &str, start: usize) -> (Kind, usize) {
    let mut value = String::new();
    let mut escaped = Vec::new();
    let mut end = start;
    let mut chars = text.get(start..).unwrap_or_default().char_indices();
    while let Some((index, next)) = chars.next() {
        if next.is_whitespace() || "():\"".contains(next) {
            break;
        }
        if next == '\\' {
            match chars.next() {
                Some((escaped_index, escaped_char)) => {
                    value.push(escaped_char);
                    escaped.push(true);
                    end = start + escaped_index + escaped_char.len_utf8();
                }
                None => end = start + index + 1,
            }
            continue;
        }
        value.push(next);
        escaped.push(false);
        end = start + index + next.len_utf8();
    }
    let kind = match value.as_str() {
        "AND" => Kind::And,
        "OR" => Kind::Or,
        "NOT" => Kind::Not,
        _ => {
            // Boosts and fuzziness change scoring, not matching.
            let cut = value
                .find(['^', '~'])
                .filter(|&i| i > 0)
                .unwrap_or(value.len());
            value.truncate(cut);
            escaped.truncate(value.chars().count());
            Kind::Term { value, escaped }
        }
    };
    (kind, end)
}

struct Parser<'a> {
    tokens: Vec<Token>,
    position: usize,
    map: &'a dyn QueryMap,
    errors: Vec<(usize, usize, String)>,
    depth: usize,
    text_length: usize,
}

/// Parses and lowers a Lucene query whose text is `text`, with ranges mapped by `map`.
pub fn parse(text: &str, map: &dyn QueryMap) -> QueryOutput {
    let mut errors = Vec::new();
    let tokens = tokenize(text, &mut errors);
    let mut parser = Parser {
        tokens,
        position: 0,
        map,
        errors,
        depth: 0,
        text_length: text.len(),
    };
    let logic = if parser.tokens.is_empty() {
        None
    } else {
        let mut parts = vec![parser.or_query(None)];
        // After an error, read on so that the clauses after a broken one still count.
        while parser.position < parser.tokens.len() {
            parser.error_here("an operator or the end of the query");
            let before = parser.position;
            if parser.peek() == Some(&Kind::Close) {
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
    let diagnostics = parser
        .errors
        .iter()
        .map(|(start, end, message)| {
            Diagnostic::error(SYNTAX_ERROR, map.file_range(*start, *end), message.clone())
        })
        .collect();
    QueryOutput {
        logic,
        diagnostics,
        data_sources: Vec::new(),
    }
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Kind> {
        self.tokens.get(self.position).map(|t| &t.kind)
    }

    fn span(&self) -> (usize, usize) {
        self.tokens
            .get(self.position)
            .map_or((self.text_length, self.text_length), |t| (t.start, t.end))
    }

    fn error_here(&mut self, expected: &str) {
        let (start, end) = self.span();
        self.errors
            .push((start, end, format!("expected {expected}")));
    }

    fn opaque(&self, span: (usize, usize)) -> Expr {
        Expr::Opaque(Opaque {
            range: self.map.file_range(span.0, span.1),
            reason: "syntax error".to_owned(),
        })
    }

    fn starts_clause(&self) -> bool {
        matches!(
            self.peek(),
            Some(
                Kind::Open
                    | Kind::Not
                    | Kind::Required
                    | Kind::Term { .. }
                    | Kind::Phrase(_)
                    | Kind::Regex(_)
                    | Kind::Range { .. }
            )
        )
    }

    /// Counts one more nesting level; past [`MAX_DEPTH`] it reports the error once and skips
    /// the rest of the query.
    fn enter(&mut self) -> bool {
        self.depth += 1;
        if self.depth <= MAX_DEPTH {
            return true;
        }
        let span = self.span();
        if self.position < self.tokens.len() {
            self.errors.push((
                span.0,
                span.1,
                format!("query nests deeper than {MAX_DEPTH} levels; simplify it"),
            ));
        }
        self.position = self.tokens.len();
        false
    }

    fn or_query(&mut self, field_name: Option<&(String, (usize, usize))>) -> Expr {
        if !self.enter() {
            let span = self.span();
            return self.opaque(span);
        }
        let mut items = vec![self.and_query(field_name)];
        loop {
            if self.peek() == Some(&Kind::Or) {
                self.position += 1;
            } else if !self.starts_clause() {
                break;
            }
            items.push(self.and_query(field_name));
        }
        self.depth -= 1;
        or_of(items)
    }

    fn and_query(&mut self, field_name: Option<&(String, (usize, usize))>) -> Expr {
        let mut items = vec![self.clause(field_name)];
        while self.peek() == Some(&Kind::And) {
            self.position += 1;
            items.push(self.clause(field_name));
        }
        and_of(items)
    }

    fn clause(&mut self, field_name: Option<&(String, (usize, usize))>) -> Expr {
        let span = self.span();
        match self.peek().cloned() {
            Some(Kind::Not | Kind::Required) => {
                let negated = self.peek() == Some(&Kind::Not);
                self.position += 1;
                if !self.enter() {
                    return self.opaque(span);
                }
                let inner = self.clause(field_name);
                self.depth -= 1;
                if negated {
                    not_of(inner)
                } else {
                    inner
                }
            }
            Some(Kind::Open) => {
                self.position += 1;
                let inner = self.or_query(field_name);
                if self.peek() == Some(&Kind::Close) {
                    self.position += 1;
                } else {
                    self.error_here("`)`");
                }
                inner
            }
            Some(Kind::Term { value, escaped })
                if field_name.is_none()
                    && self.tokens.get(self.position + 1).map(|t| &t.kind)
                        == Some(&Kind::Colon) =>
            {
                let _ = escaped;
                self.position += 2;
                let field = (value, span);
                if self.peek() == Some(&Kind::Open) {
                    self.position += 1;
                    let inner = self.or_query(Some(&field));
                    if self.peek() == Some(&Kind::Close) {
                        self.position += 1;
                    } else {
                        self.error_here("`)`");
                    }
                    return inner;
                }
                self.value(Some(&field))
            }
            Some(Kind::Term { .. } | Kind::Phrase(_) | Kind::Regex(_) | Kind::Range { .. }) => {
                self.value(field_name)
            }
            _ => {
                self.error_here("a term, a field or `(`");
                if !matches!(self.peek(), Some(Kind::Close) | None) {
                    self.position += 1;
                }
                self.opaque(span)
            }
        }
    }

    fn value(&mut self, field_name: Option<&(String, (usize, usize))>) -> Expr {
        let span = self.span();
        let Some(kind) = self.peek().cloned() else {
            self.error_here("a value");
            return self.opaque(span);
        };
        self.position += 1;
        let range = self.map.file_range(span.0, span.1);
        let ir_field = field_name
            .map(|(name, field_span)| field(name, self.map.file_range(field_span.0, field_span.1)));
        let predicate_range = field_name.map_or(range, |(_, field_span)| {
            self.map.file_range(field_span.0, span.1)
        });
        let (op, value): (Op, Option<Value>) = match kind {
            Kind::Term { value, escaped } => {
                let (op, normalized) = classify_glob(&value, &escaped, true);
                let value =
                    (op != Op::IsNotNull).then(|| string_value(&value, &normalized, true, range));
                (op, value)
            }
            Kind::Phrase(text) => (Op::Eq, Some(string_value(&text, &text, true, range))),
            Kind::Regex(pattern) => (
                Op::RegexMatch,
                Some(typed_value(&pattern, ValueKind::Regex, range)),
            ),
            Kind::Range { low, high } => {
                let bounds = [(Op::Ge, low), (Op::Le, high)];
                let parts = bounds
                    .into_iter()
                    .filter(|(_, bound)| bound != "*")
                    .map(|(op, bound)| {
                        PredicateParts {
                            field: ir_field.clone(),
                            op,
                            value: Some(typed_value(
                                &bound,
                                super::lower_expression::numeric_kind(&bound),
                                range,
                            )),
                            written_op: ":[TO]",
                            case_sensitive: true,
                            context: PredicateContext::Source,
                            range: predicate_range,
                        }
                        .into_expr()
                    })
                    .collect();
                return and_of(parts);
            }
            _ => return self.opaque(span),
        };
        let op = if ir_field.is_none() && op == Op::Eq {
            Op::Match
        } else {
            op
        };
        PredicateParts {
            field: ir_field,
            op,
            value,
            written_op: ":",
            case_sensitive: true,
            context: PredicateContext::Source,
            range: predicate_range,
        }
        .into_expr()
    }
}
