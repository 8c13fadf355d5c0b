//! The field taxonomy: vendor field names, in the context of a log source, mapped to canonical
//! concepts.
//!
//! Detection rules name one thing many ways: Sigma `Image`, ECS `process.executable`, Splunk CIM
//! `process_path` and Defender `DeviceProcessEvents.FolderPath` all hold the path of a process
//! image. A *concept* is the canonical id for such a thing (the ECS field name where ECS has
//! one, an `ext:` id where it has none). A *system* is the naming scheme a rule uses, which
//! follows from its vendor. A *context* is a log source selector that changes what a name
//! means: a Sigma category, service or product, a CIM dataset, a Sentinel or Defender table,
//! a Panther log type, or an Elastic index pattern. A context that ends in `*` (other than `*`
//! alone) is a prefix: `logs-azure*` applies to every selector that starts with `logs-azure`.
//!
//! The data lives in `data/taxonomy.tsv`, owned and reviewed by the project; its header
//! explains the columns and the lookup order.

use rulelens_syntax::{DataSource, DataSourceKind, Rule, Vendor};
use rustc_hash::FxHashMap as HashMap;
use std::fmt;
use std::sync::OnceLock;

/// The taxonomy shipped with RuleLens.
const BUILTIN_TSV: &str = include_str!("../data/taxonomy.tsv");

/// The naming scheme of a rule's fields, one per vendor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FieldSystem {
    Sigma,
    /// Elastic Common Schema and Elastic integration fields.
    Ecs,
    /// Splunk Common Information Model and Splunk built-in fields.
    Cim,
    /// Sentinel (ASIM and native tables) and Defender XDR columns.
    Kql,
    Panther,
}

impl FieldSystem {
    pub const ALL: [FieldSystem; 5] = [
        FieldSystem::Sigma,
        FieldSystem::Ecs,
        FieldSystem::Cim,
        FieldSystem::Kql,
        FieldSystem::Panther,
    ];

    /// The system whose names a rule of `vendor` uses.
    pub fn of_vendor(vendor: Vendor) -> FieldSystem {
        match vendor {
            Vendor::Sigma => FieldSystem::Sigma,
            Vendor::Elastic => FieldSystem::Ecs,
            Vendor::Splunk => FieldSystem::Cim,
            Vendor::Sentinel => FieldSystem::Kql,
            Vendor::Panther => FieldSystem::Panther,
        }
    }

    /// The name used in the `system` column of the data file.
    pub fn name(self) -> &'static str {
        match self {
            FieldSystem::Sigma => "sigma",
            FieldSystem::Ecs => "ecs",
            FieldSystem::Cim => "cim",
            FieldSystem::Kql => "kql",
            FieldSystem::Panther => "panther",
        }
    }

    fn from_name(name: &str) -> Option<FieldSystem> {
        FieldSystem::ALL
            .into_iter()
            .find(|system| system.name() == name)
    }
}

/// A canonical concept: an index into the taxonomy's concept table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ConceptId(u32);

impl ConceptId {
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// Where a field is used: the naming system and the log source selectors that apply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldContext<'a> {
    pub system: FieldSystem,
    /// Selectors in the order they are tried: the most specific first.
    pub selectors: Vec<&'a str>,
}

