//! The Sigma condition language: `selection and not 1 of filter_*`.
//!
//! Grammar, loosest binding first:
//!
//! ```text
//! expr       = and_expr ("or" and_expr)*
//! and_expr   = not_expr ("and" not_expr)*
//! not_expr   = "not" not_expr | primary
//! primary    = "(" expr ")" | quantifier "of" target | identifier
//! quantifier = "1" | "any" | "all"
//! target     = "them" | identifier | pattern      (a pattern contains "*")
//! ```
//!
//! Keywords are lower case. An aggregation after a pipe (`selection | count() > 5`) is the
//! Sigma 1.0 form that correlation rules replaced; it is kept as an [`Aggregation`] and
//! reported as unsupported. Nesting deeper than [`MAX_DEPTH`] is reported, not recursed into.

use crate::diagnostic::{Diagnostic, Related, Severity};
use crate::ir::TextRange;

/// Parentheses and `not`s nested deeper than this are rejected.
pub const MAX_DEPTH: usize = 256;

/// The lint id of a condition syntax error.
pub const CONDITION_SYNTAX: &str = "sigma/condition-syntax";

/// The lint id of a Sigma 1.0 aggregation after a pipe.
pub const UNSUPPORTED_AGGREGATION: &str = "sigma/unsupported-aggregation";

/// A quantifier of `1 of`, `any of` and `all of`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantifier {
    /// `1 of` or `any of`: at least one.
    Any,
    All,
}

/// What a quantifier ranges over.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// Every selection whose name does not start with `_`.
    Them,
    /// One selection name or a `name*` pattern.
    Pattern(String),
}

/// The syntax tree of a condition. Every identifier and pattern keeps its byte range.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConditionExpr {
    And(Vec<ConditionExpr>),
    Or(Vec<ConditionExpr>),
    Not {
        inner: Box<ConditionExpr>,
        /// The range of the `not` keyword.
        keyword: TextRange,
    },
    Identifier {
        name: String,
        range: TextRange,
    },
    Quantified {
        quantifier: Quantifier,
        target: Target,
        /// The range of the whole `1 of name*` phrase.
        range: TextRange,
        /// The range of `them` or the pattern.
        target_range: TextRange,
    },
}

/// A Sigma 1.0 aggregation after a pipe, kept as text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Aggregation {
    pub text: String,
    /// From the pipe to the end of the condition.
    pub range: TextRange,
}

/// A parsed condition: its tree, when it parsed, and any aggregation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParsedCondition {
    pub expr: Option<ConditionExpr>,
    pub aggregation: Option<Aggregation>,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum TokenKind {
    Word(String),
    Open,
    Close,
    Pipe,
}

#[derive(Clone, Debug)]
struct Token {
    kind: TokenKind,
    range: TextRange,
}

fn is_word_char(c: char) -> bool {
    !c.is_whitespace() && !matches!(c, '(' | ')' | '|')
}

/// Splits a condition into tokens. `offsets` gives the byte offset of each character of
/// `text`, plus one for the end, as [`super::yaml::Node::char_offsets`] returns.
fn tokenize(text: &str, offsets: &[usize]) -> Vec<Token> {
    let at = |char_index: usize| {
        offsets
            .get(char_index)
            .or(offsets.last())
            .copied()
            .unwrap_or(0)
    };
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let start = i;
        let kind = match c {
            c if c.is_whitespace() => {
                i += 1;
                continue;
            }
            '(' => TokenKind::Open,
            ')' => TokenKind::Close,
            '|' => TokenKind::Pipe,
            _ => {
                while chars.get(i).is_some_and(|&c| is_word_char(c)) {
                    i += 1;
                }
                let word: String = chars.get(start..i).unwrap_or(&[]).iter().collect();
                tokens.push(Token {
                    kind: TokenKind::Word(word),
                    range: range_of(at(start), at(i)),
                });
                continue;
            }
        };
        i += 1;
        tokens.push(Token {
            kind,
            range: range_of(at(start), at(i)),
        });
    }
    tokens
}

fn range_of(start: usize, end: usize) -> TextRange {
    TextRange::new(start, end.max(start))
}

fn is_keyword(word: &str) -> bool {
    matches!(
        word,
        "and" | "or" | "not" | "of" | "1" | "any" | "all" | "them"
    )
}

struct ConditionParser<'a> {
    tokens: &'a [Token],
    position: usize,
    end: usize,
    depth: usize,
}

type ParseResult<T> = Result<T, Diagnostic>;

