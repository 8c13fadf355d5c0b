//! `field/unknown-field`: a field that neither the taxonomy nor any corpus rule of the same
//! data source uses, with the closest names that are known there.

use crate::corpus::{indicator_table, CorpusContext};
use crate::lints::{FileInput, LintInfo};
use rulelens_corpus::{FieldContext, FieldSystem, Index, Taxonomy};
use rulelens_syntax::{DataSource, Diagnostic, PredicateContext, Rule, Severity};
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, OnceLock};

pub const INFO: LintInfo = LintInfo {
    id: "field/unknown-field",
    default_severity: Severity::Info,
    summary: "a field no corpus rule of this data source uses and the taxonomy does not know",
    docs: "## What it flags\n\nA field that the field taxonomy does not map for the rule's \
data source and that no indexed rule reading the same data source (Sigma log source, KQL \
table, Splunk data model or sourcetype, Elastic index, Panther log type) checks. The message \
names the closest known names. Rules whose data source no indexed rule reads are not \
checked, because nothing is known about their fields.\n\n## Why it matters\n\nA misspelt \
field (`CommandLIne`, `TargetFileName` for `TargetFilename` in some backends) never \
matches, so the rule silently never fires.\n\n## Example\n\n```yaml\nlogsource:\n    \
category: process_creation\n    product: windows\ndetection:\n    selection:\n        \
CommandLne|contains: 'vssadmin'\n```\n\n## Fix\n\nUse the field name the data source \
really has, usually the first suggestion. The default severity is `info` because custom \
log sources legitimately use fields the corpus never saw.\n",
};

/// Suggestions named per finding.
const SUGGESTIONS: usize = 3;

/// The field names known for one data-source combination.
#[derive(Debug, Default)]
struct KnownFields {
    /// Lower-cased names (and concepts) any indexed rule of the data source checks.
    names: BTreeSet<String>,
    /// Names as written, for suggestions.
    written: BTreeSet<String>,
}

pub fn check(input: &FileInput<'_>, corpus: &CorpusContext<'_>, out: &mut Vec<Diagnostic>) {
    for document in &input.parsed.documents {
        check_rule(&document.rule, corpus, out);
    }
}

fn check_rule(rule: &Rule, corpus: &CorpusContext<'_>, out: &mut Vec<Diagnostic>) {
    if rule.data_sources.is_empty() {
        return;
    }
    let known = known_fields(corpus.index, corpus.taxonomy, rule);
    if known.names.is_empty() {
        return;
    }
    let context = FieldContext::of_rule(rule);
    let mut reported: BTreeSet<String> = BTreeSet::new();
    for (predicate, _) in rule.predicates() {
        let Some(field) = &predicate.field else {
            continue;
        };
        if predicate.context != PredicateContext::Source || field.name.is_empty() {
            continue;
        }
        let field_context = context.with_data_model(field.data_model.as_deref());
        let lower = field.name.to_lowercase();
        let known_here = corpus
            .taxonomy
            .concept(&field.name, &field_context)
            .is_some()
            || known.names.contains(&lower);
        if known_here || !reported.insert(lower) {
            continue;
        }
        let suggestions = closest(&field.name, &known.written);
        let mut message = format!(
            "`{}` is not a field the taxonomy or any corpus rule of this data source knows",
            field.name
        );
        if suggestions.is_empty() {
            message.push_str(": check the name against the log source's schema");
        } else {
            message.push_str(&format!("; did you mean {}?", suggestions.join(", ")));
        }
        out.push(Diagnostic::new(
            INFO.id,
            INFO.default_severity,
            field.range,
            message,
        ));
    }
}

/// The fields checked by the indexed rules that share every data source of `rule`, cached
/// per index and data-source set.
fn known_fields(index: &Index, taxonomy: &Taxonomy, rule: &Rule) -> Arc<KnownFields> {
    type Key = (usize, Vec<(String, String)>);
    static CACHE: OnceLock<Mutex<HashMap<Key, Arc<KnownFields>>>> = OnceLock::new();
    let sources: Vec<(String, String)> = rule
        .data_sources
        .iter()
        .map(|source| (format!("{:?}", source.kind), source.value.to_lowercase()))
        .collect();
    let key = (index as *const Index as usize, sources);
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(found) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return Arc::clone(found);
    }
    let known = Arc::new(compute_known(index, taxonomy, rule));
    cache
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, Arc::clone(&known));
    known
}

fn compute_known(index: &Index, taxonomy: &Taxonomy, rule: &Rule) -> KnownFields {
    let mut rules: Option<BTreeSet<_>> = None;
    for DataSource { kind, value, .. } in &rule.data_sources {
        let these: BTreeSet<_> = index.data_source_rules(*kind, value).into_iter().collect();
        rules = Some(match rules {
            Some(so_far) => so_far.intersection(&these).copied().collect(),
            None => these,
        });
    }
    let mut known = KnownFields::default();
    let system = FieldSystem::of_vendor(rule.format.vendor());
    let table = indicator_table(index);
    let mut concepts: BTreeSet<&str> = BTreeSet::new();
    for candidate in rules.unwrap_or_default() {
        for entry in index.rule_indicators(candidate) {
            if let Some(Some((concept, _, _))) = table.keys.get(entry.indicator.0 as usize) {
                concepts.insert(concept);
            }
        }
    }
    for concept in concepts {
        known.names.insert(concept.to_lowercase());
        match taxonomy.concept_by_name(concept) {
            Some(id) => {
                for alias in taxonomy.aliases(id) {
                    if alias.system == system {
                        known.names.insert(alias.field.to_lowercase());
                        known.written.insert(alias.field.clone());
                    }
                }
                for (name, _) in index.field_written_names(concept) {
                    known.names.insert(name.to_lowercase());
                    known.written.insert(name.to_owned());
                }
            }
            None => {
                known.written.insert(concept.to_owned());
            }
        }
    }
    known
}

/// The known names closest to `name` by edit distance, within a third of its length.
fn closest(name: &str, known: &BTreeSet<String>) -> Vec<String> {
    let lower = name.to_lowercase();
    let limit = (name.chars().count() / 3).max(2);
    let mut scored: Vec<(usize, &String)> = known
        .iter()
        // The keyword concept of field-less searches has an empty name, which is no field.
        .filter(|candidate| !candidate.is_empty())
        .map(|candidate| (edit_distance(&lower, &candidate.to_lowercase()), candidate))
        .filter(|(distance, _)| *distance <= limit)
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1.eq_ignore_ascii_case(b.1));
    scored
        .into_iter()
        .take(SUGGESTIONS)
        .map(|(_, candidate)| format!("`{candidate}`"))
        .collect()
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        previous = current;
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("commandline", "commandlne"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("image", "image"), 0);
    }

    #[test]
    fn closest_ranks_and_limits() {
        let known: BTreeSet<String> = ["CommandLine", "Image", "ParentImage", "User"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(closest("CommandLne", &known), vec!["`CommandLine`"]);
        assert!(closest("Zzzzzzzz", &known).is_empty());
    }

    #[test]
    fn closest_never_suggests_empty_name() {
        let known: BTreeSet<String> = ["", "p", "app"].iter().map(|s| s.to_string()).collect();
        assert_eq!(closest("a", &known), vec!["`p`", "`app`"]);
    }
}
