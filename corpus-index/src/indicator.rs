//! Indicators: the (concept, operator, normalized value) triples a rule checks, and where in
//! the rule's logic each one sits.
//!
//! An *indicator* is the unit the corpus index counts. Its concept is the taxonomy's canonical
//! id where the field is known, else the field name as written; field-less keyword matches
//! use the empty concept [`KEYWORD_CONCEPT`]. An indicator is an *exclusion* when it sits under
//! a `not` that is one of the top-level conjuncts of the logic (Sigma `and not filter`, KQL
//! `where not(...)`, SPL `NOT`), with an odd number of negations in all.

use crate::taxonomy::{FieldContext, Taxonomy};
use rulelens_syntax::{Expr, Op, Predicate, PredicateContext, Rule};

/// The concept of a field-less keyword or full-text match.
pub const KEYWORD_CONCEPT: &str = "";

/// The identity of an indicator, independent of any rule.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IndicatorKey {
    pub concept: String,
    pub op: Op,
    /// The predicate's normalized value; empty for existence tests.
    pub value: String,
}

impl IndicatorKey {
    pub fn new(concept: &str, op: Op, value: &str) -> IndicatorKey {
        IndicatorKey {
            concept: concept.to_owned(),
            op,
            value: value.to_owned(),
        }
    }
}

/// One predicate of a rule seen as an indicator.
#[derive(Clone, Debug)]
pub struct RuleIndicator<'r> {
    pub predicate: &'r Predicate,
    /// The canonical concept, or the field name as written when the taxonomy lacks it.
    pub concept: &'r str,
    /// Whether the predicate sits under an odd number of `not`s.
    pub negated: bool,
    /// Whether the predicate is negated and inside a top-level `not` conjunct.
    pub exclusion: bool,
}

impl RuleIndicator<'_> {
    pub fn op(&self) -> Op {
        self.predicate.op
    }

    pub fn value(&self) -> &str {
        self.predicate
            .value
            .as_ref()
            .map_or("", |value| value.normalized.as_str())
    }

    pub fn key(&self) -> IndicatorKey {
        IndicatorKey::new(self.concept, self.op(), self.value())
    }
}

/// Lists the indicators of `rule` in the order of its logic.
///
/// Predicates on computed columns and on post-aggregation thresholds are left out: they test
/// names the query made up, not fields of the events.
pub fn rule_indicators<'r>(rule: &'r Rule, taxonomy: &'r Taxonomy) -> Vec<RuleIndicator<'r>> {
    let mut found = Vec::new();
    let Some(logic) = &rule.logic else {
        return found;
    };
    let context = FieldContext::of_rule(rule);
    for conjunct in logic.top_level_conjuncts() {
        let in_top_level_not = matches!(conjunct, Expr::Not(_));
        conjunct.for_each_predicate(&mut |predicate, negated| {
            if predicate.context != PredicateContext::Source {
                return;
            }
            let concept = match &predicate.field {
                Some(field) => {
                    let field_context = context.with_data_model(field.data_model.as_deref());
                    taxonomy.concept_or_written(&field.name, &field_context)
                }
                None => KEYWORD_CONCEPT,
            };
            found.push(RuleIndicator {
                predicate,
                concept,
                negated,
                exclusion: negated && in_top_level_not,
            });
        });
    }
    found
}

