//! `corpus/noisy-indicator-alone`: a branch of the rule matches on indicators that hundreds of
//! corpus rules also check, with nothing specific beside them.

use super::shared::{
    describe, positive_branches, predicate_concepts, technique_peers, value_of, vendor_breakdown,
    Leaf,
};
use crate::corpus::{noisy_threshold, CorpusContext};
use crate::lints::{FileInput, LintInfo};
use rulelens_corpus::{FieldContext, FieldSystem, Index, IndicatorId, RuleId, Taxonomy};
use rulelens_syntax::{
    DataSourceKind, Diagnostic, Expr, Op, Predicate, PredicateContext, Rule, Severity,
};
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

pub const INFO: LintInfo = LintInfo {
    id: "corpus/noisy-indicator-alone",
    default_severity: Severity::Warning,
    summary: "a branch of the rule matches only on indicators that many corpus rules check",
    docs: "## What it flags\n\nA branch of the rule's positive logic (one way the rule can \
match, after expanding its `or`s) whose every indicator is checked by at least \
`thresholds.noisy-indicator-reach` rules of the corpus index, or is an existence test, with \
at least one such widely checked value and nothing specific beside it: no other positive \
test, no top-level exclusion of specific values, and fewer than the threshold of rules \
checking all of the branch's indicators together. The message gives the corpus reach overall, per vendor and under \
the rule's techniques, and what rules checking the same indicator most often add beside it: \
values that a tenth of them share, or else the fields they test. Rules of the same log \
source are preferred. Fields are named as the rule's language names them, and left out when \
it has no name for them. Alternatives for the same thing (the original file name beside the \
image path), existence tests and fields that only select the logs (an event category, the \
operating system) are left out too.\n\n## Why it matters\n\nAn indicator that hundreds of rules check, such as \
`cs-method: GET` or `event.outcome: success`, describes normal traffic. Used alone it fires \
on every request or logon, buries the analyst in alerts and gets the rule disabled.\n\n\
## Example\n\n```yaml\ndetection:\n    selection:\n        cs-method: 'GET'\n    condition: \
selection\n```\n\n## Fix\n\nAdd what makes the behaviour specific, as peer rules do: a URI, \
a user agent, a process path. For example:\n\n```yaml\ndetection:\n    selection:\n        \
cs-method: 'GET'\n        cs-uri-query|contains: '/cgi-bin/luci/;stok='\n    condition: \
selection\n```\n\nWithout a configured threshold, the threshold is the 99.9th percentile of \
corpus reach over the indicators of the index in use, and at least 20: the top one in a \
thousand indicators, the generic ones (shells and script hosts, HTTP methods, common event \
ids).\n",
};

/// How many co-occurring indicators the message names.
const PAIRINGS_SHOWN: usize = 3;
/// How many rules that check a noisy indicator are read to find what they pair it with.
const PAIRING_SAMPLE: usize = 2000;

pub fn check(input: &FileInput<'_>, corpus: &CorpusContext<'_>, out: &mut Vec<Diagnostic>) {
    for document in &input.parsed.documents {
        check_rule(input.path, &document.rule, corpus, out);
    }
}

fn check_rule(path: &str, rule: &Rule, corpus: &CorpusContext<'_>, out: &mut Vec<Diagnostic>) {
    let Some(logic) = &rule.logic else {
        return;
    };
    let Some(branches) = positive_branches(logic) else {
        tracing::debug!(
            path,
            "rule logic too large to expand; noisy-indicator check skipped"
        );
        return;
    };
    let concepts = predicate_concepts(rule, corpus.taxonomy);
    let threshold = noisy_threshold(corpus.config, corpus.index);
    let techniques: Vec<&str> = rule
        .metadata
        .techniques
        .iter()
        .map(|t| t.value.as_str())
        .collect();
    let technique_rules = technique_peers(corpus.index, &techniques);

    let excluded = excluded_concepts(rule, &concepts);
    let negation_narrows = nested_negations_are_specific(logic);
    let mut flagged: HashSet<rulelens_syntax::TextRange> = HashSet::new();
    let mut reported_keys: HashSet<(String, Op, String)> = HashSet::new();
    let mut widest = HashMap::new();
    for branch in &branches {
        let Some(noisy) = noisy_leaves(
            branch,
            &concepts,
            corpus.index,
            threshold,
            negation_narrows,
            &mut widest,
        ) else {
            continue;
        };
        // A top-level exclusion of specific values narrows the branch: `\\powershell.exe`
        // outside `C:\\Windows\\` is a path anomaly, not every PowerShell start.
        if !excluded.is_empty() {
            continue;
        }
        for (predicate, concept, indicator) in noisy {
            let key = (
                concept.to_owned(),
                predicate.op,
                value_of(predicate).to_owned(),
            );
            // `ipv4_is_private(f)` lowers to three predicates with the call's range: report
            // the call once.
            if !flagged.insert(predicate.range) || !reported_keys.insert(key) {
                continue;
            }
            out.push(diagnostic(
                predicate,
                concept,
                indicator,
                corpus,
                &technique_rules,
                &techniques,
                rule,
            ));
        }
    }
}

