//! What hover and completion ask of the corpus index, as a trait.
//!
//! The providers take an `Option<&dyn CorpusFacts>`: without an index they still answer from
//! the rule's own text (operator meanings, the fields this rule uses), and with one they put
//! the corpus figures first. Every count is a number of distinct rules in the index.

use rulelens_syntax::{DataSource, Vendor};

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
        operator: rulelens_syntax::Op,
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

    /// Every technique id in the index with its name, for completion.
    fn techniques(&self) -> Vec<(String, Option<String>)>;
}
