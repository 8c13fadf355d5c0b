//! The Rule IR: the one shape every language front end lowers a detection to.
//!
//! A [`Rule`] holds metadata, a data source and a boolean [`Expr`] tree whose leaves are
//! [`Predicate`]s. Every part keeps a [`TextRange`] of byte offsets into the file it came from,
//! also when the query is embedded in YAML or TOML, so that diagnostics and fixes can point at
//! the exact text.
//!
//! Conventions that every front end follows, so that the index and the lints see one shape:
//!
//! - A list of values is a disjunction of one predicate per value ([`Expr::Or`]), or a
//!   conjunction for Sigma `|all` and KQL `has_all`. The operator as the author wrote it
//!   (`in`, `has_any`, `IN (...)`, `Image|endswith`) stays in [`Predicate::written_op`].
//! - Negated operators (`!=`, `!in`, `!has`, Sigma `|neq`, SPL `NOT x=y`) lower to
//!   [`Expr::Not`] around the positive predicate, so an exclusion is always a `Not` node.
//! - Parts that are not modelled (a join, a lookup, a Python body) become [`Expr::Opaque`] with
//!   their range. Lints treat them as unknown rather than absent.

use serde::Serialize;
use std::fmt;

/// A half-open byte range `start..end` into the text of one file.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize)]
pub struct TextRange {
    pub start: u32,
    pub end: u32,
}

impl TextRange {
    /// Creates a range from byte offsets.
    ///
    /// # Panics
    /// Panics when `start > end`, which is always a front-end bug.
    pub fn new(start: usize, end: usize) -> TextRange {
        assert!(start <= end, "invalid range {start}..{end}");
        TextRange {
            start: clamp_u32(start),
            end: clamp_u32(end),
        }
    }

    /// An empty range at `offset`, used for insertions and for "missing" diagnostics.
    pub fn empty(offset: usize) -> TextRange {
        TextRange::new(offset, offset)
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }

    pub fn start(self) -> usize {
        self.start as usize
    }

    pub fn end(self) -> usize {
        self.end as usize
    }

    /// Returns whether `offset` lies inside the range; the end offset counts as inside so that
    /// a cursor just after a word still hovers it.
    pub fn contains_inclusive(self, offset: usize) -> bool {
        self.start() <= offset && offset <= self.end()
    }

    /// The smallest range that covers both.
    pub fn cover(self, other: TextRange) -> TextRange {
        TextRange {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    /// Moves the range right by `delta` bytes.
    pub fn shift(self, delta: usize) -> TextRange {
        TextRange::new(self.start() + delta, self.end() + delta)
    }

    pub fn as_range(self) -> std::ops::Range<usize> {
        self.start()..self.end()
    }
}

/// Offsets past `u32::MAX` saturate. Inputs that large are rejected before parsing, so a
/// saturated range can only point at the end of a huge file.
fn clamp_u32(offset: usize) -> u32 {
    u32::try_from(offset).unwrap_or(u32::MAX)
}

impl fmt::Debug for TextRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
    }
}

/// A value together with the range of the text it was read from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Spanned<T> {
    pub value: T,
    pub range: TextRange,
}

impl<T> Spanned<T> {
    pub fn new(value: T, range: TextRange) -> Spanned<T> {
        Spanned { value, range }
    }
}

/// The file format a rule was read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// Sigma rule YAML, one rule per YAML document.
    Sigma,
    /// Microsoft Sentinel analytic or hunting rule YAML with a `query:` key.
    SentinelYaml,
    /// A plain KQL query file (`.kql`, `.kusto`, `.csl`, `.txt`).
    Kql,
    /// Splunk security_content detection YAML with a `search:` key.
    SplunkYaml,
    /// A plain SPL search file (`.spl`).
    Spl,
    /// Elastic detection-rules TOML.
    ElasticToml,
    /// Panther analysis YAML (`AnalysisType:`).
    PantherYaml,
}

impl Format {
    /// The vendor ecosystem rules of this format belong to.
    pub fn vendor(self) -> Vendor {
        match self {
            Format::Sigma => Vendor::Sigma,
            Format::SentinelYaml | Format::Kql => Vendor::Sentinel,
            Format::SplunkYaml | Format::Spl => Vendor::Splunk,
            Format::ElasticToml => Vendor::Elastic,
            Format::PantherYaml => Vendor::Panther,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Format::Sigma => "sigma",
            Format::SentinelYaml => "sentinel-yaml",
            Format::Kql => "kql",
            Format::SplunkYaml => "splunk-yaml",
            Format::Spl => "spl",
            Format::ElasticToml => "elastic-toml",
            Format::PantherYaml => "panther-yaml",
        }
    }
}

/// The five rule ecosystems of the corpus.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Vendor {
    Sigma,
    Elastic,
    Splunk,
    Sentinel,
    Panther,
}