/// The noisy predicates of a branch with their concept and indicator, or `None` when the
/// branch has something specific, something unknown, or no positive predicate at all.
/// `negation_narrows` makes a negated group inside the branch count as something specific.
fn noisy_leaves<'r>(
    branch: &[Leaf<'r>],
    concepts: &HashMap<*const Predicate, &'r str>,
    index: &Index,
    threshold: u32,
    negation_narrows: bool,
    widest: &mut HashMap<*const Predicate, (Option<IndicatorId>, u32)>,
) -> Option<Vec<(&'r Predicate, &'r str, Option<IndicatorId>)>> {
    let mut noisy = Vec::new();
    for leaf in branch {
        match leaf {
            Leaf::Opaque => return None,
            // `Image|endswith: '\mshta.exe'` and not a system folder is a path anomaly, the
            // same as a top-level exclusion of specific values.
            Leaf::Negated if negation_narrows => return None,
            Leaf::Negated => {}
            Leaf::Positive(predicate) => {
                if predicate.context != PredicateContext::Source {
                    return None;
                }
                let concept = concepts.get(&(*predicate as *const Predicate)).copied()?;
                // Expanding `or`s repeats each predicate across branches; look it up once.
                let (indicator, reach) = *widest
                    .entry(*predicate as *const Predicate)
                    .or_insert_with(|| widest_indicator(index, concept, predicate));
                if !predicate.op.is_existence() && reach < threshold {
                    return None;
                }
                noisy.push((*predicate, concept, indicator));
            }
        }
    }
    // Existence tests alone are how indicator-match and empty-field rules are written; only
    // a branch with at least one widely checked value is reported.
    let has_value = noisy
        .iter()
        .any(|(predicate, _, _)| !predicate.op.is_existence());
    if !has_value {
        return None;
    }
    // Several common indicators together can still be specific (`wscript.exe` making a
    // network connection): the branch is noisy only when many rules check them all.
    let ids: Vec<IndicatorId> = noisy.iter().filter_map(|(_, _, id)| *id).collect();
    (co_occurrence(index, &ids) >= threshold).then_some(noisy)
}

/// The indicator of a predicate and its reach. A case-sensitive test (`==` in KQL) also
/// counts as the case-folded indicator that case-insensitive rules index, whichever the
/// corpus checks more often, because both match the same events for the usual spellings.
fn widest_indicator(
    index: &Index,
    concept: &str,
    predicate: &Predicate,
) -> (Option<IndicatorId>, u32) {
    let reach =
        |id: Option<IndicatorId>| id.map_or(0, |id| index.reach_of(id, false).rules.total());
    let exact = index.indicator(concept, predicate.op, value_of(predicate));
    if !predicate.case_sensitive {
        return (exact, reach(exact));
    }
    let folded = index.indicator(concept, predicate.op, &value_of(predicate).to_lowercase());
    if reach(folded) > reach(exact) {
        (folded, reach(folded))
    } else {
        (exact, reach(exact))
    }
}

/// The number of active rules that check every one of `indicators`.
fn co_occurrence(index: &Index, indicators: &[IndicatorId]) -> u32 {
    let mut distinct = indicators.to_vec();
    distinct.sort_unstable();
    distinct.dedup();
    let mut common: Option<Vec<RuleId>> = None;
    for id in distinct {
        let rules = index.rules_with_indicator(id, false);
        common = Some(match common {
            Some(so_far) => so_far
                .into_iter()
                .filter(|rule| rules.binary_search(rule).is_ok())
                .collect(),
            None => rules,
        });
    }
    common.map_or(0, |rules| u32::try_from(rules.len()).unwrap_or(u32::MAX))
}

