//! Lowering of Panther YAML `Detection:` blocks (simple detections) to Rule IR.
//!
//! A detection is a list of match expressions, all of which must hold. A match expression is
//! either a comparison, `Key` (or `DeepKey`, a list of nested keys) with a `Condition` and a
//! `Value` or `Values`, or a combinator holding a list of match expressions: `All` (and),
//! `Any` (or), `OnlyOne` and `None` (none holds). List fields are tested with the
//! `AnyElement`, `AllElements` and `NoElement` conditions over nested `Conditions` whose
//! keys are relative to the list element.
//!
//! Decisions: `OnlyOne` lowers to `Or` because the IR has no exactly-one node; every
//! comparison is case-sensitive, as Panther compares strings exactly; `IsIPAddressPrivate`
//! lowers to the three RFC 1918 ranges and `IsIPAddressPublic` to its negation.

use super::yaml::{YamlNode, YamlValue};
use crate::diagnostic::{Diagnostic, Severity};
use crate::elastic::lower::{
    and_of, field, not_of, or_of, string_value, typed_value, PredicateParts,
};
use crate::ir::{Expr, Op, Opaque, PredicateContext, TextRange, Value, ValueKind};

pub const WRONG_TYPE: &str = "syntax/panther-wrong-type";
pub const MISSING_KEY: &str = "syntax/panther-missing-key";
pub const UNKNOWN_CONDITION: &str = "syntax/panther-unknown-condition";

const MAX_DEPTH: usize = 256;

/// The private IPv4 ranges of RFC 1918.
const PRIVATE_RANGES: [&str; 3] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"];

/// What a condition name means.
#[derive(Clone, Copy, Debug)]
enum Meaning {
    Compare {
        op: Op,
        negated: bool,
    },
    /// `IsIn` and `IsNotIn` over `Values`.
    Membership {
        negated: bool,
    },
    Exists {
        present: bool,
    },
    Private {
        negated: bool,
    },
    /// `AnyElement`, `AllElements`, `NoElement` over nested `Conditions`.
    Elements {
        negated: bool,
    },
    Unmodelled,
}

fn meaning(condition: &str) -> Option<Meaning> {
    let compare = |op, negated| Some(Meaning::Compare { op, negated });
    match condition {
        "Equals" => compare(Op::Eq, false),
        "DoesNotEqual" => compare(Op::Eq, true),
        "IsGreaterThan" | "GreaterThan" => compare(Op::Gt, false),
        "IsGreaterThanOrEquals" | "GreaterThanOrEquals" => compare(Op::Ge, false),
        "IsLessThan" | "LessThan" => compare(Op::Lt, false),
        "IsLessThanOrEquals" | "LessThanOrEquals" => compare(Op::Le, false),
        "StartsWith" => compare(Op::StartsWith, false),
        "DoesNotStartWith" => compare(Op::StartsWith, true),
        "EndsWith" => compare(Op::EndsWith, false),
        "DoesNotEndWith" => compare(Op::EndsWith, true),
        "Contains" => compare(Op::Contains, false),
        "DoesNotContain" => compare(Op::Contains, true),
        "IsIPAddressInCIDR" => compare(Op::CidrMatch, false),
        "IsIPAddressNotInCIDR" => compare(Op::CidrMatch, true),
        "Matches" | "MatchesRegex" => compare(Op::RegexMatch, false),
        "DoesNotMatch" | "DoesNotMatchRegex" => compare(Op::RegexMatch, true),
        "IsIn" => Some(Meaning::Membership { negated: false }),
        "IsNotIn" => Some(Meaning::Membership { negated: true }),
        "Exists" | "IsNotNull" | "IsNotNullOrEmpty" => Some(Meaning::Exists { present: true }),
        "DoesNotExist" | "IsNull" | "IsNullOrEmpty" => Some(Meaning::Exists { present: false }),
        "IsIPAddressPrivate" => Some(Meaning::Private { negated: false }),
        "IsIPAddressPublic" => Some(Meaning::Private { negated: true }),
        "AnyElement" | "AllElements" => Some(Meaning::Elements { negated: false }),
        "NoElement" => Some(Meaning::Elements { negated: true }),
        "CIDRContainsIPAddresses" | "IsTrue" | "IsFalse" => Some(Meaning::Unmodelled),
        _ => None,
    }
}

/// Lowers detections and collects the problems found on the way.
#[derive(Debug, Default)]
pub struct DetectionLowerer {
    pub diagnostics: Vec<Diagnostic>,
}

