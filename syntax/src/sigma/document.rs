//! The Sigma structure of one YAML document, with the ranges the structural lints point at.
//!
//! Terms follow the Sigma specification: a *selection* (also called a search identifier) is a
//! named entry of `detection:` other than `condition` and `timeframe`; its *field items* are
//! `field|modifier: value` pairs; a selection that is a list of plain values is a *keyword*
//! list matched against the whole event. A *reference* is a selection name, a `name*`
//! pattern or `them` in a condition.

use super::condition::{self, Aggregation, ConditionExpr, Target};
use super::yaml::{Node, NodeKind, Style};
use super::INVALID_STRUCTURE;
use crate::diagnostic::Diagnostic;
use crate::ir::{Spanned, TextRange, ValueKind};

/// The kind of rule a Sigma document describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SigmaDocumentKind {
    /// A detection rule with `detection:`.
    Rule,
    /// A correlation rule over other rules (`correlation:`).
    Correlation,
    /// A filter applied to other rules (`filter:`).
    Filter,
}

/// A key of the document's top-level mapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopLevelKey {
    pub name: String,
    pub key_range: TextRange,
    pub value_range: TextRange,
}

/// A value of a field item or a keyword list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SigmaValue {
    /// The scalar's text after YAML unquoting.
    pub written: String,
    /// `String`, `Number`, `Bool` or `Null`, from the YAML core schema: a quoted scalar is
    /// always a string.
    pub kind: ValueKind,
    pub range: TextRange,
}

/// One `field|modifier|modifier: value` entry of a selection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldItem {
    /// The key as written, modifiers included.
    pub key: String,
    pub key_range: TextRange,
    /// The field name before the first `|`. Empty for a field-less `|all` keyword item.
    pub field: String,
    pub field_range: TextRange,
    /// Each modifier name as written, with the range of the name (without its `|`).
    pub modifiers: Vec<Spanned<String>>,
    pub values: Vec<SigmaValue>,
    pub value_range: TextRange,
    /// Whether the value was written as a list.
    pub is_list: bool,
}

/// One entry of a selection written as a list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ListEntry {
    /// A mapping of field items, all of which must match.
    Map(Vec<FieldItem>),
    /// A keyword matched anywhere in the event.
    Keyword(SigmaValue),
}

/// The body of a selection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SelectionBody {
    /// A mapping: every field item must match.
    Map(Vec<FieldItem>),
    /// A list: any entry may match.
    List(Vec<ListEntry>),
    /// A value of a type Sigma does not allow; a diagnostic was reported.
    Invalid,
}

/// A named selection of `detection:`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selection {
    pub name: String,
    pub name_range: TextRange,
    /// The range of the selection's value.
    pub range: TextRange,
    pub body: SelectionBody,
}

/// One condition of `detection:`; old rules may list several, any of which matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    pub text: String,
    /// The range of the condition scalar.
    pub range: TextRange,
    /// `None` when the condition has a syntax error.
    pub expr: Option<ConditionExpr>,
    pub aggregation: Option<Aggregation>,
}

/// The `detection:` mapping, or the part of a filter that has the same form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Detection {
    pub key_range: TextRange,
    pub range: TextRange,
    pub selections: Vec<Selection>,
    pub conditions: Vec<Condition>,
    /// The range of the `condition` key, when present.
    pub condition_key_range: Option<TextRange>,
    pub timeframe: Option<Spanned<String>>,
}

/// The form in which a condition names selections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReferenceKind {
    /// A plain selection name.
    Name,
    /// A `name*` pattern after `1 of` or `all of`.
    Pattern,
    /// `them` after `1 of` or `all of`.
    Them,
}

/// A place in a condition that names selections, and the selections it resolves to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    pub kind: ReferenceKind,
    /// The name or pattern as written (`them` for [`ReferenceKind::Them`]).
    pub text: String,
    pub range: TextRange,
    /// Indices into [`Detection::selections`]. Empty when nothing matches.
    pub selections: Vec<usize>,
}

/// A correlation rule's references to other rules.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Correlation {
    pub key_range: TextRange,
    /// `event_count`, `value_count`, `temporal`, ...
    pub correlation_type: Option<Spanned<String>>,
    /// The ids or names of the rules it correlates.
    pub rules: Vec<Spanned<String>>,
    pub group_by: Vec<Spanned<String>>,
    pub timespan: Option<Spanned<String>>,
}

