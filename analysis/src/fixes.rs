//! Quick fixes that add an exclusion to a rule, written in the rule's own idiom.
//!
//! - Sigma: a new `filter_main_*` selection before `condition:`, and `and not` the new
//!   selection in the condition (the old condition parenthesised when it is an `or`).
//! - KQL: `| where not(...)` placed after the source filters, before the next pipe (so before
//!   any `summarize` or `project`).
//! - SPL: `| where NOT (cidrmatch(...))` or `| search NOT field IN (...)` placed the same way,
//!   for searches that do not read a data model (`tstats` renames the fields).
//!
//! - Elastic: kuery and single-event EQL queries are parenthesised and get `and not ...`.
//!
//! FIXME: Panther rules and EQL sequences get findings but no fix yet.
//!
//! A fix is only built for exclusions that cannot be satisfied by an attacker-chosen prefix:
//! equality, `startswith` and CIDR tests. `contains` and `endswith` exclusions are reported
//! by the lints but never inserted.

use crate::lints::corpus::shared::has_leading_wildcard;
use rulelens_syntax::sigma::{ConditionExpr, SigmaDocument};
use rulelens_syntax::{Document, Fix, Op, TextEdit, TextRange, Tree};

/// One exclusion to add: `field op value`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exclusion {
    pub op: Op,
    pub value: String,
}

/// Builds a fix that excludes `exclusions` on `field` (the name as written in this rule), or
/// `None` when the rule's form does not allow a safe edit (several conditions, an
/// aggregation, a syntax error) or an exclusion is unsafe to insert.
///
/// `anchor` is a byte offset in the predicate that tests `field`: piped languages get the new
/// filter before the first pipe after it, where the field still has its source meaning.
pub fn exclusion_fix(
    text: &str,
    document: &Document,
    field: &str,
    exclusions: &[Exclusion],
    title: String,
    name_hint: &str,
    anchor: usize,
) -> Option<Fix> {
    if exclusions.is_empty()
        || exclusions.iter().any(|e| {
            has_leading_wildcard(e.op, &e.value)
                || !matches!(e.op, Op::Eq | Op::StartsWith | Op::CidrMatch)
        })
    {
        return None;
    }
    match &document.tree {
        Tree::Sigma(sigma) => sigma_fix(text, sigma, field, exclusions, title, name_hint),
        Tree::Kql(kql) => {
            let clause = kql_clause(field, exclusions)?;
            pipe_fix(text, kql.query_range, anchor, &clause, title)
        }
        Tree::Spl(spl) => {
            let uses_data_model = document
                .rule
                .data_sources
                .iter()
                .any(|source| source.kind == rulelens_syntax::DataSourceKind::DataModel);
            if uses_data_model {
                return None;
            }
            let clause = spl_clause(field, exclusions)?;
            pipe_fix(text, spl.search_range, anchor, &clause, title)
        }
        Tree::Elastic(elastic) => {
            let query = elastic.query.as_ref()?;
            elastic_fix(
                text,
                document.rule.language,
                query.range,
                field,
                exclusions,
                title,
            )
        }
        Tree::Panther(_) => None,
    }
}

/// Wraps an Elastic kuery or single-event EQL query in parentheses and appends
/// `and not ...`, inside the TOML string that holds it.
fn elastic_fix(
    text: &str,
    language: rulelens_syntax::Language,
    string_range: TextRange,
    field: &str,
    exclusions: &[Exclusion],
    title: String,
) -> Option<Fix> {
    let token = text.get(string_range.as_range())?;
    let (open, close) = ["'''", "\"\"\"", "'", "\""]
        .iter()
        .find(|delimiter| token.starts_with(**delimiter) && token.ends_with(**delimiter))
        .map(|delimiter| (delimiter.len(), delimiter.len()))?;
    let basic = token.starts_with('"');
    let mut content_start = string_range.start() + open;
    // TOML drops a line break right after the opening delimiter of a multi-line string.
    if open == 3 {
        if text[content_start..].starts_with("\r\n") {
            content_start += 2;
        } else if text[content_start..].starts_with('\n') {
            content_start += 1;
        }
    }
    let content_end = string_range.end() - close;
    let content = text.get(content_start..content_end)?;
    let trimmed_end = content_start + content.trim_end().len();

    let (wrap_start, clause) = match language {
        rulelens_syntax::Language::Kuery => (content_start, kuery_clause(field, exclusions)?),
        rulelens_syntax::Language::Eql => {
            let lowered = content.to_ascii_lowercase();
            let first_word = lowered.split_whitespace().next().unwrap_or("");
            if matches!(first_word, "sequence" | "sample") || content.contains('|') {
                return None;
            }
            let where_at = lowered.find(" where ")? + " where ".len();
            (content_start + where_at, eql_clause(field, exclusions)?)
        }
        _ => return None,
    };
    let clause = if basic {
        clause.replace('\\', "\\\\").replace('"', "\\\"")
    } else {
        clause
    };
    Some(Fix {
        title,
        edits: vec![
            TextEdit {
                range: TextRange::empty(wrap_start),
                new_text: "(".to_owned(),
            },
            TextEdit {
                range: TextRange::empty(trimmed_end),
                new_text: format!(") and not {clause}"),
            },
        ],
        safe: true,
    })
}

