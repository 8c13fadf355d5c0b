//! A loaded corpus index and the queries the analysis layer and reports make on it.
//!
//! Loading checks the header, the checksum and the section bounds, then reads records in
//! place from the bytes: nothing is deserialized up front, so loading costs one pass of the
//! checksum. Every read goes through bounds-checked accessors, so a file that passed the
//! checksum but is inconsistent yields empty results, never a panic.
//!
//! Counts leave out deprecated rules unless a query includes them. A rule's [`RuleId`] is its
//! position in the file, where rules are ordered by (deprecated, vendor, path).

use crate::format::{
    checksum, source_name, IndexError, Section, Words, DUPLICATE_WORDS, FIELD_WORDS, FORMATS,
    FORMAT_VERSION, HEADER_LEN, INDICATOR_WORDS, LANGUAGES, MAGIC, META_WORDS, RULE_WORDS,
    SECTION_COUNT, SOURCE_KINDS, SOURCE_WORDS, TECHNIQUE_WORDS,
};
use crate::indicator::{op_code, op_from_code, predicate_set_hash, rule_indicators, RuleIndicator};
use crate::taxonomy::Taxonomy;
use crate::write::{FLAG_EXCLUSION, FLAG_NEGATED, FLAG_POSITIVE, INDICATOR_MASK};
use rulelens_syntax::{DataSourceKind, Format, Language, Op, Rule, Vendor};
use rustc_hash::{FxHashMap, FxHasher};
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

/// A rule's position in an index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RuleId(pub u32);

/// An indicator's position in an index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IndicatorId(pub u32);

/// Rule counts per vendor, in [`Vendor::ALL`] order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VendorCounts(pub [u32; 5]);

impl VendorCounts {
    pub fn get(&self, vendor: Vendor) -> u32 {
        self.0
            .get(crate::format::vendor_code(vendor) as usize)
            .copied()
            .unwrap_or(0)
    }

    pub fn total(&self) -> u32 {
        self.0.iter().sum()
    }
}

/// The corpus use of one indicator.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reach {
    /// Distinct rules that check the indicator anywhere in their logic.
    pub rules: VendorCounts,
    /// Of those, the rules that check it as an exclusion.
    pub excluding: u32,
}

/// One indicator with a count, for field statistics and reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndicatorCount {
    pub id: IndicatorId,
    pub op: Op,
    pub value: String,
    pub rules: u32,
}

/// Corpus statistics of one field concept.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldStats {
    pub concept: String,
    /// Rules that check the field anywhere.
    pub rules: VendorCounts,
    /// Operators with the number of rules using each on this field.
    pub operators: Vec<(Op, u32)>,
    /// Names the field is written as, with the number of rules using each (deprecated rules
    /// included).
    pub written_names: Vec<(String, u32)>,
    /// The values checked by most rules, most first.
    pub top_values: Vec<IndicatorCount>,
    /// The values excluded by most rules, most first; `rules` counts the excluding rules.
    pub exclusions: Vec<IndicatorCount>,
}

/// The stored facts of one rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleInfo<'a> {
    pub id: RuleId,
    pub path: &'a str,
    /// The position of the rule's document in its file (Sigma files can hold several).
    pub document: u32,
    pub title: &'a str,
    pub rule_id: &'a str,
    pub format: Option<Format>,
    pub vendor: Option<Vendor>,
    pub language: Option<Language>,
    pub deprecated: bool,
    pub syntax_errors: u32,
}

/// One indicator occurrence in a rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RuleIndicatorEntry {
    pub indicator: IndicatorId,
    /// Checked without negation somewhere in the rule.
    pub positive: bool,
    /// Checked under negation somewhere in the rule.
    pub negated: bool,
    /// Checked in a top-level `not` of the rule.
    pub exclusion: bool,
}

/// The description of a rule whose peers are looked up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PeerQuery<'q> {
    pub techniques: Vec<&'q str>,
    pub data_sources: Vec<(DataSourceKind, &'q str)>,
    /// Field concepts the rule checks.
    pub concepts: Vec<&'q str>,
    pub include_deprecated: bool,
}

/// The bytes of an index: borrowed from the binary for the embedded one, owned for a file.
type IndexBytes = Cow<'static, [u8]>;

/// A loaded index.
#[derive(Debug)]
pub struct Index {
    bytes: IndexBytes,
    source: String,
    sections: [(usize, usize); SECTION_COUNT],
    string_count: usize,
    /// Absolute byte offsets of the string offset table and of the string bytes, kept so the
    /// hot lookups read words straight from the file bytes.
    string_offsets_at: usize,
    string_bytes_at: usize,
    active_bounds: [u32; 6],
    deprecated_bounds: [u32; 6],
    /// Hash of (concept, op, value) to indicator, built on the first [`Index::indicator`] call.
    lookup: OnceLock<IndicatorLookup>,
}

/// An indicator's position and its field record, found by the hash of its key.
#[derive(Clone, Copy, Debug)]
struct LookupEntry {
    indicator: u32,
    field: u32,
}