impl ConditionParser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.position)
    }

    fn peek_word(&self) -> Option<&str> {
        match self.peek().map(|t| &t.kind) {
            Some(TokenKind::Word(word)) => Some(word),
            _ => None,
        }
    }

    fn error_here(&self, message: impl Into<String>) -> Diagnostic {
        let range = self
            .peek()
            .map_or(TextRange::empty(self.end), |token| token.range);
        Diagnostic::error(CONDITION_SYNTAX, range, message)
    }

    fn describe_next(&self) -> String {
        match self.peek().map(|t| &t.kind) {
            None => "the end of the condition".to_owned(),
            Some(TokenKind::Word(word)) => format!("`{word}`"),
            Some(TokenKind::Open) => "`(`".to_owned(),
            Some(TokenKind::Close) => "`)`".to_owned(),
            Some(TokenKind::Pipe) => "`|`".to_owned(),
        }
    }

    fn enter(&mut self) -> ParseResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.error_here(format!(
                "condition nests deeper than {MAX_DEPTH} levels; remove redundant parentheses"
            )));
        }
        Ok(())
    }

    fn expression(&mut self) -> ParseResult<ConditionExpr> {
        self.enter()?;
        let mut items = vec![self.and_expression()?];
        while self.peek_word() == Some("or") {
            self.position += 1;
            items.push(self.and_expression()?);
        }
        self.depth -= 1;
        Ok(single_or(items, ConditionExpr::Or))
    }

    fn and_expression(&mut self) -> ParseResult<ConditionExpr> {
        let mut items = vec![self.not_expression()?];
        while self.peek_word() == Some("and") {
            self.position += 1;
            items.push(self.not_expression()?);
        }
        Ok(single_or(items, ConditionExpr::And))
    }

    fn not_expression(&mut self) -> ParseResult<ConditionExpr> {
        if self.peek_word() != Some("not") {
            return self.primary();
        }
        let keyword = self.peek().map(|t| t.range).unwrap_or_default();
        self.position += 1;
        self.enter()?;
        let inner = self.not_expression()?;
        self.depth -= 1;
        Ok(ConditionExpr::Not {
            inner: Box::new(inner),
            keyword,
        })
    }

    fn primary(&mut self) -> ParseResult<ConditionExpr> {
        let Some(token) = self.peek().cloned() else {
            return Err(self.error_here(
                "condition ends where a selection name was expected; complete the condition",
            ));
        };
        match token.kind {
            TokenKind::Open => {
                self.position += 1;
                let inner = self.expression()?;
                if self.peek().map(|t| &t.kind) != Some(&TokenKind::Close) {
                    let found = self.describe_next();
                    let error = self
                        .error_here(format!("expected `)` to close an open `(`, found {found}"))
                        .with_related(Related {
                            path: None,
                            range: token.range,
                            message: "the `(` opens here".to_owned(),
                        });
                    return Err(error);
                }
                self.position += 1;
                Ok(inner)
            }
            TokenKind::Word(word) if matches!(word.as_str(), "1" | "any" | "all") => {
                self.quantified(word, token.range)
            }
            TokenKind::Word(word) if !is_keyword(&word) => {
                self.position += 1;
                Ok(ConditionExpr::Identifier {
                    name: word,
                    range: token.range,
                })
            }
            _ => {
                let found = self.describe_next();
                Err(self.error_here(format!(
                    "expected a selection name, `not`, `(` or `1 of`, found {found}"
                )))
            }
        }
    }

    fn quantified(&mut self, word: String, start: TextRange) -> ParseResult<ConditionExpr> {
        self.position += 1;
        if self.peek_word() != Some("of") {
            let found = self.describe_next();
            return Err(self.error_here(format!("expected `of` after `{word}`, found {found}")));
        }
        self.position += 1;
        let Some(token) = self.peek().cloned() else {
            return Err(self.error_here(format!(
                "`{word} of` needs `them` or a selection name pattern after it"
            )));
        };
        let target = match &token.kind {
            TokenKind::Word(name) if name == "them" => Target::Them,
            TokenKind::Word(name) if !is_keyword(name) => Target::Pattern(name.clone()),
            _ => {
                let found = self.describe_next();
                return Err(self.error_here(format!(
                    "expected `them` or a selection name pattern after `{word} of`, found {found}"
                )));
            }
        };
        self.position += 1;
        let quantifier = if word == "all" {
            Quantifier::All
        } else {
            Quantifier::Any
        };
        Ok(ConditionExpr::Quantified {
            quantifier,
            target,
            range: start.cover(token.range),
            target_range: token.range,
        })
    }
}

fn single_or(
    mut items: Vec<ConditionExpr>,
    wrap: fn(Vec<ConditionExpr>) -> ConditionExpr,
) -> ConditionExpr {
    if items.len() == 1 {
        if let Some(item) = items.pop() {
            return item;
        }
    }
    wrap(items)
}

