//! The error-tolerant KQL parser: tokens to the [`ast`](super::ast) tree plus diagnostics.
//!
//! The parser reads statements, pipelines and the operators that decide which rows match
//! (see the `ast` module), and skips the arguments of other tabular operators while checking
//! that their brackets balance. It never gives up: a missing operand becomes
//! [`ExpressionKind::Missing`], an unexpected token is reported and skipped to the next
//! operator or statement, and nesting deeper than [`MAX_DEPTH`] is reported and skipped
//! without recursion.

mod expression;

use super::ast::*;
use super::lexer::{self, Token, TokenKind};
use super::RangeMap;
use crate::diagnostic::Diagnostic;
use crate::ir::TextRange;

/// The deepest nesting of brackets, calls, function bodies and unary operators the parser
/// descends into. Corpus queries stay below 20 levels. One level costs about 8 KiB of stack
/// in a debug build, where 255 nested parentheses overflowed a 2 MiB thread. So 128 levels
/// fit in the stack of a test or worker thread, and `kql_bad_input` checks 10,000 levels.
pub const MAX_DEPTH: usize = 128;

/// Tabular operators that may follow `|`, from the KQL reference.
const TABULAR_OPERATORS: &[&str] = &[
    "as",
    "assert-schema",
    "consume",
    "count",
    "distinct",
    "evaluate",
    "execute-and-cache",
    "extend",
    "facet",
    "filter",
    "find",
    "fork",
    "getschema",
    "graph-match",
    "graph-merge",
    "graph-to-table",
    "invoke",
    "join",
    "limit",
    "lookup",
    "make-graph",
    "make-series",
    "mv-apply",
    "mv-expand",
    "mvapply",
    "mvexpand",
    "order",
    "parse",
    "parse-kv",
    "parse-where",
    "partition",
    "print",
    "project",
    "project-away",
    "project-keep",
    "project-rename",
    "project-reorder",
    "project-smart",
    "range",
    "reduce",
    "render",
    "sample",
    "sample-distinct",
    "scan",
    "search",
    "serialize",
    "sort",
    "summarize",
    "take",
    "top",
    "top-hitters",
    "top-nested",
    "union",
    "where",
];

/// Keywords that start a source producing rows without reading a table.
const GENERATED_SOURCES: &[&str] = &[
    "datatable",
    "externaldata",
    "external_data",
    "print",
    "range",
    "find",
    "evaluate",
];

/// Parses a whole query. `map` turns byte ranges of `source` into ranges of the file.
pub fn parse(source: &str, map: &dyn RangeMap) -> (Query, Vec<Diagnostic>) {
    let (tokens, lex_errors) = lexer::tokenize(source);
    let mut parser = Parser {
        source,
        tokens,
        position: 0,
        depth: 0,
        depth_reported: false,
        in_dynamic: 0,
        diagnostics: Vec::new(),
        map,
    };
    for error in lex_errors {
        let range = map.file_range(error.start, error.end);
        parser
            .diagnostics
            .push(Diagnostic::error(error.lint, range, error.message));
    }
    let statements = parser.statements(false);
    (Query { statements }, parser.diagnostics)
}

pub(super) struct Parser<'a> {
    source: &'a str,
    tokens: Vec<Token>,
    position: usize,
    depth: usize,
    depth_reported: bool,
    /// How many `dynamic(...)` literals enclose the cursor: inside one, `["x"]` is an array,
    /// elsewhere a bracketed column name.
    in_dynamic: usize,
    diagnostics: Vec<Diagnostic>,
    map: &'a dyn RangeMap,
}