/// The Sigma-specific syntax of one YAML document, after `action: global` merging.
#[derive(Clone, Debug)]
pub struct SigmaDocument {
    pub kind: SigmaDocumentKind,
    /// The range of the YAML document.
    pub range: TextRange,
    /// False when a YAML syntax error cut the document short, so that lints for missing parts
    /// stay quiet about what was never read.
    pub complete: bool,
    pub keys: Vec<TopLevelKey>,
    pub id: Option<Spanned<String>>,
    pub title: Option<Spanned<String>>,
    pub name: Option<Spanned<String>>,
    pub status: Option<Spanned<String>>,
    pub level: Option<Spanned<String>>,
    pub tags: Vec<Spanned<String>>,
    /// `logsource` entries as (key, value), such as `product: windows`.
    pub logsource: Vec<(Spanned<String>, Spanned<String>)>,
    /// The detection of a rule, or the selections and condition of a filter.
    pub detection: Option<Detection>,
    pub references: Vec<Reference>,
    pub correlation: Option<Correlation>,
    /// The rules a filter applies to.
    pub filter_rules: Vec<Spanned<String>>,
}

impl SigmaDocument {
    /// Returns the top-level key named `name`.
    pub fn key(&self, name: &str) -> Option<&TopLevelKey> {
        self.keys.iter().find(|key| key.name == name)
    }
}

/// Reads the Sigma structure of one merged YAML document, reporting values of the wrong type.
pub fn read(
    text: &str,
    root: &Node,
    range: TextRange,
    complete: bool,
    diagnostics: &mut Vec<Diagnostic>,
) -> SigmaDocument {
    let mut reader = Reader { text, diagnostics };
    let mut document = SigmaDocument {
        kind: SigmaDocumentKind::Rule,
        range,
        complete,
        keys: Vec::new(),
        id: None,
        title: None,
        name: None,
        status: None,
        level: None,
        tags: Vec::new(),
        logsource: Vec::new(),
        detection: None,
        references: Vec::new(),
        correlation: None,
        filter_rules: Vec::new(),
    };
    let Some(entries) = root.as_mapping() else {
        reader.invalid(
            root.range,
            format!(
                "a Sigma document must be a mapping of keys such as `title` and `detection`, \
                 found {}",
                root.type_name()
            ),
        );
        return document;
    };

    for (key, value) in entries {
        let Some(name) = key.as_str() else {
            reader.invalid(key.range, "a top-level key must be a plain name");
            continue;
        };
        document.keys.push(TopLevelKey {
            name: name.to_owned(),
            key_range: key.range,
            value_range: value.range,
        });
    }

    document.id = reader.scalar(root, "id");
    document.title = reader.scalar(root, "title");
    document.name = reader.scalar(root, "name");
    document.status = reader.scalar(root, "status");
    document.level = reader.scalar(root, "level");
    document.tags = reader.scalar_list(root, "tags");
    document.logsource = reader.logsource(root);

    if let Some((key, value)) = root.entry("detection") {
        document.detection = reader.detection(key, value);
    } else if let Some((key, value)) = root.entry("filter") {
        document.kind = SigmaDocumentKind::Filter;
        document.filter_rules = reader.scalar_list(value, "rules");
        document.detection = reader.detection(key, value);
    } else if let Some((key, value)) = root.entry("correlation") {
        document.kind = SigmaDocumentKind::Correlation;
        document.correlation = Some(reader.correlation(key, value));
    }
    if let Some(detection) = &document.detection {
        document.references = resolve_references(detection);
    }
    document
}

struct Reader<'a> {
    text: &'a str,
    diagnostics: &'a mut Vec<Diagnostic>,
}

