//! Event Query Language (EQL): parsing and lowering of Elastic `language = "eql"` queries.
//!
//! Query forms: `category where condition`, `sequence [by keys] [with maxspan=...]` followed
//! by bracketed steps (`[...] by keys`, `![...]` for a missing event, `until [...]`),
//! `sample by keys [...] [...]`, and trailing pipes (`| head 5`), which are not lowered.
//!
//! Lowering decisions:
//!
//! - The event category becomes a predicate `event.category == "<category>"`; `any` adds none.
//! - A sequence or sample is the `And` of its steps, because every step must match for the
//!   sequence to fire. Each step is its own branch of that `And`. A missing-event step `![...]`
//!   is a `Not`, and an `until` step is left out because it ends a sequence rather than
//!   matching it.
//! - `==`, `like`, `regex`, `in` and the string functions are case-sensitive; the `~` forms
//!   and `:` ignore case. `:` takes wildcards `*` and `?`.

use super::expression::{Grammar, Node, Parser, Span};
use super::lexer::{tokenize, LexerConfig, TokenKind};
use super::lower::{and_of, field, not_of, PredicateParts, QueryMap};
use super::lower_expression::{plain_field, FunctionKind, Lowerer, Semantics};
use super::query::{syntax_diagnostics, QueryOutput, SyntaxLintIds};
use crate::ir::{Expr, Op, PredicateContext, ValueKind};

pub const LINT_IDS: SyntaxLintIds = SyntaxLintIds {
    unterminated_string: "syntax/eql-unterminated-string",
    unterminated_comment: "syntax/eql-unterminated-comment",
    unexpected_token: "syntax/eql-unexpected-token",
    too_deep: "syntax/eql-too-deep",
};

const LEXER: LexerConfig = LexerConfig {
    string_quotes: &['"', '\''],
    identifier_quote: Some('`'),
    backslash_escapes: true,
    doubled_quote_escapes: false,
    triple_quoted_raw: true,
    line_comments: &["//"],
    block_comments: true,
    identifier_start_extra: &['@'],
};

const GRAMMAR: Grammar = Grammar {
    word_operators: &["in", "like", "regex"],
    tilde_suffix: true,
    colon_comparison: true,
    colon_path: false,
    double_colon_cast: false,
    optional_field_prefix: true,
    python_collections: false,
    esql_literals: false,
    sql_literals: false,
};

const SEMANTICS: Semantics = Semantics {
    equality_case_sensitive: true,
    functions_case_sensitive: true,
    like_wildcards: ('*', '?'),
    function_kind,
    field_of: plain_field,
};

fn function_kind(name: &str) -> Option<FunctionKind> {
    match name {
        "startswith" => Some(FunctionKind::StartsWith),
        "endswith" => Some(FunctionKind::EndsWith),
        "stringcontains" => Some(FunctionKind::Contains),
        "cidrmatch" => Some(FunctionKind::CidrMatch),
        "wildcard" => Some(FunctionKind::Wildcard),
        _ => None,
    }
}

/// One parsed piece of an EQL query, before lowering.
#[derive(Debug)]
enum Step {
    Event {
        category: Option<(String, Span)>,
        condition: Node,
    },
    Missing(Box<Step>),
}

/// Parses and lowers an EQL query whose text is `text`, with ranges mapped by `map`.
pub fn parse(text: &str, map: &dyn QueryMap) -> QueryOutput {
    let (tokens, lex_errors) = tokenize(text, &LEXER);
    let mut parser = Parser::new(&tokens, GRAMMAR, text.len());
    let steps = parse_query(&mut parser);
    let lowerer = Lowerer::new(SEMANTICS, map);
    let mut branches: Vec<Expr> = steps
        .iter()
        .map(|step| lower_step(&lowerer, step))
        .collect();
    // A sequence keeps one `And` child per step, unflattened, so that each step stays a
    // branch of its own.
    let logic = match branches.len() {
        0 => None,
        1 => branches.pop(),
        _ => Some(Expr::And(branches)),
    };
    QueryOutput {
        logic,
        diagnostics: syntax_diagnostics(&LINT_IDS, &lex_errors, &parser.errors, map),
        data_sources: Vec::new(),
    }
}

fn parse_query(parser: &mut Parser<'_>) -> Vec<Step> {
    let steps = if parser.at_keyword("sequence") || parser.at_keyword("sample") {
        parser.advance();
        parse_sequence(parser)
    } else {
        vec![parse_event_query(parser)]
    };
    skip_pipes(parser);
    if !parser.at_end() {
        parser.expected("`|`, `and`, `or` or the end of the query");
    }
    steps
}

