//! Sigma string values: wildcards, escapes, and the operator they amount to.
//!
//! In a Sigma string `*` matches any run of characters and `?` one character. A backslash
//! escapes `*`, `?` and itself (`\*`, `\?`, `\\`); before any other character it is a literal
//! backslash, so Windows paths need no escaping. The string modifiers `contains`, `startswith`
//! and `endswith` add a `*` at either end. What is left decides the operator: no wildcard is
//! `eq`, `*foo*` is `contains`, `foo*` is `starts_with`, `*foo` is `ends_with`, and a `*` or
//! `?` anywhere else makes a `wildcard` match.

use crate::ir::Op;

/// One piece of a Sigma string.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Piece {
    Char(char),
    /// `*`
    AnyRun,
    /// `?`
    AnyChar,
}

/// The operator a Sigma string amounts to and the value it compares with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interpreted {
    pub op: Op,
    /// For `eq`, `contains`, `starts_with` and `ends_with`: the literal text, escapes
    /// resolved. For `wildcard`: a glob where `*` and `?` are wildcards and a literal `*`, `?`
    /// or `\` is escaped with `\`.
    pub value: String,
}

/// The wildcards a string modifier adds at either end of the value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct AddedWildcards {
    pub leading: bool,
    pub trailing: bool,
}

fn pieces(written: &str) -> Vec<Piece> {
    let mut pieces = Vec::with_capacity(written.len());
    let mut chars = written.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.peek() {
                Some(&next @ ('*' | '?' | '\\')) => {
                    chars.next();
                    pieces.push(Piece::Char(next));
                }
                _ => pieces.push(Piece::Char('\\')),
            },
            '*' => pieces.push(Piece::AnyRun),
            '?' => pieces.push(Piece::AnyChar),
            other => pieces.push(Piece::Char(other)),
        }
    }
    pieces
}

/// Interprets `written` after the string modifiers added `added` wildcards.
pub fn interpret(written: &str, added: AddedWildcards) -> Interpreted {
    // Most values have no wildcard or escape: skip the piece list for them.
    if !written.is_empty() && !written.contains(['*', '?', '\\']) {
        let op = match (added.leading, added.trailing) {
            (false, false) => Op::Eq,
            (true, true) => Op::Contains,
            (false, true) => Op::StartsWith,
            (true, false) => Op::EndsWith,
        };
        return Interpreted {
            op,
            value: written.to_owned(),
        };
    }
    let mut pieces = pieces(written);
    if added.leading {
        pieces.insert(0, Piece::AnyRun);
    }
    if added.trailing {
        pieces.push(Piece::AnyRun);
    }
    // A run of `*` matches what one `*` matches.
    pieces.dedup_by(|a, b| *a == Piece::AnyRun && *b == Piece::AnyRun);

    let leading = pieces.first() == Some(&Piece::AnyRun);
    let trailing = pieces.len() > 1 && pieces.last() == Some(&Piece::AnyRun);
    let inner_start = usize::from(leading);
    let inner_end = pieces.len() - usize::from(trailing);
    let inner = pieces.get(inner_start..inner_end).unwrap_or(&[]);
    let literal_inner = inner.iter().all(|p| matches!(p, Piece::Char(_)));

    if literal_inner && !inner.is_empty() {
        let op = match (leading, trailing) {
            (false, false) => Op::Eq,
            (true, true) => Op::Contains,
            (false, true) => Op::StartsWith,
            (true, false) => Op::EndsWith,
        };
        return Interpreted {
            op,
            value: literal(inner),
        };
    }
    if pieces.is_empty() {
        return Interpreted {
            op: Op::Eq,
            value: String::new(),
        };
    }
    Interpreted {
        op: Op::Wildcard,
        value: glob(&pieces),
    }
}

fn literal(pieces: &[Piece]) -> String {
    pieces
        .iter()
        .filter_map(|p| match p {
            Piece::Char(c) => Some(*c),
            _ => None,
        })
        .collect()
}

fn glob(pieces: &[Piece]) -> String {
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Char(c @ ('*' | '?' | '\\')) => {
                out.push('\\');
                out.push(*c);
            }
            Piece::Char(c) => out.push(*c),
            Piece::AnyRun => out.push('*'),
            Piece::AnyChar => out.push('?'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(written: &str, added: AddedWildcards, op: Op, value: &str) {
        let result = interpret(written, added);
        assert_eq!(result.op, op, "operator of {written:?}");
        assert_eq!(result.value, value, "value of {written:?}");
    }

    const NONE: AddedWildcards = AddedWildcards {
        leading: false,
        trailing: false,
    };
    const BOTH: AddedWildcards = AddedWildcards {
        leading: true,
        trailing: true,
    };

    #[test]
    fn wildcards_at_ends_become_operators() {
        check("foo", NONE, Op::Eq, "foo");
        check("*foo*", NONE, Op::Contains, "foo");
        check("foo*", NONE, Op::StartsWith, "foo");
        check("*foo", NONE, Op::EndsWith, "foo");
        check("**foo", NONE, Op::EndsWith, "foo");
    }

    #[test]
    fn inner_wildcards_make_a_glob() {
        check("a*b", NONE, Op::Wildcard, "a*b");
        check("*a?b*", NONE, Op::Wildcard, "*a?b*");
        check("*", NONE, Op::Wildcard, "*");
        check("a*b", BOTH, Op::Wildcard, "*a*b*");
    }

    #[test]
    fn escapes_are_literal() {
        check(r"\*foo", NONE, Op::Eq, "*foo");
        check(r"what\?", NONE, Op::Eq, "what?");
        check(r"C:\Windows\", NONE, Op::Eq, r"C:\Windows\");
        check(r"\\*", NONE, Op::StartsWith, r"\");
        check(r"a\*b*c", NONE, Op::Wildcard, r"a\*b*c");
        check(r"a\\b", NONE, Op::Eq, r"a\b");
    }

    #[test]
    fn modifiers_add_wildcards() {
        check("foo", BOTH, Op::Contains, "foo");
        check("*foo", BOTH, Op::Contains, "foo");
        let leading = AddedWildcards {
            leading: true,
            trailing: false,
        };
        check("foo", leading, Op::EndsWith, "foo");
        check("", NONE, Op::Eq, "");
        check("", BOTH, Op::Wildcard, "*");
    }
}
