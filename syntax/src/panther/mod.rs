//! The Panther front end: analysis YAML files from `panther-analysis`.
//!
//! A file describes one analysis item by its `AnalysisType`. Rules, scheduled rules, policies,
//! correlation rules and scheduled or saved queries become one [`Rule`] each. Packs, data
//! models, lookup tables and globals contain no detection, so they yield no rule.
//!
//! Where the logic comes from:
//!
//! - `Detection:` with match expressions (a simple detection), lowered by
//!   [`detection::DetectionLowerer`];
//! - `Detection:` with `Group` or `Sequence` (a correlation rule): the referenced rule ids are
//!   kept in [`PantherDocument::correlation_rule_ids`] and the logic is opaque;
//! - `Query:`, `SnowflakeQuery:` or `AthenaQuery:`, lowered by [`sql`]; a query holding
//!   Jinja template tags (`{{ }}`, `{% %}`) is opaque, because it is SQL only once expanded;
//! - `Filename:` naming a Python file: [`parse_with_python`] reads its `rule(event)` function
//!   when the caller has its text, and [`parse_beside`] reads the file from the YAML's folder;
//!   [`parse`] alone leaves that logic opaque. The Python code is read, never run.
//!
//! The YAML is loaded by [`yaml::load`], which also reads files `saphyr` rejects.

pub mod detection;
pub mod python;
pub mod sql;
pub mod test_fields;
pub mod yaml;

use crate::diagnostic::{Diagnostic, Severity};
use crate::embed::yaml_scalar;
use crate::ir::{
    DataSource, DataSourceKind, Expr, Format, Language, Opaque, Rule, Spanned, TextRange,
};
use crate::{Document, ParsedFile, Tree};
use std::path::Path;
use yaml::{YamlNode, YamlValue};

/// The lint id of a Python file that `Filename:` names and that exists but cannot be read.
pub const UNREADABLE_PYTHON: &str = "syntax/unreadable-python-file";

/// The analysis types that describe a detection.
const DETECTION_TYPES: &[&str] = &[
    "rule",
    "scheduled_rule",
    "policy",
    "correlation_rule",
    "scheduled_query",
    "saved_query",
];

/// The keys that hold a query, in the order they are preferred.
const QUERY_KEYS: &[&str] = &["SnowflakeQuery", "Query", "AthenaQuery"];

/// The maximum nesting of test events walked for field names.
const MAX_TEST_DEPTH: usize = 64;

/// The Panther-specific keys of one analysis item, kept beside its IR.
#[derive(Clone, Debug, Default)]
pub struct PantherDocument {
    pub analysis_type: Option<Spanned<String>>,
    pub enabled: Option<Spanned<bool>>,
    /// `Filename:`, the Python file with the rule's logic.
    pub python_file: Option<Spanned<String>>,
    /// Whether the logic was read from the Python file. Every range of that logic then
    /// points at the `Filename:` value, because diagnostics are reported on the YAML file.
    pub logic_from_python: bool,
    /// `ScheduledQueries:` of a scheduled rule.
    pub scheduled_queries: Vec<Spanned<String>>,
    /// `RuleID`s a correlation rule's `Group` or `Sequence` refers to.
    pub correlation_rule_ids: Vec<Spanned<String>>,
    /// Dotted field names the `Tests` sample events use, sorted and without repeats.
    pub observed_fields: Vec<String>,
    /// The key the SQL query came from (`Query`, `SnowflakeQuery`, `AthenaQuery`).
    pub query_key: Option<String>,
}

/// Parses one Panther analysis file without its Python file.
pub fn parse(text: &str) -> ParsedFile {
    parse_with_python(text, None)
}

/// Returns the `Filename:` of a Panther file, so that a caller with file access can read the
/// Python file beside it and pass it to [`parse_with_python`].
pub fn python_file_name(text: &str) -> Option<String> {
    let (root, _) = yaml::load(text);
    let name = root?.get("Filename")?.as_str()?.to_owned();
    name.ends_with(".py").then_some(name)
}

/// Parses one Panther analysis file; `python` is the text of the file `Filename:` names.
pub fn parse_with_python(text: &str, python: Option<&str>) -> ParsedFile {
    parse_loading_python(text, &mut |_| python.map(|p| Ok(p.to_owned())))
}

/// Parses one Panther analysis file read from `yaml_path`, with the Python file its
/// `Filename:` names when that file sits in the same folder.
///
/// Only a plain file name ending in `.py` is read. A name with a folder part, a missing file
/// or something other than a regular file leaves the logic opaque without a diagnostic,
/// because published Panther packs often ship the YAML alone. A file that exists but cannot
/// be used (unreadable, not UTF-8, over [`MAX_PYTHON_BYTES`]) gets a warning on `Filename:`.
pub fn parse_beside(yaml_path: &Path, text: &str) -> ParsedFile {
    let folder = yaml_path.parent().unwrap_or_else(|| Path::new(""));
    parse_loading_python(text, &mut |name| read_python_file(folder, name))
}