impl DetectionLowerer {
    /// Lowers the value of `Detection:`, a list of match expressions joined with `And`.
    pub fn lower(&mut self, detection: &YamlNode) -> Expr {
        self.list(detection, "Detection", "", 0, and_of)
    }

    fn list(
        &mut self,
        node: &YamlNode,
        key: &str,
        prefix: &str,
        depth: usize,
        join: fn(Vec<Expr>) -> Expr,
    ) -> Expr {
        let Some(items) = node.as_sequence() else {
            self.wrong_type(node, key, "a list of match expressions");
            return opaque(node.range, "invalid detection");
        };
        if depth > MAX_DEPTH {
            self.diagnostics.push(Diagnostic::error(
                WRONG_TYPE,
                node.range,
                format!("detection nests deeper than {MAX_DEPTH} levels; simplify it"),
            ));
            return opaque(node.range, "detection nested too deep");
        }
        let parts = items
            .iter()
            .map(|item| self.match_expression(item, prefix, depth + 1))
            .collect::<Vec<_>>();
        if parts.is_empty() {
            return opaque(node.range, "empty detection list");
        }
        join(parts)
    }

    fn match_expression(&mut self, item: &YamlNode, prefix: &str, depth: usize) -> Expr {
        if item.as_mapping().is_none() {
            self.wrong_type(
                item,
                "a match expression",
                "a mapping with `Key` and `Condition`",
            );
            return opaque(item.range, "invalid match expression");
        }
        if let Some(all) = item.get("All") {
            return self.list(all, "All", prefix, depth, and_of);
        }
        if let Some(any) = item.get("Any") {
            return self.list(any, "Any", prefix, depth, or_of);
        }
        if let Some(only_one) = item.get("OnlyOne") {
            return self.list(only_one, "OnlyOne", prefix, depth, or_of);
        }
        if let Some(none) = item.get("None") {
            return not_of(self.list(none, "None", prefix, depth, or_of));
        }
        self.comparison(item, prefix, depth)
    }

    fn comparison(&mut self, item: &YamlNode, prefix: &str, depth: usize) -> Expr {
        let Some((name, key_range)) = self.key_of(item, prefix) else {
            return opaque(item.range, "match expression without a key");
        };
        let Some(condition_node) = item.get("Condition") else {
            self.diagnostics.push(Diagnostic::error(
                MISSING_KEY,
                item.range,
                "missing `Condition` in a match expression; add one such as `Equals`",
            ));
            return opaque(item.range, "match expression without a condition");
        };
        let Some(condition) = condition_node.as_str() else {
            self.wrong_type(condition_node, "Condition", "a condition name");
            return opaque(item.range, "invalid condition");
        };
        let Some(meaning) = meaning(condition) else {
            self.diagnostics.push(Diagnostic::new(
                UNKNOWN_CONDITION,
                Severity::Warning,
                condition_node.range,
                format!("unknown condition `{condition}`; use a Panther condition such as `Equals` or `IsIn`"),
            ));
            return opaque(item.range, "unknown condition");
        };
        let field = field(&name, key_range);
        let parts = Parts {
            field,
            written_op: condition,
            range: item.range,
        };
        match meaning {
            Meaning::Compare { op, negated } => {
                let Some(value_node) = self.required(item, "Value") else {
                    return opaque(item.range, "condition without a value");
                };
                let positive = parts.with_value(op, value(value_node, op));
                if negated {
                    not_of(positive)
                } else {
                    positive
                }
            }
            Meaning::Membership { negated } => {
                let Some(values) = self.required(item, "Values") else {
                    return opaque(item.range, "condition without values");
                };
                let Some(list) = values.as_sequence() else {
                    self.wrong_type(values, "Values", "a list");
                    return opaque(item.range, "invalid values");
                };
                let positive = or_of(
                    list.iter()
                        .map(|v| parts.with_value_range(Op::Eq, value(v, Op::Eq), v.range))
                        .collect(),
                );
                if negated {
                    not_of(positive)
                } else {
                    positive
                }
            }
            Meaning::Exists { present } => {
                let op = if present { Op::IsNotNull } else { Op::IsNull };
                parts.existence(op)
            }
            Meaning::Private { negated } => {
                let ranges = PRIVATE_RANGES
                    .iter()
                    .map(|cidr| {
                        let value = typed_value(cidr, ValueKind::Cidr, condition_node.range);
                        parts.with_value(Op::CidrMatch, value)
                    })
                    .collect();
                let private = or_of(ranges);
                if negated {
                    not_of(private)
                } else {
                    private
                }
            }
            Meaning::Elements { negated } => {
                let Some(conditions) = self.required(item, "Conditions") else {
                    return opaque(item.range, "list condition without conditions");
                };
                let inner = self.list(conditions, "Conditions", &name, depth, and_of);
                if negated {
                    not_of(inner)
                } else {
                    inner
                }
            }
            Meaning::Unmodelled => opaque(item.range, condition),
        }
    }