/// The indicators by key hash. Lints look up every predicate of every rule, often several
/// times, and a hash probe costs less than two binary searches over the file's strings.
/// Keys whose hashes collide are left out, and their lookups take the binary search.
type IndicatorLookup = FxHashMap<u64, Option<LookupEntry>>;

fn indicator_hash(concept: &[u8], op: u32, value: &[u8]) -> u64 {
    use std::hash::Hasher;
    let mut hasher = FxHasher::default();
    hasher.write(concept);
    hasher.write_u8(0xff);
    hasher.write_u32(op);
    hasher.write(value);
    hasher.finish()
}

impl Index {
    /// Reads an index file.
    pub fn load(path: &Path) -> Result<Index, IndexError> {
        let bytes = std::fs::read(path).map_err(|error| IndexError::Io {
            path: path.to_path_buf(),
            error,
        })?;
        Index::from_bytes(Cow::Owned(bytes), Some(path))
    }

    /// Checks and wraps index bytes; `path` names the source in errors (`None` for the
    /// embedded index).
    pub fn from_bytes(bytes: IndexBytes, path: Option<&Path>) -> Result<Index, IndexError> {
        let source = source_name(path);
        let sections = check_header(&bytes, &source)?;
        let mut index = Index {
            bytes,
            source,
            sections,
            string_count: 0,
            string_offsets_at: 0,
            string_bytes_at: 0,
            active_bounds: [0; 6],
            deprecated_bounds: [0; 6],
            lookup: OnceLock::new(),
        };
        index.check_sections()?;
        Ok(index)
    }

    /// Renames the source shown in messages and reports, for an index built in memory.
    pub fn with_source(mut self, source: &str) -> Index {
        self.source = source.to_owned();
        self
    }

    /// Returns where the index came from, for messages.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Returns the size of the index in bytes.
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    fn check_sections(&mut self) -> Result<(), IndexError> {
        let record_sizes = [
            (Section::Pool, 1),
            (Section::Rules, RULE_WORDS),
            (Section::Indicators, INDICATOR_WORDS),
            (Section::Techniques, TECHNIQUE_WORDS),
            (Section::Sources, SOURCE_WORDS),
            (Section::Fields, FIELD_WORDS),
            (Section::Duplicates, DUPLICATE_WORDS),
        ];
        for (section, words) in record_sizes {
            let (_, len) = self.sections[section as usize];
            if len % (words * 4) != 0 {
                return Err(IndexError::corrupt(
                    &self.source,
                    format!("section {section:?} has a partial record"),
                ));
            }
        }
        let meta = self.words(Section::Meta);
        if meta.len() < META_WORDS {
            return Err(IndexError::corrupt(
                &self.source,
                "metadata section too short",
            ));
        }
        let mut active_bounds = [0u32; 6];
        let mut deprecated_bounds = [0u32; 6];
        for position in 0..6 {
            active_bounds[position] = meta.get(position);
            deprecated_bounds[position] = meta.get(6 + position);
        }
        self.active_bounds = active_bounds;
        self.deprecated_bounds = deprecated_bounds;
        let rule_count = self.rule_count() as u32;
        let bounds_sorted = self
            .active_bounds
            .iter()
            .chain(self.deprecated_bounds.iter())
            .try_fold(0u32, |previous, bound| {
                (*bound >= previous).then_some(*bound)
            });
        if bounds_sorted.is_none() || self.deprecated_bounds[5] != rule_count {
            return Err(IndexError::corrupt(
                &self.source,
                "vendor ranges out of order",
            ));
        }
        self.check_strings()
    }

    /// Checks that the string offsets rise and stay in bounds and that every string is UTF-8,
    /// so later reads can slice without checks failing.
    fn check_strings(&mut self) -> Result<(), IndexError> {
        let section = self.section_bytes(Section::Strings);
        let words = Words::new(section);
        let count = words.get(0) as usize;
        let header_bytes = count.saturating_add(2).saturating_mul(4);
        if header_bytes > section.len() {
            return Err(IndexError::corrupt(&self.source, "string table too short"));
        }
        let blob = section.get(header_bytes..).unwrap_or(&[]);
        let text = std::str::from_utf8(blob)
            .map_err(|_| IndexError::corrupt(&self.source, "string table is not UTF-8"))?;
        let mut previous = 0usize;
        for position in 0..=count {
            let offset = words.get(1 + position) as usize;
            if offset < previous || offset > blob.len() || !text.is_char_boundary(offset) {
                return Err(IndexError::corrupt(
                    &self.source,
                    "string offsets out of order",
                ));
            }
            previous = offset;
        }
        self.string_count = count;
        let (section_start, _) = self.sections[Section::Strings as usize];
        self.string_offsets_at = section_start + 4;
        self.string_bytes_at = section_start + header_bytes;
        Ok(())
    }

    fn section_bytes(&self, section: Section) -> &[u8] {
        let (start, len) = self.sections[section as usize];
        self.bytes.get(start..start + len).unwrap_or(&[])
    }