/// The largest Python file [`parse_beside`] reads. Panther rule files are a few kilobytes;
/// the limit keeps a mistaken `Filename:` from loading a large file into memory.
pub const MAX_PYTHON_BYTES: u64 = 1024 * 1024;

/// Reads the Python file `name` from `folder`. Returns `None` when there is nothing to read
/// and `Some(Err(message))` when the file exists but cannot be used.
fn read_python_file(folder: &Path, name: &str) -> Option<Result<String, String>> {
    if !is_plain_python_name(name) {
        return None;
    }
    let path = folder.join(name);
    // A FIFO or a device named `x.py` would block or never end, so only regular files are
    // opened. `metadata` follows symbolic links, so a link to a regular file is read.
    let metadata = std::fs::metadata(&path).ok()?;
    if !metadata.is_file() {
        return None;
    }
    if metadata.len() > MAX_PYTHON_BYTES {
        return Some(Err(format!(
            "python file {name} is {} bytes, over the {MAX_PYTHON_BYTES}-byte limit; \
             its rule function is not read",
            metadata.len()
        )));
    }
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(error) => return Some(Err(format!("cannot read python file {name}: {error}"))),
    };
    Some(String::from_utf8(bytes).map_err(|error| {
        format!(
            "python file {name} is not valid UTF-8 (at byte {}); its rule function is not read",
            error.utf8_error().valid_up_to()
        )
    }))
}

/// Checks that `name` is a bare `*.py` file name, with no folder part that could lead
/// outside the YAML's folder.
fn is_plain_python_name(name: &str) -> bool {
    name.len() > ".py".len()
        && name.ends_with(".py")
        && !name.contains(['/', '\\'])
        && Path::new(name).file_name() == Some(std::ffi::OsStr::new(name))
}

/// A source of Python text: called with the `Filename:` value, returns the file's text,
/// nothing, or a message saying why the file could not be used.
type PythonLoader<'a> = dyn FnMut(&str) -> Option<Result<String, String>> + 'a;

fn parse_loading_python(text: &str, load_python: &mut PythonLoader<'_>) -> ParsedFile {
    // The sample events of `Tests:` are most of a file's bytes; only their field names are
    // needed, and a dedicated reader gets them faster than the YAML parser.
    let tests = tests_block(text);
    let (root, mut diagnostics) = yaml::load_skipping(text, tests.clone());
    let mut parsed = ParsedFile {
        format: Some(Format::PantherYaml),
        ..ParsedFile::default()
    };
    let Some(root) = root else {
        parsed.diagnostics = diagnostics;
        return parsed;
    };
    let observed_fields = match tests.and_then(|range| text.get(range)) {
        Some(block) => test_fields::observed_fields(block).unwrap_or_else(|| {
            yaml::load(block)
                .0
                .map_or_else(Vec::new, |r| observed_fields(&r))
        }),
        None => observed_fields(&root),
    };
    let mut reader = Reader {
        text,
        diagnostics: Vec::new(),
        observed_fields,
    };
    if let Some(document) = reader.read(&root, load_python) {
        parsed.documents.push(document);
    }
    diagnostics.append(&mut reader.diagnostics);
    parsed.diagnostics = diagnostics;
    parsed
}

struct Reader<'a> {
    text: &'a str,
    diagnostics: Vec<Diagnostic>,
    observed_fields: Vec<String>,
}

