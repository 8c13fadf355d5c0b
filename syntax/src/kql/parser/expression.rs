//! Scalar expressions: `or` and `and` chains, comparisons and string operators, arithmetic,
//! calls, member access and literals.
//!
//! Precedence from loosest to tightest: `or`, `and`, comparison (one operator, `==`, `has`,
//! `in`, `between`...), `+`/`-`, `*`/`/`/`%`, unary `-`/`+`, then `.member`, `[index]` and
//! calls.

use super::Parser;
use crate::kql::ast::*;
use crate::kql::lexer::{string_value, Token, TokenKind};

/// Word operators that compare two operands, from the KQL string-operator reference.
/// Their `!` forms are [`TokenKind::NegatedWord`] tokens.
const WORD_OPERATORS: &[&str] = &[
    "has",
    "has_cs",
    "hasprefix",
    "hasprefix_cs",
    "hassuffix",
    "hassuffix_cs",
    "contains",
    "contains_cs",
    "containscs",
    "notcontains",
    "notcontainscs",
    "startswith",
    "startswith_cs",
    "endswith",
    "endswith_cs",
    "in",
    "in~",
    "has_any",
    "has_all",
    "between",
    "notbetween",
    "like",
    "notlike",
];

/// Operators whose right operand is a list: `(a, b)`, a `dynamic` array or a subquery.
const LIST_OPERATORS: &[&str] = &["in", "in~", "has_any", "has_all", "!in", "!in~"];