    fn words(&self, section: Section) -> Words<'_> {
        Words::new(self.section_bytes(section))
    }

    fn pool(&self, start: u32, count: u32) -> Words<'_> {
        self.words(Section::Pool)
            .slice(start as usize, count as usize)
    }

    fn record(&self, section: Section, words_per_record: usize, index: usize) -> Words<'_> {
        self.words(section)
            .slice(index.saturating_mul(words_per_record), words_per_record)
    }

    // Strings.

    /// Reads the u32 at absolute byte offset `at`; 0 past the end.
    fn word_at(&self, at: usize) -> u32 {
        match self.bytes.get(at..at.saturating_add(4)) {
            Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
            _ => 0,
        }
    }

    fn string_bytes(&self, id: u32) -> &[u8] {
        let id = id as usize;
        if id >= self.string_count {
            return &[];
        }
        let offset_at = self.string_offsets_at + id * 4;
        let start = self.string_bytes_at + self.word_at(offset_at) as usize;
        let end = self.string_bytes_at + self.word_at(offset_at + 4) as usize;
        self.bytes.get(start..end).unwrap_or(&[])
    }

    /// Reads word `word` of record `index` of a record section without building views.
    fn record_word(
        &self,
        section: Section,
        words_per_record: usize,
        index: usize,
        word: usize,
    ) -> u32 {
        let (start, len) = self.sections[section as usize];
        let at = (index * words_per_record + word) * 4;
        if at + 4 > len {
            return 0;
        }
        self.word_at(start + at)
    }

    /// Returns the string with id `id`, or an empty string for an unknown id.
    pub fn string(&self, id: u32) -> &str {
        std::str::from_utf8(self.string_bytes(id)).unwrap_or("")
    }

    /// Finds the id of `text` in the sorted string table.
    pub fn string_id(&self, text: &str) -> Option<u32> {
        let needle = text.as_bytes();
        let (mut low, mut high) = (0usize, self.string_count);
        while low < high {
            let middle = low + (high - low) / 2;
            match self.string_bytes(middle as u32).cmp(needle) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return Some(middle as u32),
            }
        }
        None
    }

    // Rules.

    pub fn rule_count(&self) -> usize {
        self.words(Section::Rules).len() / RULE_WORDS
    }

    /// Rules that are not deprecated.
    pub fn active_rule_count(&self) -> usize {
        self.active_bounds[5] as usize
    }

    pub fn rule_ids(&self) -> impl Iterator<Item = RuleId> {
        (0..self.rule_count() as u32).map(RuleId)
    }

    pub fn is_deprecated(&self, rule: RuleId) -> bool {
        rule.0 >= self.active_bounds[5]
    }

    pub fn rule(&self, rule: RuleId) -> Option<RuleInfo<'_>> {
        if rule.0 as usize >= self.rule_count() {
            return None;
        }
        let record = self.record(Section::Rules, RULE_WORDS, rule.0 as usize);
        let packed = record.get(3);
        Some(RuleInfo {
            id: rule,
            path: self.string(record.get(0)),
            document: record.get(4),
            title: self.string(record.get(1)),
            rule_id: self.string(record.get(2)),
            format: FORMATS.get((packed & 0xff) as usize).copied(),
            vendor: Vendor::ALL.get(((packed >> 8) & 0xff) as usize).copied(),
            language: LANGUAGES.get(((packed >> 16) & 0xff) as usize).copied(),
            deprecated: (packed >> 24) & 1 == 1,
            syntax_errors: record.get(13),
        })
    }

    /// Returns the ATT&CK technique ids of a rule.
    pub fn rule_techniques(&self, rule: RuleId) -> Vec<&str> {
        let record = self.record(Section::Rules, RULE_WORDS, rule.0 as usize);
        self.pool(record.get(5), record.get(6))
            .iter()
            .map(|id| self.string(id))
            .collect()
    }

    /// Returns the data sources of a rule.
    pub fn rule_data_sources(&self, rule: RuleId) -> Vec<(DataSourceKind, &str)> {
        let record = self.record(Section::Rules, RULE_WORDS, rule.0 as usize);
        let pairs = self.pool(record.get(7), record.get(8).saturating_mul(2));
        (0..pairs.len() / 2)
            .filter_map(|pair| {
                let kind = SOURCE_KINDS.get(pairs.get(pair * 2) as usize)?;
                Some((*kind, self.string(pairs.get(pair * 2 + 1))))
            })
            .collect()
    }

    /// Returns the indicators a rule checks, each once.
    pub fn rule_indicators(&self, rule: RuleId) -> Vec<RuleIndicatorEntry> {
        let record = self.record(Section::Rules, RULE_WORDS, rule.0 as usize);
        self.pool(record.get(9), record.get(10))
            .iter()
            .map(|word| RuleIndicatorEntry {
                indicator: IndicatorId(word & INDICATOR_MASK),
                positive: word & FLAG_POSITIVE != 0,
                negated: word & FLAG_NEGATED != 0,
                exclusion: word & FLAG_EXCLUSION != 0,
            })
            .collect()
    }

    /// Returns the hash of a rule's predicate set, `None` for a rule without predicates.
    pub fn rule_predicate_hash(&self, rule: RuleId) -> Option<u64> {
        let record = self.record(Section::Rules, RULE_WORDS, rule.0 as usize);
        let hash = u64::from(record.get(11)) | (u64::from(record.get(12)) << 32);
        (hash != 0).then_some(hash)
    }

    /// Counts the rules of a sorted posting list per vendor.
    fn count_by_vendor(&self, rules: Words<'_>, include_deprecated: bool) -> VendorCounts {
        let mut counts = [0u32; 5];
        for (position, count) in counts.iter_mut().enumerate() {
            let in_range = |bounds: &[u32; 6]| {
                let below_end = rules.count_below(bounds[position + 1]);
                let below_start = rules.count_below(bounds[position]);
                (below_end - below_start) as u32
            };
            *count = in_range(&self.active_bounds);
            if include_deprecated {
                *count += in_range(&self.deprecated_bounds);
            }
        }
        VendorCounts(counts)
    }

    // Indicators.

    pub fn indicator_count(&self) -> usize {
        self.words(Section::Indicators).len() / INDICATOR_WORDS
    }

    /// Finds the indicator (concept, op, value); `value` is the normalized value.
    pub fn indicator(&self, concept: &str, op: Op, value: &str) -> Option<IndicatorId> {
        let code = u32::from(op_code(op));
        let lookup = self.lookup.get_or_init(|| self.build_lookup());
        let hash = indicator_hash(concept.as_bytes(), code, value.as_bytes());
        match lookup.get(&hash) {
            // No indicator has this hash, so none has this key.
            None => None,
            Some(Some(entry)) => {
                let position = entry.indicator as usize;
                let field = self.record_word(Section::Fields, FIELD_WORDS, entry.field as usize, 0);
                let found = self.string_bytes(field) == concept.as_bytes()
                    && self.indicator_sort_key(position) == (code, value.as_bytes());
                found.then_some(IndicatorId(entry.indicator))
            }
            Some(None) => self.search_indicator(concept, op, value),
        }
    }

    /// Builds the hash table behind [`Index::indicator`] now rather than on the first lookup,
    /// so that a caller can build it on an idle thread.
    pub fn prepare_lookup(&self) {
        self.lookup.get_or_init(|| self.build_lookup());
    }

    /// Hashes every indicator's key; see [`IndicatorLookup`].
    fn build_lookup(&self) -> IndicatorLookup {
        let mut lookup = IndicatorLookup::default();
        lookup.reserve(self.indicator_count());
        for field in 0..self.field_count() {
            let concept =
                self.string_bytes(self.record_word(Section::Fields, FIELD_WORDS, field, 0));
            let (first, end) = self.field_indicator_range(field);
            for position in first..end {
                let (op, value) = self.indicator_sort_key(position);
                let entry = LookupEntry {
                    indicator: position as u32,
                    field: field as u32,
                };
                lookup
                    .entry(indicator_hash(concept, op, value))
                    .and_modify(|slot| *slot = None)
                    .or_insert(Some(entry));
            }
        }
        lookup
    }

    /// Finds an indicator by binary search over the file's sorted records.
    pub(crate) fn search_indicator(
        &self,
        concept: &str,
        op: Op,
        value: &str,
    ) -> Option<IndicatorId> {
        let field = self.find_field(concept)?;
        let (first, end) = self.field_indicator_range(field);
        let key = (u32::from(op_code(op)), value.as_bytes());
        let position = first
            + partition(end.saturating_sub(first), |offset| {
                self.indicator_sort_key(first + offset) < key
            });
        (position < end && self.indicator_sort_key(position) == key)
            .then_some(IndicatorId(position as u32))
    }

    /// (operator code, value) of an indicator, its order inside its concept's run; value ids
    /// follow string order, so comparing the strings gives the stored order.
    fn indicator_sort_key(&self, position: usize) -> (u32, &[u8]) {
        let op = self.record_word(Section::Indicators, INDICATOR_WORDS, position, 1) & 0xff;
        let value = self.record_word(Section::Indicators, INDICATOR_WORDS, position, 0);
        (op, self.string_bytes(value))
    }

    /// Returns the run `first..end` of indicators of a field record.
    fn field_indicator_range(&self, field: usize) -> (usize, usize) {
        let record = self.record(Section::Fields, FIELD_WORDS, field);
        let end = (record.get(2) as usize).min(self.indicator_count());
        ((record.get(1) as usize).min(end), end)
    }

    /// Returns the (concept, op, value) of an indicator.
    pub fn indicator_key(&self, indicator: IndicatorId) -> Option<(&str, Op, &str)> {
        let position = indicator.0 as usize;
        if position >= self.indicator_count() {
            return None;
        }
        // The field whose run contains the indicator: the last field starting at or before it.
        let field = partition(self.field_count(), |field| {
            self.record(Section::Fields, FIELD_WORDS, field).get(1) as usize <= position
        })
        .checked_sub(1)?;
        let concept = self.record(Section::Fields, FIELD_WORDS, field).get(0);
        let record = self.record(Section::Indicators, INDICATOR_WORDS, position);
        let op = op_from_code(record.get(1) & 0xff)?;
        Some((self.string(concept), op, self.string(record.get(0))))
    }

    /// Lists every indicator as (id, concept, op, value), field by field. Unlike calling
    /// [`Index::indicator_key`] for each id, this decodes each concept once and searches
    /// nothing, which suits building a table of all indicators.
    pub fn indicator_keys(&self) -> impl Iterator<Item = (IndicatorId, &str, Op, &str)> + '_ {
        (0..self.field_count()).flat_map(move |field| {
            let concept = self.string(self.record_word(Section::Fields, FIELD_WORDS, field, 0));
            let (first, end) = self.field_indicator_range(field);
            (first..end).filter_map(move |position| {
                let record = self.record(Section::Indicators, INDICATOR_WORDS, position);
                let op = op_from_code(record.get(1) & 0xff)?;
                let id = IndicatorId(u32::try_from(position).ok()?);
                Some((id, concept, op, self.string(record.get(0))))
            })
        })
    }

    fn indicator_rules(&self, indicator: IndicatorId) -> Words<'_> {
        let record = self.record(Section::Indicators, INDICATOR_WORDS, indicator.0 as usize);
        self.pool(record.get(2), record.get(3))
    }

    fn indicator_excluding_rules(&self, indicator: IndicatorId) -> Words<'_> {
        let record = self.record(Section::Indicators, INDICATOR_WORDS, indicator.0 as usize);
        let start = record.get(2).saturating_add(record.get(3));
        self.pool(start, record.get(1) >> 8)
    }

    /// Counts the corpus reach of an indicator: active rules that check it anywhere. Zero when
    /// the corpus never checks it.
    pub fn reach(&self, concept: &str, op: Op, value: &str) -> u32 {
        match self.indicator(concept, op, value) {
            Some(indicator) => self.reach_of(indicator, false).rules.total(),
            None => 0,
        }
    }

    /// Reach per vendor and the number of excluding rules.
    pub fn reach_of(&self, indicator: IndicatorId, include_deprecated: bool) -> Reach {
        let rules = self.count_by_vendor(self.indicator_rules(indicator), include_deprecated);
        let excluding = self.indicator_excluding_rules(indicator);
        let limit = if include_deprecated {
            u32::MAX
        } else {
            self.active_bounds[5]
        };
        Reach {
            rules,
            excluding: excluding.count_below(limit) as u32,
        }
    }

    /// Rules of `technique` (sub-techniques included) that check the indicator.
    pub fn reach_under_technique(
        &self,
        indicator: IndicatorId,
        technique: &str,
        include_deprecated: bool,
    ) -> u32 {
        let technique_rules = self.technique_rules(technique, include_deprecated);
        self.reach_among(indicator, &technique_rules)
    }

    /// Counts the rules among `rules` (sorted, as [`Index::technique_rules`] returns them) that
    /// check the indicator. Callers that look up many indicators under one technique fetch the technique's
    /// rules once and use this.
    pub fn reach_among(&self, indicator: IndicatorId, rules: &[RuleId]) -> u32 {
        count_among(self.indicator_rules(indicator), rules)
    }

    /// Lists every rule that checks the indicator, in id order.
    pub fn rules_with_indicator(
        &self,
        indicator: IndicatorId,
        include_deprecated: bool,
    ) -> Vec<RuleId> {
        self.indicator_rules(indicator)
            .iter()
            .filter(|rule| include_deprecated || *rule < self.active_bounds[5])
            .map(RuleId)
            .collect()
    }

    // Fields.

    pub fn field_count(&self) -> usize {
        self.words(Section::Fields).len() / FIELD_WORDS
    }

    /// Finds the field record of `concept` by comparing names directly: fields are far fewer
    /// than strings, so this is shorter than a search of the string table.
    fn find_field(&self, concept: &str) -> Option<usize> {
        let needle = concept.as_bytes();
        let name = |field: usize| {
            self.string_bytes(self.record_word(Section::Fields, FIELD_WORDS, field, 0))
        };
        let position = partition(self.field_count(), |field| name(field) < needle);
        (position < self.field_count() && name(position) == needle).then_some(position)
    }

    /// Lists the concepts the index has statistics for, in name order.
    pub fn field_concepts(&self) -> Vec<&str> {
        (0..self.field_count())
            .map(|field| self.string(self.record(Section::Fields, FIELD_WORDS, field).get(0)))
            .collect()
    }

    /// Lists the names `concept` is written as, with the number of rules using each.
    pub fn field_written_names(&self, concept: &str) -> Vec<(&str, u32)> {
        let Some(field) = self.find_field(concept) else {
            return Vec::new();
        };
        let record = self.record(Section::Fields, FIELD_WORDS, field);
        let names = self.pool(record.get(5), record.get(6).saturating_mul(2));
        (0..names.len() / 2)
            .map(|pair| (self.string(names.get(pair * 2)), names.get(pair * 2 + 1)))
            .collect()
    }

    /// Counts the rules among `rules` (sorted, as [`Index::technique_rules`] returns them) that
    /// test the field concept (or unmapped field name) anywhere in their logic.
    pub fn field_rules_among(&self, concept: &str, rules: &[RuleId]) -> u32 {
        let Some(field) = self.find_field(concept) else {
            return 0;
        };
        let record = self.record(Section::Fields, FIELD_WORDS, field);
        count_among(self.pool(record.get(3), record.get(4)), rules)
    }

    /// Statistics of one field concept (or unmapped field name); `limit` caps the value lists.
    pub fn field_stats(&self, concept: &str, limit: usize) -> Option<FieldStats> {
        let field = self.find_field(concept)?;
        let record = self.record(Section::Fields, FIELD_WORDS, field);
        let rules = self.count_by_vendor(self.pool(record.get(3), record.get(4)), false);
        let mut written_names: Vec<(String, u32)> = self
            .field_written_names(concept)
            .into_iter()
            .map(|(name, rules)| (name.to_owned(), rules))
            .collect();
        written_names.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let ops = self.pool(record.get(7), record.get(8).saturating_mul(2));
        let mut operators: Vec<(Op, u32)> = (0..ops.len() / 2)
            .filter_map(|pair| Some((op_from_code(ops.get(pair * 2))?, ops.get(pair * 2 + 1))))
            .collect();
        operators.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));

        let mut top_values = Vec::new();
        let mut exclusions = Vec::new();
        // The clamped run, so that a corrupt record cannot loop over four billion ids.
        let (first, end) = self.field_indicator_range(field);
        for position in first..end {
            let indicator = IndicatorId(position as u32);
            let Some((_, op, value)) = self.indicator_key(indicator) else {
                continue;
            };
            let reach = self.reach_of(indicator, false);
            let entry = |rules: u32| IndicatorCount {
                id: indicator,
                op,
                value: value.to_owned(),
                rules,
            };
            if reach.rules.total() > 0 {
                top_values.push(entry(reach.rules.total()));
            }
            if reach.excluding > 0 {
                exclusions.push(entry(reach.excluding));
            }
        }
        sort_and_cap(&mut top_values, limit);
        sort_and_cap(&mut exclusions, limit);
        Some(FieldStats {
            concept: concept.to_owned(),
            rules,
            operators,
            written_names,
            top_values,
            exclusions,
        })
    }

    // Techniques.

    fn technique_count(&self) -> usize {
        self.words(Section::Techniques).len() / TECHNIQUE_WORDS
    }

    /// Lists every technique id in the index, sorted.
    pub fn techniques(&self) -> Vec<&str> {
        (0..self.technique_count())
            .map(|t| self.string(self.record(Section::Techniques, TECHNIQUE_WORDS, t).get(0)))
            .collect()
    }

    /// Rules tagged with `technique` or one of its sub-techniques (`T1059` includes
    /// `T1059.001`), in id order.
    pub fn technique_rules(&self, technique: &str, include_deprecated: bool) -> Vec<RuleId> {
        let technique = technique.trim().to_uppercase();
        let sub_prefix = format!("{technique}.");
        let mut rules = BTreeSet::new();
        let first = self.first_technique_at_or_after(&technique);
        for position in first..self.technique_count() {
            let record = self.record(Section::Techniques, TECHNIQUE_WORDS, position);
            let name = self.string(record.get(0));
            if name != technique && !name.starts_with(&sub_prefix) {
                break;
            }
            rules.extend(self.pool(record.get(2), record.get(3)).iter());
        }
        rules
            .into_iter()
            .filter(|rule| include_deprecated || *rule < self.active_bounds[5])
            .map(RuleId)
            .collect()
    }

    /// Returns the ATT&CK name of a technique id (`Command and Scripting Interpreter:
    /// PowerShell` for `T1059.001`), as the indexed rules most often give it. `None` when the
    /// id is not in the index or no indexed rule names it.
    pub fn technique_name(&self, technique: &str) -> Option<&str> {
        let technique = technique.trim().to_uppercase();
        let position = self.first_technique_at_or_after(&technique);
        if position >= self.technique_count() {
            return None;
        }
        let record = self.record(Section::Techniques, TECHNIQUE_WORDS, position);
        if self.string(record.get(0)) != technique {
            return None;
        }
        let name = self.string(record.get(1));
        (!name.is_empty()).then_some(name)
    }

    fn first_technique_at_or_after(&self, technique: &str) -> usize {
        let (mut low, mut high) = (0usize, self.technique_count());
        while low < high {
            let middle = low + (high - low) / 2;
            let record = self.record(Section::Techniques, TECHNIQUE_WORDS, middle);
            if self.string(record.get(0)) < technique {
                low = middle + 1;
            } else {
                high = middle;
            }
        }
        low
    }

    /// Rules of a technique per vendor.
    pub fn technique_counts(&self, technique: &str, include_deprecated: bool) -> VendorCounts {
        let mut counts = [0u32; 5];
        for rule in self.technique_rules(technique, include_deprecated) {
            let vendor = self.rule(rule).and_then(|info| info.vendor);
            if let Some(vendor) = vendor {
                if let Some(count) = counts.get_mut(crate::format::vendor_code(vendor) as usize) {
                    *count += 1;
                }
            }
        }
        VendorCounts(counts)
    }

    // Peers.

    /// Rules that share a technique with the query, or, when it has none, rules that read one
    /// of its data sources and check one of its field concepts.
    pub fn peers(&self, query: &PeerQuery<'_>) -> Vec<RuleId> {
        if !query.techniques.is_empty() {
            let mut peers = BTreeSet::new();
            for technique in &query.techniques {
                peers.extend(self.technique_rules(technique, query.include_deprecated));
            }
            return peers.into_iter().collect();
        }
        let mut candidates = BTreeSet::new();
        for (kind, value) in &query.data_sources {
            candidates.extend(self.data_source_rules(*kind, value));
        }
        let concepts: BTreeSet<&str> = query.concepts.iter().copied().collect();
        candidates
            .into_iter()
            .filter(|rule| query.include_deprecated || !self.is_deprecated(*rule))
            .filter(|rule| {
                self.rule_indicators(*rule).iter().any(|entry| {
                    self.indicator_key(entry.indicator)
                        .is_some_and(|(concept, _, _)| concepts.contains(concept))
                })
            })
            .collect()
    }

    /// Finds the peers of an indexed rule, without the rule itself.
    pub fn peers_of(&self, rule: RuleId) -> Vec<RuleId> {
        let techniques = self.rule_techniques(rule);
        let sources = self.rule_data_sources(rule);
        let keys: Vec<(&str, Op, &str)> = self
            .rule_indicators(rule)
            .iter()
            .filter_map(|entry| self.indicator_key(entry.indicator))
            .collect();
        let query = PeerQuery {
            techniques,
            data_sources: sources,
            concepts: keys.iter().map(|(concept, _, _)| *concept).collect(),
            include_deprecated: self.is_deprecated(rule),
        };
        let mut peers = self.peers(&query);
        peers.retain(|peer| *peer != rule);
        peers
    }

    /// Rules that read the data source (`kind`, `value`).
    pub fn data_source_rules(&self, kind: DataSourceKind, value: &str) -> Vec<RuleId> {
        let Some(value) = self.string_id(value) else {
            return Vec::new();
        };
        let kind = crate::format::code_of(&SOURCE_KINDS, kind);
        let count = self.words(Section::Sources).len() / SOURCE_WORDS;
        let key = (kind, value);
        let position = partition(count, |position| {
            let record = self.record(Section::Sources, SOURCE_WORDS, position);
            (record.get(0), record.get(1)) < key
        });
        let record = self.record(Section::Sources, SOURCE_WORDS, position);
        if position >= count || (record.get(0), record.get(1)) != key {
            return Vec::new();
        }
        self.pool(record.get(2), record.get(3))
            .iter()
            .map(RuleId)
            .collect()
    }

    // Duplicates.

    /// Rules whose predicate set hashes to `hash`.
    pub fn rules_with_predicate_hash(&self, hash: u64) -> Vec<RuleId> {
        let count = self.words(Section::Duplicates).len() / DUPLICATE_WORDS;
        let hash_of = |position: usize| {
            let record = self.record(Section::Duplicates, DUPLICATE_WORDS, position);
            u64::from(record.get(0)) | (u64::from(record.get(1)) << 32)
        };
        let first = partition(count, |position| hash_of(position) < hash);
        (first..count)
            .take_while(|position| hash_of(*position) == hash)
            .map(|position| {
                RuleId(
                    self.record(Section::Duplicates, DUPLICATE_WORDS, position)
                        .get(2),
                )
            })
            .collect()
    }

    /// Indexed rules with the same predicate set as `rule` (which need not be indexed).
    pub fn same_predicate_set(&self, rule: &Rule, taxonomy: &Taxonomy) -> Vec<RuleId> {
        self.same_predicate_set_as(&rule_indicators(rule, taxonomy))
    }

    /// Indexed rules with the same predicate set as a rule whose indicators the caller has
    /// already listed.
    pub fn same_predicate_set_as(&self, indicators: &[RuleIndicator<'_>]) -> Vec<RuleId> {
        match predicate_set_hash(indicators) {
            Some(hash) => self.rules_with_predicate_hash(hash),
            None => Vec::new(),
        }
    }

    /// Groups of two or more indexed rules with the same predicate set.
    pub fn duplicate_groups(&self) -> Vec<Vec<RuleId>> {
        let count = self.words(Section::Duplicates).len() / DUPLICATE_WORDS;
        let mut groups = Vec::new();
        let mut current: Vec<RuleId> = Vec::new();
        let mut current_hash = None;
        for position in 0..count {
            let record = self.record(Section::Duplicates, DUPLICATE_WORDS, position);
            let hash = u64::from(record.get(0)) | (u64::from(record.get(1)) << 32);
            if current_hash != Some(hash) {
                if current.len() > 1 {
                    groups.push(std::mem::take(&mut current));
                }
                current.clear();
                current_hash = Some(hash);
            }
            current.push(RuleId(record.get(2)));
        }
        if current.len() > 1 {
            groups.push(current);
        }
        groups
    }

    // Build metadata.

    /// Returns the names of the folders the index was built from.
    pub fn build_inputs(&self) -> Vec<&str> {
        let meta = self.words(Section::Meta);
        self.pool(meta.get(15), meta.get(16))
            .iter()
            .map(|id| self.string(id))
            .collect()
    }

    /// Files the build looked at and files it skipped.
    pub fn build_file_counts(&self) -> (u32, u32) {
        let meta = self.words(Section::Meta);
        (meta.get(13), meta.get(14))
    }
}

