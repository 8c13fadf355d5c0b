//! Quick fixes that add an exclusion to a rule, written in the rule's own idiom.
//!
//! - Sigma: a new `filter_main_*` selection before `condition:`, and `and not` the new
//!   selection in the condition (the old condition parenthesised when it is an `or`).
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
pub fn exclusion_fix(
    text: &str,
    document: &Document,
    field: &str,
    exclusions: &[Exclusion],
    title: String,
    name_hint: &str,
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
        #[allow(unreachable_patterns)]
        _ => None,
    }
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
