//! Turning rules into index bytes: aggregation of indicators, postings and statistics, and
//! serialization in the layout of [`crate::format`].
//!
//! Determinism: rules are ordered by (deprecated, vendor, path, document) before ids are
//! given, strings are sorted, and every map is a `BTreeMap`, so the same rules give the same
//! bytes whatever order they were added in.
//!
//! Record layouts, in u32 words:
//!
//! - rule: path, title, rule id, packed (format | vendor << 8 | language << 16 | deprecated
//!   << 24), document number, techniques (pool start, count), data sources (pool start, pair
//!   count of kind and value), indicators (pool start, count; each entry is the indicator
//!   number with [`FLAG_POSITIVE`], [`FLAG_NEGATED`], [`FLAG_EXCLUSION`] in the top bits),
//!   predicate-set hash (low, high), syntax error count.
//! - indicator: value, operator code | excluding-rule count << 8, pool start, rule count.
//!   The pool lists the rules that check it, then the rules that exclude it. Sorted by
//!   (concept, operator, value) string ids; the concept is not stored, because the field
//!   records give each concept's run of indicators.
//! - technique: id string, name string (empty when no rule names it), rules (pool start,
//!   count). Sorted by id.
//! - data source: kind code, value, rules (pool start, count). Sorted.
//! - field: concept, first indicator, end indicator, rules (pool start, count), written names
//!   (pool start, pair count of name and rule count), operators (pool start, pair count of
//!   operator code and rule count). Sorted by concept.
//! - duplicate: hash low, hash high, rule. Sorted.
//! - metadata: first active rule of each vendor and the active count (6 words), the same for
//!   deprecated rules (6), rule count, files seen, files skipped, build inputs (pool start,
//!   count), then zeros up to [`META_WORDS`].

use crate::format::{
    checksum, code_of, vendor_code, Section, FORMATS, FORMAT_VERSION, HEADER_LEN, LANGUAGES, MAGIC,
    META_WORDS, SECTION_COUNT, SOURCE_KINDS,
};
use crate::index::{Index, RuleId};
use crate::indicator::{op_code, predicate_set_hash, rule_indicators, IndicatorKey};
use crate::taxonomy::Taxonomy;
use rulelens_syntax::{Rule, Vendor};
use std::collections::{BTreeMap, BTreeSet};

pub const FLAG_POSITIVE: u32 = 1 << 31;
pub const FLAG_NEGATED: u32 = 1 << 30;
pub const FLAG_EXCLUSION: u32 = 1 << 29;
pub const INDICATOR_MASK: u32 = (1 << 29) - 1;

/// A rule reduced to what the index stores.
#[derive(Debug)]
struct PendingRule {
    path: String,
    document: u32,
    title: String,
    id: String,
    format: u32,
    vendor: u32,
    language: u32,
    deprecated: bool,
    techniques: Vec<String>,
    /// (technique id, name) pairs the rule gives, for the technique records.
    technique_names: Vec<(String, String)>,
    sources: Vec<(u32, String)>,
    /// Each indicator once, with the flags of all its occurrences.
    indicators: BTreeMap<IndicatorKey, u32>,
    /// (concept, field name as written) pairs.
    names: BTreeSet<(String, String)>,
    predicate_hash: Option<u64>,
    syntax_errors: u32,
}

/// Collects rules and writes the index bytes.
#[derive(Debug)]
pub struct IndexBuilder<'t> {
    taxonomy: &'t Taxonomy,
    inputs: Vec<String>,
    rules: Vec<PendingRule>,
    /// Rule counts per (concept, written name) carried over from merged indexes, which keep
    /// the counts but not the names of each rule.
    merged_names: BTreeMap<(String, String), u32>,
    files_seen: usize,
    files_skipped: usize,
}

