//! `corpus/duplicate-of-corpus-rule`: the rule checks the same predicates as an indexed rule.

use super::shared::indexed_under_id;
use crate::corpus::CorpusContext;
use crate::lints::{FileInput, LintInfo};
use rulelens_corpus::{rule_indicators, IndicatorId, RuleId};
use rulelens_syntax::{Diagnostic, Expr, PredicateContext, Rule, Severity};
use std::collections::{BTreeSet, HashSet};

pub const INFO: LintInfo = LintInfo {
    id: "corpus/duplicate-of-corpus-rule",
    default_severity: Severity::Info,
    summary: "the rule's predicates equal, or nearly equal, those of an indexed rule",
    docs: "## What it flags\n\nA rule whose set of predicates (each indicator with whether it \
is negated, in any order or grouping) equals that of a rule in the corpus index, or whose \
Jaccard similarity with one (shared predicates divided by all distinct predicates of the \
two) is at least `thresholds.duplicate-similarity` (default 0.9). A rule indexed under the \
same id is not compared with itself. Rules with fewer than two indicators, and rules with \
parts the front end does not model, thresholds or computed columns, are not checked, \
because their predicates do not say enough about what they match.\n\n## Why it matters\n\nA duplicate doubles alerts and \
maintenance; the indexed rule may already be deployed or better tuned.\n\n## Example\n\nA \
Sigma rule translated by hand from an Elastic rule that is already in the index.\n\n## \
Fix\n\nDeploy the existing rule instead, or make the difference explicit.\n",
};

/// How many of the rule's rarest indicators seed the near-duplicate candidates.
const SEED_INDICATORS: usize = 3;
/// The most candidate rules compared per rule.
const MAX_CANDIDATES: usize = 2000;

pub fn check(input: &FileInput<'_>, corpus: &CorpusContext<'_>, out: &mut Vec<Diagnostic>) {
    for document in &input.parsed.documents {
        check_rule(&document.rule, corpus, out);
    }
}

/// The fewest distinct indicators a rule needs before its predicate set says enough about
/// what it matches to call another rule a duplicate.
const MIN_INDICATORS: usize = 2;

fn check_rule(rule: &Rule, corpus: &CorpusContext<'_>, out: &mut Vec<Diagnostic>) {
    if !fully_modelled(rule) {
        return;
    }
    let index = corpus.index;
    let indicators = rule_indicators(rule, corpus.taxonomy);
    // The rule's predicate set: known indicators by id, and a count of unknown ones, which
    // no indexed rule can share.
    let mut own: BTreeSet<(IndicatorId, bool)> = BTreeSet::new();
    let mut unknown: HashSet<(String, String, bool)> = HashSet::new();
    for indicator in &indicators {
        match index.indicator(indicator.concept, indicator.op(), indicator.value()) {
            Some(id) => {
                own.insert((id, indicator.negated));
            }
            None => {
                unknown.insert((
                    indicator.concept.to_owned(),
                    indicator.value().to_owned(),
                    indicator.negated,
                ));
            }
        }
    }
    if own.len() + unknown.len() < MIN_INDICATORS || own.is_empty() {
        return;
    }
    let same_id: Vec<RuleId> = rule
        .metadata
        .id
        .as_ref()
        .map(|id| indexed_under_id(index, &id.value))
        .unwrap_or_default();
    let is_self = |candidate: RuleId| same_id.contains(&candidate);

    let exact: Vec<RuleId> = index
        .same_predicate_set_as(&indicators)
        .into_iter()
        .filter(|candidate| !is_self(*candidate) && !index.is_deprecated(*candidate))
        .collect();
    let anchor = rule
        .metadata
        .title
        .as_ref()
        .map_or(rule.range, |title| title.range);
    if let Some(first) = exact.first() {
        out.push(Diagnostic::new(
            INFO.id,
            INFO.default_severity,
            anchor,
            format!(
                "the predicates of this rule equal those of {}",
                describe(*first, corpus)
            ),
        ));
        return;
    }

    // Near duplicates: candidates share one of the rule's rarest indicators.
    let mut seeds: Vec<(u32, IndicatorId)> = own
        .iter()
        .map(|(id, _)| (index.reach_of(*id, false).rules.total(), *id))
        .collect();
    seeds.sort();
    let mut candidates: BTreeSet<RuleId> = BTreeSet::new();
    for (_, id) in seeds.iter().take(SEED_INDICATORS) {
        candidates.extend(
            index
                .rules_with_indicator(*id, false)
                .into_iter()
                .take(MAX_CANDIDATES),
        );
    }
    let threshold = corpus.config.thresholds.duplicate_similarity;
    let own: Vec<(IndicatorId, bool)> = own.into_iter().collect();
    let mut theirs: Vec<(IndicatorId, bool)> = Vec::new();
    let mut best: Option<(f64, RuleId)> = None;
    for candidate in candidates.into_iter().take(MAX_CANDIDATES) {
        if is_self(candidate) {
            continue;
        }
        // Sorted vectors and a merge: this loop runs for up to 2,000 candidates per rule.
        theirs.clear();
        for entry in index.rule_indicators(candidate) {
            if entry.positive {
                theirs.push((entry.indicator, false));
            }
            if entry.negated {
                theirs.push((entry.indicator, true));
            }
        }
        theirs.sort_unstable();
        theirs.dedup();
        let shared = sorted_intersection_len(&own, &theirs);
        let union = own.len() + theirs.len() - shared + unknown.len();
        if union == 0 {
            continue;
        }
        let similarity = shared as f64 / union as f64;
        if similarity >= threshold && best.is_none_or(|(score, _)| similarity > score) {
            best = Some((similarity, candidate));
        }
    }
    if let Some((similarity, candidate)) = best {
        out.push(Diagnostic::new(
            INFO.id,
            INFO.default_severity,
            anchor,
            format!(
                "the predicates of this rule are {:.0}% the same as those of {}",
                similarity * 100.0,
                describe(candidate, corpus)
            ),
        ));
    }
}

/// The number of items two sorted, deduplicated slices share.
fn sorted_intersection_len<T: Ord>(left: &[T], right: &[T]) -> usize {
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < left.len() && j < right.len() {
        match left[i].cmp(&right[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared
}

/// Whether all of the rule's logic is source predicates: a rule with opaque parts,
/// thresholds or computed columns can match differently from a rule with the same
/// predicates.
fn fully_modelled(rule: &Rule) -> bool {
    fn walk(expr: &Expr) -> bool {
        match expr {
            Expr::And(items) | Expr::Or(items) => items.iter().all(walk),
            Expr::Not(inner) => walk(inner),
            Expr::Predicate(predicate) => predicate.context == PredicateContext::Source,
            Expr::Opaque(_) => false,
        }
    }
    rule.logic.as_ref().is_some_and(walk)
}

fn describe(rule: RuleId, corpus: &CorpusContext<'_>) -> String {
    match corpus.index.rule(rule) {
        Some(info) => {
            let vendor = info.vendor.map_or("unknown", |v| v.name());
            format!("the {vendor} rule \"{}\" ({})", info.title, info.path)
        }
        None => "an indexed rule".to_owned(),
    }
}
