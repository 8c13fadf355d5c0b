//! Lowering a [`SigmaDocument`] to the Rule IR.
//!
//! A selection mapping is an `And` of its field items, a selection list an `Or` of its
//! entries, and a list of values an `Or` of one predicate per value (`And` with `|all`).
//! Wildcards and the string modifiers become the operator (see [`super::wildcard`]). `|neq`
//! becomes a `Not` around the positive form of the whole field item. Values are case-folded
//! unless `|cased` or a regex makes the comparison case-sensitive. A condition is lowered with
//! its selections put in place of their names. A name that matches no selection, a condition
//! with a syntax error and an old pipe aggregation become [`Expr::Opaque`].

use super::condition::{ConditionExpr, Quantifier, Target};
use super::document::{
    matching_selections, them_selections, Detection, FieldItem, ListEntry, SelectionBody,
    SigmaDocument, SigmaDocumentKind, SigmaValue,
};
use super::modifiers::{Modifier, ModifierClass};
use super::wildcard::{self, AddedWildcards};
use crate::ir::{
    DataSource, DataSourceKind, Expr, Field, Format, Language, Op, Opaque, Predicate,
    PredicateContext, Rule, Spanned, Value, ValueKind,
};

/// Lowers one Sigma document to a rule.
pub fn lower(document: &SigmaDocument) -> Rule {
    let mut rule = Rule::new(Format::Sigma, Language::SigmaDetection, document.range);
    let metadata = &mut rule.metadata;
    metadata.id = document.id.clone();
    metadata.title = document.title.clone().or_else(|| document.name.clone());
    metadata.status = document.status.clone();
    metadata.deprecated = document
        .status
        .as_ref()
        .is_some_and(|status| status.value.eq_ignore_ascii_case("deprecated"));
    metadata.level = document
        .level
        .as_ref()
        .map(|level| Spanned::new(level.value.to_lowercase(), level.range));
    metadata.tags = document.tags.clone();
    metadata.techniques = document
        .tags
        .iter()
        .filter_map(|tag| technique_id(&tag.value).map(|id| Spanned::new(id, tag.range)))
        .collect();

    rule.data_sources = document
        .logsource
        .iter()
        .filter_map(|(key, value)| {
            let kind = match key.value.as_str() {
                "product" => DataSourceKind::SigmaProduct,
                "category" => DataSourceKind::SigmaCategory,
                "service" => DataSourceKind::SigmaService,
                _ => return None,
            };
            Some(DataSource {
                kind,
                value: value.value.clone(),
                range: value.range,
            })
        })
        .collect();

    rule.logic = match (document.kind, &document.detection, &document.correlation) {
        (SigmaDocumentKind::Correlation, _, Some(correlation)) => Some(Expr::Opaque(Opaque {
            range: correlation.key_range,
            reason: "sigma correlation of other rules".to_owned(),
        })),
        (_, Some(detection), _) => lower_detection(detection),
        _ => None,
    };
    rule
}

/// Returns the ATT&CK technique id of an `attack.tNNNN` or `attack.tNNNN.NNN` tag,
/// upper-cased.
pub fn technique_id(tag: &str) -> Option<String> {
    let id = tag.strip_prefix("attack.")?;
    let digits = id.strip_prefix(['t', 'T'])?;
    let (main, sub) = match digits.split_once('.') {
        Some((main, sub)) => (main, Some(sub)),
        None => (digits, None),
    };
    let is_digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if !is_digits(main, 4) || !sub.is_none_or(|sub| is_digits(sub, 3)) {
        return None;
    }
    Some(id.to_ascii_uppercase())
}

fn lower_detection(detection: &Detection) -> Option<Expr> {
    let mut alternatives: Vec<Expr> = detection
        .conditions
        .iter()
        .map(|condition| {
            let logic = match &condition.expr {
                Some(expr) => lower_condition(detection, expr),
                None => Expr::Opaque(Opaque {
                    range: condition.range,
                    reason: "condition with a syntax error".to_owned(),
                }),
            };
            match &condition.aggregation {
                Some(aggregation) => Expr::And(vec![
                    logic,
                    Expr::Opaque(Opaque {
                        range: aggregation.range,
                        reason: "sigma 1.0 aggregation".to_owned(),
                    }),
                ]),
                None => logic,
            }
        })
        .collect();
    match alternatives.len() {
        0 => None,
        1 => alternatives.pop(),
        _ => Some(Expr::Or(alternatives)),
    }
}