/// A hash of the set of (indicator, negated) pairs of a rule, so rules with the same predicates
/// in any order or grouping are found as duplicates. `None` when the rule has no indicator.
pub fn predicate_set_hash(indicators: &[RuleIndicator<'_>]) -> Option<u64> {
    // Borrowed keys in the order of `IndicatorKey` (concept, op, value), then negation: the
    // hash is stored in the index, so the order must not change.
    let mut entries: Vec<(&str, Op, &str, bool)> = indicators
        .iter()
        .map(|indicator| {
            (
                indicator.concept,
                indicator.op(),
                indicator.value(),
                indicator.negated,
            )
        })
        .collect();
    if entries.is_empty() {
        return None;
    }
    entries.sort_unstable();
    entries.dedup();
    let mut hash = Fnv64::new();
    for (concept, op, value, negated) in &entries {
        hash.write(concept.as_bytes());
        hash.write(&[0xff, op_code(*op), u8::from(*negated)]);
        hash.write(value.as_bytes());
        hash.write(&[0xfe]);
    }
    Some(hash.finish())
}

/// A stable code for each operator, used in the index file and in hashes. Appending is safe;
/// reordering changes the file format.
pub const OPS: [Op; 14] = [
    Op::Eq,
    Op::Contains,
    Op::StartsWith,
    Op::EndsWith,
    Op::Wildcard,
    Op::RegexMatch,
    Op::CidrMatch,
    Op::Gt,
    Op::Ge,
    Op::Lt,
    Op::Le,
    Op::IsNull,
    Op::IsNotNull,
    Op::Match,
];

pub fn op_code(op: Op) -> u8 {
    OPS.iter()
        .position(|candidate| *candidate == op)
        .and_then(|position| u8::try_from(position).ok())
        .unwrap_or(u8::MAX)
}

pub fn op_from_code(code: u32) -> Option<Op> {
    OPS.get(code as usize).copied()
}

/// Looks an operator up by its [`Op::name`].
pub fn op_from_name(name: &str) -> Option<Op> {
    OPS.into_iter().find(|op| op.name() == name)
}

/// 64-bit FNV-1a, chosen because it is tiny, stable across platforms and releases, and fast
/// enough for short keys.
#[derive(Debug)]
pub(crate) struct Fnv64(u64);

impl Fnv64 {
    pub(crate) fn new() -> Fnv64 {
        Fnv64(0xcbf2_9ce4_8422_2325)
    }

    pub(crate) fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }

    pub(crate) fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rulelens_syntax::{
        DataSource, DataSourceKind, Field, Format, Language, TextRange, Value, ValueKind,
    };

    /// Builds a predicate the way a front end would, with a case-folded value.
    pub(crate) fn predicate(field: &str, op: Op, value: &str) -> Expr {
        Expr::Predicate(Predicate {
            field: (!field.is_empty()).then(|| Field {
                name: field.to_owned(),
                range: TextRange::default(),
                data_model: None,
            }),
            op,
            value: Some(Value {
                written: value.to_owned(),
                normalized: value.to_lowercase(),
                kind: ValueKind::String,
                range: TextRange::default(),
            }),
            written_op: op.name().to_owned(),
            case_sensitive: false,
            transforms: Vec::new(),
            context: PredicateContext::Source,
            range: TextRange::default(),
        })
    }

    pub(crate) fn not(expr: Expr) -> Expr {
        Expr::Not(Box::new(expr))
    }

    pub(crate) fn sigma_rule(category: &str, logic: Expr) -> Rule {
        let mut rule = Rule::new(
            Format::Sigma,
            Language::SigmaDetection,
            TextRange::default(),
        );
        rule.data_sources.push(DataSource {
            kind: DataSourceKind::SigmaCategory,
            value: category.to_owned(),
            range: TextRange::default(),
        });
        rule.logic = Some(logic);
        rule
    }

    #[test]
    fn top_level_not_marks_exclusions() {
        let rule = sigma_rule(
            "process_creation",
            Expr::And(vec![
                predicate("Image", Op::EndsWith, "\\cmd.exe"),
                not(Expr::Or(vec![
                    predicate("ParentImage", Op::EndsWith, "\\explorer.exe"),
                    not(predicate("User", Op::Contains, "SYSTEM")),
                ])),
            ]),
        );
        let indicators = rule_indicators(&rule, Taxonomy::builtin());
        let seen: Vec<(&str, bool, bool)> = indicators
            .iter()
            .map(|indicator| (indicator.concept, indicator.negated, indicator.exclusion))
            .collect();
        assert_eq!(
            seen,
            vec![
                ("process.executable", false, false),
                ("process.parent.executable", true, true),
                ("process.user.name", false, false),
            ]
        );
    }

    #[test]
    fn nested_not_is_not_exclusion() {
        let rule = sigma_rule(
            "process_creation",
            Expr::And(vec![
                predicate("Image", Op::EndsWith, "\\cmd.exe"),
                Expr::Or(vec![
                    predicate("CommandLine", Op::Contains, "/c"),
                    not(predicate("CommandLine", Op::Contains, "/k")),
                ]),
            ]),
        );
        let indicators = rule_indicators(&rule, Taxonomy::builtin());
        let last = indicators
            .last()
            .map(|indicator| (indicator.negated, indicator.exclusion));
        assert_eq!(last, Some((true, false)));
    }

    #[test]
    fn keyword_match_has_empty_concept() {
        let rule = sigma_rule("process_creation", predicate("", Op::Match, "mimikatz"));
        let indicators = rule_indicators(&rule, Taxonomy::builtin());
        assert_eq!(indicators.len(), 1);
        assert_eq!(indicators.first().map(|i| i.concept), Some(KEYWORD_CONCEPT));
    }

    #[test]
    fn predicate_set_hash_ignores_order() {
        let a = sigma_rule(
            "process_creation",
            Expr::And(vec![
                predicate("Image", Op::EndsWith, "\\a.exe"),
                predicate("CommandLine", Op::Contains, "x"),
            ]),
        );
        let b = sigma_rule(
            "process_creation",
            Expr::And(vec![
                predicate("CommandLine", Op::Contains, "X"),
                predicate("Image", Op::EndsWith, "\\A.exe"),
            ]),
        );
        let c = sigma_rule(
            "process_creation",
            Expr::And(vec![
                predicate("Image", Op::EndsWith, "\\a.exe"),
                not(predicate("CommandLine", Op::Contains, "x")),
            ]),
        );
        let taxonomy = Taxonomy::builtin();
        let hash = |rule: &Rule| predicate_set_hash(&rule_indicators(rule, taxonomy));
        assert!(hash(&a).is_some());
        assert_eq!(hash(&a), hash(&b));
        assert_ne!(hash(&a), hash(&c));
    }

    #[test]
    fn op_codes_round_trip() {
        for op in OPS {
            assert_eq!(op_from_code(u32::from(op_code(op))), Some(op));
            assert_eq!(op_from_name(op.name()), Some(op));
        }
    }
}
