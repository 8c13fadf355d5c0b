//! A shared expression parser for EQL, ES|QL, Panther SQL and the Python subset.
//!
//! The four languages write conditions the same way: `or`/`and`/`not`, comparisons, `in`
//! lists, `like` patterns, function calls and literals. This module parses that common shape
//! into a [`Node`] tree and leaves the meaning (which operator is case-sensitive, what a
//! function tests) to each language's lowering. [`Grammar`] switches the spellings one
//! language has and the others do not, such as EQL's `:` and `~` or SQL's `::` casts.
//!
//! The parser never fails: an unexpected token becomes [`Node::Error`] plus an error, and
//! nesting deeper than [`MAX_DEPTH`] is cut off with an error rather than a stack overflow.

use super::lexer::{Token, TokenKind};

/// The maximum nesting of parentheses and operators the parser follows.
pub const MAX_DEPTH: usize = 256;

/// A byte range in the query text.
pub type Span = (usize, usize);

/// The spellings one language adds to the common expression syntax.
#[derive(Clone, Copy, Debug, Default)]
pub struct Grammar {
    /// Word operators besides `and`/`or`/`not`: `in`, `like`, `rlike`, `ilike`, `regex`,
    /// `is`, `between`.
    pub word_operators: &'static [&'static str],
    /// EQL: a `~` after an operator or function name makes it ignore case.
    pub tilde_suffix: bool,
    /// EQL: `field : value` is a comparison.
    pub colon_comparison: bool,
    /// Snowflake: `column:path` reads into a variant column.
    pub colon_path: bool,
    /// ES|QL and Snowflake: `value::type` casts.
    pub double_colon_cast: bool,
    /// EQL: `?field` marks an optional field.
    pub optional_field_prefix: bool,
    /// Python: `[a, b]` and `{a, b}` are lists, and `.name(...)` calls a method.
    pub python_collections: bool,
    /// ES|QL: `1 hour` is a time span, and `{"option": 1}` passes function options.
    pub esql_literals: bool,
    /// Snowflake: typed literals (`TIMESTAMP '...'`), array constants `[...]`, subscripts
    /// `column[0]`, `COUNT(*)`, `COUNT(DISTINCT x)` and empty macro arguments.
    pub sql_literals: bool,
}

/// One parsed expression.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    Or(Vec<Node>, Span),
    And(Vec<Node>, Span),
    Not(Box<Node>, Span),
    Compare(Compare),
    Call(Call),
    Field(FieldRef),
    Literal(Literal),
    /// A parenthesised or bracketed list of two or more items, or of any items in brackets.
    List(Vec<Node>, Span),
    /// A part the lowering does not model (arithmetic, a subquery, a `CASE`), with its kind.
    Other(&'static str, Span),
    /// Text the parser could not read; an error was reported for it.
    Error(Span),
}

impl Node {
    pub fn span(&self) -> Span {
        match self {
            Node::Or(_, span)
            | Node::And(_, span)
            | Node::Not(_, span)
            | Node::List(_, span)
            | Node::Other(_, span)
            | Node::Error(span) => *span,
            Node::Compare(compare) => compare.span,
            Node::Call(call) => call.span,
            Node::Field(field) => field.span,
            Node::Literal(literal) => literal.span,
        }
    }
}

/// A binary comparison or a word operator such as `in`, `like` or `is`.
#[derive(Clone, Debug, PartialEq)]
pub struct Compare {
    pub left: Box<Node>,
    /// The operator in lower case without `not` and `~`: `==`, `:`, `in`, `like`, `is`.
    pub op: String,
    /// `not in`, `not like`, `is not`.
    pub negated: bool,
    /// The `~` suffix was written.
    pub tilde: bool,
    pub right: Box<Node>,
    /// The operator as written, for reports (`not in~`).
    pub written: String,
    pub span: Span,
}

/// A function call, or a method call when `receiver` is set (Python `x.startswith("a")`).
#[derive(Clone, Debug, PartialEq)]
pub struct Call {
    pub name: String,
    pub name_span: Span,
    pub receiver: Option<Box<Node>>,
    pub tilde: bool,
    pub args: Vec<Node>,
    pub span: Span,
}