impl<'a> FieldContext<'a> {
    /// The context of the fields of `rule`: its vendor's system, and its data sources ordered
    /// from the most specific (a Sigma category, a table, a data model) to the least.
    pub fn of_rule(rule: &'a Rule) -> FieldContext<'a> {
        FieldContext::from_sources(rule.format.vendor(), &rule.data_sources)
    }

    /// The context for a rule of `vendor` reading `data_sources`.
    pub fn from_sources(vendor: Vendor, data_sources: &'a [DataSource]) -> FieldContext<'a> {
        let mut ordered: Vec<&'a DataSource> = data_sources.iter().collect();
        ordered.sort_by_key(|source| selector_rank(source.kind));
        let mut selectors = Vec::new();
        for source in ordered {
            push_selector(&mut selectors, &source.value);
        }
        FieldContext {
            system: FieldSystem::of_vendor(vendor),
            selectors,
        }
    }

    /// A context with no log source, for names looked up on their own.
    pub fn bare(system: FieldSystem) -> FieldContext<'static> {
        FieldContext {
            system,
            selectors: Vec::new(),
        }
    }

    /// The same context with a field's own data model (`Endpoint.Processes`) tried first.
    pub fn with_data_model(&self, data_model: Option<&'a str>) -> FieldContext<'a> {
        let mut selectors = Vec::new();
        if let Some(data_model) = data_model {
            push_selector(&mut selectors, data_model);
        }
        selectors.extend(self.selectors.iter().copied());
        FieldContext {
            system: self.system,
            selectors,
        }
    }
}

/// Adds a selector, and for a dotted CIM data model (`Endpoint.Processes`) also its dataset
/// (`Processes`), which is how the data file names CIM contexts.
fn push_selector<'a>(selectors: &mut Vec<&'a str>, value: &'a str) {
    selectors.push(value);
    if let Some((_, dataset)) = value.rsplit_once('.') {
        if !dataset.is_empty() {
            selectors.push(dataset);
        }
    }
}

/// Lower ranks are tried first: a Sigma category says more about a field than its product.
fn selector_rank(kind: DataSourceKind) -> u8 {
    match kind {
        DataSourceKind::SigmaCategory | DataSourceKind::DataModel | DataSourceKind::Table => 0,
        DataSourceKind::SigmaService | DataSourceKind::LogType | DataSourceKind::Sourcetype => 1,
        DataSourceKind::SigmaProduct | DataSourceKind::IndexPattern => 2,
        DataSourceKind::SplunkIndex | DataSourceKind::Source => 3,
    }
}

/// The key of one mapping: system, lower-cased context (`*` for any), lower-cased field name.
type MappingKey = (FieldSystem, String, String);

/// One written alias of a concept, for listings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alias {
    pub system: FieldSystem,
    /// `*` or the context the name is valid in.
    pub context: String,
    pub field: String,
}

/// The field taxonomy: concepts and the vendor names that map to them.
#[derive(Debug)]
pub struct Taxonomy {
    concepts: Vec<String>,
    concept_ids: HashMap<String, ConceptId>,
    aliases: Vec<Vec<Alias>>,
    mappings: HashMap<MappingKey, ConceptId>,
    /// The rows of `mappings`, and the rows whose context is a prefix, by lower-cased field
    /// name alone:
    /// [`Taxonomy::concept`] runs for every predicate of every rule a lint checks. One hash
    /// lookup followed by a scan of a few rows, with no key to build, costs less than a
    /// lookup per selector.
    by_field: HashMap<String, FieldRows>,
    /// Lower-cased names listed for exactly one concept across all systems; `None` marks a name
    /// listed for several.
    global: HashMap<String, Option<ConceptId>>,
    /// Lower-cased concept ids, so that a name equal to a concept id resolves to that concept
    /// even when another row also lists the name.
    concept_ids_lower: HashMap<String, ConceptId>,
}

/// The rows that map one lower-cased field name, with lower-cased contexts.
#[derive(Debug, Default)]
struct FieldRows {
    exact: Vec<(FieldSystem, String, ConceptId)>,
    /// Prefix contexts, without their `*`.
    prefixes: Vec<(FieldSystem, String, ConceptId)>,
}

/// A line of the taxonomy file that could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("taxonomy line {line}: {message}")]
pub struct TaxonomyError {
    pub line: usize,
    pub message: String,
}

