//! Lowering of a parsed [`Node`] tree to Rule IR, shared by EQL, ES|QL, Panther SQL and the
//! Python subset.
//!
//! The languages agree on the shape of a condition and differ in what an operator means:
//! whether `==` ignores case, which characters a `like` pattern treats as wildcards, what a
//! function tests. [`Semantics`] holds those differences. Anything the lowering does not model
//! (arithmetic, a comparison of two fields, an unknown function) becomes [`Expr::Opaque`] with
//! the range of its text.

use super::expression::{Call, Compare, LiteralKind, Node, Span};
use super::lower::{
    and_of, classify_glob, field, looks_numeric, not_of, or_of, string_value, typed_value,
    PredicateParts, QueryMap,
};
use crate::ir::{Expr, Field, Op, Opaque, PredicateContext, Value, ValueKind};
use std::collections::HashSet;

/// What a function call tests, when the lowering models it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FunctionKind {
    StartsWith,
    EndsWith,
    Contains,
    CidrMatch,
    /// Glob patterns with `*` and `?`.
    Wildcard,
    /// A regular expression match, `regex_like(field, pattern)`.
    Regex,
}

/// The meaning of operators in one language.
#[derive(Clone, Copy, Debug)]
pub struct Semantics {
    /// Whether `==`, `=`, `!=` and `in` compare case-sensitively.
    pub equality_case_sensitive: bool,
    /// Whether functions such as `startsWith` compare case-sensitively without `~`.
    pub functions_case_sensitive: bool,
    /// The wildcard characters of `like`: any run of characters, then exactly one.
    pub like_wildcards: (char, char),
    /// Maps a lower-cased function name to what it tests.
    pub function_kind: fn(&str) -> Option<FunctionKind>,
    /// Reads a field reference out of a node: a plain name in most languages, a call such as
    /// `event.get("name")` in Python. Returns the name, its range and whether the reference
    /// folds case (ES|QL `to_lower(field)`).
    pub field_of: fn(&Node) -> Option<(String, Span, bool)>,
}

/// Reads a plain field name, or `to_lower(field)`/`to_upper(field)`, which fold case.
pub fn plain_field(node: &Node) -> Option<(String, Span, bool)> {
    match node {
        Node::Field(field) => Some((field.name.clone(), field.span, false)),
        Node::Call(call) if call.receiver.is_none() && call.args.len() == 1 => {
            let name = call.name.to_ascii_lowercase();
            if matches!(name.as_str(), "to_lower" | "to_upper" | "lower" | "upper") {
                let (field, span, _) = plain_field(call.args.first()?)?;
                return Some((field, span, true));
            }
            None
        }
        _ => None,
    }
}

/// Lowers nodes of one query into IR with ranges in the file.
pub struct Lowerer<'a> {
    pub semantics: Semantics,
    pub map: &'a dyn QueryMap,
    pub context: PredicateContext,
    /// Names computed by the query itself (ES|QL `eval`); predicates on them are
    /// [`PredicateContext::Computed`].
    pub computed: HashSet<String>,
}

impl std::fmt::Debug for Lowerer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lowerer")
            .field("context", &self.context)
            .finish()
    }
}