impl Reader<'_> {
    fn invalid(&mut self, range: TextRange, message: impl Into<String>) {
        self.diagnostics
            .push(Diagnostic::error(INVALID_STRUCTURE, range, message));
    }

    /// Returns the scalar value of `key` in `map`, and reports a collection there.
    fn scalar(&mut self, map: &Node, key: &str) -> Option<Spanned<String>> {
        let value = map.get(key)?;
        match value.as_str() {
            Some(text) if !value.is_null() => Some(Spanned::new(text.to_owned(), value.range)),
            Some(_) => None,
            None => {
                self.invalid(
                    value.range,
                    format!(
                        "`{key}` must be a single value, found {}",
                        value.type_name()
                    ),
                );
                None
            }
        }
    }

    /// Returns the scalars of the list value of `key`. A single scalar counts as a list of one.
    fn scalar_list(&mut self, map: &Node, key: &str) -> Vec<Spanned<String>> {
        let Some(value) = map.get(key) else {
            return Vec::new();
        };
        let items: Vec<&Node> = match &value.kind {
            NodeKind::Sequence(items) => items.iter().collect(),
            NodeKind::Scalar { .. } if value.is_null() => Vec::new(),
            NodeKind::Scalar { .. } => vec![value],
            NodeKind::Mapping(_) => {
                self.invalid(
                    value.range,
                    format!("`{key}` must be a list of values, found a mapping"),
                );
                return Vec::new();
            }
        };
        let mut found = Vec::new();
        for item in items {
            match item.as_str() {
                Some(text) => found.push(Spanned::new(text.to_owned(), item.range)),
                None => self.invalid(
                    item.range,
                    format!(
                        "`{key}` entries must be single values, found {}",
                        item.type_name()
                    ),
                ),
            }
        }
        found
    }

    fn logsource(&mut self, root: &Node) -> Vec<(Spanned<String>, Spanned<String>)> {
        let Some(value) = root.get("logsource") else {
            return Vec::new();
        };
        let Some(entries) = value.as_mapping() else {
            self.invalid(
                value.range,
                format!(
                    "`logsource` must be a mapping with `product`, `category` or `service`, \
                     found {}",
                    value.type_name()
                ),
            );
            return Vec::new();
        };
        let mut found = Vec::new();
        for (key, item) in entries {
            let (Some(name), Some(text)) = (key.as_str(), item.as_str()) else {
                self.invalid(item.range, "`logsource` values must be single values");
                continue;
            };
            if item.is_null() {
                continue;
            }
            found.push((
                Spanned::new(name.to_owned(), key.range),
                Spanned::new(text.to_owned(), item.range),
            ));
        }
        found
    }

    fn detection(&mut self, key: &Node, value: &Node) -> Option<Detection> {
        let Some(entries) = value.as_mapping() else {
            let name = key.as_str().unwrap_or("detection");
            self.invalid(
                value.range,
                format!(
                    "`{name}` must be a mapping of selections and a `condition`, found {}",
                    value.type_name()
                ),
            );
            return None;
        };
        let mut detection = Detection {
            key_range: key.range,
            range: value.range,
            ..Detection::default()
        };
        for (entry_key, entry_value) in entries {
            let Some(name) = entry_key.as_str() else {
                self.invalid(entry_key.range, "a selection name must be a plain name");
                continue;
            };
            match name {
                "condition" => {
                    detection.condition_key_range = Some(entry_key.range);
                    detection.conditions = self.conditions(entry_value);
                }
                "timeframe" => {
                    detection.timeframe = entry_value
                        .as_str()
                        .map(|text| Spanned::new(text.to_owned(), entry_value.range));
                }
                // A filter's list of rules sits beside its selections.
                "rules" if key.as_str() == Some("filter") => {}
                _ => {
                    let body = self.selection_body(name, entry_value);
                    detection.selections.push(Selection {
                        name: name.to_owned(),
                        name_range: entry_key.range,
                        range: entry_value.range,
                        body,
                    });
                }
            }
        }
        Some(detection)
    }

    fn conditions(&mut self, value: &Node) -> Vec<Condition> {
        let nodes: Vec<&Node> = match &value.kind {
            NodeKind::Sequence(items) => items.iter().collect(),
            _ => vec![value],
        };
        let mut conditions = Vec::new();
        for node in nodes {
            let Some(text) = node.as_str() else {
                self.invalid(
                    node.range,
                    format!(
                        "a condition must be a text such as `selection and not filter`, found {}",
                        node.type_name()
                    ),
                );
                continue;
            };
            let offsets = node.char_offsets(self.text);
            let parsed = condition::parse(text, &offsets, node.range);
            self.diagnostics.extend(parsed.diagnostics);
            conditions.push(Condition {
                text: text.to_owned(),
                range: node.range,
                expr: parsed.expr,
                aggregation: parsed.aggregation,
            });
        }
        conditions
    }

    fn selection_body(&mut self, name: &str, value: &Node) -> SelectionBody {
        match &value.kind {
            NodeKind::Mapping(entries) => SelectionBody::Map(self.field_items(entries)),
            NodeKind::Sequence(items) => {
                let entries = items
                    .iter()
                    .filter_map(|item| self.list_entry(name, item))
                    .collect();
                SelectionBody::List(entries)
            }
            NodeKind::Scalar { .. } if !value.is_null() => {
                SelectionBody::List(vec![ListEntry::Keyword(sigma_value(value))])
            }
            NodeKind::Scalar { .. } => {
                self.invalid(
                    value.range,
                    format!("selection `{name}` is empty; give it field values or keywords"),
                );
                SelectionBody::Invalid
            }
        }
    }

    fn list_entry(&mut self, name: &str, item: &Node) -> Option<ListEntry> {
        match &item.kind {
            NodeKind::Mapping(map) => Some(ListEntry::Map(self.field_items(map))),
            NodeKind::Scalar { .. } => Some(ListEntry::Keyword(sigma_value(item))),
            NodeKind::Sequence(_) => {
                self.invalid(
                    item.range,
                    format!(
                        "selection `{name}` contains a nested list; write one list of values \
                         or of mappings"
                    ),
                );
                None
            }
        }
    }

    fn field_items(&mut self, entries: &[(Node, Node)]) -> Vec<FieldItem> {
        let mut items = Vec::new();
        for (key, value) in entries {
            let Some(key_text) = key.as_str() else {
                self.invalid(key.range, "a field name must be a plain name");
                continue;
            };
            let (field, field_range, modifiers) = self.split_key(key, key_text);

            let (values, is_list) = match &value.kind {
                NodeKind::Sequence(list) => {
                    let mut values = Vec::new();
                    for item in list {
                        if item.as_str().is_some() {
                            values.push(sigma_value(item));
                        } else {
                            self.invalid(
                                item.range,
                                format!(
                                    "values of `{key_text}` must be single values, found {}",
                                    item.type_name()
                                ),
                            );
                        }
                    }
                    (values, true)
                }
                NodeKind::Scalar { .. } => (vec![sigma_value(value)], false),
                NodeKind::Mapping(_) => {
                    self.invalid(
                        value.range,
                        format!(
                            "the value of `{key_text}` must be a value or a list of values, \
                             found a mapping"
                        ),
                    );
                    (Vec::new(), false)
                }
            };
            items.push(FieldItem {
                key: key_text.to_owned(),
                key_range: key.range,
                field,
                field_range,
                modifiers,
                values,
                value_range: value.range,
                is_list,
            });
        }
        items
    }

    /// Splits a field key into the field name and its modifiers, each with its range.
    fn split_key(
        &self,
        key: &Node<'_>,
        key_text: &str,
    ) -> (String, TextRange, Vec<Spanned<String>>) {
        let mut parts = key_text.split('|');
        let field = parts.next().unwrap_or("");
        // A key written as its text (plain, or quoted without escapes) maps byte for byte.
        let written = self.text.get(key.range.as_range()).unwrap_or("");
        let direct_offset = if written == key_text {
            Some(key.range.start())
        } else if written.len() == key_text.len() + 2
            && written.get(1..=key_text.len()) == Some(key_text)
        {
            Some(key.range.start() + 1)
        } else {
            None
        };
        let offsets = match direct_offset {
            Some(_) => Vec::new(),
            None => key.char_offsets(self.text),
        };
        // `byte_index` is a byte offset into `key_text`, always at a character boundary.
        let at = |byte_index: usize| match direct_offset {
            Some(base) => base + byte_index,
            None => {
                let char_index = key_text.get(..byte_index).map_or(0, |s| s.chars().count());
                offsets
                    .get(char_index)
                    .or(offsets.last())
                    .copied()
                    .unwrap_or(key.range.start())
            }
        };
        let field_range = TextRange::new(at(0), at(field.len()).max(at(0)));
        let mut modifiers = Vec::new();
        let mut byte_index = field.len() + 1;
        for part in parts {
            let start = at(byte_index);
            let end = at(byte_index + part.len()).max(start);
            modifiers.push(Spanned::new(part.to_owned(), TextRange::new(start, end)));
            byte_index += part.len() + 1;
        }
        (field.to_owned(), field_range, modifiers)
    }

    fn correlation(&mut self, key: &Node, value: &Node) -> Correlation {
        let mut correlation = Correlation {
            key_range: key.range,
            ..Correlation::default()
        };
        if value.as_mapping().is_none() {
            self.invalid(
                value.range,
                format!(
                    "`correlation` must be a mapping with `type` and `rules`, found {}",
                    value.type_name()
                ),
            );
            return correlation;
        }
        correlation.correlation_type = self.scalar(value, "type");
        correlation.rules = self.scalar_list(value, "rules");
        correlation.group_by = self.scalar_list(value, "group-by");
        correlation.timespan = self.scalar(value, "timespan");
        correlation
    }
}

