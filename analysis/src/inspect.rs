//! The normalized predicates of a rule, as `rulelens inspect` prints them.
//!
//! Users read this to see why a lint fired, and tests use it to check what a front end
//! extracted. A predicate is *negated* when it sits under an odd number of `not`s, and an
//! *exclusion* when it sits under a `not` that is a top-level conjunct of the rule's logic
//! (Sigma `and not filter`, KQL `where not(...)`).

use rulelens_syntax::{Expr, Predicate, Rule};
use serde::Serialize;
use std::fmt::Write as _;

/// One predicate with where it sits in the logic.
#[derive(Debug, Clone, Serialize)]
pub struct PredicateRow {
    /// The field as written; `None` for keyword matches.
    pub field: Option<String>,
    /// The canonical concept of the field, when the taxonomy maps it.
    pub concept: Option<String>,
    pub data_model: Option<String>,
    pub op: &'static str,
    pub written_op: String,
    pub value: Option<String>,
    pub case_sensitive: bool,
    pub negated: bool,
    pub exclusion: bool,
    pub context: rulelens_syntax::PredicateContext,
    pub transforms: Vec<String>,
}

/// The inspection of one rule.
#[derive(Debug, Clone, Serialize)]
pub struct RuleInspection {
    pub title: Option<String>,
    pub id: Option<String>,
    pub format: &'static str,
    pub language: rulelens_syntax::Language,
    pub deprecated: bool,
    pub techniques: Vec<String>,
    pub data_sources: Vec<String>,
    pub predicates: Vec<PredicateRow>,
    /// Parts of the logic the front end does not model, with the reason.
    pub opaque: Vec<String>,
    /// False when the rule has no logic at all.
    pub has_logic: bool,
}

/// Looks up the canonical concept of a field in the context of a rule.
pub type ConceptLookup<'a> = &'a dyn Fn(&Rule, &rulelens_syntax::Field) -> Option<String>;

/// Lists the predicates of `rule` in source order.
pub fn inspect_rule(rule: &Rule, concept: ConceptLookup<'_>) -> RuleInspection {
    let mut predicates = Vec::new();
    let mut opaque = Vec::new();
    if let Some(logic) = &rule.logic {
        for conjunct in logic.top_level_conjuncts() {
            let exclusion = matches!(conjunct, Expr::Not(_));
            collect(
                conjunct,
                false,
                exclusion,
                rule,
                concept,
                &mut predicates,
                &mut opaque,
            );
        }
    }
    RuleInspection {
        title: rule.metadata.title.as_ref().map(|t| t.value.clone()),
        id: rule.metadata.id.as_ref().map(|t| t.value.clone()),
        format: rule.format.name(),
        language: rule.language,
        deprecated: rule.metadata.deprecated,
        techniques: rule
            .metadata
            .techniques
            .iter()
            .map(|t| t.value.clone())
            .collect(),
        data_sources: rule
            .data_sources
            .iter()
            .map(|d| format!("{:?}={}", d.kind, d.value))
            .collect(),
        predicates,
        opaque,
        has_logic: rule.logic.is_some(),
    }
}

fn collect(
    expr: &Expr,
    negated: bool,
    exclusion: bool,
    rule: &Rule,
    concept: ConceptLookup<'_>,
    rows: &mut Vec<PredicateRow>,
    opaque: &mut Vec<String>,
) {
    match expr {
        Expr::And(items) | Expr::Or(items) => {
            for item in items {
                collect(item, negated, exclusion, rule, concept, rows, opaque);
            }
        }
        Expr::Not(inner) => collect(inner, !negated, exclusion, rule, concept, rows, opaque),
        Expr::Predicate(predicate) => {
            rows.push(row(predicate, negated, exclusion, rule, concept));
        }
        Expr::Opaque(part) => opaque.push(part.reason.clone()),
    }
}

fn row(
    predicate: &Predicate,
    negated: bool,
    exclusion: bool,
    rule: &Rule,
    concept: ConceptLookup<'_>,
) -> PredicateRow {
    PredicateRow {
        field: predicate.field.as_ref().map(|f| f.name.clone()),
        concept: predicate.field.as_ref().and_then(|f| concept(rule, f)),
        data_model: predicate.field.as_ref().and_then(|f| f.data_model.clone()),
        op: predicate.op.name(),
        written_op: predicate.written_op.clone(),
        value: predicate.value.as_ref().map(|v| v.normalized.clone()),
        case_sensitive: predicate.case_sensitive,
        negated,
        exclusion,
        context: predicate.context,
        transforms: predicate.transforms.clone(),
    }
}