impl Taxonomy {
    /// The taxonomy shipped with RuleLens, read once.
    pub fn builtin() -> &'static Taxonomy {
        static BUILTIN: OnceLock<Taxonomy> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            // The shipped file is checked by a unit test, so an error here means the binary
            // was built from a broken checkout; an empty taxonomy keeps the tool usable.
            Taxonomy::parse(BUILTIN_TSV).unwrap_or_else(|_| Taxonomy::empty())
        })
    }

    fn empty() -> Taxonomy {
        Taxonomy {
            concepts: Vec::new(),
            concept_ids: HashMap::default(),
            aliases: Vec::new(),
            mappings: HashMap::default(),
            by_field: HashMap::default(),
            global: HashMap::default(),
            concept_ids_lower: HashMap::default(),
        }
    }

    /// Reads a taxonomy in the `data/taxonomy.tsv` format. A name listed twice for the same
    /// system and context with different concepts is an error, because the lookup would
    /// depend on line order.
    pub fn parse(text: &str) -> Result<Taxonomy, TaxonomyError> {
        let mut taxonomy = Taxonomy::empty();
        for (index, line) in text.lines().enumerate() {
            let line_number = index + 1;
            if line.trim().is_empty() || line.starts_with('#') || line.starts_with("concept\t") {
                continue;
            }
            taxonomy.add_line(line).map_err(|message| TaxonomyError {
                line: line_number,
                message,
            })?;
        }
        Ok(taxonomy)
    }

    fn add_line(&mut self, line: &str) -> Result<(), String> {
        let columns: Vec<&str> = line.split('\t').collect();
        let [concept, system, context, fields] = columns[..] else {
            return Err(format!(
                "expected 4 tab-separated columns, found {}",
                columns.len()
            ));
        };
        let system = FieldSystem::from_name(system).ok_or_else(|| {
            format!("unknown system `{system}`: use sigma, ecs, cim, kql or panther")
        })?;
        if concept.is_empty() || context.is_empty() {
            return Err("empty concept or context column".to_owned());
        }
        let id = self.intern_concept(concept);
        let prefix = context
            .strip_suffix('*')
            .filter(|prefix| !prefix.is_empty())
            .map(str::to_lowercase);
        for field in fields.split('|').filter(|field| !field.is_empty()) {
            let rows = self.by_field.entry(field.to_lowercase()).or_default();
            if let Some(prefix) = &prefix {
                rows.prefixes.push((system, prefix.clone(), id));
            }
            let key = (system, context.to_lowercase(), field.to_lowercase());
            match self.mappings.insert(key, id) {
                Some(existing) if existing != id => {
                    return Err(format!(
                        "`{field}` in context `{context}` is already mapped to `{}`",
                        self.concept_name(existing)
                    ));
                }
                Some(_) => {}
                None => rows.exact.push((system, context.to_lowercase(), id)),
            }
            self.note_global(field, id);
            if let Some(aliases) = self.aliases.get_mut(id.index()) {
                aliases.push(Alias {
                    system,
                    context: context.to_owned(),
                    field: field.to_owned(),
                });
            }
        }
        Ok(())
    }

    fn intern_concept(&mut self, concept: &str) -> ConceptId {
        if let Some(id) = self.concept_ids.get(concept) {
            return *id;
        }
        let id = ConceptId(u32::try_from(self.concepts.len()).unwrap_or(u32::MAX));
        self.concepts.push(concept.to_owned());
        self.aliases.push(Vec::new());
        self.concept_ids.insert(concept.to_owned(), id);
        self.concept_ids_lower.insert(concept.to_lowercase(), id);
        // A concept id is also a name for itself, so ECS names written in any rule resolve.
        self.note_global(concept, id);
        id
    }

    fn note_global(&mut self, field: &str, id: ConceptId) {
        let entry = self.global.entry(field.to_lowercase()).or_insert(Some(id));
        if *entry != Some(id) {
            *entry = None;
        }
    }

    /// Maps `field` as written in `context` to its concept, or `None` when the taxonomy does
    /// not know the name (the caller then keeps the written name).
    ///
    /// Lookup order: each of the context's selectors in turn, first as a row naming that
    /// selector and then as the longest prefix row that matches it. After the selectors come
    /// the system's `*` rows, then a name listed for exactly one concept in any system, and
    /// last a name equal to a concept id.
    pub fn concept(&self, field: &str, context: &FieldContext<'_>) -> Option<ConceptId> {
        with_lowercase(field, |field_key| {
            if let Some(rows) = self.by_field.get(field_key) {
                for selector in &context.selectors {
                    let exact = rows.exact.iter().find(|(system, row_context, _)| {
                        *system == context.system && equals_lowercase(selector, row_context)
                    });
                    if let Some((_, _, id)) = exact {
                        return Some(*id);
                    }
                    let longest_prefix = rows
                        .prefixes
                        .iter()
                        .filter(|(system, prefix, _)| {
                            *system == context.system && starts_with_lowercase(selector, prefix)
                        })
                        .max_by_key(|(_, prefix, _)| prefix.len());
                    if let Some((_, _, id)) = longest_prefix {
                        return Some(*id);
                    }
                }
                let any_context = rows.exact.iter().find(|(system, row_context, _)| {
                    *system == context.system && row_context == "*"
                });
                if let Some((_, _, id)) = any_context {
                    return Some(*id);
                }
            }
            self.global
                .get(field_key)
                .copied()
                .flatten()
                .or_else(|| self.concept_ids_lower.get(field_key).copied())
        })
    }

    /// The concept id of `field` in `context`, or the field name as written when unmapped.
    pub fn concept_or_written<'t>(&'t self, field: &'t str, context: &FieldContext<'_>) -> &'t str {
        match self.concept(field, context) {
            Some(id) => self.concept_name(id),
            None => field,
        }
    }

    /// The canonical name of a concept.
    pub fn concept_name(&self, id: ConceptId) -> &str {
        self.concepts.get(id.index()).map_or("", String::as_str)
    }

    /// Looks a concept up by its canonical name.
    pub fn concept_by_name(&self, name: &str) -> Option<ConceptId> {
        self.concept_ids.get(name).copied()
    }

    /// Every alias listed for a concept, in file order.
    pub fn aliases(&self, id: ConceptId) -> &[Alias] {
        self.aliases.get(id.index()).map_or(&[], Vec::as_slice)
    }

    /// All concepts, in file order.
    pub fn concepts(&self) -> impl Iterator<Item = ConceptId> + '_ {
        (0..self.concepts.len()).map(|index| ConceptId(u32::try_from(index).unwrap_or(u32::MAX)))
    }

    /// Whether `field` is a name the taxonomy lists anywhere (or a concept id itself).
    pub fn knows_name(&self, field: &str) -> bool {
        with_lowercase(field, |field| self.global.contains_key(field))
    }
}

