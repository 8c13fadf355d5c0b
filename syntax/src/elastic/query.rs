//! What a query parser returns, and the conversion of its errors into diagnostics.

use super::expression::ParseError;
use super::lexer::{LexError, LexErrorKind};
use super::lower::QueryMap;
use crate::diagnostic::{Diagnostic, Related};
use crate::ir::{DataSource, Expr};

/// The result of parsing and lowering one embedded query.
#[derive(Clone, Debug, Default)]
pub struct QueryOutput {
    /// `None` when nothing of the query could be read.
    pub logic: Option<Expr>,
    pub diagnostics: Vec<Diagnostic>,
    /// Sources the query names itself (ES|QL `from`, SQL `FROM`).
    pub data_sources: Vec<DataSource>,
}

/// The lint ids one language reports its syntax errors under.
#[derive(Clone, Copy, Debug)]
pub struct SyntaxLintIds {
    pub unterminated_string: &'static str,
    pub unterminated_comment: &'static str,
    pub unexpected_token: &'static str,
    pub too_deep: &'static str,
}

/// Converts tokenizer and parser errors into diagnostics with file ranges.
pub fn syntax_diagnostics(
    ids: &SyntaxLintIds,
    lex_errors: &[LexError],
    parse_errors: &[ParseError],
    map: &dyn QueryMap,
) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    for error in lex_errors {
        let range = map.file_range(error.start, error.end);
        let diagnostic = match error.kind {
            LexErrorKind::UnterminatedString => Diagnostic::error(
                ids.unterminated_string,
                range,
                "unterminated string; add the closing quote",
            ),
            LexErrorKind::UnterminatedComment => Diagnostic::error(
                ids.unterminated_comment,
                range,
                "unterminated comment; close it with `*/`",
            ),
            LexErrorKind::UnexpectedCharacter => Diagnostic::error(
                ids.unexpected_token,
                range,
                "unexpected character; remove it or quote the value",
            ),
        };
        diagnostics.push(diagnostic);
    }
    for error in parse_errors {
        let range = map.file_range(error.span.0, error.span.1);
        let lint = if error.too_deep {
            ids.too_deep
        } else {
            ids.unexpected_token
        };
        let mut diagnostic = Diagnostic::error(lint, range, error.message.clone());
        if let Some((start, end)) = error.opened_at {
            diagnostic = diagnostic.with_related(Related {
                path: None,
                range: map.file_range(start, end),
                message: "the bracket opens here".to_owned(),
            });
        }
        diagnostics.push(diagnostic);
    }
    diagnostics
}
