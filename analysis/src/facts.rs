//! The questions hover and completion put to the corpus index, as a trait.
//!
//! The providers take an `Option<&dyn CorpusFacts>`. Without an index they still work from
//! the rule's own text (operator meanings, the fields this rule uses), and with one they put
//! the corpus figures first. Every count is a number of distinct rules in the index.

use rulelens_corpus::taxonomy::FieldSystem;
use rulelens_corpus::{FieldContext, Index, Taxonomy, VendorCounts, KEYWORD_CONCEPT};
use rulelens_syntax::{DataSource, Op, Vendor};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Corpus figures for one field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldFacts {
    /// The canonical concept the taxonomy maps the field to (`process.executable`).
    pub concept: Option<String>,
    /// The names each vendor uses for the concept.
    pub aliases: Vec<(Vendor, Vec<String>)>,
    /// Rules that test the field, per vendor.
    pub rules_per_vendor: Vec<(Vendor, u32)>,
    /// Rules that test the field and share a technique with the rule being edited.
    pub rules_under_techniques: Option<u32>,
    /// Operators used on the field, with rule counts, most used first.
    pub operators: Vec<(String, u32)>,
    /// Values compared with the field, with rule counts, most used first.
    pub top_values: Vec<(String, u32)>,
    /// Values excluded on the field (under a top-level `not`), with rule counts.
    pub exclusions: Vec<(String, u32)>,
}

/// Corpus reach of one indicator (field concept, operator, normalized value).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndicatorFacts {
    /// Rules that check the indicator anywhere in their logic.
    pub reach: u32,
    pub reach_per_vendor: Vec<(Vendor, u32)>,
    /// Rules that check it and share a technique with the rule being edited.
    pub reach_under_techniques: Option<u32>,
}

/// Corpus figures for one ATT&CK technique.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TechniqueFacts {
    pub name: Option<String>,
    pub rules_per_vendor: Vec<(Vendor, u32)>,
}

/// The rule context a question is asked in.
#[derive(Debug, Clone, Copy)]
pub struct RuleContext<'a> {
    pub vendor: Vendor,
    pub data_sources: &'a [DataSource],
    /// ATT&CK technique ids of the rule, upper-cased.
    pub techniques: &'a [String],
}

