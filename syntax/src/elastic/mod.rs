//! The Elastic front end: detection-rules TOML files and the queries they embed.
//!
//! A rule file has a `[metadata]` table (`maturity`, dates) and a `[rule]` table with the
//! rule's id, name, severity, index patterns, `[[rule.threat]]` ATT&CK mappings and its
//! `query`, written in the language `language` names: `kuery`, `eql`, `esql` or `lucene`.
//! Machine-learning rules have no query and are read for their metadata only.
//!
//! The TOML is read by [`fast_toml`], which falls back to the `toml` crate's span-keeping
//! document parser for anything it does not handle. That parser recovers after errors. The query string is decoded with [`crate::embed::toml_string`], so every range the
//! query parsers report is a byte range of the TOML file.
//!
//! Deprecation comes from the file alone: `maturity = "deprecated"` in `[metadata]`. A file's
//! place under a `_deprecated/` folder is not looked at, because the parser sees text, not
//! paths; in the public corpus every file in that folder carries the maturity key as well.

pub mod eql;
pub mod esql;
pub mod expression;
pub mod fast_toml;
pub mod kuery;
pub mod lexer;
pub mod lower;
pub mod lower_expression;
pub mod lucene;
pub mod query;

use crate::diagnostic::Diagnostic;
use crate::embed::toml_string;
use crate::ir::{
    DataSource, DataSourceKind, Expr, Format, Language, Opaque, Rule, Spanned, TextRange,
};
use crate::{Document, ParsedFile, Tree};
use lower::QueryMap;
use query::QueryOutput;
use toml::de::{DeTable, DeValue};

pub const INVALID_TOML: &str = "syntax/elastic-invalid-toml";
pub const MISSING_RULE_TABLE: &str = "syntax/elastic-missing-rule-table";
pub const MISSING_QUERY: &str = "syntax/elastic-missing-query";
pub const UNKNOWN_LANGUAGE: &str = "syntax/elastic-unknown-language";
pub const WRONG_TYPE: &str = "syntax/elastic-wrong-type";

/// The Elastic-specific keys of one rule, kept beside its IR.
#[derive(Clone, Debug, Default)]
pub struct ElasticDocument {
    /// `rule.type`: `query`, `eql`, `esql`, `threshold`, `new_terms`, `machine_learning`...
    pub rule_type: Option<Spanned<String>>,
    /// `rule.language` as written.
    pub language: Option<Spanned<String>>,
    /// The decoded query text; the range covers the TOML string with its quotes.
    pub query: Option<Spanned<String>>,
    pub risk_score: Option<Spanned<i64>>,
    /// `metadata.maturity`: `production`, `development`, `deprecated`.
    pub maturity: Option<Spanned<String>>,
    /// `[rule.new_terms]` fields whose new combinations the rule alerts on.
    pub new_terms_fields: Vec<Spanned<String>>,
    /// `[rule.threshold]` group-by fields.
    pub threshold_fields: Vec<Spanned<String>>,
    /// `[rule.threshold]` event count.
    pub threshold_value: Option<Spanned<i64>>,
    /// Names in `metadata.integration`.
    pub integrations: Vec<Spanned<String>>,
}

/// Parses one Elastic rule file.
pub fn parse(text: &str) -> ParsedFile {
    // The TOML parser does not take a byte order mark; read past it and shift the ranges.
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let body = text.get(bom..).unwrap_or_default();
    let (root, errors) = match fast_toml::parse(body) {
        Some(root) => (root, Vec::new()),
        None => DeTable::parse_recoverable(body),
    };
    let mut diagnostics = Vec::new();
    // After the first error the TOML parser's recovery reports what follows from it (an
    // unclosed `tags = [` gives an error on every later line), so only the first, which
    // names the problem, is kept, as TOML tools do.
    for error in errors.into_iter().take(1) {
        let range = error
            .span()
            .map_or(TextRange::empty(bom), |span| range_of(bom, &span));
        let message = format!(
            "invalid TOML: {}; fix the syntax at this position",
            error.message().trim().trim_end_matches('.').to_lowercase()
        );
        diagnostics.push(Diagnostic::error(INVALID_TOML, range, message));
    }
    let mut reader = Reader {
        text,
        shift: bom,
        diagnostics,
    };
    let document = reader.read_rule(root.get_ref());
    ParsedFile {
        format: Some(Format::ElasticToml),
        documents: document.into_iter().collect(),
        diagnostics: reader.diagnostics,
    }
}