impl<'t> IndexBuilder<'t> {
    pub fn new(taxonomy: &'t Taxonomy) -> IndexBuilder<'t> {
        IndexBuilder {
            taxonomy,
            inputs: Vec::new(),
            rules: Vec::new(),
            merged_names: BTreeMap::new(),
            files_seen: 0,
            files_skipped: 0,
        }
    }

    /// Records the name of a build input, shown by `rulelens index info`.
    pub fn add_input(&mut self, name: &str) {
        self.inputs.push(name.to_owned());
    }

    pub fn set_file_counts(&mut self, seen: usize, skipped: usize) {
        self.files_seen = seen;
        self.files_skipped = skipped;
    }

    /// Adds every rule of an existing index, so a user's index can be combined with the
    /// default one. Build inputs and file counts add up.
    pub fn add_index(&mut self, index: &Index) {
        for input in index.build_inputs() {
            self.add_input(input);
        }
        let (seen, skipped) = index.build_file_counts();
        self.files_seen += seen as usize;
        self.files_skipped += skipped as usize;
        for rule in index.rule_ids() {
            if let Some(pending) = pending_from_index(index, rule) {
                self.rules.push(pending);
            }
        }
        for concept in index.field_concepts() {
            for (name, rules) in index.field_written_names(concept) {
                let key = (concept.to_owned(), name.to_owned());
                *self.merged_names.entry(key).or_default() += rules;
            }
        }
    }

    /// Adds the rule found as document `document` of the file recorded as `path`.
    pub fn add_rule(&mut self, path: &str, document: usize, rule: &Rule, syntax_errors: u32) {
        let indicators = rule_indicators(rule, self.taxonomy);
        let predicate_hash = predicate_set_hash(&indicators);
        let mut merged: BTreeMap<IndicatorKey, u32> = BTreeMap::new();
        let mut names = BTreeSet::new();
        for indicator in &indicators {
            let mut flags = if indicator.negated {
                FLAG_NEGATED
            } else {
                FLAG_POSITIVE
            };
            if indicator.exclusion {
                flags |= FLAG_EXCLUSION;
            }
            *merged.entry(indicator.key()).or_default() |= flags;
            if let Some(field) = &indicator.predicate.field {
                names.insert((indicator.concept.to_owned(), field.name.clone()));
            }
        }
        let metadata = &rule.metadata;
        let text = |value: &Option<rulelens_syntax::Spanned<String>>| {
            value.as_ref().map_or_else(String::new, |v| v.value.clone())
        };
        let mut techniques: Vec<String> = metadata
            .techniques
            .iter()
            .map(|technique| technique.value.to_uppercase())
            .collect();
        techniques.sort();
        techniques.dedup();
        let mut technique_names: Vec<(String, String)> = metadata
            .technique_names
            .iter()
            .map(|(id, name)| (id.to_uppercase(), name.clone()))
            .collect();
        technique_names.sort();
        technique_names.dedup();
        let mut sources: Vec<(u32, String)> = rule
            .data_sources
            .iter()
            .map(|source| (code_of(&SOURCE_KINDS, source.kind), source.value.clone()))
            .collect();
        sources.sort();
        sources.dedup();
        self.rules.push(PendingRule {
            path: path.to_owned(),
            document: u32::try_from(document).unwrap_or(u32::MAX),
            title: text(&metadata.title),
            id: text(&metadata.id),
            format: code_of(&FORMATS, rule.format),
            vendor: vendor_code(rule.format.vendor()),
            language: code_of(&LANGUAGES, rule.language),
            deprecated: metadata.deprecated,
            techniques,
            technique_names,
            sources,
            indicators: merged,
            names,
            predicate_hash,
            syntax_errors,
        });
    }

    /// Writes the index.
    pub fn finish(mut self) -> Vec<u8> {
        self.rules.sort_by(|a, b| {
            (a.deprecated, a.vendor, &a.path, a.document).cmp(&(
                b.deprecated,
                b.vendor,
                &b.path,
                b.document,
            ))
        });
        let technique_names = technique_names(&self.rules);
        let strings = StringTable::new(&self, &technique_names);
        let mut pool = Pool::default();
        let sections = Sections::build(&self, &strings, &technique_names, &mut pool);
        serialize(&strings, &pool, &sections)
    }
}

/// Rebuilds the pending form of an indexed rule.
fn pending_from_index(index: &Index, rule: RuleId) -> Option<PendingRule> {
    let info = index.rule(rule)?;
    let format = info.format?;
    let techniques: Vec<String> = index
        .rule_techniques(rule)
        .into_iter()
        .map(str::to_owned)
        .collect();
    // The index keeps one name per technique rather than each rule's own, so every merged
    // rule carries the stored names of its techniques.
    let technique_names = techniques
        .iter()
        .filter_map(|id| Some((id.clone(), index.technique_name(id)?.to_owned())))
        .collect();
    let mut indicators = BTreeMap::new();
    for entry in index.rule_indicators(rule) {
        let (concept, op, value) = index.indicator_key(entry.indicator)?;
        let mut flags = 0;
        if entry.positive {
            flags |= FLAG_POSITIVE;
        }
        if entry.negated {
            flags |= FLAG_NEGATED;
        }
        if entry.exclusion {
            flags |= FLAG_EXCLUSION;
        }
        indicators.insert(IndicatorKey::new(concept, op, value), flags);
    }
    Some(PendingRule {
        path: info.path.to_owned(),
        document: info.document,
        title: info.title.to_owned(),
        id: info.rule_id.to_owned(),
        format: code_of(&FORMATS, format),
        vendor: vendor_code(format.vendor()),
        language: info.language.map_or(u32::MAX, |l| code_of(&LANGUAGES, l)),
        deprecated: info.deprecated,
        techniques,
        technique_names,
        sources: index
            .rule_data_sources(rule)
            .into_iter()
            .map(|(kind, value)| (code_of(&SOURCE_KINDS, kind), value.to_owned()))
            .collect(),
        indicators,
        names: BTreeSet::new(),
        predicate_hash: index.rule_predicate_hash(rule),
        syntax_errors: info.syntax_errors,
    })
}

/// The sorted, unique strings of the index; a string's id is its position.
struct StringTable {
    strings: Vec<String>,
}

impl StringTable {
    fn new(builder: &IndexBuilder<'_>, technique_names: &BTreeMap<&str, &str>) -> StringTable {
        let mut set: BTreeSet<&str> = BTreeSet::new();
        set.insert("");
        for input in &builder.inputs {
            set.insert(input);
        }
        for rule in &builder.rules {
            set.insert(&rule.path);
            set.insert(&rule.title);
            set.insert(&rule.id);
            set.extend(rule.techniques.iter().map(String::as_str));
            set.extend(rule.sources.iter().map(|(_, value)| value.as_str()));
            for key in rule.indicators.keys() {
                set.insert(&key.concept);
                set.insert(&key.value);
            }
            for (concept, name) in &rule.names {
                set.insert(concept);
                set.insert(name);
            }
        }
        for (concept, name) in builder.merged_names.keys() {
            set.insert(concept);
            set.insert(name);
        }
        set.extend(technique_names.values());
        StringTable {
            strings: set.into_iter().map(str::to_owned).collect(),
        }
    }