/// Types a scalar by the YAML core schema.
fn sigma_value(node: &Node) -> SigmaValue {
    let (written, style) = match &node.kind {
        NodeKind::Scalar { value, style } => (value.as_ref(), *style),
        _ => ("", Style::Plain),
    };
    let kind = if style != Style::Plain {
        ValueKind::String
    } else if node.is_null() {
        ValueKind::Null
    } else if matches!(
        written,
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE"
    ) {
        ValueKind::Bool
    } else if is_yaml_number(written) {
        ValueKind::Number
    } else {
        ValueKind::String
    };
    SigmaValue {
        written: written.to_owned(),
        kind,
        range: node.range,
    }
}

/// Returns whether a plain scalar is an integer or a float in the YAML 1.2 core schema.
fn is_yaml_number(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() {
        return false;
    }
    if let Some(hex) = digits.strip_prefix("0x") {
        return !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    if let Some(octal) = digits.strip_prefix("0o") {
        return !octal.is_empty() && octal.bytes().all(|b| (b'0'..=b'7').contains(&b));
    }
    let (mantissa, exponent) = match digits.find(['e', 'E']) {
        Some(at) => (&digits[..at], Some(&digits[at + 1..])),
        None => (digits, None),
    };
    let mantissa_ok = mantissa.bytes().any(|b| b.is_ascii_digit())
        && mantissa.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && mantissa.bytes().filter(|&b| b == b'.').count() <= 1;
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit())
    });
    mantissa_ok && exponent_ok
}

