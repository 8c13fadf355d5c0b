//! Kusto (KQL) front end: plain query files and Microsoft Sentinel rule YAML to the Rule IR.
//!
//! A query is lexed ([`lexer`]), parsed into a tree that keeps what decides which rows match
//! ([`ast`], [`parser`]), and lowered ([`lower`]). The rule's logic is the conjunction of the
//! `where`/`filter` predicates of the main pipeline, and its data sources are the tables that
//! pipeline reads. Sentinel YAML ([`sentinel`]) adds metadata and maps every range of the embedded
//! query back to the YAML file.
//!
//! # Operator mapping
//!
//! KQL string operators compare case-insensitively unless they end in `_cs`; `==`, `!=`, `in`
//! and `!in` are case-sensitive; `=~`, `!~`, `in~` and `!in~` are case-insensitive. A
//! case-insensitive value is lower-cased in [`Value::normalized`](crate::ir::Value).
//!
//! | KQL | IR operator | case-sensitive | shape |
//! |---|---|---|---|
//! | `==` / `!=` | `eq` | yes | `!=` is `Not(eq)` |
//! | `=~` / `!~` | `eq` | no | `!~` is `Not(eq)` |
//! | `has`, `has_cs` | `contains` | `_cs` only | whole-term match, see below |
//! | `hasprefix`, `hassuffix` (`_cs`) | `starts_with`, `ends_with` | `_cs` only | term prefix or suffix |
//! | `contains`, `contains_cs` | `contains` | `_cs` only | substring |
//! | `startswith`, `endswith` (`_cs`) | `starts_with`, `ends_with` | `_cs` only | |
//! | `matches regex` | `regex_match` | yes | value kind `regex`, never folded |
//! | `in` / `!in` | `eq` | yes | `Or` of one `eq` per value |
//! | `in~` / `!in~` | `eq` | no | `Or` of one `eq` per value |
//! | `has_any` | `contains` | no | `Or` of one `contains` per value |
//! | `has_all` | `contains` | no | `And` of one `contains` per value |
//! | `between (a .. b)` | `ge` and `le` | yes | `And(ge a, le b)` |
//! | `<`, `<=`, `>`, `>=` | `lt`, `le`, `gt`, `ge` | yes | |
//! | `isempty`, `isnull` | `is_null` | | no value |
//! | `isnotempty`, `isnotnull` | `is_not_null` | | no value |
//! | `ipv4_is_private(f)` | `cidr_match` | | `Or` over 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16 |
//! | `ipv4_is_in_range(f, r)`, `ipv4_is_match(f, ip[, bits])` | `cidr_match` | | |
//! | `ipv4_is_in_any_range(f, list)` | `cidr_match` | | `Or` of one per range |
//! | `has_ipv4(f, ip)`, `has_any_ipv4(f, list)` | `contains` | | value kind `cidr` |
//! | `* has "x"`, `search "x"` | `match` | no | no field |
//! | `f in (externaldata list)`, `f in (_GetWatchlist('w'))` | `eq` | as `in` | value kind `placeholder` |
//!
//! Every negated form (`!has`, `!contains`, `!startswith`, `!in`, `!between`, `not(...)`)
//! lowers to [`Expr::Not`](crate::ir::Expr) around the positive form. The written operator
//! (`has`, `in~`, `ipv4_is_private`) stays in `written_op`.
//!
//! `has` keeps KQL's word semantics in `written_op`: it matches whole terms (maximal runs of
//! alphanumeric characters, per the Kusto string operators reference), so `has "evil"`
//! matches `a evil b` but not `devil`, while the IR operator `contains` is a plain substring
//! test. Lints that compare values across rules
//! treat the two alike; a lint that needs the difference reads `written_op`.
//!
//! A comparison with a list kept outside the rule (an `externaldata` download or a Sentinel
//! watchlist) lowers to one predicate whose value is a placeholder naming the list
//! (`externaldata`, `watchlist:name`). A comparison with any other subquery is opaque.
//!
//! Time-window filters (`TimeGenerated > ago(1d)`, `Timestamp between (starttime .. now())`)
//! bound the search window and say nothing about what the rule detects: they lower to
//! predicates with [`PredicateContext::TimeWindow`](crate::ir::PredicateContext) whose value
//! is the text as written, so that statistics can skip them.

pub mod ast;
pub mod lexer;
pub mod lower;
pub mod parser;
pub mod sentinel;

use crate::diagnostic::Diagnostic;
use crate::ir::{Format, Language, Rule, TextRange};
use crate::{Document, ParsedFile, Tree};

/// Turns byte ranges of a query text into byte ranges of the file it was read from.
pub trait RangeMap {
    fn file_range(&self, start: usize, end: usize) -> TextRange;
}

/// A query that starts `0` bytes or more into its file and is a verbatim slice of it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Shifted(pub usize);

impl RangeMap for Shifted {
    fn file_range(&self, start: usize, end: usize) -> TextRange {
        TextRange::new(start + self.0, end.max(start) + self.0)
    }
}

/// The KQL-specific syntax of one rule: the parsed query and the Sentinel keys the IR has no
/// place for.
#[derive(Clone, Debug, Default)]
pub struct KqlDocument {
    pub query: ast::Query,
    /// The range of the query text in the file: the whole file for a plain query file, the
    /// `query:` value for Sentinel YAML.
    pub query_range: TextRange,
    pub sentinel: Option<sentinel::SentinelMetadata>,
}

/// A parsed and lowered query, before it is placed in a [`Rule`].
#[derive(Debug)]
pub struct ParsedQuery {
    pub query: ast::Query,
    pub lowered: lower::Lowered,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parses and lowers one query. `map` turns ranges of `text` into ranges of `file_text`.
pub fn parse_and_lower(text: &str, map: &dyn RangeMap, file_text: &str) -> ParsedQuery {
    let (query, diagnostics) = parser::parse(text, map);
    let lowered = lower::lower(&query, file_text);
    ParsedQuery {
        query,
        lowered,
        diagnostics,
    }
}

/// Parses a plain query file (`.kql`, `.kusto`, `.csl`, `.txt`): the whole text is one query.
pub fn parse_query_file(text: &str) -> ParsedFile {
    let parsed = parse_and_lower(text, &Shifted(0), text);
    let range = TextRange::new(0, text.len());
    let mut rule = Rule::new(Format::Kql, Language::Kql, range);
    rule.data_sources = parsed.lowered.data_sources;
    rule.logic = parsed.lowered.logic;
    let document = KqlDocument {
        query: parsed.query,
        query_range: range,
        sentinel: None,
    };
    ParsedFile {
        format: Some(Format::Kql),
        documents: vec![Document {
            rule,
            tree: Tree::Kql(Box::new(document)),
        }],
        diagnostics: parsed.diagnostics,
    }
}

/// Parses a file of `format`, which is [`Format::Kql`] or [`Format::SentinelYaml`].
pub fn parse(format: Format, text: &str) -> ParsedFile {
    match format {
        Format::SentinelYaml => sentinel::parse(text),
        _ => parse_query_file(text),
    }
}