/// Checks whether every negation nested inside the rule's positive logic (`a or (b and not c)`)
/// excludes specific values or something unmodelled, rather than only testing that a field
/// exists. Returns `false` when there is no such negation.
///
/// FIXME: a branch leaf does not say which negation it came from, so one existence-only
/// negation anywhere in the positive logic makes every nested negation count as not narrowing.
fn nested_negations_are_specific(logic: &Expr) -> bool {
    let mut negations = Vec::new();
    for conjunct in logic.top_level_conjuncts() {
        if !matches!(conjunct, Expr::Not(_)) {
            collect_negations(conjunct, &mut negations);
        }
    }
    !negations.is_empty() && negations.iter().all(|inner| excludes_specific(inner))
}

fn collect_negations<'r>(expr: &'r Expr, out: &mut Vec<&'r Expr>) {
    match expr {
        Expr::And(items) | Expr::Or(items) => {
            for item in items {
                collect_negations(item, out);
            }
        }
        Expr::Not(inner) => out.push(inner),
        Expr::Predicate(_) | Expr::Opaque(_) => {}
    }
}

/// Checks whether a negated expression contains a value test or an unmodelled part.
fn excludes_specific(expr: &Expr) -> bool {
    match expr {
        Expr::And(items) | Expr::Or(items) => items.iter().any(excludes_specific),
        Expr::Not(inner) => excludes_specific(inner),
        Expr::Predicate(predicate) => !predicate.op.is_existence(),
        Expr::Opaque(_) => true,
    }
}

/// The concepts the rule excludes specific values on at its top level.
fn excluded_concepts<'r>(
    rule: &'r Rule,
    concepts: &HashMap<*const Predicate, &'r str>,
) -> HashSet<&'r str> {
    let mut excluded = HashSet::new();
    let Some(logic) = &rule.logic else {
        return excluded;
    };
    for conjunct in logic.top_level_conjuncts() {
        if let Expr::Not(inner) = conjunct {
            inner.for_each_predicate(&mut |predicate, _| {
                if !predicate.op.is_existence() {
                    if let Some(concept) = concepts.get(&(predicate as *const Predicate)) {
                        excluded.insert(*concept);
                    }
                }
            });
        }
    }
    excluded
}

fn diagnostic(
    predicate: &Predicate,
    concept: &str,
    indicator: Option<IndicatorId>,
    corpus: &CorpusContext<'_>,
    technique_rules: &[RuleId],
    techniques: &[&str],
    rule: &Rule,
) -> Diagnostic {
    let field = predicate
        .field
        .as_ref()
        .map_or("keyword", |f| f.name.as_str());
    let written = predicate.value.as_ref().map_or("", |v| v.written.as_str());
    let described = describe(field, predicate.op, written);
    let range = predicate
        .value
        .as_ref()
        .map_or(predicate.range, |v| v.range);
    let Some(indicator) = indicator else {
        return Diagnostic::new(
            INFO.id,
            INFO.default_severity,
            range,
            format!(
                "{described} is only an existence test and nothing more specific narrows this \
                 branch: add a value that identifies the behaviour"
            ),
        );
    };
    let reach = corpus.index.reach_of(indicator, false);
    let mut message = format!(
        "{described} is checked by {} corpus rules ({})",
        reach.rules.total(),
        vendor_breakdown(&reach.rules)
    );
    if !techniques.is_empty() {
        let under = corpus.index.reach_among(indicator, technique_rules);
        message.push_str(&format!(
            ", {under} of them under {}",
            techniques.join(", ")
        ));
    }
    message.push_str(", and nothing more specific narrows this branch");
    match &*pairings(indicator, concept, corpus, technique_rules, rule) {
        Pairings::Values(values) => {
            message.push_str("; rules that check it most often add ");
            message.push_str(&values.join(", "));
        }
        Pairings::Fields(fields) => {
            message.push_str("; rules that check it narrow it most often with a test on ");
            message.push_str(&fields.join(", "));
        }
        Pairings::None => message.push_str(": add a value that identifies the behaviour"),
    }
    Diagnostic::new(INFO.id, INFO.default_severity, range, message)
}