/// Returns whether a selection name matches a condition pattern, where `*` matches any run
/// of characters. Names are compared case-sensitively, as pySigma does.
pub fn pattern_matches(pattern: &str, name: &str) -> bool {
    let parts: Vec<&str> = pattern.split('*').collect();
    let (Some(first), Some(last)) = (parts.first(), parts.last()) else {
        return false;
    };
    if parts.len() == 1 {
        return pattern == name;
    }
    if !name.starts_with(first) {
        return false;
    }
    let mut rest = &name[first.len()..];
    let middle = parts.get(1..parts.len() - 1).unwrap_or(&[]);
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Finds every reference of the conditions and the selections each names.
fn resolve_references(detection: &Detection) -> Vec<Reference> {
    let mut references = Vec::new();
    for condition in &detection.conditions {
        let Some(expr) = &condition.expr else {
            continue;
        };
        expr.for_each_reference(&mut |item| {
            let reference = match item {
                ConditionExpr::Identifier { name, range } => Reference {
                    kind: ReferenceKind::Name,
                    text: name.clone(),
                    range: *range,
                    selections: matching_selections(detection, name, false),
                },
                ConditionExpr::Quantified {
                    target: Target::Them,
                    target_range,
                    ..
                } => Reference {
                    kind: ReferenceKind::Them,
                    text: "them".to_owned(),
                    range: *target_range,
                    selections: them_selections(detection),
                },
                ConditionExpr::Quantified {
                    target: Target::Pattern(pattern),
                    target_range,
                    ..
                } => Reference {
                    kind: ReferenceKind::Pattern,
                    text: pattern.clone(),
                    range: *target_range,
                    selections: matching_selections(detection, pattern, true),
                },
                ConditionExpr::And(_) | ConditionExpr::Or(_) | ConditionExpr::Not { .. } => {
                    return;
                }
            };
            references.push(reference);
        });
    }
    references
}

/// Lists the selections `them` covers: all but those whose name starts with `_`, as pySigma
/// does.
pub fn them_selections(detection: &Detection) -> Vec<usize> {
    detection
        .selections
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.name.starts_with('_'))
        .map(|(i, _)| i)
        .collect()
}

/// Lists the selections that a name (or, with `is_pattern`, a `*` pattern) names.
pub fn matching_selections(detection: &Detection, name: &str, is_pattern: bool) -> Vec<usize> {
    detection
        .selections
        .iter()
        .enumerate()
        .filter(|(_, s)| {
            if is_pattern {
                pattern_matches(name, &s.name)
            } else {
                s.name == name
            }
        })
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_match_names() {
        assert!(pattern_matches("sel*", "selection"));
        assert!(pattern_matches("sel*", "sel"));
        assert!(pattern_matches("*_main", "filter_main"));
        assert!(pattern_matches("a*b*c", "axxbyyc"));
        assert!(!pattern_matches("a*b*c", "axxc"));
        assert!(!pattern_matches("filter_*", "selection"));
        assert!(pattern_matches("exact", "exact"));
        assert!(!pattern_matches("ab*ba", "aba"));
    }

    #[test]
    fn yaml_numbers_follow_core_schema() {
        for number in ["0", "-12", "3.5", "1e3", "0x1F", "0o17", "+4"] {
            assert!(is_yaml_number(number), "{number}");
        }
        for text in ["", "1.2.3", "0x", "e3", "12a", "-", "1e"] {
            assert!(!is_yaml_number(text), "{text}");
        }
    }
}