impl Parser<'_> {
    // ---- token access ----

    fn peek(&self) -> Option<Token> {
        self.tokens.get(self.position).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<Token> {
        self.tokens.get(self.position + ahead).copied()
    }

    fn peek_kind(&self) -> Option<TokenKind> {
        self.peek().map(|token| token.kind)
    }

    fn at(&self, kind: TokenKind) -> bool {
        self.peek_kind() == Some(kind)
    }

    fn at_word(&self, word: &str) -> bool {
        self.peek()
            .is_some_and(|token| token.kind == TokenKind::Ident && self.text(token) == word)
    }

    fn word_at(&self, ahead: usize) -> Option<&str> {
        self.peek_at(ahead)
            .filter(|token| token.kind == TokenKind::Ident)
            .map(|token| self.text(token))
    }

    fn text(&self, token: Token) -> &str {
        token.text(self.source)
    }

    fn bump(&mut self) -> Option<Token> {
        let token = self.peek();
        if token.is_some() {
            self.position += 1;
        }
        token
    }

    fn eat(&mut self, kind: TokenKind) -> Option<Token> {
        if self.at(kind) {
            self.bump()
        } else {
            None
        }
    }

    fn previous(&self) -> Option<Token> {
        self.position
            .checked_sub(1)
            .and_then(|index| self.tokens.get(index).copied())
    }

    /// True when the token `ahead` starts right where the one before it ends.
    fn is_adjacent(&self, ahead: usize) -> bool {
        let before = ahead.checked_sub(1).and_then(|index| self.peek_at(index));
        match (before, self.peek_at(ahead)) {
            (Some(before), Some(after)) => before.end == after.start,
            _ => false,
        }
    }

    // ---- ranges and diagnostics ----

    fn range(&self, token: Token) -> TextRange {
        self.map
            .file_range(token.start as usize, token.end as usize)
    }

    fn range_between(&self, first: Token, last: Token) -> TextRange {
        self.map.file_range(
            first.start as usize,
            (last.end as usize).max(first.start as usize),
        )
    }

    /// Returns the range from `first` to the last token consumed.
    fn range_from(&self, first: Token) -> TextRange {
        match self.previous() {
            Some(last) if last.end >= first.start => self.range_between(first, last),
            _ => self.empty_range_at(first.start as usize),
        }
    }

    fn empty_range_at(&self, offset: usize) -> TextRange {
        self.map.file_range(offset, offset)
    }

    /// Returns an empty range where the next token starts, or at the end of the text.
    fn here(&self) -> TextRange {
        match self.peek() {
            Some(token) => self.empty_range_at(token.start as usize),
            None => self.empty_range_at(self.source.len()),
        }
    }

    fn error(&mut self, lint: &'static str, range: TextRange, message: String) {
        self.diagnostics
            .push(Diagnostic::error(lint, range, message));
    }

    fn describe(&self, token: Option<Token>) -> String {
        match token {
            None => "the end of the query".to_owned(),
            Some(token) => {
                let text = self.text(token);
                let short: String = text.chars().take(40).collect();
                format!("`{short}`")
            }
        }
    }

    fn name_of(&self, token: Token) -> Name {
        Name {
            text: self.text(token).to_owned(),
            range: self.range(token),
        }
    }

    /// True when an empty line separates the next token from the previous one. Kusto
    /// Explorer and the Log Analytics editor treat such a line as the end of a query, and
    /// files of hunting queries hold several queries separated that way.
    fn after_blank_line(&self) -> bool {
        let (Some(previous), Some(next)) = (self.previous(), self.peek()) else {
            return false;
        };
        let gap = self
            .source
            .get(previous.end as usize..next.start as usize)
            .unwrap_or_default();
        let mut lines = gap.split('\n');
        lines.next();
        let mut middle: Vec<&str> = lines.collect();
        middle.pop();
        middle.iter().any(|line| line.trim().is_empty())
    }

    // ---- depth ----

    /// Enters one nesting level; false (with one diagnostic per query) past [`MAX_DEPTH`].
    fn enter(&mut self) -> bool {
        if self.depth >= MAX_DEPTH {
            if !self.depth_reported {
                self.depth_reported = true;
                let range = self.peek().map_or_else(|| self.here(), |t| self.range(t));
                self.error(
                    "syntax/kql-nesting-too-deep",
                    range,
                    format!(
                        "nesting deeper than {MAX_DEPTH} levels is not analysed: \
                         split the expression with `let` statements"
                    ),
                );
            }
            return false;
        }
        self.depth += 1;
        true
    }

    fn leave(&mut self) {
        self.depth = self.depth.saturating_sub(1);
    }

    // ---- statements ----

    /// Parses statements up to the end of the text, or up to the `}` of a function body.
    fn statements(&mut self, in_body: bool) -> Vec<Statement> {
        let mut statements = Vec::new();
        loop {
            while self.eat(TokenKind::Semicolon).is_some() {}
            match self.peek_kind() {
                None => break,
                Some(TokenKind::CloseBrace) if in_body => break,
                _ => {}
            }
            let start = self.position;
            let statement = if self.at_word("let") {
                self.let_statement()
            } else if self.at_other_statement() {
                let first = self.bump();
                self.skip_arguments();
                Statement::Other(first.map_or_else(|| self.here(), |t| self.range_from(t)))
            } else {
                Statement::Tabular(self.pipeline())
            };
            statements.push(statement);
            self.finish_statement(in_body);
            if self.position == start {
                // Nothing was consumed: skip one token so the loop always advances.
                self.bump();
            }
        }
        statements
    }

    fn at_other_statement(&self) -> bool {
        matches!(
            self.word_at(0),
            Some("set" | "declare" | "alias" | "restrict" | "pattern")
        ) && self.peek_at(1).is_some_and(|t| t.kind == TokenKind::Ident)
    }

    /// After a statement, expects `;`, the end, or (in a body) `}`; reports anything else and
    /// skips to the next `;`.
    fn finish_statement(&mut self, in_body: bool) {
        if self.after_blank_line() {
            return;
        }
        match self.peek_kind() {
            None | Some(TokenKind::Semicolon) => {}
            Some(TokenKind::CloseBrace) if in_body => {}
            Some(TokenKind::CloseParen | TokenKind::CloseBracket | TokenKind::CloseBrace) => {
                let token = self.bump();
                self.report_unmatched_close(token);
                self.skip_to_statement_end(in_body);
            }
            Some(_) => {
                let token = self.peek();
                let range = token.map_or_else(|| self.here(), |t| self.range(t));
                let message = format!(
                    "unexpected {} after the end of a statement: separate statements with `;` \
                     or start an operator with `|`",
                    self.describe(token)
                );
                self.error("syntax/kql-unexpected-token", range, message);
                self.skip_to_statement_end(in_body);
            }
        }
    }

    fn skip_to_statement_end(&mut self, in_body: bool) {
        loop {
            self.skip_arguments();
            match self.peek_kind() {
                None | Some(TokenKind::Semicolon) => return,
                Some(TokenKind::CloseBrace) if in_body => return,
                Some(_) => {
                    let token = self.bump();
                    if let Some(token) = token {
                        if is_close(token.kind) {
                            self.report_unmatched_close(Some(token));
                        }
                    }
                }
            }
        }
    }

    fn report_unmatched_close(&mut self, token: Option<Token>) {
        if let Some(token) = token {
            let text = self.text(token).to_owned();
            let range = self.range(token);
            self.error(
                "syntax/kql-unbalanced-brackets",
                range,
                format!("unmatched `{text}`: remove it or add the opening bracket before it"),
            );
        }
    }

    fn let_statement(&mut self) -> Statement {
        let Some(let_token) = self.bump() else {
            return Statement::Other(self.here());
        };
        let name = match self.peek_kind() {
            Some(TokenKind::Ident) => self.bump().map(|t| self.name_of(t)),
            Some(TokenKind::OpenBracket) => self.bracketed_name(),
            _ => None,
        };
        let Some(name) = name else {
            let range = self.range(let_token);
            self.error(
                "syntax/kql-missing-operand",
                range,
                "missing name after `let`: write `let name = value;`".to_owned(),
            );
            self.skip_arguments();
            return Statement::Other(self.range_from(let_token));
        };
        if self.eat(TokenKind::Assign).is_none() {
            let range = name.range;
            self.error(
                "syntax/kql-missing-operand",
                range,
                format!(
                    "missing `=` after `let {}`: write `let name = value;`",
                    name.text
                ),
            );
            self.skip_arguments();
            return Statement::Other(self.range_from(let_token));
        }
        let value = if self.at_function_definition() {
            self.function_definition()
        } else {
            LetValue::Expression(self.pipeline())
        };
        Statement::Let(LetStatement {
            name,
            value,
            range: self.range_from(let_token),
        })
    }

    /// `(params) {` or `view (params) {`: looks past the balanced parameter list for `{`.
    fn at_function_definition(&self) -> bool {
        let mut ahead = usize::from(self.at_word("view"));
        if self.peek_at(ahead).map(|t| t.kind) != Some(TokenKind::OpenParen) {
            return false;
        }
        let mut depth = 0usize;
        while let Some(token) = self.peek_at(ahead) {
            match token.kind {
                TokenKind::OpenParen | TokenKind::OpenBracket => depth += 1,
                TokenKind::CloseParen | TokenKind::CloseBracket => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return self.peek_at(ahead + 1).map(|t| t.kind)
                            == Some(TokenKind::OpenBrace);
                    }
                }
                TokenKind::Pipe | TokenKind::Semicolon | TokenKind::OpenBrace => return false,
                _ => {}
            }
            ahead += 1;
        }
        false
    }

    fn function_definition(&mut self) -> LetValue {
        if self.at_word("view") {
            self.bump();
        }
        let mut parameters = Vec::new();
        let open = self.bump();
        let mut expect_name = true;
        let mut depth = 0usize;
        while let Some(token) = self.peek() {
            match token.kind {
                TokenKind::CloseParen if depth == 0 => break,
                TokenKind::OpenParen | TokenKind::OpenBracket => depth += 1,
                // A stray `]` at depth 0 is a syntax error reported elsewhere, not a reason to
                // underflow.
                TokenKind::CloseParen | TokenKind::CloseBracket => {
                    depth = depth.saturating_sub(1);
                }
                TokenKind::Comma if depth == 0 => expect_name = true,
                TokenKind::Ident if expect_name && depth == 0 => {
                    parameters.push(self.name_of(token));
                    expect_name = false;
                }
                _ => {}
            }
            self.bump();
        }
        self.expect_close(TokenKind::CloseParen, open);
        let brace = self.bump();
        let body = if self.enter() {
            let body = self.statements(true);
            self.leave();
            body
        } else {
            self.skip_group_from_inside();
            Vec::new()
        };
        self.expect_close(TokenKind::CloseBrace, brace);
        LetValue::Function { parameters, body }
    }

    // ---- pipelines ----

    pub(super) fn pipeline(&mut self) -> Pipeline {
        let first = self.peek();
        let source = self.source();
        let mut operators = Vec::new();
        while let Some(pipe) = self.eat(TokenKind::Pipe) {
            if let Some(operator) = self.operator(pipe) {
                operators.push(operator);
            }
        }
        let range = match first {
            Some(first) => self.range_from(first),
            None => self.here(),
        };
        Pipeline {
            source,
            operators,
            range,
        }
    }

    fn source(&mut self) -> Source {
        let Some(first) = self.peek() else {
            return Source::Missing(self.here());
        };
        let next_is_operand = self.peek_at(1).is_some_and(|next| {
            !matches!(
                next.kind,
                TokenKind::Pipe
                    | TokenKind::Semicolon
                    | TokenKind::CloseParen
                    | TokenKind::Comma
                    | TokenKind::Assign
                    | TokenKind::EqEq
                    | TokenKind::Dot
            )
        });
        match self.word_at(0) {
            Some("union") if next_is_operand => return Source::Union(self.union()),
            Some("search") if next_is_operand => return self.search_source(),
            Some("find") if next_is_operand => return self.find_source(),
            Some(word) if GENERATED_SOURCES.contains(&word) && next_is_operand => {
                let keyword = self.name_of(first);
                self.bump();
                self.skip_arguments();
                return Source::Generated {
                    keyword,
                    range: self.range_from(first),
                };
            }
            _ => {}
        }
        if first.kind == TokenKind::Pipe {
            let range = self.range(first);
            self.error(
                "syntax/kql-missing-operand",
                range,
                "missing table before `|`: start the query with a table name".to_owned(),
            );
            return Source::Missing(self.empty_range_at(first.start as usize));
        }
        Source::Expression(self.expression())
    }

    fn search_source(&mut self) -> Source {
        let Some(first) = self.bump() else {
            return Source::Missing(self.here());
        };
        self.skip_parameters();
        let tables = self.tables_after_in();
        let predicate = (!self.at_operator_end()).then(|| self.expression());
        Source::Search {
            tables,
            predicate,
            range: self.range_from(first),
        }
    }

    /// Reads the `in (T1, T2)` table list of `search` and `find`, if present.
    fn tables_after_in(&mut self) -> Vec<Expression> {
        let at_list =
            self.at_word("in") && self.peek_at(1).map(|t| t.kind) == Some(TokenKind::OpenParen);
        if !at_list {
            return Vec::new();
        }
        self.bump();
        match self.primary() {
            Expression {
                kind: ExpressionKind::List(items),
                ..
            } => items,
            single => vec![single],
        }
    }

    /// `find [params] [in (tables)] where predicate [project ...]`.
    fn find_source(&mut self) -> Source {
        let Some(first) = self.bump() else {
            return Source::Missing(self.here());
        };
        self.skip_parameters();
        let tables = self.tables_after_in();
        let predicate = if self.at_word("where") {
            self.bump();
            Some(self.expression())
        } else {
            None
        };
        // `project` and `project-smart` after the predicate only choose columns.
        self.skip_arguments();
        Source::Search {
            tables,
            predicate,
            range: self.range_from(first),
        }
    }

    fn union(&mut self) -> Union {
        let first = self.bump();
        self.skip_parameters();
        let mut legs = Vec::new();
        loop {
            let leg_start = self.peek();
            if self.at_operator_end() {
                break;
            }
            let expression = self.union_leg();
            let range = leg_start.map_or_else(|| self.here(), |t| self.range_from(t));
            let leg = match expression.kind {
                ExpressionKind::Pipeline(pipeline) => *pipeline,
                _ => Pipeline {
                    source: Source::Expression(expression),
                    operators: Vec::new(),
                    range,
                },
            };
            legs.push(leg);
            if self.eat(TokenKind::Comma).is_none() {
                break;
            }
        }
        if legs.is_empty() {
            let range = first.map_or_else(|| self.here(), |t| self.range(t));
            self.error(
                "syntax/kql-missing-operand",
                range,
                "missing table after `union`: list the tables to combine".to_owned(),
            );
        }
        Union {
            legs,
            range: first.map_or_else(|| self.here(), |t| self.range_from(t)),
        }
    }

    /// Reads a union leg: a parenthesized query, a call, or a table name that may end in `*`.
    fn union_leg(&mut self) -> Expression {
        let Some(first) = self.peek() else {
            return Expression::missing(self.here());
        };
        if first.kind == TokenKind::Ident
            && self.peek_at(1).map(|t| t.kind) == Some(TokenKind::Star)
            && self.is_adjacent(1)
        {
            self.bump();
            self.bump();
            let range = self.range_from(first);
            let text = format!("{}*", self.text(first));
            return Expression {
                kind: ExpressionKind::Name(text),
                range,
            };
        }
        self.postfix()
    }

    /// Skips `name=value` parameters such as `kind=inner` or `hint.strategy=shuffle` and
    /// returns the `kind` value if any.
    fn skip_parameters(&mut self) -> Option<String> {
        let mut kind = None;
        loop {
            let mut ahead = 0;
            while self.peek_at(ahead).map(|t| t.kind) == Some(TokenKind::Ident)
                && self.peek_at(ahead + 1).map(|t| t.kind) == Some(TokenKind::Dot)
            {
                ahead += 2;
            }
            let is_parameter = self.peek_at(ahead).map(|t| t.kind) == Some(TokenKind::Ident)
                && self.peek_at(ahead + 1).map(|t| t.kind) == Some(TokenKind::Assign);
            if !is_parameter {
                return kind;
            }
            let parameter = self.word_at(0).unwrap_or_default().to_owned();
            for _ in 0..ahead + 2 {
                self.bump();
            }
            let value = self.bump();
            if parameter == "kind" {
                kind = value.map(|t| self.text(t).to_ascii_lowercase());
            }
        }
    }

    // ---- tabular operators ----

    fn operator(&mut self, pipe: Token) -> Option<Operator> {
        let Some(first) = self.peek().filter(|t| t.kind == TokenKind::Ident) else {
            let range = self.range(pipe);
            let message = format!(
                "nothing after `|` before {}: add a tabular operator such as `where` or remove \
                 the `|`",
                self.describe(self.peek())
            );
            self.error("syntax/kql-empty-pipe", range, message);
            return None;
        };
        let name = self.operator_name(first);
        let kind = match name.text.as_str() {
            "where" | "filter" => OperatorKind::Where(self.expression()),
            "extend" | "project" | "project-rename" | "project-smart" => {
                OperatorKind::Columns(self.assignments(&[]))
            }
            "summarize" => self.summarize(),
            "join" | "lookup" => self.join(),
            "union" => OperatorKind::Union(self.operator_union()),
            "parse" | "parse-where" | "parse-kv" => self.parse_operator(),
            "search" => {
                self.skip_parameters();
                OperatorKind::Search((!self.at_operator_end()).then(|| self.expression()))
            }
            known if TABULAR_OPERATORS.contains(&known) => {
                self.skip_arguments();
                OperatorKind::Other
            }
            unknown => {
                let message = format!(
                    "unknown tabular operator `{unknown}`: use an operator such as `where`, \
                     `extend`, `project` or `summarize`"
                );
                self.error("syntax/kql-unknown-operator", name.range, message);
                self.skip_arguments();
                OperatorKind::Other
            }
        };
        self.finish_operator();
        Some(Operator {
            range: self.range_from(first),
            name,
            kind,
        })
    }

    /// Reads an operator name, joining hyphenated parts written without spaces.
    fn operator_name(&mut self, first: Token) -> Name {
        self.bump();
        let mut last = first;
        while let (Some(dash), Some(part)) = (self.peek(), self.peek_at(1)) {
            let joined = dash.kind == TokenKind::Minus
                && dash.start == last.end
                && part.kind == TokenKind::Ident
                && part.start == dash.end;
            if !joined {
                break;
            }
            self.position += 2;
            last = part;
        }
        Name {
            text: self
                .source
                .get(first.start as usize..last.end as usize)
                .unwrap_or_default()
                .to_owned(),
            range: self.range_between(first, last),
        }
    }

    fn at_operator_end(&self) -> bool {
        matches!(
            self.peek_kind(),
            None | Some(
                TokenKind::Pipe
                    | TokenKind::Semicolon
                    | TokenKind::CloseParen
                    | TokenKind::CloseBracket
                    | TokenKind::CloseBrace
            )
        )
    }

    /// Reports and skips tokens left after an operator's arguments.
    fn finish_operator(&mut self) {
        if self.at_operator_end() || self.after_blank_line() {
            return;
        }
        let token = self.peek();
        let range = token.map_or_else(|| self.here(), |t| self.range(t));
        let message = format!(
            "unexpected {} in the operator's arguments: remove it or add the missing `,` or \
             operator before it",
            self.describe(token)
        );
        self.error("syntax/kql-unexpected-token", range, message);
        self.skip_arguments();
    }

    fn summarize(&mut self) -> OperatorKind {
        self.skip_parameters();
        let aggregates = if self.at_word("by") {
            Vec::new()
        } else {
            self.assignments(&["by"])
        };
        let by = if self.at_word("by") {
            self.bump();
            self.assignments(&[])
        } else {
            Vec::new()
        };
        OperatorKind::Summarize { aggregates, by }
    }

    fn join(&mut self) -> OperatorKind {
        let kind = self.skip_parameters();
        let right = if self.at_word("on") || self.at_operator_end() {
            None
        } else {
            let start = self.peek();
            let expression = self.postfix();
            Some(Box::new(match expression.kind {
                ExpressionKind::Pipeline(pipeline) => *pipeline,
                _ => Pipeline {
                    range: start.map_or_else(|| self.here(), |t| self.range_from(t)),
                    source: Source::Expression(expression),
                    operators: Vec::new(),
                },
            }))
        };
        let mut on = Vec::new();
        if self.at_word("on") {
            self.bump();
            loop {
                on.push(self.expression());
                if self.eat(TokenKind::Comma).is_none() {
                    break;
                }
            }
        }
        OperatorKind::Join { kind, right, on }
    }

    fn operator_union(&mut self) -> Union {
        // `union` as an operator: the legs follow directly, as in the source form.
        self.position = self.position.saturating_sub(1);
        self.union()
    }

    /// `parse`: the new columns are the names in the pattern after `with`, and typed names
    /// (`name:type`) anywhere.
    fn parse_operator(&mut self) -> OperatorKind {
        let start = self.position;
        self.skip_arguments();
        let end = self.position;
        let mut columns = Vec::new();
        let mut after_with = false;
        for index in start..end {
            let Some(token) = self.tokens.get(index).copied() else {
                break;
            };
            if token.kind != TokenKind::Ident {
                continue;
            }
            let text = self.text(token);
            if text == "with" {
                after_with = true;
                continue;
            }
            let previous = index.checked_sub(1).and_then(|i| self.tokens.get(i));
            let next = self.tokens.get(index + 1);
            let is_type = previous.is_some_and(|t| t.kind == TokenKind::Colon);
            let is_typed_name = next.is_some_and(|t| t.kind == TokenKind::Colon);
            let in_pattern = after_with
                && previous.is_some_and(|t| matches!(t.kind, TokenKind::String | TokenKind::Star));
            if !is_type && (is_typed_name || in_pattern) {
                columns.push(self.name_of(token));
            }
        }
        OperatorKind::Parse { columns }
    }

    /// Reads a comma-separated list of `name = value`, `(a, b) = value` or `value`, up to the
    /// end of the operator or one of `stop_words`.
    fn assignments(&mut self, stop_words: &[&str]) -> Vec<Assignment> {
        let mut assignments = Vec::new();
        loop {
            if self.at_operator_end() || stop_words.iter().any(|word| self.at_word(word)) {
                break;
            }
            let value = self.expression();
            let assignment = if self.eat(TokenKind::Assign).is_some() {
                Assignment {
                    targets: assignment_targets(&value),
                    value: self.expression(),
                }
            } else {
                Assignment {
                    targets: Vec::new(),
                    value,
                }
            };
            assignments.push(assignment);
            if self.eat(TokenKind::Comma).is_none() {
                break;
            }
        }
        assignments
    }

    // ---- skipping ----

    /// Skips the arguments of an unmodelled operator or statement: every token up to a `|`,
    /// `;` or closing bracket outside the brackets opened here. Checks that those brackets
    /// balance.
    pub(super) fn skip_arguments(&mut self) {
        let mut open: Vec<Token> = Vec::new();
        while let Some(token) = self.peek() {
            match token.kind {
                TokenKind::OpenParen | TokenKind::OpenBracket | TokenKind::OpenBrace => {
                    open.push(token);
                }
                kind if is_close(kind) => match open.last() {
                    None => break,
                    Some(top) if closes(top.kind, kind) => {
                        open.pop();
                    }
                    Some(_) => {
                        // A wrong closing bracket: report it and keep the open one.
                        self.report_unmatched_close(Some(token));
                    }
                },
                TokenKind::Pipe | TokenKind::Semicolon if open.is_empty() => break,
                _ => {}
            }
            self.bump();
        }
        for token in open {
            self.report_unclosed(token);
        }
    }

    /// Skips to the end of the group whose opening bracket was just consumed, without
    /// recursion, leaving its closing bracket next.
    fn skip_group_from_inside(&mut self) {
        let mut depth = 0usize;
        while let Some(token) = self.peek() {
            match token.kind {
                TokenKind::OpenParen | TokenKind::OpenBracket | TokenKind::OpenBrace => depth += 1,
                kind if is_close(kind) => {
                    if depth == 0 {
                        return;
                    }
                    depth -= 1;
                }
                _ => {}
            }
            self.bump();
        }
    }

    fn report_unclosed(&mut self, open: Token) {
        let text = self.text(open).to_owned();
        let close = match open.kind {
            TokenKind::OpenParen => ")",
            TokenKind::OpenBracket => "]",
            _ => "}",
        };
        let range = self.range(open);
        self.error(
            "syntax/kql-unbalanced-brackets",
            range,
            format!("unclosed `{text}`: add the matching `{close}`"),
        );
    }

    /// Consumes the closing bracket for `open`, or reports the unclosed bracket.
    fn expect_close(&mut self, kind: TokenKind, open: Option<Token>) {
        if self.eat(kind).is_some() {
            return;
        }
        if let Some(open) = open {
            self.report_unclosed(open);
        }
    }

    fn bracketed_name(&mut self) -> Option<Name> {
        let open = self.peek()?;
        let string = self.peek_at(1).filter(|t| t.kind == TokenKind::String)?;
        let close = self
            .peek_at(2)
            .filter(|t| t.kind == TokenKind::CloseBracket)?;
        self.position += 3;
        Some(Name {
            text: lexer::string_value(self.text(string)),
            range: self.range_between(open, close),
        })
    }
}

fn is_close(kind: TokenKind) -> bool {
    matches!(
        kind,
        TokenKind::CloseParen | TokenKind::CloseBracket | TokenKind::CloseBrace
    )
}

fn closes(open: TokenKind, close: TokenKind) -> bool {
    matches!(
        (open, close),
        (TokenKind::OpenParen, TokenKind::CloseParen)
            | (TokenKind::OpenBracket, TokenKind::CloseBracket)
            | (TokenKind::OpenBrace, TokenKind::CloseBrace)
    )
}

/// Returns the names an assignment's left side binds: `name`, `['name']` or `(a, b)`.
fn assignment_targets(target: &Expression) -> Vec<Name> {
    match &target.kind {
        ExpressionKind::Name(name) => vec![Name {
            text: name.clone(),
            range: target.range,
        }],
        ExpressionKind::List(items) => items.iter().flat_map(assignment_targets).collect(),
        _ => Vec::new(),
    }
}
