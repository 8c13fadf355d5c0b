//! ES|QL: parsing and lowering of Elastic `language = "esql"` queries.
//!
//! A query is a pipeline of commands separated by `|`: `from indices [metadata ...]`, then
//! `where`, `eval`, `stats`, `keep`, `sort`, `limit` and others. The lowering keeps the
//! index patterns of `from` as data sources and the conditions of every `where`:
//!
//! - a `where` before the first `stats` filters source events ([`PredicateContext::Source`]),
//!   except on names an earlier `eval` computed ([`PredicateContext::Computed`]);
//! - a `where` after `stats` tests aggregates ([`PredicateContext::Threshold`]).
//!
//! The conditions of all `where` commands are joined with `And`. Other commands are checked
//! only for balanced syntax and are not lowered.

use super::expression::{Grammar, Parser};
use super::lexer::{tokenize, LexerConfig, Token, TokenKind};
use super::lower::{and_of, QueryMap};
use super::lower_expression::{plain_field, FunctionKind, Lowerer, Semantics};
use super::query::{syntax_diagnostics, QueryOutput, SyntaxLintIds};
use crate::ir::{DataSource, DataSourceKind, Expr, PredicateContext};
use std::collections::HashSet;

pub const LINT_IDS: SyntaxLintIds = SyntaxLintIds {
    unterminated_string: "syntax/esql-unterminated-string",
    unterminated_comment: "syntax/esql-unterminated-comment",
    unexpected_token: "syntax/esql-unexpected-token",
    too_deep: "syntax/esql-too-deep",
};

const LEXER: LexerConfig = LexerConfig {
    string_quotes: &['"'],
    identifier_quote: Some('`'),
    backslash_escapes: true,
    doubled_quote_escapes: false,
    triple_quoted_raw: true,
    line_comments: &["//"],
    block_comments: true,
    identifier_start_extra: &['@', '?'],
};

const GRAMMAR: Grammar = Grammar {
    word_operators: &["in", "like", "rlike", "is"],
    tilde_suffix: false,
    colon_comparison: true,
    colon_path: false,
    double_colon_cast: true,
    optional_field_prefix: false,
    python_collections: false,
    esql_literals: true,
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
        "starts_with" => Some(FunctionKind::StartsWith),
        "ends_with" => Some(FunctionKind::EndsWith),
        "cidr_match" => Some(FunctionKind::CidrMatch),
        _ => None,
    }
}

/// Parses and lowers an ES|QL query whose text is `text`, with ranges mapped by `map`.
pub fn parse(text: &str, map: &dyn QueryMap) -> QueryOutput {
    let (tokens, lex_errors) = tokenize(text, &LEXER);
    let mut parser = Parser::new(&tokens, GRAMMAR, text.len());
    let mut lowerer = Lowerer::new(SEMANTICS, map);
    let mut conditions = Vec::new();
    let mut data_sources = Vec::new();
    let mut first = true;
    while !parser.at_end() {
        if !first && !parser.eat_symbol("|") {
            parser.expected("`|` before the next command");
            skip_to_pipe(&mut parser);
            continue;
        }
        first = false;
        let Some(command) = parser.advance() else {
            parser.expected("a command after `|`");
            break;
        };
        if command.kind != TokenKind::Ident {
            parser.position -= 1;
            parser.expected("a command such as `from`, `where` or `stats`");
            parser.advance();
            skip_to_pipe(&mut parser);
            continue;
        }
        match command.value.to_ascii_lowercase().as_str() {
            "from" => {
                data_sources.extend(read_from_sources(text, &tokens, &parser, map));
                skip_to_pipe(&mut parser);
            }
            "where" => {
                let condition = parser.expression();
                conditions.push(lowerer.lower(&condition));
                if !parser.at_end() && !parser.at_symbol("|") {
                    parser.expected("`|` or the end of the query after the condition");
                    skip_to_pipe(&mut parser);
                }
            }
            "eval" => {
                lowerer.computed.extend(assigned_names(&tokens, &parser));
                skip_to_pipe(&mut parser);
            }
            "stats" | "inline" | "inlinestats" => {
                lowerer.context = PredicateContext::Threshold;
                skip_to_pipe(&mut parser);
            }
            _ => skip_to_pipe(&mut parser),
        }
    }
    let logic = if conditions.is_empty() {
        None
    } else {
        Some(and_of(conditions))
    };
    QueryOutput {
        logic: logic.or_else(|| whole_query_opaque(text, &lowerer)),
        diagnostics: syntax_diagnostics(&LINT_IDS, &lex_errors, &parser.errors, map),
        data_sources,
    }
}