    fn id(&self, text: &str) -> u32 {
        let position = self
            .strings
            .binary_search_by(|candidate| candidate.as_str().cmp(text))
            .unwrap_or(0);
        u32::try_from(position).unwrap_or(u32::MAX)
    }

    fn bytes(&self) -> Vec<u8> {
        let mut words = vec![to_u32(self.strings.len())];
        let mut offset = 0usize;
        words.push(0);
        for string in &self.strings {
            offset += string.len();
            words.push(to_u32(offset));
        }
        let mut bytes = words_to_bytes(&words);
        for string in &self.strings {
            bytes.extend_from_slice(string.as_bytes());
        }
        bytes
    }
}

/// u32 lists that records point into.
#[derive(Default)]
struct Pool {
    words: Vec<u32>,
}

impl Pool {
    /// Appends a list and returns its (start, count).
    fn push(&mut self, list: &[u32]) -> (u32, u32) {
        let start = to_u32(self.words.len());
        self.words.extend_from_slice(list);
        (start, to_u32(list.len()))
    }
}

/// An indicator as (concept, operator code, value) string ids; sorting these sorts by the
/// strings, because string ids follow string order.
type IndicatorIds = (u32, u32, u32);

/// The rules that check an indicator, and those that exclude it.
type Postings = (Vec<u32>, Vec<u32>);

/// The record sections as u32 words.
struct Sections {
    rules: Vec<u32>,
    indicators: Vec<u32>,
    techniques: Vec<u32>,
    sources: Vec<u32>,
    fields: Vec<u32>,
    duplicates: Vec<u32>,
    meta: Vec<u32>,
}

#[derive(Default)]
struct FieldAggregate {
    first_indicator: u32,
    end_indicator: u32,
    rules: BTreeSet<u32>,
    names: BTreeMap<u32, u32>,
    ops: BTreeMap<u32, BTreeSet<u32>>,
}

impl Sections {
    fn build(
        builder: &IndexBuilder<'_>,
        strings: &StringTable,
        technique_names: &BTreeMap<&str, &str>,
        pool: &mut Pool,
    ) -> Sections {
        // Indicators first: every rule record points at indicator numbers.
        let mut postings: BTreeMap<IndicatorIds, Postings> = BTreeMap::new();
        for (rule_id, rule) in builder.rules.iter().enumerate() {
            for (key, flags) in &rule.indicators {
                let id = (
                    strings.id(&key.concept),
                    u32::from(op_code(key.op)),
                    strings.id(&key.value),
                );
                let entry = postings.entry(id).or_default();
                entry.0.push(to_u32(rule_id));
                if flags & FLAG_EXCLUSION != 0 {
                    entry.1.push(to_u32(rule_id));
                }
            }
        }
        let indicator_numbers: BTreeMap<IndicatorIds, u32> = postings
            .keys()
            .enumerate()
            .map(|(number, key)| (*key, to_u32(number)))
            .collect();

        let mut indicators = Vec::new();
        let mut fields: BTreeMap<u32, FieldAggregate> = BTreeMap::new();
        for (number, ((concept, op, value), (rules, excluding))) in postings.iter().enumerate() {
            let (rules_start, rules_count) = pool.push(rules);
            pool.push(excluding);
            // 24 bits hold the excluding count: more than 16 million rules is out of scope.
            let excluding_count = to_u32(excluding.len()).min(0x00ff_ffff);
            indicators.extend_from_slice(&[
                *value,
                *op | (excluding_count << 8),
                rules_start,
                rules_count,
            ]);
            let field = fields.entry(*concept).or_insert_with(|| FieldAggregate {
                first_indicator: to_u32(number),
                ..FieldAggregate::default()
            });
            field.end_indicator = to_u32(number + 1);
            field.rules.extend(rules.iter().copied());
            field
                .ops
                .entry(*op)
                .or_default()
                .extend(rules.iter().copied());
        }

        let mut rule_words = Vec::new();
        let mut techniques: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
        let mut sources: BTreeMap<(u32, u32), Vec<u32>> = BTreeMap::new();
        let mut duplicates: Vec<(u64, u32)> = Vec::new();
        for (rule_id, rule) in builder.rules.iter().enumerate() {
            let rule_id = to_u32(rule_id);
            let technique_ids: Vec<u32> = rule.techniques.iter().map(|t| strings.id(t)).collect();
            for technique in &technique_ids {
                techniques.entry(*technique).or_default().push(rule_id);
            }

            let mut source_words = Vec::new();
            for (kind, value) in &rule.sources {
                let value = strings.id(value);
                source_words.extend_from_slice(&[*kind, value]);
                sources.entry((*kind, value)).or_default().push(rule_id);
            }
            let mut indicator_words = Vec::new();
            for (key, flags) in &rule.indicators {
                let id = (
                    strings.id(&key.concept),
                    u32::from(op_code(key.op)),
                    strings.id(&key.value),
                );
                let number = indicator_numbers.get(&id).copied().unwrap_or(0);
                indicator_words.push(number | flags);
            }
            for (concept, name) in &rule.names {
                let field = fields.entry(strings.id(concept)).or_default();
                *field.names.entry(strings.id(name)).or_default() += 1;
            }
            if let Some(hash) = rule.predicate_hash {
                duplicates.push((hash, rule_id));
            }
            let (technique_start, technique_count) = pool.push(&technique_ids);
            let (source_start, source_words_count) = pool.push(&source_words);
            let (indicator_start, indicator_count) = pool.push(&indicator_words);
            let hash = rule.predicate_hash.unwrap_or(0);
            rule_words.extend_from_slice(&[
                strings.id(&rule.path),
                strings.id(&rule.title),
                strings.id(&rule.id),
                rule.format
                    | (rule.vendor << 8)
                    | (rule.language << 16)
                    | (u32::from(rule.deprecated) << 24),
                rule.document,
                technique_start,
                technique_count,
                source_start,
                source_words_count / 2,
                indicator_start,
                indicator_count,
                hash as u32,
                (hash >> 32) as u32,
                rule.syntax_errors,
            ]);
        }

        for ((concept, name), rules) in &builder.merged_names {
            let field = fields.entry(strings.id(concept)).or_default();
            *field.names.entry(strings.id(name)).or_default() += rules;
        }

        Sections {
            rules: rule_words,
            indicators,
            techniques: posting_records(
                techniques.into_iter().map(|(id, rules)| {
                    // The empty string, id 0, stands for a technique no rule names.
                    let name = strings
                        .strings
                        .get(id as usize)
                        .and_then(|text| technique_names.get(text.as_str()))
                        .map_or(0, |name| strings.id(name));
                    (vec![id, name], rules)
                }),
                pool,
            ),
            sources: posting_records(
                sources
                    .into_iter()
                    .map(|((kind, value), v)| (vec![kind, value], v)),
                pool,
            ),
            fields: field_records(fields, pool),
            duplicates: duplicate_records(duplicates),
            meta: meta_words(builder, strings, pool),
        }
    }
}

fn posting_records(
    entries: impl Iterator<Item = (Vec<u32>, Vec<u32>)>,
    pool: &mut Pool,
) -> Vec<u32> {
    let mut words = Vec::new();
    for (key, rules) in entries {
        let (start, count) = pool.push(&rules);
        words.extend_from_slice(&key);
        words.extend_from_slice(&[start, count]);
    }
    words
}

/// Picks one name per technique id: the name most rules give it, the first in string order
/// on a tie. Rules disagree when a technique was renamed between ATT&CK versions.
fn technique_names(rules: &[PendingRule]) -> BTreeMap<&str, &str> {
    let mut votes: BTreeMap<&str, BTreeMap<&str, u32>> = BTreeMap::new();
    for rule in rules {
        for (id, name) in &rule.technique_names {
            *votes.entry(id).or_default().entry(name).or_default() += 1;
        }
    }
    votes
        .into_iter()
        .filter_map(|(id, names)| {
            let best = names
                .into_iter()
                .max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0)))?;
            Some((id, best.0))
        })
        .collect()
}