/// The advice for a noisy indicator: what rules that check it most often check beside it.
#[derive(Clone, Debug)]
enum Pairings {
    /// Values that a tenth of those rules, and at least [`MIN_VALUE_PAIRING`], share.
    Values(Vec<String>),
    /// Fields, when no value is that common: values of a URI or a command line are specific
    /// to each rule, so a field is the useful advice.
    Fields(Vec<String>),
    None,
}

/// The minimum number of rules that must pair a value with the indicator before the message
/// names the value itself.
const MIN_VALUE_PAIRING: u32 = 3;

/// Concepts that name one thing several ways. A rule that checks the image path often lists
/// the original file name as an alternative in an `or`, which does not narrow anything, so a
/// concept is never suggested beside another of its group.
const SAME_THING: &[&[&str]] = &[
    &[
        "process.executable",
        "process.name",
        "process.pe.original_file_name",
    ],
    &["process.parent.executable", "process.parent.name"],
    &["file.path", "file.name", "file.pe.original_file_name"],
    &["dll.path", "dll.name"],
];

/// Concepts that select which logs a rule reads (an event category, a dataset, the operating
/// system) rather than what happened. Rules of every kind test them, so they are no advice
/// for narrowing a behaviour.
const DATA_SOURCE_CONCEPTS: &[&str] = &[
    "event.category",
    "event.kind",
    "event.type",
    "event.dataset",
    "event.module",
    "data_stream.",
    "host.os.",
    "observer.product",
];

fn describes_data_source(concept: &str) -> bool {
    DATA_SOURCE_CONCEPTS
        .iter()
        .any(|listed| concept == *listed || (listed.ends_with('.') && concept.starts_with(listed)))
}

fn same_thing(concept: &str, other: &str) -> bool {
    concept == other
        || SAME_THING
            .iter()
            .any(|group| group.contains(&concept) && group.contains(&other))
}

/// Finds what rules checking `indicator` most often check beside it, preferring rules of the
/// same data sources and techniques, with fields named as the rule's vendor names them in its
/// log source. Cached per indicator, technique set, vendor and data sources, because a
/// folder of rules repeats them.
fn pairings(
    indicator: IndicatorId,
    concept: &str,
    corpus: &CorpusContext<'_>,
    technique_rules: &[RuleId],
    rule: &Rule,
) -> Arc<Pairings> {
    type Key = (
        usize,
        IndicatorId,
        Vec<RuleId>,
        rulelens_syntax::Vendor,
        Vec<(DataSourceKind, String)>,
    );
    static CACHE: OnceLock<Mutex<HashMap<Key, Arc<Pairings>>>> = OnceLock::new();
    let key = (
        corpus.index as *const Index as usize,
        indicator,
        technique_rules.to_vec(),
        rule.format.vendor(),
        rule.data_sources
            .iter()
            .map(|source| (source.kind, source.value.to_lowercase()))
            .collect(),
    );
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(found) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return Arc::clone(found);
    }
    let found = Arc::new(compute_pairings(
        indicator,
        concept,
        corpus,
        technique_rules,
        rule,
    ));
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, Arc::clone(&found));
    found
}