/// Parses one condition. `offsets` maps each character of `text` to its byte offset in the
/// file, plus one entry for the end; `range` is the condition scalar's range.
pub fn parse(text: &str, offsets: &[usize], range: TextRange) -> ParsedCondition {
    let tokens = tokenize(text, offsets);
    let pipe = tokens.iter().position(|t| t.kind == TokenKind::Pipe);
    let (logic_tokens, aggregation) = match pipe.and_then(|p| tokens.get(p).map(|t| (p, t))) {
        Some((index, pipe_token)) => {
            let start = pipe_token.range.start();
            let end = range.end().max(start);
            let char_start = offsets
                .iter()
                .position(|&o| o == start)
                .unwrap_or(text.chars().count());
            let aggregation_text: String = text.chars().skip(char_start).collect();
            (
                tokens.get(..index).unwrap_or(&[]),
                Some(Aggregation {
                    text: aggregation_text.trim_end().to_owned(),
                    range: TextRange::new(start, end),
                }),
            )
        }
        None => (tokens.as_slice(), None),
    };

    let mut result = ParsedCondition::default();
    if let Some(aggregation) = &aggregation {
        result.diagnostics.push(Diagnostic::new(
            UNSUPPORTED_AGGREGATION,
            Severity::Warning,
            aggregation.range,
            format!(
                "the aggregation `{}` is Sigma 1.0 syntax that current tools reject; \
                 move it to a correlation rule",
                aggregation.text
            ),
        ));
    }
    result.aggregation = aggregation;

    let end = logic_tokens
        .last()
        .map_or(range.end(), |token| token.range.end());
    let mut parser = ConditionParser {
        tokens: logic_tokens,
        position: 0,
        end,
        depth: 0,
    };
    let parsed = parser.expression().and_then(|expr| match parser.peek() {
        None => Ok(expr),
        Some(_) => {
            let found = parser.describe_next();
            let word = parser.peek_word().map(str::to_owned);
            // `sel and Not filter` reads `Not` as a selection name, so the keyword written in
            // the wrong case is the word before the unexpected one.
            let previous = parser
                .position
                .checked_sub(1)
                .and_then(|position| parser.tokens.get(position))
                .and_then(|token| match &token.kind {
                    TokenKind::Word(word) => Some(word.clone()),
                    _ => None,
                });
            let miscased = |word: &str| {
                let lower = word.to_lowercase();
                (is_keyword(&lower) && lower != word).then_some(lower)
            };
            let message = if let Some(lower) = word.as_deref().and_then(miscased) {
                format!("condition keywords are lower case: write `{lower}` in place of {found}")
            } else if let Some(lower) = previous.as_deref().and_then(miscased) {
                let written = previous.as_deref().unwrap_or_default();
                format!(
                    "condition keywords are lower case: write `{lower}` in place of `{written}`"
                )
            } else if word.as_deref() == Some("not") {
                "`not` cannot follow a complete condition; write `and not` or `or not`".to_owned()
            } else {
                format!(
                    "unexpected {found} after a complete condition; join the parts with `and` \
                     or `or`"
                )
            };
            Err(parser.error_here(message))
        }
    });
    match parsed {
        Ok(expr) => result.expr = Some(expr),
        Err(diagnostic) => result.diagnostics.push(diagnostic),
    }
    result
}