fn field_records(fields: BTreeMap<u32, FieldAggregate>, pool: &mut Pool) -> Vec<u32> {
    let mut words = Vec::new();
    // A field without indicators gets an empty run where the previous one ended. Run starts
    // then never decrease, which the reader relies on to find an indicator's field.
    let mut previous_end = 0;
    for (concept, mut field) in fields {
        if field.end_indicator == 0 {
            field.first_indicator = previous_end;
            field.end_indicator = previous_end;
        }
        previous_end = field.end_indicator;
        let rules: Vec<u32> = field.rules.into_iter().collect();
        let names: Vec<u32> = field.names.into_iter().flat_map(|(n, c)| [n, c]).collect();
        let ops: Vec<u32> = field
            .ops
            .into_iter()
            .flat_map(|(op, rules)| [op, to_u32(rules.len())])
            .collect();
        let (rules_start, rules_count) = pool.push(&rules);
        let (names_start, names_count) = pool.push(&names);
        let (ops_start, ops_count) = pool.push(&ops);
        words.extend_from_slice(&[
            concept,
            field.first_indicator,
            field.end_indicator,
            rules_start,
            rules_count,
            names_start,
            names_count / 2,
            ops_start,
            ops_count / 2,
        ]);
    }
    words
}

fn duplicate_records(mut duplicates: Vec<(u64, u32)>) -> Vec<u32> {
    duplicates.sort_unstable();
    duplicates
        .into_iter()
        .flat_map(|(hash, rule)| [hash as u32, (hash >> 32) as u32, rule])
        .collect()
}