/// A field or column name.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldRef {
    pub name: String,
    pub span: Span,
    /// EQL `?field`.
    pub optional: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LiteralKind {
    Str,
    Number,
    Bool,
    Null,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Literal {
    pub kind: LiteralKind,
    /// The decoded text; strings without quotes.
    pub value: String,
    pub span: Span,
}

/// A parse error with its byte range in the query text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub message: String,
    pub span: Span,
    /// For a missing closing bracket, the bracket it would close.
    pub opened_at: Option<Span>,
    /// Nesting ran past [`MAX_DEPTH`].
    pub too_deep: bool,
}

/// A cursor over a token list with the expression grammar on top. Language parsers drive it
/// directly for their own statements and call [`Parser::expression`] for conditions.
#[derive(Debug)]
pub struct Parser<'a> {
    pub tokens: &'a [Token],
    pub position: usize,
    pub grammar: Grammar,
    pub errors: Vec<ParseError>,
    /// The length of the query text, for ranges at its end.
    pub text_length: usize,
    depth: usize,
    /// Set once nesting ran past [`MAX_DEPTH`]; later errors are consequences and are dropped.
    gave_up: bool,
}

impl<'a> Parser<'a> {
    pub fn new(tokens: &'a [Token], grammar: Grammar, text_length: usize) -> Parser<'a> {
        Parser {
            tokens,
            position: 0,
            grammar,
            errors: Vec::new(),
            text_length,
            depth: 0,
            gave_up: false,
        }
    }

    pub fn peek(&self) -> Option<&'a Token> {
        self.tokens.get(self.position)
    }