impl Parser<'_> {
    pub(in crate::kql) fn expression(&mut self) -> Expression {
        self.logical(LogicalOperator::Or)
    }

    fn logical(&mut self, operator: LogicalOperator) -> Expression {
        let word = match operator {
            LogicalOperator::Or => "or",
            LogicalOperator::And => "and",
        };
        let first = self.logical_operand(operator);
        if !self.at_word(word) {
            return first;
        }
        let mut operands = vec![first];
        while self.at_word(word) {
            self.bump();
            operands.push(self.logical_operand(operator));
        }
        let range = cover(&operands);
        Expression {
            kind: ExpressionKind::Logical { operator, operands },
            range,
        }
    }

    fn logical_operand(&mut self, operator: LogicalOperator) -> Expression {
        match operator {
            LogicalOperator::Or => self.logical(LogicalOperator::And),
            LogicalOperator::And => self.comparison(),
        }
    }

    /// Parses one comparison level. A chain such as `a == b == c` stays flat.
    fn comparison(&mut self) -> Expression {
        let first = self.additive();
        if self.comparison_operator().is_none() {
            return first;
        }
        let mut operators = Vec::new();
        let mut operands = vec![first];
        while let Some((name, width)) = self.comparison_operator() {
            let first_token = self.peek();
            self.position += width;
            let operator = match first_token {
                Some(token) => Name {
                    text: name,
                    range: self.range_from(token),
                },
                None => break,
            };
            let operand = if operator.text.ends_with("between") {
                self.between_range()
            } else if LIST_OPERATORS.contains(&operator.text.as_str()) {
                self.postfix()
            } else {
                self.additive()
            };
            operators.push(operator);
            operands.push(operand);
        }
        if operators.is_empty() {
            return operands
                .pop()
                .unwrap_or_else(|| Expression::missing(self.here()));
        }
        let range = cover(&operands);
        Expression {
            kind: ExpressionKind::Binary {
                operators,
                operands,
            },
            range,
        }
    }

    /// Returns the comparison operator at the cursor and how many tokens it spans.
    fn comparison_operator(&self) -> Option<(String, usize)> {
        let token = self.peek()?;
        let text = self.text(token);
        match token.kind {
            TokenKind::EqEq
            | TokenKind::NotEq
            | TokenKind::EqTilde
            | TokenKind::NotTilde
            | TokenKind::Less
            | TokenKind::LessEq
            | TokenKind::Greater
            | TokenKind::GreaterEq => Some((text.to_owned(), 1)),
            TokenKind::Ident if text == "matches" && self.word_at(1) == Some("regex") => {
                Some(("matches regex".to_owned(), 2))
            }
            TokenKind::Ident if WORD_OPERATORS.contains(&text) => Some((text.to_owned(), 1)),
            TokenKind::NegatedWord => {
                let word = text.trim_start_matches('!');
                let known = WORD_OPERATORS.contains(&word)
                    || WORD_OPERATORS.contains(&word.trim_end_matches('~'));
                known.then(|| (text.to_owned(), 1))
            }
            _ => None,
        }
    }

    /// `(low .. high)` after `between`.
    fn between_range(&mut self) -> Expression {
        let Some(open) = self.eat(TokenKind::OpenParen) else {
            return self.missing_operand();
        };
        let low = self.additive();
        if self.eat(TokenKind::DotDot).is_none() {
            let range = self.here();
            self.error(
                "syntax/kql-missing-operand",
                range,
                "missing `..` in `between`: write `between (low .. high)`".to_owned(),
            );
        }
        let high = self.additive();
        self.expect_close(TokenKind::CloseParen, Some(open));
        Expression {
            range: self.range_from(open),
            kind: ExpressionKind::Range {
                low: Box::new(low),
                high: Box::new(high),
            },
        }
    }

    fn additive(&mut self) -> Expression {
        self.arithmetic(true)
    }

    /// `+`/`-` chains when `additive`, else `*`/`/`/`%` chains, kept flat.
    fn arithmetic(&mut self, additive: bool) -> Expression {
        let is_operator = |kind: TokenKind| {
            if additive {
                matches!(kind, TokenKind::Plus | TokenKind::Minus)
            } else {
                matches!(
                    kind,
                    TokenKind::Star | TokenKind::Slash | TokenKind::Percent
                )
            }
        };
        let operand = |parser: &mut Self| {
            if additive {
                parser.arithmetic(false)
            } else {
                parser.unary()
            }
        };
        let first = operand(self);
        if !self.peek().is_some_and(|t| is_operator(t.kind)) {
            return first;
        }
        let mut operators = Vec::new();
        let mut operands = vec![first];
        while let Some(token) = self.peek().filter(|t| is_operator(t.kind)) {
            self.bump();
            operators.push(self.name_of(token));
            operands.push(operand(self));
        }
        if operators.is_empty() {
            return operands
                .pop()
                .unwrap_or_else(|| Expression::missing(self.here()));
        }
        let range = cover(&operands);
        Expression {
            kind: ExpressionKind::Binary {
                operators,
                operands,
            },
            range,
        }
    }

    fn unary(&mut self) -> Expression {
        let Some(token) = self
            .peek()
            .filter(|t| matches!(t.kind, TokenKind::Minus | TokenKind::Plus))
        else {
            return self.postfix();
        };
        if !self.enter() {
            return self.skip_too_deep();
        }
        self.bump();
        let operand = self.unary();
        self.leave();
        Expression {
            range: self.range_from(token),
            kind: ExpressionKind::Unary {
                operator: self.name_of(token),
                operand: Box::new(operand),
            },
        }
    }

    /// A primary followed by `.member` and `[index]` steps.
    pub(in crate::kql) fn postfix(&mut self) -> Expression {
        let base = self.primary();
        let Some(first) = self.peek() else {
            return base;
        };
        let mut steps = Vec::new();
        loop {
            match self.peek_kind() {
                Some(TokenKind::Dot)
                    if self.peek_at(1).map(|t| t.kind) == Some(TokenKind::OpenBracket) =>
                {
                    // `Column.[0]` and `Column.["key"]` index like `Column[0]`.
                    self.bump();
                }
                Some(TokenKind::Dot) => {
                    let Some(member) = self
                        .peek_at(1)
                        .filter(|t| matches!(t.kind, TokenKind::Ident | TokenKind::Number))
                    else {
                        break;
                    };
                    self.position += 2;
                    steps.push(PathStep::Member(self.name_of(member)));
                }
                Some(TokenKind::OpenBracket) if !matches!(base.kind, ExpressionKind::Missing) => {
                    let Some(open) = self.bump() else { break };
                    if !self.enter() {
                        self.skip_group_from_inside();
                        self.expect_close(TokenKind::CloseBracket, Some(open));
                        continue;
                    }
                    let index = self.expression();
                    self.leave();
                    self.expect_close(TokenKind::CloseBracket, Some(open));
                    steps.push(PathStep::Index(index));
                }
                _ => break,
            }
        }
        if steps.is_empty() {
            return base;
        }
        let range = base.range.cover(self.range_from(first));
        Expression {
            kind: ExpressionKind::Path {
                base: Box::new(base),
                steps,
            },
            range,
        }
    }

    pub(in crate::kql) fn primary(&mut self) -> Expression {
        let Some(token) = self.peek() else {
            return self.missing_operand();
        };
        match token.kind {
            TokenKind::Ident => self.identifier_or_call(token),
            TokenKind::String => self.string_literal(token),
            TokenKind::Number | TokenKind::Timespan | TokenKind::TypedLiteral => {
                self.bump();
                let text = self.text(token).to_owned();
                let literal = match token.kind {
                    TokenKind::Number => Literal::Number(text),
                    TokenKind::Timespan => Literal::Timespan(text),
                    _ => Literal::Typed(text),
                };
                Expression {
                    kind: ExpressionKind::Literal(literal),
                    range: self.range(token),
                }
            }
            TokenKind::Star => {
                self.bump();
                Expression {
                    kind: ExpressionKind::Star,
                    range: self.range(token),
                }
            }
            TokenKind::OpenParen => self.parenthesized(token),
            TokenKind::OpenBracket => self.bracketed(token),
            TokenKind::OpenBrace => self.object(token),
            _ => self.missing_operand(),
        }
    }

    fn identifier_or_call(&mut self, token: Token) -> Expression {
        self.bump();
        let text = self.text(token).to_owned();
        if let Some(value) = match text.as_str() {
            "true" | "True" | "TRUE" => Some(true),
            "false" | "False" | "FALSE" => Some(false),
            _ => None,
        } {
            return Expression {
                kind: ExpressionKind::Literal(Literal::Bool(value)),
                range: self.range(token),
            };
        }
        let Some(open) = self.eat(TokenKind::OpenParen) else {
            return Expression {
                kind: ExpressionKind::Name(text),
                range: self.range(token),
            };
        };
        let function = self.name_of(token);
        if !self.enter() {
            self.skip_group_from_inside();
            self.expect_close(TokenKind::CloseParen, Some(open));
            return Expression::missing(self.range_from(token));
        }
        let is_dynamic = function.text == "dynamic";
        self.in_dynamic += usize::from(is_dynamic);
        let mut arguments = Vec::new();
        while !self.at(TokenKind::CloseParen) && self.peek().is_some() {
            let named = self.peek().filter(|t| {
                t.kind == TokenKind::Ident
                    && self.peek_at(1).map(|t| t.kind) == Some(TokenKind::Assign)
            });
            let Some(name_token) = named else {
                arguments.push(self.item());
                if self.eat(TokenKind::Comma).is_none() {
                    break;
                }
                continue;
            };
            self.position += 2;
            let value = self.item();
            arguments.push(Expression {
                range: self.range(name_token).cover(value.range),
                kind: ExpressionKind::NamedArgument {
                    name: self.name_of(name_token),
                    value: Box::new(value),
                },
            });
            if self.eat(TokenKind::Comma).is_none() {
                break;
            }
        }
        self.in_dynamic -= usize::from(is_dynamic);
        self.leave();
        self.expect_close(TokenKind::CloseParen, Some(open));
        Expression {
            kind: ExpressionKind::Call {
                function,
                arguments,
            },
            range: self.range_from(token),
        }
    }

    /// Parses one argument or list item: an expression, or a tabular expression such as
    /// `T | where x`. A type annotation (`name:string`) after it is skipped.
    fn item(&mut self) -> Expression {
        let pipeline = self.pipeline();
        if self.at(TokenKind::Colon) && self.peek_at(1).map(|t| t.kind) == Some(TokenKind::Ident) {
            self.position += 2;
        }
        match pipeline.source {
            Source::Expression(expression) if pipeline.operators.is_empty() => expression,
            source => {
                let range = pipeline.range;
                Expression {
                    kind: ExpressionKind::Pipeline(Box::new(Pipeline {
                        source,
                        operators: pipeline.operators,
                        range,
                    })),
                    range,
                }
            }
        }
    }

    /// Adjacent string literals are one value, as in KQL (`"a" "b"` is `"ab"`).
    fn string_literal(&mut self, first: Token) -> Expression {
        let mut value = String::new();
        while let Some(token) = self.eat(TokenKind::String) {
            value.push_str(&string_value(self.text(token)));
        }
        Expression {
            kind: ExpressionKind::Literal(Literal::String(value)),
            range: self.range_from(first),
        }
    }

    /// `(expression)`, `(a, b, c)` or `(tabular expression)`.
    fn parenthesized(&mut self, open: Token) -> Expression {
        self.bump();
        if !self.enter() {
            return self.skip_too_deep_group(open, TokenKind::CloseParen);
        }
        let mut items = self.comma_separated(TokenKind::CloseParen, Self::item);
        self.leave();
        self.expect_close(TokenKind::CloseParen, Some(open));
        let range = self.range_from(open);
        if items.len() == 1 {
            if let Some(mut item) = items.pop() {
                if matches!(item.kind, ExpressionKind::Pipeline(_)) {
                    item.range = range;
                }
                return item;
            }
        }
        Expression {
            kind: ExpressionKind::List(items),
            range,
        }
    }

    /// Items separated by `,` up to (not including) `close` or a token that cannot follow an
    /// item.
    fn comma_separated(
        &mut self,
        close: TokenKind,
        item: fn(&mut Self) -> Expression,
    ) -> Vec<Expression> {
        let mut items = Vec::new();
        while !self.at(close) && self.peek().is_some() {
            items.push(item(self));
            if self.eat(TokenKind::Comma).is_none() {
                break;
            }
        }
        items
    }

    /// `['column name']`, or a list `[a, b]` inside `dynamic(...)`.
    fn bracketed(&mut self, open: Token) -> Expression {
        if let Some(name) = (self.in_dynamic == 0)
            .then(|| self.bracketed_name())
            .flatten()
        {
            return Expression {
                range: name.range,
                kind: ExpressionKind::Name(name.text),
            };
        }
        self.bump();
        if !self.enter() {
            return self.skip_too_deep_group(open, TokenKind::CloseBracket);
        }
        let items = self.comma_separated(TokenKind::CloseBracket, Self::expression);
        self.leave();
        self.expect_close(TokenKind::CloseBracket, Some(open));
        Expression {
            kind: ExpressionKind::List(items),
            range: self.range_from(open),
        }
    }

    /// `{ "key": value, ... }` inside `dynamic(...)`.
    fn object(&mut self, open: Token) -> Expression {
        self.bump();
        if !self.enter() {
            return self.skip_too_deep_group(open, TokenKind::CloseBrace);
        }
        let mut entries = Vec::new();
        while !self.at(TokenKind::CloseBrace) && self.peek().is_some() {
            let key = self.primary();
            if self.eat(TokenKind::Colon).is_none() {
                let range = self.here();
                self.error(
                    "syntax/kql-missing-operand",
                    range,
                    "missing `:` after a key in a dynamic object: write `{\"key\": value}`"
                        .to_owned(),
                );
            }
            let value = self.expression();
            entries.push((key, value));
            if self.eat(TokenKind::Comma).is_none() {
                break;
            }
        }
        self.leave();
        self.expect_close(TokenKind::CloseBrace, Some(open));
        Expression {
            kind: ExpressionKind::Object(entries),
            range: self.range_from(open),
        }
    }

    fn skip_too_deep_group(&mut self, open: Token, close: TokenKind) -> Expression {
        self.skip_group_from_inside();
        self.expect_close(close, Some(open));
        Expression::missing(self.range_from(open))
    }

    /// Past the depth limit on a unary operator: skips the operand's tokens flatly.
    fn skip_too_deep(&mut self) -> Expression {
        let start = self.peek();
        while self
            .peek()
            .is_some_and(|t| matches!(t.kind, TokenKind::Minus | TokenKind::Plus))
        {
            self.bump();
        }
        let _ = self.postfix_without_depth();
        match start {
            Some(start) => Expression::missing(self.range_from(start)),
            None => Expression::missing(self.here()),
        }
    }

    fn postfix_without_depth(&mut self) -> Option<Token> {
        let token = self.peek()?;
        if matches!(
            token.kind,
            TokenKind::OpenParen | TokenKind::OpenBracket | TokenKind::OpenBrace
        ) {
            self.bump();
            self.skip_group_from_inside();
            self.bump();
        } else if !self.at_operator_end() {
            self.bump();
        }
        Some(token)
    }

    /// Reports a missing operand after the previous token and returns a placeholder. An
    /// unknown character is consumed so that it is reported once.
    fn missing_operand(&mut self) -> Expression {
        let previous = self.previous();
        let next = self.peek();
        if let Some(unknown) = next.filter(|t| t.kind == TokenKind::Unknown) {
            self.bump();
            let range = self.range(unknown);
            let message = format!(
                "unexpected character {}: KQL does not use it outside strings",
                self.describe(Some(unknown))
            );
            self.error("syntax/kql-unexpected-token", range, message);
            return Expression::missing(range);
        }
        let range = previous.map_or_else(|| self.here(), |t| self.range(t));
        let message = format!(
            "missing operand after {} (found {}): add a value or remove the operator",
            self.describe(previous),
            self.describe(next)
        );
        self.error("syntax/kql-missing-operand", range, message);
        Expression::missing(self.here())
    }
}

fn cover(expressions: &[Expression]) -> crate::ir::TextRange {
    let mut iter = expressions.iter();
    let first = iter.next().map(|e| e.range).unwrap_or_default();
    iter.fold(first, |range, e| range.cover(e.range))
}
