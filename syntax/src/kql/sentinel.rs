//! Microsoft Sentinel analytic and hunting rule YAML: metadata keys and the `query:` scalar.
//!
//! The YAML is read with `saphyr` for its keys and node positions. The `query:` scalar is then
//! read again from the file text with [`yaml_scalar`], which records the file offset of each
//! byte of the query. So every KQL range points at the exact line and column of the YAML
//! file, whether the query is a literal (`|`), folded (`>`), quoted or plain scalar.
//!
//! Metadata: `id` is the rule id, `name` the title, `severity` the level (lower-cased),
//! `relevantTechniques` the ATT&CK techniques (upper-cased), `tactics` the tags, and
//! `status` the status. `kind` and `requiredDataConnectors` have no place in the IR and are
//! kept in [`SentinelMetadata`].

use super::{parse_and_lower, KqlDocument, RangeMap};
use crate::diagnostic::Diagnostic;
use crate::embed::{yaml_scalar, EmbeddedText};
use crate::ir::{Format, Language, Metadata, Rule, Spanned, TextRange};
use crate::line_index::LineIndex;
use crate::{Document, ParsedFile, Tree};
use saphyr::{LoadableYamlNode, MarkedYaml, Scalar, YamlData};

impl RangeMap for EmbeddedText {
    /// Maps through the embedded text and keeps the result inside the scalar token: a line
    /// break the scalar's chomping adds at the end of the file has no byte of its own.
    fn file_range(&self, start: usize, end: usize) -> TextRange {
        let range = EmbeddedText::file_range(self, TextRange::new(start, end.max(start)));
        let limit = self.token_range.end().max(self.token_range.start());
        let clamped_start = range.start().min(limit);
        TextRange::new(clamped_start, range.end().clamp(clamped_start, limit))
    }
}

/// The Sentinel keys the Rule IR has no field for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SentinelMetadata {
    /// `kind:` such as `Scheduled` or `NRT`; hunting queries have none.
    pub kind: Option<Spanned<String>>,
    pub connectors: Vec<DataConnector>,
}

/// One entry of `requiredDataConnectors`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataConnector {
    pub connector_id: Spanned<String>,
    /// The tables the connector fills (`dataTypes`).
    pub data_types: Vec<Spanned<String>>,
}

/// Parses one Sentinel rule file.
pub fn parse(text: &str) -> ParsedFile {
    let lines = LineIndex::new(text);
    let mut diagnostics = Vec::new();
    let root = match MarkedYaml::load_from_str(text) {
        Ok(mut documents) if !documents.is_empty() => Some(documents.swap_remove(0)),
        Ok(_) => None,
        Err(error) => {
            let marker = error.marker();
            let offset =
                lines.offset_of_char_col(text, marker.line().saturating_sub(1), marker.col());
            diagnostics.push(Diagnostic::error(
                "syntax/kql-invalid-yaml",
                TextRange::empty(offset),
                format!(
                    "invalid YAML: {}; fix the YAML before the query can be read",
                    error.info()
                ),
            ));
            None
        }
    };
    let reader = Reader {
        text,
        lines: &lines,
    };
    let mut rule = Rule::new(
        Format::SentinelYaml,
        Language::Kql,
        TextRange::new(0, text.len()),
    );
    let mut sentinel = super::sentinel::SentinelMetadata::default();
    let query_start = match &root {
        Some(root) => {
            rule.metadata = reader.metadata(root);
            sentinel = reader.sentinel_metadata(root);
            reader.query_start(root, &mut diagnostics)
        }
        // Without a YAML tree, find the `query:` key by its line so the query is still read.
        None => find_query_key(text),
    };
    let mut document = KqlDocument {
        sentinel: Some(sentinel),
        ..KqlDocument::default()
    };
    if let Some(embedded) = query_start.and_then(|start| yaml_scalar(text, start)) {
        let parsed = parse_and_lower(&embedded.text, &embedded, text);
        rule.data_sources = parsed.lowered.data_sources;
        rule.logic = parsed.lowered.logic;
        diagnostics.extend(parsed.diagnostics);
        document.query = parsed.query;
        document.query_range = embedded.token_range;
    }
    ParsedFile {
        format: Some(Format::SentinelYaml),
        documents: vec![Document {
            rule,
            tree: Tree::Kql(Box::new(document)),
        }],
        diagnostics,
    }
}

struct Reader<'a> {
    text: &'a str,
    lines: &'a LineIndex,
}