fn range_of(shift: usize, span: &std::ops::Range<usize>) -> TextRange {
    TextRange::new(span.start + shift, span.end.max(span.start) + shift)
}

struct Reader<'a> {
    text: &'a str,
    shift: usize,
    diagnostics: Vec<Diagnostic>,
}

type Item<'i> = toml::Spanned<DeValue<'i>>;

impl Reader<'_> {
    fn range(&self, item: &Item<'_>) -> TextRange {
        range_of(self.shift, &item.span())
    }

    fn string(&mut self, table: &DeTable<'_>, key: &str) -> Option<Spanned<String>> {
        let item = table.get(key)?;
        match item.get_ref() {
            DeValue::String(value) => Some(Spanned::new(value.to_string(), self.range(item))),
            other => {
                self.wrong_type(item, key, "a string", other.type_str());
                None
            }
        }
    }

    fn integer(&mut self, table: &DeTable<'_>, key: &str) -> Option<Spanned<i64>> {
        let item = table.get(key)?;
        let value = item
            .get_ref()
            .as_integer()
            .and_then(|i| i64::from_str_radix(i.as_str(), i.radix()).ok());
        match value {
            Some(value) => Some(Spanned::new(value, self.range(item))),
            None => {
                self.wrong_type(item, key, "an integer", item.get_ref().type_str());
                None
            }
        }
    }

    /// Reads a string or an array of strings, because Elastic writes some keys either way.
    fn strings(&mut self, table: &DeTable<'_>, key: &str) -> Vec<Spanned<String>> {
        let Some(item) = table.get(key) else {
            return Vec::new();
        };
        match item.get_ref() {
            DeValue::String(value) => vec![Spanned::new(value.to_string(), self.range(item))],
            DeValue::Array(items) => items
                .iter()
                .filter_map(|entry| match entry.get_ref() {
                    DeValue::String(value) => {
                        Some(Spanned::new(value.to_string(), self.range(entry)))
                    }
                    other => {
                        self.wrong_type(entry, key, "a string", other.type_str());
                        None
                    }
                })
                .collect(),
            other => {
                self.wrong_type(item, key, "an array of strings", other.type_str());
                Vec::new()
            }
        }
    }

    fn wrong_type(&mut self, item: &Item<'_>, key: &str, expected: &str, found: &str) {
        let range = self.range(item);
        // From a syntax error on, values are whatever the TOML parser's error recovery made
        // of the text. The syntax error covers them, so a type error would be wrong.
        let unreadable = self.diagnostics.iter().any(|diagnostic| {
            diagnostic.lint == INVALID_TOML && diagnostic.range.start() <= range.end()
        });
        if unreadable {
            return;
        }
        self.diagnostics.push(Diagnostic::error(
            WRONG_TYPE,
            range,
            format!("`{key}` must be {expected}, found {found}; change the value"),
        ));
    }

    fn read_rule(&mut self, root: &DeTable<'_>) -> Option<Document> {
        let whole = TextRange::new(0, self.text.len());
        let Some(rule_item) = root.get("rule") else {
            self.diagnostics.push(Diagnostic::error(
                MISSING_RULE_TABLE,
                TextRange::empty(self.shift),
                "missing `[rule]` table; an Elastic rule file needs one",
            ));
            return None;
        };
        let Some(rule_table) = rule_item.get_ref().as_table() else {
            self.wrong_type(rule_item, "rule", "a table", rule_item.get_ref().type_str());
            return None;
        };
        let empty = DeTable::default();
        let metadata_table = root
            .get("metadata")
            .and_then(|m| m.get_ref().as_table())
            .unwrap_or(&empty);

        let mut tree = ElasticDocument {
            rule_type: self.string(rule_table, "type"),
            language: self.string(rule_table, "language"),
            risk_score: self.integer(rule_table, "risk_score"),
            maturity: self.string(metadata_table, "maturity"),
            integrations: self.strings(metadata_table, "integration"),
            ..ElasticDocument::default()
        };
        self.read_aggregation_keys(rule_table, &mut tree);

        let language = self.language(&tree);
        let mut rule = Rule::new(Format::ElasticToml, language, whole);
        rule.metadata.id = self.string(rule_table, "rule_id");
        rule.metadata.title = self.string(rule_table, "name");
        rule.metadata.status = tree.maturity.clone();
        rule.metadata.deprecated = tree
            .maturity
            .as_ref()
            .is_some_and(|m| m.value.eq_ignore_ascii_case("deprecated"));
        rule.metadata.level = self.string(rule_table, "severity").map(|mut level| {
            level.value = level.value.to_lowercase();
            level
        });
        rule.metadata.tags = self.strings(rule_table, "tags");
        (rule.metadata.techniques, rule.metadata.technique_names) = self.techniques(rule_table);
        rule.data_sources = self
            .strings(rule_table, "index")
            .into_iter()
            .map(|pattern| DataSource {
                kind: DataSourceKind::IndexPattern,
                value: pattern.value,
                range: pattern.range,
            })
            .collect();

        let output = self.read_query(rule_table, &tree, language, &mut rule);
        if let Some(output) = output {
            rule.logic = output.logic;
            rule.data_sources.extend(output.data_sources);
            self.diagnostics.extend(output.diagnostics);
        }
        if let Some(query) = rule_table.get("query") {
            if let DeValue::String(value) = query.get_ref() {
                tree.query = Some(Spanned::new(value.to_string(), self.range(query)));
            }
        }
        Some(Document {
            rule,
            tree: Tree::Elastic(Box::new(tree)),
        })
    }

    fn read_aggregation_keys(&mut self, rule_table: &DeTable<'_>, tree: &mut ElasticDocument) {
        if let Some(new_terms) = rule_table
            .get("new_terms")
            .and_then(|t| t.get_ref().as_table())
        {
            tree.new_terms_fields = self.strings(new_terms, "value");
        }
        if let Some(threshold) = rule_table
            .get("threshold")
            .and_then(|t| t.get_ref().as_table())
        {
            tree.threshold_fields = self.strings(threshold, "field");
            tree.threshold_value = self.integer(threshold, "value");
        }
    }

    fn language(&self, tree: &ElasticDocument) -> Language {
        match tree.language.as_ref().map(|l| l.value.as_str()) {
            Some("kuery") => Language::Kuery,
            Some("eql") => Language::Eql,
            Some("esql") => Language::Esql,
            Some("lucene") => Language::Lucene,
            // Rules without a language are machine-learning jobs; an unknown language is
            // reported when the query is read.
            _ => Language::None,
        }
    }

    /// Technique and subtechnique ids of every `[[rule.threat]]` entry, and the names the
    /// rule gives them as (id, name) pairs.
    fn techniques(
        &mut self,
        rule_table: &DeTable<'_>,
    ) -> (Vec<Spanned<String>>, Vec<(String, String)>) {
        let mut found = Vec::new();
        let mut names = Vec::new();
        let Some(threats) = rule_table
            .get("threat")
            .and_then(|t| t.get_ref().as_array())
        else {
            return (found, names);
        };
        // A name is optional metadata, so a name of the wrong type is skipped without a
        // diagnostic; the id is what the rule is checked on.
        let name_of = |table: &DeTable<'_>| {
            table
                .get("name")
                .and_then(|name| name.get_ref().as_str())
                .map(|name| name.trim().to_owned())
                .filter(|name| !name.is_empty())
        };
        for threat in threats.iter().filter_map(|t| t.get_ref().as_table()) {
            let techniques = threat.get("technique").and_then(|t| t.get_ref().as_array());
            for technique in techniques.into_iter().flatten() {
                let Some(technique) = technique.get_ref().as_table() else {
                    continue;
                };
                let parent_name = name_of(technique);
                if let Some(id) = self.string(technique, "id") {
                    let id = upper(id);
                    if let Some(name) = &parent_name {
                        names.push((id.value.clone(), name.clone()));
                    }
                    found.push(id);
                }
                let subtechniques = technique
                    .get("subtechnique")
                    .and_then(|t| t.get_ref().as_array());
                for subtechnique in subtechniques.into_iter().flatten() {
                    let Some(subtechnique) = subtechnique.get_ref().as_table() else {
                        continue;
                    };
                    let Some(id) = self.string(subtechnique, "id") else {
                        continue;
                    };
                    let id = upper(id);
                    if let Some(name) = name_of(subtechnique) {
                        let full = match &parent_name {
                            Some(parent) => format!("{parent}: {name}"),
                            None => name,
                        };
                        names.push((id.value.clone(), full));
                    }
                    found.push(id);
                }
            }
        }
        (found, names)
    }

    fn read_query(
        &mut self,
        rule_table: &DeTable<'_>,
        tree: &ElasticDocument,
        language: Language,
        rule: &mut Rule,
    ) -> Option<QueryOutput> {
        let query_item = rule_table.get("query");
        let Some(query_item) = query_item else {
            if let Some(written) = &tree.language {
                self.diagnostics.push(Diagnostic::error(
                    MISSING_QUERY,
                    written.range,
                    format!(
                        "missing `query` for language `{}`; add the query",
                        written.value
                    ),
                ));
            }
            return None;
        };
        if !query_item.get_ref().is_str() {
            self.wrong_type(
                query_item,
                "query",
                "a string",
                query_item.get_ref().type_str(),
            );
            return None;
        }
        let range = self.range(query_item);
        let decoded = toml_string(self.text, range.start());
        let Some(decoded) = decoded else {
            // The TOML parser reported the broken string already.
            return None;
        };
        let map = lower::EmbeddedQuery {
            embedded: &decoded,
            file_text: self.text,
        };
        let output = match language {
            Language::Kuery => kuery::parse(&decoded.text, &map),
            Language::Eql => eql::parse(&decoded.text, &map),
            Language::Esql => esql::parse(&decoded.text, &map),
            Language::Lucene => lucene::parse(&decoded.text, &map),
            _ => {
                self.unknown_language(tree, range);
                rule.language = Language::None;
                return Some(QueryOutput {
                    logic: Some(Expr::Opaque(Opaque {
                        range: map.file_range(0, decoded.text.len()),
                        reason: "query in an unknown language".to_owned(),
                    })),
                    ..QueryOutput::default()
                });
            }
        };
        Some(output)
    }

    fn unknown_language(&mut self, tree: &ElasticDocument, query_range: TextRange) {
        let (range, message) = match &tree.language {
            Some(written) => (
                written.range,
                format!(
                    "unknown query language `{}`; use `kuery`, `eql`, `esql` or `lucene`",
                    written.value
                ),
            ),
            None => (
                query_range,
                "the rule has a `query` but no `language`; add `language = \"kuery\"` or the \
                 language the query is written in"
                    .to_owned(),
            ),
        };
        self.diagnostics
            .push(Diagnostic::error(UNKNOWN_LANGUAGE, range, message));
    }
}

