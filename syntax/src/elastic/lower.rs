//! Builders for Rule IR nodes that the Elastic and Panther front ends share.
//!
//! Every query parser works on the query text alone and reports ranges into it. A
//! [`QueryMap`] turns those local ranges into byte ranges of the whole file, so that lowering
//! is the only step that needs to find where the query sits in the TOML or YAML text.

use crate::ir::{Expr, Field, Op, Predicate, PredicateContext, TextRange, Value, ValueKind};
use crate::line_index::floor_char_boundary;

/// Maps a byte offset inside an embedded query to a byte offset of the file.
pub trait QueryMap {
    fn file_offset(&self, query_offset: usize) -> usize;

    /// Maps a query range to a file range; an escape sequence maps to the whole escape.
    fn file_range(&self, start: usize, end: usize) -> TextRange {
        let file_start = self.file_offset(start);
        let file_end = self.file_offset(end).max(file_start);
        TextRange::new(file_start, file_end)
    }
}

/// An embedded query with the file text it came from. Ranges end after the whole source of
/// their last byte, so a range that ends in an escape (`\"`) covers the escape.
#[derive(Clone, Copy, Debug)]
pub struct EmbeddedQuery<'a> {
    pub embedded: &'a crate::embed::EmbeddedText,
    pub file_text: &'a str,
}

impl QueryMap for EmbeddedQuery<'_> {
    /// Maps a query offset into the file, clamped to the file's end: a value may end in a
    /// line break the host format added after the last line of a truncated file.
    fn file_offset(&self, query_offset: usize) -> usize {
        let offset = self.embedded.file_offset(query_offset);
        floor_char_boundary(self.file_text, offset)
    }

    fn file_range(&self, start: usize, end: usize) -> TextRange {
        let file_start = self.file_offset(start);
        if end <= start {
            return TextRange::empty(file_start);
        }
        let last = self.file_offset(end - 1);
        let file_end =
            floor_char_boundary(self.file_text, last + source_length(self.file_text, last));
        TextRange::new(file_start, file_end.max(file_start))
    }
}

/// Returns the length of the file text that produced one byte of a value: an escape
/// sequence, or one byte of a copied character.
fn source_length(file_text: &str, at: usize) -> usize {
    let Some(rest) = file_text.get(at..) else {
        return 1;
    };
    let mut chars = rest.chars();
    match (chars.next(), chars.next()) {
        (Some('\\'), Some('u')) => 6,
        (Some('\\'), Some('U')) => 10,
        (Some('\\'), Some('x')) => 4,
        (Some('\\'), Some(_)) => 2,
        (Some(c), _) => c.len_utf8(),
        (None, _) => 1,
    }
}

/// A query that starts at a fixed file offset and has no escapes, such as a plain query file.
#[derive(Clone, Copy, Debug)]
pub struct ShiftMap(pub usize);

impl QueryMap for ShiftMap {
    fn file_offset(&self, query_offset: usize) -> usize {
        self.0 + query_offset
    }
}

/// Builds a field reference.
pub fn field(name: &str, range: TextRange) -> Field {
    Field {
        name: name.to_owned(),
        range,
        data_model: None,
    }
}

/// Builds a string value; `normalized` is case-folded here when the comparison ignores case.
pub fn string_value(
    written: &str,
    normalized: &str,
    case_sensitive: bool,
    range: TextRange,
) -> Value {
    let normalized = if case_sensitive {
        normalized.to_owned()
    } else {
        normalized.to_lowercase()
    };
    Value {
        written: written.to_owned(),
        normalized,
        kind: ValueKind::String,
        range,
    }
}

/// Builds a value of another kind than string; its text is kept as written.
pub fn typed_value(written: &str, kind: ValueKind, range: TextRange) -> Value {
    Value {
        written: written.to_owned(),
        normalized: written.to_owned(),
        kind,
        range,
    }
}

/// The parts of one predicate, before it becomes an [`Expr`].
#[derive(Debug)]
pub struct PredicateParts<'a> {
    pub field: Option<Field>,
    pub op: Op,
    pub value: Option<Value>,
    pub written_op: &'a str,
    pub case_sensitive: bool,
    pub context: PredicateContext,
    pub range: TextRange,
}

impl PredicateParts<'_> {
    pub fn into_expr(self) -> Expr {
        Expr::Predicate(Predicate {
            field: self.field,
            op: self.op,
            value: self.value,
            written_op: self.written_op.to_owned(),
            case_sensitive: self.case_sensitive,
            transforms: Vec::new(),
            context: self.context,
            range: self.range,
        })
    }
}