/// Lowers a condition tree. Its depth is bounded by the condition parser's nesting limit.
fn lower_condition(detection: &Detection, expr: &ConditionExpr) -> Expr {
    match expr {
        ConditionExpr::And(items) => Expr::And(
            items
                .iter()
                .map(|item| lower_condition(detection, item))
                .collect(),
        ),
        ConditionExpr::Or(items) => Expr::Or(
            items
                .iter()
                .map(|item| lower_condition(detection, item))
                .collect(),
        ),
        ConditionExpr::Not { inner, .. } => Expr::Not(Box::new(lower_condition(detection, inner))),
        ConditionExpr::Identifier { name, range } => {
            match matching_selections(detection, name, false).last() {
                Some(&index) => lower_selection(detection, index),
                None => Expr::Opaque(Opaque {
                    range: *range,
                    reason: format!("undefined selection `{name}`"),
                }),
            }
        }
        ConditionExpr::Quantified {
            quantifier,
            target,
            target_range,
            ..
        } => {
            let indices = match target {
                Target::Them => them_selections(detection),
                Target::Pattern(pattern) => matching_selections(detection, pattern, true),
            };
            if indices.is_empty() {
                return Expr::Opaque(Opaque {
                    range: *target_range,
                    reason: "pattern that matches no selection".to_owned(),
                });
            }
            let items = indices
                .into_iter()
                .map(|index| lower_selection(detection, index))
                .collect();
            match quantifier {
                Quantifier::Any => Expr::Or(items),
                Quantifier::All => Expr::And(items),
            }
        }
    }
}

fn lower_selection(detection: &Detection, index: usize) -> Expr {
    let Some(selection) = detection.selections.get(index) else {
        return Expr::Or(Vec::new());
    };
    match &selection.body {
        SelectionBody::Map(items) => lower_field_items(items),
        SelectionBody::List(entries) => Expr::Or(
            entries
                .iter()
                .filter_map(|entry| match entry {
                    ListEntry::Map(items) => Some(lower_field_items(items)),
                    ListEntry::Keyword(value) => keyword_predicate(value),
                })
                .collect(),
        ),
        SelectionBody::Invalid => Expr::Opaque(Opaque {
            range: selection.range,
            reason: "selection of an invalid type".to_owned(),
        }),
    }
}

fn lower_field_items(items: &[FieldItem]) -> Expr {
    let mut lowered: Vec<Expr> = items.iter().map(lower_field_item).collect();
    if lowered.len() == 1 {
        if let Some(only) = lowered.pop() {
            return only;
        }
    }
    Expr::And(lowered)
}

/// Lists the modifiers of a field item that the specification defines, in the order written.
fn known_modifiers(item: &FieldItem) -> Vec<Modifier> {
    item.modifiers
        .iter()
        .filter_map(|m| Modifier::from_name(&m.value))
        .collect()
}

/// Lowers one field item. `|neq` negates the whole item, so that `field|neq: [a, b]` reads
/// as "the field is none of the values", the meaning the modifiers appendix gives.
fn lower_field_item(item: &FieldItem) -> Expr {
    let modifiers = known_modifiers(item);
    let has = |wanted: Modifier| modifiers.contains(&wanted);
    let mut predicates: Vec<Expr> = item
        .values
        .iter()
        .map(|value| Expr::Predicate(field_predicate(item, &modifiers, value)))
        .collect();
    let positive = match predicates.pop() {
        Some(only) if predicates.is_empty() && !item.is_list => only,
        last => {
            predicates.extend(last);
            if has(Modifier::All) {
                Expr::And(predicates)
            } else {
                Expr::Or(predicates)
            }
        }
    };
    if has(Modifier::Neq) {
        Expr::Not(Box::new(positive))
    } else {
        positive
    }
}