fn meta_words(builder: &IndexBuilder<'_>, strings: &StringTable, pool: &mut Pool) -> Vec<u32> {
    let mut words = Vec::with_capacity(META_WORDS);
    for deprecated in [false, true] {
        for vendor in Vendor::ALL {
            let code = vendor_code(vendor);
            let first = builder
                .rules
                .partition_point(|rule| (rule.deprecated, rule.vendor) < (deprecated, code));
            words.push(to_u32(first));
        }
        let end = builder
            .rules
            .partition_point(|rule| rule.deprecated <= deprecated);
        words.push(to_u32(end));
    }
    let inputs: Vec<u32> = builder.inputs.iter().map(|name| strings.id(name)).collect();
    let (inputs_start, inputs_count) = pool.push(&inputs);
    words.extend_from_slice(&[
        to_u32(builder.rules.len()),
        to_u32(builder.files_seen),
        to_u32(builder.files_skipped),
        inputs_start,
        inputs_count,
    ]);
    words.resize(META_WORDS, 0);
    words
}

fn serialize(strings: &StringTable, pool: &Pool, sections: &Sections) -> Vec<u8> {
    let mut bodies: Vec<Vec<u8>> = vec![Vec::new(); SECTION_COUNT];
    let mut put = |section: Section, bytes: Vec<u8>| {
        if let Some(slot) = bodies.get_mut(section as usize) {
            *slot = bytes;
        }
    };
    put(Section::Strings, strings.bytes());
    put(Section::Pool, words_to_bytes(&pool.words));
    put(Section::Rules, words_to_bytes(&sections.rules));
    put(Section::Indicators, words_to_bytes(&sections.indicators));
    put(Section::Techniques, words_to_bytes(&sections.techniques));
    put(Section::Sources, words_to_bytes(&sections.sources));
    put(Section::Fields, words_to_bytes(&sections.fields));
    put(Section::Duplicates, words_to_bytes(&sections.duplicates));
    put(Section::Meta, words_to_bytes(&sections.meta));

    // Sections start at 4-byte boundaries; the string bytes are padded with zeros.
    let table_len = SECTION_COUNT * 8;
    let mut payload = vec![0u8; table_len];
    for (index, body) in bodies.iter().enumerate() {
        let offset = payload.len();
        let entry = index * 8;
        payload[entry..entry + 4].copy_from_slice(&to_u32(offset).to_le_bytes());
        payload[entry + 4..entry + 8].copy_from_slice(&to_u32(body.len()).to_le_bytes());
        payload.extend_from_slice(body);
        while payload.len() % 4 != 0 {
            payload.push(0);
        }
    }

    let mut bytes = Vec::with_capacity(HEADER_LEN + payload.len());
    bytes.extend_from_slice(&MAGIC);
    bytes.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    bytes.extend_from_slice(&to_u32(SECTION_COUNT).to_le_bytes());
    bytes.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    bytes.extend_from_slice(&checksum(&payload).to_le_bytes());
    bytes.extend_from_slice(&payload);
    bytes
}

fn words_to_bytes(words: &[u32]) -> Vec<u8> {
    words.iter().flat_map(|word| word.to_le_bytes()).collect()
}

/// Index files count in u32; a corpus with more than 4 billion of anything is out of scope,
/// and saturating keeps the writer total.
fn to_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}
