//! `rulelens-corpus`: the field taxonomy and the prebuilt index of public rules.
//!
//! - [`taxonomy`]: vendor field names in context mapped to canonical concepts.
//! - [`indicator`]: the (concept, operator, value) triples a rule checks, and which of them
//!   are exclusions.
//! - [`build`] and [`write`]: reading rule folders in parallel and writing the index file.
//! - [`format`]: the versioned, checksummed file layout.
//! - [`index`]: loading an index and the queries on it: corpus reach, field statistics,
//!   technique rules, peers and duplicates.
//! - [`report`]: the authoring guide for one ATT&CK technique, as Markdown, JSON or HTML.
//!
//! The default index is built from the public corpus, committed as `data/default.rlidx` and
//! embedded in the binary; see [`default_index`].

pub mod build;
pub mod format;
pub mod index;
pub mod indicator;
pub mod report;
pub mod taxonomy;
pub mod write;

pub use build::{build_index, BuildError, BuildReport, SkippedFile};
pub use format::IndexError;
pub use index::{FieldStats, Index, IndicatorId, PeerQuery, Reach, RuleId, RuleInfo, VendorCounts};
pub use indicator::{rule_indicators, IndicatorKey, RuleIndicator, KEYWORD_CONCEPT};
pub use taxonomy::{ConceptId, FieldContext, FieldSystem, Taxonomy};

use std::borrow::Cow;
use std::sync::OnceLock;

/// The default index, built from the public corpus by `rulelens index build`.
pub const DEFAULT_INDEX_BYTES: &[u8] = include_bytes!("../data/default.rlidx");

/// The file name of the default index inside `corpus-index/data/`.
pub const DEFAULT_INDEX_FILE: &str = "default.rlidx";

/// The attribution table of the corpus the default index was built from.
pub const CORPUS_SOURCES: &str = include_str!("../data/CORPUS-SOURCES.md");

/// Combines indexes into one whose counts add up, such as the default index and a user's own.
/// The result's source names the parts, joined with ` + `.
pub fn combine_indexes(indexes: &[&Index]) -> Result<Index, IndexError> {
    let mut builder = write::IndexBuilder::new(Taxonomy::builtin());
    for index in indexes {
        builder.add_index(index);
    }
    let names: Vec<&str> = indexes.iter().map(|index| index.source()).collect();
    let combined = Index::from_bytes(Cow::Owned(builder.finish()), None)?;
    Ok(combined.with_source(&names.join(" + ")))
}

/// The embedded default index, loaded on first use.
///
/// Fails only when the binary was built with a default index of another format version, which
/// the staleness test in `tests/` rules out.
pub fn default_index() -> Result<&'static Index, &'static IndexError> {
    static DEFAULT: OnceLock<Result<Index, IndexError>> = OnceLock::new();
    DEFAULT
        .get_or_init(|| Index::from_bytes(Cow::Borrowed(DEFAULT_INDEX_BYTES), None))
        .as_ref()
}