/// A query without `where` still has logic the lowering does not model (a `stats` over all
/// events of its indices), so it is kept as opaque rather than absent.
fn whole_query_opaque(text: &str, lowerer: &Lowerer<'_>) -> Option<Expr> {
    (!text.trim().is_empty()).then(|| lowerer.opaque((0, text.len()), "query without where"))
}

fn skip_to_pipe(parser: &mut Parser<'_>) {
    let mut depth = 0usize;
    while let Some(token) = parser.peek() {
        if token.is_symbol("(") || token.is_symbol("[") {
            depth += 1;
        } else if token.is_symbol(")") || token.is_symbol("]") {
            depth = depth.saturating_sub(1);
        } else if token.is_symbol("|") && depth == 0 {
            return;
        }
        parser.advance();
    }
}

/// Reads `from a, b-*` from the raw text, because index patterns hold `-` and `*`, which the
/// tokenizer splits.
fn read_from_sources(
    text: &str,
    tokens: &[Token],
    parser: &Parser<'_>,
    map: &dyn QueryMap,
) -> Vec<DataSource> {
    let start = parser.last_end();
    let end = tokens
        .iter()
        .skip(parser.position)
        .find(|t| t.is_symbol("|") || t.is_keyword("metadata"))
        .map_or(text.len(), |t| t.start);
    let Some(list) = text.get(start..end) else {
        return Vec::new();
    };
    let list = blank_comments(list);
    let mut sources = Vec::new();
    let mut offset = start;
    for part in list.split(',') {
        let trimmed = part.trim();
        let leading = part.len() - part.trim_start().len();
        if !trimmed.is_empty() {
            let value = trimmed.trim_matches('"').to_owned();
            let item_start = offset + leading;
            sources.push(DataSource {
                kind: DataSourceKind::IndexPattern,
                value,
                range: map.file_range(item_start, item_start + trimmed.len()),
            });
        }
        offset += part.len() + 1;
    }
    sources
}

/// Replaces `//` and `/* */` comments with spaces, keeping every other byte in place.
fn blank_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        let (comment_length, is_comment) = if rest.starts_with("//") {
            (rest.find('\n').unwrap_or(rest.len()), true)
        } else if rest.starts_with("/*") {
            (rest.find("*/").map_or(rest.len(), |i| i + 2), true)
        } else {
            (rest.chars().next().map_or(1, char::len_utf8), false)
        };
        let (head, tail) = rest.split_at(comment_length.min(rest.len()));
        if is_comment {
            out.extend(std::iter::repeat_n(' ', head.len()));
        } else {
            out.push_str(head);
        }
        rest = tail;
    }
    out
}

/// The names an `eval` assigns: `eval a = ..., b = ...`.
fn assigned_names(tokens: &[Token], parser: &Parser<'_>) -> HashSet<String> {
    let mut names = HashSet::new();
    let mut depth = 0usize;
    let mut previous: Option<&Token> = None;
    for token in tokens.iter().skip(parser.position) {
        if token.is_symbol("(") {
            depth += 1;
        } else if token.is_symbol(")") {
            depth = depth.saturating_sub(1);
        } else if token.is_symbol("|") && depth == 0 {
            break;
        } else if token.is_symbol("=") && depth == 0 {
            if let Some(name) =
                previous.filter(|t| matches!(t.kind, TokenKind::Ident | TokenKind::QuotedIdent))
            {
                names.insert(name.value.to_string());
            }
        }
        previous = Some(token);
    }
    names
}