impl Reader<'_> {
    fn string(&mut self, root: &YamlNode, key: &str) -> Option<Spanned<String>> {
        let node = root.get(key)?;
        match node.scalar_text() {
            Some(value) if !matches!(node.value, YamlValue::Null) => {
                Some(Spanned::new(value, node.range))
            }
            _ => {
                self.wrong_type(node, key, "a string");
                None
            }
        }
    }

    fn strings(&mut self, root: &YamlNode, key: &str) -> Vec<Spanned<String>> {
        let Some(node) = root.get(key) else {
            return Vec::new();
        };
        match &node.value {
            YamlValue::Sequence(items) => items
                .iter()
                .filter_map(|item| item.scalar_text().map(|v| Spanned::new(v, item.range)))
                .collect(),
            YamlValue::String(value) => vec![Spanned::new(value.clone(), node.range)],
            YamlValue::Null => Vec::new(),
            _ => {
                self.wrong_type(node, key, "a list of strings");
                Vec::new()
            }
        }
    }

    fn wrong_type(&mut self, node: &YamlNode, key: &str, expected: &str) {
        self.diagnostics.push(Diagnostic::error(
            detection::WRONG_TYPE,
            node.range,
            format!(
                "`{key}` must be {expected}, found {}; change the value",
                node.type_name()
            ),
        ));
    }

    fn read(&mut self, root: &YamlNode, load_python: &mut PythonLoader<'_>) -> Option<Document> {
        let analysis_type = self.string(root, "AnalysisType")?;
        if !DETECTION_TYPES.contains(&analysis_type.value.as_str()) {
            return None;
        }
        let mut tree = PantherDocument {
            analysis_type: Some(analysis_type),
            python_file: self.string(root, "Filename"),
            scheduled_queries: self.strings(root, "ScheduledQueries"),
            observed_fields: std::mem::take(&mut self.observed_fields),
            ..PantherDocument::default()
        };
        if let Some(enabled) = root.get("Enabled") {
            match enabled.value {
                YamlValue::Bool(value) => tree.enabled = Some(Spanned::new(value, enabled.range)),
                _ => self.wrong_type(enabled, "Enabled", "a boolean"),
            }
        }

        let mut rule = Rule::new(
            Format::PantherYaml,
            Language::None,
            TextRange::new(0, self.text.len()),
        );
        rule.metadata.id = ["RuleID", "PolicyID", "QueryName"]
            .iter()
            .find_map(|key| self.string(root, key));
        rule.metadata.title = ["DisplayName", "QueryName"]
            .iter()
            .find_map(|key| self.string(root, key));
        rule.metadata.level = self.string(root, "Severity").map(|mut level| {
            level.value = level.value.to_lowercase();
            level
        });
        rule.metadata.tags = self.strings(root, "Tags");
        rule.metadata.techniques = self.techniques(root);
        for key in ["LogTypes", "ResourceTypes"] {
            for log_type in self.strings(root, key) {
                rule.data_sources.push(DataSource {
                    kind: DataSourceKind::LogType,
                    value: log_type.value,
                    range: log_type.range,
                });
            }
        }

        self.read_logic(root, load_python, &mut rule, &mut tree);
        Some(Document {
            rule,
            tree: Tree::Panther(Box::new(tree)),
        })
    }

    fn read_logic(
        &mut self,
        root: &YamlNode,
        load_python: &mut PythonLoader<'_>,
        rule: &mut Rule,
        tree: &mut PantherDocument,
    ) {
        if let Some(detection) = root.get("Detection") {
            rule.language = Language::PantherDetection;
            let rule_ids = correlation_rule_ids(detection);
            if !rule_ids.is_empty() {
                tree.correlation_rule_ids = rule_ids;
                rule.logic = Some(Expr::Opaque(Opaque {
                    range: detection.range,
                    reason: "correlation of other rules".to_owned(),
                }));
                return;
            }
            let mut lowerer = detection::DetectionLowerer::default();
            rule.logic = Some(lowerer.lower(detection));
            self.diagnostics.append(&mut lowerer.diagnostics);
            return;
        }
        if let Some((key, node)) = QUERY_KEYS.iter().find_map(|k| root.get(k).map(|n| (*k, n))) {
            rule.language = Language::Sql;
            tree.query_key = Some(key.to_owned());
            let Some(query) = node
                .as_str()
                .and_then(|_| yaml_scalar(self.text, node.range.start()))
            else {
                self.wrong_type(node, key, "a SQL query string");
                return;
            };
            if query.text.contains("{%") || query.text.contains("{{") {
                // A Jinja template is SQL only after Panther expands it, so it is not parsed.
                rule.logic = Some(Expr::Opaque(Opaque {
                    range: node.range,
                    reason: "templated query".to_owned(),
                }));
                return;
            }
            let map = crate::elastic::lower::EmbeddedQuery {
                embedded: &query,
                file_text: self.text,
            };
            let output = sql::parse(&query.text, &map);
            rule.logic = output.logic;
            rule.data_sources.extend(output.data_sources);
            self.diagnostics.extend(output.diagnostics);
            return;
        }
        if let Some(file) = &tree.python_file {
            rule.language = Language::Python;
            let python = match load_python(&file.value) {
                Some(Ok(python)) => Some(python),
                Some(Err(message)) => {
                    self.diagnostics.push(Diagnostic::new(
                        UNREADABLE_PYTHON,
                        Severity::Warning,
                        file.range,
                        message,
                    ));
                    None
                }
                None => None,
            };
            let mut from_python = python.as_deref().and_then(python::lower_rule_function);
            if let Some(logic) = &mut from_python {
                point_ranges_at(logic, file.range);
            }
            tree.logic_from_python = from_python.is_some();
            rule.logic = Some(from_python.unwrap_or_else(|| {
                Expr::Opaque(Opaque {
                    range: file.range,
                    reason: "python rule body".to_owned(),
                })
            }));
        }
    }

    /// `Reports: MITRE ATT&CK: ["TA0001:T1133"]`: the technique part of each entry.
    fn techniques(&mut self, root: &YamlNode) -> Vec<Spanned<String>> {
        let Some(entries) = root.get("Reports").and_then(|r| r.get("MITRE ATT&CK")) else {
            return Vec::new();
        };
        let Some(entries) = entries.as_sequence() else {
            self.wrong_type(entries, "MITRE ATT&CK", "a list of `TA0001:T1133` entries");
            return Vec::new();
        };
        let mut found = Vec::new();
        for entry in entries {
            let Some(value) = entry.scalar_text() else {
                continue;
            };
            let written = self.text.get(entry.range.as_range()).unwrap_or_default();
            let techniques = value.rsplit_once(':').map_or(value.as_str(), |(_, t)| t);
            for technique in techniques
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
            {
                let range = written.find(technique).map_or(entry.range, |at| {
                    TextRange::new(
                        entry.range.start() + at,
                        entry.range.start() + at + technique.len(),
                    )
                });
                found.push(Spanned::new(technique.to_uppercase(), range));
            }
        }
        found
    }
}