/// How a glob value (`*` for any run of characters, optionally `?` for one character) reads
/// as an operator: `*x*` is `contains x`, `x*` is `starts_with x`, `*x` is `ends_with x`, a
/// lone `*` is an existence test, and a value with wildcards anywhere else stays a `wildcard`
/// with the value unchanged. `escaped` marks wildcard characters that were escaped and are
/// literal; it has one entry per character of `value`.
pub fn classify_glob(value: &str, escaped: &[bool], single_char_wildcard: bool) -> (Op, String) {
    let chars: Vec<char> = value.chars().collect();
    let is_wild = |index: usize| {
        let literal = escaped.get(index).copied().unwrap_or(false);
        let c = chars.get(index).copied().unwrap_or(' ');
        !literal && (c == '*' || (single_char_wildcard && c == '?'))
    };
    let wild_positions: Vec<usize> = (0..chars.len()).filter(|&i| is_wild(i)).collect();
    if wild_positions.is_empty() {
        return (Op::Eq, value.to_owned());
    }
    if chars
        .iter()
        .enumerate()
        .all(|(i, c)| *c == '*' && is_wild(i))
    {
        return (Op::IsNotNull, String::new());
    }
    let leading_star = chars.first() == Some(&'*') && is_wild(0);
    let last = chars.len() - 1;
    let trailing_star = chars.get(last) == Some(&'*') && is_wild(last) && last > 0;
    let inner_start = usize::from(leading_star);
    let inner_end = if trailing_star { last } else { chars.len() };
    let inner_has_wild = (inner_start..inner_end).any(is_wild);
    if inner_has_wild || inner_start >= inner_end {
        return (Op::Wildcard, value.to_owned());
    }
    let inner: String = chars
        .get(inner_start..inner_end)
        .unwrap_or_default()
        .iter()
        .collect();
    let op = match (leading_star, trailing_star) {
        (true, true) => Op::Contains,
        (true, false) => Op::EndsWith,
        (false, true) => Op::StartsWith,
        (false, false) => Op::Eq,
    };
    (op, inner)
}

/// Joins conjuncts, flattening nested `And`s and dropping the wrapper around one item.
pub fn and_of(items: Vec<Expr>) -> Expr {
    join(items, true)
}

/// Joins disjuncts, flattening nested `Or`s and dropping the wrapper around one item.
pub fn or_of(items: Vec<Expr>) -> Expr {
    join(items, false)
}

fn join(items: Vec<Expr>, conjunction: bool) -> Expr {
    let mut flat = Vec::with_capacity(items.len());
    for item in items {
        match item {
            Expr::And(inner) if conjunction => flat.extend(inner),
            Expr::Or(inner) if !conjunction => flat.extend(inner),
            other => flat.push(other),
        }
    }
    if flat.len() == 1 {
        if let Some(only) = flat.pop() {
            return only;
        }
    }
    if conjunction {
        Expr::And(flat)
    } else {
        Expr::Or(flat)
    }
}

/// Wraps an expression in `Not`; a double negation cancels.
pub fn not_of(inner: Expr) -> Expr {
    match inner {
        Expr::Not(inner) => *inner,
        other => Expr::Not(Box::new(other)),
    }
}

/// Returns whether a value is a network in CIDR notation (`10.0.0.0/8`, `fc00::/7`). Elastic
/// matches such a value against an `ip` field as a range.
pub fn is_cidr(value: &str) -> bool {
    let Some((address, prefix)) = value.split_once('/') else {
        return false;
    };
    let Ok(address) = address.parse::<std::net::IpAddr>() else {
        return false;
    };
    let max_prefix = if address.is_ipv4() { 32 } else { 128 };
    prefix.parse::<u8>().is_ok_and(|p| p <= max_prefix)
}

/// Returns whether a literal reads as a number (`-1`, `3.5`), for value kinds.
pub fn looks_numeric(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    !digits.is_empty()
        && digits.bytes().any(|b| b.is_ascii_digit())
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && digits.bytes().filter(|&b| b == b'.').count() <= 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_classification_cases() {
        let cases = [
            ("cmd.exe", Op::Eq, "cmd.exe"),
            ("*cmd.exe", Op::EndsWith, "cmd.exe"),
            ("cmd*", Op::StartsWith, "cmd"),
            ("*temp*", Op::Contains, "temp"),
            ("*", Op::IsNotNull, ""),
            ("a*b", Op::Wildcard, "a*b"),
            ("?:\\x", Op::Wildcard, "?:\\x"),
            ("**", Op::IsNotNull, ""),
        ];
        for (value, op, normalized) in cases {
            assert_eq!(
                classify_glob(value, &[], true),
                (op, normalized.to_owned()),
                "{value}"
            );
        }
    }

    #[test]
    fn cidr_values() {
        assert!(is_cidr("10.0.0.0/8"));
        assert!(is_cidr("fc00::/7"));
        assert!(!is_cidr("10.0.0.0/33"));
        assert!(!is_cidr("a/b"));
        assert!(!is_cidr("10.0.0.1"));
    }

    #[test]
    fn escaped_star_is_literal() {
        assert_eq!(
            classify_glob("a*", &[false, true], false),
            (Op::Eq, "a*".to_owned())
        );
    }
}