    pub fn peek_at(&self, ahead: usize) -> Option<&'a Token> {
        self.tokens.get(self.position + ahead)
    }

    pub fn at_end(&self) -> bool {
        self.position >= self.tokens.len()
    }

    pub fn advance(&mut self) -> Option<&'a Token> {
        let token = self.tokens.get(self.position);
        if token.is_some() {
            self.position += 1;
        }
        token
    }

    pub fn at_keyword(&self, word: &str) -> bool {
        self.peek().is_some_and(|t| t.is_keyword(word))
    }

    pub fn at_symbol(&self, symbol: &str) -> bool {
        self.peek().is_some_and(|t| t.is_symbol(symbol))
    }

    pub fn eat_keyword(&mut self, word: &str) -> bool {
        let found = self.at_keyword(word);
        if found {
            self.position += 1;
        }
        found
    }

    pub fn eat_symbol(&mut self, symbol: &str) -> bool {
        let found = self.at_symbol(symbol);
        if found {
            self.position += 1;
        }
        found
    }

    /// Returns the end offset of the last consumed token, or 0.
    pub fn last_end(&self) -> usize {
        self.position
            .checked_sub(1)
            .and_then(|i| self.tokens.get(i))
            .map_or(0, |t| t.end)
    }

    /// Returns the range of the next token, or an empty range at the end of the text.
    pub fn next_span(&self) -> Span {
        self.peek()
            .map_or((self.text_length, self.text_length), |t| (t.start, t.end))
    }

    pub fn error(&mut self, span: Span, message: impl Into<String>) {
        if self.gave_up {
            return;
        }
        self.errors.push(ParseError {
            message: message.into(),
            span,
            opened_at: None,
            too_deep: false,
        });
    }

    /// Reports an unexpected token (or the end of the text) where `expected` should be.
    pub fn expected(&mut self, expected: &str) {
        let span = self.next_span();
        let found = match self.peek() {
            Some(token) => format!("`{}`", token_text(token)),
            None => "the end of the query".to_owned(),
        };
        self.error(span, format!("expected {expected}, found {found}"));
    }

    /// Expects a closing symbol, reporting it as missing when absent.
    pub fn expect_symbol(&mut self, symbol: &str, opened_at: Span) -> bool {
        if self.eat_symbol(symbol) {
            return true;
        }
        let span = self.next_span();
        if !self.gave_up {
            self.errors.push(ParseError {
                message: format!("missing `{symbol}` to close an open bracket; add it"),
                span,
                opened_at: Some(opened_at),
                too_deep: false,
            });
        }
        false
    }

    fn enter(&mut self) -> bool {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let span = self.next_span();
            if self.gave_up {
                return false;
            }
            self.gave_up = true;
            self.errors.push(ParseError {
                message: format!("expression nests deeper than {MAX_DEPTH} levels; simplify it"),
                span,
                opened_at: None,
                too_deep: true,
            });
            // Skip the rest so that the callers unwind without reporting more.
            self.position = self.tokens.len();
            return false;
        }
        true
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    /// Parses an `or` expression, the loosest level.
    pub fn expression(&mut self) -> Node {
        if !self.enter() {
            return Node::Error(self.next_span());
        }
        let node = self.or_expression();
        self.leave();
        node
    }

    fn or_expression(&mut self) -> Node {
        let first = self.and_expression();
        let mut items = vec![first];
        while self.at_keyword("or") || self.at_symbol("||") && !self.grammar.double_colon_cast {
            self.position += 1;
            items.push(self.and_expression());
        }
        join_items(items, Node::Or)
    }

    fn and_expression(&mut self) -> Node {
        let first = self.not_expression();
        let mut items = vec![first];
        while self.at_keyword("and") || self.at_symbol("&&") {
            self.position += 1;
            items.push(self.not_expression());
        }
        join_items(items, Node::And)
    }

    fn not_expression(&mut self) -> Node {
        let at_not = self.at_keyword("not") || self.at_symbol("!") && !self.next_is_bracket_step();
        if !at_not {
            return self.comparison();
        }
        let start = self.next_span().0;
        self.position += 1;
        if !self.enter() {
            return Node::Error((start, self.last_end()));
        }
        let inner = self.not_expression();
        self.leave();
        let end = inner.span().1;
        Node::Not(Box::new(inner), (start, end))
    }

    /// EQL writes a missing sequence step as `![...]`; that `!` is not a negation here.
    fn next_is_bracket_step(&self) -> bool {
        self.peek_at(1).is_some_and(|t| t.is_symbol("["))
    }

    fn comparison(&mut self) -> Node {
        let left = self.additive();
        let Some((op, negated, consumed)) = self.comparison_operator() else {
            return left;
        };
        let operator_start = self.next_span().0;
        self.position += consumed;
        let tilde = self.grammar.tilde_suffix && self.eat_symbol("~");
        let mut negated = negated;
        if op == "is" && self.eat_keyword("not") {
            negated = true;
        }
        let written_end = self.last_end();
        let right = if op == "between" {
            self.between_bounds()
        } else {
            self.additive()
        };
        let start = left.span().0;
        let end = right.span().1.max(written_end);
        Node::Compare(Compare {
            left: Box::new(left),
            op,
            negated,
            tilde,
            right: Box::new(right),
            written: self.written_between(operator_start, written_end),
            span: (start, end),
        })
    }

    fn between_bounds(&mut self) -> Node {
        let low = self.additive();
        if !self.eat_keyword("and") {
            self.expected("`and` between the bounds of `between`");
        }
        let high = self.additive();
        let span = (low.span().0, high.span().1);
        Node::List(vec![low, high], span)
    }

    /// Joins the token texts between two offsets with single spaces, such as `not in`.
    fn written_between(&self, start: usize, end: usize) -> String {
        self.tokens
            .iter()
            .filter(|t| t.start >= start && t.end <= end)
            .map(token_text)
            .collect::<Vec<_>>()
            .join(" ")
            .replace(" ~", "~")
    }

    /// Recognises a comparison operator at the cursor: the operator, whether it was negated
    /// by a leading `not`, and how many tokens it spans (without `~` and `is not`).
    fn comparison_operator(&self) -> Option<(String, bool, usize)> {
        let token = self.peek()?;
        if token.kind == TokenKind::Symbol {
            let symbol = token.value.as_ref();
            let is_comparison =
                matches!(symbol, "==" | "!=" | "<>" | "<" | "<=" | ">" | ">=" | "=")
                    || (symbol == ":" && self.grammar.colon_comparison);
            return is_comparison.then(|| (symbol.to_owned(), false, 1));
        }
        let word_operator = |t: &Token| {
            self.grammar
                .word_operators
                .iter()
                .find(|w| t.is_keyword(w))
                .map(|w| (*w).to_owned())
        };
        if let Some(op) = word_operator(token) {
            return Some((op, false, 1));
        }
        if token.is_keyword("not") {
            let next = self.peek_at(1)?;
            let op = word_operator(next)?;
            return (op != "is").then_some((op, true, 2));
        }
        None
    }

    fn additive(&mut self) -> Node {
        if !self.enter() {
            return Node::Error(self.next_span());
        }
        let mut left = self.unary();
        loop {
            let is_operator = ["+", "-", "*", "/", "%"].iter().any(|s| self.at_symbol(s))
                || (self.at_symbol("||") && self.grammar.double_colon_cast);
            if !is_operator {
                break;
            }
            self.position += 1;
            let right = self.unary();
            left = Node::Other("arithmetic", (left.span().0, right.span().1));
        }
        self.leave();
        left
    }

    fn unary(&mut self) -> Node {
        if self.at_symbol("-") {
            let start = self.next_span().0;
            if let Some(number) = self.peek_at(1).filter(|t| t.kind == TokenKind::Number) {
                self.position += 2;
                return Node::Literal(Literal {
                    kind: LiteralKind::Number,
                    value: format!("-{}", number.value),
                    span: (start, number.end),
                });
            }
            self.position += 1;
            let inner = self.postfix();
            return Node::Other("arithmetic", (start, inner.span().1));
        }
        self.postfix()
    }

    fn postfix(&mut self) -> Node {
        let mut node = self.primary();
        loop {
            if self.grammar.double_colon_cast && self.at_symbol("::") {
                self.position += 1;
                self.advance();
                // A cast keeps the value it casts, so `x::string == "a"` still tests `x`.
                continue;
            }
            if self.grammar.colon_path && self.at_symbol(":") {
                node = self.variant_path(node);
                continue;
            }
            if self.grammar.python_collections && self.at_symbol(".") {
                node = self.method_call(node);
                continue;
            }
            if self.grammar.sql_literals && self.at_symbol("[") {
                node = self.sql_subscript(node);
                continue;
            }
            if self.grammar.python_collections && self.at_symbol("[") {
                let start = node.span().0;
                let open = self.next_span();
                self.position += 1;
                let index = self.expression();
                self.expect_symbol("]", open);
                // `event["key"]` reads like `event.get("key")`, so it becomes a call.
                node = Node::Call(Call {
                    name: "__getitem__".to_owned(),
                    name_span: open,
                    receiver: Some(Box::new(node)),
                    tilde: false,
                    args: vec![index],
                    span: (start, self.last_end()),
                });
                continue;
            }
            return node;
        }
    }

    /// Snowflake `column[0]` indexes an array; on a field it stays part of the field name.
    fn sql_subscript(&mut self, node: Node) -> Node {
        let open = self.next_span();
        self.position += 1;
        let index = self.expression();
        self.expect_symbol("]", open);
        match (node, index) {
            (Node::Field(mut field), Node::Literal(literal)) => {
                field.name = format!("{}[{}]", field.name, literal.value);
                field.span.1 = self.last_end();
                Node::Field(field)
            }
            (other, _) => Node::Other("subscript", (other.span().0, self.last_end())),
        }
    }

    /// Snowflake `column:key.sub` reads a variant path; it lowers as the dotted field name.
    fn variant_path(&mut self, node: Node) -> Node {
        self.position += 1;
        let Node::Field(mut field) = node else {
            let span = node.span();
            self.advance();
            return Node::Other("variant path", (span.0, self.last_end()));
        };
        match self.peek() {
            Some(token) if matches!(token.kind, TokenKind::Ident | TokenKind::QuotedIdent) => {
                self.position += 1;
                field.name = format!("{}.{}", field.name, token.value);
                field.span.1 = token.end;
            }
            _ => self.expected("a path after `:`"),
        }
        Node::Field(field)
    }

    fn method_call(&mut self, receiver: Node) -> Node {
        self.position += 1;
        let Some(name) = self.peek().filter(|t| t.kind == TokenKind::Ident) else {
            self.expected("a method name after `.`");
            return receiver;
        };
        self.position += 1;
        if !self.at_symbol("(") {
            let span = (receiver.span().0, name.end);
            return Node::Other("attribute", span);
        }
        let args = self.arguments();
        let span = (receiver.span().0, self.last_end());
        Node::Call(Call {
            name: name.value.to_string(),
            name_span: (name.start, name.end),
            receiver: Some(Box::new(receiver)),
            tilde: false,
            args,
            span,
        })
    }

    fn arguments(&mut self) -> Vec<Node> {
        let open = self.next_span();
        self.position += 1;
        let mut args = Vec::new();
        if self.eat_symbol(")") {
            return args;
        }
        loop {
            if self.grammar.sql_literals {
                self.eat_keyword("distinct");
                if self.at_symbol(",") {
                    // Panther macros leave optional arguments empty: `p_occurs_since(1h, , t)`.
                    let span = self.next_span();
                    args.push(Node::Other("empty argument", (span.0, span.0)));
                    self.position += 1;
                    continue;
                }
            }
            // Python keyword arguments (`default=""`) are read and left out: no function the
            // lowering models takes its operands by keyword.
            let keyword_argument = self.grammar.python_collections
                && self.peek().is_some_and(|t| t.kind == TokenKind::Ident)
                && self.peek_at(1).is_some_and(|t| t.is_symbol("="));
            if keyword_argument {
                self.position += 2;
                let _ = self.expression();
            } else {
                args.push(self.expression());
            }
            if self.grammar.sql_literals && self.eat_keyword("as") {
                // `CAST(value AS type)`.
                self.advance();
            }
            if !self.eat_symbol(",") || self.at_symbol(")") {
                break;
            }
        }
        self.expect_symbol(")", open);
        args
    }

    fn primary(&mut self) -> Node {
        let Some(token) = self.peek() else {
            self.expected("a value or a field");
            return Node::Error(self.next_span());
        };
        let span = (token.start, token.end);
        match token.kind {
            TokenKind::Str => {
                self.position += 1;
                literal(LiteralKind::Str, &token.value, span)
            }
            TokenKind::Number => {
                self.position += 1;
                let unit = self.peek().filter(|t| {
                    (self.grammar.esql_literals || self.grammar.sql_literals)
                        && t.kind == TokenKind::Ident
                        && is_time_unit(&t.value)
                });
                if let Some(unit) = unit {
                    self.position += 1;
                    let value = format!("{} {}", token.value, unit.value);
                    return literal(LiteralKind::Str, &value, (span.0, unit.end));
                }
                literal(LiteralKind::Number, &token.value, span)
            }
            TokenKind::QuotedIdent => {
                self.position += 1;
                self.field_or_call(token, false, span.0)
            }
            TokenKind::Ident => self.identifier(token),
            TokenKind::Symbol => self.symbol_primary(token),
        }
    }

    fn identifier(&mut self, token: &'a Token) -> Node {
        let span = (token.start, token.end);
        let word = token.value.to_ascii_lowercase();
        let literal_kind = match word.as_str() {
            "true" | "false" => Some(LiteralKind::Bool),
            "null" | "none" => Some(LiteralKind::Null),
            _ => None,
        };
        if let Some(kind) = literal_kind {
            self.position += 1;
            return literal(kind, &word, span);
        }
        let typed_literal = self.grammar.sql_literals
            && matches!(
                word.as_str(),
                "interval"
                    | "timestamp"
                    | "date"
                    | "time"
                    | "timestamp_ntz"
                    | "timestamp_ltz"
                    | "timestamp_tz"
            )
            && self
                .peek_at(1)
                .is_some_and(|t| matches!(t.kind, TokenKind::Str | TokenKind::Number));
        if typed_literal {
            // SQL `INTERVAL '7 days'` and `TIMESTAMP '2025-01-01'` are one constant each.
            let amount = self
                .peek_at(1)
                .map_or(String::new(), |t| t.value.to_string());
            self.position += 2;
            let value = format!("{word} {amount}");
            return literal(LiteralKind::Str, &value, (span.0, self.last_end()));
        }
        if word == "case" {
            return self.skip_until_keyword("end", "case expression");
        }
        if word == "select" || word == "with" {
            return self.skip_balanced("subquery");
        }
        self.position += 1;
        self.field_or_call(token, false, span.0)
    }

    fn field_or_call(&mut self, token: &'a Token, optional: bool, start: usize) -> Node {
        let tilde = self.grammar.tilde_suffix
            && self.at_symbol("~")
            && self.peek_at(1).is_some_and(|t| t.is_symbol("("));
        if tilde {
            self.position += 1;
        }
        if self.at_symbol("(") && token.kind == TokenKind::Ident {
            let args = self.arguments();
            return Node::Call(Call {
                name: token.value.to_string(),
                name_span: (token.start, token.end),
                receiver: None,
                tilde,
                args,
                span: (start, self.last_end()),
            });
        }
        Node::Field(FieldRef {
            name: token.value.to_string(),
            span: (start, token.end),
            optional,
        })
    }

    fn symbol_primary(&mut self, token: &'a Token) -> Node {
        let span = (token.start, token.end);
        match token.value.as_ref() {
            "(" => self.parenthesised(),
            "[" | "{" if self.grammar.python_collections => self.bracketed(&token.value),
            "[" if self.grammar.sql_literals => self.bracketed("["),
            "*" if self.grammar.sql_literals => {
                self.position += 1;
                Node::Other("all columns", span)
            }
            "{" if self.grammar.esql_literals => self.skip_group("{", "}", "function options"),
            "?" if self.grammar.optional_field_prefix => {
                self.position += 1;
                match self.peek() {
                    Some(name)
                        if matches!(name.kind, TokenKind::Ident | TokenKind::QuotedIdent) =>
                    {
                        self.position += 1;
                        self.field_or_call(name, true, span.0)
                    }
                    _ => {
                        self.expected("a field name after `?`");
                        Node::Error(span)
                    }
                }
            }
            _ => {
                self.expected("a value or a field");
                // Consume the token unless it closes an enclosing group, which the caller
                // needs to see.
                if !matches!(token.value.as_ref(), ")" | "]" | "}" | "|" | ",") {
                    self.position += 1;
                }
                Node::Error(span)
            }
        }
    }

    fn parenthesised(&mut self) -> Node {
        let open = self.next_span();
        if self
            .peek_at(1)
            .is_some_and(|t| t.is_keyword("select") || t.is_keyword("with"))
        {
            return self.skip_balanced("subquery");
        }
        self.position += 1;
        if self.eat_symbol(")") {
            return Node::List(Vec::new(), (open.0, self.last_end()));
        }
        let first = self.expression();
        if !self.at_symbol(",") {
            self.expect_symbol(")", open);
            return first;
        }
        let mut items = vec![first];
        while self.eat_symbol(",") {
            if self.at_symbol(")") {
                break;
            }
            items.push(self.expression());
        }
        self.expect_symbol(")", open);
        Node::List(items, (open.0, self.last_end()))
    }

    fn bracketed(&mut self, open_symbol: &str) -> Node {
        let close = if open_symbol == "[" { "]" } else { "}" };
        let open = self.next_span();
        self.position += 1;
        let mut items = Vec::new();
        while !self.at_end() && !self.at_symbol(close) {
            items.push(self.expression());
            if !self.eat_symbol(",") {
                break;
            }
        }
        self.expect_symbol(close, open);
        Node::List(items, (open.0, self.last_end()))
    }

    /// Skips a balanced group from the cursor (a subquery in parentheses, or a bare
    /// `SELECT ...` up to the enclosing closing parenthesis).
    fn skip_balanced(&mut self, kind: &'static str) -> Node {
        self.skip_group("(", ")", kind)
    }

    fn skip_group(&mut self, open: &str, close: &str, kind: &'static str) -> Node {
        let start = self.next_span().0;
        let mut depth = 0usize;
        while let Some(token) = self.peek() {
            if token.is_symbol(open) {
                depth += 1;
            } else if token.is_symbol(close) {
                if depth == 0 {
                    break;
                }
                depth -= 1;
                if depth == 0 {
                    self.position += 1;
                    break;
                }
            }
            self.position += 1;
        }
        Node::Other(kind, (start, self.last_end().max(start)))
    }

    fn skip_until_keyword(&mut self, keyword: &str, kind: &'static str) -> Node {
        let start = self.next_span().0;
        let mut depth = 0usize;
        while let Some(token) = self.advance() {
            if token.is_keyword("case") {
                depth += 1;
            } else if token.is_keyword(keyword) {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    break;
                }
            }
        }
        Node::Other(kind, (start, self.last_end().max(start)))
    }
}

