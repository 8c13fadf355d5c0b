//! Panther scheduled and saved queries: the SQL subset RuleLens lowers.
//!
//! The queries are Snowflake SQL (Athena for older rules). The reader does not build a full
//! SQL tree; it walks the tokens and keeps:
//!
//! - the tables after `FROM` and `JOIN` as data sources, except names a `WITH` clause
//!   defines and functions such as `TABLE(...)` or `LATERAL FLATTEN(...)`;
//! - the condition of every `WHERE` as predicates on source fields, and of every `HAVING` as
//!   predicates after aggregation ([`PredicateContext::Threshold`]).
//!
//! All conditions are joined with `And`: a common-table expression's filter narrows the
//! outer query that reads from it. Snowflake variant paths (`actor:alternateId::string`)
//! lower as dotted field names, casts are dropped, and `=` compares case-sensitively as
//! Snowflake's default collation does. `ILIKE` ignores case; `LIKE` patterns use `%` and `_`.

use crate::elastic::expression::{Grammar, Parser};
use crate::elastic::lexer::{tokenize, LexerConfig, Token, TokenKind};
use crate::elastic::lower::{and_of, QueryMap};
use crate::elastic::lower_expression::{plain_field, FunctionKind, Lowerer, Semantics};
use crate::elastic::query::{syntax_diagnostics, QueryOutput, SyntaxLintIds};
use crate::ir::{DataSource, DataSourceKind, PredicateContext};
use std::collections::HashSet;

pub const LINT_IDS: SyntaxLintIds = SyntaxLintIds {
    unterminated_string: "syntax/panther-sql-unterminated-string",
    unterminated_comment: "syntax/panther-sql-unterminated-comment",
    unexpected_token: "syntax/panther-sql-unexpected-token",
    too_deep: "syntax/panther-sql-too-deep",
};

const LEXER: LexerConfig = LexerConfig {
    string_quotes: &['\''],
    identifier_quote: Some('"'),
    backslash_escapes: true,
    doubled_quote_escapes: true,
    triple_quoted_raw: false,
    line_comments: &["--", "//"],
    block_comments: true,
    identifier_start_extra: &['$', '@'],
};

const GRAMMAR: Grammar = Grammar {
    word_operators: &["in", "like", "ilike", "rlike", "regexp", "is", "between"],
    tilde_suffix: false,
    colon_comparison: false,
    colon_path: true,
    double_colon_cast: true,
    optional_field_prefix: false,
    python_collections: false,
    esql_literals: false,
    sql_literals: true,
};

const SEMANTICS: Semantics = Semantics {
    equality_case_sensitive: true,
    functions_case_sensitive: true,
    like_wildcards: ('%', '_'),
    function_kind,
    field_of: plain_field,
};

fn function_kind(name: &str) -> Option<FunctionKind> {
    match name {
        "startswith" | "starts_with" => Some(FunctionKind::StartsWith),
        "endswith" | "ends_with" => Some(FunctionKind::EndsWith),
        "contains" => Some(FunctionKind::Contains),
        "regexp_like" | "rlike" => Some(FunctionKind::Regex),
        _ => None,
    }
}

/// Words that end a `WHERE` or `HAVING` condition.
const CLAUSE_ENDS: &[&str] = &[
    "group",
    "order",
    "having",
    "qualify",
    "limit",
    "union",
    "intersect",
    "except",
    "window",
    "minus",
    "select",
    "from",
    "where",
    "join",
    "inner",
    "left",
    "right",
    "full",
    "cross",
    "natural",
    "lateral",
    "on",
    "fetch",
    "offset",
];

/// Functions whose argument list holds a `FROM` that is not a table.
const FROM_FUNCTIONS: &[&str] = &["extract", "trim", "substring", "position", "overlay"];

/// Parses and lowers one SQL query whose text is `text`, with ranges mapped by `map`.
pub fn parse(text: &str, map: &dyn QueryMap) -> QueryOutput {
    let (tokens, lex_errors) = tokenize(text, &LEXER);
    let common_tables = common_table_names(&tokens);
    let mut parser = Parser::new(&tokens, GRAMMAR, text.len());
    let mut lowerer = Lowerer::new(SEMANTICS, map);
    let mut conditions = Vec::new();
    let mut data_sources = Vec::new();
    // One entry per open parenthesis: whether it belongs to a function like `EXTRACT`.
    let mut parentheses: Vec<bool> = Vec::new();
    while let Some(token) = parser.peek() {
        if token.is_symbol("(") {
            let previous = parser.position.checked_sub(1).and_then(|i| tokens.get(i));
            let in_function =
                previous.is_some_and(|p| FROM_FUNCTIONS.iter().any(|f| p.is_keyword(f)));
            parentheses.push(in_function);
            parser.advance();
            continue;
        }
        if token.is_symbol(")") {
            parentheses.pop();
            parser.advance();
            continue;
        }
        let in_from_function = parentheses.last().copied().unwrap_or(false);
        if (token.is_keyword("from") && !in_from_function) || token.is_keyword("join") {
            parser.advance();
            if let Some(source) = table_after(&parser, &common_tables, map) {
                data_sources.push(source);
            }
            continue;
        }
        if token.is_keyword("where") || token.is_keyword("having") {
            lowerer.context = if token.is_keyword("having") {
                PredicateContext::Threshold
            } else {
                PredicateContext::Source
            };
            parser.advance();
            let condition = parser.expression();
            conditions.push(lowerer.lower(&condition));
            let ends_cleanly = match parser.peek() {
                None => true,
                Some(next) => {
                    next.is_symbol(")")
                        || next.is_symbol(";")
                        || next.is_symbol(",")
                        || CLAUSE_ENDS.iter().any(|w| next.is_keyword(w))
                }
            };
            if !ends_cleanly {
                parser.expected("the end of the condition, such as `GROUP BY` or `)`");
            }
            continue;
        }
        parser.advance();
    }
    let logic = (!conditions.is_empty()).then(|| and_of(conditions));
    let logic = logic.or_else(|| {
        (!text.trim().is_empty()).then(|| lowerer.opaque((0, text.len()), "query without where"))
    });
    QueryOutput {
        logic,
        diagnostics: syntax_diagnostics(&LINT_IDS, &lex_errors, &parser.errors, map),
        data_sources,
    }
}

/// Names defined by `WITH name AS (` and `, name AS (`, lower-cased.
fn common_table_names(tokens: &[Token]) -> HashSet<String> {
    let mut names = HashSet::new();
    for window in tokens.windows(3) {
        let [name, as_keyword, open] = window else {
            continue;
        };
        if matches!(name.kind, TokenKind::Ident | TokenKind::QuotedIdent)
            && as_keyword.is_keyword("as")
            && open.is_symbol("(")
        {
            names.insert(name.value.to_ascii_lowercase());
        }
    }
    names
}

fn table_after(
    parser: &Parser<'_>,
    common_tables: &HashSet<String>,
    map: &dyn QueryMap,
) -> Option<DataSource> {
    let token = parser.peek()?;
    if !matches!(token.kind, TokenKind::Ident | TokenKind::QuotedIdent) {
        return None;
    }
    let is_function = parser.peek_at(1).is_some_and(|t| t.is_symbol("("));
    let is_keyword = ["lateral", "table", "select", "unnest"]
        .iter()
        .any(|w| token.is_keyword(w));
    if is_function || is_keyword || common_tables.contains(&token.value.to_ascii_lowercase()) {
        return None;
    }
    Some(DataSource {
        kind: DataSourceKind::Table,
        value: token.value.to_string(),
        range: map.file_range(token.start, token.end),
    })
}