/// The first position in `0..count` where `is_before` is false; `is_before` must be true for a
/// prefix of the positions and false after it.
/// Counts the rules of a sorted posting list that are among `rules` (sorted), walking the
/// shorter of the two and searching the longer.
fn count_among(postings: Words<'_>, rules: &[RuleId]) -> u32 {
    let count = if postings.len() < rules.len() {
        postings
            .iter()
            .filter(|rule| rules.binary_search(&RuleId(*rule)).is_ok())
            .count()
    } else {
        rules
            .iter()
            .filter(|rule| postings.contains_sorted(rule.0))
            .count()
    };
    count as u32
}

fn partition(count: usize, is_before: impl Fn(usize) -> bool) -> usize {
    let (mut low, mut high) = (0usize, count);
    while low < high {
        let middle = low + (high - low) / 2;
        if is_before(middle) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    low
}

fn sort_and_cap(counts: &mut Vec<IndicatorCount>, limit: usize) {
    counts.sort_by(|a, b| {
        b.rules
            .cmp(&a.rules)
            .then_with(|| a.op.cmp(&b.op))
            .then_with(|| a.value.cmp(&b.value))
    });
    counts.truncate(limit);
}

/// Checks magic, version, length and checksum; returns the absolute byte ranges of the
/// sections.
fn check_header(bytes: &[u8], source: &str) -> Result<[(usize, usize); SECTION_COUNT], IndexError> {
    let truncated = |expected: u64| IndexError::Truncated {
        path: source.to_owned(),
        expected,
        found: bytes.len() as u64,
    };
    if bytes.len() < MAGIC.len() || bytes.get(..MAGIC.len()) != Some(&MAGIC[..]) {
        if bytes.len() < MAGIC.len() && MAGIC.starts_with(bytes) && !bytes.is_empty() {
            return Err(truncated(HEADER_LEN as u64));
        }
        return Err(IndexError::NotAnIndex {
            path: source.to_owned(),
        });
    }
    if bytes.len() < HEADER_LEN {
        return Err(truncated(HEADER_LEN as u64));
    }
    let header = Words::new(bytes.get(..HEADER_LEN).unwrap_or(&[]));
    let version = header.get(2);
    if version != FORMAT_VERSION {
        return Err(IndexError::VersionMismatch {
            path: source.to_owned(),
            found: version,
            expected: FORMAT_VERSION,
        });
    }
    let section_count = header.get(3) as usize;
    let payload_len = u64::from(header.get(4)) | (u64::from(header.get(5)) << 32);
    let stored_checksum = u64::from(header.get(6)) | (u64::from(header.get(7)) << 32);
    let expected_len = HEADER_LEN as u64 + payload_len;
    if (bytes.len() as u64) < expected_len {
        return Err(truncated(expected_len));
    }
    if bytes.len() as u64 > expected_len {
        return Err(IndexError::corrupt(
            source,
            format!(
                "{} bytes after the end of the index",
                bytes.len() as u64 - expected_len
            ),
        ));
    }
    let payload = bytes.get(HEADER_LEN..).unwrap_or(&[]);
    if checksum(payload) != stored_checksum {
        return Err(IndexError::corrupt(source, "checksum mismatch"));
    }
    if section_count != SECTION_COUNT {
        return Err(IndexError::corrupt(
            source,
            format!("{section_count} sections, expected {SECTION_COUNT}"),
        ));
    }
    let table = Words::new(payload);
    let mut sections = [(0usize, 0usize); SECTION_COUNT];
    for (index, section) in sections.iter_mut().enumerate() {
        let offset = table.get(index * 2) as usize;
        let len = table.get(index * 2 + 1) as usize;
        if offset % 4 != 0 || offset.saturating_add(len) > payload.len() {
            return Err(IndexError::corrupt(
                source,
                format!("section {index} out of bounds"),
            ));
        }
        *section = (HEADER_LEN + offset, len);
    }
    Ok(sections)
}

#[cfg(test)]
#[path = "index_tests.rs"]
pub(crate) mod tests;