    /// The field a match expression tests: `Key`, or `DeepKey` joined with dots, under the
    /// prefix of an enclosing list condition.
    fn key_of(&mut self, item: &YamlNode, prefix: &str) -> Option<(String, TextRange)> {
        let with_prefix = |name: String| {
            if prefix.is_empty() {
                name
            } else {
                format!("{prefix}.{name}")
            }
        };
        if let Some(key) = item.get("Key") {
            return match key.scalar_text() {
                Some(name) if key.as_mapping().is_none() && key.as_sequence().is_none() => {
                    Some((with_prefix(name), key.range))
                }
                _ => {
                    self.wrong_type(key, "Key", "a field name");
                    None
                }
            };
        }
        if let Some(deep_key) = item.get("DeepKey") {
            let Some(parts) = deep_key.as_sequence() else {
                self.wrong_type(deep_key, "DeepKey", "a list of keys");
                return None;
            };
            let names: Option<Vec<String>> = parts.iter().map(YamlNode::scalar_text).collect();
            let Some(names) = names else {
                self.wrong_type(deep_key, "DeepKey", "a list of keys");
                return None;
            };
            return Some((with_prefix(names.join(".")), deep_key.range));
        }
        self.diagnostics.push(Diagnostic::error(
            MISSING_KEY,
            item.range,
            "missing `Key` or `DeepKey` in a match expression; add the field to test",
        ));
        None
    }

    fn required<'a>(&mut self, item: &'a YamlNode, key: &str) -> Option<&'a YamlNode> {
        let found = item.get(key);
        if found.is_none() {
            self.diagnostics.push(Diagnostic::error(
                MISSING_KEY,
                item.range,
                format!("missing `{key}` for this condition; add it"),
            ));
        }
        found
    }

    fn wrong_type(&mut self, node: &YamlNode, key: &str, expected: &str) {
        self.diagnostics.push(Diagnostic::error(
            WRONG_TYPE,
            node.range,
            format!(
                "`{key}` must be {expected}, found {}; change the value",
                node.type_name()
            ),
        ));
    }
}

/// The shared parts of the predicates one match expression produces.
struct Parts<'a> {
    field: crate::ir::Field,
    written_op: &'a str,
    range: TextRange,
}

impl Parts<'_> {
    fn with_value(&self, op: Op, value: Value) -> Expr {
        self.with_value_range(op, value, self.range)
    }

    fn with_value_range(&self, op: Op, value: Value, range: TextRange) -> Expr {
        PredicateParts {
            field: Some(self.field.clone()),
            op,
            value: Some(value),
            written_op: self.written_op,
            case_sensitive: true,
            context: PredicateContext::Source,
            range,
        }
        .into_expr()
    }

    fn existence(&self, op: Op) -> Expr {
        PredicateParts {
            field: Some(self.field.clone()),
            op,
            value: None,
            written_op: self.written_op,
            case_sensitive: true,
            context: PredicateContext::Source,
            range: self.range,
        }
        .into_expr()
    }
}

fn value(node: &YamlNode, op: Op) -> Value {
    let text = node.scalar_text().unwrap_or_default();
    let kind = match (&node.value, op) {
        (_, Op::CidrMatch) => ValueKind::Cidr,
        (_, Op::RegexMatch) => ValueKind::Regex,
        (YamlValue::Integer(_) | YamlValue::Float(_), _) => ValueKind::Number,
        (YamlValue::Bool(_), _) => ValueKind::Bool,
        (YamlValue::Null, _) => ValueKind::Null,
        _ => ValueKind::String,
    };
    if kind == ValueKind::String {
        string_value(&text, &text, true, node.range)
    } else {
        typed_value(&text, kind, node.range)
    }
}

fn opaque(range: TextRange, reason: &str) -> Expr {
    Expr::Opaque(Opaque {
        range,
        reason: reason.to_owned(),
    })
}