/// `field:(a or b)` in kuery: CIDRs and equality; IPv6 values quoted for their colons.
fn kuery_clause(field: &str, exclusions: &[Exclusion]) -> Option<String> {
    if exclusions.iter().any(|e| e.op == Op::StartsWith) {
        return None;
    }
    let values: Vec<String> = exclusions
        .iter()
        .map(|e| {
            if e.op == Op::CidrMatch && !is_ipv6(&e.value) {
                e.value.clone()
            } else {
                double_quoted(&e.value)
            }
        })
        .collect();
    Some(format!("{field}:({})", values.join(" or ")))
}

/// `cidrMatch(field, ...)` and `field in (...)` in EQL.
fn eql_clause(field: &str, exclusions: &[Exclusion]) -> Option<String> {
    if exclusions.iter().any(|e| e.op == Op::StartsWith) {
        return None;
    }
    let mut tests = Vec::new();
    let cidrs: Vec<String> = exclusions
        .iter()
        .filter(|e| e.op == Op::CidrMatch)
        .map(|e| double_quoted(&e.value))
        .collect();
    if !cidrs.is_empty() {
        tests.push(format!("cidrMatch({field}, {})", cidrs.join(", ")));
    }
    let equal: Vec<String> = exclusions
        .iter()
        .filter(|e| e.op == Op::Eq)
        .map(|e| double_quoted(&e.value))
        .collect();
    if !equal.is_empty() {
        tests.push(format!("{field} in ({})", equal.join(", ")));
    }
    match tests.as_slice() {
        [] => None,
        [only] => Some(only.clone()),
        _ => Some(format!("({})", tests.join(" or "))),
    }
}

/// Quotes a string for KQL and SPL, which both escape `"` and `\` with a backslash.
fn double_quoted(value: &str) -> String {
    format!("\"{}\"", value.replace('\\', "\\\\").replace('"', "\\\""))
}

fn is_ipv6(value: &str) -> bool {
    value.contains(':')
}

/// `| where not(...)` for KQL: CIDRs with `ipv4_is_in_any_range` and `ipv6_is_in_any_range`,
/// equality with `!in~`, prefixes with `startswith`.
fn kql_clause(field: &str, exclusions: &[Exclusion]) -> Option<String> {
    let mut tests = Vec::new();
    let of = |op: Op| exclusions.iter().filter(move |e| e.op == op);
    let v4: Vec<String> = of(Op::CidrMatch)
        .filter(|e| !is_ipv6(&e.value))
        .map(|e| double_quoted(&e.value))
        .collect();
    let v6: Vec<String> = of(Op::CidrMatch)
        .filter(|e| is_ipv6(&e.value))
        .map(|e| double_quoted(&e.value))
        .collect();
    if !v4.is_empty() {
        tests.push(format!(
            "ipv4_is_in_any_range({field}, dynamic([{}]))",
            v4.join(", ")
        ));
    }
    if !v6.is_empty() {
        tests.push(format!(
            "ipv6_is_in_any_range({field}, dynamic([{}]))",
            v6.join(", ")
        ));
    }
    let equal: Vec<String> = of(Op::Eq).map(|e| double_quoted(&e.value)).collect();
    if !equal.is_empty() {
        tests.push(format!("{field} in~ ({})", equal.join(", ")));
    }
    for prefix in of(Op::StartsWith) {
        tests.push(format!(
            "{field} startswith {}",
            double_quoted(&prefix.value)
        ));
    }
    (!tests.is_empty()).then(|| format!("| where not({}) ", tests.join(" or ")))
}