/// Renders an inspection as the text `rulelens inspect` prints: a header, then one line per
/// predicate, `not` marking negation and `[exclusion]` a top-level exclusion.
pub fn render_text(inspection: &RuleInspection) -> String {
    let mut out = String::new();
    let title = inspection.title.as_deref().unwrap_or("(untitled)");
    let _ = writeln!(out, "rule: {title}");
    if let Some(id) = &inspection.id {
        let _ = writeln!(out, "  id: {id}");
    }
    let _ = writeln!(
        out,
        "  format: {} ({:?}){}",
        inspection.format,
        inspection.language,
        if inspection.deprecated {
            ", deprecated"
        } else {
            ""
        }
    );
    if !inspection.techniques.is_empty() {
        let _ = writeln!(out, "  techniques: {}", inspection.techniques.join(", "));
    }
    if !inspection.data_sources.is_empty() {
        let _ = writeln!(out, "  data source: {}", inspection.data_sources.join(", "));
    }
    if !inspection.has_logic {
        let _ = writeln!(out, "  logic: none");
    }
    for predicate in &inspection.predicates {
        let _ = writeln!(out, "  {}", render_predicate(predicate));
    }
    for reason in &inspection.opaque {
        let _ = writeln!(out, "  opaque: {reason}");
    }
    out
}

fn render_predicate(row: &PredicateRow) -> String {
    let mut line = String::new();
    if row.exclusion {
        line.push_str("[exclusion] ");
    }
    if row.negated {
        line.push_str("not ");
    }
    match (&row.field, &row.data_model) {
        (Some(field), Some(model)) => {
            let _ = write!(line, "{model}.{field}");
        }
        (Some(field), None) => line.push_str(field),
        (None, _) => line.push_str("(keyword)"),
    }
    if let Some(concept) = &row.concept {
        let _ = write!(line, " ({concept})");
    }
    let _ = write!(line, " {}", row.op);
    if let Some(value) = &row.value {
        let _ = write!(line, " {value:?}");
    }
    let mut notes = Vec::new();
    if row.case_sensitive {
        notes.push("cased".to_owned());
    }
    if row.context != rulelens_syntax::PredicateContext::Source {
        notes.push(format!("{:?}", row.context).to_lowercase());
    }
    notes.extend(row.transforms.iter().cloned());
    if !notes.is_empty() {
        let _ = write!(line, " [{}]", notes.join(", "));
    }
    let _ = write!(line, "  (as {})", row.written_op);
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use rulelens_syntax::{
        Field, Format, Language, Op, PredicateContext, TextRange, Value, ValueKind,
    };

    fn predicate(field: &str, op: Op, value: &str) -> Expr {
        Expr::Predicate(Predicate {
            field: Some(Field {
                name: field.to_owned(),
                range: TextRange::default(),
                data_model: None,
            }),
            op,
            value: Some(Value {
                written: value.to_owned(),
                normalized: value.to_owned(),
                kind: ValueKind::String,
                range: TextRange::default(),
            }),
            written_op: format!("{field}|{}", op.name()),
            case_sensitive: false,
            transforms: Vec::new(),
            context: PredicateContext::Source,
            range: TextRange::default(),
        })
    }

    #[test]
    fn exclusion_marks_top_level_not_only() {
        let mut rule = Rule::new(
            Format::Sigma,
            Language::SigmaDetection,
            TextRange::default(),
        );
        rule.logic = Some(Expr::And(vec![
            Expr::Or(vec![
                predicate("Image", Op::EndsWith, "\\cmd.exe"),
                Expr::Not(Box::new(predicate("User", Op::Eq, "system"))),
            ]),
            Expr::Not(Box::new(predicate(
                "ParentImage",
                Op::StartsWith,
                "c:\\windows\\",
            ))),
        ]));
        let inspection = inspect_rule(&rule, &|_, f| {
            (f.name == "Image").then(|| "process.executable".to_owned())
        });
        let text = render_text(&inspection);
        assert_eq!(
            text,
            "rule: (untitled)\n  format: sigma (SigmaDetection)\n  \
Image (process.executable) ends_with \"\\\\cmd.exe\"  (as Image|ends_with)\n  \
not User eq \"system\"  (as User|eq)\n  \
[exclusion] not ParentImage starts_with \"c:\\\\windows\\\\\"  (as ParentImage|starts_with)\n"
        );
        assert!(!inspection.predicates[1].exclusion);
        assert!(inspection.predicates[2].exclusion);
    }
}