fn compute_pairings(
    indicator: IndicatorId,
    concept: &str,
    corpus: &CorpusContext<'_>,
    technique_rules: &[RuleId],
    rule: &Rule,
) -> Pairings {
    let index = corpus.index;
    let threshold = noisy_threshold(corpus.config, corpus.index);
    let system = FieldSystem::of_vendor(rule.format.vendor());
    let context = FieldContext::of_rule(rule);
    let mut rules = index.rules_with_indicator(indicator, false);
    // Rules that read the same logs test fields those logs have.
    if !rule.data_sources.is_empty() {
        let mut same_source = rules.clone();
        for source in &rule.data_sources {
            let mut source_rules = index.data_source_rules(source.kind, &source.value);
            source_rules.sort_unstable();
            same_source.retain(|candidate| source_rules.binary_search(candidate).is_ok());
        }
        if same_source.len() >= 3 {
            rules = same_source;
        }
    }
    let under_technique: Vec<RuleId> = rules
        .iter()
        .copied()
        .filter(|rule| technique_rules.binary_search(rule).is_ok())
        .collect();
    if under_technique.len() >= 3 {
        rules = under_technique;
    }
    rules.truncate(PAIRING_SAMPLE);
    let sampled = u32::try_from(rules.len()).unwrap_or(u32::MAX);

    // Each paired indicator, and each paired field once per rule. Another value of the same
    // field, or of a field that names the same thing, is an alternative rather than something
    // that narrows (`PUT` beside `GET`, `certutil.exe` beside `mshta.exe`).
    let mut values: HashMap<IndicatorId, u32> = HashMap::new();
    let mut fields: HashMap<&str, u32> = HashMap::new();
    for rule in &rules {
        let mut fields_of_rule: HashSet<&str> = HashSet::new();
        for entry in index.rule_indicators(*rule) {
            if entry.indicator == indicator || !entry.positive || entry.exclusion {
                continue;
            }
            let Some((other, op, _)) = index.indicator_key(entry.indicator) else {
                continue;
            };
            // An existence test narrows nothing a detection engineer can act on.
            let exists = matches!(op, Op::IsNull | Op::IsNotNull);
            if exists || same_thing(other, concept) || describes_data_source(other) {
                continue;
            }
            *values.entry(entry.indicator).or_default() += 1;
            // A field-less keyword search is no field to suggest.
            if !other.is_empty() {
                fields_of_rule.insert(other);
            }
        }
        for field in fields_of_rule {
            *fields.entry(field).or_default() += 1;
        }
    }

    let strong = (sampled / 10).max(MIN_VALUE_PAIRING);
    let mut ranked: Vec<(IndicatorId, u32)> = values
        .into_iter()
        .filter(|(id, count)| {
            *count >= strong && index.reach_of(*id, false).rules.total() < threshold
        })
        .collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let named_values: Vec<String> = ranked
        .into_iter()
        .take(PAIRINGS_SHOWN)
        .filter_map(|(id, count)| {
            let (other_concept, op, value) = index.indicator_key(id)?;
            let field = field_name_for(corpus.taxonomy, other_concept, system, &context)?;
            Some(format!("{} ({count} rules)", describe(&field, op, value)))
        })
        .collect();
    if !named_values.is_empty() {
        return Pairings::Values(named_values);
    }

    let mut ranked_fields: Vec<(&str, u32)> = fields
        .into_iter()
        .filter(|(_, count)| *count >= 2)
        .collect();
    ranked_fields.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let named_fields: Vec<String> = ranked_fields
        .into_iter()
        .filter_map(|(field, count)| {
            let name = field_name_for(corpus.taxonomy, field, system, &context)?;
            Some(format!("`{name}` ({count} of {sampled} rules)"))
        })
        .take(PAIRINGS_SHOWN)
        .collect();
    if named_fields.is_empty() {
        Pairings::None
    } else {
        Pairings::Fields(named_fields)
    }
}

/// Finds the name the rule's own language gives a concept, preferring the name listed for
/// the rule's log source. Returns `None` when the taxonomy lists no name for that language,
/// because an ECS name is no advice for a KQL query. Elastic rules use the concept ids, which are ECS
/// names. A concept the taxonomy does not know is a name as some rule wrote it. A field-less
/// keyword search, indexed under an empty concept, is named `keyword` as in the finding's own
/// description.
fn field_name_for(
    taxonomy: &Taxonomy,
    concept: &str,
    system: FieldSystem,
    context: &FieldContext<'_>,
) -> Option<String> {
    if concept.is_empty() {
        return Some("keyword".to_owned());
    }
    let Some(id) = taxonomy.concept_by_name(concept) else {
        return Some(concept.to_owned());
    };
    let aliases: Vec<_> = taxonomy
        .aliases(id)
        .iter()
        .filter(|alias| alias.system == system)
        .collect();
    let for_source = aliases.iter().find(|alias| {
        context.selectors.iter().any(|selector| {
            match alias.context.strip_suffix('*').filter(|p| !p.is_empty()) {
                Some(prefix) => selector.to_lowercase().starts_with(&prefix.to_lowercase()),
                None => selector.eq_ignore_ascii_case(&alias.context),
            }
        })
    });
    let chosen = for_source.or_else(|| aliases.iter().find(|alias| alias.context == "*"));
    match chosen {
        Some(alias) => Some(alias.field.clone()),
        None if system == FieldSystem::Ecs => Some(concept.to_owned()),
        None => None,
    }
}