/// Read access to the corpus index for hover and completion.
pub trait CorpusFacts: Send + Sync + std::fmt::Debug {
    /// Figures for `field` as written in a rule of `context`.
    fn field(&self, context: &RuleContext<'_>, field: &str) -> Option<FieldFacts>;

    /// Reach of the indicator `field op value`; `field` is `None` for keyword matches.
    fn indicator(
        &self,
        context: &RuleContext<'_>,
        field: Option<&str>,
        operator: Op,
        normalized_value: &str,
    ) -> Option<IndicatorFacts>;

    /// Figures for a technique id such as `T1059.001`.
    fn technique(&self, id: &str) -> Option<TechniqueFacts>;

    /// Field names used by rules of the context's vendor and data source, with rule counts,
    /// most used first.
    fn fields(&self, context: &RuleContext<'_>) -> Vec<(String, u32)>;

    /// Values compared with `field` in rules of the context, most used first, when the field
    /// has few distinct values (event ids, logon types); empty otherwise.
    fn common_values(&self, context: &RuleContext<'_>, field: &str) -> Vec<(String, u32)>;

    /// Lists every technique id in the index with its name, for completion.
    fn techniques(&self) -> Vec<(String, Option<String>)>;
}

/// [`CorpusFacts`] read from a corpus index and the field taxonomy.
#[derive(Debug)]
pub struct IndexFacts {
    index: IndexHandle,
    taxonomy: &'static Taxonomy,
    /// Ranked completion fields per (vendor, data sources), computed on first use.
    fields_cache: Mutex<HashMap<String, Vec<(String, u32)>>>,
    /// Field figures per (vendor, data sources, field), computed on first use: a field's
    /// statistics visit every indicator on it, and an editor hovers the same field often.
    field_cache: Mutex<HashMap<String, Option<FieldFacts>>>,
}

/// An index kept for the process lifetime (the embedded one, or one loaded once per
/// configuration), or one owned by these facts.
#[derive(Debug)]
enum IndexHandle {
    Embedded(&'static Index),
    Owned(Arc<Index>),
}

/// How many values and exclusions a hover lists for a field.
const HOVER_LIST_LIMIT: usize = 5;

/// A field whose values all fit in this many distinct values gets value completion.
const FEW_VALUES: usize = 20;

impl IndexFacts {
    /// Facts from the embedded default index.
    pub fn embedded() -> Result<IndexFacts, String> {
        let index = rulelens_corpus::default_index().map_err(|error| error.to_string())?;
        Ok(IndexFacts::new(IndexHandle::Embedded(index)))
    }

    /// Facts from the index a lint configuration selects (see [`crate::corpus::index_for`]),
    /// so that hover and the corpus lints read the same index.
    pub fn for_config(config: &crate::config::Config) -> Result<IndexFacts, String> {
        let index = crate::corpus::index_for(config)?;
        Ok(IndexFacts::new(IndexHandle::Embedded(index)))
    }

    /// Facts from an index built or loaded by the caller.
    pub fn from_index(index: Index) -> IndexFacts {
        IndexFacts::new(IndexHandle::Owned(Arc::new(index)))
    }

    fn new(index: IndexHandle) -> IndexFacts {
        IndexFacts {
            index,
            taxonomy: Taxonomy::builtin(),
            fields_cache: Mutex::new(HashMap::new()),
            field_cache: Mutex::new(HashMap::new()),
        }
    }

    fn index(&self) -> &Index {
        match &self.index {
            IndexHandle::Embedded(index) => index,
            IndexHandle::Owned(index) => index,
        }
    }

    /// Returns the index key of a field: its canonical concept, or the name as written.
    fn concept_key<'t>(&'t self, context: &RuleContext<'_>, field: &'t str) -> &'t str {
        let field_context = FieldContext::from_sources(context.vendor, context.data_sources);
        self.taxonomy.concept_or_written(field, &field_context)
    }

    /// Rules that share a technique with the rule being edited, sorted.
    fn technique_rules(&self, context: &RuleContext<'_>) -> Option<Vec<rulelens_corpus::RuleId>> {
        if context.techniques.is_empty() {
            return None;
        }
        let mut rules: Vec<_> = context
            .techniques
            .iter()
            .flat_map(|technique| self.index().technique_rules(technique, false))
            .collect();
        rules.sort_unstable();
        rules.dedup();
        Some(rules)
    }
}

fn per_vendor(counts: &VendorCounts) -> Vec<(Vendor, u32)> {
    Vendor::ALL
        .iter()
        .map(|vendor| (*vendor, counts.get(*vendor)))
        .filter(|(_, count)| *count > 0)
        .collect()
}

fn vendor_of(system: FieldSystem) -> Vendor {
    match system {
        FieldSystem::Sigma => Vendor::Sigma,
        FieldSystem::Ecs => Vendor::Elastic,
        FieldSystem::Cim => Vendor::Splunk,
        FieldSystem::Kql => Vendor::Sentinel,
        FieldSystem::Panther => Vendor::Panther,
    }
}

/// Builds a cache key for a question put in `context`.
fn context_key(context: &RuleContext<'_>, extra: &str) -> String {
    let sources: Vec<String> = context
        .data_sources
        .iter()
        .map(|source| format!("{:?}={}", source.kind, source.value))
        .collect();
    format!("{:?}|{}|{extra}", context.vendor, sources.join(","))
}

impl CorpusFacts for IndexFacts {
    fn field(&self, context: &RuleContext<'_>, field: &str) -> Option<FieldFacts> {
        // The techniques are not part of the key: only the count under them depends on them,
        // and it is filled in after the cache.
        let key = context_key(context, field);
        let cached = self
            .field_cache
            .lock()
            .ok()
            .and_then(|cache| cache.get(&key).cloned());
        let facts = match cached {
            Some(facts) => facts,
            None => {
                let facts = self.compute_field(context, field);
                if let Ok(mut cache) = self.field_cache.lock() {
                    cache.insert(key, facts.clone());
                }
                facts
            }
        };
        facts.map(|mut facts| {
            let concept = self.concept_key(context, field);
            facts.rules_under_techniques = self
                .technique_rules(context)
                .map(|rules| self.index().field_rules_among(concept, &rules));
            facts
        })
    }

    fn indicator(
        &self,
        context: &RuleContext<'_>,
        field: Option<&str>,
        operator: Op,
        normalized_value: &str,
    ) -> Option<IndicatorFacts> {
        let concept = match field {
            Some(field) => self.concept_key(context, field),
            None => KEYWORD_CONCEPT,
        };
        let Some(indicator) = self.index().indicator(concept, operator, normalized_value) else {
            return Some(IndicatorFacts::default());
        };
        let reach = self.index().reach_of(indicator, false);
        let reach_under_techniques = self
            .technique_rules(context)
            .map(|rules| self.index().reach_among(indicator, &rules));
        Some(IndicatorFacts {
            reach: reach.rules.total(),
            reach_per_vendor: per_vendor(&reach.rules),
            reach_under_techniques,
        })
    }

    fn technique(&self, id: &str) -> Option<TechniqueFacts> {
        let counts = self.index().technique_counts(id, false);
        (counts.total() > 0).then(|| TechniqueFacts {
            name: self.index().technique_name(id).map(str::to_owned),
            rules_per_vendor: per_vendor(&counts),
        })
    }

    fn fields(&self, context: &RuleContext<'_>) -> Vec<(String, u32)> {
        let key = context_key(context, "");
        if let Ok(cache) = self.fields_cache.lock() {
            if let Some(fields) = cache.get(&key) {
                return fields.clone();
            }
        }
        let fields = self.rank_fields(context);
        if let Ok(mut cache) = self.fields_cache.lock() {
            cache.insert(key, fields.clone());
        }
        fields
    }

    fn common_values(&self, context: &RuleContext<'_>, field: &str) -> Vec<(String, u32)> {
        let key = self.concept_key(context, field);
        let Some(stats) = self.index().field_stats(key, FEW_VALUES + 1) else {
            return Vec::new();
        };
        let equal: Vec<(String, u32)> = stats
            .top_values
            .iter()
            .filter(|count| count.op == Op::Eq)
            .map(|count| (count.value.clone(), count.rules))
            .collect();
        let numeric = !equal.is_empty()
            && equal
                .iter()
                .all(|(value, _)| value.chars().all(|c| c.is_ascii_digit()));
        if numeric || stats.top_values.len() <= FEW_VALUES {
            equal.into_iter().take(FEW_VALUES).collect()
        } else {
            Vec::new()
        }
    }

    fn techniques(&self) -> Vec<(String, Option<String>)> {
        self.index()
            .techniques()
            .into_iter()
            .map(|id| {
                let name = self.index().technique_name(id).map(str::to_owned);
                (id.to_owned(), name)
            })
            .collect()
    }
}

impl IndexFacts {
    fn compute_field(&self, context: &RuleContext<'_>, field: &str) -> Option<FieldFacts> {
        let field_context = FieldContext::from_sources(context.vendor, context.data_sources);
        let concept = self.taxonomy.concept(field, &field_context);
        let key = self.concept_key(context, field);
        let stats = self.index().field_stats(key, HOVER_LIST_LIMIT)?;
        let mut aliases: Vec<(Vendor, Vec<String>)> = Vec::new();
        if let Some(concept) = concept {
            for alias in self.taxonomy.aliases(concept) {
                let vendor = vendor_of(alias.system);
                match aliases.iter_mut().find(|(known, _)| *known == vendor) {
                    Some((_, names)) if !names.contains(&alias.field) => {
                        names.push(alias.field.clone())
                    }
                    Some(_) => {}
                    None => aliases.push((vendor, vec![alias.field.clone()])),
                }
            }
        }
        let values = |list: &[rulelens_corpus::index::IndicatorCount]| {
            list.iter()
                .map(|count| (count.value.clone(), count.rules))
                .collect()
        };
        Some(FieldFacts {
            concept: concept.map(|id| self.taxonomy.concept_name(id).to_owned()),
            aliases,
            rules_per_vendor: per_vendor(&stats.rules),
            rules_under_techniques: None,
            operators: stats
                .operators
                .iter()
                .map(|(op, count)| (op.name().to_owned(), *count))
                .collect(),
            top_values: values(&stats.top_values),
            exclusions: values(&stats.exclusions),
        })
    }

    /// Field names of rules of the context's vendor that read one of its data sources, ranked
    /// by the number of such rules that check the field. Each concept is offered under the
    /// name the vendor writes most.
    fn rank_fields(&self, context: &RuleContext<'_>) -> Vec<(String, u32)> {
        let index = self.index();
        let mut rules: Vec<_> = context
            .data_sources
            .iter()
            .flat_map(|source| index.data_source_rules(source.kind, &source.value))
            .filter(|rule| {
                index
                    .rule(*rule)
                    .is_some_and(|info| info.vendor == Some(context.vendor) && !info.deprecated)
            })
            .collect();
        rules.sort_unstable();
        rules.dedup();
        let mut per_concept: HashMap<&str, u32> = HashMap::new();
        for rule in rules {
            let mut concepts: Vec<&str> = index
                .rule_indicators(rule)
                .iter()
                .filter_map(|entry| index.indicator_key(entry.indicator))
                .map(|(concept, _, _)| concept)
                .filter(|concept| !concept.is_empty())
                .collect();
            concepts.sort_unstable();
            concepts.dedup();
            for concept in concepts {
                *per_concept.entry(concept).or_default() += 1;
            }
        }
        let field_context = FieldContext::from_sources(context.vendor, context.data_sources);
        let mut ranked: Vec<(String, u32)> = per_concept
            .into_iter()
            .map(|(concept, count)| (self.written_name(concept, &field_context), count))
            .collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        ranked.dedup_by(|a, b| a.0 == b.0);
        ranked
    }

    /// Picks the vendor's name for a concept. The taxonomy's aliases in the vendor's field
    /// system come first: one for the rule's own data source, then one valid everywhere, the
    /// most written in the index when several fit. Without an alias, the most written name
    /// the taxonomy maps back to the concept, else the concept itself.
    fn written_name(&self, concept: &str, context: &FieldContext<'_>) -> String {
        // FIXME: the index counts written names over every vendor, so a Sigma concept can be
        // offered under another vendor's spelling (`dest_ip` rather than `DestinationIp`).
        let mut names = self.index().field_written_names(concept);
        names.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
        let written = |name: &str| {
            names
                .iter()
                .find(|(written, _)| *written == name)
                .map_or(0, |(_, count)| *count)
        };
        let aliases: Vec<&rulelens_corpus::taxonomy::Alias> = self
            .taxonomy
            .concept_by_name(concept)
            .map(|id| {
                self.taxonomy
                    .aliases(id)
                    .iter()
                    .filter(|alias| alias.system == context.system)
                    .collect()
            })
            .unwrap_or_default();
        let in_context = |alias: &&rulelens_corpus::taxonomy::Alias| {
            context
                .selectors
                .iter()
                .any(|selector| alias.context.eq_ignore_ascii_case(selector))
        };
        let everywhere = |alias: &&rulelens_corpus::taxonomy::Alias| alias.context == "*";
        for fits in [
            &in_context as &dyn Fn(&&rulelens_corpus::taxonomy::Alias) -> bool,
            &everywhere,
        ] {
            let best = aliases
                .iter()
                .filter(|alias| fits(alias))
                .max_by_key(|alias| written(&alias.field));
            if let Some(alias) = best {
                return alias.field.clone();
            }
        }
        let maps_back = |name: &str| {
            self.taxonomy
                .concept(name, context)
                .is_some_and(|id| self.taxonomy.concept_name(id) == concept)
        };
        names
            .iter()
            .find(|(name, _)| maps_back(name))
            .map_or_else(|| concept.to_owned(), |(name, _)| (*name).to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rulelens_syntax::{DataSource, DataSourceKind, TextRange};

    fn process_creation() -> Vec<DataSource> {
        [
            (DataSourceKind::SigmaProduct, "windows"),
            (DataSourceKind::SigmaCategory, "process_creation"),
        ]
        .into_iter()
        .map(|(kind, value)| DataSource {
            kind,
            value: value.to_owned(),
            range: TextRange::default(),
        })
        .collect()
    }

    /// Facts from an index of the corpus's Sigma process-creation rules.
    fn process_creation_facts() -> IndexFacts {
        let folder = rulelens_syntax::corpus_path::corpus_dir(env!("CARGO_MANIFEST_DIR"))
            .join("sigma/SigmaHQ+sigma/rules/windows/process_creation");
        let (bytes, _) = rulelens_corpus::build_index(&[folder], Taxonomy::builtin())
            .expect("index builds from the corpus");
        let index = Index::from_bytes(std::borrow::Cow::Owned(bytes), None).expect("index loads");
        IndexFacts::from_index(index)
    }

    #[test]
    fn embedded_index_loads() {
        assert!(IndexFacts::embedded().is_ok());
    }

    #[test]
    fn embedded_index_names_techniques() {
        let facts = IndexFacts::embedded().expect("embedded index loads");
        let technique = facts.technique("t1059.001").expect("T1059.001 has rules");
        assert_eq!(
            technique.name.as_deref(),
            Some("Command and Scripting Interpreter: PowerShell")
        );
        let listed = facts.techniques();
        let named = listed.iter().find(|(id, _)| id == "T1059");
        assert_eq!(
            named.and_then(|(_, name)| name.as_deref()),
            Some("Command and Scripting Interpreter")
        );
    }

    #[test]
    fn field_counts_rules_under_techniques() {
        let facts = process_creation_facts();
        let sources = process_creation();
        let context = |techniques| RuleContext {
            vendor: Vendor::Sigma,
            data_sources: &sources,
            techniques,
        };
        let powershell = vec!["T1059.001".to_owned()];
        let under = facts
            .field(&context(&powershell), "CommandLine")
            .and_then(|field| field.rules_under_techniques)
            .expect("a count under the rule's techniques");
        let technique_rules = facts.index().technique_rules("T1059.001", false).len() as u32;
        assert!(under > 0, "no T1059.001 rule tests CommandLine");
        assert!(under <= technique_rules, "{under} > {technique_rules}");
        // The cached figures are per data source, so another technique gets its own count.
        let untagged = facts.field(&context(&[]), "CommandLine");
        assert_eq!(untagged.and_then(|f| f.rules_under_techniques), None);
    }

    #[test]
    fn corpus_index_answers_field_and_reach() {
        let facts = process_creation_facts();
        let sources = process_creation();
        let techniques = vec!["T1059".to_owned()];
        let context = RuleContext {
            vendor: Vendor::Sigma,
            data_sources: &sources,
            techniques: &techniques,
        };
        let image = facts
            .field(&context, "Image")
            .expect("Image is in the corpus");
        let total: u32 = image.rules_per_vendor.iter().map(|(_, n)| n).sum();
        assert!(total > 100, "Image is used by {total} rules");
        assert!(!image.top_values.is_empty());

        let concept_key = facts.concept_key(&context, "Image").to_owned();
        let top = image.top_values[0].0.clone();
        let op = facts
            .index()
            .field_stats(&concept_key, 1)
            .and_then(|stats| stats.top_values.first().map(|count| count.op))
            .expect("a top value");
        let reach = facts
            .indicator(&context, Some("Image"), op, &top)
            .expect("reach");
        assert_eq!(reach.reach, image.top_values[0].1);
        assert!(reach.reach_under_techniques.is_some());

        let fields = facts.fields(&context);
        let names: Vec<&str> = fields
            .iter()
            .take(10)
            .map(|(name, _)| name.as_str())
            .collect();
        assert!(names.contains(&"Image"), "{names:?}");
        assert!(facts.technique("T1059").is_some());
    }
}