/// Sets every range in `logic` to `range`. Ranges of logic read from a Python file are
/// offsets into that file, which mean nothing in the YAML the findings are reported on.
fn point_ranges_at(logic: &mut Expr, range: TextRange) {
    match logic {
        Expr::And(items) | Expr::Or(items) => {
            for item in items {
                point_ranges_at(item, range);
            }
        }
        Expr::Not(inner) => point_ranges_at(inner, range),
        Expr::Predicate(predicate) => {
            predicate.range = range;
            if let Some(field) = &mut predicate.field {
                field.range = range;
            }
            if let Some(value) = &mut predicate.value {
                value.range = range;
            }
        }
        Expr::Opaque(opaque) => opaque.range = range,
    }
}

/// Collects the `RuleID`s under the `Group` or `Sequence` entries of a correlation rule.
fn correlation_rule_ids(detection: &YamlNode) -> Vec<Spanned<String>> {
    let mut ids = Vec::new();
    for item in detection.as_sequence().unwrap_or_default() {
        for key in ["Group", "Sequence"] {
            for member in item
                .get(key)
                .and_then(YamlNode::as_sequence)
                .unwrap_or_default()
            {
                if let Some(rule_id) = member.get("RuleID") {
                    if let Some(value) = rule_id.scalar_text() {
                        ids.push(Spanned::new(value, rule_id.range));
                    }
                }
            }
        }
    }
    ids
}

/// Returns the byte range of the top-level `Tests:` block: its key line and every line up to
/// the next top-level key.
pub fn tests_block(text: &str) -> Option<std::ops::Range<usize>> {
    let mut start = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if yaml::starts_top_level_key(line) {
            if let Some(start) = start {
                return Some(start..offset);
            }
            if line.starts_with("Tests:") {
                start = Some(offset);
            }
        }
        offset += line.len();
    }
    start.map(|start| start..text.len())
}

/// Dotted field names of every `Log` or `Resource` event in `Tests`.
pub fn observed_fields(root: &YamlNode) -> Vec<String> {
    let mut fields = Vec::new();
    for test in root
        .get("Tests")
        .and_then(YamlNode::as_sequence)
        .unwrap_or_default()
    {
        for key in ["Log", "Resource"] {
            if let Some(event) = test.get(key) {
                collect_fields(event, "", 0, &mut fields);
            }
        }
    }
    fields.sort();
    fields.dedup();
    fields
}

fn collect_fields(node: &YamlNode, prefix: &str, depth: usize, fields: &mut Vec<String>) {
    if depth > MAX_TEST_DEPTH {
        return;
    }
    match &node.value {
        YamlValue::Mapping(entries) => {
            for (key, value) in entries {
                let Some(name) = key.scalar_text() else {
                    continue;
                };
                let path = if prefix.is_empty() {
                    name
                } else {
                    format!("{prefix}.{name}")
                };
                let nested = matches!(value.value, YamlValue::Mapping(_) | YamlValue::Sequence(_));
                if nested {
                    collect_fields(value, &path, depth + 1, fields);
                } else {
                    fields.push(path);
                }
            }
        }
        YamlValue::Sequence(items) => {
            for item in items {
                collect_fields(item, prefix, depth + 1, fields);
            }
        }
        _ if !prefix.is_empty() => fields.push(prefix.to_owned()),
        _ => {}
    }
}