fn field_predicate(item: &FieldItem, modifiers: &[Modifier], value: &SigmaValue) -> Predicate {
    let has = |wanted: Modifier| modifiers.contains(&wanted);
    let field = (!item.field.is_empty()).then(|| Field {
        name: item.field.clone(),
        range: item.field_range,
        data_model: None,
    });
    let transforms = modifiers
        .iter()
        .filter(|m| {
            matches!(
                m.class(),
                ModifierClass::Transform | ModifierClass::TimestampPart
            )
        })
        .map(|m| m.name().to_owned())
        .collect();
    let mut predicate = Predicate {
        field,
        op: Op::Eq,
        value: None,
        written_op: item.key.clone(),
        case_sensitive: has(Modifier::Cased),
        transforms,
        context: PredicateContext::Source,
        range: item.key_range.cover(value.range),
    };

    if has(Modifier::Exists) {
        let exists = !value.written.eq_ignore_ascii_case("false");
        predicate.op = if exists { Op::IsNotNull } else { Op::IsNull };
        return predicate;
    }
    if value.kind == ValueKind::Null {
        predicate.op = Op::IsNull;
        return predicate;
    }
    let comparison = modifiers.iter().find_map(|m| match m {
        Modifier::Lt => Some(Op::Lt),
        Modifier::Lte => Some(Op::Le),
        Modifier::Gt => Some(Op::Gt),
        Modifier::Gte => Some(Op::Ge),
        _ => None,
    });
    let (op, kind, normalized) = if has(Modifier::Re) {
        predicate.case_sensitive = !has(Modifier::IgnoreCase);
        (Op::RegexMatch, ValueKind::Regex, value.written.clone())
    } else if has(Modifier::Cidr) {
        (Op::CidrMatch, ValueKind::Cidr, value.written.to_lowercase())
    } else if let Some(op) = comparison {
        (op, ValueKind::Number, value.written.clone())
    } else if has(Modifier::FieldRef) {
        let op = string_match_op(modifiers).unwrap_or(Op::Eq);
        (op, ValueKind::FieldRef, value.written.clone())
    } else if value.kind != ValueKind::String && string_match_op(modifiers).is_none() {
        (Op::Eq, value.kind, value.written.to_lowercase())
    } else {
        let added = AddedWildcards {
            leading: has(Modifier::Contains) || has(Modifier::EndsWith),
            trailing: has(Modifier::Contains) || has(Modifier::StartsWith),
        };
        let interpreted = wildcard::interpret(&value.written, added);
        let kind = if has(Modifier::Expand) {
            ValueKind::Placeholder
        } else {
            ValueKind::String
        };
        // A field-less item (`'|all': [...]`) is a keyword list: a match anywhere in the event.
        let op = if predicate.field.is_none() {
            Op::Match
        } else {
            interpreted.op
        };
        (op, kind, fold(interpreted.value, predicate.case_sensitive))
    };
    predicate.op = op;
    predicate.value = Some(Value {
        written: value.written.clone(),
        normalized,
        kind,
        range: value.range,
    });
    predicate
}

fn string_match_op(modifiers: &[Modifier]) -> Option<Op> {
    modifiers.iter().find_map(|m| match m {
        Modifier::Contains => Some(Op::Contains),
        Modifier::StartsWith => Some(Op::StartsWith),
        Modifier::EndsWith => Some(Op::EndsWith),
        _ => None,
    })
}

fn fold(mut value: String, case_sensitive: bool) -> String {
    if case_sensitive {
        value
    } else if value.is_ascii() {
        value.make_ascii_lowercase();
        value
    } else {
        value.to_lowercase()
    }
}

/// Lowers a keyword of a keyword list to a case-insensitive match anywhere in the event. Its
/// normalized value resolves escapes; inner wildcards stay as a glob.
fn keyword_predicate(value: &SigmaValue) -> Option<Expr> {
    if value.kind == ValueKind::Null {
        return None;
    }
    let interpreted = wildcard::interpret(&value.written, AddedWildcards::default());
    Some(Expr::Predicate(Predicate {
        field: None,
        op: Op::Match,
        value: Some(Value {
            written: value.written.clone(),
            normalized: fold(interpreted.value, false),
            kind: ValueKind::String,
            range: value.range,
        }),
        written_op: "keyword".to_owned(),
        case_sensitive: false,
        transforms: Vec::new(),
        context: PredicateContext::Source,
        range: value.range,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn technique_ids_from_tags() {
        assert_eq!(technique_id("attack.t1059"), Some("T1059".to_owned()));
        assert_eq!(
            technique_id("attack.t1059.001"),
            Some("T1059.001".to_owned())
        );
        assert_eq!(technique_id("attack.t105"), None);
        assert_eq!(technique_id("attack.execution"), None);
        assert_eq!(technique_id("attack.t1059.01"), None);
        assert_eq!(technique_id("cve.2021-1234"), None);
    }
}