/// Calls `f` with `text` in lower case, without allocating when `text` is short ASCII, which
/// field names nearly always are.
fn with_lowercase<R>(text: &str, f: impl FnOnce(&str) -> R) -> R {
    const BUFFER: usize = 128;
    if !text.is_ascii() || text.len() > BUFFER {
        return f(&text.to_lowercase());
    }
    if !text.bytes().any(|byte| byte.is_ascii_uppercase()) {
        return f(text);
    }
    let mut buffer = [0u8; BUFFER];
    let lower = &mut buffer[..text.len()];
    lower.copy_from_slice(text.as_bytes());
    lower.make_ascii_lowercase();
    match std::str::from_utf8(lower) {
        Ok(lower) => f(lower),
        // Lower-casing ASCII bytes keeps them ASCII; this arm only satisfies the types.
        Err(_) => f(&text.to_lowercase()),
    }
}

/// Tells whether `text` lower-cased equals `lower`, which is already lower case.
fn equals_lowercase(text: &str, lower: &str) -> bool {
    if text.is_ascii() {
        text.eq_ignore_ascii_case(lower)
    } else {
        text.to_lowercase() == lower
    }
}

/// Tells whether `text` lower-cased starts with `prefix`, which is already lower case.
fn starts_with_lowercase(text: &str, prefix: &str) -> bool {
    if text.is_ascii() {
        text.len() >= prefix.len()
            && text.as_bytes()[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
    } else {
        text.to_lowercase().starts_with(prefix)
    }
}

impl fmt::Display for FieldSystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rulelens_syntax::TextRange;

    fn source(kind: DataSourceKind, value: &str) -> DataSource {
        DataSource {
            kind,
            value: value.to_owned(),
            range: TextRange::default(),
        }
    }

    fn concept_of(vendor: Vendor, sources: &[DataSource], field: &str) -> Option<String> {
        let taxonomy = Taxonomy::builtin();
        let context = FieldContext::from_sources(vendor, sources);
        taxonomy
            .concept(field, &context)
            .map(|id| taxonomy.concept_name(id).to_owned())
    }

    #[test]
    fn lower_case_helpers_match_to_lowercase() {
        let long = "A".repeat(200);
        for text in [
            "Image",
            "image",
            "TargetFilename",
            "Ünïcode",
            "",
            long.as_str(),
        ] {
            with_lowercase(text, |lower| assert_eq!(lower, text.to_lowercase()));
        }
        assert!(equals_lowercase("Process_Creation", "process_creation"));
        assert!(equals_lowercase("ÄBC", "äbc"));
        assert!(!equals_lowercase("process", "process_creation"));
        assert!(starts_with_lowercase("Logs-Azure.Activity", "logs-azure"));
        assert!(starts_with_lowercase("ÄBC-x", "äbc"));
        assert!(!starts_with_lowercase("logs", "logs-azure"));
    }

    #[test]
    fn lookup_ignores_case_of_field_and_selectors() {
        let taxonomy = Taxonomy::parse(concat!(
            "c.one\tsigma\tprocess_creation\tImage\n",
            "c.two\tsigma\t*\tImage\n",
            "c.three\tecs\tlogs-azure*\tuser\n",
        ))
        .expect("valid taxonomy");
        let name = |field: &str, system: FieldSystem, selectors: &[&str]| {
            let context = FieldContext {
                system,
                selectors: selectors.to_vec(),
            };
            taxonomy
                .concept(field, &context)
                .map(|id| taxonomy.concept_name(id).to_owned())
        };
        let sigma = FieldSystem::Sigma;
        assert_eq!(
            name("IMAGE", sigma, &["Process_Creation"]).as_deref(),
            Some("c.one")
        );
        assert_eq!(
            name("image", sigma, &["file_event"]).as_deref(),
            Some("c.two")
        );
        assert_eq!(
            name("User", FieldSystem::Ecs, &["LOGS-AZURE.signin"]).as_deref(),
            Some("c.three")
        );
        // Outside the prefix, the name still resolves: it is listed for one concept only.
        assert_eq!(
            name("USER", FieldSystem::Ecs, &["logs-aws"]).as_deref(),
            Some("c.three")
        );
        assert_eq!(name("Users", FieldSystem::Ecs, &["LOGS-AZURE"]), None);
    }

    #[test]
    fn builtin_taxonomy_parses() {
        let parsed = Taxonomy::parse(BUILTIN_TSV);
        assert!(parsed.is_ok(), "{:?}", parsed.err());
        let taxonomy = parsed.unwrap_or_else(|_| Taxonomy::empty());
        assert!(taxonomy.concepts().count() > 250);
    }

    #[test]
    fn process_image_names_share_concept() {
        let process_creation = [
            source(DataSourceKind::SigmaProduct, "windows"),
            source(DataSourceKind::SigmaCategory, "process_creation"),
        ];
        let expected = Some("process.executable".to_owned());
        assert_eq!(
            concept_of(Vendor::Sigma, &process_creation, "Image"),
            expected
        );
        assert_eq!(
            concept_of(Vendor::Elastic, &[], "process.executable"),
            expected
        );
        assert_eq!(concept_of(Vendor::Splunk, &[], "process_path"), expected);
        let defender = [source(DataSourceKind::Table, "DeviceProcessEvents")];
        assert_eq!(
            concept_of(Vendor::Sentinel, &defender, "FolderPath"),
            expected
        );
    }

    #[test]
    fn source_address_names_share_concept() {
        let expected = Some("source.ip".to_owned());
        assert_eq!(concept_of(Vendor::Splunk, &[], "src_ip"), expected);
        assert_eq!(concept_of(Vendor::Splunk, &[], "src"), expected);
        assert_eq!(concept_of(Vendor::Sigma, &[], "SourceIp"), expected);
        assert_eq!(concept_of(Vendor::Elastic, &[], "source.ip"), expected);
        assert_eq!(concept_of(Vendor::Sentinel, &[], "SrcIpAddr"), expected);
    }

    #[test]
    fn table_context_changes_meaning() {
        let file_events = [source(DataSourceKind::Table, "DeviceFileEvents")];
        assert_eq!(
            concept_of(Vendor::Sentinel, &file_events, "FolderPath"),
            Some("file.path".to_owned())
        );
        let processes = [source(DataSourceKind::DataModel, "Endpoint.Processes")];
        assert_eq!(
            concept_of(Vendor::Splunk, &processes, "dest"),
            Some("host.name".to_owned())
        );
        assert_eq!(
            concept_of(Vendor::Splunk, &[], "dest"),
            Some("destination.ip".to_owned())
        );
    }

    #[test]
    fn field_lookup_ignores_case() {
        assert_eq!(
            concept_of(Vendor::Sigma, &[], "commandline"),
            Some("process.command_line".to_owned())
        );
    }

    #[test]
    fn unknown_field_keeps_written_name() {
        let taxonomy = Taxonomy::builtin();
        let context = FieldContext::bare(FieldSystem::Sigma);
        assert_eq!(taxonomy.concept("NoSuchField42", &context), None);
        assert_eq!(
            taxonomy.concept_or_written("NoSuchField42", &context),
            "NoSuchField42"
        );
    }

    #[test]
    fn ecs_name_resolves_in_other_systems() {
        assert_eq!(
            concept_of(Vendor::Sigma, &[], "source.ip"),
            Some("source.ip".to_owned())
        );
    }

    #[test]
    fn prefix_context_matches_index_patterns() {
        let text = "user.id\tecs\t*\tuser.id\next:cloud.user.id\tecs\tlogs-azure*\tuser.id\n\
                    ext:entra.user.id\tecs\tlogs-azure.signinlogs*\tuser.id\n";
        let taxonomy = Taxonomy::parse(text).unwrap_or_else(|_| Taxonomy::empty());
        let name_in = |pattern: &str| {
            let sources = [source(DataSourceKind::IndexPattern, pattern)];
            let context = FieldContext::from_sources(Vendor::Elastic, &sources);
            taxonomy
                .concept("user.id", &context)
                .map(|id| taxonomy.concept_name(id).to_owned())
        };
        assert_eq!(
            name_in("logs-azure.activitylogs-*").as_deref(),
            Some("ext:cloud.user.id")
        );
        assert_eq!(
            name_in("logs-azure.signinlogs-*").as_deref(),
            Some("ext:entra.user.id")
        );
        assert_eq!(name_in("logs-windows.*").as_deref(), Some("user.id"));
        // Another system that lists no `user.id` still resolves the concept id.
        let sigma = FieldContext::bare(FieldSystem::Sigma);
        let sigma_concept = taxonomy.concept("user.id", &sigma);
        assert_eq!(
            sigma_concept.map(|id| taxonomy.concept_name(id)),
            Some("user.id")
        );
    }

    #[test]
    fn conflicting_line_is_rejected() {
        let text = "a\tsigma\t*\tX\nb\tsigma\t*\tx\n";
        let error = Taxonomy::parse(text).err();
        assert_eq!(error.as_ref().map(|e| e.line), Some(2));
        let bad_system = Taxonomy::parse("a\tnope\t*\tX\n").err();
        assert_eq!(bad_system.map(|e| e.line), Some(1));
    }
}