fn parse_sequence(parser: &mut Parser<'_>) -> Vec<Step> {
    parse_sequence_options(parser);
    let mut steps = Vec::new();
    loop {
        if parser.at_keyword("until") {
            parser.advance();
            // The `until` step ends the sequence; it is read for syntax and not lowered.
            let _ = parse_bracketed_step(parser);
            continue;
        }
        let missing = parser.at_symbol("!") && parser.peek_at(1).is_some_and(|t| t.is_symbol("["));
        if missing {
            parser.advance();
        }
        if !parser.at_symbol("[") {
            break;
        }
        let Some(step) = parse_bracketed_step(parser) else {
            break;
        };
        steps.push(if missing {
            Step::Missing(Box::new(step))
        } else {
            step
        });
    }
    if steps.is_empty() {
        parser.expected("a bracketed step `[category where ...]`");
    }
    steps
}

/// Reads `by keys` and `with maxspan=...` in either order.
fn parse_sequence_options(parser: &mut Parser<'_>) {
    loop {
        if parser.eat_keyword("by") {
            parse_join_keys(parser);
        } else if parser.eat_keyword("with") {
            parse_with_options(parser);
        } else {
            return;
        }
    }
}

fn parse_with_options(parser: &mut Parser<'_>) {
    loop {
        let is_option = parser.peek().is_some_and(|t| t.kind == TokenKind::Ident)
            && parser.peek_at(1).is_some_and(|t| t.is_symbol("="));
        if !is_option {
            parser.expected("an option such as `maxspan=5m`");
            return;
        }
        parser.position += 2;
        if parser.advance().is_none() {
            parser.expected("a value for the option");
            return;
        }
        if !parser.eat_symbol(",") {
            return;
        }
    }
}

fn parse_join_keys(parser: &mut Parser<'_>) {
    loop {
        let _ = parser.expression();
        if !parser.eat_symbol(",") {
            return;
        }
    }
}

fn parse_bracketed_step(parser: &mut Parser<'_>) -> Option<Step> {
    let open = parser.next_span();
    if !parser.eat_symbol("[") {
        parser.expected("`[`");
        return None;
    }
    let step = parse_event_query(parser);
    if !parser.expect_symbol("]", open) {
        // Resynchronise at the next step so one broken step does not hide the others.
        while !parser.at_end() && !parser.at_symbol("[") && !parser.at_symbol("]") {
            parser.advance();
        }
        parser.eat_symbol("]");
    }
    parse_step_options(parser);
    Some(step)
}

fn parse_step_options(parser: &mut Parser<'_>) {
    loop {
        if parser.eat_keyword("by") {
            parse_join_keys(parser);
        } else if parser.at_keyword("with")
            && parser.peek_at(1).is_some_and(|t| t.is_keyword("runs"))
        {
            parser.advance();
            parse_with_options(parser);
        } else {
            return;
        }
    }
}

fn parse_event_query(parser: &mut Parser<'_>) -> Step {
    let category = match parser.peek() {
        Some(token) if matches!(token.kind, TokenKind::Ident | TokenKind::Str) => {
            let has_where = parser.peek_at(1).is_some_and(|t| t.is_keyword("where"));
            if has_where {
                parser.position += 2;
                Some((token.value.to_string(), (token.start, token.end)))
            } else {
                parser.expected("an event category followed by `where`");
                None
            }
        }
        _ => {
            parser.expected("an event category followed by `where`");
            None
        }
    };
    let condition = parser.expression();
    Step::Event {
        category,
        condition,
    }
}

fn skip_pipes(parser: &mut Parser<'_>) {
    while parser.eat_symbol("|") {
        // Pipes (`head`, `tail`, `filter`, `unique`) shape the output and are not lowered.
        while !parser.at_end() && !parser.at_symbol("|") {
            parser.advance();
        }
    }
}

fn lower_step(lowerer: &Lowerer<'_>, step: &Step) -> Expr {
    match step {
        Step::Missing(inner) => not_of(lower_step(lowerer, inner)),
        Step::Event {
            category,
            condition,
        } => {
            let condition = lowerer.lower(condition);
            match category {
                Some((name, span)) if !name.eq_ignore_ascii_case("any") => {
                    let category = category_predicate(lowerer.map, name, *span);
                    and_of(vec![category, condition])
                }
                _ => condition,
            }
        }
    }
}

fn category_predicate(map: &dyn QueryMap, name: &str, span: Span) -> Expr {
    let range = map.file_range(span.0, span.1);
    let value = super::lower::typed_value(name, ValueKind::String, range);
    PredicateParts {
        field: Some(field("event.category", range)),
        op: Op::Eq,
        value: Some(value),
        written_op: "where",
        case_sensitive: false,
        context: PredicateContext::Source,
        range,
    }
    .into_expr()
}