impl Vendor {
    pub const ALL: [Vendor; 5] = [
        Vendor::Sigma,
        Vendor::Elastic,
        Vendor::Splunk,
        Vendor::Sentinel,
        Vendor::Panther,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Vendor::Sigma => "sigma",
            Vendor::Elastic => "elastic",
            Vendor::Splunk => "splunk",
            Vendor::Sentinel => "sentinel",
            Vendor::Panther => "panther",
        }
    }
}

/// The query language a rule's logic is written in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Language {
    /// Sigma `detection:` maps with a `condition:`.
    SigmaDetection,
    Kql,
    Spl,
    /// Kibana Query Language, `language = "kuery"` in Elastic rules.
    Kuery,
    Eql,
    Esql,
    Lucene,
    /// Panther YAML `Detection:` blocks.
    PantherDetection,
    /// Panther scheduled and saved queries.
    Sql,
    /// Panther rules whose logic is a Python `rule(event)` function.
    Python,
    /// A rule with no query, such as an Elastic machine-learning rule.
    None,
}

/// Metadata every front end fills where its format has the key.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Metadata {
    pub id: Option<Spanned<String>>,
    pub title: Option<Spanned<String>>,
    pub status: Option<Spanned<String>>,
    /// True for Sigma and Splunk `status: deprecated` and Elastic `maturity = "deprecated"`.
    /// A disabled Panther rule (`Enabled: false`) is not deprecated.
    pub deprecated: bool,
    /// Sigma `level`, or the format's severity field, lower-cased.
    pub level: Option<Spanned<String>>,
    /// ATT&CK technique ids, upper-cased, sub-techniques kept (`T1059.001`).
    pub techniques: Vec<Spanned<String>>,
    /// ATT&CK names the rule gives its techniques, as (upper-cased id, name). Only Elastic
    /// rules name them (`[[rule.threat.technique]]`); a sub-technique's name is prefixed with
    /// its parent's, as ATT&CK displays it (`Command and Scripting Interpreter: PowerShell`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub technique_names: Vec<(String, String)>,
    /// Tags as written (Sigma `tags`, Panther `Tags`), for lints on their form.
    pub tags: Vec<Spanned<String>>,
}

/// What kind of data-source selector an entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DataSourceKind {
    SigmaProduct,
    SigmaCategory,
    SigmaService,
    /// A KQL table or an Elastic index pattern.
    Table,
    IndexPattern,
    /// SPL `index=`.
    SplunkIndex,
    Sourcetype,
    /// SPL `source=`.
    Source,
    /// A CIM data model and dataset, `Endpoint.Processes`.
    DataModel,
    /// A Panther log type (`AWS.CloudTrail`) or resource type.
    LogType,
}

/// One data-source selector, as written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DataSource {
    pub kind: DataSourceKind,
    pub value: String,
    pub range: TextRange,
}

/// The normalized comparison a predicate makes. Negations are [`Expr::Not`], never operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Op {
    Eq,
    Contains,
    StartsWith,
    EndsWith,
    /// A glob with `*`/`?` left in the middle of the value.
    Wildcard,
    RegexMatch,
    CidrMatch,
    Gt,
    Ge,
    Lt,
    Le,
    IsNull,
    IsNotNull,
    /// Full-text or field-less keyword match.
    Match,
}

impl Op {
    pub fn name(self) -> &'static str {
        match self {
            Op::Eq => "eq",
            Op::Contains => "contains",
            Op::StartsWith => "starts_with",
            Op::EndsWith => "ends_with",
            Op::Wildcard => "wildcard",
            Op::RegexMatch => "regex_match",
            Op::CidrMatch => "cidr_match",
            Op::Gt => "gt",
            Op::Ge => "ge",
            Op::Lt => "lt",
            Op::Le => "le",
            Op::IsNull => "is_null",
            Op::IsNotNull => "is_not_null",
            Op::Match => "match",
        }
    }

    /// Existence tests carry no value and narrow a rule only weakly.
    pub fn is_existence(self) -> bool {
        matches!(self, Op::IsNull | Op::IsNotNull)
    }
}

/// A field reference as written in the rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Field {
    /// The name as written, without modifiers or data-model prefix (`Image`, `process_name`).
    pub name: String,
    pub range: TextRange,
    /// The CIM data model dataset the field was qualified with (`Endpoint.Processes`), if any.
    pub data_model: Option<String>,
}

/// The type of a literal value after front-end interpretation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    String,
    Number,
    Bool,
    Null,
    /// A network in CIDR notation, or a single address.
    Cidr,
    Regex,
    /// The name of another field (Sigma `|fieldref`).
    FieldRef,
    /// A placeholder resolved at deployment (Sigma `|expand` `%name%`).
    Placeholder,
}

/// One literal value of a predicate.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Value {
    /// The value as the author wrote it, after the host format's unquoting.
    pub written: String,
    /// The value the operator compares with: wildcards that became the operator removed,
    /// escapes resolved, case-folded when the comparison is case-insensitive.
    pub normalized: String,
    pub kind: ValueKind,
    pub range: TextRange,
}