impl Reader<'_> {
    fn offset(&self, marker: &saphyr_parser::Marker) -> usize {
        self.lines
            .offset_of_char_col(self.text, marker.line().saturating_sub(1), marker.col())
    }

    fn range(&self, node: &MarkedYaml<'_>) -> TextRange {
        let start = self.offset(&node.span.start);
        let end = self.offset(&node.span.end).max(start);
        TextRange::new(start, end)
    }

    fn spanned(&self, node: &MarkedYaml<'_>) -> Option<Spanned<String>> {
        scalar_text(node).map(|value| Spanned::new(value, self.range(node)))
    }

    fn metadata(&self, root: &MarkedYaml<'_>) -> Metadata {
        let mut metadata = Metadata {
            id: get(root, "id").and_then(|node| self.spanned(node)),
            title: get(root, "name").and_then(|node| self.spanned(node)),
            status: get(root, "status").and_then(|node| self.spanned(node)),
            level: get(root, "severity").and_then(|node| self.spanned(node)),
            ..Metadata::default()
        };
        if let Some(level) = metadata.level.as_mut() {
            level.value = level.value.to_lowercase();
        }
        metadata.techniques = self
            .list(get(root, "relevantTechniques"))
            .into_iter()
            .map(|mut technique| {
                technique.value = technique.value.trim().to_uppercase();
                technique
            })
            .collect();
        metadata.tags = self.list(get(root, "tactics"));
        metadata
    }

    fn sentinel_metadata(&self, root: &MarkedYaml<'_>) -> SentinelMetadata {
        let mut connectors = Vec::new();
        if let Some(YamlData::Sequence(items)) =
            get(root, "requiredDataConnectors").map(|n| &n.data)
        {
            for item in items {
                let Some(connector_id) = get(item, "connectorId").and_then(|n| self.spanned(n))
                else {
                    continue;
                };
                connectors.push(DataConnector {
                    connector_id,
                    data_types: self.list(get(item, "dataTypes")),
                });
            }
        }
        SentinelMetadata {
            kind: get(root, "kind").and_then(|node| self.spanned(node)),
            connectors,
        }
    }

    /// Returns the scalars of a sequence node, or the single scalar written in its place.
    fn list(&self, node: Option<&MarkedYaml<'_>>) -> Vec<Spanned<String>> {
        match node.map(|n| &n.data) {
            Some(YamlData::Sequence(items)) => {
                items.iter().filter_map(|item| self.spanned(item)).collect()
            }
            Some(_) => node.and_then(|n| self.spanned(n)).into_iter().collect(),
            None => Vec::new(),
        }
    }

    /// Returns the file offset where the `query:` scalar starts, or pushes a diagnostic when
    /// the value is not a string.
    fn query_start(
        &self,
        root: &MarkedYaml<'_>,
        diagnostics: &mut Vec<Diagnostic>,
    ) -> Option<usize> {
        let node = get(root, "query")?;
        match &node.data {
            YamlData::Value(Scalar::String(_)) => Some(self.offset(&node.span.start)),
            YamlData::Value(Scalar::Null) => {
                diagnostics.push(Diagnostic::error(
                    "syntax/kql-query-not-string",
                    self.key_range(root, "query"),
                    "`query:` is empty: write the KQL query as a block scalar (`query: |`)",
                ));
                None
            }
            other => {
                let found = match other {
                    YamlData::Sequence(_) => "a list",
                    YamlData::Mapping(_) => "a mapping",
                    YamlData::Value(Scalar::Integer(_) | Scalar::FloatingPoint(_)) => "a number",
                    YamlData::Value(Scalar::Boolean(_)) => "a boolean",
                    _ => "not a string",
                };
                let mut range = self.range(node);
                if range.is_empty() {
                    range = self.key_range(root, "query");
                }
                diagnostics.push(Diagnostic::error(
                    "syntax/kql-query-not-string",
                    range,
                    format!("`query:` is {found}, not a KQL query: write the query as a string (`query: |`)"),
                ));
                None
            }
        }
    }

    fn key_range(&self, root: &MarkedYaml<'_>, key: &str) -> TextRange {
        match &root.data {
            YamlData::Mapping(map) => map
                .keys()
                .find(|k| scalar_text(k).as_deref() == Some(key))
                .map_or(TextRange::empty(0), |k| self.range(k)),
            _ => TextRange::empty(0),
        }
    }
}

fn get<'n, 'input>(node: &'n MarkedYaml<'input>, key: &str) -> Option<&'n MarkedYaml<'input>> {
    match &node.data {
        YamlData::Mapping(map) => map
            .iter()
            .find(|(k, _)| matches!(&k.data, YamlData::Value(Scalar::String(s)) if s == key))
            .map(|(_, value)| value),
        _ => None,
    }
}

fn scalar_text(node: &MarkedYaml<'_>) -> Option<String> {
    match &node.data {
        YamlData::Value(Scalar::String(s)) => Some(s.to_string()),
        YamlData::Value(Scalar::Integer(i)) => Some(i.to_string()),
        YamlData::Value(Scalar::FloatingPoint(f)) => Some(f.to_string()),
        YamlData::Value(Scalar::Boolean(b)) => Some(b.to_string()),
        _ => None,
    }
}

/// Returns the offset after `query:` on a line that starts with that key, skipping spaces.
fn find_query_key(text: &str) -> Option<usize> {
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("query:") {
            let spaces = rest.len() - rest.trim_start_matches([' ', '\t']).len();
            return Some(line_start + "query:".len() + spaces);
        }
        line_start += line.len();
    }
    None
}