/// ES|QL time span units, singular and plural.
fn is_time_unit(word: &str) -> bool {
    let word = word.to_ascii_lowercase();
    let singular = word.strip_suffix('s').unwrap_or(&word);
    matches!(
        singular,
        "millisecond"
            | "ms"
            | "second"
            | "sec"
            | "minute"
            | "min"
            | "hour"
            | "h"
            | "day"
            | "d"
            | "week"
            | "w"
            | "month"
            | "mo"
            | "quarter"
            | "q"
            | "year"
            | "yr"
            | "y"
    )
}

fn literal(kind: LiteralKind, value: &str, span: Span) -> Node {
    Node::Literal(Literal {
        kind,
        value: value.to_owned(),
        span,
    })
}

fn join_items(mut items: Vec<Node>, make: fn(Vec<Node>, Span) -> Node) -> Node {
    if items.len() == 1 {
        if let Some(only) = items.pop() {
            return only;
        }
    }
    let start = items.first().map_or(0, |n| n.span().0);
    let end = items.last().map_or(0, |n| n.span().1);
    make(items, (start, end))
}

/// Returns the text of a token as the author wrote it, for messages.
pub fn token_text(token: &Token) -> String {
    match token.kind {
        TokenKind::Str => format!("\"{}\"", token.value),
        _ => token.value.to_string(),
    }
}