/// Where in the query a predicate applies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PredicateContext {
    /// Filters source events: the normal case.
    #[default]
    Source,
    /// Tests a column the query computed (`extend`, `eval`), not a source field.
    Computed,
    /// Applies after aggregation (`where count > 5` after `summarize`/`stats`).
    Threshold,
    /// Bounds the time window searched (`TimeGenerated > ago(1d)`) rather than what the rule
    /// detects. Indicator statistics should skip these.
    TimeWindow,
}

/// A leaf of the logic: one field, one operator, at most one value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Predicate {
    /// `None` for field-less keyword and full-text matches.
    pub field: Option<Field>,
    pub op: Op,
    /// `None` for existence tests.
    pub value: Option<Value>,
    /// The operator as written, with modifiers (`Image|endswith`, `has_any`, `IN`).
    pub written_op: String,
    pub case_sensitive: bool,
    /// Value transformations applied before matching (`base64offset`, `utf16le`, `windash`).
    pub transforms: Vec<String>,
    pub context: PredicateContext,
    /// The whole predicate's text, for diagnostics that point at the comparison.
    pub range: TextRange,
}

/// A part of the logic the front end does not model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Opaque {
    pub range: TextRange,
    /// A short reason, such as `join` or `python rule body`.
    pub reason: String,
}

/// The boolean logic of a rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Predicate(Predicate),
    Opaque(Opaque),
}

impl Expr {
    /// Calls `visit` on every predicate with whether it sits under an odd number of `Not`s.
    pub fn for_each_predicate<'a>(&'a self, visit: &mut dyn FnMut(&'a Predicate, bool)) {
        self.walk_predicates(false, visit);
    }

    fn walk_predicates<'a>(&'a self, negated: bool, visit: &mut dyn FnMut(&'a Predicate, bool)) {
        match self {
            Expr::And(items) | Expr::Or(items) => {
                for item in items {
                    item.walk_predicates(negated, visit);
                }
            }
            Expr::Not(inner) => inner.walk_predicates(!negated, visit),
            Expr::Predicate(predicate) => visit(predicate, negated),
            Expr::Opaque(_) => {}
        }
    }

    /// The conjuncts of the top level: the children of a top-level `And`, or the expression.
    pub fn top_level_conjuncts(&self) -> &[Expr] {
        match self {
            Expr::And(items) => items,
            other => std::slice::from_ref(other),
        }
    }
}

/// One detection, whatever language it was written in.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rule {
    pub format: Format,
    pub language: Language,
    /// The range of the rule's document in the file (one YAML document, or the whole file).
    pub range: TextRange,
    pub metadata: Metadata,
    pub data_sources: Vec<DataSource>,
    /// `None` when the rule has no logic the front end could read (a machine-learning rule).
    pub logic: Option<Expr>,
}

impl Rule {
    /// Creates an empty rule of `format` covering `range`, for front ends to fill in.
    pub fn new(format: Format, language: Language, range: TextRange) -> Rule {
        Rule {
            format,
            language,
            range,
            metadata: Metadata::default(),
            data_sources: Vec::new(),
            logic: None,
        }
    }

    /// Every predicate of the logic with whether it is negated.
    pub fn predicates(&self) -> Vec<(&Predicate, bool)> {
        let mut found = Vec::new();
        if let Some(logic) = &self.logic {
            logic.for_each_predicate(&mut |predicate, negated| found.push((predicate, negated)));
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn predicate(field: &str, value: &str) -> Expr {
        Expr::Predicate(Predicate {
            field: Some(Field {
                name: field.to_owned(),
                range: TextRange::default(),
                data_model: None,
            }),
            op: Op::Eq,
            value: Some(Value {
                written: value.to_owned(),
                normalized: value.to_owned(),
                kind: ValueKind::String,
                range: TextRange::default(),
            }),
            written_op: "=".to_owned(),
            case_sensitive: false,
            transforms: Vec::new(),
            context: PredicateContext::Source,
            range: TextRange::default(),
        })
    }

    #[test]
    fn predicates_report_negation_depth() {
        let logic = Expr::And(vec![
            predicate("a", "1"),
            Expr::Not(Box::new(Expr::Or(vec![
                predicate("b", "2"),
                Expr::Not(Box::new(predicate("c", "3"))),
            ]))),
        ]);
        let mut seen = Vec::new();
        logic.for_each_predicate(&mut |p, negated| {
            seen.push((p.field.as_ref().map(|f| f.name.clone()), negated))
        });
        assert_eq!(
            seen,
            vec![
                (Some("a".to_owned()), false),
                (Some("b".to_owned()), true),
                (Some("c".to_owned()), false),
            ]
        );
    }

    #[test]
    fn text_range_cover_and_shift() {
        let a = TextRange::new(3, 5);
        let b = TextRange::new(10, 12);
        assert_eq!(a.cover(b), TextRange::new(3, 12));
        assert_eq!(a.shift(7), TextRange::new(10, 12));
        assert!(a.contains_inclusive(5));
        assert!(!a.contains_inclusive(6));
    }
}