/// `| where NOT (...)` or `| search NOT ...` for SPL.
fn spl_clause(field: &str, exclusions: &[Exclusion]) -> Option<String> {
    let mut clauses = Vec::new();
    let cidrs: Vec<String> = exclusions
        .iter()
        .filter(|e| e.op == Op::CidrMatch)
        .map(|e| format!("cidrmatch({}, {field})", double_quoted(&e.value)))
        .collect();
    if !cidrs.is_empty() {
        clauses.push(format!("| where NOT ({}) ", cidrs.join(" OR ")));
    }
    let equal: Vec<String> = exclusions
        .iter()
        .filter(|e| e.op == Op::Eq)
        .map(|e| double_quoted(&e.value))
        .collect();
    if !equal.is_empty() {
        clauses.push(format!("| search NOT {field} IN ({}) ", equal.join(", ")));
    }
    if exclusions.iter().any(|e| e.op == Op::StartsWith) {
        // A prefix needs a trailing `*`, which SPL cannot escape inside the value.
        return None;
    }
    (!clauses.is_empty()).then(|| clauses.concat())
}

/// Inserts `clause` into a piped query after the filters on the field: before the first
/// top-level `|` that follows `anchor`, or at the end of the query.
fn pipe_fix(
    text: &str,
    query_range: TextRange,
    anchor: usize,
    clause: &str,
    title: String,
) -> Option<Fix> {
    let query = text.get(query_range.as_range())?;
    // A double-quoted YAML scalar would need the clause's quotes escaped.
    let before_query = text[..query_range.start()].trim_end_matches([' ', '\t']);
    if query.starts_with('"') || before_query.ends_with('"') {
        return None;
    }
    if !query_range.contains_inclusive(anchor) {
        return None;
    }
    let from = anchor - query_range.start();
    let insert_at = match next_top_level_pipe(query, from) {
        Some(pipe) => query_range.start() + pipe,
        None => {
            let content_end = query.trim_end().len();
            let at = query_range.start() + content_end;
            // Keep a closing quote of a quoted scalar after the clause.
            let at = if query[..content_end].ends_with('\'') {
                at - 1
            } else {
                at
            };
            return Some(Fix {
                title,
                edits: vec![TextEdit {
                    range: TextRange::empty(at),
                    new_text: format!(" {}", clause.trim_end()),
                }],
                safe: true,
            });
        }
    };
    Some(Fix {
        title,
        edits: vec![TextEdit {
            range: TextRange::empty(insert_at),
            new_text: clause.to_owned(),
        }],
        safe: true,
    })
}

/// The offset where a new pipe command goes after `from`: before the next `|` of the
/// pipeline that contains `from`, or before the bracket that closes that pipeline (a KQL
/// `join` subquery, an SPL subsearch). `None` when the pipeline runs to the query's end.
///
/// Pipes inside string literals, line comments and deeper brackets do not count. The scan
/// starts at the query's beginning so that bracket depth is known at `from`.
fn next_top_level_pipe(query: &str, from: usize) -> Option<usize> {
    let bytes = query.as_bytes();
    let mut depth = 0i32;
    let mut quote: Option<u8> = None;
    // The depth of the pipeline `from` sits in: that of the last pipe before it, at most the
    // depth at `from` itself.
    let mut pipeline_depth = 0i32;
    // A single-quoted YAML scalar's own opening quote is not a string of the query.
    let mut position = usize::from(bytes.first() == Some(&b'\''));
    while position < bytes.len() {
        let byte = bytes[position];
        if position == from {
            pipeline_depth = pipeline_depth.min(depth);
        }
        match quote {
            Some(open) => {
                if byte == b'\\' {
                    position += 1;
                } else if byte == open {
                    quote = None;
                }
            }
            None => match byte {
                // A KQL line comment may hold quotes and pipes of its own.
                b'/' if bytes.get(position + 1) == Some(&b'/') => {
                    while position < bytes.len() && bytes[position] != b'\n' {
                        position += 1;
                    }
                }
                b'"' | b'\'' => quote = Some(byte),
                b'(' | b'[' => depth += 1,
                b')' | b']' => {
                    if position >= from && depth <= pipeline_depth {
                        return Some(position);
                    }
                    depth -= 1;
                }
                b'|' if position < from => pipeline_depth = depth,
                b'|' if depth == pipeline_depth => return Some(position),
                _ => {}
            },
        }
        position += 1;
    }
    None
}

fn sigma_modifier(op: Op) -> Option<&'static str> {
    match op {
        Op::Eq => Some(""),
        Op::StartsWith => Some("|startswith"),
        Op::CidrMatch => Some("|cidr"),
        _ => None,
    }
}

/// Quotes a value for a Sigma single-quoted scalar, escaping the Sigma wildcards so that the
/// value matches literally.
fn sigma_literal(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len() + 2);
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' | '?' => {
                escaped.push('\\');
                escaped.push(c);
            }
            '\\' if matches!(chars.peek(), None | Some('*' | '?' | '\\')) => {
                escaped.push_str("\\\\")
            }
            '\'' => escaped.push_str("''"),
            _ => escaped.push(c),
        }
    }
    format!("'{escaped}'")
}

fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |i| i + 1)
}

fn column(text: &str, offset: usize) -> usize {
    offset - line_start(text, offset)
}

fn sigma_fix(
    text: &str,
    sigma: &SigmaDocument,
    field: &str,
    exclusions: &[Exclusion],
    title: String,
    name_hint: &str,
) -> Option<Fix> {
    let detection = sigma.detection.as_ref()?;
    let [condition] = detection.conditions.as_slice() else {
        return None;
    };
    if condition.aggregation.is_some() || condition.text.contains('|') {
        return None;
    }
    let expr = condition.expr.as_ref()?;
    let condition_key = detection.condition_key_range?;

    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let key_column = column(text, condition_key.start());
    let detection_column = column(text, detection.key_range.start());
    let unit = key_column.saturating_sub(detection_column).max(2);
    let indent = " ".repeat(key_column);
    let inner = " ".repeat(key_column + unit);
    let item_indent = " ".repeat(key_column + unit * 2);

    // One selection per operator, because one YAML mapping cannot hold a key twice.
    let mut groups: Vec<(Op, Vec<&str>)> = Vec::new();
    for exclusion in exclusions {
        match groups.iter_mut().find(|(op, _)| *op == exclusion.op) {
            Some((_, values)) => values.push(&exclusion.value),
            None => groups.push((exclusion.op, vec![&exclusion.value])),
        }
    }

    let taken: Vec<&str> = detection
        .selections
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    let mut names = Vec::new();
    let mut block = String::new();
    for (op, values) in &groups {
        let name = unique_name(&format!("filter_main_{name_hint}"), &taken, &names);
        let modifier = sigma_modifier(*op)?;
        block.push_str(&format!("{indent}{name}:{newline}"));
        if let [single] = values.as_slice() {
            block.push_str(&format!(
                "{inner}{field}{modifier}: {}{newline}",
                sigma_literal(single)
            ));
        } else {
            block.push_str(&format!("{inner}{field}{modifier}:{newline}"));
            for value in values {
                block.push_str(&format!("{item_indent}- {}{newline}", sigma_literal(value)));
            }
        }
        names.push(name);
    }

    let (value_range, quote) = condition_value(text, condition.range);
    let old = text.get(value_range.as_range())?;
    let old = if matches!(expr, ConditionExpr::Or(_)) {
        format!("({old})")
    } else {
        old.to_owned()
    };
    let mut new_condition = old;
    for name in &names {
        new_condition.push_str(" and not ");
        new_condition.push_str(name);
    }
    if quote == Some('\'') {
        new_condition = new_condition.replace('\'', "''");
    }

    Some(Fix {
        title,
        edits: vec![
            TextEdit {
                range: TextRange::empty(line_start(text, condition_key.start())),
                new_text: block,
            },
            TextEdit {
                range: value_range,
                new_text: new_condition,
            },
        ],
        safe: true,
    })
}

/// The range of a condition's text without its quotes, and the quote character.
fn condition_value(text: &str, range: TextRange) -> (TextRange, Option<char>) {
    let raw = text.get(range.as_range()).unwrap_or("");
    let quote = raw.chars().next().filter(|c| *c == '\'' || *c == '"');
    match quote {
        Some(q) if raw.len() >= 2 && raw.ends_with(q) => {
            (TextRange::new(range.start() + 1, range.end() - 1), Some(q))
        }
        _ => (range, None),
    }
}

fn unique_name(base: &str, taken: &[&str], chosen: &[String]) -> String {
    let is_free = |name: &str| !taken.contains(&name) && !chosen.iter().any(|c| c == name);
    if is_free(base) {
        return base.to_owned();
    }
    (2..)
        .map(|n| format!("{base}_{n}"))
        .find(|name| is_free(name))
        .unwrap_or_else(|| base.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigma_literal_escapes_wildcards_and_quotes() {
        assert_eq!(sigma_literal("10.0.0.0/8"), "'10.0.0.0/8'");
        assert_eq!(sigma_literal("a*b?c"), "'a\\*b\\?c'");
        assert_eq!(sigma_literal("it's"), "'it''s'");
        assert_eq!(sigma_literal("c:\\windows\\"), "'c:\\windows\\\\'");
    }

    #[test]
    fn unique_name_skips_taken() {
        assert_eq!(
            unique_name("filter_main_x", &["filter_main_x"], &[]),
            "filter_main_x_2"
        );
        assert_eq!(unique_name("f", &[], &["f".to_owned()]), "f_2");
    }
}