impl ConditionExpr {
    /// Calls `visit` on every identifier and quantified pattern, with its range.
    pub fn for_each_reference(&self, visit: &mut dyn FnMut(&ConditionExpr)) {
        match self {
            ConditionExpr::And(items) | ConditionExpr::Or(items) => {
                for item in items {
                    item.for_each_reference(visit);
                }
            }
            ConditionExpr::Not { inner, .. } => inner.for_each_reference(visit),
            ConditionExpr::Identifier { .. } | ConditionExpr::Quantified { .. } => visit(self),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> ParsedCondition {
        let mut offsets: Vec<usize> = text.char_indices().map(|(i, _)| i).collect();
        offsets.push(text.len());
        parse(text, &offsets, TextRange::new(0, text.len()))
    }

    fn render(expr: &ConditionExpr) -> String {
        match expr {
            ConditionExpr::And(items) => {
                let parts: Vec<String> = items.iter().map(render).collect();
                format!("(and {})", parts.join(" "))
            }
            ConditionExpr::Or(items) => {
                let parts: Vec<String> = items.iter().map(render).collect();
                format!("(or {})", parts.join(" "))
            }
            ConditionExpr::Not { inner, .. } => format!("(not {})", render(inner)),
            ConditionExpr::Identifier { name, .. } => name.clone(),
            ConditionExpr::Quantified {
                quantifier, target, ..
            } => {
                let target = match target {
                    Target::Them => "them".to_owned(),
                    Target::Pattern(p) => p.clone(),
                };
                format!("({quantifier:?} {target})")
            }
        }
    }

    fn check(text: &str, expected: &str) {
        let parsed = parse_text(text);
        assert!(
            parsed.diagnostics.is_empty(),
            "{text}: {:?}",
            parsed.diagnostics
        );
        let rendered = parsed.expr.as_ref().map(render).unwrap_or_default();
        assert_eq!(rendered, expected, "{text}");
    }

    #[test]
    fn precedence_of_and_or_not() {
        check("a or b and not c", "(or a (and b (not c)))");
        check("(a or b) and c", "(and (or a b) c)");
        check("not not a", "(not (not a))");
        check("selection", "selection");
    }

    #[test]
    fn quantifiers_with_them_and_patterns() {
        check("1 of them", "(Any them)");
        check("any of sel*", "(Any sel*)");
        check(
            "all of selection_* and not 1 of filter_*",
            "(and (All selection_*) (not (Any filter_*)))",
        );
    }

    #[test]
    fn identifier_ranges_are_exact() {
        let text = "sel and not filter_main";
        let parsed = parse_text(text);
        let mut ranges = Vec::new();
        if let Some(expr) = &parsed.expr {
            expr.for_each_reference(&mut |r| {
                if let ConditionExpr::Identifier { range, .. } = r {
                    ranges.push(&text[range.as_range()]);
                }
            });
        }
        assert_eq!(ranges, vec!["sel", "filter_main"]);
    }

    #[test]
    fn errors_point_at_the_token() {
        let parsed = parse_text("sel and or x");
        assert_eq!(parsed.diagnostics.len(), 1);
        assert_eq!(parsed.diagnostics[0].range, TextRange::new(8, 10));

        let parsed = parse_text("(sel or x");
        assert_eq!(parsed.diagnostics[0].range, TextRange::empty(9));
        assert!(parsed.diagnostics[0].message.contains("expected `)`"));
        // The unclosed `(` is a related location rather than a byte offset in the message.
        assert!(!parsed.diagnostics[0].message.contains("byte"));
        let related = &parsed.diagnostics[0].related;
        assert_eq!(related.len(), 1);
        assert_eq!(related[0].range, TextRange::new(0, 1));
        assert_eq!(related[0].path, None);

        let parsed = parse_text("sel x");
        assert_eq!(parsed.diagnostics[0].range, TextRange::new(4, 5));

        let parsed = parse_text("1 sel");
        assert!(parsed.diagnostics[0].message.contains("expected `of`"));

        let parsed = parse_text("sel AND other");
        assert_eq!(parsed.diagnostics[0].range, TextRange::new(4, 7));
        assert!(parsed.diagnostics[0].message.contains("write `and`"));
    }

    #[test]
    fn misplaced_keyword_messages() {
        // A lower-case keyword in the wrong place is no case mistake.
        let parsed = parse_text("sel and sel not filter");
        assert_eq!(parsed.diagnostics.len(), 1);
        let message = &parsed.diagnostics[0].message;
        assert!(!message.contains("lower case"), "{message}");
        assert!(message.contains("write `and not`"), "{message}");

        // `Not` is read as a selection name; the advice names it rather than `filter`.
        let parsed = parse_text("sel and Not filter");
        assert_eq!(parsed.diagnostics.len(), 1);
        let message = &parsed.diagnostics[0].message;
        assert!(
            message.contains("write `not` in place of `Not`"),
            "{message}"
        );

        let parsed = parse_text("sel or x y");
        assert!(parsed.diagnostics[0].message.starts_with("unexpected `y`"));
    }

    #[test]
    fn pipe_is_an_unsupported_aggregation() {
        let text = "selection | count(dst) by src > 10";
        let parsed = parse_text(text);
        check_lints(&parsed, &[UNSUPPORTED_AGGREGATION]);
        assert_eq!(parsed.diagnostics[0].range, TextRange::new(10, text.len()));
        assert!(parsed.expr.is_some());
    }

    fn check_lints(parsed: &ParsedCondition, expected: &[&str]) {
        let lints: Vec<&str> = parsed.diagnostics.iter().map(|d| d.lint).collect();
        assert_eq!(lints, expected);
    }

    #[test]
    fn deep_parentheses_stop_at_limit() {
        let depth = 10_000;
        let text = format!("{}sel{}", "(".repeat(depth), ")".repeat(depth));
        let parsed = parse_text(&text);
        check_lints(&parsed, &[CONDITION_SYNTAX]);
        assert!(parsed.diagnostics[0].message.contains("deeper than 256"));
        assert_eq!(parsed.diagnostics[0].range.start(), MAX_DEPTH);
        assert!(parsed.expr.is_none());

        let nots = format!("{}sel", "not ".repeat(depth));
        check_lints(&parse_text(&nots), &[CONDITION_SYNTAX]);
    }
}