fn upper(mut id: Spanned<String>) -> Spanned<String> {
    id.value = id.value.trim().to_uppercase();
    id
}

#[cfg(test)]
mod tests {
    use crate::Format;

    const RULE: &str = r#"[metadata]
maturity = "production"

[rule]
name = "Encoded PowerShell"
language = "kuery"
type = "query"
query = 'process.name : "powershell.exe"'

[[rule.threat]]
framework = "MITRE ATT&CK"
[[rule.threat.technique]]
id = "t1059"
name = "Command and Scripting Interpreter"
[[rule.threat.technique.subtechnique]]
id = "T1059.001"
name = "PowerShell"
[[rule.threat.technique]]
id = "T1027"
name = 3
"#;

    #[test]
    fn technique_names_read_with_ids() {
        let parsed = crate::parse(Format::ElasticToml, RULE);
        let metadata = &parsed.documents[0].rule.metadata;
        let ids: Vec<&str> = metadata
            .techniques
            .iter()
            .map(|technique| technique.value.as_str())
            .collect();
        assert_eq!(ids, vec!["T1059", "T1059.001", "T1027"]);
        let names: Vec<(&str, &str)> = metadata
            .technique_names
            .iter()
            .map(|(id, name)| (id.as_str(), name.as_str()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("T1059", "Command and Scripting Interpreter"),
                ("T1059.001", "Command and Scripting Interpreter: PowerShell"),
            ]
        );
    }
}