impl<'a> Lowerer<'a> {
    pub fn new(semantics: Semantics, map: &'a dyn QueryMap) -> Lowerer<'a> {
        Lowerer {
            semantics,
            map,
            context: PredicateContext::Source,
            computed: HashSet::new(),
        }
    }

    pub fn opaque(&self, span: Span, reason: &str) -> Expr {
        Expr::Opaque(Opaque {
            range: self.map.file_range(span.0, span.1),
            reason: reason.to_owned(),
        })
    }

    pub fn lower(&self, node: &Node) -> Expr {
        match node {
            Node::Or(items, _) => or_of(items.iter().map(|n| self.lower(n)).collect()),
            Node::And(items, _) => and_of(items.iter().map(|n| self.lower(n)).collect()),
            Node::Not(inner, _) => not_of(self.lower(inner)),
            Node::Compare(compare) => self.lower_compare(compare),
            Node::Call(call) => self.lower_call(call),
            Node::Field(_) => match (self.semantics.field_of)(node) {
                // A bare boolean field tests that it is true.
                Some((name, span, _)) => self.predicate(
                    self.field(&name, span),
                    Op::Eq,
                    Some(typed_value("true", ValueKind::Bool, self.range(span))),
                    "",
                    true,
                    span,
                ),
                None => self.opaque(node.span(), "expression"),
            },
            Node::Literal(_) | Node::List(..) => self.opaque(node.span(), "constant"),
            Node::Other(kind, span) => self.opaque(*span, kind),
            Node::Error(span) => self.opaque(*span, "syntax error"),
        }
    }

    fn range(&self, span: Span) -> crate::ir::TextRange {
        self.map.file_range(span.0, span.1)
    }

    fn field(&self, name: &str, span: Span) -> Field {
        field(name, self.range(span))
    }

    fn predicate(
        &self,
        field: Field,
        op: Op,
        value: Option<Value>,
        written_op: &str,
        case_sensitive: bool,
        span: Span,
    ) -> Expr {
        let context = if self.computed.contains(&field.name) {
            PredicateContext::Computed
        } else {
            self.context
        };
        PredicateParts {
            field: Some(field),
            op,
            value,
            written_op,
            case_sensitive,
            context,
            range: self.range(span),
        }
        .into_expr()
    }

    fn lower_compare(&self, compare: &Compare) -> Expr {
        let field_side = (self.semantics.field_of)(&compare.left);
        let Some((name, field_span, folded)) = field_side else {
            return self.lower_reversed(compare);
        };
        let field = self.field(&name, field_span);
        let positive = match compare.op.as_str() {
            "==" | "=" | "!=" | "<>" => self.equality(compare, field, folded),
            ":" => self.pattern_values(compare, field, true, ('*', '?'), false),
            "like" | "ilike" => {
                let insensitive = compare.tilde || compare.op == "ilike" || folded;
                let wildcards = self.semantics.like_wildcards;
                self.pattern_values(compare, field, insensitive, wildcards, false)
            }
            "regex" | "rlike" => {
                let insensitive = compare.tilde || folded;
                self.pattern_values(compare, field, insensitive, ('*', '?'), true)
            }
            "in" => {
                let insensitive =
                    compare.tilde || folded || !self.semantics.equality_case_sensitive;
                self.values_of(&compare.right, |lowerer, value, span| {
                    lowerer.eq_value(field.clone(), value, span, !insensitive, &compare.written)
                })
            }
            "<" | "<=" | ">" | ">=" => self.ordering(compare, field),
            "is" => self.null_test(compare, field),
            "between" => self.between(compare, field),
            _ => self.opaque(compare.span, "comparison"),
        };
        if compare.op == "is" {
            return positive;
        }
        if compare.negated || matches!(compare.op.as_str(), "!=" | "<>") {
            // `!= null` is an existence test, not an exclusion.
            if let Expr::Predicate(mut predicate) = positive {
                if predicate.op == Op::IsNull {
                    predicate.op = Op::IsNotNull;
                    return Expr::Predicate(predicate);
                }
                return not_of(Expr::Predicate(predicate));
            }
            return not_of(positive);
        }
        positive
    }

    /// `"value" == field` and `"x" in field` (Python) put the field on the right.
    fn lower_reversed(&self, compare: &Compare) -> Expr {
        let Some((name, field_span, _)) = (self.semantics.field_of)(&compare.right) else {
            return self.opaque(compare.span, "comparison of computed values");
        };
        let Node::Literal(literal) = compare.left.as_ref() else {
            return self.opaque(compare.span, "comparison of two fields");
        };
        let field = self.field(&name, field_span);
        let op = match compare.op.as_str() {
            "==" | "=" | "!=" | "<>" => Op::Eq,
            // Python `"x" in event.get("f")` tests a substring or a list member.
            "in" => Op::Contains,
            _ => return self.opaque(compare.span, "comparison"),
        };
        let case_sensitive = self.semantics.equality_case_sensitive;
        let value = self.literal_value(&literal.value, literal.kind, literal.span, case_sensitive);
        let positive = self.predicate(
            field,
            op,
            Some(value),
            &compare.written,
            case_sensitive,
            compare.span,
        );
        if compare.negated || matches!(compare.op.as_str(), "!=" | "<>") {
            return not_of(positive);
        }
        positive
    }

    fn literal_value(
        &self,
        text: &str,
        kind: LiteralKind,
        span: Span,
        case_sensitive: bool,
    ) -> Value {
        let range = self.range(span);
        match kind {
            LiteralKind::Str => string_value(text, text, case_sensitive, range),
            LiteralKind::Number => typed_value(text, ValueKind::Number, range),
            LiteralKind::Bool => typed_value(text, ValueKind::Bool, range),
            LiteralKind::Null => typed_value(text, ValueKind::Null, range),
        }
    }

    fn eq_value(
        &self,
        field: Field,
        value: &Node,
        span: Span,
        case_sensitive: bool,
        written_op: &str,
    ) -> Expr {
        let Node::Literal(literal) = value else {
            return self.opaque(span, "comparison with a computed value");
        };
        if literal.kind == LiteralKind::Null {
            return self.predicate(field, Op::IsNull, None, written_op, true, span);
        }
        let value = self.literal_value(&literal.value, literal.kind, literal.span, case_sensitive);
        let case_sensitive = case_sensitive || literal.kind != LiteralKind::Str;
        self.predicate(field, Op::Eq, Some(value), written_op, case_sensitive, span)
    }

    fn equality(&self, compare: &Compare, field: Field, folded: bool) -> Expr {
        let case_sensitive = self.semantics.equality_case_sensitive && !folded;
        self.eq_value(
            field,
            &compare.right,
            compare.span,
            case_sensitive,
            &compare.written,
        )
    }

    /// Applies `lower_one` to a single value or to each item of a list, joined with `Or`.
    fn values_of(&self, right: &Node, lower_one: impl Fn(&Self, &Node, Span) -> Expr) -> Expr {
        match right {
            Node::List(items, _) => or_of(
                items
                    .iter()
                    .map(|item| lower_one(self, item, item.span()))
                    .collect(),
            ),
            // Snowflake `LIKE ANY ('a', 'b')` and `LIKE ALL (...)`.
            Node::Call(call) if call.receiver.is_none() && is_word(&call.name, "any") => or_of(
                call.args
                    .iter()
                    .map(|item| lower_one(self, item, item.span()))
                    .collect(),
            ),
            Node::Call(call) if call.receiver.is_none() && is_word(&call.name, "all") => and_of(
                call.args
                    .iter()
                    .map(|item| lower_one(self, item, item.span()))
                    .collect(),
            ),
            single => lower_one(self, single, single.span()),
        }
    }

    /// `:` (EQL), `like` and `regex`: one pattern or a list of patterns.
    fn pattern_values(
        &self,
        compare: &Compare,
        field: Field,
        insensitive: bool,
        wildcards: (char, char),
        regex: bool,
    ) -> Expr {
        let single_value_span = compare.span;
        let list = matches!(compare.right.as_ref(), Node::List(..) | Node::Call(_));
        self.values_of(&compare.right, |lowerer, value, span| {
            let span = if list { span } else { single_value_span };
            lowerer.pattern(
                field.clone(),
                value,
                span,
                insensitive,
                wildcards,
                regex,
                &compare.written,
            )
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn pattern(
        &self,
        field: Field,
        value: &Node,
        span: Span,
        insensitive: bool,
        wildcards: (char, char),
        regex: bool,
        written_op: &str,
    ) -> Expr {
        let Node::Literal(literal) = value else {
            return self.opaque(span, "pattern from a computed value");
        };
        if literal.kind != LiteralKind::Str {
            return self.eq_value(field, value, span, !insensitive, written_op);
        }
        let range = self.range(literal.span);
        if regex {
            let value = Value {
                written: literal.value.clone(),
                normalized: literal.value.clone(),
                kind: ValueKind::Regex,
                range,
            };
            return self.predicate(
                field,
                Op::RegexMatch,
                Some(value),
                written_op,
                !insensitive,
                span,
            );
        }
        let glob = to_glob(&literal.value, wildcards);
        let (op, core) = classify_glob(&glob, &[], true);
        let normalized = if op == Op::Wildcard {
            literal.value.clone()
        } else {
            core
        };
        if op == Op::IsNotNull {
            return self.predicate(field, op, None, written_op, true, span);
        }
        let value = string_value(&literal.value, &normalized, !insensitive, range);
        self.predicate(field, op, Some(value), written_op, !insensitive, span)
    }

    fn ordering(&self, compare: &Compare, field: Field) -> Expr {
        let op = match compare.op.as_str() {
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">" => Op::Gt,
            _ => Op::Ge,
        };
        let Node::Literal(literal) = compare.right.as_ref() else {
            return self.opaque(compare.span, "comparison with a computed value");
        };
        let value = self.literal_value(&literal.value, literal.kind, literal.span, true);
        self.predicate(field, op, Some(value), &compare.written, true, compare.span)
    }

    /// `is null` and `is not null` become existence tests without a `Not`.
    fn null_test(&self, compare: &Compare, field: Field) -> Expr {
        let is_null_literal = matches!(
            compare.right.as_ref(),
            Node::Literal(literal) if literal.kind == LiteralKind::Null
        );
        if !is_null_literal {
            return self.equality(compare, field, false);
        }
        let op = if compare.negated {
            Op::IsNotNull
        } else {
            Op::IsNull
        };
        // The operator carries the sense of `is not`, so the caller adds no `Not`.
        self.predicate(field, op, None, &compare.written, true, compare.span)
    }

    fn between(&self, compare: &Compare, field: Field) -> Expr {
        let Node::List(bounds, _) = compare.right.as_ref() else {
            return self.opaque(compare.span, "between");
        };
        let ops = [Op::Ge, Op::Le];
        let mut parts = Vec::new();
        for (bound, op) in bounds.iter().zip(ops) {
            let Node::Literal(literal) = bound else {
                return self.opaque(compare.span, "between computed values");
            };
            let value = self.literal_value(&literal.value, literal.kind, literal.span, true);
            parts.push(self.predicate(
                field.clone(),
                op,
                Some(value),
                "between",
                true,
                compare.span,
            ));
        }
        and_of(parts)
    }

    fn lower_call(&self, call: &Call) -> Expr {
        let kind = (self.semantics.function_kind)(&call.name.to_ascii_lowercase());
        let Some(kind) = kind else {
            return self.opaque(call.span, &format!("function {}", call.name));
        };
        // Python methods test their receiver: `event.get("f", "").startswith("x")`.
        let (field_node, values): (&Node, &[Node]) = match &call.receiver {
            Some(receiver) => (receiver.as_ref(), &call.args),
            None => match call.args.split_first() {
                Some((first, rest)) => (first, rest),
                None => return self.opaque(call.span, "function without arguments"),
            },
        };
        let Some((name, field_span, folded)) = (self.semantics.field_of)(field_node) else {
            return self.opaque(call.span, "function of a computed value");
        };
        let field = self.field(&name, field_span);
        let case_sensitive = self.semantics.functions_case_sensitive && !call.tilde && !folded;
        let written_op = if call.tilde {
            format!("{}~", call.name)
        } else {
            call.name.clone()
        };
        let mut branches = Vec::new();
        for value in values {
            // A Python tuple argument, `startswith(("a", "b"))`, lists alternatives.
            let items: Vec<&Node> = match value {
                Node::List(items, _) => items.iter().collect(),
                other => vec![other],
            };
            for item in items {
                branches.push(self.call_value(
                    kind,
                    field.clone(),
                    item,
                    case_sensitive,
                    &written_op,
                    call.span,
                ));
            }
        }
        if branches.is_empty() {
            return self.opaque(call.span, "function without values");
        }
        or_of(branches)
    }

    fn call_value(
        &self,
        kind: FunctionKind,
        field: Field,
        value: &Node,
        case_sensitive: bool,
        written_op: &str,
        call_span: Span,
    ) -> Expr {
        let Node::Literal(literal) = value else {
            return self.opaque(value.span(), "function argument is computed");
        };
        let range = self.range(literal.span);
        let (op, value) = match kind {
            FunctionKind::StartsWith => (
                Op::StartsWith,
                string_value(&literal.value, &literal.value, case_sensitive, range),
            ),
            FunctionKind::EndsWith => (
                Op::EndsWith,
                string_value(&literal.value, &literal.value, case_sensitive, range),
            ),
            FunctionKind::Contains => (
                Op::Contains,
                string_value(&literal.value, &literal.value, case_sensitive, range),
            ),
            FunctionKind::CidrMatch => (
                Op::CidrMatch,
                typed_value(&literal.value, ValueKind::Cidr, range),
            ),
            FunctionKind::Regex => (
                Op::RegexMatch,
                typed_value(&literal.value, ValueKind::Regex, range),
            ),
            FunctionKind::Wildcard => {
                let (op, core) = classify_glob(&literal.value, &[], true);
                if op == Op::IsNotNull {
                    return self.predicate(field, op, None, written_op, true, call_span);
                }
                let normalized = if op == Op::Wildcard {
                    literal.value.clone()
                } else {
                    core
                };
                (
                    op,
                    string_value(&literal.value, &normalized, case_sensitive, range),
                )
            }
        };
        let case_sensitive = case_sensitive || matches!(op, Op::CidrMatch | Op::RegexMatch);
        let span = if matches!(kind, FunctionKind::CidrMatch) {
            call_span
        } else {
            literal.span
        };
        self.predicate(field, op, Some(value), written_op, case_sensitive, span)
    }
}

fn is_word(name: &str, word: &str) -> bool {
    name.eq_ignore_ascii_case(word)
}

/// Rewrites a `like` pattern into a glob with `*` and `?`, escaping nothing: SQL `%` and `_`
/// become `*` and `?`.
fn to_glob(pattern: &str, wildcards: (char, char)) -> String {
    if wildcards == ('*', '?') {
        return pattern.to_owned();
    }
    pattern
        .chars()
        .map(|c| {
            if c == wildcards.0 {
                '*'
            } else if c == wildcards.1 {
                '?'
            } else {
                c
            }
        })
        .collect()
}

/// Whether a literal text reads as a number, for callers that build values by hand.
pub fn numeric_kind(text: &str) -> ValueKind {
    if looks_numeric(text) {
        ValueKind::Number
    } else {
        ValueKind::String
    }
}
